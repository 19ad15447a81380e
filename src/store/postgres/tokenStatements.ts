/**
 * The PostgreSQL adapter's statements on tokens (stored hashed). Each carries a header: its
 * parameters and what it returns.
 */
export const tokenSql = {
  // ($1 id, $2 name, $3 scope, $4 hash, $5 createdAt, $6 kinds as JSON or null, $7 own jobs, $8 bot or null)
  // -> nothing
  insertToken: `INSERT INTO tokens (id, name, scope, hash, created_at, kinds, own_jobs, bot)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
  // ($1 id) -> the token row
  token: 'SELECT * FROM tokens WHERE id = $1',
  // () -> every token row, oldest first
  tokens: 'SELECT * FROM tokens ORDER BY created_at, id',
  // ($1 now, $2 id) -> rowCount = 1 when the token was active
  revokeToken: 'UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL',
  // ($1 now, $2 id) -> nothing
  touchToken: 'UPDATE tokens SET last_used_at = $1 WHERE id = $2',
} as const;
