/**
 * What a signed Telnyx webhook may be trusted for, over real servers: the replay cache holds across
 * instances (Redis) and restarts (DATA_DIR journal); only what the signature covers (the body)
 * chooses the company, the step and the parameters; slow bodies are cut without delaying the
 * others; only Telnyx's recording URLs are stored.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/infra/db.js';
import { createLogger } from '../../src/infra/logger.js';
import { REPLAY_JOURNAL_FILE } from '../../src/telnyx/replay-store.js';
import { freshPostgres, postgresAvailable, startServer, type TestServer } from '../support/harness.js';
import { dropRedisKeys, REDIS_URL, redisAvailable, uniqueKeyPrefix } from '../support/redis.js';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const TELNYX_PUBLIC_KEY = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?><Response>';
const TELNYX_RECORDING = 'https://s3.amazonaws.com/telephony-recorder-prod/acct/2026-11-27/leg-1.mp3?X-Amz-Expires=600&X-Amz-Signature=abc';

/** A signature as Telnyx makes it: over `${ts}|${raw body}`; a fresh timestamp each call (as a capture not yet delivered). */
let lastTs = 0;
function signedHeaders(body: string, ts?: number): Record<string, string> {
  const t = ts ?? Math.max(Math.floor(Date.now() / 1000), lastTs + 1);
  lastTs = Math.max(lastTs, t);
  return {
    'telnyx-timestamp': String(t),
    'telnyx-signature-ed25519': sign(null, Buffer.from(`${t}|${body}`), privateKey).toString('base64'),
  };
}

async function post(url: string, params: Record<string, string>, opts: { headers?: Record<string, string>; contentType?: string } = {}) {
  const body = new URLSearchParams(params).toString();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': opts.contentType ?? 'application/x-www-form-urlencoded', ...(opts.headers ?? signedHeaders(body)) },
    body,
  });
  return { status: res.status, body: await res.text() };
}

function expectTexml(res: { body: string }) {
  expect(res.body.startsWith(DECLARATION)).toBe(true);
  expect(XMLValidator.validate(res.body)).toBe(true);
}

/** An attribute of the first element that has it, XML-unescaped (our URLs carry `&amp;`). */
function attribute(texml: string, name: string): string {
  const m = new RegExp(`${name}="([^"]+)"`).exec(texml);
  if (!m) throw new Error(`no ${name} in ${texml}`);
  return m[1]!.replace(/&amp;/g, '&');
}

