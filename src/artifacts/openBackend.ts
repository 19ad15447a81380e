import { join } from 'node:path';
import type { Config } from '../config.js';
import type { ArtifactBackend } from './backend.js';
import { DirBackend } from './dir/dirBackend.js';

/**
 * The backend the config names: `data` (the data directory) or `s3://BUCKET/PREFIX`. The AWS SDK
 * is loaded only for S3: it takes longer to load than the rest of the hub together.
 */
export async function openArtifactBackend(config: Config): Promise<ArtifactBackend> {
  if (config.artifactStore === 'data') return new DirBackend(join(config.dataDir, 'artifacts'));
  const url = new URL(config.artifactStore);
  const prefix = url.pathname.replace(/^\/+/, '');
  const id = config.artifactS3AccessKeyId;
  const secret = config.artifactS3SecretAccessKey;
  if ((id === undefined) !== (secret === undefined))
    throw new Error(
      'set both artifactS3AccessKeyId and artifactS3SecretAccessKey, or neither (then the AWS SDK finds them)',
    );
  const { S3Backend } = await import('./s3/s3Backend.js');
  return new S3Backend({
    bucket: url.hostname,
    prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`,
    endpoint: config.artifactS3Endpoint,
    region: config.artifactS3Region,
    credentials: id && secret ? { accessKeyId: id, secretAccessKey: secret } : undefined,
  });
}
