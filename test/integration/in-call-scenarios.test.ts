/**
 * In-call control proven by whole calls (docs/IN-CALL.md): the local Telnyx rings the agents, the service
 * moves the answered call into its room (a conference) through the REST API, and every in-call action
 * (hold, transfers, consults, 3-way, supervision, recording) is a REST request the test can read back,
 * with the call log at the end. All on virtual time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallResult } from '../../src/simulator/transcript.js';
import { subscribe } from '../support/harness.js';
import { type SimulatedCompany, type Simulation, startSimulation } from '../support/simulation.js';

let sim: Simulation;
let numbers = 0;
const nextNumber = () => `+1305557${String(1000 + ++numbers)}`;

beforeAll(async () => {
  sim = await startSimulation();
});
afterAll(() => sim?.close());

/** The TeXML REST requests the service sent since `from` (method, path without the account, body). */
function restSince(from: number): { method: string; path: string; body: Record<string, unknown> }[] {
  return sim.telnyx.rest.requests
    .slice(from)
    .filter((r) => r.path.includes('/texml/'))
    .map((r) => ({
      method: r.method,
      path: decodeURIComponent(r.path.replace(/^\/v2\/texml\/Accounts\/[^/]+/, '')),
      body: (r.body ?? {}) as Record<string, unknown>,
    }));
}

/** The conferences of that name the local Telnyx knows (REST: list conferences). */
async function conferencesNamed(name: string): Promise<{ sid: string; status: string }[]> {
  const url = `${sim.telnyx.apiBaseUrl}/texml/Accounts/${sim.telnyx.accountSid}/Conferences.json?FriendlyName=${encodeURIComponent(name)}`;
  const res = await fetch(url, { headers: { authorization: `Bearer ${sim.telnyx.apiKey}` } });
  const body = (await res.json()) as { conferences: { sid: string; friendly_name: string; status: string }[] };
  return body.conferences.filter((c) => c.friendly_name === name);
}

/** A GraphQL operation as `token`, failing the test on any error. */
async function gql<T = any>(token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await sim.server.gql<T>(query, variables, token);
  if (res.errors?.length) throw new Error(res.errors.map((e) => e.message).join('; '));
  return res.data as T;
}

/** The refusal a GraphQL operation gets (the test fails if it succeeds). */
async function refusal(token: string, query: string, variables: Record<string, unknown> = {}): Promise<string> {
  const res = await sim.server.gql(query, variables, token);
  expect(res.errors?.length).toBeGreaterThan(0);
  return res.errors![0]!.message;
}

const LIVE = `query($c: ID!) { liveCalls(companyId: $c) { calls { callSid from state controllable recording agentId parties { label role agentId number status held muted supervise } } } }`;

/** The company's call in progress from `from` (as its supervisor sees it). */
async function liveCall(c: SimulatedCompany, from: string) {
  const data = await gql(c.supervisor, LIVE, { c: c.companyId });
  const call = data.liveCalls.calls.find((x: { from: string }) => x.from === from);
  if (!call) throw new Error(`no live call from ${from}`);
  return call as {
    callSid: string;
    state: string;
    controllable: boolean;
    recording: string;
    agentId: string | null;
    parties: {
      label: string;
      role: string;
      agentId: string | null;
      number: string | null;
      status: string;
      held: boolean;
      muted: boolean;
      supervise: string | null;
    }[];
  };
}

/** Participant updates sent for a call sid (Hold, Muted, Coaching…), in order. */
const participantUpdates = (rest: ReturnType<typeof restSince>) =>
  rest.filter((q) => q.method === 'POST' && /^\/Conferences\/[^/]+\/Participants\/[^/]+$/.test(q.path)).map((q) => q.body);

async function logOf(c: SimulatedCompany, r: CallResult) {
  await sim.server.app.services.calls.log.flush();
  return sim.server.database.prisma.callLog.findUnique({ where: { companyId_callSid: { companyId: c.companyId, callSid: r.callSid } } });
}

describe('an answered call lives in its room', () => {
  it('the agent answers: the leg is moved into the call-<CallSid> conference and the caller joins it; the agent hanging up ends the call', async () => {
    const c = await sim.company({ number: nextNumber(), agents: [{ name: 'ana' }] });
    const from = sim.telnyx.rest.requests.length;
    const r = await sim.call(
      `call from +15550001111 to ${c.number}; agent ana answers after 2 s and hangs up after 20 s; caller talks for 600 s`,
      {
        agents: c.agents,
      },
    );
    const rest = restSince(from);
    // One REST request moved the agent's leg: an inline <Dial><Conference> named after the caller's call.
    const moves = rest.filter((q) => q.method === 'POST' && /^\/Calls\/[^/]+$/.test(q.path) && typeof q.body.Texml === 'string');
    expect(moves).toHaveLength(1);
    expect(moves[0]!.body.Texml).toContain(`<Conference`);
    expect(moves[0]!.body.Texml).toContain(`call-${r.callSid}</Conference>`);
    // The caller's Dial ended and its action answered the same room.
    const caller = r.steps.filter((s) => s.kind === 'verb' && s.verb === 'Dial');
    expect(caller.length).toBeGreaterThanOrEqual(2);
    expect(await conferencesNamed(`call-${r.callSid}`)).toHaveLength(1);
    // The agent left: the service ended the caller's call rather than leave them alone in the room.
    expect(rest.some((q) => q.path === `/Calls/${r.callSid}` && q.body.Status === 'completed')).toBe(true);
    expect(r.duration).toBeLessThan(30);
    const log = await logOf(c, r);
    expect(log?.outcome).toBe('ANSWERED');
    expect(log?.answeredAgentId).toBe(c.agentIds.ana);
  });
});

