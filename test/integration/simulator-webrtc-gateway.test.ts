/**
 * The simulator's WebRTC gateway over a real socket: a raw `ws` client speaks the Verto JSON-RPC the
 * @telnyx/webrtc SDK speaks (docs/TELNYX.md §WebRTC SDK), and a recorder stands in for the call engine.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { CredentialStore, LegEvents, LegOffer, SimCredential } from '../../src/simulator/contracts.js';
import { type RpcFrame, WebRtcGateway } from '../../src/simulator/webrtc-gateway.js';

/** Just enough of the account's credentials for the gateway: create, remove, mint and resolve tokens. */
function credentialStore(): CredentialStore {
  const byId = new Map<string, SimCredential>();
  const tokens = new Map<string, string>();
  return {
    create({ name, connectionId, sipUsername }) {
      const id = randomUUID();
      const credential: SimCredential = {
        id,
        name: name ?? id,
        sipUsername: sipUsername ?? `gencred${id.replaceAll('-', '').slice(0, 12)}`,
        sipPassword: randomUUID(),
        connectionId,
        createdAt: new Date().toISOString(),
        expired: false,
      };
      byId.set(id, credential);
      return credential;
    },
    get: (id) => byId.get(id),
    list: () => [...byId.values()],
    remove: (id) => byId.delete(id),
    mintToken(id) {
      if (!byId.has(id)) return undefined;
      const token = `sim.${randomUUID()}`;
      tokens.set(token, id);
      return token;
    },
    byToken(token) {
      const id = tokens.get(token);
      return id === undefined ? undefined : byId.get(id);
    },
  };
}

async function until<T>(check: () => T | undefined | false, what: string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A softphone reduced to its wire: sends JSON-RPC frames, records what the server sends. */
class RawClient {
  readonly frames: RpcFrame[] = [];
  /** The sessid of the last successful login. */
  sessid: string | null = null;
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (raw) => this.frames.push(JSON.parse(raw.toString())));
  }

  static async open(url: string): Promise<RawClient> {
    // The SDK appends its own query string; the gateway must not care.
    const socket = new WebSocket(`${url}/?voice_sdk_id=VSDKtest`);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    return new RawClient(socket);
  }

  send(frame: object): void {
    this.socket.send(JSON.stringify({ jsonrpc: '2.0', ...frame }));
  }

  /** Sends a request and resolves with the server's answer to it. */
  async request(method: string, params: Record<string, unknown> = {}): Promise<RpcFrame> {
    const id = randomUUID();
    this.send({ id, method, params });
    return this.waitFor((f) => f.id === id && !f.method, `the answer to ${method}`);
  }

  waitFor(predicate: (f: RpcFrame) => boolean, what: string): Promise<RpcFrame> {
    return until(() => this.frames.find(predicate), what);
  }

  /** The SDK's login: login → result, clientReady pushed, gatewayState → REGED. */
  async login(token: string): Promise<{ login: RpcFrame; ready: RpcFrame; gateway: RpcFrame }> {
    const readyBefore = this.frames.filter((f) => f.method === 'telnyx_rtc.clientReady').length;
    const login = await this.request('login', {
      login_token: token,
      userVariables: { push_when_active: false, pn_late_fanout: false },
      reconnection: false,
      loginParams: { early_sdp_answer: false },
      'User-Agent': { sdkVersion: '2.27.10', data: 'raw-ws-test' },
    });
    this.sessid = (login.result as { sessid: string }).sessid;
    const ready = await until(() => this.frames.filter((f) => f.method === 'telnyx_rtc.clientReady')[readyBefore], 'clientReady');
    const gateway = await this.request('telnyx_rtc.gatewayState');
    return { login, ready, gateway };
  }

  invites(): RpcFrame[] {
    return this.frames.filter((f) => f.method === 'telnyx_rtc.invite');
  }

  /** The client's ack of a server request, as VertoHandler sends it. */
  ack(request: RpcFrame): void {
    this.send({ id: request.id, result: { method: request.method } });
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    await new Promise((resolve) => this.socket.once('close', resolve).close());
  }
}

function recorder(): { events: LegEvents; log: string[] } {
  const log: string[] = [];
  return {
    log,
    events: {
      ringing: () => log.push('ringing'),
      answered: () => log.push('answered'),
      rejected: (reason) => log.push(`rejected:${reason}`),
      hungUp: () => log.push('hungUp'),
      digits: (keys) => log.push(`digits:${keys}`),
    },
  };
}

