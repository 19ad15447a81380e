/**
 * Roost glossary. Code uses only these words.
 *
 * - hub: the server process; owns the store, the HTTP API, the broker.
 * - job: what a client asks for: a `kind`, an `input` (JSON) and options.
 * - task: one claimable unit of a job. A job with `variants: N` has N tasks; task i gets seed `seed + i`.
 * - lease: a worker's time-limited hold on a task, named by a `leaseId` (the fencing token).
 * - attempt: the count of leases a task has had.
 * - result: a task's output; a job's results are its tasks' results in completion order.
 * - worker: a process that pulls tasks; has a `workerId`, a name, capabilities, a concurrency.
 * - capability: a kind a worker handles, with labels; a job's `requires` must be a subset of them.
 * - dead: a task that used up its attempts or failed non-retryably; it can be redriven.
 * - token: a credential with a scope.
 * - concurrency key: a name a job carries (`bot:frank`, `model:gpt2`) that limits apply to.
 * - limit: at most N running tasks and/or N starts per interval for a key, or for each key under a
 *   prefix (`bot:*`).
 * - enough: a client's word that a job has the results it needs; the rest are cancelled.
 * - bot: a module (`defineBot`) the hub runs in its own thread, restarted with backoff when it fails.
 * - schedule: a cron expression with a time zone; runs are computed from it, never from the last run.
 * - feed: a durable append-only stream of items with one cursor per consumer, moved by its acks.
 * - ledger: what a bot has posted, written (key and content hash) before sending, confirmed after.
 * - platform: where bots read and post (the built-in sandbox; real ones later), behind one client
 *   interface.
 * - sandbox: the platform built into the hub: accounts, posts, replies, mentions, asks and likes.
 */

export type Scope = 'admin' | 'client' | 'worker' | 'bot';
export const SCOPES: readonly Scope[] = ['admin', 'client', 'worker', 'bot'];

