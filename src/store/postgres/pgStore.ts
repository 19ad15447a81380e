import type { Job, Labels, Limit, NewJob, Result, Task, TokenInfo, WorkerInfo } from '../../types.js';
import { countTasks, splitTaskId, toJob, toLimit, toResult, toTask, toWorker, tokenInfo } from '../rows.js';
import type {
  JobRow,
  KeyedRow,
  LimitRow,
  StateCountRow,
  TaskResultRow,
  TaskRow,
  TokenRow,
  WorkerRow,
} from '../rowTypes.js';
import type { Changes, DeadTask, JobFilter, NewToken, Store, StoreOptions, StoreStats, StoredToken } from '../store.js';
import { noChanges } from '../store.js';
import { pgTarget } from './connection.js';
import { PgCore, type Query } from './core.js';
import { PgLeases } from './leases.js';
import { migrate } from './migrate.js';
import { jobIdFloor } from '../../util/ids.js';
import { PgRollups } from './rollups.js';
import { PgCounts } from './counts.js';
import { columnLiterals, insertJobs } from './creation.js';
import { TURN_JOBS } from '../../util/inTurns.js';
import type { CompanionStores } from '../companions.js';
import { pgCompanions } from './companions.js';

/**
 * The store for several hubs: one PostgreSQL database (or one schema of it, `?schema=` in the URL).
 * Every write is one transaction or one statement, committed before its promise resolves.
 */
export class PgStore implements Store {
  readonly dialect = 'postgres' as const;
  readonly sharedByHubs = true;
  private readonly leases: PgLeases;
  private readonly rollups: PgRollups;
  private readonly counts: PgCounts;
  readonly companions: CompanionStores;

  private constructor(readonly core: PgCore) {
    this.companions = pgCompanions(core);
    this.leases = new PgLeases(core);
    this.rollups = new PgRollups(core);
    this.counts = new PgCounts(core);
  }

  /** Connects, applies pending migrations and answers once the store is ready. */
  static async open(url: string, options: StoreOptions): Promise<PgStore> {
    const target = pgTarget(url);
    const core = new PgCore(target.pool, options);
    try {
      await migrate(core.pool, target.schema);
    } catch (error) {
      await core.pool.end();
      throw error;
    }
    return new PgStore(core);
  }

  close(): Promise<void> {
    this.counts.close();
    return this.core.pool.end();
  }

  claim: Store['claim'] = (...a) => this.leases.claim(...a);
  leaseOwners: Store['leaseOwners'] = (...a) => this.leases.leaseOwners(...a);
  heartbeat: Store['heartbeat'] = (...a) => this.leases.heartbeat(...a);
  progress: Store['progress'] = (...a) => this.leases.progress(...a);
  complete: Store['complete'] = (...a) => this.leases.complete(...a);
  fail: Store['fail'] = (...a) => this.leases.fail(...a);
  release: Store['release'] = (...a) => this.leases.release(...a);
  reapExpired: Store['reapExpired'] = (...a) => this.leases.reapExpired(...a);
  promoteDue: Store['promoteDue'] = (...a) => this.leases.promoteDue(...a);
  redrive: Store['redrive'] = (...a) => this.leases.redrive(...a);

  /** Job rows with their task counts, read in one statement for all of them. */
  private async toJobs(q: Query, rows: JobRow[]): Promise<Job[]> {
    if (rows.length === 0) return [];
    const byJob = new Map<string, StateCountRow[]>();
    for (const c of (await q<StateCountRow & { job_id: string }>('taskCounts', [rows.map((r) => r.id)])).rows)
      byJob.set(c.job_id, [...(byJob.get(c.job_id) ?? []), c]);
    return rows.map((r) => toJob(r, countTasks(byJob.get(r.id) ?? [])));
  }

  private async jobById(q: Query, id: string): Promise<Job | null> {
    const [job] = await this.toJobs(q, (await q<JobRow>('job', [id])).rows);
    return job ?? null;
  }

  async createJob(job: NewJob): Promise<{ job: Job; created: boolean; changes: Changes }> {
    const { jobs, changes } = await this.createJobs([job]);
    return { ...jobs[0]!, changes };
  }

