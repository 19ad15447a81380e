import type { Backoff } from '../types.js';

// Frozen: the jobs that give no backoff of their own share it.
export const DEFAULT_BACKOFF: Backoff = Object.freeze({
  type: 'exponential',
  delayMs: 1000,
  maxDelayMs: 60_000,
  jitter: true,
});

/**
 * Milliseconds a task waits before attempt `attempt + 1`, after `attempt` failed.
 * With jitter the delay is drawn from [d/2, d): retries spread out but still grow.
 */
export function retryDelay(backoff: Backoff, attempt: number, random: () => number = Math.random): number {
  const steps = Math.max(0, attempt - 1);
  const base = backoff.type === 'fixed' ? backoff.delayMs : backoff.delayMs * 2 ** Math.min(steps, 40);
  const capped = Math.min(base, backoff.maxDelayMs);
  if (!backoff.jitter) return Math.round(capped);
  return Math.round(capped / 2 + random() * (capped / 2));
}
