/**
 * GraphQL subscription events across instances: Yoga's createPubSub over a Redis event target.
 *
 * Same protocol as @graphql-yoga/redis-event-target 3.0.4 (one SUBSCRIBE per topic with listeners,
 * every message fanned out to local listeners, at-most-once), written here for three things that
 * package lacks: a channel prefix (several deployments or test runs on one Redis), a failed PUBLISH
 * is logged instead of becoming an unhandled rejection, and `subscribed(topic)` tells when the
 * SUBSCRIBE is active, so a subscriber reads its snapshot only after it can no longer miss an event.
 */
import { createPubSub } from 'graphql-yoga';
import type { Redis } from 'ioredis';
import type { Logger } from './logger.js';
import type { PubSubOf, TopicMap } from './pubsub.js';

type Listener = (event: CustomEvent) => void;
type ListenerArg = Listener | { handleEvent: Listener } | null;

export interface RedisPubSub<T extends TopicMap> {
  pubsub: PubSubOf<T>;
  /** Resolves once this instance's SUBSCRIBE for `topic:id` is active (or after `timeoutMs`, degraded). */
  subscribed(topic: keyof T & string, id: string, timeoutMs?: number): Promise<void>;
}

export function createRedisPubSub<T extends TopicMap>(opts: {
  publisher: Redis;
  subscriber: Redis;
  channelPrefix: string;
  logger: Logger;
}): RedisPubSub<T> {
  const { publisher, subscriber, channelPrefix, logger } = opts;
  const listeners = new Map<string, Set<Listener>>();
  const subscribing = new Map<string, Promise<unknown>>();

  subscriber.on('message', (channel: string, message: string) => {
    if (!channel.startsWith(channelPrefix)) return;
    const set = listeners.get(channel.slice(channelPrefix.length));
    if (!set) return;
    let detail: unknown;
    try {
      detail = message === '' ? null : parseWithDates(message);
    } catch (err) {
      logger.warn({ err, channel }, 'redis pubsub: unreadable message dropped');
      return;
    }
    const event = new CustomEvent(channel.slice(channelPrefix.length), { detail });
    for (const fn of set) fn(event);
  });

  const callbackOf = (arg: ListenerArg): Listener | null => (arg == null ? null : 'handleEvent' in arg ? arg.handleEvent : arg);

  const eventTarget = {
    addEventListener(topic: string, arg: ListenerArg) {
      const fn = callbackOf(arg);
      if (!fn) return;
      let set = listeners.get(topic);
      if (!set) {
        listeners.set(topic, (set = new Set()));
        const pending = subscriber.subscribe(channelPrefix + topic).catch((err) => {
          logger.warn({ err: (err as Error).message, topic }, 'redis pubsub: SUBSCRIBE failed; the subscriber resubscribes on reconnect');
        });
        subscribing.set(topic, pending);
      }
      set.add(fn);
    },
    removeEventListener(topic: string, arg: ListenerArg) {
      const fn = callbackOf(arg);
      const set = listeners.get(topic);
      if (!fn || !set) return;
      set.delete(fn);
      if (set.size > 0) return;
      listeners.delete(topic);
      subscribing.delete(topic);
      subscriber.unsubscribe(channelPrefix + topic).catch(() => {});
    },
    dispatchEvent(event: CustomEvent) {
      const payload = event.detail === undefined ? '' : stringifyWithDates(event.detail);
      publisher.publish(channelPrefix + event.type, payload).catch((err: Error) => {
        // At most once by design: subscribers re-read state when they (re)subscribe.
        logger.warn({ err: err.message, topic: event.type }, 'redis pubsub: event not published (redis unavailable)');
      });
      return true;
    },
  };

  return {
    pubsub: createPubSub<T>({ eventTarget: eventTarget as never }),
    async subscribed(topic, id, timeoutMs = 2000) {
      const pending = subscribing.get(`${topic}:${id}`);
      if (!pending) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([pending, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    },
  };
}

/** JSON that keeps Dates (presence events carry `at`, `lastSeen`; voicemails `createdAt`). */
export function stringifyWithDates(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
    const raw = this[key];
    return raw instanceof Date ? { $date: raw.getTime() } : v;
  });
}

export function parseWithDates(text: string): unknown {
  return JSON.parse(text, (_key, v) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) && typeof v.$date === 'number' && Object.keys(v).length === 1
      ? new Date(v.$date)
      : v,
  );
}
