/**
 * Redis for multi-instance suites: availability (a failure in CI, never a skip), a unique key prefix
 * per run so parallel runs do not collide, and cleanup of everything under it.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';

export async function redisAvailable(): Promise<boolean> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch (err) {
    if (process.env.CI) throw new Error(`Redis is required in CI (${REDIS_URL}): ${(err as Error).message}`);
    console.warn(`Redis suites skipped: ${REDIS_URL} is not reachable (${(err as Error).message}). In CI this fails.`);
    return false;
  } finally {
    client.disconnect();
  }
}

export function uniqueKeyPrefix(): string {
  return `curbe-test-${randomBytes(6).toString('hex')}`;
}

/** Deletes every key of a run (keys are `{prefix}:...`). */
export async function dropRedisKeys(prefix: string): Promise<number> {
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `{${prefix}}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
  return deleted;
}
