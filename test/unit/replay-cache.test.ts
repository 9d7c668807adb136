import { describe, expect, it } from 'vitest';
import { ExpiringKeys } from '../../src/telnyx/replay-cache.js';

describe('ExpiringKeys (accepted signatures, on lru-cache)', () => {
  it('holds a key until its own expiry, judged by the time it is given', () => {
    const keys = new ExpiringKeys(10);
    keys.remember('a', 1000);
    expect(keys.holds('a', 1000)).toBe(true); // the last instant of the window still counts
    expect(keys.holds('a', 1001)).toBe(false);
    expect(keys.holds('b', 0)).toBe(false);
  });

  it('forgets expired keys oldest first, stopping at the first live one', () => {
    const keys = new ExpiringKeys(10);
    keys.remember('a', 100);
    keys.remember('b', 200);
    keys.remember('late', 150); // out of order: lingers behind b
    keys.forgetExpired(160);
    expect([...keys.entries()]).toEqual([
      ['b', 200],
      ['late', 150],
    ]);
    expect(keys.holds('late', 160)).toBe(false); // lingering, but not held
    keys.forgetExpired(201);
    expect(keys.size).toBe(0);
  });

  it('when full, drops the least recently added key', () => {
    const keys = new ExpiringKeys(3);
    for (const k of ['a', 'b', 'c', 'd']) keys.remember(k, 1000);
    expect(keys.size).toBe(3);
    expect(keys.holds('a', 0)).toBe(false);
    expect([...keys.entries()].map(([k]) => k)).toEqual(['b', 'c', 'd']);
  });
});
