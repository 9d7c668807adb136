import { setMaxListeners } from 'node:events';
import { createPubSub } from 'graphql-yoga';
import type { PresenceEvent } from '../services/presence-service.js';
import type { Voicemail } from '../generated/prisma/client.js';

/**
 * Typed topics, each keyed by company id so a subscriber only ever receives its own company's events.
 * In-memory for one instance; REDIS_URL switches to a Redis event target (several instances).
 */
export type Topics = {
  'presence:changed': [companyId: string, event: PresenceEvent];
  'voicemail:received': [companyId: string, voicemail: Voicemail];
  /** A call of the company started, rang, was answered or ended (live statistics listen). */
  'calls:changed': [companyId: string, callSid: string];
};

export type PubSub = ReturnType<typeof createPubSub<Topics>>;

export function createInMemoryPubSub(): PubSub {
  // One listener per subscriber of a company's topic: a thousand supervisors is normal, not a leak.
  const eventTarget = new EventTarget();
  setMaxListeners(0, eventTarget);
  return createPubSub<Topics>({ eventTarget });
}
