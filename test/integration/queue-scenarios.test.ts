/**
 * Queues proven by whole calls (docs/QUEUES.md): the local Telnyx places every call, holds waiting
 * callers in `<Enqueue>`, plays each wait round the service answers, and takes the REST redirects and
 * calls the service makes when an agent frees up; all on virtual time. Each scenario asserts the wire
 * (who rang when, what was said to whom) and the service (the call log, the waiting list).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallResult } from '../../src/simulator/transcript.js';
import { enqueuedAt, legs, offeredAt, when } from '../support/queue-transcripts.js';
import { type SimulatedCompany, type Simulation, startSimulation } from '../support/simulation.js';

let sim: Simulation;
let numbers = 0;
const nextNumber = () => `+1305556${String(1000 + ++numbers)}`;
const callerNumber = (n: number) => `+1555987${String(1000 + n)}`;

beforeAll(async () => {
  sim = await startSimulation();
});
afterAll(() => sim?.close());

// ——— reading transcripts ———

/** Who a call's legs rang (by scenario name), in order. */
function rang(c: SimulatedCompany, r: CallResult): string[] {
  const names = Object.fromEntries(Object.entries(c.agents).map(([name, sip]) => [sip, name]));
  return legs(r)
    .filter((l) => l.status === 'initiated')
    .map((l) => names[l.to.replace(/^sips?:/, '').split('@')[0]!] ?? l.to);
}

/** Everything said to the caller, in order. */
const spoken = (r: CallResult) => r.steps.filter((s) => s.kind === 'verb' && s.verb === 'Say').map((s) => (s as { text: string }).text);

async function logOf(c: SimulatedCompany, r: CallResult) {
  await sim.server.app.services.calls.log.flush();
  return sim.server.database.prisma.callLog.findUnique({ where: { companyId_callSid: { companyId: c.companyId, callSid: r.callSid } } });
}

async function updateDefaultQueue(c: SimulatedCompany, input: Record<string, unknown>): Promise<string> {
  const { company } = await sim.server.admin(`query($id: ID!) { company(id: $id) { queues { id isDefault } } }`, { id: c.companyId });
  const queueId = (company.queues as { id: string; isDefault: boolean }[]).find((q) => q.isDefault)!.id;
  await sim.server.admin(`mutation($id: ID!, $i: UpdateQueueInput!) { updateQueue(id: $id, input: $i) { id } }`, { id: queueId, i: input });
  return queueId;
}

/**
 * A callback runs on after the callers' own calls end (its call to the agent, its retries): time moves
 * on a second at a time (the service's sweep and retry delays are its own timers, which do not drive
 * virtual time) until the company has nobody left in its queues.
 */
async function untilQueueEmpty(c: SimulatedCompany, maxSeconds = 600): Promise<void> {
  const clock = sim.clock!;
  await clock.run(
    (async () => {
      for (let i = 0; i < maxSeconds && sim.server.app.services.calls.waiting.of(c.companyId).length > 0; i++) {
        clock.advance(1000);
        await new Promise((r) => setTimeout(r, 2));
      }
    })(),
  );
  expect(sim.server.app.services.calls.waiting.of(c.companyId)).toEqual([]);
}

// ——— the scenarios ———

