/**
 * pg-boss on the local PostgreSQL, in a schema of its own (`roost_bench_pgboss_<pid>`, dropped at
 * the end); each scenario gets a fresh queue. Workers: separate processes, each with LOOPS work()
 * loops fetching batches of BATCH jobs (so up to LOOPS x BATCH jobs in hand, like graphile's local
 * queue of 500), polling every 0.5 s, the shortest interval pg-boss allows: pg-boss has no push
 * wake-up across processes, so its dispatch latency is bounded below by that poll.
 */
import PgBoss from 'pg-boss';
import { dropSchema, PG_URL, postgresVersion } from './postgres.js';
import type { PeerAdapter, WorkerConfig } from './peers.js';
import { loadNoop, workerReady } from './peers.js';

const BATCH = 100;
const LOOPS = 5;
const POLL_SECONDS = 0.5;

function boss(schema: string, max: number): PgBoss {
  const b = new PgBoss({ connectionString: PG_URL, schema, max, supervise: false, schedule: false });
  b.on('error', () => undefined);
  return b;
}

export function pgboss(inFlight: number): PeerAdapter {
  const schema = `roost_bench_pgboss_${process.pid}`;
  let producer: PgBoss | null = null;
  let queue = '';
  const p = () => {
    if (!producer) throw new Error('pg-boss: not set up');
    return producer;
  };
  return {
    name: 'pg-boss',
    id: 'pgboss',
    packages: ['pg-boss', 'pg'],
    settings: `PostgreSQL 127.0.0.1:5432; ${LOOPS} work() loops x batchSize ${BATCH} per worker, polling every ${POLL_SECONDS} s; send / insert`,
    server: postgresVersion,
    async setup() {
      await dropSchema(schema);
      producer = boss(schema, inFlight);
      await producer.start();
    },
    async prepare(scenario) {
      queue = `bench_${scenario}`;
      await p().createQueue(queue);
      return { schema, queue };
    },
    enqueue: async (data) => {
      await p().send(queue, data);
    },
    enqueueBatch: async (inputs) => {
      await p().insert(inputs.map((data) => ({ name: queue, data })));
    },
    async remaining() {
      return p().getQueueSize(queue, { before: 'completed' });
    },
    async teardown() {
      await producer?.stop({ graceful: false, wait: true, timeout: 5000 }).catch(() => undefined);
      producer = null;
      await dropSchema(schema);
    },
  };
}

/** A pg-boss worker process: LOOPS work() loops with batch fetch, running the no-op handler. */
export async function runPgbossWorker(config: WorkerConfig): Promise<void> {
  const noop = await loadNoop();
  const b = boss(config.schema as string, 10);
  await b.start();
  for (let k = 0; k < LOOPS; k++) {
    await b.work(config.queue as string, { batchSize: BATCH, pollingIntervalSeconds: POLL_SECONDS }, async (jobs) => {
      for (const job of jobs) noop(job.data);
    });
  }
  workerReady(() => b.stop({ graceful: true, wait: true, timeout: 3000 }));
}
