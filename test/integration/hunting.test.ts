/**
 * Routing over hand-posted webhooks, for what a whole call through the local Telnyx cannot show (the
 * call flows themselves are scenarios in call-scenarios.test.ts): webhooks in an order the simulator
 * does not play, state left behind by a restart, configuration checks, and live statistics pushed
 * step by step.
 */
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADMIN_KEY, startServer, subscribe, type TestServer } from '../support/harness.js';
import { SkippingClock } from '../support/skipping-clock.js';

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['Sip'].includes(name) });
const dialed = (body: string): string[] => {
  const r = parser.parse(body).Response;
  return r.Dial?.Sip?.map((s: any) => String(s['#text']).replace(/^sip:|@sip\.telnyx\.com$/g, '')) ?? [];
};

describe('hunting, reservations and agent states', () => {
  let server: TestServer;
  /** Real time, which the statistics test moves forward instead of waiting for it. */
  const clock = new SkippingClock();
  beforeAll(async () => {
    server = await startServer({ env: { PRESENCE_TTL_MS: '600000' }, clock });
  });
  afterAll(() => server.close());

  type AgentSpec = { name: string; tier?: number; position?: number; skills?: { name: string; level?: number }[] };
  async function company(
    routing: Record<string, unknown>,
    agents: AgentSpec[],
    fields: { breakReasons?: string[]; timeZone?: string } = {},
  ) {
    const { createCompany } = await server.admin(`mutation($i: CreateCompanyInput!) { createCompany(input: $i) { id } }`, {
      i: { name: 'Hunt', ...fields, routing: { allowUnregisteredSoftphones: true, ...routing } },
    });
    const companyId: string = createCompany.id;
    const ids: Record<string, string> = {};
    for (const a of agents) {
      const sip = `${a.name}.${companyId.slice(-6)}`;
      const { createAgent } = await server.admin(`mutation($i: CreateAgentInput!) { createAgent(input: $i) { id } }`, {
        i: { companyId, displayName: a.name, sipUsername: sip, tier: a.tier ?? 1, position: a.position ?? 0, skills: a.skills ?? [] },
      });
      const { issueAgentToken } = await server.admin(`mutation($a: ID!) { issueAgentToken(agentId: $a) { token } }`, { a: createAgent.id });
      await server.gql(`mutation { heartbeat(input: { sipRegistered: true }) { nextHeartbeatInMs } }`, {}, issueAgentToken.token);
      ids[a.name] = createAgent.id;
    }
    const { issueSupervisorToken } = await server.admin(`mutation($c: ID!) { issueSupervisorToken(companyId: $c) { token } }`, {
      c: companyId,
    });
    const sip = (name: string) => `${name}.${companyId.slice(-6)}`;
    const supervisor: string = issueSupervisorToken.token;
    const gql = (query: string, variables: Record<string, unknown> = {}) => server.gql(query, { c: companyId, ...variables }, supervisor);
    return { companyId, ids, sip, supervisor, gql };
  }

  it("the call's own status callback before its Dial action: abandoned, released, and the late action offers nobody", async () => {
    // The local Telnyx sends the Dial action first (call-scenarios.test.ts); Telnyx does not promise an order.
    const c = await company({ mode: 'SEQUENTIAL' }, [
      { name: 'una', position: 1 },
      { name: 'uli', position: 2 },
    ]);
    const call = { CallSid: 'v3:gone-1', From: '+15551230000', To: '+1' };
    expect(dialed((await server.webhook(`/telnyx/voice/${c.companyId}`, call)).body)).toEqual([c.sip('una')]);
    expect((await c.gql(`query($c: ID!) { companyStats(companyId: $c) { callsRinging } }`)).data.companyStats.callsRinging).toBe(1);
    // Telnyx's call-level status callback (no ParentCallSid): the inbound call completed.
    await server.webhook(`/telnyx/status/${c.companyId}`, { ...call, CallStatus: 'completed' });
    const after = await c.gql(
      `query($c: ID!) { companyStats(companyId: $c) { callsRinging callsWaiting missedToday } routePreview(companyId: $c) { targets { displayName } } }`,
    );
    expect(after.data.companyStats).toEqual({ callsRinging: 0, callsWaiting: 0, missedToday: 1 });
    expect(after.data.routePreview.targets).toEqual([{ displayName: 'una' }]); // no longer reserved
    await server.app.services.calls.log.flush();
    const log = await server.database.prisma.callLog.findFirst({ where: { companyId: c.companyId, callSid: 'v3:gone-1' } });
    expect(log).toMatchObject({ outcome: 'ABANDONED', offeredAgentIds: [c.ids.una], answeredAgentId: null });
    // Telnyx's <Dial action> for that dead call arrives afterwards: nobody is offered again or charged a miss.
    const late = await server.webhook(`/telnyx/dial-complete/${c.companyId}`, { ...call, DialCallStatus: 'canceled' });
    expect(dialed(late.body)).toEqual([]);
    const still = await c.gql(`query($c: ID!) { routePreview(companyId: $c) { targets { displayName } } }`);
    expect(still.data.routePreview.targets).toEqual([{ displayName: 'una' }]);
  });

  it('ends a wrap-up whose timer was lost (a restart, a dead instance) on the next sweep', async () => {
    const c = await company({ mode: 'RING_ALL', wrapUpSeconds: 1 }, [{ name: 'vic' }, { name: 'wes' }]);
    const db = server.database.prisma;
    const longAgo = new Date(Date.now() - 60_000);
    // vic: in wrap-up for a minute with no timer anywhere; wes: wrap-up that just started.
    await db.$executeRaw`UPDATE "Agent" SET "status" = 'WRAP_UP', "updatedAt" = ${longAgo} WHERE "id" = ${c.ids.vic}`;
    await db.agent.update({ where: { id: c.ids.wes }, data: { status: 'WRAP_UP' } });
    server.app.services.directory.invalidateCompany(c.companyId);
    expect(await server.app.services.calls.sweepWrapUps()).toBe(1);
    const statuses = await db.agent.findMany({
      where: { companyId: c.companyId },
      orderBy: { displayName: 'asc' },
      select: { status: true },
    });
    expect(statuses.map((a) => a.status)).toEqual(['AVAILABLE', 'WRAP_UP']);
  });

  it("fewest calls after a restart: today's answered calls are read back from the call log", async () => {
    const c = await company({ mode: 'FEWEST_CALLS' }, [
      { name: 'xia', position: 1 },
      { name: 'yan', position: 2 },
    ]);
    // What a previous run logged today: xia answered three calls, yan one; one of yesterday's is not today.
    const now = Date.now();
    const row = (i: number, agent: string, startedAt: number) => ({
      companyId: c.companyId,
      callSid: `v3:before-${i}`,
      from: '+1',
      to: '+1',
      startedAt: new Date(startedAt),
      answeredAt: new Date(startedAt + 1000),
      endedAt: new Date(startedAt + 2000),
      answeredAgentId: agent,
      offeredAgentIds: [agent],
      outcome: 'ANSWERED',
    });
    await server.database.prisma.callLog.createMany({
      data: [
        row(1, c.ids.xia!, now - 3000),
        row(2, c.ids.xia!, now - 2000),
        row(3, c.ids.xia!, now - 1000),
        row(4, c.ids.yan!, now - 1000),
        row(5, c.ids.yan!, now - 3 * 86_400_000),
        row(6, c.ids.yan!, now - 3 * 86_400_000),
      ],
    });
    expect(dialed((await server.webhook(`/telnyx/voice/${c.companyId}`, { CallSid: 'v3:fewest-1', To: '+1' })).body)).toEqual([
      c.sip('yan'),
    ]);
  });

  it('business hours: routePreview says why a call would not ring, bad hours are refused, clearing them opens again', async () => {
    // Closed every day but a one-minute window that is never now (a closure covers today and tomorrow).
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const c = await company(
      {
        mode: 'RING_ALL',
        businessHours: {
          timeZone: 'UTC',
          weekly: ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'].map((day) => ({ day, open: '00:00', close: '24:00' })),
          closures: [
            { date: today, name: 'Holiday' },
            { date: tomorrow, name: 'Holiday' },
          ],
        },
      },
      [{ name: 'hal' }],
    );
    const preview = await c.gql(`query($c: ID!) { routePreview(companyId: $c) { decision fallbackReason } }`);
    expect(preview.data.routePreview).toEqual({ decision: 'FALLBACK', fallbackReason: 'AFTER_HOURS' });
    const bad = await c.gql(
      `mutation($c: ID!) { updateRoutingConfig(companyId: $c, input: { businessHours: { timeZone: "Mars/Base", weekly: [{ day: MON, open: "25:00", close: "17:00" }] } }) { mode } }`,
    );
    expect(bad.errors?.[0]?.message).toMatch(/businessHours/);
    const open = await c.gql(
      `mutation($c: ID!) { updateRoutingConfig(companyId: $c, input: { clearBusinessHours: true }) { businessHours { timeZone } } }`,
    );
    expect(open.data.updateRoutingConfig.businessHours).toBeNull();
    const ringing = await c.gql(`query($c: ID!) { routePreview(companyId: $c) { decision targets { displayName } } }`);
    expect(ringing.data.routePreview).toEqual({ decision: 'RING', targets: [{ displayName: 'hal' }] });
  });

  it("skill requirements: a number's expression is validated, and routePreview names the missing skill", async () => {
    const c = await company({ mode: 'RING_ALL' }, [
      { name: 'eve', skills: [{ name: 'en', level: 9 }] },
      {
        name: 'sol',
        skills: [
          { name: 'es', level: 8 },
          { name: 'en', level: 3 },
        ],
      },
    ]);
    const { createPhoneNumber } = await server.admin(
      `mutation($c: ID!) { createPhoneNumber(input: { companyId: $c, e164: "+13055550122", requiredSkills: "es>=5" }) { requiredSkills } }`,
      { c: c.companyId },
    );
    expect(createPhoneNumber.requiredSkills).toBe('es>=5');
    const line = await c.gql(`query($c: ID!) { routePreview(companyId: $c, to: "+13055550122") { targets { displayName } } }`);
    expect(line.data.routePreview.targets).toEqual([{ displayName: 'sol' }]);
    const bad = await server.gql(`mutation { updatePhoneNumber(id: "x", input: { requiredSkills: "es &" }) { id } }`, {}, ADMIN_KEY);
    expect(bad.errors?.[0]?.message).toMatch(/requiredSkills: invalid skill expression "es &"/);
    // routePreview names the missing skill for every agent left out.
    const preview = await c.gql(
      `query($c: ID!) { routePreview(companyId: $c, skills: "es>=9") { decision skipped { agent { displayName } reason detail } } }`,
    );
    expect(preview.data.routePreview.decision).toBe('FALLBACK');
    expect(preview.data.routePreview.skipped).toEqual([
      { agent: { displayName: 'eve' }, reason: 'LACKS_SKILL', detail: 'lacks skill es>=9' },
      { agent: { displayName: 'sol' }, reason: 'LACKS_SKILL', detail: 'lacks skill es>=9' },
    ]);
  });

  it('live statistics: agents by state and calls, answered vs missed today, pushed to supervisors', async () => {
    const c = await company(
      { mode: 'SEQUENTIAL' },
      [
        { name: 'sam', position: 1 },
        { name: 'tia', position: 2 },
      ],
      { breakReasons: ['Lunch', 'Training'] },
    );
    const stats = subscribe(
      server.ws(c.supervisor),
      `subscription($c: ID!) { companyStatsChanged(companyId: $c) { agents { available ringing onCall onBreak offline total } callsRinging callsActive answeredToday missedToday averageAnswerSeconds } }`,
      { c: c.companyId },
    );
    const first = await stats.next(() => true);
    expect(first.companyStatsChanged).toMatchObject({ agents: { available: 2, ringing: 0, total: 2 }, callsRinging: 0, answeredToday: 0 });
    // Break reasons are the company's codes.
    const tiaToken = (await server.admin(`mutation($a: ID!) { issueAgentToken(agentId: $a) { token } }`, { a: c.ids.tia })).issueAgentToken
      .token;
    const nap = await server.gql(`mutation { setAgentStatus(input: { status: ON_BREAK, reason: "Nap" }) { status } }`, {}, tiaToken);
    expect(nap.errors?.[0]?.message).toMatch(/must be one of the company's break reasons: Lunch, Training/);
    const lunch = await server.gql(
      `mutation { setAgentStatus(input: { status: ON_BREAK, reason: "lunch" }) { status statusReason } }`,
      {},
      tiaToken,
    );
    expect(lunch.data.setAgentStatus).toEqual({ status: 'ON_BREAK', statusReason: 'lunch' });
    await stats.next((e) => e.companyStatsChanged.agents.onBreak === 1);
    // A call rings sam, who answers after a moment.
    const call = { CallSid: 'v3:stats-1', To: '+1' };
    expect(dialed((await server.webhook(`/telnyx/voice/${c.companyId}`, call)).body)).toEqual([c.sip('sam')]);
    await stats.next((e) => e.companyStatsChanged.callsRinging === 1 && e.companyStatsChanged.agents.ringing === 1);
    const preview = await c.gql(`query($c: ID!) { routePreview(companyId: $c) { skipped { agent { displayName } reason detail } } }`);
    expect(preview.data.routePreview.skipped).toEqual(
      expect.arrayContaining([
        { agent: { displayName: 'sam' }, reason: 'RESERVED', detail: 'ringing for another call' },
        { agent: { displayName: 'tia' }, reason: 'ON_BREAK', detail: 'on break: lunch' },
      ]),
    );
    clock.advance(300); // sam answers 0.3 s after the call started ringing
    const leg = { ParentCallSid: call.CallSid, CallSid: 'v3:stats-leg', To: `sip:${c.sip('sam')}@sip.telnyx.com` };
    await server.webhook(`/telnyx/status/${c.companyId}`, { ...leg, CallStatus: 'in-progress' });
    await stats.next((e) => e.companyStatsChanged.callsActive === 1 && e.companyStatsChanged.agents.onCall === 1);
    await server.webhook(`/telnyx/dial-complete/${c.companyId}`, { ...call, DialCallStatus: 'completed' });
    await server.webhook(`/telnyx/status/${c.companyId}`, { ...leg, CallStatus: 'completed' });
    const answered = await stats.next((e) => e.companyStatsChanged.answeredToday === 1 && e.companyStatsChanged.callsActive === 0);
    expect(answered.companyStatsChanged.averageAnswerSeconds).toBeGreaterThanOrEqual(0.3);
    // A second call nobody answers ends in voicemail: missed.
    const missed = { CallSid: 'v3:stats-2', To: '+1' };
    await server.webhook(`/telnyx/voice/${c.companyId}`, missed);
    await server.webhook(`/telnyx/dial-complete/${c.companyId}`, { ...missed, DialCallStatus: 'no-answer' });
    await stats.next((e) => e.companyStatsChanged.missedToday === 1);
    const now = await c.gql(`query($c: ID!) { companyStats(companyId: $c) { answeredToday missedToday callsRinging callsActive } }`);
    expect(now.data.companyStats).toEqual({ answeredToday: 1, missedToday: 1, callsRinging: 0, callsActive: 0 });
    // Many supervisors, one read: today's call log is read once and shared, not once per subscriber.
    const reads = vi.spyOn(server.database.prisma.callLog, 'findMany');
    try {
      const company = (await server.app.services.directory.company(c.companyId))!;
      const views = await Promise.all(Array.from({ length: 50 }, () => server.app.services.stats.stats(company)));
      expect(new Set(views.map((v) => `${v.answeredToday}/${v.missedToday}`))).toEqual(new Set(['1/1']));
      expect(reads.mock.calls.length).toBeLessThanOrEqual(1);
    } finally {
      reads.mockRestore();
    }
    stats.unsubscribe();
  });

  it('routePreview at a given time: closed on a holiday in the company time zone, open the next morning', async () => {
    const c = await company(
      {
        mode: 'RING_ALL',
        businessHours: {
          timeZone: 'America/New_York',
          weekly: ['MON', 'TUE', 'WED', 'THU', 'FRI'].map((day) => ({ day, open: '09:00', close: '17:00' })),
          closures: [{ date: '2026-11-26', name: 'Thanksgiving' }],
        },
      },
      [{ name: 'ola' }],
    );
    const at = async (iso: string) =>
      (
        await c.gql(
          `query($c: ID!, $at: DateTime) { routePreview(companyId: $c, at: $at) { decision fallbackReason at skipped { reason detail } } }`,
          { at: iso },
        )
      ).data.routePreview;
    expect(await at('2026-11-26T15:00:00.000Z')).toEqual({
      decision: 'FALLBACK',
      fallbackReason: 'AFTER_HOURS',
      at: '2026-11-26T15:00:00.000Z',
      skipped: [{ reason: 'CLOSED', detail: 'closed: Thanksgiving' }],
    }); // 10:00 on the holiday
    expect(await at('2026-11-27T15:00:00.000Z')).toMatchObject({ decision: 'RING' }); // 10:00 the day after
    expect(await at('2026-11-27T13:59:00.000Z')).toMatchObject({ decision: 'FALLBACK', fallbackReason: 'AFTER_HOURS' }); // 08:59 EST
  });
});
