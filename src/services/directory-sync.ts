/**
 * Multi-instance mode: a configuration or status change made through one instance must not leave
 * the others routing from their cached copy. Each invalidation is also published on Redis and
 * applied by every other instance. At most once like any Redis pub/sub message, so a lost one is
 * bounded by the reconnect: after an outage every instance drops its whole cache.
 */
import type { Logger } from '../infra/logger.js';
import type { SharedRedis } from '../infra/redis.js';
import type { Directory } from './directory.js';

export function shareDirectoryInvalidations(directory: Directory, redis: SharedRedis, logger: Logger): void {
  const channel = `${redis.prefix}directory`;
  const invalidateLocally = directory.invalidateCompany.bind(directory);
  const invalidateNumbersLocally = directory.invalidateNumbers.bind(directory);
  const loaded = new Set<string>(); // companies this instance has seen, to drop after an outage
  const origin = redis.instanceId;

  const announce = (message: { company?: string; numbers?: true }) => {
    redis.command.publish(channel, JSON.stringify({ ...message, origin })).catch((err: Error) => {
      logger.warn(
        { err: err.message, ...message },
        'directory invalidation not shared (redis unavailable); other instances resync on reconnect',
      );
    });
  };
  directory.invalidateCompany = (companyId: string) => {
    invalidateLocally(companyId);
    announce({ company: companyId });
  };
  directory.invalidateNumbers = () => {
    invalidateNumbersLocally();
    announce({ numbers: true });
  };
  const company = directory.company.bind(directory);
  directory.company = (companyId: string) => {
    const found = company(companyId);
    found.then(
      (c) => c && loaded.add(companyId),
      () => {},
    ); // only real companies: made-up ids must not fill memory
    return found;
  };

  void redis.subscriber.subscribe(channel).catch(() => {});
  redis.subscriber.on('message', (ch: string, text: string) => {
    if (ch !== channel) return;
    try {
      const message = JSON.parse(text) as { company?: string; numbers?: true; origin: string };
      if (message.origin === origin) return;
      if (message.company) invalidateLocally(message.company);
      if (message.numbers) invalidateNumbersLocally();
    } catch {
      logger.warn({ channel }, 'unreadable directory invalidation dropped');
    }
  });
  redis.onRecovered(() => {
    for (const id of loaded) invalidateLocally(id);
    loaded.clear();
    invalidateNumbersLocally();
  });
}
