/**
 * graphile-worker on the local PostgreSQL (127.0.0.1:5432, user postgres, database test), in a
 * schema of its own (peerSchema(): `roost_bench_<id>_<pid>`, dropped at the end). Workers: separate processes
 * with concurrency 100 and the batching options its performance guide recommends
 * (preset.worker.localQueue.size 500, completeJobBatchDelay 0, failJobBatchDelay 0).
 *
 * One adapter for every release the bench runs (0.17 from the root, 0.18 from bench/peers-next):
 * the library and its pg are loaded from the peer's folder and handed in. 0.18 keeps the 0.17 API
 * used here, so the root's 0.17 types describe both; a run of each checks it.
 */
import { EventEmitter } from 'node:events';
import type * as GraphileWorker from 'graphile-worker';
import type Pg from 'pg';
import {
  importFrom,
  loadNoop,
  peerSchema,
  workerReady,
  type PeerAdapter,
  type PeerId,
  type WorkerConfig,
} from './peers.js';
import { dropSchema, PG_URL, postgresVersion } from './postgres.js';
import { withTimeout } from './time.js';

const TASK = 'noop';

export interface GraphileLib {
  worker: typeof GraphileWorker;
  pg: typeof Pg;
}

/** graphile-worker and pg as installed in `from`. */
export async function graphileLib(from: string): Promise<GraphileLib> {
  const worker = (await importFrom(from, 'graphile-worker')) as typeof GraphileWorker;
  const pg = ((await importFrom(from, 'pg')) as { default: typeof Pg }).default;
  return { worker, pg };
}

const quiet = (lib: GraphileLib) => new lib.worker.Logger(() => () => undefined);

export function graphile(peer: PeerId, lib: GraphileLib, inFlight: number): PeerAdapter {
  const schema = peerSchema(peer.id);
  const logger = quiet(lib);
  let pool: Pg.Pool | null = null;
  let utils: GraphileWorker.WorkerUtils | null = null;
  const u = () => {
    if (!utils) throw new Error('graphile-worker: not set up');
    return utils;
  };
  return {
    ...peer,
    packages: ['graphile-worker', 'pg'],
    settings:
      'PostgreSQL 127.0.0.1:5432; worker concurrency 100, localQueue.size 500, completeJobBatchDelay 0; addJob / addJobs',
    server: postgresVersion,
    async setup() {
      await dropSchema(schema);
      await lib.worker.runMigrations({ connectionString: PG_URL, schema, logger });
      // One connection per request in flight, so the producer is not held back by its pool.
      pool = new lib.pg.Pool({ connectionString: PG_URL, max: inFlight });
      pool.on('error', () => undefined);
      pool.on('connect', (client) => client.on('error', () => undefined));
      utils = await lib.worker.makeWorkerUtils({ pgPool: pool, schema, logger });
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
export async function runGraphileWorker(lib: GraphileLib, config: WorkerConfig): Promise<void> {
  const noop = await loadNoop();
  const events = new EventEmitter();
  const listening = new Promise<void>((resolve) => events.once('pool:listen:success', () => resolve()));
  const runner = await lib.worker.run({
    connectionString: PG_URL,
    schema: config.schema as string,
    concurrency: config.concurrency,
    noHandleSignals: true,
    logger: quiet(lib),
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
