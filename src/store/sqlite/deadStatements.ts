/**
 * The SQLite adapter's statements on dead tasks: listed, redriven, purged with their jobs. Each
 * carries a header: its parameters and what it returns.
 */
export const deadSql = {
  // (cursor, limit) -> dead task rows, newest first, with ids below the cursor
  dead: `SELECT * FROM tasks WHERE state = 'dead' AND id < ? ORDER BY id DESC LIMIT ?`,
  // (:now, :id) -> nothing: a dead task gets fresh attempts
  redrive: `UPDATE tasks SET state = 'queued', attempt = 0, run_at = :now, finished_at = NULL, error = NULL,
      lease_token = NULL, worker_id = NULL WHERE id = :id`,
  // (:now, :jobId) -> { route } of siblings cancelled by a failure, queued again
  redriveSiblings: `UPDATE tasks SET state = 'queued', attempt = 0, run_at = :now, finished_at = NULL,
      error = NULL, lease_token = NULL, worker_id = NULL
    WHERE job_id = :jobId AND state = 'cancelled' RETURNING route`,
  // (jobId) -> changes: deletes a job whose task is dead
  purgeJobOfDead: `DELETE FROM jobs WHERE id = ? AND EXISTS (SELECT 1 FROM tasks WHERE job_id = jobs.id AND state = 'dead')`,
  // () -> changes: deletes every job holding a dead task
  purgeAllDead: `DELETE FROM jobs WHERE id IN (SELECT job_id FROM tasks WHERE state = 'dead')`,
} as const;
