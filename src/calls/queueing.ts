/**
 * The queue's side of a call (docs/QUEUES.md): whether a caller nobody is free for waits, what each
 * round of the wait plays, the callback key, leaving the queue (abandon, overflow, callback), the offer
 * of a waiting caller to an agent and how that offer ends, and the callback call's steps. Every method
 * runs under the company's call state (src/calls/call-scope.ts) and is synchronous: it decides and
 * answers TeXML; talking to Telnyx's REST API is the dispatcher's (src/calls/queue-dispatcher.ts).
 *
 * One file on purpose (a little over 300 lines): each queue route's reading of the waiting list and
 * its answer on every path belong side by side, as the webhook routes do.
 */
import { calledNumber, type CallbackUrls, fallbackDocument, sipUri, voicemailDocument } from '../domain/call-flow.js';
import type { Clock } from '../domain/clock.js';
import {
  ableAgentCount,
  announcement,
  callbackConfirmation,
  callbackIntro,
  callbackStep,
  canRequestCallback,
  DEFAULT_HANDLE_SECONDS,
  estimateWaitSeconds,
  inLine,
  offered,
  offerMissed,
  overflowDue,
  planOffers,
  positionOf,
  queueDecision,
  remainingWaitSeconds,
  spokenLanguage,
  type QueuePolicy,
  type WaitingCaller,
} from '../domain/queue.js';
import { BUILT_IN_MUSIC_SECONDS } from '../domain/hold-music.js';
import {
  callbackAgentDocument,
  callbackConfirmedDocument,
  enqueueDocument,
  musicLoopsFor,
  queueGoodbyeDocument,
  waitDocument,
} from '../domain/queue-flow.js';
import { type AgentSnapshot, type RoutePlan, type RoutingPolicy, ringOnePlan, skipReason } from '../domain/routing.js';
import type { SkillExpression } from '../domain/skills.js';
import { hangup, renderTexml, response, say } from '../domain/texml.js';
import type { Logger } from '../infra/logger.js';
import type { DirectoryCompany } from '../services/directory.js';
import type { AgentActivityKeeper } from './agent-activity-keeper.js';
import type { CallLedger } from './call-ledger.js';
import type { CallOutcome, CallSession, CallSessions } from './call-sessions.js';
import { renderVoiceDocument } from './voice-documents.js';
import type { WaitingList } from './waiting-list.js';

/** A waiting caller the dispatcher is to hand to an agent through Telnyx's REST API. */
export type QueueOffer =
  | { kind: 'redirect'; companyId: string; callSid: string; accountSid: string | null; agentId: string }
  | {
      kind: 'callback';
      companyId: string;
      callSid: string;
      accountSid: string | null;
      agentId: string;
      agentSip: string;
      from: string;
      /** The queue's ring timeout: how long the call to the agent rings. */
      ringSeconds: number;
    };

/** What the queue would do with a call nobody is free for (routePreview). */
export interface QueuePreview {
  queueId: string;
  queueName: string;
  /** WAIT: held in the queue; OVERFLOW: the queue is full; FALLBACK: the queue does not take it (reason says why). */
  decision: 'WAIT' | 'OVERFLOW' | 'FALLBACK';
  reason: 'ALL_BUSY' | 'FULL' | 'NOT_WAITING' | 'NO_REST' | 'NO_AGENTS';
  /** Agents logged in who could take the call once free. */
  ableAgents: number;
  position: number | null;
  estimatedWaitSeconds: number | null;
  /** WAIT: the TeXML the voice webhook would answer. */
  texml: string | null;
}

/** Seconds the dial to a customer being called back rings. */
const CALLBACK_DIAL_TIMEOUT_SECONDS = 30;

export class Queueing {
  constructor(
    private readonly deps: {
      clock: Clock;
      logger: Logger;
      sessions: CallSessions;
      ledger: CallLedger;
      agents: AgentActivityKeeper;
      waiting: WaitingList;
      urls: (company: DirectoryCompany) => CallbackUrls;
      snapshot: (company: DirectoryCompany) => AgentSnapshot[];
      /** Offering a waiting caller needs Telnyx's REST API (TELNYX_API_KEY, or the local Telnyx). */
      restAvailable: boolean;
      /** The music played while waiting when a queue names none (served by this service). */
      builtInMusicUrl: () => string;
      /** A company's waiting list changed: the dispatcher looks for offers, the live views refresh. */
      changed: (companyId: string) => void;
    },
  ) {}

