import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { loadMigrations, newerSchemaError, type Migration } from '../migrations.js';

/** Where this dialect's numbered migrations are (next to the compiled code too). */
export const migrationsDir = fileURLToPath(new URL('./migrations/', import.meta.url));

/**
 * Applies the migrations the schema lacks, in one transaction, holding a session advisory lock so
 * hubs starting together on one database apply them once. Refuses a schema written by a newer Roost.
 * Creates the schema the connection's search_path names when it does not exist yet.
 */
export async function migrate(
  pool: pg.Pool,
  schema: string,
  migrations: Migration[] = loadMigrations(migrationsDir),
): Promise<number> {
  const latest = migrations.at(-1)?.version ?? 0;
  const client = await pool.connect();
  const lock = [`roost.migrate:${schema}`];
  try {
    await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', lock);
    try {
      await client.query('BEGIN');
      const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)`);
      const current =
        (await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations')).rows[0]!.v ?? 0;
      if (current > latest) throw newerSchemaError(current, latest, 'point --store at another database or schema');
      for (const m of migrations) {
        if (m.version <= current) continue;
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          Date.now(),
        ]);
      }
      await client.query('COMMIT');
      return latest;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', lock);
    }
  } finally {
    client.release();
  }
}

/** A schema name as a quoted SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
