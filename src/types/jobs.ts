// Jobs, their tasks and results, and what watchers hear of them (the glossary is in ../types.ts).

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

/** Something the broker tells listeners about a job while it runs. */
export type JobEvent =
  | { type: 'result'; jobId: string; result: Result }
  | { type: 'progress'; jobId: string; taskId: string; progress: unknown; partial?: unknown }
  | { type: 'state'; jobId: string; state: JobState };
