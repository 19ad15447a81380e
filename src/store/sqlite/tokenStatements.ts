/**
 * The SQLite adapter's statements on tokens (stored hashed). Each carries a header: its parameters
 * and what it returns.
 */
export const tokenSql = {
  // (token columns, kinds as JSON or null, ownJobs 0/1, bot or null) -> nothing
  insertToken: `INSERT INTO tokens (id, name, scope, hash, created_at, kinds, own_jobs, bot)
      VALUES (:id, :name, :scope, :hash, :createdAt, :kinds, :ownJobs, :bot)`,
  // (id) -> the token row
  token: 'SELECT * FROM tokens WHERE id = ?',
  // () -> every token row, oldest first
  tokens: 'SELECT * FROM tokens ORDER BY created_at, id',
  // (now, id) -> changes = 1 when the token was active
  revokeToken: 'UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
  // (now, id) -> nothing
  touchToken: 'UPDATE tokens SET last_used_at = ? WHERE id = ?',
} as const;
