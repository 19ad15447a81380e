/**
 * The one place every platform call of every bot goes through (seed 004's reddit-proxy, once for
 * all platforms): paced by configured budgets and by the platform's own rate-limit signals,
 * retried with backoff and jitter on network errors, 5xx and 429 (never on another 4xx; a 429
 * waits as long as the platform says, however often, so a post is never dropped for it), with an
 * auth refresh hook on 401, and every exchange recorded in the store and counted in metrics.
 */
import type { Logger } from 'pino';
import { retryDelay } from '../../util/backoff.js';
import type { PlatformCall, PlatformStore } from '../../store/platformStore.js';
import { InputError, NotFoundError } from '../../errors.js';
import { headerSignal, Pacer, type Budgets, type RateSignal } from './pacing.js';
import { ProbeGate } from './probeGate.js';

export interface ProxyRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | FormData | Uint8Array;
  /** How the call is recorded; default `METHOD /path`. */
  label?: string;
  /** Points of the configured budgets it takes: default 1; 0 for a call a budget does not count (Bluesky's reads). */
  cost?: number;
  /** Points of the account's budget, where it counts other than `cost` (Tumblr's: posts a day; reads 0). */
  accountCost?: number;
}

export interface ProxyResponse {
  status: number;
  headers: Headers;
  text: string;
  json<T = any>(): T;
}

/** What a connector gets: its account's line to the platform, through the proxy. */
export interface AccountChannel {
  /** Resolves with the platform's answer once it is not one to retry (2xx, 3xx, a 4xx other than 429). */
  fetch(req: ProxyRequest): Promise<ProxyResponse>;
  /** An in-process call (the sandbox): paced and recorded like a request. */
  call<T>(method: string, fn: () => Promise<T>): Promise<T>;
  /** Called once on a 401: true when it renewed the session, so the request is sent again. */
  onUnauthorized(refresh: () => Promise<boolean>): void;
}

export interface ProxyObserver {
  call(c: PlatformCall): void;
}

export interface ProxyOptions {
  store: PlatformStore;
  /** The budget of `PLATFORM` or `PLATFORM:ACCOUNT`, if one is configured. */
  budgets: (key: string) => Budgets | undefined;
  retentionMs: number;
  log: Logger;
  observer?: ProxyObserver;
  now?: () => number;
  random?: () => number;
  fetch?: typeof fetch;
  /** Attempts on network errors and 5xx before the call fails (429s are not counted). */
  maxAttempts?: number;
  timeoutMs?: number;
  /** The first backoff delay on a network error or 5xx (doubling, with jitter). */
  backoffMs?: number;
}

const RETENTION_SWEEP_MS = 3_600_000;

export class PlatformProxy {
  private readonly pacer: Pacer;
  private readonly gate = new ProbeGate();
  private readonly closing = new AbortController();
  private sweeper: NodeJS.Timeout | null = null;
  private readonly now: () => number;

  constructor(private readonly options: ProxyOptions) {
    this.pacer = new Pacer(options.budgets);
    this.now = options.now ?? Date.now;
  }

  /** Deletes recorded calls past their retention, now and hourly. */
  start(): void {
    const sweep = () =>
      void this.options.store
        .deleteCallsBefore(this.now() - this.options.retentionMs)
        .catch((e: Error) => this.options.log.warn({ err: e }, 'could not delete old platform calls'));
    sweep();
    this.sweeper = setInterval(sweep, RETENTION_SWEEP_MS);
    this.sweeper.unref();
  }

