/**
 * Hunt strategies: which agents a call rings, step by step.
 *
 * A hunt is a sequence of steps; each step is one TeXML `<Dial>` (one or more `<Sip>` targets and a
 * timeout). When a step ends unanswered, the dial-complete route calls `nextHuntStep` again with the
 * agents already offered and the seconds already spent, so the whole hunt is one pure function of
 * (policy, candidates, state, random). Nothing here reads a clock, a database or `Math.random`.
 *
 * Anchors (docs/ROUTING.md §Strategies):
 * - Tiers are always the primary sort key, like mod_callcenter `level` (every strategy orders by
 *   `level, …`) and Asterisk penalties (penalty·1,000,000 dominates the metric). A higher tier
 *   is rung only when no agent of a lower tier is left to offer (no escalation while agents remain).
 * - Inside a tier, `position` then `agentId` break every tie (mod_callcenter `…, position`).
 * - An agent who missed the call is not offered it again (Aircall longest idle: "calls are not looped
 *   back"), except that ring-progressively keeps ringing the agents it already added (mod_callcenter).
 *
 * This module complements the AUTO decision in `routing.ts` (which rings everyone routable at once);
 * the candidate list it receives is already filtered to routable agents.
 */

export type Strategy = 'RING_ALL' | 'ROUND_ROBIN' | 'LONGEST_IDLE' | 'FEWEST_CALLS' | 'RANDOM' | 'SEQUENTIAL' | 'PROGRESSIVE';

export const STRATEGIES: readonly Strategy[] = [
  'RING_ALL',
  'ROUND_ROBIN',
  'LONGEST_IDLE',
  'FEWEST_CALLS',
  'RANDOM',
  'SEQUENTIAL',
  'PROGRESSIVE',
];

export interface Candidate {
  agentId: string;
  displayName: string;
  /** Priority tier, 1 = rung first. Tier 2 is only tried when no agent of tier 1 is left to offer. */
  tier: number;
  /** Fixed order inside the tier (SEQUENTIAL / top-down; also the tie-breaker everywhere). Lower first. */
  position: number;
  /** When the agent's last call ended (epoch ms), or null if never: longest idle first, never-called first of all. */
  lastCallEndedAt: number | null;
  /** Calls the agent took today (the caller computes "today" in the company's time zone). */
  callsToday: number;
}

export interface HuntPolicy {
  strategy: Strategy;
  /** Seconds each step rings (5–120). */
  ringTimeoutSeconds: number;
  /** PROGRESSIVE: seconds between adding one more agent (5–120). */
  progressiveStepSeconds: number;
  /** Longest the whole hunt may ring before the fallback (seconds), e.g. 120. */
  maxHuntSeconds: number;
  /**
   * The most agents one step rings at once (MAX_DIAL_TARGETS: each `<Sip>` is a dial counted against
   * Telnyx's dials-per-second limit); unset = no cap. RING_ALL rings the rest in the next steps;
   * PROGRESSIVE keeps ringing only the most recently added ones.
   */
  maxTargets?: number;
}

export interface HuntState {
  /** Agents already offered this call (they are never offered again, except by PROGRESSIVE which keeps ringing the ones it added). */
  offered: readonly string[];
  /** Seconds already spent ringing in this call. */
  elapsedSeconds: number;
  /** ROUND_ROBIN: the agent the company offered its previous call to first (persisted by the caller), or null. */
  roundRobinLast: string | null;
}

export interface HuntStep {
  /** Agents to ring at once in this step, in order. */
  targets: string[];
  /** Seconds this step rings (never beyond what remains of maxHuntSeconds; at least 5). */
  timeoutSeconds: number;
  /** The tier this step rings. */
  tier: number;
  /** Agents this step would also ring but for `maxTargets` (absent when the cap cut nobody). */
  heldBack?: string[];
}

/** Telnyx's `<Dial timeout>` minimum: a step shorter than this cannot be dialled. */
export const MIN_STEP_SECONDS = 5;
/** Upper bound of a single step (the policy's documented range is 5–120). */
export const MAX_STEP_SECONDS = 120;

// ---------------------------------------------------------------------------------------------
// Ordering
// ---------------------------------------------------------------------------------------------