describe('hold', () => {
  it('the agent holds the caller (hold music) and resumes; the live call says HELD between; refusals say why', async () => {
    const c = await sim.company({ number: nextNumber(), agents: [{ name: 'ana' }] });
    const from = '+15550002222';
    const start = sim.telnyx.rest.requests.length;
    const seen: string[] = [];
    const errors: string[] = [];
    const [r] = await sim.calls(
      [`call from ${from} to ${c.number}; agent ana answers after 2 s and hangs up after 40 s; caller talks for 600 s`],
      {
        agents: c.agents,
        actions: [
          { at: 5, run: async () => seen.push((await liveCall(c, from)).state) },
          {
            at: 10,
            run: async () => {
              const { callSid } = await liveCall(c, from);
              const held = await gql(c.tokens.ana!, `mutation($s: ID!) { holdCall(callSid: $s) { state parties { label held } } }`, {
                s: callSid,
              });
              seen.push(held.holdCall.state);
              errors.push(await refusal(c.tokens.ana!, `mutation($s: ID!) { holdCall(callSid: $s) { state } }`, { s: callSid }));
            },
          },
          { at: 15, run: async () => seen.push((await liveCall(c, from)).state) },
          {
            at: 20,
            run: async () => {
              const { callSid } = await liveCall(c, from);
              seen.push(
                (await gql(c.tokens.ana!, `mutation($s: ID!) { resumeCall(callSid: $s) { state } }`, { s: callSid })).resumeCall.state,
              );
              errors.push(await refusal(c.tokens.ana!, `mutation($s: ID!) { resumeCall(callSid: $s) { state } }`, { s: callSid }));
            },
          },
        ],
      },
    );
    expect(seen).toEqual(['TALKING', 'HELD', 'HELD', 'TALKING']);
    expect(errors).toEqual(['The caller is already on hold.', 'The caller is not on hold.']);
    const updates = participantUpdates(restSince(start));
    expect(updates).toEqual([{ Hold: 'true', HoldUrl: expect.stringMatching(/\/media\/hold-music\.wav$/) }, { Hold: 'false' }]);
    // The local Telnyx played the hold music to the caller while held.
    expect(r!.steps.some((s) => s.line.includes('hold'))).toBe(true);
    const log = await logOf(c, r!);
    expect(log?.outcome).toBe('ANSWERED');
    expect(((log?.timeline ?? []) as { kind: string }[]).map((e) => e.kind)).toEqual(
      expect.arrayContaining(['answered', 'held', 'resumed', 'ended']),
    );
  });
});

const TRANSFER = `mutation($s: ID!, $to: CallTargetInput!) { transferCall(callSid: $s, to: $to) { state } }`;
const CONSULT = `mutation($s: ID!, $to: CallTargetInput!) { consultCall(callSid: $s, to: $to) { state parties { label role status } } }`;
const onCallSid = (c: SimulatedCompany, from: string, run: (callSid: string) => Promise<unknown>) => async () =>
  run((await liveCall(c, from)).callSid);

/** Who a call's `<Dial>` legs rang (by scenario name), in order. */
function rang(c: SimulatedCompany, r: CallResult): string[] {
  const names = Object.fromEntries(Object.entries(c.agents).map(([name, sip]) => [sip, name]));
  return r.steps
    .filter((s): s is Extract<typeof s, { kind: 'leg' }> => s.kind === 'leg' && s.status === 'initiated')
    .map((l) => names[l.to.replace(/^sips?:/, '').split('@')[0]!] ?? l.to);
}

