/**
 * The call history (`calls`, src/graphql/modules/call-history.ts) over whole calls played through the
 * local Telnyx: each call's fields and timeline as the call flow recorded them (a hunt with a miss and
 * an answer, a voicemail, a caller who waited in the queue), the filters (the company's local dates,
 * including a call just before its midnight; agent, outcome, queue, caller), cursor paging, and who
 * sees what (an agent their own calls, a supervisor of another company nothing).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallResult } from '../../src/simulator/transcript.js';
import { type SimulatedCompany, type Simulation, startSimulation } from '../support/simulation.js';

let sim: Simulation;
let a: SimulatedCompany;
let other: SimulatedCompany;
let defaultQueueId: string;
const A_ZONE = 'America/New_York';
const calls: Record<'hunt' | 'voicemail' | 'first' | 'second' | 'queued', CallResult> = {} as never;

const CALL_FIELDS = `id callSid from to direction startedAt answeredAt endedAt outcome waitSeconds talkSeconds callbackRequested
  queue { id name } answeredBy { id displayName } offeredAgents { id displayName }
  timeline { at kind agent { id displayName } detail } voicemail { callSid durationSeconds }`;

interface CallNode {
  id: string;
  callSid: string;
  from: string;
  to: string;
  direction: string;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  outcome: string | null;
  waitSeconds: number | null;
  talkSeconds: number | null;
  callbackRequested: boolean;
  queue: { id: string; name: string | null } | null;
  answeredBy: { id: string; displayName: string | null } | null;
  offeredAgents: { id: string; displayName: string | null }[];
  timeline: { at: string; kind: string; agent: { id: string; displayName: string | null } | null; detail: string | null }[];
  voicemail: { callSid: string; durationSeconds: number } | null;
}

interface Page {
  nodes: CallNode[];
  pageInfo: { endCursor: string | null; hasNextPage: boolean };
}

async function page(
  token: string,
  companyId: string,
  args: { first?: number; after?: string | null; filter?: Record<string, unknown> } = {},
  fields = CALL_FIELDS,
): Promise<{ data?: { calls: Page | null }; errors?: { message: string; extensions?: { code?: string } }[] }> {
  return sim.server.gql(
    `query($c: ID!, $first: Int, $after: String, $filter: CallFilter) {
      calls(companyId: $c, first: $first, after: $after, filter: $filter) { nodes { ${fields} } pageInfo { endCursor hasNextPage } }
    }`,
    { c: companyId, first: args.first ?? 10, after: args.after ?? null, filter: args.filter ?? null },
    token,
  );
}

/** Every call a token sees with this filter (one page of up to 100). */
async function sids(token: string, companyId: string, filter?: Record<string, unknown>): Promise<string[]> {
  const res = await page(token, companyId, { first: 100, filter }, 'callSid');
  expect(res.errors).toBeUndefined();
  return res.data!.calls!.nodes.map((n) => n.callSid);
}

const sorted = (xs: string[]) => [...xs].sort();
const localDate = (ms: number, timeZone: string) => new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date(ms));