  /**
   * Routing sent a call to the fallback: should it wait instead? Returns the TeXML that holds the caller
   * (or overflows them), or null when the fallback stands (nobody could ever take it, the queue does
   * not wait, after hours).
   */
  tryWait(
    company: DirectoryCompany,
    session: CallSession,
    plan: RoutePlan,
    policy: RoutingPolicy,
    requiredSkills: SkillExpression | null,
  ): string | null {
    if (plan.kind !== 'FALLBACK' || plan.reason === 'AFTER_HOURS') return null;
    const queue = queueOf(company, session.queueId);
    const { waiting, sessions } = this.deps;
    const existing = waiting.get(company.id, session.callSid);
    const decision = this.decide(company, queue, policy, requiredSkills, session.callSid, existing ? 1 : 0);
    if (decision.kind === 'FALLBACK') return null;
    if (decision.kind === 'OVERFLOW') return this.overflow(company, session, queue);
    const now = this.deps.clock.now();
    const caller: WaitingCaller = existing ?? {
      callSid: session.callSid,
      companyId: company.id,
      queueId: queue.id,
      from: session.from,
      to: session.to,
      enqueuedAt: now,
      priority: session.priority,
      requiredSkills,
      language: session.language,
      speechLanguage: speechLanguageOf(company, session.language),
      accountSid: session.accountSid,
      state: 'WAITING',
      offeredTo: null,
      offeredAt: null,
      missed: [],
      callback: null,
    };
    waiting.put(caller);
    if (!existing) sessions.record(session.callSid, { kind: 'queued', detail: queue.id });
    session.queueId ??= queue.id; // the default queue by its id: the call log (and its history filter) names it
    session.queuedAt ??= caller.enqueuedAt;
    sessions.stepMissed(session.callSid); // nothing rings while the caller waits
    this.deps.ledger.changed(session);
    this.deps.changed(company.id);
    return this.enqueue(company, caller, queue);
  }

  /**
   * routePreview: what the queue would do with a call routing sends to the fallback (no caller is added).
   * Null when the queue has no say (the call rings someone, or it is after hours).
   */
  preview(
    company: DirectoryCompany,
    queueId: string | null,
    plan: RoutePlan,
    policy: RoutingPolicy,
    requiredSkills: SkillExpression | null,
    priority: number,
  ): QueuePreview | null {
    if (plan.kind !== 'FALLBACK' || plan.reason === 'AFTER_HOURS') return null;
    const queue = queueOf(company, queueId);
    const decision = this.decide(company, queue, policy, requiredSkills, null, 0);
    const base = { queueId: queue.id, queueName: queue.name, ableAgents: decision.ableAgents };
    if (decision.kind === 'FALLBACK')
      return { ...base, decision: 'FALLBACK', reason: decision.reason, position: null, estimatedWaitSeconds: null, texml: null };
    if (decision.kind === 'OVERFLOW')
      return { ...base, decision: 'OVERFLOW', reason: 'FULL', position: null, estimatedWaitSeconds: null, texml: null };
    // A new caller joins behind everyone in line with their priority or more.
    const ahead = this.deps.waiting.of(company.id).filter((c) => c.queueId === queue.id && inLine(c) && c.priority >= priority).length;
    const position = ahead + 1;
    const able = ableAgentCount({
      queue,
      agents: this.deps.snapshot(company),
      allowUnregisteredSoftphones: policy.allowUnregisteredSoftphones,
      requiredSkills,
    });
    const average = this.deps.waiting.handleAverage(company.id, queue.id) ?? DEFAULT_HANDLE_SECONDS;
    const texml = renderTexml(enqueueDocument(telnyxQueueName(queue), queue.maxWaitSeconds, this.deps.urls(company)));
    return {
      ...base,
      decision: 'WAIT',
      reason: 'ALL_BUSY',
      position,
      estimatedWaitSeconds: estimateWaitSeconds(position, able, average),
      texml,
    };
  }

