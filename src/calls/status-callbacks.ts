/**
 * What Telnyx's status callbacks say about a call (an agent's leg ringing, answered, completed; the
 * inbound call itself ending), and the sweeps that put right what callbacks never came for: agents
 * "on a call" with no leg event past AGENT_CALL_MAX_SECONDS, wrap-ups whose timer was lost, and
 * calls gone silent past their next expected callback (src/calls/call-reconciler.ts).
 */
import { CALL_END_STATUSES } from '../domain/call-flow.js';
import { isStaleCall } from '../domain/agent-activity.js';
import type { Clock, TimerHandle } from '../domain/clock.js';
import type { StatusOutcome } from '../domain/webhook-outcome.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { Directory, DirectoryCompany } from '../services/directory.js';
import type { AgentActivityKeeper, AgentStatusWriter } from './agent-activity-keeper.js';
import type { AgentActivityStore } from './agent-activity-store.js';
import type { CallLedger } from './call-ledger.js';
import { type CallReconciler, freeAgentsOnCall } from './call-reconciler.js';
import type { CallScope } from './call-scope.js';
import type { CallSessions } from './call-sessions.js';

/** What Telnyx's status callbacks say: an agent's leg (ParentCallSid set) or the inbound call itself. */
export interface CallStatusParams {
  /** The Telnyx account of the call (learnt for the reconcile if the voice webhook lacked it). */
  accountSid?: string | null;
  callSid?: string | null;
  parentCallSid: string | null;
  to: string | null;
  status: string | null;
}

const CALL_ENDED = new Set<string>(CALL_END_STATUSES);
/** Telnyx ends a call after 4 hours at most. */
export const DEFAULT_AGENT_CALL_MAX_MS = 4 * 3600_000;

export class StatusCallbacks {
  private sweepTimer: TimerHandle | undefined;

  constructor(
    private readonly deps: {
      db: Db;
      directory: Directory;
      presence: AgentStatusWriter;
      clock: Clock;
      logger: Logger;
      sessions: CallSessions;
      activity: AgentActivityStore;
      scope: CallScope;
      ledger: CallLedger;
      agents: AgentActivityKeeper;
      /** An agent on a call with no leg event for this long is freed by the sweep (AGENT_CALL_MAX_SECONDS). */
      agentCallMaxMs?: number;
      /** Looks up (or ends) calls gone silent; run by the same sweep. */
      reconciler?: CallReconciler;
    },
  ) {}

  /** `<Sip statusCallback>`: one agent's leg of a call, or (no ParentCallSid) the inbound call itself. */
  legStatus(company: DirectoryCompany, params: CallStatusParams): StatusOutcome {
    const { sessions, ledger, agents } = this.deps;
    const status = (params.status ?? '').toLowerCase();
    // Telnyx is still calling back about this call: it is not silent.
    const heardOf = params.parentCallSid || params.callSid;
    if (heardOf) sessions.heard(heardOf, params.accountSid);
    // The inbound call itself ended (the caller hung up, or Telnyx's call-level status callback):
    // a call still ringing or waiting is abandoned, an answered one is over.
    if (!params.parentCallSid && params.callSid && CALL_ENDED.has(status)) {
      const inbound = sessions.get(params.callSid);
      if (inbound && inbound.endedAt === null) ledger.finish(inbound, inbound.answeredAt !== null ? 'ANSWERED' : 'ABANDONED');
      // Every agent still on this call is free now, whether or not its leg's completed callback comes.
      const freed = freeAgentsOnCall(company, params.callSid, this.deps);
      if (inbound || freed > 0) return { kind: 'call-ended', freed };
    }
    const agent = agentBySipUri(company, params.to);
    if (!agent) return { kind: 'unknown-agent' };
    if (status === 'in-progress' || status === 'answered') {
      if (params.parentCallSid) {
        sessions.answered(params.parentCallSid, agent.id);
        ledger.changed({ companyId: company.id, callSid: params.parentCallSid });
      }
      agents.apply(company, agent.id, { kind: 'answered', callSid: params.parentCallSid ?? 'unknown' });
      return { kind: 'agent-answered' };
    }
    if (status === 'completed') return { kind: 'agent-completed', freed: agents.apply(company, agent.id, { kind: 'ended' }) };
    return { kind: 'agent-status', status };
  }

  /**
   * Agents "on call" with no leg event past AGENT_CALL_MAX_SECONDS are freed (nothing live is behind
   * them). Checked again under the shared state: another instance may have freed them meanwhile.
   */
  async freeStaleCalls(): Promise<number> {
    const { activity, clock, logger, scope, agents } = this.deps;
    const maxMs = this.deps.agentCallMaxMs ?? DEFAULT_AGENT_CALL_MAX_MS;
    const stale = activity
      .entries()
      .filter(([, a]) => isStaleCall(a, clock.now(), maxMs))
      .map(([agentId]) => agentId);
    let freed = 0;
    for (const agentId of stale) {
      let found: Awaited<ReturnType<Directory['agent']>>;
      try {
        found = await this.deps.directory.agent(agentId);
      } catch {
        continue; // the database is away: the next sweep tries again
      }
      if (!found) {
        activity.delete(agentId); // an agent that no longer exists
        continue;
      }
      const company = found.company;
      const done = await scope.run(company, null, () => {
        const current = activity.get(agentId);
        if (!current || !isStaleCall(current, clock.now(), maxMs)) return false;
        logger.info(
          { agentId, companyId: company.id, callSid: current.onCallSid, lastLegEventAt: current.callEventAt ?? null },
          'agent freed: no leg event past the bound',
        );
        return agents.apply(company, agentId, { kind: 'cleared' });
      });
      if (done) freed++;
    }
    if (freed > 0) logger.info({ agents: freed, maxSeconds: maxMs / 1000 }, 'freed agents on a call with no leg event past the bound');
    return freed;
  }

  /**
   * A supervisor (or the admin) frees an agent the service believes is on a call. Returns the state
   * it had, for the audit line; null when it was not on a call.
   */
  clearAgentCall(company: DirectoryCompany, agentId: string): Promise<{ onCallSid: string; lastLegEventAt: number | null } | null> {
    return this.deps.scope.run(company, null, () => {
      const before = this.deps.activity.get(agentId);
      if (!before?.onCallSid) return null;
      this.deps.agents.apply(company, agentId, { kind: 'cleared' });
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
    await this.deps.reconciler?.sweep().catch((err) => logger.warn({ err }, 'could not reconcile silent calls'));
    try {
      const now = new Date(clock.now()).toISOString();
      const stuck = await db.$queryRaw<{ id: string }[]>`
        SELECT a."id" FROM "Agent" a LEFT JOIN "RoutingConfig" r ON r."companyId" = a."companyId"
        WHERE a."status" = 'WRAP_UP' AND a."updatedAt" + make_interval(secs => COALESCE(r."wrapUpSeconds", 0) + 5) < ${now}::timestamp(3)`;
      for (const { id } of stuck) {
        if (this.deps.agents.hasWrapUpTimer(id)) continue; // this instance's own timer will end it
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
    this.sweepTimer = undefined;
  }
}

/** The agent whose leg this is: the one whose SIP target (what the Dial named) is the leg's user part. */
export function agentBySipUri(company: DirectoryCompany, uri: string | null) {
  const user = (uri ?? '').replace(/^sips?:/i, '').split('@')[0];
  return user ? company.agents.find((a) => a.sipTarget.ok && a.sipTarget.sipUsername === user) : undefined;
}
