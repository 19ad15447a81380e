/**
 * The SQLite adapter's statements on what comes due: leases that ran out, delayed tasks whose
 * time came, routes with work. Each carries a header: its parameters and what it returns.
 */
export const dueSql = {
  // (now, limit) -> { id } of leased tasks whose lease ran out
  expired: `SELECT id FROM tasks WHERE state = 'leased' AND lease_expires_at <= ?
    ORDER BY lease_expires_at LIMIT ?`,
  // (now, limit) -> { route } of each delayed task made ready
  promote: `UPDATE tasks SET state = 'queued' WHERE id IN
    (SELECT id FROM tasks WHERE state = 'delayed' AND run_at <= ? ORDER BY run_at LIMIT ?) RETURNING route`,
  // () -> { at }: the earliest run_at among delayed tasks
  nextDue: `SELECT min(run_at) AS at FROM tasks WHERE state = 'delayed'`,
  // () -> { route } of every route with queued or delayed tasks
  pendingRoutes: `SELECT DISTINCT route FROM tasks WHERE state IN ('queued', 'delayed')`,
} as const;
