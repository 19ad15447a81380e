import type { Logger } from 'pino';
import type { Changes, Store } from '../store/store.js';
import type { Job } from '../types/jobs.js';
import { isEmptyNotice, type Cluster, type HubNotice } from '../store/cluster.js';
import { BlockedKeys } from './blockedKeys.js';
import { DelayTimer } from './delayTimer.js';
import { HeldHeartbeats } from './heldHeartbeats.js';
import type { JobLimits } from './defaults.js';
import { JobEvents } from './jobEvents.js';
import { Limits } from './limits.js';
import type { BrokerObserver } from './observer.js';
import { Reaper } from './reaper.js';
import { Retention } from './retention.js';
import { parseRoute } from './taskRoutes.js';
import { WorkerRegistry } from './workerRegistry.js';
import { logFailure } from '../store/outage.js';

export interface BrokerOptions extends JobLimits {
  reapIntervalMs: number;
  /** A worker not heard from for this long no longer counts as connected. */
  workerTimeoutMs: number;
  /** Kinds accepted before any worker has offered them. */
  kinds: string[];
  retainSucceededMs: number;
  sweepIntervalMs: number;
}

/** Offers the tasks of routes that became ready to the claims waiting on them. */
export type OfferReady = (routes: Iterable<string>, now: boolean) => void;

/**
 * What the client side (jobBroker.ts) and the worker side (workerBroker.ts) of the broker share:
 * the routing table, the limits, the watchers, the timers, and the one path every committed change
 * takes to routing, waiting claims, watchers and the other hubs on the store.
 */
export class BrokerCore {
  readonly events = new JobEvents();
  readonly workers: WorkerRegistry;
  readonly heldBeats = new HeldHeartbeats();
  readonly limits = new Limits();
  readonly blocked = new BlockedKeys((route) => this.offer([route], false));
  /** Kinds a job may be submitted for: configured, or offered by a worker to some hub. */
  readonly kinds = new Set<string>();
  private readonly reaper: Reaper;
  private readonly delays: DelayTimer;
  private readonly retention: Retention;
  private offer: OfferReady = () => {};
  private closedFlag = false;
  /** Counts wake-ups; each route remembers the last one that named it. */
  private wakeSeq = 0;
  private readonly wokenAt = new Map<string, number>();

