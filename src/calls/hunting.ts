/**
 * The hunt: an inbound call (the voice webhook), the language menu's answer, and each `<Dial>`'s end
 * (dial-complete) decide the call's next step with the pure routing of src/domain/routing.ts,
 * reserving the agents it offers. Each answers TeXML and a typed outcome (src/domain/webhook-outcome.ts).
 */
import { randomInt } from 'node:crypto';
import {
  calledNumber,
  callbackUrls,
  type CallbackUrls,
  dialCompleteDocument,
  fallbackDocument,
  FORWARD_STEP,
  ROOM_STEP,
  splitStep,
  languageMenuDocument,
} from '../domain/call-flow.js';
import type { Clock } from '../domain/clock.js';
import {
  decideRoute,
  livenessOf,
  type Liveness,
  type AgentSnapshot,
  type AgentStatus,
  type CallContext,
  type FallbackReason,
  ringOnePlan,
  type RoutePlan,
  type RoutingPolicy,
} from '../domain/routing.js';
import { allOf, hasSkill, menuChoice, skillsNamed, type SkillExpression, type Skills } from '../domain/skills.js';
import { hangup, renderTexml, response } from '../domain/texml.js';
import { routingOutcome, type CallStepOutcome } from '../domain/webhook-outcome.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { DirectoryAgent, DirectoryCompany } from '../services/directory.js';
import type { CallbackUrlSigner } from '../telnyx/callback-mac.js';
import type { AgentActivityKeeper } from './agent-activity-keeper.js';
import type { CallLedger } from './call-ledger.js';
import { dayOf, type CallScope } from './call-scope.js';
import type { CallOutcome, CallSession, CallSessions } from './call-sessions.js';
import { parseTransferStep, type CallRooms } from './call-rooms.js';
import { queueOf, type QueuePreview, type Queueing } from './queueing.js';
import { renderVoiceDocument } from './voice-documents.js';
import { policyForQueue, type QueuePolicy } from '../domain/queue.js';

export interface CallDecision {
  plan: RoutePlan;
  texml: string;
}

/** What a webhook answers for a call step: the TeXML and what it decided. */
export interface CallStep {
  texml: string;
  outcome: CallStepOutcome;
}

/** An inbound call as a webhook describes it (no CallSid: nothing to track, a preview answers). */
export interface InboundCall {
  callSid: string | null;
  from: string;
  to: string;
  /** The webhook's `AccountSid`: the call is looked up under it if it goes silent (src/calls/call-reconciler.ts). */
  accountSid?: string | null;
}

/** What routing needs of presence: whether the agent's softphone is alive and busy (at `now`). */
export interface AgentLiveness {
  livenessOfAgent(agent: DirectoryAgent, now: number): Liveness | null;
}

/**
 * An agent as routing sees it now (Hunting.snapshot): its live state copied, its configuration read
 * through from the directory's record. A decision reads ten of these and keeps none; copying the
 * fifteen fields into a new object per agent was 1.7 KB of a decision's allocation.
 */
class LiveAgentSnapshot implements AgentSnapshot {
  constructor(
    private readonly agent: DirectoryAgent,
    readonly liveness: Liveness | null,
    readonly callsToday: number,
    readonly reservedFor: string | null,
  ) {}

  get id(): string {
    return this.agent.id;
  }
  get displayName(): string {
    return this.agent.displayName;
  }
  get sipUsername(): string {
    const target = this.agent.sipTarget;
    return target.ok ? target.sipUsername : this.agent.sipUsername;
  }
  get sipTargetProblem(): string | null {
    const target = this.agent.sipTarget;
    return target.ok ? null : target.detail;
  }
  get enabled(): boolean {
    return this.agent.enabled;
  }
  get status(): AgentStatus {
    return this.agent.status;
  }
  get statusReason(): string | null {
    return this.agent.statusReason;
  }
  get tier(): number {
    return this.agent.tier;
  }
  get position(): number {
    return this.agent.position;
  }
  get lastCallEndedAt(): number | null {
    return this.agent.lastCallEndedAt?.getTime() ?? null;
  }
  get skills(): Skills {
    return this.agent.skills;
  }
  get displayRank(): number {
    return this.agent.displayRank;
  }
}

