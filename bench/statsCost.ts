/**
 * What one stats read costs with about a million tasks stored, before (a count of every task) and
 * after (the kept counts of state_counts), what keeping the counts costs the hot path, and how long
 * rebuilding lost per-minute rollups takes at start (issue 16, items 6 and 15). A measurement to
 * run by hand, not a timed test:
 *
 *   npx tsc -p tsconfig.json && node scripts/copy-assets.js && node dist/bench/statsCost.js [tasks] [postgres URL]
 *
 * With a URL (e.g. postgres://postgres@127.0.0.1:5432/test?schema=bench_stats, a schema it may
 * drop) it measures the PostgreSQL store instead: there the count runs on the server, so the
 * figure that matters is the server time, not the event loop's.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { toNewJob } from '../src/broker/defaults.js';
import { Limits } from '../src/broker/limits.js';
import { RollupRecorder } from '../src/broker/rollupRecorder.js';
import { DEFAULTS } from '../src/config.js';
import { openStore } from '../src/store/openStore.js';
import type { Store } from '../src/store/store.js';

const TASKS = Number(process.argv[2] ?? 1_000_000);
const PG_URL = process.argv[3];
const VARIANTS = 5;
const JOBS_PER_BATCH = 1000;
const OLD_TASKS = 'SELECT kind, state, count(*) AS n FROM tasks GROUP BY kind, state';
const OLD_JOBS = 'SELECT state, count(*) AS n FROM jobs GROUP BY state';

const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;
const limits = { maxVariants: 1000, defaultLeaseMs: 60_000, defaultMaxAttempts: 3 };

function jobs(count: number, variants: number, now: number) {
  return Array.from({ length: count }, (_, i) =>
    toNewJob({ kind: i % 2 ? 'bench.a' : 'bench.b', input: { i }, variants }, limits, new Limits(), now),
  );
}

async function timeOf(fn: () => Promise<unknown>, runs: number): Promise<{ median: number; max: number }> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await fn();
    times.push(ms(t));
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(runs / 2)]!, max: times.at(-1)! };
}

/** Creates, claims and completes `count` one-task jobs in chunks, as the hot path does; ms taken. */
async function hotPath(store: Store, count: number): Promise<number> {
  const t = process.hrtime.bigint();
  for (let done = 0; done < count; done += 500) {
    const now = Date.now();
    await store.createJobs(jobs(500, 1, now));
    for (const route of ['bench.a', 'bench.b']) {
      const { tasks } = await store.claim('w', [{ route, key: null, concurrency: null, rate: null }], 250, now);
      await store.complete(
        tasks.map((x) => ({ leaseId: x.leaseId, output: 1 })),
        now,
      );
    }
  }
  return ms(t);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'roost-stats-bench-'));
  const open = () =>
    openStore({
      ...(PG_URL ? { store: PG_URL } : { store: 'sqlite' }),
      dataDir: dir,
      synchronous: DEFAULTS.synchronous,
    });
  const store = await open();
  try {
    let worstBatch = 0;
    const t = process.hrtime.bigint();
    for (let made = 0; made < TASKS; made += JOBS_PER_BATCH * VARIANTS) {
      const b = process.hrtime.bigint();
      await store.createJobs(jobs(JOBS_PER_BATCH, VARIANTS, Date.now()));
      worstBatch = Math.max(worstBatch, ms(b));
    }
    console.log(
      `filled ${TASKS} tasks (${TASKS / VARIANTS} jobs) in ${(ms(t) / 1000).toFixed(1)} s; slowest batch of ${JOBS_PER_BATCH * VARIANTS} tasks ${worstBatch.toFixed(1)} ms`,
    );
    await hotPath(store, 20_000);

    const stats = await timeOf(() => store.stats(), 20);
    console.log(`stats() now (kept counts): median ${stats.median.toFixed(2)} ms, max ${stats.max.toFixed(2)} ms`);
    if (PG_URL) {
      const client = new pg.Client({ connectionString: PG_URL.replace(/\?.*$/, '') });
      await client.connect();
      await client.query(`SET search_path TO ${new URL(PG_URL).searchParams.get('schema')}`);
      const old = await timeOf(() => Promise.all([client.query(OLD_TASKS), client.query(OLD_JOBS)]), 5);
      console.log(
        `the old count queries (server time, event loop free): median ${old.median.toFixed(1)} ms, max ${old.max.toFixed(1)} ms`,
      );
      await client.end();
    } else {
      const db = new Database(join(dir, 'roost.db'), { readonly: true });
      const old = await timeOf(async () => [db.prepare(OLD_TASKS).all(), db.prepare(OLD_JOBS).all()], 5);
      console.log(
        `the old count queries (blocking the event loop): median ${old.median.toFixed(1)} ms, max ${old.max.toFixed(1)} ms`,
      );
      db.close();
    }

    const recorder = new RollupRecorder(store, pino({ level: 'silent' }));
    const rebuild = await timeOf(() => recorder.recover(Date.now()), 3);
    console.log(
      `rebuilding lost rollups at start over ${TASKS / VARIANTS + 20_000} jobs of the last day: median ${rebuild.median.toFixed(1)} ms`,
    );

    for (const size of [1000, 5000, 10_000]) {
      const create = await timeOf(() => store.createJobs(jobs(size / 10, 10, Date.now())), 3);
      console.log(
        `one batch of ${size} tasks (${size / 10} jobs x 10 variants): median ${create.median.toFixed(1)} ms`,
      );
    }
  } finally {
    await store.close();
  }

  // The triggers' cost on the hot path: the same work on a fresh store with and without them.
  for (const withTriggers of [true, false]) {
    const d = mkdtempSync(join(tmpdir(), 'roost-stats-bench-'));
    const schema = PG_URL && `${new URL(PG_URL).searchParams.get('schema')}_${withTriggers ? 'on' : 'off'}`;
    const s = await openStore({
      store: PG_URL ? PG_URL.replace(/schema=[^&]*/, `schema=${schema}`) : 'sqlite',
      dataDir: d,
      synchronous: DEFAULTS.synchronous,
    });
    if (!withTriggers && PG_URL) {
      const client = new pg.Client({ connectionString: PG_URL.replace(/\?.*$/, '') });
      await client.connect();
      await client.query(
        `ALTER TABLE ${schema}.tasks DISABLE TRIGGER USER; ALTER TABLE ${schema}.jobs DISABLE TRIGGER USER`,
      );
      await client.end();
    } else if (!withTriggers) {
      const db = new Database(join(d, 'roost.db'));
      for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as Array<{
        name: string;
      }>)
        db.exec(`DROP TRIGGER ${name}`);
      db.close();
    }
    await hotPath(s, 10_000);
    const took = await hotPath(s, 100_000);
    console.log(
      `hot path, 100,000 one-task jobs created, claimed, completed ${withTriggers ? 'with' : 'without'} the count triggers: ${(took / 1000).toFixed(2)} s (${((took * 1000) / 100_000).toFixed(1)} us a job)`,
    );
    await s.close();
    rmSync(d, { recursive: true, force: true });
  }
  rmSync(dir, { recursive: true, force: true });
}

await main();
