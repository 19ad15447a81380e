import type { Blocked, Rate, RouteClaim } from '../types.js';

/** What the gate reads of a key, inside the claim's transaction. */
export interface LimitReads {
  /** Tasks of this key holding a lease. */
  running(key: string): number;
  /** The key's rate bucket as last saved, if it has one. */
  bucket(key: string): { tokens: number; updated_at: number } | undefined;
}

/**
 * What one claim may take from each route under the limits of the keys they carry: a key's
 * concurrency (tasks holding a lease) and its token bucket (starts per interval). Read and
 * consumed inside the claim's transaction, so the limits hold however many claims race.
 */
export class LimitGate {
  /** Route -> most tasks the claim may take from it. */
  readonly allowed = new Map<string, number>();
  /** Key -> tasks the claim may still take under that key (concurrency and rate together). */
  readonly keyLeft = new Map<string, number>();
  readonly blocked: Blocked[] = [];
  private readonly keyState = new Map<string, { reason: 'concurrency' | 'rate'; until: number | null }>();
  private readonly buckets = new Map<string, { rate: Rate; tokens: number }>();

  constructor(
    private readonly reads: LimitReads,
    routes: RouteClaim[],
    max: number,
    private readonly now: number,
  ) {
    for (const rc of routes) {
      if (rc.key === null || (rc.concurrency === null && rc.rate === null)) {
        this.allowed.set(rc.route, max);
        continue;
      }
      const left = this.leftFor(rc, max);
      if (left.n > 0) this.allowed.set(rc.route, left.n);
      else this.blocked.push({ route: rc.route, key: rc.key, reason: left.reason, until: left.until });
    }
  }

  private leftFor(rc: RouteClaim, max: number): { n: number; reason: 'concurrency' | 'rate'; until: number | null } {
    const key = rc.key!;
    const known = this.keyState.get(key);
    if (known) return { ...known, n: this.keyLeft.get(key)! };
    let n = max;
    let reason: 'concurrency' | 'rate' = 'concurrency';
    let until: number | null = null;
    if (rc.concurrency !== null) n = Math.min(n, rc.concurrency - this.reads.running(key));
    if (n > 0 && rc.rate !== null) {
      const tokens = this.tokens(key, rc.rate);
      if (tokens < 1) {
        reason = 'rate';
        until = this.now + Math.ceil(((1 - tokens) * rc.rate.intervalMs) / rc.rate.count);
      }
      n = Math.min(n, Math.floor(tokens));
    }
    this.keyLeft.set(key, n);
    this.keyState.set(key, { reason, until });
    return { n, reason, until };
  }

  /** The key's tokens now: its bucket refilled for the time since it was last read (full when new). */
  private tokens(key: string, rate: Rate): number {
    const row = this.reads.bucket(key);
    const refill = row ? ((this.now - row.updated_at) * rate.count) / rate.intervalMs : rate.count;
    const tokens = Math.min(rate.count, (row?.tokens ?? 0) + refill);
    this.buckets.set(key, { rate, tokens });
    return tokens;
  }

  /** Takes one task of this key, if the key has room left. */
  take(key: string | null): boolean {
    if (key === null) return true;
    const left = this.keyLeft.get(key);
    if (left === undefined) return true;
    if (left <= 0) return false;
    this.keyLeft.set(key, left - 1);
    return true;
  }

  /** The buckets to save: a token spent per task leased under a rate-limited key. */
  consume(leasedKeys: Array<string | null>): Array<{ key: string; tokens: number }> {
    const spent = new Map<string, number>();
    for (const k of leasedKeys) if (k !== null && this.buckets.has(k)) spent.set(k, (spent.get(k) ?? 0) + 1);
    return [...this.buckets].map(([key, bucket]) => ({ key, tokens: bucket.tokens - (spent.get(key) ?? 0) }));
  }
}
