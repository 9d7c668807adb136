import { describe, it, expect } from 'vitest';
import { AGENT_DEFAULTS, POLICY_DEFAULTS } from '../support/fixtures.js';
import { seededRandom } from '../support/random.js';
import {
  compareDisplayOrder,
  decideRoute,
  ringOnePlan,
  skipReason,
  type AgentSnapshot,
  type AgentStatus,
  type FallbackKind,
  type RoutePlan,
  type RoutingPolicy,
  type SkipReason,
} from '../../src/domain/routing.js';

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

function policy(overrides: Partial<RoutingPolicy> = {}): RoutingPolicy {
  return {
    ...POLICY_DEFAULTS,
    mode: 'AUTO',
    ringTimeoutSeconds: 25,
    ringTone: 'us',
    fallbackKind: 'VOICEMAIL',
    fallbackNumber: null,
    voicemailGreeting: 'Please leave a message.',
    voicemailMaxSeconds: 120,
    greetingLanguage: 'en-US',
    allowUnregisteredSoftphones: false,
    ...overrides,
  };
}

/** A routable agent unless overridden: enabled, AVAILABLE, lease alive, registered, not on a call. */
function agent(id: string, overrides: Partial<AgentSnapshot> = {}): AgentSnapshot {
  return {
    id,
    displayName: `Agent ${id}`,
    sipUsername: `sip_${id}`,
    enabled: true,
    status: 'AVAILABLE',
    statusReason: null,
    liveness: { sipRegistered: true, onCall: false },
    ...AGENT_DEFAULTS,
    ...overrides,
  };
}

const CALL = { from: '+13055550100', to: '+13055550199' };
const NOW = 1_700_000_000_000;

function ring(plan: RoutePlan): Extract<RoutePlan, { kind: 'RING' }> {
  if (plan.kind !== 'RING') throw new Error(`expected RING, got ${JSON.stringify(plan)}`);
  return plan;
}
function fallback(plan: RoutePlan): Extract<RoutePlan, { kind: 'FALLBACK' }> {
  if (plan.kind !== 'FALLBACK') throw new Error(`expected FALLBACK, got ${JSON.stringify(plan)}`);
  return plan;
}

// Independent statement of the spec (ARCHITECTURE.md "Routing semantics"): routable = enabled, lease
// alive, SIP registered (unless allowed), AVAILABLE, not on a call.
function isRoutable(a: AgentSnapshot, allowUnregistered: boolean): boolean {
  return (
    a.enabled &&
    a.sipTargetProblem === null &&
    a.liveness !== null &&
    (a.liveness.sipRegistered || allowUnregistered) &&
    a.status === 'AVAILABLE' &&
    !a.liveness.onCall
  );
}

// ---------------------------------------------------------------------------------------------
// AUTO: 0 / 1 / 2+ routable agents
// ---------------------------------------------------------------------------------------------

describe('decideRoute AUTO by number of routable agents', () => {
  it('falls back when the company has no agents at all', () => {
    const plan = fallback(decideRoute(policy(), [], CALL, NOW));
    expect(plan).toEqual({ kind: 'FALLBACK', fallback: 'VOICEMAIL', reason: 'NO_AGENTS', skipped: [] });
  });

  it.each([1, 2, 3, 7, 50])('rings all %i routable agents at once, in one plan', (count) => {
    const agents = Array.from({ length: count }, (_, i) => agent(`a${String(i).padStart(3, '0')}`));
    const plan = ring(decideRoute(policy(), agents, CALL, NOW));
    expect(plan.targets).toHaveLength(count);
    expect(plan.targets).toEqual(agents.map((a) => ({ agentId: a.id, sipUsername: a.sipUsername })));
    expect(plan.skipped).toEqual([]);
  });

  it('one routable agent: the single target is that agent with its SIP username', () => {
    const plan = ring(decideRoute(policy(), [agent('solo', { sipUsername: 'solo.agent_1' })], CALL, NOW));
    expect(plan.targets).toEqual([{ agentId: 'solo', sipUsername: 'solo.agent_1' }]);
  });

  it.each([5, 25, 120])('the RING plan timeout is the policy ring timeout (%i s)', (seconds) => {
    const plan = ring(decideRoute(policy({ ringTimeoutSeconds: seconds }), [agent('a'), agent('b')], CALL, NOW));
    expect(plan.timeoutSeconds).toBe(seconds);
  });

  it.each<FallbackKind>(['VOICEMAIL', 'NUMBER', 'HANGUP'])('FALLBACK carries the policy fallback kind %s', (kind) => {
    const empty = fallback(decideRoute(policy({ fallbackKind: kind }), [], CALL, NOW));
    expect(empty.fallback).toBe(kind);
    const allSkipped = fallback(
      decideRoute(policy({ fallbackKind: kind }), [agent('x', { enabled: false }), agent('y', { liveness: null })], CALL, NOW),
    );
    expect(allSkipped.fallback).toBe(kind);
    expect(allSkipped.skipped.map((s) => s.reason)).toEqual(['DISABLED', 'OFFLINE']);
  });

  it('ignores the call context and the time (same plan for any caller or instant)', () => {
    const agents = [agent('a'), agent('b', { status: 'ON_BREAK' }), agent('c', { liveness: null })];
    const base = decideRoute(policy(), agents, CALL, NOW);
    expect(decideRoute(policy(), agents, {}, 0)).toEqual(base);
    expect(decideRoute(policy(), agents, { from: null, to: null }, NOW + 86_400_000)).toEqual(base);
  });
});

