/**
 * What Discord says of its limits beyond the proxy's common header reader (which takes
 * X-RateLimit-Limit/-Remaining, X-RateLimit-Reset as epoch seconds, and Retry-After in whole
 * seconds), per discord.com/developers/docs/topics/rate-limits:
 * - X-RateLimit-Reset-After: seconds (with decimals) until the bucket refills, free of clock skew,
 *   so it replaces the Reset the common reader took;
 * - a 429's body `{message, retry_after, global}`: retry_after in seconds with decimals, more exact
 *   than Retry-After. Its scope (X-RateLimit-Scope) changes nothing in how long to wait: `user`
 *   (the bucket), `global` (every call of the bot token, which is the account here) and `shared`
 *   (a resource's limit shared with others) all hold the account's calls for retry_after.
 * Discord's buckets are per route (X-RateLimit-Bucket); the proxy paces per account, so an
 * emptied bucket holds all of the account's calls until it refills: slower than needed at worst,
 * never a 429 more. @discordjs/rest keeps its own queue per bucket in front of the proxy.
 */
import type { RateSignal } from '../proxy/pacing.js';
import type { ProxyResponse } from '../proxy/platformProxy.js';

export function discordSignal(res: ProxyResponse, now: number): RateSignal | null {
  const s: RateSignal = {};
  const resetAfter = Number(res.headers.get('x-ratelimit-reset-after') ?? NaN);
  if (Number.isFinite(resetAfter)) s.resetAt = now + Math.ceil(resetAfter * 1000);
  if (res.status === 429) {
    try {
      const body = res.json<{ retry_after?: unknown }>();
      if (typeof body.retry_after === 'number') s.retryAfterMs = Math.ceil(body.retry_after * 1000);
    } catch {
      // Not JSON (a proxy's or Cloudflare's page): Retry-After, read by the common reader, holds.
    }
  }
  return Object.keys(s).length ? s : null;
}
