/** Test-side helpers shared by the fault tests: job event streams, bounded waits, the workers a hub sees, bounded concurrency. */
import http from 'node:http';
import { setImmediate as nextTurn, setTimeout as delay } from 'node:timers/promises';
import { HubClient } from '../../src/client/hubClient.js';
import { withTimeout, type HubProcess } from '../helpers/processes.js';

export interface JobWatch {
  /** Resolves with the job once the stream is open (its first event); from then on nothing is missed. */
  opened: Promise<any>;
  /** Resolves with the task ids once progress has been reported for `count` distinct tasks. */
  progressOf(count: number, timeoutMs?: number): Promise<string[]>;
  /** Every event received so far, in order. */
  events: Array<{ event: string; data: any }>;
  close(): void;
}

/** Follows `GET /v1/jobs/:id/events` (SSE) in the background. */
export function watchJob(client: HubClient, jobId: string): JobWatch {
  const abort = new AbortController();
  const events: Array<{ event: string; data: any }> = [];
  const progressed = new Set<string>();
  let waiters: Array<{ count: number; resolve: (ids: string[]) => void }> = [];
  let failed: ((e: Error) => void)[] = [];
  let resolveOpened!: (job: any) => void;
  let rejectOpened!: (e: Error) => void;
  const opened = new Promise<any>((resolve, reject) => ((resolveOpened = resolve), (rejectOpened = reject)));
  opened.catch(() => undefined);
  const check = () => {
    for (const w of [...waiters]) {
      if (progressed.size >= w.count) {
        waiters = waiters.filter((x) => x !== w);
        w.resolve([...progressed]);
      }
    }
  };
  const stream = client.events(
    `/v1/jobs/${encodeURIComponent(jobId)}/events`,
    (event, data: any) => {
      events.push({ event, data });
      if (event === 'job') resolveOpened(data);
      if (event === 'progress') {
        progressed.add(String(data.taskId));
        check();
      }
    },
    abort.signal,
  );
  stream.then(
    () => {
      const e = new Error(`the event stream of ${jobId} ended; events: ${JSON.stringify(events)}`);
      rejectOpened(e);
      for (const f of failed) f(e);
    },
    (e: Error) => {
      rejectOpened(e);
      for (const f of failed) f(e);
    },
  );
  return {
    opened: withTimeout(opened, 30_000, () => `the event stream of ${jobId} did not open within 30 s`),
    events,
    progressOf(count, timeoutMs = 30_000) {
      const p = new Promise<string[]>((resolve, reject) => {
        waiters.push({ count, resolve });
        failed.push(reject);
        check();
      });
      return withTimeout(
        p,
        timeoutMs,
        () =>
          `progress from ${count} tasks of ${jobId} did not arrive within ${timeoutMs} ms; events: ${JSON.stringify(events)}`,
      );
    },
    close() {
      failed = [];
      waiters = [];
      abort.abort();
    },
  };
}

/**
 * Asks `probe` (a request to the hub) until it answers true, at most `timeoutMs`. This waits on the
 * hub's state, not on the clock; `paceMs` only spaces the checks out so a long wait does not take
 * the CPU from the processes under test.
 */
export async function pollUntil(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs = 10_000,
  paceMs = 0,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let round = 0; ; round++) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not true after ${round + 1} checks in ${timeoutMs} ms`);
    await (paceMs > 0 ? delay(paceMs) : nextTurn());
  }
}

/** Waits until the (restarted) hub lists these workers as connected: they have reached it. */
export async function workersConnected(hub: HubProcess, workerIds: string[]): Promise<void> {
  const admin = new HubClient(hub.url, hub.adminToken);
  await pollUntil(
    `workers ${workerIds.join(', ')} connected to the hub (pid ${hub.pid})`,
    async () => {
      const { workers } = await admin.get<{ workers: Array<{ workerId: string; connected: boolean }> }>('/v1/workers');
      return workerIds.every((id) => workers.some((w) => w.workerId === id && w.connected));
    },
    30_000,
    50,
  );
}

/** Runs `fn` over the items with at most `limit` at once; the first error rejects. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!, i);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

export interface HttpReply {
  status: number;
  body: any;
}

/**
 * A lean JSON client on node:http with a keep-alive agent, for the tests that send thousands of
 * requests: it costs the test process a fraction of what fetch does, which matters when the hub,
 * the workers and the test share two cores. Network failures reject with the socket error
 * (`code` ECONNRESET, ECONNREFUSED, ...).
 */
export class JsonHttp {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  private readonly host: string;
  private readonly port: number;

  constructor(
    baseUrl: string,
    private readonly token: string,
  ) {
    const u = new URL(baseUrl);
    this.host = u.hostname;
    this.port = Number(u.port);
  }

  request(method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<HttpReply> {
    return new Promise<HttpReply>((resolve, reject) => {
      const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const headers: Record<string, string | number> = { authorization: `Bearer ${this.token}` };
      if (data) Object.assign(headers, { 'content-type': 'application/json', 'content-length': data.length });
      const req = http.request(
        { host: this.host, port: this.port, method, path, agent: this.agent, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('aborted', () => reject(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              // not JSON: keep the text
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.setTimeout(timeoutMs, () =>
        req.destroy(Object.assign(new Error(`no answer in ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
      );
      req.on('error', reject);
      req.end(data);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
