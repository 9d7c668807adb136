import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import {
  type CallControl,
  type ConferenceControl,
  SimApiError,
  type SimCallView,
  type SimConferenceView,
  type SimParticipantView,
  type SimRecording,
} from '../../src/simulator/contracts.js';
import { MemoryCredentialStore } from '../../src/simulator/credentials.js';
import { MemoryMediaStore } from '../../src/simulator/media.js';
import { createRestApi, type RestApi } from '../../src/simulator/rest-api.js';
import { lookupTelephonyCredential } from '../../src/telnyx/credential-lookup.js';
import { mintLoginToken } from '../../src/telnyx/credentials.js';

const API_KEY = 'KEY0123456789ABCDEF_simulated';
const ACCOUNT_SID = '61bf923e-5e4d-4595-a110-56190ea18a1b';
const CONNECTION_ID = '1293384261075731499';
const ACCOUNT = `/v2/texml/Accounts/${ACCOUNT_SID}`;

/** A stand-in for the call engine: remembers what it was asked and answers views; unknown sids → 404. */
class FakeCallControl implements CallControl {
  readonly log: Array<{ method: string; args: unknown[] }> = [];
  readonly calls = new Map<string, SimCallView>();
  readonly rooms = new Map<string, SimConferenceView>();

  createCall(input: Parameters<CallControl['createCall']>[0]): SimCallView {
    this.log.push({ method: 'createCall', args: [input] });
    const view: SimCallView = {
      callSid: `v3:${randomUUID()}`,
      accountSid: ACCOUNT_SID,
      from: input.from,
      to: input.to,
      direction: 'outbound-api',
      status: 'queued',
      parentCallSid: null,
      startTime: null,
      endTime: null,
      duration: null,
    };
    this.calls.set(view.callSid, view);
    return view;
  }

  updateCall(callSid: string, input: Parameters<CallControl['updateCall']>[1]): SimCallView {
    this.log.push({ method: 'updateCall', args: [callSid, input] });
    const call = this.calls.get(callSid);
    if (!call) throw new SimApiError(404, '10005', 'Resource not found', `Call ${callSid} not found`);
    if (input.status) Object.assign(call, { status: input.status, endTime: '2026-01-05T15:03:00.000Z', duration: 180 });
    return call;
  }

  getCall(callSid: string): SimCallView | undefined {
    return this.calls.get(callSid);
  }

  listCalls(): SimCallView[] {
    return [...this.calls.values()];
  }

  readonly recordings = new Map<string, SimRecording>();
  /** Where the recordings it starts are stored (the REST API renders their media_url from it). */
  media: MemoryMediaStore | null = null;

  startRecording(callSid: string, input: Parameters<CallControl['startRecording']>[1]): SimRecording {
    this.log.push({ method: 'startRecording', args: [callSid, input] });
    if (!this.calls.has(callSid)) throw new SimApiError(404, '10005', 'Resource not found', `Call ${callSid} not found`);
    const recording: SimRecording = {
      sid: randomUUID(),
      callSid,
      conferenceSid: null,
      duration: 0,
      channels: input.channels === 'dual' ? 2 : 1,
      format: 'mp3',
      source: 'StartCallRecordingAPI',
      status: 'in-progress',
      startedAt: '2026-01-05T15:00:00.000Z',
      expiresAt: null,
    };
    this.recordings.set(recording.sid, recording);
    this.media?.add(recording);
    return recording;
  }

  updateRecording(callSid: string, recordingSid: string, status: 'paused' | 'in-progress' | 'stopped'): SimRecording {
    this.log.push({ method: 'updateRecording', args: [callSid, recordingSid, status] });
    const recording = this.recordings.get(recordingSid);
    if (!recording || recording.callSid !== callSid)
      throw new SimApiError(404, '10005', 'Resource not found', `Recording ${recordingSid} not found`);
    Object.assign(recording, { status: status === 'stopped' ? 'completed' : status, duration: status === 'stopped' ? 12 : 0 });
    this.media?.add(recording);
    return recording;
  }

  readonly conferences: ConferenceControl = {
    list: () => [...this.rooms.values()],
    get: (sid) => this.rooms.get(sid),
    dial: (conferenceSid, input) => {
      this.log.push({ method: 'dial', args: [conferenceSid, input] });
      const room = this.room(conferenceSid);
      const participant: SimParticipantView = {
        callSid: `v3:${randomUUID()}`,
        conferenceSid,
        label: input.label ?? null,
        muted: input.muted ?? false,
        hold: false,
        coaching: input.coaching ?? false,
        callSidToCoach: input.callSidToCoach ?? null,
        endConferenceOnExit: input.endConferenceOnExit ?? false,
        status: 'connected',
      };
      room.participants.push(participant);
      return participant;
    },
    update: (conferenceSid, callSid, input) => {
      this.log.push({ method: 'update', args: [conferenceSid, callSid, input] });
      const participant = this.participant(conferenceSid, callSid);
      const { holdUrl: _holdUrl, ...changes } = input;
      return Object.assign(participant, changes);
    },
    remove: (conferenceSid, callSid) => {
      this.log.push({ method: 'remove', args: [conferenceSid, callSid] });
      this.participant(conferenceSid, callSid).status = 'left';
    },
  };

  private room(sid: string): SimConferenceView {
    const room = this.rooms.get(sid);
    if (!room) throw new SimApiError(404, '10005', 'Resource not found', `Conference ${sid} not found`);
    return room;
  }

  private participant(conferenceSid: string, callSid: string): SimParticipantView {
    const participant = this.room(conferenceSid).participants.find((p) => p.callSid === callSid && p.status === 'connected');
    if (!participant) throw new SimApiError(404, '10005', 'Resource not found', `Participant ${callSid} not found`);
    return participant;
  }
}

