import { setMaxListeners } from 'node:events';
import { createPubSub } from 'graphql-yoga';

/**
 * Topic name → [company id, payload]: every topic is keyed by company, so a subscriber only ever
 * receives its own company's events. The topics themselves belong to the services (src/services/topics.ts).
 */
export type TopicMap = Record<string, [companyId: string, payload: unknown]>;

export type PubSubOf<T extends TopicMap> = ReturnType<typeof createPubSub<T>>;

/** One instance's pub/sub; REDIS_URL switches to the Redis event target (src/infra/redis-pubsub.ts). */
export function createInMemoryPubSub<T extends TopicMap>(): PubSubOf<T> {
  // One listener per subscriber of a company's topic: a thousand supervisors is normal, not a leak.
  const eventTarget = new EventTarget();
  setMaxListeners(0, eventTarget);
  return createPubSub<T>({ eventTarget });
}
