import type { Backoff } from '../types.js';
import type { Changes, StoreOptions } from './store.js';
import type { FailingRow } from './rowTypes.js';

/**
 * What becomes of a leased task that failed (or whose lease ran out): another attempt after the
 * backoff while attempts remain and the failure is retryable, else null (dead). Notes in `changes`
 * what the broker must wake: the task's route when a limited key has a slot free or the retry is
 * ready at once, and the retry's time when it waits.
 */
export function retryPlan(
  r: Pick<FailingRow, 'route' | 'attempt' | 'max_attempts' | 'backoff' | 'concurrency_key'>,
  retryable: boolean,
  now: number,
  options: StoreOptions,
  changes: Changes,
): { state: 'queued' | 'delayed'; runAt: number } | null {
  if (r.concurrency_key !== null) changes.routes.push(r.route);
  if (!retryable || r.attempt >= r.max_attempts) return null;
  const delay = options.retryDelay(JSON.parse(r.backoff) as Backoff, r.attempt);
  const runAt = now + delay;
  const state = delay > 0 ? 'delayed' : 'queued';
  if (state === 'queued') changes.routes.push(r.route);
  else if (changes.nextRunAt === null || runAt < changes.nextRunAt) changes.nextRunAt = runAt;
  return { state, runAt };
}
