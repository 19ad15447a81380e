import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DEFAULT_BACKOFF } from '../../src/util/backoff.js';
import { InputError } from '../../src/errors.js';
import { loadMigrations } from '../../src/store/migrations.js';
import pg from 'pg';
import { PgStore } from '../../src/store/postgres/pgStore.js';
import { sql } from '../../src/store/postgres/statements.js';
import type { NewJob } from '../../src/types.js';
import { dumpSchema, NO_DATABASE, PG_URL, testDatabase } from '../helpers/postgres.js';
import { countContract } from './countContract.js';
import { isolationContract } from './isolationContract.js';
import { pipelineContract } from './pipelineContract.js';
import { rollupContract } from './rollupContract.js';
import { RETRY_MS, storeContract } from './storeContract.js';

const db = await testDatabase();
const MIGRATIONS = 'src/store/postgres/migrations/';
const open = (url: string) => PgStore.open(url, { retryDelay: () => RETRY_MS });
/** A schema beside this run's own, dropped with it. */
const beside = (name: string) => `${PG_URL}?schema=${db!.schema}_${name}`;

function newJob(over: Partial<NewJob>): NewJob {
  return {
    id: 'job_x',
    kind: 'k',
    input: 1,
    variants: 1,
    priority: 0,
    runAt: 0,
    maxAttempts: 1,
    backoff: DEFAULT_BACKOFF,
    leaseMs: 60_000,
    key: null,
    requires: null,
    seed: 0,
    createdAt: 0,
    concurrencyKey: null,
    route: 'k',
    cacheKey: null,
    cacheTtlMs: null,
    ...over,
  };
}

