/**
 * The routing decision: a pure function of the company's routing policy, a snapshot of its agents
 * (configuration + live presence), the call, and the time. It never reads a clock or a database, so
 * every rule is tested by table, and `routePreview` shows exactly what the voice route would do.
 */

import { evaluateHours, type BusinessHours } from './business-hours.js';
import { describeSkills, matchesSkills, type LanguageMenuOption, type SkillExpression, type Skills } from './skills.js';
import { nextHuntStep, targetCap, type Candidate, type Strategy } from './strategies.js';

export type AgentStatus = 'AVAILABLE' | 'ON_BREAK' | 'WRAP_UP';
export type RoutingMode = 'AUTO' | Strategy;
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
  progressiveStepSeconds: number;
  maxHuntSeconds: number;
  wrapUpSeconds: number;
  autoPauseAfterMisses: number;
  /** null = always open. */
  businessHours: BusinessHours | null;
  afterHoursKind: FallbackKind;
  afterHoursGreeting: string;
  roundRobinLast: string | null;
  /** Asked before routing when not empty; the caller's choice becomes a required skill. */
  languageMenu: LanguageMenuOption[];
  /** Seconds from the call's start after which a skill requirement nobody can meet is dropped; null = fallback. */
  widenAfterSeconds: number | null;
  /**
   * Not the company's setting but the deployment's (MAX_DIAL_TARGETS), filled in by the caller: the
   * most agents one `<Dial>` rings; unset = no cap.
   */
  maxDialTargets?: number;
}

/** What routing needs of a live softphone. */
export interface Liveness {
  readonly sipRegistered: boolean;
  readonly onCall: boolean;
}

const LIVENESS: readonly Liveness[] = [
  Object.freeze({ sipRegistered: false, onCall: false }),
  Object.freeze({ sipRegistered: false, onCall: true }),
  Object.freeze({ sipRegistered: true, onCall: false }),
  Object.freeze({ sipRegistered: true, onCall: true }),
];

/** One of four shared objects: a decision reads ten agents' liveness, and none of it need be allocated. */
export function livenessOf(sipRegistered: boolean, onCall: boolean): Liveness {
  return LIVENESS[(sipRegistered ? 2 : 0) + (onCall ? 1 : 0)]!;
}

/** What the routing decision needs to know about one agent, right now. */
export interface AgentSnapshot {
  id: string;
  displayName: string;
  /** The SIP username a call to this agent dials (src/domain/sip-target.ts); meaningless when sipTargetProblem is set. */
  sipUsername: string;
  /** Why no SIP username of this agent can be trusted (no credential, its username unknown…), or null. */
  sipTargetProblem: string | null;
  enabled: boolean;
  status: AgentStatus;
  statusReason: string | null;
  /** Live presence; null when the agent's lease is not alive. */
  liveness: Liveness | null;
  tier: number;
  position: number;
  lastCallEndedAt: number | null;
  callsToday: number;
  skills: Skills;
  /** The call this agent is being offered right now (reserved), or null. */
  reservedFor: string | null;
  /**
   * The agent's place in its company's display order (compareDisplayOrder), when the caller has it (the
   * directory does): ring-all then orders its targets by it instead of comparing names, which was a tenth
   * of a decision. Given for every agent or for none.
   */
  displayRank?: number;
}

/** Where a call is in its hunt: which agents were offered and for how long it has rung. */
export interface HuntContext {
  callSid: string;
  offered: readonly string[];
  elapsedSeconds: number;
  random: () => number;
}

export interface CallContext {
  from?: string | null;
  to?: string | null;
  /** Skills the call needs (the number's and the caller's menu choice), or none. */
  requiredSkills?: SkillExpression | null;
  /** Seconds since the call arrived (widening counts from here). */
  ageSeconds?: number;
}

export type SkipReason =
  | 'CLOSED'
  | 'DISABLED'
  | 'NO_SIP_TARGET'
  | 'OFFLINE'
  | 'NOT_REGISTERED'
  | 'ON_BREAK'
  | 'WRAP_UP'
  | 'ON_CALL'
  | 'LACKS_SKILL'
  | 'RESERVED'
  | 'ALREADY_OFFERED'
  | 'DIAL_LIMIT';

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
      /** Priority tier this step rings (1 for AUTO). */
      tier: number;
      /** Whether the targets are reserved for this call (every strategy but AUTO). */
      reserve: boolean;
      /** The call's skill requirement was dropped after widenAfterSeconds. */
      widened: boolean;
      skipped: SkippedAgent[];
    }
  /** Nobody with the required skill is free yet, but others are: hold, then decide again. */
  | { kind: 'WAIT'; seconds: number; reason: 'SKILL_WIDENING'; skipped: SkippedAgent[] }
  | { kind: 'FALLBACK'; fallback: FallbackKind; reason: FallbackReason; skipped: SkippedAgent[] };

/**
 * The plan that rings one agent chosen outside the hunt (a transfer to that agent, a queue's offer to
 * the agent it picked), reserved for the call.
 */
