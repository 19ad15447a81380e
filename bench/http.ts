/**
 * A small JSON-over-HTTP client on node:http with a keep-alive agent: the bench's producer and its
 * simulated workers. Lighter per request than fetch, so the producer takes less of the machine's
 * two cores from the hub it measures.
 */
import { Agent, request } from 'node:http';

export interface Reply<T = any> {
  status: number;
  body: T;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${JSON.stringify(body).slice(0, 300)}`);
  }
}

export class JsonClient {
  private readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;
  private readonly auth: string;

  /** `maxSockets`: the most requests this client has in flight at once (one socket each). */
  constructor(baseUrl: string, token: string, maxSockets: number) {
    const u = new URL(baseUrl);
    this.host = u.hostname;
    this.port = Number(u.port);
    this.auth = `Bearer ${token}`;
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  /**
   * Sends a request and parses the JSON reply, whatever its status. Rejects on a network error,
   * on `timeoutMs`, or when `signal` aborts.
   */
  send<T = any>(
    method: string,
    path: string,
    body?: unknown,
    opts: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<Reply<T>> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string | number> = { authorization: this.auth };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    return new Promise<Reply<T>>((resolve, reject) => {
      const req = request(
        { host: this.host, port: this.port, method, path, headers, agent: this.agent, signal: opts.signal },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as T) : (undefined as T) });
            } catch {
              reject(new Error(`${method} ${path}: HTTP ${res.statusCode}, not JSON: ${text.slice(0, 200)}`));
            }
          });
        },
      );
      req.setTimeout(opts.timeoutMs ?? 30_000, () =>
        req.destroy(new Error(`${method} ${path}: no reply within ${opts.timeoutMs ?? 30_000} ms`)),
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Like send, but rejects with an HttpError unless the status is one of `ok`. */
  async expect<T = any>(
    ok: number[],
    method: string,
    path: string,
    body?: unknown,
    opts: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<T> {
    const r = await this.send<T>(method, path, body, opts);
    if (!ok.includes(r.status)) throw new HttpError(r.status, r.body, `${method} ${path}`);
    return r.body;
  }

  close(): void {
    this.agent.destroy();
  }
}
