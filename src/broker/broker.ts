import type { Logger } from 'pino';
import { ConflictError, InputError, NotFoundError } from '../errors.js';
import type { Changes, Store } from '../store/store.js';
import type {
  Blocked,
  ClaimedTask,
  HeartbeatReply,
  Job,
  JobEvent,
  JobSpec,
  Limit,
  NewJob,
  Result,
  WorkerView,
} from '../types.js';
import { TERMINAL_JOB_STATES } from '../types.js';
import { ClaimWaiters, type Waiter } from './claimWaiters.js';
import { isEmptyNotice, soloCluster, type Cluster, type HubNotice } from './cluster.js';
import { DelayTimer } from './delayTimer.js';
import { HeldHeartbeats } from './heldHeartbeats.js';
import { checkBatchSize, toNewJob, type JobLimits } from './defaults.js';
import { JobEvents } from './jobEvents.js';
import { Limits, ruleCovers } from './limits.js';
import type { BrokerObserver } from './observer.js';
import { Reaper } from './reaper.js';
import { Retention } from './retention.js';
import { parseRoute, routeOf } from './routes.js';
import { StoreWorkers } from './storeWorkers.js';
import { WorkerRegistry, type WorkerHello } from './workerRegistry.js';
import { WorkerThroughput } from './workerThroughput.js';
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

export interface JobView extends Job {
  /** True when the results were reused from an identical succeeded job (submitted with cache). */
  cached: boolean;
  waitingForWorker: boolean;
  /** Why the job's queued tasks wait although a worker could take them: its key's limits. */
  blockedBy: { reason: 'concurrency' | 'rate'; key: string; until: number | null } | null;
}

/**
 * The job broker: routes tasks to workers that pull, holds long-polls open, wakes them the moment
 * work is ready, and turns every committed change into events for watchers.
 */
export class Broker {
  readonly events = new JobEvents();
  readonly workers: WorkerRegistry;
  private readonly waiters: ClaimWaiters;
  private readonly heldBeats = new HeldHeartbeats();
  private readonly storeWorkers: StoreWorkers;
  private readonly reaper: Reaper;
  private readonly delays: DelayTimer;
  private readonly kinds = new Set<string>();
  readonly limits = new Limits();
  readonly throughput = new WorkerThroughput();
  /** Keys a claim found at their limits, until a slot frees or the rate allows again. */
  private readonly blocked = new Map<string, Blocked>();
  private readonly rateWakes = new Map<string, NodeJS.Timeout>();
  private readonly retention: Retention;
  private closed = false;
  /** Counts wake-ups; each route remembers the last one that named it. */
  private wakeSeq = 0;
  private readonly wokenAt = new Map<string, number>();

  constructor(
    readonly store: Store,
    private readonly options: BrokerOptions,
    private readonly log: Logger,
    private readonly cluster: Cluster = soloCluster(),
    private readonly observer: BrokerObserver | null = null,
  ) {
    this.workers = new WorkerRegistry(options.workerTimeoutMs);
    this.storeWorkers = new StoreWorkers(store, options.workerTimeoutMs);
    this.waiters = new ClaimWaiters(
      async (w) => {
        const routes = this.workers.routesFor(w.workerId);
        const { tasks } = await this.claimNow(w, routes, w.max);
        return { tasks, routes };
      },
      (w) => this.workers.routesFor(w.workerId),
      (tasks) => void this.releaseOrphans(tasks),
      (e) => logFailure(this.log, e, 'waking claims failed'),
    );
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
    if (this.closed) return;
    if (leader) {
      this.reaper.start();
      this.retention.start();
    } else {
      this.reaper.stop();
      this.retention.stop();
    }
  }

  /** Stops timers and answers every open long-poll; the store stays open for the caller to close. */
  async close(): Promise<void> {
    this.closed = true;
    this.reaper.stop();
    this.retention.stop();
    this.delays.stop();
    for (const t of this.rateWakes.values()) clearTimeout(t);
    this.waiters.closeAll();
    this.heldBeats.closeAll();
    this.events.closeAll();
  }

