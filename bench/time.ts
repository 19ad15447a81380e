/** Clocks, waits and time limits: everything the bench does is bounded in time. */

/**
 * Epoch milliseconds with sub-millisecond precision. Worker processes report handler start times
 * on the same clock (bench/fixtures/noop.js), so times from different processes compare.
 */
export const now = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class TimeoutError extends Error {}

/** Rejects with a TimeoutError naming `what` when the promise takes longer than `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what}: no result within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `check` every `everyMs` until it returns true; throws a TimeoutError after `ms`. */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  ms: number,
  what: string,
  everyMs = 20,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() >= deadline) throw new TimeoutError(`${what}: not reached within ${Math.round(ms / 1000)} s`);
    await sleep(everyMs);
  }
}
