/**
 * Calls as they happen: starts and continues each call's hunt (reserving the agents it offers),
 * follows Telnyx's per-agent status callbacks (ringing, answered, completed), puts agents into
 * wrap-up and back, pauses agents that keep missing offers, and keeps the call log.
 */
import { randomInt } from 'node:crypto';
import { CALL_END_STATUSES, callbackUrls, calledNumber, dialCompleteDocument, FORWARD_STEP, languageMenuDocument, voiceDocument } from '../domain/call-flow.js';
import type { Clock, TimerHandle } from '../domain/clock.js';
import { localParts, startOfLocalDay } from '../domain/business-hours.js';
import { decideRoute, type AgentSnapshot, type CallContext, type RoutePlan } from '../domain/routing.js';
import { isStaleCall, newActivity, onActivity, onDay, type ActivityEffect, type ActivityEvent, type AgentActivity } from '../domain/agent-activity.js';
import { allOf, hasSkill, menuChoice, skillsNamed, type SkillExpression } from '../domain/skills.js';
import { renderTexml, response, hangup } from '../domain/texml.js';
import { CallSessions, type CallOutcome, type CallSession } from '../calls/call-sessions.js';
import type { SharedCallState } from '../calls/shared-call-state.js';
import type { CallbackUrlSigner } from '../telnyx/callback-mac.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { PubSub } from '../infra/pubsub.js';
import type { Directory, DirectoryCompany } from './directory.js';
import { CallLogWriter } from './call-log-writer.js';
import type { PresenceService } from './presence-service.js';

/** What Telnyx's status callbacks say: an agent's leg (ParentCallSid set) or the inbound call itself. */
export interface CallStatusParams {
  callSid?: string | null;
  parentCallSid: string | null;
  to: string | null;
  status: string | null;
}

const CALL_ENDED = new Set<string>(CALL_END_STATUSES);
/** Telnyx ends a call after 4 hours at most. */
export const DEFAULT_AGENT_CALL_MAX_MS = 4 * 3600_000;

/**
 * A signed webhook about a call that belongs to another company than the one it was sent for: the
 * signature covers the body (the CallSid) but not the URL (the company), so the URL was re-aimed.
 */
export class ForeignCallError extends Error {
  override name = 'ForeignCallError';
  constructor(
    readonly callSid: string,
    readonly callCompanyId: string,
  ) {
    super('the call belongs to another company');
  }
}

export interface CallDecision {
  plan: RoutePlan;
  texml: string;
}

/** What a webhook answers for a call step: the TeXML and a short outcome for the log line. */
export interface CallStep {
  texml: string;
  outcome: string;
}

export class CallService {
  readonly sessions: CallSessions;
  /** The call log, written in batches behind the calls. */
  readonly log: CallLogWriter;
  /** Per agent: calls today, misses in a row, the call it is on, wrap-up (src/domain/agent-activity.ts). */
  private readonly activity = new Map<string, AgentActivity>();
  private readonly wrapUps = new Map<string, TimerHandle>();
  private sweepTimer: TimerHandle | undefined;
  /** Company-days whose calls today were read back from the call log (FEWEST_CALLS after a restart). */
  private readonly callsTodayLoaded = new Set<string>();
  private readonly random: () => number;

  constructor(
    private readonly deps: {
      db: Db;
      directory: Directory;
      presence: PresenceService;
      clock: Clock;
      logger: Logger;
      pubsub: PubSub;
      publicUrl: () => string;
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
    },
  ) {
    this.random = deps.random ?? (() => randomInt(0, 2 ** 32) / 2 ** 32);
    this.log = new CallLogWriter({ db: deps.db, clock: deps.clock, logger: deps.logger, maxWaitingRows: deps.maxWaitingRows });
    deps.presence.setCallActivity((agentId) => (this.activity.get(agentId)?.onCallSid ? 1 : 0));
    this.sessions = new CallSessions({
      clock: deps.clock,
      onReservationExpired: (agentId, callSid) => deps.logger.info({ agentId, callSid }, 'reservation expired'),
    });
  }

