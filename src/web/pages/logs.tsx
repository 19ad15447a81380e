import { get, query } from '../api.js';
import { FilterInput } from '../components/filterInput.js';
import { FilterSelect, PeriodSelect, setFilter, sinceOf, type FilterTarget } from '../components/filters.js';
import { Notice } from '../components/notice.js';
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
const PAGE = 200;

/**
 * The hub's kept log, newest first: warn and error lines of the hub and its workers, and requests
 * answered 4xx (info) or 5xx (warn). The hub filters by level, age and id and answers the newest
 * lines; the source is picked among the lines it answered. Text fields are uncontrolled (keyed by
 * the address), so the 3 s refresh never overwrites what is being typed.
 */
export function Logs({ route }: { route: Route }) {
  const p = route.params;
  const target: FilterTarget = { route, page: 'logs', resets: ['limit'] };
  const limit = Number(p.get('limit')) || PAGE;
  const filters = {
    level: p.get('level') ?? 'info',
    id: p.get('id'),
    since: sinceOf(p.get('period') ?? ''),
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
        <FilterSelect
          target={target}
          name="level"
          options={LEVELS.map((l): [string, string] => [
            l,
            l === 'info' ? 'info (4xx requests) and worse' : `${l} and worse`,
          ])}
        />
        <FilterSelect
          target={target}
          name="source"
          options={[['', 'any source'], ...sources.map((s): [string, string] => [s, s])]}
        />
        <FilterInput
          name="id"
          placeholder="line id (hex, from an error reply)"
          value={p.get('id') ?? ''}
          onCommit={(v) => setFilter(target, 'id', v)}
        />
        <PeriodSelect target={target} none="all kept" />
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
          <button onClick={() => setFilter(target, 'limit', String(Math.min(10_000, limit + PAGE)))}>older →</button>
        </p>
      )}
    </section>
  );
}
