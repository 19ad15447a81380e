/**
 * Tumblr's API v2 over the proxy (www.tumblr.com/docs/en/api/v2): every call signed with OAuth
 * 1.0a, each attempt afresh (a nonce is used once, and the proxy may send a call again after a 429
 * or 5xx), answers in the envelope `{meta: {status, msg}, response, errors: [{title, code, detail}]}`.
 * What a refusal means is the caller's to say (`field`): a 404 for an answer is the ask, for a reblog
 * the post reblogged.
 */
import { AuthError, PlatformRefusal } from '../errors.js';
import type { RateSignal } from '../proxy/pacing.js';
import type { AccountChannel, ProxyResponse } from '../proxy/platformProxy.js';
import { oauthHeader, type OAuthKeys } from './oauth1.js';

export interface TumblrRequest {
  query?: Record<string, string>;
  json?: unknown;
  form?: Record<string, string>;
  multipart?: FormData;
  /** The draft field a 400, 403 or 404 refuses (a read has none: its refusals are errors to retry later). */
  field?: string;
  /** Makes a post (a new post, an answer, a reblog): it counts against the account's 250 a day. */
  posts?: boolean;
}

interface Envelope<T> {
  meta?: { status: number; msg: string };
  response?: T;
  errors?: Array<{ title?: string; code?: number; detail?: string }>;
}

/** Error subcodes (api.md, "Errors and Error Subcodes") that name a draft field rather than the caller's. */
const SUBCODE_FIELD: Record<number, string> = { 8005: 'images', 8004: 'images', 8016: 'text' };
const DAILY_POST_LIMIT = 8023;

export class TumblrApi {
  constructor(
    private readonly account: string,
    private readonly root: string,
    private readonly keys: OAuthKeys,
    private readonly channel: AccountChannel,
  ) {}

  async call<T = any>(method: string, path: string, r: TumblrRequest = {}): Promise<T> {
    const url = `${this.root}${path}${r.query ? `?${new URLSearchParams(r.query)}` : ''}`;
    const form = r.form ? new URLSearchParams(r.form) : undefined;
    const keys = this.keys;
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...(r.json !== undefined ? { 'content-type': 'application/json' } : {}),
      // Signed at send time: each attempt (the proxy retries) has its own nonce and timestamp.
      get authorization() {
        return oauthHeader(method, url, keys, form);
      },
    };
    const res = await this.channel.fetch({
      method,
      url,
      headers,
      body: r.multipart ?? form?.toString() ?? (r.json !== undefined ? JSON.stringify(r.json) : undefined),
      label: `${method} ${path.replace(/\/blog\/[^/]+/, '/blog/:blog').replace(/\/\d+$/, '/:id')}`,
      accountCost: r.posts ? 1 : 0,
    });
    const body = parse<T>(res);
    if (res.status < 300) return body.response as T;
    const said = describe(res.status, body);
    if (res.status === 401)
      throw new AuthError(this.account, `Tumblr refused the OAuth credentials for ${method} ${path}: ${said}`);
    const codes = (body.errors ?? []).map((e) => e.code);
    if (codes.includes(DAILY_POST_LIMIT))
      throw new PlatformRefusal(
        'post',
        `Tumblr's daily post limit for this blog is reached (250 a day, reblogs and answers included; ${said}); resume the bot tomorrow`,
      );
    if (r.field && [400, 403, 404].includes(res.status)) {
      const field = codes.map((c) => SUBCODE_FIELD[c ?? 0]).find(Boolean) ?? r.field;
      throw new PlatformRefusal(field, `Tumblr refused ${method} ${path}: ${said}`);
    }
    if (res.status === 403)
      throw new AuthError(this.account, `Tumblr forbids ${method} ${path} to this account: ${said}`);
    throw new Error(`Tumblr answered ${method} ${path} with ${said}`);
  }
}

function parse<T>(res: ProxyResponse): Envelope<T> {
  try {
    return res.json<Envelope<T>>();
  } catch {
    return { meta: { status: res.status, msg: res.text.slice(0, 200) } };
  }
}

function describe(status: number, body: Envelope<unknown>): string {
  const errors = (body.errors ?? []).map((e) =>
    [e.code ? `${status}.${e.code}` : '', e.title, e.detail !== e.title && e.detail].filter(Boolean).join(' '),
  );
  return [`HTTP ${status} ${body.meta?.msg ?? ''}`.trim(), ...errors].join('; ');
}

/**
 * What Tumblr says of a consumer key's limits: `X-Ratelimit-Perhour-*` and `-Perday-*` (Limit,
 * Remaining, Reset in seconds). The window with fewer calls left is the one that paces; a 429
 * ("Limit Exceeded", no Retry-After) waits for the reset of the window that is used up.
 */
export function tumblrSignal(res: ProxyResponse, now: number): RateSignal | null {
  const windows = ['perhour', 'perday'].flatMap((w) => {
    const [limit, remaining, reset] = ['limit', 'remaining', 'reset'].map((f) =>
      Number(res.headers.get(`x-ratelimit-${w}-${f}`) ?? NaN),
    ) as [number, number, number];
    return [limit, remaining, reset].every(Number.isFinite) ? [{ limit, remaining, reset }] : [];
  });
  if (windows.length === 0) return null;
  const tight = windows.reduce((a, b) => (b.remaining < a.remaining ? b : a));
  const s: RateSignal = { limit: tight.limit, remaining: tight.remaining, resetAt: now + tight.reset * 1000 };
  if (res.status === 429) s.retryAfterMs = tight.reset * 1000;
  return s;
}
