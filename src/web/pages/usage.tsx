import { get } from '../api.js';
import { Notice } from '../components/notice.js';
import { usePolled } from '../hooks.js';
import { href, type Route } from '../router.js';

/** One row of `GET /v1/usage`: a key's requests and tokens on one UTC day for one model. */
interface UsageRow {
  tokenId: string;
  day: string;
  model: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
}

/** A key's totals on one day (or over the period), with the models it used. */
interface Sum {
  day: string;
  tokenId: string;
  models: Set<string>;
  requests: number;
  promptTokens: number;
  completionTokens: number;
}

const PERIODS = [1, 7, 30, 90];

function sums(rows: UsageRow[], key: (r: UsageRow) => string): Sum[] {
  const out = new Map<string, Sum>();
  for (const r of rows) {
    const s = out.get(key(r)) ?? {
      day: r.day,
      tokenId: r.tokenId,
      models: new Set<string>(),
      requests: 0,
      promptTokens: 0,
      completionTokens: 0,
    };
    s.models.add(r.model);
    s.requests += r.requests;
    s.promptTokens += r.promptTokens;
    s.completionTokens += r.completionTokens;
    out.set(key(r), s);
  }
  return [...out.values()];
}

const n = (v: number) => v.toLocaleString('en');

/** The OpenAI front door's usage (`roost usage`): per key per UTC day, and per key over the period. */
export function Usage({ route, admin }: { route: Route; admin: boolean }) {
  const days = Number(route.params.get('days') ?? 30);
  const usage = usePolled(() => get<{ since: string; usage: UsageRow[] }>(`/v1/usage?days=${days}`), 30_000, [days]);
  // Key names for an admin, who sees every key; other sessions see only their own.
  const names = usePolled(
    () =>
      admin ? get<{ tokens: Array<{ id: string; name: string }> }>('/v1/tokens') : Promise.resolve({ tokens: [] }),
    60_000,
    [admin],
  );
  const name = (id: string) => names.data?.tokens.find((t) => t.id === id)?.name;
  const rows = usage.data?.usage ?? [];
  const total = (s: Sum) => s.promptTokens + s.completionTokens;
  // Newest day first; within a day, and over the period, the biggest user first.
  const perDay = sums(rows, (r) => `${r.day} ${r.tokenId}`).sort(
    (a, b) => b.day.localeCompare(a.day) || total(b) - total(a),
  );
  const perKey = sums(rows, (r) => r.tokenId).sort((a, b) => total(b) - total(a));
  const keyCell = (id: string) => (
    <td>
      <span class="mono">{id}</span> {name(id) && <span class="muted small">{name(id)}</span>}
    </td>
  );
  const numbers = (s: Sum) => [
    <td class="num">{n(s.requests)}</td>,
    <td class="num">{n(s.promptTokens)}</td>,
    <td class="num">{n(s.completionTokens)}</td>,
    <td class="num">{n(total(s))}</td>,
  ];
  const head = (first: string[]) => (
    <thead>
      <tr>
        {first.map((h) => (
          <th>{h}</th>
        ))}
        <th class="num">requests</th>
        <th class="num">prompt tokens</th>
        <th class="num">completion tokens</th>
        <th class="num">total</th>
      </tr>
    </thead>
  );
  return (
    <section class="page">
      <header class="page-head">
        <h1>Usage</h1>
        <div class="segmented" role="group" aria-label="period">
          {PERIODS.map((d) => (
            <button
              class={d === days ? 'on' : ''}
              aria-pressed={d === days}
              onClick={() => (location.hash = href('usage', { days: String(d) }))}
            >
              {d === 1 ? 'today' : `${d} days`}
            </button>
          ))}
        </div>
      </header>
      <p class="muted">
        Requests and tokens through the OpenAI-compatible front door (<span class="mono">/openai/v1</span>), per API key
        and UTC day{admin ? '' : ' (this session’s key only)'}, since {usage.data?.since ?? '…'}. The same as{' '}
        <span class="mono">roost usage --days {days}</span>.
      </p>
      {usage.error && <Notice kind="error">{usage.error}</Notice>}
      {usage.data && rows.length === 0 && <Notice>No front-door requests in this period.</Notice>}
      {rows.length > 0 && (
        <div class="card">
          <div class="card-head">
            <h2>Per key</h2>
          </div>
          <table class="table" data-testid="usage-keys">
            {head(['key', 'models'])}
            <tbody>
              {perKey.map((s) => (
                <tr>
                  {keyCell(s.tokenId)}
                  <td>{[...s.models].sort().join(', ')}</td>
                  {numbers(s)}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {rows.length > 0 && (
        <div class="card">
          <div class="card-head">
            <h2>Per key per day</h2>
          </div>
          <table class="table" data-testid="usage-days">
            {head(['day', 'key', 'models'])}
            <tbody>
              {perDay.map((s) => (
                <tr>
                  <td class="mono">{s.day}</td>
                  {keyCell(s.tokenId)}
                  <td>{[...s.models].sort().join(', ')}</td>
                  {numbers(s)}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