describe('a burst of callers', () => {
  it('3 agents, 10 callers at once: answered in arrival order, positions told truly, no able agent idle over a second while anyone waits', async () => {
    const c = await sim.company({
      number: nextNumber(),
      routing: { mode: 'LONGEST_IDLE', ringTimeoutSeconds: 15 },
      agents: [{ name: 'ana' }, { name: 'ben' }, { name: 'cy' }],
    });
    sim.phoneBook(
      'agent ana answers after 1 s and hangs up after 30 s; agent ben answers after 1 s and hangs up after 40 s; agent cy answers after 1 s and hangs up after 50 s',
      c.agents,
    );
    const results = await sim.calls(
      Array.from({ length: 10 }, (_, i) => `call from ${callerNumber(i + 1)} to ${c.number}; caller talks for 600 s`),
      { staggerSeconds: 0.5 },
    );
    sim.phoneBook('agent ana is not scripted; agent ben is not scripted; agent cy is not scripted', c.agents);

    // Everyone was answered; the first three rang at once, the other seven waited.
    expect(results.map((r) => r.outcome)).toEqual(Array(10).fill('ANSWERED'));
    expect(results.slice(0, 3).map((r) => enqueuedAt(r))).toEqual([null, null, null]);
    const waited = results.slice(3);
    expect(waited.every((r) => enqueuedAt(r) !== null)).toBe(true);

    // Served in arrival order: each waiting caller was offered no earlier than the one before them.
    const offers = waited.map((r) => offeredAt(r)!);
    expect([...offers].sort((a, b) => a - b)).toEqual(offers);
    // Each waiting caller's first announcement says their true place: 1 (next), 2, 3…
    const first = waited.map((r) => spoken(r)[0] ?? '');
    expect(first[0]).toMatch(/^You are next in line\./);
    for (let i = 1; i < waited.length; i++) expect(first[i]).toMatch(new RegExp(`^You are number ${i + 1} in line\\.`));
    // …with an estimate, and the callback offer.
    expect(first[1]).toMatch(/estimated wait is/);
    expect(first[1]).toMatch(/press 1/);

    // Whenever an agent hung up while someone was still waiting, the next offer to them came within a second.
    const all = results.flatMap((r) => legs(r).map((l) => ({ ...l, call: r })));
    for (const agent of ['ana', 'ben', 'cy']) {
      const sip = c.agents[agent]!;
      const mine = all.filter((l) => l.to.includes(`${sip}@`));
      for (const end of mine.filter((l) => l.status === 'completed')) {
        const stillWaiting = waited.filter((r) => enqueuedAt(r)! <= end.t && offeredAt(r)! > end.t);
        if (stillWaiting.length === 0) continue;
        const next = mine.find((l) => l.status === 'initiated' && l.t >= end.t);
        expect(next, `${agent} freed at ${end.t}`).toBeDefined();
        expect(next!.t - end.t).toBeLessThanOrEqual(1);
      }
    }
    // The call log: waits recorded, nothing left in the queue.
    const log = await logOf(c, waited[6]!);
    expect(log).toMatchObject({ outcome: 'ANSWERED', callbackRequested: false });
    expect(log!.waitSeconds).toBeGreaterThan(60);
    expect(sim.server.app.services.calls.waiting.of(c.companyId)).toEqual([]);
  });

  it('priority: a caller of a priority number is served before callers who waited longer', async () => {
    const c = await sim.company({
      number: nextNumber(),
      routing: { mode: 'LONGEST_IDLE', ringTimeoutSeconds: 15 },
      agents: [{ name: 'solo' }],
    });
    const vip = nextNumber();
    await sim.server.admin(`mutation($i: CreatePhoneNumberInput!) { createPhoneNumber(input: $i) { id } }`, {
      i: { companyId: c.companyId, e164: vip, priority: 5 },
    });
    sim.phoneBook('agent solo answers after 1 s and hangs up after 20 s', c.agents);
    const results = await sim.calls(
      [
        { scenario: `call from ${callerNumber(1)} to ${c.number}; caller talks for 600 s`, at: 0 },
        { scenario: `call from ${callerNumber(2)} to ${c.number}; caller talks for 600 s`, at: 2 },
        { scenario: `call from ${callerNumber(3)} to ${c.number}; caller talks for 600 s`, at: 3 },
        { scenario: `call from ${callerNumber(4)} to ${vip}; caller talks for 600 s`, at: 4 },
      ],
      {},
    );
    sim.phoneBook('agent solo is not scripted', c.agents);
    const order = results.slice(1).map((r) => ({ from: r.from, at: offeredAt(r)! }));
    order.sort((a, b) => a.at - b.at);
    expect(order.map((o) => o.from)).toEqual([callerNumber(4), callerNumber(2), callerNumber(3)]);
    expect(spoken(results[3]!)[0]).toMatch(/^You are next in line\./); // it went to the head of the line
  });
});

