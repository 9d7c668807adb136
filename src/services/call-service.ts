/**
 * Calls as they happen, composed from src/calls/: the hunt (hunting.ts), the status callbacks and
 * the sweeps (status-callbacks.ts), the reconcile of calls gone silent (call-reconciler.ts), the agents' call activity (agent-activity-keeper.ts over one
 * AgentActivityStore), each piece of work run under the call's shared state (call-scope.ts), and
 * the call log (call-ledger.ts). This facade only wires them and is what resolvers and webhooks call.
 */
import type { Clock } from '../domain/clock.js';
import type { CallContext } from '../domain/routing.js';
import type { StatusOutcome } from '../domain/webhook-outcome.js';
import type { MaybePromise } from '../infra/maybe-promise.js';
import type { Db } from '../infra/db.js';
import type { SqlRunner } from '../infra/sql.js';
import type { Logger } from '../infra/logger.js';
import type { PubSub } from './topics.js';
import { AgentActivityKeeper, type AgentStatusWriter } from '../calls/agent-activity-keeper.js';
import type { AgentActivityStore } from '../calls/agent-activity-store.js';
import { CallLedger } from '../calls/call-ledger.js';
import { CallReconciler, type CallLookup } from '../calls/call-reconciler.js';
import { CallScope } from '../calls/call-scope.js';
import type { CallSessions } from '../calls/call-sessions.js';
import { Hunting, type AgentLiveness, type CallDecision, type CallStep, type InboundCall } from '../calls/hunting.js';
import type { SharedCallState } from '../calls/shared-call-state.js';
import { agentBySipUri, StatusCallbacks, type CallStatusParams } from '../calls/status-callbacks.js';
import type { CallbackUrlSigner } from '../telnyx/callback-mac.js';
import type { Directory, DirectoryCompany } from './directory.js';
import { CallLogWriter } from './call-log-writer.js';
import { type QueuePreview, Queueing, queueOf } from '../calls/queueing.js';
import { holdMusicUrl } from '../domain/hold-music.js';
import { QueueDispatcher, type QueueCallControl } from '../calls/queue-dispatcher.js';
import { type SharedWaitingList, WaitingList } from '../calls/waiting-list.js';
import { CallRooms, type CommandResult, type RoomControl, type RoomEvent } from '../calls/call-rooms.js';
import type { Actor, RoomCommand } from '../domain/live-call.js';
import { hangup, renderTexml, response } from '../domain/texml.js';

export { ForeignCallError } from '../calls/call-scope.js';
export { DEFAULT_AGENT_CALL_MAX_MS, type CallStatusParams } from '../calls/status-callbacks.js';
export type { CallDecision, CallStep } from '../calls/hunting.js';

export class CallService {
  readonly sessions: CallSessions;
  /** The call log, written in batches behind the calls. */
  readonly log: CallLogWriter;
  private readonly scope: CallScope;
  private readonly agents: AgentActivityKeeper;
  private readonly hunting: Hunting;
  private readonly statusCallbacks: StatusCallbacks;
  private readonly reconciler: CallReconciler;
  /** The callers waiting in queues, per company (docs/QUEUES.md). */
  readonly waiting: WaitingList;
  private readonly queueing: Queueing;
  readonly dispatcher: QueueDispatcher;
  /** Answered calls' rooms: in-call control (docs/IN-CALL.md). */
  readonly rooms: CallRooms;
  private readonly sharedWaiting: SharedWaitingList | undefined;

