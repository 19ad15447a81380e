import { createHash } from 'node:crypto';
import type { Labels } from '../types/jobs.js';

/** JSON with object keys sorted at every depth, so equal values have one spelling. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .sort()
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

/** The identity of a job's work: same kind, input, seed, variants and required labels, same results. */
export function cacheKeyOf(job: {
  kind: string;
  input: unknown;
  seed: number;
  variants: number;
  requires: Labels | null;
}): string {
  const identity = canonicalJson([job.kind, job.input, job.seed, job.variants, job.requires ?? {}]);
  return createHash('sha256').update(identity).digest('hex');
}