beforeAll(async () => {
  sim = await startSimulation();
  a = await sim.company({
    number: '+13055557001',
    fields: { timeZone: A_ZONE },
    routing: { mode: 'SEQUENTIAL', ringTimeoutSeconds: 15 },
    agents: [
      { name: 'ana', tier: 1, position: 0 },
      { name: 'ben', tier: 1, position: 1 },
    ],
  });
  other = await sim.company({ number: '+13055557002', agents: [{ name: 'zed' }] });
  const { company } = await sim.server.admin(`query($id: ID!) { company(id: $id) { queues { id isDefault } } }`, { id: a.companyId });
  defaultQueueId = (company.queues as { id: string; isDefault: boolean }[]).find((q) => q.isDefault)!.id;

  calls.hunt = await sim.call(
    `call from +15550001001 to ${a.number}; agent ana does not answer; agent ben answers after 3 s; caller talks for 20 s`,
    { agents: a.agents },
  );
  calls.voicemail = await sim.call(
    `call from +15550002002 to ${a.number}; agent ana does not answer; agent ben does not answer; caller leaves a 4 s message`,
    { agents: a.agents },
  );
  // Both agents busy for 30 s: the third caller waits in the queue, then whoever frees first takes them.
  sim.phoneBook('agent ana answers after 1 s and hangs up after 30 s; agent ben answers after 1 s and hangs up after 30 s', a.agents);
  [calls.first, calls.second, calls.queued] = (await sim.calls([
    `call from +15550003003 to ${a.number}; caller talks for 600 s`,
    { scenario: `call from +15550004004 to ${a.number}; caller talks for 600 s`, at: 1 },
    { scenario: `call from +15550005005 to ${a.number}; caller talks for 600 s`, at: 2 },
  ])) as [CallResult, CallResult, CallResult];
  sim.phoneBook('agent ana is not scripted; agent ben is not scripted', a.agents);
  await sim.server.app.services.calls.log.flush();
}, 120_000);
afterAll(() => sim?.close());

describe('each call and its timeline', () => {
  let bySid: Map<string, CallNode>;
  beforeAll(async () => {
    const res = await page(a.supervisor, a.companyId);
    expect(res.errors).toBeUndefined();
    bySid = new Map(res.data!.calls!.nodes.map((n) => [n.callSid, n]));
  });
  const kinds = (n: CallNode) => n.timeline.map((e) => `${e.kind}${e.agent ? `:${e.agent.displayName}` : ''}`);

  it('a hunt with a miss, then an answer', () => {
    const call = bySid.get(calls.hunt.callSid)!;
    expect(call).toMatchObject({
      from: '+15550001001',
      direction: 'inbound',
      outcome: 'ANSWERED',
      answeredBy: { id: a.agentIds.ben, displayName: 'ben' },
      offeredAgents: [
        { id: a.agentIds.ana, displayName: 'ana' },
        { id: a.agentIds.ben, displayName: 'ben' },
      ],
      waitSeconds: null,
      talkSeconds: 20,
      callbackRequested: false,
      voicemail: null,
    });
    expect(kinds(call)).toEqual(['ARRIVED', 'OFFERED:ana', 'MISSED:ana', 'OFFERED:ben', 'ANSWERED:ben', 'ENDED']);
    const t = call.timeline.map((e) => Date.parse(e.at) - Date.parse(call.startedAt));
    expect(t).toEqual([0, 0, 15_000, 15_000, 18_000, 38_000]); // ana rang 15 s, ben answered 3 s later, 20 s of talk
    expect(call.timeline.at(-1)!.detail).toBe('ANSWERED');
    expect(Date.parse(call.answeredAt!) - Date.parse(call.startedAt)).toBe(18_000);
  });

  it('a voicemail: both missed, the message attached', () => {
    const call = bySid.get(calls.voicemail.callSid)!;
    expect(call).toMatchObject({ outcome: 'VOICEMAIL', answeredBy: null, talkSeconds: null, voicemail: { durationSeconds: 4 } });
    expect(kinds(call)).toEqual(['ARRIVED', 'OFFERED:ana', 'MISSED:ana', 'OFFERED:ben', 'MISSED:ben', 'ENDED']);
    expect(call.timeline.at(-1)!.detail).toBe('VOICEMAIL');
  });

  it('a caller who waited in the queue: queued, offered, answered, with the wait', () => {
    const call = bySid.get(calls.queued.callSid)!;
    expect(call.outcome).toBe('ANSWERED');
    expect(call.queue).toEqual({ id: defaultQueueId, name: expect.any(String) });
    expect(call.waitSeconds).toBeGreaterThanOrEqual(25);
    expect(call.waitSeconds).toBeLessThanOrEqual(35);
    const k = kinds(call);
    expect(k[0]).toBe('ARRIVED');
    expect(k[1]).toBe('QUEUED');
    expect(call.timeline[1]!.detail).toBe(defaultQueueId);
    expect(k.at(-1)).toBe('ENDED');
    const answerer = call.answeredBy!.displayName!;
    expect(k).toContain(`OFFERED:${answerer}`);
    expect(k).toContain(`ANSWERED:${answerer}`);
    expect(k.indexOf(`OFFERED:${answerer}`)).toBeLessThan(k.indexOf(`ANSWERED:${answerer}`));
    // Its timeline's queue wait agrees with waitSeconds.
    const queuedAt = Date.parse(call.timeline[1]!.at);
    expect(Math.round((Date.parse(call.answeredAt!) - queuedAt) / 1000)).toBe(call.waitSeconds);
  });
});

