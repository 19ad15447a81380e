import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { HubClient, HubError } from '../client/hubClient.js';
import type { ClaimedTask, HeartbeatReply } from '../types.js';
import { randomText } from '../util/ids.js';
import { VERSION } from '../version.js';
import { isNonRetryable, NonRetryableError, type Handler, type TaskContext } from './handler.js';
import { Reconnect } from './reconnect.js';
import { defaultCacheDir, WorkerArtifacts } from './artifacts.js';

export interface AgentOptions {
  hub: string;
  token: string;
  handlers: Handler[];
  concurrency: number;
  name?: string;
  workerId?: string;
  /** How long each claim may wait at the hub for work. */
  waitMs?: number;
  /** On stop, how long in-flight tasks may run before they are released. */
  graceMs?: number;
  log: Logger;
  /** The local artifact cache: its folder (default: under the system's temp folder) and bound (default 10 GiB). */
  artifactCacheDir?: string | undefined;
  artifactCacheBytes?: number | undefined;
}

interface Running {
  task: ClaimedTask;
  controller: AbortController;
  /** The handler has returned or thrown; its outcome may still be on its way to the hub. */
  done: boolean;
  /** The hub has the outcome (or no longer wants it); the lease is dropped. */
  settled: boolean;
}

/**
 * The worker agent: pulls tasks from the hub over outbound HTTP only, runs them, heartbeats their
 * leases, reports results in batches, and reconnects with jittered backoff when the hub is away.
 */
export class WorkerAgent {
  readonly workerId: string;
  private readonly client: HubClient;
  private readonly handlers: Map<string, Handler>;
  private readonly leases = new Map<string, Running>();
  private readonly reconnect = new Reconnect();
  private readonly claimAbort = new AbortController();
  private stopping = false;
  private stopped: Promise<void> | null = null;
  private slotFreed: (() => void) | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  // A third of the shortest lease held leaves two more chances before it runs out.
  private heartbeatMs = 5000;
  private completions: Array<{ leaseId: string; output: unknown }> = [];
  private flushing: Promise<void> | null = null;

  constructor(private readonly options: AgentOptions) {
    this.workerId = options.workerId ?? `${hostname()}-${randomText(6)}`;
    this.client = new HubClient(options.hub, options.token);
    this.handlers = new Map(options.handlers.map((h) => [h.kind, h]));
    this.artifacts = new WorkerArtifacts(
      this.client,
      options.artifactCacheDir ?? defaultCacheDir(),
      options.artifactCacheBytes ?? 10 * 1024 ** 3,
    );
  }

  /** Shared by every task this worker runs, so they share its cache. */
  readonly artifacts: WorkerArtifacts;

  /**
   * Handlers still running, including those told to stop that have not returned yet: a slot is
   * free only when its handler is, so --concurrency holds even for handlers that ignore aborts.
   */
  private running = 0;
  get busy(): number {
    return this.running;
  }

  /** Initialises the handlers, then claims and runs tasks until stop() is called. */
  async start(): Promise<void> {
    for (const h of this.handlers.values()) await h.init?.();
    this.startHeartbeat();
    const log = this.options.log;
    log.info({ workerId: this.workerId, hub: this.options.hub, kinds: [...this.handlers.keys()] }, 'worker started');
    while (!this.stopping) {
      if (this.busy >= this.options.concurrency) {
        await new Promise<void>((r) => (this.slotFreed = r));
        continue;
      }
      let tasks: ClaimedTask[];
      try {
        tasks = await this.claim(this.options.concurrency - this.busy);
        this.reconnect.succeeded(log);
      } catch (e) {
        if (this.stopping) break;
        // A 4xx other than throttling will not change by retrying (a refused token, a hub that
        // does not accept this worker's capabilities): stop with the hub's reason.
        if (e instanceof HubError && e.status >= 400 && e.status < 500 && e.status !== 408 && e.status !== 429) {
          log.error({ status: e.status, code: e.code, field: e.field }, `the hub refused this worker: ${e.message}`);
          if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
          throw e;
        }
        await this.reconnect.wait(e as Error, log, this.claimAbort.signal);
        continue;
      }
      for (const t of tasks) this.run(t);
    }
  }

