import type { Job, Labels, Limit, NewJob, Result, Task, TokenInfo, WorkerInfo } from '../../types.js';
import type { Changes, DeadTask, JobFilter, NewToken, Store, StoreStats, StoredToken } from '../store.js';
import { noChanges } from '../store.js';
import type { TxBatcher } from './txBatcher.js';
import { SqliteCore, jobsDeleted, type SqliteOptions } from './core.js';
import { SqliteLeases } from './leases.js';
import { splitTaskId, toLimit, toResult, toStats, toTask, toWorker, tokenInfo } from '../rows.js';
import type {
  JobRow,
  KeyedRow,
  KindCountRow,
  LimitRow,
  StateCountRow,
  TaskResultRow,
  TaskRow,
  TokenRow,
  WorkerRow,
} from '../rowTypes.js';
import type { Statements } from './statements.js';
import { jobIdFloor } from '../../util/ids.js';
import { SqliteRollups } from './rollups.js';
import { SqliteCreation } from './creation.js';
import type { CompanionStores } from '../companions.js';
import { sqliteCompanions } from './companions.js';

export type { SqliteOptions } from './core.js';
export { taskIdOf } from '../rows.js';

/**
 * The embedded store: one SQLite file in WAL mode, written only by this hub. Reads run directly;
 * writes go through the per-turn transaction batcher, so a resolved write is committed.
 */
