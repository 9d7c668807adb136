/**
 * Presence as the API sees it: the live tracker (leases, sockets) joined with each agent's status
 * from the directory. Heartbeats touch only memory; the database sees a write on transitions and at
 * most once a minute per agent (last-seen), and on status changes.
 */
import type { Clock } from '../domain/clock.js';
import { livenessOf, type AgentStatus, type Liveness } from '../domain/routing.js';
import type { Db } from '../infra/db.js';
import type { SqlRunner } from '../infra/sql.js';
import type { Logger } from '../infra/logger.js';
import { sourceOf, streamOf, type SharedFeed } from '../infra/feed.js';
import type { PubSub } from './topics.js';
import type { AgentPresence, PresenceEvent } from './presence-events.js';
import {
  PresenceTracker,
  type AgentLiveness,
  type HeartbeatReport,
  type PresenceTrackerOptions,
  type PresenceTransition,
} from '../presence/tracker.js';
import type { PresenceLeases, SharedPresenceLeases } from '../presence/leases.js';
import type { Directory, DirectoryAgent, DirectoryCompany } from './directory.js';
import { NotFoundError, InputError, RateLimitedError } from './errors.js';
import type { Limit } from '../auth/limits.js';
import { LastSeenWriter } from './last-seen-writer.js';
import type { AgentCallActivity } from '../calls/agent-activity-store.js';

export type { AgentPresence, PresenceCause, PresenceEvent } from './presence-events.js';

export interface HeartbeatResult {
  presence: AgentPresence;
  nextHeartbeatInMs: number;
  leaseExpiresAt: Date;
}

/** Softphone call states that mean the agent's line is busy. */
const BUSY_CALL_STATES = new Set(['ringing', 'trying', 'early', 'active', 'held', 'answering']);

export class PresenceService {
  /** In memory (one instance) or shared through Redis (several). */
  readonly tracker: PresenceLeases;
  private readonly shared: SharedPresenceLeases | null;
  /** Last-seen times go to the database in batches (src/services/last-seen-writer.ts). */
  readonly lastSeen: LastSeenWriter;

  constructor(
    private readonly deps: {
      db: Db;
      /** The driver's connection, for the last-seen batches (src/services/last-seen-writer.ts). */
      sql: SqlRunner;
      directory: Directory;
      pubsub: PubSub;
      clock: Clock;
      logger: Logger;
      ttlMs: number;
      heartbeatIntervalMs: number;
      socketGraceMs: number;
      /** Heartbeats per agent, shared by every instance in multi-instance mode (src/auth/limits.ts). */
      heartbeatLimit: Pick<Limit, 'take'>;
      /** Multi-instance mode: builds the shared lease store instead of the in-memory tracker. */
      sharedLeases?: (opts: PresenceTrackerOptions) => SharedPresenceLeases;
      /** Resolves once this instance receives a topic's cross-instance events (multi-instance mode). */
      subscribed?: (topic: 'presence:changed', companyId: string) => Promise<void>;
      /** Last-seen rows that may wait for the database before the oldest are dropped. */
      maxWaitingRows?: number;
      /** Calls each agent is on according to Telnyx's status callbacks (src/calls/agent-activity-store.ts). */
      callActivity?: AgentCallActivity;
      /** Told of every online/offline transition this instance publishes (the metrics count them). */
      onTransition?: (event: PresenceEvent) => void;
      /** Every event this instance publishes (transitions, status and call changes): the queue's dispatcher listens. */
      onPublish?: (event: PresenceEvent) => void;
    },
  ) {
    this.lastSeen = new LastSeenWriter({
      sql: deps.sql,
      clock: deps.clock,
      logger: deps.logger,
      maxWaitingRows: deps.maxWaitingRows,
    });
    const options: PresenceTrackerOptions = {
      clock: deps.clock,
      ttlMs: deps.ttlMs,
      socketGraceMs: deps.socketGraceMs,
      onTransition: (t) => void this.onTransition(t),
      persistLastSeen: (agentId, at) => this.lastSeen.write(agentId, at),
      onError: (err) => deps.logger.warn({ err }, 'could not persist last-seen'),
    };
    this.shared = deps.sharedLeases?.(options) ?? null;
    this.tracker = this.shared ?? new PresenceTracker(options);
  }

  /**
   * Answered at once when nothing has to wait (in memory mode with the directory loaded, nothing
   * does): no promise and no microtask per heartbeat. A step that waits makes the answer a promise.
   * Refusals throw, or reject once something waited.
   */
  heartbeat(agentId: string, report: HeartbeatReport): HeartbeatResult | Promise<HeartbeatResult> {
    const cached = this.deps.directory.cachedAgent(agentId);
    if (cached === undefined) return this.deps.directory.agent(agentId).then((found) => this.heartbeatOf(agentId, found, report));
    return this.heartbeatOf(agentId, cached, report);
  }

