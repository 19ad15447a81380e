import type { FailingRow, LeasedRow, RefusalRow, TaskRow } from '../rowTypes.js';

/**
 * The PostgreSQL adapter's statements on leases: claimed within limits, extended, reported on,
 * completed, failed, released. Each carries a header: its parameters and what it returns.
 */
export const leaseSql = {
  // ($1 task ids) -> { id, state, lease_token } of those tasks, to say why a lease operation was refused
  leasesOf: 'SELECT id, state, lease_token FROM tasks WHERE id = ANY($1::bigint[])',
  // ($1 task ids, $2 lease tokens: parallel arrays) -> { id, lease_token, owner } of each lease that
  // is current: owner is the token that claimed it
  leaseOwners: `SELECT t.id, t.lease_token, t.lease_owner AS owner FROM unnest($1::bigint[], $2::text[]) AS l(id, token)
    JOIN tasks t ON t.id = l.id AND t.lease_token = l.token AND t.state = 'leased'`,
  // ($1 now, $2 worker, $3 routes, $4 most per route, $5 cap key per route, $6 cap per route, $7 max,
  //  $8 the claiming token or null) ->
  // the tasks leased with their job's input, `started` when their job moved from queued to running.
  // Takes the head of each route's ready index, skipping rows another claim holds, keeps at most
  // the cap of each cap key (routes of one concurrency key share it; unlimited routes pass their own
  // name and $7), and leases the best $7 of them all: higher priority first, then oldest.
  // Planned once (pipeline.ts), so every table is reached by key: by ids in an array, or per row.
  // "state IS NOT DISTINCT FROM" tests a state (never null) as = does, but no index on state can
  // serve it: a plan made while the tables were small cannot choose to walk every queued job.
  claim: `WITH heads AS (
      SELECT h.id, h.priority, h.run_at, r.cap,
        row_number() OVER (PARTITION BY r.cap_key ORDER BY h.priority DESC, h.run_at, h.id) AS nth
      FROM unnest($3::text[], $4::int[], $5::text[], $6::int[]) AS r(route, n, cap_key, cap)
      CROSS JOIN LATERAL (SELECT id, priority, run_at FROM tasks WHERE route = r.route AND state = 'queued'
        ORDER BY priority DESC, run_at, id LIMIT r.n FOR UPDATE SKIP LOCKED) AS h),
    pick AS (SELECT id FROM heads WHERE nth <= cap ORDER BY priority DESC, run_at, id LIMIT $7),
    leased AS (
      UPDATE tasks SET state = 'leased', attempt = attempt + 1, lease_token = substr(md5(gen_random_uuid()::text), 1, 16),
        lease_expires_at = $1 + lease_ms, worker_id = $2, lease_owner = $8::text
      WHERE id = ANY(ARRAY(SELECT id FROM pick))
      RETURNING id, job_id, idx, kind, seed, attempt, lease_token, lease_ms, lease_expires_at, priority, run_at, concurrency_key),
    started AS (
      UPDATE jobs SET state = 'running', updated_at = $1
      WHERE id = ANY(ARRAY(SELECT job_id FROM leased)) AND state IS NOT DISTINCT FROM 'queued' RETURNING id)
    SELECT leased.*, (SELECT input FROM jobs WHERE id = leased.job_id) AS input, leased.job_id IN (SELECT id FROM started) AS started
    FROM leased`,
  // ($1 keys) -> nothing: holds each key's claim lock until commit, in key order, so two claims (on
  // any hub) under one limited key run one after the other and both see the other's leases. The
  // lock is named for the schema too: Roosts in other schemas of the database have keys of their own.
  lockKeys: `SELECT pg_advisory_xact_lock(hashtextextended('roost.key:' || current_schema() || ':' || k, 0))
    FROM (SELECT DISTINCT k FROM unnest($1::text[]) AS k ORDER BY k) AS keys`,
  // ($1 keys) -> { key, n }: tasks of each key holding a lease (keys with none are absent)
  runningByKey: `SELECT concurrency_key AS key, count(*)::int AS n FROM tasks
    WHERE concurrency_key = ANY($1::text[]) AND state = 'leased' GROUP BY concurrency_key`,
  // ($1 keys) -> { key, tokens, updated_at } of their rate buckets
  buckets: 'SELECT key, tokens, updated_at FROM rate_buckets WHERE key = ANY($1::text[])',
  // ($1 keys, $2 tokens, $3 now) -> nothing
  saveBuckets: `INSERT INTO rate_buckets (key, tokens, updated_at) SELECT k, t, $3 FROM unnest($1::text[], $2::float8[]) AS b(k, t)
    ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at`,
  // ($1 now, $2 task ids, $3 tokens) -> { id } of each task whose lease was current and is now extended
  extend: `UPDATE tasks SET lease_expires_at = $1 + lease_ms FROM unnest($2::bigint[], $3::text[]) AS l(id, token)
    WHERE tasks.id = l.id AND tasks.lease_token = l.token AND tasks.state = 'leased' RETURNING tasks.id`,
  // ($1 progress, $2 id, $3 token) -> { job_id, idx } when the lease was current
  progress: `UPDATE tasks SET progress = $1 WHERE id = $2 AND lease_token = $3 AND state = 'leased' RETURNING job_id, idx`,
  // ($1 task ids, $2 tokens, $3 outputs, $4 now) -> a row per item whose task exists, pos its 1-based
  // position: `done` when its lease was current and the task is now succeeded, with { job_id, idx,
  // seed, done_seq, route, concurrency_key } and `finished` when that was its job's last task (the job
  // is now succeeded); otherwise { state, lease_token } of the task, to say why it was refused.
  // Run after lockJobsOfTasks, in a statement of its own: its snapshot then holds every completion
  // of these jobs committed before, and sequence numbers are drawn in item order under the locks,
  // so a job's results number in commit order. A completion moves its job only this way: the task
  // was leased, so the job was running and has no dead or cancelled task (those cancel every leased
  // sibling), hence no other state can follow. Planned once, every table reached by key (see claim).
  complete: `WITH i AS (
      -- The items by position k: generate_series over a parameter counts on 1000 rows, so the plan
      -- matches them to their tasks by hashing (a nested loop over 100 items of 100 tasks: 10,000 pairs).
      SELECT ($1::bigint[])[k] AS id, ($2::text[])[k] AS token, ($3::text[])[k] AS output, k AS pos,
        nextval('result_seq') AS seq
      FROM generate_series(1, cardinality($1::bigint[])) AS k),
    done AS (
      UPDATE tasks SET state = 'succeeded', output = i.output, done_seq = i.seq, finished_at = $4, lease_expires_at = NULL
      FROM i WHERE tasks.id = ANY($1::bigint[]) AND tasks.id = i.id AND tasks.lease_token = i.token
        AND tasks.state IS NOT DISTINCT FROM 'leased'
      RETURNING i.pos, tasks.id, job_id, idx, seed, done_seq, route, concurrency_key),
    finished AS (
      UPDATE jobs SET state = 'succeeded', updated_at = $4, finished_at = $4
      WHERE id = ANY(ARRAY(SELECT job_id FROM done)) AND state IS NOT DISTINCT FROM 'running'
        -- OFFSET 0: asked per job by its tasks' index, never turned into a join over every task.
        AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.job_id = jobs.id AND t.state <> 'succeeded'
          AND t.id NOT IN (SELECT id FROM done) OFFSET 0)
      RETURNING id)
    SELECT pos, true AS done, job_id, idx, seed, done_seq, route, concurrency_key, job_id IN (SELECT id FROM finished) AS finished,
      NULL AS state, NULL AS lease_token
    FROM done
    UNION ALL
    SELECT i.pos, false, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
      -- A lease given twice in one call completed once: the other item finds the task done by it.
      CASE WHEN t.id IN (SELECT id FROM done) THEN 'succeeded' ELSE t.state END, t.lease_token
    FROM i CROSS JOIN LATERAL (SELECT id, state, lease_token FROM tasks WHERE id = i.id OFFSET 0) AS t
    WHERE i.pos NOT IN (SELECT pos FROM done)`,
  // ($1 id) -> the task with its job's backoff, to decide between retry and dead
  failing: `SELECT t.id, t.job_id, t.idx, t.route, t.attempt, t.max_attempts, t.state, t.lease_token, t.lease_expires_at,
      t.concurrency_key, j.backoff
    FROM tasks t JOIN jobs j ON j.id = t.job_id WHERE t.id = $1`,
  // ($1 state, $2 runAt, $3 error, $4 id) -> nothing: puts a failed task back (queued or delayed)
  retry: `UPDATE tasks SET state = $1, run_at = $2, error = $3, lease_token = NULL, progress = NULL,
      lease_expires_at = NULL, worker_id = NULL WHERE id = $4`,
  // ($1 error, $2 now, $3 id) -> nothing
  kill: `UPDATE tasks SET state = 'dead', error = $1, finished_at = $2, lease_expires_at = NULL WHERE id = $3`,
  // ($1 error, $2 now, $3 jobId) -> { route, concurrency_key, was } of each task cancelled: the unfinished
  // tasks of a job (leased ones keep their token so the next heartbeat tells their worker)
  cancelRest: `UPDATE tasks SET state = 'cancelled', error = $1, finished_at = $2
    FROM (SELECT id, state AS was FROM tasks WHERE job_id = $3 AND state IN ('queued', 'delayed', 'leased')) AS old
    WHERE tasks.id = old.id AND tasks.state IN ('queued', 'delayed', 'leased') RETURNING tasks.route, tasks.concurrency_key, old.was`,
  // ($1 task ids, $2 tokens) -> { id, job_id, route } of each task whose lease was current: back to
  // queued, the attempt not counted
  release: `UPDATE tasks SET state = 'queued', attempt = attempt - 1, lease_token = NULL, progress = NULL,
      lease_expires_at = NULL, worker_id = NULL
    FROM unnest($1::bigint[], $2::text[]) AS l(id, token)
    WHERE tasks.id = l.id AND tasks.lease_token = l.token AND tasks.state = 'leased' RETURNING tasks.id, job_id, route`,
} as const;

/** A task `claim` leased, with its job's input and whether this claim started the job. */
export interface ClaimRow extends LeasedRow {
  input: string;
  started: boolean;
}

/** A current lease and the token that claimed it (`leaseOwners`). */
export interface LeaseOwnerRow extends Pick<TaskRow, 'id'> {
  lease_token: string;
  owner: string | null;
}

/** A task being failed (`failing`), with its lease's end: another hub's reaper may have moved it. */
export type FailingLeaseRow = FailingRow & Pick<TaskRow, 'lease_expires_at'>;

/**
 * A row of `complete`: an item completed just now (`done`), or the task's state and lease token,
 * to say why the item was refused.
 */
export type CompleteRow = { pos: number } & (
  | ({ done: true; finished: boolean; state: null; lease_token: null } & Pick<
      TaskRow,
      'job_id' | 'idx' | 'seed' | 'route' | 'concurrency_key'
    > & { done_seq: number })
  | ({ done: false } & RefusalRow)
);
