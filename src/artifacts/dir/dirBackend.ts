import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomText } from '../../util/ids.js';
import type { ArtifactBackend, ByteRange, Staged } from '../backend.js';

/**
 * Artifacts as files under a folder (by default `<dataDir>/artifacts`): `sha256/ab/<hash>`, where
 * `ab` is the hash's first two digits (so no folder holds more than a 256th of them). An upload is
 * written to `tmp/`, synced, then renamed to its hash path: a reader never sees a partial file,
 * and a crash leaves at most a stray temp file, which the next start removes.
 */
export class DirBackend implements ArtifactBackend {
  readonly name: string;
  private readonly root: string;
  private ready: Promise<void> | null = null;

  constructor(root: string) {
    this.root = resolve(root);
    this.name = `dir:${this.root}`;
  }

  private pathOf(sha256: string): string {
    return join(this.root, 'sha256', sha256.slice(0, 2), sha256);
  }

  /** Creates the folders and empties `tmp/` of what a crashed hub left there. */
  private prepare(): Promise<void> {
    return (this.ready ??= (async () => {
      await rm(join(this.root, 'tmp'), { recursive: true, force: true });
      await mkdir(join(this.root, 'tmp'), { recursive: true });
      await mkdir(join(this.root, 'sha256'), { recursive: true });
    })());
  }

  async stage(body: Readable): Promise<Staged> {
    await this.prepare();
    const temp = join(this.root, 'tmp', randomText(16));
    try {
      await pipeline(body, createWriteStream(temp, { flags: 'wx', mode: 0o600 }));
      // The stream closed its descriptor; syncing another one of the same file flushes the same data.
      await syncPath(temp, 'r+');
    } catch (e) {
      await rm(temp, { force: true });
      throw e;
    }
    return {
      commit: async (sha256) => {
        const dest = this.pathOf(sha256);
        await mkdir(join(dest, '..'), { recursive: true });
        // Over an existing copy is fine: the bytes are the same, and rename is atomic.
        await rename(temp, dest);
        await syncPath(join(dest, '..'), 'r');
      },
      discard: () => rm(temp, { force: true }),
    };
  }

  async has(sha256: string): Promise<boolean> {
    return stat(this.pathOf(sha256)).then(
      () => true,
      () => false,
    );
  }

  async open(sha256: string, range?: ByteRange): Promise<Readable> {
    const path = this.pathOf(sha256);
    // Opened before the reply starts, so a missing file is an error rather than a cut-off body.
    const file = await open(path, 'r').catch((e: NodeJS.ErrnoException) => {
      throw new Error(`artifact ${sha256} is missing from ${this.name} (${e.code ?? e.message})`);
    });
    return file.createReadStream({ start: range?.start, end: range?.end });
  }

  async delete(sha256: string): Promise<void> {
    await rm(this.pathOf(sha256), { force: true });
  }

  async close(): Promise<void> {}
}

/** fsync: a file's bytes before it is renamed in; its folder after, so the rename is durable too. */
async function syncPath(path: string, flags: 'r' | 'r+'): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