describe('leaving the queue', () => {
  it('overflow at max wait: the caller waits maxWaitSeconds, then the queue sends them to voicemail', async () => {
    const c = await sim.company({
      number: nextNumber(),
      routing: { mode: 'LONGEST_IDLE', ringTimeoutSeconds: 15 },
      agents: [{ name: 'solo' }],
    });
    await updateDefaultQueue(c, { maxWaitSeconds: 30, overflowKind: 'VOICEMAIL' });
    sim.phoneBook('agent solo answers after 1 s and hangs up after 200 s', c.agents);
    const [, waiting] = await sim.calls(
      [
        `call from ${callerNumber(1)} to ${c.number}; caller talks for 600 s`,
        { scenario: `call from ${callerNumber(2)} to ${c.number}; caller leaves a 3 s message`, at: 2 },
      ],
      {},
    );
    sim.phoneBook('agent solo is not scripted', c.agents);
    expect(waiting!.outcome).toBe('VOICEMAIL');
    expect(rang(c, waiting!)).toEqual([]);
    // Telnyx's maxWaitTimeSecs ended the wait at 30 s; the Enqueue's action then got the voicemail.
    const left = waiting!.steps.find((s) => s.kind === 'fetch' && s.purpose === 'Enqueue action')!;
    expect(when(waiting!, left) - enqueuedAt(waiting!)!).toBeGreaterThanOrEqual(29);
    expect(when(waiting!, left) - enqueuedAt(waiting!)!).toBeLessThanOrEqual(31);
    expect(waiting!.steps.some((s) => s.kind === 'verb' && s.verb === 'Record')).toBe(true);
    const log = await logOf(c, waiting!);
    expect(log).toMatchObject({ outcome: 'VOICEMAIL' });
    expect(log!.waitSeconds).toBeGreaterThanOrEqual(29);
  });

  it('a full queue overflows at once: maxSize callers wait, the next goes to the overflow (a hang-up here)', async () => {
    const c = await sim.company({
      number: nextNumber(),
      routing: { mode: 'LONGEST_IDLE', ringTimeoutSeconds: 15 },
      agents: [{ name: 'solo' }],
    });
    await updateDefaultQueue(c, { maxSize: 1, overflowKind: 'HANGUP' });
    sim.phoneBook('agent solo answers after 1 s and hangs up after 20 s', c.agents);
    const [, second, third] = await sim.calls(
      [
        `call from ${callerNumber(1)} to ${c.number}; caller talks for 600 s`,
        { scenario: `call from ${callerNumber(2)} to ${c.number}; caller talks for 600 s`, at: 2 },
        { scenario: `call from ${callerNumber(3)} to ${c.number}; caller talks for 600 s`, at: 3 },
      ],
      {},
    );
    sim.phoneBook('agent solo is not scripted', c.agents);
    expect(second!.outcome).toBe('ANSWERED');
    expect(enqueuedAt(third!)).toBeNull();
    expect(third!.outcome).toBe('HUNG_UP');
    expect((await logOf(c, third!))?.outcome).toBe('HUNG_UP');
  });

  it('a caller who hangs up while waiting is ABANDONED with their wait, and leaves the line for the next', async () => {
    const c = await sim.company({
      number: nextNumber(),
      routing: { mode: 'LONGEST_IDLE', ringTimeoutSeconds: 15 },
      agents: [{ name: 'solo' }],
    });
    sim.phoneBook('agent solo answers after 1 s and hangs up after 40 s', c.agents);
    const [, quitter, patient] = await sim.calls(
      [
        `call from ${callerNumber(1)} to ${c.number}; caller talks for 600 s`,
        { scenario: `call from ${callerNumber(2)} to ${c.number}; caller hangs up at 20 s`, at: 2 },
        { scenario: `call from ${callerNumber(3)} to ${c.number}; caller talks for 600 s`, at: 3 },
      ],
      {},
    );
    sim.phoneBook('agent solo is not scripted', c.agents);
    expect(quitter!.outcome).toBe('ABANDONED');
    expect(rang(c, quitter!)).toEqual([]);
    const log = await logOf(c, quitter!);
    expect(log).toMatchObject({ outcome: 'ABANDONED' });
    expect(log!.waitSeconds).toBeGreaterThanOrEqual(19);
    expect(log!.waitSeconds).toBeLessThanOrEqual(21);
    // The one behind moved up: told "number 2" on arrival, answered when solo freed up.
    expect(spoken(patient!)[0]).toMatch(/^You are number 2 in line\./);
    expect(patient!.outcome).toBe('ANSWERED');
  });

  it('callback: the caller presses 1, hangs up, keeps their place; solo is rung first, then the customer is dialed and bridged', async () => {
    const c = await sim.company({
      number: nextNumber(),
      routing: { mode: 'LONGEST_IDLE', ringTimeoutSeconds: 15 },
      agents: [{ name: 'solo' }],
    });
    sim.phoneBook(`agent solo answers after 1 s and hangs up after 30 s; number ${callerNumber(2)} answers after 2 s`, c.agents);
    const [, asker, behind] = await sim.calls(
      [
        `call from ${callerNumber(1)} to ${c.number}; caller talks for 600 s`,
        { scenario: `call from ${callerNumber(2)} to ${c.number}; press 1 at 8 s`, at: 2 },
        { scenario: `call from ${callerNumber(3)} to ${c.number}; caller talks for 600 s`, at: 4 },
      ],
      {},
    );
    // The callback call itself runs on after the callers' own calls end: let it finish.
    await untilQueueEmpty(c);
    sim.phoneBook(`agent solo is not scripted; number ${callerNumber(2)} is not scripted`, c.agents);
    expect(spoken(asker!).some((t) => /call you back/i.test(t))).toBe(true);
    expect(rang(c, asker!)).toEqual([]);
    // The asker kept their place: the one behind them was offered only after the callback.
    const created = sim.telnyx.engine.list().filter((call) => call.to.includes(c.agents.solo!) && call.direction === 'outbound-api');
    expect(created).toHaveLength(1);
    const log = await logOf(c, asker!);
    expect(log).toMatchObject({ outcome: 'ANSWERED', callbackRequested: true, answeredAgentId: c.agentIds.solo });
    expect(behind!.outcome).toBe('ANSWERED');
    expect(offeredAt(behind!)!).toBeGreaterThan(new Date(created[0]!.startTime!).getTime() / 1000);
  });

  it('a callback the customer never answers is retried by policy, then logged CALLBACK_FAILED', async () => {
    const c = await sim.company({
      number: nextNumber(),
      routing: { mode: 'LONGEST_IDLE', ringTimeoutSeconds: 15 },
      agents: [{ name: 'solo' }],
    });
    await updateDefaultQueue(c, { callbackRetries: 1, callbackRetryDelaySeconds: 10 });
    sim.phoneBook(`agent solo answers after 1 s and hangs up after 30 s; number ${callerNumber(2)} does not answer`, c.agents);
    const [, asker] = await sim.calls(
      [
        `call from ${callerNumber(1)} to ${c.number}; caller talks for 600 s`,
        { scenario: `call from ${callerNumber(2)} to ${c.number}; press 1 at 8 s`, at: 2 },
      ],
      {},
    );
    await untilQueueEmpty(c);
    sim.phoneBook(`agent solo is not scripted; number ${callerNumber(2)} is not scripted`, c.agents);
    const attempts = sim.telnyx.engine.list().filter((call) => call.to.includes(c.agents.solo!) && call.direction === 'outbound-api');
    expect(attempts).toHaveLength(2); // the first attempt and one retry
    const gap = (new Date(attempts[1]!.startTime!).getTime() - new Date(attempts[0]!.startTime!).getTime()) / 1000;
    expect(gap).toBeGreaterThanOrEqual(10);
    expect(await logOf(c, asker!)).toMatchObject({ outcome: 'CALLBACK_FAILED', callbackRequested: true });
    expect(sim.server.app.services.calls.waiting.of(c.companyId)).toEqual([]);
  });

  it('overflow into another queue: the caller waits there next, and is answered from it', async () => {
    const c = await sim.company({
      number: nextNumber(),
      routing: { mode: 'LONGEST_IDLE', ringTimeoutSeconds: 15 },
      agents: [{ name: 'solo' }],
    });
    const { createQueue } = await sim.server.admin(`mutation($i: CreateQueueInput!) { createQueue(input: $i) { id } }`, {
      i: { companyId: c.companyId, name: 'Overflow' },
    });
    await updateDefaultQueue(c, { maxWaitSeconds: 20, overflowKind: 'QUEUE', overflowQueueId: createQueue.id });
    sim.phoneBook('agent solo answers after 1 s and hangs up after 40 s', c.agents);
    const [, moved] = await sim.calls(
      [
        `call from ${callerNumber(1)} to ${c.number}; caller talks for 600 s`,
        { scenario: `call from ${callerNumber(2)} to ${c.number}; caller talks for 600 s`, at: 2 },
      ],
      {},
    );
    sim.phoneBook('agent solo is not scripted', c.agents);
    const queues = moved!.steps.filter((s) => s.kind === 'verb' && s.verb === 'Enqueue').map((s) => (s as { text: string }).text);
    expect([...new Set(queues)]).toEqual([expect.stringMatching(/^curbe-/), `curbe-${createQueue.id}`]);
    const left = moved!.steps.find((s) => s.kind === 'fetch' && s.purpose === 'Enqueue action')!;
    expect(left.at).toBe(20); // the first queue's maxWaitSeconds
    expect(spoken(moved!).filter((t) => /next in line/.test(t))).toHaveLength(2); // told again in the new queue
    expect(moved!.outcome).toBe('ANSWERED');
    expect((await logOf(c, moved!))?.queueId).toBe(createQueue.id);
  });
});