describe('a callback', () => {
  it("the caller's own call and the callback that answered it make one timeline", async () => {
    const c = await sim.company({
      number: '+13055557004',
      routing: { mode: 'LONGEST_IDLE', ringTimeoutSeconds: 15 },
      agents: [{ name: 'solo' }],
    });
    sim.phoneBook('agent solo answers after 1 s and hangs up after 30 s; number +15550007007 answers after 2 s', c.agents);
    const [, asker] = (await sim.calls([
      `call from +15550007000 to ${c.number}; caller talks for 600 s`,
      { scenario: `call from +15550007007 to ${c.number}; press 1 at 8 s`, at: 2 },
    ])) as [CallResult, CallResult];
    // The callback runs on after the caller's own call ended: time moves until the queue is empty.
    const clock = sim.clock!;
    const waiting = () => sim.server.app.services.calls.waiting.of(c.companyId).length;
    await clock.run(
      (async () => {
        for (let i = 0; i < 600 && waiting() > 0; i++) {
          clock.advance(1000);
          await new Promise((r) => setTimeout(r, 2));
        }
      })(),
    );
    expect(waiting()).toBe(0);
    sim.phoneBook('agent solo is not scripted; number +15550007007 is not scripted', c.agents);
    await sim.server.app.services.calls.log.flush();
    const res = await page(c.supervisor, c.companyId, { filter: { caller: '+15550007007' } });
    expect(res.errors).toBeUndefined();
    const call = res.data!.calls!.nodes[0]!;
    expect(call.callSid).toBe(asker.callSid);
    expect(call).toMatchObject({ outcome: 'ANSWERED', callbackRequested: true, answeredBy: { id: c.agentIds.solo } });
    expect(call.timeline.map((e) => e.kind)).toEqual([
      'ARRIVED',
      'QUEUED',
      'CALLBACK_REQUESTED',
      'LEFT_QUEUE',
      'ENDED',
      'CALLBACK_OFFERED',
      'ANSWERED',
      'ENDED',
    ]);
    expect(call.timeline.map((e) => e.detail)).toEqual([
      null,
      expect.any(String),
      '+15550007007',
      'callback',
      'CALLBACK_PENDING',
      null,
      null,
      'ANSWERED',
    ]);
    expect(call.timeline[5]!.agent?.id).toBe(c.agentIds.solo);
  });
});

