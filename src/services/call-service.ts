/**
 * Calls as they happen, composed from src/calls/: the hunt (hunting.ts), the status callbacks and
 * the sweeps (status-callbacks.ts), the reconcile of calls gone silent (call-reconciler.ts), the agents' call activity (agent-activity-keeper.ts over one
 * AgentActivityStore), each piece of work run under the call's shared state (call-scope.ts), and
 * the call log (call-ledger.ts). This facade only wires them and is what resolvers and webhooks call.
 */
import type { Clock } from '../domain/clock.js';
import type { CallContext } from '../domain/routing.js';
import type { StatusOutcome } from '../domain/webhook-outcome.js';
import type { Db } from '../infra/db.js';
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
import { StatusCallbacks, type CallStatusParams } from '../calls/status-callbacks.js';
import type { CallbackUrlSigner } from '../telnyx/callback-mac.js';
import type { Directory, DirectoryCompany } from './directory.js';
import { CallLogWriter } from './call-log-writer.js';

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

  constructor(deps: {
    db: Db;
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
  }) {
    const { db, directory, presence, clock, logger, pubsub, sessions, activity } = deps;
    this.sessions = sessions;
    this.log = new CallLogWriter({ db, clock, logger, maxWaitingRows: deps.maxWaitingRows });
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
    const agents = new AgentActivityKeeper({ db, directory, presence, clock, logger, activity, scope });
    this.scope = scope;
    this.agents = agents;
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
  preview(company: DirectoryCompany, call: CallContext, at?: number): CallDecision {
    return this.hunting.preview(company, call, at);
  }

  // The webhooks' entry points: each runs under the call's scope (shared state, signed-mode ownership).
  start(company: DirectoryCompany, call: InboundCall): Promise<CallStep> {
    return this.scope.runOwnCall(company, call.callSid, () => this.hunting.start(company, call));
  }

  languageChosen(company: DirectoryCompany, call: InboundCall & { digits: string | null }): Promise<CallStep> {
    return this.scope.runOwnCall(company, call.callSid, () => this.hunting.languageChosen(company, call));
  }

  /** step: the URL's `step` (null = the agents' hunt, or, if the call was forwarded, that forward). */
  dialComplete(company: DirectoryCompany, callSid: string | null, status: string | undefined, step: string | null): Promise<CallStep> {
    return this.scope.runOwnCall(company, callSid, () => this.hunting.dialComplete(company, callSid, status, step));
  }

  agentLegStatus(company: DirectoryCompany, params: CallStatusParams): Promise<StatusOutcome> {
    const callSid = params.parentCallSid ?? params.callSid ?? null;
    return this.scope.runOwnCall(company, callSid, () => this.statusCallbacks.legStatus(company, params));
  }

  /** The company a call in progress (or just ended) belongs to, as far as this instance can tell. */
  companyOfCall(callSid: string): Promise<string | null> {
    return this.scope.companyOfCall(callSid);
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
    this.statusCallbacks.stop();
    void this.log.stop();
    this.sessions.stop();
    this.agents.stop();
  }
}
