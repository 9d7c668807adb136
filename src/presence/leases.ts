/**
 * What the presence service needs from a lease store. Two implementations: PresenceTracker (one
 * instance, in memory) and RedisPresenceLeases (several instances on one Redis). Reads are
 * synchronous in both, so routing never waits on the network.
 */
import type { AgentLiveness, HeartbeatReport, LeaseHolder, LiveState } from './tracker.js';

export interface AgentPolicyRef {
  agentId: string;
  companyId: string;
  allowUnregistered: boolean;
}

export interface PresenceLeases {
  heartbeat(agent: AgentPolicyRef, report: HeartbeatReport): AgentLiveness | Promise<AgentLiveness>;
  restore(agent: AgentPolicyRef, state: { sipRegistered: boolean; lastSeenAt: number; leaseExpiresAt: number }): void | Promise<void>;
  attachSocket(agentId: string, companyId: string): void;
  detachSocket(agentId: string): void;
  setPolicy(agentId: string, allowUnregistered: boolean): void;
  remove(agentId: string): void;
  get(agentId: string): AgentLiveness | undefined;
  /**
   * The agent's registration and call state while its lease is alive now, else undefined (routing
   * reads it through liveStateFor, ten agents a decision). It expires nobody and arms nothing (the timer does that), and the
   * in-memory tracker answers with its own entry, allocating nothing.
   */
  liveState(agentId: string): LiveState | undefined;
  /**
   * liveState at `now` for an agent the caller holds (the directory's agent). A store may keep its record of
   * the agent on the holder (`leaseRecord`), so that the next read goes straight to it instead of
   * looking it up among every agent's: that look-up, missing the CPU's caches, was the largest part of
   * a routing snapshot. A store without records to keep answers liveState(holder.id, now).
   */
  liveStateFor(holder: LeaseHolder, now: number): LiveState | undefined;
  snapshot(companyId: string): AgentLiveness[];
  liveAgents(): AgentLiveness[];
  liveCount(): number;
  stop(): void;
}

/** A lease store other instances share: started before the server listens, handed over at stop. */
export interface SharedPresenceLeases extends PresenceLeases {
  /** Load the shared leases and start expiring them. */
  start(): Promise<void>;
  /** Leave the shared leases running for the other instances; returns how many are live. */
  handOver(): Promise<number>;
}