describe('filters', () => {
  it('agent: the calls offered to or answered by the agent', async () => {
    const logs = await sim.server.database.prisma.callLog.findMany({ where: { companyId: a.companyId } });
    const of = (id: string) => logs.filter((l) => l.answeredAgentId === id || l.offeredAgentIds.includes(id)).map((l) => l.callSid);
    expect(sorted(await sids(a.supervisor, a.companyId, { agentId: a.agentIds.ana }))).toEqual(sorted(of(a.agentIds.ana!)));
    expect(sorted(await sids(a.supervisor, a.companyId, { agentId: a.agentIds.ben }))).toEqual(sorted(of(a.agentIds.ben!)));
    expect(of(a.agentIds.ana!)).toContain(calls.hunt.callSid); // ana missed it: still her call
  });

  it('outcome, queue, caller (prefix and exact), number, direction', async () => {
    expect(await sids(a.supervisor, a.companyId, { outcome: 'VOICEMAIL' })).toEqual([calls.voicemail.callSid]);
    expect(await sids(a.supervisor, a.companyId, { queueId: defaultQueueId })).toEqual([calls.queued.callSid]);
    expect(await sids(a.supervisor, a.companyId, { caller: '+1555000100' })).toEqual([calls.hunt.callSid]);
    expect(await sids(a.supervisor, a.companyId, { caller: '+15550002002' })).toEqual([calls.voicemail.callSid]);
    expect(await sids(a.supervisor, a.companyId, { caller: '+1555000' })).toHaveLength(5);
    expect(await sids(a.supervisor, a.companyId, { number: a.number })).toHaveLength(5);
    expect(await sids(a.supervisor, a.companyId, { number: '+13055559999' })).toEqual([]);
    expect(await sids(a.supervisor, a.companyId, { direction: 'outbound' })).toEqual([]);
    expect(await sids(a.supervisor, a.companyId, { outcome: 'ANSWERED', agentId: a.agentIds.ana, caller: '+15550001' })).toEqual([
      calls.hunt.callSid,
    ]);
  });

  it("dates are the company's local dates, inclusive; a malformed date is refused", async () => {
    const logs = await sim.server.database.prisma.callLog.findMany({ where: { companyId: a.companyId } });
    const days = [...new Set(logs.map((l) => localDate(l.startedAt.getTime(), A_ZONE)))];
    for (const day of days) {
      const expected = logs.filter((l) => localDate(l.startedAt.getTime(), A_ZONE) === day).map((l) => l.callSid);
      expect(sorted(await sids(a.supervisor, a.companyId, { from: day, to: day }))).toEqual(sorted(expected));
    }
    const before = localDate(Math.min(...logs.map((l) => l.startedAt.getTime())) - 86_400_000, A_ZONE);
    expect(await sids(a.supervisor, a.companyId, { to: before })).toEqual([]);
    expect(await sids(a.supervisor, a.companyId, { from: before })).toHaveLength(5);
    const bad = await page(a.supervisor, a.companyId, { filter: { from: '2026-02-30' } }, 'id');
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('a call just before local midnight belongs to that date, not the next', async () => {
    // The zone whose next midnight comes soonest (but not within the minute): time moves to just before it.
    const now = sim.clock!.now();
    const untilMidnight = (zone: string) => {
      const [h, m, s] = new Intl.DateTimeFormat('en-GB', {
        timeZone: zone,
        hourCycle: 'h23',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      })
        .format(new Date(now))
        .split(':')
        .map(Number) as [number, number, number];
      return 86_400_000 - ((h * 60 + m) * 60 + s) * 1000 - (now % 1000);
    };
    const zone = Intl.supportedValuesOf('timeZone')
      .filter((z) => untilMidnight(z) > 60_000)
      .sort((x, y) => untilMidnight(x) - untilMidnight(y))[0]!;
    sim.clock!.advance(untilMidnight(zone) - 20_000);
    const c = await sim.company({ number: '+13055557003', fields: { timeZone: zone }, agents: [{ name: 'nia' }] });
    const r = await sim.call(`call from +15550006006 to ${c.number}; agent nia answers after 2 s; caller talks for 60 s`, {
      agents: c.agents,
    });
    await sim.server.app.services.calls.log.flush();
    const started = (await sim.server.database.prisma.callLog.findFirstOrThrow({ where: { callSid: r.callSid } })).startedAt.getTime();
    const day = localDate(started, zone);
    const next = localDate(started + 60_000, zone);
    expect(next).not.toBe(day); // the call began before midnight and ran past it
    expect(await sids(c.supervisor, c.companyId, { from: day, to: day })).toEqual([r.callSid]);
    expect(await sids(c.supervisor, c.companyId, { from: next })).toEqual([]);
    expect(await sids(c.supervisor, c.companyId, { to: day })).toEqual([r.callSid]);
  });
});

describe('paging', () => {
  it('newest first, cursor by cursor: every call once, no gaps', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const res = await page(a.supervisor, a.companyId, { first: 2, after }, 'callSid startedAt');
      expect(res.errors).toBeUndefined();
      const p = res.data!.calls!;
      seen.push(...p.nodes.map((n) => n.callSid));
      expect(p.nodes.length).toBeLessThanOrEqual(2);
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    const logs = await sim.server.database.prisma.callLog.findMany({
      where: { companyId: a.companyId },
      orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
    });
    expect(seen).toEqual(logs.map((l) => l.callSid));
    expect(new Set(seen).size).toBe(5);
  });

  it('calls with the same start are told apart by id', async () => {
    const at = new Date(Date.UTC(2020, 0, 1, 12));
    const prisma = sim.server.database.prisma;
    await prisma.callLog.createMany({
      data: Array.from({ length: 5 }, (_, i) => ({
        companyId: other.companyId,
        callSid: `same-start-${i}`,
        from: '+15550009999',
        to: other.number,
        startedAt: at,
      })),
    });
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const res = await page(other.supervisor, other.companyId, { first: 2, after, filter: { to: '2020-01-01' } }, 'callSid');
      seen.push(...res.data!.calls!.nodes.map((n) => n.callSid));
      after = res.data!.calls!.pageInfo.hasNextPage ? res.data!.calls!.pageInfo.endCursor : null;
    } while (after);
    expect(sorted(seen)).toEqual(Array.from({ length: 5 }, (_, i) => `same-start-${i}`));
    await prisma.callLog.deleteMany({ where: { companyId: other.companyId, callSid: { startsWith: 'same-start-' } } });
  });

  it('refuses a cursor that is not one, and a page over the bound', async () => {
    const bad = await page(a.supervisor, a.companyId, { after: 'not-a-cursor' }, 'id');
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const big = await page(a.supervisor, a.companyId, { first: 101 }, 'id');
    expect(big.errors?.[0]?.message).toMatch(/at most 100/);
  });
});

