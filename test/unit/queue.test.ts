/**
 * The queue's pure core (src/domain/queue.ts): serving order, positions, who may be offered whom, the
 * offer plan, whether a call waits, overflow, the estimate and its words, and the callback's states.
 * Every time is fixed (NOW), nothing reads a clock.
 */
import { describe, expect, it } from 'vitest';
import {
  ableAgentCount,
  announcement,
  type CallbackEvent,
  callbackConfirmation,
  callbackIntro,
  callbackStep,
  canRequestCallback,
  canTake,
  compareWaiting,
  DEFAULT_HANDLE_SECONDS,
  estimateWaitSeconds,
  inLine,
  MISSED_OFFER_COOLDOWN_SECONDS,
  offered,
  offerMissed,
  overflowDue,
  planOffers,
  policyForQueue,
  positionOf,
  type QueueAgent,
  type QueueDecisionInput,
  type QueuePolicy,
  queueDecision,
  remainingWaitSeconds,
  spokenLanguage,
  updateHandleAverage,
  type WaitingCaller,
  type WaitingState,
} from '../../src/domain/queue.js';
import type { AgentSnapshot, RoutingPolicy } from '../../src/domain/routing.js';
import { hasSkill, parseSkillExpression, type SkillExpression } from '../../src/domain/skills.js';
import { AGENT_DEFAULTS, POLICY_DEFAULTS } from '../support/fixtures.js';
import { seededRandom } from '../support/random.js';

const NOW = 1_700_000_000_000;
const SECOND = 1000;
const ALL_STATES: WaitingState[] = ['WAITING', 'OFFERED', 'CALLBACK_WAITING', 'CALLBACK_OFFERED', 'CALLBACK_DIALING'];

