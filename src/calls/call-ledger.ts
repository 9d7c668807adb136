/**
 * A call's beginning and end as the rest of the service sees them: the call log (written in batches
 * behind the calls) and the `calls:changed` event the live views follow.
 */
import { expandTimeline, type TimelineEvent } from '../domain/call-timeline.js';
import type { Clock } from '../domain/clock.js';
import type { WaitingCaller } from '../domain/queue.js';
import type { PubSub } from '../services/topics.js';
import type { CallLogWriter } from '../services/call-log-writer.js';
import type { CallOutcome, CallSession, CallSessions } from './call-sessions.js';

export class CallLedger {
  constructor(
    private readonly deps: {
      sessions: CallSessions;
      log: CallLogWriter;
      pubsub: PubSub;
      clock: Clock;
    },
  ) {}

  started(session: CallSession): void {
    this.deps.log.started({
      companyId: session.companyId,
      callSid: session.callSid,
      from: session.from,
      to: session.to,
      startedAt: session.startedAt,
      direction: session.direction ?? 'inbound',
    });
    this.changed(session);
  }

  /** Ends the call with `outcome` (once: a call already ended stays as it ended), at `endedAt` (default now). */
  finish(session: CallSession, outcome: CallOutcome, endedAt?: number): void {
    const ended = this.deps.sessions.end(session.callSid, outcome, endedAt);
    if (!ended) return;
    this.changed(ended);
    this.deps.log.ended({
      companyId: ended.companyId,
      callSid: ended.callSid,
      from: ended.from,
      to: ended.to,
      startedAt: ended.startedAt,
      endedAt: ended.endedAt ?? this.deps.clock.now(),
      answeredAt: ended.answeredAt,
      answeredAgentId: ended.answeredBy,
      offeredAgentIds: ended.offered,
      outcome: ended.outcome,
      queueId: ended.queueId,
      // The wait in the queue: to the answer, or to the end for a caller who never got one.
      waitSeconds:
        ended.queuedAt === null
          ? null
          : Math.max(0, Math.round(((ended.answeredAt ?? ended.endedAt ?? this.deps.clock.now()) - ended.queuedAt) / 1000)),
      callbackRequested: ended.callbackRequested,
      timeline: expandTimeline(ended.timeline),
      direction: ended.direction ?? 'inbound',
    });
  }

  /**
   * A queue's callback ended (src/calls/queueing.ts): the call it stands for gets its final outcome.
   * The caller's own call ended long ago (CALLBACK_PENDING); its row is filled in, not replaced.
   */
  callbackEnded(
    caller: Pick<WaitingCaller, 'companyId' | 'callSid' | 'from' | 'to' | 'enqueuedAt'>,
    outcome: CallOutcome,
    answered: { agentId: string | null; answeredAt: number } | null,
  ): void {
    this.deps.pubsub.publish('calls:changed', caller.companyId, caller.callSid);
    const now = this.deps.clock.now();
    // Added after the timeline the caller's own call stored (it ended with CALLBACK_PENDING).
    const events: TimelineEvent[] = [];
    if (answered) {
      if (answered.agentId) events.push({ at: answered.answeredAt, kind: 'callback-offered', agentId: answered.agentId });
      events.push({ at: answered.answeredAt, kind: 'answered', ...(answered.agentId ? { agentId: answered.agentId } : {}) });
    }
    events.push({ at: now, kind: 'ended', detail: outcome });
    this.deps.log.ended({
      companyId: caller.companyId,
      callSid: caller.callSid,
      from: caller.from,
      to: caller.to,
      startedAt: caller.enqueuedAt,
      endedAt: now,
      answeredAt: answered?.answeredAt ?? null,
      answeredAgentId: answered?.agentId ?? null,
      offeredAgentIds: [],
      outcome,
      queueId: null,
      waitSeconds: null,
      callbackRequested: true,
      timeline: events,
    });
  }

  changed(session: Pick<CallSession, 'companyId' | 'callSid'>): void {
    this.deps.pubsub.publish('calls:changed', session.companyId, session.callSid);
  }
}
