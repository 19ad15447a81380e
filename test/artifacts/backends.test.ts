import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DirBackend } from '../../src/artifacts/dir/dirBackend.js';
import { S3Backend } from '../../src/artifacts/s3/s3Backend.js';
import type { ArtifactBackend } from '../../src/artifacts/backend.js';
import { startS3rver, type TestS3 } from '../helpers/s3rver.js';
import { backendContract } from './backendContract.js';

// The artifact backends' contract, on the data directory and on S3 (s3rver, a local
// S3-compatible server, started here on a free port).

const dirRoot = mkdtempSync(join(tmpdir(), 'roost-artifacts-dir-'));
const dir = new DirBackend(dirRoot);
let s3server: TestS3 | null = null;
let s3: ArtifactBackend | null = null;

before(async () => {
  s3server = await startS3rver();
  if (s3server)
    s3 = new S3Backend({
      bucket: 'roost-test',
      prefix: 'artifacts/',
      endpoint: s3server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: s3server.accessKeyId, secretAccessKey: s3server.secretAccessKey },
    });
});

after(async () => {
  await dir.close();
  await s3?.close();
  await s3server?.close();
  rmSync(dirRoot, { recursive: true, force: true });
});

backendContract('dir', () => dir, 3 * 1024 * 1024);
// 20 MiB: three parts of a multipart upload.
backendContract('s3', () => s3, 20 * 1024 * 1024);

test('dir: no temp files are left behind, and the hash paths fan out by the first two digits', async () => {
  assert.deepEqual(readdirSync(join(dirRoot, 'tmp')), []);
  for (const sub of readdirSync(join(dirRoot, 'sha256'))) assert.match(sub, /^[0-9a-f]{2}$/);
});
