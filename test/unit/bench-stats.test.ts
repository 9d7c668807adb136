import { describe, expect, it } from 'vitest';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loopLateness, percentile, ratio, Samples, summarize } from '../../bench/lib/stats.js';
import { packageOf } from '../../bench/profile-summary.js';
import { fullSpeedAt } from '../../bench/lib/report.js';
import { productionNodeFlags } from '../../bench/build.js';

describe('benchmark statistics', () => {
  it('takes nearest-rank percentiles', () => {
    const hundred = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 0.5)).toBe(50);
    expect(percentile(hundred, 0.99)).toBe(99);
    expect(percentile(hundred, 1)).toBe(100);
    expect(percentile(hundred, 0)).toBe(1);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeNaN();
  });

  it('summarizes unsorted samples', () => {
    const samples = new Samples();
    for (const v of [5, 1, 4, 2, 3]) samples.push(v);
    expect(summarize(samples.values())).toEqual({ count: 5, p50: 3, p90: 5, p95: 5, p99: 5, max: 5, mean: 3 });
  });

  it('grows its sample buffer without losing values', () => {
    const samples = new Samples();
    for (let i = 0; i < 5000; i++) samples.push(i);
    expect(samples.length).toBe(5000);
    expect(samples.values()[4999]).toBe(4999);
  });

  it('gives ratios only between two real figures', () => {
    expect(ratio(300, 100)).toBe(3);
    expect(ratio(1, 3)).toBe(0.33);
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(null, 3)).toBeNull();
  });

  it("reads an event loop's delay histogram as lateness beyond its resolution", async () => {
    // node records each interval whole: an idle loop sampled every 10 ms reads about 10 ms, i.e. not late.
    const idle = monitorEventLoopDelay({ resolution: 10 });
    idle.enable();
    await new Promise((resolve) => setTimeout(resolve, 200));
    idle.disable();
    expect(idle.percentile(50) / 1e6).toBeGreaterThanOrEqual(10);
    expect(loopLateness(idle, 10)!.p50).toBeLessThan(5);
    // A loop blocked for 60 ms is that late, the resolution taken off.
    const blocked = monitorEventLoopDelay({ resolution: 10 });
    blocked.enable();
    await new Promise((resolve) => setTimeout(resolve, 30));
    const until = performance.now() + 60;
    while (performance.now() < until) {}
    await new Promise((resolve) => setTimeout(resolve, 30));
    blocked.disable();
    expect(loopLateness(blocked, 10)!.max).toBeGreaterThanOrEqual(45);
    expect(loopLateness({ count: 0, max: 0, percentile: () => 0 }, 10)).toBeNull();
  });

  it('charges profile frames to their package', () => {
    expect(packageOf('file:///w/node_modules/@prisma/client/runtime/client.js')).toBe('@prisma/client');
    expect(packageOf('file:///w/node_modules/jose/dist/x.js')).toBe('jose');
    expect(packageOf('file:///w/src/app.ts')).toBe('curbe (src/)');
    expect(packageOf('node:internal/crypto/util')).toBe('node internals / native');
  });
});

describe('cold start: when the service reached full speed', () => {
  it('is the first second at 80% of the median full second; the last, partial second does not count', () => {
    // A slow start (a cold directory), then steady; one noisy dip later does not move it.
    expect(fullSpeedAt([59, 271, 212, 237, 767, 3271, 4555, 3733, 4004, 3210, 4132, 119])).toBe(5);
    expect(fullSpeedAt([4000, 4100, 3900, 10])).toBe(0);
    expect(fullSpeedAt([100, 100, 100, 4000, 4000, 4000, 4000, 4000, 10])).toBe(3);
    expect(fullSpeedAt([])).toBeNull();
    expect(fullSpeedAt(undefined)).toBeNull();
  });
});

describe("the bench's servers start as start:prod does", () => {
  it('takes the node flags before the script', () => {
    expect(productionNodeFlags('node --max-semi-space-size=64 --enable-source-maps dist/main.js')).toEqual([
      '--max-semi-space-size=64',
      '--enable-source-maps',
    ]);
    expect(productionNodeFlags('node dist/main.js')).toEqual([]);
    expect(() => productionNodeFlags('tsx src/main.ts')).toThrow(/does not start with node/);
  });

  it("reads package.json's start:prod", () => {
    expect(productionNodeFlags()).toContain('--enable-source-maps');
  });
});
