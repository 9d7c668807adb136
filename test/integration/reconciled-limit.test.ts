/**
 * The heartbeat budget in Redis mode (src/auth/limits.ts, ReconciledLimit): no Redis command while a
 * key is within half its budget, one script per reconcile for every key, exact counting in Redis
 * past half, and one budget for two instances.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ReconciledLimit } from '../../src/auth/limits.js';
import { dropRedisKeys, REDIS_URL, redisAvailable, uniqueKeyPrefix } from '../support/redis.js';

const ready = await redisAvailable();

describe.runIf(ready)('ReconciledLimit (heartbeat budget shared through Redis)', () => {
  const keyPrefix = uniqueKeyPrefix();
  let redis: Redis;
  const store = () => ({ redis, prefix: `{${keyPrefix}}:` });

  beforeAll(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    redis?.disconnect();
    await dropRedisKeys(keyPrefix);
  });

  it('counts the first half of a budget in memory, then shares it in one script for every key', async () => {
    const limit = new ReconciledLimit('hb', { points: 10, durationSeconds: 60 }, store());
    const sent = vi.spyOn(redis, 'evalsha');
    for (const key of ['ana', 'ben']) for (let i = 0; i < 5; i++) expect(await limit.take(key)).toBe(0);
    expect(sent).not.toHaveBeenCalled();
    await limit.reconcile();
    expect(sent).toHaveBeenCalledTimes(1);
    expect(await redis.get(`{${keyPrefix}}:rl:hb:ana`)).toBe('5');
    expect(await redis.pttl(`{${keyPrefix}}:rl:hb:ana`)).toBeGreaterThan(59_000);
    sent.mockRestore();
  });

  it('two instances share one budget: past half each request is counted in Redis, and the one over it is refused on either', async () => {
    const a = new ReconciledLimit('hb2', { points: 6, durationSeconds: 60 }, store());
    const b = new ReconciledLimit('hb2', { points: 6, durationSeconds: 60 }, store());
    for (const l of [a, b, a, b, a, b]) expect(await l.take('cy')).toBe(0);
    await Promise.all([a.reconcile(), b.reconcile()]);
    for (const l of [a, b]) {
      const wait = await l.take('cy');
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(60_000);
    }
    // Over budget: refused from memory, without a round trip.
    const sent = vi.spyOn(redis, 'evalsha');
    expect(await a.take('cy')).toBeGreaterThan(0);
    expect(sent).not.toHaveBeenCalled();
    sent.mockRestore();
  });

  it('while Redis is away each instance judges from its own counts', async () => {
    const broken = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    const limit = new ReconciledLimit('hb3', { points: 4, durationSeconds: 60 }, { redis: broken, prefix: `{${keyPrefix}}:` });
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await limit.take('dee'));
    expect(results.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(results.slice(4).every((ms) => ms > 0)).toBe(true);
    broken.disconnect();
  });
});