function logCapture() {
  const lines: { msg: string; [k: string]: unknown }[] = [];
  const logger = createLogger('info', {}, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const waitFor = async (predicate: (l: (typeof lines)[number]) => boolean, timeoutMs = 5000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = lines.find(predicate);
      if (found) return found;
      if (Date.now() > until) throw new Error(`no such log line; got ${JSON.stringify(lines.map((l) => l.msg))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { lines, logger, waitFor };
}

async function company(server: TestServer, name: string, number: string, routing: Record<string, unknown>, agents: string[]) {
  const { createCompany } = await server.admin(
    `mutation($n: String!, $r: RoutingConfigInput) { createCompany(input: { name: $n, routing: $r }) { id } }`,
    {
      n: name,
      r: { allowUnregisteredSoftphones: true, ...routing },
    },
  );
  const companyId: string = createCompany.id;
  await server.admin(`mutation($c: ID!, $e: String!) { createPhoneNumber(input: { companyId: $c, e164: $e }) { e164 } }`, {
    c: companyId,
    e: number,
  });
  const sips: string[] = [];
  for (const [i, agent] of agents.entries()) {
    const sip = `${agent}.${randomBytes(3).toString('hex')}`;
    const { createAgent } = await server.admin(`mutation($i: CreateAgentInput!) { createAgent(input: $i) { id } }`, {
      i: { companyId, displayName: agent, sipUsername: sip, position: i + 1 },
    });
    const { issueAgentToken } = await server.admin(`mutation($a: ID!) { issueAgentToken(agentId: $a) { token } }`, { a: createAgent.id });
    const beat = await server.gql(
      `mutation { heartbeat(input: { sipRegistered: false }) { presence { online } } }`,
      {},
      issueAgentToken.token,
    );
    expect(beat.data.heartbeat.presence.online).toBe(true);
    sips.push(sip);
  }
  const { issueSupervisorToken } = await server.admin(`mutation($c: ID!) { issueSupervisorToken(companyId: $c) { token } }`, {
    c: companyId,
  });
  return { companyId, number, sips, supervisor: issueSupervisorToken.token as string };
}

const ready = (await postgresAvailable()) && (await redisAvailable());

describe.runIf(ready)('replay cache shared by instances and kept across restarts', () => {
  const keyPrefix = uniqueKeyPrefix();
  let pg: Awaited<ReturnType<typeof freshPostgres>>;
  let dir: string;
  beforeAll(async () => {
    pg = await freshPostgres();
    dir = await mkdtemp(path.join(tmpdir(), 'curbe-replay-'));
  });
  afterAll(async () => {
    await pg?.drop();
    await dropRedisKeys(keyPrefix);
    await rm(dir, { recursive: true, force: true });
  });

  it('the same signed request on another instance sharing Redis gets the first answer, and nothing is decided twice', async () => {
    const env = {
      DATABASE_URL: pg.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: keyPrefix,
      JWT_SECRET: randomBytes(32).toString('hex'),
      TELNYX_PUBLIC_KEY,
    };
    const a = await startServer({ env });
    const b = await startServer({ env });
    const { lines, logger, waitFor } = logCapture();
    const c = await startServer({ env, logger });
    try {
      const co = await company(a, 'Replay', '+13055550160', { mode: 'SEQUENTIAL' }, ['ana', 'ben']);
      const call = { CallSid: 'v3:replay-1', From: '+15551230000', To: co.number };
      const voice = await post(`${a.url}/telnyx/voice`, call);
      expect(voice.body).toContain(`sip:${co.sips[0]}@sip.telnyx.com`);
      // ana missed: the hunt moves on to ben. This exact request (same bytes, same signature) then
      // arrives again, on every instance, twice at once on two of them.
      const missed = new URLSearchParams({ ...call, DialCallStatus: 'no-answer' }).toString();
      const headers = signedHeaders(missed);
      const send = (server: TestServer) =>
        post(attribute(voice.body, 'action').replace(a.url, server.url), Object.fromEntries(new URLSearchParams(missed)), { headers });
      const first = await send(a);
      expect(first.status).toBe(200);
      expect(first.body).toContain(`sip:${co.sips[1]}@sip.telnyx.com`);
      const repeats = [await send(b), ...(await Promise.all([send(c), send(a)]))];
      for (const again of repeats) expect(again).toEqual(first);
      await waitFor(
        (l) => l.msg === 'telnyx webhook: the same signed request again, answered as the first time' && l.route === 'dial-complete',
      );
      expect(lines.some((l) => JSON.stringify(l).includes('v3:replay-1'))).toBe(false); // no body in the log
      // Had a repeat been handled, ben would have missed too and the next step would be past him.
      // ben's own miss (a new delivery, stamped anew) is what ends the hunt: to voicemail.
      const after = await post(attribute(first.body, 'action').replace(a.url, c.url), { ...call, DialCallStatus: 'no-answer' });
      expect(after.body).toContain('<Record');
    } finally {
      await Promise.allSettled([a.close(), b.close(), c.close()]);
    }
  });

  it('a status callback delivered twice is applied once: an agent is not put back on a call that ended', async () => {
    const env = {
      DATABASE_URL: pg.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: keyPrefix,
      JWT_SECRET: randomBytes(32).toString('hex'),
      TELNYX_PUBLIC_KEY,
    };
    const a = await startServer({ env });
    const b = await startServer({ env });
    try {
      const co = await company(a, 'Twice', '+13055550164', { mode: 'SEQUENTIAL', wrapUpSeconds: 0 }, ['cy']);
      const call = { CallSid: 'v3:twice-1', From: '+15551230000', To: co.number };
      const voice = await post(`${a.url}/telnyx/voice`, call);
      const status = attribute(voice.body, 'statusCallback');
      const leg = { CallSid: 'v3:twice-leg', ParentCallSid: call.CallSid, To: `sip:${co.sips[0]}@sip.telnyx.com` };
      const answered = new URLSearchParams({ ...leg, CallStatus: 'in-progress' }).toString();
      const answeredHeaders = signedHeaders(answered);
      expect((await post(status, Object.fromEntries(new URLSearchParams(answered)), { headers: answeredHeaders })).status).toBe(200);
      const activeCalls = async (server: TestServer) =>
        (await server.gql(`query($c: ID!) { presence(companyId: $c) { activeCalls } }`, { c: co.companyId }, co.supervisor)).data
          .presence[0].activeCalls;
      expect(await activeCalls(a)).toBe(1);
      expect((await post(status, { ...leg, CallStatus: 'completed' })).status).toBe(200);
      expect(await activeCalls(a)).toBe(0);
      // The `answered` delivery again, after the end: acknowledged (200), not applied.
      const again = await post(status.replace(a.url, b.url), Object.fromEntries(new URLSearchParams(answered)), {
        headers: answeredHeaders,
      });
      expect(again.status).toBe(200);
      expectTexml(again);
      expect(await activeCalls(b)).toBe(0);
    } finally {
      await Promise.allSettled([a.close(), b.close()]);
    }
  });

  it('a signed hunt continues on another instance through our URLs; a URL without MAC is bound by the call shared in Redis', async () => {
    const env = {
      DATABASE_URL: pg.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: keyPrefix,
      JWT_SECRET: randomBytes(32).toString('hex'),
      TELNYX_PUBLIC_KEY,
      PRESENCE_TTL_MS: '600000',
      HEARTBEAT_INTERVAL_MS: '10000',
    };
    const a = await startServer({ env });
    const b = await startServer({ env });
    const c = await startServer({ env }); // never sees the call before its status callback
    try {
      const co = await company(a, 'Across', '+13055550162', { mode: 'SEQUENTIAL' }, ['cai', 'cid']);
      const other = await company(a, 'Other', '+13055550163', {}, []);
      const call = { CallSid: 'v3:across-1', From: '+15551230000', To: co.number };
      const voice = await post(`${a.url}/telnyx/voice`, call);
      expect(voice.body).toContain(`sip:${co.sips[0]}@sip.telnyx.com`);
      const onB = (url: string) => url.replace(a.url, b.url);
      const next = await post(onB(attribute(voice.body, 'action')), { ...call, DialCallStatus: 'no-answer' });
      expect(next.status).toBe(200);
      expect(next.body).toContain(`sip:${co.sips[1]}@sip.telnyx.com`);
      // The portal-style status URL carries no MAC: the call's company comes from Redis, even on an
      // instance that has never seen the call.
      const leg = { CallSid: 'v3:across-leg', ParentCallSid: call.CallSid, To: `sip:${co.sips[1]}@sip.telnyx.com`, CallStatus: 'ringing' };
      const aimed = await post(`${c.url}/telnyx/status/${other.companyId}`, leg);
      expect(aimed.status).toBe(403);
      expectTexml(aimed);
      expect((await post(`${c.url}/telnyx/status/${co.companyId}`, leg)).status).toBe(200);
    } finally {
      await Promise.allSettled([a.close(), b.close(), c.close()]);
    }
  });

  it('a request answered before a restart is answered the same after it (same DATA_DIR journal)', async () => {
    const env = { DATA_DIR: dir, JWT_SECRET: randomBytes(32).toString('hex'), TELNYX_PUBLIC_KEY };
    const database = await openDatabase({ databaseUrl: pg.url, dataDir: 'memory://' });
    try {
      let server = await startServer({ env, database });
      const co = await company(server, 'Restart', '+13055550161', {}, ['bea']);
      const params = { CallSid: 'v3:restart-1', From: '+15551230000', To: co.number };
      const headers = signedHeaders(new URLSearchParams(params).toString());
      const first = await post(`${server.url}/telnyx/voice`, params, { headers });
      expect(first.status).toBe(200);
      await server.close();
      expect(readFileSync(path.join(dir, REPLAY_JOURNAL_FILE), 'utf8')).toContain(headers['telnyx-signature-ed25519']!);

      server = await startServer({ env, database });
      try {
        const again = await post(`${server.url}/telnyx/voice`, params, { headers });
        // The URLs in it carry the MAC of the first instance's JWT_SECRET, still the same deployment's.
        expect(again).toEqual(first);
        // A new signature of the same call (a new delivery attempt) is handled as new.
        expect((await post(`${server.url}/telnyx/voice`, params)).status).toBe(200);
      } finally {
        await server.close();
      }
    } finally {
      await database.close();
    }
  });
});

describe('signed mode: only what the signature covers is used', () => {
  let server: TestServer;
  let log: ReturnType<typeof logCapture>;
  let x: Awaited<ReturnType<typeof company>>;
  let y: Awaited<ReturnType<typeof company>>;
  beforeAll(async () => {
    log = logCapture();
    server = await startServer({
      env: { TELNYX_PUBLIC_KEY, PRESENCE_TTL_MS: '600000', HEARTBEAT_INTERVAL_MS: '10000' },
      logger: log.logger,
    });
    x = await company(server, 'X', '+13055550170', { mode: 'SEQUENTIAL', fallbackKind: 'NUMBER', fallbackNumber: '+13055550199' }, [
      'xena',
      'xavi',
    ]);
    y = await company(server, 'Y', '+13055550171', { mode: 'SEQUENTIAL' }, ['yuri']);
  });
  afterAll(() => server.close());

  it('a hunt runs end to end through the callback URLs our TeXML emits, every request signed', async () => {
    const call = { CallSid: 'v3:hunt-1', From: '+15551230000', To: x.number };
    const voice = await post(`${server.url}/telnyx/voice`, call);
    expect(voice.status).toBe(200);
    expect(voice.body).toContain(`sip:${x.sips[0]}@sip.telnyx.com`);
    const dialComplete = attribute(voice.body, 'action');
    const status = attribute(voice.body, 'statusCallback');
    expect(dialComplete).toMatch(new RegExp(`/telnyx/dial-complete/${x.companyId}\\?mac=`));

    const ringing = await post(status, {
      CallSid: 'v3:leg-1',
      ParentCallSid: call.CallSid,
      To: `sip:${x.sips[0]}@sip.telnyx.com`,
      CallStatus: 'ringing',
    });
    expect(ringing.status).toBe(200);
    const second = await post(dialComplete, { ...call, DialCallStatus: 'no-answer' });
    expect(second.status).toBe(200);
    expect(second.body).toContain(`sip:${x.sips[1]}@sip.telnyx.com`);
    const forward = await post(attribute(second.body, 'action'), { ...call, DialCallStatus: 'no-answer' });
    expect(forward.body).toContain('<Number>+13055550199</Number>');
    const forwardComplete = attribute(forward.body, 'action');
    expect(forwardComplete).toMatch(/\?step=forward&mac=/);
    const voicemail = await post(forwardComplete, { ...call, DialCallStatus: 'no-answer' });
    expect(voicemail.body).toContain('<Record');
    const stored = await post(attribute(voicemail.body, 'action'), {
      ...call,
      RecordingUrl: TELNYX_RECORDING,
      RecordingDuration: '9',
      RecordingStatus: 'completed',
    });
    expect(stored.status).toBe(200);
    expectTexml(stored);
    const list = await server.gql(
      `query($c: ID!) { voicemails(companyId: $c) { callSid recordingUrl } }`,
      { c: x.companyId },
      x.supervisor,
    );
    expect(list.data.voicemails).toEqual([{ callSid: call.CallSid, recordingUrl: TELNYX_RECORDING }]);
  });

  it('a signed body re-aimed at another company, or with query parameters added, is refused or ignores them', async () => {
    const call = { CallSid: 'v3:aim-1', From: '+15551230000', To: x.number };
    // Another company's path, without a URL MAC: the signed `To` is X's number → 403.
    const aimed = await post(`${server.url}/telnyx/voice/${y.companyId}`, call);
    expect(aimed.status).toBe(403);
    expectTexml(aimed);
    await log.waitFor((l) => l.msg.startsWith('telnyx webhook refused: the URL names another company') && l.pathCompanyId === y.companyId);

    // Unsigned query parameters are ignored: the company and caller come from the body.
    const queried = await post(`${server.url}/telnyx/voice?To=${encodeURIComponent(y.number)}&CallSid=v3:other`, call);
    expect(queried.status).toBe(200);
    expect(queried.body).toContain(`sip:${x.sips[0]}@sip.telnyx.com`);
    expect(queried.body).not.toContain(y.sips[0]);

    // Y's own emitted (MAC'd) dial-complete URL with X's call in the body → 403 (the call is X's),
    // and so with a call not seen yet whose signed `To` is X's number.
    const yVoice = await post(`${server.url}/telnyx/voice`, { CallSid: 'v3:y-1', From: '+15551230000', To: y.number });
    const yDialComplete = attribute(yVoice.body, 'action');
    for (const body of [
      { ...call, DialCallStatus: 'no-answer' },
      { CallSid: 'v3:aim-new', From: '+15551230000', To: x.number, DialCallStatus: 'no-answer' },
    ]) {
      const crossed = await post(yDialComplete, body);
      expect(crossed.status).toBe(403);
      expectTexml(crossed);
      await log.waitFor(
        (l) =>
          l.msg === "telnyx webhook refused: the signed body is another company's call than the URL names" && l.callSid === body.CallSid,
      );
    }

    // `step=forward` added to X's own URL breaks its MAC: the step comes from the call (not forwarded),
    // so a missed agent dial continues the hunt instead of jumping to voicemail.
    const xDialComplete = attribute(queried.body, 'action');
    const stepped = await post(`${xDialComplete}&step=forward`, { ...call, DialCallStatus: 'no-answer' });
    expect(stepped.status).toBe(200);
    expect(stepped.body).toContain(`sip:${x.sips[1]}@sip.telnyx.com`);
    expect(stepped.body).not.toContain('<Record');
  });

  it('a URL without MAC takes the step from the call: a forwarded call whose forward missed goes to voicemail', async () => {
    const call = { CallSid: 'v3:fwd-1', From: '+15551230000', To: x.number };
    let answer = await post(`${server.url}/telnyx/voice`, call);
    // Miss every agent offered (how many depends on who earlier tests left reserved) until the forward.
    for (let i = 0; i < 4 && !answer.body.includes('<Number>'); i++) {
      answer = await post(attribute(answer.body, 'action'), { ...call, DialCallStatus: 'no-answer' });
    }
    expect(answer.body).toContain('<Number>+13055550199</Number>');
    const plain = await post(`${server.url}/telnyx/dial-complete/${x.companyId}`, { ...call, DialCallStatus: 'no-answer' });
    expect(plain.status).toBe(200);
    expect(plain.body).toContain('<Record');
  });

  it('a signed request seen before on one route and sent to another is refused: Telnyx never moves a body', async () => {
    const call = { CallSid: 'v3:moved-1', From: '+15551230000', To: y.number };
    const headers = signedHeaders(new URLSearchParams(call).toString());
    expect((await post(`${server.url}/telnyx/voice`, call, { headers })).status).toBe(200);
    const moved = await post(`${server.url}/telnyx/status`, call, { headers });
    expect(moved.status).toBe(403);
    expectTexml(moved);
    await log.waitFor((l) => l.msg === 'telnyx webhook refused: a signed request seen before on another route' && l.firstRoute === 'voice');
  });

  it('refuses JSON (or any non-form) bodies and GET requests with 4xx TeXML and a log line', async () => {
    const params = { CallSid: 'v3:json-1', From: '+15551230000', To: x.number };
    const json = JSON.stringify(params);
    const res = await fetch(`${server.url}/telnyx/voice?To=${encodeURIComponent(x.number)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signedHeaders(json) },
      body: json,
    });
    expect(res.status).toBe(415);
    expectTexml({ body: await res.text() });
    await log.waitFor(
      (l) =>
        l.msg === 'telnyx webhook refused: signed webhooks must be application/x-www-form-urlencoded' &&
        l.contentType === 'application/json',
    );

    const query = new URLSearchParams(params).toString();
    const get = await fetch(`${server.url}/telnyx/voice?${query}`, { headers: signedHeaders('') });
    expect(get.status).toBe(405);
    expectTexml({ body: await get.text() });
    await log.waitFor((l) => l.method === 'GET' && /only POST is accepted/.test(l.msg));
  });
});