  private heartbeatOf(
    agentId: string,
    found: { agent: DirectoryAgent; company: DirectoryCompany } | null,
    report: HeartbeatReport,
  ): HeartbeatResult | Promise<HeartbeatResult> {
    if (!found?.agent.enabled) throw new NotFoundError('agent not found or disabled');
    const taken = this.deps.heartbeatLimit.take(agentId);
    if (typeof taken !== 'number') return taken.then((waitMs) => this.renewed(found, report, waitMs));
    return this.renewed(found, report, taken);
  }

  private renewed(
    { agent, company }: { agent: DirectoryAgent; company: DirectoryCompany },
    report: HeartbeatReport,
    waitMs: number,
  ): HeartbeatResult | Promise<HeartbeatResult> {
    if (waitMs > 0) throw new RateLimitedError(`too many heartbeats; retry in ${waitMs} ms`, waitMs);
    const leased = this.tracker.heartbeat(
      { agentId: agent.id, companyId: company.id, allowUnregistered: company.policy.allowUnregisteredSoftphones },
      report,
    );
    if ('then' in leased) return leased.then((liveness) => this.heartbeatResult(agent, liveness));
    return this.heartbeatResult(agent, leased);
  }

  private heartbeatResult(agent: DirectoryAgent, liveness: AgentLiveness): HeartbeatResult {
    return {
      presence: this.view(agent, liveness),
      nextHeartbeatInMs: this.deps.heartbeatIntervalMs,
      leaseExpiresAt: new Date(liveness.leaseExpiresAt),
    };
  }

  attachSocket(agentId: string, companyId: string): void {
    this.tracker.attachSocket(agentId, companyId);
  }

  detachSocket(agentId: string): void {
    this.tracker.detachSocket(agentId);
  }

  /** Every agent of the company with its current presence. */
  presenceOf(company: DirectoryCompany): AgentPresence[] {
    return company.agents.map((a) => this.view(a, this.tracker.get(a.id)));
  }

  /** Live state for routing at `now`: null when the agent's lease is not alive (read through PresenceLeases.liveStateFor). */
  livenessOfAgent(agent: DirectoryAgent, now: number): Liveness | null {
    const l = this.tracker.liveStateFor(agent, now);
    return l ? livenessOf(l.sipRegistered, isBusy(l.callState)) : null;
  }

  async setStatus(agentId: string, status: AgentStatus, reason: string | null): Promise<AgentPresence> {
    if (status !== 'ON_BREAK' && reason) throw new InputError('a reason is only accepted with status ON_BREAK');
    const found = await this.deps.directory.agent(agentId);
    if (!found) throw new NotFoundError('agent not found');
    await this.deps.db.agent.update({ where: { id: agentId }, data: { status, statusReason: status === 'ON_BREAK' ? reason : null } });
    this.deps.directory.invalidateCompany(found.company.id);
    const fresh = await this.deps.directory.agent(agentId);
    if (!fresh) throw new NotFoundError('agent not found');
    const presence = this.view(fresh.agent, this.tracker.get(agentId));
    this.publish({ at: new Date(this.deps.clock.now()), cause: 'status', snapshot: false, presence });
    return presence;
  }

  /** Publish the agent's current presence (its calls changed). */
  refresh(agentId: string): void {
    void this.deps.directory.agent(agentId).then(
      (found) => {
        if (!found) return;
        const presence = this.view(found.agent, this.tracker.get(agentId));
        this.publish({ at: new Date(this.deps.clock.now()), cause: 'call', snapshot: false, presence });
      },
      (err) => this.deps.logger.warn({ err, agentId }, 'could not publish a presence refresh'),
    );
  }

  /** The company's routing policy changed: re-evaluate who counts as online. */
  applyPolicy(company: DirectoryCompany): void {
    for (const l of this.tracker.snapshot(company.id)) {
      this.tracker.setPolicy(l.agentId, company.policy.allowUnregisteredSoftphones);
    }
  }

  /** An agent was disabled or deleted: drop its presence now. */
  forget(agentId: string): void {
    this.tracker.remove(agentId);
  }

  /**
   * The current state of every agent, then live transitions (a feed: src/infra/feed.ts). The live
   * source starts before the snapshot is read, so no transition can fall between the two; across
   * instances the snapshot waits until Redis confirms the SUBSCRIBE.
   */
  feed(company: DirectoryCompany): SharedFeed<PresenceEvent> {
    return {
      key: `presence:changed:${company.id}`,
      open: (emit) =>
        sourceOf(this.deps.pubsub.subscribe('presence:changed', company.id), emit, () =>
          this.deps.subscribed?.('presence:changed', company.id),
        ),
      initial: () => {
        const at = new Date(this.deps.clock.now());
        return this.presenceOf(company).map((presence): PresenceEvent => ({ at, cause: 'snapshot', snapshot: true, presence }));
      },
    };
  }

