/**
 * Per-principal rate limits (rate-limiter-flexible): fixed windows of `points` per `durationSeconds`,
 * keyed by agent, principal or source address.
 *
 * With REDIS_URL the count lives in Redis (RateLimiterRedis), so an agent that spreads its requests
 * over every instance still gets one budget. Cost on the hot path (heartbeats, ~10k/s at full
 * load): every request first passes an in-memory limiter with the same budget, so a flood on one
 * instance is refused locally and never reaches Redis; a request that passes costs one EVALSHA on
 * the connection the presence leases already use (about what a lease renewal costs); and once Redis
 * reports a key over its budget the key is blocked in memory until its window ends
 * (inMemoryBlockOnConsumed), so a blocked client costs no Redis round trip either. While Redis is
 * away an in-memory insurance limiter takes over, per instance, instead of failing the request.
 *
 * Without Redis there is one instance and one in-memory limiter.
 */
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config.js';

export interface LimitSpec {
  points: number;
  durationSeconds: number;
}

export class Limit {
  /** First stage on this instance (Redis mode): refuses a local flood before it costs a round trip. */
  private readonly local: RateLimiterMemory | null;
  private readonly shared: RateLimiterRedis | RateLimiterMemory;

  constructor(
    readonly name: string,
    readonly spec: LimitSpec,
    store: { redis: Redis; prefix: string } | null,
  ) {
    const window = { points: spec.points, duration: spec.durationSeconds };
    if (!store) {
      this.local = null;
      this.shared = new RateLimiterMemory({ ...window, keyPrefix: name });
      return;
    }
    this.local = new RateLimiterMemory({ ...window, keyPrefix: `${name}:local` });
    this.shared = new RateLimiterRedis({
      ...window,
      storeClient: store.redis,
      keyPrefix: `${store.prefix}rl:${name}`,
      rejectIfRedisNotReady: true,
      inMemoryBlockOnConsumed: spec.points + 1,
      insuranceLimiter: new RateLimiterMemory({ ...window, keyPrefix: `${name}:insurance` }),
    });
  }

  /** Spends one point: 0 when allowed, else the ms until the key's window ends. */
  async take(key: string): Promise<number> {
    try {
      if (this.local) await this.local.consume(key);
      await this.shared.consume(key);
      return 0;
    } catch (res) {
      if (res instanceof RateLimiterRes) return Math.max(1, res.msBeforeNext);
      throw res; // the insurance limiter failed too: a bug, not a limit
    }
  }

  /** Without spending: the ms this key is still refused for (0 = not over its budget). Reads memory only in Redis mode. */
  async blockedMs(key: string): Promise<number> {
    if (this.shared instanceof RateLimiterRedis) {
      const store = this.shared as unknown as { getInMemoryBlockMsBeforeExpire(rlKey: string): number };
      const sharedBlock = store.getInMemoryBlockMsBeforeExpire(this.shared.getKey(key));
      return Math.max(sharedBlock, await overBudgetMs(this.local!, key, this.spec.points));
    }
    return overBudgetMs(this.shared, key, this.spec.points);
  }
}

async function overBudgetMs(limiter: RateLimiterMemory, key: string, points: number): Promise<number> {
  const res = await limiter.get(key);
  return res && res.consumedPoints > points ? Math.max(1, res.msBeforeNext) : 0;
}

/** Every rate limit of the API, built once per instance. */
export class Limits {
  /** Heartbeats and call-state reports per agent. */
  readonly heartbeat: Limit;
  /** `softphone` queries (each mints a Telnyx login token) per agent. */
  readonly softphoneToken: Limit;
  /** setAgentStatus per principal (agent, or a company's supervisors). */
  readonly statusChange: Limit;
  /** Failed authentications per source address. */
  readonly authFailure: Limit;
  /** graphql-ws and WebSocket pings per socket: per instance by nature (a socket lives in one process). */
  readonly ping: Limit;

  constructor(config: Pick<Config, 'limits' | 'heartbeatMaxPerMinute'>, store: { redis: Redis; prefix: string } | null) {
    const l = config.limits;
    this.heartbeat = new Limit('heartbeat', { points: config.heartbeatMaxPerMinute, durationSeconds: 60 }, store);
    this.softphoneToken = new Limit('softphone-token', { points: l.softphoneTokensPerHour, durationSeconds: 3600 }, store);
    this.statusChange = new Limit('status-change', { points: l.statusChangesPerMinute, durationSeconds: 60 }, store);
    this.authFailure = new Limit('auth-failure', { points: l.authFailuresPerMinute, durationSeconds: 60 }, store);
    this.ping = new Limit('ping', { points: l.wsPingsPerMinute, durationSeconds: 60 }, null);
  }
}
