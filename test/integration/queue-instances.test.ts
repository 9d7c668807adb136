/**
 * The queue across two instances on one Redis and one Postgres (docs/QUEUES.md), proven by whole
 * calls: the local Telnyx reaches the service through a round-robin load balancer, so the webhooks of
 * one call land on either instance, and either instance's dispatcher may offer a waiting caller. The
 * burst of queue-scenarios' first test must come out as it does on one instance: nobody offered twice,
 * no agent with two calls at once, callers offered in arrival order; and a callback asked for on one
 * instance is placed by the other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_SWEEP_MS } from '../../src/calls/queue-dispatcher.js';
import type { CallResult, Step } from '../../src/simulator/transcript.js';
import { enqueuedAt, offeredAt, when } from '../support/queue-transcripts.js';
import { sharedBackendsAvailable } from '../support/shared-backends.js';
import { type SimulatedCompany, type Simulation, startSimulation } from '../support/simulation.js';

type LegStep = Extract<Step, { kind: 'leg' }>;

const ready = await sharedBackendsAvailable();

let numbers = 0;
const nextNumber = () => `+1305557${String(1000 + ++numbers)}`;
const callerNumber = (n: number) => `+1555986${String(1000 + n)}`;

/** Each leg a call's `<Dial>`s rang: to whom, from its first step to its last (or the call's end), absolute seconds. */
function legsOf(r: CallResult): { legSid: string; to: string; from: number; until: number; call: string }[] {
  const byLeg = new Map<string, LegStep[]>();
  for (const s of r.steps) if (s.kind === 'leg') byLeg.set(s.legSid, [...(byLeg.get(s.legSid) ?? []), s]);
  const end = r.startedAt / 1000 + r.duration;
  return [...byLeg].map(([legSid, steps]) => {
    const last = steps.at(-1)!;
    const over = ['completed', 'no-answer', 'busy', 'failed', 'canceled', 'unreachable'].includes(last.status);
    return { legSid, to: steps[0]!.to, from: when(r, steps[0]!), until: over ? when(r, last) : end, call: r.callSid };
  });
}

/** The REST "Update call" redirects the service asked of Telnyx, per call sid. */
function redirectsOf(sim: Simulation): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of sim.telnyx.rest.requests) {
    const sid = /\/Calls\/([^/]+?)(?:\.json)?$/.exec(r.path)?.[1];
    if (r.method !== 'POST' || !sid || typeof (r.body as { Url?: unknown })?.Url !== 'string') continue;
    counts.set(decodeURIComponent(sid), (counts.get(decodeURIComponent(sid)) ?? 0) + 1);
  }
  return counts;
}

/** After each REST redirect of the call, the verbs played until the next one (or the end). */
function afterRedirects(r: CallResult): string[][] {
  const rounds: string[][] = [];
  for (const s of r.steps) {
    if (s.kind === 'fetch' && s.purpose === 'REST update Url') rounds.push([]);
    // The caller's verbs only (an answered agent leg plays its own <Dial><Conference>), and no room join:
    // a Dial to an agent is the offer.
    else if (s.kind === 'verb' && rounds.length > 0 && !s.line.startsWith('leg ') && !s.line.includes('conference'))
      rounds.at(-1)!.push(s.verb);
  }
  return rounds;
}

/** Log lines of an instance with this message. */
const logged = (sim: Simulation, instance: number, msg: string) => sim.logs[instance]!.filter((l) => l.msg === msg);