function skills(text: string): SkillExpression {
  const parsed = parseSkillExpression(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.expression;
}

function queue(overrides: Partial<QueuePolicy> = {}): QueuePolicy {
  return {
    id: 'q-sales',
    name: 'Sales',
    isDefault: true,
    requiredSkills: null,
    routing: {},
    waitEnabled: true,
    maxWaitSeconds: 600,
    maxSize: 10,
    overflow: { kind: 'VOICEMAIL' },
    holdMusicUrl: null,
    announceEverySeconds: 30,
    waitForAgents: false,
    serviceLevelSeconds: 20,
    callbackEnabled: true,
    callbackRetries: 2,
    callbackRetryDelaySeconds: 120,
    recording: 'ON_DEMAND',
    ...overrides,
  };
}

/** A caller waiting since NOW - 60 s in q-sales, no requirement. */
function caller(callSid: string, overrides: Partial<WaitingCaller> = {}): WaitingCaller {
  return {
    callSid,
    companyId: 'acme',
    queueId: 'q-sales',
    from: '+13055550100',
    to: '+13055550199',
    enqueuedAt: NOW - 60 * SECOND,
    priority: 0,
    requiredSkills: null,
    language: null,
    speechLanguage: 'en-US',
    state: 'WAITING',
    offeredTo: null,
    offeredAt: null,
    missed: [],
    callback: null,
    ...overrides,
  };
}

function callbackCaller(callSid: string, overrides: Partial<WaitingCaller> = {}, attempts = 0, nextAttemptAt = NOW): WaitingCaller {
  return caller(callSid, {
    state: 'CALLBACK_WAITING',
    callback: { number: '+13055550100', attempts, nextAttemptAt, agentCallSid: null },
    ...overrides,
  });
}

const agentOf = (id: string, agentSkills: Record<string, number> = {}): QueueAgent => ({ id, skills: agentSkills });

/** An agent logged in and able, but busy (the reason a caller waits). */
function snapshot(id: string, overrides: Partial<AgentSnapshot> = {}): AgentSnapshot {
  return {
    id,
    displayName: `Agent ${id}`,
    sipUsername: `sip_${id}`,
    enabled: true,
    status: 'AVAILABLE',
    statusReason: null,
    liveness: { sipRegistered: true, onCall: true },
    ...AGENT_DEFAULTS,
    ...overrides,
  };
}

function unwrap<T extends { ok: boolean }>(result: T): Extract<T, { ok: true }> {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result as Extract<T, { ok: true }>;
}

// ---------------------------------------------------------------------------------------------------

describe('compareWaiting: priority, then arrival, then call SID', () => {
  it('serves higher priority first, even when it arrived later', () => {
    const vip = caller('b', { priority: 5, enqueuedAt: NOW });
    const early = caller('a', { priority: 0, enqueuedAt: NOW - 3600 * SECOND });
    expect([early, vip].sort(compareWaiting).map((c) => c.callSid)).toEqual(['b', 'a']);
  });

  it('serves the earlier arrival first within a priority', () => {
    const late = caller('a', { enqueuedAt: NOW });
    const early = caller('b', { enqueuedAt: NOW - SECOND });
    expect([late, early].sort(compareWaiting).map((c) => c.callSid)).toEqual(['b', 'a']);
  });

  it('breaks a full tie by call SID, in code-unit order', () => {
    const sids = ['v3:b', 'v3:B', 'v3:a', 'v3:ä'];
    expect(
      sids
        .map((s) => caller(s))
        .sort(compareWaiting)
        .map((c) => c.callSid),
    ).toEqual(['v3:B', 'v3:a', 'v3:b', 'v3:ä']);
    expect(compareWaiting(caller('same'), caller('same'))).toBe(0);
  });

  it('handles negative priorities', () => {
    expect(compareWaiting(caller('a', { priority: -2 }), caller('b', { priority: -1 }))).toBeGreaterThan(0);
  });

  it('is a total order (antisymmetric and transitive) on random callers', () => {
    const random = seededRandom(7);
    const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
    const callers = Array.from({ length: 60 }, () =>
      caller(pick(['a', 'b', 'c', 'd']), { priority: pick([0, 1, 2]), enqueuedAt: NOW + pick([0, 1, 2]) * SECOND }),
    );
    const sign = (n: number) => Math.sign(n);
    for (const x of callers) {
      for (const y of callers) {
        expect(sign(compareWaiting(x, y))).toBe(-sign(compareWaiting(y, x)) || 0);
        for (const z of callers.slice(0, 15)) {
          if (compareWaiting(x, y) <= 0 && compareWaiting(y, z) <= 0) expect(compareWaiting(x, z)).toBeLessThanOrEqual(0);
        }
      }
    }
  });
});

describe('inLine', () => {
  it.each<[WaitingState, boolean]>([
    ['WAITING', true],
    ['CALLBACK_WAITING', true],
    ['OFFERED', false],
    ['CALLBACK_OFFERED', false],
    ['CALLBACK_DIALING', false],
  ])('%s → %s', (state, expected) => {
    expect(inLine(caller('a', { state }))).toBe(expected);
  });
});

describe('positionOf', () => {
  const line = [
    caller('c3', { enqueuedAt: NOW - 10 * SECOND }),
    caller('c1', { enqueuedAt: NOW - 50 * SECOND }),
    caller('vip', { enqueuedAt: NOW - 5 * SECOND, priority: 1 }),
    callbackCaller('cb', { enqueuedAt: NOW - 30 * SECOND }, 0, NOW + 3600 * SECOND),
    caller('offered', { enqueuedAt: NOW - 100 * SECOND, state: 'OFFERED', offeredTo: 'ana', offeredAt: NOW }),
    caller('other-queue', { enqueuedAt: NOW - 100 * SECOND, queueId: 'q-support' }),
    caller('other-company', { enqueuedAt: NOW - 100 * SECOND, companyId: 'globex' }),
  ];

  it.each([
    ['vip', 1],
    ['c1', 2],
    ['cb', 3], // a callback keeps its place, even while its retry is not due
    ['c3', 4],
    ['other-queue', 1],
    ['other-company', 1],
  ])('%s is number %d', (sid, place) => {
    expect(positionOf(sid, line)).toBe(place);
  });

  it('is null for a caller being offered, and for an unknown call', () => {
    expect(positionOf('offered', line)).toBeNull();
    expect(positionOf('nobody', line)).toBeNull();
  });

  it.each<WaitingState>(['OFFERED', 'CALLBACK_OFFERED', 'CALLBACK_DIALING'])('is null in state %s', (state) => {
    expect(positionOf('x', [caller('x', { state })])).toBeNull();
  });

  it('agrees with sorting the queue on random lines', () => {
    const random = seededRandom(11);
    for (let round = 0; round < 50; round++) {
      const callers = Array.from({ length: 12 }, (_, i) =>
        caller(`c${i}`, {
          priority: Math.floor(random() * 3),
          enqueuedAt: NOW - Math.floor(random() * 5) * SECOND,
          state: ALL_STATES[Math.floor(random() * ALL_STATES.length)]!,
          queueId: random() < 0.5 ? 'q-sales' : 'q-support',
        }),
      );
      for (const c of callers) {
        const expected = inLine(c)
          ? callers
              .filter((o) => o.queueId === c.queueId && inLine(o))
              .sort(compareWaiting)
              .indexOf(c) + 1
          : null;
        expect(positionOf(c.callSid, callers)).toBe(expected);
      }
    }
  });
});

describe('canTake', () => {
  const q = queue();

  it('takes a waiting caller with no requirement', () => {
    expect(canTake(agentOf('ana'), caller('a'), q, NOW)).toBe(true);
  });

  it.each<WaitingState>(['OFFERED', 'CALLBACK_OFFERED', 'CALLBACK_DIALING'])('refuses a caller in state %s', (state) => {
    expect(canTake(agentOf('ana'), caller('a', { state, callback: callbackCaller('a').callback }), q, NOW)).toBe(false);
  });

  it('takes a callback only once its attempt is due', () => {
    expect(canTake(agentOf('ana'), callbackCaller('a', {}, 1, NOW + 1), q, NOW)).toBe(false);
    expect(canTake(agentOf('ana'), callbackCaller('a', {}, 1, NOW), q, NOW)).toBe(true);
    expect(canTake(agentOf('ana'), callbackCaller('a', {}, 1, NOW - 1), q, NOW)).toBe(true);
    expect(canTake(agentOf('ana'), caller('a', { state: 'CALLBACK_WAITING', callback: null }), q, NOW)).toBe(false);
  });

  it.each<[string, string | null, string | null, Record<string, number>, boolean]>([
    ['no requirements', null, null, {}, true],
    ["meets the caller's", 'es', null, { es: 3 }, true],
    ["lacks the caller's", 'es', null, { en: 9 }, false],
    ["meets the queue's", null, 'billing>=5', { billing: 5 }, true],
    ["below the queue's level", null, 'billing>=5', { billing: 4 }, false],
    ['meets both', 'es', 'billing', { es: 1, billing: 1 }, true],
    ["meets the caller's but not the queue's", 'es', 'billing', { es: 9 }, false],
    ["meets the queue's but not the caller's", 'es', 'billing', { billing: 9 }, false],
  ])('skills: %s', (_name, callerSkills, queueSkills, agentSkills, expected) => {
    const c = caller('a', { requiredSkills: callerSkills ? skills(callerSkills) : null });
    const qq = queue({ requiredSkills: queueSkills ? skills(queueSkills) : null });
    expect(canTake(agentOf('ana', agentSkills), c, qq, NOW)).toBe(expected);
  });

  it('does not offer a caller again to the agent who missed it, for the cooldown', () => {
    const cooldown = MISSED_OFFER_COOLDOWN_SECONDS * SECOND;
    const missedAt = NOW - 10 * SECOND;
    const c = caller('a', { missed: [{ agentId: 'ana', at: missedAt }] });
    expect(canTake(agentOf('ana'), c, q, missedAt + cooldown - 1)).toBe(false);
    expect(canTake(agentOf('ana'), c, q, missedAt + cooldown)).toBe(true);
    expect(canTake(agentOf('bob'), c, q, missedAt)).toBe(true);
  });

  it("refuses a queue policy that is not the caller's queue", () => {
    expect(canTake(agentOf('ana'), caller('a'), queue({ id: 'q-support' }), NOW)).toBe(false);
  });
});

describe('planOffers', () => {
  const queues = new Map([
    ['q-sales', queue()],
    ['q-es', queue({ id: 'q-es', requiredSkills: hasSkill('es') })],
  ]);
  const plan = (agents: QueueAgent[], callers: WaitingCaller[], now = NOW) =>
    planOffers(agents, callers, queues, now).map((o) => `${o.agentId}→${o.callSid}`);

  it('gives the head of the line the first agent (the longest idle) in the order given', () => {
    const callers = [caller('second', { enqueuedAt: NOW - 10 * SECOND }), caller('first', { enqueuedAt: NOW - 20 * SECOND })];
    expect(plan([agentOf('idle-longest'), agentOf('idle-less')], callers)).toEqual(['idle-longest→first', 'idle-less→second']);
  });

  it('serves by priority across queues', () => {
    const callers = [caller('sales', { enqueuedAt: NOW - 100 * SECOND }), caller('es', { queueId: 'q-es', priority: 1 })];
    expect(plan([agentOf('ana', { es: 5 })], callers)).toEqual(['ana→es']);
  });

  it('gives a caller the first agent who can take it, leaving others for later callers', () => {
    const callers = [caller('es', { queueId: 'q-es', enqueuedAt: NOW - 20 * SECOND }), caller('plain', { enqueuedAt: NOW - 10 * SECOND })];
    expect(plan([agentOf('bob'), agentOf('ana', { es: 5 })], callers)).toEqual(['ana→es', 'bob→plain']);
  });

  it('is greedy: an earlier caller keeps the only agent both could take, though a later one could take no other', () => {
    const callers = [caller('early', { enqueuedAt: NOW - 20 * SECOND }), caller('late-es', { queueId: 'q-es', enqueuedAt: NOW })];
    expect(plan([agentOf('ana', { es: 5 })], callers)).toEqual(['ana→early']);
  });

  it('skips callers nobody free can take, serving the ones behind them', () => {
    const callers = [caller('es', { queueId: 'q-es', enqueuedAt: NOW - 20 * SECOND }), caller('plain')];
    expect(plan([agentOf('bob')], callers)).toEqual(['bob→plain']);
  });

  it('skips callers being served, callbacks not yet due, and the agent who just missed a caller', () => {
    const callers = [
      caller('offered', { state: 'OFFERED', offeredTo: 'zoe', offeredAt: NOW, enqueuedAt: NOW - 90 * SECOND }),
      callbackCaller('cb-later', { enqueuedAt: NOW - 80 * SECOND }, 1, NOW + 60 * SECOND),
      caller('missed-ana', { enqueuedAt: NOW - 70 * SECOND, missed: [{ agentId: 'ana', at: NOW - SECOND }] }),
      callbackCaller('cb-due', { enqueuedAt: NOW - 60 * SECOND }, 1, NOW - SECOND),
    ];
    expect(plan([agentOf('ana'), agentOf('bob')], callers)).toEqual(['bob→missed-ana', 'ana→cb-due']);
  });

  it('skips a caller whose queue is unknown', () => {
    const callers = [caller('lost', { queueId: 'q-deleted', enqueuedAt: NOW - 99 * SECOND }), caller('known')];
    expect(plan([agentOf('ana')], callers)).toEqual(['ana→known']);
  });

  it('plans nothing without free agents or callers', () => {
    expect(plan([], [caller('a')])).toEqual([]);
    expect(plan([agentOf('ana')], [])).toEqual([]);
  });

  it('offers each agent and each caller at most once, even when listed twice', () => {
    expect(plan([agentOf('ana'), agentOf('ana')], [caller('a'), caller('a'), caller('b', { enqueuedAt: NOW })])).toEqual(['ana→a']);
    expect(plan([agentOf('ana'), agentOf('bob')], [caller('a'), caller('a')])).toEqual(['ana→a']);
  });

  it('on random lines: every offer is allowed, nobody twice, and no caller skipped that a left-over agent could take', () => {
    const random = seededRandom(23);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
    for (let round = 0; round < 200; round++) {
      const agents = Array.from({ length: 1 + Math.floor(random() * 5) }, (_, i) =>
        agentOf(`a${i}`, random() < 0.5 ? { es: 1 + Math.floor(random() * 9) } : {}),
      );
      const callers = Array.from({ length: Math.floor(random() * 8) }, (_, i) =>
        caller(`c${i}`, {
          queueId: pick(['q-sales', 'q-es', 'q-gone']),
          priority: pick([0, 0, 1]),
          enqueuedAt: NOW - Math.floor(random() * 100) * SECOND,
          state: pick(ALL_STATES),
          requiredSkills: random() < 0.3 ? skills('es>=5') : null,
          missed: random() < 0.3 ? [{ agentId: pick(agents).id, at: NOW - Math.floor(random() * 60) * SECOND }] : [],
          callback: { number: '+13055550100', attempts: 0, nextAttemptAt: NOW + pick([-1, 0, 1]) * SECOND, agentCallSid: null },
        }),
      );
      const offers = planOffers(agents, callers, queues, NOW);
      const agentIds = offers.map((o) => o.agentId);
      const callSids = offers.map((o) => o.callSid);
      expect(new Set(agentIds).size).toBe(agentIds.length);
      expect(new Set(callSids).size).toBe(callSids.length);
      const byId = new Map(agents.map((a) => [a.id, a]));
      const bySid = new Map(callers.map((c) => [c.callSid, c]));
      for (const o of offers) {
        const c = bySid.get(o.callSid)!;
        expect(canTake(byId.get(o.agentId)!, c, queues.get(c.queueId)!, NOW)).toBe(true);
      }
      // Caller-major greedy: a caller left without an offer had nobody able among the agents left free.
      const leftOver = agents.filter((a) => !agentIds.includes(a.id));
      for (const c of callers) {
        const q = queues.get(c.queueId);
        if (!q || callSids.includes(c.callSid)) continue;
        expect(leftOver.some((a) => canTake(a, c, q, NOW))).toBe(false);
      }
      // Offers follow serving order.
      const offeredCallers = offers.map((o) => bySid.get(o.callSid)!);
      expect([...offeredCallers].sort(compareWaiting)).toEqual(offeredCallers);
    }
  });
});

describe('queueDecision', () => {
  const input = (overrides: Partial<QueueDecisionInput> = {}): QueueDecisionInput => ({
    queue: queue(),
    agents: [snapshot('ana')],
    allowUnregisteredSoftphones: false,
    requiredSkills: null,
    waitingInQueue: 0,
    restAvailable: true,
    ...overrides,
  });

  it('waits when someone able is busy and there is room', () => {
    expect(queueDecision(input())).toEqual({ kind: 'WAIT', ableAgents: 1 });
  });

  it.each<[string, Partial<QueueDecisionInput>, ReturnType<typeof queueDecision>]>([
    ['the queue does not wait', { queue: queue({ waitEnabled: false }) }, { kind: 'FALLBACK', reason: 'NOT_WAITING', ableAgents: 1 }],
    ['no REST API', { restAvailable: false }, { kind: 'FALLBACK', reason: 'NO_REST', ableAgents: 1 }],
    ['nobody able', { agents: [] }, { kind: 'FALLBACK', reason: 'NO_AGENTS', ableAgents: 0 }],
    ['nobody able, but the queue waits for agents', { agents: [], queue: queue({ waitForAgents: true }) }, { kind: 'WAIT', ableAgents: 0 }],
    ['full', { waitingInQueue: 10 }, { kind: 'OVERFLOW', reason: 'FULL', ableAgents: 1 }],
    ['over full', { waitingInQueue: 11 }, { kind: 'OVERFLOW', reason: 'FULL', ableAgents: 1 }],
    ['one place left', { waitingInQueue: 9 }, { kind: 'WAIT', ableAgents: 1 }],
    ['maxSize 0 overflows at once', { queue: queue({ maxSize: 0 }) }, { kind: 'OVERFLOW', reason: 'FULL', ableAgents: 1 }],
    // The order of the rules: the first that applies wins.
    [
      'not waiting beats everything',
      { queue: queue({ waitEnabled: false }), restAvailable: false, agents: [], waitingInQueue: 99 },
      { kind: 'FALLBACK', reason: 'NOT_WAITING', ableAgents: 0 },
    ],
    [
      'no REST beats no agents and full',
      { restAvailable: false, agents: [], waitingInQueue: 99 },
      { kind: 'FALLBACK', reason: 'NO_REST', ableAgents: 0 },
    ],
    ['no agents beats full', { agents: [], waitingInQueue: 99 }, { kind: 'FALLBACK', reason: 'NO_AGENTS', ableAgents: 0 }],
    [
      'waiting for agents, but full',
      { agents: [], queue: queue({ waitForAgents: true }), waitingInQueue: 10 },
      { kind: 'OVERFLOW', reason: 'FULL', ableAgents: 0 },
    ],
  ])('%s', (_name, overrides, expected) => {
    expect(queueDecision(input(overrides))).toEqual(expected);
  });
});

describe('ableAgentCount', () => {
  const count = (agents: AgentSnapshot[], overrides: Partial<QueueDecisionInput> = {}) =>
    ableAgentCount({ queue: queue(), agents, allowUnregisteredSoftphones: false, requiredSkills: null, ...overrides });

  it.each<[string, Partial<AgentSnapshot>, boolean]>([
    ['busy on a call', {}, true],
    ['free', { liveness: { sipRegistered: true, onCall: false } }, true],
    ['on a break', { status: 'ON_BREAK' }, true],
    ['in wrap-up', { status: 'WRAP_UP' }, true],
    ['reserved for another call', { reservedFor: 'v3:other' }, true],
    ['disabled', { enabled: false }, false],
    ['without a SIP target', { sipTargetProblem: 'no credential' }, false],
    ['offline', { liveness: null }, false],
    ['not registered', { liveness: { sipRegistered: false, onCall: false } }, false],
  ])('an agent %s counts: %s', (_name, overrides, able) => {
    expect(count([snapshot('ana', overrides)])).toBe(able ? 1 : 0);
  });

  it('counts unregistered softphones when the company allows them', () => {
    expect(count([snapshot('ana', { liveness: { sipRegistered: false, onCall: false } })], { allowUnregisteredSoftphones: true })).toBe(1);
  });

  it("needs the call's and the queue's skills", () => {
    const agents = [
      snapshot('es', { skills: { es: 5 } }),
      snapshot('billing', { skills: { billing: 5 } }),
      snapshot('both', { skills: { es: 5, billing: 5 } }),
    ];
    expect(count(agents)).toBe(3);
    expect(count(agents, { requiredSkills: hasSkill('es') })).toBe(2);
    expect(count(agents, { queue: queue({ requiredSkills: hasSkill('billing') }) })).toBe(2);
    expect(count(agents, { requiredSkills: hasSkill('es'), queue: queue({ requiredSkills: hasSkill('billing') }) })).toBe(1);
  });
});

describe('overflowDue', () => {
  const q = queue({ maxWaitSeconds: 300 });

  it.each<[number, boolean]>([
    [0, false],
    [299_999, false],
    [300_000, true],
    [900_000, true],
  ])('WAITING for %d ms → %s', (waited, due) => {
    expect(overflowDue(caller('a', { enqueuedAt: NOW - waited }), q, NOW)).toBe(due);
  });

  it.each<WaitingState>(['OFFERED', 'CALLBACK_WAITING', 'CALLBACK_OFFERED', 'CALLBACK_DIALING'])(
    'never in state %s (an offer finishes; a callback has nobody on the line)',
    (state) => {
      expect(overflowDue(caller('a', { state, enqueuedAt: NOW - 3600 * SECOND }), q, NOW)).toBe(false);
    },
  );
});

describe('remainingWaitSeconds', () => {
  const q = queue({ maxWaitSeconds: 300 });

  it.each<[string, number, number]>([
    ['just arrived', 0, 300],
    ['waited 100 s', 100_000, 200],
    ['waited 100.4 s: rounds up', 100_400, 200],
    ['waited 299.5 s', 299_500, 1],
    ['at the limit: still 1', 300_000, 1],
    ['past the limit: still 1', 999_000, 1],
    ['arrived in the future (clock skew): the maximum', -50_000, 300],
  ])('%s → %d', (_name, waited, left) => {
    expect(remainingWaitSeconds(caller('a', { enqueuedAt: NOW - waited }), q, NOW)).toBe(left);
  });
});

describe('estimateWaitSeconds', () => {
  // Written by hand: ceil(position / able) rounds of the average handle time.
  const TABLE: [position: number, able: number, average: number, expected: number | null][] = [
    [1, 1, 180, 180],
    [2, 1, 180, 360],
    [3, 1, 180, 540],
    [1, 2, 180, 180],
    [2, 2, 180, 180],
    [3, 2, 180, 360],
    [4, 2, 180, 360],
    [5, 2, 180, 540],
    [1, 5, 100, 100],
    [5, 5, 100, 100],
    [6, 5, 100, 200],
    [10, 3, 60, 240],
    [7, 10, 95, 95],
    [3, 1, 33.4, 100], // 100.2 → 100
    [3, 1, 33.5, 101], // 100.5 → 101 (rounded half up)
    [2, 1, 0.2, 0], // 0.4 → 0
    [1, 1, 0, 0],
    [1, 0, 180, null], // nobody able: unknown
    [4, 0, 60, null],
    [0, 1, 180, null], // no place
    [1, 1, Number.NaN, null],
    [1, Number.POSITIVE_INFINITY, 180, null],
    [1, 1, -5, null],
  ];
  it.each(TABLE)('position %d, %d able, %d s average → %s', (position, able, average, expected) => {
    expect(estimateWaitSeconds(position, able, average)).toBe(expected);
  });

  it('DEFAULT_HANDLE_SECONDS is 3 minutes', () => {
    expect(DEFAULT_HANDLE_SECONDS).toBe(180);
    expect(MISSED_OFFER_COOLDOWN_SECONDS).toBe(30);
  });
});

describe('updateHandleAverage', () => {
  it.each<[string, number | null, number, number | null]>([
    ['the first sample is the average', null, 240, 240],
    ['a new sample weighs 0.2', 100, 200, 120],
    ['downward too', 200, 100, 180],
    ['the same sample keeps the average', 150, 150, 150],
    ['zero is a sample', 100, 0, 80],
    ['a sample over 4 h counts as 4 h', 100, 100_000, 100 + 0.2 * (14_400 - 100)],
    ['a first sample over 4 h is 4 h', null, 99_999, 14_400],
    ['a negative sample is ignored', 100, -5, 100],
    ['NaN is ignored', 100, Number.NaN, 100],
    ['Infinity is ignored', 100, Number.POSITIVE_INFINITY, 100],
    ['an ignored first sample leaves no average', null, Number.NaN, null],
    ['a corrupt average restarts from the sample', Number.NaN, 60, 60],
  ])('%s', (_name, previous, sample, expected) => {
    const got = updateHandleAverage(previous, sample);
    if (expected === null) expect(got).toBeNull();
    else expect(got).toBeCloseTo(expected, 9);
  });

  it('converges to a steady handle time', () => {
    let average: number | null = null;
    for (const sample of [600, ...Array<number>(40).fill(120)]) average = updateHandleAverage(average, sample);
    expect(average).toBeCloseTo(120, 0);
  });
});

describe('offered and offerMissed', () => {
  it('offers a waiting caller and puts them back at their place after a miss', () => {
    const waiting = caller('a', { missed: [{ agentId: 'bob', at: NOW - 5 * SECOND }] });
    const offer = unwrap(offered(waiting, 'ana', NOW));
    expect(offer.caller).toMatchObject({ state: 'OFFERED', offeredTo: 'ana', offeredAt: NOW, enqueuedAt: waiting.enqueuedAt });
    expect(waiting.state).toBe('WAITING'); // a new object; the old one is untouched

    const back = unwrap(offerMissed(offer.caller, NOW + 20 * SECOND));
    expect(back.caller).toEqual({
      ...waiting,
      missed: [
        { agentId: 'bob', at: NOW - 5 * SECOND },
        { agentId: 'ana', at: NOW + 20 * SECOND },
      ],
    });
    expect(offer.caller.state).toBe('OFFERED');
  });

  it('forgets misses older than the cooldown, and keeps one entry per agent', () => {
    const old = NOW - MISSED_OFFER_COOLDOWN_SECONDS * SECOND;
    const c = caller('a', {
      state: 'OFFERED',
      offeredTo: 'ana',
      offeredAt: NOW - SECOND,
      missed: [
        { agentId: 'zoe', at: old },
        { agentId: 'ana', at: NOW - 10 * SECOND },
        { agentId: 'bob', at: NOW - 10 * SECOND },
      ],
    });
    expect(unwrap(offerMissed(c, NOW)).caller.missed).toEqual([
      { agentId: 'bob', at: NOW - 10 * SECOND },
      { agentId: 'ana', at: NOW },
    ]);
  });

  it.each(ALL_STATES.filter((s) => s !== 'WAITING'))('refuses to offer a caller in state %s', (state) => {
    expect(offered(caller('a', { state }), 'ana', NOW)).toEqual({
      ok: false,
      error: `caller a is ${state}: "offered" is not allowed there`,
    });
  });

  it.each(ALL_STATES.filter((s) => s !== 'OFFERED'))('refuses a missed offer in state %s', (state) => {
    const result = offerMissed(caller('a', { state }), NOW);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain(state);
  });
});

describe('callbackStep', () => {
  const q = queue({ callbackRetries: 1, callbackRetryDelaySeconds: 90 });
  const step = (c: WaitingCaller, event: CallbackEvent, now = NOW, qq = q) => callbackStep(c, event, now, qq);

  it('plays a callback answered at the first attempt', () => {
    const waiting = caller('a', { from: '+13055550123' });
    const requested = unwrap(step(waiting, { kind: 'requested' }));
    expect(requested.effect).toBe('none');
    expect(requested.caller).toMatchObject({
      state: 'CALLBACK_WAITING',
      enqueuedAt: waiting.enqueuedAt,
      callback: { number: '+13055550123', attempts: 0, nextAttemptAt: NOW, agentCallSid: null },
    });

    const offer = unwrap(step(requested.caller, { kind: 'offered', agentId: 'ana', agentCallSid: 'v3:agent-1' }, NOW + SECOND));
    expect(offer.caller).toMatchObject({
      state: 'CALLBACK_OFFERED',
      offeredTo: 'ana',
      offeredAt: NOW + SECOND,
      callback: { attempts: 0, agentCallSid: 'v3:agent-1' },
    });

    const dialing = unwrap(step(offer.caller, { kind: 'agent-answered' }, NOW + 5 * SECOND));
    expect(dialing.caller).toMatchObject({ state: 'CALLBACK_DIALING', offeredTo: 'ana', callback: { attempts: 1 } });

    const done = unwrap(step(dialing.caller, { kind: 'customer-answered' }, NOW + 20 * SECOND));
    expect(done.effect).toBe('done');
  });

  it('retries a customer who does not answer, callbackRetries times, then gives up', () => {
    let c = unwrap(step(caller('a'), { kind: 'requested' })).caller;
    const attempt = (now: number) => {
      c = unwrap(step(c, { kind: 'offered', agentId: 'ana', agentCallSid: `v3:${now}` }, now)).caller;
      c = unwrap(step(c, { kind: 'agent-answered' }, now)).caller;
      return step(c, { kind: 'customer-missed' }, now + 30 * SECOND);
    };
    const first = unwrap(attempt(NOW));
    expect(first.effect).toBe('retry');
    expect(first.caller).toMatchObject({
      state: 'CALLBACK_WAITING',
      offeredTo: null,
      offeredAt: null,
      callback: { attempts: 1, nextAttemptAt: NOW + 30 * SECOND + 90 * SECOND, agentCallSid: null },
    });
    c = first.caller;
    // Not offered before the retry delay is over.
    expect(canTake(agentOf('ana'), c, q, NOW + 119 * SECOND)).toBe(false);
    expect(canTake(agentOf('ana'), c, q, NOW + 120 * SECOND)).toBe(true);
    expect(step(c, { kind: 'offered', agentId: 'ana', agentCallSid: 'v3:x' }, NOW + 119 * SECOND)).toEqual({
      ok: false,
      error: 'callback a is not due for 1 s more',
    });

    const second = unwrap(attempt(NOW + 120 * SECOND));
    expect(second.effect).toBe('gave-up');
    expect(second.caller.callback!.attempts).toBe(2);
  });

  it.each<[number, number]>([
    [0, 1],
    [1, 2],
    [3, 4],
  ])('with %d retries the customer is dialed %d times', (retries, dials) => {
    const qq = queue({ callbackRetries: retries, callbackRetryDelaySeconds: 0 });
    let c = unwrap(step(caller('a'), { kind: 'requested' }, NOW, qq)).caller;
    let dialed = 0;
    for (;;) {
      c = unwrap(step(c, { kind: 'offered', agentId: 'ana', agentCallSid: 'v3:x' }, NOW, qq)).caller;
      c = unwrap(step(c, { kind: 'agent-answered' }, NOW, qq)).caller;
      dialed++;
      const missed = unwrap(step(c, { kind: 'customer-missed' }, NOW, qq));
      if (missed.effect === 'gave-up') break;
      expect(missed.effect).toBe('retry');
      c = missed.caller;
      expect(dialed).toBeLessThan(10);
    }
    expect(dialed).toBe(dials);
  });

  it('an agent who misses the callback call costs no attempt and cools down', () => {
    const c = callbackCaller('a', {}, 1, NOW - SECOND);
    const offer = unwrap(step(c, { kind: 'offered', agentId: 'ana', agentCallSid: 'v3:agent' })).caller;
    const missed = unwrap(step(offer, { kind: 'agent-missed' }, NOW + 20 * SECOND));
    expect(missed.effect).toBe('none');
    expect(missed.caller).toMatchObject({
      state: 'CALLBACK_WAITING',
      offeredTo: null,
      offeredAt: null,
      missed: [{ agentId: 'ana', at: NOW + 20 * SECOND }],
      callback: { attempts: 1, nextAttemptAt: NOW - SECOND, agentCallSid: null },
    });
    expect(canTake(agentOf('ana'), missed.caller, q, NOW + 21 * SECOND)).toBe(false);
    expect(canTake(agentOf('bob'), missed.caller, q, NOW + 21 * SECOND)).toBe(true);
  });

  it('refuses a callback the queue does not offer', () => {
    expect(step(caller('a'), { kind: 'requested' }, NOW, queue({ callbackEnabled: false }))).toEqual({
      ok: false,
      error: 'queue "Sales" does not offer callbacks',
    });
  });

  it.each(['anonymous', '', 'sip:ana@example.com', '5550100', '+0123456789'])('refuses a callback to %j', (from) => {
    const result = step(caller('a', { from }), { kind: 'requested' });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/cannot be called back/);
    expect(canRequestCallback(caller('a', { from }), q)).toBe(false);
  });

  it('canRequestCallback: a waiting caller, a callable number, a queue that calls back', () => {
    expect(canRequestCallback(caller('a'), q)).toBe(true);
    expect(canRequestCallback(caller('a'), queue({ callbackEnabled: false }))).toBe(false);
    expect(canRequestCallback(caller('a', { state: 'OFFERED' }), q)).toBe(false);
    expect(canRequestCallback(callbackCaller('a'), q)).toBe(false);
  });

  // Every (state, event) pair not in the machine is refused, naming both.
  const LEGAL: Record<CallbackEvent['kind'], WaitingState> = {
    requested: 'WAITING',
    offered: 'CALLBACK_WAITING',
    'agent-answered': 'CALLBACK_OFFERED',
    'agent-missed': 'CALLBACK_OFFERED',
    'customer-answered': 'CALLBACK_DIALING',
    'customer-missed': 'CALLBACK_DIALING',
  };
  const EVENTS: CallbackEvent[] = [
    { kind: 'requested' },
    { kind: 'offered', agentId: 'ana', agentCallSid: 'v3:x' },
    { kind: 'agent-answered' },
    { kind: 'agent-missed' },
    { kind: 'customer-answered' },
    { kind: 'customer-missed' },
  ];
  const pairs = ALL_STATES.flatMap((state) => EVENTS.map((event) => [state, event] as const));

  it.each(pairs)('state %s, event %o', (state, event) => {
    const c = caller('a', {
      state,
      offeredTo: state.startsWith('CALLBACK_') && state !== 'CALLBACK_WAITING' ? 'ana' : null,
      callback: state.startsWith('CALLBACK') ? { number: '+13055550100', attempts: 1, nextAttemptAt: NOW, agentCallSid: null } : null,
    });
    const result = step(c, event);
    if (LEGAL[event.kind] === state) {
      expect(result.ok).toBe(true);
    } else {
      expect(result).toEqual({ ok: false, error: `caller a is ${state}: "${event.kind}" is not allowed there` });
    }
  });

  it('refuses a callback state without its callback data', () => {
    const broken = caller('a', { state: 'CALLBACK_DIALING', callback: null });
    expect(step(broken, { kind: 'customer-answered' }).ok).toBe(false);
  });

  it('never changes the caller it is given', () => {
    const c = callbackCaller('a');
    const copy = structuredClone(c);
    step(c, { kind: 'offered', agentId: 'ana', agentCallSid: 'v3:x' });
    expect(c).toEqual(copy);
  });
});