  /** Waits under way end with an error; the calls behind them are retried after the restart (the ledger keeps posts). */
  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.closing.abort();
  }

  /** The line of one account; `signal` reads a platform's rate-limit signals beyond the common headers. */
  channel(
    platform: string,
    account: string,
    signal?: (res: ProxyResponse, now: number) => RateSignal | null,
  ): AccountChannel {
    let refresh: (() => Promise<boolean>) | null = null;
    return {
      fetch: (req) => this.fetch(platform, account, req, signal, refresh),
      call: (method, fn) => this.inProcess(platform, account, method, fn),
      onUnauthorized: (fn) => void (refresh = fn),
    };
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        reject(new Error('the hub is shutting down; the call is made again after the restart'));
      };
      const timer = setTimeout(() => {
        this.closing.signal.removeEventListener('abort', done);
        resolve();
      }, ms);
      timer.unref();
      if (this.closing.signal.aborted) done();
      else this.closing.signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Records a call before its caller sees the answer, so the call history holds every call a bot saw; never rejects. */
  private async record(c: PlatformCall): Promise<void> {
    this.options.observer?.call(c);
    await this.options.store
      .recordCall(c)
      .catch((e: Error) => this.options.log.warn({ err: e, platform: c.platform }, 'could not record a platform call'));
  }

  private async pace(platform: string, account: string, cost?: number, accountCost?: number): Promise<number> {
    const wait = this.pacer.reserve(platform, account, this.now(), cost, accountCost);
    await this.sleep(wait);
    return wait;
  }

  private async fetch(
    platform: string,
    account: string,
    req: ProxyRequest,
    parse: ((res: ProxyResponse, now: number) => RateSignal | null) | undefined,
    refresh: (() => Promise<boolean>) | null,
  ): Promise<ProxyResponse> {
    const fetchImpl = this.options.fetch ?? fetch;
    const method = req.label ?? `${req.method} ${new URL(req.url).pathname}`;
    const maxAttempts = this.options.maxAttempts ?? 5;
    const backoff = {
      type: 'exponential',
      delayMs: this.options.backoffMs ?? 500,
      maxDelayMs: 60_000,
      jitter: true,
    } as const;
    let failures = 0;
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      const gateStarted = this.now();
      const answered = await this.gate.enter(`${platform}:${account}`);
      let waitMs = this.now() - gateStarted;
      try {
        waitMs += await this.pace(platform, account, req.cost, req.accountCost);
      } catch (e) {
        answered(false); // shutting down: the next call in line is told the same, not left waiting
        throw e;
      }
      const started = this.now();
      let res: ProxyResponse | null = null;
      let error: Error | null = null;
      try {
        const r = await fetchImpl(req.url, {
          method: req.method,
          headers: req.headers,
          body: req.body,
          redirect: 'follow',
          signal: AbortSignal.any([AbortSignal.timeout(this.options.timeoutMs ?? 30_000), this.closing.signal]),
        });
        const text = await r.text();
        res = { status: r.status, headers: r.headers, text, json: <T>() => JSON.parse(text) as T };
      } catch (e) {
        error = e as Error;
      }
      const now = this.now();
      if (res) {
        this.pacer.update(platform, account, headerSignal(res.headers, now), now);
        const own = parse?.(res, now);
        if (own) this.pacer.update(platform, account, own, now);
      }
      answered(res !== null);
      await this.record({
        at: started,
        platform,
        account,
        method,
        status: res?.status ?? 0,
        durationMs: now - started,
        remaining: this.pacer.remaining(platform, account),
        waitMs,
        attempt,
        error: error ? error.message : res && res.status >= 400 ? res.text.slice(0, 200) : null,
      });
      if (this.closing.signal.aborted)
        throw new Error('the hub is shutting down; the call is made again after the restart');
      if (res?.status === 401 && refresh && !refreshed) {
        refreshed = true;
        if (await refresh()) continue;
      }
      if (res?.status === 429) {
        // The pacer now holds the account's calls until the platform's reset; without a signal, back off.
        const signal = { ...headerSignal(res.headers, now), ...parse?.(res, now) };
        if (signal.retryAfterMs === undefined && !(signal.resetAt && signal.resetAt > now))
          this.pacer.update(
            platform,
            account,
            { retryAfterMs: retryDelay(backoff, attempt, this.options.random) },
            now,
          );
        this.options.log.info({ platform, account, method }, 'rate limited by the platform (429); waiting, then again');
        continue;
      }
      if (res && res.status < 500) return res;
      if (++failures >= maxAttempts)
        throw new Error(
          `${platform} did not answer ${method} after ${failures} attempts (${error ? error.message : `HTTP ${res!.status}`}); it is tried again later`,
        );
      await this.sleep(retryDelay(backoff, failures, this.options.random));
    }
  }

  private async inProcess<T>(platform: string, account: string, method: string, fn: () => Promise<T>): Promise<T> {
    const waitMs = await this.pace(platform, account);
    const started = this.now();
    const call = { at: started, platform, account, method, remaining: null, waitMs, attempt: 1 };
    try {
      const value = await fn();
      await this.record({ ...call, status: 200, durationMs: this.now() - started, error: null });
      return value;
    } catch (e) {
      const status = e instanceof InputError ? 400 : e instanceof NotFoundError ? 404 : 500;
      await this.record({ ...call, status, durationMs: this.now() - started, error: (e as Error).message });
      throw e;
    }
  }
}