describe('agents coming back', () => {
  it('an agent back from a break takes the head of the queue within a second', async () => {
    const c = await sim.company({
      number: nextNumber(),
      routing: { mode: 'LONGEST_IDLE', ringTimeoutSeconds: 15 },
      agents: [{ name: 'ana' }, { name: 'ben' }],
    });
    await c.setStatus('ben', 'ON_BREAK', 'lunch');
    sim.phoneBook('agent ana answers after 1 s and hangs up after 120 s; agent ben answers after 1 s and hangs up after 10 s', c.agents);
    const results = await sim.calls(
      [
        `call from ${callerNumber(1)} to ${c.number}; caller talks for 600 s`,
        { scenario: `call from ${callerNumber(2)} to ${c.number}; caller talks for 600 s`, at: 2 },
        { scenario: `call from ${callerNumber(3)} to ${c.number}; caller talks for 600 s`, at: 3 },
      ],
      { actions: [{ at: 20, run: () => c.setStatus('ben', 'AVAILABLE') }] },
    );
    sim.phoneBook('agent ana is not scripted; agent ben is not scripted', c.agents);
    const [, head, next] = results;
    expect(rang(c, head!)).toEqual(['ben']);
    const start = results[0]!.startedAt / 1000;
    expect(offeredAt(head!)! - (start + 20)).toBeGreaterThanOrEqual(0);
    expect(offeredAt(head!)! - (start + 20)).toBeLessThanOrEqual(1);
    expect(rang(c, next!)).toEqual(['ben']); // ben again, after his 10 s call: ana is still on hers
  });

  it('an agent whose wrap-up ends takes the head of the queue within a second', async () => {
    const c = await sim.company({
      number: nextNumber(),
      routing: { mode: 'LONGEST_IDLE', ringTimeoutSeconds: 15, wrapUpSeconds: 15 },
      agents: [{ name: 'solo' }],
    });
    sim.phoneBook('agent solo answers after 1 s and hangs up after 20 s', c.agents);
    const [first, waiting] = await sim.calls(
      [
        `call from ${callerNumber(1)} to ${c.number}; caller talks for 600 s`,
        { scenario: `call from ${callerNumber(2)} to ${c.number}; caller talks for 600 s`, at: 2 },
      ],
      {},
    );
    sim.phoneBook('agent solo is not scripted', c.agents);
    // solo hangs up at 21 s, wraps up 15 s, and is offered the waiting caller as the wrap-up ends.
    // (Answered calls live in a room: solo hanging up, the last agent, ends the caller's call at once.)
    const hungUp = when(first!, first!.steps.find((s) => s.kind === 'end')!);
    expect(offeredAt(waiting!)! - (hungUp + 15)).toBeGreaterThanOrEqual(0);
    expect(offeredAt(waiting!)! - (hungUp + 15)).toBeLessThanOrEqual(1);
    expect(waiting!.outcome).toBe('ANSWERED');
  });

  it('an agent who logs in takes the head of the queue within a second', async () => {
    const c = await sim.company({
      number: nextNumber(),
      routing: { mode: 'LONGEST_IDLE', ringTimeoutSeconds: 15 },
      agents: [{ name: 'ana' }, { name: 'late', online: false }],
    });
    sim.phoneBook('agent ana answers after 1 s and hangs up after 120 s; agent late answers after 1 s and hangs up after 10 s', c.agents);
    const results = await sim.calls(
      [
        `call from ${callerNumber(1)} to ${c.number}; caller talks for 600 s`,
        { scenario: `call from ${callerNumber(2)} to ${c.number}; caller talks for 600 s`, at: 2 },
      ],
      { actions: [{ at: 25, run: () => c.heartbeat('late') }] },
    );
    sim.phoneBook('agent ana is not scripted; agent late is not scripted', c.agents);
    const waiting = results[1]!;
    expect(rang(c, waiting)).toEqual(['late']);
    const loggedIn = results[0]!.startedAt / 1000 + 25;
    expect(offeredAt(waiting)! - loggedIn).toBeGreaterThanOrEqual(0);
    expect(offeredAt(waiting)! - loggedIn).toBeLessThanOrEqual(1);
  });

  it('nobody able is logged in: no waiting, the fallback at once (unless the queue waits for agents)', async () => {
    const c = await sim.company({ number: nextNumber(), agents: [{ name: 'off', online: false }] });
    const r = await sim.call(`call from ${callerNumber(1)} to ${c.number}; caller leaves a 2 s message`, { agents: c.agents });
    expect(enqueuedAt(r)).toBeNull();
    expect(r.outcome).toBe('VOICEMAIL');
  });
});