  /** What routing sees of every agent of the company right now. */
  snapshot(company: DirectoryCompany): AgentSnapshot[] {
    const day = dayOf(company, this.deps.clock.now()); // once per decision: Intl is not free
    return company.agents.map((a) => {
      const liveness = this.deps.presence.liveness(a.id);
      const activity = this.activityOf(a.id, day);
      return {
        id: a.id,
        displayName: a.displayName,
        sipUsername: a.sipUsername,
        enabled: a.enabled,
        status: a.status,
        statusReason: a.statusReason,
        liveness: liveness && { ...liveness, onCall: liveness.onCall || activity.onCallSid !== null },
        tier: a.tier,
        position: a.position,
        lastCallEndedAt: a.lastCallEndedAt?.getTime() ?? null,
        callsToday: activity.callsToday,
        skills: a.skills,
        reservedFor: this.sessions.reservedFor(a.id) ?? null,
      };
    });
  }

  /**
   * The plan a call would get (routePreview): now, or at another instant with today's agents; with
   * the skills of the number called unless `call.requiredSkills` says otherwise. Reserves nothing.
   */
  preview(company: DirectoryCompany, call: CallContext, at = this.deps.clock.now()): CallDecision {
    const requiredSkills = call.requiredSkills !== undefined ? call.requiredSkills : numberSkillsOf(company, call.to);
    const plan = decideRoute(company.policy, this.snapshot(company), { ...call, requiredSkills }, at, {
      callSid: '',
      offered: [],
      elapsedSeconds: 0,
      random: this.random,
    });
    return { plan, texml: renderTexml(voiceDocument(plan, company.policy, this.urls(company))) };
  }

  // The webhooks' entry points: each runs under the shared call state in multi-instance mode.
  start(company: DirectoryCompany, call: { callSid: string | null; from: string; to: string }): Promise<CallStep> {
    return this.withSharedState(company, call.callSid, this.ownCall(company, call.callSid, () => this.startHere(company, call)));
  }

  languageChosen(company: DirectoryCompany, call: { callSid: string | null; from: string; to: string; digits: string | null }): Promise<CallStep> {
    return this.withSharedState(company, call.callSid, this.ownCall(company, call.callSid, () => this.languageChosenHere(company, call)));
  }

  /** step: the URL's `step` (null = the agents' hunt, or, if the call was forwarded, that forward). */
  dialComplete(company: DirectoryCompany, callSid: string | null, status: string | undefined, step: string | null): Promise<CallStep> {
    return this.withSharedState(company, callSid, this.ownCall(company, callSid, () => this.dialCompleteHere(company, callSid, status, step)));
  }

  agentLegStatus(company: DirectoryCompany, params: CallStatusParams): Promise<string> {
    const callSid = params.parentCallSid ?? params.callSid ?? null;
    return this.withSharedState(company, callSid, this.ownCall(company, callSid, () => this.agentLegStatusHere(company, params)));
  }

  /** The company a call in progress (or just ended) belongs to, as far as this instance can tell. */
  async companyOfCall(callSid: string): Promise<string | null> {
    const local = this.sessions.get(callSid);
    if (local) return local.companyId;
    return (await this.deps.sharedState?.companyOfCall(callSid)) ?? null;
  }

  /** In signed mode, `work` runs only if the call (loaded with the shared state) is this company's. */
  private ownCall<T>(company: DirectoryCompany, callSid: string | null, work: () => T): () => T {
    if (!this.deps.callbackSigner || !callSid) return work;
    return () => {
      const session = this.sessions.get(callSid);
      if (session && session.companyId !== company.id) throw new ForeignCallError(callSid, session.companyId);
      return work();
    };
  }

  /**
   * An inbound call: the language menu first when the company has one (and the number does not
   * already say which language), then the hunt. A retried or redirected webhook for the same CallSid
   * continues the same call.
   */
  private startHere(company: DirectoryCompany, call: { callSid: string | null; from: string; to: string }): CallStep {
    if (!call.callSid) return stepOf(this.preview(company, call)); // nothing to track without a CallSid
    const existing = this.sessions.get(call.callSid);
    const session = existing ?? this.sessions.start({ callSid: call.callSid, companyId: company.id, from: call.from, to: call.to });
    if (!existing) {
      this.logCallStarted(session);
      this.changed(session);
    }
    if (!session.menuDone && needsMenu(company, session.to)) {
      this.sessions.chooseLanguage(session.callSid, null); // asked once, whatever the caller does
      return { texml: renderTexml(languageMenuDocument(company.policy.languageMenu, this.urls(company))), outcome: 'language-menu' };
    }
    return stepOf(this.step(company, session));
  }