// ---------------------------------------------------------------------------------------------
// Skip reasons
// ---------------------------------------------------------------------------------------------

interface SkipCase {
  name: string;
  agent: Partial<AgentSnapshot>;
  allowUnregistered?: boolean;
  reason: SkipReason;
  detail: RegExp;
}

const SKIP_CASES: SkipCase[] = [
  { name: 'disabled', agent: { enabled: false }, reason: 'DISABLED', detail: /disabled/i },
  { name: 'offline (liveness null)', agent: { liveness: null }, reason: 'OFFLINE', detail: /offline/i },
  {
    name: 'no SIP target (Telnyx configured, no credential): ringing it would ring nobody',
    agent: { sipTargetProblem: 'no Telnyx credential, so its softphone cannot be reached' },
    allowUnregistered: true,
    reason: 'NO_SIP_TARGET',
    detail: /^no Telnyx credential, so its softphone cannot be reached$/,
  },
  {
    name: 'offline even when unregistered softphones are allowed',
    agent: { liveness: null },
    allowUnregistered: true,
    reason: 'OFFLINE',
    detail: /offline/i,
  },
  {
    name: 'not registered with Telnyx',
    agent: { liveness: { sipRegistered: false, onCall: false } },
    reason: 'NOT_REGISTERED',
    detail: /not registered/i,
  },
  {
    name: 'on break with a reason',
    agent: { status: 'ON_BREAK', statusReason: 'lunch' },
    reason: 'ON_BREAK',
    detail: /^on break: lunch$/,
  },
  {
    name: 'on break with a reason containing punctuation',
    agent: { status: 'ON_BREAK', statusReason: 'doctor @ 3pm: back soon' },
    reason: 'ON_BREAK',
    detail: /doctor @ 3pm: back soon/,
  },
  { name: 'on break without a reason', agent: { status: 'ON_BREAK', statusReason: null }, reason: 'ON_BREAK', detail: /^on break$/ },
  { name: 'on break with an empty reason', agent: { status: 'ON_BREAK', statusReason: '' }, reason: 'ON_BREAK', detail: /^on break$/ },
  { name: 'in wrap-up', agent: { status: 'WRAP_UP' }, reason: 'WRAP_UP', detail: /wrap-up/i },
  { name: 'already on a call', agent: { liveness: { sipRegistered: true, onCall: true } }, reason: 'ON_CALL', detail: /on a call/i },
  {
    name: 'on a call while unregistered softphones are allowed',
    agent: { liveness: { sipRegistered: false, onCall: true } },
    allowUnregistered: true,
    reason: 'ON_CALL',
    detail: /on a call/i,
  },
];

