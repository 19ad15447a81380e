import { after, test } from 'node:test';
import pg from 'pg';
import { NO_DATABASE, PG_URL, testDatabase, type TestDatabase } from '../helpers/postgres.js';
import { cleanupProcesses, dumpOnFailure, freePort, makeTempDir } from '../helpers/processes.js';
import { soakAndCheck } from './soakChecks.js';

let db: TestDatabase | null = null;
after(async () => {
  await cleanupProcesses();
  await db?.drop();
});

// The soak of soak.test.ts with the hub on PostgreSQL: what a hub acknowledged was committed there.
test(
  'soak on PostgreSQL: 3 rounds of kill -9 of the hub and of a worker under a producer with keys',
  { timeout: 120_000 },
  async (t) => {
    db = await testDatabase();
    if (!db) return t.skip(NO_DATABASE);
    const { url, schema } = db;
    await dumpOnFailure(async () => {
      const opts = {
        dataDir: makeTempDir(),
        port: await freePort(),
        env: { ROOST_DATABASE_URL: url },
        rounds: 3,
        segment: 300,
        lanes: 8,
      };
      await soakAndCheck('PostgreSQL', opts, async () => {
        const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
        await client.connect();
        return { query: async (sql) => (await client.query(sql)).rows, close: () => client.end() };
      });
    });
  },
);