/**
 * One TeXML application for every company (docs/TELNYX.md): its Voice URL `/telnyx/voice` and its
 * Call progress events URL `/telnyx/status` name no company, nor may a recording callback. The
 * company comes from the call's session (an agent's leg by ParentCallSid: its own To is a SIP URI),
 * else from the called number.
 */
async function oneApplicationCall(
  server: TestServer,
  send: (path: string, params: Record<string, string>) => Promise<{ status: number; body: string }>,
  n: number,
) {
  const co = await company(server, `One app ${n}`, `+1305555020${n}`, { mode: 'SEQUENTIAL' }, ['uma']);
  const log = async (callSid: string) => {
    await server.app.services.calls.log.flush();
    return server.database.prisma.callLog.findFirst({ where: { callSid }, select: { outcome: true, companyId: true } });
  };
  const presence = async () =>
    (await server.gql(`query($c: ID!) { presence(companyId: $c) { activeCalls } }`, { c: co.companyId }, co.supervisor)).data.presence[0];

  // A caller who hangs up while uma rings: the call's own status callback, on the company-less URL.
  const rung = { CallSid: `v3:one-${n}-a`, From: '+15551230000', To: co.number };
  expect((await send('/telnyx/voice', rung)).body).toContain(`sip:${co.sips[0]}@sip.telnyx.com`);
  const leg = { CallSid: `v3:one-${n}-leg`, ParentCallSid: rung.CallSid, To: `sip:${co.sips[0]}@sip.telnyx.com` };
  expect((await send('/telnyx/status', { ...leg, CallStatus: 'ringing' })).status).toBe(200);
  const ended = await send('/telnyx/status', { ...rung, CallStatus: 'canceled', CallbackSource: 'call-progress-events' });
  expect(ended.status).toBe(200);
  expectTexml(ended);
  expect(await log(rung.CallSid)).toEqual({ outcome: 'ABANDONED', companyId: co.companyId });

  // An agent's leg answered and completed, reported on the company-less URL: found by ParentCallSid.
  const taken = { CallSid: `v3:one-${n}-b`, From: '+15551230000', To: co.number };
  await send('/telnyx/voice', taken);
  const takenLeg = { CallSid: `v3:one-${n}-leg-b`, ParentCallSid: taken.CallSid, To: `sip:${co.sips[0]}@sip.telnyx.com` };
  expect((await send('/telnyx/status', { ...takenLeg, CallStatus: 'in-progress' })).status).toBe(200);
  expect(await presence()).toEqual({ activeCalls: 1 });
  expect((await send('/telnyx/status', { ...takenLeg, CallStatus: 'completed' })).status).toBe(200);
  expect(await presence()).toEqual({ activeCalls: 0 });

  // A recording callback (no From/To) on the company-less URL: stored for the call's company.
  const recorded = await send('/telnyx/voicemail', {
    CallSid: rung.CallSid,
    RecordingUrl: TELNYX_RECORDING,
    RecordingStatus: 'completed',
    RecordingDuration: '4',
  });
  expect(recorded.status).toBe(200);
  expectTexml(recorded);
  expect(await server.database.prisma.voicemail.count({ where: { callSid: rung.CallSid, companyId: co.companyId } })).toBe(1);

  // A leg of a call nobody here knows: its To is a SIP URI, no number of ours; acknowledged, nothing done.
  const stranger = await send('/telnyx/status', {
    CallSid: 'v3:stranger-leg',
    ParentCallSid: 'v3:stranger',
    To: leg.To,
    CallStatus: 'in-progress',
  });
  expect(stranger).toMatchObject({ status: 200 });
  expect(await presence()).toEqual({ activeCalls: 0 });
}

