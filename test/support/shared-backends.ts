/**
 * What several service instances of one deployment share in a test: a fresh Postgres database, a Redis
 * key prefix of their own (dropped after), one JWT secret (tokens and callback-URL MACs made on one
 * instance hold on the others), and the round-robin load balancer in front of them, whose URL is their
 * PUBLIC_URL, so every callback URL they emit goes through it too. `env` is what each instance gets.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { WaitingCaller } from '../../src/domain/queue.js';
import type { StoredQueues } from '../../src/calls/waiting-list.js';
import { type Balancer, startBalancer } from './balancer.js';
import { freshPostgres, postgresAvailable } from './harness.js';
import { dropRedisKeys, REDIS_URL, redisAvailable, uniqueKeyPrefix } from './redis.js';

export interface SharedBackends {
  env: Record<string, string>;
  balancer: Balancer;
  /** The company's waiting list as Redis holds it (what every instance loads under the company's lock). */
  waiting(companyId: string): Promise<WaitingCaller[]>;
  close(): Promise<void>;
}

/** Postgres and Redis both answer (in CI their absence fails instead: see postgresAvailable, redisAvailable). */
export async function sharedBackendsAvailable(): Promise<boolean> {
  return (await postgresAvailable()) && (await redisAvailable());
}

export async function startSharedBackends(): Promise<SharedBackends> {
  const keyPrefix = uniqueKeyPrefix();
  const pg = await freshPostgres();
  const balancer = await startBalancer();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  return {
    env: {
      DATABASE_URL: pg.url,
      DATABASE_POOL_MAX: '4',
      REDIS_URL,
      REDIS_KEY_PREFIX: keyPrefix,
      JWT_SECRET: randomBytes(32).toString('hex'),
      PUBLIC_URL: balancer.url,
    },
    balancer,
    async waiting(companyId) {
      // The key layout of src/calls/waiting-list.ts (SharedWaitingList) under src/infra/redis.ts's prefix.
      const value = await redis.get(`{${keyPrefix}}:queues:${companyId}`);
      return value ? (JSON.parse(value) as StoredQueues).callers : [];
    },
    async close() {
      await balancer.close();
      redis.disconnect();
      await pg.drop();
      await dropRedisKeys(keyPrefix);
    },
  };
}
