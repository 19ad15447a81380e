/**
 * The PostgreSQL adapter's statements on limits, and the queued tasks rerouted when they change.
 * Each carries a header: its parameters and what it returns.
 */
export const limitSql = {
  // () -> every limit row
  limits: 'SELECT * FROM limits ORDER BY key',
  // ($1 key, $2 concurrency, $3 rate count, $4 rate interval ms, $5 now) -> nothing
  setLimit: `INSERT INTO limits (key, concurrency, rate_count, rate_interval_ms, updated_at) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (key) DO UPDATE SET concurrency = excluded.concurrency, rate_count = excluded.rate_count,
      rate_interval_ms = excluded.rate_interval_ms, updated_at = excluded.updated_at`,
  // ($1 key) -> rowCount
  deleteLimit: 'DELETE FROM limits WHERE key = $1',
  // ($1 exact key, $2 prefix LIKE pattern or null, '\' escapes) -> { id, kind, requires, concurrency_key }
  // of unfinished tasks whose key matches; leased ones too, so a retry or release puts them back in
  // the queue their key now belongs in
  keyedWaiting: `SELECT t.id, t.kind, j.requires, t.concurrency_key FROM tasks t JOIN jobs j ON j.id = t.job_id
    WHERE t.state IN ('queued', 'delayed', 'leased') AND (t.concurrency_key = $1 OR t.concurrency_key LIKE $2 ESCAPE '\\')`,
  // ($1 task ids, $2 routes) -> nothing
  setRoutes: `UPDATE tasks SET route = r.route FROM unnest($1::bigint[], $2::text[]) AS r(id, route) WHERE tasks.id = r.id`,
} as const;
