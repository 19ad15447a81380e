import { createHash } from 'node:crypto';
import { canonicalJson } from '../broker/cacheKey.js';
import { hashOf, isArtifactRef } from '../artifacts/ref.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A copy of `value` without the dotted `path` (a missing path leaves it as it was). */
function drop(value: unknown, path: string[]): unknown {
  if (path.length === 0 || typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const [head, ...rest] = path as [string, ...string[]];
  if (!(head in value)) return value;
  const copy = { ...(value as Record<string, unknown>) };
  if (rest.length === 0) delete copy[head];
  else copy[head] = drop(copy[head], rest);
  return copy;
}

/**
 * The hash of one output value: an artifact's own SHA-256 (its bytes), else the SHA-256 of its
 * canonical JSON after dropping the paths that do not count as a change (`ignore`, relative to it).
 */
export function valueHash(value: unknown, ignore: string[] = []): string {
  if (isArtifactRef(value)) return hashOf(value);
  let v = value;
  for (const p of ignore) v = drop(v, p.split('.'));
  return sha256(canonicalJson(v ?? null));
}

/** Each named output's hash; `ignore` entries are OUTPUT or OUTPUT.path as a step declares them. */
export function outputHashes(outputs: Record<string, unknown>, ignore: string[] = []): Record<string, string> {
  const hashes: Record<string, string> = {};
  for (const [name, value] of Object.entries(outputs)) {
    const mine = ignore.filter((p) => p === name || p.startsWith(name + '.')).map((p) => p.slice(name.length + 1));
    // Ignoring a whole output: only whether it is there counts.
    hashes[name] = mine.includes('') ? sha256('ignored') : valueHash(value, mine);
  }
  return hashes;
}

/** A step's identity: the same kind, parameters and input hashes do the same work. */
export function stepIdentity(kind: string, params: unknown, inputHashes: Record<string, string>): string {
  return sha256(canonicalJson({ kind, params: params ?? {}, inputs: inputHashes }));
}