describe('one application for every company: status and voicemail without a company in the path', () => {
  it('unsigned (TELNYX_WEBHOOK_AUTH off)', async () => {
    const server = await startServer({
      env: {
        PRESENCE_TTL_MS: '600000',
        HEARTBEAT_INTERVAL_MS: '10000',
        RECORDING_URL_ALLOWLIST: 's3.amazonaws.com/telephony-recorder-prod/',
      },
    });
    try {
      await oneApplicationCall(server, (path, params) => server.webhook(path, params), 1);
    } finally {
      await server.close();
    }
  });

  it('signed: the company comes from the signed body, never from the URL', async () => {
    const server = await startServer({
      env: {
        TELNYX_PUBLIC_KEY,
        PRESENCE_TTL_MS: '600000',
        HEARTBEAT_INTERVAL_MS: '10000',
        RECORDING_URL_ALLOWLIST: 's3.amazonaws.com/telephony-recorder-prod/',
      },
    });
    try {
      await oneApplicationCall(server, (path, params) => post(`${server.url}${path}`, params), 2);
    } finally {
      await server.close();
    }
  });
});

describe('voicemail RecordingUrl: https on the allowed recording hosts only', () => {
  let server: TestServer;
  let log: ReturnType<typeof logCapture>;
  let co: Awaited<ReturnType<typeof company>>;
  beforeAll(async () => {
    log = logCapture();
    server = await startServer({
      logger: log.logger,
      env: { RECORDING_URL_ALLOWLIST: '*.telnyx.com,s3.amazonaws.com/telephony-recorder-prod/,http://127.0.0.1:9999/media/' },
    });
    co = await company(server, 'Rec', '+13055550180', {}, []);
  });
  afterAll(() => server.close());

  it('stores Telnyx recording URLs (and the configured simulator), refuses everything else with valid TeXML and a reason', async () => {
    const refused = [
      'javascript:alert(1)',
      'http://api.telnyx.com/rec.mp3',
      'https://evil.example/rec.mp3',
      'https://api.telnyx.com.evil.example/rec.mp3',
      'https://user:pw@api.telnyx.com/rec.mp3',
      'https://s3.amazonaws.com/someone-elses-bucket/rec.mp3',
      'http://127.0.0.1:9999/elsewhere.mp3',
      'not a url',
    ];
    for (const [i, url] of refused.entries()) {
      const res = await server.webhook(`/telnyx/voicemail/${co.companyId}`, {
        CallSid: `v3:bad-${i}`,
        RecordingUrl: url,
        RecordingStatus: 'completed',
      });
      expect(res.status, url).toBe(200);
      expectTexml(res);
      await log.waitFor((l) => l.msg === 'voicemail not stored: RecordingUrl refused' && l.callSid === `v3:bad-${i}`);
    }
    const accepted = [TELNYX_RECORDING, 'https://api.telnyx.com/v2/recordings/abc.mp3', 'http://127.0.0.1:9999/media/sim-1.wav'];
    for (const [i, url] of accepted.entries()) {
      const res = await server.webhook(`/telnyx/voicemail/${co.companyId}`, {
        CallSid: `v3:good-${i}`,
        RecordingUrl: url,
        RecordingStatus: 'completed',
      });
      expectTexml(res);
    }
    const list = await server.gql(
      `query($c: ID!) { voicemails(companyId: $c) { callSid recordingUrl } }`,
      { c: co.companyId },
      co.supervisor,
    );
    expect(list.data.voicemails.map((v: any) => v.recordingUrl).sort()).toEqual([...accepted].sort());
  });
});

