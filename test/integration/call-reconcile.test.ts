/**
 * Calls that stop hearing from Telnyx are reconciled (src/calls/call-reconciler.ts): past their ring
 * deadline plus a grace they are looked up with the TeXML REST API's "Get call" on the local fake of
 * Telnyx's REST API (src/simulator/rest-api.ts), ended as Telnyx says, and gone from the live
 * statistics; Telnyx down means asked again later with nothing counted; without Telnyx they end as
 * UNKNOWN. On several instances sharing Redis, Telnyx is asked once per call.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { RECONCILE_GRACE_MS } from '../../src/domain/call-reconcile.js';
import { createLogger } from '../../src/infra/logger.js';
import type { CallResult } from '../../src/simulator/transcript.js';
import { freshPostgres, postgresAvailable, startServer, waitFor, type TestServer } from '../support/harness.js';
import { startTestTelnyx, type TestTelnyx } from '../support/local-telnyx.js';
import { dropRedisKeys, REDIS_URL, redisAvailable, uniqueKeyPrefix } from '../support/redis.js';
import { type Simulation, startSimulation } from '../support/simulation.js';
import { tcpProxy } from '../support/tcp-proxy.js';

const RING_SECONDS = 20;
/** Sweeps run every 15 s: past the ring deadline and the grace, the next sweep looks the call up. */
const PAST_DUE_MS = RING_SECONDS * 1000 + RECONCILE_GRACE_MS + 15_000;
const SWEEP_MS = 15_000;

let numbers = 0;
const nextNumber = () => `+1305556${String(1000 + ++numbers)}`;

/**
 * A company with one agent online (RING_ALL, 20 s ring), its number, and a supervisor token. With
 * Telnyx configured an agent is only routable with a credential, so one is made on `telnyx`.
 */
async function company(server: TestServer, telnyx?: TestTelnyx) {
  const number = nextNumber();
  const { createCompany } = await server.admin(
    `mutation($r: RoutingConfigInput) { createCompany(input: { name: "Reconcile", routing: $r }) { id } }`,
    { r: { allowUnregisteredSoftphones: true, mode: 'RING_ALL', ringTimeoutSeconds: RING_SECONDS } },
  );
  const companyId: string = createCompany.id;
  await server.admin(`mutation($i: CreatePhoneNumberInput!) { createPhoneNumber(input: $i) { id } }`, { i: { companyId, e164: number } });
  const sip = `ana.${companyId.slice(-6)}`;
  const { createAgent } = await server.admin(`mutation($i: CreateAgentInput!) { createAgent(input: $i) { id } }`, {
    i: { companyId, displayName: 'Ana', sipUsername: sip, ...(telnyx && { telnyxCredentialId: telnyx.newCredential(sip) }) },
  });
  const { issueAgentToken } = await server.admin(`mutation($a: ID!) { issueAgentToken(agentId: $a) { token } }`, { a: createAgent.id });
  const heartbeat = await server.gql(
    `mutation { heartbeat(input: { sipRegistered: true }) { nextHeartbeatInMs } }`,
    {},
    issueAgentToken.token,
  );
  expect(heartbeat.errors).toBeUndefined();
  const { issueSupervisorToken } = await server.admin(`mutation($c: ID!) { issueSupervisorToken(companyId: $c) { token } }`, {
    c: companyId,
  });
  return { companyId, number, sip, supervisor: issueSupervisorToken.token as string };
}

type Company = Awaited<ReturnType<typeof company>>;

async function stats(server: TestServer, c: Company) {
  const res = await server.gql(
    `query($c: ID!) { companyStats(companyId: $c) { callsRinging callsWaiting callsActive missedToday answeredToday } }`,
    { c: c.companyId },
    c.supervisor,
  );
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data.companyStats as {
    callsRinging: number;
    callsWaiting: number;
    callsActive: number;
    missedToday: number;
    answeredToday: number;
  };
}

async function logged(server: TestServer, callSid: string) {
  await server.app.services.calls.log.flush();
  return server.database.prisma.callLog.findFirst({ where: { callSid }, select: { outcome: true, endedAt: true, startedAt: true } });
}

