/**
 * Where each agent's call activity lives (calls today, misses in a row, the call it is on, wrap-up:
 * src/domain/agent-activity.ts): one interface, kept in memory on one instance, and mirrored
 * through Redis when several instances share the calls (a call's webhooks land on any of them).
 *
 * The presence service reads it through AgentCallActivity (how many calls an agent is on), handed
 * in at construction; the call modules read and write it.
 */
import type { ChainableCommander } from 'ioredis';
import type { AgentActivity } from '../domain/agent-activity.js';
import type { SharedRedis } from '../infra/redis.js';

/** What presence needs to know: the calls an agent is on per Telnyx's status callbacks. */
export interface AgentCallActivity {
  activeCalls(agentId: string): number;
}

export interface AgentActivityStore extends AgentCallActivity {
  get(agentId: string): AgentActivity | undefined;
  /**
   * get(holder.id) for an agent the caller holds (the directory's agent): the store keeps its record of
   * the agent on the holder (`activityRecord`), so the next read skips the look-up among every agent's
   * (a routing snapshot reads ten agents' activity a decision).
   */
  getFor(holder: ActivityHolder): AgentActivity | undefined;
  set(agentId: string, activity: AgentActivity): void;
  delete(agentId: string): void;
  /** Every agent with a known activity (the stale-call sweep walks them). */
  entries(): [agentId: string, activity: AgentActivity][];
}

/**
 * The activity of a company's agents as stored in Redis: loaded before and staged after each piece
 * of work under the company's call lock (src/calls/shared-call-state.ts).
 */
export interface SharedAgentActivity {
  load(companyId: string): Promise<void>;
  stage(tx: ChainableCommander, companyId: string, agentIds: string[]): void;
}

/** What getFor may keep its record of an agent on (the directory's agent, src/services/directory-rows.ts). */
export interface ActivityHolder {
  readonly id: string;
  /** The store's own record of the agent, or undefined; nobody else reads or writes it. */
  activityRecord?: unknown;
}

/** One agent's activity; replaced in place, so a holder's reference stays current until the agent is deleted. */
interface ActivityCell {
  activity: AgentActivity;
  deleted: boolean;
}

export class InMemoryAgentActivityStore implements AgentActivityStore {
  private readonly byAgent = new Map<string, ActivityCell>();

  get(agentId: string): AgentActivity | undefined {
    return this.byAgent.get(agentId)?.activity;
  }

  getFor(holder: ActivityHolder): AgentActivity | undefined {
    let cell = holder.activityRecord as ActivityCell | undefined;
    if (cell === undefined || cell.deleted) {
      cell = this.byAgent.get(holder.id);
      holder.activityRecord = cell;
    }
    return cell?.activity;
  }

  set(agentId: string, activity: AgentActivity): void {
    const cell = this.byAgent.get(agentId);
    if (cell !== undefined) cell.activity = activity;
    else this.byAgent.set(agentId, { activity, deleted: false });
  }

  delete(agentId: string): void {
    const cell = this.byAgent.get(agentId);
    if (cell === undefined) return;
    cell.deleted = true;
    this.byAgent.delete(agentId);
  }

  entries(): [string, AgentActivity][] {
    return Array.from(this.byAgent, ([agentId, cell]) => [agentId, cell.activity]);
  }

  activeCalls(agentId: string): number {
    return this.byAgent.get(agentId)?.activity.onCallSid ? 1 : 0;
  }
}

/** Stored activity outlives any call and any wrap-up; two days covers "calls today" in every time zone. */
const ACTIVITY_TTL_MS = 2 * 24 * 3600_000;

/**
 * Multi-instance mode: this instance's copy, refreshed from Redis (hash `activity:<companyId>`, one
 * field per agent) under the company's lock and stored back in the same transaction as the calls.
 * While Redis is away the local copy goes on alone.
 */
export class RedisAgentActivityStore extends InMemoryAgentActivityStore implements SharedAgentActivity {
  constructor(private readonly redis: Pick<SharedRedis, 'command' | 'prefix'>) {
    super();
  }

  async load(companyId: string): Promise<void> {
    const stored = await this.redis.command.hgetall(this.key(companyId));
    for (const [agentId, value] of Object.entries(stored)) this.set(agentId, JSON.parse(value) as AgentActivity);
  }

  stage(tx: ChainableCommander, companyId: string, agentIds: string[]): void {
    const fields = agentIds.flatMap((id) => {
      const activity = this.get(id);
      return activity ? [[id, JSON.stringify(activity)] as const] : [];
    });
    if (fields.length === 0) return;
    tx.hset(this.key(companyId), Object.fromEntries(fields));
    tx.pexpire(this.key(companyId), ACTIVITY_TTL_MS);
  }

  private key(companyId: string): string {
    return `${this.redis.prefix}activity:${companyId}`;
  }
}
