/**
 * Queues, pure (docs/QUEUES.md): who waits, in what order, who is offered whom, how long the wait
 * will be, when a caller overflows, and the callback's states. Time is an argument (epoch ms).
 *
 * The shells (src/calls/queue-*.ts) keep the waiting list and act on these decisions through Telnyx.
 *
 * One file on purpose (over 300 lines): the shared types, the order callers are served in, the offer
 * plan, the estimate and the words that announce it, and the callback's state machine all turn on the
 * same WaitingCaller states; the shells import them as one module. The TeXML documents are apart
 * (./queue-flow.ts).
 */
import type { BusinessHours } from './business-hours.js';
import type { AgentSnapshot, RoutingMode, RoutingPolicy } from './routing.js';
import { matchesSkills, type SkillExpression, type Skills } from './skills.js';

/** An agent who missed a caller is not offered that caller again for this long. */
export const MISSED_OFFER_COOLDOWN_SECONDS = 30;
/** The handle time the estimate assumes until the queue has seen an answered call. */
export const DEFAULT_HANDLE_SECONDS = 180;
/** Longest handle time a sample may count for (4 h): one forgotten call must not wreck the average. */
export const MAX_HANDLE_SAMPLE_SECONDS = 4 * 3600;
/** Weight of a new sample in the handle-time moving average. */
export const HANDLE_AVERAGE_WEIGHT = 0.2;

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
  /** Whether answered calls are recorded: never, always, or when an agent asks (docs/IN-CALL.md). */
  recording: 'OFF' | 'ALL' | 'ON_DEMAND';
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
  /** The Telnyx account of the call (its webhooks' AccountSid): REST calls about it are made under it. */
  accountSid?: string | null;
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

// ---------------------------------------------------------------------------------------------------
// The line: who is waiting, in what order

/** Serving order: higher priority first, then the earlier arrival, then the call SID (so the order is total). */
export function compareWaiting(a: WaitingCaller, b: WaitingCaller): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (a.enqueuedAt !== b.enqueuedAt) return a.enqueuedAt - b.enqueuedAt;
  // Code-unit order, not localeCompare: every host must sort the same way.
  return a.callSid < b.callSid ? -1 : a.callSid > b.callSid ? 1 : 0;
}

/** Waiting to be served; OFFERED, CALLBACK_OFFERED and CALLBACK_DIALING are being served. */
export function inLine(caller: WaitingCaller): boolean {
  return caller.state === 'WAITING' || caller.state === 'CALLBACK_WAITING';
}

/**
 * The caller's 1-based place among the callers of its queue who are in line, in serving order; null
 * when the caller is unknown or not in line (being offered, or dialed back).
 */
export function positionOf(callSid: string, callers: readonly WaitingCaller[]): number | null {
  const caller = callers.find((c) => c.callSid === callSid);
  if (!caller || !inLine(caller)) return null;
  let ahead = 0;
  for (const other of callers) {
    if (other.queueId === caller.queueId && other.companyId === caller.companyId && inLine(other) && compareWaiting(other, caller) < 0) {
      ahead++;
    }
  }
  return ahead + 1;
}

// ---------------------------------------------------------------------------------------------------
// Offers: which free agent gets which caller

/** What matching a waiting caller needs to know of an agent. */
export interface QueueAgent {
  id: string;
  skills: Skills;
}

/**
 * Whether this agent may be offered this caller now: the caller is in line (a callback only once its
 * retry delay is over), the agent meets the caller's and the queue's skills, and did not miss this
 * caller in the last MISSED_OFFER_COOLDOWN_SECONDS. `queue` must be the caller's own queue.
 */
export function canTake(agent: QueueAgent, caller: WaitingCaller, queue: QueuePolicy, now: number): boolean {
  if (!inLine(caller) || caller.queueId !== queue.id) return false;
  if (caller.state === 'CALLBACK_WAITING' && !(caller.callback && caller.callback.nextAttemptAt <= now)) return false;
  if (caller.requiredSkills && !matchesSkills(caller.requiredSkills, agent.skills)) return false;
  if (queue.requiredSkills && !matchesSkills(queue.requiredSkills, agent.skills)) return false;
  return !caller.missed.some((m) => m.agentId === agent.id && coolingDown(m.at, now));
}

