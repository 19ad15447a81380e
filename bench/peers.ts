/**
 * The peers (bench/peerList.ts) measured like Roost: the same drivers, the producer in the process
 * that runs runPeer, and their workers in separate processes (bench/peerWorker.ts) running the same
 * no-op handler (bench/fixtures/noop.js). Every process that loads a peer's library runs on the
 * same Node: the bench's own, or for the peers that need Node 22, the one the bench/peers-next
 * folder holds (bench/peersNext.ts runs runPeer there). A peer whose server cannot be reached is
 * reported as skipped, with the reason.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { packageRoot } from '../src/paths.js';
import type { Ctx } from './config.js';
import {
  batchEnqueueRate,
  dispatchLatency,
  endToEnd,
  enqueueRate,
  inBatches,
  oneByOne,
  type Enqueue,
  type EnqueueBatch,
} from './drivers.js';
import { Probe } from './probe.js';
import { Child, childEnv, onCleanup } from './processes.js';
import { attempt, NOOP_HANDLERS, type Value } from './roost.js';
import type { Summary } from './stats.js';
import { sleep, withTimeout } from './time.js';

/** What a peer's worker process is told: where its queue is, and how many jobs it runs at once. */
export type WorkerConfig = Record<string, unknown> & { concurrency: number };

/** Which peer, as bench/peerList.ts names it. */
export interface PeerId {
  /** The `--only` id: "graphile-next". */
  id: string;
  /** As printed: "graphile-worker 0.18 (Node 22)". */
  name: string;
  /** The folder whose node_modules hold its packages: the root, or bench/peers-next. */
  from: string;
}

export interface PeerAdapter extends PeerId {
  /** npm packages whose versions are printed (as installed in `from`). */
  packages: string[];
  /** How the peer is configured, in a few words. */
  settings: string;
  /** Connects to the server; returns its version, or throws saying why it cannot be reached. */
  server(): Promise<string>;
  /** Creates what the run needs (schema, connections) and registers its removal with onCleanup. */
  setup(): Promise<void>;
  /** Starts a fresh, empty queue for a scenario; returns what its workers need to reach it. */
  prepare(scenario: string): Promise<Omit<WorkerConfig, 'concurrency'>>;
  enqueue: Enqueue;
  enqueueBatch: EnqueueBatch;
  /** Jobs of the current queue not finished yet, as the peer reports them. */
  remaining(): Promise<number>;
  /** Removes everything setup() made; safe to call twice. */
  teardown(): Promise<void>;
}

export interface PeerFigures {
  enqueueOne: Value;
  enqueueParallel: Value;
  enqueueBatch: Value;
  endToEnd1: Value;
  endToEnd4: Value;
  /** One worker process, the producer sending one job per call. */
  endToEnd1Single: Value;
  latency: Summary | string;
}

export interface PeerResult {
  id: string;
  name: string;
  versions: string;
  /** The Node that ran its producer and workers: "v22.23.5". */
  node: string;
  server: string;
  settings: string;
  /** The figures, or why the peer was skipped. */
  figures: PeerFigures | string;
}