  constructor(deps: {
    db: Db;
    /** The driver's connection, for the call log's batches (src/services/call-log-writer.ts). */
    sql: SqlRunner;
    directory: Directory;
    presence: AgentLiveness & AgentStatusWriter;
    clock: Clock;
    logger: Logger;
    pubsub: PubSub;
    publicUrl: () => string;
    /** This instance's calls in progress and their reservations. */
    sessions: CallSessions;
    /** Each agent's call activity: in memory, or mirrored through Redis with the shared call state. */
    activity: AgentActivityStore;
    random?: () => number;
    /** Multi-instance mode: call state shared through Redis (webhooks of one call land anywhere). */
    sharedState?: SharedCallState;
    /** An agent on a call with no leg event for this long is freed by the sweep (AGENT_CALL_MAX_SECONDS). */
    agentCallMaxMs?: number;
    /** Call-log rows that may wait for the database before the oldest are dropped. */
    maxWaitingRows?: number;
    /**
     * Set when webhooks must be signed: callback URLs carry a MAC (src/telnyx/callback-mac.ts), and a
     * webhook about a call of another company is refused (ForeignCallError) instead of acted on.
     */
    callbackSigner?: CallbackUrlSigner;
    /** Telnyx's "Get call" for calls gone silent (with TELNYX_API_KEY); without it they end as UNKNOWN. */
    lookupCall?: CallLookup;
    /** MAX_DIAL_TARGETS: the most agents one `<Dial>` rings. */
    maxDialTargets?: number;
    /** TELNYX_WEBHOOK_TOKEN when required: every callback URL carries it (`token=`). */
    webhookToken?: string;
    /** The waiting list to use (multi-instance mode shares it through Redis with the call state). */
    waiting?: WaitingList;
    sharedWaiting?: SharedWaitingList;
    /** Telnyx's REST API for offering waiting callers; without it nobody waits (docs/QUEUES.md). */
    queueControl?: QueueCallControl | null;
    /** The music a queue plays when it names none (served by this service). */
    builtInMusicUrl?: () => string;
    /** Work in flight outside webhooks (tests on virtual time hold the clock meanwhile). */
    inFlight?: { begin(): void; end(): void };
    /** Telnyx's REST API for answered calls' rooms; without it calls stay plain bridges (docs/IN-CALL.md). */
    roomControl?: RoomControl | null;
    /** A call recording is complete at Telnyx (its URL lives ten minutes): the recordings' storage takes it. */
    onCallRecording?: (
      company: DirectoryCompany,
      recording: { callSid: string; recordingSid: string; url: string; durationSeconds: number; accountSid: string | null },
    ) => void;
  }) {
    const { db, directory, presence, clock, logger, pubsub, sessions, activity } = deps;
    this.sessions = sessions;
    this.log = new CallLogWriter({ sql: deps.sql, clock, logger, maxWaitingRows: deps.maxWaitingRows });
    const scope = new CallScope({
      db,
      clock,
      logger,
      sessions,
      activity,
      sharedState: deps.sharedState,
      refuseForeignCalls: !!deps.callbackSigner,
    });
    const ledger = new CallLedger({ sessions, log: this.log, pubsub, clock });
    const agents = new AgentActivityKeeper({ db, directory, presence, clock, logger, activity, scope, inFlight: deps.inFlight });
    this.scope = scope;
    this.agents = agents;
    this.waiting = deps.waiting ?? new WaitingList();
    this.sharedWaiting = deps.sharedWaiting;
    this.queueing = new Queueing({
      clock,
      logger,
      sessions,
      ledger,
      agents,
      waiting: this.waiting,
      urls: (company) => this.hunting.urls(company),
      snapshot: (company) => this.hunting.snapshot(company),
      restAvailable: !!deps.queueControl,
      builtInMusicUrl: deps.builtInMusicUrl ?? (() => holdMusicUrl(deps.publicUrl())),
      changed: (companyId) => {
        pubsub.publish('queues:changed', companyId, null);
        this.dispatcher.poke(companyId);
      },
    });
    this.dispatcher = new QueueDispatcher({
      clock,
      logger,
      directory,
      scope,
      queueing: this.queueing,
      waiting: this.waiting,
      shared: deps.sharedWaiting,
      urls: (company) => this.hunting.urls(company),
      control: deps.queueControl ?? null,
      inFlight: deps.inFlight,
    });
    this.hunting = new Hunting({
      db,
      clock,
      logger,
      presence,
      sessions,
      scope,
      ledger,
      agents,
      publicUrl: deps.publicUrl,
      random: deps.random,
      callbackSigner: deps.callbackSigner,
      maxDialTargets: deps.maxDialTargets,
      webhookToken: deps.webhookToken,
      queueing: () => this.queueing,
      rooms: () => this.rooms,
    });
    const builtInMusic = deps.builtInMusicUrl ?? (() => holdMusicUrl(deps.publicUrl()));
    this.rooms = new CallRooms({
      clock,
      logger,
      sessions,
      scope,
      agents,
      urls: (company) => this.hunting.urls(company),
      control: deps.roomControl ?? null,
      holdMusicUrl: (company, session) => queueOf(company, session.queueId).holdMusicUrl ?? builtInMusic(),
      changed: (companyId) => pubsub.publish('calls:live', companyId, null),
      recorded: (company, r) => deps.onCallRecording?.(company, { ...r, accountSid: sessions.get(r.callSid)?.accountSid ?? null }),
      started: (session) => ledger.started(session),
      finish: (session, outcome) => ledger.finish(session, outcome),
      inFlight: deps.inFlight,
    });
    this.reconciler = new CallReconciler({
      db,
      directory,
      clock,
      logger,
      sessions,
      scope,
      ledger,
      agents,
      activity,
      lookupCall: deps.lookupCall,
    });
    this.statusCallbacks = new StatusCallbacks({
      db,
      directory,
      presence,
      clock,
      logger,
      sessions,
      activity,
      scope,
      ledger,
      agents,
      agentCallMaxMs: deps.agentCallMaxMs,
      reconciler: this.reconciler,
    });
  }

