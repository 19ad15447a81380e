import { withTheirTasks } from './jobStatements.js';

/**
 * The PostgreSQL adapter's statements on dead tasks: listed, redriven, purged with their jobs.
 * Each carries a header: its parameters and what it returns.
 */
export const deadSql = {
  // ($1 cursor, $2 limit) -> dead task rows, newest first, with ids below the cursor
  dead: `SELECT * FROM tasks WHERE state = 'dead' AND id < $1 ORDER BY id DESC LIMIT $2`,
  // ($1 now, $2 id) -> nothing: a dead task gets fresh attempts
  redrive: `UPDATE tasks SET state = 'queued', attempt = 0, run_at = $1, finished_at = NULL, error = NULL,
      lease_token = NULL, worker_id = NULL WHERE id = $2`,
  // ($1 now, $2 jobId) -> { route } of siblings cancelled by a failure, queued again
  redriveSiblings: `UPDATE tasks SET state = 'queued', attempt = 0, run_at = $1, finished_at = NULL,
      error = NULL, lease_token = NULL, worker_id = NULL
    WHERE job_id = $2 AND state = 'cancelled' RETURNING route`,
  // ($1 jobId) -> { n } jobs deleted: the job, if a task of it is dead, with its tasks
  purgeJobOfDead: withTheirTasks(
    `DELETE FROM jobs WHERE id = $1 AND EXISTS (SELECT 1 FROM tasks WHERE job_id = jobs.id AND state = 'dead')`,
  ),
  // () -> { n } jobs deleted: every job holding a dead task, with its tasks
  purgeAllDead: withTheirTasks(`DELETE FROM jobs WHERE id IN (SELECT job_id FROM tasks WHERE state = 'dead')`),
} as const;