  async createJobs(jobs: NewJob[]): Promise<{ jobs: Array<{ job: Job; created: boolean }>; changes: Changes }> {
    // A large batch is bound in turns first; a claim issued behind it then waits for its wake-up.
    const cols = jobs.length > TURN_JOBS ? await columnLiterals(jobs) : undefined;
    const inserted = await insertJobs(this.core.first, jobs, cols);
    // Keys already taken (perhaps by another hub a moment ago): those jobs answer, read after the commit.
    const taken = [...new Set(jobs.flatMap((j, k) => (inserted.jobs[k] === null ? [j.key!] : [])))];
    const byKey = new Map<string, Job>();
    if (taken.length > 0)
      for (const job of await this.toJobs(this.core.q, (await this.core.q<JobRow>('jobsByKey', [taken])).rows))
        byKey.set(job.key!, job);
    const out = jobs.map((j, k) => {
      const job = inserted.jobs[k];
      return job ? { job, created: true } : { job: byKey.get(j.key!)!, created: false };
    });
    return { jobs: out, changes: inserted.changes };
  }

  getJob(id: string): Promise<Job | null> {
    return this.jobById(this.core.q, id);
  }

  async listJobs(filter: JobFilter): Promise<Job[]> {
    const { state, kind, cursor, concurrencyKey, createdBy, since, until } = filter;
    const range = [since === undefined ? null : jobIdFloor(since), until === undefined ? null : jobIdFloor(until)];
    const { rows } = await this.core.q<JobRow>('listJobs', [
      state ?? null,
      kind ?? null,
      cursor ?? null,
      filter.limit,
      concurrencyKey ?? null,
      ...range,
      createdBy ?? null,
    ]);
    return this.toJobs(this.core.q, rows);
  }

  async getResults(jobId: string, afterSeq = 0): Promise<Result[]> {
    return (await this.core.q<TaskResultRow>('results', [jobId, afterSeq])).rows.map((r) => toResult(jobId, r));
  }

  async listTasks(jobId: string): Promise<Task[]> {
    return (await this.core.q<TaskRow>('tasksOfJob', [jobId])).rows.map(toTask);
  }

  async getTask(taskId: string): Promise<Task | null> {
    const parts = splitTaskId(taskId);
    const row = parts && (await this.core.q<TaskRow>('task', parts)).rows[0];
    return row ? toTask(row) : null;
  }

  cancelJob(id: string, now: number): Promise<{ job: Job; changes: Changes } | null> {
    return this.stopJob(id, 'cancelled by a client', false, now);
  }

  enough(id: string, now: number): Promise<{ job: Job; changes: Changes } | null> {
    return this.stopJob(id, 'cancelled: the client had enough results', true, now);
  }

  /** Cancels what is left of a job; leased tasks keep their token so their worker hears of it. */
  private stopJob(
    id: string,
    error: string,
    enough: boolean,
    now: number,
  ): Promise<{ job: Job; changes: Changes } | null> {
    return this.core.tx(async (q) => {
      if ((await q('lockJobs', [[id]])).rowCount === 0) return null;
      const changes = noChanges();
      if (enough) await q('markEnough', [now, id]);
      await this.core.cancelRest(q, id, error, now, changes);
      await this.core.refresh(q, [id], now, changes);
      return { job: (await this.jobById(q, id))!, changes };
    });
  }

  async nextDueAt(): Promise<number | null> {
    return (await this.core.q<{ at: number | null }>('nextDue')).rows[0]!.at ?? null;
  }

  async pendingRoutes(): Promise<string[]> {
    return (await this.core.q<Pick<TaskRow, 'route'>>('pendingRoutes')).rows.map((r) => r.route);
  }

  async listDead(cursor: string | undefined, limit: number): Promise<DeadTask[]> {
    const below = cursor === undefined ? Number.MAX_SAFE_INTEGER : Number(cursor);
    const { rows } = await this.core.q<TaskRow>('dead', [Number.isSafeInteger(below) ? below : 0, limit]);
    return rows.map((r) => ({ ...toTask(r), error: r.error ?? '', cursor: String(r.id) }));
  }