describe('routing into queues', () => {
  it('the menu option can send the caller to its own queue, and raise their priority there', async () => {
    const c = await sim.company({
      number: nextNumber(),
      routing: { mode: 'LONGEST_IDLE', ringTimeoutSeconds: 15 },
      agents: [
        {
          name: 'sol',
          skills: [
            { name: 'es', level: 8 },
            { name: 'en', level: 8 },
          ],
        },
      ],
    });
    const { createQueue } = await sim.server.admin(`mutation($i: CreateQueueInput!) { createQueue(input: $i) { id } }`, {
      i: { companyId: c.companyId, name: 'Español' },
    });
    const menu = [
      { digit: '1', skill: 'en', prompt: 'For English, press 1.', language: 'en-US' },
      { digit: '2', skill: 'es', prompt: 'Para español, oprima 2.', language: 'es-US', queueId: createQueue.id, priority: 3 },
    ];
    await sim.server.admin(`mutation($c: ID!, $i: RoutingConfigInput!) { updateRoutingConfig(companyId: $c, input: $i) { mode } }`, {
      c: c.companyId,
      i: { languageMenu: menu },
    });
    sim.phoneBook('agent sol answers after 1 s and hangs up after 30 s', c.agents);
    const [, english, spanish] = await sim.calls(
      [
        `call from ${callerNumber(1)} to ${c.number}; press 1; caller talks for 600 s`,
        { scenario: `call from ${callerNumber(2)} to ${c.number}; press 1; caller talks for 600 s`, at: 2 },
        { scenario: `call from ${callerNumber(3)} to ${c.number}; press 2; caller talks for 600 s`, at: 4 },
      ],
      {},
    );
    sim.phoneBook('agent sol is not scripted', c.agents);
    const queueOf = (r: CallResult) =>
      (r.steps.find((s) => s.kind === 'verb' && s.verb === 'Enqueue') as { text: string } | undefined)?.text;
    expect(queueOf(spanish!)).toBe(`curbe-${createQueue.id}`);
    expect(queueOf(english!)).not.toBe(`curbe-${createQueue.id}`);
    // Priority 3 puts the Spanish caller first, though the English one waited longer.
    expect(offeredAt(spanish!)!).toBeLessThan(offeredAt(english!)!);
    expect((await logOf(c, spanish!))?.queueId).toBe(createQueue.id);
  });
});