  /** The language menu's `<Gather action>`: the caller's key (or none) becomes a required skill. */
  private languageChosenHere(company: DirectoryCompany, call: { callSid: string | null; from: string; to: string; digits: string | null }): CallStep {
    if (!call.callSid) return stepOf(this.preview(company, call));
    const session = this.sessions.get(call.callSid) ?? this.sessions.start({ callSid: call.callSid, companyId: company.id, from: call.from, to: call.to });
    const language = menuChoice(company.policy.languageMenu, call.digits);
    this.sessions.chooseLanguage(session.callSid, language);
    const next = stepOf(this.step(company, session));
    return { ...next, outcome: `language-${language ?? 'none'} → ${next.outcome}` };
  }

  /** `<Dial action>`: the step ended. Answered → hang up; otherwise the next step or the fallback. */
  private dialCompleteHere(company: DirectoryCompany, callSid: string | null, status: string | undefined, urlStep: string | null): CallStep {
    const session = callSid ? this.sessions.get(callSid) : undefined;
    // A dial that ends after the call was forwarded is the forward's own dial: when the URL has no
    // (trusted) step, the session says so, so the caller is not sent round the forward again.
    const step = urlStep ?? (session?.outcome === 'FORWARDED' ? FORWARD_STEP : null);
    if (status === 'completed') {
      if (session) {
        this.sessions.answered(session.callSid, session.answeredBy);
        this.finish(session, 'ANSWERED');
      }
      return { texml: renderTexml(response(hangup())), outcome: 'answered' };
    }
    if (!session || step || session.endedAt !== null) {
      // No hunt to continue: a restart, the forward to the fallback number missed, or a call that has
      // already ended (the caller hung up while it rang): the fallback, and nobody is offered again.
      if (session && session.endedAt === null) this.finish(session, 'VOICEMAIL');
      return { texml: renderTexml(dialCompleteDocument(status, company.policy, this.urls(company), step)), outcome: 'fallback' };
    }
    for (const agentId of this.sessions.stepMissed(session.callSid)) this.apply(company, agentId, { kind: 'missed' });
    return stepOf(this.step(company, session));
  }

  /** `<Sip statusCallback>`: one agent's leg of a call. */
  private agentLegStatusHere(company: DirectoryCompany, params: CallStatusParams): string {
    const status = (params.status ?? '').toLowerCase();
    // The inbound call itself ended (the caller hung up, or Telnyx's call-level status callback):
    // a call still ringing or waiting is abandoned, an answered one is over.
    if (!params.parentCallSid && params.callSid && CALL_ENDED.has(status)) {
      const inbound = this.sessions.get(params.callSid);
      if (inbound && inbound.endedAt === null) this.finish(inbound, inbound.answeredAt !== null ? 'ANSWERED' : 'ABANDONED');
      // Every agent still on this call is free now, whether or not its leg's completed callback comes.
      const freed = this.freeAgentsOf(company, params.callSid);
      if (inbound || freed > 0) return freed > 0 ? `call-ended:freed-${freed}` : 'call-ended';
    }
    const agent = agentBySipUri(company, params.to);
    if (!agent) return 'unknown-agent';
    if (status === 'in-progress' || status === 'answered') {
      if (params.parentCallSid) {
        this.sessions.answered(params.parentCallSid, agent.id);
        this.deps.pubsub.publish('calls:changed', company.id, params.parentCallSid);
      }
      this.apply(company, agent.id, { kind: 'answered', callSid: params.parentCallSid ?? 'unknown' });
      return 'agent-answered';
    }
    if (status === 'completed') return this.apply(company, agent.id, { kind: 'ended' }) ? 'agent-call-ended' : 'agent-completed';
    return `agent-${status || 'unknown'}`;
  }

