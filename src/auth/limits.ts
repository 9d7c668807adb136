/**
 * Per-principal rate limits: fixed windows of `points` per `durationSeconds`, keyed by agent,
 * principal or source address, counted in memory (src/auth/fixed-window.ts) and, with Redis, by
 * rate-limiter-flexible.
 *
 * With REDIS_URL the count lives in Redis (RateLimiterRedis), so an agent that spreads its requests
 * over every instance still gets one budget. Every request first passes an in-memory limiter with
 * the same budget, so a flood on one instance is refused locally and never reaches Redis; once Redis
 * reports a key over its budget the key is blocked in memory until its window ends
 * (inMemoryBlockOnConsumed). While Redis is away an in-memory insurance limiter takes over, per
 * instance, instead of failing the request.
 *
 * The heartbeat budget (~10k requests/s at full load) is a ReconciledLimit instead: no Redis round
 * trip per heartbeat while an agent is within half its budget (see below).
 *
 * Without Redis there is one instance and one in-memory limiter.
 */
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import { RedisScript } from '../infra/redis.js';
import { FixedWindowCounter } from './fixed-window.js';

export interface LimitSpec {
  points: number;
  durationSeconds: number;
}

export class Limit {
  /** Counted in memory: the only stage without Redis; with it, the first stage (refuses a local flood before it costs a round trip). */
  private readonly local: FixedWindowCounter;
  private readonly shared: RateLimiterRedis | null;

  constructor(
    readonly name: string,
    readonly spec: LimitSpec,
    store: { redis: Redis; prefix: string } | null,
  ) {
    this.local = new FixedWindowCounter(spec.points, spec.durationSeconds * 1000);
    if (!store) {
      this.shared = null;
      return;
    }
    const window = { points: spec.points, duration: spec.durationSeconds };
    this.shared = new RateLimiterRedis({
      ...window,
      storeClient: store.redis,
      keyPrefix: `${store.prefix}rl:${name}`,
      rejectIfRedisNotReady: true,
      inMemoryBlockOnConsumed: spec.points + 1,
      insuranceLimiter: new RateLimiterMemory({ ...window, keyPrefix: `${name}:insurance` }),
    });
  }

  /** Spends one point: 0 when allowed, else the ms until the key's window ends. Without Redis, answered at once (no promise). */
  take(key: string): number | Promise<number> {
    const localWait = this.local.take(key);
    if (localWait > 0 || this.shared === null) return localWait;
    return this.takeShared(this.shared, key);
  }

  /** Without spending: the ms this key is still refused for (0 = not over its budget). Reads memory only in Redis mode. */
  blockedMs(key: string): number {
    if (this.shared === null) return this.local.blockedMs(key);
    const store = this.shared as unknown as { getInMemoryBlockMsBeforeExpire(rlKey: string): number };
    const sharedBlock = store.getInMemoryBlockMsBeforeExpire(this.shared.getKey(key));
    return Math.max(sharedBlock, this.local.blockedMs(key));
  }

  private async takeShared(shared: RateLimiterRedis, key: string): Promise<number> {
    try {
      await shared.consume(key);
      return 0;
    } catch (res) {
      if (res instanceof RateLimiterRes) return Math.max(1, res.msBeforeNext);
      throw res; // the insurance limiter failed too: a bug, not a limit
    }
  }
}

/** How often counts taken in memory are added to the shared counters. */
const RECONCILE_MS = 250;

// KEYS: counters; ARGV[1] window ms, ARGV[i + 1] the increment for KEYS[i]. A counter's window starts
// with its first count (as rate-limiter-flexible's). Returns flat [total, ms left in its window, ...].
const ADD_COUNTS = new RedisScript(`
local out = {}
for i, k in ipairs(KEYS) do
  local total = redis.call('INCRBY', k, ARGV[i + 1])
  local left = redis.call('PTTL', k)
  if left < 0 then
    redis.call('PEXPIRE', k, ARGV[1])
    left = tonumber(ARGV[1])
  end
  out[#out + 1] = total
  out[#out + 1] = left
end
return out
`);

interface KeyCount {
  /** end of the window, epoch ms */
  end: number;
  /** the shared total as Redis last reported it (this instance's sent counts included) */
  known: number;
  /** taken here, not yet added to Redis */
  unsent: number;
}

/**
 * A shared budget that costs no Redis round trip while a key is within half of it (Redis mode,
 * heartbeats). Each instance counts a key's first half in memory and adds its counts to the shared
 * counter in one script every RECONCILE_MS; past half, every request is counted in Redis at once
 * (exact, as RateLimiterRedis), and once Redis reports the key over its budget it is refused from
 * memory until its window ends. A softphone heartbeating at its interval uses a third of the
 * default budget, so it never leaves the first half.
 *
 * Trade-off: instances do not see each other's first halves until they reconcile, so a key spread
 * over I instances within RECONCILE_MS can be admitted up to max(points, I × points/2) in one window
 * (two instances: never more than the budget). While Redis is away each instance judges from its
 * own counts, and adds them to Redis when it returns.
 */