function coolingDown(missedAt: number, now: number): boolean {
  return now - missedAt < MISSED_OFFER_COOLDOWN_SECONDS * 1000;
}

export interface PlannedOffer {
  agentId: string;
  callSid: string;
}

/**
 * Who is offered whom, caller-major: callers in serving order (across all the company's queues),
 * each given the first agent, in the order given, who can take it and has no offer yet. The shell
 * passes the free agents longest-idle first, so the head of the line gets the longest-idle agent who
 * can take it. A caller whose queue is not in `queues` is skipped; each agent and caller appears at
 * most once.
 */
export function planOffers(
  freeAgents: readonly QueueAgent[],
  callers: readonly WaitingCaller[],
  queues: ReadonlyMap<string, QueuePolicy>,
  now: number,
): PlannedOffer[] {
  const offers: PlannedOffer[] = [];
  const takenAgents = new Set<string>();
  const servedCallers = new Set<string>();
  for (const caller of callers.filter(inLine).sort(compareWaiting)) {
    if (takenAgents.size === freeAgents.length) break;
    const queue = queues.get(caller.queueId);
    if (!queue || servedCallers.has(caller.callSid)) continue;
    const agent = freeAgents.find((a) => !takenAgents.has(a.id) && canTake(a, caller, queue, now));
    if (!agent) continue;
    takenAgents.add(agent.id);
    servedCallers.add(caller.callSid);
    offers.push({ agentId: agent.id, callSid: caller.callSid });
  }
  return offers;
}

// ---------------------------------------------------------------------------------------------------
// Whether a call waits

export interface QueueDecisionInput {
  queue: QueuePolicy;
  agents: readonly AgentSnapshot[];
  allowUnregisteredSoftphones: boolean;
  /** The call's own requirement (the queue's is added). */
  requiredSkills: SkillExpression | null;
  /** Entries of this queue now, callbacks included. */
  waitingInQueue: number;
  /** Whether the service can offer a waiting caller (the TeXML REST API is configured). */
  restAvailable: boolean;
}

export type QueueDecision =
  | { kind: 'WAIT'; ableAgents: number }
  | { kind: 'OVERFLOW'; reason: 'FULL'; ableAgents: number }
  | { kind: 'FALLBACK'; reason: 'NOT_WAITING' | 'NO_REST' | 'NO_AGENTS'; ableAgents: number };

/**
 * Agents logged in who could take the call once free: enabled, with a trusted SIP target, alive,
 * registered (unless the company allows unregistered softphones), with the call's and the queue's
 * skills. Status, a call in progress and a reservation do not count against them: they are why the
 * caller waits.
 */
export function ableAgentCount(
  input: Pick<QueueDecisionInput, 'queue' | 'agents' | 'allowUnregisteredSoftphones' | 'requiredSkills'>,
): number {
  let able = 0;
  for (const agent of input.agents) {
    if (!agent.enabled || agent.sipTargetProblem !== null || !agent.liveness) continue;
    if (!agent.liveness.sipRegistered && !input.allowUnregisteredSoftphones) continue;
    if (input.requiredSkills && !matchesSkills(input.requiredSkills, agent.skills)) continue;
    if (input.queue.requiredSkills && !matchesSkills(input.queue.requiredSkills, agent.skills)) continue;
    able++;
  }
  return able;
}

/**
 * For a call the routing decision sends to the fallback because nobody is free (NO_AGENTS or
 * HUNT_EXHAUSTED; never AFTER_HOURS, which stays the fallback): does it wait in the queue, overflow,
 * or go to the fallback as before? The first rule that applies wins: the queue does not wait; the
 * REST API is missing (a waiting caller could never be offered); nobody able is logged in and the
 * queue does not wait for agents; the queue is full; else wait.
 */
export function queueDecision(input: QueueDecisionInput): QueueDecision {
  const ableAgents = ableAgentCount(input);
  if (!input.queue.waitEnabled) return { kind: 'FALLBACK', reason: 'NOT_WAITING', ableAgents };
  if (!input.restAvailable) return { kind: 'FALLBACK', reason: 'NO_REST', ableAgents };
  if (ableAgents === 0 && !input.queue.waitForAgents) return { kind: 'FALLBACK', reason: 'NO_AGENTS', ableAgents };
  if (input.waitingInQueue >= input.queue.maxSize) return { kind: 'OVERFLOW', reason: 'FULL', ableAgents };
  return { kind: 'WAIT', ableAgents };
}