describe('who sees what', () => {
  it('an agent sees only the calls they were offered or answered, without voicemails', async () => {
    const logs = await sim.server.database.prisma.callLog.findMany({ where: { companyId: a.companyId } });
    for (const name of ['ana', 'ben'] as const) {
      const id = a.agentIds[name]!;
      const own = logs.filter((l) => l.answeredAgentId === id || l.offeredAgentIds.includes(id)).map((l) => l.callSid);
      const res = await page(a.tokens[name]!, a.companyId);
      expect(res.errors).toBeUndefined();
      expect(sorted(res.data!.calls!.nodes.map((n) => n.callSid))).toEqual(sorted(own));
      expect(res.data!.calls!.nodes.every((n) => n.voicemail === null)).toBe(true);
    }
    // An agent's filter narrows their own calls, never widens them.
    const anaAsBen = await sids(a.tokens.ana!, a.companyId, { agentId: a.agentIds.ben });
    const anaOwn = await sids(a.tokens.ana!, a.companyId);
    expect(anaAsBen.every((s) => anaOwn.includes(s))).toBe(true);
  });

  it("a supervisor or agent of another company sees nothing of A's calls", async () => {
    for (const token of [other.supervisor, other.tokens.zed!]) {
      const res = await page(token, a.companyId);
      expect(res.data?.calls ?? null).toBeNull();
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(JSON.stringify(res)).not.toContain('+1555000');
    }
    const anonymous = await page('', a.companyId);
    expect(anonymous.data?.calls ?? null).toBeNull();
  });
});
