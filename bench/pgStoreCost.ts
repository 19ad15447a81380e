/**
 * What the PostgreSQL store's hot path costs the server, per job: the store driven in this process
 * (no HTTP, no broker), on a fresh schema of the local PostgreSQL. Jobs are made with the broker's
 * toNewJob, created in batches of 100, claimed (max 100) and completed 100 at a time, one call
 * after the other, in three phases; then the same again interleaved (create 100, claim, complete),
 * as a hub under steady load runs them. Per phase: wall time, CPU time of the store's server
 * backends (from /proc, by their application name) and WAL bytes, each per job.
 *
 *   node dist/bench/pgStoreCost.js [jobs] [postgres URL] [rounds]
 *
 * Run as a user who may read the backends' /proc entries (the same user, or root). With
 * ROOST_WALDUMP set to the server's pg_wal directory, each phase's WAL is summarised with
 * `pg_waldump --stats=record` as well (its heap and btree records: row versions written, HOT or
 * not, index entries). ROOST_COST_SQL, when set, is run on the fresh schema after its migrations:
 * a layout to try (a fillfactor, an index dropped) measured with the same statements.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { toNewJob } from '../src/broker/defaults.js';
import { Limits } from '../src/broker/limits.js';
import { DEFAULTS } from '../src/config.js';
import { PgStore } from '../src/store/postgres/pgStore.js';
import type { ClaimedTask } from '../src/types.js';

const BATCH = 100;
const jobs = Number(process.argv[2] ?? 10_000);
const base = process.argv[3] ?? 'postgres://postgres@127.0.0.1:5432/test';
const rounds = Number(process.argv[4] ?? 2);
const CLK_TCK = 100;

const admin = new pg.Client({ connectionString: base });
await admin.connect();

/** CPU seconds (user + system) so far of every backend with this application name. */
async function backendCpu(app: string): Promise<Map<number, number>> {
  const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [
    app,
  ]);
  const out = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      out.set(pid, (Number(fields[11]) + Number(fields[12])) / CLK_TCK);
    } catch {
      // The backend ended between the two reads.
    }
  }
  return out;
}

async function lsn(): Promise<string> {
  return (await admin.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0]!.l;
}

async function measure(label: string, app: string, n: number, fn: () => Promise<void>): Promise<void> {
  const cpu0 = await backendCpu(app);
  const lsn0 = await lsn();
  const t0 = performance.now();
  await fn();
  const wall = performance.now() - t0;
  const lsn1 = await lsn();
  const cpu1 = await backendCpu(app);
  let cpu = 0;
  for (const [pid, s] of cpu1) cpu += s - (cpu0.get(pid) ?? 0);
  const wal = (
    await admin.query<{ b: string }>('SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::bigint AS b', [lsn1, lsn0])
  ).rows[0]!.b;
  const per = (x: number) => ((x * 1e6) / n).toFixed(0).padStart(5);
  console.log(
    `${label.padEnd(22)} wall ${per(wall / 1000)} us/job   server CPU ${per(cpu)} us/job   WAL ${(Number(wal) / n).toFixed(0).padStart(5)} B/job`,
  );
  if (process.env.ROOST_WALDUMP) {
    const stats = execFileSync(
      'pg_waldump',
      ['--stats=record', '-p', process.env.ROOST_WALDUMP, '-s', lsn0, '-e', lsn1],
      {
        encoding: 'utf8',
      },
    );
    for (const line of stats.split('\n').filter((l) => /Heap|Btree|Transaction/.test(l))) console.log(`    ${line}`);
  }
}

async function run(round: number): Promise<void> {
  const schema = `pgcost_${randomBytes(4).toString('hex')}`;
  const app = `roost ${schema}`;
  await admin.query(`CREATE SCHEMA ${schema}`);
  const store = await PgStore.open(`${base}?schema=${schema}`, { retryDelay: () => 1000 });
  if (process.env.ROOST_COST_SQL) await admin.query(`SET search_path = ${schema}; ${process.env.ROOST_COST_SQL}`);
  try {
    const limits = new Limits();
    const make = (k: number) => toNewJob({ kind: 'noop', input: { i: k } }, DEFAULTS, limits, Date.now());
    const routes = [limits.claimFor(make(0).route)];
    const create = async (from: number) => {
      await store.createJobs(Array.from({ length: BATCH }, (_, k) => make(from + k)));
    };
    const claim = async () => (await store.claim('w', routes, BATCH, Date.now())).tasks;
    const complete = async (tasks: ClaimedTask[]) => {
      const { outcomes } = await store.complete(
        tasks.map((t) => ({ leaseId: t.leaseId, output: { ok: true } })),
        Date.now(),
      );
      if (outcomes.some((o) => o.status !== 'ok')) throw new Error('a completion was refused');
    };
    // Warm up: plans made, the pool's connections open.
    for (let k = 0; k < 5; k++) {
      await create(k * BATCH);
      await complete(await claim());
    }
    console.log(`round ${round + 1}: ${jobs} jobs, batches of ${BATCH}, schema ${schema}`);
    await measure('create', app, jobs, async () => {
      for (let k = 0; k < jobs; k += BATCH) await create(k);
    });
    const claimed: ClaimedTask[][] = [];
    await measure('claim', app, jobs, async () => {
      for (let k = 0; k < jobs; k += BATCH) claimed.push(await claim());
    });
    await measure('complete', app, jobs, async () => {
      for (const tasks of claimed) await complete(tasks);
    });
    await measure('create+claim+complete', app, jobs, async () => {
      for (let k = 0; k < jobs; k += BATCH) {
        await create(k);
        await complete(await claim());
      }
    });
  } finally {
    await store.close();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  }
}

try {
  for (let r = 0; r < rounds; r++) await run(r);
} finally {
  await admin.end();
}
