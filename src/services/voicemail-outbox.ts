/**
 * Voicemails that could not be stored when Telnyx called (the database down, or slower than the
 * webhook deadline) wait here, durably, and are written when the database answers again.
 *
 * Telnyx is answered 200 only once the voicemail is in the outbox: appended to
 * DATA_DIR/outbox/voicemails.jsonl and fsynced (in memory when DATA_DIR=memory://, for tests and
 * demos). A drainer writes them with backoff, oldest first, also after a restart (the file is read at
 * start). Writing twice is harmless: one voicemail per (company, CallSid), published when it lands.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { Clock, TimerHandle } from '../domain/clock.js';
import { missingRow } from '../infra/db-errors.js';
import type { Logger } from '../infra/logger.js';

/**
 * Voicemails the outbox holds at most: past it a callback is refused (Telnyx retries it later), so a
 * long outage, or a flood of callbacks for made-up companies, cannot fill the disk.
 */
export const MAX_OUTBOX_ENTRIES = 10_000;

export interface OutboxEntry<T> {
  id: string;
  queuedAt: number;
  item: T;
}

export interface VoicemailOutboxOptions<T> {
  /** DATA_DIR: the outbox lives in DATA_DIR/outbox; `memory://` keeps it in memory. */
  dataDir: string;
  clock: Clock;
  logger: Logger;
  /** Stores one item; throws while the database is away. */
  store: (item: T) => Promise<unknown>;
  /** For log lines: the fields that say which item (never the whole item). */
  describe: (item: T) => Record<string, unknown>;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Default MAX_OUTBOX_ENTRIES. */
  maxEntries?: number;
}

export class VoicemailOutbox<T> {
  private entries: OutboxEntry<T>[] = [];
  private readonly file: string | null;
  /** File operations one after another (appends and rewrites never interleave). */
  private fileOps: Promise<unknown> = Promise.resolve();
  private timer: TimerHandle | undefined;
  private draining = false;
  private failures = 0;
  private stopped = false;

  constructor(private readonly opts: VoicemailOutboxOptions<T>) {
    this.file = opts.dataDir === 'memory://' ? null : path.resolve(opts.dataDir, 'outbox', 'voicemails.jsonl');
  }

  /** Items waiting for the database. */
  get waiting(): number {
    return this.entries.length;
  }

  /** Reads what a previous run left and starts draining it. */
  async start(): Promise<void> {
    this.stopped = false;
    if (this.file) {
      let text = '';
      try {
        text = await readFile(this.file, 'utf8');
      } catch (err) {
        // Calls are still routed without it; a voicemail that then cannot be queued gets 429 (Telnyx retries).
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
          this.opts.logger.error({ err, file: this.file }, 'voicemail outbox unreadable: check DATA_DIR');
      }
      const known = new Set(this.entries.map((e) => e.id));
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        try {
          const entry = JSON.parse(line) as OutboxEntry<T>;
          if (!known.has(entry.id)) this.entries.push(entry);
        } catch {
          // A line cut short by a crash mid-append: it was never acknowledged, so Telnyx retried it.
          this.opts.logger.warn({ file: this.file }, 'voicemail outbox: skipped a partial line');
        }
      }
    }
    if (this.entries.length > 0) {
      this.opts.logger.warn({ waiting: this.entries.length }, 'voicemail outbox: voicemails from a previous run wait for the database');
      this.schedule(0);
    }
  }

  /** Durably queues `item` (resolves once it is on disk); throws if it cannot be kept. */
  async enqueue(item: T): Promise<void> {
    if (this.entries.length >= (this.opts.maxEntries ?? MAX_OUTBOX_ENTRIES))
      throw new Error(`the voicemail outbox is full (${this.entries.length} waiting)`);
    const entry: OutboxEntry<T> = { id: randomUUID(), queuedAt: this.opts.clock.now(), item };
    if (this.file) {
      const file = this.file;
      await this.serially(async () => {
        await mkdir(path.dirname(file), { recursive: true });
        const handle = await open(file, 'a', 0o600);
        try {
          await handle.writeFile(`${JSON.stringify(entry)}\n`);
          await handle.sync();
        } finally {
          await handle.close();
        }
      });
    }
    this.entries.push(entry);
    if (!this.timer && !this.draining) this.schedule(this.delay());
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.opts.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  /** Writes what waits, oldest first; on the first failure stops and retries later. */
  async drain(): Promise<void> {
    if (this.draining || this.stopped) return;
    this.draining = true;
    let landed = 0;
    try {
      while (this.entries.length > 0 && !this.stopped) {
        const entry = this.entries[0]!;
        try {
          await this.opts.store(entry.item);
          landed++;
          this.opts.logger.info(
            { ...this.opts.describe(entry.item), waitedMs: this.opts.clock.now() - entry.queuedAt },
            'voicemail from the outbox stored',
          );
        } catch (err) {
          if (!missingRow(err)) {
            this.failures++;
            if (this.failures === 1)
              this.opts.logger.warn({ err, waiting: this.entries.length }, 'voicemail outbox: database still unavailable, retrying');
            this.schedule(this.delay());
            return;
          }
          // Its company was deleted meanwhile: nothing to store it under.
          this.opts.logger.error({ err, ...this.opts.describe(entry.item) }, 'voicemail outbox: company gone, voicemail dropped');
        }
        this.entries.shift();
      }
      if (landed > 0) this.opts.logger.info({ landed, attempts: this.failures + 1 }, 'voicemail outbox drained');
      this.failures = 0;
    } finally {
      this.draining = false;
      if (this.entries.length > 0 && !this.timer) this.schedule(this.delay()); // queued while the loop was ending
      if (landed > 0)
        await this.rewrite().catch((err) =>
          this.opts.logger.warn({ err }, 'voicemail outbox: could not compact the file (entries are idempotent)'),
        );
    }
  }

  /** The file again with only what still waits (atomically: a temporary file renamed over it). */
  private rewrite(): Promise<void> {
    const file = this.file;
    if (!file) return Promise.resolve();
    return this.serially(async () => {
      const tmp = `${file}.tmp`;
      const handle = await open(tmp, 'w', 0o600);
      try {
        await handle.writeFile(this.entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, file);
    });
  }

  private serially<R>(work: () => Promise<R>): Promise<R> {
    const next = this.fileOps.then(work, work);
    this.fileOps = next.catch(() => {});
    return next;
  }

  private delay(): number {
    const base = this.opts.retryBaseMs ?? 250;
    return this.failures === 0 ? base : Math.min(this.opts.retryMaxMs ?? 5_000, base * 2 ** Math.min(this.failures, 20));
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) this.opts.clock.clearTimer(this.timer);
    this.timer = this.opts.clock.setTimer(this.opts.clock.now() + ms, () => {
      this.timer = undefined;
      void this.drain();
    });
  }
}