  private startHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    // Held, not unref'd: a worker whose handlers wait on nothing the event loop can see (a GPU
    // call in a native addon, a promise that only a cancel settles) must stay up; stop() clears it.
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.heartbeatMs);
  }

  private claim(max: number): Promise<ClaimedTask[]> {
    const waitMs = this.options.waitMs ?? 25_000;
    const body = {
      workerId: this.workerId,
      name: this.options.name ?? hostname(),
      capabilities: [...this.handlers.values()].map((h) => ({ kind: h.kind, labels: h.labels ?? {} })),
      concurrency: this.options.concurrency,
      version: VERSION,
      max,
      waitMs,
    };
    return this.client
      .post<{ tasks: ClaimedTask[] }>('/v1/worker/claim', body, {
        signal: this.claimAbort.signal,
        timeoutMs: waitMs + 15_000,
      })
      .then((r) => r.tasks);
  }

  private run(task: ClaimedTask): void {
    const controller = new AbortController();
    const entry: Running = { task, controller, done: false, settled: false };
    this.leases.set(task.leaseId, entry);
    this.adjustHeartbeat(task.leaseMs);
    // Made when first used: most handlers never log, and a child logger per task costs more than
    // a no-op task itself.
    let taskLog: Logger | null = null;
    const log = () => (taskLog ??= this.options.log.child({ taskId: task.taskId, kind: task.kind }));
    const ctx: TaskContext = {
      taskId: task.taskId,
      jobId: task.jobId,
      index: task.index,
      seed: task.seed,
      attempt: task.attempt,
      signal: controller.signal,
      artifacts: this.artifacts,
      get log() {
        return log();
      },
      progress: (progress, partial) => {
        if (entry.settled) return;
        this.client
          .post('/v1/worker/progress', { leaseId: task.leaseId, progress, partial })
          .catch((e) => log().debug({ err: e }, 'progress not delivered'));
      },
    };
    const handler = this.handlers.get(task.kind);
    this.running++;
    void (async () => {
      try {
        if (!handler) throw new NonRetryableError(`this worker has no handler for kind '${task.kind}'`);
        const output = await handler.run(task.input, ctx);
        if (controller.signal.aborted) return this.settle(entry);
        entry.done = true;
        this.completions.push({ leaseId: task.leaseId, output: output ?? null });
        this.scheduleFlush();
      } catch (e) {
        if (controller.signal.aborted) return this.settle(entry);
        const retryable = !isNonRetryable(e);
        entry.done = true;
        log().warn({ err: e, retryable }, 'task failed');
        await this.report(() =>
          this.client.post('/v1/worker/fail', {
            leaseId: task.leaseId,
            error: String((e as Error)?.message ?? e),
            retryable,
          }),
        );
        this.settle(entry);
      } finally {
        entry.done = true;
        this.running--;
        this.wake();
      }
    })();
  }

  private settle(entry: Running): void {
    entry.done = true;
    entry.settled = true;
    this.leases.delete(entry.task.leaseId);
    this.wake();
  }

  private wake(): void {
    const r = this.slotFreed;
    this.slotFreed = null;
    r?.();
  }

  private adjustHeartbeat(leaseMs: number): void {
    const every = Math.max(200, Math.floor(leaseMs / 3));
    if (every >= this.heartbeatMs) return;
    this.heartbeatMs = every;
    this.startHeartbeat();
  }

  /** Sends an outcome to the hub, retrying while it is unreachable; a 4xx means it no longer wants it. */
  private async report(send: () => Promise<unknown>): Promise<void> {
    for (let tries = 0; ; tries++) {
      try {
        await send();
        return;
      } catch (e) {
        if (e instanceof HubError && e.status >= 400 && e.status < 500) {
          this.options.log.warn({ code: e.code }, `the hub refused a task outcome: ${e.message}`);
          return;
        }
        if (tries >= 20) {
          this.options.log.error(
            { err: e },
            'giving up on reporting a task outcome; the lease will expire and the task will run again',
          );
          return;
        }
        await this.reconnect.wait(e as Error, this.options.log);
      }
    }
  }

  private scheduleFlush(): void {
    if (this.flushing) return;
    this.flushing = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      while (this.completions.length > 0) await this.deliver(this.completions.splice(0, 500));
      this.flushing = null;
    });
  }

  /**
   * Sends results; a batch too large for the hub's body limit is split, and a single result that
   * is too large on its own fails its task for good (retrying would produce it again).
   */
  private async deliver(batch: Array<{ leaseId: string; output: unknown }>): Promise<void> {
    let tooLarge = false;
    await this.report(async () => {
      try {
        await this.client.post('/v1/worker/complete', { results: batch });
      } catch (e) {
        if (!(e instanceof HubError && e.status === 413)) throw e;
        tooLarge = true;
      }
    });
    if (tooLarge && batch.length > 1) {
      const half = Math.ceil(batch.length / 2);
      await this.deliver(batch.slice(0, half));
      await this.deliver(batch.slice(half));
      return;
    }
    if (tooLarge) {
      const error =
        'the output is larger than the hub accepts (its maxBodyBytes); store large outputs elsewhere and return a reference';
      await this.report(() =>
        this.client.post('/v1/worker/fail', { leaseId: batch[0]!.leaseId, error, retryable: false }),
      );
    }
    for (const c of batch) {
      const entry = this.leases.get(c.leaseId);
      if (entry) this.settle(entry);
    }
  }

  private async heartbeat(): Promise<void> {
    const leaseIds = [...this.leases.keys()];
    if (leaseIds.length === 0) return;
    let reply: HeartbeatReply;
    try {
      reply = await this.client.post<HeartbeatReply>('/v1/worker/heartbeat', { workerId: this.workerId, leaseIds });
    } catch (e) {
      this.options.log.warn({ err: (e as Error).message }, 'heartbeat failed; will retry');
      return;
    }
    for (const leaseId of [...reply.cancelled, ...reply.lost]) {
      const entry = this.leases.get(leaseId);
      if (!entry) continue;
      this.options.log.info(
        { taskId: entry.task.taskId },
        reply.cancelled.includes(leaseId) ? 'task cancelled' : 'lease lost',
      );
      entry.controller.abort(new Error(reply.cancelled.includes(leaseId) ? 'cancelled' : 'lease lost'));
      this.settle(entry);
    }
  }

  /**
   * Stops claiming, lets running tasks finish for up to graceMs, then aborts and releases the
   * rest (no attempt counted) and delivers every pending result.
   */
  stop(): Promise<void> {
    return (this.stopped ??= (async () => {
      this.stopping = true;
      this.claimAbort.abort();
      this.wake();
      const deadline = Date.now() + (this.options.graceMs ?? 10_000);
      while (this.busy > 0 && Date.now() < deadline) {
        await new Promise<void>((r) => {
          this.slotFreed = r;
          setTimeout(r, Math.max(0, deadline - Date.now())).unref();
        });
      }
      const left = [...this.leases.values()].filter((r) => !r.done);
      for (const r of left) {
        r.controller.abort(new Error('worker shutting down'));
        this.settle(r);
      }
      if (left.length > 0) {
        await this.report(() => this.client.post('/v1/worker/release', { leaseIds: left.map((r) => r.task.leaseId) }));
        this.options.log.info({ released: left.length }, 'released unfinished tasks');
      }
      while (this.flushing) await this.flushing;
      if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
      this.options.log.info('worker stopped');
    })());
  }
}
