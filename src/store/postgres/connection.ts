import type pg from 'pg';

export interface PgTarget {
  /** What pg.Pool needs: the URL without Roost's own parameters, and the schema as search_path. */
  pool: pg.PoolConfig;
  schema: string;
}

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Reads a `postgres://` URL. Roost's own parameter `schema` (default `public`) names the schema
 * its tables live in, so several Roosts (or test runs) can share one database.
 */
export function pgTarget(url: string): PgTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`cannot read the store URL; use postgres://USER@HOST:PORT/DATABASE (optionally ?schema=NAME)`);
  }
  const schema = parsed.searchParams.get('schema') ?? 'public';
  if (!SCHEMA.test(schema)) {
    throw new Error(`the store URL's schema must be a lower-case SQL name (letters, digits, _), got '${schema}'`);
  }
  parsed.searchParams.delete('schema');
  // The application name shows which Roost a connection belongs to in pg_stat_activity.
  return {
    pool: {
      connectionString: parsed.toString(),
      options: `-c search_path=${schema}`,
      application_name: `roost ${schema}`,
    },
    schema,
  };
}

/** Whether a store setting names a PostgreSQL database. */
export function isPostgresUrl(store: string): boolean {
  return /^postgres(ql)?:\/\//.test(store);
}
