import type { Logger } from 'pino';
import type { TaskArtifacts } from './artifacts.js';

/** What a handler gets besides its input while it runs one task. */
export interface TaskContext {
  taskId: string;
  jobId: string;
  /** Which variant of the job this task is (0-based). */
  index: number;
  /** The job's seed plus the variant index: same input and seed give the same output. */
  seed: number;
  /** 1 on the first lease, 2 on the first retry, and so on. */
  attempt: number;
  /** Aborted when the job is cancelled or the worker stops; long handlers should watch it. */
  signal: AbortSignal;
  /**
   * Reports progress (0..1) and optionally a partial output that clients can stream. Resolves once
   * the hub has it (or it could not be delivered: progress is best effort), so a fast producer may
   * hold back its next report until then; awaiting it is never required.
   */
  progress(progress: number, partial?: unknown): void | Promise<void>;
  log: Logger;
  /** Files in and out: `put` returns a reference for an output, `get` a local copy of one (docs/artifacts.md). */
  artifacts: TaskArtifacts;
}

/** A kind of work a worker can do. */
export interface Handler {
  kind: string;
  /** Labels this worker offers for the kind (`model=gpt2`); jobs may require a subset of them. */
  labels?: Record<string, string>;
  /** Several label sets for the one kind (a backend serving several models); replaces `labels`. */
  offers?: Array<Record<string, string>>;
  /** Called once before the worker starts claiming (load a model, train a chain). */
  init?(): Promise<void> | void;
  /** The output, or a promise of it. */
  run(input: unknown, ctx: TaskContext): unknown;
}

/**
 * Thrown by a handler when retrying cannot help (bad input, unsupported options): the task goes
 * dead at once instead of using up its attempts.
 */
export class NonRetryableError extends Error {
  override name = 'NonRetryableError';
}

/** By name as well as by class, so handlers built against another copy of Roost are understood. */
export function isNonRetryable(e: unknown): boolean {
  return e instanceof NonRetryableError || (e as Error | null)?.name === 'NonRetryableError';
}