  /**
   * The queue's decision for a call nobody is free for. Worth waiting for: agents who will free up by
   * themselves — on a call, ringing for another call, in wrap-up. Not those on a break (nobody knows
   * when it ends; with everyone on break the fallback stands, unless the queue waits for agents), nor
   * the free ones (they were just offered the call).
   */
  private decide(
    company: DirectoryCompany,
    queue: QueuePolicy,
    policy: RoutingPolicy,
    requiredSkills: SkillExpression | null,
    callSid: string | null,
    alreadyIn: number,
  ) {
    const notFree = this.deps
      .snapshot(company)
      .filter(
        (a) =>
          a.status === 'WRAP_UP' ||
          (a.status === 'AVAILABLE' && (!!a.liveness?.onCall || (a.reservedFor !== null && a.reservedFor !== callSid))),
      );
    return queueDecision({
      queue,
      agents: notFree,
      allowUnregisteredSoftphones: policy.allowUnregisteredSoftphones,
      requiredSkills,
      waitingInQueue: this.deps.waiting.sizeOf(company.id, queue.id) - alreadyIn,
      restAvailable: this.deps.restAvailable,
    });
  }

  /** `queue-wait` (the Enqueue's waitUrl, every round): position and estimate, then music, inside the callback key's Gather. */
  waitRound(company: DirectoryCompany, callSid: string | null, queueSeconds: number | null): string {
    const { waiting, clock } = this.deps;
    const now = clock.now();
    const caller = callSid ? (waiting.get(company.id, callSid) ?? this.readmit(company, callSid, queueSeconds)) : undefined;
    const queue = queueOf(company, caller?.queueId ?? null);
    const urls = this.deps.urls(company);
    const music = queue.holdMusicUrl ?? this.deps.builtInMusicUrl();
    const loops = musicLoopsFor(queue.announceEverySeconds, BUILT_IN_MUSIC_SECONDS);
    if (!caller)
      return renderTexml(
        waitDocument({
          announcement: null,
          speechLanguage: company.policy.greetingLanguage,
          musicUrl: music,
          musicLoops: loops,
          callbackKey: false,
          urls,
        }),
      );
    // One round lasts about `loops` clips; the announcement comes on the first round and then on the
    // round that starts within one round's length after each multiple of announceEverySeconds.
    const waited = (now - caller.enqueuedAt) / 1000;
    const roundSeconds = loops * BUILT_IN_MUSIC_SECONDS;
    const firstRound = waited < 2;
    const due = queue.announceEverySeconds > 0 && waited % queue.announceEverySeconds < roundSeconds;
    const callbackKey = canRequestCallback(caller, queue);
    let text: string | null = null;
    if (caller.state === 'WAITING' && (firstRound || due)) {
      const position = positionOf(caller.callSid, waiting.of(company.id));
      const able = ableAgentCount({
        queue,
        agents: this.deps.snapshot(company),
        allowUnregisteredSoftphones: company.policy.allowUnregisteredSoftphones,
        requiredSkills: caller.requiredSkills,
      });
      const average = waiting.handleAverage(company.id, queue.id) ?? DEFAULT_HANDLE_SECONDS;
      text = announcement({
        position,
        estimateSeconds: position === null ? null : estimateWaitSeconds(position, able, average),
        language: spokenLanguage(caller.speechLanguage),
        callbackOffered: callbackKey,
      });
    }
    return renderTexml(
      waitDocument({ announcement: text, speechLanguage: caller.speechLanguage, musicUrl: music, musicLoops: loops, callbackKey, urls }),
    );
  }

  /** `queue-key`: 1 asks for a callback (the place is kept, the caller leaves); any other key goes back to the music. */
  keyPressed(company: DirectoryCompany, callSid: string | null, digits: string | null): string {
    const caller = callSid ? this.deps.waiting.get(company.id, callSid) : undefined;
    if (caller && (digits ?? '').trim().startsWith('1')) {
      const queue = queueOf(company, caller.queueId);
      const step = callbackStep(caller, { kind: 'requested' }, this.deps.clock.now(), queue);
      if (step.ok) {
        this.deps.waiting.put(step.caller);
        this.deps.sessions.record(caller.callSid, { kind: 'callback-requested', detail: step.caller.callback?.number });
        this.deps.changed(company.id);
        const text = callbackConfirmation(spokenLanguage(caller.speechLanguage));
        return renderTexml(callbackConfirmedDocument(text, caller.speechLanguage));
      }
      this.deps.logger.info({ companyId: company.id, callSid, reason: step.error }, 'callback not taken');
    }
    // Any other key: the wait document ends and Telnyx asks the waitUrl again (back to the music).
    return renderTexml(response());
  }