export class ReconciledLimit {
  private readonly counts = new Map<string, KeyCount>();
  private readonly unsentKeys = new Set<string>();
  private readonly localShare: number;
  private readonly windowMs: number;
  private timer: NodeJS.Timeout | undefined;
  private prunedAt = Date.now();

  constructor(
    readonly name: string,
    readonly spec: LimitSpec,
    private readonly store: { redis: Redis; prefix: string },
  ) {
    this.localShare = Math.floor(spec.points / 2);
    this.windowMs = spec.durationSeconds * 1000;
  }

  /**
   * Spends one point: 0 when allowed, else the ms until the key's window ends. Answered at once (no
   * promise) while the key is within the half counted here or already refused; a promise past it.
   */
  take(key: string): number | Promise<number> {
    const now = Date.now();
    let c = this.counts.get(key);
    if (!c) this.counts.set(key, (c = { end: now + this.windowMs, known: 0, unsent: 0 }));
    else if (c.end <= now) {
      // A new window in the same record: an ended window's counts no longer matter (as before, when a new record replaced it).
      c.end = now + this.windowMs;
      c.known = 0;
      c.unsent = 0;
    }
    if (c.known > this.spec.points) return Math.max(1, c.end - now); // over budget: refused without a round trip
    if (c.known + c.unsent < this.localShare) {
      c.unsent++;
      this.unsentKeys.add(key);
      this.timer ??= setTimeout(() => void this.reconcile(), RECONCILE_MS).unref();
      return 0;
    }
    return this.takeShared(key, c, now);
  }

  /** Past half the budget: counted in Redis now, with whatever this instance had not sent yet. */
  private async takeShared(key: string, c: KeyCount, now: number): Promise<number> {
    const n = c.unsent + 1;
    c.unsent = 0;
    try {
      const [total, left] = (await ADD_COUNTS.run(this.store.redis, [this.counterKey(key)], [this.windowMs, n])) as number[];
      this.record(c, total!, left!);
      return c.known > this.spec.points ? Math.max(1, c.end - Date.now()) : 0;
    } catch {
      // Redis away: judged from what this instance knows; the count is added when Redis returns.
      c.unsent += n;
      this.unsentKeys.add(key);
      this.timer ??= setTimeout(() => void this.reconcile(), RECONCILE_MS).unref();
      return c.known + c.unsent > this.spec.points ? Math.max(1, c.end - now) : 0;
    }
  }

  /** Adds every count taken in memory to the shared counters and learns their totals. Runs by itself every RECONCILE_MS. */
  async reconcile(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.prune();
    if (this.unsentKeys.size === 0) return;
    const keys: string[] = [];
    const sent: number[] = [];
    for (const key of this.unsentKeys) {
      const c = this.counts.get(key);
      if (!c || c.unsent === 0) continue;
      keys.push(key);
      sent.push(c.unsent);
      c.unsent = 0;
    }
    this.unsentKeys.clear();
    if (keys.length === 0) return;
    try {
      const out = (await ADD_COUNTS.run(
        this.store.redis,
        keys.map((k) => this.counterKey(k)),
        [this.windowMs, ...sent],
      )) as number[];
      keys.forEach((key, i) => {
        const c = this.counts.get(key);
        if (c) this.record(c, out[2 * i]!, out[2 * i + 1]!);
      });
    } catch {
      keys.forEach((key, i) => {
        const c = this.counts.get(key);
        if (!c) return;
        c.unsent += sent[i]!;
        this.unsentKeys.add(key);
      });
      this.timer ??= setTimeout(() => void this.reconcile(), RECONCILE_MS * 4).unref();
    }
  }

  private record(c: KeyCount, total: number, leftMs: number): void {
    c.known = total;
    c.end = Date.now() + leftMs; // Redis' window is the shared one
  }

  /** Forgets keys whose window ended (at most once per window: a pass over every key). */
  private prune(): void {
    const now = Date.now();
    if (now - this.prunedAt < this.windowMs) return;
    this.prunedAt = now;
    for (const [key, c] of this.counts) if (c.end <= now && c.unsent === 0) this.counts.delete(key);
  }

  private counterKey(key: string): string {
    return `${this.store.prefix}rl:${this.name}:${key}`;
  }
}

/** Every rate limit of the API, built once per instance. */
export class Limits {
  /** Heartbeats and call-state reports per agent (in Redis mode reconciled in batches: ReconciledLimit). */
  readonly heartbeat: Limit | ReconciledLimit;
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
    const heartbeat = { points: config.heartbeatMaxPerMinute, durationSeconds: 60 };
    this.heartbeat = store ? new ReconciledLimit('heartbeat', heartbeat, store) : new Limit('heartbeat', heartbeat, null);
    this.softphoneToken = new Limit('softphone-token', { points: l.softphoneTokensPerHour, durationSeconds: 3600 }, store);
    this.statusChange = new Limit('status-change', { points: l.statusChangesPerMinute, durationSeconds: 60 }, store);
    this.authFailure = new Limit('auth-failure', { points: l.authFailuresPerMinute, durationSeconds: 60 }, store);
    this.ping = new Limit('ping', { points: l.wsPingsPerMinute, durationSeconds: 60 }, null);
  }
}
