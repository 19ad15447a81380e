/**
 * The measurements, written once and run against every system (Roost and each peer) through a
 * few callbacks, so that every system is driven the same way.
 */
import type { Probe } from './probe.js';
import { summarize, rate, type Summary } from './stats.js';
import { now, sleep, TimeoutError, withTimeout } from './time.js';

/** A no-op job's input: `i` names it; `lat` marks a latency probe (its handler reports its start). */
export interface BenchInput {
  i: number;
  lat?: true;
}

/** Submits one job. */
export type Enqueue = (input: BenchInput) => Promise<void>;
/** Submits many jobs in one call. */
export type EnqueueBatch = (inputs: BenchInput[]) => Promise<void>;

/** Runs `count` calls of `one(k)` for k = 0..count-1, at most `inFlight` at a time. */
async function pool(count: number, inFlight: number, one: (k: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown = null;
  const lane = async () => {
    while (next < count && failed === null) {
      const k = next++;
      try {
        await one(k);
      } catch (e) {
        failed ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
  if (failed !== null) throw toError(failed);
}

/** Jobs/s for `n` single enqueues with `inFlight` outstanding (1: one request at a time). */
export async function enqueueRate(
  enqueue: Enqueue,
  n: number,
  inFlight: number,
  timeoutMs: number,
  firstId = 0,
): Promise<number> {
  const t0 = now();
  await withTimeout(oneByOne(enqueue, inFlight)(n, firstId), timeoutMs, `enqueue ${n} jobs, ${inFlight} in flight`);
  return rate(n, now() - t0);
}

/** Jobs/s for `n` jobs submitted in batches of `batchSize`, one batch at a time. */
export async function batchEnqueueRate(
  enqueueBatch: EnqueueBatch,
  n: number,
  batchSize: number,
  timeoutMs: number,
  firstId = 0,
): Promise<number> {
  const t0 = now();
  await withTimeout(
    inBatches(enqueueBatch, batchSize, 1)(n, firstId),
    timeoutMs,
    `enqueue ${n} jobs in batches of ${batchSize}`,
  );
  return rate(n, now() - t0);
}

/** How the producer of an end-to-end run submits `n` jobs numbered from `firstId`. */
export type Producer = (n: number, firstId: number) => Promise<void>;

/** One job per enqueue call, `inFlight` calls outstanding. */
export const oneByOne =
  (enqueue: Enqueue, inFlight: number): Producer =>
  (n, firstId) =>
    pool(n, inFlight, (k) => enqueue({ i: firstId + k }));

/** Jobs in batches of `batchSize` per enqueue call, `inFlight` calls outstanding: a busy producer. */
export const inBatches =
  (enqueueBatch: EnqueueBatch, batchSize: number, inFlight: number): Producer =>
  (n, firstId) =>
    pool(Math.ceil(n / batchSize), inFlight, (b) => {
      const size = Math.min(batchSize, n - b * batchSize);
      return enqueueBatch(Array.from({ length: size }, (_, k) => ({ i: firstId + b * batchSize + k })));
    });

export interface EndToEndOptions {
  produce: Producer;
  n: number;
  probe: Probe;
  /** Jobs of this system not finished yet (queued, waiting, active), as the system itself says. */
  remaining: () => Promise<number>;
  timeoutMs: number;
  firstId?: number;
}

export interface EndToEnd {
  jobsPerSec: number;
  ms: number;
}

/**
 * Enqueues `n` jobs (`inFlight` outstanding) while the workers run them. Timed from the first
 * enqueue call to the moment the bench sees the last completion: the workers' handlers have run
 * `n` jobs (their reports arrive within ~10 ms) and the system reports none left unfinished
 * (asked every 5 ms from then on).
 */
export async function endToEnd(o: EndToEndOptions): Promise<EndToEnd> {
  const base = o.probe.total;
  const deadline = Date.now() + o.timeoutMs;
  const left = () => Math.max(1000, deadline - Date.now());
  const t0 = now();
  const firstId = o.firstId ?? 0;
  await withTimeout(o.produce(o.n, firstId), left(), `end-to-end: enqueue ${o.n} jobs`);
  await o.probe.waitForTotal(base + o.n, left(), 'end-to-end');
  for (;;) {
    const r = await withTimeout(o.remaining(), left(), 'end-to-end: asking how many jobs are left');
    if (r === 0) break;
    if (Date.now() > deadline)
      throw new TimeoutError(`end-to-end: ${r} jobs still unfinished after ${Math.round(o.timeoutMs / 1000)} s`);
    await sleep(5);
  }
  const ms = now() - t0;
  return { jobsPerSec: rate(o.n, ms), ms };
}

export interface LatencyOptions {
  enqueue: Enqueue;
  count: number;
  perSec: number;
  probe: Probe;
  timeoutMs: number;
  /** Probe ids start here, so they never collide with other jobs' ids. */
  firstId: number;
}

/**
 * Dispatch latency at light load: `count` jobs, one enqueue call every 1/perSec s (each call on
 * its own, never batched); for each, the time from just before its enqueue call to the start of
 * its handler, in ms.
 */
export async function dispatchLatency(o: LatencyOptions): Promise<Summary> {
  const interval = 1000 / o.perSec;
  const sentAt = new Map<number, number>();
  const calls: Array<Promise<void>> = [];
  let failed: unknown = null;
  const t0 = now() + 20;
  for (let k = 0; k < o.count; k++) {
    const wait = t0 + k * interval - now();
    if (wait > 0) await sleep(wait);
    const i = o.firstId + k;
    sentAt.set(i, now());
    calls.push(o.enqueue({ i, lat: true }).catch((e: unknown) => void (failed ??= e)));
    if (failed !== null) break;
  }
  await withTimeout(Promise.all(calls), o.timeoutMs, 'latency: enqueue calls');
  if (failed !== null) throw toError(failed);
  const ids = [...sentAt.keys()];
  await o.probe.waitForStarts(ids, o.timeoutMs, 'latency');
  return summarize(ids.map((i) => o.probe.starts.get(i)! - sentAt.get(i)!));
}

/** A failure caught as unknown, as the Error it is (or one saying what was thrown). */
export function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(`thrown: ${String(e)}`);
}
