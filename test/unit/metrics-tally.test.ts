import { describe, expect, it } from 'vitest';
import { Histogram, Registry } from 'prom-client';
import { createMetrics, SeriesHistogram, webhookObserver } from '../../src/infra/metrics.js';

describe('the heartbeats counter (tallied, flushed when read)', () => {
  it('shows every increment by transport on get() and in the scrape, as often as it is read', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.heartbeats.inc({ transport: 'ws' }, 1);
    metrics.heartbeats.inc({ transport: 'ws' });
    metrics.heartbeats.inc({ transport: 'http' }, 3);
    const values = async () => Object.fromEntries((await metrics.heartbeats.get()).values.map((v) => [v.labels.transport, v.value]));
    expect(await values()).toEqual({ ws: 2, http: 3 });
    expect(await values(), 'reading again adds nothing twice').toEqual({ ws: 2, http: 3 });
    metrics.heartbeats.inc({ transport: 'ws' }, 5);
    const scrape = await metrics.registry.metrics();
    expect(scrape).toContain('curbe_heartbeats_total{transport="ws"} 7');
    expect(scrape).toContain('curbe_heartbeats_total{transport="http"} 3');
  });

  it("keeps prom-client's refusals: an unknown label or a negative value throws at once", () => {
    const metrics = createMetrics({ defaultMetrics: false });
    expect(() => metrics.heartbeats.inc({ transport: 'ws', company: 'x' } as never, 1)).toThrow(/label/i);
    expect(() => metrics.heartbeats.inc({ transport: 'ws' }, -1)).toThrow(/decrease/);
  });
});

describe('the routing decisions counter (tallied as the heartbeats)', () => {
  it('counts a kept series and a direct increment alike, per outcome, in the scrape', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const observer = webhookObserver(metrics);
    observer.decision('ring');
    observer.decision('ring');
    observer.decision('fallback');
    metrics.routingDecisions.inc({ outcome: 'ring' });
    const scrape = await metrics.registry.metrics();
    expect(scrape).toContain('curbe_routing_decisions_total{outcome="ring"} 3');
    expect(scrape).toContain('curbe_routing_decisions_total{outcome="fallback"} 1');
  });
});

describe('SeriesHistogram (the webhook latency histogram)', () => {
  const buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
  /** The same observations into prom-client's Histogram and into ours, each in a registry of its own. */
  const both = () => {
    const theirsRegistry = new Registry();
    const oursRegistry = new Registry();
    const config = { name: 'latency_seconds', help: 'Latency.', labelNames: ['route', 'status'] as const, buckets };
    const theirs = new Histogram({ ...config, labelNames: ['route', 'status'], registers: [theirsRegistry] });
    const ours = new SeriesHistogram({ ...config, registers: [oursRegistry] });
    return { theirs, ours, theirsRegistry, oursRegistry };
  };

  it("exposes exactly what prom-client's Histogram exposes for the same observations (text and JSON)", async () => {
    const { theirs, ours, theirsRegistry, oursRegistry } = both();
    const routes = ['voice', 'status', 'dial-complete'];
    const statuses = ['200', '403'];
    const kept = new Map<string, { observe(v: number): void }>();
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let i = 0; i < 5_000; i++) {
      const labels = { route: routes[i % 3]!, status: statuses[i % 7 === 0 ? 1 : 0]! };
      // Bounds themselves, values past the last bound, zero, and a spread in between.
      const value = i % 11 === 0 ? buckets[i % buckets.length]! : i % 13 === 0 ? 7 + random() : i % 17 === 0 ? 0 : random() ** 4 * 3;
      theirs.observe(labels, value);
      const key = `${labels.route}/${labels.status}`;
      if (!kept.has(key)) kept.set(key, ours.labels(labels));
      kept.get(key)!.observe(value);
    }
    expect(await oursRegistry.metrics()).toBe(await theirsRegistry.metrics());
    expect(await oursRegistry.getMetricsAsJSON()).toEqual(await theirsRegistry.getMetricsAsJSON());
  });

  it('gives a label set asked twice one series, refuses a label set that is not exactly its labels, and ignores a non-finite value', async () => {
    const { ours, oursRegistry } = both();
    ours.labels({ route: 'voice', status: '200' }).observe(0.002);
    ours.labels({ route: 'voice', status: '200' }).observe(0.02);
    ours.labels({ route: 'voice', status: '200' }).observe(Number.NaN);
    expect(() => ours.labels({ route: 'voice' } as never)).toThrow(/labels must be exactly route, status/);
    expect(() => ours.labels({ route: 'voice', status: '200', company: 'c1' } as never)).toThrow(/labels must be exactly/);
    const scrape = await oursRegistry.metrics();
    expect(scrape).toContain('latency_seconds_count{route="voice",status="200"} 2');
    expect(scrape).toContain('latency_seconds_bucket{le="0.0025",route="voice",status="200"} 1');
    expect(scrape).toContain('latency_seconds_sum{route="voice",status="200"} 0.022');
  });

  it('reset() zeroes every series, and a series kept by its caller counts on from zero', async () => {
    const { ours, oursRegistry } = both();
    const series = ours.labels({ route: 'voice', status: '200' });
    series.observe(0.3);
    oursRegistry.resetMetrics();
    series.observe(0.001);
    const scrape = await oursRegistry.metrics();
    expect(scrape).toContain('latency_seconds_count{route="voice",status="200"} 1');
    expect(scrape).toContain('latency_seconds_bucket{le="0.5",route="voice",status="200"} 1');
  });
});
