/**
 * Rows the hot paths produce (last-seen times, call-log entries) gathered by key and written in
 * batches: at most every `flushIntervalMs`, or at once when `maxBatch` keys are waiting. Flushes run
 * one after another and never throw at the caller.
 *
 * A batch the database refuses (it is down, or away) is kept and retried with backoff until it
 * lands; a newer value for a key that waits is merged into it. What waits is bounded: past
 * `maxWaitingRows` the oldest rows are dropped (logged and counted), so an outage of any length
 * costs bounded memory. One log line when writes start waiting, one when they land again.
 */
import type { Clock, TimerHandle } from '../domain/clock.js';
import type { Logger } from './logger.js';

export const DEFAULT_MAX_WAITING_ROWS = 100_000;

export interface WriteBehindOptions<V> {
  clock: Clock;
  logger: Logger;
  /** For log lines and metric labels, e.g. "last-seen times". */
  what: string;
  flushIntervalMs: number;
  maxBatch: number;
  /** Rows kept while the database is away; past it the oldest are dropped. */
  maxWaitingRows?: number;
  /** First retry after this long, doubling up to retryMaxMs. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** A second value for a key already waiting: what to keep. */
  merge: (waiting: V, next: V) => V;
  /** Writes one batch (at most maxBatch rows) in one statement. */
  write: (rows: V[]) => Promise<unknown>;
}

export class WriteBehind<V> {
  /** Insertion order is age order: the first keys are the oldest (dropped first past the bound). */
  private pending = new Map<string, V>();
  private inFlight = 0;
  private timer: TimerHandle | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** Failed attempts in a row (0 = writes land). */
  private failures = 0;
  private droppedThisOutage = 0;
  private stopped = false;
  private readonly maxWaitingRows: number;
  /** Statements and rows written (tests, benchmarks). */
  readonly written = { statements: 0, rows: 0 };
  /** Rows dropped past the bound since start (the counter metric). */
  dropped = 0;

  constructor(private readonly opts: WriteBehindOptions<V>) {
    this.maxWaitingRows = opts.maxWaitingRows ?? DEFAULT_MAX_WAITING_ROWS;
  }

  get what(): string {
    return this.opts.what;
  }

  /** Rows not in the database yet: waiting, or being written. */
  get waiting(): number {
    return this.pending.size + this.inFlight;
  }

  put(key: string, value: V): void {
    const waiting = this.pending.get(key);
    this.pending.set(key, waiting === undefined ? value : this.opts.merge(waiting, value));
    this.bound();
    // While the database is away, the retry timer decides when to try again.
    if (this.pending.size >= this.opts.maxBatch && this.failures === 0) void this.flush();
    else this.timer ??= this.opts.clock.setTimer(this.opts.clock.now() + this.opts.flushIntervalMs, () => this.onTimer());
  }

  /** Writes everything waiting now; resolves when it is in the database or kept for a retry. */
  flush(): Promise<void> {
    if (this.timer) this.opts.clock.clearTimer(this.timer);
    this.timer = undefined;
    const batch = [...this.pending];
    this.pending = new Map();
    this.inFlight += batch.length;
    this.flushing = this.flushing.then(() => this.writeAll(batch));
    return this.flushing;
  }

  /** A last flush; no retries after it (what still waits is logged as lost). */
  async stop(): Promise<void> {
    await this.flush();
    this.stopped = true;
    if (this.timer) this.opts.clock.clearTimer(this.timer);
    this.timer = undefined;
    if (this.pending.size > 0)
      this.opts.logger.error(
        { rows: this.pending.size, what: this.opts.what },
        `stopping with ${this.opts.what} not written: they are lost`,
      );
  }

  private onTimer(): void {
    this.timer = undefined;
    if (!this.stopped) void this.flush();
  }

  private async writeAll(rows: [string, V][]): Promise<void> {
    for (let i = 0; i < rows.length; i += this.opts.maxBatch) {
      const chunk = rows.slice(i, i + this.opts.maxBatch);
      try {
        await this.opts.write(chunk.map(([, v]) => v));
        this.inFlight -= chunk.length;
        this.written.statements++;
        this.written.rows += chunk.length;
      } catch (err) {
        // The rest of the batch would fail the same way: keep it all for the retry.
        const kept = rows.slice(i);
        this.inFlight -= kept.length;
        this.keep(kept, err);
        return;
      }
    }
    if (this.failures > 0 && rows.length > 0) {
      this.opts.logger.info(
        { rows: rows.length, attempts: this.failures, dropped: this.droppedThisOutage, what: this.opts.what },
        `${this.opts.what} written again`,
      );
      this.failures = 0;
      this.droppedThisOutage = 0;
      if (this.pending.size > 0) void this.flush(); // what came in meanwhile
    }
  }

  /** Puts a failed batch back in front of what came meanwhile (merged per key) and arms the retry. */
  private keep(rows: [string, V][], err: unknown): void {
    const merged = new Map(rows);
    for (const [key, value] of this.pending) {
      const older = merged.get(key);
      merged.set(key, older === undefined ? value : this.opts.merge(older, value));
    }
    this.pending = merged;
    this.bound();
    this.failures++;
    if (this.failures === 1) {
      this.opts.logger.warn(
        { err, rows: this.pending.size, what: this.opts.what },
        `could not write ${this.opts.what}: keeping them and retrying`,
      );
    }
    if (this.stopped) return;
    const base = this.opts.retryBaseMs ?? 500;
    const delay = Math.min(this.opts.retryMaxMs ?? 30_000, base * 2 ** Math.min(this.failures - 1, 20));
    if (this.timer) this.opts.clock.clearTimer(this.timer);
    this.timer = this.opts.clock.setTimer(this.opts.clock.now() + delay, () => this.onTimer());
  }

  /** Past the bound the oldest rows go: logged once per outage, counted always. */
  private bound(): void {
    const excess = this.pending.size - this.maxWaitingRows;
    if (excess <= 0) return;
    const keys = this.pending.keys();
    for (let i = 0; i < excess; i++) this.pending.delete(keys.next().value as string);
    this.dropped += excess;
    if (this.droppedThisOutage === 0) {
      this.opts.logger.error(
        { bound: this.maxWaitingRows, dropped: excess, what: this.opts.what },
        `too many ${this.opts.what} waiting: dropped the oldest`,
      );
    }
    this.droppedThisOutage += excess;
  }
}

/** A writer built on a WriteBehind: what it has written, what waits, what was dropped. */
export abstract class BatchedWriter<V> {
  protected readonly batches: WriteBehind<V>;

  constructor(opts: WriteBehindOptions<V>) {
    this.batches = new WriteBehind(opts);
  }

  /** Statements and rows written (tests, benchmarks). */
  get written() {
    return this.batches.written;
  }

  /** Rows not in the database yet (kept while it is away). */
  get waiting(): number {
    return this.batches.waiting;
  }

  /** Rows dropped past the bound since start. */
  get dropped(): number {
    return this.batches.dropped;
  }

  get what(): string {
    return this.batches.what;
  }
}