// ---------------------------------------------------------------------------------------------------
// How long: overflow, the remaining wait, the estimate

/**
 * A caller on the line who has waited `maxWaitSeconds` since first arriving goes to the overflow.
 * Only WAITING: an offer in progress is left to finish, and a callback never overflows, as nobody is
 * on the line to send anywhere; its place is kept until it is served or gives up.
 */
export function overflowDue(caller: WaitingCaller, queue: QueuePolicy, now: number): boolean {
  return caller.state === 'WAITING' && now - caller.enqueuedAt >= queue.maxWaitSeconds * 1000;
}

/**
 * Whole seconds left before `maxWaitSeconds` (at least 1, at most `maxWaitSeconds`), for the
 * `<Enqueue maxWaitTimeSecs>` of a caller put back in the queue after a missed offer.
 */
export function remainingWaitSeconds(caller: WaitingCaller, queue: QueuePolicy, now: number): number {
  const left = Math.ceil((caller.enqueuedAt + queue.maxWaitSeconds * 1000 - now) / 1000);
  // A clock behind enqueuedAt (another instance's) must not lengthen the wait past the queue's maximum.
  return Math.max(1, Math.min(Math.ceil(queue.maxWaitSeconds), left));
}

/**
 * The estimated wait of the caller at `position`: `ceil(position / ableAgents)` handle times, in whole
 * seconds. Null (not announced) when nobody able is logged in or an input is not a usable number.
 */
export function estimateWaitSeconds(position: number, ableAgents: number, averageHandleSeconds: number): number | null {
  if (!Number.isFinite(position) || position < 1 || !Number.isFinite(ableAgents) || ableAgents < 1) return null;
  if (!Number.isFinite(averageHandleSeconds) || averageHandleSeconds < 0) return null;
  return Math.round(Math.ceil(position / Math.floor(ableAgents)) * averageHandleSeconds);
}

/**
 * The queue's handle time (talk plus wrap-up) as an exponential moving average, a new sample weighing
 * HANDLE_AVERAGE_WEIGHT. A sample that is not a finite non-negative number is ignored; one longer
 * than MAX_HANDLE_SAMPLE_SECONDS counts as that.
 */
export function updateHandleAverage(previous: number | null, sampleSeconds: number): number | null {
  if (!Number.isFinite(sampleSeconds) || sampleSeconds < 0) return previous;
  const sample = Math.min(MAX_HANDLE_SAMPLE_SECONDS, sampleSeconds);
  if (previous === null || !Number.isFinite(previous)) return sample;
  return previous + HANDLE_AVERAGE_WEIGHT * (sample - previous);
}

// ---------------------------------------------------------------------------------------------------
// Offers and callbacks: the states of one entry

export type StepResult = { ok: true; caller: WaitingCaller } | { ok: false; error: string };

/** The entry is offered to an agent (WAITING → OFFERED). */
export function offered(caller: WaitingCaller, agentId: string, now: number): StepResult {
  if (caller.state !== 'WAITING') return refused(caller, 'offered');
  return { ok: true, caller: { ...caller, state: 'OFFERED', offeredTo: agentId, offeredAt: now } };
}

/**
 * The agent did not answer (OFFERED → WAITING): the caller keeps their place (enqueuedAt is kept) and
 * that agent is not offered them again for MISSED_OFFER_COOLDOWN_SECONDS.
 */
export function offerMissed(caller: WaitingCaller, now: number): StepResult {
  if (caller.state !== 'OFFERED') return refused(caller, 'offer-missed');
  return { ok: true, caller: backInLine(caller, 'WAITING', now) };
}

export type CallbackEvent =
  | { kind: 'requested' }
  | { kind: 'offered'; agentId: string; agentCallSid: string | null }
  | { kind: 'agent-answered' }
  | { kind: 'agent-missed' }
  | { kind: 'customer-answered' }
  | { kind: 'customer-missed' };

/**
 * What the shell does after a step: nothing more ('none'); the callback is over ('done': the customer
 * answered; 'gave-up': out of attempts), so the entry is removed and the call log gets the outcome;
 * or 'retry': the entry waits again until `callback.nextAttemptAt`.
 */
