/**
 * Migration SQLite 017: a job's columns move into its first task's row and `jobs` becomes a view of
 * those rows. A store written before it reads the same afterwards (jobs, tasks with their ids, the
 * counts), and its work goes on: a queued single-variant job is claimed and completed in its row.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { loadMigrations } from '../../src/store/migrations.js';
import { migrate, migrationsDir } from '../../src/store/sqlite/migrate.js';
import { SqliteStore } from '../../src/store/sqlite/sqliteStore.js';
import { JOB_COLUMNS } from '../../src/store/sqlite/jobRowsImport.js';
import { TASK_COLUMNS } from '../../src/store/sqlite/jobStatements.js';
import { openDatabase } from '../../src/store/sqlite/openDatabase.js';

const dir = mkdtempSync(join(tmpdir(), 'roost-017-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a store written before migration 017 reads the same after it, and its queued jobs still run', async () => {
  const file = join(dir, 'roost.db');
  const db = new Database(file);
  db.pragma('foreign_keys = ON');
  const all = loadMigrations(migrationsDir);
  migrate(
    db,
    all.filter((m) => m.version < 17),
  );
  const job = db.prepare(`INSERT INTO jobs (id, kind, input, state, variants, priority, seed, max_attempts, backoff,
      lease_ms, requires, key, run_at, created_at, updated_at, finished_at, concurrency_key, enough, cache_key, created_by)
    VALUES (?, 'k', ?, ?, ?, 0, 7, 3, '{"type":"fixed","delayMs":10}', 60000, NULL, ?, 1000, 1000, ?, ?, NULL, 0, NULL, ?)`);
  const task = db.prepare(`INSERT INTO tasks (job_id, idx, kind, route, priority, seed, state, run_at, attempt,
      max_attempts, lease_ms, output, done_seq, finished_at)
    VALUES (?, ?, 'k', 'k', 0, ?, ?, 1000, ?, 3, 60000, ?, ?, ?)`);
  job.run('01A', '{"n":1}', 'queued', 1, 'key-a', 1000, null, 'tok1');
  task.run('01A', 0, 7, 'queued', 0, null, null, null);
  job.run('01B', '{"n":2}', 'running', 3, null, 2000, null, null);
  task.run('01B', 0, 7, 'succeeded', 1, '"x"', 1, 2000);
  task.run('01B', 1, 8, 'queued', 0, null, null, null);
  task.run('01B', 2, 9, 'delayed', 0, null, null, null);
  job.run('01C', '{"n":3}', 'succeeded', 1, null, 3000, 3000, null);
  task.run('01C', 0, 7, 'succeeded', 1, '"y"', 2, 3000);
  const read = (d: Database.Database) => ({
    jobs: d.prepare('SELECT * FROM jobs ORDER BY id').all(),
    tasks: d.prepare(`SELECT ${TASK_COLUMNS} FROM tasks ORDER BY id`).all(),
    counts: d.prepare('SELECT * FROM state_counts WHERE n > 0 ORDER BY tbl, kind, state').all(),
  });
  const before = read(db);
  migrate(db, all);
  assert.deepEqual(read(db), before);
  assert.equal(
    (db.prepare("SELECT type FROM sqlite_master WHERE name = 'jobs'").get() as { type: string }).type,
    'view',
  );
  db.close();

  const store = new SqliteStore(file, { retryDelay: () => 1000 });
  try {
    assert.deepEqual((await store.getJob('01B'))?.state, 'running');
    const route = { route: 'k', key: null, concurrency: null, rate: null };
    const { tasks, changes } = await store.claim('w', [route], 10, 5000);
    assert.deepEqual(tasks.map((t) => [t.jobId, t.index, t.input]).sort(), [
      ['01A', 0, { n: 1 }],
      ['01B', 1, { n: 2 }],
    ]);
    assert.deepEqual(changes.jobs, [{ jobId: '01A', state: 'running' }]);
    const leaseA = tasks.find((t) => t.jobId === '01A')!.leaseId;
    const done = await store.complete([{ leaseId: leaseA, output: 'z' }], 6000);
    assert.deepEqual(done.changes.jobs, [{ jobId: '01A', state: 'succeeded' }]);
    const a = await store.getJob('01A');
    assert.equal(a?.state, 'succeeded');
    assert.equal(a?.finishedAt, 6000);
    assert.equal((await store.stats()).jobs.succeeded, 2);
  } finally {
    await store.close();
  }
});

// A read of tasks (a job's tasks, one task, the dead list) names the columns it maps: every column
// of the table but its job's, so a task column added later is read, and a job's input is not.
test('the reads of tasks name every column of the tasks table but those of its job', () => {
  const db = openDatabase(join(dir, 'columns.db'));
  try {
    const table = (db.prepare("SELECT name FROM pragma_table_info('tasks')").all() as Array<{ name: string }>).map(
      (r) => r.name,
    );
    const ofJob = new Set(JOB_COLUMNS.map(([column]) => column));
    const named = TASK_COLUMNS.split(',').map((c) => c.trim());
    assert.deepEqual([...named].sort(), table.filter((c) => !ofJob.has(c)).sort());
  } finally {
    db.close();
  }
});