export class Hunting {
  private readonly random: () => number;

  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      logger: Logger;
      presence: AgentLiveness;
      sessions: CallSessions;
      scope: CallScope;
      ledger: CallLedger;
      agents: AgentActivityKeeper;
      publicUrl: () => string;
      random?: () => number;
      /** Signed mode: callback URLs carry a MAC (src/telnyx/callback-mac.ts). */
      callbackSigner?: CallbackUrlSigner;
      /** MAX_DIAL_TARGETS: the most agents one `<Dial>` rings; unset = no cap. */
      maxDialTargets?: number;
      /** TELNYX_WEBHOOK_TOKEN when required: callback URLs carry it. */
      webhookToken?: string;
      /** The queues: a caller nobody is free for waits there (docs/QUEUES.md). */
      queueing: () => Queueing;
      rooms: () => CallRooms;
    },
  ) {
    this.random = deps.random ?? (() => randomInt(0, 2 ** 32) / 2 ** 32);
  }

  /** What routing sees of every agent of the company right now. */
  snapshot(company: DirectoryCompany): AgentSnapshot[] {
    const { presence, scope, sessions, clock } = this.deps;
    // Read once per decision, not once per agent: the day (Intl is not free), the clock, the reservations.
    const now = clock.now();
    const day = dayOf(company, now);
    const reservedFor = sessions.reservationReader();
    return company.agents.map((a) => {
      const liveness = presence.livenessOfAgent(a, now);
      const activity = scope.activityOfAgent(a, day);
      // Busy also when a call Telnyx reported says so.
      const live = liveness && !liveness.onCall && activity.onCallSid !== null ? livenessOf(liveness.sipRegistered, true) : liveness;
      return new LiveAgentSnapshot(a, live, activity.callsToday, reservedFor(a.id) ?? null);
    });
  }

  /**
   * The plan a call would get (routePreview): now, or at another instant with today's agents; with
   * the skills of the number called unless `call.requiredSkills` says otherwise. Reserves nothing.
   */
  preview(company: DirectoryCompany, call: CallContext, at = this.deps.clock.now()): CallDecision & { queue: QueuePreview | null } {
    const route = numberRouteOf(company, call.to);
    const queue = queueOf(company, route?.queueId ?? null);
    const ownSkills = call.requiredSkills !== undefined ? call.requiredSkills : numberSkillsOf(company, call.to);
    const requiredSkills = call.requiredSkills !== undefined ? call.requiredSkills : allOf(ownSkills, queue.requiredSkills);
    const policy = this.policyOf(company, queue.id);
    const plan = decideRoute(policy, this.snapshot(company), { ...call, requiredSkills }, at, {
      callSid: '',
      offered: [],
      elapsedSeconds: 0,
      random: this.random,
    });
    // Nobody free: the queue may hold the caller instead of the fallback.
    const waiting = this.deps.queueing().preview(company, queue.id, plan, policy, ownSkills, route?.priority ?? 0);
    const texml = waiting?.texml ?? renderVoiceDocument(plan, policy, this.urls(company), call.to);
    return { plan, texml, queue: waiting };
  }

  /**
   * An inbound call: the language menu first when the company has one (and the number does not
   * already say which language), then the hunt. A retried or redirected webhook for the same CallSid
   * continues the same call.
   */
  start(company: DirectoryCompany, call: InboundCall): CallStep {
    if (!call.callSid) return stepOf(this.preview(company, call)); // nothing to track without a CallSid
    const { sessions, ledger } = this.deps;
    const existing = sessions.get(call.callSid);
    const session =
      existing ??
      sessions.start({ callSid: call.callSid, companyId: company.id, from: call.from, to: call.to, accountSid: call.accountSid });
    // A retried webhook, or the hold's redirect: Telnyx is still calling back about this call.
    if (existing) sessions.heard(existing.callSid, call.accountSid);
    else {
      const route = numberRouteOf(company, session.to);
      if (route) {
        session.queueId = route.queueId;
        session.priority = route.priority;
      }
      ledger.started(session);
    }
    if (!session.menuDone && needsMenu(company, session.to)) {
      sessions.chooseLanguage(session.callSid, null); // asked once, whatever the caller does
      return {
        texml: renderTexml(languageMenuDocument(company.policy.languageMenu, this.urls(company))),
        outcome: { kind: 'language-menu' },
      };
    }
    return stepOf(this.step(company, session));
  }

  /**
   * A cold transfer's document for the caller (the `transfer` route; docs/IN-CALL.md): ring the agent
   * (reserved, as a hunt step: a miss goes on with the call's queue), the queue's routing from the
   * start, or the number (a miss there goes to voicemail, as the fallback forward's does). The agent
   * who answers opens a new room.
   */
  transfer(company: DirectoryCompany, callSid: string | null, step: string | null): CallStep {
    const { sessions, ledger } = this.deps;
    const parts = splitStep(step);
    const session = callSid ? sessions.get(callSid) : undefined;
    const target = parts && parts[0] === callSid ? parseTransferStep(parts[1]) : null;
    if (!session || session.endedAt !== null || !target) {
      return { texml: renderTexml(response(hangup())), outcome: { kind: 'hunt-over' } };
    }
    sessions.heard(session.callSid);
    if (target.kind === 'queue') {
      session.queueId = target.queueId;
      session.elapsedSeconds = 0;
      return stepOf(this.step(company, session));
    }
    if (target.kind === 'number') {
      ledger.changed(session);
      const policy = { ...company.policy, fallbackKind: 'NUMBER' as const, fallbackNumber: target.number };
      return { texml: renderTexml(fallbackDocument(policy, this.urls(company), session.to)), outcome: { kind: 'forwarded' } };
    }
    const agent = company.agents.find((a) => a.id === target.agentId && a.enabled && a.sipTarget.ok);
    if (!agent?.sipTarget.ok) return stepOf(this.step(company, session));
    const policy = this.policyOf(company, session.queueId);
    const plan = ringOnePlan({ id: agent.id, sipUsername: agent.sipTarget.sipUsername, tier: agent.tier }, policy.ringTimeoutSeconds);
    sessions.ring(session.callSid, [agent.id], plan.timeoutSeconds, { reserve: true });
    ledger.changed(session);
    return { texml: renderVoiceDocument(plan, policy, this.urls(company), session.to), outcome: routingOutcome(plan) };
  }

  /** The language menu's `<Gather action>`: the caller's key (or none) becomes a required skill. */
  languageChosen(company: DirectoryCompany, call: InboundCall & { digits: string | null }): CallStep {
    if (!call.callSid) return stepOf(this.preview(company, call));
    const { sessions } = this.deps;
    const existing = sessions.get(call.callSid);
    const session =
      existing ??
      sessions.start({ callSid: call.callSid, companyId: company.id, from: call.from, to: call.to, accountSid: call.accountSid });
    if (existing) sessions.heard(existing.callSid, call.accountSid);
    const language = menuChoice(company.policy.languageMenu, call.digits);
    sessions.chooseLanguage(session.callSid, language);
    sessions.record(session.callSid, { kind: 'menu', detail: language ?? 'none' });
    // The option may send the caller to its own queue, and raise their priority there.
    const option = language ? company.policy.languageMenu.find((o) => o.skill === language) : undefined;
    if (option?.queueId) session.queueId = option.queueId;
    if (option?.priority) session.priority += option.priority;
    const next = stepOf(this.step(company, session));
    return { texml: next.texml, outcome: { kind: 'language-chosen', language, next: next.outcome } };
  }

  /**
   * `<Dial action>`: the step ended. Answered → hang up; otherwise the next step or the fallback.
   * `urlStep`: the URL's `step` (null = the agents' hunt, or, if the call was forwarded, that forward).
   */
  dialComplete(company: DirectoryCompany, callSid: string | null, status: string | undefined, urlStep: string | null): CallStep {
    const step = this.dialEnded(company, callSid, status, urlStep);
    return { texml: step.texml, outcome: { kind: 'dial-ended', step: urlStep, status: status ?? null, next: step.outcome } };
  }

  private dialEnded(company: DirectoryCompany, callSid: string | null, status: string | undefined, urlStep: string | null): CallStep {
    const { sessions, ledger, agents } = this.deps;
    const session = callSid ? sessions.get(callSid) : undefined;
    if (session) sessions.heard(session.callSid);
    // A dial that ends after the call was forwarded is the forward's own dial: when the URL has no
    // (trusted) step, the session says so, so the caller is not sent round the forward again.
    // The caller's `<Dial><Conference>` ended: they left the room (the room ended, or they were removed).
    if (splitStep(urlStep)?.[0] === ROOM_STEP) {
      // Moved out by a cold transfer: the call goes on with the transfer's document (this answer is ignored).
      if (session?.room?.transferring) return { texml: renderTexml(response(hangup())), outcome: { kind: 'answered' } };
      if (session?.room) session.room = { ...session.room, ended: true };
      if (session && session.endedAt === null) {
        // An outbound call whose customer never joined was not answered.
        const answered = session.direction !== 'outbound' || session.answeredAt !== null;
        if (answered && session.direction !== 'outbound') this.deps.queueing().handled(company, session);
        ledger.finish(session, answered ? 'ANSWERED' : 'NO_ANSWER');
      }
      return { texml: renderTexml(response(hangup())), outcome: { kind: 'answered' } };
    }
    const step = urlStep ?? (session?.outcome === 'FORWARDED' ? FORWARD_STEP : null);
    if (session && !step) {
      // A waiting caller we offered to an agent: a miss puts them back in line.
      const back = this.deps.queueing().offerEnded(company, session, status);
      if (back !== null) return { texml: back, outcome: { kind: 'queue', result: session.endedAt === null ? 'waiting' : 'overflow' } };
    }
    if (status === 'completed') {
      // The agent's leg was moved into the call's room: the caller joins it (src/calls/call-rooms.ts).
      const intoRoom = session && session.endedAt === null ? this.deps.rooms().callerDocument(company, session) : null;
      if (intoRoom) return { texml: intoRoom, outcome: { kind: 'answered' } };
      if (session) {
        sessions.answered(session.callSid, session.answeredBy);
        this.deps.queueing().handled(company, session);
        ledger.finish(session, 'ANSWERED');
      }
      return { texml: renderTexml(response(hangup())), outcome: { kind: 'answered' } };
    }
    if (status === 'canceled') {
      // The caller hung up while it rang (DialCallStatus canceled): the call is over, and the agents
      // who were ringing did not miss it, so nobody is offered again and nothing counts against them.
      if (session && session.endedAt === null) ledger.finish(session, 'ABANDONED');
      return { texml: renderTexml(response(hangup())), outcome: { kind: 'hunt-over' } };
    }
    if (!session || step || session.endedAt !== null) {
      // No hunt to continue: a restart, the forward to the fallback number missed, or a call that has
      // already ended (the caller hung up while it rang): the fallback, and nobody is offered again.
      if (session && session.endedAt === null) ledger.finish(session, 'VOICEMAIL');
      return {
        texml: renderTexml(dialCompleteDocument(status, company.policy, this.urls(company), step, session?.to, session?.language)),
        outcome: { kind: 'hunt-over' },
      };
    }
    for (const agentId of sessions.stepMissed(session.callSid)) agents.apply(company, agentId, { kind: 'missed' });
    return stepOf(this.step(company, session));
  }

  /**
   * The callback URLs of this company's TeXML (each with its MAC when webhooks must be signed, and the
   * URL token when required): one set per company as the directory holds it (a reload is a new
   * object), so a URL without a step is built once, not per call.
   */
  urls(company: DirectoryCompany): CallbackUrls {
    const publicUrl = this.deps.publicUrl();
    const record = recordOf(company, this);
    if (record.urls?.publicUrl === publicUrl) return record.urls.urls;
    const signer = this.deps.callbackSigner;
    const urls = callbackUrls(publicUrl, company.id, {
      mac: signer && ((route, companyId, step) => signer.mac(route, companyId, step)),
      token: this.deps.webhookToken,
    });
    record.urls = { publicUrl, urls };
    return urls;
  }

  /** The next step of the call's hunt: ring (reserving), hold, or the fallback (which ends the call). */
  private step(company: DirectoryCompany, session: CallSession): CallDecision & { queued?: CallStepOutcome } {
    const { clock, sessions, ledger } = this.deps;
    const now = clock.now();
    const queue = queueOf(company, session.queueId);
    const ownRequirement = requirementOf(company, session);
    const call: CallContext = {
      from: session.from,
      to: session.to,
      requiredSkills: allOf(ownRequirement, queue.requiredSkills),
      ageSeconds: (now - session.startedAt) / 1000,
    };
    const policy = this.policyIn(company, queue);
    const plan = decideRoute(policy, this.snapshot(company), call, now, {
      callSid: session.callSid,
      offered: session.offered,
      elapsedSeconds: session.elapsedSeconds,
      random: this.random,
    });
    if (plan.kind === 'RING') {
      const first = session.offered.length === 0;
      sessions.ring(
        session.callSid,
        plan.targets.map((t) => t.agentId),
        plan.timeoutSeconds,
        { reserve: plan.reserve },
      );
      if (first && policy.mode === 'ROUND_ROBIN') void this.rememberRoundRobin(company, plan.targets[0]!.agentId);
      ledger.changed(session);
    } else if (plan.kind === 'FALLBACK') {
      // Nobody free: the caller may wait in the queue instead (or overflow from it).
      const waiting = this.deps.queueing().tryWait(company, session, plan, policy, ownRequirement);
      if (waiting !== null) {
        return { plan, texml: waiting, queued: { kind: 'queue', result: session.endedAt === null ? 'waiting' : 'overflow' } };
      }
      ledger.finish(session, fallbackOutcome(plan.reason, company.policy));
    }
    return { plan, texml: renderVoiceDocument(plan, policy, this.urls(company), session.to, session.language) };
  }

  /**
   * The policy routing applies to a call of this queue: the company's with the queue's overrides, and
   * the deployment's cap on agents per `<Dial>`. Built once per company and queue (with the
   * default cap, every decision used to copy it); `roundRobinLast` is the one field written in place
   * (rememberRoundRobin), so a copy that lags it is built again.
   */
  private policyOf(company: DirectoryCompany, queueId: string | null): RoutingPolicy {
    return this.policyIn(company, queueOf(company, queueId));
  }

  /** policyOf for the queue itself (a step has it already). */
  private policyIn(company: DirectoryCompany, queue: QueuePolicy): RoutingPolicy {
    const overridden = !!(queue.routing.mode || queue.routing.ringTimeoutSeconds || queue.routing.businessHours);
    const cap = this.deps.maxDialTargets;
    if (!overridden && cap === undefined) return company.policy;
    // Kept per queue on the company's record (a reload makes a new company, queues and policy).
    const record = recordOf(company, this);
    const known = record.policies.get(queue);
    if (known !== undefined && known.roundRobinLast === company.policy.roundRobinLast) return known;
    const policy = overridden ? policyForQueue(company.policy, queue) : company.policy;
    const built = cap === undefined ? policy : { ...policy, maxDialTargets: cap };
    record.policies.set(queue, built);
    return built;
  }

  private async rememberRoundRobin(company: DirectoryCompany, agentId: string): Promise<void> {
    company.policy.roundRobinLast = agentId; // the cached policy: the next call sees it at once
    try {
      await this.deps.db.routingConfig.update({ where: { companyId: company.id }, data: { roundRobinLast: agentId } });
    } catch (err) {
      this.deps.logger.warn({ err, companyId: company.id }, 'could not persist the round-robin position');
    }
  }
}

