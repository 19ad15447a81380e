import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import type { LogSink } from '../../src/hub/logSink.js';
import { HubClient } from '../../src/client/hubClient.js';
import { DEFAULTS, type Config } from '../../src/config.js';
import { startHub, type RunningHub } from '../../src/hub/hub.js';
import { onPostgresPass, testDatabase } from './postgres.js';

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

/** For tests about the SQLite file itself: `test(name, sqliteOnly, ...)` skips them in the PostgreSQL pass. */
export const sqliteOnly = { skip: onPostgresPass && 'about the SQLite file: runs in the SQLite pass' };

/**
 * A hub in this process on a free port with its own data directory (for API-level tests); in the
 * PostgreSQL pass its store is a schema of its own, unless the test names a store.
 */
export async function startTestHub(
  over: Partial<Config> = {},
  log: Logger = quietLog,
  logs?: LogSink,
): Promise<TestHub> {
  const dataDir = mkdtempSync(join(tmpdir(), 'roost-hub-'));
  const db = onPostgresPass && over.store === undefined ? await testDatabase() : null;
  const store = db ? { store: db.url } : {};
  const hub = await startHub(
    {
      ...DEFAULTS,
      port: 0,
      dataDir,
      botsDir: join(dataDir, 'bots'),
      kinds: ['test.echo', 'test.sleep'],
      ...store,
      ...over,
    },
    log,
    logs,
  );
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
