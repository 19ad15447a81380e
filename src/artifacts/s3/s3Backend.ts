import { PassThrough, type Readable } from 'node:stream';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
// Pinned to 3.1175.0 (package.json): it runs on Node 20 (printing a notice that releases after
// January 2027 will need Node 22); later releases may not.
import { Upload } from '@aws-sdk/lib-storage';
import { randomText } from '../../util/ids.js';
import type { ArtifactBackend, ByteRange, Staged } from '../backend.js';

export interface S3Options {
  bucket: string;
  /** Keys start with it (`roost/`), so one bucket can hold other things too. */
  prefix: string;
  /** An S3-compatible server (MinIO, Garage, R2, s3rver); unset means AWS itself. */
  endpoint?: string | undefined;
  region: string;
  /** Unset: the AWS SDK's own chain (AWS_* variables, ~/.aws, instance roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
}

/** Parts of a multipart upload: 8 MiB, two in flight, so an upload holds about 16 MiB at most. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 2;

/**
 * Artifacts in an S3-compatible bucket: `<prefix>sha256/<hash>`. An upload streams to
 * `<prefix>tmp/<random>` (multipart, through lib-storage), and once its hash is checked is copied
 * server-side to its hash key and the temp object deleted: a reader never sees an object whose
 * bytes were not checked. The bucket is created on first use when it does not exist.
 */
export class S3Backend implements ArtifactBackend {
  readonly name: string;
  private readonly s3: S3Client;
  private ready: Promise<void> | null = null;

  constructor(private readonly options: S3Options) {
    this.name = `s3://${options.bucket}/${options.prefix}`;
    this.s3 = new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
  }

  private key(sha256: string): string {
    return `${this.options.prefix}sha256/${sha256}`;
  }

  private ensureBucket(): Promise<void> {
    return (this.ready ??= (async () => {
      const Bucket = this.options.bucket;
      try {
        await this.s3.send(new HeadBucketCommand({ Bucket }));
      } catch (e) {
        if (!isNotFound(e)) {
          this.ready = null;
          throw new Error(`cannot reach the artifact bucket ${this.name}: ${(e as Error).message}`);
        }
        await this.s3.send(new CreateBucketCommand({ Bucket }));
      }
    })());
  }

  async stage(body: Readable): Promise<Staged> {
    await this.ensureBucket();
    const Bucket = this.options.bucket;
    const temp = `${this.options.prefix}tmp/${randomText(16)}`;
    const upload = new Upload({
      client: this.s3,
      // Through a PassThrough: lib-storage sizes a body from any `size` or `length` field it has,
      // which a stream may carry for other reasons; this one has none, so it is read as a stream.
      params: { Bucket, Key: temp, Body: body.pipe(new PassThrough()) },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    // A failing body (cut off, over the limit) aborts the upload; lib-storage alone would wait.
    const failed = new Promise<never>((_, reject) => body.once('error', reject));
    try {
      await Promise.race([upload.done(), failed]);
    } catch (e) {
      await upload.abort().catch(() => undefined);
      await this.deleteKey(temp);
      throw e;
    }
    return {
      commit: async (sha256) => {
        if (!(await this.has(sha256)))
          await this.s3.send(new CopyObjectCommand({ Bucket, Key: this.key(sha256), CopySource: `${Bucket}/${temp}` }));
        await this.deleteKey(temp);
      },
      discard: () => this.deleteKey(temp),
    };
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.key(sha256) }));
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  async open(sha256: string, range?: ByteRange): Promise<Readable> {
    try {
      const reply = await this.s3.send(
        new GetObjectCommand({
          Bucket: this.options.bucket,
          Key: this.key(sha256),
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      );
      return reply.Body as Readable;
    } catch (e) {
      throw new Error(`artifact ${sha256} is missing from ${this.name} (${(e as Error).name})`);
    }
  }

  async delete(sha256: string): Promise<void> {
    await this.deleteKey(this.key(sha256));
  }

  private async deleteKey(Key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key }));
  }

  async close(): Promise<void> {
    this.s3.destroy();
  }
}

function isNotFound(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    err.name === 'NotFound' ||
    err.name === 'NoSuchKey' ||
    err.name === 'NoSuchBucket' ||
    err.$metadata?.httpStatusCode === 404
  );
}
