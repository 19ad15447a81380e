import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setImmediate } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { DEFAULT_BACKOFF } from '../../src/util/backoff.js';
import { SqliteStore } from '../../src/store/sqlite/sqliteStore.js';
import { countContract } from './countContract.js';
import { isolationContract } from './isolationContract.js';
import { pipelineContract } from './pipelineContract.js';
import { rollupContract } from './rollupContract.js';
import { newJob, RETRY_MS, storeContract } from './storeContract.js';

const dir = mkdtempSync(join(tmpdir(), 'roost-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const open = (file = join(dir, `s${++n}.db`)) => new SqliteStore(file, { retryDelay: () => RETRY_MS });

storeContract({ name: 'sqlite', open: async () => open() });
isolationContract({ name: 'sqlite', open: async () => open() });
rollupContract({ name: 'sqlite', open: async () => open() });
pipelineContract({ name: 'sqlite', open: async () => open() });
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

/**
 * Closes store `a`'s connection, as a crash would leave the file, at the first turn of the event
 * loop where `when` holds of what the file has committed. The store writes a large batch one chunk
 * per turn, and this looks after each of them.
 */
async function cutWhen(a: SqliteStore, file: string, when: (db: Database.Database) => boolean): Promise<void> {
  const look = new Database(file, { readonly: true });
  try {
    while (!when(look)) await setImmediate();
  } finally {
    look.close();
  }
  a.core.db.close();
  await a.core.checkpointer.close();
}

const countIn = (db: Database.Database, sql: string) => (db.prepare(sql).get() as { n: number }).n;

test('sqlite: a large batch cut off before it was complete is removed at the next start', async () => {
  const file = join(dir, 'cut-early.db');
  const a = open(file);
  const jobs = Array.from({ length: 8 }, () => newJob({ kind: 'cut.early', variants: 125 }));
  const failed = assert.rejects(a.createJobs(jobs), /not open/);
  await cutWhen(a, file, (db) => countIn(db, "SELECT count(*) AS n FROM tasks WHERE kind = 'cut.early'") > 0);
  await failed;
  const b = open(file);
  for (const j of jobs) assert.equal(await b.getJob(j.id), null);
  assert.equal(countIn(b.core.db, "SELECT count(*) AS n FROM tasks WHERE kind = 'cut.early'"), 0, 'tasks left');
  assert.equal(countIn(b.core.db, "SELECT count(*) AS n FROM jobs WHERE kind = 'cut.early'"), 0, 'jobs left');
  assert.deepEqual(await b.stats(), { tasks: [], jobs: {} });
  await b.close();
});

test('sqlite: a large batch cut off after its jobs were shown has all its tasks at the next start', async () => {
  const file = join(dir, 'cut-late.db');
  const a = open(file);
  const jobs = Array.from({ length: 8 }, () => newJob({ kind: 'cut.late', variants: 125 }));
  const failed = assert.rejects(a.createJobs(jobs), /not open/);
  await cutWhen(a, file, (db) => countIn(db, "SELECT count(*) AS n FROM jobs WHERE state = 'queued'") > 0);
  await failed;
  const b = open(file);
  for (const j of jobs) assert.equal((await b.getJob(j.id))!.counts.queued, 125);
  assert.deepEqual(await b.stats(), {
    tasks: [{ kind: 'cut.late', state: 'queued', count: 1000 }],
    jobs: { queued: 8 },
  });
  const rc = [{ route: 'cut.late', key: null, concurrency: null, rate: null }];
  assert.equal((await b.claim('w', rc, 2000, Date.now())).tasks.length, 1000);
  await b.close();
});

test("sqlite: a key held by a large batch still being written is refused, then answers the batch's job", async () => {
  const file = join(dir, 'held-key.db');
  const a = open(file);
  const jobs = [newJob({ kind: 'held', key: 'held-1', variants: 500 }), newJob({ kind: 'held', variants: 500 })];
  const creating = a.createJobs(jobs);
  while (countIn(a.core.db, "SELECT count(*) AS n FROM jobs WHERE key = 'held-1'") === 0) await setImmediate();
  await assert.rejects(a.createJob(newJob({ kind: 'held', key: 'held-1' })), { code: 'key_being_created' });
  assert.deepEqual(
    (await creating).jobs.map((j) => j.created),
    [true, true],
  );
  const again = await a.createJob(newJob({ kind: 'held', key: 'held-1' }));
  assert.deepEqual([again.created, again.job.id], [false, jobs[0]!.id]);
  await a.close();
});