describe('cold transfer', () => {
  it('to an agent: the caller leaves the room for ben, ana is free at once, ben answers into a new room', async () => {
    const c = await sim.company({ number: nextNumber(), agents: [{ name: 'ana' }, { name: 'ben' }], routing: { mode: 'SEQUENTIAL' } });
    sim.phoneBook('agent ben answers after 3 s and hangs up after 20 s', c.agents);
    const from = '+15550003333';
    const start = sim.telnyx.rest.requests.length;
    const states: string[] = [];
    const [r] = await sim.calls(
      [`call from ${from} to ${c.number}; agent ana answers after 2 s and hangs up after 300 s; caller talks for 600 s`],
      {
        agents: c.agents,
        actions: [
          { at: 10, run: onCallSid(c, from, (s) => gql(c.tokens.ana!, TRANSFER, { s, to: { agentId: c.agentIds.ben } })) },
          { at: 20, run: async () => states.push(JSON.stringify(await liveCall(c, from).catch((e) => String(e)))) },
        ],
      },
    );
    const rest = restSince(start);
    if (process.env.SHOW) console.log(r!.steps.map((s) => `${s.at.toFixed(1)} ${s.line}`).join('\n'), JSON.stringify(rest, null, 1));
    const redirect = rest.find((q) => q.path === `/Calls/${r!.callSid}` && typeof q.body.Url === 'string');
    expect(String(redirect?.body.Url)).toContain('/telnyx/transfer/');
    expect(rang(c, r!)).toEqual(['ana', 'ben']);
    const now = JSON.parse(states[0]!);
    expect(now.state).toBe('TALKING');
    expect(now.agentId).toBe(c.agentIds.ben);
    expect(now.parties.map((p: { role: string }) => p.role)).toEqual(['CALLER', 'AGENT']);
    // Two rooms of the same name, one after the other.
    expect(await conferencesNamed(`call-${r!.callSid}`)).toHaveLength(2);
    const log = await logOf(c, r!);
    expect(log?.outcome).toBe('ANSWERED');
    expect(log?.timeline).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'transferred', agentId: c.agentIds.ben })]));
  });

  it('to a queue: the caller is routed by that queue from the start', async () => {
    const c = await sim.company({ number: nextNumber(), agents: [{ name: 'ana' }, { name: 'cy', skills: [{ name: 'billing' }] }] });
    const { createQueue } = await sim.server.admin(
      `mutation($c: ID!) { createQueue(input: { companyId: $c, name: "Billing", requiredSkills: "billing" }) { id } }`,
      { c: c.companyId },
    );
    sim.phoneBook('agent cy answers after 2 s and hangs up after 15 s', c.agents);
    const from = '+15550004444';
    const [r] = await sim.calls(
      [`call from ${from} to ${c.number}; agent ana answers after 2 s and hangs up after 300 s; caller talks for 600 s`],
      {
        agents: c.agents,
        actions: [{ at: 10, run: onCallSid(c, from, (s) => gql(c.tokens.ana!, TRANSFER, { s, to: { queueId: createQueue.id } })) }],
      },
    );
    expect(rang(c, r!).at(-1)).toBe('cy');
    expect(r!.answeredBy).not.toBeNull();
    expect((await logOf(c, r!))?.queueId).toBe(createQueue.id);
  });

  it('to a number: the caller is forwarded with the company number as caller ID; a bad number is refused clearly', async () => {
    const c = await sim.company({ number: nextNumber(), agents: [{ name: 'ana' }] });
    sim.phoneBook('number +13055557777 answers after 2 s and hangs up after 10 s');
    const from = '+15550005555';
    const refused: string[] = [];
    const [r] = await sim.calls(
      [`call from ${from} to ${c.number}; agent ana answers after 2 s and hangs up after 300 s; caller talks for 600 s`],
      {
        agents: c.agents,
        actions: [
          {
            at: 10,
            run: onCallSid(c, from, async (s) => {
              refused.push(await refusal(c.tokens.ana!, TRANSFER, { s, to: { number: '12345' } }));
              refused.push(await refusal(c.tokens.ana!, TRANSFER, { s, to: { number: '+13055557777', agentId: c.agentIds.ana } }));
              refused.push(await refusal(c.tokens.ana!, TRANSFER, { s, to: { agentId: c.agentIds.ana } }));
              return gql(c.tokens.ana!, TRANSFER, { s, to: { number: '+13055557777' } });
            }),
          },
        ],
      },
    );
    expect(refused[0]).toMatch(/to\.number: "12345" is not a valid E\.164/);
    expect(refused[1]).toMatch(/exactly one of agentId, queueId or number/);
    expect(refused[2]).toBe('You cannot transfer a call to yourself.');
    const dial = r!.steps.filter((s) => s.kind === 'verb' && s.verb === 'Dial').at(-1) as { attrs: Record<string, string>; text: string };
    expect(dial.attrs.callerId).toBe(c.number);
    expect(r!.steps.some((s) => s.kind === 'leg' && s.to === '+13055557777' && s.status === 'in-progress')).toBe(true);
  });
});

const ACT = (name: string) => `mutation($s: ID!) { ${name}(callSid: $s) { state agentId parties { label role agentId status held } } }`;

/** A call ana answers, with `actions` at given seconds; ben's phone answers consults as scripted. */
async function consultScenario(
  benScript: string,
  actions: (c: SimulatedCompany, from: string, seen: unknown[]) => { at: number; run: () => Promise<unknown> }[],
) {
  const c = await sim.company({ number: nextNumber(), agents: [{ name: 'ana' }, { name: 'ben' }], routing: { mode: 'SEQUENTIAL' } });
  sim.phoneBook(benScript, c.agents);
  const from = `+1555000${String(6000 + ++numbers)}`;
  const seen: unknown[] = [];
  const start = sim.telnyx.rest.requests.length;
  const [r] = await sim.calls(
    [`call from ${from} to ${c.number}; agent ana answers after 2 s and hangs up after 120 s; caller talks for 600 s`],
    {
      agents: c.agents,
      actions: actions(c, from, seen),
    },
  );
  return { c, r: r!, seen, rest: restSince(start), from };
}

