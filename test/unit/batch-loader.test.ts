import { describe, expect, it } from 'vitest';
import { BatchLoader } from '../../src/infra/batch-loader.js';

/** A load function whose batches the test finishes by hand, recording the keys of each. */
function manualLoads() {
  const batches: { keys: string[]; finish: () => void; fail: (err: Error) => void }[] = [];
  const load = (keys: string[]) =>
    new Promise<Map<string, string>>((resolve, reject) => {
      batches.push({
        keys,
        finish: () => resolve(new Map(keys.filter((k) => !k.startsWith('missing')).map((k) => [k, k.toUpperCase()]))),
        fail: reject,
      });
    });
  return { batches, load };
}

const turn = () => new Promise((r) => setImmediate(r));

describe('BatchLoader', () => {
  it('sends the keys asked for in one turn as one batch, each key once, and answers every caller', async () => {
    const { batches, load } = manualLoads();
    const loader = new BatchLoader({ load, maxBatch: 100, maxInFlight: 2 });
    const answers = Promise.all(['a', 'b', 'a', 'missing-c'].map((k) => loader.load(k)));
    await turn();
    expect(batches.map((b) => b.keys)).toEqual([['a', 'b', 'missing-c']]);
    batches[0]!.finish();
    expect(await answers).toEqual(['A', 'B', 'A', undefined]);
  });

  it('holds keys while maxInFlight batches run, then sends all of them together', async () => {
    const { batches, load } = manualLoads();
    const loader = new BatchLoader({ load, maxBatch: 100, maxInFlight: 1 });
    const first = loader.load('a');
    await turn();
    const later = ['b', 'c', 'd'].map((k) => loader.load(k));
    await turn();
    await turn();
    expect(batches.map((b) => b.keys)).toEqual([['a']]);
    expect(loader.pending).toBe(3);
    batches[0]!.finish();
    expect(await first).toBe('A');
    await turn();
    expect(batches.map((b) => b.keys)).toEqual([['a'], ['b', 'c', 'd']]);
    batches[1]!.finish();
    expect(await Promise.all(later)).toEqual(['B', 'C', 'D']);
  });

  it('splits at maxBatch, up to maxInFlight batches at once', async () => {
    const { batches, load } = manualLoads();
    const loader = new BatchLoader({ load, maxBatch: 2, maxInFlight: 2 });
    const answers = Promise.all(['a', 'b', 'c', 'd', 'e'].map((k) => loader.load(k)));
    await turn();
    expect(batches.map((b) => b.keys)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    batches[1]!.finish();
    await turn();
    expect(batches.map((b) => b.keys)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    batches[0]!.finish();
    batches[2]!.finish();
    expect(await answers).toEqual(['A', 'B', 'C', 'D', 'E']);
  });

  it('a failed batch rejects only its own callers; the next keys load again', async () => {
    const { batches, load } = manualLoads();
    const loader = new BatchLoader({ load, maxBatch: 100, maxInFlight: 1 });
    const failed = loader.load('a');
    await turn();
    const next = loader.load('a');
    batches[0]!.fail(new Error('database down'));
    await expect(failed).rejects.toThrow('database down');
    expect(batches.map((b) => b.keys)).toEqual([['a'], ['a']]);
    batches[1]!.finish();
    expect(await next).toBe('A');
  });
});
