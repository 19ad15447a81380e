/**
 * BullMQ on the local Redis (127.0.0.1:6379). Every key the bench makes is under its own prefix
 * (`roostbench<pid>`), deleted at the end; each scenario gets a fresh queue. Workers: separate
 * processes, concurrency 100 each. Jobs are added with removeOnComplete, as a production setup
 * would (nothing piles up in Redis).
 */
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { PeerAdapter, PeerId, WorkerConfig } from './peers.js';
import { loadNoop, workerReady } from './peers.js';

const HOST = '127.0.0.1';
const PORT = 6379;
const connection = { host: HOST, port: PORT, maxRetriesPerRequest: null };
const JOB_OPTS = { removeOnComplete: true, removeOnFail: true };

export function bullmq(peer: PeerId): PeerAdapter {
  const prefix = `roostbench${process.pid}`;
  const queues: Queue[] = [];
  let queue: Queue | null = null;
  const current = () => {
    if (!queue) throw new Error('BullMQ: no queue prepared');
    return queue;
  };
  return {
    ...peer,
    packages: ['bullmq', 'ioredis'],
    settings: 'Redis 127.0.0.1:6379; worker concurrency 100; removeOnComplete; add / addBulk',
    async server() {
      const r = new Redis({
        host: HOST,
        port: PORT,
        lazyConnect: true,
        connectTimeout: 3000,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      r.on('error', () => undefined);
      try {
        await r.connect();
        const info = await r.info('server');
        return `Redis ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'}`;
      } catch (e) {
        throw new Error(`Redis at ${HOST}:${PORT} not reachable: ${(e as Error).message}`);
      } finally {
        r.disconnect();
      }
    },
    async setup() {},
    async prepare(scenario) {
      const name = `bench-${scenario}`;
      queue = new Queue(name, { connection, prefix });
      queues.push(queue);
      await queue.waitUntilReady();
      return { name, prefix };
    },
    enqueue: async (input) => {
      await current().add('noop', input, JOB_OPTS);
    },
    enqueueBatch: async (inputs) => {
      await current().addBulk(inputs.map((data) => ({ name: 'noop', data, opts: JOB_OPTS })));
    },
    async remaining() {
      const c = await current().getJobCounts('wait', 'active', 'delayed', 'prioritized', 'waiting-children');
      return Object.values(c).reduce((n, v) => n + v, 0);
    },
    async teardown() {
      for (const q of queues.splice(0)) await q.close().catch(() => undefined);
      queue = null;
      // Every key under the bench's prefix, whatever state the queues were left in.
      const r = new Redis({
        host: HOST,
        port: PORT,
        connectTimeout: 3000,
        maxRetriesPerRequest: 1,
        retryStrategy: () => null,
      });
      r.on('error', () => undefined);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await r.del(...keys);
        } while (cursor !== '0');
      } finally {
        r.disconnect();
      }
    },
  };
}

/** A BullMQ worker process: runs the no-op handler with the given concurrency. */
export async function runBullmqWorker(config: WorkerConfig): Promise<void> {
  const noop = await loadNoop();
  const worker = new Worker(config.name as string, async (job) => noop(job.data), {
    connection,
    prefix: config.prefix as string,
    concurrency: config.concurrency,
  });
  worker.on('error', () => undefined);
  await worker.waitUntilReady();
  workerReady(() => worker.close());
}
