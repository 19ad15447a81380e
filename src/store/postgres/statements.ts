// ($1 ids, $2 kinds, $3 inputs, $4 variants, $5 priorities, $6 seeds, $7 max_attempts, $8 backoffs,
//  $9 lease_ms, $10 requires, $11 keys, $12 run_at, $13 created_at, $14 concurrency keys, $15 cache keys,
//  $16 cache since, $17 routes, $18 creating tokens: arrays of one length, an element per job) -> { pos, cached_from, copied }
// of each job created, pos its 1-based place in the arrays (copied: results a cache hit copied); a job
// whose key is taken (also by an earlier job of the batch, or another hub a moment ago) has no row.
// A batch of any size is this one statement, committed on its own. Jobs and tasks are inserted in
// the arrays' order, so task ids and result numbers follow it as if the jobs came one by one.
// A cache hit (the newest job with this identity that ran itself and succeeded since its cache
// since; copies do not count, they would keep an old result fresh forever) is born succeeded with
// the source's results in their order; otherwise one task per variant, seeded seed + idx, delayed
// when run_at is ahead. Hits see only jobs committed before: a twin in the batch has not run yet.
function insertJobs(onConflict: string): string {
  return `WITH i AS (
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::bigint[], $7::int[], $8::text[],
          $9::bigint[], $10::text[], $11::text[], $12::bigint[], $13::bigint[], $14::text[], $15::text[], $16::bigint[], $17::text[],
          $18::text[])
        WITH ORDINALITY AS i(id, kind, input, variants, priority, seed, max_attempts, backoff, lease_ms, requires, key,
          run_at, created_at, concurrency_key, cache_key, cache_since, route, created_by, pos)),
    job AS (
      INSERT INTO jobs (id, kind, input, state, variants, priority, seed, max_attempts, backoff, lease_ms, requires,
        key, run_at, created_at, updated_at, concurrency_key, cache_key, cached_from, finished_at, created_by)
      SELECT id, kind, input, CASE WHEN hit IS NULL THEN 'queued' ELSE 'succeeded' END, variants, priority, seed,
        max_attempts, backoff, lease_ms, requires, key, run_at, created_at, created_at, concurrency_key, cache_key, hit,
        CASE WHEN hit IS NULL THEN NULL ELSE created_at END, created_by
      FROM (SELECT i.*, (SELECT id FROM jobs WHERE i.cache_key IS NOT NULL AND cache_key = i.cache_key AND state = 'succeeded'
            AND finished_at >= i.cache_since AND cached_from IS NULL AND NOT enough ORDER BY finished_at DESC LIMIT 1) AS hit
          FROM i ORDER BY pos) AS c
      ${onConflict}
      RETURNING id, cached_from),
    fresh AS (
      INSERT INTO tasks (job_id, idx, kind, route, priority, seed, state, run_at, max_attempts, lease_ms, concurrency_key)
      SELECT id, g, kind, route, priority, seed + g, CASE WHEN run_at > created_at THEN 'delayed' ELSE 'queued' END,
        run_at, max_attempts, lease_ms, concurrency_key
      FROM (SELECT i.*, g FROM job JOIN i ON i.id = job.id CROSS JOIN generate_series(0, i.variants - 1) AS g
        WHERE job.cached_from IS NULL ORDER BY i.pos, g) AS t),
    copied AS (
      INSERT INTO tasks (job_id, idx, kind, route, priority, seed, state, run_at, max_attempts, lease_ms,
        output, done_seq, finished_at, concurrency_key)
      SELECT job_id, idx, kind, route, priority, seed, 'succeeded', created_at, max_attempts, lease_ms,
        output, nextval('result_seq'), created_at, concurrency_key
      FROM (SELECT job.id AS job_id, s.idx, s.kind, s.route, s.priority, s.seed, i.created_at, s.max_attempts, s.lease_ms,
          s.output, s.concurrency_key
        -- Per hit, its source's tasks by job id (OFFSET 0 keeps the planner from turning this into a
        -- join that reads every succeeded task): a batch without hits reads no task at all.
        FROM job JOIN i ON i.id = job.id
          CROSS JOIN LATERAL (SELECT * FROM tasks WHERE job_id = job.cached_from AND state = 'succeeded' OFFSET 0) AS s
        WHERE job.cached_from IS NOT NULL
        ORDER BY i.pos, s.done_seq) AS t
      RETURNING job_id)
    SELECT i.pos, job.cached_from, coalesce(c.n, 0)::int AS copied
    FROM job JOIN i ON i.id = job.id LEFT JOIN (SELECT job_id, count(*) AS n FROM copied GROUP BY job_id) AS c ON c.job_id = job.id`;
}

