import { describe, expect, it } from 'vitest';
import { ExpiringEntries } from '../../src/telnyx/replay-cache.js';

describe('ExpiringEntries (signed requests and their answers, on lru-cache)', () => {
  it('holds an entry until its own expiry, judged by the time it is given', () => {
    const entries = new ExpiringEntries<string>({ max: 10 });
    entries.set('a', 'answer a', 1000);
    expect(entries.get('a', 1000)).toBe('answer a'); // the last instant of the window still counts
    expect(entries.get('a', 1001)).toBeUndefined();
    expect(entries.get('b', 0)).toBeUndefined();
  });

  it('forgets expired entries oldest first, stopping at the first live one', () => {
    const entries = new ExpiringEntries<string>({ max: 10 });
    entries.set('a', 'x', 100);
    entries.set('b', 'x', 200);
    entries.set('late', 'x', 150); // out of order: lingers behind b
    entries.forgetExpired(160);
    expect([...entries.list()].map(([key, until]) => [key, until])).toEqual([
      ['b', 200],
      ['late', 150],
    ]);
    expect(entries.get('late', 160)).toBeUndefined(); // lingering, but not held
    entries.forgetExpired(201);
    expect(entries.size).toBe(0);
  });

  it('when full, drops the least recently added entry', () => {
    const entries = new ExpiringEntries<string>({ max: 3 });
    for (const k of ['a', 'b', 'c', 'd']) entries.set(k, k, 1000);
    expect(entries.size).toBe(3);
    expect(entries.get('a', 0)).toBeUndefined();
    expect([...entries.list()].map(([k]) => k)).toEqual(['b', 'c', 'd']);
  });

  it('is also bounded by the size of its values, dropping the oldest first', () => {
    const entries = new ExpiringEntries<string>({ max: 1000, maxSize: 1000, size: (v) => v.length });
    for (let i = 0; i < 10; i++) entries.set(`k${i}`, 'x'.repeat(200), 1000);
    // Each entry weighs 200 + its key: at most four fit in 1000.
    expect(entries.size).toBeLessThanOrEqual(4);
    expect(entries.get('k9', 0)).toBeDefined();
    expect(entries.get('k0', 0)).toBeUndefined();
  });

  it('set again replaces the value and the expiry, and delete forgets', () => {
    const entries = new ExpiringEntries<string>({ max: 10 });
    entries.set('a', 'in flight', 500);
    entries.set('a', 'answered', 900);
    expect(entries.get('a', 800)).toBe('answered');
    entries.delete('a');
    expect(entries.get('a', 0)).toBeUndefined();
  });
});
