import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { underCI } from '../../src/config.js';

/** The PostgreSQL of the test machines: trust auth, database `test`. */
export const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

/**
 * scripts/run-tests.js runs the API-level tests a second time with ROOST_TEST_STORE=postgres: the
 * hubs they start then keep their stores in a schema of their own on the test PostgreSQL.
 */
export const onPostgresPass = process.env.ROOST_TEST_STORE === 'postgres';

export interface TestDatabase {
  /** PG_URL with `?schema=` naming this run's own schema. */
  url: string;
  schema: string;
  /** Runs one query on a connection of its own, so no connection outlives a test that forgets drop(). */
  query(text: string, params?: unknown[]): Promise<pg.QueryResult>;
  /** Drops the schema, and each `<schema>_*` a test made beside it, with everything in them. */
  drop(): Promise<void>;
}

async function query(text: string, params: unknown[] = []): Promise<pg.QueryResult> {
  // Generous: a refused connection fails at once; a busy machine (the fast tier loads many files in one process) can take seconds.
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 15_000 });
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}

/**
 * A fresh schema `roost_test_<random>` for one test file (or hub), so runs never see each other's
 * rows. PostgreSQL unreachable: under CI that is a failure (thrown here); elsewhere the caller's
 * tests are skipped, with a loud line saying why, and this answers null.
 */
export async function testDatabase(): Promise<TestDatabase | null> {
  const schema = `roost_test_${randomBytes(6).toString('hex')}`;
  try {
    await query(`CREATE SCHEMA ${schema}`);
  } catch (e) {
    const why = `PostgreSQL at ${PG_URL} is not reachable (${(e as Error).message})`;
    if (underCI()) throw new Error(`${why}: under CI the PostgreSQL tests must run; start it (see .ci/run)`);
    console.error(`\n*** ${why}: SKIPPING the PostgreSQL tests. Start PostgreSQL to run them. ***\n`);
    return null;
  }
  return {
    url: `${PG_URL}?schema=${schema}`,
    schema,
    query,
    async drop() {
      const { rows } = await query("SELECT nspname AS name FROM pg_namespace WHERE nspname LIKE $1 || '%'", [schema]);
      for (const { name } of rows) await query(`DROP SCHEMA ${name} CASCADE`);
    },
  };
}

/** The reason to hand `test(..., { skip })` when there is no database to test against. */
export const NO_DATABASE = `PostgreSQL at ${PG_URL} is not reachable`;

/**
 * `pg_dump --schema-only` of one schema, normalised so that dumps of two schemas (or two runs)
 * compare equal: no comments, session settings, restrict keys, schema names or runs of blank lines.
 */
export function dumpSchema(schema: string): string {
  const dump = execFileSync(
    'pg_dump',
    ['--schema-only', '--no-owner', '--no-privileges', `--schema=${schema}`, PG_URL],
    { encoding: 'utf8' },
  );
  const header =
    '-- pg_dump --schema-only of a freshly migrated schema, normalised by test/helpers/postgres.ts.\n' +
    '-- Do not edit: test/contract/postgres.test.ts checks that the migrations build exactly this.\n\n';
  return (
    header +
    dump
      .split('\n')
      .filter((line) => !/^(--|SET |SELECT pg_catalog\.set_config|\\(un)?restrict |CREATE SCHEMA )/.test(line))
      .join('\n')
      .replaceAll(`${schema}.`, '')
      .replace(/\n{3,}/g, '\n\n')
      .trim() +
    '\n'
  );
}
