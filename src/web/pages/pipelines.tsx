import { get, post } from '../api.js';
import { Notice } from '../components/notice.js';
import { StateBadge } from '../components/stateBadge.js';
import { ago } from '../format.js';
import { useAction, useNow, usePolled } from '../hooks.js';
import { href } from '../router.js';

interface RunRow {
  id: string;
  name: string;
  state: string;
  error: string | null;
  createdAt: number;
  finishedAt: number | null;
  steps: number;
}
interface StepRow {
  step: string;
  state: string;
  reused: boolean;
  reason: string | null;
  rounds: number;
  jobId: string | null;
  error: string | null;
}
interface RunDetail extends Omit<RunRow, 'steps'> {
  steps: StepRow[];
}

/** Pipeline runs, newest first; a run's page shows each step, re-used or re-run, and why. */
export function Pipelines({ selected }: { selected?: string }) {
  return selected ? <RunPage id={selected} /> : <RunList />;
}

function RunList() {
  const list = usePolled(() => get<{ runs: RunRow[] }>('/v1/pipelines?limit=100'), 2000);
  const now = useNow();
  const runs = list.data?.runs ?? [];
  return (
    <section class="page">
      <header class="page-head">
        <h1>Pipelines</h1>
        <span class="muted">{runs.filter((r) => r.state === 'running').length} running</span>
      </header>
      {list.error && <Notice kind="error">{list.error}</Notice>}
      {list.data && runs.length === 0 && (
        <Notice>
          No pipeline has run yet. Start one with <code>roost pipeline run FILE</code> (docs/pipelines.md).
        </Notice>
      )}
      {runs.length > 0 && (
        <table class="table" data-testid="pipelines-table">
          <thead>
            <tr>
              <th>run</th>
              <th>pipeline</th>
              <th>state</th>
              <th class="num">steps</th>
              <th>started</th>
              <th>error</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr>
                <td class="mono">
                  <a href={href(`pipelines/${r.id}`)}>{r.id}</a>
                </td>
                <td>{r.name}</td>
                <td>
                  <StateBadge state={r.state} />
                </td>
                <td class="num">{r.steps}</td>
                <td>{ago(r.createdAt, now)}</td>
                <td class="muted">{r.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function RunPage({ id }: { id: string }) {
  const run = usePolled(() => get<RunDetail>(`/v1/pipelines/${encodeURIComponent(id)}`), 1000, [id]);
  const action = useAction();
  const now = useNow();
  const r = run.data;
  return (
    <section class="page">
      <header class="page-head">
        <h1>
          <a href={href('pipelines')}>Pipelines</a> / {r?.name ?? id}
        </h1>
        {r && <StateBadge state={r.state} />}
        {r?.state === 'running' && (
          <button
            class="danger"
            disabled={action.busy}
            onClick={() =>
              void action.run(() => post(`/v1/pipelines/${encodeURIComponent(id)}/cancel`).then(run.reload))
            }
          >
            Cancel
          </button>
        )}
      </header>
      {run.error && <Notice kind="error">{run.error}</Notice>}
      {action.error && <Notice kind="error">{action.error}</Notice>}
      {r?.error && <Notice kind="error">{r.error}</Notice>}
      {r && (
        <>
          <p class="muted mono">
            {r.id}, started {ago(r.createdAt, now)}
            {r.finishedAt ? `, ended ${ago(r.finishedAt, now)}` : ''}
          </p>
          <table class="table" data-testid="pipeline-steps">
            <thead>
              <tr>
                <th>step</th>
                <th>state</th>
                <th>done</th>
                <th class="num">rounds</th>
                <th>job</th>
                <th>why</th>
              </tr>
            </thead>
            <tbody>
              {r.steps.map((s) => (
                <tr>
                  <td>
                    <strong>{s.step}</strong>
                  </td>
                  <td>
                    <StateBadge state={s.state} />
                  </td>
                  <td>{s.state === 'succeeded' ? (s.reused ? 're-used' : 're-run') : ''}</td>
                  <td class="num">{s.rounds}</td>
                  <td class="mono">{s.jobId ? <a href={href(`jobs/${s.jobId}`)}>{s.jobId}</a> : ''}</td>
                  <td class={s.error ? '' : 'muted'}>{s.error ?? s.reason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