/** Task states as clients see them. A task waiting for its `runAt` is `queued`. */
export type TaskState = 'queued' | 'leased' | 'succeeded' | 'dead' | 'cancelled';
export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const JOB_STATES: readonly JobState[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
export const TERMINAL_JOB_STATES: ReadonlySet<JobState> = new Set(['succeeded', 'failed', 'cancelled']);

export type Labels = Record<string, string>;

/** Kind names: dotted lower-case words, e.g. `text.markov`. */
export const KIND_PATTERN = '^[a-z][a-z0-9_-]*(\\.[a-z0-9_-]+)*$';

export interface Backoff {
  /** `exponential` doubles the delay each attempt; `fixed` keeps it. */
  type: 'exponential' | 'fixed';
  delayMs: number;
  maxDelayMs: number;
  /** Spreads retries over [delay/2, delay) so failed tasks do not come back in lockstep. */
  jitter: boolean;
}

/** What a client submits. Everything but kind and input has a default. */
export interface JobSpec {
  kind: string;
  input: unknown;
  variants?: number;
  priority?: number;
  /** Epoch milliseconds; `delayMs` is turned into this at submission. */
  runAt?: number;
  delayMs?: number;
  maxAttempts?: number;
  backoff?: Partial<Backoff>;
  leaseMs?: number;
  key?: string;
  requires?: Labels;
  seed?: number;
  /** Tasks sharing a key obey the limits set for it. */
  concurrencyKey?: string;
  /** Reuse the results of an identical succeeded job (kind, input, seed, variants, requires). */
  cache?: boolean | { ttlMs: number };
}

/** A job spec with every default filled in, as the store keeps it. */
export interface NewJob {
  id: string;
  kind: string;
  input: unknown;
  variants: number;
  priority: number;
  runAt: number;
  maxAttempts: number;
  backoff: Backoff;
  leaseMs: number;
  key: string | null;
  requires: Labels | null;
  seed: number;
  createdAt: number;
  concurrencyKey: string | null;
  /** Where its tasks queue: kind, required labels, and the key when a limit applies to it. */
  route: string;
  /** The identity hash when submitted with cache, and how old a reused result may be. */
  cacheKey: string | null;
  cacheTtlMs: number | null;
  /** The id of the token that submitted it; null when the hub itself did (a bot running in it). */
  createdBy?: string | null;
}

export interface TaskCounts {
  queued: number;
  leased: number;
  succeeded: number;
  dead: number;
  cancelled: number;
}

export interface Job extends Omit<NewJob, 'route' | 'cacheTtlMs' | 'createdBy'> {
  /** The id of the token that submitted it; null for the hub's own and for jobs older than the column. */
  createdBy: string | null;
  state: JobState;
  updatedAt: number;
  finishedAt: number | null;
  counts: TaskCounts;
  /** The job whose results this one reused (submitted with cache), or null. */
  cachedFrom: string | null;
  enough: boolean;
}

export interface Rate {
  count: number;
  intervalMs: number;
}

export interface Limit {
  /** An exact key, or a prefix ending in `*` whose limits apply to each matching key on its own. */
  key: string;
  concurrency: number | null;
  rate: Rate | null;
}

/** One route a claim may read, with the limits of the key it carries. */
export interface RouteClaim {
  route: string;
  key: string | null;
  concurrency: number | null;
  rate: Rate | null;
}

/** A route a claim skipped: its key is at its concurrency limit, or out of rate until `until`. */
export interface Blocked {
  route: string;
  key: string;
  reason: 'concurrency' | 'rate';
  until: number | null;
}

export interface Result {
  taskId: string;
  index: number;
  seed: number;
  output: unknown;
  finishedAt: number;
  /** Completion order across the hub; results of one job sort by it. */
  seq: number;
}

export interface Task {
  id: string;
  jobId: string;
  index: number;
  kind: string;
  seed: number;
  state: TaskState;
  attempt: number;
  maxAttempts: number;
  priority: number;
  runAt: number;
  workerId: string | null;
  leaseExpiresAt: number | null;
  progress: unknown;
  error: string | null;
  finishedAt: number | null;
}

/** What a worker receives for each claimed task. */
export interface ClaimedTask {
  taskId: string;
  leaseId: string;
  jobId: string;
  kind: string;
  index: number;
  seed: number;
  attempt: number;
  input: unknown;
  leaseMs: number;
  leaseExpiresAt: number;
  /** When the task became ready to claim (its runAt): the claim's time minus this is its dispatch latency. */
  readyAt: number;
}

export interface Capability {
  kind: string;
  labels: Labels;
}

export interface WorkerInfo {
  workerId: string;
  name: string;
  capabilities: Capability[];
  concurrency: number;
  version: string;
  firstSeen: number;
  lastSeen: number;
}

/** A worker as `GET /v1/workers` shows it: what it said, and what this hub sees of it. */
export interface WorkerView extends WorkerInfo {
  connected: boolean;
  /** Tasks it holds a lease on. */
  inFlight: number;
  /** Tasks it claimed from this hub in the last 5 and 60 minutes. */
  claimedLast5m: number;
  claimedLastHour: number;
}

/** Why a lease operation was refused: the lease is gone, or the task was cancelled under it. */
export type LeaseRefusal = 'lease_lost' | 'cancelled';

export interface HeartbeatReply {
  extended: string[];
  cancelled: string[];
  lost: string[];
}

export interface TokenInfo {
  id: string;
  name: string;
  scope: Scope;
  createdAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
  /** The kinds a worker token may serve; null for any. */
  kinds: string[] | null;
  /** A client token that sees and changes only the jobs it created. */
  ownJobs: boolean;
  /** The bot a bot token acts for (its state, its feeds); null for any bot. */
  bot: string | null;
}

/** Something the broker tells listeners about a job while it runs. */
export type JobEvent =
  | { type: 'result'; jobId: string; result: Result }
  | { type: 'progress'; jobId: string; taskId: string; progress: unknown; partial?: unknown }
  | { type: 'state'; jobId: string; state: JobState };

/** A bot as the hub keeps it, with what `roost bot stats` shows. */
export interface BotInfo {
  name: string;
  /** The module file the hub loads. */
  module: string;
  paused: boolean;
  createdAt: number;
  starts: number;
  /** Starts after a crash, a hang or a failed handler. */
  restarts: number;
  runs: number;
  errors: number;
  lastError: string | null;
  lastErrorAt: number | null;
  lastRunAt: number | null;
  /** The schedule time of the last scheduled run started. */
  lastScheduledAt: number | null;
}

/** One handler run of a bot, as the dashboard lists them. */
export interface BotRun {
  /** onSchedule, onAsk, onMention, onReply, onPost or onStart. */
  handler: string;
  startedAt: number;
  durationMs: number;
  /** Why it failed; null when it succeeded. */
  error: string | null;
}

/** A bot as the API shows it: its stored record, whether it runs, and what its process knows. */
export interface BotView extends BotInfo {
  running: boolean;
  /** The module's cron expression and time zone, and its account; null while it is not running. */
  schedule: string | null;
  timezone: string | null;
  account: string | null;
  /** The accounts whose events it handles; null while it is not running. */
  reads: string[] | null;
  /** Why the hub paused it (bad credentials, a post its platform refused); null when a person paused it or it runs. */
  pausedReason: string | null;
  /** Why it is not started though not paused (its module is missing); it starts once that is fixed. */
  waitingFor: string | null;
  /** When its schedule runs it next; null without a schedule or while it is not running. */
  nextRunAt: number | null;
  /** Posts it made (confirmed in its ledger). */
  postsMade: number;
  /** Its last 20 handler runs, newest first, since the hub started. */
  recentRuns: BotRun[];
}

/** One minute of the dashboard's charts: every hub and kind added up. */
export interface MinutePoint {
  /** Epoch ms of the minute's start. */
  minute: number;
  jobsCreated: number;
  jobsSucceeded: number;
  jobsFailed: number;
  claims: number;
  claimsByKind: Record<string, number>;
  /** Dispatch latency (ready to leased) of the minute's claims; null without claims. */
  dispatchP50Ms: number | null;
  dispatchP99Ms: number | null;
}

export interface FeedItem {
  feed: string;
  seq: number;
  item: unknown;
  createdAt: number;
}

export interface LedgerEntry {
  bot: string;
  /** The post's idempotency key: the same key is never posted twice. */
  key: string;
  /** SHA-256 of the platform, the post it answers and the text. */
  hash: string;
  platform: string;
  state: 'pending' | 'confirmed';
  postId: string | null;
  createdAt: number;
  confirmedAt: number | null;
}

export type BotLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface BotLogLine {
  id: number;
  bot: string;
  at: number;
  level: BotLogLevel;
  msg: string;
  data: unknown;
}

/** A sandbox post: a post, a reply (`replyTo`) or an ask (a question sent to `recipient`). */
export interface SandboxPost {
  id: number;
  type: 'post' | 'ask';
  author: string;
  recipient: string | null;
  replyTo: number | null;
  text: string;
  /** Accounts named with @ in the text. */
  mentions: string[];
  likes: string[];
  key: string | null;
  createdAt: number;
}
