import type { Limit } from '../types/limits.js';

/** Token buckets per key, refilled from the key's flow-control rate (in memory, per hub). */
export class KeyBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /** Takes `n` tokens; returns 0, or how many ms until there are enough. */
  take(rule: Limit | null, key: string, n: number, now: number): number {
    if (!rule?.rate) return 0;
    const { count, intervalMs } = rule.rate;
    const perMs = count / intervalMs;
    const b = this.buckets.get(key) ?? { tokens: count, at: now };
    b.tokens = Math.min(count, b.tokens + (now - b.at) * perMs);
    b.at = now;
    this.buckets.set(key, b);
    const need = Math.min(n, count);
    if (b.tokens >= need) {
      b.tokens -= need;
      return 0;
    }
    return Math.ceil((need - b.tokens) / perMs);
  }
}