  /** The plan a call would get (routePreview); reserves nothing. */
  preview(company: DirectoryCompany, call: CallContext, at?: number): CallDecision & { queue: QueuePreview | null } {
    return this.hunting.preview(company, call, at);
  }

  // The webhooks' entry points: each runs under the call's scope (shared state, signed-mode ownership).
  start(company: DirectoryCompany, call: InboundCall): MaybePromise<CallStep> {
    return this.scope.runOwnCall(company, call.callSid, () => this.hunting.start(company, call));
  }

  languageChosen(company: DirectoryCompany, call: InboundCall & { digits: string | null }): MaybePromise<CallStep> {
    return this.scope.runOwnCall(company, call.callSid, () => this.hunting.languageChosen(company, call));
  }

  /** step: the URL's `step` (null = the agents' hunt, or, if the call was forwarded, that forward). */
  dialComplete(company: DirectoryCompany, callSid: string | null, status: string | undefined, step: string | null): MaybePromise<CallStep> {
    return this.scope.runOwnCall(company, callSid, () => this.hunting.dialComplete(company, callSid, status, step));
  }

  agentLegStatus(company: DirectoryCompany, params: CallStatusParams): MaybePromise<StatusOutcome> {
    const callSid = params.parentCallSid ?? params.callSid ?? null;
    return this.scope.runOwnCall(company, callSid, () => {
      const outcome = this.statusCallbacks.legStatus(company, params);
      if (outcome.kind === 'call-ended' && params.callSid) this.queueing.callEnded(company, params.callSid);
      // An offered caller the agent answered waits no more: out of the live view now, not when the talk ends
      // (the offer's dial-complete then finds no entry, and the hunt's answer applies, as it did before).
      const answered = outcome.kind === 'agent-answered' ? params.parentCallSid : null;
      if (answered && this.waiting.get(company.id, answered)?.state === 'OFFERED') this.queueing.callEnded(company, answered);
      // The answered leg goes into the call's room (docs/IN-CALL.md).
      const session = answered ? this.sessions.get(answered) : undefined;
      const agent = session && params.callSid ? agentBySipUri(company, params.to) : undefined;
      if (session && agent && params.callSid) this.rooms.legAnswered(company, session, params.callSid, agent.id);
      // An agent's call ended: a waiting caller may be theirs now (poked before this webhook is answered).
      if (outcome.kind === 'call-ended' || outcome.kind === 'agent-completed') this.agentMayBeFree(company.id);
      return outcome;
    });
  }

  // An answered call's room (docs/IN-CALL.md): its routes, and the in-call commands.
  /** `room-events`: the conference status callback of the room of `callSid` (the URL's step). */
  roomEvent(company: DirectoryCompany, callSid: string | null, event: RoomEvent): MaybePromise<StatusOutcome> {
    return this.scope.runOwnCall(company, callSid, () => {
      if (!callSid) return { kind: 'room-event' as const, event: event.event ?? 'unknown' };
      this.sessions.heard(callSid);
      return this.rooms.event(company, callSid, event);
    });
  }