/** Code-unit comparison: the same on every host, whatever its locale. */
function compareIds(a: Candidate, b: Candidate): number {
  return a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0;
}

/** The fixed order: position, then agentId. The tie-breaker of every strategy. */
function compareFixed(a: Candidate, b: Candidate): number {
  return a.position - b.position || compareIds(a, b);
}

/** never-called (null) first, then the oldest end of last call first. */
function compareIdle(a: Candidate, b: Candidate): number {
  if (a.lastCallEndedAt === b.lastCallEndedAt) return 0;
  if (a.lastCallEndedAt === null) return -1;
  if (b.lastCallEndedAt === null) return 1;
  return a.lastCallEndedAt - b.lastCallEndedAt;
}

/**
 * Sorted by tier, then position, then agentId, with one entry per agentId (a duplicate keeps its
 * lowest tier / position), so no agent can be rung twice in one step. A new array; inputs untouched.
 */
function normalize(candidates: readonly Candidate[]): Candidate[] {
  const sorted = [...candidates].sort((a, b) => a.tier - b.tier || compareFixed(a, b));
  const seen = new Set<string>();
  return sorted.filter((c) => {
    if (seen.has(c.agentId)) return false;
    seen.add(c.agentId);
    return true;
  });
}

/** An index in [0, length) from one draw of `random` (robust to a PRNG returning exactly 1). */
function drawIndex(length: number, random: () => number): number {
  const r = random();
  const i = Math.floor((Number.isFinite(r) ? r : 0) * length);
  return Math.min(length - 1, Math.max(0, i));
}

/**
 * One tier's candidates (already in the fixed order) ordered for a strategy.
 * RANDOM draws without replacement, one `random()` per draw while two or more are left.
 */
function orderTier(
  strategy: Strategy,
  tier: readonly Candidate[],
  ctx: { roundRobinLast: string | null; random: () => number },
): Candidate[] {
  switch (strategy) {
    case 'RING_ALL':
    case 'SEQUENTIAL':
    case 'PROGRESSIVE':
      // mod_callcenter ring-all / ring-progressively / sequentially-by-agent-order: `level, position`.
      return [...tier];
    case 'LONGEST_IDLE':
      // mod_callcenter longest-idle-agent: `level, last_bridge_end, position`.
      return [...tier].sort((a, b) => compareIdle(a, b) || compareFixed(a, b));
    case 'FEWEST_CALLS':
      // mod_callcenter agent-with-fewest-calls: `level, calls_answered, position`; Asterisk fewestcalls.
      return [...tier].sort((a, b) => a.callsToday - b.callsToday || compareFixed(a, b));
    case 'ROUND_ROBIN': {
      // mod_callcenter round-robin / Asterisk rrmemory: the agents after the last one first, then wrap.
      const last = tier.findIndex((c) => c.agentId === ctx.roundRobinLast);
      if (last < 0) return [...tier];
      return [...tier.slice(last + 1), ...tier.slice(0, last + 1)];
    }
    case 'RANDOM': {
      const pool = [...tier];
      const out: Candidate[] = [];
      while (pool.length > 1) out.push(...pool.splice(drawIndex(pool.length, ctx.random), 1));
      out.push(...pool);
      return out;
    }
    default: {
      const unknown: never = strategy;
      throw new Error(`unknown strategy: ${String(unknown)}`);
    }
  }
}

/**
 * Orders candidates for a strategy: tier first (always), then the strategy's rule inside the tier,
 * ties broken by position, then agentId. Duplicated agentIds keep one entry. Pure; `random` is only
 * used by RANDOM. ROUND_ROBIN rotates each tier after `roundRobinLast` when it belongs to that tier.
 */
