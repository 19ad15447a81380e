/** Two `roost hub` processes on one PostgreSQL schema, for the fault tests about several hubs. */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { testDatabase, type TestDatabase } from '../helpers/postgres.js';
import { makeTempDir, startHubProcess, type HubProcess } from '../helpers/processes.js';

const databases: TestDatabase[] = [];

/** A fresh schema for one test (null when PostgreSQL is unreachable outside CI); dropDatabases() removes it. */
export async function pairDatabase(): Promise<TestDatabase | null> {
  const db = await testDatabase();
  if (db) databases.push(db);
  return db;
}

export async function dropDatabases(): Promise<void> {
  for (const db of databases.splice(0)) await db.drop();
}

export interface PairOptions {
  kinds?: string[];
  /** More flags for both hubs. */
  args?: string[];
}

/** Hub A first (it creates the admin token in the shared store), then hub B with the same token. */
export async function startHubPair(db: TestDatabase, o: PairOptions = {}): Promise<{ a: HubProcess; b: HubProcess }> {
  const env = { ROOST_DATABASE_URL: db.url };
  const dirA = makeTempDir('roost-hub-a-');
  const a = await startHubProcess({ dataDir: dirA, kinds: o.kinds, args: o.args, env, name: 'hub-a' });
  const dirB = makeTempDir('roost-hub-b-');
  copyFileSync(join(dirA, 'admin.token'), join(dirB, 'admin.token'));
  const b = await startHubProcess({ dataDir: dirB, kinds: o.kinds, args: o.args, env, name: 'hub-b' });
  return { a, b };
}