  /** `room-party`: a party dialed into the room of `callSid` progressed. */
  roomParty(
    company: DirectoryCompany,
    callSid: string | null,
    label: string | null,
    status: string | null,
    partyCallSid: string | null,
  ): MaybePromise<StatusOutcome> {
    return this.scope.runOwnCall(company, callSid, () => {
      const s = (status ?? '').toLowerCase();
      if (!callSid || !label) return { kind: 'room-party' as const, status: s };
      const outcome = this.rooms.partyStatus(company, callSid, label, s, partyCallSid);
      if (s === 'completed') this.agentMayBeFree(company.id);
      return outcome;
    });
  }

  /** `room-recording`: the on-demand recording of `callSid` progressed. */
  roomRecording(
    company: DirectoryCompany,
    callSid: string | null,
    recording: { recordingSid: string | null; status: string | null; url: string | null; durationSeconds: number },
  ): MaybePromise<StatusOutcome> {
    return this.scope.runOwnCall(company, callSid, () => {
      const s = (recording.status ?? '').toLowerCase();
      if (callSid) this.rooms.recordingStatus(company, callSid, { ...recording, status: s });
      return { kind: 'room-recording' as const, status: s };
    });
  }

  /** `transfer`: the document a cold transfer sends the caller to. */
  transfer(company: DirectoryCompany, callSid: string | null, step: string | null): MaybePromise<CallStep> {
    return this.scope.runOwnCall(company, callSid, () => this.hunting.transfer(company, callSid, step));
  }

  /** `outbound`: the agent answered a call we placed (startCall): they join the call's room. */
  outboundAnswered(company: DirectoryCompany, callSid: string | null): MaybePromise<CallStep> {
    return this.scope.runOwnCall(company, callSid, () => {
      const doc = callSid ? this.rooms.outboundAnswered(company, callSid) : null;
      if (callSid) this.sessions.heard(callSid);
      return { texml: doc ?? renderTexml(response(hangup())), outcome: { kind: doc ? 'answered' : 'hunt-over' } as const };
    });
  }

  /** `outbound-status`: the call to the agent progressed. */
  outboundStatus(company: DirectoryCompany, callSid: string | null, status: string | null): MaybePromise<StatusOutcome> {
    return this.scope.runOwnCall(company, callSid, () => {
      const s = (status ?? '').toLowerCase();
      if (callSid) {
        this.sessions.heard(callSid);
        this.rooms.outboundStatus(company, callSid, s);
        if (s === 'completed') this.agentMayBeFree(company.id);
      }
      return { kind: 'room-party' as const, status: s };
    });
  }

  /** Places an outbound call: the agent's softphone rings, then the customer (docs/IN-CALL.md). */
  startOutbound(company: DirectoryCompany, input: { agentId: string; to: string; callerId: string }) {
    return this.rooms.startOutbound(company, input);
  }

  /** An in-call command (hold, transfer, consult, supervise, record…) from an agent or a supervisor. */
  roomCommand(company: DirectoryCompany, callSid: string, command: RoomCommand, actor: Actor): Promise<CommandResult> {
    return this.rooms.command(company, callSid, command, actor);
  }

  // The queue's routes (docs/QUEUES.md), each under the call's scope like the others.
  queueWait(company: DirectoryCompany, callSid: string | null, queueSeconds: number | null): MaybePromise<CallStep> {
    return this.queueStep(company, callSid, 'queue-wait', () => this.queueing.waitRound(company, callSid, queueSeconds));
  }

  queueKey(company: DirectoryCompany, callSid: string | null, digits: string | null): MaybePromise<CallStep> {
    return this.queueStep(company, callSid, 'queue-key', () => this.queueing.keyPressed(company, callSid, digits));
  }

  queueExit(company: DirectoryCompany, callSid: string | null, queueResult: string | null): MaybePromise<CallStep> {
    return this.queueStep(company, callSid, `queue-exit-${queueResult ?? 'unknown'}`, () =>
      this.queueing.exited(company, callSid, queueResult),
    );
  }

