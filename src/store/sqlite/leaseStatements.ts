/**
 * The SQLite adapter's statements on leases: claimed within limits, extended, reported on,
 * completed, failed, released. Each carries a header: its parameters and what it returns.
 */
import type { LeasedRow } from '../rowTypes.js';

/** A lease's start of a single-variant job, written with it (migration 017). */
const START_SINGLE = `job_state = CASE WHEN variants = 1 THEN 'running' ELSE job_state END,
      updated_at = CASE WHEN variants = 1 THEN :now ELSE updated_at END`;
/** What a claim returns of each task it leased; read raw, in this order, by leasedRow. */
const LEASED = `id, job_id, idx, kind, seed, attempt, lease_token, lease_ms, lease_expires_at, priority, run_at,
      concurrency_key, variants, CASE WHEN variants = 1 THEN input END AS input`;

/** A leased task (`leaseIds`), with its job's input when the job is the row itself. */
export type SqliteLeasedRow = LeasedRow & { variants: number | null; input: string | null };

/**
 * The statements read as arrays (better-sqlite3's raw mode): they run for every job, and the driver
 * builds a row object a property at a time. A claim's fourteen columns cost about 3 us a row read
 * as an object and 1.4 us as an array (docs/benchmarks.md, "Row objects").
 */
export const RAW_ROWS = ['readyIds', 'leaseIds', 'complete'] as const;

/** A row of LEASED, read raw. */
export function leasedRow(c: unknown[]): SqliteLeasedRow {
  return {
    id: c[0] as number,
    job_id: c[1] as string,
    idx: c[2] as number,
    kind: c[3] as string,
    seed: c[4] as number,
    attempt: c[5] as number,
    lease_token: c[6] as string,
    lease_ms: c[7] as number,
    lease_expires_at: c[8] as number,
    priority: c[9] as number,
    run_at: c[10] as number,
    concurrency_key: c[11] as string | null,
    variants: c[12] as number | null,
    input: c[13] as string | null,
  };
}

