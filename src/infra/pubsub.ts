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
  const eventTarget = new ListenedEventTarget();
  setMaxListeners(0, eventTarget);
  const pubsub = createPubSub<T>({ eventTarget });
  return {
    subscribe: pubsub.subscribe,
    // Most events of a busy instance have nobody listening (a call rang at a company no supervisor
    // watches): they are dropped here, before an Event is built and dispatched to no one.
    publish: ((routingKey: string, ...args: unknown[]) => {
      if (eventTarget.listened(args[1] === undefined ? routingKey : `${routingKey}:${String(args[0])}`)) {
        (pubsub.publish as (routingKey: string, ...args: unknown[]) => void)(routingKey, ...args);
      }
    }) as PubSubOf<T>['publish'],
  };
}

/**
 * An EventTarget that knows which event types have listeners. Topics are named as Yoga's pub/sub
 * names them (`<topic>:<company id>`), and each subscription adds one listener function.
 */
export class ListenedEventTarget extends EventTarget {
  /** Per type, each listener with the capture flags it is added with (EventTarget tells them apart). */
  private readonly listeners = new Map<string, Map<EventListenerOrEventListenerObject, number>>();

  listened(type: string): boolean {
    return this.listeners.has(type);
  }

  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: AddEventListenerOptions | boolean,
  ): void {
    if (listener) {
      let ofType = this.listeners.get(type);
      if (!ofType) this.listeners.set(type, (ofType = new Map()));
      ofType.set(listener, (ofType.get(listener) ?? 0) | captureFlag(options));
    }
    super.addEventListener(type, listener, options);
  }

  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: EventListenerOptions | boolean,
  ): void {
    const ofType = listener ? this.listeners.get(type) : undefined;
    const flags = ofType?.get(listener!);
    if (ofType && flags !== undefined) {
      const left = flags & ~captureFlag(options);
      if (left !== 0) ofType.set(listener!, left);
      else ofType.delete(listener!);
      if (ofType.size === 0) this.listeners.delete(type);
    }
    super.removeEventListener(type, listener, options);
  }
}

/** 1: added without capture, 2: with (a `once` listener that fired stays counted: a dispatch to nobody, nothing lost). */
function captureFlag(options: EventListenerOptions | boolean | undefined): number {
  return (typeof options === 'boolean' ? options : !!options?.capture) ? 2 : 1;
}
