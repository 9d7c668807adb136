/**
 * What supervisors see of the queues, pure: each waiting caller's place and estimate, and each
 * queue's figures for today (service level, abandon rate) from the call log. Definitions are in
 * docs/QUEUES.md §Live view.
 */
import { compareWaiting, estimateWaitSeconds, positionOf, type QueuePolicy, type WaitingCaller, type WaitingState } from './queue.js';

export interface WaitingCallerView {
  callSid: string;
  queueId: string;
  from: string;
  state: WaitingState;
  /** Place in line (1 = next); null while being offered to an agent. */
  position: number | null;
  waitedSeconds: number;
  estimatedWaitSeconds: number | null;
  /** The language skill chosen in the menu, if any. */
  language: string | null;
  priority: number;
  callbackRequested: boolean;
  /** The agent being offered the caller right now. */
  offeredToAgentId: string | null;
  /** When the caller joined the queue (epoch ms): the board counts the wait up from it. */
  enqueuedAt: number;
}

/** Every waiting caller of a company in serving order, with place and estimate. */
export function waitingCallerViews(
  callers: readonly WaitingCaller[],
  estimateInputs: (queueId: string) => { ableAgents: number; averageHandleSeconds: number },
  now: number,
): WaitingCallerView[] {
  return [...callers].sort(compareWaiting).map((c) => {
    const position = positionOf(c.callSid, callers);
    const { ableAgents, averageHandleSeconds } = estimateInputs(c.queueId);
    return {
      callSid: c.callSid,
      queueId: c.queueId,
      from: c.from,
      state: c.state,
      position,
      waitedSeconds: Math.max(0, Math.floor((now - c.enqueuedAt) / 1000)),
      estimatedWaitSeconds: position === null ? null : estimateWaitSeconds(position, ableAgents, averageHandleSeconds),
      language: c.language,
      priority: c.priority,
      callbackRequested: c.callback !== null,
      offeredToAgentId: c.offeredTo,
      enqueuedAt: c.enqueuedAt,
    };
  });
}

/** One call of today as the queue figures need it (from the call log, or a session fresher than it). */
export interface QueueLoggedCall {
  /** Null or absent: the company's default queue (calls logged before queues existed). */
  queueId?: string | null;
  startedAt: number;
  answeredAt: number | null;
  outcome: string | null;
}

export interface QueueDayFigures {
  /** Calls of the queue that ended today while open (after-hours, unknown and pending callbacks aside). */
  offered: number;
  answered: number;
  /** Answered within the queue's serviceLevelSeconds of arriving. */
  answeredInTime: number;
  abandoned: number;
  /** answeredInTime ÷ offered; null before the first call. */
  serviceLevel: number | null;
  /** abandoned ÷ offered; null before the first call. */
  abandonRate: number | null;
}

/** Outcomes that say nothing about the queue's service (closed, unknown) or are not final yet. */
const NOT_COUNTED = new Set(['AFTER_HOURS', 'UNKNOWN', 'CALLBACK_PENDING']);

/** Today's figures of one queue from today's calls of the company. */
export function queueDayFigures(
  queue: Pick<QueuePolicy, 'id' | 'isDefault' | 'serviceLevelSeconds'>,
  calls: readonly QueueLoggedCall[],
): QueueDayFigures {
  let offered = 0;
  let answered = 0;
  let answeredInTime = 0;
  let abandoned = 0;
  for (const c of calls) {
    const mine = c.queueId === queue.id || (c.queueId == null && queue.isDefault);
    if (!mine || c.outcome === null || NOT_COUNTED.has(c.outcome)) continue;
    offered++;
    if (c.outcome === 'ANSWERED') {
      answered++;
      if (c.answeredAt !== null && c.answeredAt - c.startedAt <= queue.serviceLevelSeconds * 1000) answeredInTime++;
    } else if (c.outcome === 'ABANDONED') abandoned++;
  }
  return {
    offered,
    answered,
    answeredInTime,
    abandoned,
    serviceLevel: offered === 0 ? null : answeredInTime / offered,
    abandonRate: offered === 0 ? null : abandoned / offered,
  };
}
