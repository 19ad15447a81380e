import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { ArtifactCache } from '../../src/artifacts/artifactCache.js';
import type { ArtifactRef } from '../../src/artifacts/ref.js';
import type { Handler } from '../../src/worker/handler.js';
import { WorkerAgent } from '../../src/worker/workerAgent.js';
import { pollUntil } from '../fixtures/flowHandlers.js';
import { quietLog, startTestHub, type TestHub } from '../helpers/inProcessHub.js';

// Workers move files by reference: a handler reads its input artifact through ctx.artifacts and
// returns a new one; a worker that already holds an artifact's bytes never asks the hub for them.

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const KIND = 'art.reverse';
let h: TestHub;
const scratch = mkdtempSync(join(tmpdir(), 'roost-worker-art-'));

before(async () => {
  h = await startTestHub({ kinds: [KIND], sweepIntervalMs: 0 });
});
after(async () => {
  await h.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** Reverses the bytes of its input image and returns them as an artifact. */
const reverse: Handler = {
  kind: KIND,
  async run(input, ctx) {
    const bytes = await ctx.artifacts.read((input as { image: ArtifactRef }).image);
    return { reversed: await ctx.artifacts.put(Buffer.from(bytes).reverse(), { type: 'image/png' }) };
  },
};

test('a handler gets its input by reference and returns one; the second get of the same bytes is a cache hit', async () => {
  // The hub's access counters: reads of artifact bytes, and uploads.
  let opens = 0;
  let puts = 0;
  const artifacts = h.hub.artifacts;
  const open = artifacts.open.bind(artifacts);
  const put = artifacts.put.bind(artifacts);
  artifacts.open = (...a) => (opens++, open(...a));
  artifacts.put = (...a) => (puts++, put(...a));

  const image = randomBytes(200_000);
  const client = await h.as('client');
  const up = await fetch(`${h.url}/v1/artifacts`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${client.token}`, 'content-type': 'image/png' },
    body: image,
  });
  const { ref } = (await up.json()) as { ref: ArtifactRef };
  assert.equal(puts, 1);

  const workerToken = (await h.as('worker')).token;
  const cacheDir = join(scratch, 'cache');
  const agent = new WorkerAgent({
    hub: h.url,
    token: workerToken,
    workerId: 'art-w1',
    handlers: [reverse],
    concurrency: 1,
    waitMs: 5000,
    graceMs: 500,
    log: quietLog,
    artifactCacheDir: cacheDir,
  });
  const loop = agent.start();
  try {
    const run = async () => {
      const job = await client.post<any>('/v1/jobs', { kind: KIND, input: { image: ref } });
      const done = await pollUntil(
        () => client.get<any>(`/v1/jobs/${job.id}`),
        (j) => j.state === 'succeeded' || j.state === 'failed',
        20_000,
        'the job to finish',
      );
      assert.equal(done.state, 'succeeded', JSON.stringify(done));
      return done.results[0].output.reversed as ArtifactRef;
    };
    const first = await run();
    const expected = Buffer.from(image).reverse();
    assert.deepEqual(first, { $artifact: `sha256:${sha(expected)}`, size: expected.length, type: 'image/png' });
    const stored = await fetch(`${h.url}/v1/artifacts/${sha(expected)}`, {
      headers: { authorization: `Bearer ${client.token}` },
    });
    assert.deepEqual(Buffer.from(await stored.arrayBuffer()), expected);
    assert.equal(opens, 2, 'the worker downloaded the input once (and the test read the output once)');
    assert.equal(puts, 2, 'the worker uploaded its output once');

    // Same input again: the worker holds it, and the hub holds the output.
    assert.deepEqual(await run(), first);
    assert.equal(opens, 2, 'the second get was served from the worker cache: the hub read no bytes');
    assert.equal(puts, 2, 'the output the hub already holds was not sent again');
    assert.ok(readdirSync(cacheDir).includes(sha(image)));
  } finally {
    await agent.stop();
    await loop;
    artifacts.open = open;
    artifacts.put = put;
  }
});

test('the cache stays within its bound, dropping the least recently used, and keeps no corrupt download', async () => {
  const cache = new ArtifactCache(join(scratch, 'bounded'), 250);
  const blobs = [randomBytes(100), randomBytes(100), randomBytes(100)];
  await cache.fill(Readable.from([blobs[0]!]));
  await cache.fill(Readable.from([blobs[1]!]));
  // The second was last used long ago; the first is used now.
  const past = new Date(Date.now() - 60_000);
  utimesSync(cache.pathOf(sha(blobs[1]!)), past, past);
  assert.ok(await cache.lookup(sha(blobs[0]!)));
  await cache.fill(Readable.from([blobs[2]!]));
  assert.equal(await cache.size(), 200);
  assert.ok(await cache.lookup(sha(blobs[0]!)));
  assert.equal(await cache.lookup(sha(blobs[1]!)), null);
  assert.ok(await cache.lookup(sha(blobs[2]!)));
  await assert.rejects(cache.fill(Readable.from([randomBytes(10)]), 'f'.repeat(64)), /not kept/);
  assert.deepEqual(readdirSync(join(scratch, 'bounded', 'tmp')), []);
  assert.equal(await cache.size(), 200);
});
