import Database from 'better-sqlite3';
import type {
  Backoff,
  ClaimedTask,
  HeartbeatReply,
  Job,
  JobState,
  LeaseRefusal,
  NewJob,
  Result,
  Task,
  TaskCounts,
  TaskState,
  Labels,
  Limit,
  RouteClaim,
  TokenInfo,
  WorkerInfo,
} from '../../types.js';
import type { Changes, CompleteOutcome, DeadTask, JobFilter, NewToken, Store, StoreOptions, StoreStats, StoredToken } from '../store.js';
import { noChanges } from '../store.js';
import { TxBatcher } from './batcher.js';
import { LimitGate } from './limitGate.js';
import { migrate } from './migrate.js';
import { prepareStatements, type Statements } from './statements.js';

type Row = Record<string, any>;

export interface SqliteOptions extends StoreOptions {
  /** `full` fsyncs every commit (survives power loss); `normal` survives a process crash. */
  synchronous?: 'normal' | 'full';
}

/** Public task ids are `<jobId>.<index>`; lease ids are `<task rowid>.<token>`. */
export function taskIdOf(jobId: string, idx: number): string {
  return `${jobId}.${idx}`;
}
function splitTaskId(taskId: string): [string, number] | null {
  const dot = taskId.lastIndexOf('.');
  const idx = Number(taskId.slice(dot + 1));
  if (dot <= 0 || !Number.isInteger(idx) || idx < 0) return null;
  return [taskId.slice(0, dot), idx];
}
function splitLeaseId(leaseId: string): [number, string] | null {
  const dot = leaseId.indexOf('.');
  const id = Number(leaseId.slice(0, dot));
  if (dot <= 0 || !Number.isSafeInteger(id)) return null;
  return [id, leaseId.slice(dot + 1)];
}

function byClaimOrder(a: Row, b: Row): number {
  return b.priority - a.priority || a.run_at - b.run_at || a.id - b.id;
}

function publicState(s: string): TaskState {
  return (s === 'delayed' ? 'queued' : s) as TaskState;
}

function toTask(r: Row): Task {
  return {
    id: taskIdOf(r.job_id, r.idx),
    jobId: r.job_id,
    index: r.idx,
    kind: r.kind,
    seed: r.seed,
    state: publicState(r.state),
    attempt: r.attempt,
    maxAttempts: r.max_attempts,
    priority: r.priority,
    runAt: r.run_at,
    workerId: r.state === 'leased' ? r.worker_id : null,
    leaseExpiresAt: r.state === 'leased' ? r.lease_expires_at : null,
    progress: r.progress == null ? null : JSON.parse(r.progress),
    error: r.error,
    finishedAt: r.finished_at,
  };
}

