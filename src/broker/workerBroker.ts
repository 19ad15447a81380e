import { ConflictError } from '../errors.js';
import type { ClaimedTask, HeartbeatReply, WorkerView } from '../types/workers.js';
import type { JobEvent } from '../types/jobs.js';
import type { BrokerCore } from './brokerCore.js';
import { ClaimWaiters, type Waiter } from './claimWaiters.js';
import type { WorkerHello, WorkerRegistry } from './workerRegistry.js';
import { WorkerThroughput } from './workerThroughput.js';
import { logFailure } from '../store/outage.js';
import type { Store } from '../store/store.js';

/**
 * The worker side of the broker: hears from workers, leases them tasks (holding a claim open until
 * one is ready), and takes their heartbeats, progress, results, failures and releases.
 */
export class WorkerBroker {
  readonly store: Store;
  /** The workers connected to this hub, and what they serve. */
  readonly workers: WorkerRegistry;
  private readonly throughput = new WorkerThroughput();
  private readonly waiters: ClaimWaiters;

  constructor(private readonly core: BrokerCore) {
    this.store = core.store;
    this.workers = core.workers;
    this.waiters = new ClaimWaiters(
      async (w) => {
        const routes = this.workers.routesFor(w.workerId);
        const { tasks } = await this.claimNow(w, routes, w.max);
        return { tasks, routes };
      },
      (w) => this.workers.routesFor(w.workerId),
      (tasks) => void this.releaseOrphans(tasks),
      (e) => logFailure(core.log, e, 'waking claims failed'),
    );
    core.onReady((routes, now) => this.waiters.ready(routes, now));
  }

  /** Answers every open long-poll with nothing (shutdown). */
  close(): void {
    this.waiters.closeAll();
  }

  get waitingClaims(): number {
    return this.waiters.size;
  }

  /**
   * How often a worker's last-seen time is written to the store: a third of the time after which it
   * no longer counts as connected, so the other hubs on the store see it connected while it is.
   */
  private get persistEveryMs(): number {
    return this.core.options.workerTimeoutMs / 3;
  }

  /** Records that a worker was heard from, telling the store about new workers and kinds. */
  async hello(hello: WorkerHello): Promise<void> {
    const info = this.workers.seen(hello, Date.now(), this.persistEveryMs);
    if (!info) return;
    for (const c of info.capabilities) this.core.kinds.add(c.kind);
    await this.store.upsertWorker(info);
  }

  private async heardFrom(workerId: string): Promise<void> {
    const info = this.workers.touch(workerId, Date.now(), this.persistEveryMs);
    if (info) await this.store.upsertWorker(info);
  }

  private async claimNow(w: Pick<Waiter, 'workerId' | 'owner'>, routes: string[], max: number) {
    const { workerId, owner } = w;
    if (routes.length === 0 || this.core.closed) return { tasks: [] };
    const claims = routes.map((r) => this.core.limits.claimFor(r));
    const now = Date.now();
    const { tasks, changes, blocked } = await this.store.claim(workerId, claims, max, now, owner);
    this.core.apply(changes);
    this.core.blocked.note(blocked);
    if (tasks.length > 0) {
      this.throughput.add(workerId, tasks.length, now);
      this.workers.claimed(workerId, tasks);
      this.core.observer?.claimed(tasks, now);
    }
    return { tasks };
  }

