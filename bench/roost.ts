/**
 * Roost's scenarios, run the way a user runs Roost: `node bin/roost.js hub` with its embedded
 * SQLite in a temp directory, `node bin/roost.js worker` processes serving the no-op handler of
 * bench/fixtures/noop.js, and the producer in this process speaking HTTP with a keep-alive agent.
 * Each scenario gets a fresh hub and data directory.
 */
import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/paths.js';
import type { Ctx } from './config.js';
import {
  batchEnqueueRate,
  dispatchLatency,
  endToEnd,
  enqueueRate,
  inBatches,
  oneByOne,
  toError,
  type BenchInput,
  type EndToEnd,
} from './drivers.js';
import { JsonClient } from './http.js';
import type { PeerFigures } from './peers.js';
import { Probe } from './probe.js';
import { Child, childEnv, cpuSeconds, removeTempDir, rssMiB, tempDir } from './processes.js';
import { rate, type Summary } from './stats.js';
import { now, sleep, waitUntil, withTimeout } from './time.js';

export const KIND = 'bench.noop';
export const NOOP_HANDLERS = join(packageRoot, 'bench/fixtures/noop.js');
const ROOST_BIN = join(packageRoot, 'bin/roost.js');

/** A figure, or why there is none ("n/a (...)", "failed (...)"). */
export type Value = number | string;

export interface Hub {
  name: string;
  url: string;
  pid: number;
  dataDir: string;
  token: string;
  /** The producer's connection: `inFlight` sockets. */
  client: JsonClient;
  child: Child;
}

/** Starts `roost hub` on a free port with `--kind bench.noop`; with --profile, under --cpu-prof. */
/** Gives the URL of a fresh, empty PostgreSQL store (a schema of its own) for one hub. */
export type StoreUrl = () => Promise<string>;

/** A hub on SQLite in `dataDir`, or on the PostgreSQL store `store` names. */
export async function startHub(
  ctx: Ctx,
  name: string,
  dataDir = tempDir('roost-bench-'),
  store?: string,
): Promise<Hub> {
  const nodeArgs = ctx.profileDir
    ? ['--cpu-prof', '--cpu-prof-dir', ctx.profileDir, '--cpu-prof-name', `hub-${name}.cpuprofile`]
    : [];
  const args = [...nodeArgs, ROOST_BIN, 'hub', '--port', '0', '--data', dataDir, '--kind', KIND, '--log-level', 'warn'];
  const env = childEnv(store ? { ROOST_DATABASE_URL: store } : {});
  const child = new Child(`hub (${name})`, process.execPath, args, { cwd: dataDir, env });
  const m = await child.waitForLine(/Roost hub on (http:\/\/\S+)/, 60_000);
  const url = m[1]!;
  const token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
  return { name, url, pid: child.pid, dataDir, token, client: new JsonClient(url, token, ctx.sizes.inFlight), child };
}

/** Stops the hub with SIGTERM (so a CPU profile gets written) and removes its data directory. */
export async function stopHub(hub: Hub, opts: { keepData?: boolean } = {}): Promise<void> {
  hub.client.close();
  await hub.child.stop(15_000);
  if (!opts.keepData) removeTempDir(hub.dataDir);
}

interface Stats {
  tasks: Array<{ kind: string; state: string; count: number }>;
  waitingClaims: number;
}

function stats(hub: Hub): Promise<Stats> {
  return hub.client.expect<Stats>([200], 'GET', '/v1/stats');
}

/** Tasks of the bench kind still queued or leased. */
async function remaining(hub: Hub): Promise<number> {
  const s = await stats(hub);
  return s.tasks
    .filter((t) => t.kind === KIND && (t.state === 'queued' || t.state === 'leased'))
    .reduce((n, t) => n + t.count, 0);
}

/**
 * Starts `count` worker processes with the no-op handler (IPC reports to `probe`) and waits until
 * each has a claim open at the hub.
 */
