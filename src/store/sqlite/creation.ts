import { ConflictError } from '../../errors.js';
import type { Job, NewJob } from '../../types.js';
import { newJobView } from '../rows.js';
import type { JobRow, TaskRow } from '../rowTypes.js';
import { noChanges, type Changes } from '../store.js';
import { jobsDeleted, type SqliteCore } from './core.js';
import { CountDeltas } from './countDeltas.js';

/**
 * Tasks one transaction of a large batch writes: 1.5-6 ms of the event loop on the loaded test
 * machine (docs/benchmarks.md, "Creating a large batch"). Smaller creations take one transaction.
 */
export const CHUNK_TASKS = 250;

type Created = { job: Job; created: boolean };

/** How a job's row went in: created (a cache hit, with its results copied), or found by its key. */
type Start = { created: true; hit: boolean } | { created: false; id: string };

/** The tasks [from, to) of jobs[k] that one chunk writes; the chunk with from = 0 writes the job. */
interface Piece {
  k: number;
  from: number;
  to: number;
}

/**
 * Job creation on SQLite. Up to CHUNK_TASKS tasks go in one transaction. A larger batch would
 * hold the event loop (one writer, synchronous driver) for as long as its inserts take, so it is
 * written in chunks of separate transactions, yielding between them, as 'staged' rows that no
 * claim, list or count reads. One statement then makes its jobs visible (the seal: before it,
 * nothing of the batch exists; a failure deletes what was staged), and its tasks follow chunk by
 * chunk before the reply. A crash before the seal leaves staged rows that the next start deletes;
 * one after it, staged tasks of visible jobs that the next start shows. Either way the batch is
 * all or none, and a batch that was answered is committed.
 */
export class SqliteCreation {
  constructor(private readonly core: SqliteCore) {}

  create(jobs: NewJob[]): Promise<{ jobs: Created[]; changes: Changes }> {
    if (jobs.reduce((n, j) => n + j.variants, 0) > CHUNK_TASKS) return this.createStaged(jobs);
    return this.core.batch.run(() => {
      const changes = noChanges();
      const counts = new CountDeltas(this.core.st.addCount);
      const created = jobs.map((job) => this.insertWhole(job, changes, counts));
      counts.write();
      return { jobs: created, changes };
    });
  }

  /** At start: finishes or removes the batches a stop cut off; how many jobs of each. */
  settle(now: number): { removed: number; shown: number } {
    return this.core.db.transaction(() => {
      const removed = jobsDeleted(this.core.st.discardAllStaged.all());
      const jobIds = (this.core.st.stagedTaskJobs.all() as Array<Pick<TaskRow, 'job_id'>>).map((r) => r.job_id);
      for (const jobId of jobIds) this.core.st.showTasks.run({ jobId, from: 0, to: Number.MAX_SAFE_INTEGER, now });
      return { removed, shown: jobIds.length };
    })();
  }

  private insertWhole(job: NewJob, changes: Changes, counts: CountDeltas): Created {
    const start = this.start(job, counts, false);
    if (!start.created) return { job: this.jobOf(start.id), created: false };
    if (start.hit) return { job: this.jobOf(job.id), created: true };
    this.insertTasks(job, 0, job.variants, job.runAt > job.createdAt ? 'delayed' : 'queued', counts);
    noteTasks(job, changes);
    // What was just written, without reading it back: creation is the hot path of a producer.
    return { job: newJobView(job), created: true };
  }

  private async createStaged(jobs: NewJob[]): Promise<{ jobs: Created[]; changes: Changes }> {
    const starts: Start[] = new Array<Start>(jobs.length);
    const staged = new Set<string>();
    const chunks = chunksOf(jobs);
    try {
      for (const chunk of chunks) await this.core.batch.run(() => this.stage(jobs, chunk, starts, staged));
      await this.core.batch.run(() => {
        // Another process opening the file (`roost token create --store`) settles what it finds staged.
        if (this.core.st.sealJobs.run({ ids: JSON.stringify([...staged]) }).changes !== staged.size)
          throw new Error('another process opening the store removed this batch before it was complete: send it again');
      });
    } catch (e) {
      // What cannot be removed now (the store is closing) the next start removes.
      await this.discard(jobs, staged).catch(() => undefined);
      throw e;
    }
    const changes = noChanges();
    for (const chunk of chunks) {
      await this.core.batch.run(() => {
        const now = Date.now();
        for (const { k, from, to } of chunk)
          if (starts[k]!.created) this.core.st.showTasks.run({ jobId: jobs[k]!.id, from, to, now });
      });
    }
    return {
      jobs: jobs.map((job, k) => {
        const start = starts[k]!;
        if (!start.created) return { job: this.jobOf(start.id), created: false };
        if (start.hit) return { job: this.jobOf(job.id), created: true };
        noteTasks(job, changes);
        return { job: newJobView(job), created: true };
      }),
      changes,
    };
  }

  private stage(jobs: NewJob[], chunk: Piece[], starts: Start[], staged: Set<string>): void {
    const counts = new CountDeltas(this.core.st.addCount);
    for (const { k, from, to } of chunk) {
      const job = jobs[k]!;
      if (from === 0) {
        starts[k] = this.start(job, counts, true, staged);
        if (starts[k].created) staged.add(job.id);
      }
      const start = starts[k]!;
      if (start.created && !start.hit) this.insertTasks(job, from, to, 'staged', counts);
    }
    counts.write();
  }

