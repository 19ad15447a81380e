/**
 * What Reddit says of its limits beyond what the proxy's common header reader takes
 * (X-Ratelimit-Remaining, and X-Ratelimit-Reset as seconds from now): the window's size, which
 * Reddit gives only as X-Ratelimit-Used + Remaining, so calls are spread once little is left; and
 * the RATELIMIT error of a write (`{"json": {"errors": [["RATELIMIT", "you are doing that too
 * much. try again in 5 minutes.", "ratelimit"]], "ratelimit": 299.5}}`, HTTP 200), a hold on the
 * account's calls for that long.
 */
import type { RateSignal } from '../proxy/pacing.js';
import type { ProxyResponse } from '../proxy/platformProxy.js';

/** A RATELIMIT whose wait cannot be read waits this long. */
const DEFAULT_WAIT_MS = 60_000;
const UNIT_MS: Record<string, number> = { millisecond: 1, second: 1000, minute: 60_000, hour: 3_600_000 };

/** The wait a RATELIMIT error names: the `ratelimit` seconds field, else the message's "try again in N minutes". */
export function rateLimitWait(body: { json?: { errors?: unknown[][]; ratelimit?: number } }): number | null {
  const error = body.json?.errors?.find((e) => e[0] === 'RATELIMIT');
  if (!error) return null;
  if (typeof body.json?.ratelimit === 'number') return Math.ceil(body.json.ratelimit * 1000);
  const m = /try again in (\d+) (millisecond|second|minute|hour)s?/i.exec(String(error[1]));
  return m ? Number(m[1]) * UNIT_MS[m[2]!.toLowerCase()]! : DEFAULT_WAIT_MS;
}

export function redditSignal(res: ProxyResponse, _now: number): RateSignal | null {
  const used = Number(res.headers.get('x-ratelimit-used') ?? NaN);
  const remaining = Number(res.headers.get('x-ratelimit-remaining') ?? NaN);
  const s: RateSignal = {};
  if (Number.isFinite(used) && Number.isFinite(remaining)) s.limit = Math.round(used + remaining);
  if (res.status < 300 && res.text.includes('"RATELIMIT"')) {
    try {
      const wait = rateLimitWait(res.json());
      if (wait !== null) s.retryAfterMs = wait;
    } catch {
      // Not JSON: nothing more to read.
    }
  }
  return Object.keys(s).length ? s : null;
}
