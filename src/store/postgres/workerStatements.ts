/**
 * The PostgreSQL adapter's statements on workers and the kinds they offer. Each carries a header:
 * its parameters and what it returns.
 */
export const workerSql = {
  // ($1 workerId, $2 name, $3 capabilities, $4 concurrency, $5 version, $6 firstSeen, $7 lastSeen,
  //  $8 kinds offered) -> nothing: the worker row, and each kind it offers remembered
  upsertWorker: `WITH w AS (
      INSERT INTO workers (worker_id, name, capabilities, concurrency, version, first_seen, last_seen)
      VALUES ($1, $2, $3, $4, $5, $6, $7)
      ON CONFLICT (worker_id) DO UPDATE SET name = excluded.name, capabilities = excluded.capabilities,
        concurrency = excluded.concurrency, version = excluded.version, last_seen = excluded.last_seen)
    INSERT INTO kinds (kind, first_seen) SELECT DISTINCT k, $7::bigint FROM unnest($8::text[]) AS k ON CONFLICT DO NOTHING`,
  // () -> every worker row, most recently seen first
  workers: 'SELECT * FROM workers ORDER BY last_seen DESC',
  // () -> { worker_id, n }: leases held per worker
  leasesByWorker: `SELECT worker_id, count(*)::int AS n FROM tasks WHERE state = 'leased' GROUP BY worker_id`,
  // () -> { kind } of every kind ever offered
  kinds: 'SELECT kind FROM kinds ORDER BY kind',
} as const;