  /**
   * `queue-exit` (the Enqueue's action): how the caller left. Redirected (an offer) or bridged: nothing
   * to do, Telnyx ignores the answer. Hung up: abandoned. After a `<Leave>`: a callback's goodbye, or,
   * for a caller whose wait ran out, the overflow.
   */
  exited(company: DirectoryCompany, callSid: string | null, queueResult: string | null): string {
    const result = (queueResult ?? '').toLowerCase();
    if (!callSid || result === 'redirected' || result === 'bridged') return renderTexml(response());
    const { waiting, sessions, ledger } = this.deps;
    const caller = waiting.get(company.id, callSid);
    const session = sessions.get(callSid);
    if (caller?.callback) {
      // The caller asked to be called back: the call ends here, the place stays in the queue.
      if (session && session.endedAt === null) {
        session.callbackRequested = true;
        sessions.record(callSid, { kind: 'left-queue', detail: 'callback' });
        ledger.finish(session, 'CALLBACK_PENDING');
      }
      return renderTexml(response(hangup()));
    }
    if (result === 'hangup') {
      if (caller) waiting.remove(company.id, callSid);
      if (caller && session?.endedAt === null) sessions.record(callSid, { kind: 'left-queue', detail: 'abandoned' });
      if (session && session.endedAt === null) ledger.finish(session, 'ABANDONED');
      this.deps.changed(company.id);
      return renderTexml(response());
    }
    if (!caller || !session || session.endedAt !== null) return renderTexml(response(hangup()));
    const queue = queueOf(company, caller.queueId);
    const now = this.deps.clock.now();
    // Telnyx's maxWaitTimeSecs ran out (its seconds may round below ours: one second of slack).
    if (overflowDue(caller, queue, now + 1_000) || caller.state !== 'WAITING') return this.overflow(company, session, queue);
    return this.enqueue(company, caller, queue); // left without a reason we know: back in line, same place
  }

  /** Every waiting caller handed to a free agent who can take them now: the reservations made here, the REST calls to the dispatcher. */
  planOffers(company: DirectoryCompany): { agentId: string; callSid: string }[] {
    const callers = this.deps.waiting.of(company.id);
    if (callers.length === 0) return [];
    const snapshot = this.deps.snapshot(company);
    const free = snapshot
      .filter((a) => skipReason(a, company.policy) === null && a.reservedFor === null)
      .sort((a, b) => (a.lastCallEndedAt ?? 0) - (b.lastCallEndedAt ?? 0));
    const queues = new Map<string, QueuePolicy>(company.queues.map((q) => [q.id, q]));
    return planOffers(free, callers, queues, this.deps.clock.now());
  }

  /** One planned offer, checked again and made under the call's state: the reservation and the caller's new state. */
  reserveOffer(company: DirectoryCompany, pair: { agentId: string; callSid: string }): QueueOffer | null {
    const { waiting, sessions, clock } = this.deps;
    const caller = waiting.get(company.id, pair.callSid);
    const agent = this.deps.snapshot(company).find((a) => a.id === pair.agentId);
    if (!caller || !agent || skipReason(agent, company.policy) !== null || agent.reservedFor !== null) return null;
    const queue = queueOf(company, caller.queueId);
    const again = planOffers([agent], [caller], new Map([[queue.id, queue]]), clock.now());
    if (again.length === 0) return null;
    const ringSeconds = ringSecondsOf(company, queue);
    if (caller.state === 'CALLBACK_WAITING') {
      const step = callbackStep(caller, { kind: 'offered', agentId: agent.id, agentCallSid: null }, clock.now(), queue);
      if (!step.ok) return null;
      sessions.reserve(agent.id, caller.callSid, ringSeconds);
      waiting.put(step.caller);
      this.deps.changed(company.id);
      return {
        kind: 'callback',
        companyId: company.id,
        callSid: caller.callSid,
        accountSid: caller.accountSid ?? null,
        agentId: agent.id,
        agentSip: sipUri(agent.sipUsername),
        from: caller.to,
        ringSeconds,
      };
    }
    const session = sessions.get(caller.callSid);
    if (!session || session.endedAt !== null) {
      waiting.remove(company.id, caller.callSid); // the call is over: nothing to offer
      this.deps.changed(company.id);
      return null;
    }
    const next = offered(caller, agent.id, clock.now());
    if (!next.ok || sessions.ring(caller.callSid, [agent.id], ringSeconds, { reserve: true }).length === 0) return null;
    waiting.put(next.caller);
    this.deps.ledger.changed(session);
    this.deps.changed(company.id);
    return { kind: 'redirect', companyId: company.id, callSid: caller.callSid, accountSid: session.accountSid, agentId: agent.id };
  }