/** The version of an npm package installed in `from`'s node_modules, read from its package.json. */
export function packageVersion(name: string, from = packageRoot): string {
  try {
    return (JSON.parse(readFileSync(join(from, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'not installed';
  }
}

/** Imports the npm package `name` installed in `from`'s node_modules (not the root's, for bench/peers-next). */
export async function importFrom(from: string, name: string): Promise<unknown> {
  const file = createRequire(join(from, 'package.json')).resolve(name);
  return import(pathToFileURL(file).href);
}

/** The PostgreSQL schema a peer's run in process `pid` keeps its queues in (the PostgreSQL peers). */
export function peerSchema(id: string, pid = process.pid): string {
  return `roost_bench_${id.replace(/-/g, '_')}_${pid}`;
}

/** The shared no-op handler, for the peers' worker processes. */
export async function loadNoop(): Promise<(input: unknown) => { t: number }> {
  const mod = (await import(pathToFileURL(NOOP_HANDLERS).href)) as { noop: (input: unknown) => { t: number } };
  return mod.noop;
}

/** In a peer's worker process: tells the bench it is ready, and stops cleanly on SIGTERM. */
export function workerReady(stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(0), 5000);
    force.unref();
    stop()
      .catch(() => undefined)
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.send?.({ type: 'bench.ready' });
}

const PEER_WORKER_JS = fileURLToPath(new URL('./peerWorker.js', import.meta.url));

async function startPeerWorkers(
  adapter: PeerAdapter,
  count: number,
  config: WorkerConfig,
  probe: Probe,
  scenario: string,
): Promise<Child[]> {
  const children: Child[] = [];
  const ready: Array<Promise<void>> = [];
  for (let k = 0; k < count; k++) {
    const env = childEnv({ BENCH_PEER_CONFIG: JSON.stringify(config) });
    const child = new Child(
      `${adapter.name} worker ${k} (${scenario})`,
      process.execPath,
      [PEER_WORKER_JS, adapter.id],
      { env, ipc: true, cwd: packageRoot },
    );
    probe.attach(child);
    children.push(child);
    ready.push(
      new Promise<void>((resolve, reject) => {
        child.onMessage((m) => (m as { type?: string })?.type === 'bench.ready' && resolve());
        void child.exited.then((e) =>
          reject(new Error(`${child.name} exited (code ${e.code}) before it was ready\n${child.tail()}`)),
        );
      }),
    );
  }
  await withTimeout(Promise.all(ready), 60_000, `${adapter.name}: ${count} worker processes starting`);
  return children;
}

/** End-to-end as for Roost (bench/roost.ts), the producer sending batches or one job per call. */
async function endToEndFigures(
  ctx: Ctx,
  a: PeerAdapter,
  workers: number,
  producer: 'batch' | 'single',
  latencyAfter: boolean,
): Promise<{ e2e: number; latency?: Summary | string }> {
  const s = ctx.sizes;
  const scenario = `e2e${workers}${producer}`;
  const config = { ...(await a.prepare(scenario)), concurrency: s.workerConcurrency };
  const probe = new Probe();
  const children = await startPeerWorkers(a, workers, config, probe, scenario);
  try {
    const rem = () => a.remaining();
    const produce =
      producer === 'batch'
        ? inBatches(a.enqueueBatch, s.producerBatch, s.producerBatchesInFlight)
        : oneByOne(a.enqueue, s.inFlight);
    await endToEnd({ produce, n: s.warmup, probe, remaining: rem, timeoutMs: s.scenarioTimeoutMs, firstId: 0 });
    const r = await endToEnd({
      produce,
      n: s.endToEnd,
      probe,
      remaining: rem,
      timeoutMs: s.scenarioTimeoutMs,
      firstId: 1000,
    });
    ctx.log(
      `  ${a.name} end-to-end, ${workers} worker(s), ${producer} producer: ${r.jobsPerSec.toFixed(0)} jobs/s (${s.endToEnd} jobs in ${(r.ms / 1000).toFixed(2)} s)`,
    );
    let latency: Summary | string | undefined;
    if (latencyAfter) {
      await sleep(100);
      latency = await attempt(ctx, `${a.name} latency`, () =>
        dispatchLatency({
          enqueue: a.enqueue,
          count: s.latencyJobs,
          perSec: s.latencyPerSec,
          probe,
          timeoutMs: s.scenarioTimeoutMs,
          firstId: 1_000_000_000,
        }),
      );
    }
    return { e2e: r.jobsPerSec, latency };
  } finally {
    await Promise.all(children.map((c) => c.stop(10_000)));
  }
}

async function enqueueFigures(
  ctx: Ctx,
  a: PeerAdapter,
): Promise<Pick<PeerFigures, 'enqueueOne' | 'enqueueParallel' | 'enqueueBatch'>> {
  const s = ctx.sizes;
  await a.prepare('enqueue');
  await enqueueRate(a.enqueue, s.warmup, s.inFlight, s.scenarioTimeoutMs, 0); // warm-up
  const enqueueOne = await attempt(ctx, `${a.name} enqueue one at a time`, () =>
    enqueueRate(a.enqueue, s.enqueueOne, 1, s.scenarioTimeoutMs, 1000),
  );
  const enqueueParallel = await attempt(ctx, `${a.name} enqueue in parallel`, () =>
    enqueueRate(a.enqueue, s.enqueueParallel, s.inFlight, s.scenarioTimeoutMs, 1_000_000),
  );
  const enqueueBatch = await attempt(ctx, `${a.name} enqueue in batches`, () =>
    batchEnqueueRate(a.enqueueBatch, s.enqueueBatch, s.batchSize, s.scenarioTimeoutMs, 2_000_000),
  );
  return { enqueueOne, enqueueParallel, enqueueBatch };
}

export async function runPeer(ctx: Ctx, a: PeerAdapter): Promise<PeerResult> {
  const result: PeerResult = {
    id: a.id,
    name: a.name,
    versions: a.packages.map((p) => `${p} ${packageVersion(p, a.from)}`).join(', '),
    node: process.version,
    server: '-',
    settings: a.settings,
    figures: '',
  };
  try {
    result.server = await withTimeout(a.server(), 10_000, `${a.name}: reaching the server`);
  } catch (e) {
    result.figures = `skipped (${((e as Error).message ?? String(e)).split('\n')[0]})`;
    ctx.log(`${a.name}: ${result.figures}`);
    return result;
  }
  const undo = onCleanup(`${a.name} teardown`, () => a.teardown());
  try {
    await a.setup();
    ctx.log(`${a.name}: enqueue`);
    const enq = await attempt(ctx, `${a.name} enqueue`, () => enqueueFigures(ctx, a));
    ctx.log(`${a.name}: end-to-end with 1 worker, then latency`);
    const one = await attempt(ctx, `${a.name} end-to-end (1 worker)`, () => endToEndFigures(ctx, a, 1, 'batch', true));
    ctx.log(`${a.name}: end-to-end with 4 workers`);
    const four = await attempt(ctx, `${a.name} end-to-end (4 workers)`, () =>
      endToEndFigures(ctx, a, 4, 'batch', false),
    );
    ctx.log(`${a.name}: end-to-end with 1 worker, one job per call`);
    const single = await attempt(ctx, `${a.name} end-to-end (1 worker, single)`, () =>
      endToEndFigures(ctx, a, 1, 'single', false),
    );
    result.figures = {
      enqueueOne: typeof enq === 'string' ? enq : enq.enqueueOne,
      enqueueParallel: typeof enq === 'string' ? enq : enq.enqueueParallel,
      enqueueBatch: typeof enq === 'string' ? enq : enq.enqueueBatch,
      endToEnd1: typeof one === 'string' ? one : one.e2e,
      endToEnd4: typeof four === 'string' ? four : four.e2e,
      endToEnd1Single: typeof single === 'string' ? single : single.e2e,
      latency: typeof one === 'string' ? one : (one.latency ?? 'failed (not measured)'),
    };
  } catch (e) {
    result.figures = `failed (${((e as Error).message ?? String(e)).split('\n')[0]})`;
    ctx.log(`${a.name}: ${result.figures}`);
  } finally {
    undo();
    await withTimeout(a.teardown(), 30_000, `${a.name} teardown`).catch((e: unknown) =>
      ctx.log(`${a.name} teardown failed: ${(e as Error).message}`),
    );
  }
  return result;
}
