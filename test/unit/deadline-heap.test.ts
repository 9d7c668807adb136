import { describe, expect, it } from 'vitest';
import { seededRandom } from '../support/random.js';
import { DeadlineHeap } from '../../src/presence/deadline-heap.js';

function drain<K>(h: DeadlineHeap<K>): { key: K; deadline: number }[] {
  const out: { key: K; deadline: number }[] = [];
  for (let e = h.pop(); e !== undefined; e = h.pop()) out.push(e);
  return out;
}

describe('DeadlineHeap', () => {
  it('empty heap', () => {
    const h = new DeadlineHeap<string>();
    expect(h.size).toBe(0);
    expect(h.peek()).toBeUndefined();
    expect(h.pop()).toBeUndefined();
    expect(h.delete('x')).toBe(false);
    expect(h.has('x')).toBe(false);
    expect(h.deadlineOf('x')).toBeUndefined();
  });

  it('pops in nondecreasing deadline order', () => {
    const h = new DeadlineHeap<number>();
    const rnd = seededRandom(7);
    for (let i = 0; i < 500; i++) h.set(i, Math.floor(rnd() * 100)); // many duplicates
    const out = drain(h);
    expect(out).toHaveLength(500);
    for (let i = 1; i < out.length; i++) expect(out[i]!.deadline).toBeGreaterThanOrEqual(out[i - 1]!.deadline);
    expect(new Set(out.map((e) => e.key)).size).toBe(500);
    expect(h.size).toBe(0);
  });

  it('moves a key up and down when its deadline changes', () => {
    const h = new DeadlineHeap<string>();
    h.set('a', 10);
    h.set('b', 20);
    h.set('c', 30);
    h.set('d', 40);
    h.set('d', 5); // up
    expect(h.peek()).toEqual({ key: 'd', deadline: 5 });
    h.set('d', 35); // down
    expect(h.peek()).toEqual({ key: 'a', deadline: 10 });
    h.set('a', 100); // root down
    expect(h.size).toBe(4);
    expect(h.deadlineOf('a')).toBe(100);
    expect(drain(h).map((e) => e.key)).toEqual(['b', 'c', 'd', 'a']);
  });

  it('deletes a middle element and keeps order', () => {
    const h = new DeadlineHeap<string>();
    for (const [k, d] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
      ['d', 4],
      ['e', 5],
      ['f', 6],
      ['g', 7],
    ] as const)
      h.set(k, d);
    expect(h.delete('b')).toBe(true); // an inner node with children
    expect(h.delete('b')).toBe(false);
    expect(h.has('b')).toBe(false);
    expect(h.size).toBe(6);
    expect(drain(h).map((e) => e.key)).toEqual(['a', 'c', 'd', 'e', 'f', 'g']);
  });

  it('delete where the moved-in last element must sift up', () => {
    // Shape: root 0, left subtree large values, right subtree small values; deleting a left-subtree
    // leaf's parent pulls the last (small) element into the left subtree, where it must rise.
    const h = new DeadlineHeap<string>();
    for (const [k, d] of [
      ['r', 0],
      ['L', 100],
      ['R', 1],
      ['LL', 101],
      ['LR', 102],
      ['RL', 2],
      ['RR', 3],
    ] as const) {
      h.set(k, d);
    }
    h.delete('LL');
    // Later inserts keep the moved element off the bottom, so root pops cannot repair a missed sift-up.
    h.set('x', 200);
    h.set('y', 201);
    expect(drain(h).map((e) => e.deadline)).toEqual([0, 1, 2, 3, 100, 102, 200, 201]);
  });

  it('rejects NaN deadlines', () => {
    const h = new DeadlineHeap<string>();
    expect(() => h.set('a', Number.NaN)).toThrow(RangeError);
    expect(h.size).toBe(0);
  });

  it('matches a naive reference over thousands of random operations', () => {
    for (const seed of [1, 2, 3, 42, 1234]) {
      const rnd = seededRandom(seed);
      const h = new DeadlineHeap<number>();
      const ref = new Map<number, number>();
      const refMin = (): number | undefined => {
        let m: number | undefined;
        for (const d of ref.values()) if (m === undefined || d < m) m = d;
        return m;
      };
      for (let op = 0; op < 5000; op++) {
        const r = rnd();
        const key = Math.floor(rnd() * 200);
        if (r < 0.55) {
          const d = Math.floor(rnd() * 1000);
          h.set(key, d);
          ref.set(key, d);
        } else if (r < 0.75) {
          expect(h.delete(key)).toBe(ref.delete(key));
        } else {
          const popped = h.pop();
          const m = refMin();
          if (m === undefined) {
            expect(popped).toBeUndefined();
          } else {
            // Ties may pop any of the tied keys; the deadline and membership must agree.
            expect(popped).toBeDefined();
            expect(popped!.deadline).toBe(m);
            expect(ref.get(popped!.key)).toBe(m);
            ref.delete(popped!.key);
          }
        }
        expect(h.size).toBe(ref.size);
        expect(h.peek()?.deadline).toBe(refMin());
        expect(h.has(key)).toBe(ref.has(key));
        expect(h.deadlineOf(key)).toBe(ref.get(key));
      }
      // Final drain must be sorted and exactly the reference contents.
      const rest = drain(h);
      expect(rest.map((e) => e.deadline)).toEqual([...ref.values()].sort((a, b) => a - b));
      expect(new Set(rest.map((e) => e.key))).toEqual(new Set(ref.keys()));
    }
  });
  it('stays exact when deadlines move later many times between pops (renewals are sifted lazily)', () => {
    for (const seed of [5, 6, 7]) {
      const rnd = seededRandom(seed);
      const h = new DeadlineHeap<number>();
      const ref = new Map<number, number>();
      let now = 0;
      for (let op = 0; op < 20_000; op++) {
        const r = rnd();
        const key = Math.floor(rnd() * 300);
        if (r < 0.75) {
          // A renewal: later than before (the common case), sometimes earlier.
          const d = (ref.get(key) ?? now) + (r < 0.7 ? Math.floor(rnd() * 50) : -Math.floor(rnd() * 50));
          h.set(key, d);
          ref.set(key, d);
        } else if (r < 0.8) {
          expect(h.delete(key)).toBe(ref.delete(key));
        } else {
          // Expire what is due, in order, as the tracker does.
          now += Math.floor(rnd() * 20);
          for (let top = h.peek(); top !== undefined && top.deadline <= now; top = h.peek()) {
            const popped = h.pop()!;
            expect(popped.deadline).toBe(Math.min(...ref.values()));
            expect(ref.get(popped.key)).toBe(popped.deadline);
            ref.delete(popped.key);
          }
        }
        expect(h.deadlineOf(key)).toBe(ref.get(key));
      }
      expect(drain(h).map((e) => e.deadline)).toEqual([...ref.values()].sort((a, b) => a - b));
    }
  });
});
