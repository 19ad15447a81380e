/**
 * When the next call of an account may go: from configured budgets (token buckets per platform
 * and per account) and from what the platform last said of its own limit (remaining calls until a
 * reset). Reservations are made synchronously, so concurrent calls queue in order without a lock.
 */

/** At most `count` calls (or points, where a platform weighs its calls: Bluesky's writes) per `intervalMs`. */
export interface Budget {
  count: number;
  intervalMs: number;
}

/** One budget, or several windows a key's calls must all fit (Tumblr's 1,000 an hour and 5,000 a day). */
export type Budgets = Budget | readonly Budget[];

/** The budgets of a key as a list (Array.isArray would type a readonly one as `any[]`). */
function windowsOf(b: Budgets | undefined): readonly Budget[] {
  if (b === undefined) return [];
  return 'count' in b ? [b] : b;
}

/** What a platform says of its limit in a response (headers or body). */
export interface RateSignal {
  limit?: number;
  remaining?: number;
  /** Epoch ms when `remaining` is back to `limit`. */
  resetAt?: number;
  /** From a 429 (Retry-After, Telegram's parameters.retry_after, Matrix's retry_after_ms). */
  retryAfterMs?: number;
}

class Bucket {
  private tokens: number;
  private at: number;
  constructor(
    private readonly b: Budget,
    now: number,
  ) {
    this.tokens = b.count;
    this.at = now;
  }

  /** Takes `cost` tokens (possibly some not yet refilled) and says how long to wait for them. */
  reserve(now: number, cost: number): number {
    const rate = this.b.count / this.b.intervalMs;
    this.tokens = Math.min(this.b.count, this.tokens + (now - this.at) * rate);
    this.at = now;
    this.tokens -= cost;
    return this.tokens >= 0 ? 0 : Math.ceil(-this.tokens / rate);
  }
}

/** Below this share of its limit left, calls are spread over the time to the reset. */
const RESERVE_SHARE = 0.2;

class Signals {
  private limit = 0;
  private remaining = Infinity;
  private resetAt = 0;
  private nextSlot = 0;

  update(s: RateSignal, now: number): void {
    if (s.limit !== undefined) this.limit = s.limit;
    if (s.resetAt !== undefined) this.resetAt = s.resetAt;
    if (s.remaining !== undefined) this.remaining = s.remaining;
    // Retry-After says when to try again, whatever the window's reset said.
    if (s.retryAfterMs !== undefined) {
      this.remaining = 0;
      this.resetAt = now + s.retryAfterMs;
    }
  }

  get left(): number | null {
    return Number.isFinite(this.remaining) ? this.remaining : null;
  }

  reserve(now: number): number {
    if (this.resetAt <= now) {
      // The window the platform spoke of is over: its next answer says where the new one stands.
      this.remaining = Infinity;
      return 0;
    }
    const slot = Math.max(now, this.nextSlot);
    let gap = 0;
    if (this.remaining <= 0) {
      this.nextSlot = this.resetAt;
      return this.resetAt - now;
    }
    if (this.remaining <= Math.max(1, this.limit * RESERVE_SHARE)) gap = (this.resetAt - slot) / this.remaining;
    this.remaining -= 1;
    this.nextSlot = slot + gap;
    return Math.ceil(slot - now);
  }
}

export class Pacer {
  private readonly buckets = new Map<string, Bucket>();
  private readonly signals = new Map<string, Signals>();

  constructor(
    /** Budget by key: `PLATFORM` (all its accounts together) or `PLATFORM:ACCOUNT`. */
    private readonly budgets: (key: string) => Budgets | undefined,
  ) {}

  private signalsOf(key: string): Signals {
    let s = this.signals.get(key);
    if (!s) this.signals.set(key, (s = new Signals()));
    return s;
  }

  /**
   * Milliseconds the next call of this account must wait; `cost`: the budget points it takes (0: none),
   * `accountCost`: those of the account's budget where they differ (Tumblr counts an account's posts, not its calls).
   */
  reserve(platform: string, account: string, now: number, cost = 1, accountCost = cost): number {
    let wait = 0;
    for (const [key, points] of [
      [platform, cost],
      [`${platform}:${account}`, accountCost],
    ] as const) {
      if (points <= 0) continue;
      for (const [i, budget] of windowsOf(this.budgets(key)).entries()) {
        let bucket = this.buckets.get(`${key}#${i}`);
        if (!bucket) this.buckets.set(`${key}#${i}`, (bucket = new Bucket(budget, now)));
        wait = Math.max(wait, bucket.reserve(now, points));
      }
    }
    return Math.max(wait, this.signalsOf(`${platform}:${account}`).reserve(now));
  }

  update(platform: string, account: string, s: RateSignal, now: number): void {
    this.signalsOf(`${platform}:${account}`).update(s, now);
  }

  /** What the platform last said is left of the account's limit (null: it did not say). */
  remaining(platform: string, account: string): number | null {
    return this.signals.get(`${platform}:${account}`)?.left ?? null;
  }
}

/** Reads the common rate-limit headers: X-RateLimit-* (Mastodon, Reddit), RateLimit-* (Bluesky, IETF draft), Retry-After. */
export function headerSignal(h: Headers, now: number): RateSignal {
  const num = (name: string) => {
    const v = h.get(name);
    return v === null || v.trim() === '' || !Number.isFinite(Number(v)) ? undefined : Number(v);
  };
  const s: RateSignal = {
    limit: num('x-ratelimit-limit') ?? num('ratelimit-limit'),
    remaining: num('x-ratelimit-remaining') ?? num('ratelimit-remaining'),
  };
  const reset = h.get('x-ratelimit-reset') ?? h.get('ratelimit-reset');
  if (reset !== null) s.resetAt = resetTime(reset, now);
  const retry = h.get('retry-after');
  if (retry !== null) s.retryAfterMs = retryAfter(retry, now);
  return s;
}

/** A reset given as an ISO date (Mastodon), epoch seconds (Bluesky) or seconds from now (IETF draft). */
function resetTime(v: string, now: number): number | undefined {
  const n = Number(v);
  if (Number.isFinite(n)) return n > 1e9 ? n * 1000 : now + n * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** Retry-After: seconds or an HTTP date. */
function retryAfter(v: string, now: number): number | undefined {
  const n = Number(v);
  if (Number.isFinite(n)) return Math.max(0, n * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}
