/**
 * Redis for multi-instance mode (REDIS_URL): one command connection and one subscriber connection
 * per instance, every key and channel under one prefix, and a health flag the shared stores read to
 * decide whether to degrade to their local view.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

export interface SharedRedis {
  /** Scripts and commands. No offline queue: while Redis is away a command fails at once, so callers degrade instead of hanging. */
  command: Redis;
  /** Subscriber mode only (cross-instance events, lease sync). Resubscribes by itself after a reconnect. */
  subscriber: Redis;
  /** Prefix of every key and channel, with a hash tag so a Redis Cluster keeps them in one slot. */
  prefix: string;
  /** This process, in socket counts and its liveness key. */
  instanceId: string;
  /** True while the command connection is ready. */
  healthy(): boolean;
  /** Resolves true once the command connection is ready, false after `timeoutMs` (start degraded). */
  whenReady(timeoutMs: number): Promise<boolean>;
  /** Called each time either connection is ready again after losing Redis (messages may have been missed). */
  onRecovered(fn: () => void): void;
  close(): Promise<void>;
}

export function connectRedis(url: string, opts: { keyPrefix: string; logger: Logger }): SharedRedis {
  const log = opts.logger.child({ component: 'redis' });
  const common = {
    // Keep retrying for ever, at most every 2 s: an instance recovers by itself when Redis returns.
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
    connectTimeout: 2000,
    lazyConnect: false,
  };
  // Auto-pipelining: the commands issued in one event-loop turn leave in one write (fewer syscalls under load).
  const command = new Redis(url, {
    ...common,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    maxRetriesPerRequest: 1,
    commandTimeout: 1000,
  });
  const subscriber = new Redis(url, { ...common, maxRetriesPerRequest: null });
  const recovered: (() => void)[] = [];
  let ready = false;
  let everReady = false;
  let closing = false;
  let announcedDown = false;

  command.on('ready', () => {
    ready = true;
    announcedDown = false;
    if (everReady) {
      log.warn('redis reachable again: leaving degraded mode, resynchronising');
      for (const fn of recovered) fn();
    } else log.info({ prefix: opts.keyPrefix }, 'redis connected: multi-instance mode');
    everReady = true;
  });
  const down = (err?: Error) => {
    if (closing) return;
    // One warning per outage, not one per reconnect attempt.
    if (!announcedDown)
      log.warn({ err: err?.message }, 'redis unavailable: degraded mode (local presence view, local call state); retrying');
    ready = false;
    announcedDown = true;
  };
  command.on('error', down);
  command.on('close', () => down());
  subscriber.on('error', (err) => !closing && log.debug({ err: err.message }, 'redis subscriber error'));
  let subscriberEverReady = false;
  subscriber.on('ready', () => {
    if (subscriberEverReady) for (const fn of recovered) fn();
    subscriberEverReady = true;
  });

  return {
    command,
    subscriber,
    prefix: `{${opts.keyPrefix}}:`,
    instanceId: randomUUID(),
    healthy: () => ready,
    whenReady: (timeoutMs) =>
      ready
        ? Promise.resolve(true)
        : new Promise((resolve) => {
            const timer = setTimeout(() => (command.off('ready', onReady), resolve(false)), timeoutMs);
            const onReady = () => (clearTimeout(timer), resolve(true));
            command.once('ready', onReady);
          }),
    onRecovered: (fn) => void recovered.push(fn),
    async close() {
      closing = true;
      await Promise.allSettled([command.quit(), subscriber.quit()]);
      command.disconnect();
      subscriber.disconnect();
    },
  };
}

/** A Lua script run by hash (EVALSHA), loaded on the first NOSCRIPT (e.g. after a Redis restart). */
export class RedisScript {
  private readonly sha: string;
  constructor(private readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!String((err as Error).message).includes('NOSCRIPT')) throw err;
      return redis.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}
