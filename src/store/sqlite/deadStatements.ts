/**
 * The SQLite adapter's statements on dead tasks: listed, redriven, purged with their jobs. Each
 * carries a header: its parameters and what it returns.
 */
import { TASK_COLUMNS } from './jobStatements.js';

export const deadSql = {
  // (cursor, limit) -> dead task rows, newest first, with ids below the cursor
  dead: `SELECT ${TASK_COLUMNS} FROM tasks WHERE state = 'dead' AND id < ? ORDER BY id DESC LIMIT ?`,
  // (:now, :id) -> nothing: a dead task gets fresh attempts
  redrive: `UPDATE tasks SET state = 'queued', attempt = 0, run_at = :now, finished_at = NULL, error = NULL,
      lease_token = NULL, worker_id = NULL WHERE id = :id`,
  // (:now, :jobId) -> { route } of siblings cancelled by a failure, queued again
  redriveSiblings: `UPDATE tasks SET state = 'queued', attempt = 0, run_at = :now, finished_at = NULL,
      error = NULL, lease_token = NULL, worker_id = NULL
    WHERE job_id = :jobId AND state = 'cancelled' RETURNING route`,
  // (:jobId) -> { idx } of each task deleted: the job, when one of its tasks is dead
  purgeJobOfDead: `DELETE FROM tasks
    WHERE job_id = :jobId AND EXISTS (SELECT 1 FROM tasks d WHERE d.job_id = :jobId AND d.state = 'dead') RETURNING idx`,
  // () -> { idx } of each task deleted: every job holding a dead task
  purgeAllDead: `DELETE FROM tasks WHERE job_id IN (SELECT job_id FROM tasks WHERE state = 'dead') RETURNING idx`,
} as const;
