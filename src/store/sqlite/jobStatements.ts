/**
 * The SQLite adapter's statements on jobs: read, their state recomputed from their tasks, started,
 * finished, swept, counted. Each carries a header: its parameters and what it returns.
 */
export const jobSql = {
  // (id) -> the job row
  job: 'SELECT * FROM jobs WHERE id = ?',
  // (jobId) -> { state, n } per internal task state
  taskCounts: 'SELECT state, count(*) AS n FROM tasks WHERE job_id = ? GROUP BY state',
  // (jobId, afterSeq) -> succeeded task rows of the job in completion order
  results: `SELECT idx, seed, output, finished_at, done_seq FROM tasks
    WHERE job_id = ? AND state = 'succeeded' AND done_seq > ? ORDER BY done_seq`,
  // (jobId) -> every task row of the job by index
  tasksOfJob: 'SELECT * FROM tasks WHERE job_id = ? ORDER BY idx',
  // (jobId, idx) -> one task row
  task: 'SELECT * FROM tasks WHERE job_id = ? AND idx = ?',
  // (:ids JSON array of job ids, :now) -> { id, state } of each job whose state changed:
  // recomputes job states from their tasks, for a whole batch in one statement
  refreshJobs: `UPDATE jobs SET state = agg.s, updated_at = :now,
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
    RETURNING jobs.id, jobs.state`,
  // (now, id) -> { input } when this claim started the job (its other changes go through
  // refreshJobs); nothing when it had started before, and jobInput says its input
  startJob: `UPDATE jobs SET state = 'running', updated_at = ? WHERE id = ? AND state = 'queued' RETURNING input`,
  // (id) -> { input } of a job, for the tasks a claim hands out
  jobInput: 'SELECT input FROM jobs WHERE id = ?',
  // (now, now, id) -> changes = 1 when the job's last unfinished task just succeeded. A completion
  // moves a job only this way: the task was leased, so the job was running and has no dead or
  // cancelled task (those cancel every leased sibling), hence no other state can follow.
  finishJob: `UPDATE jobs SET state = 'succeeded', updated_at = ?, finished_at = ?
    WHERE id = ? AND state = 'running' AND NOT EXISTS (SELECT 1 FROM tasks WHERE job_id = jobs.id AND state <> 'succeeded')`,
  // (:now, :id) -> nothing: the client has enough results (a finished job stays as it is)
  markEnough: `UPDATE jobs SET enough = 1, updated_at = :now WHERE id = :id AND state IN ('queued', 'running')`,
  // (before, limit) -> changes: deletes finished jobs (with their tasks) past retention
  // (jobs_retention named: the planner would rather pick jobs_by_state for the OR and sort them all)
  sweep: `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs INDEXED BY jobs_retention WHERE (state = 'succeeded' OR state = 'cancelled')
    AND finished_at < ? ORDER BY finished_at LIMIT ?)`,
  // () -> { m }: the highest completion sequence number
  maxSeq: 'SELECT coalesce(max(done_seq), 0) AS m FROM tasks',
  // () -> { kind, state, n }: task counts, as the triggers of migration 008 keep them
  // (a batch's staged rows are not counted until they become visible)
  taskStats: `SELECT kind, state, n FROM state_counts WHERE tbl = 'tasks' AND n > 0 AND state <> 'staged'`,
  // () -> { state, n }: job counts, likewise
  jobStats: `SELECT state, n FROM state_counts WHERE tbl = 'jobs' AND n > 0 AND state <> 'staged'`,
} as const;
