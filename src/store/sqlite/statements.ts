import type Database from 'better-sqlite3';

/**
 * Every SQL statement of the SQLite adapter, prepared once. Each carries a header: its parameters
 * and what it returns. Internal task states: queued (ready), delayed (queued until run_at),
 * leased, succeeded, dead, cancelled.
 */
export function prepareStatements(db: Database.Database) {
  const p = (sql: string) => db.prepare(sql);
  return {
    // (:key) -> { id, state } of the job created with this idempotency key ('staged': by a batch in progress)
    jobIdByKey: p('SELECT id, state FROM jobs WHERE key = :key'),

    // (id, kind, input, state, variants, priority, seed, max_attempts, backoff, lease_ms, requires,
    // key, run_at, created_at, updated_at, concurrency_key, cache_key, cached_from, finished_at,
    // created_by) -> nothing.
    // Positional: binding by name costs a lookup per parameter, and this runs for every job.
    insertJob: p(`INSERT INTO jobs (id, kind, input, state, variants, priority, seed, max_attempts, backoff,
        lease_ms, requires, key, run_at, created_at, updated_at, concurrency_key, cache_key, cached_from, finished_at,
        created_by)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),

    // (:cacheKey, :since) -> { id } of the newest job with this identity that ran and succeeded since
    // then (copies made by earlier hits do not count: they would keep an old result fresh forever)
    cacheHit: p(`SELECT id FROM jobs WHERE cache_key = :cacheKey AND state = 'succeeded' AND finished_at >= :since
      AND cached_from IS NULL AND enough = 0 ORDER BY finished_at DESC LIMIT 1`),

    // (:jobId, :from, :seq, :now, :state) -> nothing: copies the succeeded tasks of job :from into job
    // :jobId, which must have no tasks yet, numbering their results from :seq; :state is 'succeeded',
    // or 'staged' in a large batch (they become succeeded with it, being the only staged tasks with results)
    copyResults: p(`INSERT INTO tasks (job_id, idx, kind, route, priority, seed, state, run_at, max_attempts, lease_ms,
        output, done_seq, finished_at, concurrency_key)
      SELECT :jobId, idx, kind, route, priority, seed, :state, :now, max_attempts, lease_ms,
        output, :seq + idx, :now, concurrency_key
      FROM tasks WHERE job_id = :from AND state = 'succeeded'`),

    // (job_id, idx, kind, route, priority, seed, state, run_at, max_attempts, lease_ms,
    // concurrency_key) -> nothing
    insertTask:
      p(`INSERT INTO tasks (job_id, idx, kind, route, priority, seed, state, run_at, max_attempts, lease_ms, concurrency_key)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),

    // (:ids JSON array of job ids) -> nothing: a large batch's staged jobs become visible, in the
    // state they were born in; this is the moment the batch is created (SqliteCreation)
    sealJobs: p(`UPDATE jobs SET state = CASE WHEN cached_from IS NULL THEN 'queued' ELSE 'succeeded' END
      WHERE id IN (SELECT value FROM json_each(:ids)) AND state = 'staged'`),
    // (:ids JSON array of job ids) -> nothing: removes staged jobs with their tasks (a failed batch)
    discardJobs: p(`DELETE FROM jobs WHERE id IN (SELECT value FROM json_each(:ids)) AND state = 'staged'`),
    // () -> nothing: removes every staged job with its tasks (at start: a batch cut off before its seal)
    discardAllStaged: p(`DELETE FROM jobs WHERE state = 'staged'`),
    // () -> { job_id } of the jobs with staged tasks (at start: a sealed batch cut off before the end)
    stagedTaskJobs: p(`SELECT DISTINCT job_id FROM tasks INDEXED BY tasks_staged WHERE state = 'staged'`),
    // (:jobId, :from, :to, :now) -> nothing: the staged tasks [from, to) of a sealed job become what
    // they were born as: succeeded (copied results), queued or delayed; cancelled if the job has
    // ended meanwhile (they would otherwise outlive its cancellation)
    showTasks: p(`UPDATE tasks SET
        state = CASE WHEN tasks.done_seq IS NOT NULL THEN 'succeeded' WHEN j.state NOT IN ('queued', 'running')
          THEN 'cancelled' WHEN tasks.run_at > j.created_at THEN 'delayed' ELSE 'queued' END,
        error = CASE WHEN tasks.done_seq IS NULL AND j.state NOT IN ('queued', 'running')
          THEN 'cancelled: the job had ended before this task was created' END,
        finished_at = CASE WHEN tasks.done_seq IS NOT NULL THEN tasks.finished_at
          WHEN j.state NOT IN ('queued', 'running') THEN :now END
      FROM jobs j WHERE j.id = tasks.job_id AND j.state <> 'staged'
        AND tasks.job_id = :jobId AND tasks.idx >= :from AND tasks.idx < :to AND tasks.state = 'staged'`),

    // (id) -> the job row
    job: p('SELECT * FROM jobs WHERE id = ?'),

    // (jobId) -> { state, n } per internal task state
    taskCounts: p('SELECT state, count(*) AS n FROM tasks WHERE job_id = ? GROUP BY state'),

    // (jobId, afterSeq) -> succeeded task rows of the job in completion order
    results: p(`SELECT idx, seed, output, finished_at, done_seq FROM tasks
      WHERE job_id = ? AND state = 'succeeded' AND done_seq > ? ORDER BY done_seq`),

    // (jobId) -> every task row of the job by index
    tasksOfJob: p('SELECT * FROM tasks WHERE job_id = ? ORDER BY idx'),

    // (jobId, idx) -> one task row
    task: p('SELECT * FROM tasks WHERE job_id = ? AND idx = ?'),

    // (id) -> the state and lease token of a task, to say why a lease operation was refused
    leaseOf: p('SELECT state, lease_token, job_id, idx FROM tasks WHERE id = ?'),
    // (:id, :token) -> { owner } of the lease when it is current: the token that claimed it
    leaseOwner: p(
      `SELECT lease_owner AS owner FROM tasks WHERE id = :id AND lease_token = :token AND state = 'leased'`,
    ),

    // (:ids JSON array of job ids, :now) -> { id, state } of each job whose state changed:
    // recomputes job states from their tasks, for a whole batch in one statement
    refreshJobs: p(`UPDATE jobs SET state = agg.s, updated_at = :now,
        finished_at = CASE WHEN agg.s IN ('succeeded', 'failed', 'cancelled') THEN coalesce(jobs.finished_at, :now) END
      FROM (SELECT t.job_id, CASE
          WHEN sum(t.state = 'dead') > 0 THEN 'failed'
          WHEN sum(t.state = 'succeeded') = count(*) THEN 'succeeded'
          WHEN sum(t.state IN ('queued', 'delayed', 'leased')) = 0 THEN
            CASE WHEN max(j.enough) = 1 AND sum(t.state = 'succeeded') > 0 THEN 'succeeded' ELSE 'cancelled' END
          WHEN sum(t.attempt > 0 OR t.state = 'succeeded') > 0 THEN 'running'
          ELSE 'queued' END AS s
        FROM tasks t JOIN jobs j ON j.id = t.job_id
        WHERE t.job_id IN (SELECT value FROM json_each(:ids)) GROUP BY t.job_id) AS agg
      WHERE jobs.id = agg.job_id AND jobs.state <> agg.s
      RETURNING jobs.id, jobs.state`),

    // (:now, :worker, :owner, :route, :max) -> the tasks leased: the head of the route's ready index
    // (in no order); :owner is the claiming token
    claim: p(`UPDATE tasks SET state = 'leased', attempt = attempt + 1, lease_token = lower(hex(randomblob(8))),
        lease_expires_at = :now + lease_ms, worker_id = :worker, lease_owner = :owner
      WHERE id IN (SELECT id FROM tasks WHERE route = :route AND state = 'queued'
                   ORDER BY priority DESC, run_at, id LIMIT :max)
      RETURNING id, job_id, idx, kind, seed, attempt, lease_token, lease_ms, lease_expires_at, priority, run_at, concurrency_key`),

    // (route, max) -> { id, priority, run_at } of the head of one route's ready tasks
    readyHead: p(`SELECT id, priority, run_at, concurrency_key FROM tasks WHERE route = ? AND state = 'queued'
      ORDER BY priority DESC, run_at, id LIMIT ?`),

    // (:now, :worker, :owner, :ids JSON array of task ids) -> the tasks leased, as for claim
    leaseIds: p(`UPDATE tasks SET state = 'leased', attempt = attempt + 1, lease_token = lower(hex(randomblob(8))),
        lease_expires_at = :now + lease_ms, worker_id = :worker, lease_owner = :owner
      WHERE id IN (SELECT value FROM json_each(:ids)) AND state = 'queued'
      RETURNING id, job_id, idx, kind, seed, attempt, lease_token, lease_ms, lease_expires_at, priority, run_at, concurrency_key`),

    // (key) -> { n }: tasks of this concurrency key holding a lease
    runningByKey: p(`SELECT count(*) AS n FROM tasks WHERE concurrency_key = ? AND state = 'leased'`),

    // (key) -> { tokens, updated_at } of the key's rate bucket
    bucket: p('SELECT tokens, updated_at FROM rate_buckets WHERE key = ?'),
    // (:key, :tokens, :now) -> nothing
    saveBucket: p(`INSERT INTO rate_buckets (key, tokens, updated_at) VALUES (:key, :tokens, :now)
      ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at`),

    // (now, id) -> { input } when this claim started the job (its other changes go through
    // refreshJobs); nothing when it had started before, and jobInput says its input
    startJob: p(`UPDATE jobs SET state = 'running', updated_at = ? WHERE id = ? AND state = 'queued' RETURNING input`),
    // (id) -> { input } of a job, for the tasks a claim hands out
    jobInput: p('SELECT input FROM jobs WHERE id = ?'),
    // (now, now, id) -> changes = 1 when the job's last unfinished task just succeeded. A completion
    // moves a job only this way: the task was leased, so the job was running and has no dead or
    // cancelled task (those cancel every leased sibling), hence no other state can follow.
    finishJob: p(`UPDATE jobs SET state = 'succeeded', updated_at = ?, finished_at = ?
      WHERE id = ? AND state = 'running' AND NOT EXISTS (SELECT 1 FROM tasks WHERE job_id = jobs.id AND state <> 'succeeded')`),

    // (:now, :id, :token) -> { lease_expires_at } when the lease was current and is now extended
    extend: p(`UPDATE tasks SET lease_expires_at = :now + lease_ms
      WHERE id = :id AND lease_token = :token AND state = 'leased' RETURNING lease_expires_at`),

    // (:progress, :id, :token) -> { job_id, idx } when the lease was current
    progress: p(`UPDATE tasks SET progress = :progress
      WHERE id = :id AND lease_token = :token AND state = 'leased' RETURNING job_id, idx`),

    // (output JSON, done_seq, now, id, token) -> { job_id, idx, seed, route, concurrency_key } when
    // the lease was current and the task is now succeeded. One run per result: for small outputs a
    // statement per item costs less than handing SQLite a JSON array to take apart.
    complete:
      p(`UPDATE tasks SET state = 'succeeded', output = ?, done_seq = ?, finished_at = ?, lease_expires_at = NULL
      WHERE id = ? AND lease_token = ? AND state = 'leased'
      RETURNING job_id, idx, seed, route, concurrency_key`),

    // (id) -> the task with its job's backoff, to decide between retry and dead
    failing:
      p(`SELECT t.id, t.job_id, t.idx, t.route, t.attempt, t.max_attempts, t.state, t.lease_token, t.concurrency_key, j.backoff
      FROM tasks t JOIN jobs j ON j.id = t.job_id WHERE t.id = ?`),

    // (:state, :runAt, :error, :id) -> nothing: puts a failed task back (queued or delayed)
    retry: p(`UPDATE tasks SET state = :state, run_at = :runAt, error = :error, lease_token = NULL, progress = NULL,
        lease_expires_at = NULL, worker_id = NULL WHERE id = :id`),

    // (:error, :now, :id) -> nothing
    kill: p(`UPDATE tasks SET state = 'dead', error = :error, finished_at = :now, lease_expires_at = NULL
      WHERE id = :id`),

    // (:error, :now, :jobId) -> nothing: cancels the unfinished tasks of a job (leased ones keep
    // their token so the next heartbeat tells their worker)
    cancelRest: p(`UPDATE tasks SET state = 'cancelled', error = :error, finished_at = :now
      WHERE job_id = :jobId AND state IN ('queued', 'delayed', 'leased')`),

    // (:id, :token) -> { job_id, route } when the lease was current: back to queued, attempt not counted
    release: p(`UPDATE tasks SET state = 'queued', attempt = attempt - 1, lease_token = NULL, progress = NULL,
        lease_expires_at = NULL, worker_id = NULL
      WHERE id = :id AND lease_token = :token AND state = 'leased' RETURNING job_id, route`),

    // (:jobId) -> { route } of leased tasks of the job that carry a concurrency key (their slots free up)
    keyedLeases: p(
      `SELECT route FROM tasks WHERE job_id = :jobId AND state = 'leased' AND concurrency_key IS NOT NULL`,
    ),

    // (:now, :id) -> nothing: the client has enough results (a finished job stays as it is)
    markEnough: p(`UPDATE jobs SET enough = 1, updated_at = :now WHERE id = :id AND state IN ('queued', 'running')`),

    // (before, limit) -> changes: deletes finished jobs (with their tasks) past retention
    // (jobs_retention named: the planner would rather pick jobs_by_state for the OR and sort them all)
    sweep:
      p(`DELETE FROM jobs WHERE id IN (SELECT id FROM jobs INDEXED BY jobs_retention WHERE (state = 'succeeded' OR state = 'cancelled')
      AND finished_at < ? ORDER BY finished_at LIMIT ?)`),
    // (jobId) -> changes: deletes a job whose task is dead
    purgeJobOfDead: p(
      `DELETE FROM jobs WHERE id = ? AND EXISTS (SELECT 1 FROM tasks WHERE job_id = jobs.id AND state = 'dead')`,
    ),
    // () -> changes: deletes every job holding a dead task
    purgeAllDead: p(`DELETE FROM jobs WHERE id IN (SELECT job_id FROM tasks WHERE state = 'dead')`),

    // () -> every limit row
    limits: p('SELECT * FROM limits ORDER BY key'),
    // (:key, :concurrency, :rateCount, :rateIntervalMs, :now) -> nothing
    setLimit: p(`INSERT INTO limits (key, concurrency, rate_count, rate_interval_ms, updated_at)
      VALUES (:key, :concurrency, :rateCount, :rateIntervalMs, :now)
      ON CONFLICT (key) DO UPDATE SET concurrency = excluded.concurrency, rate_count = excluded.rate_count,
        rate_interval_ms = excluded.rate_interval_ms, updated_at = excluded.updated_at`),
    // (key) -> changes
    deleteLimit: p('DELETE FROM limits WHERE key = ?'),
    // (:exact, :prefix) -> { id, kind, requires, concurrency_key } of unfinished tasks whose key is
    // :exact or starts with :prefix (LIKE pattern, '\' escapes); leased ones too, so a retry or
    // release puts them back in the queue their key now belongs in
    keyedWaiting: p(`SELECT t.id, t.kind, j.requires, t.concurrency_key FROM tasks t JOIN jobs j ON j.id = t.job_id
      WHERE (t.state = 'queued' OR t.state = 'delayed' OR t.state = 'leased') AND t.concurrency_key IS NOT NULL
        AND (t.concurrency_key = :exact OR t.concurrency_key LIKE :prefix ESCAPE '\\')`),
    // (route, id) -> nothing
    setRoute: p('UPDATE tasks SET route = ? WHERE id = ?'),

    // (now, limit) -> { id } of leased tasks whose lease ran out
    expired: p(`SELECT id FROM tasks WHERE state = 'leased' AND lease_expires_at <= ?
      ORDER BY lease_expires_at LIMIT ?`),

    // (now, limit) -> { route } of each delayed task made ready
    promote: p(`UPDATE tasks SET state = 'queued' WHERE id IN
      (SELECT id FROM tasks WHERE state = 'delayed' AND run_at <= ? ORDER BY run_at LIMIT ?) RETURNING route`),

    // () -> { at }: the earliest run_at among delayed tasks
    nextDue: p(`SELECT min(run_at) AS at FROM tasks WHERE state = 'delayed'`),

    // () -> { route } of every route with queued or delayed tasks
    pendingRoutes: p(`SELECT DISTINCT route FROM tasks WHERE state IN ('queued', 'delayed')`),

    // (cursor, limit) -> dead task rows, newest first, with ids below the cursor
    dead: p(`SELECT * FROM tasks WHERE state = 'dead' AND id < ? ORDER BY id DESC LIMIT ?`),

    // (:now, :id) -> nothing: a dead task gets fresh attempts
    redrive: p(`UPDATE tasks SET state = 'queued', attempt = 0, run_at = :now, finished_at = NULL, error = NULL,
        lease_token = NULL, worker_id = NULL WHERE id = :id`),

    // (:now, :jobId) -> { route } of siblings cancelled by a failure, queued again
    redriveSiblings: p(`UPDATE tasks SET state = 'queued', attempt = 0, run_at = :now, finished_at = NULL,
        error = NULL, lease_token = NULL, worker_id = NULL
      WHERE job_id = :jobId AND state = 'cancelled' RETURNING route`),

    // () -> { m }: the highest completion sequence number
    maxSeq: p('SELECT coalesce(max(done_seq), 0) AS m FROM tasks'),

    // (token columns, kinds as JSON or null, ownJobs 0/1, bot or null) -> nothing
    insertToken: p(
      `INSERT INTO tokens (id, name, scope, hash, created_at, kinds, own_jobs, bot)
        VALUES (:id, :name, :scope, :hash, :createdAt, :kinds, :ownJobs, :bot)`,
    ),
    // (id) -> the token row
    token: p('SELECT * FROM tokens WHERE id = ?'),
    // () -> every token row, oldest first
    tokens: p('SELECT * FROM tokens ORDER BY created_at, id'),
    // (now, id) -> changes = 1 when the token was active
    revokeToken: p('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    // (now, id) -> nothing
    touchToken: p('UPDATE tokens SET last_used_at = ? WHERE id = ?'),

    // (worker columns) -> nothing
    upsertWorker: p(`INSERT INTO workers (worker_id, name, capabilities, concurrency, version, first_seen, last_seen)
      VALUES (:workerId, :name, :capabilities, :concurrency, :version, :firstSeen, :lastSeen)
      ON CONFLICT (worker_id) DO UPDATE SET name = excluded.name, capabilities = excluded.capabilities,
        concurrency = excluded.concurrency, version = excluded.version, last_seen = excluded.last_seen`),
    // () -> every worker row, most recently seen first
    workers: p('SELECT * FROM workers ORDER BY last_seen DESC'),
    // () -> { worker_id, n }: leases held per worker
    leasesByWorker: p(`SELECT worker_id, count(*) AS n FROM tasks WHERE state = 'leased' GROUP BY worker_id`),
    // (kind, now) -> nothing
    addKind: p('INSERT OR IGNORE INTO kinds (kind, first_seen) VALUES (?, ?)'),
    // () -> { kind } of every kind ever offered
    kinds: p('SELECT kind FROM kinds ORDER BY kind'),

    // () -> { kind, state, n }: task counts, as the triggers of migration 008 keep them
    // (a batch's staged rows are not counted until they become visible)
    taskStats: p(`SELECT kind, state, n FROM state_counts WHERE tbl = 'tasks' AND n > 0 AND state <> 'staged'`),
    // () -> { state, n }: job counts, likewise
    jobStats: p(`SELECT state, n FROM state_counts WHERE tbl = 'jobs' AND n > 0 AND state <> 'staged'`),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
