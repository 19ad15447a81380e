import { InputError } from '../errors.js';
import type { JobSpec, NewJob } from '../types/jobs.js';
import { jobId } from '../util/ids.js';
import { DEFAULT_BACKOFF } from '../util/backoff.js';
import { cacheKeyOf } from './cacheKey.js';
import type { Limits } from './limits.js';
import { routeOf } from './taskRoutes.js';

/**
 * Tasks one request may create (variants summed over a batch's jobs): 1000 jobs of 1000 variants
 * held the hub 3.5 s. SQLite writes a large batch in chunks that yield to other work (store/sqlite/
 * creation.ts), but the request's parsing, checks and reply still grow with it (bench/batchBlock.ts).
 */
export const MAX_TASKS_PER_REQUEST = 10_000;

/** Refuses a batch whose jobs ask for more tasks than one request may create, naming the field. */
export function checkBatchSize(variants: number[]): void {
  const tasks = variants.reduce((n, v) => n + v, 0);
  if (tasks > MAX_TASKS_PER_REQUEST) {
    throw new InputError(
      'jobs',
      `the batch asks for ${tasks} tasks (variants summed over its jobs); one request may create at most ${MAX_TASKS_PER_REQUEST}: split it`,
    );
  }
}

export interface JobLimits {
  maxVariants: number;
  defaultLeaseMs: number;
  defaultMaxAttempts: number;
}

/**
 * Fills a submitted spec's defaults. The HTTP schema has already checked types and ranges; this
 * checks what depends on more than one field. `createdBy` goes into the one literal: a copy with it
 * spread in cost a large batch 0.6 KB a job, held for the whole batch.
 */
export function toNewJob(
  spec: JobSpec,
  limits: JobLimits,
  keyLimits: Limits,
  now: number,
  createdBy: string | null = null,
): NewJob {
  const variants = spec.variants ?? 1;
  if (variants > limits.maxVariants) {
    throw new InputError(
      'variants',
      `variants is ${variants}; this hub allows at most ${limits.maxVariants} (config maxVariants)`,
    );
  }
  if (spec.runAt !== undefined && spec.delayMs !== undefined) {
    throw new InputError('delayMs', 'give either runAt or delayMs, not both');
  }
  const backoff = spec.backoff ? { ...DEFAULT_BACKOFF, ...spec.backoff } : DEFAULT_BACKOFF;
  if (backoff.maxDelayMs < backoff.delayMs) {
    throw new InputError('backoff.maxDelayMs', 'backoff.maxDelayMs must be at least backoff.delayMs');
  }
  // PostgreSQL text cannot hold U+0000: refused here, for every caller (HTTP, bots) on every store alike.
  for (const field of ['key', 'concurrencyKey'] as const) {
    if (spec[field]?.includes('\u0000')) throw new InputError(field, `${field} must not contain a NUL character`);
  }
  const requires = spec.requires && Object.keys(spec.requires).length > 0 ? spec.requires : null;
  // A cached job without a seed gets seed 0: a random seed would make every submission unique.
  const seed = spec.seed ?? (spec.cache ? 0 : Math.floor(Math.random() * 2 ** 31));
  const concurrencyKey = spec.concurrencyKey ?? null;
  const cacheKey = spec.cache
    ? cacheKeyOf({ kind: spec.kind, input: spec.input ?? null, seed, variants, requires })
    : null;
  return {
    id: jobId(now),
    kind: spec.kind,
    input: spec.input ?? null,
    variants,
    priority: spec.priority ?? 0,
    runAt: spec.runAt ?? now + (spec.delayMs ?? 0),
    maxAttempts: spec.maxAttempts ?? limits.defaultMaxAttempts,
    backoff,
    leaseMs: spec.leaseMs ?? limits.defaultLeaseMs,
    key: spec.key ?? null,
    requires,
    // Seeds stay below 2^31 so seed + index never leaves the safe integer range in any client.
    seed,
    createdAt: now,
    concurrencyKey,
    route: routeOf(spec.kind, requires, keyLimits.match(concurrencyKey) ? concurrencyKey : null),
    cacheKey,
    cacheTtlMs: typeof spec.cache === 'object' ? spec.cache.ttlMs : null,
    createdBy,
  };
}
