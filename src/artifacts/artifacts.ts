import { createHash } from 'node:crypto';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import type { Logger } from 'pino';
import { InputError } from '../errors.js';
import type { ArtifactBackend, ByteRange } from './backend.js';
import type { LinkSigner } from './links.js';
import type { ArtifactMetaStore } from '../store/artifactMeta.js';
import type { ArtifactMeta } from './ref.js';

/** An upload past `artifactMaxBytes`: the route answers 413. */
export class TooLargeError extends Error {
  override name = 'TooLargeError';
}

export interface ArtifactOptions {
  maxBytes: number;
  graceMs: number;
  log: Logger;
}

/** Counts and hashes the bytes passing through; fails the stream once they pass the limit. */
class Meter extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) return done(tooLarge(this.maxBytes));
    this.hash.update(chunk);
    done(null, chunk);
  }
}

function tooLarge(maxBytes: number): TooLargeError {
  return new TooLargeError(`the artifact is larger than the hub accepts (artifactMaxBytes: ${maxBytes} bytes)`);
}

/**
 * The hub's artifacts: bytes in a backend, metadata in the store. An upload streams through a
 * meter (size, SHA-256) into the backend's staging area and only then, its hash known and checked,
 * is committed under it: nothing holds the body in memory, and a mismatch or a cut-off body
 * leaves nothing behind. Identical bytes are kept once.
 */
export class Artifacts {
  /** Uploads committing and deletions running, by hash: one at a time per hash in this hub. */
  private readonly busy = new Map<string, Promise<unknown>>();

  constructor(
    readonly backend: ArtifactBackend,
    readonly meta: ArtifactMetaStore,
    readonly links: LinkSigner,
    private readonly options: ArtifactOptions,
  ) {}

  get maxBytes(): number {
    return this.options.maxBytes;
  }

  /** Runs `fn` after whatever else this hub does with the same hash. */
  private exclusive<T>(sha256: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.busy.get(sha256) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.busy.set(sha256, tail);
    void tail.then(() => {
      if (this.busy.get(sha256) === tail) this.busy.delete(sha256);
    });
    return next;
  }

  /**
   * Stores the body. `claimed` (a hash the client sent) must match the bytes: else InputError
   * (field `sha256`) and nothing is kept. Resolves with the metadata and whether the bytes were new.
   */
  async put(
    body: Readable,
    opts: { type: string; claimed?: string | undefined },
  ): Promise<{ meta: ArtifactMeta; created: boolean }> {
    const meter = new Meter(this.options.maxBytes);
    // A body that fails or is cut off fails the meter, and so the staging, which cleans up.
    pipeline(body, meter, () => undefined);
    const staged = await this.backend.stage(meter);
    const sha256 = meter.hash.digest('hex');
    if (opts.claimed !== undefined && opts.claimed !== sha256) {
      await staged.discard();
      throw new InputError('sha256', `the body's SHA-256 is ${sha256}, not the ${opts.claimed} the request claims`);
    }
    return this.exclusive(sha256, async () => {
      const known = await this.meta.get(sha256);
      if (known && (await this.backend.has(sha256))) await staged.discard();
      else await staged.commit(sha256);
      const meta = await this.meta.record({ sha256, size: meter.bytes, type: opts.type }, Date.now());
      return { meta, created: !known };
    });
  }

  get(sha256: string): Promise<ArtifactMeta | null> {
    return this.meta.get(sha256);
  }

  open(sha256: string, range?: ByteRange): Promise<Readable> {
    return this.backend.open(sha256, range);
  }

  /** Deletes the artifact whatever holds it (an admin's decision); false when unknown. */
  delete(sha256: string): Promise<boolean> {
    return this.exclusive(sha256, async () => {
      const gone = await this.meta.delete(sha256);
      if (gone) await this.backend.delete(sha256);
      return gone;
    });
  }

  /**
   * Deletes the artifacts that nothing holds (no job input or task output references them, no
   * `artifact_refs` row) and that nobody uploaded within the grace period. Returns their hashes.
   * An upload racing it is safe; a job submitted with a reference to an artifact unreferenced for
   * the whole grace period, while the gc runs, may lose it (docs/artifacts.md).
   */
  async gc(now = Date.now(), graceMs = this.options.graceMs): Promise<string[]> {
    const before = now - graceMs;
    const referenced = await this.meta.referencedByJobs();
    const deleted: string[] = [];
    const LIMIT = 1000;
    for (;;) {
      const candidates = (await this.meta.unheld(before, LIMIT)).filter((h) => !referenced.has(h));
      let progress = 0;
      for (const sha256 of candidates) {
        // The row goes first, under the hash's lock, and only if still unheld and not uploaded
        // again meanwhile: an upload racing the gc either refreshed put_at (kept) or commits after.
        const gone = await this.exclusive(sha256, async () => {
          if (!(await this.meta.deleteUnheld(sha256, before))) return false;
          await this.backend.delete(sha256);
          return true;
        });
        if (gone) {
          deleted.push(sha256);
          progress++;
        }
      }
      if (progress === 0 || candidates.length < LIMIT) break;
    }
    if (deleted.length > 0) this.options.log.info({ deleted: deleted.length }, 'deleted unreferenced artifacts');
    return deleted;
  }

  private sweepTimer: NodeJS.Timeout | null = null;
  private sweeping: Promise<unknown> | null = null;

  /** The retention sweep's artifact half: a gc every `intervalMs` (failures logged, tried at the next tick). */
  sweepEvery(intervalMs: number): void {
    if (intervalMs <= 0 || this.sweepTimer) return;
    this.sweepTimer = setInterval(() => {
      this.sweeping ??= this.gc()
        .catch((e: unknown) => this.options.log.error({ err: e }, 'artifact gc failed; will retry'))
        .finally(() => (this.sweeping = null));
    }, intervalMs);
    this.sweepTimer.unref();
  }

  stopSweeping(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
  }

  /** Stops the sweep and waits for what runs (a gc, uploads committing) before closing the backend. */
  async close(): Promise<void> {
    this.stopSweeping();
    await this.sweeping;
    await Promise.all(this.busy.values());
    await this.backend.close();
  }
}
