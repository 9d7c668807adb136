/**
 * Routing depth over the real HTTP routes: multi-step hunts through <Dial action> → dial-complete,
 * reservations across simultaneous calls, per-agent status callbacks with wrap-up, auto-pause after
 * missed offers, business hours, and the call log.
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
  /** Real time, which two tests move forward instead of waiting for it. */
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

  it('hunts one agent at a time by position, tier 1 before tier 2, then voicemail; each agent once', async () => {
    const c = await company({ mode: 'SEQUENTIAL', ringTimeoutSeconds: 15 }, [
      { name: 'carla', tier: 2, position: 0 },
      { name: 'ana', tier: 1, position: 1 },
      { name: 'ben', tier: 1, position: 2 },
    ]);
    const call = { CallSid: 'v3:hunt-1', From: '+15551230000', To: '+13055550100' };
    const first = await server.webhook(`/telnyx/voice/${c.companyId}`, call);
    expect(dialed(first.body)).toEqual([c.sip('ana')]);
    expect(first.body).toContain(`statusCallback="${server.url}/telnyx/status/${c.companyId}"`);
    const order = [dialed(first.body)];
    for (let i = 0; i < 3; i++) {
      const next = await server.webhook(`/telnyx/dial-complete/${c.companyId}`, { ...call, DialCallStatus: 'no-answer' });
      order.push(dialed(next.body));
      if (i === 2) expect(next.body).toContain('<Record');
    }
    expect(order).toEqual([[c.sip('ana')], [c.sip('ben')], [c.sip('carla')], []]);
    await server.app.services.calls.log.flush();
    const log = await server.database.prisma.callLog.findFirst({ where: { companyId: c.companyId, callSid: 'v3:hunt-1' } });
    expect(log).toMatchObject({ outcome: 'VOICEMAIL', offeredAgentIds: [c.ids.ana, c.ids.ben, c.ids.carla], answeredAgentId: null });
  });

  it('never offers the one agent two simultaneous calls, and frees it on every outcome', async () => {
    const c = await company({ mode: 'LONGEST_IDLE' }, [{ name: 'solo' }]);
    const one = await server.webhook(`/telnyx/voice/${c.companyId}`, { CallSid: 'v3:sim-1', To: '+1' });
    const two = await server.webhook(`/telnyx/voice/${c.companyId}`, { CallSid: 'v3:sim-2', To: '+1' });
    expect(dialed(one.body)).toEqual([c.sip('solo')]);
    expect(dialed(two.body)).toEqual([]); // reserved for call 1 → straight to voicemail
    const preview = await server.gql(
      `query($c: ID!) { routePreview(companyId: $c) { decision skipped { reason detail } } }`,
      { c: c.companyId },
      c.supervisor,
    );
    expect(preview.data.routePreview.skipped).toContainEqual({ reason: 'RESERVED', detail: 'ringing for another call' });
    // Call 1's caller hangs up (canceled): the reservation ends with it.
    await server.webhook(`/telnyx/dial-complete/${c.companyId}`, { CallSid: 'v3:sim-1', DialCallStatus: 'canceled' });
    const three = await server.webhook(`/telnyx/voice/${c.companyId}`, { CallSid: 'v3:sim-3', To: '+1' });
    expect(dialed(three.body)).toEqual([c.sip('solo')]);
  });

  it('follows status callbacks: on a call, then wrap-up, then available by itself', async () => {
    const c = await company({ mode: 'RING_ALL', wrapUpSeconds: 1 }, [{ name: 'wendy' }]);
    const events = subscribe(
      server.ws(c.supervisor),
      `subscription($c: ID!) { presenceChanged(companyId: $c) { cause status snapshot presence { activeCalls } } }`,
      { c: c.companyId },
    );
    await events.next((e) => e.presenceChanged.snapshot);
    const call = { CallSid: 'v3:wrap-1', To: '+1' };
    expect(dialed((await server.webhook(`/telnyx/voice/${c.companyId}`, call)).body)).toEqual([c.sip('wendy')]);
    const leg = { ParentCallSid: 'v3:wrap-1', CallSid: 'v3:leg-1', To: `sip:${c.sip('wendy')}@sip.telnyx.com` };
    await server.webhook(`/telnyx/status/${c.companyId}`, { ...leg, CallStatus: 'ringing' });
    await server.webhook(`/telnyx/status/${c.companyId}`, { ...leg, CallStatus: 'in-progress' });
    await events.next((e) => e.presenceChanged.cause === 'CALL' && e.presenceChanged.presence.activeCalls === 1);
    const busy = await server.gql(
      `query($c: ID!) { routePreview(companyId: $c) { decision skipped { reason } } }`,
      { c: c.companyId },
      c.supervisor,
    );
    expect(busy.data.routePreview).toEqual({ decision: 'FALLBACK', skipped: [{ reason: 'ON_CALL' }] });
    await server.webhook(`/telnyx/dial-complete/${c.companyId}`, { ...call, DialCallStatus: 'completed' });
    await server.webhook(`/telnyx/status/${c.companyId}`, { ...leg, CallStatus: 'completed' });
    await events.next((e) => e.presenceChanged.status === 'WRAP_UP');
    const wrap = await server.gql(
      `query($c: ID!) { routePreview(companyId: $c) { skipped { reason } } }`,
      { c: c.companyId },
      c.supervisor,
    );
    expect(wrap.data.routePreview.skipped).toEqual([{ reason: 'WRAP_UP' }]);
    const back = await events.next((e) => e.presenceChanged.cause === 'STATUS' && e.presenceChanged.status === 'AVAILABLE', 3000);
    expect(back.presenceChanged.status).toBe('AVAILABLE');
    await server.app.services.calls.log.flush();
    const log = await server.database.prisma.callLog.findFirst({ where: { companyId: c.companyId, callSid: 'v3:wrap-1' } });
    expect(log).toMatchObject({ outcome: 'ANSWERED', answeredAgentId: c.ids.wendy });
    expect(log!.answeredAt).not.toBeNull();
  });

  it('a caller who hangs up while agents ring: the call ends as abandoned, its reservation and statistics with it', async () => {
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

  it('AUTO (the default) rings everyone once: a missed ring-all with a CallSid goes to voicemail, not round again', async () => {
    const c = await company({ mode: 'AUTO' }, [{ name: 'zoe' }, { name: 'zak' }]);
    const call = { CallSid: 'v3:auto-1', From: '+15551230000', To: '+1' };
    expect(dialed((await server.webhook(`/telnyx/voice/${c.companyId}`, call)).body).sort()).toEqual([c.sip('zak'), c.sip('zoe')].sort());
    const missed = await server.webhook(`/telnyx/dial-complete/${c.companyId}`, { ...call, DialCallStatus: 'no-answer' });
    expect(dialed(missed.body)).toEqual([]);
    expect(missed.body).toContain('<Record');
    await server.app.services.calls.log.flush();
    const log = await server.database.prisma.callLog.findFirst({ where: { companyId: c.companyId, callSid: call.CallSid } });
    expect(log).toMatchObject({ outcome: 'VOICEMAIL' });
    expect([...log!.offeredAgentIds].sort()).toEqual([c.ids.zak, c.ids.zoe].sort());
  });

  it('pauses an agent after N missed offers in a row, with the reason shown to supervisors', async () => {
    const c = await company({ mode: 'ROUND_ROBIN', autoPauseAfterMisses: 2 }, [{ name: 'mia' }]);
    const events = subscribe(
      server.ws(c.supervisor),
      `subscription($c: ID!) { presenceChanged(companyId: $c) { status presence { statusReason } } }`,
      { c: c.companyId },
    );
    for (const sid of ['v3:miss-1', 'v3:miss-2']) {
      expect(dialed((await server.webhook(`/telnyx/voice/${c.companyId}`, { CallSid: sid, To: '+1' })).body)).toEqual([c.sip('mia')]);
      await server.webhook(`/telnyx/dial-complete/${c.companyId}`, { CallSid: sid, DialCallStatus: 'no-answer' });
    }
    const paused = await events.next((e) => e.presenceChanged.status === 'ON_BREAK');
    expect(paused.presenceChanged.presence.statusReason).toBe('missed 2 calls in a row');
    expect(dialed((await server.webhook(`/telnyx/voice/${c.companyId}`, { CallSid: 'v3:miss-3', To: '+1' })).body)).toEqual([]);
  });

  it('round robin starts each call after the agent the previous call started with', async () => {
    const c = await company({ mode: 'ROUND_ROBIN' }, [
      { name: 'a1', position: 1 },
      { name: 'a2', position: 2 },
      { name: 'a3', position: 3 },
    ]);
    const firsts = [];
    for (let i = 0; i < 4; i++) {
      const sid = `v3:rr-${i}`;
      firsts.push(dialed((await server.webhook(`/telnyx/voice/${c.companyId}`, { CallSid: sid, To: '+1' })).body)[0]);
      await server.webhook(`/telnyx/dial-complete/${c.companyId}`, { CallSid: sid, DialCallStatus: 'completed' });
    }
    expect(firsts).toEqual([c.sip('a1'), c.sip('a2'), c.sip('a3'), c.sip('a1')]);
  });

  it('answers outside business hours with the after-hours greeting, and shows why in routePreview', async () => {
    // Closed every day but a one-minute window that is never now (a closure covers today and tomorrow).
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const c = await company(
      {
        mode: 'RING_ALL',
        afterHoursGreeting: 'We are closed for the holiday.',
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
    const res = await server.webhook(`/telnyx/voice/${c.companyId}`, { CallSid: 'v3:closed', To: '+1' });
    expect(res.body).toContain('We are closed for the holiday.');
    expect(dialed(res.body)).toEqual([]);
    const preview = await server.gql(
      `query($c: ID!) { routePreview(companyId: $c) { decision fallbackReason } }`,
      { c: c.companyId },
      c.supervisor,
    );
    expect(preview.data.routePreview).toEqual({ decision: 'FALLBACK', fallbackReason: 'AFTER_HOURS' });
    const bad = await server.gql(
      `mutation($c: ID!) { updateRoutingConfig(companyId: $c, input: { businessHours: { timeZone: "Mars/Base", weekly: [{ day: MON, open: "25:00", close: "17:00" }] } }) { mode } }`,
      { c: c.companyId },
      c.supervisor,
    );
    expect(bad.errors?.[0]?.message).toMatch(/businessHours/);
    const open = await server.gql(
      `mutation($c: ID!) { updateRoutingConfig(companyId: $c, input: { clearBusinessHours: true }) { businessHours { timeZone } } }`,
      { c: c.companyId },
      c.supervisor,
    );
    expect(open.data.updateRoutingConfig.businessHours).toBeNull();
    expect(dialed((await server.webhook(`/telnyx/voice/${c.companyId}`, { CallSid: 'v3:open', To: '+1' })).body)).toEqual([c.sip('hal')]);
  });

  it('asks the language menu, then rings only agents with the chosen language; the called number can name it instead', async () => {
    const c = await company(
      {
        mode: 'RING_ALL',
        languageMenu: [
          { digit: '1', skill: 'en', prompt: 'For English, press 1.', language: 'en-US' },
          { digit: '2', skill: 'es', prompt: 'Para español, oprima 2.', language: 'es-US' },
        ],
      },
      [
        { name: 'eve', skills: [{ name: 'en', level: 9 }] },
        {
          name: 'sol',
          skills: [
            { name: 'es', level: 8 },
            { name: 'en', level: 3 },
          ],
        },
      ],
    );
    const call = { CallSid: 'v3:menu-1', From: '+15551230000', To: '+13055550111' };
    const menu = await server.webhook(`/telnyx/voice/${c.companyId}`, call);
    const gather = parser.parse(menu.body).Response.Gather;
    expect(gather.action).toBe(`${server.url}/telnyx/language/${c.companyId}`);
    expect(gather.Say.map((s: any) => [s.language, s['#text']])).toEqual([
      ['en-US', 'For English, press 1.'],
      ['es-US', 'Para español, oprima 2.'],
    ]);
    // A retried voice webhook does not ask twice.
    const chosen = await server.webhook(`/telnyx/language/${c.companyId}`, { ...call, Digits: '2' });
    expect(dialed(chosen.body)).toEqual([c.sip('sol')]);
    await server.webhook(`/telnyx/dial-complete/${c.companyId}`, { ...call, DialCallStatus: 'busy' }); // frees sol's reservation
    // No key pressed: routed to everyone.
    const none = { CallSid: 'v3:menu-2', To: '+13055550111' };
    await server.webhook(`/telnyx/voice/${c.companyId}`, none);
    expect(dialed((await server.webhook(`/telnyx/language/${c.companyId}`, none)).body).sort()).toEqual(
      [c.sip('eve'), c.sip('sol')].sort(),
    );
    await server.webhook(`/telnyx/dial-complete/${c.companyId}`, { ...none, DialCallStatus: 'completed' });
    // A Spanish line: no menu, Spanish speakers only.
    const { createPhoneNumber } = await server.admin(
      `mutation($c: ID!) { createPhoneNumber(input: { companyId: $c, e164: "+13055550122", requiredSkills: "es>=5" }) { requiredSkills } }`,
      { c: c.companyId },
    );
    expect(createPhoneNumber.requiredSkills).toBe('es>=5');
    const spanish = await server.webhook(`/telnyx/voice`, { CallSid: 'v3:menu-3', To: '+13055550122' });
    expect(dialed(spanish.body)).toEqual([c.sip('sol')]);
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

  it('holds a caller nobody with the skill can take, then widens to everyone after widenAfterSeconds', async () => {
    const c = await company({ mode: 'SEQUENTIAL', widenAfterSeconds: 1 }, [{ name: 'ray', skills: [{ name: 'en' }] }]);
    await server.admin(
      `mutation($c: ID!) { createPhoneNumber(input: { companyId: $c, e164: "+13055550133", requiredSkills: "fr" }) { id } }`,
      { c: c.companyId },
    );
    const call = { CallSid: 'v3:widen-1', To: '+13055550133' };
    const hold = parser.parse((await server.webhook(`/telnyx/voice/${c.companyId}`, call)).body).Response;
    expect(hold.Pause.length).toBe('1');
    expect(hold.Redirect['#text']).toBe(`${server.url}/telnyx/voice/${c.companyId}`);
    const waiting = await c.gql(`query($c: ID!) { companyStats(companyId: $c) { callsWaiting callsRinging longestWaitSeconds } }`);
    expect(waiting.data.companyStats).toMatchObject({ callsWaiting: 1, callsRinging: 0 });
    clock.advance(1100); // past widenAfterSeconds
    expect(dialed((await server.webhook(`/telnyx/voice/${c.companyId}`, call)).body)).toEqual([c.sip('ray')]);
    const preview = await c.gql(`query($c: ID!) { routePreview(companyId: $c, skills: "fr", waitedSeconds: 0) { decision holdSeconds } }`);
    expect(preview.data.routePreview).toEqual({ decision: 'FALLBACK', holdSeconds: null }); // ray is reserved for the widened call
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