  /** Removes a failed batch's staged jobs with their tasks, about a chunk's worth at a time. */
  private async discard(jobs: NewJob[], staged: Set<string>): Promise<void> {
    let part: string[] = [];
    let tasks = 0;
    for (const [k, job] of jobs.entries()) {
      if (staged.has(job.id)) {
        part.push(job.id);
        tasks += job.variants;
      }
      if (part.length > 0 && (tasks >= CHUNK_TASKS || k === jobs.length - 1)) {
        const ids = JSON.stringify(part);
        await this.core.batch.run(() => this.core.st.discardJobs.run({ ids }));
        part = [];
        tasks = 0;
      }
    }
  }

  /**
   * How a job goes in: found by its key, or a cache hit, written here with its copied results;
   * otherwise insertTasks writes it with its first task. `staged` rows wait for their batch's seal.
   * A key taken by another batch still being staged is refused: that job may yet vanish.
   */
  private start(job: NewJob, counts: CountDeltas, staged: boolean, ours?: Set<string>): Start {
    const st = this.core.st;
    if (job.key !== null) {
      const existing = st.jobIdByKey.get({ key: job.key }) as Pick<JobRow, 'id' | 'state'> | undefined;
      if (existing?.state === 'staged' && !ours?.has(existing.id))
        throw new ConflictError(
          'key_being_created',
          `a job with key '${job.key}' is being created by a batch still in progress; send again once it is answered`,
        );
      if (existing) return { created: false, id: existing.id };
    }
    const hit =
      job.cacheKey === null
        ? undefined
        : (st.cacheHit.get({
            cacheKey: job.cacheKey,
            since: job.cacheTtlMs === null ? 0 : job.createdAt - job.cacheTtlMs,
          }) as Pick<JobRow, 'id'> | undefined);
    if (!hit) return { created: true, hit: false };
    // A cache hit is born succeeded: the source's results are copied, nothing is dispatched.
    const state = staged ? 'staged' : 'succeeded';
    this.insertFirst(job, state, state, hit.id, counts);
    st.copyResults.run({ jobId: job.id, from: hit.id, seq: this.core.seq + 1, now: job.createdAt, state });
    counts.add('tasks', job.kind, state, job.variants - 1);
    this.core.seq += job.variants;
    return { created: true, hit: true };
  }

  /**
   * Writes a job with its first task, in one row (migration 017): the task in `state`, the job in
   * `jobState`; a cache hit names the job its results are copied from, and is finished as it is born.
   */
  private insertFirst(
    job: NewJob,
    state: string,
    jobState: string,
    cachedFrom: string | null,
    counts: CountDeltas,
  ): void {
    counts.add('tasks', job.kind, state, 1);
    counts.add('jobs', '', jobState, 1);
    this.core.st.insertJob.run(
      job.id,
      job.kind,
      job.route,
      job.priority,
      job.seed,
      state,
      job.runAt,
      job.maxAttempts,
      job.leaseMs,
      job.concurrencyKey,
      JSON.stringify(job.input),
      jobState,
      job.variants,
      JSON.stringify(job.backoff),
      job.requires ? JSON.stringify(job.requires) : null,
      job.key,
      job.runAt,
      job.createdAt,
      job.createdAt,
      cachedFrom === null ? null : job.createdAt,
      job.cacheKey,
      cachedFrom,
      job.createdBy ?? null,
    );
  }

  /** Writes the tasks [from, to) of a job; the first carries the job's own columns. */
  private insertTasks(job: NewJob, from: number, to: number, state: string, counts: CountDeltas): void {
    const st = this.core.st;
    if (from === 0) this.insertFirst(job, state, state === 'staged' ? 'staged' : 'queued', null, counts);
    if (to > Math.max(from, 1)) counts.add('tasks', job.kind, state, to - Math.max(from, 1));
    for (let idx = Math.max(from, 1); idx < to; idx++) {
      st.insertTask.run(
        job.id,
        idx,
        job.kind,
        job.route,
        job.priority,
        job.seed + idx,
        state,
        job.runAt,
        job.maxAttempts,
        job.leaseMs,
        job.concurrencyKey,
      );
    }
  }

  private jobOf(id: string): Job {
    return this.core.toJob(this.core.st.job.get(id) as JobRow);
  }
}

/** What a created job's tasks mean to the broker: a route to wake, or a time to promote them at. */
function noteTasks(job: NewJob, changes: Changes): void {
  if (job.runAt > job.createdAt) changes.nextRunAt = Math.min(changes.nextRunAt ?? Infinity, job.runAt);
  else if (!changes.routes.includes(job.route)) changes.routes.push(job.route);
}

/** The batch's tasks in chunks of CHUNK_TASKS; a job larger than what is left of a chunk spans several. */
function chunksOf(jobs: NewJob[]): Piece[][] {
  const chunks: Piece[][] = [[]];
  let room = CHUNK_TASKS;
  jobs.forEach((job, k) => {
    let from = 0;
    do {
      if (room === 0) {
        chunks.push([]);
        room = CHUNK_TASKS;
      }
      const to = Math.min(job.variants, from + room);
      chunks.at(-1)!.push({ k, from, to });
      room -= to - from;
      from = to;
    } while (from < job.variants);
  });
  return chunks;
}
