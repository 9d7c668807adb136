/** An agent's presence as the API and the subscribers see it, and the events that carry it. */
import type { AgentStatus } from '../domain/routing.js';
import type { TransitionCause } from '../presence/tracker.js';

export interface AgentPresence {
  agentId: string;
  companyId: string;
  displayName: string;
  sipUsername: string;
  online: boolean;
  sipRegistered: boolean;
  status: AgentStatus;
  statusReason: string | null;
  lastSeen: Date | null;
  leaseExpiresAt: Date | null;
  callState: string | null;
  activeCalls: number;
}

export type PresenceCause = TransitionCause | 'status' | 'call' | 'snapshot';

export interface PresenceEvent {
  at: Date;
  cause: PresenceCause;
  /** True for the events that describe the state at subscription time. */
  snapshot: boolean;
  presence: AgentPresence;
}
