/**
 * Recordings as files under a folder (RECORDINGS_DIR, default DATA_DIR/recordings): the key is the
 * relative path. A file is written to a temporary name, fsynced and renamed, so a crash never leaves
 * half an object under its key. The content type is kept beside it (`<file>.type`).
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { type ByteRange, bufferOf, type RecordingStorage, type StoredObject } from './storage.js';

export class FileRecordingStorage implements RecordingStorage {
  readonly driver = 'filesystem';
  private readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** The file of a key; a key that would leave the folder is refused (keys are ours, but still). */
  pathOf(key: string): string {
    const file = path.resolve(this.root, key);
    if (!file.startsWith(`${this.root}${path.sep}`)) throw new Error(`recording key outside the storage folder: ${key}`);
    return file;
  }

  async put(key: string, body: Buffer | Readable, contentType: string): Promise<{ sizeBytes: number }> {
    const file = this.pathOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    const bytes = await bufferOf(body);
    const tmp = `${file}.${process.pid}.tmp`;
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
    await writeSmall(`${file}.type`, contentType);
    return { sizeBytes: bytes.length };
  }

  async get(key: string, range: ByteRange | null = null): Promise<StoredObject | null> {
    const file = this.pathOf(key);
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const contentType = await readFile(`${file}.type`, 'utf8').catch(() => null);
    const body = range ? createReadStream(file, { start: range[0], end: range[1] }) : createReadStream(file);
    return { body, size, range, contentType };
  }

  async delete(key: string): Promise<void> {
    const file = this.pathOf(key);
    await rm(file, { force: true });
    await rm(`${file}.type`, { force: true });
  }

  async exists(key: string): Promise<boolean> {
    try {
      await stat(this.pathOf(key));
      return true;
    } catch {
      return false;
    }
  }
}

async function writeSmall(file: string, text: string): Promise<void> {
  const handle = await open(file, 'w', 0o600);
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}