const INBOUND: SimCallView = {
  callSid: 'v3:inbound-1',
  accountSid: ACCOUNT_SID,
  from: '+13123456789',
  to: '+13987654321',
  direction: 'inbound',
  status: 'in-progress',
  parentCallSid: null,
  startTime: '2026-01-05T14:59:00.000Z',
  endTime: null,
  duration: null,
};

const participantSeed = (callSid: string, label: string): SimParticipantView => ({
  callSid,
  conferenceSid: 'conf-1',
  label,
  muted: false,
  hold: false,
  coaching: false,
  callSidToCoach: null,
  endConferenceOnExit: false,
  status: 'connected',
});

interface World {
  base: string;
  api: RestApi;
  engine: FakeCallControl;
  credentials: MemoryCredentialStore;
  media: MemoryMediaStore;
  clock: ManualClock;
}

let server: Server;
let world: World;

beforeEach(async () => {
  const clock = new ManualClock();
  let base = '';
  const credentials = new MemoryCredentialStore({ clock });
  const media = new MemoryMediaStore({ baseUrl: () => base, clock });
  const engine = new FakeCallControl();
  engine.media = media;
  engine.calls.set(INBOUND.callSid, { ...INBOUND });
  engine.rooms.set('conf-1', {
    sid: 'conf-1',
    friendlyName: 'support-queue',
    status: 'in-progress',
    createdAt: '2026-01-05T14:59:30.000Z',
    participants: [participantSeed('v3:inbound-1', 'customer'), participantSeed('v3:agent-1', 'agent')],
  });
  engine.rooms.set('conf-2', {
    sid: 'conf-2',
    friendlyName: 'other',
    status: 'completed',
    createdAt: INBOUND.startTime!,
    participants: [],
  });
  const api = createRestApi({
    account: { apiKey: API_KEY, accountSid: ACCOUNT_SID, connectionId: CONNECTION_ID },
    credentials,
    calls: engine,
    media,
  });
  server = createServer((req, res) => {
    if (media.serveMedia(req, res, req.url ?? '/')) return;
    void api.handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  world = { base, api, engine, credentials, media, clock };
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

interface Sent {
  json?: unknown;
  form?: Record<string, string>;
  auth?: string | null;
}

async function send(method: string, path: string, sent: Sent = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (sent.auth !== null) headers.authorization = sent.auth ?? `Bearer ${API_KEY}`;
  let body: string | undefined;
  if (sent.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(sent.json);
  } else if (sent.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(sent.form).toString();
  }
  const res = await fetch(`${world.base}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  if (res.headers.get('content-type')?.includes('json')) parsed = JSON.parse(text);
  return { status: res.status, body: parsed, headers: res.headers };
}

const firstError = (body: any) => body.errors[0];

describe('authentication and routing', () => {
  it('refuses a request without a bearer key, and one with the wrong key, as 401 code 10009', async () => {
    const none = await send('GET', '/v2/telephony_credentials', { auth: null });
    expect(none.status).toBe(401);
    expect(firstError(none.body)).toMatchObject({
      code: '10009',
      title: 'Authentication failed',
      detail: 'The required authentication headers were either invalid or not included in the request.',
    });
    const wrong = await send('GET', '/v2/telephony_credentials', { auth: 'Bearer not-the-key' });
    expect(wrong.status).toBe(401);
    expect(firstError(wrong.body)).toMatchObject({ code: '10009', detail: 'Could not understand the provided credentials.' });
    // Authentication comes first: an unknown path without a key is still a 401.
    expect((await send('GET', '/v2/nothing-here', { auth: null })).status).toBe(401);
  });

  it('answers 404 code 10005 for an unknown path or method', async () => {
    const unknown = await send('GET', '/v2/nothing-here');
    expect(unknown.status).toBe(404);
    expect(firstError(unknown.body)).toMatchObject({ code: '10005', title: 'Resource not found' });
    expect((await send('PUT', `${ACCOUNT}/Calls`)).status).toBe(404);
    expect((await send('GET', '/telephony_credentials')).status).toBe(404); // not under /v2
  });

  it('records every request: method, path, query, headers, parsed body and the status answered', async () => {
    await send('POST', `${ACCOUNT}/Calls/${INBOUND.callSid}?trace=1`, { form: { Status: 'completed' } });
    await send('GET', '/v2/telephony_credentials', { auth: null });
    expect(world.api.requests).toHaveLength(2);
    expect(world.api.requests[0]).toMatchObject({
      method: 'POST',
      path: `${ACCOUNT}/Calls/${INBOUND.callSid}`,
      query: { trace: '1' },
      body: { Status: 'completed' },
      status: 200,
    });
    expect(world.api.requests[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(world.api.requests[1]).toMatchObject({ method: 'GET', status: 401, body: undefined });
  });

  it('answers 400 for a body that is not JSON', async () => {
    const res = await fetch(`${world.base}/v2/telephony_credentials`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: '{"connection_id":',
    });
    expect(res.status).toBe(400);
    expect(firstError(await res.json())).toMatchObject({ code: '10015' });
    expect(world.api.requests[0]!.body).toBe('{"connection_id":');
  });
});

describe('telephony credentials', () => {
  it('creates a credential (201) with a generated gencred SIP username and password', async () => {
    const created = await send('POST', '/v2/telephony_credentials', { json: { connection_id: CONNECTION_ID, name: 'agent-ana' } });
    expect(created.status).toBe(201);
    const data = created.body.data;
    expect(data).toMatchObject({
      record_type: 'credential',
      name: 'agent-ana',
      expired: false,
      resource_id: `connection:${CONNECTION_ID}`,
      created_at: new Date(world.clock.now()).toISOString(),
    });
    expect(data.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(data.sip_username).toMatch(/^gencred[A-Za-z0-9]{22}$/);
    expect(data.sip_password).toMatch(/^[0-9a-f]{32}$/);
    expect(world.credentials.get(data.id)).toMatchObject({ sipUsername: data.sip_username, connectionId: CONNECTION_ID });
  });

  it('names an unnamed credential after its creation time, as Telnyx does', async () => {
    const created = await send('POST', '/v2/telephony_credentials', { json: { connection_id: CONNECTION_ID } });
    expect(created.body.data.name).toBe(new Date(world.clock.now()).toISOString().replace('T', ' '));
  });

  it('refuses a missing connection_id, or one that is not the account’s, with 422 and a source pointer', async () => {
    const missing = await send('POST', '/v2/telephony_credentials', { json: { name: 'x' } });
    expect(missing.status).toBe(422);
    expect(firstError(missing.body)).toMatchObject({ code: '10004', source: { pointer: '/connection_id' } });
    const other = await send('POST', '/v2/telephony_credentials', { json: { connection_id: '42' } });
    expect(other.status).toBe(422);
    expect(firstError(other.body).source).toEqual({ pointer: '/connection_id' });
    const wrongType = await send('POST', '/v2/telephony_credentials', { json: { connection_id: 42 } });
    expect(firstError(wrongType.body)).toMatchObject({ code: '10026', source: { pointer: '/connection_id' } });
    expect(world.credentials.list()).toEqual([]);
  });

  it('lists credentials a page at a time (page[number], page[size]) with meta, and filters them', async () => {
    const ids: string[] = [];
    for (const name of ['a', 'b', 'c']) ids.push(world.credentials.create({ name, connectionId: CONNECTION_ID }).id);
    const page2 = await send('GET', '/v2/telephony_credentials?page[number]=2&page[size]=2');
    expect(page2.status).toBe(200);
    expect(page2.body.data.map((c: any) => c.id)).toEqual([ids[2]]);
    expect(page2.body.meta).toEqual({ page_number: 2, page_size: 2, total_pages: 2, total_results: 3 });

    const all = await send('GET', '/v2/telephony_credentials');
    expect(all.body.meta).toEqual({ page_number: 1, page_size: 50, total_pages: 1, total_results: 3 });
    const username = world.credentials.get(ids[1]!)!.sipUsername;
    const filtered = await send('GET', `/v2/telephony_credentials?filter[sip_username]=${username}`);
    expect(filtered.body.data.map((c: any) => c.name)).toEqual(['b']);

    const tooBig = await send('GET', '/v2/telephony_credentials?page[size]=251');
    expect(tooBig.status).toBe(422);
    expect(firstError(tooBig.body).source).toEqual({ pointer: '/page[size]' });
  });

  it('gets one credential, 404 for an unknown id', async () => {
    const { id } = world.credentials.create({ connectionId: CONNECTION_ID });
    const got = await send('GET', `/v2/telephony_credentials/${id}`);
    expect(got.status).toBe(200);
    expect(got.body.data.id).toBe(id);
    const missing = await send('GET', `/v2/telephony_credentials/${randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(firstError(missing.body).code).toBe('10005');
  });

  it('mints a login token (201, text/plain, JWT-shaped) that the store recognises', async () => {
    const { id } = world.credentials.create({ connectionId: CONNECTION_ID });
    const minted = await send('POST', `/v2/telephony_credentials/${id}/token`);
    expect(minted.status).toBe(201);
    expect(minted.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(minted.body).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(world.credentials.byToken(minted.body)?.id).toBe(id);
    const claims = JSON.parse(Buffer.from(minted.body.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ sub: id, aud: 'telnyx_telephony', typ: 'access', exp: claims.iat + 24 * 3600 });

    // Tampering breaks the signature; a day later the token has expired.
    const [h, p, s] = minted.body.split('.');
    expect(world.credentials.byToken(`${h}.${p}.${s.slice(0, -2)}AA`)).toBeUndefined();
    world.clock.advance(24 * 3600 * 1000);
    expect(world.credentials.byToken(minted.body)).toBeUndefined();
    expect((await send('POST', `/v2/telephony_credentials/${randomUUID()}/token`)).status).toBe(404);
  });

  it('deletes a credential (200 with the credential), which revokes its tokens', async () => {
    const { id } = world.credentials.create({ connectionId: CONNECTION_ID });
    const token = (await send('POST', `/v2/telephony_credentials/${id}/token`)).body as string;
    const deleted = await send('DELETE', `/v2/telephony_credentials/${id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.data.id).toBe(id);
    expect(world.credentials.byToken(token)).toBeUndefined();
    expect((await send('GET', `/v2/telephony_credentials/${id}`)).status).toBe(404);
    expect((await send('POST', `/v2/telephony_credentials/${id}/token`)).status).toBe(404);
    expect((await send('DELETE', `/v2/telephony_credentials/${id}`)).status).toBe(404);
  });

  it("serves the product's own Telnyx client: credential lookup and token minting", async () => {
    const { id } = world.credentials.create({ connectionId: CONNECTION_ID });
    const request = { apiKey: API_KEY, baseUrl: `${world.base}/v2`, credentialId: id };
    expect(await lookupTelephonyCredential(request)).toEqual({ ok: true, sipUsername: world.credentials.get(id)!.sipUsername });
    const minted = await mintLoginToken(request);
    expect(minted.ok).toBe(true);
    expect(world.credentials.byToken((minted as { token: string }).token)?.id).toBe(id);
    expect(await lookupTelephonyCredential({ ...request, credentialId: randomUUID() })).toMatchObject({ ok: false, reason: 'NOT_FOUND' });
    expect(await mintLoginToken({ ...request, apiKey: 'wrong' })).toMatchObject({ ok: false });
  });
});

describe('TeXML REST calls', () => {
  const create = { To: '+13121230000', From: '+13120001234', ApplicationSid: CONNECTION_ID };

  it('creates a call from a JSON body, mapping PascalCase fields to the engine input', async () => {
    const created = await send('POST', `${ACCOUNT}/Calls`, {
      json: {
        ...create,
        Url: 'https://app.example/texml',
        UrlMethod: 'GET',
        StatusCallback: 'https://app.example/status',
        StatusCallbackMethod: 'POST',
        StatusCallbackEvent: 'initiated answered completed',
        Timeout: 25,
      },
    });
    expect(created.status).toBe(200);
    const callSid = created.body.call_sid;
    expect(created.body).toEqual({ call_sid: callSid, from: '+13120001234', status: 'queued', to: '+13121230000' });
    expect(world.engine.log).toEqual([
      {
        method: 'createCall',
        args: [
          {
            to: '+13121230000',
            from: '+13120001234',
            url: 'https://app.example/texml',
            method: 'GET',
            statusCallback: 'https://app.example/status',
            statusCallbackMethod: 'POST',
            statusCallbackEvent: 'initiated answered completed',
            timeoutSeconds: 25,
          },
        ],
      },
    ]);
  });

  it('creates a supervising call from a form with inline Texml; the role defaults to barge', async () => {
    const texml = '<Response><Say>Hi</Say></Response>';
    await send('POST', `${ACCOUNT}/Calls`, { form: { ...create, Texml: texml, SuperviseCallSid: INBOUND.callSid, Timeout: '10' } });
    await send('POST', `${ACCOUNT}/Calls.json`, { form: { ...create, SuperviseCallSid: INBOUND.callSid, SupervisingRole: 'whisper' } });
    expect(world.engine.log.map((e) => e.args[0])).toEqual([
      { ...{ to: create.To, from: create.From }, texml, timeoutSeconds: 10, superviseCallSid: INBOUND.callSid, supervisingRole: 'barge' },
      { to: create.To, from: create.From, superviseCallSid: INBOUND.callSid, supervisingRole: 'whisper' },
    ]);
  });

  it('refuses invalid creates with 422 and the offending field as source.pointer', async () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ From: create.From, ApplicationSid: CONNECTION_ID }, '/To', '10004'],
      [{ To: create.To, ApplicationSid: CONNECTION_ID }, '/From', '10004'],
      [{ To: create.To, From: create.From }, '/ApplicationSid', '10004'],
      [{ ...create, ApplicationSid: 'someone-elses-app' }, '/ApplicationSid', '10015'],
      [{ ...create, Url: 'https://a.example', Texml: '<Response/>' }, '/Texml', '10015'],
      [{ ...create, SuperviseCallSid: 'v3:x', SupervisingRole: 'spy' }, '/SupervisingRole', '10032'],
      [{ ...create, UrlMethod: 'PUT' }, '/UrlMethod', '10032'],
      [{ ...create, Timeout: 3 }, '/Timeout', '10015'],
      [{ ...create, Timeout: 'soon' }, '/Timeout', '10026'],
      [{ ...create, To: 13121230000 }, '/To', '10026'],
    ];
    for (const [json, pointer, code] of cases) {
      const res = await send('POST', `${ACCOUNT}/Calls`, { json });
      expect(res.status, JSON.stringify(json)).toBe(422);
      expect(firstError(res.body), JSON.stringify(json)).toMatchObject({ code, source: { pointer } });
    }
    expect(world.engine.log).toEqual([]);
  });

  it('answers 404 for another account, without asking the engine', async () => {
    const res = await send('POST', `/v2/texml/Accounts/${randomUUID()}/Calls`, { json: create });
    expect(res.status).toBe(404);
    expect(firstError(res.body).code).toBe('10005');
    expect((await send('GET', `/v2/texml/Accounts/${randomUUID()}/Calls/${INBOUND.callSid}`)).status).toBe(404);
    expect(world.engine.log).toEqual([]);
  });

  it('fetches a call as a CallResource (snake_case, RFC 2822 dates), with or without .json', async () => {
    const got = await send('GET', `${ACCOUNT}/Calls/${INBOUND.callSid}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual({
      account_sid: ACCOUNT_SID,
      sid: INBOUND.callSid,
      caller_name: INBOUND.from,
      date_created: 'Mon, 05 Jan 2026 14:59:00 +0000',
      date_updated: 'Mon, 05 Jan 2026 14:59:00 +0000',
      direction: 'inbound',
      duration: null,
      start_time: 'Mon, 05 Jan 2026 14:59:00 +0000',
      end_time: null,
      from: '+13123456789',
      from_formatted: '(312) 345-6789',
      to: '+13987654321',
      to_formatted: '(398) 765-4321',
      status: 'in-progress',
      uri: `${ACCOUNT}/Calls/${INBOUND.callSid}.json`,
    });
    const viaJson = await send('GET', `${ACCOUNT}/Calls/${encodeURIComponent(INBOUND.callSid)}.json`);
    expect(viaJson.body.sid).toBe(INBOUND.callSid);
    expect((await send('GET', `${ACCOUNT}/Calls/v3:nope`)).status).toBe(404);
  });

  it('lists calls a page at a time (zero-indexed Page, PageSize) and filters by Status', async () => {
    for (let i = 0; i < 2; i++) await send('POST', `${ACCOUNT}/Calls`, { json: create });
    const first = await send('GET', `${ACCOUNT}/Calls?PageSize=2`);
    expect(first.body).toMatchObject({ page: 0, page_size: 2, start: 0, end: 1 });
    expect(first.body.calls).toHaveLength(2);
    expect(first.body.next_page_uri).toBe(`${ACCOUNT}/Calls.json?Page=1&PageSize=2`);
    const second = await send('GET', first.body.next_page_uri);
    expect(second.body).toMatchObject({ page: 1, start: 2, end: 2, next_page_uri: null });
    expect(second.body.calls).toHaveLength(1);
    const queued = await send('GET', `${ACCOUNT}/Calls.json?Status=queued`);
    expect(queued.body.calls.map((c: any) => c.status)).toEqual(['queued', 'queued']);
    expect(queued.body.calls.every((c: any) => c.direction === 'outbound')).toBe(true);
    const today = await send('GET', `${ACCOUNT}/Calls?StartTime=2026-01-05`);
    expect(today.body.calls.map((c: any) => c.sid)).toEqual([INBOUND.callSid]);
    expect((await send('GET', `${ACCOUNT}/Calls?Page=-1`)).status).toBe(422);
  });

  it('updates a call from a form: ends it (Status) or redirects it (Url, Method)', async () => {
    const ended = await send('POST', `${ACCOUNT}/Calls/${INBOUND.callSid}`, { form: { Status: 'completed' } });
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({
      sid: INBOUND.callSid,
      status: 'completed',
      duration: '180',
      end_time: 'Mon, 05 Jan 2026 15:03:00 +0000',
    });
    await send('POST', `${ACCOUNT}/Calls/${INBOUND.callSid}`, { form: { Url: 'https://app.example/next', Method: 'GET' } });
    expect(world.engine.log).toEqual([
      { method: 'updateCall', args: [INBOUND.callSid, { status: 'completed' }] },
      { method: 'updateCall', args: [INBOUND.callSid, { url: 'https://app.example/next', method: 'GET' }] },
    ]);
  });

  it('refuses an invalid update with 422, and passes on the engine’s 404 for an unknown call', async () => {
    const bad = await send('POST', `${ACCOUNT}/Calls/${INBOUND.callSid}`, { form: { Status: 'busy' } });
    expect(bad.status).toBe(422);
    expect(firstError(bad.body)).toMatchObject({ code: '10032', source: { pointer: '/Status' } });
    const unknown = await send('POST', `${ACCOUNT}/Calls/v3:gone`, { form: { Status: 'completed' } });
    expect(unknown.status).toBe(404);
    expect(firstError(unknown.body)).toMatchObject({ code: '10005', detail: 'Call v3:gone not found' });
  });
});

describe('TeXML REST conferences and participants', () => {
  it('lists and fetches conferences as ConferenceResources', async () => {
    const list = await send('GET', `${ACCOUNT}/Conferences?FriendlyName=support-queue`);
    expect(list.status).toBe(200);
    expect(list.body.conferences).toEqual([
      {
        account_sid: ACCOUNT_SID,
        api_version: 'v2/texml',
        date_created: 'Mon, 05 Jan 2026 14:59:30 +0000',
        date_updated: 'Mon, 05 Jan 2026 14:59:30 +0000',
        friendly_name: 'support-queue',
        sid: 'conf-1',
        status: 'in-progress',
        subresource_uris: {
          participants: `${ACCOUNT}/Conferences/conf-1/Participants.json`,
          recordings: `${ACCOUNT}/Conferences/conf-1/Recordings.json`,
        },
        uri: `${ACCOUNT}/Conferences/conf-1.json`,
      },
    ]);
    expect((await send('GET', `${ACCOUNT}/Conferences?Status=completed`)).body.conferences.map((c: any) => c.sid)).toEqual(['conf-2']);
    expect((await send('GET', `${ACCOUNT}/Conferences/conf-2.json`)).body.status).toBe('completed');
    expect((await send('GET', `${ACCOUNT}/Conferences/conf-9`)).status).toBe(404);
  });

  it('lists participants, and fetches one by CallSid or by Label', async () => {
    const list = await send('GET', `${ACCOUNT}/Conferences/conf-1/Participants`);
    expect(list.body.participants.map((p: any) => p.call_sid)).toEqual(['v3:inbound-1', 'v3:agent-1']);
    const byLabel = await send('GET', `${ACCOUNT}/Conferences/conf-1/Participants/agent`);
    expect(byLabel.status).toBe(200);
    expect(byLabel.body).toMatchObject({
      call_sid: 'v3:agent-1',
      call_sid_legacy: 'v3:agent-1',
      conference_sid: 'conf-1',
      status: 'connected',
      muted: false,
      hold: false,
      coaching: false,
      end_conference_on_exit: false,
      uri: `${ACCOUNT}/Conferences/conf-1/Participants/v3:agent-1.json`,
    });
    expect((await send('GET', `${ACCOUNT}/Conferences/conf-1/Participants/v3:inbound-1.json`)).body.call_sid).toBe('v3:inbound-1');
    expect((await send('GET', `${ACCOUNT}/Conferences/conf-1/Participants/nobody`)).status).toBe(404);
    expect((await send('GET', `${ACCOUNT}/Conferences/conf-9/Participants`)).status).toBe(404);
  });

  it('dials a coaching participant from a form, with form booleans as booleans', async () => {
    const dialed = await send('POST', `${ACCOUNT}/Conferences/conf-1/Participants`, {
      form: {
        To: 'sip:gencredSupervisor@sip.telnyx.com',
        From: '+13120001234',
        Label: 'supervisor',
        Muted: 'false',
        Coaching: 'true',
        CallSidToCoach: 'v3:agent-1',
        EndConferenceOnExit: 'false',
      },
    });
    expect(dialed.status).toBe(200);
    expect(dialed.body).toMatchObject({
      account_sid: ACCOUNT_SID,
      conference_sid: 'conf-1',
      coaching: true,
      coaching_call_sid: 'v3:agent-1',
      muted: false,
      status: 'connected',
    });
    expect(world.engine.log).toEqual([
      {
        method: 'dial',
        args: [
          'conf-1',
          {
            to: 'sip:gencredSupervisor@sip.telnyx.com',
            from: '+13120001234',
            label: 'supervisor',
            muted: false,
            coaching: true,
            callSidToCoach: 'v3:agent-1',
            endConferenceOnExit: false,
          },
        ],
      },
    ]);
  });

  it('dials a participant with its ring time, call and conference status callbacks, beep and start flag', async () => {
    const dialed = await send('POST', `${ACCOUNT}/Conferences/conf-1/Participants`, {
      form: {
        To: 'sip:ana@sip.telnyx.com',
        From: '+13120001234',
        Label: 'agent',
        Timeout: '20',
        StatusCallback: 'https://app.example/participant-status',
        StatusCallbackEvent: 'initiated ringing answered completed',
        StatusCallbackMethod: 'GET',
        ConferenceStatusCallback: 'https://app.example/room',
        ConferenceStatusCallbackEvent: 'join leave',
        Beep: 'onEnter',
        StartConferenceOnEnter: 'false',
        EndConferenceOnExit: 'true',
        EarlyMedia: 'true',
      },
    });
    expect(dialed.status).toBe(200);
    expect(world.engine.log.at(-1)!.args[1]).toEqual({
      to: 'sip:ana@sip.telnyx.com',
      from: '+13120001234',
      label: 'agent',
      timeoutSeconds: 20,
      statusCallback: 'https://app.example/participant-status',
      statusCallbackEvent: 'initiated ringing answered completed',
      statusCallbackMethod: 'GET',
      conferenceStatusCallback: 'https://app.example/room',
      conferenceStatusCallbackEvent: 'join leave',
      beep: 'onEnter',
      startConferenceOnEnter: false,
      endConferenceOnExit: true,
      earlyMedia: true,
    });
    // telnyx-node spells the ring time timeout_seconds; both names are read, each within 5..120.
    const to = { To: '+13121230000', From: '+13120001234' };
    await send('POST', `${ACCOUNT}/Conferences/conf-1/Participants`, { json: { ...to, timeout_seconds: 45 } });
    expect(world.engine.log.at(-1)!.args[1]).toMatchObject({ timeoutSeconds: 45 });
    for (const [field, value] of [
      ['Timeout', '3'],
      ['timeout_seconds', '121'],
      ['Beep', 'loud'],
      ['StatusCallbackEvent', 'answered hungup'],
      ['ConferenceStatusCallbackEvent', 'join exit'],
    ] as const) {
      const refused = await send('POST', `${ACCOUNT}/Conferences/conf-1/Participants`, { form: { ...to, [field]: value } });
      expect([refused.status, firstError(refused.body).source]).toEqual([422, { pointer: `/${field}` }]);
    }
    const held = await send('POST', `${ACCOUNT}/Conferences/conf-1/Participants/customer`, {
      form: { Hold: 'true', HoldUrl: 'https://app.example/hold.mp3', HoldMethod: 'POST' },
    });
    expect(held.status).toBe(200);
    expect(world.engine.log.at(-1)!.args[2]).toEqual({ hold: true, holdUrl: 'https://app.example/hold.mp3', holdMethod: 'POST' });
  });

  it('refuses a dial without To, coaching without CallSidToCoach, a non-boolean flag, and an unknown conference', async () => {
    const to = { To: '+13121230000', From: '+13120001234' };
    const noTo = await send('POST', `${ACCOUNT}/Conferences/conf-1/Participants`, { form: { From: to.From } });
    expect(firstError(noTo.body)).toMatchObject({ code: '10004', source: { pointer: '/To' } });
    const noTarget = await send('POST', `${ACCOUNT}/Conferences/conf-1/Participants`, { form: { ...to, Coaching: 'true' } });
    expect(noTarget.status).toBe(422);
    expect(firstError(noTarget.body).source).toEqual({ pointer: '/CallSidToCoach' });
    const notBool = await send('POST', `${ACCOUNT}/Conferences/conf-1/Participants`, { form: { ...to, Muted: 'maybe' } });
    expect(firstError(notBool.body)).toMatchObject({ code: '10026', source: { pointer: '/Muted' } });
    expect((await send('POST', `${ACCOUNT}/Conferences/conf-9/Participants`, { form: to })).status).toBe(404);
    expect(world.engine.log).toEqual([]);
  });

  it('updates a participant (hold, mute, coaching) addressed by label, and removes one (204)', async () => {
    const held = await send('POST', `${ACCOUNT}/Conferences/conf-1/Participants/customer`, {
      form: { Hold: 'true', HoldUrl: 'https://app.example/hold.xml', Muted: 'true' },
    });
    expect(held.status).toBe(200);
    expect(held.body).toMatchObject({ call_sid: 'v3:inbound-1', hold: true, muted: true });
    const removed = await send('DELETE', `${ACCOUNT}/Conferences/conf-1/Participants/v3:agent-1`);
    expect(removed.status).toBe(204);
    expect(removed.body).toBe('');
    expect((await send('GET', `${ACCOUNT}/Conferences/conf-1/Participants/agent`)).body.status).toBe('completed');
    expect(world.engine.log).toEqual([
      { method: 'update', args: ['conf-1', 'v3:inbound-1', { muted: true, hold: true, holdUrl: 'https://app.example/hold.xml' }] },
      { method: 'remove', args: ['conf-1', 'v3:agent-1'] },
    ]);
    const noTarget = await send('POST', `${ACCOUNT}/Conferences/conf-1/Participants/customer`, { form: { Coaching: 'true' } });
    expect(firstError(noTarget.body).source).toEqual({ pointer: '/CallSidToCoach' });
    expect((await send('DELETE', `${ACCOUNT}/Conferences/conf-1/Participants/nobody`)).status).toBe(404);
  });
});

describe('TeXML REST recordings and their media', () => {
  const voicemail: SimRecording = {
    sid: 'b08f0fa1-a32c-4218-b3b5-9cf78941ccac',
    callSid: INBOUND.callSid,
    conferenceSid: null,
    duration: 12,
    channels: 1,
    format: 'wav',
    source: 'RecordVerb',
    status: 'completed',
    startedAt: '2026-01-05T15:00:11.000Z',
    expiresAt: null,
  };
  const conferenceRecording: SimRecording = {
    ...voicemail,
    sid: '136285da-4b74-46f1-a016-fe2982fa77c3',
    conferenceSid: 'conf-1',
    format: 'mp3',
    channels: 2,
    duration: 5,
    source: 'Conference',
  };

  it('fetches a recording with its media_url and uri', async () => {
    world.media.add(voicemail);
    const got = await send('GET', `${ACCOUNT}/Recordings/${voicemail.sid}.json`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual({
      account_sid: ACCOUNT_SID,
      call_sid: INBOUND.callSid,
      conference_sid: null,
      channels: 1,
      date_created: '2026-01-05T15:00:11Z',
      date_updated: '2026-01-05T15:00:11Z',
      start_time: '2026-01-05T15:00:11Z',
      duration: '12',
      error_code: null,
      media_url: `${world.base}/v2/media/recordings/${voicemail.sid}.wav`,
      sid: voicemail.sid,
      source: 'RecordVerb',
      status: 'completed',
      subresources_uris: { transcriptions: null },
      uri: `${ACCOUNT}/Recordings/${voicemail.sid}.json`,
    });
    expect((await send('GET', `${ACCOUNT}/Recordings/${randomUUID()}.json`)).status).toBe(404);
  });

  it("lists a call's and a conference's recordings; 404 when neither the call nor the conference exists", async () => {
    world.media.add(voicemail);
    world.media.add(conferenceRecording);
    const ofCall = await send('GET', `${ACCOUNT}/Calls/${INBOUND.callSid}/Recordings.json`);
    expect(ofCall.body.recordings.map((r: any) => r.sid)).toEqual([voicemail.sid, conferenceRecording.sid]);
    expect(ofCall.body).toMatchObject({ page: 0, start: 0, end: 1, previous_page_uri: null, next_page_uri: null });
    const ofConference = await send('GET', `${ACCOUNT}/Conferences/conf-1/Recordings.json`);
    expect(ofConference.body.recordings.map((r: any) => r.sid)).toEqual([conferenceRecording.sid]);
    const conferenceShape = await send('GET', `${ACCOUNT}/Conferences/conf-1/Recordings`);
    expect(conferenceShape.body.recordings[0]).toMatchObject({
      duration: 5,
      start_time: 'Mon, 05 Jan 2026 15:00:11 +0000',
      status: 'completed',
    });
    expect((await send('GET', `${ACCOUNT}/Conferences/conf-2/Recordings.json`)).body.recordings).toEqual([]);
    expect((await send('GET', `${ACCOUNT}/Calls/v3:nope/Recordings.json`)).status).toBe(404);
    expect((await send('GET', `${ACCOUNT}/Conferences/conf-9/Recordings.json`)).status).toBe(404);
    expect((await send('GET', `${ACCOUNT}/Recordings.json`)).body.recordings).toHaveLength(2);
  });

  it('requests a recording for a call from a form (telnyx-node field names) and pauses, resumes and stops it', async () => {
    const started = await send('POST', `${ACCOUNT}/Calls/${INBOUND.callSid}/Recordings.json`, {
      form: {
        PlayBeep: 'false',
        RecordingChannels: 'dual',
        RecordingStatusCallback: 'https://app.example/recording',
        RecordingStatusCallbackEvent: 'in-progress completed',
        RecordingStatusCallbackMethod: 'GET',
        RecordingTrack: 'both',
        SendRecordingUrl: 'true',
      },
    });
    expect(started.status).toBe(200);
    expect(world.engine.log.at(-1)).toEqual({
      method: 'startRecording',
      args: [
        INBOUND.callSid,
        {
          playBeep: false,
          channels: 'dual',
          statusCallback: 'https://app.example/recording',
          statusCallbackEvent: 'in-progress completed',
          statusCallbackMethod: 'GET',
          track: 'both',
          sendRecordingUrl: true,
        },
      ],
    });
    const sid = started.body.sid;
    expect(started.body).toMatchObject({
      call_sid: INBOUND.callSid,
      channels: 2,
      source: 'StartCallRecordingAPI',
      status: 'in-progress',
      duration: null,
      uri: `${ACCOUNT}/Recordings/${sid}.json`,
    });
    const paused = await send('POST', `${ACCOUNT}/Calls/${INBOUND.callSid}/Recordings/${sid}.json`, { form: { Status: 'paused' } });
    expect(paused).toMatchObject({ status: 200, body: { sid, status: 'paused', duration: null } });
    const stopped = await send('POST', `${ACCOUNT}/Calls/${INBOUND.callSid}/Recordings/${sid}.json`, { json: { Status: 'stopped' } });
    expect(stopped).toMatchObject({ status: 200, body: { sid, status: 'completed', duration: '12' } });
    expect(world.engine.log.slice(-2).map((l) => l.args[2])).toEqual(['paused', 'stopped']);

    const refused = async (path: string, form: Record<string, string>) => {
      const got = await send('POST', `${ACCOUNT}${path}`, { form });
      return [got.status, firstError(got.body)?.source?.pointer ?? null];
    };
    expect(await refused(`/Calls/${INBOUND.callSid}/Recordings/${sid}.json`, { Status: 'finished' })).toEqual([422, '/Status']);
    expect(await refused(`/Calls/${INBOUND.callSid}/Recordings/${sid}.json`, {})).toEqual([422, '/Status']);
    expect(await refused(`/Calls/${INBOUND.callSid}/Recordings.json`, { RecordingChannels: 'stereo' })).toEqual([
      422,
      '/RecordingChannels',
    ]);
    expect(await refused(`/Calls/${INBOUND.callSid}/Recordings.json`, { RecordingStatusCallbackEvent: 'in-progress done' })).toEqual([
      422,
      '/RecordingStatusCallbackEvent',
    ]);
    expect((await send('POST', `${ACCOUNT}/Calls/v3:nope/Recordings.json`, { form: {} })).status).toBe(404);
    expect(
      (await send('POST', `${ACCOUNT}/Calls/${INBOUND.callSid}/Recordings/${randomUUID()}.json`, { form: { Status: 'paused' } })).status,
    ).toBe(404);
  });

  it('downloads the audio from media_url without the API key, until 10 minutes after the call ends', async () => {
    world.media.add(voicemail);
    world.media.add(conferenceRecording);
    const wavUrl = (await send('GET', `${ACCOUNT}/Recordings/${voicemail.sid}.json`)).body.media_url;
    const wav = await fetch(wavUrl);
    expect(wav.status).toBe(200);
    expect(wav.headers.get('content-type')).toBe('audio/wav');
    const wavBytes = Buffer.from(await wav.arrayBuffer());
    expect(wavBytes.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wavBytes.readUInt32LE(40) / wavBytes.readUInt32LE(28)).toBe(12);

    const mp3 = await fetch((await send('GET', `${ACCOUNT}/Recordings/${conferenceRecording.sid}.json`)).body.media_url);
    expect(mp3.headers.get('content-type')).toBe('audio/mpeg');
    expect([...Buffer.from(await mp3.arrayBuffer()).subarray(0, 2)]).toEqual([0xff, 0xfb]);

    world.media.expireAt(voicemail.sid, world.clock.now() + 10 * 60_000);
    const expiring = (await send('GET', `${ACCOUNT}/Recordings/${voicemail.sid}.json`)).body.media_url;
    expect(expiring).toContain('?expires=');
    world.clock.advance(10 * 60_000);
    const gone = await fetch(expiring);
    expect(gone.status).toBe(404);
    expect(firstError(await gone.json())).toMatchObject({ code: '10005', title: 'Resource not found' });
    // The REST resource outlives its audio.
    expect((await send('GET', `${ACCOUNT}/Recordings/${voicemail.sid}.json`)).status).toBe(200);
  });
});

describe('failWith (a Telnyx outage)', () => {
  it('makes every API request answer the given status in Telnyx format, until restored', async () => {
    world.api.failWith(503);
    const down = await send('GET', '/v2/telephony_credentials');
    expect(down.status).toBe(503);
    expect(firstError(down.body)).toMatchObject({ code: '10016' });
    expect((await send('POST', `${ACCOUNT}/Calls`, { json: {} })).status).toBe(503);
    world.api.failWith(500);
    expect(firstError((await send('GET', `${ACCOUNT}/Calls`)).body)).toMatchObject({ code: '10007', title: 'Unexpected error' });
    world.api.failWith(null);
    expect((await send('GET', '/v2/telephony_credentials')).status).toBe(200);
    expect(world.api.requests.map((r) => r.status)).toEqual([503, 503, 500, 200]);
    expect(world.engine.log).toEqual([]);
  });

  it("'reset' drops every connection; the product's client reports Telnyx unreachable", async () => {
    const { id } = world.credentials.create({ connectionId: CONNECTION_ID });
    world.api.failWith('reset');
    await expect(fetch(`${world.base}/v2/telephony_credentials`, { headers: { authorization: `Bearer ${API_KEY}` } })).rejects.toThrow();
    const minted = await mintLoginToken({ apiKey: API_KEY, baseUrl: `${world.base}/v2`, credentialId: id });
    expect(minted).toMatchObject({ ok: false, message: expect.stringMatching(/cannot be reached/) });
    expect(world.api.requests.map((r) => r.status)).toEqual(['reset', 'reset']);
    world.api.failWith(null);
    expect((await mintLoginToken({ apiKey: API_KEY, baseUrl: `${world.base}/v2`, credentialId: id })).ok).toBe(true);
  });

  it('leaves media downloads alone (Telnyx serves them from storage, not the API) and refuses a bogus status', async () => {
    const url = world.media.add({
      sid: 'rec-x',
      callSid: INBOUND.callSid,
      conferenceSid: null,
      duration: 1,
      channels: 1,
      format: 'wav',
      source: 'RecordVerb',
      status: 'completed',
      startedAt: INBOUND.startTime!,
      expiresAt: null,
    });
    world.api.failWith(503);
    expect((await fetch(url)).status).toBe(200);
    expect(() => world.api.failWith(42)).toThrow();
  });
});