/** The voice webhook Telnyx sends when the call arrives (and then, in these tests, nothing more). */
async function callArrives(server: TestServer, c: Company, callSid: string, accountSid?: string) {
  const res = await server.webhook('/telnyx/voice', {
    CallSid: callSid,
    From: '+15551230000',
    To: c.number,
    CallStatus: 'ringing',
    ...(accountSid && { AccountSid: accountSid }),
  });
  expect(res.status).toBe(200);
  expect(res.body).toContain(`<Sip`);
  expect(res.body).toContain(c.sip);
}

describe('without Telnyx to ask: a silent call ends as UNKNOWN after its ring deadline and the grace', () => {
  // Noon (UTC) of today, not now: these tests move the clock 20 minutes and more, and from a start after
  // 23:38 that crossed midnight and changed "today" under answeredToday.
  const today = new Date();
  const clock = new ManualClock(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate(), 12));
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ clock, env: { PRESENCE_TTL_MS: '600000' } });
  });
  afterAll(() => server?.close());

  it('is counted while it may still be ringing, then ended UNKNOWN: neither missed nor answered, and gone from live stats', async () => {
    const c = await company(server);
    await callArrives(server, c, 'silent-1', 'AC-unused');
    expect(await stats(server, c)).toMatchObject({ callsRinging: 1 });
    // Sweeps at 15, 30 and 45 s: the call is not due before 50 s (20 s ring + 30 s grace).
    clock.advance(45_000);
    expect(await server.app.services.calls.reconcileSilentCalls()).toBe(0);
    expect(await stats(server, c)).toMatchObject({ callsRinging: 1 });
    clock.advance(SWEEP_MS);
    const after = await waitFor(
      () => stats(server, c),
      (s) => s.callsRinging === 0,
      { what: 'the silent call gone from live stats' },
    );
    expect(after).toEqual({ callsRinging: 0, callsWaiting: 0, callsActive: 0, missedToday: 0, answeredToday: 0 });
    expect(await logged(server, 'silent-1')).toMatchObject({ outcome: 'UNKNOWN' });
  });

  it('a call Telnyx keeps calling back about is left alone', async () => {
    const c = await company(server);
    await callArrives(server, c, 'talking-1');
    await server.webhook(`/telnyx/status/${c.companyId}`, {
      ParentCallSid: 'talking-1',
      CallSid: 'talking-1-leg',
      To: `sip:${c.sip}@sip.telnyx.com`,
      CallStatus: 'in-progress',
    });
    // Answered: without Telnyx to ask, a long conversation is never taken for a lost call.
    clock.advance(20 * 60_000);
    expect(await server.app.services.calls.reconcileSilentCalls()).toBe(0);
    expect(await stats(server, c)).toMatchObject({ callsActive: 1 });
    await server.webhook(`/telnyx/dial-complete/${c.companyId}`, { CallSid: 'talking-1', DialCallStatus: 'completed' });
    expect(await stats(server, c)).toMatchObject({ callsActive: 0, answeredToday: 1 });
  });
});

