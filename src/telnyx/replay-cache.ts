/**
 * Accepted webhook signatures remembered in memory until they leave the signature window, at most
 * `max` of them (lru-cache: past that the least recently added goes first). Each key carries its own
 * expiry (the signed timestamp plus the tolerance), judged against the caller's clock, so tests drive
 * it with a ManualClock; lru-cache's own ttl is not used because it only knows performance.now().
 */
import { LRUCache } from 'lru-cache';

export class ExpiringKeys {
  /** key → expires at (epoch ms). Keys arrive in roughly expiry order, so the oldest expire first. */
  private readonly keys: LRUCache<string, number>;

  constructor(max: number) {
    this.keys = new LRUCache({ max });
  }

  get size(): number {
    return this.keys.size;
  }

  /** What is remembered (expired keys not yet forgotten included), oldest first. */
  *entries(): IterableIterator<[string, number]> {
    for (const key of this.keys.rkeys()) yield [key, this.keys.peek(key)!];
  }

  /** Whether `key` is remembered and still within its window at `now`. */
  holds(key: string, now: number): boolean {
    const until = this.keys.peek(key);
    return until !== undefined && until >= now;
  }

  /** Remembers `key` until `expiresAt`; the least recently added key goes when the cache is full. */
  remember(key: string, expiresAt: number): void {
    this.keys.set(key, expiresAt);
  }

  /**
   * Drops keys whose window has passed, oldest first, stopping at the first live one: cheap, and a
   * stray out-of-order key just lingers until the one ahead of it expires (or the size cap evicts it).
   */
  forgetExpired(now: number): void {
    const expired: string[] = [];
    for (const key of this.keys.rkeys()) {
      if (this.keys.peek(key)! >= now) break;
      expired.push(key);
    }
    for (const key of expired) this.keys.delete(key);
  }
}