  /** The agents of the company on `callSid` end that call (as if their legs completed). */
  private freeAgentsOf(company: DirectoryCompany, callSid: string): number {
    let freed = 0;
    for (const agent of company.agents) {
      if (this.activity.get(agent.id)?.onCallSid !== callSid) continue;
      if (this.apply(company, agent.id, { kind: 'ended', callSid })) freed++;
    }
    return freed;
  }

  /**
   * Agents "on call" with no leg event past AGENT_CALL_MAX_SECONDS are freed (nothing live is behind
   * them). Checked again under the shared state: another instance may have freed them meanwhile.
   */
  async freeStaleCalls(): Promise<number> {
    const maxMs = this.deps.agentCallMaxMs ?? DEFAULT_AGENT_CALL_MAX_MS;
    const stale = [...this.activity].filter(([, a]) => isStaleCall(a, this.deps.clock.now(), maxMs)).map(([agentId]) => agentId);
    let freed = 0;
    for (const agentId of stale) {
      let found: Awaited<ReturnType<Directory['agent']>>;
      try {
        found = await this.deps.directory.agent(agentId);
      } catch {
        continue; // the database is away: the next sweep tries again
      }
      if (!found) {
        this.activity.delete(agentId); // an agent that no longer exists
        continue;
      }
      const company = found.company;
      const done = await this.withSharedState(company, null, () => {
        const current = this.activity.get(agentId);
        if (!current || !isStaleCall(current, this.deps.clock.now(), maxMs)) return false;
        this.deps.logger.info({ agentId, companyId: company.id, callSid: current.onCallSid, lastLegEventAt: current.callEventAt ?? null }, 'agent freed: no leg event past the bound');
        return this.apply(company, agentId, { kind: 'cleared' });
      });
      if (done) freed++;
    }
    if (freed > 0) this.deps.logger.info({ agents: freed, maxSeconds: maxMs / 1000 }, 'freed agents on a call with no leg event past the bound');
    return freed;
  }

  /**
   * A supervisor (or the admin) frees an agent the service believes is on a call. Returns the state
   * it had, for the audit line; null when it was not on a call.
   */
  async clearAgentCall(company: DirectoryCompany, agentId: string): Promise<{ onCallSid: string; lastLegEventAt: number | null } | null> {
    return this.withSharedState(company, null, () => {
      const before = this.activity.get(agentId);
      if (!before?.onCallSid) return null;
      this.apply(company, agentId, { kind: 'cleared' });
      return { onCallSid: before.onCallSid, lastLegEventAt: before.callEventAt ?? null };
    });
  }

  /**
   * Wrap-ups whose timer was lost (the process restarted, or the instance that ran it died) end here:
   * every agent still WRAP_UP longer than its company's wrapUpSeconds (+5 s) goes back to AVAILABLE.
   * Runs now and then every `everyMs` until stop(); returns how many agents it released this time.
   */
  async sweepWrapUps(everyMs = 15_000): Promise<number> {
    const { clock, db, logger } = this.deps;
    if (this.sweepTimer) clock.clearTimer(this.sweepTimer);
    this.sweepTimer = clock.setTimer(clock.now() + everyMs, () => void this.sweepWrapUps(everyMs));
    await this.freeStaleCalls().catch((err) => logger.warn({ err }, 'could not free stale agent calls'));
    try {
      const now = new Date(clock.now()).toISOString();
      const stuck = await db.$queryRaw<{ id: string }[]>`
        SELECT a."id" FROM "Agent" a LEFT JOIN "RoutingConfig" r ON r."companyId" = a."companyId"
        WHERE a."status" = 'WRAP_UP' AND a."updatedAt" + make_interval(secs => COALESCE(r."wrapUpSeconds", 0) + 5) < ${now}::timestamp(3)`;
      for (const { id } of stuck) {
        if (this.wrapUps.has(id)) continue; // this instance's own timer will end it
        await this.deps.presence.setStatus(id, 'AVAILABLE', null);
      }
      if (stuck.length > 0) logger.info({ agents: stuck.length }, 'ended wrap-ups whose timer was lost');
      return stuck.length;
    } catch (err) {
      logger.warn({ err }, 'could not sweep wrap-ups');
      return 0;
    }
  }

  stop(): void {
    if (this.sweepTimer) this.deps.clock.clearTimer(this.sweepTimer);
    void this.log.stop();
    this.sessions.stop();
    for (const t of this.wrapUps.values()) this.deps.clock.clearTimer(t);
    this.wrapUps.clear();
  }

