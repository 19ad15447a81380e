/**
 * The SQLite adapter's statements on limits, and the queued tasks rerouted when they change. Each
 * carries a header: its parameters and what it returns.
 */
export const limitSql = {
  // () -> every limit row
  limits: 'SELECT * FROM limits ORDER BY key',
  // (:key, :concurrency, :rateCount, :rateIntervalMs, :now) -> nothing
  setLimit: `INSERT INTO limits (key, concurrency, rate_count, rate_interval_ms, updated_at)
    VALUES (:key, :concurrency, :rateCount, :rateIntervalMs, :now)
    ON CONFLICT (key) DO UPDATE SET concurrency = excluded.concurrency, rate_count = excluded.rate_count,
      rate_interval_ms = excluded.rate_interval_ms, updated_at = excluded.updated_at`,
  // (key) -> changes
  deleteLimit: 'DELETE FROM limits WHERE key = ?',
  // (:exact, :prefix) -> { id, kind, requires, concurrency_key } of unfinished tasks whose key is
  // :exact or starts with :prefix (LIKE pattern, '\' escapes); leased ones too, so a retry or
  // release puts them back in the queue their key now belongs in
  keyedWaiting: `SELECT t.id, t.kind, j.requires, t.concurrency_key FROM tasks t JOIN jobs j ON j.id = t.job_id
    WHERE (t.state = 'queued' OR t.state = 'delayed' OR t.state = 'leased') AND t.concurrency_key IS NOT NULL
      AND (t.concurrency_key = :exact OR t.concurrency_key LIKE :prefix ESCAPE '\\')`,
  // (route, id) -> nothing
  setRoute: 'UPDATE tasks SET route = ? WHERE id = ?',
} as const;
