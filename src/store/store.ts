import type { Logger } from 'pino';
import type { LatencyHistogram } from '../util/latencyHistogram.js';
import type { CompanionStores } from './companions.js';
import type {
  Backoff,
  Blocked,
  ClaimedTask,
  HeartbeatReply,
  Job,
  JobState,
  LeaseRefusal,
  Limit,
  NewJob,
  Result,
  RouteClaim,
  Scope,
  Task,
  TokenInfo,
  WorkerInfo,
  Labels,
} from '../types.js';

/**
 * What a write changed, so the broker can wake claims, answer long-polls and feed event streams
 * without reading the store again.
 */
export interface Changes {
  /** Routes that gained ready tasks. */
  routes: string[];
  /** Jobs whose state moved, with the new state. */
  jobs: Array<{ jobId: string; state: JobState }>;
  /** Results recorded by this write. */
  results: Array<{ jobId: string; result: Result }>;
  /** The earliest runAt of tasks this write delayed, so the broker can set its timer. */
  nextRunAt: number | null;
}

export interface CompleteOutcome {
  leaseId: string;
  /** `ok` also when the same lease completed before: completing twice answers the same. */
  status: 'ok' | LeaseRefusal;
}

export interface JobFilter {
  state?: JobState;
  kind?: string;
  concurrencyKey?: string;
  /** Jobs submitted with this token (a confined client token's view). */
  createdBy?: string;
  /** Jobs created at or after this time (epoch ms). */
  since?: number;
  /** Jobs created before this time (epoch ms). */
  until?: number;
  /** Jobs with ids below this one (ids sort by creation time). */
  cursor?: string;
  limit: number;
}

export interface DeadTask extends Task {
  error: string;
  /** Pass as `cursor` to list the dead tasks after this one. */
  cursor: string;
}

export interface StoreStats {
  /** Task counts per kind and state. */
  tasks: Array<{ kind: string; state: string; count: number }>;
  jobs: Partial<Record<JobState, number>>;
}

/**
 * What one hub counted in one minute: the job counters on the row of kind '' (jobs are not
 * counted per kind), claims and their dispatch latencies (ready to leased) on a row per kind.
 */
export interface RollupRow {
  /** Epoch ms of the minute's start. */
  minute: number;
  /** The hub process that counted: hubs sharing a store, or one restarted within a minute, write rows of their own. */
  hub: string;
  kind: string;
  jobsCreated: number;
  jobsSucceeded: number;
  jobsFailed: number;
  claims: number;
  latency: LatencyHistogram;
}

/** Jobs created, and jobs that ended succeeded or failed, in one minute, by the jobs' own times. */
export interface JobMinute {
  minute: number;
  created: number;
  succeeded: number;
  failed: number;
}

export interface NewToken {
  id: string;
  name: string;
  scope: Scope;
  hash: string;
  createdAt: number;
  /** A worker token confined to these kinds; null for any. */
  kinds?: string[] | null;
  /** A client token confined to the jobs it creates. */
  ownJobs?: boolean;
  /** A bot token confined to this bot; null for any. */
  bot?: string | null;
}

export interface StoredToken extends TokenInfo {
  hash: string;
}

export interface StoreOptions {
  /** How long a failed task waits before its next attempt. */
  retryDelay(backoff: Backoff, attempt: number): number;
  /** Where a store that can lose its server (PostgreSQL) says so, once per outage. */
  log?: Logger;
}

/**
 * Everything the hub keeps, as operations rather than SQL. Each adapter (SQLite, PostgreSQL)
 * implements it; test/contract runs the same suite against each. A promise that resolves means
 * the write is committed ("acknowledged").
 */
export interface Store {
  /** The adapter's name (`sqlite`, `postgres`), for messages. */
  readonly dialect: string;
  /**
   * Whether other hubs may write to this store at the same time (PostgreSQL): what they count but
   * have not written yet is only theirs to write, so rebuilding it waits until they have.
   */
  readonly sharedByHubs: boolean;
  /** The stores on this store's connection (bots, platform accounts, logs...), made by its adapter. */
  readonly companions: CompanionStores;
  close(): Promise<void>;

  /**
   * Creates the job and its tasks; with a `key` already used, returns that job instead. With a
   * cacheKey matching a recent succeeded job, the new job is created succeeded with its results.
   * A claim issued right after a create (or createJobs), in the same event-loop turn, runs behind it
   * and sees the new tasks, sharing its trip to the disk or the server: SQLite commits a turn's
   * writes in one transaction, in the order issued (its batcher); PostgreSQL runs the claim next on
   * the create's connection, right after the create's commit (TurnLane).
   */
  createJob(job: NewJob): Promise<{ job: Job; created: boolean; changes: Changes }>;
  /** createJob for many: all are created (or found by key), or none; answered once all are committed. */
  createJobs(jobs: NewJob[]): Promise<{ jobs: Array<{ job: Job; created: boolean }>; changes: Changes }>;
  getJob(id: string): Promise<Job | null>;
  listJobs(filter: JobFilter): Promise<Job[]>;
  /** Results of a job in completion order, those with seq above `afterSeq` when given. */
  getResults(jobId: string, afterSeq?: number): Promise<Result[]>;
  listTasks(jobId: string): Promise<Task[]>;
  /** Cancels every unfinished task of the job; leased ones are reported to their worker. */
  cancelJob(id: string, now: number): Promise<{ job: Job; changes: Changes } | null>;
  /** Early stop: cancels what is left; the job ends succeeded with the results it has. */
  enough(id: string, now: number): Promise<{ job: Job; changes: Changes } | null>;
  /** Retention: deletes succeeded and cancelled jobs finished before `before`; returns how many. */
  sweep(before: number, limit: number): Promise<number>;
  /** Deletes the job of a dead task (or of every dead task with 'all'); returns jobs deleted. */
  purgeDead(taskId: string): Promise<number>;

