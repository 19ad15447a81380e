import { InputError } from '../errors.js';
import { parseDuration } from '../util/duration.js';

/**
 * Query strings are parsed here rather than by the schema compiler: body validation must not
 * coerce types ("5" is not a number), and the two cannot be configured apart.
 */
export type Query = Record<string, string | string[] | undefined>;

export function checkKnown(query: Query, known: string[]): void {
  for (const key of Object.keys(query)) {
    if (!known.includes(key))
      throw new InputError(key, `unknown query parameter '${key}'; known: ${known.join(', ') || 'none'}`);
  }
}

function single(query: Query, name: string): string | undefined {
  const v = query[name];
  if (Array.isArray(v)) throw new InputError(name, `${name} may be given only once`);
  return v;
}

export function intParam(query: Query, name: string, min: number, max: number): number | undefined {
  const v = single(query, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new InputError(name, `${name} must be an integer from ${min} to ${max}, got '${v}'`);
  }
  return n;
}

/** A duration; a bare number means seconds, as in most long-poll APIs (`wait=30`). */
export function durationParam(query: Query, name: string, max: number): number | undefined {
  const v = single(query, name);
  if (v === undefined) return undefined;
  const ms = parseDuration(v, name, 's');
  if (ms > max) throw new InputError(name, `${name} may be at most ${max / 1000}s, got '${v}'`);
  return ms;
}

export function enumParam<T extends string>(query: Query, name: string, values: readonly T[]): T | undefined {
  const v = single(query, name);
  if (v === undefined) return undefined;
  if (!values.includes(v as T)) throw new InputError(name, `${name} must be one of ${values.join(', ')}, got '${v}'`);
  return v as T;
}

export function stringParam(query: Query, name: string, maxLength = 200): string | undefined {
  const v = single(query, name);
  if (v !== undefined && v.length > maxLength)
    throw new InputError(name, `${name} may be at most ${maxLength} characters`);
  return v;
}

export function patternParam(query: Query, name: string, pattern: RegExp, what: string): string | undefined {
  const v = single(query, name);
  if (v !== undefined && !pattern.test(v)) throw new InputError(name, `${name} must be ${what}, got '${v}'`);
  return v;
}
