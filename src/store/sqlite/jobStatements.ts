/**
 * The SQLite adapter's statements on jobs: read, their state recomputed from their tasks, started,
 * finished, swept, counted. Each carries a header: its parameters and what it returns.
 */

/**
 * A task's own columns (TaskRow). The first task's row also holds its job's (migration 017), its
 * input among them, which a read of tasks has no use for.
 */
export const TASK_COLUMNS = `id, job_id, idx, kind, route, priority, seed, state, run_at, attempt, max_attempts,
  lease_ms, lease_token, lease_expires_at, worker_id, output, progress, error, done_seq, finished_at,
  concurrency_key, lease_owner`;

export const jobSql = {
  // (id) -> the job row (the view of migration 017)
  job: 'SELECT * FROM jobs WHERE id = ?',
  // (jobId) -> { state, n } per internal task state
  taskCounts: 'SELECT state, count(*) AS n FROM tasks WHERE job_id = ? GROUP BY state',
  // (jobId, afterSeq) -> succeeded task rows of the job in completion order
  results: `SELECT idx, seed, output, finished_at, done_seq FROM tasks
    WHERE job_id = ? AND state = 'succeeded' AND done_seq > ? ORDER BY done_seq`,
  // (jobId) -> every task row of the job by index
  tasksOfJob: `SELECT ${TASK_COLUMNS} FROM tasks WHERE job_id = ? ORDER BY idx`,
  // (jobId, idx) -> one task row
  task: `SELECT ${TASK_COLUMNS} FROM tasks WHERE job_id = ? AND idx = ?`,
  // (:ids JSON array of job ids, :now) -> { id, state } of each job whose state changed:
  // recomputes job states from their tasks, for a whole batch in one statement
  refreshJobs: `UPDATE tasks SET job_state = agg.s, updated_at = :now,
      job_finished_at = CASE WHEN agg.s IN ('succeeded', 'failed', 'cancelled') THEN coalesce(tasks.job_finished_at, :now) END
    FROM (SELECT t.job_id, CASE
        WHEN sum(t.state = 'dead') > 0 THEN 'failed'
        WHEN sum(t.state = 'succeeded') = count(*) THEN 'succeeded'
        WHEN sum(t.state IN ('queued', 'delayed', 'leased')) = 0 THEN
          CASE WHEN max(t.enough) = 1 AND sum(t.state = 'succeeded') > 0 THEN 'succeeded' ELSE 'cancelled' END
        WHEN sum(t.attempt > 0 OR t.state = 'succeeded') > 0 THEN 'running'
        ELSE 'queued' END AS s
      FROM tasks t WHERE t.job_id IN (SELECT value FROM json_each(:ids)) GROUP BY t.job_id) AS agg
    WHERE tasks.job_id = agg.job_id AND tasks.idx = 0 AND tasks.job_state <> agg.s
    RETURNING tasks.job_id AS id, tasks.job_state AS state`,
  // (now, id) -> { input } when this claim started the job (its other changes go through
  // refreshJobs); nothing when it had started before, and jobInput says its input
  startJob: `UPDATE tasks SET job_state = 'running', updated_at = ?
    WHERE job_id = ? AND idx = 0 AND job_state = 'queued' RETURNING input`,
  // (id) -> { input } of a job, for the tasks a claim hands out
  jobInput: 'SELECT input FROM tasks WHERE job_id = ? AND idx = 0',
  // (now, now, id) -> changes = 1 when the job's last unfinished task just succeeded. A completion
  // moves a job only this way: the task was leased, so the job was running and has no dead or
  // cancelled task (those cancel every leased sibling), hence no other state can follow.
  finishJob: `UPDATE tasks SET job_state = 'succeeded', updated_at = ?, job_finished_at = ?
    WHERE job_id = ? AND idx = 0 AND job_state = 'running'
      AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.job_id = tasks.job_id AND t.state <> 'succeeded')`,
  // (:now, :id) -> nothing: the client has enough results (a finished job stays as it is)
  markEnough: `UPDATE tasks SET enough = 1, updated_at = :now
    WHERE job_id = :id AND idx = 0 AND job_state IN ('queued', 'running')`,
  // (before, limit) -> { idx } of each task deleted: finished jobs (with their tasks) past retention
  // (jobs_retention named: the planner would rather pick jobs_by_state for the OR and sort them all)
  sweep: `DELETE FROM tasks WHERE job_id IN (SELECT job_id FROM tasks INDEXED BY jobs_retention
      WHERE idx = 0 AND (job_state = 'succeeded' OR job_state = 'cancelled') AND job_finished_at < ?
      ORDER BY job_finished_at LIMIT ?)
    RETURNING idx`,
  // () -> { m }: the highest completion sequence number
  maxSeq: 'SELECT coalesce(max(done_seq), 0) AS m FROM tasks',
  // () -> { kind, state, n }: task counts, as the triggers of migration 008 keep them
  // (a batch's staged rows are not counted until they become visible)
  taskStats: `SELECT kind, state, n FROM state_counts WHERE tbl = 'tasks' AND n > 0 AND state <> 'staged'`,
  // () -> { state, n }: job counts, likewise
  jobStats: `SELECT state, n FROM state_counts WHERE tbl = 'jobs' AND n > 0 AND state <> 'staged'`,
} as const;