export async function startWorkers(ctx: Ctx, hub: Hub, count: number, probe: Probe): Promise<Child[]> {
  const workers: Child[] = [];
  for (let w = 0; w < count; w++) {
    const args = [
      ROOST_BIN,
      'worker',
      '--hub',
      hub.url,
      '--token',
      hub.token,
      '--handlers',
      NOOP_HANDLERS,
      '--no-builtins',
    ];
    args.push(
      '--concurrency',
      String(ctx.sizes.workerConcurrency),
      '--name',
      `bench-${w}`,
      '--grace',
      '1s',
      '--log-level',
      'warn',
    );
    const child = new Child(`roost worker ${w} (${hub.name})`, process.execPath, args, { cwd: packageRoot, ipc: true });
    probe.attach(child);
    workers.push(child);
  }
  await Promise.all(workers.map((c) => c.waitForLine(/^Worker \S+ pulling from/, 60_000)));
  await waitUntil(async () => (await stats(hub)).waitingClaims >= count, 60_000, `${count} workers long-polling`, 50);
  return workers;
}

const enqueueOn =
  (hub: Hub) =>
  async (input: BenchInput): Promise<void> => {
    await hub.client.expect([201], 'POST', '/v1/jobs', { kind: KIND, input });
  };

const enqueueBatchOn =
  (hub: Hub) =>
  async (inputs: BenchInput[]): Promise<void> => {
    await hub.client.expect(
      [200, 201],
      'POST',
      '/v1/jobs/batch',
      { jobs: inputs.map((input) => ({ kind: KIND, input })) },
      { timeoutMs: 120_000 },
    );
  };

/** How the end-to-end producer submits: batches per request, or one job per request. */
type Producing = 'batch' | 'single';

/** Where the CPU went during an end-to-end run, per job, and how busy the hub was. */
export interface CpuSplit {
  hubUsPerJob: number;
  workersUsPerJob: number;
  /** The bench process: the producer, plus the probes. */
  benchUsPerJob: number;
  /** Hub CPU time / wall time (1.0: one core, all the time). */
  hubBusy: number;
}

/** The figures every system has (bench/peers.ts), and Roost's own. */
export interface RoostFigures extends PeerFigures {
  /** The RSS of a freshly started hub with an empty store, for reference. */
  rssEmptyMiB: Value;
  cpu1: CpuSplit | null;
  cpu4: CpuSplit | null;
  backlog: BacklogFigures[];
  longPoll: Array<{ pollers: number; latency: Summary | string }>;
}

export interface BacklogFigures {
  /** Tasks queued when RSS was read and claims were timed. */
  queued: number;
  /** How the backlog was made: the batch endpoint, or SqliteStore before the hub started. */
  via: string;
  buildSec: number;
  /** RSS of the hub that took the backlog in, once idle (NaN when built with SqliteStore). */
  rssAfterIngestMiB: number;
  /** RSS of a hub started afresh on the data directory, once idle (full runs: the largest backlog). */
  rssRestartedMiB: number;
  rssAfterClaimsMiB: number;
  /** The hub's peak RSS (VmHWM) so far, read after the claims. */
  peakRssMiB: number;
  claimsPerSec: Value;
}

/** Runs a step, turning a failure into "failed (reason)" so one broken figure does not end the run. */
export async function attempt<T>(ctx: Ctx, what: string, step: () => Promise<T>): Promise<T | string> {
  try {
    return await step();
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    ctx.log(`  ${what} failed: ${msg}`);
    return `failed (${msg.split('\n')[0]!.slice(0, 120)})`;
  }
}

/** Enqueue rates on a hub with no workers: one at a time, `inFlight` at a time, and in batches. */
async function enqueueFigures(
  ctx: Ctx,
  store?: StoreUrl,
): Promise<Pick<RoostFigures, 'rssEmptyMiB' | 'enqueueOne' | 'enqueueParallel' | 'enqueueBatch'>> {
  const s = ctx.sizes;
  const hub = await startHub(ctx, 'enqueue', tempDir('roost-bench-'), await store?.());
  try {
    await sleep(ctx.quick ? 100 : 1000);
    const rssEmptyMiB = rssMiB(hub.pid);
    const enqueue = enqueueOn(hub);
    await enqueueRate(enqueue, s.warmup, s.inFlight, s.scenarioTimeoutMs, 0); // warm-up
    const enqueueOne = await attempt(ctx, 'enqueue one at a time', () =>
      enqueueRate(enqueue, s.enqueueOne, 1, s.scenarioTimeoutMs, 1000),
    );
    const enqueueParallel = await attempt(ctx, 'enqueue in parallel', () =>
      enqueueRate(enqueue, s.enqueueParallel, s.inFlight, s.scenarioTimeoutMs, 1_000_000),
    );
    const enqueueBatch = await attempt(ctx, 'enqueue in batches', () =>
      batchEnqueueRate(enqueueBatchOn(hub), s.enqueueBatch, s.batchSize, s.scenarioTimeoutMs, 2_000_000),
    );
    return { rssEmptyMiB, enqueueOne, enqueueParallel, enqueueBatch };
  } finally {
    await stopHub(hub);
  }
}

