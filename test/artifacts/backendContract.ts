import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import type { ArtifactBackend } from '../../src/artifacts/backend.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function read(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A stream of `bytes` in 1 MiB chunks, so a backend sees it arrive piece by piece. */
function chunked(bytes: Buffer): Readable {
  const MiB = 1024 * 1024;
  return Readable.from(
    (function* () {
      for (let i = 0; i < bytes.length; i += MiB) yield bytes.subarray(i, i + MiB);
    })(),
  );
}

/**
 * What every artifact backend must do, run against each (`dir.test.ts`, `s3.test.ts`). `big` is
 * the size of the large object: for S3, more than one multipart part.
 */
export function backendContract(name: string, open: () => ArtifactBackend | null, big: number): void {
  test(`${name}: staged bytes are invisible until committed, then read whole and by range`, async (t) => {
    const backend = open();
    if (!backend) return t.skip('the backend is not available here');
    const bytes = randomBytes(big);
    const hash = sha(bytes);
    const staged = await backend.stage(chunked(bytes));
    assert.equal(await backend.has(hash), false);
    await staged.commit(hash);
    assert.equal(await backend.has(hash), true);
    assert.equal(sha(await read(await backend.open(hash))), hash);
    const part = await read(await backend.open(hash, { start: 1000, end: 1999 }));
    assert.deepEqual(part, bytes.subarray(1000, 2000));
    // The same bytes committed again are still one object.
    await (await backend.stage(chunked(bytes))).commit(hash);
    assert.equal(sha(await read(await backend.open(hash))), hash);
    await backend.delete(hash);
    assert.equal(await backend.has(hash), false);
    await backend.delete(hash);
  });

  test(`${name}: a discarded upload leaves nothing; a failing body rejects the stage`, async (t) => {
    const backend = open();
    if (!backend) return t.skip('the backend is not available here');
    const bytes = randomBytes(10_000);
    const staged = await backend.stage(Readable.from([bytes]));
    await staged.discard();
    assert.equal(await backend.has(sha(bytes)), false);
    const failing = new Readable({
      read() {
        this.push(randomBytes(1000));
        this.destroy(new Error('client went away'));
      },
    });
    await assert.rejects(backend.stage(failing), /client went away/);
  });

  test(`${name}: opening a missing object names the hash`, async (t) => {
    const backend = open();
    if (!backend) return t.skip('the backend is not available here');
    const missing = 'f'.repeat(64);
    await assert.rejects(backend.open(missing), new RegExp(missing));
  });
}
