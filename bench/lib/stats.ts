/** Latency arithmetic for the benchmark: pure functions, unit-tested. */

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** The load generator samples its own event loop's delay every this many ms (lateness beyond it is reported). */
export const GENERATOR_LOOP_RESOLUTION_MS = 5;

/** What an event loop's delay histogram says, in ms: how late the loop came back to its timer. */
export interface LoopLateness {
  p50: number;
  p99: number;
  max: number;
}

/**
 * A `monitorEventLoopDelay` histogram (ns) as lateness in ms: node records each timer interval whole,
 * its resolution included (an idle loop at a 10 ms resolution reads 10.1 ms), so the resolution is
 * taken off. Null when it recorded nothing.
 */
export function loopLateness(
  histogram: { count: number; max: number; percentile(p: number): number },
  resolutionMs: number,
): LoopLateness | null {
  if (!histogram.count) return null;
  const late = (ns: number) => Math.max(0, Math.round((ns / 1e6 - resolutionMs) * 100) / 100);
  return { p50: late(histogram.percentile(50)), p99: late(histogram.percentile(99)), max: late(histogram.max) };
}

/**
 * The `q`-quantile (0..1) of ascending `sorted` values by the nearest-rank method: the smallest value
 * with at least q·n values at or below it. NaN for no values.
 */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const rank = Math.min(n, Math.max(1, Math.ceil(q * n)));
  return sorted[rank - 1]!;
}

/** Milliseconds summarized; rounds to 0.01 ms so the JSON stays readable. */
export function summarize(values: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    p50: round2(percentile(sorted, 0.5)),
    p90: round2(percentile(sorted, 0.9)),
    p95: round2(percentile(sorted, 0.95)),
    p99: round2(percentile(sorted, 0.99)),
    max: round2(sorted.length ? sorted[sorted.length - 1]! : Number.NaN),
    mean: round2(sorted.length ? sum / sorted.length : Number.NaN),
  };
}

/** `a / b` rounded to two decimals; null when either side is missing or b is 0. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null || b == null || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return round2(a / b);
}

export const round2 = (x: number) => Math.round(x * 100) / 100;

/** A growable array of samples without per-push allocation (millions of latencies fit). */
export class Samples {
  private buffer = new Float64Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.buffer.length) {
      const bigger = new Float64Array(this.buffer.length * 2);
      bigger.set(this.buffer);
      this.buffer = bigger;
    }
    this.buffer[this.length++] = value;
  }

  values(): Float64Array {
    return this.buffer.subarray(0, this.length);
  }
}
