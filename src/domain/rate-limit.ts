/**
 * Token buckets keyed by a string (an agent id): `capacity` requests at once, refilled continuously
 * at `perMinute`. Pure apart from its own map; time is passed in.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly refillPerMs: number;

  constructor(private readonly opts: { capacity: number; perMinute: number }) {
    this.refillPerMs = opts.perMinute / 60_000;
  }

  /** Takes one token; returns 0 when allowed, else the ms until one is available. */
  take(key: string, now: number): number {
    const b = this.buckets.get(key) ?? { tokens: this.opts.capacity, at: now };
    b.tokens = Math.min(this.opts.capacity, b.tokens + Math.max(0, now - b.at) * this.refillPerMs);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / this.refillPerMs);
  }

  forget(key: string): void {
    this.buckets.delete(key);
  }

  get size(): number {
    return this.buckets.size;
  }
}
