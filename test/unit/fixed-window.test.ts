import { afterEach, describe, expect, it, vi } from 'vitest';
import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible';
import { seededRandom } from '../support/random.js';
import { FixedWindowCounter } from '../../src/auth/fixed-window.js';

afterEach(() => vi.useRealTimers());

/** What Limit.take answered with rate-limiter-flexible's in-memory limiter: 0, or the ms until the window ends. */
function rlmTake(limiter: RateLimiterMemory, key: string): Promise<number> {
  return limiter.consume(key).then(
    () => 0,
    (res: RateLimiterRes) => Math.max(1, res.msBeforeNext),
  );
}

describe('FixedWindowCounter', () => {
  it('allows `points` per window from the first count, then refuses with the ms left, and starts afresh after it', () => {
    let now = 1_000;
    const counter = new FixedWindowCounter(3, 60_000, () => now);
    expect([counter.take('a'), counter.take('a'), counter.take('a')]).toEqual([0, 0, 0]);
    now += 10_000;
    expect(counter.take('a')).toBe(50_000);
    expect(counter.blockedMs('a')).toBe(50_000);
    expect(counter.take('b')).toBe(0); // keys are counted apart
    expect(counter.blockedMs('b')).toBe(0);
    now += 49_999;
    expect(counter.take('a')).toBe(1);
    now += 1;
    expect(counter.take('a')).toBe(0); // the window ended: a new one starts with this count
    expect(counter.blockedMs('a')).toBe(0);
  });

  it('a budget of 0 refuses every count for the whole window', () => {
    const counter = new FixedWindowCounter(0, 1_000, () => 5);
    expect(counter.take('a')).toBe(1_000);
  });

  it('forgets keys whose window ended, in one pass at most once per window', () => {
    let now = 0;
    const counter = new FixedWindowCounter(5, 1_000, () => now);
    for (let i = 0; i < 100; i++) counter.take(`k${i}`);
    now = 500;
    counter.take('late');
    expect(counter.size).toBe(101);
    now = 1_000; // a window after the last pass: the first hundred have ended, 'late' has not
    counter.take('late');
    expect(counter.size).toBe(1);
  });

  it("answers as rate-limiter-flexible's RateLimiterMemory did, for any sequence of counts and pauses", async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 27, 12), toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    const rnd = seededRandom(14);
    for (const [points, duration] of [
      [1, 1],
      [3, 2],
      [10, 60],
    ] as const) {
      const theirs = new RateLimiterMemory({ points, duration, keyPrefix: 'test' });
      const ours = new FixedWindowCounter(points, duration * 1000);
      for (let i = 0; i < 2_000; i++) {
        const key = `k${Math.floor(rnd() * 4)}`;
        expect(ours.take(key)).toBe(await rlmTake(theirs, key));
        vi.advanceTimersByTime(Math.floor(rnd() * rnd() * duration * 400));
      }
    }
  });
});
