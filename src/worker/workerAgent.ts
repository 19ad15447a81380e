import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { HubClient, HubError } from '../client/hubClient.js';
import type { ClaimedTask, HeartbeatReply } from '../types/workers.js';
import { randomText } from '../util/ids.js';
import { VERSION } from '../version.js';
import { isNonRetryable, NonRetryableError, type Handler, type TaskContext } from './handler.js';
import { Heartbeats } from './heartbeats.js';
import { OutcomeReporter } from './outcomeReporter.js';
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
  /** When it was claimed. */
  since: number;
}

/** The most held hashes a claim reports (docs/pipelines.md, placement). */
const MAX_HOLDS = 1000;
/**
 * The worker agent: pulls tasks from the hub over outbound HTTP only, runs them, heartbeats their
 * leases, reports results in batches, and reconnects with jittered backoff when the hub is away.
 *
 * A lease is held from its claim until the hub has its outcome, and the worker holds at most twice
 * its concurrency (at most `concurrency` running, the rest finished and not yet delivered): when
 * the hub takes claims but not results, the worker stops rather than running ahead of what it can
 * report. Claims, outcomes and heartbeats back off separately, and whichever reaches the hub first
 * wakes the others, so results parked during an outage go out as soon as the hub answers again.
 */
export class WorkerAgent {
  readonly workerId: string;
  private readonly client: HubClient;
  private readonly handlers: Map<string, Handler>;
  private readonly leases = new Map<string, Running>();
  private readonly claimRetry = new Reconnect('claims');
  private readonly claimAbort = new AbortController();
  private stopping = false;
  private stopped: Promise<void> | null = null;
  private slotFreed: (() => void) | null = null;
  private heartbeats: Heartbeats | null = null;
  private readonly outcomes: OutcomeReporter;

  constructor(private readonly options: AgentOptions) {
    this.workerId = options.workerId ?? `${hostname()}-${randomText(6)}`;
    this.client = new HubClient(options.hub, options.token);
    this.handlers = new Map(options.handlers.map((h) => [h.kind, h]));
    this.outcomes = new OutcomeReporter(
      this.client,
      options.log,
      () => this.hubAnswered(),
      (leaseId) => {
        const entry = this.leases.get(leaseId);
        if (entry) this.settle(entry);
      },
    );
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

  /** How many tasks the next claim may take: free handler slots, within the bound on leases held. */
  private room(): number {
    const c = this.options.concurrency;
    return Math.min(c - this.running, 2 * c - this.leases.size);
  }

  /** Leases held: running, or finished with the outcome not yet delivered. */
  get held(): number {
    return this.leases.size;
  }

  /** A request reached the hub: retries waiting on the others go now. */
  private hubAnswered(): void {
    this.outcomes.wake();
    this.claimRetry.wake();
    this.heartbeats?.wake();
  }

  /** Initialises the handlers, then claims and runs tasks until stop() is called. */
  async start(): Promise<void> {
    for (const h of this.handlers.values()) await h.init?.();
    const log = this.options.log;
    this.heartbeats = new Heartbeats(
      this.client,
      this.workerId,
      () =>
        [...this.leases.values()].map((r) => ({
          leaseId: r.task.leaseId,
          jobId: r.task.jobId,
          since: r.since,
          running: !r.done,
        })),
      (reply) => this.onHeartbeat(reply),
      () => this.hubAnswered(),
      log,
    );
    log.info({ workerId: this.workerId, hub: this.options.hub, kinds: [...this.handlers.keys()] }, 'worker started');
    while (!this.stopping) {
      const room = this.room();
      if (room <= 0) {
        await new Promise<void>((r) => (this.slotFreed = r));
        continue;
      }
      let tasks: ClaimedTask[];
      try {
        tasks = await this.claim(room);
        this.claimRetry.succeeded(log);
        this.hubAnswered();
      } catch (e) {
        if (this.stopping) break;
        // A 4xx other than throttling will not change by retrying (a refused token, a hub that
        // does not accept this worker's capabilities): stop with the hub's reason.
        if (e instanceof HubError && e.status >= 400 && e.status < 500 && e.status !== 408 && e.status !== 429) {
          log.error({ status: e.status, code: e.code, field: e.field }, `the hub refused this worker: ${e.message}`);
          await this.heartbeats.stop();
          throw e;
        }
        await this.claimRetry.wait(e as Error, log, this.claimAbort.signal);
        continue;
      }
      for (const t of tasks) this.run(t);
    }
  }

  private async claim(max: number): Promise<ClaimedTask[]> {
    const waitMs = this.options.waitMs ?? 25_000;
    // The hashes it holds, newest first, so pipelines offer a step to the worker holding its inputs.
    const holds = (await this.artifacts.cache.hashes()).slice(-MAX_HOLDS).reverse();
    const body = {
      workerId: this.workerId,
      name: this.options.name ?? hostname(),
      capabilities: [...this.handlers.values()].flatMap((h) =>
        (h.offers ?? [h.labels ?? {}]).map((labels) => ({ kind: h.kind, labels })),
      ),
      concurrency: this.options.concurrency,
      version: VERSION,
      max,
      waitMs,
      ...(holds.length > 0 ? { holds } : {}),
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
    const entry: Running = { task, controller, done: false, settled: false, since: Date.now() };
    this.leases.set(task.leaseId, entry);
    this.heartbeats?.adjust(task.leaseMs);
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
      progress: async (progress, partial) => {
        if (entry.settled) return;
        await this.client
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
        this.outcomes.complete(task.leaseId, output ?? null);
      } catch (e) {
        if (controller.signal.aborted) return this.settle(entry);
        const retryable = !isNonRetryable(e);
        entry.done = true;
        log().warn({ err: e, retryable }, 'task failed');
        await this.outcomes.fail(task.leaseId, String((e as Error)?.message ?? e), retryable);
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

  private onHeartbeat(reply: HeartbeatReply): void {
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
      const graceMs = this.options.graceMs ?? 10_000;
      const deadline = Date.now() + graceMs;
      this.outcomes.giveUpAfter(deadline + graceMs);
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
        await this.outcomes.release(left.map((r) => r.task.leaseId));
        this.options.log.info({ released: left.length }, 'released unfinished tasks');
      }
      await this.outcomes.drain();
      await this.heartbeats?.stop();
      this.options.log.info('worker stopped');
    })());
  }
}
