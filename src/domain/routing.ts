/**
 * The routing decision: a pure function of the company's routing policy, a snapshot of its agents
 * (configuration + live presence), the call, and the time. It never reads a clock or a database, so
 * every rule is tested by table, and `routePreview` shows exactly what the voice route would do.
 */

export type AgentStatus = 'AVAILABLE' | 'ON_BREAK' | 'WRAP_UP';
export type RoutingMode = 'AUTO';
export type FallbackKind = 'VOICEMAIL' | 'NUMBER' | 'HANGUP';

export interface RoutingPolicy {
  mode: RoutingMode;
  ringTimeoutSeconds: number;
  ringTone: string;
  fallbackKind: FallbackKind;
  fallbackNumber: string | null;
  voicemailGreeting: string;
  voicemailMaxSeconds: number;
  greetingLanguage: string;
  allowUnregisteredSoftphones: boolean;
}

/** What the routing decision needs to know about one agent, right now. */
export interface AgentSnapshot {
  id: string;
  displayName: string;
  sipUsername: string;
  enabled: boolean;
  status: AgentStatus;
  statusReason: string | null;
  /** Live presence; null when the agent's lease is not alive. */
  liveness: { sipRegistered: boolean; onCall: boolean } | null;
}

export interface CallContext {
  from?: string | null;
  to?: string | null;
}

export type SkipReason = 'DISABLED' | 'OFFLINE' | 'NOT_REGISTERED' | 'ON_BREAK' | 'WRAP_UP' | 'ON_CALL';

export interface SkippedAgent {
  agentId: string;
  reason: SkipReason;
  /** Human-readable, for supervisors ("on break: lunch"). */
  detail: string;
}

export interface RingTarget {
  agentId: string;
  sipUsername: string;
}

export type RoutePlan =
  | {
      kind: 'RING';
      /** One target: ring that agent. Several: ring them at once, first to answer wins. */
      targets: RingTarget[];
      timeoutSeconds: number;
      skipped: SkippedAgent[];
    }
  | { kind: 'FALLBACK'; fallback: FallbackKind; skipped: SkippedAgent[] };

/** A fixed collation, so the ring order is the same on every host whatever its locale. */
const DISPLAY_ORDER = new Intl.Collator('en', { sensitivity: 'base' });

/** Why an agent cannot take a call now, or null when it can. Order matters: the first reason wins. */
export function skipReason(agent: AgentSnapshot, policy: Pick<RoutingPolicy, 'allowUnregisteredSoftphones'>): SkippedAgent | null {
  const skip = (reason: SkipReason, detail: string): SkippedAgent => ({ agentId: agent.id, reason, detail });
  if (!agent.enabled) return skip('DISABLED', 'agent is disabled');
  if (!agent.liveness) return skip('OFFLINE', 'softphone offline (no heartbeat within the presence TTL)');
  if (!agent.liveness.sipRegistered && !policy.allowUnregisteredSoftphones) {
    return skip('NOT_REGISTERED', 'softphone is not registered with Telnyx');
  }
  if (agent.status === 'ON_BREAK') return skip('ON_BREAK', agent.statusReason ? `on break: ${agent.statusReason}` : 'on break');
  if (agent.status === 'WRAP_UP') return skip('WRAP_UP', 'in wrap-up after a call');
  if (agent.liveness.onCall) return skip('ON_CALL', 'already on a call');
  return null;
}

/**
 * AUTO (the seed's rule): nobody routable → fallback; one → ring that agent; two or more → ring them
 * all at once. Targets come in a stable order (display name, then id) so plans are reproducible.
 */
export function decideRoute(
  policy: RoutingPolicy,
  agents: readonly AgentSnapshot[],
  _call: CallContext,
  _now: number,
): RoutePlan {
  const skipped: SkippedAgent[] = [];
  const routable: AgentSnapshot[] = [];
  for (const agent of agents) {
    const reason = skipReason(agent, policy);
    if (reason) skipped.push(reason);
    else routable.push(agent);
  }
  if (routable.length === 0) return { kind: 'FALLBACK', fallback: policy.fallbackKind, skipped };
  routable.sort((a, b) => DISPLAY_ORDER.compare(a.displayName, b.displayName) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    kind: 'RING',
    targets: routable.map((a) => ({ agentId: a.id, sipUsername: a.sipUsername })),
    timeoutSeconds: policy.ringTimeoutSeconds,
    skipped,
  };
}
