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

/** The hub's HTTP API for the CLI and the worker agent: JSON in, JSON out, errors as HubError. */
export class HubClient {
  readonly baseUrl: string;

  constructor(baseUrl: string, readonly token: string | undefined) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  async request<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    return (await this.send<T>(method, path, body, opts)).body;
  }

  /** Like request(), with the HTTP status too (201 created vs 200 existing, say). */
  async send<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<{ status: number; body: T }> {
    const signals = [AbortSignal.timeout(opts.timeoutMs ?? 30_000)];
    if (opts.signal) signals.push(opts.signal);
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.any(signals),
      });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      if (opts.signal?.aborted) throw new HubError(0, 'aborted', 'request aborted');
      if (err.name === 'TimeoutError') throw new HubError(0, 'timeout', `the hub at ${this.baseUrl} did not answer in time`);
      throw this.unreachable(err);
    }
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    if (res.ok) return { status: res.status, body: parsed as T };
    const e = (parsed as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error;
    throw new HubError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? `HTTP ${res.status}`, e?.field, parsed);
  }

  private unreachable(err: Error): HubError {
    const why = (err.cause as { code?: string } | undefined)?.code ?? err.message;
    return new HubError(0, 'unreachable', `cannot reach the hub at ${this.baseUrl} (${why}); is it running? (--hub or ROOST_HUB)`);
  }

  get<T>(path: string, opts?: RequestOptions): Promise<T> {
    return this.request<T>('GET', path, undefined, opts);
  }

  post<T>(path: string, body: unknown = {}, opts?: RequestOptions): Promise<T> {
    return this.request<T>('POST', path, body, opts);
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
      const body = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string; field?: string } };
      throw new HubError(res.status, body.error?.code ?? `http_${res.status}`, body.error?.message ?? `HTTP ${res.status}`, body.error?.field, body);
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