/**
 * End-to-end with `workers` worker processes, the producer sending batches or one job per request;
 * `latency`: dispatch latency on the same hub after.
 */
async function endToEndFigures(
  ctx: Ctx,
  workers: number,
  producer: Producing,
  latencyAfter: boolean,
  store?: StoreUrl,
): Promise<{ e2e: EndToEnd; cpu: CpuSplit; latency?: Summary | string }> {
  const s = ctx.sizes;
  const hub = await startHub(
    ctx,
    `e2e-${workers}w-${producer}${store ? '-pg' : ''}`,
    tempDir('roost-bench-'),
    await store?.(),
  );
  const probe = new Probe();
  try {
    const children = await startWorkers(ctx, hub, workers, probe);
    const enqueue = enqueueOn(hub);
    const produce =
      producer === 'batch'
        ? inBatches(enqueueBatchOn(hub), s.producerBatch, s.producerBatchesInFlight)
        : oneByOne(enqueue, s.inFlight);
    const rem = () => remaining(hub);
    // Warm-up: JIT, connections, SQLite pages.
    await endToEnd({ produce, n: s.warmup, probe, remaining: rem, timeoutMs: s.scenarioTimeoutMs, firstId: 0 });
    const cpuOf = () => ({
      hub: cpuSeconds(hub.pid),
      workers: children.reduce((sum, c) => sum + cpuSeconds(c.pid), 0),
      bench: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    });
    const before = cpuOf();
    const e2e = await endToEnd({
      produce,
      n: s.endToEnd,
      probe,
      remaining: rem,
      timeoutMs: s.scenarioTimeoutMs,
      firstId: 1000,
    });
    const after = cpuOf();
    const perJob = (k: 'hub' | 'workers' | 'bench') => ((after[k] - before[k]) * 1e6) / s.endToEnd;
    const cpu: CpuSplit = {
      hubUsPerJob: perJob('hub'),
      workersUsPerJob: perJob('workers'),
      benchUsPerJob: perJob('bench'),
      hubBusy: (after.hub - before.hub) / (e2e.ms / 1000),
    };
    ctx.log(
      `  roost end-to-end, ${workers} worker(s), ${producer} producer: ${e2e.jobsPerSec.toFixed(0)} jobs/s (${s.endToEnd} jobs in ${(e2e.ms / 1000).toFixed(2)} s); ` +
        `CPU per job: hub ${cpu.hubUsPerJob.toFixed(0)} us, workers ${cpu.workersUsPerJob.toFixed(0)} us, bench ${cpu.benchUsPerJob.toFixed(0)} us; hub busy ${(100 * cpu.hubBusy).toFixed(0)}%`,
    );
    let latency: Summary | string | undefined;
    if (latencyAfter) {
      await sleep(100);
      latency = await attempt(ctx, 'roost latency', () =>
        dispatchLatency({
          enqueue,
          count: s.latencyJobs,
          perSec: s.latencyPerSec,
          probe,
          timeoutMs: s.scenarioTimeoutMs,
          firstId: 1_000_000_000,
        }),
      );
    }
    await Promise.all(children.map((c) => c.stop(10_000)));
    return { e2e, cpu, latency };
  } finally {
    await stopHub(hub);
  }
}

// ---- Backlogs: RSS and claim throughput ----

