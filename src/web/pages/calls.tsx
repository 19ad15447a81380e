import { get, query } from '../api.js';
import { FilterSelect, PeriodSelect, sinceOf, type FilterTarget } from '../components/filters.js';
import { Notice } from '../components/notice.js';
import { ago, clock, millis } from '../format.js';
import { useNow, usePolled } from '../hooks.js';
import { href, type Route } from '../router.js';

/** A recorded platform call as GET /v1/platform-calls answers it. */
interface PlatformCall {
  at: number;
  platform: string;
  account: string;
  method: string;
  status: number;
  durationMs: number;
  remaining: number | null;
  waitMs: number;
  attempt: number;
  error: string | null;
}

const LIMIT = 200;

const failed = (c: PlatformCall) => c.status === 0 || c.status >= 400 || c.error !== null;

/**
 * The platform calls the hub made for bots (paced, retried, recorded), newest first, with a line
 * per account: how many calls, how many failed, and what its platform last said is left.
 */
export function Calls({ route }: { route: Route }) {
  const p = route.params;
  const account = p.get('account') ?? '';
  const target: FilterTarget = { route, page: 'calls' };
  const now = useNow(5000);
  const filters = {
    account: account || undefined,
    since: sinceOf(p.get('period') ?? ''),
    limit: LIMIT,
  };
  const list = usePolled(() => get<{ calls: PlatformCall[] }>(`/v1/platform-calls${query(filters)}`), 3000, [
    p.toString(),
  ]);
  const names = usePolled(() => get<{ accounts: Array<{ name: string }> }>('/v1/accounts'), 30_000);
  const calls = list.data?.calls ?? [];
  const perAccount = new Map<string, { platform: string; calls: number; failed: number; last: PlatformCall }>();
  for (const c of calls) {
    const a = perAccount.get(c.account) ?? { platform: c.platform, calls: 0, failed: 0, last: c };
    a.calls++;
    if (failed(c)) a.failed++;
    perAccount.set(c.account, a);
  }
  // The accounts stored, and those of calls recorded for accounts since removed.
  const accounts = [
    ...new Set([
      ...(names.data?.accounts ?? []).map((a) => a.name),
      ...perAccount.keys(),
      ...(account ? [account] : []),
    ]),
  ];

  return (
    <section class="page">
      <header class="page-head">
        <h1>Platform calls</h1>
        <a href={href('bots')}>← bots</a>
      </header>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="filters">
        <FilterSelect
          target={target}
          name="account"
          options={[['', 'every account'], ...accounts.sort().map((a): [string, string] => [a, a])]}
        />
        <PeriodSelect target={target} none="all kept" />
      </form>
      {list.error && <Notice kind="error">{list.error}</Notice>}
      {list.data && calls.length === 0 && <Notice>No platform calls recorded in that window.</Notice>}
      {perAccount.size > 0 && (
        <table class="table" data-testid="calls-accounts">
          <thead>
            <tr>
              <th>account</th>
              <th>platform</th>
              <th class="num">calls</th>
              <th class="num">failed</th>
              <th>last call</th>
              <th class="num">left of its limit</th>
            </tr>
          </thead>
          <tbody>
            {[...perAccount].map(([name, a]) => (
              <tr data-account={name}>
                <td>
                  <a href={href('calls', { ...Object.fromEntries(p), account: name })}>{name}</a>
                </td>
                <td>{a.platform}</td>
                <td class="num">{a.calls}</td>
                <td class={`num ${a.failed ? 'bad' : ''}`}>{a.failed}</td>
                <td>{ago(a.last.at, now)}</td>
                <td class="num">{a.last.remaining ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {calls.length > 0 && (
        <table class="table calls" data-testid="calls-table">
          <thead>
            <tr>
              <th>time</th>
              <th>platform</th>
              <th>account</th>
              <th>method</th>
              <th class="num">status</th>
              <th class="num">took</th>
              <th class="num">left</th>
              <th class="num">waited</th>
              <th class="num">try</th>
              <th>error</th>
            </tr>
          </thead>
          <tbody>
            {calls.map((c) => (
              <tr class={failed(c) ? 'failed' : ''} data-account={c.account}>
                <td title={new Date(c.at).toISOString()}>{clock(c.at)}</td>
                <td>{c.platform}</td>
                <td>{c.account}</td>
                <td class="mono small">{c.method}</td>
                <td class={`num ${failed(c) ? 'bad' : ''}`}>{c.status}</td>
                <td class="num">{millis(c.durationMs)}</td>
                <td class="num">{c.remaining ?? '—'}</td>
                <td class="num">{c.waitMs ? millis(c.waitMs) : '—'}</td>
                <td class="num">{c.attempt}</td>
                <td class="small">{c.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {calls.length >= LIMIT && (
        <p class="muted small">The newest {LIMIT} calls; narrow by account or time for others.</p>
      )}
    </section>
  );
}