// A statement deleting jobs, made to delete their tasks too and answer { n }, the jobs deleted.
// tasks.job_id has no foreign key (005_lean_indexes.sql), so no cascade does it.
function withTheirTasks(deleteJobs: string): string {
  return `WITH gone AS (${deleteJobs} RETURNING id),
    their AS (DELETE FROM tasks WHERE job_id IN (SELECT id FROM gone))
    SELECT count(*)::int AS n FROM gone`;
}

/**
 * Every SQL statement of the PostgreSQL adapter, each run as a named prepared statement. Each
 * carries a header: its parameters and what it returns. Internal task states are SQLite's: queued
 * (ready), delayed (queued until run_at), leased, succeeded, dead, cancelled. Several hubs may share
 * the database, so writes that change a job's tasks lock the job row first (lockJobs) and recompute
 * its state after: a concurrent writer of the same job waits, then sees this one's commit.
 */
export const sql = {
  // The header is insertJobs' above.
  insertJobs: insertJobs('ON CONFLICT (key) WHERE key IS NOT NULL DO NOTHING'),
  // insertJobs for a batch in which no job has a key: no conflict to check for (a speculative
  // insert and its confirmation per job, spared).
  insertKeylessJobs: insertJobs(''),

  // ($1 keys) -> the job rows created with these idempotency keys
  jobsByKey: 'SELECT * FROM jobs WHERE key = ANY($1::text[])',

  // ($1 id) -> the job row
  job: 'SELECT * FROM jobs WHERE id = $1',

  // ($1 state or null, $2 kind or null, $3 cursor or null, $4 limit, $5 concurrency key or null,
  //  $6 lowest id or null, $7 id bound or null: a time range as ids, $8 creating token or null) -> job rows,
  //  newest first
  listJobs: `SELECT * FROM jobs WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR kind = $2)
    AND ($3::text IS NULL OR id < $3) AND ($5::text IS NULL OR concurrency_key = $5)
    AND ($6::text IS NULL OR id >= $6) AND ($7::text IS NULL OR id < $7)
    AND ($8::text IS NULL OR created_by = $8) ORDER BY id DESC LIMIT $4`,

  // ($1 job ids) -> { job_id, state, n } per job and internal task state
  taskCounts:
    'SELECT job_id, state, count(*)::int AS n FROM tasks WHERE job_id = ANY($1::text[]) GROUP BY job_id, state',

  // ($1 job ids) -> { id } of those jobs, now locked until commit (in id order, so writers never deadlock
  // on each other's jobs)
  lockJobs: 'SELECT id FROM jobs WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE',

  // ($1 task ids) -> { id } of the jobs of those tasks, now locked until commit, in id order
  lockJobsOfTasks: `SELECT id FROM jobs WHERE id = ANY(ARRAY(SELECT job_id FROM tasks WHERE id = ANY($1::bigint[])))
    ORDER BY id FOR UPDATE`,

  // ($1 jobId, $2 afterSeq) -> succeeded task rows of the job in completion order
  results: `SELECT idx, seed, output, finished_at, done_seq FROM tasks
    WHERE job_id = $1 AND state = 'succeeded' AND done_seq > $2 ORDER BY done_seq`,

  // ($1 jobId) -> every task row of the job by index
  tasksOfJob: 'SELECT * FROM tasks WHERE job_id = $1 ORDER BY idx',

  // ($1 jobId, $2 idx) -> one task row
  task: 'SELECT * FROM tasks WHERE job_id = $1 AND idx = $2',

  // ($1 task ids) -> { id, state, lease_token } of those tasks, to say why a lease operation was refused
  leasesOf: 'SELECT id, state, lease_token FROM tasks WHERE id = ANY($1::bigint[])',
  // ($1 task ids, $2 lease tokens: parallel arrays) -> { id, lease_token, owner } of each lease that
  // is current: owner is the token that claimed it
  leaseOwners: `SELECT t.id, t.lease_token, t.lease_owner AS owner FROM unnest($1::bigint[], $2::text[]) AS l(id, token)
    JOIN tasks t ON t.id = l.id AND t.lease_token = l.token AND t.state = 'leased'`,

  // ($1 job ids, $2 now) -> { id, state } of each job whose state changed: recomputes job states from
  // their tasks. Run after lockJobs, in its own statement, so it sees every commit made before the lock.
  refreshJobs: `UPDATE jobs SET state = agg.s, updated_at = $2,
      finished_at = CASE WHEN agg.s IN ('succeeded', 'failed', 'cancelled') THEN coalesce(jobs.finished_at, $2) END
    FROM (SELECT t.job_id, CASE
        WHEN count(*) FILTER (WHERE t.state = 'dead') > 0 THEN 'failed'
        WHEN count(*) FILTER (WHERE t.state = 'succeeded') = count(*) THEN 'succeeded'
        WHEN count(*) FILTER (WHERE t.state IN ('queued', 'delayed', 'leased')) = 0 THEN
          CASE WHEN bool_or(j.enough) AND count(*) FILTER (WHERE t.state = 'succeeded') > 0 THEN 'succeeded' ELSE 'cancelled' END
        WHEN count(*) FILTER (WHERE t.attempt > 0 OR t.state = 'succeeded') > 0 THEN 'running'
        ELSE 'queued' END AS s
      FROM tasks t JOIN jobs j ON j.id = t.job_id
      WHERE t.job_id = ANY($1::text[]) GROUP BY t.job_id) AS agg
    WHERE jobs.id = agg.job_id AND jobs.state <> agg.s
    RETURNING jobs.id, jobs.state`,

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

  // ($1 now, $2 id) -> nothing: the client has enough results (a finished job stays as it is)
  markEnough: `UPDATE jobs SET enough = true, updated_at = $1 WHERE id = $2 AND state IN ('queued', 'running')`,

  // ($1 before, $2 limit) -> { n } jobs deleted: finished jobs (with their tasks) past retention
  sweep: withTheirTasks(`DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state IN ('succeeded', 'cancelled')
    AND finished_at < $1 ORDER BY finished_at LIMIT $2)`),
  // ($1 jobId) -> { n } jobs deleted: the job, if a task of it is dead, with its tasks
  purgeJobOfDead: withTheirTasks(
    `DELETE FROM jobs WHERE id = $1 AND EXISTS (SELECT 1 FROM tasks WHERE job_id = jobs.id AND state = 'dead')`,
  ),
  // () -> { n } jobs deleted: every job holding a dead task, with its tasks
  purgeAllDead: withTheirTasks(`DELETE FROM jobs WHERE id IN (SELECT job_id FROM tasks WHERE state = 'dead')`),

  // () -> every limit row
  limits: 'SELECT * FROM limits ORDER BY key',
  // ($1 key, $2 concurrency, $3 rate count, $4 rate interval ms, $5 now) -> nothing
  setLimit: `INSERT INTO limits (key, concurrency, rate_count, rate_interval_ms, updated_at) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (key) DO UPDATE SET concurrency = excluded.concurrency, rate_count = excluded.rate_count,
      rate_interval_ms = excluded.rate_interval_ms, updated_at = excluded.updated_at`,
  // ($1 key) -> rowCount
  deleteLimit: 'DELETE FROM limits WHERE key = $1',
  // ($1 exact key, $2 prefix LIKE pattern or null, '\' escapes) -> { id, kind, requires, concurrency_key }
  // of unfinished tasks whose key matches; leased ones too, so a retry or release puts them back in
  // the queue their key now belongs in
  keyedWaiting: `SELECT t.id, t.kind, j.requires, t.concurrency_key FROM tasks t JOIN jobs j ON j.id = t.job_id
    WHERE t.state IN ('queued', 'delayed', 'leased') AND (t.concurrency_key = $1 OR t.concurrency_key LIKE $2 ESCAPE '\\')`,
  // ($1 task ids, $2 routes) -> nothing
  setRoutes: `UPDATE tasks SET route = r.route FROM unnest($1::bigint[], $2::text[]) AS r(id, route) WHERE tasks.id = r.id`,

  // ($1 now, $2 limit) -> { id, job_id } of leased tasks whose lease ran out
  expired: `SELECT id, job_id FROM tasks WHERE state = 'leased' AND lease_expires_at <= $1 ORDER BY lease_expires_at LIMIT $2`,

  // ($1 now, $2 limit) -> { route } of each delayed task made ready
  promote: `UPDATE tasks SET state = 'queued' WHERE id IN
    (SELECT id FROM tasks WHERE state = 'delayed' AND run_at <= $1 ORDER BY run_at LIMIT $2 FOR UPDATE SKIP LOCKED)
    RETURNING route`,

  // () -> { at }: the earliest run_at among delayed tasks
  nextDue: `SELECT min(run_at) AS at FROM tasks WHERE state = 'delayed'`,

  // () -> { route } of every route with queued or delayed tasks
  pendingRoutes: `SELECT DISTINCT route FROM tasks WHERE state IN ('queued', 'delayed')`,

  // ($1 cursor, $2 limit) -> dead task rows, newest first, with ids below the cursor
  dead: `SELECT * FROM tasks WHERE state = 'dead' AND id < $1 ORDER BY id DESC LIMIT $2`,

  // ($1 now, $2 id) -> nothing: a dead task gets fresh attempts
  redrive: `UPDATE tasks SET state = 'queued', attempt = 0, run_at = $1, finished_at = NULL, error = NULL,
      lease_token = NULL, worker_id = NULL WHERE id = $2`,

  // ($1 now, $2 jobId) -> { route } of siblings cancelled by a failure, queued again
  redriveSiblings: `UPDATE tasks SET state = 'queued', attempt = 0, run_at = $1, finished_at = NULL,
      error = NULL, lease_token = NULL, worker_id = NULL
    WHERE job_id = $2 AND state = 'cancelled' RETURNING route`,

  // ($1 id, $2 name, $3 scope, $4 hash, $5 createdAt, $6 kinds as JSON or null, $7 own jobs, $8 bot or null)
  // -> nothing
  insertToken: `INSERT INTO tokens (id, name, scope, hash, created_at, kinds, own_jobs, bot)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
  // ($1 id) -> the token row
  token: 'SELECT * FROM tokens WHERE id = $1',
  // () -> every token row, oldest first
  tokens: 'SELECT * FROM tokens ORDER BY created_at, id',
  // ($1 now, $2 id) -> rowCount = 1 when the token was active
  revokeToken: 'UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL',
  // ($1 now, $2 id) -> nothing
  touchToken: 'UPDATE tokens SET last_used_at = $1 WHERE id = $2',

  // ($1 workerId, $2 name, $3 capabilities, $4 concurrency, $5 version, $6 firstSeen, $7 lastSeen,
  //  $8 kinds offered) -> nothing: the worker row, and each kind it offers remembered
  upsertWorker: `WITH w AS (
      INSERT INTO workers (worker_id, name, capabilities, concurrency, version, first_seen, last_seen)
      VALUES ($1, $2, $3, $4, $5, $6, $7)
      ON CONFLICT (worker_id) DO UPDATE SET name = excluded.name, capabilities = excluded.capabilities,
        concurrency = excluded.concurrency, version = excluded.version, last_seen = excluded.last_seen)
    INSERT INTO kinds (kind, first_seen) SELECT DISTINCT k, $7::bigint FROM unnest($8::text[]) AS k ON CONFLICT DO NOTHING`,
  // () -> every worker row, most recently seen first
  workers: 'SELECT * FROM workers ORDER BY last_seen DESC',
  // () -> { worker_id, n }: leases held per worker
  leasesByWorker: `SELECT worker_id, count(*)::int AS n FROM tasks WHERE state = 'leased' GROUP BY worker_id`,
  // () -> { kind } of every kind ever offered
  kinds: 'SELECT kind FROM kinds ORDER BY kind',

  // ($1 minutes, $2 hubs, $3 kinds, $4 jobs created, $5 succeeded, $6 failed, $7 claims, $8 latency
  //  JSON, arrays of one length) -> nothing: one row each, replacing a row with the same key
  writeRollups: `INSERT INTO rollups (minute, hub, kind, jobs_created, jobs_succeeded, jobs_failed, claims, latency)
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::int[], $8::text[])
    ON CONFLICT (minute, hub, kind) DO UPDATE SET jobs_created = excluded.jobs_created,
      jobs_succeeded = excluded.jobs_succeeded, jobs_failed = excluded.jobs_failed, claims = excluded.claims,
      latency = excluded.latency`,
  // ($1 since) -> rollup rows of minutes from then on, oldest first
  readRollups: 'SELECT * FROM rollups WHERE minute >= $1 ORDER BY minute, hub, kind',
  // ($1 before) -> rowCount = rows deleted
  pruneRollups: 'DELETE FROM rollups WHERE minute < $1',
} as const;
