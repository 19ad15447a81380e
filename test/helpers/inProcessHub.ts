import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { HubClient } from '../../src/client/hubClient.js';
import { DEFAULTS, type Config } from '../../src/config.js';
import { startHub, type RunningHub } from '../../src/hub/hub.js';
import { testDatabase } from './postgres.js';

export const quietLog = pino({ level: process.env.ROOST_TEST_LOG ?? 'silent' });

export interface TestHub {
  hub: RunningHub;
  url: string;
  dataDir: string;
  adminToken: string;
  admin: HubClient;
  /** A client for a new token of the given scope. */
  as(scope: 'admin' | 'client' | 'worker' | 'bot'): Promise<HubClient & { readonly token: string }>;
  close(): Promise<void>;
}

/**
 * scripts/run-tests.js runs test/hub a second time with ROOST_TEST_STORE=postgres: each hub then
 * keeps its store in a schema of its own on the test PostgreSQL (unless the test names a store).
 */
const onPostgres = process.env.ROOST_TEST_STORE === 'postgres';

/** For tests about the SQLite file itself: `test(name, sqliteOnly, ...)` skips them in that second run. */
export const sqliteOnly = { skip: onPostgres && 'about the SQLite file: runs in the SQLite pass' };

/** A hub in this process on a free port with its own data directory (for API-level tests). */
export async function startTestHub(over: Partial<Config> = {}): Promise<TestHub> {
  const dataDir = mkdtempSync(join(tmpdir(), 'roost-hub-'));
  const db = onPostgres && over.store === undefined ? await testDatabase() : null;
  const store = db ? { store: db.url } : {};
  const hub = await startHub({ ...DEFAULTS, port: 0, dataDir, botsDir: join(dataDir, 'bots'), kinds: ['test.echo', 'test.sleep'], ...store, ...over }, quietLog);
  const adminToken = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
  return {
    hub,
    url: hub.url,
    dataDir,
    adminToken,
    admin: new HubClient(hub.url, adminToken),
    async as(scope) {
      const { token } = await hub.tokens.create(`test ${scope}`, scope);
      return new HubClient(hub.url, token) as HubClient & { readonly token: string };
    },
    async close() {
      await hub.close();
      await db?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