  /** The skills this call needs: its number's, and the language the caller chose. */
  private requirementOf(company: DirectoryCompany, session: CallSession): SkillExpression | null {
    return allOf(numberSkillsOf(company, session.to), session.language ? hasSkill(session.language) : null);
  }

  private step(company: DirectoryCompany, session: CallSession): CallDecision {
    const now = this.deps.clock.now();
    const call: CallContext = { from: session.from, to: session.to, requiredSkills: this.requirementOf(company, session), ageSeconds: (now - session.startedAt) / 1000 };
    const plan = decideRoute(company.policy, this.snapshot(company), call, now, {
      callSid: session.callSid,
      offered: session.offered,
      elapsedSeconds: session.elapsedSeconds,
      random: this.random,
    });
    if (plan.kind === 'RING') {
      const first = session.offered.length === 0;
      this.sessions.ring(session.callSid, plan.targets.map((t) => t.agentId), plan.timeoutSeconds, { reserve: plan.reserve });
      if (first && company.policy.mode === 'ROUND_ROBIN') void this.rememberRoundRobin(company, plan.targets[0]!.agentId);
      this.changed(session);
    } else if (plan.kind === 'FALLBACK') {
      this.finish(session, plan.reason === 'AFTER_HOURS' ? 'AFTER_HOURS' : plan.fallback === 'NUMBER' ? 'FORWARDED' : 'VOICEMAIL');
    }
    return { plan, texml: renderTexml(voiceDocument(plan, company.policy, this.urls(company))) };
  }

  /** Feeds one event to the agent's activity and carries out what it asks for. True if anything changed. */
  private apply(company: DirectoryCompany, agentId: string, event: ActivityEvent): boolean {
    const now = this.deps.clock.now();
    const before = this.activityOf(agentId, dayOf(company, now));
    const { state, effects } = onActivity(before, event, company.policy, now);
    this.activity.set(agentId, state);
    for (const effect of effects) void this.carryOut(company, agentId, effect);
    return state !== before;
  }

  private async carryOut(company: DirectoryCompany, agentId: string, effect: ActivityEffect): Promise<void> {
    const { presence, logger, clock } = this.deps;
    try {
      switch (effect.kind) {
        case 'pause':
          logger.info({ agentId, reason: effect.reason }, 'agent auto-paused after missed offers');
          await presence.setStatus(agentId, 'ON_BREAK', effect.reason);
          break;
        case 'call-ended':
          await this.deps.db.agent.update({ where: { id: agentId }, data: { lastCallEndedAt: new Date(effect.at) } });
          this.deps.directory.invalidateCompany(company.id);
          break;
        case 'start-wrap-up': {
          await presence.setStatus(agentId, 'WRAP_UP', null);
          const previous = this.wrapUps.get(agentId);
          if (previous) clock.clearTimer(previous);
          this.wrapUps.set(
            agentId,
            clock.setTimer(effect.until, () => {
              this.wrapUps.delete(agentId);
              void this.withSharedState(company, null, () => this.apply(company, agentId, { kind: 'wrap-up-due', until: effect.until }));
            }),
          );
          break;
        }
        case 'end-wrap-up': {
          // Back to AVAILABLE unless someone changed the status meanwhile (a break is not undone).
          const found = await this.deps.directory.agent(agentId);
          if (found?.agent.status === 'WRAP_UP') await presence.setStatus(agentId, 'AVAILABLE', null);
          break;
        }
        case 'presence-changed':
          presence.refresh(agentId);
          break;
      }
    } catch (err) {
      logger.error({ err, agentId, effect: effect.kind }, 'could not apply an agent activity change');
    }
  }

  private finish(session: CallSession, outcome: CallOutcome): void {
    const ended = this.sessions.end(session.callSid, outcome);
    if (!ended) return;
    this.changed(ended);
    this.log.ended({
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
    });
  }

  private logCallStarted(session: CallSession): void {
    this.log.started({ companyId: session.companyId, callSid: session.callSid, from: session.from, to: session.to, startedAt: session.startedAt });
  }

