/** The local PostgreSQL that graphile-worker and pg-boss run on. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { onCleanup } from './processes.js';

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
    throw new Error(
      `PostgreSQL at 127.0.0.1:5432 (user postgres, database test) not reachable: ${(e as Error).message}`,
    );
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

/**
 * A fresh schema for one Roost hub on this PostgreSQL, dropped when the bench cleans up; returns
 * the store URL that names it.
 */
export async function freshRoostStore(): Promise<string> {
  const schema = `roost_bench_${randomBytes(5).toString('hex')}`;
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA "${schema}"`);
  } finally {
    await client.end();
  }
  onCleanup(`drop schema ${schema}`, () => dropSchema(schema));
  return `${PG_URL}?schema=${schema}`;
}