/** A far end for calls placed on the fake Telnyx: it answers every voice fetch with `texml`. */
async function farEnd(texml: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      res.writeHead(200, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?><Response>${texml}</Response>`),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/voice`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A call on the fake Telnyx (its CallSid as soon as it exists); `done` settles when it ends. */
async function telnyxCall(telnyx: TestTelnyx, to: string, voiceUrl: string): Promise<{ callSid: string; done: Promise<CallResult> }> {
  let callSid = '';
  const done = telnyx.telnyx.call({
    from: '+15551230000',
    to,
    application: { voiceUrl, voiceMethod: 'POST' },
    onStart: (sid) => (callSid = sid),
  });
  await waitFor(() => callSid, Boolean, { what: 'the call to start' });
  return { callSid, done };
}

const getCallRequests = (telnyx: TestTelnyx, callSid: string) =>
  telnyx.telnyx.rest.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/Calls/${encodeURIComponent(callSid)}`));

describe('with Telnyx: a silent call is looked up with Get call', () => {
  // The fake Telnyx runs on the wall clock: the service's starts a little behind it (and off the
  // whole second), so Telnyx's end times fall inside the service's view of the call.
  let clock: ManualClock;
  const lines: Record<string, any>[] = [];
  /** Waits until the reconcile has decided about the call `count` times without ending it (the log says so). */
  const undecided = (callSid: string, count: number) =>
    waitFor(
      () =>
        lines.filter(
          (l) => l.callSid === callSid && ['silent call still open: asked again later', 'silent call not reconciled'].includes(l.msg),
        ),
      (found) => found.length === count,
      { what: `look-up ${count} of ${callSid} settled` },
    );
  let telnyx: TestTelnyx;
  let server: TestServer;
  let talking: Awaited<ReturnType<typeof farEnd>>;
  let refusing: Awaited<ReturnType<typeof farEnd>>;
  beforeAll(async () => {
    clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000 - 5_000 + 500);
    telnyx = await startTestTelnyx();
    talking = await farEnd('<Say>Hello</Say><Pause length="180"/><Pause length="180"/>');
    refusing = await farEnd('<Hangup/>');
    server = await startServer({
      clock,
      env: { PRESENCE_TTL_MS: '600000', TELNYX_API_KEY: telnyx.telnyx.apiKey, TELNYX_API_BASE_URL: telnyx.apiBaseUrl },
      logger: createLogger('info', {}, { write: (line: string) => void lines.push(JSON.parse(line)) }),
    });
  });
  afterAll(async () => {
    await server?.close();
    await Promise.all([talking?.close(), refusing?.close()]);
    await telnyx?.close();
  });

  it('Telnyx says the call was canceled: ended ABANDONED at its end time, gone from live stats, its agent free', async () => {
    const c = await company(server, telnyx);
    const call = await telnyxCall(telnyx, c.number, refusing.url);
    await call.done; // over on Telnyx's side: never answered
    expect(telnyx.telnyx.engine.view(call.callSid)?.status).toBe('canceled');
    await callArrives(server, c, call.callSid, telnyx.telnyx.accountSid);
    expect(await stats(server, c)).toMatchObject({ callsRinging: 1 });
    clock.advance(PAST_DUE_MS);
    await waitFor(
      () => stats(server, c),
      (s) => s.callsRinging === 0,
      { what: 'the canceled call gone from live stats' },
    );
    expect(getCallRequests(telnyx, call.callSid)).toMatchObject([
      { path: `/v2/texml/Accounts/${telnyx.telnyx.accountSid}/Calls/${encodeURIComponent(call.callSid)}`, status: 200 },
    ]);
    expect(getCallRequests(telnyx, call.callSid)[0]!.headers.authorization).toBe(`Bearer ${telnyx.telnyx.apiKey}`);
    const row = await logged(server, call.callSid);
    expect(row).toMatchObject({ outcome: 'ABANDONED' });
    // Telnyx's end time (RFC 2822: whole seconds), not the moment of the look-up.
    const endTime = telnyx.telnyx.engine.view(call.callSid)!.endTime!;
    expect(row!.endedAt!.getTime()).toBe(Math.floor(Date.parse(endTime) / 1000) * 1000);
    expect(row!.endedAt!.getTime()).toBeLessThan(clock.now());
    expect(await stats(server, c)).toMatchObject({ missedToday: 1 });
    const preview = await server.gql(
      `query($c: ID!) { routePreview(companyId: $c) { targets { displayName } } }`,
      { c: c.companyId },
      c.supervisor,
    );
    expect(preview.data.routePreview.targets).toEqual([{ displayName: 'Ana' }]);
  });

  it('Telnyx says the call is live: left alone and asked again later; once Telnyx ends it, it ends here', async () => {
    const c = await company(server, telnyx);
    const call = await telnyxCall(telnyx, c.number, talking.url);
    await waitFor(
      () => telnyx.telnyx.engine.view(call.callSid)?.status,
      (s) => s === 'in-progress',
      { what: 'the call answered' },
    );
    await callArrives(server, c, call.callSid, telnyx.telnyx.accountSid);
    clock.advance(PAST_DUE_MS);
    const [live] = await undecided(call.callSid, 1);
    expect(live).toMatchObject({ why: 'Telnyx says the call is in-progress', attempt: 1 });
    expect(getCallRequests(telnyx, call.callSid)).toHaveLength(1);
    expect(await server.app.services.calls.reconcileSilentCalls()).toBe(0); // not due again yet
    expect(await stats(server, c)).toMatchObject({ callsRinging: 1 });
    expect(await logged(server, call.callSid)).toMatchObject({ outcome: null });

    telnyx.telnyx.engine.update(call.callSid, { status: 'completed' }); // hung up on Telnyx's side
    await call.done;
    clock.advance(30_000 + SWEEP_MS); // the next look-up, 30 s after the first
    await waitFor(
      () => stats(server, c),
      (s) => s.callsRinging === 0,
      { what: 'the ended call gone from live stats' },
    );
    expect(getCallRequests(telnyx, call.callSid)).toHaveLength(2);
    // Telnyx says completed, but no agent was ever heard answering: as the call's own status callback would log it.
    expect(await logged(server, call.callSid)).toMatchObject({ outcome: 'ABANDONED' });
  });

  it('Telnyx down: retried later, nothing ended or counted meanwhile; Telnyx back: ended', async () => {
    const c = await company(server, telnyx);
    const call = await telnyxCall(telnyx, c.number, refusing.url);
    await call.done;
    await callArrives(server, c, call.callSid, telnyx.telnyx.accountSid);
    telnyx.failWith(503);
    try {
      clock.advance(PAST_DUE_MS);
      const [failed] = await undecided(call.callSid, 1);
      expect(failed).toMatchObject({ msg: 'silent call not reconciled', why: 'Telnyx could not be asked: Telnyx answered HTTP 503' });
      expect(getCallRequests(telnyx, call.callSid).map((r) => r.status)).toEqual([503]);
      expect(await server.app.services.calls.reconcileSilentCalls()).toBe(0);
      expect(await stats(server, c)).toMatchObject({ callsRinging: 1, missedToday: 0 });
      expect(await logged(server, call.callSid)).toMatchObject({ outcome: null, endedAt: null });
      telnyx.failWith('reset'); // and then unreachable
      clock.advance(30_000 + SWEEP_MS);
      await undecided(call.callSid, 2);
      expect(getCallRequests(telnyx, call.callSid).map((r) => r.status)).toEqual([503, 'reset']);
      expect(await stats(server, c)).toMatchObject({ callsRinging: 1, missedToday: 0 });
    } finally {
      telnyx.failWith(null);
    }
    clock.advance(60_000 + SWEEP_MS); // the third look-up, a minute after the second
    await waitFor(
      () => stats(server, c),
      (s) => s.callsRinging === 0,
      { what: 'the call ended once Telnyx answers' },
    );
    expect(getCallRequests(telnyx, call.callSid).map((r) => r.status)).toEqual([503, 'reset', 200]);
    expect(await logged(server, call.callSid)).toMatchObject({ outcome: 'ABANDONED' });
  });

  it('a call Telnyx does not know is looked up twice (Get call is eventually consistent), then ended UNKNOWN', async () => {
    const c = await company(server, telnyx);
    await callArrives(server, c, 'v3:not-a-telnyx-call', telnyx.telnyx.accountSid);
    clock.advance(PAST_DUE_MS);
    await undecided('v3:not-a-telnyx-call', 1);
    expect(await stats(server, c)).toMatchObject({ callsRinging: 1 });
    clock.advance(30_000 + SWEEP_MS);
    await waitFor(
      () => stats(server, c),
      (s) => s.callsRinging === 0,
      { what: 'the unknown call ended' },
    );
    expect(getCallRequests(telnyx, 'v3:not-a-telnyx-call').map((r) => r.status)).toEqual([404, 404]);
    expect(await logged(server, 'v3:not-a-telnyx-call')).toMatchObject({ outcome: 'UNKNOWN' });
  });

  it('a call whose webhook carried no AccountSid cannot be looked up: ended UNKNOWN without asking', async () => {
    const c = await company(server, telnyx);
    await callArrives(server, c, 'no-account-1');
    const before = telnyx.telnyx.rest.requests.length;
    clock.advance(PAST_DUE_MS);
    await waitFor(
      () => stats(server, c),
      (s) => s.callsRinging === 0,
      { what: 'the call ended' },
    );
    expect(telnyx.telnyx.rest.requests.slice(before).filter((r) => r.path.includes('/Calls/'))).toEqual([]);
    expect(await logged(server, 'no-account-1')).toMatchObject({ outcome: 'UNKNOWN' });
  });

  it('an answered call is asked about every 10 minutes, and never ended for want of an AccountSid', async () => {
    const c = await company(server, telnyx);
    const other = await company(server, telnyx);
    const call = await telnyxCall(telnyx, c.number, talking.url);
    await waitFor(
      () => telnyx.telnyx.engine.view(call.callSid)?.status,
      (s) => s === 'in-progress',
      { what: 'the call answered' },
    );
    await callArrives(server, c, call.callSid, telnyx.telnyx.accountSid);
    await callArrives(server, other, 'answered-no-account');
    const answered: [Company, string][] = [
      [c, call.callSid],
      [other, 'answered-no-account'],
    ];
    for (const [co, callSid] of answered) {
      await server.webhook(`/telnyx/status/${co.companyId}`, {
        ParentCallSid: callSid,
        CallSid: `${callSid}-leg`,
        To: `sip:${co.sip}@sip.telnyx.com`,
        CallStatus: 'in-progress',
      });
    }
    clock.advance(9 * 60_000);
    expect(await server.app.services.calls.reconcileSilentCalls()).toBe(0);
    expect(getCallRequests(telnyx, call.callSid)).toEqual([]);
    clock.advance(60_000 + SWEEP_MS);
    await undecided(call.callSid, 1);
    expect(getCallRequests(telnyx, call.callSid)).toHaveLength(1);
    clock.advance(60 * 60_000);
    expect(await stats(server, c)).toMatchObject({ callsActive: 1 });
    expect(await stats(server, other)).toMatchObject({ callsActive: 1 });
    expect(lines.some((l) => l.callSid === 'answered-no-account' && String(l.msg).startsWith('silent call'))).toBe(false);
    telnyx.telnyx.engine.update(call.callSid, { status: 'completed' });
    await call.done;
  });
});

describe('a simulated call whose callbacks are lost (the service unreachable after the first answer)', () => {
  let sim: Simulation;
  let proxy: Awaited<ReturnType<typeof tcpProxy>>;
  beforeAll(async () => {
    // The callback URLs the service emits (PUBLIC_URL) go through a proxy the test cuts.
    const target = { host: '127.0.0.1', port: 0 };
    proxy = await tcpProxy(target);
    sim = await startSimulation({ env: { PUBLIC_URL: `http://127.0.0.1:${proxy.port}` } });
    target.port = Number(new URL(sim.server.url).port);
  });
  afterAll(async () => {
    proxy?.close();
    await sim?.close();
  });

  it('rings, loses the Dial action and every status callback, ends on Telnyx: reconciled ABANDONED and gone from live stats', async () => {
    const c = await sim.company({
      number: nextNumber(),
      routing: { mode: 'RING_ALL', ringTimeoutSeconds: RING_SECONDS },
      agents: [{ name: 'ana' }],
    });
    proxy.cut();
    const application = {
      voiceUrl: `${sim.server.url}/telnyx/voice`, // the first fetch still reaches the service
      voiceMethod: 'POST' as const,
      statusCallback: `http://127.0.0.1:${proxy.port}/telnyx/status/${c.companyId}`,
      statusCallbackMethod: 'POST' as const,
    };
    const r = await sim.clock!.run(
      sim.telnyx.scenario(`call from +15551230000 to ${c.number}; agent ana does not answer`, { agents: c.agents, application }),
    );
    // Telnyx's side: the Dial rang ana, its action could not be fetched, the call ended; no callback got through.
    expect(r.steps.some((s) => s.kind === 'leg' && s.status === 'initiated')).toBe(true);
    expect(r.errors.length).toBeGreaterThan(0);
    expect(r.requests.filter((q) => q.url.includes(`:${proxy.port}/`) && q.status === 200)).toEqual([]);
    expect(sim.telnyx.engine.view(r.callSid)?.status).toBe('canceled');

    const query = (q: string) => sim.server.gql(q, { c: c.companyId }, c.supervisor).then((res) => res.data.companyStats);
    const STATS = `query($c: ID!) { companyStats(companyId: $c) { callsRinging callsWaiting missedToday } }`;
    expect(await query(STATS)).toMatchObject({ callsRinging: 1 }); // what the board showed for up to 4 h before
    sim.clock!.advance(PAST_DUE_MS);
    expect(
      await waitFor(
        () => query(STATS),
        (s) => s.callsRinging === 0,
        { what: 'the lost call gone from live stats' },
      ),
    ).toEqual({
      callsRinging: 0,
      callsWaiting: 0,
      missedToday: 1,
    });
    expect(
      sim.telnyx.rest.requests.filter((q) => q.method === 'GET' && q.path.endsWith(`/Calls/${encodeURIComponent(r.callSid)}`)),
    ).toHaveLength(1);
    await sim.server.app.services.calls.log.flush();
    expect(await sim.server.database.prisma.callLog.findFirst({ where: { callSid: r.callSid } })).toMatchObject({
      outcome: 'ABANDONED',
      offeredAgentIds: [c.agentIds.ana],
    });
  });
});

