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

export class InMemoryAgentActivityStore implements AgentActivityStore {
  private readonly byAgent = new Map<string, AgentActivity>();

  get(agentId: string): AgentActivity | undefined {
    return this.byAgent.get(agentId);
  }

  set(agentId: string, activity: AgentActivity): void {
    this.byAgent.set(agentId, activity);
  }

  delete(agentId: string): void {
    this.byAgent.delete(agentId);
  }

  entries(): [string, AgentActivity][] {
    return [...this.byAgent];
  }

  activeCalls(agentId: string): number {
    return this.byAgent.get(agentId)?.onCallSid ? 1 : 0;
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
