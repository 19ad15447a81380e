import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { Readable } from 'node:stream';
import { ArtifactCache } from '../artifacts/artifactCache.js';
import { hashOf, toRef, type ArtifactRef } from '../artifacts/ref.js';
import { HubClient, HubError } from '../client/hubClient.js';

/** What a handler uses to move files (`ctx.artifacts`): references in, references out. */
export interface TaskArtifacts {
  /**
   * Stores bytes, a stream, or a file (a string is a path) at the hub and returns the reference to
   * put in an output. Known bytes are not sent again. `type` defaults from a path's extension.
   */
  put(data: Uint8Array | Readable | string, opts?: { type?: string }): Promise<ArtifactRef>;
  /** The path of a local copy, downloaded only when this worker does not hold it yet. */
  get(ref: ArtifactRef | string): Promise<string>;
  /** The bytes, through the same cache. */
  read(ref: ArtifactRef | string): Promise<Buffer>;
}

const TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
  '.json': 'application/json',
  '.pdf': 'application/pdf',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.mp4': 'video/mp4',
};

/** The default cache folder when the config names none: one per user under the system's temp folder. */
export function defaultCacheDir(): string {
  return join(tmpdir(), `roost-artifact-cache-${process.getuid?.() ?? 'user'}`);
}

/**
 * A worker's artifacts: everything passes through its local cache (by hash), so a `get` of bytes
 * it holds, whether it downloaded or produced them, never touches the hub, and a `put` of bytes
 * the hub holds sends only a HEAD.
 */
export class WorkerArtifacts implements TaskArtifacts {
  readonly cache: ArtifactCache;

  constructor(
    private readonly client: HubClient,
    cacheDir: string,
    cacheBytes: number,
  ) {
    this.cache = new ArtifactCache(cacheDir, cacheBytes);
  }

  async put(data: Uint8Array | Readable | string, opts: { type?: string } = {}): Promise<ArtifactRef> {
    const body =
      typeof data === 'string' ? createReadStream(data) : data instanceof Uint8Array ? Readable.from([data]) : data;
    const type =
      opts.type ??
      (typeof data === 'string' ? TYPES[extname(data).toLowerCase()] : undefined) ??
      'application/octet-stream';
    const { sha256, size, path } = await this.cache.fill(body);
    if (!(await this.hubHas(sha256))) {
      await this.client.upload(`/v1/artifacts?sha256=${sha256}`, createReadStream(path), type, size);
    }
    return toRef({ sha256, size, type });
  }

  private async hubHas(sha256: string): Promise<boolean> {
    try {
      await this.client.request('HEAD', `/v1/artifacts/${sha256}`);
      return true;
    } catch (e) {
      if (e instanceof HubError && e.status === 404) return false;
      throw e;
    }
  }

  async get(ref: ArtifactRef | string): Promise<string> {
    const sha256 = hashOf(ref);
    const hit = await this.cache.lookup(sha256);
    if (hit) return hit;
    const res = await this.client.download(`/v1/artifacts/${sha256}`);
    return (await this.cache.fill(res, sha256)).path;
  }

  async read(ref: ArtifactRef | string): Promise<Buffer> {
    return readFile(await this.get(ref));
  }
}