const consultBen = (c: SimulatedCompany, from: string, seen: unknown[]) => ({
  at: 10,
  run: onCallSid(c, from, async (s) => seen.push((await gql(c.tokens.ana!, CONSULT, { s, to: { agentId: c.agentIds.ben } })).consultCall)),
});
const then = (at: number, c: SimulatedCompany, from: string, seen: unknown[], op: string, token?: string) => ({
  at,
  run: onCallSid(c, from, async (s) => seen.push((await gql(token ?? c.tokens.ana!, ACT(op), { s }))[op])),
});
const look = (at: number, c: SimulatedCompany, from: string, seen: unknown[]) => ({
  at,
  run: async () => seen.push(await liveCall(c, from).catch(() => 'ended')),
});

describe('warm transfer', () => {
  it('consult then complete: the caller holds while ana and ben talk, then ben has the caller and ana is gone', async () => {
    const { c, r, seen, rest } = await consultScenario('agent ben answers after 3 s and hangs up after 30 s', (c, from, seen) => [
      consultBen(c, from, seen),
      look(15, c, from, seen),
      then(20, c, from, seen, 'completeTransfer'),
      look(25, c, from, seen),
    ]);
    const [consulting, during, completed, after] = seen as {
      state: string;
      agentId: string;
      parties: { role: string; agentId: string; status: string; held: boolean }[];
    }[];
    expect(consulting!.state).toBe('CONSULTING');
    expect(consulting!.parties.map((p) => [p.role, p.status])).toEqual([
      ['CALLER', 'CONNECTED'],
      ['AGENT', 'CONNECTED'],
      ['CONSULT', 'RINGING'],
    ]);
    expect(during!.state).toBe('CONSULTING');
    expect(during!.parties.find((p) => p.role === 'CONSULT')?.status).toBe('CONNECTED');
    expect(during!.parties.find((p) => p.role === 'CALLER')?.held).toBe(true);
    expect(completed!.state).toBe('TALKING');
    expect(after!.agentId).toBe(c.agentIds.ben);
    expect(after!.parties.map((p) => [p.role, p.agentId ?? null])).toEqual([
      ['CALLER', null],
      ['AGENT', c.agentIds.ben],
    ]);
    // The wire: hold the caller, dial ben into the room, then bring the caller back and remove ana.
    const room = rest.filter((q) => q.path.startsWith('/Conferences/'));
    expect(
      room.map(
        (q) =>
          `${q.method} ${q.path.replace(/\/Conferences\/[^/]+/, '/Conferences/C').replace(/Participants\/v3:[^/]+$/, 'Participants/P')}`,
      ),
    ).toEqual([
      'POST /Conferences/C/Participants/P',
      'POST /Conferences/C/Participants',
      'POST /Conferences/C/Participants/P',
      'DELETE /Conferences/C/Participants/P',
    ]);
    expect(room[0]!.body).toMatchObject({ Hold: 'true' });
    expect(room[1]!.body).toMatchObject({
      To: `sip:${c.agents.ben}@sip.telnyx.com`,
      From: c.number,
      Label: 'consult-2',
      StatusCallback: expect.stringContaining('/telnyx/room-party/'),
    });
    expect(room[2]!.body).toEqual({ Hold: 'false' });
    // Ben hangs up 30 s after answering: the last agent gone ends the call.
    expect(r.duration).toBeLessThan(50);
    const log = await logOf(c, r);
    expect(log?.outcome).toBe('ANSWERED');
    const kinds = ((log?.timeline ?? []) as { kind: string; detail?: string }[]).map((e) => e.kind + (e.detail ? `:${e.detail}` : ''));
    expect(kinds).toEqual(expect.arrayContaining(['consulted', 'transferred:warm']));
  });

  it('consult then cancel: ben leaves and the caller is back with ana', async () => {
    const { c, seen, rest } = await consultScenario('agent ben answers after 3 s and hangs up after 300 s', (c, from, seen) => [
      consultBen(c, from, seen),
      then(20, c, from, seen, 'cancelConsult'),
      look(25, c, from, seen),
    ]);
    const after = seen[2] as { state: string; agentId: string; parties: { role: string; held: boolean }[] };
    expect(after.state).toBe('TALKING');
    expect(after.agentId).toBe(c.agentIds.ana);
    expect(after.parties.map((p) => p.role)).toEqual(['CALLER', 'AGENT']);
    expect(rest.filter((q) => q.method === 'DELETE')).toHaveLength(1);
    expect(participantUpdates(rest).at(-1)).toEqual({ Hold: 'false' });
  });

  it('consult then merge: a 3-way call, everyone talks', async () => {
    const { seen } = await consultScenario('agent ben answers after 3 s and hangs up after 300 s', (c, from, seen) => [
      consultBen(c, from, seen),
      then(20, c, from, seen, 'mergeCall'),
    ]);
    const merged = seen[1] as { state: string; parties: { role: string; held: boolean }[] };
    expect(merged.state).toBe('CONFERENCED');
    expect(merged.parties.map((p) => p.role)).toEqual(['CALLER', 'AGENT', 'PARTICIPANT']);
    expect(merged.parties.every((p) => !p.held)).toBe(true);
  });

  it('the target does not answer: the caller comes back to ana by themselves', async () => {
    const { c, r, seen, rest } = await consultScenario('agent ben does not answer', (c, from, seen) => [
      consultBen(c, from, seen),
      look(60, c, from, seen),
    ]);
    const after = seen[1] as { state: string; agentId: string; parties: { role: string; held: boolean }[] };
    expect(after.state).toBe('TALKING');
    expect(after.agentId).toBe(c.agentIds.ana);
    expect(after.parties.map((p) => [p.role, p.held])).toEqual([
      ['CALLER', false],
      ['AGENT', false],
    ]);
    expect(participantUpdates(rest).map((u) => u.Hold)).toEqual(['true', 'false']);
    const kinds = (((await logOf(c, r))?.timeline ?? []) as { kind: string; detail?: string }[]).map(
      (e) => e.kind + (e.detail ? `:${e.detail}` : ''),
    );
    expect(kinds).toContain('resumed:consult not answered');
  });
});

