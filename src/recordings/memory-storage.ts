/** Recordings in memory, for DATA_DIR=memory:// (tests, demos): gone with the process. */
import { Readable } from 'node:stream';
import { type ByteRange, bufferOf, type RecordingStorage, type StoredObject } from './storage.js';

export class MemoryRecordingStorage implements RecordingStorage {
  readonly driver = 'memory';
  private readonly objects = new Map<string, { bytes: Buffer; contentType: string }>();

  async put(key: string, body: Buffer | Readable, contentType: string): Promise<{ sizeBytes: number }> {
    const bytes = await bufferOf(body);
    this.objects.set(key, { bytes, contentType });
    return { sizeBytes: bytes.length };
  }

  async get(key: string, range: ByteRange | null = null): Promise<StoredObject | null> {
    const object = this.objects.get(key);
    if (!object) return null;
    const bytes = range ? object.bytes.subarray(range[0], range[1] + 1) : object.bytes;
    return { body: Readable.from([bytes]), size: object.bytes.length, range, contentType: object.contentType };
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async exists(key: string): Promise<boolean> {
    return this.objects.has(key);
  }
}