export const leaseSql = {
  // (id) -> the state and lease token of a task, to say why a lease operation was refused
  leaseOf: 'SELECT state, lease_token, job_id, idx FROM tasks WHERE id = ?',
  // (:id, :token) -> { owner } of the lease when it is current: the token that claimed it
  leaseOwner: `SELECT lease_owner AS owner FROM tasks WHERE id = :id AND lease_token = :token AND state = 'leased'`,
  // (route, max) -> [id] (raw) of the head of one route's ready tasks, from the ready index alone.
  // A claim reads them, then leases them by id (leaseIds): one UPDATE whose WHERE reads the same
  // table through a subquery cost about 60 us a run even when it matched nothing, the two
  // statements 6 (docs/benchmarks.md, "The claim in two statements").
  readyIds: `SELECT id FROM tasks WHERE route = ? AND state = 'queued' ORDER BY priority DESC, run_at, id LIMIT ?`,
  // (route, max) -> { id, priority, run_at, concurrency_key } of the head of one route's ready tasks,
  // for a claim under limits or across routes (the gate reads the keys)
  readyHead: `SELECT id, priority, run_at, concurrency_key FROM tasks WHERE route = ? AND state = 'queued'
    ORDER BY priority DESC, run_at, id LIMIT ?`,
  // (:now, :worker, :owner, :ids JSON array of task ids) -> the tasks leased (raw rows of LEASED), in
  // no order; :owner is the claiming token. A single-variant job is its task's row (migration 017):
  // it starts in the same write, and its input comes back with it (variants = 1); the first lease
  // of its task (attempt = 1) is the one that started it. Other jobs start by startJob.
  leaseIds: `UPDATE tasks SET state = 'leased', attempt = attempt + 1, lease_token = lower(hex(randomblob(8))),
      lease_expires_at = :now + lease_ms, worker_id = :worker, lease_owner = :owner, ${START_SINGLE}
    WHERE id IN (SELECT value FROM json_each(:ids)) AND state = 'queued'
    RETURNING ${LEASED}`,
  // (tbl, kind, state, n) -> nothing: adds n to a state count (CountDeltas), making its row when missing
  addCount: `INSERT INTO state_counts (tbl, kind, state, n) VALUES (?, ?, ?, ?)
    ON CONFLICT (tbl, kind, state) DO UPDATE SET n = n + excluded.n`,
  // (key) -> { n }: tasks of this concurrency key holding a lease
  runningByKey: `SELECT count(*) AS n FROM tasks WHERE concurrency_key = ? AND state = 'leased'`,
  // (key) -> { tokens, updated_at } of the key's rate bucket
  bucket: 'SELECT tokens, updated_at FROM rate_buckets WHERE key = ?',
  // (:key, :tokens, :now) -> nothing
  saveBucket: `INSERT INTO rate_buckets (key, tokens, updated_at) VALUES (:key, :tokens, :now)
    ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at`,
  // (:now, :id, :token) -> { lease_expires_at } when the lease was current and is now extended
  extend: `UPDATE tasks SET lease_expires_at = :now + lease_ms
    WHERE id = :id AND lease_token = :token AND state = 'leased' RETURNING lease_expires_at`,
  // (:progress, :id, :token) -> { job_id, idx } when the lease was current
  progress: `UPDATE tasks SET progress = :progress
    WHERE id = :id AND lease_token = :token AND state = 'leased' RETURNING job_id, idx`,
  // (output JSON, done_seq, now, now, now, id, token) -> [job_id, idx, kind, seed, route, concurrency_key,
  // variants] (raw)
  // when the lease was current and the task is now succeeded. A single-variant job (variants = 1)
  // succeeds with its task, in the same write; other jobs finish by finishJob. One run per result:
  // for small outputs a statement per item costs less than handing SQLite a JSON array to take apart.
  complete: `UPDATE tasks SET state = 'succeeded', output = ?, done_seq = ?, finished_at = ?, lease_expires_at = NULL,
      job_state = CASE WHEN variants = 1 THEN 'succeeded' ELSE job_state END,
      job_finished_at = CASE WHEN variants = 1 THEN ? ELSE job_finished_at END,
      updated_at = CASE WHEN variants = 1 THEN ? ELSE updated_at END
    WHERE id = ? AND lease_token = ? AND state = 'leased'
    RETURNING job_id, idx, kind, seed, route, concurrency_key, variants`,
  // (id) -> the task with its job's backoff, to decide between retry and dead
  failing: `SELECT t.id, t.job_id, t.idx, t.route, t.attempt, t.max_attempts, t.state, t.lease_token, t.concurrency_key, j.backoff
    FROM tasks t JOIN jobs j ON j.id = t.job_id WHERE t.id = ?`,
  // (:state, :runAt, :error, :id) -> nothing: puts a failed task back (queued or delayed)
  retry: `UPDATE tasks SET state = :state, run_at = :runAt, error = :error, lease_token = NULL, progress = NULL,
      lease_expires_at = NULL, worker_id = NULL WHERE id = :id`,
  // (:error, :now, :id) -> nothing
  kill: `UPDATE tasks SET state = 'dead', error = :error, finished_at = :now, lease_expires_at = NULL
    WHERE id = :id`,
  // (:error, :now, :jobId) -> nothing: cancels the unfinished tasks of a job (leased ones keep
  // their token so the next heartbeat tells their worker)
  cancelRest: `UPDATE tasks SET state = 'cancelled', error = :error, finished_at = :now
    WHERE job_id = :jobId AND state IN ('queued', 'delayed', 'leased')`,
  // (:id, :token) -> { job_id, route } when the lease was current: back to queued, attempt not counted
  release: `UPDATE tasks SET state = 'queued', attempt = attempt - 1, lease_token = NULL, progress = NULL,
      lease_expires_at = NULL, worker_id = NULL
    WHERE id = :id AND lease_token = :token AND state = 'leased' RETURNING job_id, route`,
  // (:jobId) -> { route } of leased tasks of the job that carry a concurrency key (their slots free up)
  keyedLeases: `SELECT route FROM tasks WHERE job_id = :jobId AND state = 'leased' AND concurrency_key IS NOT NULL`,
} as const;