export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  readonly sharedByHubs = false;
  /** Shared with the companion stores, so everything commits through one batcher. */
  readonly core: SqliteCore;
  readonly companions: CompanionStores;
  private readonly st: Statements;
  private readonly batch: TxBatcher;
  private readonly leases: SqliteLeases;
  private readonly rollups: SqliteRollups;
  private readonly creation: SqliteCreation;

  constructor(file: string, options: SqliteOptions) {
    this.core = new SqliteCore(file, options);
    this.companions = sqliteCompanions(this.core);
    this.st = this.core.st;
    this.batch = this.core.batch;
    this.leases = new SqliteLeases(this.core);
    this.rollups = new SqliteRollups(this.core);
    this.creation = new SqliteCreation(this.core);
    const settled = this.creation.settle(Date.now());
    if (settled.removed + settled.shown > 0)
      options.log?.warn(settled, 'finished the batches a stop cut off: removed unsealed jobs, showed the rest');
  }

  async close(): Promise<void> {
    this.batch.flush();
    await this.core.checkpointer.close();
    this.core.db.close();
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

  private toJob(r: JobRow): Job {
    return this.core.toJob(r);
  }

  createJob(job: NewJob): Promise<{ job: Job; created: boolean; changes: Changes }> {
    return this.creation.create([job]).then(({ jobs, changes }) => ({ ...jobs[0]!, changes }));
  }

  createJobs: Store['createJobs'] = (jobs) => this.creation.create(jobs);

  async getJob(id: string): Promise<Job | null> {
    const row = this.st.job.get(id) as JobRow | undefined;
    return row && row.state !== 'staged' ? this.toJob(row) : null;
  }

  async listJobs(filter: JobFilter): Promise<Job[]> {
    const where = ["state <> 'staged'"];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      where.push(sql);
      params.push(value);
    };
    if (filter.state) add('state = ?', filter.state);
    if (filter.kind) add('kind = ?', filter.kind);
    if (filter.concurrencyKey) add('concurrency_key = ?', filter.concurrencyKey);
    if (filter.createdBy) add('created_by = ?', filter.createdBy);
    if (filter.cursor) add('id < ?', filter.cursor);
    if (filter.since !== undefined) add('id >= ?', jobIdFloor(filter.since));
    if (filter.until !== undefined) add('id < ?', jobIdFloor(filter.until));
    // (state?, kind?, concurrencyKey?, cursor?, since?, until?, limit) -> visible job rows, newest first
    const sql = `SELECT * FROM jobs WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`;
    const rows = this.core.db.prepare(sql).all(...params, filter.limit) as JobRow[];
    return rows.map((r) => this.toJob(r));
  }

  async getResults(jobId: string, afterSeq = 0): Promise<Result[]> {
    return (this.st.results.all(jobId, afterSeq) as TaskResultRow[]).map((r) => toResult(jobId, r));
  }

  async listTasks(jobId: string): Promise<Task[]> {
    return (this.st.tasksOfJob.all(jobId) as TaskRow[]).map(toTask);
  }

  async getTask(taskId: string): Promise<Task | null> {
    const parts = splitTaskId(taskId);
    const row = parts && (this.st.task.get(parts[0], parts[1]) as TaskRow | undefined);
    return row ? toTask(row) : null;
  }

  cancelJob(id: string, now: number): Promise<{ job: Job; changes: Changes } | null> {
    return this.batch.run(() => this.stopJob(id, 'cancelled by a client', false, now));
  }

  enough(id: string, now: number): Promise<{ job: Job; changes: Changes } | null> {
    return this.batch.run(() => this.stopJob(id, 'cancelled: the client had enough results', true, now));
  }

  /** Cancels what is left of a job; leased tasks keep their token so their worker hears of it. */
  private stopJob(id: string, error: string, enough: boolean, now: number): { job: Job; changes: Changes } | null {
    if (!this.st.job.get(id)) return null;
    const changes = noChanges();
    if (enough) this.st.markEnough.run({ now, id });
    this.core.cancelRest(id, error, now, changes);
    this.core.refresh([id], now, changes);
    return { job: this.toJob(this.st.job.get(id) as JobRow), changes };
  }

  async nextDueAt(): Promise<number | null> {
    return (this.st.nextDue.get() as { at: number | null }).at ?? null;
  }

  async pendingRoutes(): Promise<string[]> {
    return (this.st.pendingRoutes.all() as Array<Pick<TaskRow, 'route'>>).map((r) => r.route);
  }

  async listDead(cursor: string | undefined, limit: number): Promise<DeadTask[]> {
    const below = cursor === undefined ? Number.MAX_SAFE_INTEGER : Number(cursor);
    return (this.st.dead.all(Number.isFinite(below) ? below : 0, limit) as TaskRow[]).map((r) => ({
      ...toTask(r),
      error: r.error ?? '',
      cursor: String(r.id),
    }));
  }

  createToken(token: NewToken): Promise<void> {
    const kinds = token.kinds ? JSON.stringify(token.kinds) : null;
    const confinement = { kinds, ownJobs: token.ownJobs ? 1 : 0, bot: token.bot ?? null };
    return this.batch.run(() => void this.st.insertToken.run({ ...token, ...confinement }));
  }

  async getToken(id: string): Promise<StoredToken | null> {
    const r = this.st.token.get(id) as TokenRow | undefined;
    return r ? { ...tokenInfo(r), hash: r.hash } : null;
  }

  async listTokens(): Promise<TokenInfo[]> {
    return (this.st.tokens.all() as TokenRow[]).map(tokenInfo);
  }

  revokeToken(id: string, now: number): Promise<boolean> {
    return this.batch.run(() => this.st.revokeToken.run(now, id).changes > 0);
  }

  touchToken(id: string, now: number): Promise<void> {
    return this.batch.run(() => void this.st.touchToken.run(now, id));
  }

  upsertWorker(w: WorkerInfo): Promise<void> {
    return this.batch.run(() => {
      this.st.upsertWorker.run({ ...w, capabilities: JSON.stringify(w.capabilities) });
      for (const c of w.capabilities) this.st.addKind.run(c.kind, w.lastSeen);
    });
  }

  async listWorkers(): Promise<WorkerInfo[]> {
    return (this.st.workers.all() as WorkerRow[]).map(toWorker);
  }

  async leasesByWorker(): Promise<Map<string, number>> {
    return new Map(
      (this.st.leasesByWorker.all() as Array<{ worker_id: string; n: number }>).map((r) => [r.worker_id, r.n]),
    );
  }

  async knownKinds(): Promise<string[]> {
    return (this.st.kinds.all() as Array<{ kind: string }>).map((r) => r.kind);
  }

  sweep(before: number, limit: number): Promise<number> {
    return this.batch.run(() => jobsDeleted(this.st.sweep.all(before, limit)));
  }

  purgeDead(taskId: string): Promise<number> {
    return this.batch.run(() => {
      if (taskId === 'all') return jobsDeleted(this.st.purgeAllDead.all());
      const parts = splitTaskId(taskId);
      return parts ? jobsDeleted(this.st.purgeJobOfDead.all({ jobId: parts[0] })) : 0;
    });
  }

  async listLimits(): Promise<Limit[]> {
    return (this.st.limits.all() as LimitRow[]).map(toLimit);
  }

  setLimit(limit: Limit, now: number): Promise<void> {
    return this.batch.run(() => {
      const rate = limit.rate;
      this.st.setLimit.run({
        key: limit.key,
        concurrency: limit.concurrency,
        rateCount: rate?.count ?? null,
        rateIntervalMs: rate?.intervalMs ?? null,
        now,
      });
    });
  }

  deleteLimit(key: string): Promise<boolean> {
    return this.batch.run(() => this.st.deleteLimit.run(key).changes > 0);
  }

  reroute(match: string, routeFor: (kind: string, requires: Labels | null, key: string) => string): Promise<Changes> {
    return this.batch.run(() => {
      const changes = noChanges();
      const prefix = match.endsWith('*') ? match.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`) + '%' : null;
      const rows = this.st.keyedWaiting.all({ exact: match, prefix }) as KeyedRow[];
      for (const r of rows) {
        const route = routeFor(
          r.kind,
          r.requires === null ? null : (JSON.parse(r.requires) as Labels),
          r.concurrency_key,
        );
        this.st.setRoute.run(route, r.id);
        if (!changes.routes.includes(route)) changes.routes.push(route);
      }
      return changes;
    });
  }

  async stats(): Promise<StoreStats> {
    return toStats(this.st.taskStats.all() as KindCountRow[], this.st.jobStats.all() as StateCountRow[]);
  }

  writeRollups: Store['writeRollups'] = (...a) => this.rollups.write(...a);
  readRollups: Store['readRollups'] = (...a) => this.rollups.read(...a);
  pruneRollups: Store['pruneRollups'] = (...a) => this.rollups.prune(...a);
  jobMinutes: Store['jobMinutes'] = (...a) => this.rollups.jobMinutes(...a);
}