  async createToken(t: NewToken): Promise<void> {
    const kinds = t.kinds ? JSON.stringify(t.kinds) : null;
    await this.core.q('insertToken', [
      t.id,
      t.name,
      t.scope,
      t.hash,
      t.createdAt,
      kinds,
      t.ownJobs ?? false,
      t.bot ?? null,
    ]);
  }

  async getToken(id: string): Promise<StoredToken | null> {
    const [r] = (await this.core.q<TokenRow>('token', [id])).rows;
    return r ? { ...tokenInfo(r), hash: r.hash } : null;
  }

  async listTokens(): Promise<TokenInfo[]> {
    return (await this.core.q<TokenRow>('tokens')).rows.map(tokenInfo);
  }

  async revokeToken(id: string, now: number): Promise<boolean> {
    return ((await this.core.q('revokeToken', [now, id])).rowCount ?? 0) > 0;
  }

  async touchToken(id: string, now: number): Promise<void> {
    await this.core.q('touchToken', [now, id]);
  }

  async upsertWorker(w: WorkerInfo): Promise<void> {
    const kinds = w.capabilities.map((c) => c.kind);
    await this.core.q('upsertWorker', [
      w.workerId,
      w.name,
      JSON.stringify(w.capabilities),
      w.concurrency,
      w.version,
      w.firstSeen,
      w.lastSeen,
      kinds,
    ]);
  }

  async listWorkers(): Promise<WorkerInfo[]> {
    return (await this.core.q<WorkerRow>('workers')).rows.map(toWorker);
  }

  async leasesByWorker(): Promise<Map<string, number>> {
    return new Map(
      (await this.core.q<{ worker_id: string; n: number }>('leasesByWorker')).rows.map((r) => [r.worker_id, r.n]),
    );
  }

  async knownKinds(): Promise<string[]> {
    return (await this.core.q<{ kind: string }>('kinds')).rows.map((r) => r.kind);
  }

  async sweep(before: number, limit: number): Promise<number> {
    return (await this.core.q<{ n: number }>('sweep', [before, limit])).rows[0]!.n;
  }

  async purgeDead(taskId: string): Promise<number> {
    if (taskId === 'all') return (await this.core.q<{ n: number }>('purgeAllDead')).rows[0]!.n;
    const parts = splitTaskId(taskId);
    return parts ? (await this.core.q<{ n: number }>('purgeJobOfDead', [parts[0]])).rows[0]!.n : 0;
  }

  async listLimits(): Promise<Limit[]> {
    return (await this.core.q<LimitRow>('limits')).rows.map(toLimit);
  }

  async setLimit(limit: Limit, now: number): Promise<void> {
    await this.core.q('setLimit', [
      limit.key,
      limit.concurrency,
      limit.rate?.count ?? null,
      limit.rate?.intervalMs ?? null,
      now,
    ]);
  }

  async deleteLimit(key: string): Promise<boolean> {
    return ((await this.core.q('deleteLimit', [key])).rowCount ?? 0) > 0;
  }

  reroute(match: string, routeFor: (kind: string, requires: Labels | null, key: string) => string): Promise<Changes> {
    return this.core.tx(async (q) => {
      const changes = noChanges();
      const prefix = match.endsWith('*') ? match.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`) + '%' : null;
      const rows = (await q<KeyedRow>('keyedWaiting', [match, prefix])).rows;
      const routes = rows.map((r) =>
        routeFor(r.kind, r.requires === null ? null : (JSON.parse(r.requires) as Labels), r.concurrency_key),
      );
      if (rows.length > 0) await q('setRoutes', [rows.map((r) => r.id), routes]);
      for (const route of routes) if (!changes.routes.includes(route)) changes.routes.push(route);
      return changes;
    });
  }

  async stats(): Promise<StoreStats> {
    return this.counts.read();
  }

  writeRollups: Store['writeRollups'] = (...a) => this.rollups.write(...a);
  readRollups: Store['readRollups'] = (...a) => this.rollups.read(...a);
  pruneRollups: Store['pruneRollups'] = (...a) => this.rollups.prune(...a);
  jobMinutes: Store['jobMinutes'] = (...a) => this.rollups.jobMinutes(...a);
}
