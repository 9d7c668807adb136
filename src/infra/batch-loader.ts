/**
 * Many callers' lookups by key, made as few queries: keys asked for while the loader is busy wait
 * together and go out as one batch (up to `maxBatch` keys) when a query finishes. With at most
 * `maxInFlight` batches running, a stampede of misses (every agent reconnecting after a restart)
 * costs a handful of queries of hundreds of keys each, not one query per caller; a lone miss waits
 * only for the end of the current event-loop turn.
 *
 * Not the `dataloader` package: it dispatches every tick however many batches are still running
 * (so under load batches stay small and queries pile up on the pool) and it caches; here the caller
 * owns the cache and batches grow while the database is busy.
 */
export interface BatchLoaderOptions<K, V> {
  /** Loads a batch of distinct keys; a key missing from the result resolves as undefined. */
  load: (keys: K[]) => Promise<Map<K, V>>;
  maxBatch: number;
  maxInFlight: number;
}

interface Waiter<V> {
  resolve: (value: V | undefined) => void;
  reject: (err: unknown) => void;
}

export class BatchLoader<K, V> {
  /** Keys not yet sent, in the order first asked for, with everyone waiting for each. */
  private waiting = new Map<K, Waiter<V>[]>();
  private inFlight = 0;
  private scheduled = false;

  constructor(private readonly options: BatchLoaderOptions<K, V>) {}

  load(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = this.waiting.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.waiting.set(key, [{ resolve, reject }]);
      if (!this.scheduled) {
        this.scheduled = true;
        // After the current turn: the other misses this turn's events cause join the same batch.
        setImmediate(() => {
          this.scheduled = false;
          this.dispatch();
        });
      }
    });
  }

  /** Keys waiting for a batch (for tests and metrics). */
  get pending(): number {
    return this.waiting.size;
  }

  private dispatch(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.size > 0) {
      const batch = new Map<K, Waiter<V>[]>();
      for (const [key, waiters] of this.waiting) {
        if (batch.size === this.options.maxBatch) break;
        batch.set(key, waiters);
        this.waiting.delete(key);
      }
      this.inFlight++;
      this.run(batch).finally(() => {
        this.inFlight--;
        this.dispatch(); // what gathered meanwhile goes out at once, as one batch
      });
    }
  }

  private async run(batch: Map<K, Waiter<V>[]>): Promise<void> {
    try {
      const values = await this.options.load([...batch.keys()]);
      for (const [key, waiters] of batch) for (const w of waiters) w.resolve(values.get(key));
    } catch (err) {
      for (const waiters of batch.values()) for (const w of waiters) w.reject(err);
    }
  }
}