describe('skip reasons', () => {
  it.each(SKIP_CASES)('$name → $reason', ({ agent: overrides, allowUnregistered = false, reason, detail }) => {
    const a = agent('skip-me', overrides);
    const p = policy({ allowUnregisteredSoftphones: allowUnregistered });

    const direct = skipReason(a, p);
    expect(direct).not.toBeNull();
    expect(direct!.agentId).toBe('skip-me');
    expect(direct!.reason).toBe(reason);
    expect(direct!.detail).toMatch(detail);
    expect(direct!.detail).not.toMatch(/null|undefined/);

    // Through decideRoute: the only agent is skipped, so the call falls back and reports why.
    const plan = fallback(decideRoute(p, [a], CALL, NOW));
    expect(plan.skipped).toEqual([direct]);
  });

  it.each(['AUTO', 'RING_ALL', 'SEQUENTIAL', 'ROUND_ROBIN'] as const)(
    '%s: an agent with no SIP target is skipped and the others ring at their targets',
    (mode) => {
      const agents = [agent('a', { sipTargetProblem: 'no Telnyx credential' }), agent('b', { sipUsername: 'gencredBee' })];
      const plan = ring(decideRoute(policy({ mode }), agents, CALL, NOW));
      expect(plan.targets).toEqual([{ agentId: 'b', sipUsername: 'gencredBee' }]);
      expect(plan.skipped).toContainEqual({ agentId: 'a', reason: 'NO_SIP_TARGET', detail: 'no Telnyx credential' });
    },
  );

  it('a routable agent has no skip reason', () => {
    expect(skipReason(agent('ok'), policy())).toBeNull();
  });

  it('an unregistered softphone is routable when the policy allows unregistered softphones', () => {
    const a = agent('unreg', { liveness: { sipRegistered: false, onCall: false } });
    expect(skipReason(a, { allowUnregisteredSoftphones: true })).toBeNull();
    expect(skipReason(a, { allowUnregisteredSoftphones: false })?.reason).toBe('NOT_REGISTERED');
    expect(ring(decideRoute(policy({ allowUnregisteredSoftphones: true }), [a], CALL, NOW)).targets).toEqual([
      { agentId: 'unreg', sipUsername: 'sip_unreg' },
    ]);
  });

  it('a status reason on an AVAILABLE agent does not make it skipped', () => {
    expect(skipReason(agent('a', { statusReason: 'lunch' }), policy())).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// Reason precedence: disabled > offline > not registered > on break > wrap-up > on call
// ---------------------------------------------------------------------------------------------

describe('reason precedence', () => {
  const offline = { liveness: null };
  const unregistered = { liveness: { sipRegistered: false, onCall: false } };
  const unregisteredOnCall = { liveness: { sipRegistered: false, onCall: true } };
  const onCall = { liveness: { sipRegistered: true, onCall: true } };

  const noTarget = { sipTargetProblem: "its Telnyx credential's SIP username is not known" };
  const cases: [string, Partial<AgentSnapshot>, boolean, SkipReason][] = [
    ['disabled beats offline', { enabled: false, ...offline }, false, 'DISABLED'],
    ['disabled beats no SIP target', { enabled: false, ...noTarget }, false, 'DISABLED'],
    ['no SIP target beats offline (configuration comes first)', { ...noTarget, ...offline }, false, 'NO_SIP_TARGET'],
    ['no SIP target beats not registered', { ...noTarget, ...unregistered }, false, 'NO_SIP_TARGET'],
    ['no SIP target beats on break', { ...noTarget, status: 'ON_BREAK' }, true, 'NO_SIP_TARGET'],
    ['no SIP target beats on call', { ...noTarget, ...onCall }, true, 'NO_SIP_TARGET'],
    ['disabled beats not registered', { enabled: false, ...unregistered }, false, 'DISABLED'],
    ['disabled beats on break', { enabled: false, status: 'ON_BREAK', statusReason: 'lunch' }, false, 'DISABLED'],
    ['disabled beats wrap-up', { enabled: false, status: 'WRAP_UP' }, false, 'DISABLED'],
    ['disabled beats on call', { enabled: false, ...onCall }, false, 'DISABLED'],
    ['disabled beats everything at once', { enabled: false, ...offline, status: 'ON_BREAK' }, true, 'DISABLED'],
    ['offline beats on break', { ...offline, status: 'ON_BREAK' }, false, 'OFFLINE'],
    ['offline beats wrap-up', { ...offline, status: 'WRAP_UP' }, false, 'OFFLINE'],
    ['not registered beats on break', { ...unregistered, status: 'ON_BREAK' }, false, 'NOT_REGISTERED'],
    ['not registered beats wrap-up', { ...unregistered, status: 'WRAP_UP' }, false, 'NOT_REGISTERED'],
    ['not registered beats on call', unregisteredOnCall, false, 'NOT_REGISTERED'],
    ['on break beats on call', { ...onCall, status: 'ON_BREAK' }, false, 'ON_BREAK'],
    ['wrap-up beats on call', { ...onCall, status: 'WRAP_UP' }, false, 'WRAP_UP'],
    ['allowed-unregistered on break is reported as on break', { ...unregistered, status: 'ON_BREAK' }, true, 'ON_BREAK'],
    ['allowed-unregistered in wrap-up is reported as wrap-up', { ...unregistered, status: 'WRAP_UP' }, true, 'WRAP_UP'],
  ];

  it.each(cases)('%s', (_name, overrides, allowUnregistered, expected) => {
    expect(skipReason(agent('p', overrides), { allowUnregisteredSoftphones: allowUnregistered })?.reason).toBe(expected);
  });

  // Exhaustive: every combination of the inputs that matter, checked against the ordered rule list.
  const RULES: [SkipReason, (a: AgentSnapshot, allowUnregistered: boolean) => boolean][] = [
    ['DISABLED', (a) => !a.enabled],
    ['NO_SIP_TARGET', (a) => a.sipTargetProblem !== null],
    ['OFFLINE', (a) => a.liveness === null],
    ['NOT_REGISTERED', (a, allow) => !a.liveness!.sipRegistered && !allow],
    ['ON_BREAK', (a) => a.status === 'ON_BREAK'],
    ['WRAP_UP', (a) => a.status === 'WRAP_UP'],
    ['ON_CALL', (a) => a.liveness!.onCall],
  ];

  it('matches the ordered rule list for every combination of inputs (144 combinations)', () => {
    const livenesses: AgentSnapshot['liveness'][] = [
      null,
      { sipRegistered: true, onCall: false },
      { sipRegistered: true, onCall: true },
      { sipRegistered: false, onCall: false },
      { sipRegistered: false, onCall: true },
    ];
    let checked = 0;
    for (const enabled of [true, false])
      for (const sipTargetProblem of [null, 'no Telnyx credential'])
        for (const liveness of livenesses)
          for (const status of ['AVAILABLE', 'ON_BREAK', 'WRAP_UP'] as AgentStatus[])
            for (const allow of [true, false]) {
              const a = agent('combo', { enabled, sipTargetProblem, liveness, status });
              const expected = RULES.find(([, applies]) => applies(a, allow))?.[0] ?? null;
              const actual = skipReason(a, { allowUnregisteredSoftphones: allow });
              expect({ enabled, sipTargetProblem, liveness, status, allow, reason: actual?.reason ?? null }).toEqual({
                enabled,
                sipTargetProblem,
                liveness,
                status,
                allow,
                reason: expected,
              });
              expect(actual === null).toBe(isRoutable(a, allow));
              checked++;
            }
    expect(checked).toBe(2 * 2 * 5 * 3 * 2);
  });
});

// ---------------------------------------------------------------------------------------------
// Mixed sets and ordering
// ---------------------------------------------------------------------------------------------

describe('mixed agent sets', () => {
  it('ring-all takes the given display ranks as the order, without comparing names', () => {
    const agents = [
      agent('a', { displayName: 'Ann', displayRank: 2 }),
      agent('b', { displayName: 'Bob', displayRank: 0 }),
      agent('c', { displayName: 'Cy', displayRank: 1 }),
    ];
    expect(ring(decideRoute(policy({ mode: 'AUTO' }), agents, CALL, NOW)).targets.map((t) => t.agentId)).toEqual(['b', 'c', 'a']);
  });

  it('ring-all orders by the display ranks the directory gives exactly as by comparing names, dial limit included', () => {
    const random = seededRandom(7);
    const names = [
      'alice',
      'Alice',
      'Álvaro',
      'bob',
      'Bob',
      'Zoë',
      'zoe',
      'Émile',
      'emile',
      '9 Lives',
      'O’Neil',
      'oneil',
      'Ann-Marie',
      'ann marie',
    ];
    for (let round = 0; round < 200; round++) {
      const agents = Array.from({ length: 1 + Math.floor(random() * 14) }, (_, i) =>
        agent(`id-${Math.floor(random() * 1000)}-${i}`, {
          displayName: names[Math.floor(random() * names.length)]!,
          liveness: random() < 0.8 ? { sipRegistered: true, onCall: false } : null,
        }),
      );
      const ranked = [...agents].sort(compareDisplayOrder);
      const withRanks = agents.map((a) => ({ ...a, displayRank: ranked.indexOf(a) }));
      const p = policy({ mode: 'AUTO', maxDialTargets: 1 + Math.floor(random() * 6) });
      expect(decideRoute(p, withRanks, CALL, NOW), agents.map((a) => a.displayName).join(',')).toEqual(decideRoute(p, agents, CALL, NOW));
    }
  });

  it('rings exactly the routable agents, sorted by display name, and skips the rest with their reasons', () => {
    const agents = [
      agent('id-carol', { displayName: 'Carol' }),
      agent('id-dave', { displayName: 'Dave', enabled: false }),
      agent('id-alice', { displayName: 'Alice' }),
      agent('id-erin', { displayName: 'Erin', liveness: null }),
      agent('id-frank', { displayName: 'Frank', status: 'ON_BREAK', statusReason: 'coffee' }),
      agent('id-bob', { displayName: 'Bob' }),
      agent('id-gina', { displayName: 'Gina', status: 'WRAP_UP' }),
      agent('id-hank', { displayName: 'Hank', liveness: { sipRegistered: true, onCall: true } }),
      agent('id-ivy', { displayName: 'Ivy', liveness: { sipRegistered: false, onCall: false } }),
    ];
    const plan = ring(decideRoute(policy({ ringTimeoutSeconds: 18 }), agents, CALL, NOW));
    expect(plan.targets).toEqual([
      { agentId: 'id-alice', sipUsername: 'sip_id-alice' },
      { agentId: 'id-bob', sipUsername: 'sip_id-bob' },
      { agentId: 'id-carol', sipUsername: 'sip_id-carol' },
    ]);
    expect(plan.timeoutSeconds).toBe(18);
    const skipped = Object.fromEntries(plan.skipped.map((s) => [s.agentId, s.reason]));
    expect(skipped).toEqual({
      'id-dave': 'DISABLED',
      'id-erin': 'OFFLINE',
      'id-frank': 'ON_BREAK',
      'id-gina': 'WRAP_UP',
      'id-hank': 'ON_CALL',
      'id-ivy': 'NOT_REGISTERED',
    });
    expect(plan.skipped).toHaveLength(6);
    expect(plan.skipped.find((s) => s.agentId === 'id-frank')!.detail).toContain('coffee');
  });

  it('allowing unregistered softphones moves only the unregistered-but-otherwise-available agent into the ring', () => {
    const agents = [
      agent('b', { displayName: 'B', liveness: { sipRegistered: false, onCall: false } }),
      agent('a', { displayName: 'A' }),
      agent('c', { displayName: 'C', liveness: { sipRegistered: false, onCall: true } }),
      agent('d', { displayName: 'D', liveness: null }),
    ];
    const strict = ring(decideRoute(policy(), agents, CALL, NOW));
    expect(strict.targets.map((t) => t.agentId)).toEqual(['a']);
    const lenient = ring(decideRoute(policy({ allowUnregisteredSoftphones: true }), agents, CALL, NOW));
    expect(lenient.targets.map((t) => t.agentId)).toEqual(['a', 'b']);
    expect(lenient.skipped.map((s) => [s.agentId, s.reason])).toEqual([
      ['c', 'ON_CALL'],
      ['d', 'OFFLINE'],
    ]);
  });

  it('orders targets by display name, then by id for equal names, whatever the input order', () => {
    const agents = [
      agent('z-2', { displayName: 'Sam' }),
      agent('b-9', { displayName: 'Zoe' }),
      agent('a-1', { displayName: 'Sam' }),
      agent('m-5', { displayName: 'Ann' }),
      agent('c-3', { displayName: 'Sam' }),
    ];
    const expected = ['m-5', 'a-1', 'c-3', 'z-2', 'b-9'];
    for (const order of [agents, [...agents].reverse(), [agents[2]!, agents[4]!, agents[0]!, agents[3]!, agents[1]!]]) {
      expect(ring(decideRoute(policy(), order, CALL, NOW)).targets.map((t) => t.agentId)).toEqual(expected);
    }
  });

  it('does not mutate the input array or the agents', () => {
    const agents = [
      agent('3', { displayName: 'Charlie' }),
      agent('1', { displayName: 'Alpha', status: 'ON_BREAK', statusReason: 'lunch' }),
      agent('2', { displayName: 'Bravo' }),
      agent('0', { displayName: 'Aaron' }),
    ];
    const snapshot = structuredClone(agents);
    const frozen = Object.freeze(agents.map((a) => Object.freeze({ ...a, liveness: a.liveness && Object.freeze({ ...a.liveness }) })));
    // A frozen array throws on an in-place sort, so this also proves no in-place reordering happened.
    const plan = ring(decideRoute(policy(), frozen, CALL, NOW));
    expect(plan.targets.map((t) => t.agentId)).toEqual(['0', '2', '3']);
    expect(frozen.map((a) => a.id)).toEqual(['3', '1', '2', '0']);
    // And with an ordinary mutable array.
    decideRoute(policy(), agents, CALL, NOW);
    expect(agents).toEqual(snapshot);
  });

  it('returns a fresh plan each time: mutating one plan does not affect the next', () => {
    const agents = [agent('a'), agent('b', { enabled: false })];
    const first = ring(decideRoute(policy(), agents, CALL, NOW));
    first.targets.pop();
    first.skipped.pop();
    const second = ring(decideRoute(policy(), agents, CALL, NOW));
    expect(second.targets).toHaveLength(1);
    expect(second.skipped).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------
// Property-style check over random agent sets
// ---------------------------------------------------------------------------------------------

describe('property: invariants over random agent sets', () => {
  const SEED = 0xc0ffee;
  const ITERATIONS = 4000;
  // A small name pool forces display-name ties so the id tie-break is exercised.
  const NAMES = ['Ana', 'ana', 'Bea', 'Bea', 'Carlos', 'Émile', 'Zed', 'Ñoño', ''];
  const STATUSES: AgentStatus[] = ['AVAILABLE', 'AVAILABLE', 'ON_BREAK', 'WRAP_UP'];

  function randomAgents(rand: () => number, iteration: number): AgentSnapshot[] {
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const count = Math.floor(rand() * 13); // 0..12
    return Array.from({ length: count }, (_, i) => {
      const id = `${iteration}-${Math.floor(rand() * 1000)}-${i}`; // unique within the set
      return {
        id,
        displayName: pick(NAMES),
        sipUsername: `u${id}`,
        enabled: rand() < 0.85,
        status: pick(STATUSES),
        statusReason: rand() < 0.5 ? null : pick(['lunch', 'meeting', '']),
        liveness: rand() < 0.2 ? null : { sipRegistered: rand() < 0.75, onCall: rand() < 0.2 },
        ...AGENT_DEFAULTS,
      };
    });
  }

  function shuffled<T>(xs: readonly T[], rand: () => number): T[] {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  it(`holds for ${ITERATIONS} random sets (seed ${SEED})`, () => {
    const rand = seededRandom(SEED);
    const seen = { ring: 0, fallback: 0, multi: 0 };
    for (let iteration = 0; iteration < ITERATIONS; iteration++) {
      const agents = randomAgents(rand, iteration);
      const kinds: FallbackKind[] = ['VOICEMAIL', 'NUMBER', 'HANGUP'];
      const p = policy({
        allowUnregisteredSoftphones: rand() < 0.5,
        ringTimeoutSeconds: 5 + Math.floor(rand() * 116),
        fallbackKind: kinds[Math.floor(rand() * 3)]!,
      });
      const ctx = `iteration ${iteration}: ${JSON.stringify({ agents, allow: p.allowUnregisteredSoftphones })}`;
      const plan = decideRoute(p, agents, CALL, NOW);

      const targetIds = plan.kind === 'RING' ? plan.targets.map((t) => t.agentId) : [];
      const skippedIds = plan.skipped.map((s) => s.agentId);
      const allIds = agents.map((a) => a.id);
      const routableIds = agents.filter((a) => isRoutable(a, p.allowUnregisteredSoftphones)).map((a) => a.id);

      // targets ∪ skipped = all agents, and they are disjoint (each agent exactly once).
      expect([...targetIds, ...skippedIds].sort(), ctx).toEqual([...allIds].sort());
      expect(new Set([...targetIds, ...skippedIds]).size, ctx).toBe(allIds.length);
      // RING iff at least one routable agent; targets are exactly the routable agents.
      expect(plan.kind, ctx).toBe(routableIds.length > 0 ? 'RING' : 'FALLBACK');
      expect([...targetIds].sort(), ctx).toEqual([...routableIds].sort());

      // Every skipped entry carries the agent's own reason.
      for (const s of plan.skipped) {
        const a = agents.find((x) => x.id === s.agentId)!;
        expect(s, ctx).toEqual(skipReason(a, p));
      }

      if (plan.kind === 'RING') {
        seen.ring++;
        if (plan.targets.length > 1) seen.multi++;
        expect(plan.timeoutSeconds, ctx).toBe(p.ringTimeoutSeconds);
        // Each target dials that agent's SIP username.
        for (const t of plan.targets) expect(t.sipUsername, ctx).toBe(agents.find((a) => a.id === t.agentId)!.sipUsername);
        // Sorted by display name, then id.
        for (let i = 1; i < plan.targets.length; i++) {
          const prev = agents.find((a) => a.id === plan.targets[i - 1]!.agentId)!;
          const cur = agents.find((a) => a.id === plan.targets[i]!.agentId)!;
          const byName = new Intl.Collator('en', { sensitivity: 'base' }).compare(prev.displayName, cur.displayName);
          expect(byName < 0 || (byName === 0 && prev.id < cur.id), ctx).toBe(true);
        }
        // Input order does not matter: a shuffled copy rings the same agents in the same order.
        const again = decideRoute(p, shuffled(agents, rand), CALL, NOW);
        expect(again.kind === 'RING' ? again.targets : null, ctx).toEqual(plan.targets);
      } else {
        seen.fallback++;
        expect(plan.kind, ctx).toBe('FALLBACK'); // no skills asked: never WAIT
        expect(plan.kind === 'FALLBACK' && plan.fallback, ctx).toBe(p.fallbackKind);
      }
    }
    // The generator actually exercised every branch.
    expect(seen.ring).toBeGreaterThan(ITERATIONS / 10);
    expect(seen.fallback).toBeGreaterThan(ITERATIONS / 10);
    expect(seen.multi).toBeGreaterThan(ITERATIONS / 20);
  });
});

// ---------------------------------------------------------------------------------------------
// Skills and widening (docs/ROUTING.md §Skills: TaskRouter expressions; Asterisk queue rules, where
// the pool widens with the wait and the call keeps its place)
// ---------------------------------------------------------------------------------------------

describe('skills: required skill filters, then widens after the wait', () => {
  const es = { op: 'has', skill: 'es', cmp: '>=', level: 1 } as const;
  const esExpert = { op: 'has', skill: 'es', cmp: '>=', level: 8 } as const;
  const team = [
    agent('ana', { displayName: 'Ana', skills: { es: 9, en: 5 }, position: 1 }),
    agent('ben', { displayName: 'Ben', skills: { en: 10 }, position: 2 }),
    agent('cruz', { displayName: 'Cruz', skills: { es: 4 }, position: 3 }),
  ];
  const modes = ['AUTO', 'RING_ALL', 'SEQUENTIAL', 'ROUND_ROBIN', 'LONGEST_IDLE', 'FEWEST_CALLS', 'RANDOM', 'PROGRESSIVE'] as const;
  const hunt = (offered: string[] = []) => ({ callSid: 'c1', offered, elapsedSeconds: 0, random: () => 0 });

  it.each(modes)('%s rings only agents with the skill, and says why the others are skipped', (mode) => {
    const plan = ring(decideRoute(policy({ mode }), team, { ...CALL, requiredSkills: es }, NOW, hunt()));
    expect(plan.targets.every((t) => t.agentId === 'ana' || t.agentId === 'cruz')).toBe(true);
    expect(plan.widened).toBe(false);
    expect(plan.skipped).toContainEqual({ agentId: 'ben', reason: 'LACKS_SKILL', detail: 'lacks skill es' });
  });

  it('a level threshold leaves out agents below it', () => {
    const plan = ring(decideRoute(policy({ mode: 'RING_ALL' }), team, { ...CALL, requiredSkills: esExpert }, NOW, hunt()));
    expect(plan.targets.map((t) => t.agentId)).toEqual(['ana']);
    expect(plan.skipped.find((s) => s.agentId === 'cruz')).toMatchObject({ reason: 'LACKS_SKILL', detail: 'lacks skill es>=8' });
  });

  it('an unavailable agent is skipped for its state first, not for its skills', () => {
    const onBreak = [agent('ben', { skills: {}, status: 'ON_BREAK', statusReason: 'lunch' })];
    const plan = decideRoute(policy(), onBreak, { ...CALL, requiredSkills: es }, NOW);
    expect(plan.skipped).toEqual([{ agentId: 'ben', reason: 'ON_BREAK', detail: 'on break: lunch' }]);
  });

  it('without widening, nobody with the skill → the fallback (NO_AGENTS)', () => {
    const plan = fallback(decideRoute(policy({ widenAfterSeconds: null }), [team[1]!], { ...CALL, requiredSkills: es }, NOW));
    expect(plan.reason).toBe('NO_AGENTS');
  });

  it('with widening, nobody with the skill → hold until widenAfterSeconds, counted from the call start', () => {
    const p = policy({ widenAfterSeconds: 30 });
    const only = [team[1]!];
    const waits = [0, 10, 29.5].map((age) => decideRoute(p, only, { ...CALL, requiredSkills: es, ageSeconds: age }, NOW));
    expect(waits.map((w) => (w.kind === 'WAIT' ? w.seconds : w.kind))).toEqual([30, 20, 1]);
    expect(waits[0]!.skipped).toContainEqual({ agentId: 'ben', reason: 'LACKS_SKILL', detail: 'lacks skill es' });
    const after = ring(decideRoute(p, only, { ...CALL, requiredSkills: es, ageSeconds: 30 }, NOW));
    expect(after.targets.map((t) => t.agentId)).toEqual(['ben']);
    expect(after.widened).toBe(true);
  });

  it('holding is pointless when widening would find nobody either: straight to the fallback', () => {
    const offline = [agent('ben', { skills: {}, liveness: null })];
    expect(fallback(decideRoute(policy({ widenAfterSeconds: 30 }), offline, { ...CALL, requiredSkills: es }, NOW)).reason).toBe(
      'NO_AGENTS',
    );
  });

  it('a hunt offers the skilled agents first, then widens to the others without offering anyone twice', () => {
    const p = policy({ mode: 'SEQUENTIAL', widenAfterSeconds: 40 });
    const call = (ageSeconds: number) => ({ ...CALL, requiredSkills: es, ageSeconds });
    const offered: string[] = [];
    const steps: string[] = [];
    for (const age of [0, 20, 40, 60]) {
      const plan = decideRoute(p, team, call(age), NOW, hunt(offered));
      if (plan.kind !== 'RING') {
        steps.push(plan.kind);
        break;
      }
      steps.push(plan.targets.map((t) => t.agentId).join('+'));
      offered.push(...plan.targets.map((t) => t.agentId));
    }
    // ana and cruz (es) in position order; at 40 s the call widens to ben; then nobody is left.
    expect(steps).toEqual(['ana', 'cruz', 'ben', 'FALLBACK']);
  });

  it('a skilled agent missed once and no other skilled agent: hold until widening, then ring the rest', () => {
    const p = policy({ mode: 'SEQUENTIAL', widenAfterSeconds: 60 });
    const plan = decideRoute(p, [team[0]!, team[1]!], { ...CALL, requiredSkills: es, ageSeconds: 25 }, NOW, hunt(['ana']));
    expect(plan).toMatchObject({ kind: 'WAIT', seconds: 35, reason: 'SKILL_WIDENING' });
  });

  it('closed hours win over skills', () => {
    const closed = { timeZone: 'UTC', weekly: {}, closures: [] };
    expect(
      fallback(decideRoute(policy({ businessHours: closed, widenAfterSeconds: 10 }), team, { ...CALL, requiredSkills: es }, NOW)).reason,
    ).toBe('AFTER_HOURS');
  });

  it('no requirement: skills play no part and nothing ever waits', () => {
    const plan = ring(decideRoute(policy({ mode: 'RING_ALL', widenAfterSeconds: 10 }), team, CALL, NOW, hunt()));
    expect(plan.targets).toHaveLength(3);
    expect(plan.skipped).toEqual([]);
  });
});

describe('business hours in the plan', () => {
  const team = [agent('ana'), agent('ben', { liveness: null })];
  it('closed: every agent is listed with the reason, the holiday named', () => {
    const holiday = {
      timeZone: 'UTC',
      weekly: { MON: [{ open: '00:00', close: '24:00' }] },
      closures: [{ date: '2023-11-14', name: 'Staff day' }],
    };
    const plan = fallback(decideRoute(policy({ businessHours: holiday, afterHoursKind: 'HANGUP' }), team, CALL, NOW)); // NOW is 2023-11-14
    expect(plan).toMatchObject({ fallback: 'HANGUP', reason: 'AFTER_HOURS' });
    expect(plan.skipped).toEqual([
      { agentId: 'ana', reason: 'CLOSED', detail: 'closed: Staff day' },
      { agentId: 'ben', reason: 'CLOSED', detail: 'closed: Staff day' },
    ]);
    const weekend = { timeZone: 'UTC', weekly: { SAT: [{ open: '09:00', close: '17:00' }] }, closures: [] };
    expect(fallback(decideRoute(policy({ businessHours: weekend }), team, CALL, NOW)).skipped[0]!.detail).toBe('outside business hours');
  });
});

describe('AUTO after a missed ring-all', () => {
  const team = [agent('ana', { skills: { es: 5 } }), agent('ben')];
  const hunt = (offered: string[]) => ({ callSid: 'c1', offered, elapsedSeconds: 25, random: () => 0 });

  it('goes to the fallback, never ringing the same agents round again', () => {
    const plan = fallback(decideRoute(policy(), team, CALL, NOW, hunt(['ana', 'ben'])));
    expect(plan.reason).toBe('HUNT_EXHAUSTED');
    expect(plan.skipped.map((s) => s.reason)).toEqual(['ALREADY_OFFERED', 'ALREADY_OFFERED']);
  });

  it('rings an agent who came online after the first ring, once', () => {
    expect(ring(decideRoute(policy(), team, CALL, NOW, hunt(['ana']))).targets.map((t) => t.agentId)).toEqual(['ben']);
  });

  it('with a skill: the skilled agents missed, then the call widens to the others once it is old enough', () => {
    const es = { op: 'has', skill: 'es', cmp: '>=', level: 1 } as const;
    const p = policy({ widenAfterSeconds: 30 });
    expect(decideRoute(p, team, { ...CALL, requiredSkills: es, ageSeconds: 25 }, NOW, hunt(['ana']))).toMatchObject({
      kind: 'WAIT',
      seconds: 5,
    });
    expect(
      ring(decideRoute(p, team, { ...CALL, requiredSkills: es, ageSeconds: 30 }, NOW, hunt(['ana']))).targets.map((t) => t.agentId),
    ).toEqual(['ben']);
  });
});

// ---------------------------------------------------------------------------------------------
// MAX_DIAL_TARGETS: at most that many <Sip> nouns in one <Dial> (Telnyx's dials-per-second limit,
// developers.telnyx.com/docs/voice/programmable-voice/dials-per-second-limit)
// ---------------------------------------------------------------------------------------------

describe('maxDialTargets: the most agents one step rings', () => {
  const twelve = Array.from({ length: 12 }, (_, i) => agent(`a${String(i + 1).padStart(2, '0')}`, { position: i + 1 }));
  const idsOf = (plan: RoutePlan) => ring(plan).targets.map((t) => t.agentId);
  const hunt = (offered: string[]) => ({ callSid: 'c1', offered, elapsedSeconds: 20, random: () => 0 });

  it.each(['AUTO', 'RING_ALL'] as const)('%s with 12 routable agents and a cap of 5: 5 now, the rest said to ring later', (mode) => {
    const plan = ring(decideRoute(policy({ mode, maxDialTargets: 5 }), twelve, CALL, NOW));
    expect(plan.targets.map((t) => t.agentId)).toEqual(['a01', 'a02', 'a03', 'a04', 'a05']);
    expect(plan.skipped.map((s) => [s.agentId, s.reason])).toEqual(
      ['a06', 'a07', 'a08', 'a09', 'a10', 'a11', 'a12'].map((id) => [id, 'DIAL_LIMIT']),
    );
    expect(plan.skipped[0]!.detail).toBe('rings in a later step: at most 5 agents ring at once (MAX_DIAL_TARGETS)');
  });

  it.each(['AUTO', 'RING_ALL'] as const)('%s: the next steps ring the rest, then the fallback', (mode) => {
    const p = policy({ mode, maxDialTargets: 5 });
    const first = idsOf(decideRoute(p, twelve, CALL, NOW));
    const second = idsOf(decideRoute(p, twelve, CALL, NOW, hunt(first)));
    const third = idsOf(decideRoute(p, twelve, CALL, NOW, hunt([...first, ...second])));
    expect(second).toEqual(['a06', 'a07', 'a08', 'a09', 'a10']);
    expect(third).toEqual(['a11', 'a12']);
    expect(fallback(decideRoute(p, twelve, CALL, NOW, hunt([...first, ...second, ...third]))).reason).toBe('HUNT_EXHAUSTED');
  });

  it('a cap at or above the routable count changes nothing', () => {
    for (const mode of ['AUTO', 'RING_ALL'] as const) {
      expect(decideRoute(policy({ mode, maxDialTargets: 12 }), twelve, CALL, NOW)).toEqual(
        decideRoute(policy({ mode }), twelve, CALL, NOW),
      );
    }
  });

  it('PROGRESSIVE past the cap: the earliest agents are said to have stopped ringing', () => {
    const p = policy({ mode: 'PROGRESSIVE', maxDialTargets: 2, progressiveStepSeconds: 10 });
    const plan = ring(decideRoute(p, twelve, CALL, NOW, hunt(['a01', 'a02'])));
    expect(plan.targets.map((t) => t.agentId)).toEqual(['a02', 'a03']);
    expect(plan.skipped).toContainEqual({
      agentId: 'a01',
      reason: 'DIAL_LIMIT',
      detail: 'stopped ringing: at most 2 agents ring at once (MAX_DIAL_TARGETS)',
    });
  });

  it('agents skipped for other reasons are not counted against the cap', () => {
    const team = [agent('off', { liveness: null, position: 0 }), ...twelve.slice(0, 3)];
    const plan = ring(decideRoute(policy({ mode: 'RING_ALL', maxDialTargets: 2 }), team, CALL, NOW));
    expect(plan.targets.map((t) => t.agentId)).toEqual(['a01', 'a02']);
    expect(plan.skipped.map((s) => [s.agentId, s.reason])).toEqual([
      ['off', 'OFFLINE'],
      ['a03', 'DIAL_LIMIT'],
    ]);
  });
});

describe('ringOnePlan (an agent chosen outside the hunt: a transfer, a queue offer)', () => {
  it('rings that agent alone, reserved, at its tier, for the given time', () => {
    expect(ringOnePlan({ id: 'ana', sipUsername: 'ana-sip', tier: 2 }, 25)).toEqual({
      kind: 'RING',
      targets: [{ agentId: 'ana', sipUsername: 'ana-sip' }],
      timeoutSeconds: 25,
      tier: 2,
      reserve: true,
      widened: false,
      skipped: [],
    });
  });
});