function fail(message: string): never {
  throw new Error(message);
}

const callIdOf = (invite: RpcFrame) => (invite.params as { callID: string }).callID;

describe('simulator WebRTC gateway (raw Verto over a real socket)', () => {
  let http: Server;
  let url: string;
  let credentials: CredentialStore;
  let gateway: WebRtcGateway;
  const clients: RawClient[] = [];

  async function client(): Promise<RawClient> {
    const c = await RawClient.open(url);
    clients.push(c);
    return c;
  }
  function agent(sipUsername = `agent${randomUUID().slice(0, 8)}`) {
    const credential = credentials.create({ connectionId: 'conn-sim', sipUsername });
    return { credential, token: () => credentials.mintToken(credential.id)! };
  }
  function legTo(user: string, overrides: Partial<LegOffer> = {}): LegOffer {
    return {
      legSid: `v3:${randomUUID()}`,
      parentCallSid: `v3:${randomUUID()}`,
      from: '+15551230000',
      to: `sip:${user}@sip.telnyx.com`,
      ...overrides,
    };
  }
  /** The gateway's session for a logged-in client. */
  function sessionOf(c: RawClient) {
    return gateway.sessions.find((s) => s.socket.readyState !== s.socket.CLOSED && s.sessid === c.sessid) ?? fail(`no session ${c.sessid}`);
  }
  /** Offers a leg to `user`, whose softphone is `c`: the invite it got and the engine's view of the leg. */
  async function rung(user: string, c: RawClient) {
    const rec = recorder();
    const before = c.invites().length;
    const leg = gateway.offer(legTo(user), rec.events);
    expect(leg).not.toBeNull();
    const invite = await until(() => c.invites()[before], 'an invite');
    return { leg: leg!, invite, rec };
  }

  beforeAll(async () => {
    credentials = credentialStore();
    gateway = new WebRtcGateway({ credentials });
    http = createServer((_req, res) => res.writeHead(404).end());
    gateway.attach(http);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await gateway.close();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });

  it('login with a minted token: logged in, clientReady with no reattached sessions, gatewayState REGED; registered until the socket closes', async () => {
    const ana = agent();
    const c = await client();
    const { login, ready, gateway: state } = await c.login(ana.token());
    expect(login.result).toEqual({ message: 'logged in', sessid: expect.any(String) });
    const sessid = (login.result as { sessid: string }).sessid;
    expect(ready.params).toEqual({ reattached_sessions: [] });
    expect(typeof ready.id).toBe('number');
    expect(state.result).toEqual({ params: { state: 'REGED' }, sessid });
    expect(gateway.registered(ana.credential.sipUsername)).toBe(true);
    expect(gateway.registered('someone-else')).toBe(false);
    // Every frame the client sent is recorded on its session.
    const session = sessionOf(c);
    expect(session.sessid).toBe(sessid);
    expect(session.received.map((f) => f.method)).toEqual(['login', 'telnyx_rtc.gatewayState']);
    expect(session.credential?.id).toBe(ana.credential.id);

    // Ping, info and modify are answered with results.
    expect((await c.request('telnyx_rtc.ping', { serno: 1 })).result).toEqual({ method: 'telnyx_rtc.ping' });
    expect((await c.request('telnyx_rtc.info', { dtmf: '1' })).result).toEqual({ method: 'telnyx_rtc.info' });

    await c.close();
    await until(() => session.closed, 'the session to close');
    expect(gateway.registered(ana.credential.sipUsername)).toBe(false);
  });

  it('refuses an unknown token with -32000 Authentication Required: no clientReady, nothing else answered, not registered', async () => {
    const ana = agent();
    const c = await client();
    const login = await c.request('login', { login_token: 'not-a-token-we-minted' });
    expect(login.error).toEqual({ code: -32000, message: 'Authentication Required' });
    expect(login.result).toBeUndefined();
    const state = await c.request('telnyx_rtc.gatewayState');
    expect(state.error).toEqual({ code: -32000, message: 'Authentication Required' });
    expect(c.frames.some((f) => f.method === 'telnyx_rtc.clientReady')).toBe(false);
    expect(gateway.registered(ana.credential.sipUsername)).toBe(false);
  });

  it('a token for a credential deleted since stops ringing; login with SIP username and password works, a wrong password is -32001', async () => {
    const ana = agent();
    const c = await client();
    await c.login(ana.token());
    expect(gateway.registered(ana.credential.sipUsername)).toBe(true);
    credentials.remove(ana.credential.id);
    expect(gateway.registered(ana.credential.sipUsername)).toBe(false);
    expect(gateway.offer(legTo(ana.credential.sipUsername), recorder().events)).toBeNull();

    const ben = agent();
    const wrong = await (await client()).request('login', { login: ben.credential.sipUsername, passwd: 'nope' });
    expect(wrong.error).toEqual({ code: -32001, message: 'Authentication Failure' });
    const right = await (await client()).request('login', {
      login: `${ben.credential.sipUsername}@sip.telnyx.com`,
      passwd: ben.credential.sipPassword,
    });
    expect(right.result).toMatchObject({ message: 'logged in' });
    expect(gateway.registered(ben.credential.sipUsername)).toBe(true);
  });

  it('offer to nobody registered, to a phone number or to a closed softphone answers null', async () => {
    const ana = agent();
    expect(gateway.offer(legTo(ana.credential.sipUsername), recorder().events)).toBeNull();
    expect(gateway.offer(legTo('x', { to: '+13055550100' }), recorder().events)).toBeNull();
    const c = await client();
    await c.login(ana.token());
    await c.close();
    await until(() => !gateway.registered(ana.credential.sipUsername), 'the registration to go');
    expect(gateway.offer(legTo(ana.credential.sipUsername), recorder().events)).toBeNull();
  });

  it('several clients of one credential: only the last to register rings; when it leaves, the one before does', async () => {
    const ana = agent();
    const first = await client();
    await first.login(ana.token());
    const second = await client();
    await second.login(ana.token());

    const rec = recorder();
    expect(gateway.offer(legTo(ana.credential.sipUsername), rec.events)).not.toBeNull();
    await second.waitFor((f) => f.method === 'telnyx_rtc.invite', 'the invite on the last registered client');
    expect(first.invites()).toHaveLength(0);

    // A client that registers again (a reconnect) becomes the last one.
    await first.login(ana.token());
    gateway.offer(legTo(ana.credential.sipUsername), recorder().events);
    await first.waitFor((f) => f.method === 'telnyx_rtc.invite', 'the invite on the re-registered client');
    expect(second.invites()).toHaveLength(1);

    const firstSession = sessionOf(first);
    await first.close();
    await until(() => firstSession.closed, 'the first session to close');
    expect(gateway.registered(ana.credential.sipUsername)).toBe(true);
    gateway.offer(legTo(ana.credential.sipUsername), recorder().events);
    await until(() => second.invites().length === 2, 'a second invite on the remaining client');
  });

  it('invite carries the leg: a fresh callID, an SDP audio offer, caller and callee ids, the leg sid as call control id; ringing only once acked', async () => {
    const ana = agent();
    const c = await client();
    await c.login(ana.token());
    const rec = recorder();
    const offer = legTo(ana.credential.sipUsername, { from: '+15557654321', callerName: 'Alice Johnson' });
    gateway.offer(offer, rec.events);
    const invite = await c.waitFor((f) => f.method === 'telnyx_rtc.invite', 'the invite');
    const params = invite.params as Record<string, string>;
    expect(params.callID).toMatch(/^[0-9a-f-]{36}$/);
    expect(params).toMatchObject({
      caller_id_name: 'Alice Johnson',
      caller_id_number: '+15557654321',
      callee_id_name: ana.credential.sipUsername,
      callee_id_number: ana.credential.sipUsername,
      telnyx_call_control_id: offer.legSid,
    });
    expect(params.telnyx_session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(params.telnyx_leg_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(params.sdp).toMatch(/^v=0\r\n/);
    expect(params.sdp).toContain('m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\n');
    expect(params.sdp).toMatch(/a=fingerprint:sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}\r\n/);

    expect(rec.log).toEqual([]);
    c.ack(invite);
    await until(() => rec.log.length > 0, 'ringing');
    // A second ack (or any stray result) reports nothing more.
    c.ack(invite);
    await c.request('telnyx_rtc.ping');
    expect(rec.log).toEqual(['ringing']);
  });

  it('answer: the result comes back, then the engine hears answered; a bye after it is hungUp, and the bye is answered', async () => {
    const ana = agent();
    const c = await client();
    await c.login(ana.token());
    const { invite, rec } = await rung(ana.credential.sipUsername, c);
    c.ack(invite);
    const callID = callIdOf(invite);
    const answer = await c.request('telnyx_rtc.answer', { sessid: 'x', sdp: 'v=0\r\n', dialogParams: { callID } });
    expect(answer.result).toMatchObject({ method: 'telnyx_rtc.answer', callID });
    await until(() => rec.log.includes('answered'), 'answered');
    // Hold and unhold answer with the hold state the SDK reads.
    expect((await c.request('telnyx_rtc.modify', { action: 'hold', dialogParams: { callID } })).result).toMatchObject({
      holdState: 'held',
    });
    expect((await c.request('telnyx_rtc.modify', { action: 'unhold', dialogParams: { callID } })).result).toMatchObject({
      holdState: 'active',
    });

    const bye = await c.request('telnyx_rtc.bye', { cause: 'NORMAL_CLEARING', causeCode: 16, dialogParams: { callID } });
    expect(bye.result).toMatchObject({ method: 'telnyx_rtc.bye', callID });
    await until(() => rec.log.includes('hungUp'), 'hungUp');
    expect(rec.log).toEqual(['ringing', 'answered', 'hungUp']);
  });

  it('decline: a bye while ringing (USER_BUSY) is rejected busy; nothing after it is reported', async () => {
    const ana = agent();
    const c = await client();
    await c.login(ana.token());
    const { invite, rec, leg } = await rung(ana.credential.sipUsername, c);
    c.ack(invite);
    await until(() => rec.log.includes('ringing'), 'ringing');
    const callID = callIdOf(invite);
    await c.request('telnyx_rtc.bye', { cause: 'USER_BUSY', causeCode: 17, dialogParams: { callID } });
    await until(() => rec.log.length === 2, 'rejected');
    expect(rec.log).toEqual(['ringing', 'rejected:busy']);

    // An answer for a call that is over is refused; the engine ending it sends no bye.
    const late = await c.request('telnyx_rtc.answer', { sdp: 'v=0\r\n', dialogParams: { callID } });
    expect(late.error).toMatchObject({ code: -32002 });
    leg.end('canceled');
    await c.request('telnyx_rtc.ping');
    expect(c.frames.filter((f) => f.method === 'telnyx_rtc.bye')).toHaveLength(0);
    expect(rec.log).toEqual(['ringing', 'rejected:busy']);
  });

  it('the socket closing: a ringing leg is rejected failed, an answered one is hung up', async () => {
    const ana = agent();
    const c = await client();
    await c.login(ana.token());
    const ringingLeg = await rung(ana.credential.sipUsername, c);
    c.ack(ringingLeg.invite);
    await until(() => ringingLeg.rec.log.includes('ringing'), 'ringing');
    const active = await rung(ana.credential.sipUsername, c);
    await c.request('telnyx_rtc.answer', { sdp: 'v=0\r\n', dialogParams: { callID: callIdOf(active.invite) } });
    await until(() => active.rec.log.includes('answered'), 'answered');

    c.socket.terminate();
    await until(() => ringingLeg.rec.log.length === 2 && active.rec.log.length === 3, 'both legs to end');
    expect(ringingLeg.rec.log).toEqual(['ringing', 'rejected:failed']);
    // Answered before any ack: ringing is reported first, so the order stays legal.
    expect(active.rec.log).toEqual(['ringing', 'answered', 'hungUp']);
    // Ending them afterwards does nothing.
    ringingLeg.leg.end('canceled');
    active.leg.end('completed');
    expect(ringingLeg.rec.log).toHaveLength(2);
  });

  it.each([
    ['canceled', 'ORIGINATOR_CANCEL', 487, 487, 'Request Terminated'],
    ['no-answer', 'NO_ANSWER', 19, 480, 'Temporarily Unavailable'],
  ] as const)(
    'end(%s) on a ringing leg sends a bye with %s and reports nothing more',
    async (reason, cause, causeCode, sipCode, sipReason) => {
      const ana = agent();
      const c = await client();
      await c.login(ana.token());
      const { invite, rec, leg } = await rung(ana.credential.sipUsername, c);
      c.ack(invite);
      await until(() => rec.log.includes('ringing'), 'ringing');
      leg.end(reason);
      const bye = await c.waitFor((f) => f.method === 'telnyx_rtc.bye', 'the bye');
      expect(bye.params).toEqual({ callID: callIdOf(invite), cause, causeCode, sipCode, sipReason });
      expect(typeof bye.id).toBe('number');
      // The client acks the bye, then hangs up itself and closes: none of it reaches the engine.
      c.ack(bye);
      await c.request('telnyx_rtc.bye', { cause: 'NORMAL_CLEARING', dialogParams: { callID: callIdOf(invite) } });
      leg.end(reason);
      const session = sessionOf(c);
      await c.close();
      await until(() => session.closed, 'the session to close');
      expect(rec.log).toEqual(['ringing']);
      expect(c.frames.filter((f) => f.method === 'telnyx_rtc.bye')).toHaveLength(1);
    },
  );

  it("end('completed') on an answered leg sends NORMAL_CLEARING 16 / 200 OK; no hungUp follows", async () => {
    const ana = agent();
    const c = await client();
    await c.login(ana.token());
    const { invite, rec, leg } = await rung(ana.credential.sipUsername, c);
    c.ack(invite);
    await c.request('telnyx_rtc.answer', { sdp: 'v=0\r\n', dialogParams: { callID: callIdOf(invite) } });
    await until(() => rec.log.includes('answered'), 'answered');
    leg.end('completed');
    const bye = await c.waitFor((f) => f.method === 'telnyx_rtc.bye', 'the bye');
    expect(bye.params).toEqual({ callID: callIdOf(invite), cause: 'NORMAL_CLEARING', causeCode: 16, sipCode: 200, sipReason: 'OK' });
    const session = sessionOf(c);
    c.socket.terminate();
    await until(() => session.closed, 'the session to close');
    expect(rec.log).toEqual(['ringing', 'answered']);
  });

  it("DTMF: the SDK's telnyx_rtc.info with dtmf is answered; on an answered call the engine hears the keys, before the answer nothing", async () => {
    const ana = agent();
    const c = await client();
    await c.login(ana.token());
    const { invite, rec } = await rung(ana.credential.sipUsername, c);
    c.ack(invite);
    const callID = callIdOf(invite);
    // What BaseCall.dtmf sends: sessid, dtmf and the call's dialogParams.
    const early = await c.request('telnyx_rtc.info', { sessid: c.sessid, dtmf: '5', dialogParams: { callID } });
    expect(early.result).toMatchObject({ method: 'telnyx_rtc.info' });
    await c.request('telnyx_rtc.answer', { sdp: 'v=0\r\n', dialogParams: { callID } });
    await until(() => rec.log.includes('answered'), 'answered');
    const info = await c.request('telnyx_rtc.info', { sessid: c.sessid, dtmf: '1', dialogParams: { callID } });
    expect(info.result).toEqual({ method: 'telnyx_rtc.info', message: 'SENT', sessid: c.sessid });
    await c.request('telnyx_rtc.info', { sessid: c.sessid, dtmf: '#', dialogParams: { callID } });
    await until(() => rec.log.includes('digits:#'), 'the second key');
    expect(rec.log).toEqual(['ringing', 'answered', 'digits:1', 'digits:#']);
  });

  it('a client cannot answer or hang up a call offered to another session', async () => {
    const ana = agent();
    const ben = agent();
    const a = await client();
    await a.login(ana.token());
    const b = await client();
    await b.login(ben.token());
    const { invite, rec } = await rung(ana.credential.sipUsername, a);
    const callID = callIdOf(invite);
    expect((await b.request('telnyx_rtc.answer', { sdp: 'v=0\r\n', dialogParams: { callID } })).error).toMatchObject({ code: -32002 });
    await b.request('telnyx_rtc.bye', { dialogParams: { callID } });
    expect(rec.log).toEqual([]);
  });

  it('push sends a raw server request and returns its id; a frame that is not JSON gets a parse error', async () => {
    const ana = agent();
    const c = await client();
    await c.login(ana.token());
    const id = gateway.push(sessionOf(c), 'telnyx_rtc.punt', {});
    const pushed = await c.waitFor((f) => f.method === 'telnyx_rtc.punt', 'the pushed request');
    expect(pushed.id).toBe(id);
    c.socket.send('{not json');
    const parseError = await c.waitFor((f) => f.error?.code === -32700, 'a parse error');
    expect(parseError.id).toBeNull();
  });
});

describe('a softphone on the local Telnyx: a leg moved by the REST API, and its DTMF', () => {
  it("keeps the browser's call up when the leg is redirected, and hands the softphone's keys to the leg's Gather", async () => {
    const hits: { path: string; params: Record<string, string> }[] = [];
    const docs: Record<string, string> = {};
    const app = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const path = new URL(req.url ?? '/', 'http://app').pathname;
        hits.push({ path, params: Object.fromEntries(new URLSearchParams(body)) });
        res.writeHead(200, { 'content-type': 'text/xml' }).end(docs[path] ?? '<Response/>');
      });
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    const { LocalTelnyx } = await import('../../src/simulator/local-telnyx.js');
    const telnyx = await LocalTelnyx.start();
    const c = await RawClient.open(telnyx.websocketUrl);
    try {
      const ana = telnyx.ensureCredential({ sipUsername: 'anasoftphone' });
      await c.login(telnyx.credentials.mintToken(ana.id)!);
      docs['/voice'] =
        `<Response><Dial action="${base}/dial-after"><Sip statusCallback="${base}/leg" statusCallbackEvent="answered completed">sip:anasoftphone@sip.telnyx.com</Sip></Dial></Response>`;
      docs['/dial-after'] = '<Response><Say>Your agent stepped out</Say><Hangup/></Response>';
      docs['/digits'] = '<Response><Hangup/></Response>';
      const call = telnyx.call({
        from: '+15550000001',
        to: '+13055550100',
        application: { voiceUrl: `${base}/voice`, voiceMethod: 'POST' },
        caller: { digits: [], keysAt: [], hangUpAt: null, message: { seconds: 0, ending: 'hang-up' }, talkSeconds: 60 },
      });
      const invite = await until(() => c.invites()[0], 'the invite');
      c.ack(invite);
      const callID = callIdOf(invite);
      await c.request('telnyx_rtc.answer', { sdp: 'v=0\r\n', dialogParams: { callID } });
      const answered = await until(() => hits.find((h) => h.path === '/leg' && h.params.CallStatus === 'in-progress'), 'the leg answered');
      const legSid = answered.params.CallSid!;

      // The service's move: Update call on the leg, with inline TeXML.
      const rest = (path: string, form?: Record<string, string>) =>
        fetch(`${telnyx.apiBaseUrl}/texml/Accounts/${telnyx.accountSid}/Calls/${encodeURIComponent(legSid)}${path}`, {
          method: form ? 'POST' : 'GET',
          headers: { authorization: `Bearer ${telnyx.apiKey}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: form ? new URLSearchParams(form).toString() : undefined,
        });
      const moved = await rest('.json', {
        Texml: `<Response><Gather numDigits="1" timeout="5" action="${base}/digits"><Say>Press a key</Say></Gather></Response>`,
      });
      expect(moved.status).toBe(200);
      const dialAfter = await until(() => hits.find((h) => h.path === '/dial-after'), 'the Dial action');
      expect(dialAfter.params).toMatchObject({ DialCallStatus: 'completed', DialCallSid: legSid });
      const leg = (await (await rest('.json')).json()) as { parent_call_sid: string; status: string };
      expect(leg).toMatchObject({ parent_call_sid: answered.params.ParentCallSid, status: 'in-progress' });
      expect(c.frames.some((f) => f.method === 'telnyx_rtc.bye')).toBe(false);

      await c.request('telnyx_rtc.info', { sessid: c.sessid, dtmf: '7', dialogParams: { callID } });
      const digits = await until(() => hits.find((h) => h.path === '/digits'), 'the Gather action');
      expect(digits.params).toMatchObject({ Digits: '7', CallSid: legSid });
      // Its document hangs up: only now does the browser get its bye, and the leg's completed callback comes.
      const bye = await c.waitFor((f) => f.method === 'telnyx_rtc.bye', 'the bye');
      expect(bye.params).toMatchObject({ callID, cause: 'NORMAL_CLEARING' });
      await until(() => hits.find((h) => h.path === '/leg' && h.params.CallStatus === 'completed'), 'the leg completed');
      const result = await call;
      expect(result.errors).toEqual([]);
      expect(result.outcome).toBe('ANSWERED');
    } finally {
      await c.close();
      await telnyx.close();
      await new Promise<void>((resolve) => app.close(() => resolve()));
    }
  });
});
