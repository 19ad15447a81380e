import type { Job, NewJob } from '../../types.js';
import { newJobView } from '../rows.js';
import type { Changes } from '../store.js';
import { noChanges } from '../store.js';
import type { Query } from './core.js';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { TURN_JOBS } from '../../util/inTurns.js';

/** What insertJobs made of each job: the job as created, or null where its key was taken. */
export interface Inserted {
  jobs: Array<Job | null>;
  changes: Changes;
}

/** The jobs' columns as parallel arrays, one element per job, in insertJobs' parameter order. */
function columns(jobs: NewJob[]): unknown[][] {
  const cols: unknown[][] = Array.from({ length: 18 }, () => new Array<unknown>(jobs.length));
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

/** One element of a PostgreSQL array literal, as pg would write it. */
function element(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') return String(v);
  return `"${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * columns(jobs) as array literals ('{...}'), written TURN_JOBS jobs a turn: pg binding 18 arrays
 * of 1000 elements held the hub 3.5 ms in one turn (10-36 ms before the JIT had it).
 */
export async function columnLiterals(jobs: NewJob[]): Promise<string[]> {
  const parts: string[][] = Array.from({ length: 18 }, () => []);
  for (let first = 0; first < jobs.length; first += TURN_JOBS) {
    if (first > 0) await nextTurn();
    columns(jobs.slice(first, first + TURN_JOBS)).forEach((col, c) => parts[c]!.push(col.map(element).join(',')));
  }
  return parts.map((p) => `{${p.join(',')}}`);
}

/**
 * Creates a batch of jobs with their tasks in one statement (one round trip, its own commit), its
 * columns given as arrays or as columnLiterals. Jobs answer as written, without reading them back;
 * the caller reads the jobs whose key was taken.
 */
export async function insertJobs(q: Query, jobs: NewJob[], cols: unknown[] = columns(jobs)): Promise<Inserted> {
  const changes = noChanges();
  const out: Array<Job | null> = new Array<Job | null>(jobs.length).fill(null);
  const statement = jobs.some((j) => j.key !== null) ? 'insertJobs' : 'insertKeylessJobs';
  const { rows } = await q<{ pos: number; cached_from: string | null; copied: number }>(statement, cols);
  for (const r of rows) {
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