if (!db) {
  test('postgres store contract', { skip: NO_DATABASE }, () => {});
} else {
  after(() => db.drop());

  storeContract({ name: 'postgres', open: () => open(db.url) });
  isolationContract({ name: 'postgres', open: () => open(beside('isolation')) });
  rollupContract({ name: 'postgres', open: () => open(beside('rollups')) });
  pipelineContract({ name: 'postgres', open: () => open(beside('pipelines')) });
  // Two stores on one schema: two hubs.
  countContract({ name: 'postgres', open: () => open(beside('counts')) }, true);

  test('postgres: the migrations build exactly the committed schema dump (src/store/postgres/schema.sql)', async () => {
    await (await open(beside('dump'))).close();
    const fresh = dumpSchema(`${db.schema}_dump`);
    const committed = readFileSync('src/store/postgres/schema.sql', 'utf8');
    const file = join(tmpdir(), 'roost-schema.sql');
    if (fresh !== committed) writeFileSync(file, fresh);
    assert.equal(
      fresh,
      committed,
      `the migrations and the committed dump differ; if the migrations are right, copy ${file} over src/store/postgres/schema.sql`,
    );
  });

  test('postgres: a schema written by a newer Roost is refused with a message saying what to do', async () => {
    await (await open(beside('newer'))).close();
    await db.query(
      `INSERT INTO ${db.schema}_newer.schema_migrations (version, name, applied_at) VALUES (999, '999_future.sql', 0)`,
    );
    await assert.rejects(open(beside('newer')), /schema is at version 999.*upgrade Roost.*--store/);
  });

  test('postgres: hubs starting together on one schema migrate it once', async () => {
    const stores = await Promise.all(Array.from({ length: 4 }, () => open(beside('race'))));
    await Promise.all(stores.map((s) => s.close()));
    const { rows } = await db.query(`SELECT version FROM ${db.schema}_race.schema_migrations ORDER BY version`);
    assert.deepEqual(
      rows.map((r) => r.version),
      loadMigrations(MIGRATIONS).map((m) => m.version),
      'each migration applied once',
    );
  });

  test('postgres: two hubs on one database never lease a task twice, and share a key limit', async () => {
    const [a, b] = await Promise.all([open(beside('two')), open(beside('two'))]);
    try {
      await a.createJob(newJob({ id: 'job_plain', variants: 40 }));
      const claims = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? a : b).claim(`w${i}`, [{ route: 'k', key: null, concurrency: null, rate: null }], 3, 0),
        ),
      );
      const leased = claims.flatMap((c) => c.tasks.map((t) => t.taskId));
      assert.equal(leased.length, 40);
      assert.equal(new Set(leased).size, 40);
      const limited = { route: 'k#key', key: 'key', concurrency: 2, rate: null };
      await b.createJob(newJob({ id: 'job_keyed', variants: 10, route: 'k#key', concurrencyKey: 'key' }));
      const keyed = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).claim(`w${i}`, [limited], 5, 0)),
      );
      assert.equal(keyed.flatMap((c) => c.tasks).length, 2, 'the concurrency limit holds across hubs');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('postgres: two hubs completing the last tasks of one job at once leave it succeeded with every result', async () => {
    const [a, b] = await Promise.all([open(beside('last')), open(beside('last'))]);
    try {
      for (let round = 0; round < 10; round++) {
        const { job } = await a.createJob(newJob({ id: `job_last${round}`, variants: 2 }));
        const tasks = (await a.claim('w', [{ route: 'k', key: null, concurrency: null, rate: null }], 2, 0)).tasks;
        assert.equal(tasks.length, 2);
        await Promise.all(tasks.map((t, i) => (i ? a : b).complete([{ leaseId: t.leaseId, output: i }], 1)));
        assert.equal((await b.getJob(job.id))!.state, 'succeeded');
        const results = await b.getResults(job.id);
        assert.deepEqual(results.map((r) => r.output).sort(), [0, 1]);
        assert.deepEqual(
          (await b.getResults(job.id, results[0]!.seq)).map((r) => r.output),
          [results[1]!.output],
          'afterSeq pages in order',
        );
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('postgres: two hubs creating batches with the same keys at once make one job per key, and both answer it', async () => {
    const [a, b] = await Promise.all([open(beside('keys')), open(beside('keys'))]);
    try {
      for (let round = 0; round < 10; round++) {
        const keys = Array.from({ length: 20 }, (_, i) => `r${round}-${i}`);
        const batch = (ks: string[], hub: string) =>
          ks.map((key, i) => newJob({ id: `job_${hub}${round}_${i}`, key, variants: 2 }));
        // In opposite orders, so the two inserts wait on each other's keys.
        const [ra, rb] = await Promise.all([
          a.createJobs(batch(keys, 'a')),
          b.createJobs(batch([...keys].reverse(), 'b')),
        ]);
        const idA = new Map(ra.jobs.map(({ job }) => [job.key, job.id]));
        const idB = new Map(rb.jobs.map(({ job }) => [job.key, job.id]));
        assert.deepEqual(idA, new Map([...idB].reverse()), 'both hubs answer the same job for each key');
        assert.equal(
          ra.jobs.filter((j) => j.created).length + rb.jobs.filter((j) => j.created).length,
          keys.length,
          'one job created per key',
        );
        const tasks: pg.QueryResult = await db.query(
          `SELECT count(*)::int AS n FROM ${db.schema}_keys.tasks WHERE job_id = ANY($1)`,
          [[...idA.values()]],
        );
        assert.equal(tasks.rows[0].n, 2 * keys.length, 'the tasks of the jobs created, none of the others');
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test(
    'postgres: limited claims under one key in two schemas of one database do not wait for each other',
    { timeout: 30_000 },
    async () => {
      const [a, b] = await Promise.all([open(beside('keys_a')), open(beside('keys_b'))]);
      // Holds schema A's lock on the key exactly as a claim under way there holds it.
      const holder = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${db.schema}_keys_a` });
      try {
        const limited = { route: 'k#key', key: 'key', concurrency: 1, rate: null };
        for (const s of [a, b]) await s.createJob(newJob({ id: 'job_keyed', route: 'k#key', concurrencyKey: 'key' }));
        await holder.connect();
        await holder.query('BEGIN');
        await holder.query(sql.lockKeys, [['key']]);
        const inA = a.claim('wa', [limited], 1, 0);
        await waitFor('the claim in schema A waits for the key lock', async () => {
          const { rowCount } = await db.query(
            "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock' AND wait_event = 'advisory'",
            [`roost ${db.schema}_keys_a`],
          );
          return (rowCount ?? 0) > 0;
        });
        assert.equal(
          (await b.claim('wb', [limited], 1, 0)).tasks.length,
          1,
          'schema B claims while A holds its lock on the same key',
        );
        await holder.query('COMMIT');
        assert.equal((await inA).tasks.length, 1);
      } finally {
        await holder.end();
        await Promise.all([a.close(), b.close()]);
      }
    },
  );

  test("postgres: a text PostgreSQL cannot store (a NUL character) is refused as the caller's input", async () => {
    const s = await open(beside('nul'));
    try {
      await assert.rejects(
        s.createJob(newJob({ id: 'job_nul', key: 'k\u0000' })),
        (e: unknown) => e instanceof InputError && /NUL/.test(e.message),
      );
      assert.equal((await s.createJob(newJob({ id: 'job_fine', key: 'k' }))).created, true, 'the store carries on');
    } finally {
      await s.close();
    }
  });

  test('postgres: committed jobs survive closing and reopening the store', async () => {
    const a = await open(beside('reopen'));
    await a.createJob(newJob({ id: 'job_reopen', variants: 2 }));
    await a.close();
    const b = await open(beside('reopen'));
    assert.equal((await b.getJob('job_reopen'))!.variants, 2);
    assert.deepEqual(await b.pendingRoutes(), ['k']);
    await b.close();
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
