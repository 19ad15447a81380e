import type {
  Backoff,
  Capability,
  ClaimedTask,
  Job,
  JobState,
  Labels,
  NewJob,
  LeaseRefusal,
  Limit,
  Result,
  Task,
  TaskCounts,
  TaskState,
  TokenInfo,
  WorkerInfo,
} from '../types.js';
import type { LatencyHistogram } from '../util/latencyHistogram.js';
import type { RollupRow, StoreStats } from './store.js';
import type {
  ClaimOrderRow,
  JobRow,
  KindCountRow,
  LeasedRow,
  LimitRow,
  RefusalRow,
  RollupTableRow,
  StateCountRow,
  TaskResultRow,
  TaskRow,
  TokenRow,
  WorkerRow,
} from './rowTypes.js';

/*
 * Rows to records, shared by both adapters since their columns are the same; the rows' shapes are
 * in rowTypes.ts.
 */

/** Public task ids are `<jobId>.<index>`; lease ids are `<task rowid>.<token>`. */
export function taskIdOf(jobId: string, idx: number): string {
  return `${jobId}.${idx}`;
}
export function splitTaskId(taskId: string): [string, number] | null {
  const dot = taskId.lastIndexOf('.');
  const idx = Number(taskId.slice(dot + 1));
  if (dot <= 0 || !Number.isInteger(idx) || idx < 0) return null;
  return [taskId.slice(0, dot), idx];
}
export function splitLeaseId(leaseId: string): [number, string] | null {
  const dot = leaseId.indexOf('.');
  const id = Number(leaseId.slice(0, dot));
  if (dot <= 0 || !Number.isSafeInteger(id)) return null;
  return [id, leaseId.slice(dot + 1)];
}

export function byClaimOrder(a: ClaimOrderRow, b: ClaimOrderRow): number {
  return b.priority - a.priority || a.run_at - b.run_at || a.id - b.id;
}

/** A task's state as clients see it: delayed ones, and those of a large batch not yet shown, are queued. */
export function publicState(s: string): TaskState {
  return (s === 'delayed' || s === 'staged' ? 'queued' : s) as TaskState;
}

export function toTask(r: TaskRow): Task {
  return {
    id: taskIdOf(r.job_id, r.idx),
    jobId: r.job_id,
    index: r.idx,
    kind: r.kind,
    seed: r.seed,
    state: publicState(r.state),
    attempt: r.attempt,
    maxAttempts: r.max_attempts,
    priority: r.priority,
    runAt: r.run_at,
    workerId: r.state === 'leased' ? r.worker_id : null,
    leaseExpiresAt: r.state === 'leased' ? r.lease_expires_at : null,
    progress: r.progress == null ? null : JSON.parse(r.progress),
    error: r.error,
    finishedAt: r.finished_at,
  };
}

export function tokenInfo(r: TokenRow): TokenInfo {
  return {
    id: r.id,
    name: r.name,
    scope: r.scope,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
    lastUsedAt: r.last_used_at,
    kinds: r.kinds ? (JSON.parse(r.kinds) as string[]) : null,
    // SQLite stores 0/1, PostgreSQL a boolean.
    ownJobs: r.own_jobs === 1 || r.own_jobs === true,
    bot: r.bot ?? null,
  };
}

/** Task counts per public state from `{ state, n }` rows of one job. */
export function countTasks(rows: StateCountRow[]): TaskCounts {
  const counts: TaskCounts = { queued: 0, leased: 0, succeeded: 0, dead: 0, cancelled: 0 };
  for (const c of rows) counts[publicState(c.state)] += c.n;
  return counts;
}

export function toJob(r: JobRow, counts: TaskCounts): Job {
  return {
    id: r.id,
    kind: r.kind,
    input: JSON.parse(r.input),
    // Staged jobs are never read as jobs: every read leaves them out.
    state: r.state as JobState,
    variants: r.variants,
    priority: r.priority,
    seed: r.seed,
    maxAttempts: r.max_attempts,
    backoff: JSON.parse(r.backoff) as Backoff,
    leaseMs: r.lease_ms,
    requires: r.requires == null ? null : (JSON.parse(r.requires) as Labels),
    key: r.key,
    runAt: r.run_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
    counts,
    concurrencyKey: r.concurrency_key,
    cacheKey: r.cache_key,
    cachedFrom: r.cached_from,
    createdBy: r.created_by ?? null,
    // SQLite stores 0/1, PostgreSQL a boolean.
    enough: r.enough === 1 || r.enough === true,
  };
}

