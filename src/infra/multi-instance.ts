/**
 * Multi-instance mode (REDIS_URL set): the Redis connections, the cross-instance pub/sub and the
 * readiness hook for subscribers, built once per app and closed with it.
 */
import type { Logger } from './logger.js';
import type { PubSubOf, TopicMap } from './pubsub.js';
import { connectRedis, type SharedRedis } from './redis.js';
import { createRedisPubSub, type RedisPubSub } from './redis-pubsub.js';

export interface MultiInstance<T extends TopicMap> {
  redis: SharedRedis;
  pubsub: PubSubOf<T>;
  subscribed: RedisPubSub<T>['subscribed'];
  close(): Promise<void>;
}

export function joinInstances<T extends TopicMap>(opts: { redisUrl: string; keyPrefix: string; logger: Logger }): MultiInstance<T> {
  const redis = connectRedis(opts.redisUrl, { keyPrefix: opts.keyPrefix, logger: opts.logger });
  const events = createRedisPubSub<T>({
    publisher: redis.command,
    subscriber: redis.subscriber,
    channelPrefix: `${redis.prefix}events:`,
    logger: opts.logger,
  });
  return { redis, pubsub: events.pubsub, subscribed: events.subscribed, close: () => redis.close() };
}
