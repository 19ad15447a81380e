import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { DEFAULT_BACKOFF } from '../../src/broker/backoff.js';
import { SqliteStore } from '../../src/store/sqlite/SqliteStore.js';
import { countContract } from './countContract.js';
import { isolationContract } from './isolationContract.js';
import { rollupContract } from './rollupContract.js';
import { RETRY_MS, storeContract } from './storeContract.js';

const dir = mkdtempSync(join(tmpdir(), 'roost-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const open = (file = join(dir, `s${++n}.db`)) => new SqliteStore(file, { retryDelay: () => RETRY_MS });

storeContract({ name: 'sqlite', open: async () => open() });
isolationContract({ name: 'sqlite', open: async () => open() });
rollupContract({ name: 'sqlite', open: async () => open() });
countContract({ name: 'sqlite', open: async () => open() }, false);

test('sqlite: committed jobs survive closing and reopening the file', async () => {
  const file = join(dir, 'reopen.db');
  const a = open(file);
  const { job } = await a.createJob({
    id: 'job_reopen',
    kind: 'k',
    input: 1,
    variants: 2,
    priority: 0,
    runAt: 0,
    maxAttempts: 1,
    backoff: DEFAULT_BACKOFF,
    leaseMs: 1000,
    key: null,
    requires: null,
    seed: 0,
    createdAt: 0,
    concurrencyKey: null,
    route: 'k',
    cacheKey: null,
    cacheTtlMs: null,
  });
  await a.close();
  const b = open(file);
  assert.equal((await b.getJob(job.id))!.variants, 2);
  assert.deepEqual(await b.pendingRoutes(), ['k']);
  await b.close();
});

test('sqlite: a database written by a newer Roost is refused with a message saying what to do', async () => {
  const file = join(dir, 'newer.db');
  await open(file).close();
  const db = new Database(file);
  db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, ?, 0)').run('999_future.sql');
  db.close();
  assert.throws(() => open(file), /schema is at version 999.*upgrade Roost/);
});
