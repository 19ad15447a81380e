import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { underCI } from '../../src/config.js';
import { packageRoot } from '../../src/paths.js';

/** s3rver, a local S3-compatible server, from its test package (test/servers/s3rver/, which `npm test` installs). */
const PACKAGE = join(packageRoot, 'test/servers/s3rver');

export interface TestS3 {
  endpoint: string;
  /** s3rver's fixed credentials. */
  accessKeyId: string;
  secretAccessKey: string;
  close(): Promise<void>;
}

export const NO_S3RVER = `s3rver is not installed in ${PACKAGE} (npm install there, or run npm test once)`;

interface S3rverServer {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}

/**
 * s3rver on a free port with a fresh folder, or null (and a loud line) when it is not installed;
 * under CI a missing s3rver is a failure.
 */
export async function startS3rver(): Promise<TestS3 | null> {
  if (!existsSync(join(PACKAGE, 'node_modules/s3rver'))) {
    if (underCI()) throw new Error(`${NO_S3RVER}: under CI the S3 tests must run`);
    console.error(`\n*** ${NO_S3RVER}: SKIPPING the S3 tests. ***\n`);
    return null;
  }
  const S3rver = createRequire(join(PACKAGE, 'package.json'))('s3rver') as new (options: object) => S3rverServer;
  const directory = mkdtempSync(join(tmpdir(), 'roost-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: process.env.S3RVER_LOG !== '1', directory });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    async close() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
