/**
 * Recordings in S3-compatible object storage (AWS S3, MinIO, R2, …) through @aws-sdk/client-s3:
 * RECORDINGS_S3_BUCKET, optional RECORDINGS_S3_ENDPOINT (path-style then, as most compatible servers
 * want), RECORDINGS_S3_REGION, RECORDINGS_S3_PREFIX; credentials come from the SDK's standard chain
 * (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, an instance role).
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { type ByteRange, bufferOf, type RecordingStorage, type StoredObject } from './storage.js';

export interface S3StorageOptions {
  bucket: string;
  region: string;
  /** A non-AWS server's URL, e.g. http://127.0.0.1:9000; path-style addressing is used with it. */
  endpoint?: string | undefined;
  /** Prepended to every key, e.g. `voice/` (empty by default). */
  prefix?: string | undefined;
  /** Explicit credentials (tests); otherwise the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export class S3RecordingStorage implements RecordingStorage {
  readonly driver = 's3';
  private readonly client: S3Client;

  constructor(private readonly opts: S3StorageOptions) {
    this.client = new S3Client({
      region: opts.region,
      ...(opts.endpoint && { endpoint: opts.endpoint, forcePathStyle: true }),
      ...(opts.credentials && { credentials: opts.credentials }),
    });
  }

  private keyOf(key: string): string {
    return `${this.opts.prefix ?? ''}${key}`;
  }

  async put(key: string, body: Buffer | Readable, contentType: string): Promise<{ sizeBytes: number }> {
    // Buffered: PutObject needs the length up front (recordings are a few MB at most).
    const bytes = await bufferOf(body);
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.opts.bucket,
        Key: this.keyOf(key),
        Body: bytes,
        ContentType: contentType,
        ContentLength: bytes.length,
      }),
    );
    return { sizeBytes: bytes.length };
  }

  async get(key: string, range: ByteRange | null = null): Promise<StoredObject | null> {
    try {
      const answer = await this.client.send(
        new GetObjectCommand({ Bucket: this.opts.bucket, Key: this.keyOf(key), ...(range && { Range: `bytes=${range[0]}-${range[1]}` }) }),
      );
      // Content-Range: bytes a-b/size when a range was answered.
      const total = /\/(\d+)$/.exec(answer.ContentRange ?? '')?.[1];
      const size = total !== undefined ? Number(total) : Number(answer.ContentLength ?? 0);
      return { body: answer.Body as Readable, size, range, contentType: answer.ContentType ?? null };
    } catch (err) {
      if (notFound(err)) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.opts.bucket, Key: this.keyOf(key) }));
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.opts.bucket, Key: this.keyOf(key) }));
      return true;
    } catch (err) {
      if (notFound(err)) return false;
      throw err;
    }
  }

  close(): void {
    this.client.destroy();
  }
}

function notFound(err: unknown): boolean {
  return (
    err instanceof S3ServiceException && (err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata?.httpStatusCode === 404)
  );
}
