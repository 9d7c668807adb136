/**
 * What the services publish to subscribers, by topic; in memory for one instance, through Redis for
 * several (src/infra/pubsub.ts, src/infra/redis-pubsub.ts).
 */
import type { Voicemail } from '../generated/prisma/client.js';
import type { MultiInstance } from '../infra/multi-instance.js';
import type { PubSubOf } from '../infra/pubsub.js';
import type { PresenceEvent } from './presence-events.js';

export type Topics = {
  'presence:changed': [companyId: string, event: PresenceEvent];
  'voicemail:received': [companyId: string, voicemail: Voicemail];
  /** A call of the company started, rang, was answered or ended (live statistics listen). */
  'calls:changed': [companyId: string, callSid: string];
  /** A company's queues changed: a caller joined, left, was offered or asked for a callback (the live queue views listen). */
  'queues:changed': [companyId: string, nothing: null];
  /** An answered call's room changed: someone joined, left, was held, transferred, supervised (the live calls listen). */
  'calls:live': [companyId: string, nothing: null];
};

export type PubSub = PubSubOf<Topics>;

/** The other instances, when REDIS_URL is set. */
export type SharedInstances = MultiInstance<Topics>;