export type CallbackEffect = 'none' | 'done' | 'retry' | 'gave-up';

export type CallbackStepResult = { ok: true; caller: WaitingCaller; effect: CallbackEffect } | { ok: false; error: string };

/** Callback numbers we dial: E.164 (a withheld or SIP caller cannot be called back). */
const CALLABLE_NUMBER = /^\+[1-9]\d{6,14}$/;

/** Whether pressing 1 can be offered to this caller: the queue calls back, the caller waits, and their number can be dialed. */
export function canRequestCallback(caller: WaitingCaller, queue: QueuePolicy): boolean {
  return queue.callbackEnabled && caller.state === 'WAITING' && CALLABLE_NUMBER.test(caller.from);
}

/**
 * The callback's state machine. requested: WAITING → CALLBACK_WAITING, due at once, the place kept;
 * offered: CALLBACK_WAITING → CALLBACK_OFFERED (we call the agent); agent-answered →
 * CALLBACK_DIALING (the customer is dialed: an attempt); agent-missed → CALLBACK_WAITING (the agent
 * cools down, no attempt counted); customer-answered → done; customer-missed → CALLBACK_WAITING after
 * `callbackRetryDelaySeconds` while attempts remain (1 + callbackRetries), else gave-up.
 */
export function callbackStep(caller: WaitingCaller, event: CallbackEvent, now: number, queue: QueuePolicy): CallbackStepResult {
  const ok = (next: WaitingCaller, effect: CallbackEffect = 'none'): CallbackStepResult => ({ ok: true, caller: next, effect });
  const callback = caller.callback;
  switch (event.kind) {
    case 'requested':
      if (caller.state !== 'WAITING') return refused(caller, event.kind);
      if (!queue.callbackEnabled) return { ok: false, error: `queue "${queue.name}" does not offer callbacks` };
      if (!CALLABLE_NUMBER.test(caller.from)) return { ok: false, error: `the caller's number "${caller.from}" cannot be called back` };
      return ok({
        ...caller,
        state: 'CALLBACK_WAITING',
        offeredTo: null,
        offeredAt: null,
        callback: { number: caller.from, attempts: 0, nextAttemptAt: now, agentCallSid: null },
      });
    case 'offered':
      if (caller.state !== 'CALLBACK_WAITING' || !callback) return refused(caller, event.kind);
      if (callback.nextAttemptAt > now) {
        return { ok: false, error: `callback ${caller.callSid} is not due for ${Math.ceil((callback.nextAttemptAt - now) / 1000)} s more` };
      }
      return ok({
        ...caller,
        state: 'CALLBACK_OFFERED',
        offeredTo: event.agentId,
        offeredAt: now,
        callback: { ...callback, agentCallSid: event.agentCallSid },
      });
    case 'agent-answered':
      if (caller.state !== 'CALLBACK_OFFERED' || !callback) return refused(caller, event.kind);
      return ok({ ...caller, state: 'CALLBACK_DIALING', callback: { ...callback, attempts: callback.attempts + 1 } });
    case 'agent-missed':
      if (caller.state !== 'CALLBACK_OFFERED' || !callback) return refused(caller, event.kind);
      return ok({ ...backInLine(caller, 'CALLBACK_WAITING', now), callback: { ...callback, agentCallSid: null } });
    case 'customer-answered':
      if (caller.state !== 'CALLBACK_DIALING' || !callback) return refused(caller, event.kind);
      return ok(caller, 'done');
    case 'customer-missed': {
      if (caller.state !== 'CALLBACK_DIALING' || !callback) return refused(caller, event.kind);
      if (callback.attempts >= 1 + Math.max(0, queue.callbackRetries)) return ok(caller, 'gave-up');
      const nextAttemptAt = now + Math.max(0, queue.callbackRetryDelaySeconds) * 1000;
      return ok(
        {
          ...caller,
          state: 'CALLBACK_WAITING',
          offeredTo: null,
          offeredAt: null,
          callback: { ...callback, nextAttemptAt, agentCallSid: null },
        },
        'retry',
      );
    }
  }
}

/** Back in line after the offered agent missed: the agent is remembered, expired misses are dropped. */
function backInLine(caller: WaitingCaller, state: 'WAITING' | 'CALLBACK_WAITING', now: number): WaitingCaller {
  const agentId = caller.offeredTo;
  const missed = caller.missed.filter((m) => m.agentId !== agentId && coolingDown(m.at, now));
  if (agentId !== null) missed.push({ agentId, at: now });
  return { ...caller, state, offeredTo: null, offeredAt: null, missed };
}

