/**
 * Signed webhook requests remembered in memory until they leave the signature window, with a value
 * each (what they were answered), bounded by count and by the values' total size (lru-cache: past
 * either the least recently added goes first). Each entry carries its own expiry (the signed
 * timestamp plus the tolerance), judged against the caller's clock, so tests drive it with a
 * ManualClock; lru-cache's own ttl is not used because it only knows performance.now().
 */
import { LRUCache } from 'lru-cache';

interface Entry<V> {
  until: number;
  value: V;
}

export class ExpiringEntries<V extends {}> {
  /** key → expiry (epoch ms) and value. Keys arrive in roughly expiry order, so the oldest expire first. */
  private readonly entries: LRUCache<string, Entry<V>>;

  /** size: what one value weighs against `maxSize` (by default 1 each, so only `max` bounds). */
  constructor(opts: { max: number; maxSize?: number; size?: (value: V) => number }) {
    const size = opts.size;
    this.entries = new LRUCache<string, Entry<V>>({
      max: opts.max,
      ...(opts.maxSize !== undefined && {
        maxSize: opts.maxSize,
        sizeCalculation: (entry, key) => Math.max(1, Math.ceil((size ? size(entry.value) : 1) + key.length)),
      }),
    });
  }

  get size(): number {
    return this.entries.size;
  }

  /** What is remembered (expired entries not yet forgotten included), oldest first. */
  *list(): IterableIterator<[key: string, until: number, value: V]> {
    for (const key of this.entries.rkeys()) {
      const entry = this.entries.peek(key)!;
      yield [key, entry.until, entry.value];
    }
  }

  /** The value of `key` if it is remembered and still within its window at `now`. */
  get(key: string, now: number): V | undefined {
    const entry = this.entries.peek(key);
    return entry !== undefined && entry.until >= now ? entry.value : undefined;
  }

  /** Remembers `key` until `until`; the least recently added entry goes when the cache is full. */
  set(key: string, value: V, until: number): void {
    this.entries.set(key, { until, value });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /**
   * Drops entries whose window has passed, oldest first, stopping at the first live one: cheap, and
   * a stray out-of-order entry just lingers until the one ahead of it expires (or a bound evicts it).
   */
  forgetExpired(now: number): void {
    const expired: string[] = [];
    for (const key of this.entries.rkeys()) {
      if (this.entries.peek(key)!.until >= now) break;
      expired.push(key);
    }
    for (const key of expired) this.entries.delete(key);
  }
}