export function ringOnePlan(
  agent: { id: string; sipUsername: string; tier: number },
  timeoutSeconds: number,
): Extract<RoutePlan, { kind: 'RING' }> {
  return {
    kind: 'RING',
    targets: [{ agentId: agent.id, sipUsername: agent.sipUsername }],
    timeoutSeconds,
    tier: agent.tier,
    reserve: true,
    widened: false,
    skipped: [],
  };
}

/** NO_AGENTS: nobody routable; HUNT_EXHAUSTED: everyone was offered (or maxHuntSeconds ran out); AFTER_HOURS: closed. */
export type FallbackReason = 'NO_AGENTS' | 'HUNT_EXHAUSTED' | 'AFTER_HOURS';

/** A fixed collation, so the ring order is the same on every host whatever its locale. */
const DISPLAY_ORDER = new Intl.Collator('en', { sensitivity: 'base' });

/** The agents' display order: by name (a fixed collation), then by id. Ring-all rings in this order. */
export function compareDisplayOrder(a: { displayName: string; id: string }, b: { displayName: string; id: string }): number {
  return DISPLAY_ORDER.compare(a.displayName, b.displayName) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** compareDisplayOrder through the ranks the caller gave, when it gave them. */
function byDisplayOrder(a: AgentSnapshot, b: AgentSnapshot): number {
  if (a.displayRank !== undefined && b.displayRank !== undefined) return a.displayRank - b.displayRank;
  return compareDisplayOrder(a, b);
}

function inDisplayOrder(agents: readonly AgentSnapshot[]): boolean {
  for (let i = 1; i < agents.length; i++) if (byDisplayOrder(agents[i - 1]!, agents[i]!) > 0) return false;
  return true;
}

/** Why an agent cannot take a call now, or null when it can. Order matters: the first reason wins. */
export function skipReason(agent: AgentSnapshot, policy: Pick<RoutingPolicy, 'allowUnregisteredSoftphones'>): SkippedAgent | null {
  const skip = (reason: SkipReason, detail: string): SkippedAgent => ({ agentId: agent.id, reason, detail });
  if (!agent.enabled) return skip('DISABLED', 'agent is disabled');
  // Before presence: it is configuration, and ringing such an agent would ring nobody.
  if (agent.sipTargetProblem !== null) return skip('NO_SIP_TARGET', agent.sipTargetProblem);
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
 * The routing decision for one step of a call. First business hours, then who is routable; AUTO
 * (the seed's rule) rings everyone routable at once, every other mode hunts step by step
 * (`nextHuntStep`), skipping agents reserved for another call.
 *
 * A skill requirement filters agents; when nobody with it is left, the call widens to everyone once
 * it is `widenAfterSeconds` old (holding the caller until then if widening would find someone), or
 * goes to the fallback when the company does not widen.
 */
export function decideRoute(
  policy: RoutingPolicy,
  agents: readonly AgentSnapshot[],
  call: CallContext,
  now: number,
  hunt: HuntContext = { callSid: '', offered: [], elapsedSeconds: 0, random: Math.random },
): RoutePlan {
  if (policy.businessHours) {
    const hours = evaluateHours(policy.businessHours, now);
    if (!hours.open) {
      const detail = hours.reason === 'HOLIDAY' ? `closed: ${hours.holiday ?? 'holiday'}` : 'outside business hours';
      const skipped = agents.map((a): SkippedAgent => ({ agentId: a.id, reason: 'CLOSED', detail }));
      return { kind: 'FALLBACK', fallback: policy.afterHoursKind, reason: 'AFTER_HOURS', skipped };
    }
  }
  const required = call.requiredSkills ?? null;
  if (!required) return decideFor(policy, agents, null, hunt);
  const age = call.ageSeconds ?? 0;
  const widenAfter = policy.widenAfterSeconds;
  if (widenAfter !== null && age >= widenAfter) {
    const widened = decideFor(policy, agents, null, hunt);
    return widened.kind === 'RING' ? { ...widened, widened: true } : widened;
  }
  const skilled = decideFor(policy, agents, required, hunt);
  if (skilled.kind !== 'FALLBACK' || widenAfter === null) return skilled;
  if (decideFor(policy, agents, null, hunt).kind !== 'RING') return skilled;
  return { kind: 'WAIT', seconds: Math.max(1, Math.ceil(widenAfter - age)), reason: 'SKILL_WIDENING', skipped: skilled.skipped };
}

/** The decision with one skill requirement (or none) applied. */
function decideFor(
  policy: RoutingPolicy,
  agents: readonly AgentSnapshot[],
  required: SkillExpression | null,
  hunt: HuntContext,
): Exclude<RoutePlan, { kind: 'WAIT' }> {
  const skipped: SkippedAgent[] = [];
  const routable: AgentSnapshot[] = [];
  const hunting = policy.mode !== 'AUTO';
  for (const agent of agents) {
    const reason = skipReason(agent, policy) ?? lacksSkill(agent, required);
    if (reason) skipped.push(reason);
    else if (hunting && agent.reservedFor !== null && agent.reservedFor !== hunt.callSid) {
      skipped.push({ agentId: agent.id, reason: 'RESERVED', detail: 'ringing for another call' });
    } else if (!hunting && hunt.offered.includes(agent.id)) {
      // AUTO rings everyone once: a missed ring-all goes to the fallback, never round again.
      skipped.push({ agentId: agent.id, reason: 'ALREADY_OFFERED', detail: 'already offered this call' });
    } else routable.push(agent);
  }
  return hunting ? decideHunt(policy, agents, routable, skipped, hunt) : decideAuto(policy, routable, skipped, hunt.offered.length > 0);
}

function lacksSkill(agent: AgentSnapshot, required: SkillExpression | null): SkippedAgent | null {
  if (!required || matchesSkills(required, agent.skills)) return null;
  return { agentId: agent.id, reason: 'LACKS_SKILL', detail: `lacks skill ${describeSkills(required)}` };
}

function decideHunt(
  policy: RoutingPolicy,
  agents: readonly AgentSnapshot[],
  routable: readonly AgentSnapshot[],
  skipped: SkippedAgent[],
  hunt: HuntContext,
): Exclude<RoutePlan, { kind: 'WAIT' }> {
  const candidates: Candidate[] = routable.map((a) => ({
    agentId: a.id,
    displayName: a.displayName,
    tier: a.tier,
    position: a.position,
    lastCallEndedAt: a.lastCallEndedAt,
    callsToday: a.callsToday,
  }));
  const step = nextHuntStep(
    {
      strategy: policy.mode as Strategy,
      ringTimeoutSeconds: policy.ringTimeoutSeconds,
      progressiveStepSeconds: policy.progressiveStepSeconds,
      maxHuntSeconds: policy.maxHuntSeconds,
      maxTargets: policy.maxDialTargets,
    },
    candidates,
    { offered: hunt.offered, elapsedSeconds: hunt.elapsedSeconds, roundRobinLast: policy.roundRobinLast },
    hunt.random,
  );
  if (!step) {
    const reason: FallbackReason = candidates.length === 0 && hunt.offered.length === 0 ? 'NO_AGENTS' : 'HUNT_EXHAUSTED';
    return { kind: 'FALLBACK', fallback: policy.fallbackKind, reason, skipped };
  }
  const bySip = new Map(agents.map((a) => [a.id, a.sipUsername]));
  const ringing = new Set(step.targets);
  for (const c of candidates) {
    if (!ringing.has(c.agentId) && hunt.offered.includes(c.agentId) && policy.mode !== 'PROGRESSIVE') {
      skipped.push({ agentId: c.agentId, reason: 'ALREADY_OFFERED', detail: 'already offered this call' });
    }
  }
  for (const agentId of step.heldBack ?? []) skipped.push(dialLimitSkip(agentId, policy, policy.mode === 'PROGRESSIVE'));
  return {
    kind: 'RING',
    targets: step.targets.map((agentId) => ({ agentId, sipUsername: bySip.get(agentId)! })),
    timeoutSeconds: step.timeoutSeconds,
    tier: step.tier,
    reserve: true,
    widened: false,
    skipped,
  };
}

/** An agent the step would ring but for MAX_DIAL_TARGETS: in a later step, or (PROGRESSIVE) no longer. */
function dialLimitSkip(agentId: string, policy: RoutingPolicy, stopped: boolean): SkippedAgent {
  const limit = `at most ${targetCap(policy.maxDialTargets)} agents ring at once (MAX_DIAL_TARGETS)`;
  return { agentId, reason: 'DIAL_LIMIT', detail: stopped ? `stopped ringing: ${limit}` : `rings in a later step: ${limit}` };
}

/**
 * AUTO (the seed's rule): nobody routable → fallback; one → ring that agent; two or more → ring them
 * all at once (at most MAX_DIAL_TARGETS; the rest in the next steps). Targets come in a stable order
 * (display name, then id) so plans are reproducible.
 */
function decideAuto(
  policy: RoutingPolicy,
  routable: AgentSnapshot[],
  skipped: SkippedAgent[],
  rangBefore: boolean,
): Exclude<RoutePlan, { kind: 'WAIT' }> {
  if (routable.length === 0)
    return { kind: 'FALLBACK', fallback: policy.fallbackKind, reason: rangBefore ? 'HUNT_EXHAUSTED' : 'NO_AGENTS', skipped };
  // Agents kept in display order come in order: sort only when not (a sort copies the array to work on).
  if (!inDisplayOrder(routable)) routable.sort(byDisplayOrder);
  // Past MAX_DIAL_TARGETS the ring-all is split: the rest are not offered yet, so the next step rings them.
  const cap = targetCap(policy.maxDialTargets);
  const targets: RingTarget[] = [];
  for (const a of routable) {
    if (targets.length < cap) targets.push({ agentId: a.id, sipUsername: a.sipUsername });
    else skipped.push(dialLimitSkip(a.id, policy, false));
  }
  return {
    kind: 'RING',
    targets,
    timeoutSeconds: policy.ringTimeoutSeconds,
    tier: 1,
    reserve: false,
    widened: false,
    skipped,
  };
}