  /** The REST call for an offer failed: the reservation ends and the caller is back in line (or gone, if Telnyx says the call is). */
  offerFailed(company: DirectoryCompany, offer: QueueOffer, gone: boolean): void {
    const { waiting, sessions, ledger, clock } = this.deps;
    sessions.release(offer.callSid);
    const caller = waiting.get(company.id, offer.callSid);
    if (!caller) return;
    if (gone && offer.kind === 'redirect') {
      waiting.remove(company.id, offer.callSid);
      const session = sessions.get(offer.callSid);
      if (session && session.endedAt === null) ledger.finish(session, 'ABANDONED');
    } else if (caller.state === 'CALLBACK_OFFERED') {
      const step = callbackStep(caller, { kind: 'agent-missed' }, clock.now(), queueOf(company, caller.queueId));
      if (step.ok) waiting.put(step.caller);
    } else {
      const back = offerMissed(caller, clock.now());
      if (back.ok) waiting.put(back.caller);
    }
    this.deps.changed(company.id);
  }

  /** `queue-offer`: the caller we redirected fetches the dial to the agent reserved for them. */
  offerDocument(company: DirectoryCompany, callSid: string | null): string {
    const { waiting, sessions } = this.deps;
    const caller = callSid ? waiting.get(company.id, callSid) : undefined;
    const session = callSid ? sessions.get(callSid) : undefined;
    if (!caller || !session || session.endedAt !== null) return renderTexml(response(hangup()));
    const queue = queueOf(company, caller.queueId);
    const agent = caller.offeredTo ? company.agents.find((a) => a.id === caller.offeredTo && a.sipTarget.ok) : undefined;
    if (caller.state !== 'OFFERED' || !agent?.sipTarget.ok) {
      const back = offerMissed(caller, this.deps.clock.now());
      if (back.ok) waiting.put(back.caller);
      return this.enqueue(company, back.ok ? back.caller : caller, queue);
    }
    const policy = { ...company.policy, ringTimeoutSeconds: ringSecondsOf(company, queue) };
    const plan = ringOnePlan({ id: agent.id, sipUsername: agent.sipTarget.sipUsername, tier: agent.tier }, policy.ringTimeoutSeconds);
    return renderVoiceDocument(plan, policy, this.deps.urls(company), session.to, session.language);
  }

  /**
   * The `<Dial action>` of an offered caller (dial-complete). Answered: the call is over once it ends,
   * and its handle time feeds the estimate. Canceled: the caller hung up. Missed: back in line at the
   * same place (or the overflow when the wait ran out), and the dispatcher looks again.
   */
  offerEnded(company: DirectoryCompany, session: CallSession, status: string | undefined): string | null {
    const { waiting, sessions, ledger, agents, clock } = this.deps;
    const caller = waiting.get(company.id, session.callSid);
    if (caller?.state !== 'OFFERED') return null;
    const now = clock.now();
    if (status === 'completed' || status === 'canceled') {
      waiting.remove(company.id, session.callSid);
      this.deps.changed(company.id);
      return null; // the hunt's own answer (answered, or abandoned) applies
    }
    for (const agentId of sessions.stepMissed(session.callSid)) agents.apply(company, agentId, { kind: 'missed' });
    const missed = offerMissed(caller, now);
    const back = missed.ok ? missed.caller : caller;
    waiting.put(back);
    ledger.changed(session);
    this.deps.changed(company.id);
    const queue = queueOf(company, caller.queueId);
    if (overflowDue(back, queue, now)) return this.overflow(company, session, queue);
    return this.enqueue(company, back, queue);
  }

  /** The caller's call ended (its status callback): a caller still in line or being offered leaves the queue; a callback keeps its place. */
  callEnded(company: DirectoryCompany, callSid: string): void {
    const caller = this.deps.waiting.get(company.id, callSid);
    if (!caller || caller.callback) return;
    this.deps.waiting.remove(company.id, callSid);
    this.deps.changed(company.id);
  }

