/**
 * Live statistics per company: reads presence, the calls in progress and today's call log, and
 * pushes a fresh figure to supervisors whenever an agent's presence or a call changes (coalesced, so
 * a burst of heartbeats or a busy minute costs one computation per interval, not one per event).
 */
import { LRUCache } from 'lru-cache';
import { startOfLocalDay } from '../domain/business-hours.js';
import type { Clock } from '../domain/clock.js';
import { ENDED_SESSION_RETENTION_MS } from '../calls/call-sessions.js';
import { companyStats, type CompanyStats, type LoggedCall } from '../domain/stats.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import { recomputedOn, streamOf, type FeedSource, type SharedFeed } from '../infra/feed.js';
import type { PubSub } from './topics.js';
import type { CallService } from './call-service.js';
import type { Directory, DirectoryCompany } from './directory.js';
import type { PresenceService } from './presence-service.js';

export interface CompanyStatsView extends CompanyStats {
  companyId: string;
  at: Date;
}

/** Today's call log is read again after this long (must stay below the sessions' retention). */
export const LOGGED_CALLS_TTL_MS = ENDED_SESSION_RETENTION_MS / 2;

/** Companies whose call log of today is kept in memory at once. */
const MAX_LOGGED_COMPANIES = 10_000;

/** At most one pushed update per company per this many ms. */
export const STATS_PUSH_INTERVAL_MS = 250;

export class StatsService {
  constructor(
    private readonly deps: {
      db: Db;
      directory: Directory;
      presence: PresenceService;
      calls: CallService;
      pubsub: PubSub;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  /**
   * Today's call log per company, shared by every query and subscriber (see loggedToday); the least
   * recently read companies go past the bound. Freshness is judged by the injected clock, not a ttl.
   */
  private readonly logged = new LRUCache<string, { since: number; fetchedAt: number; rows: Promise<Map<string, LoggedCall>> }>({
    max: MAX_LOGGED_COMPANIES,
  });

  async stats(company: DirectoryCompany): Promise<CompanyStatsView> {
    const now = this.deps.clock.now();
    // An outbound call (startCall) is an agent's call in progress, never a caller waiting.
    const sessions = this.deps.calls.sessions
      .all(company.id)
      .map((s) => (s.direction === 'outbound' && s.answeredAt === null ? { ...s, answeredAt: s.startedAt } : s));
    const today = await this.callsToday(company, now);
    const agents = this.deps.presence
      .presenceOf(company)
      .map((p) => ({ agentId: p.agentId, online: p.online, status: p.status, onCall: p.activeCalls > 0 || p.callState === 'active' }));
    return { companyId: company.id, at: new Date(now), ...companyStats(agents, sessions, today, now) };
  }

  /** Today's calls of the company (local day): the call log, with the sessions in memory laid over it (they are fresher). */
  async callsToday(company: DirectoryCompany, now = this.deps.clock.now()): Promise<LoggedCall[]> {
    const since = startOfLocalDay(now, company.timeZone);
    const today = new Map(await this.loggedToday(company.id, since, now));
    for (const s of this.deps.calls.sessions.all(company.id))
      if (s.startedAt >= since)
        today.set(s.callSid, { startedAt: s.startedAt, answeredAt: s.answeredAt, outcome: s.outcome, queueId: s.queueId });
    return [...today.values()];
  }

  /**
   * Today's call log rows, read at most every LOGGED_CALLS_TTL_MS per company however many
   * supervisors watch. Exact with the sessions laid over it: a call that ended since the read is
   * still among the sessions (kept ENDED_SESSION_RETENTION_MS, longer than the TTL plus the log's
   * flush), and one that ended before it was already in the log.
   */
  private loggedToday(companyId: string, since: number, now: number): Promise<Map<string, LoggedCall>> {
    const cached = this.logged.get(companyId);
    if (cached && cached.since === since && now - cached.fetchedAt < LOGGED_CALLS_TTL_MS) return cached.rows;
    const rows = this.deps.db.callLog
      .findMany({
        // Today's figures are the inbound calls' (an outbound call is neither answered nor missed by the queue).
        where: { companyId, direction: 'inbound', startedAt: { gte: new Date(since) } },
        select: { callSid: true, startedAt: true, answeredAt: true, outcome: true, queueId: true },
      })
      .then(
        (found) =>
          new Map(
            found.map((r) => [
              r.callSid,
              { startedAt: r.startedAt.getTime(), answeredAt: r.answeredAt?.getTime() ?? null, outcome: r.outcome, queueId: r.queueId },
            ]),
          ),
      );
    const entry = { since, fetchedAt: now, rows };
    this.logged.set(companyId, entry);
    rows.catch(() => this.logged.peek(companyId) === entry && this.logged.delete(companyId)); // a failed read is not kept
    return rows;
  }

  /**
   * The figures now, then again after every change (a feed: src/infra/feed.ts). The live figures are
   * computed once per company and interval, however many supervisors watch.
   */
  feed(companyId: string): SharedFeed<CompanyStatsView> {
    return {
      key: `stats:${companyId}`,
      open: (emit) => this.liveFigures(companyId, emit),
      initial: async () => {
        try {
          const company = await this.deps.directory.company(companyId);
          return company ? [await this.stats(company)] : [];
        } catch (err) {
          this.deps.logger.warn({ err, companyId }, 'could not compute live statistics');
          return [];
        }
      },
    };
  }

  /** The feed as one subscriber's stream. */
  subscribe(companyId: string): AsyncIterable<CompanyStatsView> {
    return streamOf(this.feed(companyId));
  }

  /** Fresh figures after every presence or call change, at most every STATS_PUSH_INTERVAL_MS. */
  private liveFigures(companyId: string, emit: (stats: CompanyStatsView) => void): FeedSource {
    const { pubsub, clock, directory, logger } = this.deps;
    return recomputedOn({
      subscriptions: [pubsub.subscribe('presence:changed', companyId), pubsub.subscribe('calls:changed', companyId)],
      compute: async () => {
        const company = await directory.company(companyId);
        return company ? this.stats(company) : null;
      },
      emit,
      clock,
      intervalMs: STATS_PUSH_INTERVAL_MS,
      onError: (err) => logger.warn({ err, companyId }, 'could not compute live statistics'),
    });
  }
}
