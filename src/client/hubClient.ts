import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';

/** A reply from the hub that was not 2xx, or no reply at all (`status` 0: unreachable or timed out). */
export class HubError extends Error {
  override name = 'HubError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Gives up (status 0, code `timeout`) after this long; long-polls pass their wait plus a margin. */
  timeoutMs?: number;
}

/**
 * The hub's HTTP API for the CLI and the worker agent: JSON in, JSON out, errors as HubError.
 * Requests go through node:http with a keep-alive agent rather than fetch(), which costs several
 * times the CPU and a quarter of a millisecond more per request: a worker makes a few requests
 * per batch of tasks, and dispatch latency is mostly round trips.
 */
export class HubClient {
  readonly baseUrl: string;
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;

  constructor(
    baseUrl: string,
    readonly token: string | undefined,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    const secure = this.baseUrl.startsWith('https:');
    this.transport = secure ? https : http;
    // Idle sockets of a keep-alive agent are unref'd: they never hold a finished process open.
    this.agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  }

  async request<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    return (await this.send<T>(method, path, body, opts)).body;
  }

  /** Like request(), with the HTTP status too (201 created vs 200 existing, say). */
  async send<T>(
    method: string,
    path: string,
    body?: unknown,
    opts: RequestOptions = {},
  ): Promise<{ status: number; body: T }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let reply: { status: number; text: string };
    try {
      reply = await this.exchange(method, path, payload, opts);
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { reused?: boolean };
      // The hub closed an idle kept-alive connection just as this request went out on it: the
      // request never reached it, so it goes again on a fresh connection.
      if (!err.reused || (err.code !== 'ECONNRESET' && err.code !== 'EPIPE')) throw this.failure(err, opts);
      try {
        reply = await this.exchange(method, path, payload, opts);
      } catch (again) {
        throw this.failure(again as NodeJS.ErrnoException, opts);
      }
    }
    let parsed: unknown = undefined;
    try {
      parsed = reply.text ? JSON.parse(reply.text) : undefined;
    } catch {
      parsed = reply.text;
    }
    if (reply.status >= 200 && reply.status < 300) return { status: reply.status, body: parsed as T };
    const e = (parsed as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error;
    throw new HubError(
      reply.status,
      e?.code ?? `http_${reply.status}`,
      e?.message ?? `HTTP ${reply.status}`,
      e?.field,
      parsed,
    );
  }

  /** One request and its whole reply; a failure says whether it went out on a reused connection. */
  private exchange(
    method: string,
    path: string,
    payload: string | undefined,
    opts: RequestOptions,
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = {};
      if (this.token) headers.authorization = `Bearer ${this.token}`;
      if (payload !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(payload);
      }
      const req = this.transport.request(this.baseUrl + path, {
        method,
        headers,
        agent: this.agent,
        signal: opts.signal,
      });
      const timer = setTimeout(
        () => req.destroy(Object.assign(new Error('timed out'), { code: 'ROOST_TIMEOUT' })),
        opts.timeoutMs ?? 30_000,
      );
      timer.unref();
      req.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(Object.assign(e, { reused: req.reusedSocket }));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
        // Cut off mid-reply (aborted, timed out, the hub gone): a promise settled at most once.
        res.on('close', () => {
          clearTimeout(timer);
          if (!res.complete) reject(Object.assign(new Error('the reply was cut off'), { code: 'ECONNRESET' }));
        });
      });
      req.end(payload);
    });
  }

  private failure(err: NodeJS.ErrnoException, opts: RequestOptions): HubError {
    if (opts.signal?.aborted) return new HubError(0, 'aborted', 'request aborted');
    if (err.code === 'ROOST_TIMEOUT')
      return new HubError(0, 'timeout', `the hub at ${this.baseUrl} did not answer in time`);
    return this.unreachable(err);
  }

  private unreachable(err: Error): HubError {
    const why =
      (err as NodeJS.ErrnoException).code ?? (err.cause as { code?: string } | undefined)?.code ?? err.message;
    const e = new HubError(
      0,
      'unreachable',
      `cannot reach the hub at ${this.baseUrl} (${why}); is it running? (--hub or ROOST_HUB)`,
    );
    // The socket error, for callers that retry differently on a refused connection (the worker's Reconnect).
    e.cause = err;
    return e;
  }

  get<T>(path: string, opts?: RequestOptions): Promise<T> {
    return this.request<T>('GET', path, undefined, opts);
  }

  post<T>(path: string, body: unknown = {}, opts?: RequestOptions): Promise<T> {
    return this.request<T>('POST', path, body, opts);
  }

  /** Streams a body up (an artifact) as `contentType`; the reply is read as JSON, errors as HubError. */
  upload<T>(path: string, body: Readable, contentType: string, size?: number): Promise<{ status: number; body: T }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { 'content-type': contentType };
      if (this.token) headers.authorization = `Bearer ${this.token}`;
      if (size !== undefined) headers['content-length'] = size;
      const req = this.transport.request(this.baseUrl + path, { method: 'PUT', headers, agent: this.agent });
      req.on('error', (e) => reject(this.unreachable(e)));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(this.unreachable(e)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const parsed = (text ? JSON.parse(text) : undefined) as T;
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve({ status, body: parsed });
          const e = (parsed as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error;
          reject(new HubError(status, e?.code ?? `http_${status}`, e?.message ?? `HTTP ${status}`, e?.field, parsed));
        });
      });
      body.on('error', (e) => req.destroy(e));
      body.pipe(req);
    });
  }

  /** A GET whose reply body is streamed (an artifact): the response once its status is 2xx, else HubError. */
  download(path: string, headers: Record<string, string> = {}): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const all = { ...headers, ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) };
      const req = this.transport.request(this.baseUrl + path, { method: 'GET', headers: all, agent: this.agent });
      req.on('error', (e) => reject(this.unreachable(e)));
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(res);
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let parsed: { error?: { code?: string; message?: string; field?: string } } | undefined;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof parsed;
          } catch {
            parsed = undefined;
          }
          const e = parsed?.error;
          reject(new HubError(status, e?.code ?? `http_${status}`, e?.message ?? `HTTP ${status}`, e?.field, parsed));
        });
      });
      req.end();
    });
  }

  /**
   * Reads a Server-Sent Events stream, calling `onEvent` for each event, until the server ends it
   * or the signal aborts.
   */
  async events(path: string, onEvent: (event: string, data: unknown) => void, signal?: AbortSignal): Promise<void> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, { headers, signal: signal ?? null });
    } catch (e) {
      if (signal?.aborted) return;
      throw this.unreachable(e as Error);
    }
    if (!res.ok || !res.body) {
      const body = (await res.json().catch(() => ({}))) as {
        error?: { code?: string; message?: string; field?: string };
      };
      throw new HubError(
        res.status,
        body.error?.code ?? `http_${res.status}`,
        body.error?.message ?? `HTTP ${res.status}`,
        body.error?.field,
        body,
      );
    }
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) onEvent(event, JSON.parse(data.join('\n')));
        }
      }
    } catch (e) {
      if (!signal?.aborted) throw e;
    }
  }
}