/** Adds `count` queued no-op jobs through the hub's batch endpoint, two batches in flight. */
async function buildBacklogHttp(
  hub: Hub,
  firstId: number,
  count: number,
  batchSize: number,
  timeoutMs: number,
): Promise<void> {
  const submit = enqueueBatchOn(hub);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const first = next;
      next = Math.min(count, next + batchSize);
      await submit(Array.from({ length: next - first }, (_, k) => ({ i: firstId + first + k })));
    }
  };
  await withTimeout(Promise.all([lane(), lane()]), timeoutMs, `building a backlog of ${count} jobs`);
}

/**
 * Claims (max 1, no waiting) from `inFlight` simulated workers until `count` tasks are leased;
 * returns claims per second and how many tasks were leased.
 */
async function claimRate(
  hub: Hub,
  count: number,
  inFlight: number,
  timeoutMs: number,
): Promise<{ perSec: number; claimed: number }> {
  const client = new JsonClient(hub.url, hub.token, inFlight);
  let claimed = 0;
  let requests = 0;
  const deadline = Date.now() + timeoutMs;
  const t0 = now();
  try {
    const lane = async (w: number) => {
      const body = { workerId: `bench-claimer-${w}`, capabilities: [{ kind: KIND }], max: 1, waitMs: 0 };
      while (claimed < count) {
        if (Date.now() > deadline)
          throw new Error(`claimed ${claimed} of ${count} tasks within ${Math.round(timeoutMs / 1000)} s`);
        const r = await client.expect<{ tasks: unknown[] }>([200], 'POST', '/v1/worker/claim', body);
        requests++;
        if (r.tasks.length === 0)
          throw new Error(`a claim came back empty after ${claimed} tasks: the backlog ran dry`);
        claimed += r.tasks.length;
      }
    };
    await Promise.all(Array.from({ length: inFlight }, (_, w) => lane(w)));
    return { perSec: rate(requests, now() - t0), claimed };
  } finally {
    client.close();
  }
}

function peakRssMiB(pid: number): number {
  const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/**
 * One hub takes backlogs of no-op jobs in through its batch endpoint, smallest first, each larger
 * one topping up the previous: for each, the hub's RSS once idle, its claim throughput, and its
 * RSS after. In a full run the hub is then restarted on its data directory, as after an upgrade,
 * and the fresh process's RSS is read too.
 */
async function backlogsFigures(ctx: Ctx, sizes: number[]): Promise<BacklogFigures[]> {
  const s = ctx.sizes;
  const settle = () => sleep(ctx.quick ? 200 : 2000); // GC, pending writes, the reaper's first passes
  const out: BacklogFigures[] = [];
  let hub = await startHub(ctx, 'backlog');
  let queued = 0;
  try {
    for (const size of sizes) {
      ctx.log(`roost: backlog of ${size.toLocaleString('en-US')}`);
      const t0 = now();
      await buildBacklogHttp(hub, queued, size - queued, s.batchSize, s.scenarioTimeoutMs * 4);
      const buildSec = (now() - t0) / 1000;
      ctx.log(`  backlog of ${size} built in ${buildSec.toFixed(1)} s (batch endpoint)`);
      await settle();
      const rssIdle = rssMiB(hub.pid);
      const claims = await attempt(ctx, `claims at a backlog of ${size}`, () =>
        claimRate(hub, s.claims, s.claimsInFlight, s.scenarioTimeoutMs),
      );
      out.push({
        queued: size,
        via: 'POST /v1/jobs/batch',
        buildSec,
        rssAfterIngestMiB: rssIdle,
        rssRestartedMiB: Number.NaN,
        rssAfterClaimsMiB: rssMiB(hub.pid),
        peakRssMiB: peakRssMiB(hub.pid),
        claimsPerSec: typeof claims === 'string' ? claims : claims.perSec,
      });
      // The claims leased some tasks: the next backlog tops up what is still queued.
      queued = size - (typeof claims === 'string' ? 0 : claims.claimed);
    }
    if (!ctx.quick) {
      // The same backlog in a freshly started hub: what it holds for the backlog itself.
      const dataDir = hub.dataDir;
      await stopHub(hub, { keepData: true });
      hub = await startHub(ctx, 'backlog-restarted', dataDir);
      await settle();
      out.at(-1)!.rssRestartedMiB = rssMiB(hub.pid);
    }
  } finally {
    await stopHub(hub);
  }
  return out;
}

// ---- Many long-polling workers ----

/**
 * `count` simulated workers in this process, each with one long-poll claim open (distinct
 * workerIds, max 1). A worker that gets a task reports its arrival time to the probe as the
 * handler start, completes it and polls again.
 */
class Pollers {
  private readonly client: JsonClient;
  private readonly abort = new AbortController();
  private readonly loops: Array<Promise<void>> = [];
  private done = 0;
  failure: unknown = null;

  constructor(
    hub: Hub,
    private readonly count: number,
    private readonly waitMs: number,
    private readonly probe: Probe,
  ) {
    this.client = new JsonClient(hub.url, hub.token, count + 16);
    // Every request listens on the one signal that stops them all.
    setMaxListeners(0, this.abort.signal);
  }

  start(): void {
    for (let w = 0; w < this.count; w++) this.loops.push(this.loop(`bench-poller-${this.count}-${w}`));
  }

  private async loop(workerId: string): Promise<void> {
    const body = { workerId, capabilities: [{ kind: KIND }], max: 1, waitMs: this.waitMs };
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        const r = await this.client.expect<{ tasks: Array<{ leaseId: string; input: BenchInput }> }>(
          [200],
          'POST',
          '/v1/worker/claim',
          body,
          {
            signal,
            timeoutMs: this.waitMs + 15_000,
          },
        );
        for (const t of r.tasks) {
          const at = now();
          this.done++;
          this.probe.report(this, this.done, at, t.input?.lat ? [[t.input.i, at]] : []);
          await this.client.expect(
            [200],
            'POST',
            '/v1/worker/complete',
            { results: [{ leaseId: t.leaseId, output: { t: at } }] },
            { signal },
          );
        }
      } catch (e) {
        if (signal.aborted) return;
        this.failure ??= e;
        return;
      }
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await withTimeout(Promise.all(this.loops), 10_000, 'stopping the simulated workers').catch(() => undefined);
    this.client.close();
  }
}