function refused(caller: WaitingCaller, event: string): { ok: false; error: string } {
  return { ok: false, error: `caller ${caller.callSid} is ${caller.state}: "${event}" is not allowed there` };
}

// ---------------------------------------------------------------------------------------------------
// What the caller hears

export type SpokenLanguage = 'en' | 'es';

/** The language announcements are written in: Spanish for an `es` tag (es, es-MX, es-US…), else English. */
export function spokenLanguage(bcp47: string): SpokenLanguage {
  return /^es(-|_|$)/i.test(bcp47.trim()) ? 'es' : 'en';
}

export interface AnnouncementInput {
  /** 1-based; null = not in line (no position sentence). */
  position: number | null;
  /** Seconds; null = unknown (no estimate sentence). */
  estimateSeconds: number | null;
  language: SpokenLanguage;
  /** Whether "press 1 to be called back" is said (canRequestCallback). */
  callbackOffered: boolean;
}

const WORDS = {
  en: {
    next: 'You are next in line.',
    position: (n: number) => `You are number ${n} in line.`,
    underAMinute: 'Your estimated wait is less than a minute.',
    oneMinute: 'Your estimated wait is about 1 minute.',
    minutes: (n: number) => `Your estimated wait is about ${n} minutes.`,
    callbackKey: 'To be called back without losing your place, press 1.',
    callbackConfirmed: 'Thank you. We will call you back at this number, and you keep your place in line. Goodbye.',
  },
  es: {
    next: 'Usted es el siguiente en la fila.',
    position: (n: number) => `Usted es el número ${n} en la fila.`,
    underAMinute: 'El tiempo de espera estimado es de menos de un minuto.',
    oneMinute: 'El tiempo de espera estimado es de aproximadamente un minuto.',
    minutes: (n: number) => `El tiempo de espera estimado es de unos ${n} minutos.`,
    callbackKey: 'Para que le devolvamos la llamada sin perder su lugar, oprima 1.',
    callbackConfirmed: 'Gracias. Le devolveremos la llamada a este número, sin que pierda su lugar en la fila. Adiós.',
  },
} as const;

/** The words spoken each round of the wait: the place, the estimate (minutes, rounded up) and the callback key. */
export function announcement(input: AnnouncementInput): string {
  const words = WORDS[input.language];
  const sentences: string[] = [];
  const { position, estimateSeconds } = input;
  if (position !== null && Number.isInteger(position) && position >= 1) {
    sentences.push(position === 1 ? words.next : words.position(position));
  }
  if (estimateSeconds !== null && Number.isFinite(estimateSeconds) && estimateSeconds >= 0) {
    const minutes = Math.ceil(estimateSeconds / 60);
    sentences.push(estimateSeconds < 60 ? words.underAMinute : minutes === 1 ? words.oneMinute : words.minutes(minutes));
  }
  if (input.callbackOffered) sentences.push(words.callbackKey);
  return sentences.join(' ');
}

/** Said after the caller pressed 1, before they leave the queue. */
export function callbackConfirmation(language: SpokenLanguage): string {
  return WORDS[language].callbackConfirmed;
}

/**
 * Said to the agent when they answer the callback call, before the customer is dialed (English: the
 * agents' language). The number's digits are spaced so speech reads them one by one.
 */
export function callbackIntro(customerNumber: string): string {
  const digits = customerNumber.replace(/\D/g, '');
  return digits === '' ? 'Callback. Connecting.' : `Callback to ${digits.split('').join(' ')}. Connecting.`;
}

// ---------------------------------------------------------------------------------------------------
// The queue's routing

/** The company's routing with the queue's overrides (mode, ring timeout, business hours) applied. */
export function policyForQueue(company: RoutingPolicy, queue: QueuePolicy): RoutingPolicy {
  const { mode, ringTimeoutSeconds, businessHours } = queue.routing;
  return {
    ...company,
    ...(mode !== undefined && { mode }),
    ...(ringTimeoutSeconds !== undefined && { ringTimeoutSeconds }),
    ...(businessHours !== undefined && { businessHours }),
  };
}
