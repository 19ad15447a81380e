import { get, query } from '../api.js';
import { Notice } from '../components/Notice.js';
import { clock } from '../format.js';
import { usePolled } from '../hooks.js';
import { href, type Route } from '../router.js';

/** A kept log line as GET /v1/logs answers it. */
interface KeptLine {
  id: string;
  at: number;
  level: string;
  source: string;
  msg: string;
  data: Record<string, unknown> | null;
}

const LEVELS = ['info', 'warn', 'error', 'fatal'];
const PERIODS: Record<string, number> = {
  '15m': 15 * 60_000,
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
};
const PAGE = 200;

/** The filters live in the address, so a filtered view can be bookmarked and shared. */
function setFilter(route: Route, name: string, value: string): void {
  const params = Object.fromEntries(route.params);
  params[name] = value;
  if (name !== 'limit') delete params.limit;
  location.hash = href('logs', params);
}

/**
 * The hub's kept log, newest first: warn and error lines of the hub and its workers, and requests
 * answered 4xx (info) or 5xx (warn). The hub filters by level, age and id and answers the newest
 * lines; the source is picked among the lines it answered. Text fields are uncontrolled (keyed by
 * the address), so the 3 s refresh never overwrites what is being typed.
 */
export function Logs({ route }: { route: Route }) {
  const p = route.params;
  const period = p.get('period') ?? '';
  const limit = Number(p.get('limit')) || PAGE;
  const filters = {
    level: p.get('level') ?? 'info',
    id: p.get('id'),
    since: PERIODS[period] ? Date.now() - PERIODS[period]! : undefined,
    limit,
  };
  const list = usePolled(() => get<{ logs: KeptLine[] }>(`/v1/logs${query(filters)}`), 3000, [p.toString()]);
  const source = p.get('source') ?? '';
  const lines = (list.data?.logs ?? []).filter((l) => !source || l.source === source).reverse();
  const sources = [...new Set([...(list.data?.logs ?? []).map((l) => l.source), ...(source ? [source] : [])])].sort();

  return (
    <section class="page">
      <header class="page-head">
        <h1>Logs</h1>
      </header>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="filters">
        <select
          name="level"
          value={filters.level}
          onChange={(e) => setFilter(route, 'level', (e.target as HTMLSelectElement).value)}
        >
          {LEVELS.map((l) => (
            <option value={l}>{l === 'info' ? 'info (4xx requests) and worse' : `${l} and worse`}</option>
          ))}
        </select>
        <select
          name="source"
          value={source}
          onChange={(e) => setFilter(route, 'source', (e.target as HTMLSelectElement).value)}
        >
          <option value="">any source</option>
          {sources.map((s) => (
            <option value={s}>{s}</option>
          ))}
        </select>
        <input
          key={`id:${p.get('id') ?? ''}`}
          name="id"
          placeholder="line id (16 hex digits)"
          defaultValue={p.get('id') ?? ''}
          onChange={(e) => setFilter(route, 'id', (e.target as HTMLInputElement).value.trim())}
        />
        <select
          name="period"
          value={period}
          onChange={(e) => setFilter(route, 'period', (e.target as HTMLSelectElement).value)}
        >
          <option value="">all kept</option>
          {Object.keys(PERIODS).map((k) => (
            <option value={k}>last {k}</option>
          ))}
        </select>
        {[...p.keys()].length > 0 && (
          <a class="button" href={href('logs')}>
            clear
          </a>
        )}
      </form>
      {list.error && <Notice kind="error">{list.error}</Notice>}
      {list.data && lines.length === 0 && <Notice>No kept log lines match.</Notice>}
      {lines.length > 0 && (
        <table class="table logs" data-testid="logs-table">
          <thead>
            <tr>
              <th>time</th>
              <th>level</th>
              <th>source</th>
              <th>message</th>
              <th>id</th>
            </tr>
          </thead>
          <tbody>
            {lines.map((l) => (
              <tr data-level={l.level}>
                <td title={new Date(l.at).toISOString()}>{clock(l.at)}</td>
                <td>
                  <span class={`badge level-${l.level}`}>{l.level}</span>
                </td>
                <td>{l.source}</td>
                <td>
                  {l.msg}
                  {l.data && <div class="mono small muted">{JSON.stringify(l.data)}</div>}
                </td>
                <td>
                  <a class="mono small" href={href('logs', { id: l.id })}>
                    {l.id}
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.data && list.data.logs.length >= limit && limit < 10_000 && (
        <p>
          <button onClick={() => setFilter(route, 'limit', String(Math.min(10_000, limit + PAGE)))}>older →</button>
        </p>
      )}
    </section>
  );
}
