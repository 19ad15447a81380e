import { get, query } from '../api.js';
import { FilterInput } from '../components/filterInput.js';
import { FilterSelect, PeriodSelect, setFilter, sinceOf, type FilterTarget } from '../components/filters.js';
import { Notice } from '../components/notice.js';
import { StateBadge } from '../components/stateBadge.js';
import { ago, botOf } from '../format.js';
import { useNow, usePolled } from '../hooks.js';
import { href, type Route } from '../router.js';
import type { JobView } from '../types.js';

const STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

/** Jobs, newest first, filtered by state, kind, bot and age; the first page refreshes itself. */
export function Jobs({ route }: { route: Route }) {
  const p = route.params;
  const target: FilterTarget = { route, page: 'jobs', resets: ['cursor'] };
  const now = useNow(5000);
  const since = sinceOf(p.get('period') ?? '');
  const filters = {
    state: p.get('state'),
    kind: p.get('kind'),
    bot: p.get('bot'),
    cursor: p.get('cursor'),
    since,
    limit: 50,
  };
  const list = usePolled(
    () => get<{ jobs: JobView[]; nextCursor: string | null }>(`/v1/jobs${query(filters)}`),
    filters.cursor ? 60_000 : 3000,
    [p.toString()],
  );

  const field = (name: string, placeholder: string) => (
    <FilterInput
      name={name}
      placeholder={placeholder}
      value={p.get(name) ?? ''}
      onCommit={(v) => setFilter(target, name, v)}
    />
  );

  return (
    <section class="page">
      <header class="page-head">
        <h1>Jobs</h1>
      </header>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="filters">
        <FilterSelect
          target={target}
          name="state"
          options={[['', 'any state'], ...STATES.map((s): [string, string] => [s, s])]}
        />
        {field('kind', 'kind, e.g. text.markov')}
        {field('bot', 'bot')}
        <PeriodSelect target={target} none="any time" />
        {[...p.keys()].length > 0 && (
          <a class="button" href={href('jobs')}>
            clear
          </a>
        )}
      </form>
      {list.error && <Notice kind="error">{list.error}</Notice>}
      {list.data && list.data.jobs.length === 0 && <Notice>No jobs match.</Notice>}
      {list.data && list.data.jobs.length > 0 && (
        <table class="table jobs" data-testid="jobs-table">
          <thead>
            <tr>
              <th>job</th>
              <th>kind</th>
              <th>state</th>
              <th>variants</th>
              <th>bot</th>
              <th>created</th>
              <th>finished</th>
            </tr>
          </thead>
          <tbody>
            {list.data.jobs.map((j) => (
              <tr>
                <td>
                  <a class="mono" href={href(`jobs/${j.id}`)}>
                    {j.id}
                  </a>
                </td>
                <td>{j.kind}</td>
                <td>
                  <StateBadge state={j.state} />
                  {j.waitingForWorker && (
                    <span class="badge warn" title="no connected worker can run it">
                      no worker
                    </span>
                  )}
                </td>
                <td>
                  <Progress job={j} />
                </td>
                <td>{botOf(j.concurrencyKey) ?? <span class="muted">—</span>}</td>
                <td title={new Date(j.createdAt).toISOString()}>{ago(j.createdAt, now)}</td>
                <td>{j.finishedAt ? ago(j.finishedAt, now) : <span class="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.data?.nextCursor && (
        <p>
          <a class="button" href={href('jobs', { ...Object.fromEntries(p), cursor: list.data.nextCursor })}>
            older →
          </a>
        </p>
      )}
    </section>
  );
}

/** Succeeded out of all variants, with a bar split by task state. */
export function Progress({ job }: { job: JobView }) {
  const c = job.counts;
  const total = job.variants || 1;
  return (
    <span
      class="progress"
      title={`${c.succeeded} succeeded, ${c.leased} running, ${c.queued} queued, ${c.dead} dead, ${c.cancelled} cancelled`}
    >
      <span class="progress-bar">
        <span class="seg succeeded" style={{ width: `${(100 * c.succeeded) / total}%` }} />
        <span class="seg leased" style={{ width: `${(100 * c.leased) / total}%` }} />
        <span class="seg dead" style={{ width: `${(100 * c.dead) / total}%` }} />
      </span>
      <span class="small">
        {c.succeeded}/{job.variants}
      </span>
    </span>
  );
}