describe.runIf(ready)('the queue across two instances behind a load balancer', () => {
  let sim: Simulation;
  /** Virtual ms (mod 1000) at which both instances' queue sweeps tick: every QUEUE_SWEEP_MS from their start. */
  let sweepPhase: number;

  beforeAll(async () => {
    sim = await startSimulation({ instances: 2 });
    sweepPhase = sim.clock!.now() % QUEUE_SWEEP_MS;
  });
  afterAll(() => sim?.close());

  it('3 agents, 10 callers at once: everyone answered, nobody offered twice, no agent with two calls, arrival order kept, webhooks on both instances', async () => {
    const c = await sim.company({
      number: nextNumber(),
      routing: { mode: 'LONGEST_IDLE', ringTimeoutSeconds: 15 },
      agents: [{ name: 'ana' }, { name: 'ben' }, { name: 'cy' }],
    });
    sim.phoneBook(
      'agent ana answers after 1 s and hangs up after 30 s; agent ben answers after 1 s and hangs up after 40 s; agent cy answers after 1 s and hangs up after 50 s',
      c.agents,
    );
    const servedBefore = sim.balancer!.served.length;
    const results = await sim.calls(
      Array.from({ length: 10 }, (_, i) => `call from ${callerNumber(i + 1)} to ${c.number}; caller talks for 600 s`),
      { staggerSeconds: 0.5 },
    );
    sim.phoneBook('agent ana is not scripted; agent ben is not scripted; agent cy is not scripted', c.agents);

    // Everyone was answered: the first three at once, the other seven after waiting.
    expect(results.map((r) => r.outcome)).toEqual(Array(10).fill('ANSWERED'));
    expect(results.slice(0, 3).map((r) => enqueuedAt(r))).toEqual([null, null, null]);
    const waited = results.slice(3);
    expect(waited.every((r) => enqueuedAt(r) !== null)).toBe(true);

    // Nobody offered twice: one REST redirect per waiting caller (none for the others), each followed by one Dial.
    const redirects = redirectsOf(sim);
    expect(results.map((r) => redirects.get(r.callSid) ?? 0)).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 1, 1]);
    for (const r of waited) expect(afterRedirects(r).map((verbs) => verbs.filter((v) => v === 'Dial'))).toEqual([['Dial']]);
    // So a caller never had two legs at once: each rang one agent, once.
    for (const r of results) expect(legsOf(r), r.callSid).toHaveLength(1);

    // No agent ever has two legs ringing or answered at once, across all calls; each took some. And none
    // stood free over a second while someone waited, whichever instance heard them hang up.
    const all = results.flatMap(legsOf);
    for (const agent of ['ana', 'ben', 'cy']) {
      const mine = all.filter((l) => l.to.includes(`${c.agents[agent]!}@`)).sort((a, b) => a.from - b.from);
      expect(mine.length, agent).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < mine.length; i++) {
        expect(mine[i]!.from, `${agent}: ${mine[i]!.call} rang while ${mine[i - 1]!.call} was on`).toBeGreaterThanOrEqual(
          mine[i - 1]!.until,
        );
      }
      for (const leg of mine) {
        if (!waited.some((r) => enqueuedAt(r)! <= leg.until && offeredAt(r)! > leg.until)) continue;
        const next = mine.find((l) => l.from >= leg.until);
        expect(next, `${agent} freed at ${leg.until}`).toBeDefined();
        expect(next!.from - leg.until).toBeLessThanOrEqual(1);
      }
    }

    // Arrival order kept: each waiting caller was offered no earlier than the one who arrived before them.
    const arrivals = [...waited].sort((a, b) => enqueuedAt(a)! - enqueuedAt(b)!);
    expect(arrivals.map((r) => r.callSid)).toEqual(waited.map((r) => r.callSid));
    const offers = arrivals.map((r) => offeredAt(r)!);
    expect([...offers].sort((a, b) => a - b)).toEqual(offers);

    // The webhooks really were split: both instances served many, and most calls had webhooks on both.
    const served = sim.balancer!.served.slice(servedBefore).filter((s) => s.path.startsWith('/telnyx/'));
    const perInstance = [0, 1].map((i) => served.filter((s) => s.upstream === i).length);
    expect(Math.min(...perInstance)).toBeGreaterThan(served.length * 0.3);
    const sidsOf = (r: CallResult) => new Set([r.callSid, ...legsOf(r).map((l) => l.legSid)]);
    const split = results.filter((r) => {
      const sids = sidsOf(r);
      return new Set(served.filter((s) => s.callSid && sids.has(s.callSid)).map((s) => s.upstream)).size === 2;
    });
    expect(split.length).toBeGreaterThanOrEqual(8);
    // Every decision was made under the company's lock, never from an instance's local view.
    for (const i of [0, 1]) expect(logged(sim, i, 'company call lock not had in time: decided from the local view')).toEqual([]);

    // Nothing left in the shared queue; the call log has the waits.
    expect(await sim.waiting(c.companyId)).toEqual([]);
    for (const s of sim.servers) await s.app.services.calls.log.flush();
    const log = await sim.server.database.prisma.callLog.findUnique({
      where: { companyId_callSid: { companyId: c.companyId, callSid: waited[6]!.callSid } },
    });
    expect(log).toMatchObject({ outcome: 'ANSWERED', callbackRequested: false });
    expect(log!.waitSeconds).toBeGreaterThan(60);
  });

  it('a callback asked for on one instance is placed by the other, once, and the caller behind keeps their place', async () => {
    const c = await sim.company({
      number: nextNumber(),
      routing: { mode: 'LONGEST_IDLE', ringTimeoutSeconds: 15 },
      agents: [{ name: 'solo' }],
    });
    const [first, asker, behind] = [callerNumber(21), callerNumber(22), callerNumber(23)];
    // The asker's webhooks all land on instance 0; those of the call solo is on (its legs too) on instance 1,
    // so solo frees up there, and instance 1, poked by that webhook, places the callback: time holds from
    // that poke until the offer is made. Solo hangs up (at 31 s) half-way between two sweeps, and time
    // stops at 30.75 s (a marker), so the sweep before is over by then: instance 0's sweeps cannot race it.
    const onOne = new Set<string>();
    sim.balancer!.pin(({ params }) => {
      if (params.From === first && params.CallSid) onOne.add(params.CallSid);
      if (onOne.has(params.CallSid ?? '') || onOne.has(params.ParentCallSid ?? '')) return 1;
      return params.From === asker ? 0 : undefined;
    });
    sim.phoneBook(`agent solo answers after 1 s and hangs up after 30 s; number ${asker} answers after 2 s`, c.agents);
    const clock = sim.clock!;
    clock.advance((sweepPhase + QUEUE_SWEEP_MS / 2 - (clock.now() % QUEUE_SWEEP_MS) + QUEUE_SWEEP_MS) % QUEUE_SWEEP_MS);
    const servedBefore = sim.balancer!.served.length;
    let results: CallResult[];
    try {
      results = await sim.calls(
        [
          `call from ${first} to ${c.number}; caller talks for 600 s`,
          { scenario: `call from ${asker} to ${c.number}; press 1 at 8 s`, at: 2 },
          { scenario: `call from ${behind} to ${c.number}; caller talks for 600 s`, at: 4 },
        ],
        { actions: [{ at: 30.75, run: async () => {} }] },
      );
      await untilQueueEmpty(sim, c);
    } finally {
      sim.balancer!.pin(null);
      sim.phoneBook(`agent solo is not scripted; number ${asker} is not scripted`, c.agents);
    }
    const [, asked, next] = results;

    // The key press was heard on instance 0, the callback placed by instance 1, once.
    const served = sim.balancer!.served.slice(servedBefore);
    const askerWebhooks = served.filter((s) => s.callSid === asked!.callSid);
    expect(askerWebhooks.some((s) => s.path.startsWith('/telnyx/queue-key'))).toBe(true);
    expect(new Set(askerWebhooks.map((s) => s.upstream))).toEqual(new Set([0]));
    const placed = (i: number) => logged(sim, i, 'queue offer sent').filter((l) => l.callSid === asked!.callSid);
    expect(placed(0)).toEqual([]);
    expect(placed(1)).toMatchObject([{ kind: 'callback', agentId: c.agentIds.solo }]);
    const created = sim.telnyx.engine.list().filter((call) => call.to.includes(c.agents.solo!) && call.direction === 'outbound-api');
    expect(created).toHaveLength(1);
    expect(created[0]!.status).toBe('completed');

    // The customer was called back and bridged; the call log says so.
    expect(asked!.steps.some((s) => s.kind === 'verb' && s.verb === 'Say' && /call you back/i.test(s.text))).toBe(true);
    expect(legsOf(asked!)).toEqual([]);
    for (const s of sim.servers) await s.app.services.calls.log.flush();
    const log = await sim.server.database.prisma.callLog.findUnique({
      where: { companyId_callSid: { companyId: c.companyId, callSid: asked!.callSid } },
    });
    expect(log).toMatchObject({ outcome: 'ANSWERED', callbackRequested: true, answeredAgentId: c.agentIds.solo });
    // The caller behind was offered only after the callback, once.
    expect(next!.outcome).toBe('ANSWERED');
    expect(offeredAt(next!)!).toBeGreaterThan(new Date(created[0]!.startTime!).getTime() / 1000);
    expect(redirectsOf(sim).get(next!.callSid)).toBe(1);
  });
});

/**
 * A callback runs on after the callers' own calls end (its call to the agent, the customer's answer):
 * time moves on a second at a time (the service's sweeps are its own timers, which do not drive virtual
 * time) until the company's shared waiting list is empty.
 */
async function untilQueueEmpty(sim: Simulation, c: SimulatedCompany, maxSeconds = 600): Promise<void> {
  const clock = sim.clock!;
  await clock.run(
    (async () => {
      for (let i = 0; i < maxSeconds && (await sim.waiting(c.companyId)).length > 0; i++) {
        clock.advance(1000);
        await new Promise((r) => setTimeout(r, 2));
      }
    })(),
  );
  expect(await sim.waiting(c.companyId)).toEqual([]);
}