  /** An answered call of a queue ended: its talk (plus wrap-up) time feeds the queue's estimate. */
  handled(company: DirectoryCompany, session: CallSession): void {
    if (session.answeredAt === null) return;
    const queue = queueOf(company, session.queueId);
    const seconds = (this.deps.clock.now() - session.answeredAt) / 1000 + company.policy.wrapUpSeconds;
    this.deps.waiting.recordHandle(company.id, queue.id, seconds);
  }

  /** `callback`: the agent answered the call we placed: dial the customer from the company's number. */
  callbackAnswered(company: DirectoryCompany, callSid: string | null): string {
    const caller = callSid ? this.deps.waiting.get(company.id, callSid) : undefined;
    if (caller?.state !== 'CALLBACK_OFFERED' || !caller.callback) {
      return renderTexml(response(say('This callback is no longer needed.', { voice: 'alice', language: 'en-US' }), hangup()));
    }
    const step = callbackStep(caller, { kind: 'agent-answered' }, this.deps.clock.now(), queueOf(company, caller.queueId));
    if (!step.ok) return renderTexml(response(hangup()));
    this.deps.waiting.put(step.caller);
    this.deps.changed(company.id);
    const callerId = calledNumber(caller.to);
    return renderTexml(
      callbackAgentDocument({
        intro: callbackIntro(caller.callback.number),
        customerNumber: caller.callback.number,
        callerId: /^\+[1-9]\d{6,14}$/.test(callerId) ? callerId : null,
        timeoutSeconds: CALLBACK_DIAL_TIMEOUT_SECONDS,
        actionUrl: this.deps.urls(company).callbackOf(caller.callSid).complete,
      }),
    );
  }

  /** `callback-status`: the call to the agent rang out, was declined or failed before the agent answered. */
  callbackAgentStatus(company: DirectoryCompany, callSid: string | null, agentId: string | null, status: string): void {
    const caller = callSid ? this.deps.waiting.get(company.id, callSid) : undefined;
    if (caller?.state !== 'CALLBACK_OFFERED') return;
    if (!['no-answer', 'busy', 'failed', 'canceled'].includes(status)) return;
    this.deps.sessions.release(caller.callSid);
    const step = callbackStep(caller, { kind: 'agent-missed' }, this.deps.clock.now(), queueOf(company, caller.queueId));
    if (step.ok) this.deps.waiting.put(step.caller);
    if (agentId) this.deps.agents.apply(company, agentId, { kind: 'missed' });
    this.deps.changed(company.id);
  }

  /** `callback-complete`: the customer answered (the callback is done) or did not (retried, or given up). */
  callbackDialed(company: DirectoryCompany, callSid: string | null, dialStatus: string | null, talkSeconds: number): string {
    const { waiting, clock, ledger } = this.deps;
    const caller = callSid ? waiting.get(company.id, callSid) : undefined;
    if (caller?.state !== 'CALLBACK_DIALING') return renderTexml(response(hangup()));
    const queue = queueOf(company, caller.queueId);
    const now = clock.now();
    const answered = dialStatus === 'completed';
    const step = callbackStep(caller, { kind: answered ? 'customer-answered' : 'customer-missed' }, now, queue);
    this.deps.sessions.release(caller.callSid);
    if (!step.ok) return renderTexml(response(hangup()));
    if (step.effect === 'retry') waiting.put(step.caller);
    else {
      waiting.remove(company.id, caller.callSid);
      const outcome: CallOutcome = step.effect === 'done' ? 'ANSWERED' : 'CALLBACK_FAILED';
      ledger.callbackEnded(caller, outcome, answered ? { agentId: caller.offeredTo, answeredAt: now - talkSeconds * 1000 } : null);
    }
    this.deps.changed(company.id);
    const text =
      step.effect === 'retry'
        ? 'The customer did not answer. We will try again later.'
        : step.effect === 'gave-up'
          ? 'The customer did not answer. This callback is closed.'
          : null;
    return renderTexml(text ? queueGoodbyeDocument(text, 'en-US') : response(hangup()));
  }

  /** The queue's hold document for a caller (again), with what is left of their wait. */
  private enqueue(company: DirectoryCompany, caller: WaitingCaller, queue: QueuePolicy): string {
    const seconds = remainingWaitSeconds(caller, queue, this.deps.clock.now());
    return renderTexml(enqueueDocument(telnyxQueueName(queue), seconds, this.deps.urls(company)));
  }

