/**
 * Multi-instance mode: a configuration or status change made through one instance must not leave
 * the others routing from their cached copy. Each invalidation the directory makes is also
 * published on Redis and applied by every other instance. At most once like any Redis pub/sub
 * message, so a lost one is bounded by the reconnect: after an outage every instance drops its
 * whole cache. (A preload still running goes on from where it was; what it had loaded reloads on
 * demand, in batches.)
 */
import type { Logger } from '../infra/logger.js';
import type { SharedRedis } from '../infra/redis.js';
import type { Directory, DirectoryChange } from './directory.js';

export function shareDirectoryInvalidations(directory: Directory, redis: SharedRedis, logger: Logger): void {
  const channel = `${redis.prefix}directory`;
  const origin = redis.instanceId;

  directory.onChange((change) => {
    redis.command.publish(channel, JSON.stringify({ ...change, origin })).catch((err: Error) => {
      logger.warn(
        { err: err.message, ...change },
        'directory invalidation not shared (redis unavailable); other instances resync on reconnect',
      );
    });
  });

  void redis.subscriber.subscribe(channel).catch(() => {});
  redis.subscriber.on('message', (ch: string, text: string) => {
    if (ch !== channel) return;
    try {
      const message = JSON.parse(text) as Partial<{ company: string; numbers: true }> & { origin: string };
      if (message.origin === origin) return;
      const change: DirectoryChange | null = message.company ? { company: message.company } : message.numbers ? { numbers: true } : null;
      if (change) directory.forget(change);
    } catch {
      logger.warn({ channel }, 'unreadable directory invalidation dropped');
    }
  });
  redis.onRecovered(() => directory.forgetAll());
}