describe('language', () => {
  it('a caller who chose Spanish hears their place and estimate in Spanish', async () => {
    const menu = [
      { digit: '1', skill: 'en', prompt: 'For English, press 1.', language: 'en-US' },
      { digit: '2', skill: 'es', prompt: 'Para español, oprima 2.', language: 'es-US' },
    ];
    const c = await sim.company({
      number: nextNumber(),
      routing: { mode: 'LONGEST_IDLE', ringTimeoutSeconds: 15, languageMenu: menu },
      agents: [{ name: 'sol', skills: [{ name: 'es', level: 8 }] }],
    });
    sim.phoneBook('agent sol answers after 1 s and hangs up after 30 s', c.agents);
    const [, waiting] = await sim.calls(
      [
        `call from ${callerNumber(1)} to ${c.number}; press 2; caller talks for 600 s`,
        { scenario: `call from ${callerNumber(2)} to ${c.number}; press 2; caller talks for 600 s`, at: 3 },
      ],
      {},
    );
    sim.phoneBook('agent sol is not scripted', c.agents);
    const announcement = spoken(waiting!).find((t) => /fila/.test(t));
    expect(announcement).toMatch(/^Usted es el siguiente en la fila\./);
    expect(announcement).toMatch(/oprima 1/);
    const say = waiting!.steps.find((s) => s.kind === 'verb' && s.verb === 'Say' && /fila/.test((s as { text: string }).text)) as {
      attrs: Record<string, string>;
    };
    expect(say.attrs.language).toBe('es-US');
    expect(waiting!.outcome).toBe('ANSWERED');
  });
});