  constructor(
    readonly store: Store,
    readonly options: BrokerOptions,
    readonly log: Logger,
    private readonly cluster: Cluster,
    readonly observer: BrokerObserver | null,
  ) {
    this.workers = new WorkerRegistry(options.workerTimeoutMs);
    this.reaper = new Reaper(
      store,
      options.reapIntervalMs,
      (c) => this.apply(c),
      log,
      (n) => this.observer?.reaped(n),
    );
    this.delays = new DelayTimer(store, (c) => this.apply(c), log);
    this.retention = new Retention(store, options.retainSucceededMs, options.sweepIntervalMs, log);
    for (const k of options.kinds) this.kinds.add(k);
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Where woken routes go: the worker side's waiting claims. */
  onReady(offer: OfferReady): void {
    this.offer = offer;
  }

  async start(): Promise<void> {
    for (const route of await this.store.pendingRoutes()) this.workers.addRoute(route);
    for (const kind of await this.store.knownKinds()) this.kinds.add(kind);
    for (const limit of await this.store.listLimits()) this.limits.set(limit);
    this.delays.schedule(await this.store.nextDueAt());
    this.cluster.onNotice((n) => this.applyNotice(n));
    this.cluster.onLeadership((leader) => this.lead(leader));
    this.lead(this.cluster.isLeader);
  }

  private async emitResults(jobId: string): Promise<void> {
    for (const result of await this.store.getResults(jobId)) this.events.emit({ type: 'result', jobId, result });
  }

  /** After notices may have been lost: every pending route, the limits and the watched jobs, read again. */
  private async resync(): Promise<void> {
    this.limits.replace(await this.store.listLimits());
    this.blocked.clear();
    this.wake(await this.store.pendingRoutes());
    this.heldBeats.pokeAll();
    this.delays.schedule(await this.store.nextDueAt());
    for (const jobId of this.events.watchedJobs()) {
      const job = await this.store.getJob(jobId);
      if (!job) continue;
      await this.emitResults(jobId);
      this.events.emit({ type: 'state', jobId, state: job.state });
    }
  }

  /** Only the leader among the hubs on one store reaps leases and sweeps old jobs. */
  private lead(leader: boolean): void {
    if (this.closedFlag) return;
    if (leader) {
      this.reaper.start();
      this.retention.start();
    } else {
      this.reaper.stop();
      this.retention.stop();
    }
  }

  /**
   * Stops timers and answers held heartbeats and watchers; the caller answers its waiting claims,
   * and the store stays open for it to close.
   */
  close(): void {
    this.closedFlag = true;
    this.reaper.stop();
    this.retention.stop();
    this.delays.stop();
    this.blocked.close();
    this.heldBeats.closeAll();
    this.events.closeAll();
  }

  /** Feeds a committed change to routing, waiting claims, watchers, the delay timer and the other hubs. */
  apply(c: Changes, limits: string[] = []): void {
    this.wake(c.routes);
    for (const { jobId, result } of c.results) this.events.emit({ type: 'result', jobId, result });
    for (const { jobId, state } of c.jobs) this.events.emit({ type: 'state', jobId, state });
    this.heldBeats.jobsChanged(c.jobs);
    if (c.nextRunAt !== null) this.delays.schedule(c.nextRunAt);
    if (this.observer && c.jobs.length > 0) this.countEnded(c.jobs);
    const notice: HubNotice = {
      routes: c.routes,
      jobs: c.jobs,
      results: [...new Set(c.results.map((r) => r.jobId))],
      nextRunAt: c.nextRunAt,
      limits,
    };
    if (!isEmptyNotice(notice)) this.cluster.publish(notice);
  }

  private countEnded(jobs: Array<{ state: string }>): void {
    let succeeded = 0;
    let failed = 0;
    for (const j of jobs) {
      if (j.state === 'succeeded') succeeded++;
      else if (j.state === 'failed') failed++;
    }
    if (succeeded > 0) this.observer!.jobsEnded('succeeded', succeeded);
    if (failed > 0) this.observer!.jobsEnded('failed', failed);
  }

  /** Jobs a submit created; a cache hit is born succeeded, with no state change to report it. */
  countCreated(out: Array<{ job: Job; created: boolean }>): void {
    if (!this.observer) return;
    const created = out.filter((o) => o.created);
    if (created.length > 0) this.observer.jobsCreated(created.length);
    this.countEnded(created.map((o) => o.job).filter((j) => j.cachedFrom !== null));
  }

  /** Routes gained ready tasks: offer them to the waiting claims that serve them. */
  wake(routes: string[], now = false): void {
    if (routes.length === 0) return;
    const ready = new Set(routes);
    for (const r of routes) {
      this.workers.addRoute(r);
      const { key } = parseRoute(r);
      if (key === null) continue;
      this.blocked.slotFreed(key);
      // A slot freed under a key serves its tasks of every kind, not only the one that finished.
      for (const other of this.workers.routesOfKey(key)) ready.add(other);
    }
    const seq = ++this.wakeSeq;
    for (const r of ready) this.wokenAt.set(r, seq);
    this.offer(ready, now);
  }

  /** A mark to pass to wokenSince(). */
  get wakeCount(): number {
    return this.wakeSeq;
  }

  /** True when one of the routes was woken after the wake-up `mark` counted. */
  wokenSince(routes: string[], mark: number): boolean {
    return routes.some((r) => (this.wokenAt.get(r) ?? 0) > mark);
  }

  /** Another hub committed a change: the same effects here, reading results only for watched jobs. */
  private async applyNotice(n: HubNotice): Promise<void> {
    try {
      if (n.resync) return await this.resync();
      if (n.limits.length > 0) {
        this.limits.replace(await this.store.listLimits());
        for (const rule of n.limits) this.blocked.forget(rule);
      }
      this.wake(n.routes);
      if (n.nextRunAt !== null) this.delays.schedule(n.nextRunAt);
      // Results before states: a watcher stops at a final state and must have the results by then.
      for (const jobId of n.results) if (this.events.isWatched(jobId)) await this.emitResults(jobId);
      for (const { jobId, state } of n.jobs) this.events.emit({ type: 'state', jobId, state });
      this.heldBeats.jobsChanged(n.jobs);
    } catch (e) {
      logFailure(this.log, e, "applying another hub's change failed; waiting claims still wake on their own timeout");
    }
  }
}
