/**
 * Where recordings' audio is kept: one interface, three drivers — the local filesystem (default,
 * under DATA_DIR/recordings), S3-compatible object storage (RECORDINGS_S3_BUCKET), and memory (for
 * DATA_DIR=memory://, tests and demos). Keys are made by src/domain/recordings.ts
 * (`recordings/<companyId>/<recordingId>.<ext>`).
 */
import type { Readable } from 'node:stream';

/** An inclusive byte range, as an HTTP Range header names it (already checked against the size). */
export type ByteRange = readonly [start: number, end: number];

export interface StoredObject {
  /** The bytes asked for (the whole object, or the range). */
  body: Readable;
  /** The whole object's size in bytes. */
  size: number;
  /** What `body` holds when a range was asked for; null = the whole object. */
  range: ByteRange | null;
  contentType: string | null;
}

export interface RecordingStorage {
  /** For logs and /readyz: `filesystem`, `s3` or `memory`. */
  readonly driver: string;
  /** Writes (or replaces) the object; resolves once it is durable. */
  put(key: string, body: Buffer | Readable, contentType: string): Promise<{ sizeBytes: number }>;
  /** The object, or a range of it; null when there is no such object. */
  get(key: string, range?: ByteRange | null): Promise<StoredObject | null>;
  /** Removes the object; a missing object is not an error. */
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
}

export async function bufferOf(body: Buffer | Readable): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}
