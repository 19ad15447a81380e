/**
 * What a job's life costs in SQLite under three layouts, in one process with no HTTP (issue 15,
 * "SQLite, one hub"): CPU microseconds a job to create it, and to claim and complete it. The same
 * workload for each: jobs created 100 a transaction, claimed 100 at a time, completed 100 a
 * transaction, WAL with synchronous=NORMAL.
 *
 * - `roost`: the hub's own SqliteStore through openStore as the hub opens it, toNewJob included:
 *   since migration 017 a single-variant job is its task's row, written three times, with the
 *   state counts of the hot writes summed per transaction (before it: a job row and a task row,
 *   six row writes, and the count triggers on each);
 * - `one row, Roost's columns`: a single-variant job as one row holding the job's and its task's
 *   columns, with the job indexes Roost keeps (by state, by kind, retention, ready, leased);
 * - `lean queue`: one narrow row a job, a ready and a leased index only (the prototype's shape).
 *
 *   npx tsc -p tsconfig.json && node scripts/copy-assets.js && node dist/bench/sqliteLayouts.js [jobs]
 *
 * Runs alternate between layouts (three rounds) so that a busy machine weighs on each alike; the
 * best round of each is printed.
 */
import Database from 'better-sqlite3';
import { Limits } from '../src/broker/limits.js';
import { toNewJob } from '../src/broker/defaults.js';
import { DEFAULTS } from '../src/config.js';
import { openStore } from '../src/store/openStore.js';
import { removeTempDir, tempDir } from './processes.js';

const N = Number(process.argv[2] ?? 40_000);
const PER = 100;

interface Cost {
  create: number;
  claimComplete: number;
}

/** CPU microseconds a job spent in `fn`. */
async function cpuPerJob(fn: () => Promise<void> | void): Promise<number> {
  const t = process.cpuUsage();
  await fn();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / N;
}

async function roost(): Promise<Cost> {
  const dir = tempDir('roost-bench-layout-');
  const store = await openStore({ store: 'sqlite', dataDir: dir, synchronous: 'normal' });
  try {
    const limits = new Limits();
    let route = '';
    const create = await cpuPerJob(async () => {
      for (let first = 0; first < N; first += PER) {
        const at = Date.now();
        const jobs = Array.from({ length: PER }, (_, k) =>
          toNewJob({ kind: 'noop', input: { i: first + k } }, DEFAULTS, limits, at),
        );
        route = jobs[0]!.route;
        await store.createJobs(jobs);
      }
    });
    const routes = [limits.claimFor(route)];
    const claimComplete = await cpuPerJob(async () => {
      for (let done = 0; done < N;) {
        const { tasks } = await store.claim('w', routes, PER, Date.now());
        await store.complete(
          tasks.map((t) => ({ leaseId: t.leaseId, output: { t: 1 } })),
          Date.now(),
        );
        done += tasks.length;
      }
    });
    return { create, claimComplete };
  } finally {
    await store.close();
    removeTempDir(dir);
  }
}

interface Layout {
  schema: string;
  insert: string;
  claim: string;
  complete: string;
}

const ONE_ROW: Layout = {
  schema: `CREATE TABLE jobs (id TEXT PRIMARY KEY, kind TEXT NOT NULL, input TEXT NOT NULL, state TEXT NOT NULL,
      variants INTEGER NOT NULL, priority INTEGER NOT NULL, seed INTEGER NOT NULL, max_attempts INTEGER NOT NULL,
      backoff TEXT NOT NULL, lease_ms INTEGER NOT NULL, requires TEXT, key TEXT UNIQUE, run_at INTEGER NOT NULL,
      created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, finished_at INTEGER, concurrency_key TEXT,
      enough INTEGER NOT NULL DEFAULT 0, cache_key TEXT, cached_from TEXT, created_by TEXT, route TEXT NOT NULL,
      attempt INTEGER NOT NULL DEFAULT 0, lease_token TEXT, lease_expires_at INTEGER, worker_id TEXT, output TEXT,
      done_seq INTEGER, lease_owner TEXT);
    CREATE INDEX jobs_by_state ON jobs (state, id);
    CREATE INDEX jobs_by_kind ON jobs (kind, id);
    CREATE INDEX jobs_retention ON jobs (finished_at) WHERE state = 'succeeded' OR state = 'cancelled';
    CREATE INDEX jobs_ready ON jobs (route, priority DESC, run_at, id) WHERE state = 'queued';
    CREATE INDEX jobs_leased ON jobs (lease_expires_at) WHERE state = 'running';`,
  // (:id, :input, :now) -> nothing
  insert: `INSERT INTO jobs (id, kind, input, state, variants, priority, seed, max_attempts, backoff, lease_ms,
      run_at, created_at, updated_at, route)
    VALUES (:id, 'noop', :input, 'queued', 1, 0, 1, 3, '{"type":"exponential"}', 60000, :now, :now, :now, 'noop')`,
  // (:now, :max) -> { id, input, lease_token } of the jobs leased
  claim: `UPDATE jobs SET state = 'running', attempt = attempt + 1, lease_token = lower(hex(randomblob(8))),
      lease_expires_at = :now + lease_ms, worker_id = 'w', updated_at = :now
    WHERE id IN (SELECT id FROM jobs WHERE route = 'noop' AND state = 'queued' ORDER BY priority DESC, run_at, id LIMIT :max)
    RETURNING id, input, lease_token`,
  // (:output, :seq, :now, :id, :token) -> { id } when the lease was current
  complete: `UPDATE jobs SET state = 'succeeded', output = :output, done_seq = :seq, finished_at = :now, updated_at = :now,
      lease_expires_at = NULL WHERE id = :id AND lease_token = :token AND state = 'running' RETURNING id`,
};