export function orderCandidates(
  strategy: Strategy,
  candidates: readonly Candidate[],
  ctx: { roundRobinLast: string | null; random: () => number },
): Candidate[] {
  const all = normalize(candidates);
  const out: Candidate[] = [];
  let start = 0;
  while (start < all.length) {
    const tier = all[start]!.tier;
    let end = start;
    while (end < all.length && all[end]!.tier === tier) end++;
    out.push(...orderTier(strategy, all.slice(start, end), ctx));
    start = end;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The hunt
// ---------------------------------------------------------------------------------------------

/** A configured step length, rounded and kept inside [5, 120] whatever the stored policy says. */
function stepSeconds(seconds: number): number {
  if (!Number.isFinite(seconds)) return MIN_STEP_SECONDS;
  return Math.min(MAX_STEP_SECONDS, Math.max(MIN_STEP_SECONDS, Math.round(seconds)));
}

/**
 * The next step of the hunt, or null when nothing is left (go to the fallback): every candidate was
 * offered, or fewer than 5 whole seconds remain of `maxHuntSeconds`.
 *
 * - Only the lowest tier with an un-offered candidate is rung; higher tiers wait.
 * - RING_ALL rings every un-offered agent of the tier at once; PROGRESSIVE rings the agents it already
 *   added plus the next one by position (step timeout `progressiveStepSeconds`, and the full
 *   `ringTimeoutSeconds` once the whole tier rings); every other strategy rings one agent per step.
 * - The timeout is min(step, remaining) where the remaining budget is rounded down, so the sum of
 *   the steps never exceeds `maxHuntSeconds`.
 */
export function nextHuntStep(
  policy: HuntPolicy,
  candidates: readonly Candidate[],
  state: HuntState,
  random: () => number,
): HuntStep | null {
  const elapsed = Number.isFinite(state.elapsedSeconds) ? Math.max(0, state.elapsedSeconds) : 0;
  const budget = Math.floor(policy.maxHuntSeconds - elapsed);
  if (!(budget >= MIN_STEP_SECONDS)) return null;

  const offered = new Set(state.offered);
  const all = normalize(candidates);
  const first = all.find((c) => !offered.has(c.agentId));
  if (!first) return null;
  const tier = first.tier;
  const tierAll = all.filter((c) => c.tier === tier);
  const tierPending = tierAll.filter((c) => !offered.has(c.agentId));

  let targets: Candidate[];
  let heldBack: Candidate[] = [];
  let seconds = policy.ringTimeoutSeconds;
  const cap = targetCap(policy.maxTargets);
  switch (policy.strategy) {
    case 'RING_ALL':
      // The cap splits the ring-all: the first `cap` by position now, the rest (still un-offered) next.
      targets = tierPending.slice(0, cap);
      heldBack = tierPending.slice(cap);
      break;
    case 'PROGRESSIVE': {
      // mod_callcenter ring-progressively: one more agent per delay, the earlier ones keep ringing.
      const added = tierPending[0]!;
      const earlier = tierAll.filter((c) => c !== added && offered.has(c.agentId));
      // Past the cap the earliest added (they have rung longest) stop, so the new one and the latest fit.
      const kept = new Set(earlier.slice(Math.max(0, earlier.length - (cap - 1))));
      targets = tierAll.filter((c) => c === added || kept.has(c));
      heldBack = earlier.filter((c) => !kept.has(c));
      if (tierPending.length > 1) seconds = policy.progressiveStepSeconds;
      break;
    }
    case 'RANDOM':
      // Uniform among the un-offered of the tier (listed by position): one draw per step, none
      // when a single agent is left, exactly like the first pick of orderCandidates('RANDOM').
      targets = [tierPending[tierPending.length > 1 ? drawIndex(tierPending.length, random) : 0]!];
      break;
    default: {
      // The rotation of ROUND_ROBIN depends on the whole tier, offered agents included.
      const next = orderTier(policy.strategy, tierAll, { roundRobinLast: state.roundRobinLast, random }).find(
        (c) => !offered.has(c.agentId),
      );
      targets = [next!];
    }
  }
  return {
    targets: targets.map((c) => c.agentId),
    timeoutSeconds: Math.min(stepSeconds(seconds), budget),
    tier,
    ...(heldBack.length > 0 && { heldBack: heldBack.map((c) => c.agentId) }),
  };
}

/** The cap on one step's targets: a whole number ≥ 1, or no cap (Infinity) when unset or not a number. */
export function targetCap(maxTargets: number | undefined): number {
  return maxTargets !== undefined && Number.isFinite(maxTargets) ? Math.max(1, Math.floor(maxTargets)) : Infinity;
}
