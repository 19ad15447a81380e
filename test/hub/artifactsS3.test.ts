import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { startS3rver, type TestS3 } from '../helpers/s3rver.js';

// A hub whose artifacts live in an S3-compatible bucket (s3rver on a free port): the same API,
// multipart uploads for big bodies, dedup, Range and the gc on S3.

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let s3: TestS3 | null;
let h: TestHub | null = null;

before(async () => {
  s3 = await startS3rver();
  if (!s3) return;
  h = await startTestHub({
    artifactStore: 's3://roost-hub/artifacts',
    artifactS3Endpoint: s3.endpoint,
    artifactS3AccessKeyId: s3.accessKeyId,
    artifactS3SecretAccessKey: s3.secretAccessKey,
    sweepIntervalMs: 0,
  });
});
after(async () => {
  await h?.close();
  await s3?.close();
});

test('on S3: a 12 MiB upload (multipart) reads back whole and by range, is stored once, and is collected', async (t) => {
  if (!h) return t.skip('no s3rver');
  assert.match(h.hub.artifacts.backend.name, /^s3:\/\/roost-hub\/artifacts\/$/);
  const bytes = randomBytes(12 * 1024 * 1024);
  const hash = sha(bytes);
  const put = () =>
    fetch(`${h!.url}/v1/artifacts?sha256=${hash}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${h!.adminToken}`, 'content-type': 'application/x-tar' },
      body: bytes,
    });
  assert.equal((await put()).status, 201);
  assert.equal((await put()).status, 200);
  const auth = { authorization: `Bearer ${h.adminToken}` };
  const whole = await fetch(`${h.url}/v1/artifacts/${hash}`, { headers: auth });
  assert.equal(whole.headers.get('content-type'), 'application/x-tar');
  assert.equal(sha(Buffer.from(await whole.arrayBuffer())), hash);
  const part = await fetch(`${h.url}/v1/artifacts/${hash}`, { headers: { ...auth, range: 'bytes=9000000-9000099' } });
  assert.equal(part.status, 206);
  assert.deepEqual(Buffer.from(await part.arrayBuffer()), bytes.subarray(9_000_000, 9_000_100));
  assert.equal(await h.hub.artifacts.backend.has(hash), true);
  assert.deepEqual((await h.admin.post<any>('/v1/artifacts/gc?grace=0')).deleted, [hash]);
  assert.equal(await h.hub.artifacts.backend.has(hash), false);
});