/** A job as its creation wrote it, fields in toJob's order, without reading the row back. */
export function newJobView(j: NewJob): Job {
  return {
    id: j.id,
    kind: j.kind,
    input: j.input,
    state: 'queued',
    variants: j.variants,
    priority: j.priority,
    seed: j.seed,
    maxAttempts: j.maxAttempts,
    backoff: j.backoff,
    leaseMs: j.leaseMs,
    requires: j.requires,
    key: j.key,
    runAt: j.runAt,
    createdAt: j.createdAt,
    updatedAt: j.createdAt,
    finishedAt: null,
    counts: { queued: j.variants, leased: 0, succeeded: 0, dead: 0, cancelled: 0 },
    concurrencyKey: j.concurrencyKey,
    cacheKey: j.cacheKey,
    cachedFrom: null,
    createdBy: j.createdBy ?? null,
    enough: false,
  };
}

export function toResult(jobId: string, r: TaskResultRow): Result {
  return {
    taskId: taskIdOf(jobId, r.idx),
    index: r.idx,
    seed: r.seed,
    output: JSON.parse(r.output),
    finishedAt: r.finished_at,
    seq: r.done_seq,
  };
}

export function toWorker(r: WorkerRow): WorkerInfo {
  return {
    workerId: r.worker_id,
    name: r.name,
    capabilities: JSON.parse(r.capabilities) as Capability[],
    concurrency: r.concurrency,
    version: r.version,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
  };
}

export function toLimit(r: LimitRow): Limit {
  return {
    key: r.key,
    concurrency: r.concurrency,
    rate: r.rate_count === null ? null : { count: r.rate_count, intervalMs: r.rate_interval_ms! },
  };
}

/** Store stats from `{ kind, state, n }` task rows and `{ state, n }` job rows; delayed counts as queued. */
export function toStats(taskRows: KindCountRow[], jobRows: StateCountRow[]): StoreStats {
  const tasks = new Map<string, { kind: string; state: string; count: number }>();
  for (const r of taskRows) {
    const state = publicState(r.state);
    const key = `${r.kind}\n${state}`;
    const entry = tasks.get(key) ?? { kind: r.kind, state, count: 0 };
    entry.count += r.n;
    tasks.set(key, entry);
  }
  const jobs: StoreStats['jobs'] = {};
  for (const r of jobRows) jobs[r.state as JobState] = r.n;
  return { tasks: [...tasks.values()], jobs };
}

export function toRollup(r: RollupTableRow): RollupRow {
  return {
    minute: r.minute,
    hub: r.hub,
    kind: r.kind,
    jobsCreated: r.jobs_created,
    jobsSucceeded: r.jobs_succeeded,
    jobsFailed: r.jobs_failed,
    claims: r.claims,
    latency: JSON.parse(r.latency) as LatencyHistogram,
  };
}

/** Why an operation on a lease cannot go ahead, or null when the task `row` holds it in `okState`. */
export function leaseRefusal(row: RefusalRow | undefined, token: string, okState: string): LeaseRefusal | null {
  if (!row || row.lease_token !== token) return 'lease_lost';
  if (row.state === okState) return null;
  return row.state === 'cancelled' ? 'cancelled' : 'lease_lost';
}

/** A task row a claim just leased, with its job's input, as the worker receives it. */
export function toClaimedTask(r: LeasedRow, input: unknown): ClaimedTask {
  return {
    taskId: taskIdOf(r.job_id, r.idx),
    leaseId: `${r.id}.${r.lease_token}`,
    jobId: r.job_id,
    kind: r.kind,
    index: r.idx,
    seed: r.seed,
    attempt: r.attempt,
    input,
    leaseMs: r.lease_ms,
    leaseExpiresAt: r.lease_expires_at,
    readyAt: r.run_at,
  };
}
