import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/infra/metrics.js';

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