const LEAN: Layout = {
  schema: `CREATE TABLE q (n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, input TEXT NOT NULL, state TEXT NOT NULL, route TEXT NOT NULL,
      priority INTEGER NOT NULL, run_at INTEGER NOT NULL, lease_token TEXT, lease_expires_at INTEGER, output TEXT,
      done_seq INTEGER, finished_at INTEGER);
    CREATE INDEX q_ready ON q (route, priority DESC, run_at, n) WHERE state = 'queued';
    CREATE INDEX q_leased ON q (lease_expires_at) WHERE state = 'leased';`,
  // (:id, :input, :now) -> nothing
  insert: `INSERT INTO q (id, input, state, route, priority, run_at) VALUES (:id, :input, 'queued', 'noop', 0, :now)`,
  // (:now, :max) -> { id, input, lease_token } of the rows leased
  claim: `UPDATE q SET state = 'leased', lease_token = lower(hex(randomblob(8))), lease_expires_at = :now + 60000
    WHERE n IN (SELECT n FROM q WHERE route = 'noop' AND state = 'queued' ORDER BY priority DESC, run_at, n LIMIT :max)
    RETURNING id, input, lease_token`,
  // (:output, :seq, :now, :id, :token) -> { id } when the lease was current
  complete: `UPDATE q SET state = 'succeeded', output = :output, done_seq = :seq, finished_at = :now, lease_expires_at = NULL
    WHERE id = :id AND lease_token = :token AND state = 'leased' RETURNING id`,
};

async function layout(l: Layout): Promise<Cost> {
  const dir = tempDir('roost-bench-layout-');
  const db = new Database(`${dir}/layout.db`);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(l.schema);
    const [insert, claim, complete] = [l.insert, l.claim, l.complete].map((sql) => db.prepare(sql));
    const create = await cpuPerJob(() => {
      for (let first = 0; first < N; first += PER) {
        db.transaction(() => {
          const now = Date.now();
          for (let k = 0; k < PER; k++)
            insert!.run({
              id: `job_${String(first + k).padStart(12, '0')}`,
              input: JSON.stringify({ i: first + k }),
              now,
            });
        })();
      }
    });
    let seq = 0;
    const claimComplete = await cpuPerJob(() => {
      for (let done = 0; done < N;) {
        const rows = db.transaction(
          () => claim!.all({ now: Date.now(), max: PER }) as Array<{ id: string; input: string; lease_token: string }>,
        )();
        for (const r of rows) JSON.parse(r.input);
        db.transaction(() => {
          const now = Date.now();
          for (const r of rows)
            complete!.get({ output: JSON.stringify({ t: 1 }), seq: ++seq, now, id: r.id, token: r.lease_token });
        })();
        done += rows.length;
      }
    });
    return { create, claimComplete };
  } finally {
    db.close();
    removeTempDir(dir);
  }
}

const RUNS: Array<[string, () => Promise<Cost>]> = [
  ['roost (SqliteStore)', roost],
  ["one row, Roost's columns", () => layout(ONE_ROW)],
  ['lean queue', () => layout(LEAN)],
];
const best = new Map<string, Cost>();
for (let round = 0; round < 3; round++) {
  for (const [name, run] of RUNS) {
    const c = await run();
    const b = best.get(name);
    if (!b || c.create + c.claimComplete < b.create + b.claimComplete) best.set(name, c);
  }
}
console.log(`CPU us a job, ${N} single-variant jobs, best of 3 rounds: create / claim + complete / all`);
for (const [name, c] of best)
  console.log(
    `  ${name.padEnd(28)} ${c.create.toFixed(1)} / ${c.claimComplete.toFixed(1)} / ${(c.create + c.claimComplete).toFixed(1)}`,
  );