const multi = (await postgresAvailable()) && (await redisAvailable());

describe.runIf(multi)('several instances on one Redis: Telnyx is asked once per call', () => {
  const clock = new ManualClock(Date.now());
  const keyPrefix = uniqueKeyPrefix();
  let pg: Awaited<ReturnType<typeof freshPostgres>>;
  let telnyx: TestTelnyx;
  let refusing: Awaited<ReturnType<typeof farEnd>>;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    pg = await freshPostgres();
    telnyx = await startTestTelnyx();
    refusing = await farEnd('<Hangup/>');
    const env = {
      DATABASE_URL: pg.url,
      DATABASE_POOL_MAX: '4',
      REDIS_URL,
      REDIS_KEY_PREFIX: keyPrefix,
      JWT_SECRET: randomBytes(32).toString('hex'),
      PRESENCE_TTL_MS: '600000',
      TELNYX_API_KEY: telnyx.telnyx.apiKey,
      TELNYX_API_BASE_URL: telnyx.apiBaseUrl,
    };
    a = await startServer({ env, clock });
    b = await startServer({ env, clock });
  });
  afterAll(async () => {
    await Promise.allSettled([a?.close(), b?.close()]);
    await refusing?.close();
    await telnyx?.close();
    await pg?.drop();
    await dropRedisKeys(keyPrefix);
  });

  it('both instances hold the silent call; one looks it up, both stop counting it', async () => {
    const c = await company(a, telnyx);
    const call = await telnyxCall(telnyx, c.number, refusing.url);
    await call.done;
    await callArrives(a, c, call.callSid, telnyx.telnyx.accountSid);
    // A leg event on the other instance: it now holds a copy of the call too.
    await b.webhook(`/telnyx/status/${c.companyId}`, {
      ParentCallSid: call.callSid,
      CallSid: `${call.callSid}-leg`,
      To: `sip:${c.sip}@sip.telnyx.com`,
      CallStatus: 'ringing',
    });
    expect(await stats(a, c)).toMatchObject({ callsRinging: 1 });
    expect(await stats(b, c)).toMatchObject({ callsRinging: 1 });

    clock.advance(PAST_DUE_MS); // both instances sweep
    await waitFor(
      async () => [(await stats(a, c)).callsRinging, (await stats(b, c)).callsRinging],
      ([x, y]) => x === 0 || y === 0,
      { what: 'one instance ended the call' },
    );
    // The other instance saw the claim (or the end) and did not ask; once the claim lapses its next
    // sweep loads the ended call (sweeps driven by hand here: one still running skips the timer's).
    clock.advance(SWEEP_MS * 3);
    await waitFor(
      async () => {
        await Promise.all([a.app.services.calls.reconcileSilentCalls(), b.app.services.calls.reconcileSilentCalls()]);
        return [(await stats(a, c)).callsRinging, (await stats(b, c)).callsRinging];
      },
      ([x, y]) => x === 0 && y === 0,
      { what: 'both instances stopped counting the call' },
    );
    expect(getCallRequests(telnyx, call.callSid)).toHaveLength(1);
    await b.app.services.calls.log.flush();
    expect(await logged(a, call.callSid)).toMatchObject({ outcome: 'ABANDONED' });
  });
});
