import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomText } from '../util/ids.js';
import { isSha256 } from './ref.js';

/**
 * A worker's local copies of artifacts, one file per hash (`<dir>/<sha256>`), bounded by bytes:
 * past the bound the least recently used go first (use is the file's mtime, touched on each hit).
 * A file enters only once its bytes hash to its name, so a hit needs no check and no download.
 */
export class ArtifactCache {
  readonly dir: string;
  private sizes: Map<string, number> | null = null;
  private total = 0;

  constructor(
    dir: string,
    private readonly maxBytes: number,
  ) {
    this.dir = resolve(dir);
  }

  /** Reads what an earlier run left (and drops its half-written temp files). */
  private async index(): Promise<Map<string, number>> {
    if (this.sizes) return this.sizes;
    await mkdir(join(this.dir, 'tmp'), { recursive: true });
    const sizes = new Map<string, number>();
    for (const name of await readdir(this.dir)) {
      if (name === 'tmp') continue;
      if (!isSha256(name)) continue;
      sizes.set(name, (await stat(join(this.dir, name))).size);
    }
    for (const name of await readdir(join(this.dir, 'tmp'))) await rm(join(this.dir, 'tmp', name), { force: true });
    this.total = [...sizes.values()].reduce((a, b) => a + b, 0);
    return (this.sizes ??= sizes);
  }

  /** The hashes held now, most recently added last (what a worker reports for placement). */
  async hashes(): Promise<string[]> {
    return [...(await this.index()).keys()];
  }

  pathOf(sha256: string): string {
    return join(this.dir, sha256);
  }

  /** The cached file's path, marked as just used; null on a miss. */
  async lookup(sha256: string): Promise<string | null> {
    if (!(await this.index()).has(sha256)) return null;
    const path = this.pathOf(sha256);
    const now = new Date();
    try {
      await utimes(path, now, now);
      return path;
    } catch {
      // Removed behind our back: a miss.
      this.forget(sha256);
      return null;
    }
  }

  /**
   * Writes a stream into the cache, hashing it on the way; resolves with its hash and size.
   * `expected`, when given, must match (a download that was cut or corrupted is not kept).
   */
  async fill(body: Readable, expected?: string): Promise<{ sha256: string; size: number; path: string }> {
    const sizes = await this.index();
    const temp = join(this.dir, 'tmp', randomText(12));
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, meter, createWriteStream(temp));
      const sha256 = hash.digest('hex');
      if (expected !== undefined && sha256 !== expected)
        throw new Error(`artifact ${expected}: the bytes received hash to ${sha256}; not kept`);
      const path = this.pathOf(sha256);
      await rename(temp, path);
      if (!sizes.has(sha256)) {
        sizes.set(sha256, size);
        this.total += size;
      }
      await this.evict(sha256);
      return { sha256, size, path };
    } catch (e) {
      await rm(temp, { force: true });
      throw e;
    }
  }

  private forget(sha256: string): void {
    const size = this.sizes?.get(sha256);
    if (size === undefined) return;
    this.sizes!.delete(sha256);
    this.total -= size;
  }

  /** Removes the least recently used files until the cache fits, never `keep` (just added). */
  private async evict(keep: string): Promise<void> {
    if (this.total <= this.maxBytes) return;
    const used: Array<{ sha256: string; at: number }> = [];
    for (const sha256 of this.sizes!.keys()) {
      if (sha256 === keep) continue;
      const at = await stat(this.pathOf(sha256)).then(
        (s) => s.mtimeMs,
        () => 0,
      );
      used.push({ sha256, at });
    }
    used.sort((a, b) => a.at - b.at);
    for (const { sha256 } of used) {
      if (this.total <= this.maxBytes) break;
      await rm(this.pathOf(sha256), { force: true });
      this.forget(sha256);
    }
  }

  /** Bytes held now. */
  async size(): Promise<number> {
    await this.index();
    return this.total;
  }
}
