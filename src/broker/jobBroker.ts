import { ConflictError, InputError, NotFoundError } from '../errors.js';
import type { JobEvent, JobSpec, NewJob, Result } from '../types/jobs.js';
import type { Limit } from '../types/limits.js';
import { TERMINAL_JOB_STATES } from '../types/jobs.js';
import { checkBatchSize, toNewJob } from './defaults.js';
import { JobViews, type JobView } from './jobViews.js';
import { routeOf } from './taskRoutes.js';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { mapInTurns, TURN_JOBS } from '../util/inTurns.js';

/**
 * The client side of the broker: submits jobs, answers long-polls on them, cancels, stops early,
 * redrives, and sets the limits their keys run under. Views of jobs come from JobViews.
 */
export class JobBroker extends JobViews {
  readonly store = this.core.store;
  readonly events = this.core.events;
  /** The workers connected to this hub, and what they serve. */
  readonly workers = this.core.workers;
  readonly limits = this.core.limits;

  /**
   * Writes new jobs. The claims waiting on their routes are issued at once, behind the write, which
   * the store runs them after (Store.createJob): a waiting worker gets the new tasks in the create's
   * trip to the disk or the server instead of one of its own. (The wake after the commit finds
   * those waiters answered.)
   */
  private create<T>(jobs: NewJob[], write: () => Promise<T>): Promise<T> {
    const done = write();
    this.core.wake([...new Set(jobs.filter((j) => j.runAt <= j.createdAt).map((j) => j.route))], true);
    return done;
  }

  /** Learns the kinds workers offered to other hubs on this store, before refusing one. */
  private async learnKinds(kinds: Iterable<string>): Promise<void> {
    for (const kind of kinds) {
      if (this.core.kinds.has(kind)) continue;
      for (const k of await this.store.knownKinds()) this.core.kinds.add(k);
      return;
    }
  }

  private checkKind(kind: string, field: string): void {
    if (this.core.kinds.has(kind)) return;
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
    const newJob = toNewJob(spec, this.core.options, this.limits, now, createdBy);
    const { job, created, changes } = await this.create([newJob], () => this.store.createJob(newJob));
    this.core.apply(changes);
    this.core.countCreated([{ job, created }]);
    await this.seeCluster([job], now, 0);
    return { job: this.view(job, now), created };
  }

  /** Submits many jobs in one transaction: all are accepted, or none (the error names the index). */
  async submitBatch(
    specs: JobSpec[],
    createdBy: string | null = null,
  ): Promise<Array<{ job: JobView; created: boolean }>> {
    await this.learnKinds(specs.map((s) => s.kind));
    checkBatchSize(specs.map((s) => s.variants ?? 1));
    const now = Date.now();
    // Built TURN_JOBS a turn, and written in a turn of its own: the request's parse and check took one.
    const jobs = await mapInTurns(specs, TURN_JOBS, (spec, i) => {
      this.checkKind(spec.kind, `jobs.${i}.kind`);
      try {
        return toNewJob(spec, this.core.options, this.limits, now, createdBy);
      } catch (e) {
        if (e instanceof InputError) throw new InputError(`jobs.${i}.${e.field}`, `jobs[${i}]: ${e.message}`);
        throw e;
      }
    });
    if (jobs.length > TURN_JOBS) await nextTurn();
    const r = await this.create(jobs, () => this.store.createJobs(jobs));
    this.core.apply(r.changes);
    this.core.countCreated(r.jobs);
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
    this.core.apply(r.changes);
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
    this.core.blocked.forget(match);
    this.core.apply(changes, [match]);
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
    this.core.apply(r.changes);
    await this.seeCluster([r.job]);
    return this.view(r.job);
  }

  async redrive(taskId: string): Promise<void> {
    const r = await this.store.redrive(taskId, Date.now());
    if (r.status === 'not_found') throw new NotFoundError(`no task with id '${taskId}'`);
    if (r.status === 'not_dead')
      throw new ConflictError('not_dead', `task '${taskId}' is not dead; only dead tasks can be redriven`);
    this.core.apply(r.changes);
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
    if (waitMs <= 0 || this.core.closed) return read();
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
}
