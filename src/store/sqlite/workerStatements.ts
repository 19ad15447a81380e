/**
 * The SQLite adapter's statements on workers and the kinds they offer. Each carries a header: its
 * parameters and what it returns.
 */
export const workerSql = {
  // (worker columns) -> nothing
  upsertWorker: `INSERT INTO workers (worker_id, name, capabilities, concurrency, version, first_seen, last_seen)
    VALUES (:workerId, :name, :capabilities, :concurrency, :version, :firstSeen, :lastSeen)
    ON CONFLICT (worker_id) DO UPDATE SET name = excluded.name, capabilities = excluded.capabilities,
      concurrency = excluded.concurrency, version = excluded.version, last_seen = excluded.last_seen`,
  // () -> every worker row, most recently seen first
  workers: 'SELECT * FROM workers ORDER BY last_seen DESC',
  // () -> { worker_id, n }: leases held per worker
  leasesByWorker: `SELECT worker_id, count(*) AS n FROM tasks WHERE state = 'leased' GROUP BY worker_id`,
  // (kind, now) -> nothing
  addKind: 'INSERT OR IGNORE INTO kinds (kind, first_seen) VALUES (?, ?)',
  // () -> { kind } of every kind ever offered
  kinds: 'SELECT kind FROM kinds ORDER BY kind',
} as const;