  private async rememberRoundRobin(company: DirectoryCompany, agentId: string): Promise<void> {
    company.policy.roundRobinLast = agentId; // the cached policy: the next call sees it at once
    try {
      await this.deps.db.routingConfig.update({ where: { companyId: company.id }, data: { roundRobinLast: agentId } });
    } catch (err) {
      this.deps.logger.warn({ err, companyId: company.id }, 'could not persist the round-robin position');
    }
  }

  /** The agent's activity on `day` (calls today start again on a new local day of the company). */
  private activityOf(agentId: string, day: string): AgentActivity {
    const current = this.activity.get(agentId);
    const activity = current ? onDay(current, day) : newActivity(day);
    if (activity !== current) this.activity.set(agentId, activity);
    return activity;
  }

  private async withSharedState<T>(company: DirectoryCompany, callSid: string | null, work: () => T): Promise<T> {
    const shared = this.deps.sharedState;
    if (!shared) {
      if (company.policy.mode === 'FEWEST_CALLS') await this.loadCallsToday(company);
      return work();
    }
    const scope = { companyId: company.id, callSid, agentIds: company.agents.map((a) => a.id), sessions: this.sessions, activity: this.activity };
    return shared.run(scope, work);
  }

  /**
   * FEWEST_CALLS counts each agent's answered calls today. Counted in memory as calls end; after a
   * restart the first call of the company reads today's count back from the call log (once a day).
   */
  private async loadCallsToday(company: DirectoryCompany): Promise<void> {
    const now = this.deps.clock.now();
    const day = dayOf(company, now);
    const key = `${company.id}\u0000${day}`;
    if (this.callsTodayLoaded.has(key)) return;
    try {
      const since = new Date(startOfLocalDay(now, company.timeZone));
      const rows = await this.deps.db.callLog.groupBy({
        by: ['answeredAgentId'],
        where: { companyId: company.id, startedAt: { gte: since }, answeredAgentId: { not: null }, endedAt: { not: null } },
        _count: { _all: true },
      });
      for (const row of rows) {
        if (!row.answeredAgentId) continue;
        const activity = this.activityOf(row.answeredAgentId, day);
        if (row._count._all > activity.callsToday) this.activity.set(row.answeredAgentId, { ...activity, callsToday: row._count._all });
      }
      this.callsTodayLoaded.add(key);
      if (this.callsTodayLoaded.size > 100_000) this.callsTodayLoaded.clear(); // old days; reloading is harmless
    } catch (err) {
      this.deps.logger.warn({ err, companyId: company.id }, "could not read today's calls back from the call log");
    }
  }

  private changed(session: CallSession): void {
    this.deps.pubsub.publish('calls:changed', session.companyId, session.callSid);
  }

  /** The callback URLs of this company's TeXML (each with its MAC when webhooks must be signed). */
  urls(company: DirectoryCompany) {
    const signer = this.deps.callbackSigner;
    return callbackUrls(this.deps.publicUrl(), company.id, signer && ((route, companyId, step) => signer.mac(route, companyId, step)));
  }

}

/** The company's local day (calls today are counted per local day). */
function dayOf(company: DirectoryCompany, now: number): string {
  const p = localParts(now, company.timeZone);
  return `${p.year}-${p.month}-${p.day}`;
}

function stepOf(decision: CallDecision): CallStep {
  return { texml: decision.texml, outcome: outcomeOf(decision.plan) };
}

export function outcomeOf(plan: RoutePlan): string {
  switch (plan.kind) {
    case 'RING':
      return `ring:${plan.targets.length}${plan.widened ? ':widened' : ''}`;
    case 'WAIT':
      return `hold:${plan.seconds}s:${plan.reason}`;
    case 'FALLBACK':
      return `fallback:${plan.fallback}:${plan.reason}`;
  }
}

/** The skill requirement of the number called, if it has one. */
function numberSkillsOf(company: DirectoryCompany, to: string | null | undefined): SkillExpression | null {
  return (to && company.numberSkills.get(calledNumber(to))) || null;
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

function agentBySipUri(company: DirectoryCompany, uri: string | null) {
  const user = (uri ?? '').replace(/^sips?:/i, '').split('@')[0];
  return user ? company.agents.find((a) => a.sipUsername === user) : undefined;
}