/**
 * Lets virtual time run `seconds`, running `at[n]` at second n with time held until it settles (calls the
 * service placed itself are not awaited by `sim.calls`).
 */
async function runFor(seconds: number, at: Record<number, () => Promise<unknown>> = {}): Promise<void> {
  const clock = sim.clock!;
  const t0 = clock.now();
  const actions = Object.entries(at).map(
    ([second, run]) =>
      new Promise<void>((resolve, reject) => {
        clock.driving.setTimer(t0 + Number(second) * 1000, () => {
          clock.busy.begin();
          run()
            .then(() => resolve(), reject)
            .finally(() => clock.busy.end());
        });
      }),
  );
  const end = new Promise<void>((resolve) => clock.driving.setTimer(t0 + seconds * 1000, () => resolve()));
  await clock.run(Promise.all([end, ...actions]));
}

const START = `mutation($i: StartCallInput!) { startCall(input: $i) { callSid state parties { role status number } } }`;

describe('outbound calls', () => {
  it('click-to-call: ana’s softphone rings first, then the customer is dialed into the room with the chosen caller ID; logged as outbound', async () => {
    const c = await sim.company({ number: nextNumber(), agents: [{ name: 'ana' }] });
    sim.phoneBook('agent ana answers after 1 s; number +13055558888 answers after 3 s and hangs up after 20 s', c.agents);
    const start = sim.telnyx.rest.requests.length;
    let callSid = '';
    const states: string[] = [];
    await runFor(40, {
      0: async () => {
        callSid = (await gql(c.tokens.ana!, START, { i: { to: '+13055558888' } })).startCall.callSid;
      },
      10: async () => states.push((await liveCall(c, c.number)).state),
    });
    const rest = restSince(start);
    const placed = rest.find((q) => q.method === 'POST' && q.path === '/Calls');
    expect(placed?.body).toMatchObject({ To: `sip:${c.agents.ana}@sip.telnyx.com`, From: c.number });
    const dialed = rest.find((q) => q.method === 'POST' && /\/Participants$/.test(q.path));
    expect(dialed?.body).toMatchObject({ To: '+13055558888', From: c.number, Label: 'caller', EndConferenceOnExit: 'true' });
    expect(states).toEqual(['TALKING']);
    await sim.server.app.services.calls.log.flush();
    const log = await sim.server.database.prisma.callLog.findUnique({ where: { companyId_callSid: { companyId: c.companyId, callSid } } });
    expect(log).toMatchObject({
      direction: 'outbound',
      outcome: 'ANSWERED',
      answeredAgentId: c.agentIds.ana,
      to: '+13055558888',
      from: c.number,
    });
  });

  it('the customer does not answer: NO_ANSWER, and the agent’s call ends; bad input is refused clearly', async () => {
    const c = await sim.company({ number: nextNumber(), agents: [{ name: 'ana' }, { name: 'ben' }] });
    sim.phoneBook('agent ana answers after 1 s; number +13055559999 does not answer', c.agents);
    expect(await refusal(c.tokens.ana!, START, { i: { to: '555' } })).toMatch(/input\.to: "555" is not a valid E\.164/);
    expect(await refusal(c.tokens.ana!, START, { i: { to: '+13055559999', callerId: '+13055550000' } })).toMatch(
      /input\.callerId: must be one of the company's numbers/,
    );
    expect(
      (await sim.server.gql(START, { i: { to: '+13055559999', agentId: c.agentIds.ben } }, c.tokens.ana)).errors?.[0]?.extensions?.code,
    ).toBe('FORBIDDEN');
    let callSid = '';
    await runFor(80, { 0: async () => (callSid = (await gql(c.tokens.ana!, START, { i: { to: '+13055559999' } })).startCall.callSid) });
    await sim.server.app.services.calls.log.flush();
    const log = await sim.server.database.prisma.callLog.findUnique({ where: { companyId_callSid: { companyId: c.companyId, callSid } } });
    expect({ direction: log?.direction, outcome: log?.outcome, endedAt: !!log?.endedAt }).toEqual({
      direction: 'outbound',
      outcome: 'NO_ANSWER',
      endedAt: true,
    });
    expect((await sim.server.gql(LIVE, { c: c.companyId }, c.supervisor)).data.liveCalls.calls).toEqual([]);
  });
});

