/**
 * Queues, pure (docs/QUEUES.md): who waits, in what order, who is offered whom, how long the wait
 * will be, when a caller overflows, and the callback's states. Time is an argument (epoch ms).
 *
 * The shells (src/calls/queue-*.ts) keep the waiting list and act on these decisions through Telnyx.
 */
import type { BusinessHours } from './business-hours.js';
import type { RoutingMode } from './routing.js';
import type { SkillExpression } from './skills.js';

/** Where a caller goes who cannot wait (the queue is full, or they waited `maxWaitSeconds`). */
export type QueueOverflow =
  | { kind: 'VOICEMAIL' }
  | { kind: 'HANGUP' }
  | { kind: 'NUMBER'; number: string }
  | { kind: 'QUEUE'; queueId: string };

/** The queue's own routing; an absent field inherits the company's RoutingConfig. */
export interface QueueRoutingOverrides {
  mode?: RoutingMode;
  ringTimeoutSeconds?: number;
  /** Present = this queue's hours instead of the company's. */
  businessHours?: BusinessHours;
}

export interface QueuePolicy {
  id: string;
  name: string;
  /** The company's default queue: numbers and menu options that name none go here. */
  isDefault: boolean;
  /** Agents must meet it to take this queue's calls (added to the call's own requirement); null = any agent. */
  requiredSkills: SkillExpression | null;
  routing: QueueRoutingOverrides;
  /** false = no waiting: the fallback at once, as before queues existed. */
  waitEnabled: boolean;
  /** Longest a caller waits before the overflow (Telnyx's `maxWaitTimeSecs` enforces it too). */
  maxWaitSeconds: number;
  /** Most callers waiting at once (callbacks included); the next one overflows. */
  maxSize: number;
  overflow: QueueOverflow;
  /** Music while waiting; null = the built-in music the service serves. */
  holdMusicUrl: string | null;
  /** Position and estimate are announced about this often; 0 = never. */
  announceEverySeconds: number;
  /** Wait even when nobody able to take the call is logged in (else the fallback at once). */
  waitForAgents: boolean;
  /** Answered within this many seconds counts toward the service level. */
  serviceLevelSeconds: number;
  /** Callers may press 1 to be called back, keeping their place. */
  callbackEnabled: boolean;
  /** Further attempts after a callback the customer does not answer. */
  callbackRetries: number;
  callbackRetryDelaySeconds: number;
}

/** Where a waiting entry is. CALLBACK_*: the caller hung up after asking to be called back. */
export type WaitingState = 'WAITING' | 'OFFERED' | 'CALLBACK_WAITING' | 'CALLBACK_OFFERED' | 'CALLBACK_DIALING';

/** One caller in a queue (or a callback keeping its place). */
export interface WaitingCaller {
  /** The inbound call; a callback stays keyed by it. */
  callSid: string;
  companyId: string;
  queueId: string;
  from: string;
  to: string;
  /** First arrival in the queue (epoch ms): the place, kept across missed offers and callbacks. */
  enqueuedAt: number;
  /** Higher is served first (the number's priority plus the menu option's). */
  priority: number;
  /** The call's own requirement (number and language); the queue's is added when matching agents. */
  requiredSkills: SkillExpression | null;
  /** The menu skill the caller chose (e.g. "es"), or null. */
  language: string | null;
  /** BCP-47 language announcements are spoken in, e.g. es-US. */
  speechLanguage: string;
  state: WaitingState;
  /** The agent being offered this caller right now (OFFERED, CALLBACK_OFFERED, CALLBACK_DIALING), else null. */
  offeredTo: string | null;
  offeredAt: number | null;
  /** Agents who missed this caller, and when: not offered it again within MISSED_OFFER_COOLDOWN_SECONDS. */
  missed: { agentId: string; at: number }[];
  /** Set once the caller asked to be called back. */
  callback: CallbackState | null;
}

export interface CallbackState {
  /** The number to call back (the caller's `From`). */
  number: string;
  /** Attempts made so far (an attempt = the customer was dialed). */
  attempts: number;
  /** Not offered before this instant (retry delay); epoch ms. */
  nextAttemptAt: number;
  /** The call we created to the agent for the current attempt, or null. */
  agentCallSid: string | null;
}
