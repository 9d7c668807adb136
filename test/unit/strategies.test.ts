import { describe, it, expect } from 'vitest';
import { seededRandom } from '../support/random.js';
import {
  STRATEGIES,
  nextHuntStep,
  orderCandidates,
  type Candidate,
  type HuntPolicy,
  type HuntState,
  type HuntStep,
  type Strategy,
} from '../../src/domain/strategies.js';

// Anchors (docs/ROUTING.md §Strategies): mod_callcenter's ORDER BY per strategy, Asterisk app_queue's
// strategies (penalty dominates), TaskRouter's default (longest unoccupied), Aircall's longest idle
// ("calls are not looped back").

// ---------------------------------------------------------------------------------------------
// Fixtures and helpers
// ---------------------------------------------------------------------------------------------

function cand(agentId: string, tier: number, position: number, lastCallEndedAt: number | null, callsToday: number): Candidate {
  return { agentId, displayName: `Agent ${agentId}`, tier, position, lastCallEndedAt, callsToday };
}

/**
 * Tier 1: a b c d (positions 1..4), tier 2: e f. Listed out of order on purpose.
 *   id  tier pos lastCallEndedAt calls
 *   a   1    1   1000            5
 *   b   1    2   null            2
 *   c   1    3   500             2
 *   d   1    4   3000            0
 *   e   2    1   100             9
 *   f   2    2   null            1
 */
const FIXED: readonly Candidate[] = [
  cand('f', 2, 2, null, 1),
  cand('c', 1, 3, 500, 2),
  cand('a', 1, 1, 1000, 5),
  cand('e', 2, 1, 100, 9),
  cand('d', 1, 4, 3000, 0),
  cand('b', 1, 2, null, 2),
];

function policy(strategy: Strategy, overrides: Partial<HuntPolicy> = {}): HuntPolicy {
  return { strategy, ringTimeoutSeconds: 20, progressiveStepSeconds: 10, maxHuntSeconds: 600, ...overrides };
}

/** A `random` that replays fixed values (then repeats the last), for exact RANDOM expectations. */
function scripted(...values: number[]): () => number {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)] ?? 0;
}

/** Plays a whole unanswered hunt: every step rings its full timeout, offered and elapsed fed back. */
function hunt(
  p: HuntPolicy,
  candidates: readonly Candidate[],
  opts: { roundRobinLast?: string | null; random?: () => number; elapsedSeconds?: number; offered?: string[] } = {},
): HuntStep[] {
  const random = opts.random ?? seededRandom(1);
  const offered = [...(opts.offered ?? [])];
  let elapsed = opts.elapsedSeconds ?? 0;
  const steps: HuntStep[] = [];
  for (let guard = 0; guard < 1000; guard++) {
    const state: HuntState = { offered: [...offered], elapsedSeconds: elapsed, roundRobinLast: opts.roundRobinLast ?? null };
    const step = nextHuntStep(p, candidates, state, random);
    if (!step) return steps;
    steps.push(step);
    for (const t of step.targets) if (!offered.includes(t)) offered.push(t);
    elapsed += step.timeoutSeconds;
  }
  throw new Error('hunt did not terminate');
}

const targetsOf = (steps: HuntStep[]): string[][] => steps.map((s) => s.targets);
const ids = (cs: readonly Candidate[]): string[] => cs.map((c) => c.agentId);

// ---------------------------------------------------------------------------------------------
// Full hunt sequences, one row per strategy
// ---------------------------------------------------------------------------------------------