describe('spokenLanguage', () => {
  it.each([
    ['es', 'es'],
    ['es-MX', 'es'],
    ['es-US', 'es'],
    ['ES-es', 'es'],
    ['en-US', 'en'],
    ['et-EE', 'en'],
    ['fr-CA', 'en'],
    ['', 'en'],
    ['esperanto', 'en'],
  ])('%j → %s', (tag, language) => {
    expect(spokenLanguage(tag)).toBe(language);
  });
});

describe('announcement', () => {
  it.each<[number | null, number | null, 'en' | 'es', boolean, string]>([
    [
      3,
      240,
      'en',
      true,
      'You are number 3 in line. Your estimated wait is about 4 minutes. To be called back without losing your place, press 1.',
    ],
    [
      3,
      240,
      'es',
      true,
      'Usted es el número 3 en la fila. El tiempo de espera estimado es de unos 4 minutos. Para que le devolvamos la llamada sin perder su lugar, oprima 1.',
    ],
    [1, 30, 'en', false, 'You are next in line. Your estimated wait is less than a minute.'],
    [1, 30, 'es', false, 'Usted es el siguiente en la fila. El tiempo de espera estimado es de menos de un minuto.'],
    [2, 0, 'en', false, 'You are number 2 in line. Your estimated wait is less than a minute.'],
    [2, 59, 'en', false, 'You are number 2 in line. Your estimated wait is less than a minute.'],
    [2, 60, 'en', false, 'You are number 2 in line. Your estimated wait is about 1 minute.'],
    [2, 60, 'es', false, 'Usted es el número 2 en la fila. El tiempo de espera estimado es de aproximadamente un minuto.'],
    [2, 61, 'en', false, 'You are number 2 in line. Your estimated wait is about 2 minutes.'],
    [12, 3600, 'en', false, 'You are number 12 in line. Your estimated wait is about 60 minutes.'],
    [4, null, 'en', false, 'You are number 4 in line.'],
    [4, null, 'es', true, 'Usted es el número 4 en la fila. Para que le devolvamos la llamada sin perder su lugar, oprima 1.'],
    [null, 120, 'en', false, 'Your estimated wait is about 2 minutes.'],
    [null, null, 'en', true, 'To be called back without losing your place, press 1.'],
    [null, null, 'en', false, ''],
    [0, Number.NaN, 'en', false, ''],
  ])('position %s, estimate %s s, %s, callback %s', (position, estimateSeconds, language, callbackOffered, text) => {
    expect(announcement({ position, estimateSeconds, language, callbackOffered })).toBe(text);
  });
});