/** Dispatch latency at light load with 1, then `longPollers`, simulated workers long-polling. */
async function longPollFigures(ctx: Ctx): Promise<RoostFigures['longPoll']> {
  const s = ctx.sizes;
  const out: RoostFigures['longPoll'] = [];
  const hub = await startHub(ctx, 'longpoll');
  try {
    let firstId = 1_000_000_000;
    for (const count of [1, s.longPollers]) {
      const probe = new Probe();
      const pollers = new Pollers(hub, count, s.longPollWaitMs, probe);
      try {
        pollers.start();
        await waitUntil(async () => (await stats(hub)).waitingClaims >= count, 30_000, `${count} long-polls open`, 50);
        const latency = await attempt(ctx, `latency with ${count} long-polling workers`, async () => {
          const r = await dispatchLatency({
            enqueue: enqueueOn(hub),
            count: s.latencyJobs,
            perSec: s.latencyPerSec,
            probe,
            timeoutMs: s.scenarioTimeoutMs,
            firstId,
          });
          if (pollers.failure) throw toError(pollers.failure);
          return r;
        });
        out.push({ pollers: count, latency });
        firstId += s.latencyJobs;
      } finally {
        await pollers.stop();
      }
      // The hub drops a claim when its connection closes; start the next count from none.
      await waitUntil(async () => (await stats(hub)).waitingClaims === 0, 10_000, 'long-polls closed', 50);
    }
  } finally {
    await stopHub(hub);
  }
  return out;
}

function failedBacklog(queued: number, why: string): BacklogFigures {
  const nan = Number.NaN;
  return {
    queued,
    via: '-',
    buildSec: nan,
    rssAfterIngestMiB: nan,
    rssRestartedMiB: nan,
    rssAfterClaimsMiB: nan,
    peakRssMiB: nan,
    claimsPerSec: why,
  };
}