  /**
   * Leases up to `max` ready tasks from the given routes, best priority then oldest first, within
   * each route's concurrency and rate limits; routes skipped for their limits come back as blocked.
   */
  claim(
    workerId: string,
    routes: RouteClaim[],
    max: number,
    now: number,
    /** The token claiming: only it may report on the leases (see leaseOwners); null for none. */
    owner?: string | null,
  ): Promise<{ tasks: ClaimedTask[]; changes: Changes; blocked: Blocked[] }>;
  /** The claiming token of each lease that is current (absent: not current, or malformed); null: none recorded. */
  leaseOwners(leaseIds: string[]): Promise<Map<string, string | null>>;
  heartbeat(leaseIds: string[], now: number): Promise<HeartbeatReply>;
  progress(
    leaseId: string,
    progress: unknown,
    now: number,
  ): Promise<{ status: 'ok' | LeaseRefusal; jobId: string | null; taskId: string | null }>;
  complete(
    items: Array<{ leaseId: string; output: unknown }>,
    now: number,
  ): Promise<{ outcomes: CompleteOutcome[]; changes: Changes }>;
  fail(
    leaseId: string,
    error: string,
    retryable: boolean,
    now: number,
  ): Promise<{ status: 'ok' | LeaseRefusal; changes: Changes }>;
  /** Puts leased tasks back without counting an attempt (a worker shutting down). */
  release(leaseIds: string[], now: number): Promise<{ released: string[]; changes: Changes }>;
  /** Requeues (or kills, when out of attempts) tasks whose lease ran out. */
  reapExpired(now: number, limit: number): Promise<{ reaped: number; changes: Changes }>;
  /** Makes delayed tasks whose runAt has come ready. */
  promoteDue(now: number): Promise<Changes>;
  /** The earliest runAt among delayed tasks. */
  nextDueAt(): Promise<number | null>;
  /** Routes that have queued or delayed tasks (the broker's routing table at start). */
  pendingRoutes(): Promise<string[]>;

  listDead(cursor: string | undefined, limit: number): Promise<DeadTask[]>;
  /** A dead task gets fresh attempts; siblings cancelled because of it are queued again. */
  redrive(taskId: string, now: number): Promise<{ status: 'ok' | 'not_found' | 'not_dead'; changes: Changes }>;
  getTask(taskId: string): Promise<Task | null>;

  createToken(token: NewToken): Promise<void>;
  getToken(id: string): Promise<StoredToken | null>;
  listTokens(): Promise<TokenInfo[]>;
  revokeToken(id: string, now: number): Promise<boolean>;
  touchToken(id: string, now: number): Promise<void>;

  upsertWorker(worker: WorkerInfo): Promise<void>;
  listWorkers(): Promise<WorkerInfo[]>;
  /** Worker ids with the number of tasks each holds a lease on. */
  leasesByWorker(): Promise<Map<string, number>>;
  /** Kinds any worker has ever offered. */
  knownKinds(): Promise<string[]>;

  stats(): Promise<StoreStats>;

  /** Writes rollup rows, replacing any with the same minute, hub and kind. */
  writeRollups(rows: RollupRow[]): Promise<void>;
  /** Rollup rows of minutes at or after `since`, oldest first. */
  readRollups(since: number): Promise<RollupRow[]>;
  /** Deletes the rollups of minutes before `before`; returns how many rows went. */
  pruneRollups(before: number): Promise<number>;
  /** Job counts per minute from `since` on, from the jobs kept: what rebuilds rollups a killed hub never wrote. */
  jobMinutes(since: number): Promise<JobMinute[]>;

  listLimits(): Promise<Limit[]>;
  setLimit(limit: Limit, now: number): Promise<void>;
  deleteLimit(key: string): Promise<boolean>;
  /**
   * Moves the queued tasks whose key matches (exactly, or by prefix when it ends in '*') to the
   * route `routeFor` gives, after limits change; returns the routes that gained tasks.
   */
  reroute(match: string, routeFor: (kind: string, requires: Labels | null, key: string) => string): Promise<Changes>;
}

export function noChanges(): Changes {
  return { routes: [], jobs: [], results: [], nextRunAt: null };
}
