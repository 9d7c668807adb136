import { describe, expect, it } from 'vitest';
import { TokenBuckets } from '../../src/domain/rate-limit.js';

describe('TokenBuckets', () => {
  it('allows a burst of `capacity`, then one per refill interval, with the wait to the next token', () => {
    const buckets = new TokenBuckets({ capacity: 3, perMinute: 60 }); // one token per second
    const t = 1_000_000;
    expect([buckets.take('a', t), buckets.take('a', t), buckets.take('a', t)]).toEqual([0, 0, 0]);
    expect(buckets.take('a', t)).toBe(1000);
    expect(buckets.take('a', t + 400)).toBe(600);
    expect(buckets.take('a', t + 1000)).toBe(0);
    expect(buckets.take('a', t + 1000)).toBe(1000);
  });

  it('keeps keys apart, caps the refill at capacity, and forgets', () => {
    const buckets = new TokenBuckets({ capacity: 2, perMinute: 600 });
    expect(buckets.take('a', 0)).toBe(0);
    expect(buckets.take('b', 0)).toBe(0);
    // An hour idle refills to capacity, not beyond.
    expect([buckets.take('a', 3_600_000), buckets.take('a', 3_600_000), buckets.take('a', 3_600_000)]).toEqual([0, 0, 100]);
    buckets.forget('a');
    expect(buckets.size).toBe(1);
  });

  it('a client heartbeating at the advertised interval is never limited', () => {
    const buckets = new TokenBuckets({ capacity: 10, perMinute: 30 });
    for (let t = 0; t < 3_600_000; t += 10_000) expect(buckets.take('agent', t)).toBe(0);
  });
});
