/**
 * Matrix's Client-Server API (spec.matrix.org, v1.x) as plain HTTP through the proxy: JSON bodies,
 * `Authorization: Bearer TOKEN`, errors as `{errcode, error}`. A 401 (M_UNKNOWN_TOKEN,
 * M_MISSING_TOKEN) is an AuthError: an access token is not renewed here, a person makes a new one.
 * A 429 M_LIMIT_EXCEEDED is the proxy's to wait out: `matrixSignal` reads its wait.
 */
import { AuthError } from '../errors.js';
import type { RateSignal } from '../proxy/pacing.js';
import type { AccountChannel, ProxyResponse } from '../proxy/platformProxy.js';

/** A Matrix error answer other than a refused token: its errcode and HTTP status say what. */
export class MatrixError extends Error {
  override name = 'MatrixError';
  constructor(
    readonly status: number,
    readonly errcode: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The wait a 429 names. Since spec v1.10 (MSC4041) the `Retry-After` header says it, which the
 * proxy's common reader takes; the body's `retry_after_ms` (deprecated, still what most servers
 * send) is read only when the header is absent.
 */
export function matrixSignal(res: ProxyResponse): RateSignal | null {
  if (res.status !== 429 || res.headers.get('retry-after') !== null) return null;
  try {
    const ms = res.json<{ retry_after_ms?: unknown }>().retry_after_ms;
    return typeof ms === 'number' && ms >= 0 ? { retryAfterMs: ms } : null;
  } catch {
    return null;
  }
}

export interface CallOptions {
  /** Values of the path's `:name` segments (ids), encoded here. */
  params?: Record<string, string>;
  /** The query string's values. */
  query?: Record<string, string>;
  /** JSON (an object) or raw bytes (a media upload, with `contentType`). */
  body?: unknown;
  contentType?: string;
  /** Points of the account's budget: sends 1, reads (sync, whoami) 0. */
  cost?: number;
  /** Error codes answered as a value (null) instead of thrown: M_NOT_FOUND for an absent state event. */
  absent?: string[];
}

export class MatrixApi {
  private readonly homeserver: string;

  constructor(
    private readonly account: string,
    homeserver: string,
    private readonly token: string,
    private readonly channel: AccountChannel,
  ) {
    this.homeserver = homeserver.replace(/\/+$/, '');
  }

  /**
   * `route` starts at /_matrix, with `:name` for each id (`/rooms/:room/send/...`): it is also how
   * the call is recorded, so no room id, user id or token reaches the call log.
   */
  async call<T>(method: string, route: string, o: CallOptions = {}): Promise<T | null> {
    const bytes = o.body instanceof Uint8Array;
    const path = route.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(o.params?.[name] ?? ''));
    const query = o.query ? `?${new URLSearchParams(o.query)}` : '';
    const res = await this.channel.fetch({
      method,
      url: `${this.homeserver}${path}${query}`,
      headers: {
        authorization: `Bearer ${this.token}`,
        accept: 'application/json',
        ...(o.body === undefined ? {} : { 'content-type': bytes ? o.contentType! : 'application/json' }),
      },
      body: o.body === undefined ? undefined : bytes ? (o.body as Uint8Array) : JSON.stringify(o.body),
      label: `${method} ${route}`,
      cost: o.cost ?? 0,
    });
    let body: { errcode?: string; error?: string } & Record<string, unknown>;
    try {
      body = res.json();
    } catch {
      throw new Error(`${this.homeserver} answered ${method} ${route} with HTTP ${res.status}, not JSON`);
    }
    if (res.status < 300) return body as T;
    const errcode = body.errcode ?? `HTTP ${res.status}`;
    if (res.status === 401)
      throw new AuthError(
        this.account,
        `the homeserver refused the access token (${errcode}${body.error ? `: ${body.error}` : ''}); make a new one`,
      );
    if (o.absent?.includes(errcode)) return null;
    throw new MatrixError(res.status, errcode, `Matrix refused ${method} ${route}: ${errcode}: ${body.error ?? ''}`);
  }
}