/** What Hunting keeps of a company between its calls, on the directory's company (DirectoryCompany.huntingRecord). */
interface HuntingRecord {
  owner: Hunting;
  urls: { publicUrl: string; urls: CallbackUrls } | undefined;
  /** policyIn's policies, by queue. */
  policies: Map<QueuePolicy, RoutingPolicy>;
}

/** The company's record of this Hunting (another one's, sharing the directory, is replaced: its URLs may differ). */
function recordOf(company: DirectoryCompany, owner: Hunting): HuntingRecord {
  let record = company.huntingRecord as HuntingRecord | undefined;
  if (record === undefined || record.owner !== owner) {
    record = { owner, urls: undefined, policies: new Map() };
    company.huntingRecord = record;
  }
  return record;
}

/**
 * The call log's outcome for a fallback: AFTER_HOURS whatever it does then; otherwise what
 * fallbackDocument does (a HANGUP fallback hangs up; a NUMBER without a number records a voicemail).
 */
function fallbackOutcome(reason: FallbackReason, policy: RoutingPolicy): CallOutcome {
  if (reason === 'AFTER_HOURS') return 'AFTER_HOURS';
  if (policy.fallbackKind === 'NUMBER' && policy.fallbackNumber) return 'FORWARDED';
  return policy.fallbackKind === 'HANGUP' ? 'HUNG_UP' : 'VOICEMAIL';
}

