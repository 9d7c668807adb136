/**
 * Where each piece of call work runs: under the company's shared call state in multi-instance mode
 * (src/calls/shared-call-state.ts), else here after reading today's calls back once (FEWEST_CALLS
 * after a restart); in signed mode only for a call of the company the webhook was sent for. Also the
 * agents' activity "as of today" (calls today start again on a new local day of the company).
 */
import { newActivity, onDay, type AgentActivity } from '../domain/agent-activity.js';
import { localParts, startOfLocalDay } from '../domain/business-hours.js';
import type { Clock } from '../domain/clock.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { DirectoryAgent, DirectoryCompany } from '../services/directory.js';
import type { AgentActivityStore } from './agent-activity-store.js';
import type { CallSessions } from './call-sessions.js';
import type { SharedCallState } from './shared-call-state.js';
import type { MaybePromise } from '../infra/maybe-promise.js';

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

/** The company's local day (calls today are counted per local day). */
export function dayOf(company: DirectoryCompany, now: number): string {
  const second = Math.floor(now / 1000);
  const known = lastDayByZone.get(company.timeZone);
  if (known && known.second === second) return known.day;
  const p = localParts(now, company.timeZone);
  const day = `${p.year}-${p.month}-${p.day}`;
  lastDayByZone.set(company.timeZone, { second, day });
  return day;
}

/**
 * The last local day computed per time zone, for the second it was computed in: local wall time has
 * a resolution of one second, so within that second it is the same day, and Intl (the dearest part
 * of a routing snapshot) runs once a second per zone instead of once per decision. One entry per zone.
 */
const lastDayByZone = new Map<string, { second: number; day: string }>();

export class CallScope {
  /** Company-days whose calls today were read back from the call log (FEWEST_CALLS after a restart). */
  private readonly callsTodayLoaded = new Set<string>();

  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      logger: Logger;
      sessions: CallSessions;
      activity: AgentActivityStore;
      /** Multi-instance mode: call state shared through Redis (webhooks of one call land anywhere). */
      sharedState?: SharedCallState;
      /** Signed mode: a webhook about another company's call is refused (ForeignCallError). */
      refuseForeignCalls: boolean;
    },
  ) {}

  /** Multi-instance mode: calls are shared through Redis, and this instance's copies may be stale. */
  get shared(): boolean {
    return !!this.deps.sharedState;
  }

  /** Runs `work` with the company's (and the call's) state current: shared in multi-instance mode. */
  async run<T>(company: DirectoryCompany, callSid: string | null, work: () => T): Promise<T> {
    return this.runNow(company, callSid, work);
  }

  /**
   * run(), answered at once when nothing has to be read first: in memory mode, once a FEWEST_CALLS
   * company has today's calls (a webhook's steady state, src/infra/maybe-promise.ts). `work`'s throw
   * is thrown here then, not a rejection.
   */
  runNow<T>(company: DirectoryCompany, callSid: string | null, work: () => T): MaybePromise<T> {
    const shared = this.deps.sharedState;
    if (shared) return shared.run({ companyId: company.id, callSid, agentIds: company.agents.map((a) => a.id) }, work);
    if (company.policy.mode === 'FEWEST_CALLS' && !this.callsTodayLoaded.has(this.callsTodayKey(company))) {
      return this.loadCallsToday(company).then(work);
    }
    return work();
  }

  /** A webhook's work on a call: under runNow(), and in signed mode only if the call is this company's. */
  runOwnCall<T>(company: DirectoryCompany, callSid: string | null, work: () => T): MaybePromise<T> {
    if (!this.deps.refuseForeignCalls || !callSid) return this.runNow(company, callSid, work);
    return this.runNow(company, callSid, () => {
      const session = this.deps.sessions.get(callSid);
      if (session && session.companyId !== company.id) throw new ForeignCallError(callSid, session.companyId);
      return work();
    });
  }

  /** The company a call in progress (or just ended) belongs to, as far as this instance can tell. */
  async companyOfCall(callSid: string): Promise<string | null> {
    const local = this.deps.sessions.get(callSid);
    if (local) return local.companyId;
    return (await this.deps.sharedState?.companyOfCall(callSid)) ?? null;
  }

  /** The agent's activity on `day` (calls today start again on a new local day of the company). */
  activityOf(agentId: string, day: string): AgentActivity {
    return this.activityOn(this.deps.activity.get(agentId), agentId, day);
  }

  /** activityOf for a directory's agent, through the record the store keeps on it (AgentActivityStore.getFor). */
  activityOfAgent(agent: DirectoryAgent, day: string): AgentActivity {
    return this.activityOn(this.deps.activity.getFor(agent), agent.id, day);
  }

  private activityOn(current: AgentActivity | undefined, agentId: string, day: string): AgentActivity {
    const { activity: store } = this.deps;
    const activity = current ? onDay(current, day) : newActivity(day);
    if (activity !== current) store.set(agentId, activity);
    return activity;
  }

  /** The company's local day today, as callsTodayLoaded keys it. */
  private callsTodayKey(company: DirectoryCompany, now = this.deps.clock.now()): string {
    return `${company.id}\u0000${dayOf(company, now)}`;
  }

  /**
   * FEWEST_CALLS counts each agent's answered calls today. Counted in memory as calls end; after a
   * restart the first call of the company reads today's count back from the call log (once a day).
   */
  private async loadCallsToday(company: DirectoryCompany): Promise<void> {
    const now = this.deps.clock.now();
    const day = dayOf(company, now);
    const key = this.callsTodayKey(company, now);
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
        if (row._count._all > activity.callsToday)
          this.deps.activity.set(row.answeredAgentId, { ...activity, callsToday: row._count._all });
      }
      this.callsTodayLoaded.add(key);
      if (this.callsTodayLoaded.size > 100_000) this.callsTodayLoaded.clear(); // old days; reloading is harmless
    } catch (err) {
      this.deps.logger.warn({ err, companyId: company.id }, "could not read today's calls back from the call log");
    }
  }
}