describe('nextHuntStep: the full hunt on a fixed candidate set', () => {
  const cases: Array<{
    name: string;
    strategy: Strategy;
    rule: string;
    roundRobinLast?: string | null;
    random?: () => number;
    expected: Array<[string[], number, number]>;
  }> = [
    {
      // mod_callcenter ring-all: `level, position`, every eligible agent at once; next level after.
      name: 'RING_ALL',
      strategy: 'RING_ALL',
      rule: 'tier by tier, everyone at once',
      expected: [
        [['a', 'b', 'c', 'd'], 20, 1],
        [['e', 'f'], 20, 2],
      ],
    },
    {
      // mod_callcenter sequentially-by-agent-order: `level, position`; Asterisk linear.
      name: 'SEQUENTIAL',
      strategy: 'SEQUENTIAL',
      rule: 'by position',
      expected: [
        [['a'], 20, 1],
        [['b'], 20, 1],
        [['c'], 20, 1],
        [['d'], 20, 1],
        [['e'], 20, 2],
        [['f'], 20, 2],
      ],
    },
    {
      // mod_callcenter longest-idle-agent: `level, last_bridge_end, position` (never-called first);
      // TaskRouter default "longest unoccupied"; Aircall longest idle time.
      name: 'LONGEST_IDLE',
      strategy: 'LONGEST_IDLE',
      rule: 'null first, then oldest lastCallEndedAt',
      expected: [
        [['b'], 20, 1], // null
        [['c'], 20, 1], // 500
        [['a'], 20, 1], // 1000
        [['d'], 20, 1], // 3000
        [['f'], 20, 2], // null
        [['e'], 20, 2], // 100
      ],
    },
    {
      // mod_callcenter agent-with-fewest-calls: `level, calls_answered, position`; Asterisk fewestcalls.
      name: 'FEWEST_CALLS',
      strategy: 'FEWEST_CALLS',
      rule: 'fewest callsToday, ties by position',
      expected: [
        [['d'], 20, 1], // 0
        [['b'], 20, 1], // 2, position 2
        [['c'], 20, 1], // 2, position 3
        [['a'], 20, 1], // 5
        [['f'], 20, 2], // 1
        [['e'], 20, 2], // 9
      ],
    },
    {
      // Asterisk rrmemory / mod_callcenter round-robin: agents after the last one first, then wrap.
      name: 'ROUND_ROBIN after b',
      strategy: 'ROUND_ROBIN',
      rule: 'rotate after roundRobinLast in the tier; b is not in tier 2 so tier 2 starts at its first',
      roundRobinLast: 'b',
      expected: [
        [['c'], 20, 1],
        [['d'], 20, 1],
        [['a'], 20, 1],
        [['b'], 20, 1],
        [['e'], 20, 2],
        [['f'], 20, 2],
      ],
    },
    {
      name: 'ROUND_ROBIN after e (tier 2 rotates, tier 1 starts at its first)',
      strategy: 'ROUND_ROBIN',
      rule: 'rotation is tier-local',
      roundRobinLast: 'e',
      expected: [
        [['a'], 20, 1],
        [['b'], 20, 1],
        [['c'], 20, 1],
        [['d'], 20, 1],
        [['f'], 20, 2],
        [['e'], 20, 2],
      ],
    },
    {
      // mod_callcenter ring-progressively: `level, position`, one more agent every delay while the
      // earlier ones keep ringing; the step where the whole tier rings gets the full ring timeout.
      name: 'PROGRESSIVE',
      strategy: 'PROGRESSIVE',
      rule: 'step k rings the first k by position',
      expected: [
        [['a'], 10, 1],
        [['a', 'b'], 10, 1],
        [['a', 'b', 'c'], 10, 1],
        [['a', 'b', 'c', 'd'], 20, 1],
        [['e'], 10, 2],
        [['e', 'f'], 20, 2],
      ],
    },
    {
      // mod_callcenter random: `level, random()`. One draw per step over the un-offered of the tier
      // listed by position: 0.99 picks the last, 0 the first, 0.5 the middle.
      name: 'RANDOM (scripted draws)',
      strategy: 'RANDOM',
      rule: 'index = floor(r × remaining)',
      random: scripted(0.99, 0, 0.5, 0.3, 0.7),
      expected: [
        [['d'], 20, 1], // [a b c d] × 0.99 → d
        [['a'], 20, 1], // [a b c] × 0 → a
        [['c'], 20, 1], // [b c] × 0.5 → c
        [['b'], 20, 1], // only b left: no draw
        [['e'], 20, 2], // [e f] × 0.3 → e
        [['f'], 20, 2], // only f left: no draw
      ],
    },
  ];
  it.each(cases)('$name: $rule', ({ strategy, roundRobinLast, random, expected }) => {
    const steps = hunt(policy(strategy), FIXED, { roundRobinLast: roundRobinLast ?? null, random: random ?? seededRandom(7) });
    expect(steps.map((s) => [s.targets, s.timeoutSeconds, s.tier])).toEqual(expected);
  });

  it.each(STRATEGIES)('%s: returns null once every candidate was offered, and for an empty candidate list', (strategy) => {
    const state: HuntState = { offered: ['a', 'b', 'c', 'd', 'e', 'f'], elapsedSeconds: 0, roundRobinLast: null };
    expect(nextHuntStep(policy(strategy), FIXED, state, seededRandom(1))).toBeNull();
    expect(nextHuntStep(policy(strategy), [], { offered: [], elapsedSeconds: 0, roundRobinLast: null }, seededRandom(1))).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// orderCandidates
// ---------------------------------------------------------------------------------------------

describe('orderCandidates', () => {
  const ctx = { roundRobinLast: null, random: seededRandom(3) };

  it.each<[Strategy, string | null, string[]]>([
    ['RING_ALL', null, ['a', 'b', 'c', 'd', 'e', 'f']],
    ['SEQUENTIAL', null, ['a', 'b', 'c', 'd', 'e', 'f']],
    ['PROGRESSIVE', null, ['a', 'b', 'c', 'd', 'e', 'f']],
    ['LONGEST_IDLE', null, ['b', 'c', 'a', 'd', 'f', 'e']],
    ['FEWEST_CALLS', null, ['d', 'b', 'c', 'a', 'f', 'e']],
    ['ROUND_ROBIN', null, ['a', 'b', 'c', 'd', 'e', 'f']],
    ['ROUND_ROBIN', 'c', ['d', 'a', 'b', 'c', 'e', 'f']],
    ['ROUND_ROBIN', 'd', ['a', 'b', 'c', 'd', 'e', 'f']], // last of the tier: wraps to the first
    ['ROUND_ROBIN', 'f', ['a', 'b', 'c', 'd', 'e', 'f']], // f is last of tier 2: wraps to e
    ['ROUND_ROBIN', 'ghost', ['a', 'b', 'c', 'd', 'e', 'f']],
  ])('%s (roundRobinLast %s) → %j', (strategy, roundRobinLast, expected) => {
    expect(ids(orderCandidates(strategy, FIXED, { ...ctx, roundRobinLast }))).toEqual(expected);
  });

  it('breaks ties by position, then agentId (code-unit order), inside every strategy', () => {
    // Same tier, same metrics everywhere: only position then agentId can decide.
    const tied = [cand('z', 1, 2, 100, 1), cand('y', 1, 1, 100, 1), cand('B', 1, 2, 100, 1), cand('a', 1, 2, 100, 1)];
    for (const strategy of STRATEGIES.filter((s) => s !== 'RANDOM')) {
      expect(ids(orderCandidates(strategy, tied, ctx)), strategy).toEqual(['y', 'B', 'a', 'z']);
    }
    // LONGEST_IDLE: two never-called agents tie → position.
    const idle = [cand('p2', 1, 2, null, 0), cand('p1', 1, 1, null, 0), cand('old', 1, 0, 5, 0)];
    expect(ids(orderCandidates('LONGEST_IDLE', idle, ctx))).toEqual(['p1', 'p2', 'old']);
  });

  it('keeps the tier as the primary key: a better metric in tier 2 never jumps tier 1 (penalty dominates)', () => {
    const cs = [cand('t2-best', 2, 1, null, 0), cand('t1-worst', 1, 9, 999_999, 99), cand('t3', 3, 1, null, 0)];
    for (const strategy of STRATEGIES) {
      expect(ids(orderCandidates(strategy, cs, { roundRobinLast: null, random: seededRandom(5) })), strategy).toEqual([
        't1-worst',
        't2-best',
        't3',
      ]);
    }
  });

  it('RANDOM is a permutation inside each tier and reproducible from the seed', () => {
    const a = ids(orderCandidates('RANDOM', FIXED, { roundRobinLast: null, random: seededRandom(42) }));
    const b = ids(orderCandidates('RANDOM', FIXED, { roundRobinLast: null, random: seededRandom(42) }));
    expect(a).toEqual(b);
    expect([...a.slice(0, 4)].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect([...a.slice(4)].sort()).toEqual(['e', 'f']);
  });

  it('keeps one entry per agentId (lowest tier/position wins)', () => {
    const dup = [cand('x', 2, 1, null, 0), cand('x', 1, 5, null, 0), cand('y', 1, 1, null, 0)];
    const out = orderCandidates('SEQUENTIAL', dup, ctx);
    expect(out.map((c) => [c.agentId, c.tier, c.position])).toEqual([
      ['y', 1, 1],
      ['x', 1, 5],
    ]);
    expect(hunt(policy('RING_ALL'), dup).map((s) => s.targets)).toEqual([['y', 'x']]);
  });
});

// ---------------------------------------------------------------------------------------------
// Tiers, no double offers, end of hunt
// ---------------------------------------------------------------------------------------------

describe('tiers and offers', () => {
  // Three tiers, interleaved in the input; metrics chosen so that the "best" agent by every metric
  // sits in tier 3 and the worst in tier 1.
  const THREE: readonly Candidate[] = [
    cand('t3a', 3, 1, null, 0),
    cand('t1a', 1, 2, 9000, 7),
    cand('t2a', 2, 1, 10, 1),
    cand('t1b', 1, 1, 8000, 6),
    cand('t3b', 3, 2, null, 0),
    cand('t2b', 2, 2, null, 0),
  ];
  const TIER = new Map(THREE.map((c) => [c.agentId, c.tier]));

  it.each(STRATEGIES)('%s: exhausts tier 1, then tier 2, then tier 3, then null', (strategy) => {
    const steps = hunt(policy(strategy), THREE, { random: seededRandom(11), roundRobinLast: 't3a' });
    // Every step rings one tier only, and that tier is the step's `tier`.
    for (const s of steps) for (const t of s.targets) expect(TIER.get(t)).toBe(s.tier);
    // Tiers never go back down.
    const tiers = steps.map((s) => s.tier);
    expect(tiers).toEqual([...tiers].sort((x, y) => x - y));
    // The first step of tier k+1 comes only after every agent of tier k was offered.
    const offeredBefore = new Set<string>();
    for (const s of steps) {
      for (const c of THREE) if (c.tier < s.tier) expect(offeredBefore.has(c.agentId), `${c.agentId} before tier ${s.tier}`).toBe(true);
      for (const t of s.targets) offeredBefore.add(t);
    }
    expect(offeredBefore).toEqual(new Set(TIER.keys()));
  });

  it.each(STRATEGIES.filter((s) => s !== 'PROGRESSIVE'))('%s: never offers an agent twice in one call', (strategy) => {
    const all = hunt(policy(strategy), THREE, { random: seededRandom(12) }).flatMap((s) => s.targets);
    expect(all.length).toBe(new Set(all).size);
    expect(all.length).toBe(THREE.length);
  });

  it('PROGRESSIVE re-rings only the agents it added, each step a superset of the previous one in the tier', () => {
    const steps = hunt(policy('PROGRESSIVE'), THREE);
    expect(targetsOf(steps)).toEqual([['t1b'], ['t1b', 't1a'], ['t2a'], ['t2a', 't2b'], ['t3a'], ['t3a', 't3b']]);
    for (let i = 1; i < steps.length; i++) {
      const prev = steps[i - 1]!;
      const cur = steps[i]!;
      if (prev.tier === cur.tier) {
        expect(cur.targets.slice(0, prev.targets.length)).toEqual(prev.targets);
        expect(cur.targets.length).toBe(prev.targets.length + 1);
      }
    }
  });

  it.each(STRATEGIES)('%s: resumes from a given `offered` without re-offering, ignoring unknown ids', (strategy) => {
    const steps = hunt(policy(strategy), FIXED, { offered: ['a', 'd', 'e', 'gone-offline'], random: seededRandom(2) });
    const rung = steps.flatMap((s) => s.targets);
    if (strategy === 'PROGRESSIVE') {
      // The added ones keep ringing; the next by position (b) joins them.
      expect(steps[0]!.targets).toEqual(['a', 'b', 'd']);
    } else {
      expect(rung.filter((t) => ['a', 'd', 'e'].includes(t))).toEqual([]);
    }
    expect(new Set(rung)).toEqual(new Set(strategy === 'PROGRESSIVE' ? ['a', 'b', 'c', 'd', 'e', 'f'] : ['b', 'c', 'f']));
    expect(rung).not.toContain('gone-offline');
  });

  it('an agent that became unroutable mid-call (gone from candidates) is not rung again, even by PROGRESSIVE', () => {
    const without = FIXED.filter((c) => c.agentId !== 'a');
    const step = nextHuntStep(
      policy('PROGRESSIVE'),
      without,
      { offered: ['a', 'b'], elapsedSeconds: 20, roundRobinLast: null },
      seededRandom(1),
    );
    expect(step).toEqual({ targets: ['b', 'c'], timeoutSeconds: 10, tier: 1 });
  });

  it('a single-agent tier in PROGRESSIVE rings with the full ring timeout at once', () => {
    const cs = [cand('solo', 1, 1, null, 0), cand('x', 2, 1, null, 0), cand('y', 2, 2, null, 0)];
    expect(hunt(policy('PROGRESSIVE'), cs).map((s) => [s.targets, s.timeoutSeconds])).toEqual([
      [['solo'], 20],
      [['x'], 10],
      [['x', 'y'], 20],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// maxHuntSeconds and the 5 s minimum
// ---------------------------------------------------------------------------------------------

describe('maxHuntSeconds', () => {
  it.each<[string, HuntPolicy, Array<[string[], number]>]>([
    [
      'cuts the last step to what remains',
      policy('SEQUENTIAL', { ringTimeoutSeconds: 25, maxHuntSeconds: 60 }),
      [
        [['a'], 25],
        [['b'], 25],
        [['c'], 10],
      ],
    ],
    [
      'exactly 5 s left still rings',
      policy('SEQUENTIAL', { ringTimeoutSeconds: 25, maxHuntSeconds: 55 }),
      [
        [['a'], 25],
        [['b'], 25],
        [['c'], 5],
      ],
    ],
    [
      'fewer than 5 s left ends the hunt (Telnyx Dial minimum)',
      policy('SEQUENTIAL', { ringTimeoutSeconds: 25, maxHuntSeconds: 54 }),
      [
        [['a'], 25],
        [['b'], 25],
      ],
    ],
    [
      'RING_ALL tier 2 is cut',
      policy('RING_ALL', { ringTimeoutSeconds: 30, maxHuntSeconds: 45 }),
      [
        [['a', 'b', 'c', 'd'], 30],
        [['e', 'f'], 15],
      ],
    ],
    [
      'PROGRESSIVE final step is cut',
      policy('PROGRESSIVE', { ringTimeoutSeconds: 60, progressiveStepSeconds: 10, maxHuntSeconds: 70 }),
      [
        [['a'], 10],
        [['a', 'b'], 10],
        [['a', 'b', 'c'], 10],
        [['a', 'b', 'c', 'd'], 40],
      ],
    ],
    ['a budget below 5 s rings nothing', policy('RING_ALL', { maxHuntSeconds: 4 }), []],
  ])('%s', (_name, p, expected) => {
    expect(hunt(p, FIXED).map((s) => [s.targets, s.timeoutSeconds])).toEqual(expected);
  });

  it.each<[number, number, number | null]>([
    // [maxHuntSeconds, elapsedSeconds, expected timeout]
    [60, 40, 20],
    [60, 50, 10],
    [60, 54.5, 5], // 5.5 s remain → 5 (rounded down so the hunt never overruns)
    [60, 55, 5],
    [60, 55.1, null], // 4.9 s remain: fewer than 5
    [60, 59, null],
    [60, 60, null],
    [60, 75, null], // already over
    [600, 0, 20],
  ])('max %d s, elapsed %d s → %s', (maxHuntSeconds, elapsedSeconds, expected) => {
    for (const strategy of STRATEGIES) {
      const step = nextHuntStep(
        policy(strategy, { ringTimeoutSeconds: 20, progressiveStepSeconds: 20, maxHuntSeconds }),
        FIXED,
        { offered: [], elapsedSeconds, roundRobinLast: null },
        seededRandom(1),
      );
      expect(step?.timeoutSeconds ?? null, strategy).toBe(expected);
    }
  });

  it('rounds a fractional configured step and keeps it inside [5, 120]', () => {
    const state: HuntState = { offered: [], elapsedSeconds: 0, roundRobinLast: null };
    expect(nextHuntStep(policy('SEQUENTIAL', { ringTimeoutSeconds: 20.4 }), FIXED, state, Math.random)?.timeoutSeconds).toBe(20);
    expect(nextHuntStep(policy('SEQUENTIAL', { ringTimeoutSeconds: 2 }), FIXED, state, Math.random)?.timeoutSeconds).toBe(5);
    expect(nextHuntStep(policy('SEQUENTIAL', { ringTimeoutSeconds: 500 }), FIXED, state, Math.random)?.timeoutSeconds).toBe(120);
  });
});

// ---------------------------------------------------------------------------------------------
// ROUND_ROBIN across calls
// ---------------------------------------------------------------------------------------------

describe('ROUND_ROBIN', () => {
  const firstOf = (roundRobinLast: string | null, cs: readonly Candidate[] = FIXED): string | undefined =>
    nextHuntStep(policy('ROUND_ROBIN'), cs, { offered: [], elapsedSeconds: 0, roundRobinLast }, seededRandom(1))?.targets[0];

  it.each<[string | null, string]>([
    ['a', 'b'],
    ['c', 'd'],
    ['d', 'a'], // wraps
    [null, 'a'],
    ['ghost', 'a'], // not a candidate → first by position
    ['e', 'a'], // a tier-2 agent does not rotate tier 1
  ])('after %s the call starts at %s', (last, expected) => {
    expect(firstOf(last)).toBe(expected);
  });

  it('consecutive calls (roundRobinLast = first target of the previous call) start at consecutive agents and wrap', () => {
    let last: string | null = null;
    const firsts: string[] = [];
    for (let call = 0; call < 9; call++) {
      const first: string = firstOf(last)!;
      firsts.push(first);
      last = first;
    }
    expect(firsts).toEqual(['a', 'b', 'c', 'd', 'a', 'b', 'c', 'd', 'a']);
  });

  it('gives the same hunt whether the caller persists roundRobinLast before or after the call', () => {
    // Caller A keeps the previous call's value for the whole hunt; caller B stores this call's first
    // target as soon as it is rung. The rotation must not depend on that choice.
    const kept = targetsOf(hunt(policy('ROUND_ROBIN'), FIXED, { roundRobinLast: 'b' }));
    const offered: string[] = [];
    let last: string | null = 'b';
    const updated: string[][] = [];
    for (;;) {
      const step = nextHuntStep(
        policy('ROUND_ROBIN'),
        FIXED,
        { offered: [...offered], elapsedSeconds: 0, roundRobinLast: last },
        seededRandom(1),
      );
      if (!step) break;
      updated.push(step.targets);
      if (offered.length === 0) last = step.targets[0]!;
      offered.push(...step.targets);
    }
    expect(updated).toEqual(kept);
  });

  it('when the remembered agent went offline, the next call starts from the top', () => {
    const withoutB = FIXED.filter((c) => c.agentId !== 'b');
    expect(firstOf('b', withoutB)).toBe('a');
  });
});

// ---------------------------------------------------------------------------------------------
// RANDOM fairness
// ---------------------------------------------------------------------------------------------

describe('RANDOM', () => {
  const FOUR = FIXED.filter((c) => c.tier === 1);

  it('puts every candidate first with roughly equal frequency, and never repeats within a call', () => {
    const runs = 4000;
    const counts = new Map<string, number>(FOUR.map((c) => [c.agentId, 0]));
    const random = seededRandom(20240901);
    for (let i = 0; i < runs; i++) {
      const steps = hunt(policy('RANDOM'), FOUR, { random });
      const rung = steps.flatMap((s) => s.targets);
      expect(rung.length).toBe(4);
      expect(new Set(rung).size).toBe(4);
      const first = rung[0]!;
      counts.set(first, (counts.get(first) ?? 0) + 1);
    }
    const expected = runs / FOUR.length;
    const chi2 = [...counts.values()].reduce((acc, n) => acc + (n - expected) ** 2 / expected, 0);
    // 3 degrees of freedom: P(χ² > 16.27) = 0.001. Loose on purpose; a biased pick blows far past it.
    expect(chi2).toBeLessThan(16.27);
    for (const n of counts.values()) expect(n).toBeGreaterThan(expected * 0.85);
  });

  it('every un-offered agent is equally likely at a later step too', () => {
    // After a and b were offered, c and d should each be picked about half the time.
    const random = seededRandom(99);
    let c = 0;
    const runs = 2000;
    for (let i = 0; i < runs; i++) {
      const step = nextHuntStep(policy('RANDOM'), FOUR, { offered: ['a', 'b'], elapsedSeconds: 0, roundRobinLast: null }, random)!;
      expect(['c', 'd']).toContain(step.targets[0]);
      if (step.targets[0] === 'c') c++;
    }
    expect(Math.abs(c - runs / 2)).toBeLessThan(4 * Math.sqrt(runs / 4)); // within 4σ
  });

  it('is deterministic for a given random, and robust to a PRNG returning exactly 1', () => {
    expect(targetsOf(hunt(policy('RANDOM'), FIXED, { random: seededRandom(5) }))).toEqual(
      targetsOf(hunt(policy('RANDOM'), FIXED, { random: seededRandom(5) })),
    );
    expect(targetsOf(hunt(policy('RANDOM'), FIXED, { random: () => 1 }))).toEqual([['d'], ['c'], ['b'], ['a'], ['f'], ['e']]);
  });

  it('no strategy other than RANDOM consumes the random source', () => {
    let calls = 0;
    const counting = () => {
      calls++;
      return 0.5;
    };
    for (const strategy of STRATEGIES.filter((s) => s !== 'RANDOM')) {
      hunt(policy(strategy), FIXED, { random: counting });
      orderCandidates(strategy, FIXED, { roundRobinLast: 'b', random: counting });
    }
    expect(calls).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Purity
// ---------------------------------------------------------------------------------------------

describe('purity', () => {
  it.each(STRATEGIES)('%s: never mutates candidates, state or policy', (strategy) => {
    const deepFreeze = <T>(x: T): T => {
      if (x && typeof x === 'object') {
        for (const v of Object.values(x)) deepFreeze(v);
        Object.freeze(x);
      }
      return x;
    };
    const cs = deepFreeze(structuredClone([...FIXED]));
    const p = deepFreeze(policy(strategy));
    const state = deepFreeze<HuntState>({ offered: ['a'], elapsedSeconds: 10, roundRobinLast: 'c' });
    const snapshot = structuredClone({ cs, p, state });
    expect(() => nextHuntStep(p, cs, state, seededRandom(1))).not.toThrow();
    expect(() => orderCandidates(strategy, cs, { roundRobinLast: 'c', random: seededRandom(1) })).not.toThrow();
    expect({ cs, p, state }).toEqual(snapshot);
    // The returned arrays are fresh: changing them does not touch the input.
    const ordered = orderCandidates(strategy, cs, { roundRobinLast: null, random: seededRandom(1) });
    ordered.reverse();
    expect(ids(cs)).toEqual(ids(FIXED));
  });
});

// ---------------------------------------------------------------------------------------------
// Property loop
// ---------------------------------------------------------------------------------------------

describe('property: random candidate sets and policies', () => {
  const random = seededRandom(0xc0ffee);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;

  function randomCandidates(): Candidate[] {
    const n = int(0, 9);
    const out: Candidate[] = [];
    for (let i = 0; i < n; i++) {
      // Small ranges so that ties on tier, position, idle time and calls are common.
      out.push(cand(`ag${int(0, 99)}-${i}`, int(1, 3), int(1, 4), random() < 0.25 ? null : int(0, 5) * 1000, int(0, 3)));
    }
    return out;
  }

  const ITERATIONS = 3000;

  it.each(STRATEGIES)(`%s: ${ITERATIONS} random hunts keep every invariant`, (strategy) => {
    for (let iter = 0; iter < ITERATIONS; iter++) {
      const cs = randomCandidates();
      const p: HuntPolicy = {
        strategy,
        ringTimeoutSeconds: int(5, 120),
        progressiveStepSeconds: int(5, 120),
        maxHuntSeconds: pick([int(0, 30), int(5, 200), int(60, 1200)]),
      };
      const roundRobinLast = cs.length > 0 && random() < 0.7 ? pick(cs).agentId : pick([null, 'ghost']);
      const huntRandom = seededRandom(iter);
      const steps = hunt(p, cs, { roundRobinLast, random: huntRandom });
      const label = JSON.stringify({ iter, p, cs, roundRobinLast });

      const all = new Set(cs.map((c) => c.agentId));
      const tierOf = new Map<string, number>();
      for (const c of cs) tierOf.set(c.agentId, Math.min(c.tier, tierOf.get(c.agentId) ?? Infinity));

      // Timeouts within [5, 120] and their sum within the budget.
      let sum = 0;
      for (const s of steps) {
        expect(s.timeoutSeconds, label).toBeGreaterThanOrEqual(5);
        expect(s.timeoutSeconds, label).toBeLessThanOrEqual(120);
        expect(Number.isInteger(s.timeoutSeconds), label).toBe(true);
        expect(s.targets.length, label).toBeGreaterThan(0);
        sum += s.timeoutSeconds;
      }
      expect(sum, label).toBeLessThanOrEqual(p.maxHuntSeconds);

      // Tiers non-decreasing, and each step rings only its own tier.
      for (let i = 0; i < steps.length; i++) {
        const s = steps[i]!;
        if (i > 0) expect(s.tier, label).toBeGreaterThanOrEqual(steps[i - 1]!.tier);
        for (const t of s.targets) expect(tierOf.get(t), label).toBe(s.tier);
        expect(new Set(s.targets).size, label).toBe(s.targets.length);
      }

      // The agents newly offered by each step, in order.
      const seen = new Set<string>();
      const newly: string[] = [];
      for (const s of steps) {
        const fresh = s.targets.filter((t) => !seen.has(t));
        expect(fresh.length, label).toBeGreaterThan(0); // every step offers someone new
        if (strategy !== 'PROGRESSIVE')
          expect(fresh, label).toEqual(s.targets); // nobody twice
        else {
          expect(fresh.length, label).toBe(1); // one more agent per step
          // …and keeps ringing exactly the ones already added in this tier.
          const keep = s.targets.filter((t) => seen.has(t));
          expect(new Set(keep), label).toEqual(new Set([...seen].filter((t) => tierOf.get(t) === s.tier)));
        }
        for (const t of fresh) {
          seen.add(t);
          newly.push(t);
        }
      }

      // Union = the candidate set, or the hunt was cut by maxHuntSeconds (< 5 s left).
      if (seen.size < all.size) expect(p.maxHuntSeconds - sum, label).toBeLessThan(5);
      else expect(seen, label).toEqual(all);

      // Deterministic strategies offer a prefix of orderCandidates' order.
      if (strategy !== 'RANDOM') {
        const order = ids(orderCandidates(strategy, cs, { roundRobinLast, random: () => 0 }));
        expect(newly, label).toEqual(order.slice(0, newly.length));
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// maxTargets (MAX_DIAL_TARGETS): each <Sip> is a dial against Telnyx's dials-per-second limit
// (developers.telnyx.com/docs/voice/programmable-voice/dials-per-second-limit)
// ---------------------------------------------------------------------------------------------

describe('maxTargets: the most agents one step rings', () => {
  const TWELVE: readonly Candidate[] = Array.from({ length: 12 }, (_, i) => cand(`a${String(i + 1).padStart(2, '0')}`, 1, i + 1, null, 0));

  it('RING_ALL rings the first `maxTargets` by position, then the rest in the next steps, each agent once', () => {
    const steps = hunt(policy('RING_ALL', { maxTargets: 5 }), TWELVE);
    expect(targetsOf(steps)).toEqual([ids(TWELVE.slice(0, 5)), ids(TWELVE.slice(5, 10)), ids(TWELVE.slice(10))]);
    expect(steps.map((s) => s.heldBack)).toEqual([ids(TWELVE.slice(5)), ids(TWELVE.slice(10)), undefined]);
    expect(steps.every((s) => s.timeoutSeconds === 20)).toBe(true);
  });

  it('RING_ALL within the cap is unchanged (no heldBack)', () => {
    expect(hunt(policy('RING_ALL', { maxTargets: 12 }), TWELVE)).toEqual(hunt(policy('RING_ALL'), TWELVE));
    expect(hunt(policy('RING_ALL', { maxTargets: 12 }), TWELVE)[0]).toEqual({ targets: ids(TWELVE), timeoutSeconds: 20, tier: 1 });
  });

  it('RING_ALL caps each tier on its own: tier 2 waits until every agent of tier 1 was offered', () => {
    expect(targetsOf(hunt(policy('RING_ALL', { maxTargets: 3 }), FIXED))).toEqual([['a', 'b', 'c'], ['d'], ['e', 'f']]);
  });

  it('PROGRESSIVE past the cap keeps the newest agents ringing and stops the earliest', () => {
    const steps = hunt(policy('PROGRESSIVE', { maxTargets: 3 }), FIXED);
    expect(targetsOf(steps)).toEqual([['a'], ['a', 'b'], ['a', 'b', 'c'], ['b', 'c', 'd'], ['e'], ['e', 'f']]);
    expect(steps[3]!.heldBack).toEqual(['a']);
    // The step that adds the tier's last agent rings the full ring timeout, as without a cap.
    expect(steps.map((s) => s.timeoutSeconds)).toEqual([10, 10, 10, 20, 10, 20]);
  });

  it('PROGRESSIVE with a cap of 1 rings only the agent it adds', () => {
    expect(targetsOf(hunt(policy('PROGRESSIVE', { maxTargets: 1 }), FIXED))).toEqual([['a'], ['b'], ['c'], ['d'], ['e'], ['f']]);
  });

  it.each(STRATEGIES.filter((s) => s !== 'RING_ALL' && s !== 'PROGRESSIVE'))(
    '%s rings one agent a step: the cap changes nothing',
    (strategy) => {
      const opts = { roundRobinLast: 'b', random: seededRandom(5) };
      const capped = hunt(policy(strategy, { maxTargets: 1 }), FIXED, opts);
      expect(capped).toEqual(hunt(policy(strategy), FIXED, { ...opts, random: seededRandom(5) }));
    },
  );

  it.each<[number | undefined, number]>([
    [undefined, 12],
    [Number.NaN, 12],
    [Number.POSITIVE_INFINITY, 12],
    [0, 1],
    [-3, 1],
    [2.9, 2],
  ])('maxTargets %s rings %i at once (unset or not a number: no cap; at least 1; whole)', (maxTargets, first) => {
    const step = nextHuntStep(
      policy('RING_ALL', { maxTargets }),
      TWELVE,
      { offered: [], elapsedSeconds: 0, roundRobinLast: null },
      () => 0,
    );
    expect(step!.targets).toHaveLength(first);
  });

  it('property: no step rings more than the cap, nobody is dropped from the hunt, and heldBack never rings', () => {
    const random = seededRandom(0xd1a1);
    const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
    for (let iter = 0; iter < 1500; iter++) {
      const strategy = STRATEGIES[int(0, STRATEGIES.length - 1)]!;
      const cs = Array.from({ length: int(0, 14) }, (_, i) => cand(`x${i}`, int(1, 3), int(1, 5), null, int(0, 3)));
      const cap = int(1, 5);
      const p = policy(strategy, { maxTargets: cap, maxHuntSeconds: 100_000 });
      const steps = hunt(p, cs, { random: seededRandom(iter) });
      const label = JSON.stringify({ iter, strategy, cap, cs });
      for (const s of steps) {
        expect(s.targets.length, label).toBeLessThanOrEqual(cap);
        for (const h of s.heldBack ?? []) expect(s.targets, label).not.toContain(h);
      }
      // With time enough, every candidate is offered (the cap splits steps, it never drops an agent).
      expect(new Set(steps.flatMap((s) => s.targets)), label).toEqual(new Set(cs.map((c) => c.agentId)));
    }
  });
});