function stepOf(decision: CallDecision & { queued?: CallStepOutcome }): CallStep {
  return { texml: decision.texml, outcome: decision.queued ?? routingOutcome(decision.plan) };
}

/** The skills this call needs: its number's, and the language the caller chose. */
function requirementOf(company: DirectoryCompany, session: CallSession): SkillExpression | null {
  return allOf(numberSkillsOf(company, session.to), session.language ? hasSkill(session.language) : null);
}

/** The skill requirement of the number called, if it has one. */
function numberSkillsOf(company: DirectoryCompany, to: string | null | undefined): SkillExpression | null {
  // Most companies give no number a requirement: the called number is not even normalised then.
  if (!to || company.numberSkills.size === 0) return null;
  return company.numberSkills.get(calledNumber(to)) ?? null;
}

/** The called number's own route (its queue and priority), if it has one. */
function numberRouteOf(company: DirectoryCompany, to: string | null | undefined) {
  if (!to || company.numberRoutes.size === 0) return undefined;
  return company.numberRoutes.get(calledNumber(to));
}

/** Ask for the language unless there is no menu or the number's requirement already names a menu skill. */
function needsMenu(company: DirectoryCompany, to: string): boolean {
  const menu = company.policy.languageMenu;
  if (menu.length === 0) return false;
  const numberSkills = numberSkillsOf(company, to);
  if (!numberSkills) return true;
  const named = skillsNamed(numberSkills);
  return !menu.some((o) => named.has(o.skill));
}