describe('callback texts', () => {
  it('confirms in the caller’s language', () => {
    expect(callbackConfirmation('en')).toMatch(/call you back.*keep your place/);
    expect(callbackConfirmation('es')).toMatch(/devolveremos la llamada.*su lugar/);
  });

  it('tells the agent whom they call back, digit by digit', () => {
    expect(callbackIntro('+13055550100')).toBe('Callback to 1 3 0 5 5 5 5 0 1 0 0. Connecting.');
    expect(callbackIntro('anonymous')).toBe('Callback. Connecting.');
  });
});

describe('policyForQueue', () => {
  const company: RoutingPolicy = {
    ...POLICY_DEFAULTS,
    mode: 'AUTO',
    ringTimeoutSeconds: 25,
    ringTone: 'us',
    fallbackKind: 'VOICEMAIL',
    fallbackNumber: null,
    voicemailGreeting: 'Leave a message.',
    voicemailMaxSeconds: 120,
    greetingLanguage: 'en-US',
    allowUnregisteredSoftphones: false,
    businessHours: null,
  };
  const hours = { timeZone: 'America/New_York', weekly: { MON: [{ open: '09:00', close: '17:00' }] } } as never;

  it('is the company policy when the queue overrides nothing', () => {
    expect(policyForQueue(company, queue())).toEqual(company);
  });

  it("applies the queue's mode, ring timeout and hours, keeping the rest", () => {
    const policy = policyForQueue(company, queue({ routing: { mode: 'LONGEST_IDLE', ringTimeoutSeconds: 15, businessHours: hours } }));
    expect(policy).toEqual({ ...company, mode: 'LONGEST_IDLE', ringTimeoutSeconds: 15, businessHours: hours });
  });

  it('applies each override alone', () => {
    expect(policyForQueue(company, queue({ routing: { ringTimeoutSeconds: 40 } }))).toEqual({ ...company, ringTimeoutSeconds: 40 });
    expect(policyForQueue({ ...company, businessHours: hours }, queue({ routing: { mode: 'ROUND_ROBIN' } }))).toEqual({
      ...company,
      businessHours: hours,
      mode: 'ROUND_ROBIN',
    });
  });
});
