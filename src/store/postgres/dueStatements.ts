/**
 * The PostgreSQL adapter's statements on what comes due: leases that ran out, delayed tasks whose
 * time came, routes with work. Each carries a header: its parameters and what it returns.
 */
export const dueSql = {
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
} as const;
