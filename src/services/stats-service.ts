/**
 * Live statistics per company: reads presence, the calls in progress and today's call log, and
 * pushes a fresh figure to supervisors whenever an agent's presence or a call changes (coalesced, so
 * a burst of heartbeats or a busy minute costs one computation per interval, not one per event).
 */
import { Repeater } from 'graphql-yoga';
import { startOfLocalDay } from '../domain/business-hours.js';
import type { Clock } from '../domain/clock.js';
import { companyStats, type CompanyStats, type LoggedCall } from '../domain/stats.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { PubSub } from '../infra/pubsub.js';
import type { CallService } from './call-service.js';
import type { Directory, DirectoryCompany } from './directory.js';
import type { PresenceService } from './presence-service.js';

export interface CompanyStatsView extends CompanyStats {
  companyId: string;
  at: Date;
}

/** At most one pushed update per company per this many ms. */
export const STATS_PUSH_INTERVAL_MS = 250;

export class StatsService {
  constructor(
    private readonly deps: { db: Db; directory: Directory; presence: PresenceService; calls: CallService; pubsub: PubSub; clock: Clock; logger: Logger },
  ) {}

  async stats(company: DirectoryCompany): Promise<CompanyStatsView> {
    const now = this.deps.clock.now();
    const sessions = this.deps.calls.sessions.all(company.id);
    const since = new Date(startOfLocalDay(now, company.timeZone));
    const rows = await this.deps.db.callLog.findMany({
      where: { companyId: company.id, startedAt: { gte: since } },
      select: { callSid: true, startedAt: true, answeredAt: true, outcome: true },
    });
    // The call log is written when a call ends; the sessions in memory are fresher for their calls.
    const today = new Map<string, LoggedCall>(
      rows.map((r) => [r.callSid, { startedAt: r.startedAt.getTime(), answeredAt: r.answeredAt?.getTime() ?? null, outcome: r.outcome }]),
    );
    for (const s of sessions) if (s.startedAt >= since.getTime()) today.set(s.callSid, { startedAt: s.startedAt, answeredAt: s.answeredAt, outcome: s.outcome });
    const agents = this.deps.presence.presenceOf(company).map((p) => ({ agentId: p.agentId, online: p.online, status: p.status, onCall: p.activeCalls > 0 || p.callState === 'active' }));
    return { companyId: company.id, at: new Date(now), ...companyStats(agents, sessions, [...today.values()], now) };
  }

  /** The figures now, then again after every change (at most every STATS_PUSH_INTERVAL_MS). */
  subscribe(companyId: string): AsyncIterable<CompanyStatsView> {
    const { pubsub, clock } = this.deps;
    return new Repeater<CompanyStatsView>(async (push, stop) => {
      let dirty = true;
      let wake: (() => void) | undefined;
      const mark = () => {
        dirty = true;
        wake?.();
      };
      const listeners = [pubsub.subscribe('presence:changed', companyId), pubsub.subscribe('calls:changed', companyId)].map((source) => {
        const it = source[Symbol.asyncIterator]();
        void (async () => {
          for (let r = await it.next(); !r.done; r = await it.next()) mark();
        })().catch(() => undefined);
        return it;
      });
      let stopped = false;
      void stop.then(() => {
        stopped = true;
        for (const it of listeners) void it.return?.();
        wake?.();
      });
      while (!stopped) {
        if (!dirty) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        if (stopped) break;
        dirty = false;
        try {
          const company = await this.deps.directory.company(companyId);
          if (company) await push(await this.stats(company));
        } catch (err) {
          this.deps.logger.warn({ err, companyId }, 'could not compute live statistics');
        }
        await new Promise<void>((resolve) => clock.setTimer(clock.now() + STATS_PUSH_INTERVAL_MS, resolve));
      }
    });
  }
}