  /**
   * Leases up to `max` ready tasks, waiting up to `waitMs` for one when none is ready. `owner`, the
   * claiming token, is recorded on the leases: only it may then report on them (leaseAccess.ts).
   */
  async claim(
    hello: WorkerHello,
    max: number,
    waitMs: number,
    signal: AbortSignal,
    owner: string | null = null,
  ): Promise<ClaimedTask[]> {
    await this.hello(hello);
    for (;;) {
      const before = this.core.wakeCount;
      const routes = this.workers.routesFor(hello.workerId);
      const { tasks } = await this.claimNow({ workerId: hello.workerId, owner }, routes, max);
      if (tasks.length > 0 || waitMs <= 0 || this.core.closed || signal.aborted) return tasks;
      // Work that became ready while the claim read the store would wake nobody: look again.
      if (!this.core.wokenSince(this.workers.routesFor(hello.workerId), before)) break;
    }
    return new Promise<ClaimedTask[]>((resolve) => {
      const waiter: Waiter = {
        workerId: hello.workerId,
        owner,
        max,
        resolve: (t) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          this.workers.waiting(hello.workerId, -1);
          this.workers.touch(hello.workerId, Date.now());
          resolve(t);
        },
      };
      const onAbort = () => {
        if (this.waiters.remove(waiter)) waiter.resolve([]);
      };
      const timer = setTimeout(onAbort, waitMs);
      signal.addEventListener('abort', onAbort);
      this.workers.waiting(hello.workerId, 1);
      this.waiters.add(waiter);
    });
  }

  /** Gives back tasks claimed for a request that went away before it could be answered. */
  async releaseOrphans(tasks: ClaimedTask[]): Promise<void> {
    if (tasks.length === 0) return;
    try {
      await this.release(tasks.map((t) => t.leaseId));
    } catch (e) {
      logFailure(this.core.log, e, 'releasing tasks of a closed claim failed; their leases will expire');
    }
  }

  /**
   * Extends leases. Held (`hold.waitMs` > 0): when none is cancelled or lost, answers only once one
   * of `hold.jobIds` changes state (then reading the leases again) or the wait ends, so a worker
   * hears of a cancel at once while the number of lease writes stays one per heartbeat.
   */
  async heartbeat(
    workerId: string | undefined,
    leaseIds: string[],
    hold?: { waitMs: number; jobIds: string[]; signal: AbortSignal },
  ): Promise<HeartbeatReply> {
    if (workerId) await this.heardFrom(workerId);
    if (!hold || hold.waitMs <= 0 || hold.jobIds.length === 0 || this.core.closed) return this.extend(leaseIds);
    const watch = this.core.heldBeats.watch(hold.jobIds);
    const until = Date.now() + hold.waitMs;
    try {
      for (;;) {
        const reply = await this.extend(leaseIds);
        if (reply.cancelled.length > 0 || reply.lost.length > 0) return reply;
        if (!(await watch.next(until - Date.now(), hold.signal))) return reply;
      }
    } finally {
      watch.close();
    }
  }

  private async extend(leaseIds: string[]): Promise<HeartbeatReply> {
    const reply = await this.store.heartbeat(leaseIds, Date.now());
    if (reply.lost.length > 0) this.core.observer?.leasesLost('heartbeat', reply.lost.length);
    return reply;
  }

  async progress(leaseId: string, progress: unknown, partial: unknown): Promise<void> {
    const r = await this.store.progress(leaseId, progress, Date.now());
    if (r.status !== 'ok') {
      this.core.observer?.leasesLost('progress', 1);
      throw leaseRefused(r.status, [leaseId]);
    }
    const event: JobEvent = { type: 'progress', jobId: r.jobId!, taskId: r.taskId!, progress };
    if (partial !== undefined) event.partial = partial;
    this.core.events.emit(event);
  }

  async complete(items: Array<{ leaseId: string; output: unknown }>) {
    const { outcomes, changes } = await this.store.complete(items, Date.now());
    this.core.apply(changes);
    const observer = this.core.observer;
    if (observer) {
      for (const o of outcomes) if (o.status === 'ok') observer.finished(o.leaseId, 'succeeded');
      const lost = outcomes.filter((o) => o.status !== 'ok').length;
      if (lost > 0) observer.leasesLost('complete', lost);
    }
    return outcomes;
  }

  async fail(leaseId: string, error: string, retryable: boolean): Promise<void> {
    const r = await this.store.fail(leaseId, error, retryable, Date.now());
    this.core.apply(r.changes);
    if (r.status !== 'ok') {
      this.core.observer?.leasesLost('fail', 1);
      throw leaseRefused(r.status, [leaseId]);
    }
    this.core.observer?.finished(leaseId, 'failed');
    // A task that died fails its job; one that did not is waiting for its next attempt.
    if (!r.changes.jobs.some((j) => j.state === 'failed')) this.core.observer?.retried(1);
  }

  async release(leaseIds: string[]): Promise<string[]> {
    const r = await this.store.release(leaseIds, Date.now());
    this.core.apply(r.changes);
    return r.released;
  }

  async listWorkers(): Promise<WorkerView[]> {
    const now = Date.now();
    const leases = await this.store.leasesByWorker();
    return (await this.store.listWorkers()).map((w) => {
      const live = this.workers.get(w.workerId);
      const info = live ?? w;
      return {
        ...info,
        connected: this.workers.isConnected(w.workerId, now),
        inFlight: leases.get(w.workerId) ?? 0,
        claimedLast5m: this.throughput.claimed(w.workerId, now, 5),
        claimedLastHour: this.throughput.claimed(w.workerId, now, 60),
      };
    });
  }
}

export function leaseRefused(status: 'lease_lost' | 'cancelled', leaseIds: string[]): ConflictError {
  return status === 'cancelled'
    ? new ConflictError('cancelled', 'the task was cancelled; stop working on it', { leaseIds })
    : new ConflictError(
        'lease_lost',
        'the lease is no longer held (it expired or the task was given to another worker); drop this work',
        { leaseIds },
      );
}
