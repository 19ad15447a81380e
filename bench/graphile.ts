/**
 * graphile-worker on the local PostgreSQL (127.0.0.1:5432, user postgres, database test), in a
 * schema of its own (`roost_bench_graphile_<pid>`, dropped at the end). Workers: separate
 * processes with concurrency 100 and the batching options its performance guide recommends
 * (preset.worker.localQueue.size 500, completeJobBatchDelay 0, failJobBatchDelay 0).
 */
import { EventEmitter } from 'node:events';
import { Logger, makeWorkerUtils, run, runMigrations, type WorkerUtils } from 'graphile-worker';
import pg from 'pg';
import type { PeerAdapter, WorkerConfig } from './peers.js';
import { dropSchema, PG_URL, postgresVersion } from './postgres.js';
import { loadNoop, workerReady } from './peers.js';
import { withTimeout } from './time.js';

const TASK = 'noop';
const quiet = new Logger(() => () => undefined);

export function graphile(inFlight: number): PeerAdapter {
  const schema = `roost_bench_graphile_${process.pid}`;
  let pool: pg.Pool | null = null;
  let utils: WorkerUtils | null = null;
  const u = () => {
    if (!utils) throw new Error('graphile-worker: not set up');
    return utils;
  };
  return {
    name: 'graphile-worker',
    id: 'graphile',
    packages: ['graphile-worker', 'pg'],
    settings:
      'PostgreSQL 127.0.0.1:5432; worker concurrency 100, localQueue.size 500, completeJobBatchDelay 0; addJob / addJobs',
    server: postgresVersion,
    async setup() {
      await dropSchema(schema);
      await runMigrations({ connectionString: PG_URL, schema, logger: quiet });
      // One connection per request in flight, so the producer is not held back by its pool.
      pool = new pg.Pool({ connectionString: PG_URL, max: inFlight });
      pool.on('error', () => undefined);
      pool.on('connect', (client) => client.on('error', () => undefined));
      utils = await makeWorkerUtils({ pgPool: pool, schema, logger: quiet });
    },
    async prepare() {
      // One schema for the run; each scenario starts with no jobs in it.
      await pool!.query(`DELETE FROM "${schema}"._private_jobs`);
      return { schema };
    },
    enqueue: async (input) => {
      await u().addJob(TASK, input);
    },
    enqueueBatch: async (inputs) => {
      await u().addJobs(inputs.map((payload) => ({ identifier: TASK, payload })));
    },
    async remaining() {
      const r = await pool!.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}"._private_jobs`);
      return Number(r.rows[0]!.n);
    },
    async teardown() {
      await Promise.resolve(utils?.release()).catch(() => undefined);
      utils = null;
      await pool?.end().catch(() => undefined);
      pool = null;
      await dropSchema(schema);
    },
  };
}

/** A graphile-worker process: runs the no-op task with the batching preset. */
export async function runGraphileWorker(config: WorkerConfig): Promise<void> {
  const noop = await loadNoop();
  const events = new EventEmitter();
  const listening = new Promise<void>((resolve) => events.once('pool:listen:success', () => resolve()));
  const runner = await run({
    connectionString: PG_URL,
    schema: config.schema as string,
    concurrency: config.concurrency,
    noHandleSignals: true,
    logger: quiet,
    events,
    taskList: {
      [TASK]: async (payload) => {
        noop(payload);
      },
    },
    preset: {
      worker: {
        localQueue: { size: 500 },
        completeJobBatchDelay: 0,
        failJobBatchDelay: 0,
      },
    },
  });
  await withTimeout(listening, 20_000, 'graphile-worker: LISTEN');
  workerReady(() => runner.stop());
}