export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly st: Statements;
  private readonly batch: TxBatcher;
  private seq: number;

  constructor(file: string, private readonly options: SqliteOptions) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
    this.st = prepareStatements(this.db);
    this.batch = new TxBatcher(this.db);
    this.seq = (this.st.maxSeq.get() as Row).m;
  }

  async close(): Promise<void> {
    this.batch.flush();
    this.db.close();
  }

  /** Recomputes the states of these jobs from their tasks, noting the ones that moved. */
  private refresh(jobIds: Iterable<string>, now: number, changes: Changes): void {
    const ids = [...new Set(jobIds)];
    if (ids.length === 0) return;
    for (const r of this.st.refreshJobs.all({ ids: JSON.stringify(ids), now }) as Row[]) {
      changes.jobs.push({ jobId: r.id, state: r.state as JobState });
    }
  }

  private toJob(r: Row): Job {
    const counts: TaskCounts = { queued: 0, leased: 0, succeeded: 0, dead: 0, cancelled: 0 };
    for (const c of this.st.taskCounts.all(r.id) as Row[]) counts[publicState(c.state)] += c.n;
    return {
      id: r.id,
      kind: r.kind,
      input: JSON.parse(r.input),
      state: r.state,
      variants: r.variants,
      priority: r.priority,
      seed: r.seed,
      maxAttempts: r.max_attempts,
      backoff: JSON.parse(r.backoff),
      leaseMs: r.lease_ms,
      requires: r.requires == null ? null : JSON.parse(r.requires),
      key: r.key,
      runAt: r.run_at,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      finishedAt: r.finished_at,
      counts,
      concurrencyKey: r.concurrency_key,
      cacheKey: r.cache_key,
      cachedFrom: r.cached_from,
      enough: r.enough === 1,
    };
  }

  createJob(job: NewJob): Promise<{ job: Job; created: boolean; changes: Changes }> {
    return this.batch.run(() => {
      const changes = noChanges();
      return { ...this.insertJob(job, changes), changes };
    });
  }

  createJobs(jobs: NewJob[]): Promise<{ jobs: Array<{ job: Job; created: boolean }>; changes: Changes }> {
    return this.batch.run(() => {
      const changes = noChanges();
      return { jobs: jobs.map((job) => this.insertJob(job, changes)), changes };
    });
  }

  private insertJob(job: NewJob, changes: Changes): { job: Job; created: boolean } {
    if (job.key !== null) {
      const existing = this.st.jobIdByKey.get({ key: job.key }) as Row | undefined;
      if (existing) return { job: this.toJob(this.st.job.get(existing.id) as Row), created: false };
    }
    const hit =
      job.cacheKey === null
        ? undefined
        : (this.st.cacheHit.get({ cacheKey: job.cacheKey, since: job.cacheTtlMs === null ? 0 : job.createdAt - job.cacheTtlMs }) as Row | undefined);
    this.st.insertJob.run({
      ...job,
      input: JSON.stringify(job.input),
      backoff: JSON.stringify(job.backoff),
      requires: job.requires ? JSON.stringify(job.requires) : null,
      state: hit ? 'succeeded' : 'queued',
      cachedFrom: hit ? hit.id : null,
      finishedAt: hit ? job.createdAt : null,
    });
    if (hit) {
      // A cache hit is born succeeded: the source's results are copied, nothing is dispatched.
      this.st.copyResults.run({ jobId: job.id, from: hit.id, seq: this.seq + 1, now: job.createdAt });
      this.seq += job.variants;
      return { job: this.toJob(this.st.job.get(job.id) as Row), created: true };
    }
    const delayed = job.runAt > job.createdAt;
    for (let idx = 0; idx < job.variants; idx++) {
      this.st.insertTask.run({
        jobId: job.id,
        idx,
        kind: job.kind,
        route: job.route,
        priority: job.priority,
        seed: job.seed + idx,
        state: delayed ? 'delayed' : 'queued',
        runAt: job.runAt,
        maxAttempts: job.maxAttempts,
        leaseMs: job.leaseMs,
        concurrencyKey: job.concurrencyKey,
      });
    }
    if (delayed) changes.nextRunAt = Math.min(changes.nextRunAt ?? Infinity, job.runAt);
    else if (!changes.routes.includes(job.route)) changes.routes.push(job.route);
    return { job: this.toJob(this.st.job.get(job.id) as Row), created: true };
  }

  async getJob(id: string): Promise<Job | null> {
    const row = this.st.job.get(id) as Row | undefined;
    return row ? this.toJob(row) : null;
  }

  async listJobs(filter: JobFilter): Promise<Job[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      where.push(sql);
      params.push(value);
    };
    if (filter.state) add('state = ?', filter.state);
    if (filter.kind) add('kind = ?', filter.kind);
    if (filter.cursor) add('id < ?', filter.cursor);
    // (state?, kind?, cursor?, limit) -> job rows, newest first
    const sql = `SELECT * FROM jobs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, filter.limit) as Row[];
    return rows.map((r) => this.toJob(r));
  }

  async getResults(jobId: string, afterSeq = 0): Promise<Result[]> {
    return (this.st.results.all(jobId, afterSeq) as Row[]).map((r) => ({
      taskId: taskIdOf(jobId, r.idx),
      index: r.idx,
      seed: r.seed,
      output: JSON.parse(r.output),
      finishedAt: r.finished_at,
      seq: r.done_seq,
    }));
  }

  async listTasks(jobId: string): Promise<Task[]> {
    return (this.st.tasksOfJob.all(jobId) as Row[]).map(toTask);
  }

  async getTask(taskId: string): Promise<Task | null> {
    const parts = splitTaskId(taskId);
    const row = parts && (this.st.task.get(parts[0], parts[1]) as Row | undefined);
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
    this.cancelRest(id, error, now, changes);
    this.refresh([id], now, changes);
    return { job: this.toJob(this.st.job.get(id) as Row), changes };
  }

  /** Cancels a job's unfinished tasks; the limited keys among its leases have a slot free again. */
  private cancelRest(jobId: string, error: string, now: number, changes: Changes): void {
    for (const r of this.st.keyedLeases.all({ jobId }) as Row[]) changes.routes.push(r.route);
    this.st.cancelRest.run({ error, now, jobId });
  }

  claim(workerId: string, routes: RouteClaim[], max: number, now: number) {
    return this.batch.run(() => {
      const tasks: ClaimedTask[] = [];
      const changes = noChanges();
      const inputs = new Map<string, unknown>();
      const gate = new LimitGate(this.st, routes, max, now);
      const rows = this.leaseHeads(workerId, gate, max, now);
      for (const r of rows) {
        if (!inputs.has(r.job_id)) inputs.set(r.job_id, JSON.parse((this.st.jobInput.get(r.job_id) as Row).input));
        tasks.push({
          taskId: taskIdOf(r.job_id, r.idx),
          leaseId: `${r.id}.${r.lease_token}`,
          jobId: r.job_id,
          kind: r.kind,
          index: r.idx,
          seed: r.seed,
          attempt: r.attempt,
          input: inputs.get(r.job_id),
          leaseMs: r.lease_ms,
          leaseExpiresAt: r.lease_expires_at,
        });
      }
      gate.consume(rows.map((r) => r.concurrency_key));
      this.refresh(inputs.keys(), now, changes);
      return { tasks, changes, blocked: gate.blocked };
    });
  }

  /**
   * Leases the best `max` ready tasks across the routes the gate allows: higher priority first,
   * then oldest, so no route starves another, and no key beyond its limits. One unlimited route
   * (the common case) is one statement.
   */
  private leaseHeads(workerId: string, gate: LimitGate, max: number, now: number): Row[] {
    const allowed = [...gate.allowed];
    if (allowed.length === 0) return [];
    if (allowed.length === 1 && gate.keyLeft.size === 0) {
      const rows = this.st.claim.all({ now, worker: workerId, route: allowed[0]![0], max }) as Row[];
      return rows.sort(byClaimOrder);
    }
    const heads = allowed.flatMap(([route, n]) => this.st.readyHead.all(route, Math.min(n, max)) as Row[]).sort(byClaimOrder);
    const ids: number[] = [];
    for (const h of heads) {
      if (ids.length >= max) break;
      if (gate.take(h.concurrency_key)) ids.push(h.id);
    }
    if (ids.length === 0) return [];
    return (this.st.leaseIds.all({ now, worker: workerId, ids: JSON.stringify(ids) }) as Row[]).sort(byClaimOrder);
  }

  /** Why an operation on this lease cannot go ahead, or null when the lease matches in `okState`. */
  private refusal(id: number, token: string, okState: string): LeaseRefusal | null {
    const row = this.st.leaseOf.get(id) as Row | undefined;
    if (!row || row.lease_token !== token) return 'lease_lost';
    if (row.state === okState) return null;
    return row.state === 'cancelled' ? 'cancelled' : 'lease_lost';
  }

  heartbeat(leaseIds: string[], now: number): Promise<HeartbeatReply> {
    return this.batch.run(() => {
      const reply: HeartbeatReply = { extended: [], cancelled: [], lost: [] };
      for (const leaseId of leaseIds) {
        const lease = splitLeaseId(leaseId);
        if (lease && this.st.extend.get({ now, id: lease[0], token: lease[1] })) reply.extended.push(leaseId);
        else if (lease && this.refusal(lease[0], lease[1], 'leased') === 'cancelled') reply.cancelled.push(leaseId);
        else reply.lost.push(leaseId);
      }
      return reply;
    });
  }

  progress(leaseId: string, progress: unknown, _now: number) {
    return this.batch.run(() => {
      const lease = splitLeaseId(leaseId);
      if (!lease) return { status: 'lease_lost' as const, jobId: null, taskId: null };
      const row = this.st.progress.get({ progress: JSON.stringify(progress ?? null), id: lease[0], token: lease[1] }) as Row | undefined;
      if (row) return { status: 'ok' as const, jobId: row.job_id as string, taskId: taskIdOf(row.job_id, row.idx) };
      return { status: this.refusal(lease[0], lease[1], 'leased') ?? ('lease_lost' as const), jobId: null, taskId: null };
    });
  }

  complete(items: Array<{ leaseId: string; output: unknown }>, now: number) {
    return this.batch.run(() => {
      const changes = noChanges();
      const leases = items.map((i) => splitLeaseId(i.leaseId));
      const rows = leases.flatMap((l, k) => (l ? [{ id: l[0], token: l[1], output: items[k]!.output ?? null }] : []));
      const positions = leases.flatMap((l, k) => (l ? [k] : []));
      const seq = this.seq + 1;
      const done = new Set<number>();
      for (const r of this.st.complete.all({ items: JSON.stringify(rows), seq, now }) as Row[]) {
        const k = positions[r.done_seq - seq]!;
        done.add(k);
        const result = { taskId: taskIdOf(r.job_id, r.idx), index: r.idx, seed: r.seed, output: items[k]!.output ?? null, finishedAt: now, seq: r.done_seq };
        changes.results.push({ jobId: r.job_id, result });
        if (r.concurrency_key !== null) changes.routes.push(r.route);
      }
      this.seq += rows.length;
      changes.results.sort((a, b) => a.result.seq - b.result.seq);
      // Anything not completed just now was completed before by the same lease (ok) or refused.
      const outcomes: CompleteOutcome[] = items.map(({ leaseId }, k) => {
        const lease = leases[k];
        if (done.has(k)) return { leaseId, status: 'ok' };
        if (!lease) return { leaseId, status: 'lease_lost' };
        return { leaseId, status: this.refusal(lease[0], lease[1], 'succeeded') ?? 'ok' };
      });
      this.refresh(changes.results.map((r) => r.jobId), now, changes);
      return { outcomes, changes };
    });
  }

  /** Retry with backoff while attempts remain and the failure is retryable; otherwise dead. */
  private failTask(r: Row, error: string, retryable: boolean, now: number, changes: Changes): void {
    // The task leaves its lease: a limited key has a slot free for its other tasks.
    if (r.concurrency_key !== null) changes.routes.push(r.route);
    if (retryable && r.attempt < r.max_attempts) {
      const delay = this.options.retryDelay(JSON.parse(r.backoff) as Backoff, r.attempt);
      const runAt = now + delay;
      const state = delay > 0 ? 'delayed' : 'queued';
      this.st.retry.run({ state, runAt, error, id: r.id });
      if (state === 'queued') changes.routes.push(r.route);
      else if (changes.nextRunAt === null || runAt < changes.nextRunAt) changes.nextRunAt = runAt;
    } else {
      this.st.kill.run({ error, now, id: r.id });
      this.cancelRest(r.job_id, `cancelled: variant ${r.idx} failed`, now, changes);
    }
    this.refresh([r.job_id], now, changes);
  }

  fail(leaseId: string, error: string, retryable: boolean, now: number) {
    return this.batch.run(() => {
      const changes = noChanges();
      const lease = splitLeaseId(leaseId);
      const row = lease && (this.st.failing.get(lease[0]) as Row | undefined);
      if (!lease || !row || row.lease_token !== lease[1]) return { status: 'lease_lost' as const, changes };
      if (row.state !== 'leased') return { status: row.state === 'cancelled' ? ('cancelled' as const) : ('lease_lost' as const), changes };
      this.failTask(row, error, retryable, now, changes);
      return { status: 'ok' as const, changes };
    });
  }

  release(leaseIds: string[], now: number) {
    return this.batch.run(() => {
      const changes = noChanges();
      const released: string[] = [];
      for (const leaseId of leaseIds) {
        const lease = splitLeaseId(leaseId);
        const row = lease && (this.st.release.get({ id: lease[0], token: lease[1] }) as Row | undefined);
        if (!row) continue;
        released.push(leaseId);
        changes.routes.push(row.route);
        this.refresh([row.job_id], now, changes);
      }
      return { released, changes };
    });
  }

  reapExpired(now: number, limit: number) {
    return this.batch.run(() => {
      const changes = noChanges();
      const expired = this.st.expired.all(now, limit) as Row[];
      for (const { id } of expired) {
        this.failTask(this.st.failing.get(id) as Row, 'lease expired: the worker stopped heartbeating', true, now, changes);
      }
      return { reaped: expired.length, changes };
    });
  }

  promoteDue(now: number): Promise<Changes> {
    return this.batch.run(() => {
      const changes = noChanges();
      const routes = new Set<string>();
      let n: number;
      do {
        const rows = this.st.promote.all(now, 10_000) as Row[];
        n = rows.length;
        for (const r of rows) routes.add(r.route);
      } while (n === 10_000);
      changes.routes = [...routes];
      return changes;
    });
  }

  async nextDueAt(): Promise<number | null> {
    return (this.st.nextDue.get() as Row).at ?? null;
  }

  async pendingRoutes(): Promise<string[]> {
    return (this.st.pendingRoutes.all() as Row[]).map((r) => r.route);
  }

  async listDead(cursor: string | undefined, limit: number): Promise<DeadTask[]> {
    const below = cursor === undefined ? Number.MAX_SAFE_INTEGER : Number(cursor);
    return (this.st.dead.all(Number.isFinite(below) ? below : 0, limit) as Row[]).map((r) => ({
      ...toTask(r),
      error: r.error ?? '',
      cursor: String(r.id),
    }));
  }

  redrive(taskId: string, now: number) {
    return this.batch.run(() => {
      const changes = noChanges();
      const parts = splitTaskId(taskId);
      const row = parts && (this.st.task.get(parts[0], parts[1]) as Row | undefined);
      if (!row) return { status: 'not_found' as const, changes };
      if (row.state !== 'dead') return { status: 'not_dead' as const, changes };
      this.st.redrive.run({ now, id: row.id });
      changes.routes.push(row.route);
      for (const s of this.st.redriveSiblings.all({ now, jobId: row.job_id }) as Row[]) changes.routes.push(s.route);
      this.refresh([row.job_id], now, changes);
      return { status: 'ok' as const, changes };
    });
  }

  createToken(token: NewToken): Promise<void> {
    return this.batch.run(() => void this.st.insertToken.run(token));
  }

  async getToken(id: string): Promise<StoredToken | null> {
    const r = this.st.token.get(id) as Row | undefined;
    return r ? { ...tokenInfo(r), hash: r.hash } : null;
  }

  async listTokens(): Promise<TokenInfo[]> {
    return (this.st.tokens.all() as Row[]).map(tokenInfo);
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
    return (this.st.workers.all() as Row[]).map((r) => ({
      workerId: r.worker_id,
      name: r.name,
      capabilities: JSON.parse(r.capabilities),
      concurrency: r.concurrency,
      version: r.version,
      firstSeen: r.first_seen,
      lastSeen: r.last_seen,
    }));
  }

  async leasesByWorker(): Promise<Map<string, number>> {
    return new Map((this.st.leasesByWorker.all() as Row[]).map((r) => [r.worker_id, r.n]));
  }

  async knownKinds(): Promise<string[]> {
    return (this.st.kinds.all() as Row[]).map((r) => r.kind);
  }

  sweep(before: number, limit: number): Promise<number> {
    return this.batch.run(() => this.st.sweep.run(before, limit).changes);
  }

  purgeDead(taskId: string | 'all'): Promise<number> {
    return this.batch.run(() => {
      if (taskId === 'all') return this.st.purgeAllDead.run().changes;
      const parts = splitTaskId(taskId);
      return parts ? this.st.purgeJobOfDead.run(parts[0]).changes : 0;
    });
  }

  async listLimits(): Promise<Limit[]> {
    return (this.st.limits.all() as Row[]).map((r) => ({
      key: r.key,
      concurrency: r.concurrency,
      rate: r.rate_count === null ? null : { count: r.rate_count, intervalMs: r.rate_interval_ms },
    }));
  }

  setLimit(limit: Limit, now: number): Promise<void> {
    return this.batch.run(() => {
      const rate = limit.rate;
      this.st.setLimit.run({ key: limit.key, concurrency: limit.concurrency, rateCount: rate?.count ?? null, rateIntervalMs: rate?.intervalMs ?? null, now });
    });
  }

  deleteLimit(key: string): Promise<boolean> {
    return this.batch.run(() => this.st.deleteLimit.run(key).changes > 0);
  }

  reroute(match: string, routeFor: (kind: string, requires: Labels | null, key: string) => string): Promise<Changes> {
    return this.batch.run(() => {
      const changes = noChanges();
      const prefix = match.endsWith('*') ? match.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`) + '%' : null;
      const rows = this.st.keyedWaiting.all({ exact: match, prefix }) as Row[];
      for (const r of rows) {
        const route = routeFor(r.kind, r.requires === null ? null : JSON.parse(r.requires), r.concurrency_key);
        this.st.setRoute.run(route, r.id);
        if (!changes.routes.includes(route)) changes.routes.push(route);
      }
      return changes;
    });
  }

  async stats(): Promise<StoreStats> {
    const tasks = new Map<string, { kind: string; state: string; count: number }>();
    for (const r of this.st.taskStats.all() as Row[]) {
      const state = publicState(r.state);
      const key = `${r.kind}\n${state}`;
      const entry = tasks.get(key) ?? { kind: r.kind, state, count: 0 };
      entry.count += r.n;
      tasks.set(key, entry);
    }
    const jobs: StoreStats['jobs'] = {};
    for (const r of this.st.jobStats.all() as Row[]) jobs[r.state as JobState] = r.n;
    return { tasks: [...tasks.values()], jobs };
  }
}

function tokenInfo(r: Row): TokenInfo {
  return { id: r.id, name: r.name, scope: r.scope, createdAt: r.created_at, revokedAt: r.revoked_at, lastUsedAt: r.last_used_at };
}
