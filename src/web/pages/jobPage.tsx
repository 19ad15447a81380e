import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { follow, get, post } from '../api.js';
import { Notice } from '../components/notice.js';
import { StateBadge } from '../components/stateBadge.js';
import { ago, botOf, clock, imagesIn, outputText } from '../format.js';
import { messageOf, useAction, useNow } from '../hooks.js';
import { href } from '../router.js';
import type { JobView, Result, Task } from '../types.js';
import { Progress } from './jobs.js';

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

interface Progressing {
  progress: number;
  partial?: unknown;
}

/** One job: its variants as they arrive over the job's event stream, its tasks, cancel, enough and redrive. */
export function JobPage({ id }: { id: string }) {
  const [job, setJob] = useState<JobView | null>(null);
  const [results, setResults] = useState<Result[]>([]);
  const [partials, setPartials] = useState<Record<string, Progressing>>({});
  const [tasks, setTasks] = useState<Task[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const action = useAction();
  const now = useNow();

  const refresh = () => {
    get<JobView>(`/v1/jobs/${encodeURIComponent(id)}`).then(setJob, (e) => setError(messageOf(e)));
    get<{ tasks: Task[] }>(`/v1/jobs/${encodeURIComponent(id)}/tasks`).then(
      (t) => setTasks(t.tasks),
      () => {},
    );
  };

  useEffect(() => {
    setResults([]);
    setPartials({});
    setError(null);
    refresh();
    // The hub ends the stream after a final state (or, for a finished job, after its results);
    // EventSource would only open it again.
    let final = false;
    const stop: () => void = follow(
      `/v1/jobs/${encodeURIComponent(id)}/events`,
      {
        job: (j: JobView) => {
          setJob(j);
          final = FINAL.has(j.state);
        },
        result: (r: Result) => {
          setResults((old) => (old.some((o) => o.seq === r.seq) ? old : [...old, r].sort((a, b) => a.seq - b.seq)));
          setPartials((old) => {
            const { [r.taskId]: _done, ...rest } = old;
            return rest;
          });
          refresh();
        },
        progress: (p: { taskId: string; progress: number; partial?: unknown }) =>
          setPartials((old) => ({ ...old, [p.taskId]: p })),
        state: (s: { state: string }) => {
          refresh();
          final = FINAL.has(s.state);
        },
      },
      () => {
        if (final) stop();
      },
    );
    return stop;
  }, [id, generation]);

  const act = (path: string) => {
    void action.run(async () => {
      await post(path);
      refresh();
      setGeneration((g) => g + 1);
    });
  };

  if (error && !job) return <Notice kind="error">{error}</Notice>;
  if (!job) return <p class="muted">Loading…</p>;
  const open = !FINAL.has(job.state);
  const running = tasks.filter((t) => t.state === 'leased' || partials[t.id]);
  const bot = botOf(job.concurrencyKey);

  return (
    <section class="page">
      <header class="page-head">
        <div>
          <div class="crumbs">
            <a href={href('jobs')}>Jobs</a> /
          </div>
          <h1 class="mono">{job.id}</h1>
        </div>
        <div class="actions">
          <button
            onClick={() => act(`/v1/jobs/${job.id}/enough`)}
            disabled={!open || action.busy}
            title="keep the results so far; cancel the rest"
          >
            Enough
          </button>
          <button class="danger" onClick={() => act(`/v1/jobs/${job.id}/cancel`)} disabled={!open || action.busy}>
            Cancel
          </button>
        </div>
      </header>
      {action.error && <Notice kind="error">{action.error}</Notice>}
      <div class="facts card">
        <Fact label="state">
          <StateBadge state={job.state} /> {job.enough && <span class="badge">enough</span>}{' '}
          {job.cached && <span class="badge">cached</span>}
          {job.waitingForWorker && <span class="badge warn">waiting for a worker</span>}
        </Fact>
        <Fact label="kind">{job.kind}</Fact>
        <Fact label="variants">
          <Progress job={job} />
        </Fact>
        <Fact label="bot">{bot ? <a href={href('jobs', { bot })}>{bot}</a> : '—'}</Fact>
        <Fact label="created">{clock(job.createdAt)}</Fact>
        <Fact label="finished">{job.finishedAt ? `${clock(job.finishedAt)} (${ago(job.finishedAt, now)})` : '—'}</Fact>
        <Fact label="seed">{job.seed}</Fact>
        <Fact label="priority">{job.priority}</Fact>
      </div>
      <details class="card input">
        <summary>Input</summary>
        <pre>{JSON.stringify(job.input, null, 2)}</pre>
      </details>
      <h2>
        Variants{' '}
        <span class="muted small">
          {results.length} of {job.variants} in
        </span>
      </h2>
      <div class="variants" data-testid="variants">
        {results.map((r) => (
          <article class="variant" data-variant={r.index}>
            <header>
              <span class="badge state-succeeded">#{r.index}</span>{' '}
              <span class="muted small">
                seed {r.seed} · {clock(r.finishedAt)}
              </span>
            </header>
            {/* Same origin: the session cookie authorises the image like any other read. */}
            {imagesIn(r.output).map((hash) => (
              <img
                class="artifact"
                src={`/v1/artifacts/${hash}`}
                alt={`artifact ${hash.slice(0, 12)}`}
                loading="lazy"
              />
            ))}
            <pre class="output">{outputText(r.output)}</pre>
          </article>
        ))}
        {open &&
          running
            .filter((t) => !results.some((r) => r.taskId === t.id))
            .map((t) => (
              <article class="variant pending">
                <header>
                  <span class="badge state-leased">#{t.index}</span>{' '}
                  <span class="muted small">
                    running{partials[t.id] ? ` · ${Math.round(100 * partials[t.id]!.progress)}%` : ''}
                  </span>
                </header>
                <pre class="output muted">
                  {partials[t.id]?.partial !== undefined ? outputText(partials[t.id]!.partial) : '…'}
                </pre>
              </article>
            ))}
      </div>
      <h2>Tasks</h2>
      <table class="table">
        <thead>
          <tr>
            <th>#</th>
            <th>state</th>
            <th>attempt</th>
            <th>worker</th>
            <th>error</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {tasks.map((t) => (
            <tr>
              <td>{t.index}</td>
              <td>
                <StateBadge state={t.state} />
              </td>
              <td>
                {t.attempt}/{t.maxAttempts}
              </td>
              <td>{t.workerId ?? <span class="muted">—</span>}</td>
              <td class="error-cell">{t.error ?? ''}</td>
              <td>
                {t.state === 'dead' && (
                  <button onClick={() => act(`/v1/tasks/${t.id}/redrive`)} disabled={action.busy}>
                    Redrive
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Fact({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="fact">
      <div class="fact-label">{label}</div>
      <div>{children}</div>
    </div>
  );
}
