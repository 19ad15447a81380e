/**
 * Artifact references: how job inputs, task outputs (and later pipeline steps) point at stored
 * bytes. A reference is plain JSON, so it travels through any input or output unchanged:
 * `{ "$artifact": "sha256:<64 hex>", "size": 1234, "type": "image/png" }`.
 */

import type { ArtifactMeta } from '../store/artifactMeta.js';

// The store keeps it (one row per artifact); named here too for the artifacts' users.
export type { ArtifactMeta };

/** 64 lower-case hex digits: a SHA-256 as the hub names artifacts. */
export const SHA256_PATTERN = '^[0-9a-f]{64}$';
const SHA256 = new RegExp(SHA256_PATTERN);

export interface ArtifactRef {
  $artifact: `sha256:${string}`;
  size: number;
  type: string;
}

export function isSha256(value: unknown): value is string {
  return typeof value === 'string' && SHA256.test(value);
}

export function toRef(meta: Pick<ArtifactMeta, 'sha256' | 'size' | 'type'>): ArtifactRef {
  return { $artifact: `sha256:${meta.sha256}`, size: meta.size, type: meta.type };
}

export function isArtifactRef(value: unknown): value is ArtifactRef {
  const v = value as Partial<ArtifactRef> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.$artifact === 'string' &&
    v.$artifact.startsWith('sha256:') &&
    isSha256(v.$artifact.slice(7))
  );
}

/** The hash a reference (or a bare hash, or `sha256:<hash>`) names; throws a message saying what is expected. */
export function hashOf(ref: ArtifactRef | string): string {
  const text = typeof ref === 'string' ? ref : ref.$artifact;
  const hash = text.startsWith('sha256:') ? text.slice(7) : text;
  if (!isSha256(hash))
    throw new Error(
      `not an artifact reference: ${JSON.stringify(text)} (expected sha256:<64 hex> or a { $artifact } object)`,
    );
  return hash;
}
