import type { Readable } from 'node:stream';

/** Bytes written to a backend's staging place, not yet visible under any hash. */
export interface Staged {
  /** Makes the bytes readable under their hash (atomically: a reader sees all of them or none). */
  commit(sha256: string): Promise<void>;
  /** Forgets them (a hash mismatch, a body cut off, a size limit passed). */
  discard(): Promise<void>;
}

/** An inclusive byte range, as HTTP's Range header names one. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where artifact bytes live: the hub's data directory (`dir/`) or an S3-compatible bucket (`s3/`).
 * Objects are named by their SHA-256 and never change, so a backend needs no locking of its own:
 * two uploads of the same bytes commit the same object. The hub's store keeps the metadata.
 */
export interface ArtifactBackend {
  /** A name for logs and docs: `dir:/path` or `s3://bucket/prefix`. */
  readonly name: string;
  /** Streams `body` to staging; rejects (having cleaned up) when the stream fails. */
  stage(body: Readable): Promise<Staged>;
  has(sha256: string): Promise<boolean>;
  /** The bytes (or a range of them); rejects with a message naming the hash when they are missing. */
  open(sha256: string, range?: ByteRange): Promise<Readable>;
  /** Deletes the object; no error when it is already gone. */
  delete(sha256: string): Promise<void>;
  close(): Promise<void>;
}