  /** The feed as one subscriber's stream. */
  subscribe(company: DirectoryCompany): AsyncIterable<PresenceEvent> {
    return streamOf(this.feed(company));
  }

  /**
   * Graceful shutdown: persist every live lease so the next process can restore it, then stop the
   * tracker (no offline events for agents that are only waiting for the restart).
   */
  async handOver(): Promise<number> {
    // Shared leases stay in Redis: the other instances keep them running.
    if (this.shared) {
      const handedOver = await this.shared.handOver();
      await this.lastSeen.flush();
      return handedOver;
    }
    const live = this.tracker.liveAgents();
    this.tracker.stop();
    await this.lastSeen.flush();
    await Promise.all(
      live.map((l) =>
        this.deps.db.agent
          .update({
            where: { id: l.agentId },
            data: {
              lastSeenAt: new Date(l.lastSeenAt),
              presenceLeaseExpiresAt: new Date(l.leaseExpiresAt),
              presenceSipRegistered: l.sipRegistered,
            },
          })
          .catch((err) => this.deps.logger.warn({ err, agentId: l.agentId }, 'could not hand over a presence lease')),
      ),
    );
    return live.length;
  }

  /** At start: the leases a previous process handed over, still running, come back; then they are cleared. */
  async restoreLeases(): Promise<number> {
    await this.shared?.start();
    const now = this.deps.clock.now();
    const rows = await this.deps.db.agent.findMany({
      where: { presenceLeaseExpiresAt: { gt: new Date(now) }, enabled: true },
      select: { id: true, lastSeenAt: true, presenceLeaseExpiresAt: true, presenceSipRegistered: true },
    });
    let restored = 0;
    for (const row of rows) {
      const found = await this.deps.directory.agent(row.id);
      if (!found) continue;
      await this.tracker.restore(
        { agentId: row.id, companyId: found.company.id, allowUnregistered: found.company.policy.allowUnregisteredSoftphones },
        {
          sipRegistered: row.presenceSipRegistered,
          lastSeenAt: row.lastSeenAt?.getTime() ?? now,
          leaseExpiresAt: row.presenceLeaseExpiresAt!.getTime(),
        },
      );
      restored++;
    }
    await this.deps.db.agent.updateMany({ where: { presenceLeaseExpiresAt: { not: null } }, data: { presenceLeaseExpiresAt: null } });
    return restored;
  }

  stop(): void {
    this.tracker.stop();
    void this.lastSeen.stop();
  }

  private async onTransition(t: PresenceTransition): Promise<void> {
    try {
      const company = await this.deps.directory.company(t.companyId);
      const agent = company?.agents.find((a) => a.id === t.agentId);
      if (!agent) return;
      agent.lastSeenAt = t.lastSeenAt;
      const presence = this.view(agent, this.tracker.get(t.agentId));
      this.deps.logger.info({ agentId: t.agentId, companyId: t.companyId, online: t.online, cause: t.cause }, 'presence transition');
      const event: PresenceEvent = { at: new Date(t.at), cause: t.cause, snapshot: false, presence };
      this.publish(event);
      this.deps.onTransition?.(event);
    } catch (err) {
      this.deps.logger.error({ err, agentId: t.agentId }, 'could not publish a presence transition');
    }
  }

  private publish(event: PresenceEvent): void {
    this.deps.pubsub.publish('presence:changed', event.presence.companyId, event);
    this.deps.onPublish?.(event);
  }

  private view(agent: DirectoryAgent, liveness: AgentLiveness | undefined): AgentPresence {
    const live = liveness?.live ? liveness : undefined;
    return {
      agentId: agent.id,
      companyId: agent.companyId,
      displayName: agent.displayName,
      sipUsername: agent.sipUsername,
      online: live?.online ?? false,
      sipRegistered: live?.sipRegistered ?? false,
      status: agent.status,
      statusReason: agent.statusReason,
      lastSeen: live ? new Date(live.lastSeenAt) : agent.lastSeenAt === null ? null : new Date(agent.lastSeenAt),
      leaseExpiresAt: live ? new Date(live.leaseExpiresAt) : null,
      callState: live?.callState ?? null,
      activeCalls: Math.max(live && isBusy(live.callState) ? 1 : 0, this.deps.callActivity?.activeCalls(agent.id) ?? 0),
    };
  }
}

function isBusy(callState: string | null | undefined): boolean {
  return !!callState && BUSY_CALL_STATES.has(callState.toLowerCase());
}