const SUPERVISE = `mutation($s: ID!, $m: SuperviseMode!, $a: ID!) { superviseCall(callSid: $s, mode: $m, softphoneAgentId: $a) { state parties { label role supervise muted } } }`;

describe('supervision', () => {
  it('a supervisor listens (muted), whispers (coaching the agent), barges, then leaves, from their own softphone; audited; agents cannot', async () => {
    const c = await sim.company({ number: nextNumber(), agents: [{ name: 'ana' }, { name: 'sue', online: false }] });
    sim.phoneBook('agent sue answers after 1 s', c.agents);
    const from = '+15550007777';
    const start = sim.telnyx.rest.requests.length;
    const seen: unknown[] = [];
    const refused: (string | undefined)[] = [];
    const mode = (at: number, m: string) => ({
      at,
      run: onCallSid(c, from, async (s) => seen.push((await gql(c.supervisor, SUPERVISE, { s, m, a: c.agentIds.sue })).superviseCall)),
    });
    let anaLeg = '';
    /** Who hears whom in the call's conference (the local Telnyx's mixer), by call sid. */
    const heard: Map<string, Set<string>>[] = [];
    const hear = (at: number) => ({
      at,
      run: onCallSid(c, from, async (s) => {
        const [room] = (await conferencesNamed(`call-${s}`)).filter((x) => x.status !== 'completed');
        heard.push(structuredClone(sim.telnyx.engine.conferenceAudibility(room!.sid)!));
      }),
    });
    const [r] = await sim.calls(
      [`call from ${from} to ${c.number}; agent ana answers after 2 s and hangs up after 60 s; caller talks for 600 s`],
      {
        agents: c.agents,
        actions: [
          {
            at: 8,
            run: onCallSid(c, from, async (s) => {
              refused.push(
                (await sim.server.gql(SUPERVISE, { s, m: 'LISTEN', a: c.agentIds.sue }, c.tokens.ana)).errors?.[0]?.extensions?.code,
              );
            }),
          },
          mode(10, 'LISTEN'),
          look(13, c, from, seen),
          hear(14),
          mode(15, 'WHISPER'),
          hear(17),
          mode(20, 'BARGE'),
          hear(22),
          {
            at: 25,
            run: onCallSid(c, from, async (s) => {
              anaLeg = (await liveCall(c, from)).parties.find((p) => p.role === 'AGENT')!.label;
              seen.push(
                (
                  await gql(c.supervisor, `mutation($s: ID!, $a: ID!) { stopSupervising(callSid: $s, softphoneAgentId: $a) { state } }`, {
                    s,
                    a: c.agentIds.sue,
                  })
                ).stopSupervising,
              );
            }),
          },
        ],
      },
    );
    expect(refused).toEqual(['FORBIDDEN']);
    const [listening, looked, whispering, barging, left] = seen as {
      state: string;
      parties: { role: string; supervise: string | null; muted: boolean }[];
    }[];
    expect(listening!.parties.find((p) => p.role === 'SUPERVISOR')).toMatchObject({ supervise: 'LISTEN', muted: true });
    expect(looked!.parties.find((p) => p.role === 'SUPERVISOR')).toMatchObject({ supervise: 'LISTEN', muted: true });
    expect(looked!.state).toBe('TALKING'); // a listener is not a party to the conversation
    expect(whispering!.parties.find((p) => p.role === 'SUPERVISOR')).toMatchObject({ supervise: 'WHISPER', muted: false });
    expect(barging!.state).toBe('CONFERENCED');
    expect(left!.state).toBe('TALKING');
    expect(anaLeg).toMatch(/^agent-/);
    const rest = restSince(start).filter((q) => q.path.includes('/Participants'));
    const dial = rest.find((q) => q.method === 'POST' && q.path.endsWith('/Participants'));
    expect(dial?.body).toMatchObject({ To: `sip:${c.agents.sue}@sip.telnyx.com`, Muted: 'true', Label: 'supervisor-2' });
    // Whisper: coaching before unmuting; barge: coaching off (already unmuted); then the supervisor leaves.
    expect(participantUpdates(rest)).toEqual([
      { Coaching: 'true', CallSidToCoach: expect.stringMatching(/^v3:/) },
      { Muted: 'false' },
      { Coaching: 'false' },
    ]);
    expect(rest.filter((q) => q.method === 'DELETE')).toHaveLength(1);
    expect(r!.outcome).toBe('ANSWERED');
    // The mixer: caller, ana's leg, sue's softphone. Listen: nobody hears sue. Whisper: only ana. Barge: both.
    const agentLeg = restSince(start)
      .find((q) => typeof q.body.Texml === 'string')!
      .path.replace('/Calls/', '');
    const sue = [...heard[0]!.keys()].find((k) => k !== r!.callSid && k !== agentLeg)!;
    const whoHears = (h: Map<string, Set<string>>, speaker: string) =>
      [...h]
        .filter(([, set]) => set.has(speaker))
        .map(([who]) => who)
        .sort();
    expect(whoHears(heard[0]!, sue)).toEqual([]);
    expect(whoHears(heard[1]!, sue)).toEqual([agentLeg]);
    expect(whoHears(heard[2]!, sue)).toEqual([r!.callSid, agentLeg].sort());
    for (const h of heard) expect([...h.get(sue)!].sort()).toEqual([r!.callSid, agentLeg].sort());
    const audit = await gql(c.supervisor, `query($c: ID!) { auditEvents(companyId: $c) { action agentId } }`, { c: c.companyId });
    const actions = (audit.auditEvents as { action: string; agentId: string }[]).filter((e) => e.action.startsWith('call.supervise'));
    expect(actions.map((e) => e.action).reverse()).toEqual([
      'call.supervise.listen',
      'call.supervise.whisper',
      'call.supervise.barge',
      'call.supervise.leave',
    ]);
    expect(actions.every((e) => e.agentId === c.agentIds.sue)).toBe(true);
  });
});

