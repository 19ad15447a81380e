/** What the hub keeps about an artifact (the reply to an upload, a HEAD's headers, `roost artifact ls`). */
export interface ArtifactMeta {
  sha256: string;
  size: number;
  type: string;
  createdAt: number;
  /** The last time someone uploaded these bytes; the grace period of the gc counts from it. */
  putAt: number;
}

/**
 * The artifacts' metadata in the hub's store (migrations SQLite 012, PostgreSQL 011): one row per
 * stored hash, and `artifact_refs`, the holders other than jobs and results that keep one alive.
 * Each adapter implements it on the main store's connection (`store.companions.artifactMeta()`).
 */
export interface ArtifactMetaStore {
  /** Records an upload: a new row, or for known bytes a fresh `putAt` (the first type stays). */
  record(item: { sha256: string; size: number; type: string }, now: number): Promise<ArtifactMeta>;
  get(sha256: string): Promise<ArtifactMeta | null>;
  /** Newest first; `before` is the `createdAt:sha256` cursor of the last page's last item. */
  list(limit: number, before: string | null): Promise<ArtifactMeta[]>;
  /** Deletes the row (and its holders); false when there was none. */
  delete(sha256: string): Promise<boolean>;
  /** Keeps the artifact alive on behalf of `owner` (`pipeline:<id>`, `bot:<name>`). */
  hold(sha256: string, owner: string, now: number): Promise<void>;
  /** Drops every hold `owner` has; returns how many. */
  release(owner: string): Promise<number>;
  holders(sha256: string): Promise<string[]>;
  /** Up to `limit` artifacts last uploaded before `before` that no holder keeps. */
  unheld(before: number, limit: number): Promise<string[]>;
  /** Every hash a job's input or a task's output references (`{"$artifact": "sha256:..."}`). */
  referencedByJobs(): Promise<Set<string>>;
  /** Deletes the row only if it is still unheld and was not uploaded again since `before`. */
  deleteUnheld(sha256: string, before: number): Promise<boolean>;
}

/** Splits a list cursor; `null` for none. */
export function parseCursor(before: string | null): { createdAt: number; sha256: string } | null {
  if (before === null) return null;
  const m = /^(\d{1,16}):([0-9a-f]{64})$/.exec(before);
  if (!m) throw new Error('bad cursor');
  return { createdAt: Number(m[1]), sha256: m[2]! };
}

export function cursorOf(meta: ArtifactMeta): string {
  return `${meta.createdAt}:${meta.sha256}`;
}

/** A row of `artifacts` (both adapters name the columns alike). */
export interface ArtifactRow {
  sha256: string;
  size: number;
  type: string;
  created_at: number;
  put_at: number;
}

/** A stored row as metadata. */
export function toMeta(r: ArtifactRow): ArtifactMeta {
  return {
    sha256: r.sha256,
    size: Number(r.size),
    type: r.type,
    createdAt: Number(r.created_at),
    putAt: Number(r.put_at),
  };
}

const IN_JSON = /"\$artifact"\s*:\s*"sha256:([0-9a-f]{64})"/g;

/** Every hash referenced anywhere in a JSON text (a job's input, a task's output), without parsing it. */
export function hashesInJson(text: string): string[] {
  return [...text.matchAll(IN_JSON)].map((m) => m[1]!);
}