  queueOffer(company: DirectoryCompany, callSid: string | null): MaybePromise<CallStep> {
    return this.queueStep(company, callSid, 'queue-offer', () => this.queueing.offerDocument(company, callSid));
  }

  /** `callback`: the agent answered the call we placed for the callback of `callSid` (the URL's step). */
  callbackAnswered(company: DirectoryCompany, callSid: string | null): MaybePromise<CallStep> {
    return this.queueStep(company, callSid, 'callback-answered', () => this.queueing.callbackAnswered(company, callSid));
  }

  /** `callback-status`: the call to the agent for the callback of `callSid` progressed. */
  callbackStatus(company: DirectoryCompany, callSid: string | null, params: CallStatusParams): MaybePromise<StatusOutcome> {
    return this.scope.runOwnCall(company, callSid, () => {
      const status = (params.status ?? '').toLowerCase();
      const agent = agentBySipUri(company, params.to);
      this.queueing.callbackAgentStatus(company, callSid, agent?.id ?? null, status);
      // The agent's own state (on a call, free again) as for any leg of the call.
      return this.statusCallbacks.legStatus(company, { ...params, parentCallSid: callSid });
    });
  }

  /** `callback-complete`: the dial from the agent to the customer ended. */
  callbackComplete(
    company: DirectoryCompany,
    callSid: string | null,
    dialStatus: string | null,
    talkSeconds: number,
  ): MaybePromise<CallStep> {
    return this.queueStep(company, callSid, `callback-dial-${dialStatus ?? 'unknown'}`, () =>
      this.queueing.callbackDialed(company, callSid, dialStatus, talkSeconds),
    );
  }

  private queueStep(company: DirectoryCompany, callSid: string | null, step: string, work: () => string): MaybePromise<CallStep> {
    return this.scope.runOwnCall(company, callSid, () => {
      if (callSid) this.sessions.heard(callSid);
      return { texml: work(), outcome: { kind: 'queue-step', step } };
    });
  }

  /** The company's waiting callers: in multi-instance mode read from the shared copy first (no lock: a read). */
  async waitingOf(company: DirectoryCompany) {
    if (this.sharedWaiting) await this.sharedWaiting.load(company.id).catch(() => undefined); // else this instance's view
    return this.waiting.of(company.id);
  }

  /** What routing sees of the company's agents now (the queue views count who could take a call). */
  routingSnapshot(company: DirectoryCompany) {
    return this.hunting.snapshot(company);
  }

  /** An agent's presence changed (a call or wrap-up ended, a break ended, a login): waiting callers may be offered now. */
  agentMayBeFree(companyId: string): void {
    if (this.waiting.of(companyId).length > 0 || this.scope.shared) this.dispatcher.poke(companyId);
  }

  /** The company a call in progress (or just ended) belongs to, as far as this instance can tell. */
  companyOfCall(callSid: string): Promise<string | null> {
    return this.scope.companyOfCall(callSid);
  }

  /** The queue a call was in and the caller's menu language, as this instance knows them (a voicemail's mailbox); null: unknown here. */
  voicemailContextOf(callSid: string): { queueId: string | null; language: string | null } | null {
    const session = this.sessions.get(callSid);
    return session ? { queueId: session.queueId, language: session.language } : null;
  }

  freeStaleCalls(): Promise<number> {
    return this.statusCallbacks.freeStaleCalls();
  }

  clearAgentCall(company: DirectoryCompany, agentId: string): Promise<{ onCallSid: string; lastLegEventAt: number | null } | null> {
    return this.statusCallbacks.clearAgentCall(company, agentId);
  }

  /** Looks up (or ends) the calls gone silent past their next expected callback; also part of every sweep. */
  reconcileSilentCalls(): Promise<number> {
    return this.reconciler.sweep();
  }

  sweepWrapUps(everyMs?: number): Promise<number> {
    return this.statusCallbacks.sweepWrapUps(everyMs);
  }

  /** The callback URLs of this company's TeXML (each with its MAC when webhooks must be signed). */
  urls(company: DirectoryCompany) {
    return this.hunting.urls(company);
  }

  stop(): void {
    this.dispatcher.stop();
    this.statusCallbacks.stop();
    void this.log.stop();
    this.sessions.stop();
    this.agents.stop();
  }
}