  /**
   * The caller cannot wait here (full, or the wait ran out): the queue's overflow. Another queue takes
   * them at its back (a new wait there); a queue already visited, or one that is gone, means voicemail.
   */
  private overflow(company: DirectoryCompany, session: CallSession, queue: QueuePolicy): string {
    const { waiting, ledger } = this.deps;
    const caller = waiting.remove(company.id, session.callSid);
    this.deps.changed(company.id);
    const urls = this.deps.urls(company);
    const target = queue.overflow;
    this.deps.sessions.record(session.callSid, { kind: 'left-queue', detail: 'overflow' });
    session.queuesVisited = [...(session.queuesVisited ?? []), queue.id];
    if (target.kind === 'QUEUE' && !session.queuesVisited.includes(target.queueId)) {
      const next = company.queues.find((q) => q.id === target.queueId);
      if (next) {
        session.queueId = next.id;
        const moved: WaitingCaller = {
          ...(caller ?? this.readmit(company, session.callSid, 0)!),
          queueId: next.id,
          enqueuedAt: this.deps.clock.now(),
          state: 'WAITING',
          offeredTo: null,
          offeredAt: null,
        };
        waiting.put(moved);
        this.deps.sessions.record(session.callSid, { kind: 'queued', detail: next.id });
        return this.enqueue(company, moved, next);
      }
    }
    const policy = company.policy;
    if (target.kind === 'NUMBER') {
      ledger.finish(session, 'FORWARDED');
      return renderTexml(fallbackDocument({ ...policy, fallbackKind: 'NUMBER', fallbackNumber: target.number }, urls, session.to));
    }
    if (target.kind === 'HANGUP') {
      ledger.finish(session, 'HUNG_UP');
      return renderTexml(fallbackDocument({ ...policy, fallbackKind: 'HANGUP' }, urls, session.to));
    }
    ledger.finish(session, 'VOICEMAIL');
    return renderTexml(voicemailDocument(policy, urls, session.language));
  }

  /**
   * A caller Telnyx holds in our queue whom this instance does not know (a restart in memory mode):
   * back in line as of Telnyx's own QueueTime, so their place is not lost.
   */
  private readmit(company: DirectoryCompany, callSid: string, queueSeconds: number | null): WaitingCaller | undefined {
    const session = this.deps.sessions.get(callSid);
    if (!session || session.endedAt !== null) return undefined;
    const now = this.deps.clock.now();
    const caller: WaitingCaller = {
      callSid,
      companyId: company.id,
      queueId: queueOf(company, session.queueId).id,
      from: session.from,
      to: session.to,
      enqueuedAt: now - Math.max(0, queueSeconds ?? 0) * 1000,
      priority: session.priority,
      requiredSkills: null,
      language: session.language,
      speechLanguage: speechLanguageOf(company, session.language),
      accountSid: session.accountSid,
      state: 'WAITING',
      offeredTo: null,
      offeredAt: null,
      missed: [],
      callback: null,
    };
    this.deps.waiting.put(caller);
    this.deps.changed(company.id);
    return caller;
  }
}

/** The queue a call belongs to: the one named, else the company's default. */
export function queueOf(company: DirectoryCompany, queueId: string | null): QueuePolicy {
  return (queueId && company.queues.find((q) => q.id === queueId)) || company.queues.find((q) => q.isDefault) || company.queues[0]!;
}

/** How long an offer to an agent rings: the queue's own ring timeout, else the company's. */
function ringSecondsOf(company: DirectoryCompany, queue: QueuePolicy): number {
  return queue.routing.ringTimeoutSeconds ?? company.policy.ringTimeoutSeconds;
}

/** The name of the Telnyx queue our queue's callers wait in (Telnyx only holds the audio; the order is ours). */
export function telnyxQueueName(queue: QueuePolicy): string {
  return `curbe-${queue.id}`;
}

/** The language announcements are spoken in: the menu option the caller chose, else the company's. */
function speechLanguageOf(company: DirectoryCompany, language: string | null): string {
  const option = language ? company.policy.languageMenu.find((o) => o.skill === language) : undefined;
  return option?.language ?? company.policy.greetingLanguage;
}