describe('slow webhook bodies', () => {
  const TIMEOUT_MS = 3000;
  let server: TestServer;
  let co: Awaited<ReturnType<typeof company>>;
  beforeAll(async () => {
    server = await startServer({
      env: { WEBHOOK_BODY_TIMEOUT_MS: String(TIMEOUT_MS), PRESENCE_TTL_MS: '600000', HEARTBEAT_INTERVAL_MS: '10000' },
    });
    co = await company(server, 'Slow', '+13055550190', {}, ['sol']);
  });
  afterAll(() => server.close());

  it('200 connections trickling their bodies do not delay a webhook, and are cut after the timeout', async () => {
    const { port } = new URL(server.url);
    const slow: { socket: Socket; data: string; closedAt: Promise<number> }[] = [];
    const opened = Date.now();
    await Promise.all(
      Array.from(
        { length: 200 },
        () =>
          new Promise<void>((resolve, reject) => {
            const socket = connect(Number(port), '127.0.0.1', () => {
              // Headers promise 100 bytes; only 3 ever come.
              socket.write(
                `POST /telnyx/voice HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nTo=`,
                () => resolve(),
              );
            });
            socket.on('error', reject);
            const entry = { socket, data: '', closedAt: new Promise<number>((r) => socket.once('close', () => r(Date.now()))) };
            socket.on('data', (d) => (entry.data += d.toString()));
            slow.push(entry);
          }),
      ),
    );
    const started = Date.now();
    const answer = await server.webhook('/telnyx/voice', { CallSid: 'v3:fast-1', From: '+15551230000', To: co.number });
    const answeredAt = Date.now();
    expect(answer.status).toBe(200);
    expect(answer.body).toContain(`sip:${co.sips[0]}@sip.telnyx.com`);
    expect(answeredAt - started).toBeLessThan(2000); // WEBHOOK_DEADLINE_MS

    const closedAt = await Promise.all(slow.map((s) => s.closedAt));
    expect(answeredAt).toBeLessThan(Math.min(...closedAt)); // answered while all 200 were still held
    expect(Math.min(...closedAt) - opened).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    for (const s of slow) {
      expect(s.data).toMatch(/^HTTP\/1\.1 408 /);
      expect(s.data).toContain(DECLARATION);
    }
  }, 30_000);
});

describe('Node server limits', () => {
  it('headers and request timeouts are far below Node’s defaults', async () => {
    const server = await startServer();
    try {
      expect(server.app.server.headersTimeout).toBeLessThanOrEqual(10_000);
      expect(server.app.server.requestTimeout).toBeLessThanOrEqual(30_000);
    } finally {
      await server.close();
    }
  });
});

// The journal module is exercised end to end above; its file must not appear without a key.
it('no replay journal is written when signatures are not required', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'curbe-nojournal-'));
  const database = await openDatabase({ dataDir: 'memory://' });
  const server = await startServer({ env: { DATA_DIR: dir }, database });
  try {
    await server.webhook('/telnyx/voice', { To: '+13055550100' });
    expect(existsSync(path.join(dir, REPLAY_JOURNAL_FILE))).toBe(false);
  } finally {
    await server.close();
    await database.close();
    await rm(dir, { recursive: true, force: true });
  }
});
