import type { JobState, Scope } from '../types.js';

/**
 * The broker's rows as the drivers return them, one shape for both adapters (their columns are
 * the same): better-sqlite3 reads INTEGER and REAL as numbers, TEXT as strings; pg reads bigint as
 * a number (postgres/core.ts), integer and float8 as numbers, text as strings; NULL is null in
 * both. A statement's rows are given their shape once, where the adapter reads them.
 */

/** A boolean column: SQLite stores 0/1, PostgreSQL a boolean. */
export type Flag = 0 | 1 | boolean;

/** A task's state as stored: the public ones, delayed (queued until run_at), staged (a batch not shown yet). */
export type StoredTaskState = 'queued' | 'delayed' | 'staged' | 'leased' | 'succeeded' | 'dead' | 'cancelled';

/** A row of `tasks`. */
export interface TaskRow {
  id: number;
  job_id: string;
  idx: number;
  kind: string;
  route: string;
  priority: number;
  seed: number;
  state: StoredTaskState;
  run_at: number;
  attempt: number;
  max_attempts: number;
  lease_ms: number;
  lease_token: string | null;
  lease_expires_at: number | null;
  worker_id: string | null;
  /** JSON text. */
  output: string | null;
  /** JSON text. */
  progress: string | null;
  error: string | null;
  done_seq: number | null;
  finished_at: number | null;
  concurrency_key: string | null;
  lease_owner: string | null;
}

/** A row of `jobs`; `staged` is a job of a large batch not shown yet (sqlite/creation.ts). */
export interface JobRow {
  id: string;
  kind: string;
  /** JSON text, as are backoff and requires. */
  input: string;
  state: JobState | 'staged';
  variants: number;
  priority: number;
  seed: number;
  max_attempts: number;
  backoff: string;
  lease_ms: number;
  requires: string | null;
  key: string | null;
  run_at: number;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
  concurrency_key: string | null;
  enough: Flag;
  cache_key: string | null;
  cached_from: string | null;
  created_by: string | null;
}

/** A row of `tokens`. */
export interface TokenRow {
  id: string;
  name: string;
  scope: Scope;
  hash: string;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
  /** A JSON array of kinds, or null for any. */
  kinds: string | null;
  own_jobs: Flag;
  bot: string | null;
}

/** A row of `workers`. */
export interface WorkerRow {
  worker_id: string;
  name: string;
  /** JSON text. */
  capabilities: string;
  concurrency: number;
  version: string;
  first_seen: number;
  last_seen: number;
}

/** A row of `limits`: rate_count and rate_interval_ms are both set or both null. */
export interface LimitRow {
  key: string;
  concurrency: number | null;
  rate_count: number | null;
  rate_interval_ms: number | null;
  updated_at: number;
}

/** A row of `rate_buckets`. */
export interface BucketRow {
  key: string;
  tokens: number;
  updated_at: number;
}

/** A row of `rollups` (the store's RollupRow is what it holds). */
export interface RollupTableRow {
  minute: number;
  hub: string;
  kind: string;
  jobs_created: number;
  jobs_succeeded: number;
  jobs_failed: number;
  claims: number;
  /** JSON text. */
  latency: string;
}

/** A count of rows in one state: of a job's tasks, of jobs, of tasks per kind. */
export interface StateCountRow {
  state: string;
  n: number;
}
export interface KindCountRow extends StateCountRow {
  kind: string;
}

/** A succeeded task as `results` reads it: its output and place in completion order are set. */
export interface TaskResultRow {
  idx: number;
  seed: number;
  output: string;
  finished_at: number;
  done_seq: number;
}

/** What orders tasks for a claim: higher priority first, then oldest. */
export type ClaimOrderRow = Pick<TaskRow, 'id' | 'priority' | 'run_at'>;

/** A task a claim just leased (`claim`, `leaseIds`): its lease is set. */
export interface LeasedRow extends Pick<
  TaskRow,
  'id' | 'job_id' | 'idx' | 'kind' | 'seed' | 'attempt' | 'lease_ms' | 'priority' | 'run_at' | 'concurrency_key'
> {
  lease_token: string;
  lease_expires_at: number;
}

/** What says why a lease operation was refused: the task's state and current lease token. */
export interface RefusalRow {
  state: string | null;
  lease_token: string | null;
}

/** A task being failed, with its job's backoff (`failing`). */
export type FailingRow = Pick<
  TaskRow,
  'id' | 'job_id' | 'idx' | 'route' | 'attempt' | 'max_attempts' | 'state' | 'lease_token' | 'concurrency_key'
> &
  Pick<JobRow, 'backoff'>;

/** An unfinished task whose concurrency key a limit matches (`keyedWaiting`), with its job's requires. */
export interface KeyedRow extends Pick<TaskRow, 'id' | 'kind'>, Pick<JobRow, 'requires'> {
  concurrency_key: string;
}
