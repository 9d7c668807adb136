/**
 * Rows the hot paths produce (last-seen times, call-log entries) gathered by key and written in
 * batches: at most every `flushIntervalMs`, or at once when `maxBatch` keys are waiting. Flushes run
 * one after another; a failed batch is logged and dropped (these writes are records, not state the
 * service depends on), never thrown at the caller.
 */
import type { Clock, TimerHandle } from '../domain/clock.js';
import type { Logger } from './logger.js';

export interface WriteBehindOptions<V> {
  clock: Clock;
  logger: Logger;
  /** For the log line when a batch fails, e.g. "last-seen times". */
  what: string;
  flushIntervalMs: number;
  maxBatch: number;
  /** A second value for a key already waiting: what to keep. */
  merge: (waiting: V, next: V) => V;
  /** Writes one batch (at most maxBatch rows) in one statement. */
  write: (rows: V[]) => Promise<unknown>;
}

export class WriteBehind<V> {
  private pending = new Map<string, V>();
  private timer: TimerHandle | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** Statements and rows written (tests, benchmarks). */
  readonly written = { statements: 0, rows: 0 };

  constructor(private readonly opts: WriteBehindOptions<V>) {}

  put(key: string, value: V): void {
    const waiting = this.pending.get(key);
    this.pending.set(key, waiting === undefined ? value : this.opts.merge(waiting, value));
    if (this.pending.size >= this.opts.maxBatch) void this.flush();
    else this.timer ??= this.opts.clock.setTimer(this.opts.clock.now() + this.opts.flushIntervalMs, () => void this.flush());
  }

  /** Writes everything waiting now; resolves when it is in the database (or the failure is logged). */
  flush(): Promise<void> {
    if (this.timer) this.opts.clock.clearTimer(this.timer);
    this.timer = undefined;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.flushing = this.flushing.then(() => this.writeAll(batch));
    return this.flushing;
  }

  private async writeAll(rows: V[]): Promise<void> {
    for (let i = 0; i < rows.length; i += this.opts.maxBatch) {
      const chunk = rows.slice(i, i + this.opts.maxBatch);
      try {
        await this.opts.write(chunk);
        this.written.statements++;
        this.written.rows += chunk.length;
      } catch (err) {
        this.opts.logger.warn({ err, rows: chunk.length }, `could not write ${this.opts.what}`);
      }
    }
  }
}