  /** Feeds a committed change to routing, waiting claims, watchers, the delay timer and the other hubs. */
  private apply(c: Changes, limits: string[] = []): void {
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
  private countCreated(out: Array<{ job: Job; created: boolean }>): void {
    if (!this.observer) return;
    const created = out.filter((o) => o.created);
    if (created.length > 0) this.observer.jobsCreated(created.length);
    this.countEnded(created.map((o) => o.job).filter((j) => j.cachedFrom !== null));
  }

  /** Routes gained ready tasks: offer them to the waiting claims that serve them. */
  private wake(routes: string[], now = false): void {
    if (routes.length === 0) return;
    const ready = new Set(routes);
    for (const r of routes) {
      this.workers.addRoute(r);
      const { key } = parseRoute(r);
      if (key === null) continue;
      if (this.blocked.get(key)?.reason === 'concurrency') this.blocked.delete(key);
      // A slot freed under a key serves its tasks of every kind, not only the one that finished.
      for (const other of this.workers.routesOfKey(key)) ready.add(other);
    }
    const seq = ++this.wakeSeq;
    for (const r of ready) this.wokenAt.set(r, seq);
    this.waiters.ready(ready, now);
  }

  /**
   * Writes new jobs. The claims waiting on their routes are issued at once, behind the write, which
   * the store runs them after (Store.createJob): a waiting worker gets the new tasks in the create's
   * trip to the disk or the server instead of one of its own. (The wake after the commit finds
   * those waiters answered.)
   */
  private create<T>(jobs: NewJob[], write: () => Promise<T>): Promise<T> {
    const done = write();
    this.wake([...new Set(jobs.filter((j) => j.runAt <= j.createdAt).map((j) => j.route))], true);
    return done;
  }

  /** Another hub committed a change: the same effects here, reading results only for watched jobs. */
  private async applyNotice(n: HubNotice): Promise<void> {
    try {
      if (n.resync) return await this.resync();
      if (n.limits.length > 0) {
        this.limits.replace(await this.store.listLimits());
        for (const rule of n.limits) this.forgetBlocked(rule);
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

  view(job: Job, now = Date.now()): JobView {
    return this.views([job], now)[0]!;
  }

  /** True when an open job has no leased task and no worker connected to this hub serves it. */
  private unservedHere(job: Job, now: number): boolean {
    return (
      !TERMINAL_JOB_STATES.has(job.state) &&
      job.counts.leased === 0 &&
      !this.workers.canServe(job.kind, job.requires, now)
    );
  }

  /**
   * Before views() of these jobs: when this hub's own workers serve none of some job, reads which
   * workers the other hubs on the store have (at most once a second), so that views() answers from
   * the cluster's view; `maxAgeMs` 0 reads afresh (a submit: its answer is the CLI's warning, and a
   * worker may have just appeared). Returns the jobs.
   */
  async seeCluster<T extends Job>(jobs: T[], now = Date.now(), maxAgeMs?: number): Promise<T[]> {
    if (jobs.some((j) => this.unservedHere(j, now))) await this.storeWorkers.fresh(now, maxAgeMs);
    return jobs;
  }

  /**
   * Jobs as clients see them. Whether a connected worker serves a kind is asked once per kind and
   * requires, not once per job (it goes through every worker). A job is waiting for a worker when
   * none of its tasks is leased and no worker connected to any hub on the store serves it (the
   * other hubs' workers as of the last seeCluster()). The jobs are the caller's own, fresh from
   * the store, so they gain their fields in place rather than being copied.
   */
  views(jobs: Job[], now = Date.now()): JobView[] {
    const serves = new Map<string, boolean>();
    return jobs.map((job) => {
      const open = !TERMINAL_JOB_STATES.has(job.state);
      let waitingForWorker = false;
      if (open && job.counts.leased === 0) {
        const what = job.requires === null ? job.kind : `${job.kind}\n${JSON.stringify(job.requires)}`;
        let can = serves.get(what);
        if (can === undefined) {
          can =
            this.workers.canServe(job.kind, job.requires, now) ||
            this.storeWorkers.canServe(job.kind, job.requires, now);
          serves.set(what, can);
        }
        waitingForWorker = !can;
      }
      const b =
        open && job.counts.queued > 0 && job.concurrencyKey !== null ? this.blocked.get(job.concurrencyKey) : undefined;
      const blockedBy =
        b && (b.until === null || b.until > now) ? { reason: b.reason, key: b.key, until: b.until } : null;
      return Object.assign(job, { cached: job.cachedFrom !== null, waitingForWorker, blockedBy });
    });
  }

  /** Learns the kinds workers offered to other hubs on this store, before refusing one. */
  private async learnKinds(kinds: Iterable<string>): Promise<void> {
    for (const kind of kinds) {
      if (this.kinds.has(kind)) continue;
      for (const k of await this.store.knownKinds()) this.kinds.add(k);
      return;
    }
  }

  private checkKind(kind: string, field: string): void {
    if (this.kinds.has(kind)) return;
    throw new InputError(
      field,
      `unknown kind '${kind}': no worker has ever offered it. Start a worker that handles it, ` +
        'or list it under "kinds" in the hub config to accept jobs before any worker connects.',
    );
  }

  /** Submits a job; `createdBy` names the token submitting it (null: the hub itself). */
  async submit(spec: JobSpec, createdBy: string | null = null): Promise<{ job: JobView; created: boolean }> {
    await this.learnKinds([spec.kind]);
    this.checkKind(spec.kind, 'kind');
    const now = Date.now();
    const newJob = { ...toNewJob(spec, this.options, this.limits, now), createdBy };
    const { job, created, changes } = await this.create([newJob], () => this.store.createJob(newJob));
    this.apply(changes);
    this.countCreated([{ job, created }]);
    await this.seeCluster([job], now, 0);
    return { job: this.view(job, now), created };
  }

  /** Submits many jobs in one transaction: all are accepted, or none (the error names the index). */
  async submitBatch(
    specs: JobSpec[],
    createdBy: string | null = null,
  ): Promise<Array<{ job: JobView; created: boolean }>> {
    await this.learnKinds(specs.map((s) => s.kind));
    const now = Date.now();
    const jobs = specs.map((spec, i) => {
      this.checkKind(spec.kind, `jobs.${i}.kind`);
      try {
        return { ...toNewJob(spec, this.options, this.limits, now), createdBy };
      } catch (e) {
        if (e instanceof InputError) throw new InputError(`jobs.${i}.${e.field}`, `jobs[${i}]: ${e.message}`);
        throw e;
      }
    });
    checkBatchSize(jobs.map((j) => j.variants));
    const r = await this.create(jobs, () => this.store.createJobs(jobs));
    this.apply(r.changes);
    this.countCreated(r.jobs);
    const views = this.views(
      await this.seeCluster(
        r.jobs.map((j) => j.job),
        now,
        0,
      ),
      now,
    );
    return r.jobs.map(({ created }, i) => ({ job: views[i]!, created }));
  }

  async enough(jobId: string): Promise<JobView> {
    const r = await this.store.enough(jobId, Date.now());
    if (!r) throw new NotFoundError(`no job with id '${jobId}'`);
    this.apply(r.changes);
    await this.seeCluster([r.job]);
    return this.view(r.job);
  }

  async setLimit(limit: Limit): Promise<void> {
    await this.store.setLimit(limit, Date.now());
    this.limits.set(limit);
    await this.rerouteFor(limit.key);
  }

  async deleteLimit(key: string): Promise<void> {
    if (!(await this.store.deleteLimit(key))) throw new NotFoundError(`no limit for key '${key}'`);
    this.limits.delete(key);
    await this.rerouteFor(key);
  }

  /** Queued tasks under a changed rule move to the queue their key now belongs in. */
  private async rerouteFor(match: string): Promise<void> {
    const changes = await this.store.reroute(match, (kind, requires, key) =>
      routeOf(kind, requires, this.limits.match(key) ? key : null),
    );
    this.forgetBlocked(match);
    this.apply(changes, [match]);
  }

  /** What a claim found under an old rule says nothing about the new one; the next claim decides. */
  private forgetBlocked(rule: string): void {
    for (const key of this.blocked.keys()) if (ruleCovers(rule, key)) this.blocked.delete(key);
  }

  /** Records keys a claim found at their limits; a rate-limited one is retried when it refills. */
  private noteBlocked(blocked: Blocked[]): void {
    for (const b of blocked) {
      this.blocked.set(b.key, b);
      if (b.until === null || this.rateWakes.has(b.route) || this.closed) continue;
      const timer = setTimeout(
        () => {
          this.rateWakes.delete(b.route);
          this.blocked.delete(b.key);
          this.waiters.ready([b.route]);
        },
        Math.max(0, b.until - Date.now()),
      );
      timer.unref();
      this.rateWakes.set(b.route, timer);
    }
  }

  async get(jobId: string): Promise<JobView> {
    const job = await this.store.getJob(jobId);
    if (!job) throw new NotFoundError(`no job with id '${jobId}'`);
    await this.seeCluster([job]);
    return this.view(job);
  }

  async cancel(jobId: string): Promise<JobView> {
    const r = await this.store.cancelJob(jobId, Date.now());
    if (!r) throw new NotFoundError(`no job with id '${jobId}'`);
    this.apply(r.changes);
    await this.seeCluster([r.job]);
    return this.view(r.job);
  }

  async redrive(taskId: string): Promise<void> {
    const r = await this.store.redrive(taskId, Date.now());
    if (r.status === 'not_found') throw new NotFoundError(`no task with id '${taskId}'`);
    if (r.status === 'not_dead')
      throw new ConflictError('not_dead', `task '${taskId}' is not dead; only dead tasks can be redriven`);
    this.apply(r.changes);
  }

  /**
   * Waits until the job is finished or has at least `minResults` results, or `waitMs` passes.
   * Returns the job and all its results.
   */
  async wait(
    jobId: string,
    minResults: number | undefined,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<{ job: JobView; results: Result[] }> {
    // Two reads, and on PostgreSQL commits may land between them: read until the results are the
    // ones the job counts, so a reply never pairs an old state with newer results.
    const read = async () => {
      for (;;) {
        const job = await this.get(jobId);
        const results = await this.store.getResults(jobId);
        if (results.length <= job.counts.succeeded) return { job, results };
      }
    };
    if (waitMs <= 0 || this.closed) return read();
    // Listen before reading, so a change that lands during a read still triggers another read.
    let stop = false;
    let changed = false;
    let wake: (() => void) | null = null;
    const poke = (final: boolean) => {
      stop ||= final;
      changed = true;
      wake?.();
    };
    const unsubscribe = this.events.subscribe(jobId, {
      event: (e: JobEvent) => e.type !== 'progress' && poke(false),
      close: () => poke(true),
    });
    const timer = setTimeout(() => poke(true), waitMs);
    const onAbort = () => poke(true);
    signal?.addEventListener('abort', onAbort);
    try {
      for (;;) {
        changed = false;
        const now = await read();
        const enough =
          TERMINAL_JOB_STATES.has(now.job.state) || (minResults !== undefined && now.results.length >= minResults);
        if (enough || stop) return now;
        if (!changed) await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
    } finally {
      clearTimeout(timer);
      unsubscribe();
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * How often a worker's last-seen time is written to the store: a third of the time after which it
   * no longer counts as connected, so the other hubs on the store see it connected while it is.
   */
  private get persistEveryMs(): number {
    return this.options.workerTimeoutMs / 3;
  }

  /** Records that a worker was heard from, telling the store about new workers and kinds. */
  async hello(hello: WorkerHello): Promise<void> {
    const info = this.workers.seen(hello, Date.now(), this.persistEveryMs);
    if (!info) return;
    for (const c of info.capabilities) this.kinds.add(c.kind);
    await this.store.upsertWorker(info);
  }

  private async heardFrom(workerId: string): Promise<void> {
    const info = this.workers.touch(workerId, Date.now(), this.persistEveryMs);
    if (info) await this.store.upsertWorker(info);
  }

  private async claimNow(w: Pick<Waiter, 'workerId' | 'owner'>, routes: string[], max: number) {
    const { workerId, owner } = w;
    if (routes.length === 0 || this.closed) return { tasks: [] };
    const claims = routes.map((r) => this.limits.claimFor(r));
    const now = Date.now();
    const { tasks, changes, blocked } = await this.store.claim(workerId, claims, max, now, owner);
    this.apply(changes);
    this.noteBlocked(blocked);
    if (tasks.length > 0) {
      this.throughput.add(workerId, tasks.length, now);
      this.workers.claimed(workerId, tasks);
      this.observer?.claimed(tasks, now);
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
      const before = this.wakeSeq;
      const routes = this.workers.routesFor(hello.workerId);
      const { tasks } = await this.claimNow({ workerId: hello.workerId, owner }, routes, max);
      if (tasks.length > 0 || waitMs <= 0 || this.closed || signal.aborted) return tasks;
      // Work that became ready while the claim read the store would wake nobody: look again.
      if (!this.workers.routesFor(hello.workerId).some((r) => (this.wokenAt.get(r) ?? 0) > before)) break;
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
      logFailure(this.log, e, 'releasing tasks of a closed claim failed; their leases will expire');
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
    if (!hold || hold.waitMs <= 0 || hold.jobIds.length === 0 || this.closed) return this.extend(leaseIds);
    const watch = this.heldBeats.watch(hold.jobIds);
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
    if (reply.lost.length > 0) this.observer?.leasesLost('heartbeat', reply.lost.length);
    return reply;
  }

  async progress(leaseId: string, progress: unknown, partial: unknown): Promise<void> {
    const r = await this.store.progress(leaseId, progress, Date.now());
    if (r.status !== 'ok') {
      this.observer?.leasesLost('progress', 1);
      throw leaseRefused(r.status, [leaseId]);
    }
    const event: JobEvent = { type: 'progress', jobId: r.jobId!, taskId: r.taskId!, progress };
    if (partial !== undefined) event.partial = partial;
    this.events.emit(event);
  }

  async complete(items: Array<{ leaseId: string; output: unknown }>) {
    const { outcomes, changes } = await this.store.complete(items, Date.now());
    this.apply(changes);
    if (this.observer) {
      for (const o of outcomes) if (o.status === 'ok') this.observer.finished(o.leaseId, 'succeeded');
      const lost = outcomes.filter((o) => o.status !== 'ok').length;
      if (lost > 0) this.observer.leasesLost('complete', lost);
    }
    return outcomes;
  }

  async fail(leaseId: string, error: string, retryable: boolean): Promise<void> {
    const r = await this.store.fail(leaseId, error, retryable, Date.now());
    this.apply(r.changes);
    if (r.status !== 'ok') {
      this.observer?.leasesLost('fail', 1);
      throw leaseRefused(r.status, [leaseId]);
    }
    this.observer?.finished(leaseId, 'failed');
    // A task that died fails its job; one that did not is waiting for its next attempt.
    if (!r.changes.jobs.some((j) => j.state === 'failed')) this.observer?.retried(1);
  }

  async release(leaseIds: string[]): Promise<string[]> {
    const r = await this.store.release(leaseIds, Date.now());
    this.apply(r.changes);
    return r.released;
  }

  get waitingClaims(): number {
    return this.waiters.size;
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