/** Every Roost figure; each failure is recorded in its cell and the run goes on. */
export async function runRoost(ctx: Ctx): Promise<RoostFigures> {
  const failed = (e: unknown) => `failed (${((e as Error).message ?? String(e)).split('\n')[0]!.slice(0, 120)})`;
  ctx.log('roost: enqueue');
  const enq = await attempt(ctx, 'roost enqueue', () => enqueueFigures(ctx));
  ctx.log('roost: end-to-end with 1 worker, then latency');
  const one = await attempt(ctx, 'roost end-to-end (1 worker)', () => endToEndFigures(ctx, 1, 'batch', true));
  ctx.log('roost: end-to-end with 4 workers');
  const four = await attempt(ctx, 'roost end-to-end (4 workers)', () => endToEndFigures(ctx, 4, 'batch', false));
  ctx.log('roost: end-to-end with 1 worker, one job per request');
  const single = await attempt(ctx, 'roost end-to-end (1 worker, single)', () =>
    endToEndFigures(ctx, 1, 'single', false),
  );
  const sizes = [ctx.sizes.backlogSmall, ctx.sizes.backlogLarge];
  const backlog = await attempt(ctx, 'roost backlogs', () => backlogsFigures(ctx, sizes));
  ctx.log(`roost: latency with 1 and ${ctx.sizes.longPollers} long-polling workers`);
  const longPoll = await attempt(ctx, 'roost long-polls', () => longPollFigures(ctx));
  return {
    rssEmptyMiB: typeof enq === 'string' ? enq : enq.rssEmptyMiB,
    enqueueOne: typeof enq === 'string' ? enq : enq.enqueueOne,
    enqueueParallel: typeof enq === 'string' ? enq : enq.enqueueParallel,
    enqueueBatch: typeof enq === 'string' ? enq : enq.enqueueBatch,
    endToEnd1: typeof one === 'string' ? one : one.e2e.jobsPerSec,
    endToEnd4: typeof four === 'string' ? four : four.e2e.jobsPerSec,
    endToEnd1Single: typeof single === 'string' ? single : single.e2e.jobsPerSec,
    cpu1: typeof one === 'string' ? null : one.cpu,
    cpu4: typeof four === 'string' ? null : four.cpu,
    latency: typeof one === 'string' ? one : (one.latency ?? failed(new Error('not measured'))),
    backlog: typeof backlog === 'string' ? sizes.map((queued) => failedBacklog(queued, backlog)) : backlog,
    longPoll: typeof longPoll === 'string' ? [{ pollers: ctx.sizes.longPollers, latency: longPoll }] : longPoll,
  };
}

/**
 * Roost with its hub on PostgreSQL (each hub on a fresh schema, dropped at the end): the figures
 * every system has, to compare with graphile-worker and pg-boss on the same server.
 */
export async function runRoostPostgres(ctx: Ctx, store: StoreUrl): Promise<PeerFigures> {
  ctx.log('roost on PostgreSQL: enqueue');
  const enq = await attempt(ctx, 'roost-pg enqueue', () => enqueueFigures(ctx, store));
  ctx.log('roost on PostgreSQL: end-to-end with 1 worker, then latency');
  const one = await attempt(ctx, 'roost-pg end-to-end (1 worker)', () => endToEndFigures(ctx, 1, 'batch', true, store));
  ctx.log('roost on PostgreSQL: end-to-end with 4 workers');
  const four = await attempt(ctx, 'roost-pg end-to-end (4 workers)', () =>
    endToEndFigures(ctx, 4, 'batch', false, store),
  );
  ctx.log('roost on PostgreSQL: end-to-end with 1 worker, one job per request');
  const single = await attempt(ctx, 'roost-pg end-to-end (1 worker, single)', () =>
    endToEndFigures(ctx, 1, 'single', false, store),
  );
  return {
    enqueueOne: typeof enq === 'string' ? enq : enq.enqueueOne,
    enqueueParallel: typeof enq === 'string' ? enq : enq.enqueueParallel,
    enqueueBatch: typeof enq === 'string' ? enq : enq.enqueueBatch,
    endToEnd1: typeof one === 'string' ? one : one.e2e.jobsPerSec,
    endToEnd4: typeof four === 'string' ? four : four.e2e.jobsPerSec,
    endToEnd1Single: typeof single === 'string' ? single : single.e2e.jobsPerSec,
    latency: typeof one === 'string' ? one : (one.latency ?? 'failed (not measured)'),
  };
}