const RECORD = `mutation($s: ID!, $a: CallRecordingAction!) { recordCall(callSid: $s, action: $a) { recording } }`;

describe('recording', () => {
  it('on demand: start, pause while card details are read, resume, stop; only recorded time is in the audio', async () => {
    const c = await sim.company({ number: nextNumber(), agents: [{ name: 'ana' }] });
    const from = '+15550008888';
    const start = sim.telnyx.rest.requests.length;
    const states: string[] = [];
    const record = (at: number, a: string) => ({
      at,
      run: onCallSid(c, from, async (s) => states.push((await gql(c.tokens.ana!, RECORD, { s, a })).recordCall.recording)),
    });
    const [r] = await sim.calls(
      [`call from ${from} to ${c.number}; agent ana answers after 2 s and hangs up after 60 s; caller talks for 600 s`],
      {
        agents: c.agents,
        actions: [record(10, 'START'), look(12, c, from, states), record(15, 'PAUSE'), record(25, 'RESUME'), record(30, 'STOP')],
      },
    );
    expect(states.map((s) => (typeof s === 'string' ? s : (s as { recording: string }).recording))).toEqual([
      'RECORDING',
      'RECORDING',
      'PAUSED',
      'RECORDING',
      'OFF',
    ]);
    const rest = restSince(start).filter((q) => q.path.includes('/Recordings'));
    expect(
      rest.map((q) =>
        `${q.path.replace(r!.callSid, 'CALL').replace(/Recordings\/[^/]+\.json/, 'Recordings/R.json')} ${q.body.Status ?? ''}`.trim(),
      ),
    ).toEqual([
      '/Calls/CALL/Recordings.json',
      '/Calls/CALL/Recordings/R.json paused',
      '/Calls/CALL/Recordings/R.json in-progress',
      '/Calls/CALL/Recordings/R.json stopped',
    ]);
    expect(rest[0]!.body).toMatchObject({
      RecordingStatusCallback: expect.stringContaining('/telnyx/room-recording/'),
      RecordingChannels: 'dual',
    });
    // Telnyx's completed callback: 5 s before the pause and 5 s after the resume.
    const completed = r!.steps.filter((s) => s.kind === 'recording').at(-1) as { duration: number; line: string } | undefined;
    expect(completed?.duration).toBe(10);
    const kinds = (((await logOf(c, r!))?.timeline ?? []) as { kind: string; detail?: string }[]).filter((e) => e.kind === 'recording');
    expect(kinds.map((e) => e.detail)).toEqual(['start', 'pause', 'resume', 'stop']);
    // The audio is taken into our storage (Telnyx's URL lives ten minutes), as a call recording of this call.
    let stored: { kind: string; status: string; durationSeconds: number | null } | null = null;
    for (let i = 0; i < 100 && stored?.status !== 'STORED'; i++) {
      stored = await sim.server.database.prisma.recording.findFirst({ where: { companyId: c.companyId, callSid: r!.callSid } });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(stored).toMatchObject({ kind: 'CALL', status: 'STORED', durationSeconds: 10 });
  });

  it('a queue that records every call starts at once; a queue with recording off refuses recordCall', async () => {
    const c = await sim.company({ number: nextNumber(), agents: [{ name: 'ana' }] });
    const { company } = await sim.server.admin(`query($id: ID!) { company(id: $id) { queues { id isDefault } } }`, { id: c.companyId });
    const queueId = (company.queues as { id: string; isDefault: boolean }[]).find((q) => q.isDefault)!.id;
    const setPolicy = (recording: string) =>
      sim.server.admin(`mutation($id: ID!, $i: UpdateQueueInput!) { updateQueue(id: $id, input: $i) { recording } }`, {
        id: queueId,
        i: { recording },
      });
    await setPolicy('ALL');
    const seen: unknown[] = [];
    const start = sim.telnyx.rest.requests.length;
    await sim.calls(
      [`call from +15550009991 to ${c.number}; agent ana answers after 2 s and hangs up after 20 s; caller talks for 600 s`],
      {
        agents: c.agents,
        actions: [look(8, c, '+15550009991', seen)],
      },
    );
    expect((seen[0] as { recording: string }).recording).toBe('RECORDING');
    expect(restSince(start).filter((q) => q.path.endsWith('/Recordings.json'))).toHaveLength(1);
    await setPolicy('OFF');
    const refused: string[] = [];
    await sim.calls(
      [`call from +15550009992 to ${c.number}; agent ana answers after 2 s and hangs up after 20 s; caller talks for 600 s`],
      {
        agents: c.agents,
        actions: [
          { at: 8, run: onCallSid(c, '+15550009992', async (s) => refused.push(await refusal(c.tokens.ana!, RECORD, { s, a: 'START' }))) },
        ],
      },
    );
    expect(refused).toEqual(['Recording is off for this call’s queue.']);
  });
});

describe('call back', () => {
  it('a voicemail is called back from the number it was left on; the call back is logged as outbound', async () => {
    const c = await sim.company({ number: nextNumber(), agents: [{ name: 'ana', online: false }] });
    const left = await sim.call(`call from +13055551212 to ${c.number}; caller leaves a 5 s message`, { agents: c.agents });
    expect(left.outcome).toBe('VOICEMAIL');
    const { voicemails } = await gql(c.supervisor, `query($c: ID!) { voicemails(companyId: $c) { from to callSid } }`, { c: c.companyId });
    const vm = voicemails.find((v: { callSid: string }) => v.callSid === left.callSid);
    sim.phoneBook('agent ana answers after 1 s; number +13055551212 answers after 2 s and hangs up after 10 s', c.agents);
    let callSid = '';
    await runFor(30, {
      0: async () => {
        callSid = (await gql(c.supervisor, START, { i: { to: vm.from, callerId: vm.to, agentId: c.agentIds.ana } })).startCall.callSid;
      },
    });
    await sim.server.app.services.calls.log.flush();
    const log = await sim.server.database.prisma.callLog.findUnique({ where: { companyId_callSid: { companyId: c.companyId, callSid } } });
    expect(log).toMatchObject({
      direction: 'outbound',
      outcome: 'ANSWERED',
      from: c.number,
      to: '+13055551212',
      answeredAgentId: c.agentIds.ana,
    });
  });
});

describe('the live calls, pushed', () => {
  it('graphql-ws subscribers see the call’s states as they happen; an agent sees only the calls they are on', async () => {
    const c = await sim.company({ number: nextNumber(), agents: [{ name: 'ana' }, { name: 'ben', online: false }] });
    const from = '+15550009393';
    const SUB = `subscription($c: ID!) { liveCallsChanged(companyId: $c) { calls { callSid state agentId parties { role held } } } }`;
    type Pushed = { liveCallsChanged: { calls: { callSid: string; state: string; agentId: string | null }[] } };
    const board = subscribe<Pushed>(sim.server.ws(c.supervisor), SUB, { c: c.companyId });
    const anaPhone = subscribe<Pushed>(sim.server.ws(c.tokens.ana!), SUB, { c: c.companyId });
    const benPhone = subscribe<Pushed>(sim.server.ws(c.tokens.ben!), SUB, { c: c.companyId });
    await Promise.all([board, anaPhone, benPhone].map((s) => s.next(() => true)));
    const hold = (at: number, op: string) => ({ at, run: onCallSid(c, from, (s) => gql(c.tokens.ana!, ACT(op), { s })) });
    await sim.calls([`call from ${from} to ${c.number}; agent ana answers after 2 s and hangs up after 30 s; caller talks for 600 s`], {
      agents: c.agents,
      actions: [hold(10, 'holdCall'), hold(20, 'resumeCall')],
    });
    await board.next((e) => e.liveCallsChanged.calls.length === 0);
    const states = (s: typeof board) =>
      s.events.map((e) => e.liveCallsChanged.calls[0]?.state ?? 'none').filter((state, i, all) => state !== all[i - 1]);
    expect(states(board)).toEqual(expect.arrayContaining(['TALKING', 'HELD']));
    const seq = states(board).filter((x) => x === 'TALKING' || x === 'HELD');
    expect(seq.slice(seq.indexOf('TALKING'))).toEqual(['TALKING', 'HELD', 'TALKING']);
    expect(states(anaPhone)).toEqual(expect.arrayContaining(['TALKING', 'HELD']));
    // Ben is not on the call: nothing of it reaches his phone.
    expect(benPhone.events.every((e) => e.liveCallsChanged.calls.length === 0)).toBe(true);
    for (const s of [board, anaPhone, benPhone]) {
      expect(s.errors).toEqual([]);
      s.unsubscribe();
    }
  });
});
