/** The local PostgreSQL that graphile-worker and pg-boss run on. */
import pg from 'pg';

export const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** Throws saying why PostgreSQL cannot be reached; returns its version. */
export async function postgresVersion(): Promise<string> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const r = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    return `PostgreSQL ${r.rows[0]!.v}`;
  } catch (e) {
    throw new Error(`PostgreSQL at 127.0.0.1:5432 (user postgres, database test) not reachable: ${(e as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
