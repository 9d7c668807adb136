/**
 * Routing depth over the real HTTP routes: multi-step hunts through <Dial action> → dial-complete,
 * reservations across simultaneous calls, per-agent status callbacks with wrap-up, auto-pause after
 * missed offers, business hours, and the call log.
 */
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, startServer, subscribe, type TestServer } from '../support/harness.js';

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['Sip'].includes(name) });
const dialed = (body: string): string[] => {
  const r = parser.parse(body).Response;
  return r.Dial?.Sip?.map((s: any) => String(s['#text']).replace(/^sip:|@sip\.telnyx\.com$/g, '')) ?? [];
};

describe('hunting, reservations and agent states', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: { PRESENCE_TTL_MS: '600000' } });
  });
  afterAll(() => server.close());

  async function company(routing: Record<string, unknown>, agents: { name: string; tier?: number; position?: number }[]) {
    const { createCompany } = await server.admin(`mutation($r: RoutingConfigInput) { createCompany(input: { name: "Hunt", routing: $r }) { id } }`, {
      r: { allowUnregisteredSoftphones: true, ...routing },
    });
    const companyId: string = createCompany.id;
    const ids: Record<string, string> = {};
    for (const a of agents) {
      const sip = `${a.name}.${companyId.slice(-6)}`;
      const { createAgent } = await server.admin(
        `mutation($i: CreateAgentInput!) { createAgent(input: $i) { id } }`,
        { i: { companyId, displayName: a.name, sipUsername: sip, tier: a.tier ?? 1, position: a.position ?? 0 } },
      );
      const { issueAgentToken } = await server.admin(`mutation($a: ID!) { issueAgentToken(agentId: $a) { token } }`, { a: createAgent.id });
      await server.gql(`mutation { heartbeat(input: { sipRegistered: true }) { nextHeartbeatInMs } }`, {}, issueAgentToken.token);
      ids[a.name] = createAgent.id;
    }
    const { issueSupervisorToken } = await server.admin(`mutation($c: ID!) { issueSupervisorToken(companyId: $c) { token } }`, { c: companyId });
    const sip = (name: string) => `${name}.${companyId.slice(-6)}`;
    return { companyId, ids, sip, supervisor: issueSupervisorToken.token as string };
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
    await sleep(100);
    const log = await server.database.prisma.callLog.findFirst({ where: { companyId: c.companyId, callSid: 'v3:hunt-1' } });
    expect(log).toMatchObject({ outcome: 'VOICEMAIL', offeredAgentIds: [c.ids.ana, c.ids.ben, c.ids.carla], answeredAgentId: null });
  });

  it('never offers the one agent two simultaneous calls, and frees it on every outcome', async () => {
    const c = await company({ mode: 'LONGEST_IDLE' }, [{ name: 'solo' }]);
    const one = await server.webhook(`/telnyx/voice/${c.companyId}`, { CallSid: 'v3:sim-1', To: '+1' });
    const two = await server.webhook(`/telnyx/voice/${c.companyId}`, { CallSid: 'v3:sim-2', To: '+1' });
    expect(dialed(one.body)).toEqual([c.sip('solo')]);
    expect(dialed(two.body)).toEqual([]); // reserved for call 1 → straight to voicemail
    const preview = await server.gql(`query($c: ID!) { routePreview(companyId: $c) { decision skipped { reason detail } } }`, { c: c.companyId }, c.supervisor);
    expect(preview.data.routePreview.skipped).toContainEqual({ reason: 'RESERVED', detail: 'ringing for another call' });
    // Call 1's caller hangs up (canceled): the reservation ends with it.
    await server.webhook(`/telnyx/dial-complete/${c.companyId}`, { CallSid: 'v3:sim-1', DialCallStatus: 'canceled' });
    const three = await server.webhook(`/telnyx/voice/${c.companyId}`, { CallSid: 'v3:sim-3', To: '+1' });
    expect(dialed(three.body)).toEqual([c.sip('solo')]);
  });

  it('follows status callbacks: on a call, then wrap-up, then available by itself', async () => {
    const c = await company({ mode: 'RING_ALL', wrapUpSeconds: 1 }, [{ name: 'wendy' }]);
    const events = subscribe(server.ws(c.supervisor), `subscription($c: ID!) { presenceChanged(companyId: $c) { cause status snapshot presence { activeCalls } } }`, { c: c.companyId });
    await events.next((e) => e.presenceChanged.snapshot);
    const call = { CallSid: 'v3:wrap-1', To: '+1' };
    expect(dialed((await server.webhook(`/telnyx/voice/${c.companyId}`, call)).body)).toEqual([c.sip('wendy')]);
    const leg = { ParentCallSid: 'v3:wrap-1', CallSid: 'v3:leg-1', To: `sip:${c.sip('wendy')}@sip.telnyx.com` };
    await server.webhook(`/telnyx/status/${c.companyId}`, { ...leg, CallStatus: 'ringing' });
    await server.webhook(`/telnyx/status/${c.companyId}`, { ...leg, CallStatus: 'in-progress' });
    await events.next((e) => e.presenceChanged.cause === 'CALL' && e.presenceChanged.presence.activeCalls === 1);
    const busy = await server.gql(`query($c: ID!) { routePreview(companyId: $c) { decision skipped { reason } } }`, { c: c.companyId }, c.supervisor);
    expect(busy.data.routePreview).toEqual({ decision: 'FALLBACK', skipped: [{ reason: 'ON_CALL' }] });
    await server.webhook(`/telnyx/dial-complete/${c.companyId}`, { ...call, DialCallStatus: 'completed' });
    await server.webhook(`/telnyx/status/${c.companyId}`, { ...leg, CallStatus: 'completed' });
    await events.next((e) => e.presenceChanged.status === 'WRAP_UP');
    const wrap = await server.gql(`query($c: ID!) { routePreview(companyId: $c) { skipped { reason } } }`, { c: c.companyId }, c.supervisor);
    expect(wrap.data.routePreview.skipped).toEqual([{ reason: 'WRAP_UP' }]);
    const back = await events.next((e) => e.presenceChanged.cause === 'STATUS' && e.presenceChanged.status === 'AVAILABLE', 3000);
    expect(back.presenceChanged.status).toBe('AVAILABLE');
    await sleep(100);
    const log = await server.database.prisma.callLog.findFirst({ where: { companyId: c.companyId, callSid: 'v3:wrap-1' } });
    expect(log).toMatchObject({ outcome: 'ANSWERED', answeredAgentId: c.ids.wendy });
    expect(log!.answeredAt).not.toBeNull();
  });

  it('pauses an agent after N missed offers in a row, with the reason shown to supervisors', async () => {
    const c = await company({ mode: 'ROUND_ROBIN', autoPauseAfterMisses: 2 }, [{ name: 'mia' }]);
    const events = subscribe(server.ws(c.supervisor), `subscription($c: ID!) { presenceChanged(companyId: $c) { status presence { statusReason } } }`, { c: c.companyId });
    for (const sid of ['v3:miss-1', 'v3:miss-2']) {
      expect(dialed((await server.webhook(`/telnyx/voice/${c.companyId}`, { CallSid: sid, To: '+1' })).body)).toEqual([c.sip('mia')]);
      await server.webhook(`/telnyx/dial-complete/${c.companyId}`, { CallSid: sid, DialCallStatus: 'no-answer' });
    }
    const paused = await events.next((e) => e.presenceChanged.status === 'ON_BREAK');
    expect(paused.presenceChanged.presence.statusReason).toBe('missed 2 calls in a row');
    expect(dialed((await server.webhook(`/telnyx/voice/${c.companyId}`, { CallSid: 'v3:miss-3', To: '+1' })).body)).toEqual([]);
  });

  it('round robin starts each call after the agent the previous call started with', async () => {
    const c = await company({ mode: 'ROUND_ROBIN' }, [{ name: 'a1', position: 1 }, { name: 'a2', position: 2 }, { name: 'a3', position: 3 }]);
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
          closures: [{ date: today, name: 'Holiday' }, { date: tomorrow, name: 'Holiday' }],
        },
      },
      [{ name: 'hal' }],
    );
    const res = await server.webhook(`/telnyx/voice/${c.companyId}`, { CallSid: 'v3:closed', To: '+1' });
    expect(res.body).toContain('We are closed for the holiday.');
    expect(dialed(res.body)).toEqual([]);
    const preview = await server.gql(`query($c: ID!) { routePreview(companyId: $c) { decision fallbackReason } }`, { c: c.companyId }, c.supervisor);
    expect(preview.data.routePreview).toEqual({ decision: 'FALLBACK', fallbackReason: 'AFTER_HOURS' });
    const bad = await server.gql(
      `mutation($c: ID!) { updateRoutingConfig(companyId: $c, input: { businessHours: { timeZone: "Mars/Base", weekly: [{ day: MON, open: "25:00", close: "17:00" }] } }) { mode } }`,
      { c: c.companyId },
      c.supervisor,
    );
    expect(bad.errors?.[0]?.message).toMatch(/businessHours/);
    const open = await server.gql(`mutation($c: ID!) { updateRoutingConfig(companyId: $c, input: { clearBusinessHours: true }) { businessHours { timeZone } } }`, { c: c.companyId }, c.supervisor);
    expect(open.data.updateRoutingConfig.businessHours).toBeNull();
    expect(dialed((await server.webhook(`/telnyx/voice/${c.companyId}`, { CallSid: 'v3:open', To: '+1' })).body)).toEqual([c.sip('hal')]);
  });
});
