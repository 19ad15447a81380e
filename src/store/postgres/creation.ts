import type { Job, NewJob } from '../../types.js';
import { newJobView } from '../rows.js';
import type { Changes } from '../store.js';
import { noChanges } from '../store.js';
import type { Query } from './core.js';

/** What insertJobs made of each job: the job as created, or null where its key was taken. */
export interface Inserted {
  jobs: Array<Job | null>;
  changes: Changes;
}

/** The jobs' columns as parallel arrays, one element per job, in insertJobs' parameter order. */
function columns(jobs: NewJob[]): unknown[][] {
  const cols: unknown[][] = Array.from({ length: 18 }, () => new Array(jobs.length));
  jobs.forEach((j, k) => {
    const row = [
      j.id,
      j.kind,
      JSON.stringify(j.input),
      j.variants,
      j.priority,
      j.seed,
      j.maxAttempts,
      JSON.stringify(j.backoff),
      j.leaseMs,
      j.requires ? JSON.stringify(j.requires) : null,
      j.key,
      j.runAt,
      j.createdAt,
      j.concurrencyKey,
      j.cacheKey,
      j.cacheTtlMs === null ? 0 : j.createdAt - j.cacheTtlMs,
      j.route,
      j.createdBy ?? null,
    ];
    row.forEach((v, c) => (cols[c]![k] = v));
  });
  return cols;
}

/**
 * Creates a batch of jobs with their tasks in one statement (one round trip, its own commit).
 * Jobs answer as written, without reading them back; the caller reads the jobs whose key was taken.
 */
export async function insertJobs(q: Query, jobs: NewJob[]): Promise<Inserted> {
  const changes = noChanges();
  const out: Array<Job | null> = new Array(jobs.length).fill(null);
  const statement = jobs.some((j) => j.key !== null) ? 'insertJobs' : 'insertKeylessJobs';
  for (const r of (await q(statement, columns(jobs))).rows) {
    const job = jobs[r.pos - 1]!;
    const view = newJobView(job);
    out[r.pos - 1] = view;
    if (r.cached_from !== null) {
      // A cache hit is born succeeded with the source's results; nothing is dispatched.
      Object.assign(view, { state: 'succeeded', finishedAt: job.createdAt, cachedFrom: r.cached_from });
      view.counts = { queued: 0, leased: 0, succeeded: r.copied, dead: 0, cancelled: 0 };
    } else if (job.runAt > job.createdAt) {
      changes.nextRunAt = Math.min(changes.nextRunAt ?? Infinity, job.runAt);
    }
  }
  // Routes in job order, as jobs one by one would report them.
  jobs.forEach((job, k) => {
    if (out[k] && out[k]!.cachedFrom === null && job.runAt <= job.createdAt && !changes.routes.includes(job.route))
      changes.routes.push(job.route);
  });
  return { jobs: out, changes };
}
