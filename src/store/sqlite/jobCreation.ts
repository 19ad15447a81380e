/**
 * The SQLite adapter's statements creating jobs: one by one, or a large batch staged, then sealed
 * and shown. Each carries a header: its parameters and what it returns.
 */
export const creationSql = {
  // (:key) -> { id, state } of the job created with this idempotency key ('staged': by a batch in progress)
  jobIdByKey: 'SELECT id, state FROM jobs WHERE key = :key',
  // (job_id, kind, route, priority, seed, state, run_at, max_attempts, lease_ms, concurrency_key,
  // input, job_state, variants, backoff, requires, key, job_run_at, created_at, updated_at,
  // job_finished_at, cache_key, cached_from, created_by) -> nothing: a job with its first task, in
  // one row (migration 017). Positional: binding by name costs a lookup per parameter, and this runs
  // for every job.
  insertJob: `INSERT INTO tasks (job_id, idx, kind, route, priority, seed, state, run_at, max_attempts, lease_ms,
      concurrency_key, input, job_state, variants, backoff, requires, key, job_run_at, created_at, updated_at,
      job_finished_at, enough, cache_key, cached_from, created_by)
    VALUES (?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
  // (:cacheKey, :since) -> { id } of the newest job with this identity that ran and succeeded since
  // then (copies made by earlier hits do not count: they would keep an old result fresh forever)
  cacheHit: `SELECT id FROM jobs WHERE cache_key = :cacheKey AND state = 'succeeded' AND finished_at >= :since
    AND cached_from IS NULL AND enough = 0 ORDER BY finished_at DESC LIMIT 1`,
  // (:jobId, :from, :seq, :now, :state) -> nothing: copies the succeeded tasks of job :from into job
  // :jobId, which must have no tasks yet, numbering their results from :seq; :state is 'succeeded',
  // or 'staged' in a large batch (they become succeeded with it, being the only staged tasks with results)
  // The first task's row exists (insertJob made it), so its copy is written into it.
  copyResults: `INSERT INTO tasks (job_id, idx, kind, route, priority, seed, state, run_at, max_attempts, lease_ms,
      output, done_seq, finished_at, concurrency_key)
    SELECT :jobId, idx, kind, route, priority, seed, :state, :now, max_attempts, lease_ms,
      output, :seq + idx, :now, concurrency_key
    FROM tasks WHERE job_id = :from AND state = 'succeeded'
    ON CONFLICT (job_id, idx) DO UPDATE SET route = excluded.route, state = excluded.state, run_at = excluded.run_at,
      output = excluded.output, done_seq = excluded.done_seq, finished_at = excluded.finished_at`,
  // (job_id, idx, kind, route, priority, seed, state, run_at, max_attempts, lease_ms,
  // concurrency_key) -> nothing
  insertTask: `INSERT INTO tasks (job_id, idx, kind, route, priority, seed, state, run_at, max_attempts, lease_ms, concurrency_key)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  // (:ids JSON array of job ids) -> nothing: a large batch's staged jobs become visible, in the
  // state they were born in; this is the moment the batch is created (SqliteCreation)
  sealJobs: `UPDATE tasks SET job_state = CASE WHEN cached_from IS NULL THEN 'queued' ELSE 'succeeded' END
    WHERE job_id IN (SELECT value FROM json_each(:ids)) AND idx = 0 AND job_state = 'staged'`,
  // (:ids JSON array of job ids) -> nothing: removes staged jobs with their tasks (a failed batch)
  discardJobs: `DELETE FROM tasks WHERE job_id IN (SELECT job_id FROM tasks
    WHERE job_id IN (SELECT value FROM json_each(:ids)) AND idx = 0 AND job_state = 'staged')`,
  // () -> { idx } of each task removed: every staged job with its tasks (at start: a batch cut off
  // before its seal)
  discardAllStaged: `DELETE FROM tasks WHERE job_id IN (SELECT job_id FROM tasks WHERE idx = 0 AND job_state = 'staged')
    RETURNING idx`,
  // () -> { job_id } of the jobs with staged tasks (at start: a sealed batch cut off before the end)
  stagedTaskJobs: `SELECT DISTINCT job_id FROM tasks INDEXED BY tasks_staged WHERE state = 'staged'`,
  // (:jobId, :from, :to, :now) -> nothing: the staged tasks [from, to) of a sealed job become what
  // they were born as: succeeded (copied results), queued or delayed; cancelled if the job has
  // ended meanwhile (they would otherwise outlive its cancellation)
  showTasks: `UPDATE tasks SET
      state = CASE WHEN tasks.done_seq IS NOT NULL THEN 'succeeded' WHEN j.state NOT IN ('queued', 'running')
        THEN 'cancelled' WHEN tasks.run_at > j.created_at THEN 'delayed' ELSE 'queued' END,
      error = CASE WHEN tasks.done_seq IS NULL AND j.state NOT IN ('queued', 'running')
        THEN 'cancelled: the job had ended before this task was created' END,
      finished_at = CASE WHEN tasks.done_seq IS NOT NULL THEN tasks.finished_at
        WHEN j.state NOT IN ('queued', 'running') THEN :now END
    FROM jobs j WHERE j.id = tasks.job_id AND j.state <> 'staged'
      AND tasks.job_id = :jobId AND tasks.idx >= :from AND tasks.idx < :to AND tasks.state = 'staged'`,
} as const;
