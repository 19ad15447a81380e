/**
 * pg-boss 12 (from bench/peers-next, on Node 22) on the local PostgreSQL, in a schema of its own
 * (peerSchema(): `roost_bench_<id>_<pid>`, dropped at the end); each scenario gets a fresh queue. Workers:
 * separate processes, each with LOOPS work() loops (localConcurrency) fetching batches of BATCH
 * jobs (so up to LOOPS x BATCH jobs in hand, like graphile's local queue of 500), fetching again at
 * once while a batch comes back full (burstWhenBatchFull). The queues are created with `notify` and
 * the workers listen (useListenNotify): a job sent wakes them through LISTEN/NOTIFY, the way
 * graphile-worker's do, instead of at their next poll (every 0.5 s, the shortest pg-boss allows).
 */
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

const BATCH = 100;
const LOOPS = 5;
const POLL_SECONDS = 0.5;

/**
 * The part of pg-boss 12's API used here. Its own types come with the package in bench/peers-next,
 * which is installed when the bench first runs, not when this compiles.
 */
interface Boss {
  on(event: 'error', listener: (e: unknown) => void): unknown;
  start(): Promise<unknown>;
  stop(options: { graceful: boolean; timeout: number }): Promise<void>;
  createQueue(name: string, options: { notify: boolean }): Promise<void>;
  send(name: string, data: object): Promise<string | null>;
  insert(name: string, jobs: Array<{ data: object }>): Promise<unknown>;
  work(
    name: string,
    options: {
      batchSize: number;
      localConcurrency: number;
      pollingIntervalSeconds: number;
      burstWhenBatchFull: boolean;
    },
    handler: (jobs: Array<{ data: unknown }>) => Promise<void>,
  ): Promise<string>;
  getDb(): { executeSql(text: string, values?: unknown[]): Promise<{ rows: Array<{ n: number }> }> };
}

export type PgBossLib = new (options: {
  connectionString: string;
  schema: string;
  max: number;
  supervise: boolean;
  schedule: boolean;
  useListenNotify: boolean;
}) => Boss;

/** pg-boss's class as installed in `from`. */
export async function pgbossLib(from: string): Promise<PgBossLib> {
  return ((await importFrom(from, 'pg-boss')) as { PgBoss: PgBossLib }).PgBoss;
}

function boss(PgBoss: PgBossLib, schema: string, max: number, listen: boolean): Boss {
  const b = new PgBoss({
    connectionString: PG_URL,
    schema,
    max,
    supervise: false,
    schedule: false,
    useListenNotify: listen,
  });
  b.on('error', () => undefined);
  return b;
}

// Jobs of a queue not finished yet (created, retry or active: the states before 'completed'), counted
// live: the counts pg-boss 12's getQueue() returns are those of its last monitor pass.
const REMAINING_SQL = (schema: string) =>
  `SELECT count(*)::int AS n FROM "${schema}".job WHERE name = $1 AND state < 'completed'`;

export function pgboss(peer: PeerId, PgBoss: PgBossLib, inFlight: number): PeerAdapter {
  const schema = peerSchema(peer.id);
  let producer: Boss | null = null;
  let queue = '';
  const p = () => {
    if (!producer) throw new Error('pg-boss: not set up');
    return producer;
  };
  return {
    ...peer,
    packages: ['pg-boss', 'pg'],
    settings:
      `PostgreSQL 127.0.0.1:5432; ${LOOPS} work() loops (localConcurrency) x batchSize ${BATCH} per worker, ` +
      `burstWhenBatchFull, queues with notify and workers on LISTEN/NOTIFY, polling every ${POLL_SECONDS} s; send / insert`,
    server: postgresVersion,
    async setup() {
      await dropSchema(schema);
      // The producer only sends: the NOTIFY goes out with the insert, no listener needed here.
      producer = boss(PgBoss, schema, inFlight, false);
      await producer.start();
    },
    async prepare(scenario) {
      queue = `bench_${scenario}`;
      await p().createQueue(queue, { notify: true });
      return { schema, queue };
    },
    enqueue: async (data) => {
      await p().send(queue, data);
    },
    enqueueBatch: async (inputs) => {
      await p().insert(
        queue,
        inputs.map((data) => ({ data })),
      );
    },
    async remaining() {
      const r = await p().getDb().executeSql(REMAINING_SQL(schema), [queue]);
      return r.rows[0]!.n;
    },
    async teardown() {
      await producer?.stop({ graceful: false, timeout: 5000 }).catch(() => undefined);
      producer = null;
      await dropSchema(schema);
    },
  };
}

/** A pg-boss worker process: LOOPS work() loops with batch fetch, running the no-op handler. */
export async function runPgbossWorker(PgBoss: PgBossLib, config: WorkerConfig): Promise<void> {
  const noop = await loadNoop();
  const b = boss(PgBoss, config.schema as string, 10, true);
  await b.start();
  await b.work(
    config.queue as string,
    { batchSize: BATCH, localConcurrency: LOOPS, pollingIntervalSeconds: POLL_SECONDS, burstWhenBatchFull: true },
    async (jobs) => {
      for (const job of jobs) noop(job.data);
    },
  );
  workerReady(() => b.stop({ graceful: true, timeout: 3000 }));
}
