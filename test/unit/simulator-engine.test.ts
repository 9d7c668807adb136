/**
 * The call engine against canned TeXML (a small HTTP server, no service): each verb's paths as
 * Telnyx runs them, on virtual time.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallEngine, type CallerScript, DEFAULT_CALLER } from '../../src/simulator/call-engine.js';
import { MemoryMediaStore } from '../../src/simulator/media.js';
import { type PhoneScript, ScriptedPhones } from '../../src/simulator/scripted-phones.js';
import type { CallResult } from '../../src/simulator/transcript.js';
import { VirtualClock } from '../../src/simulator/virtual-clock.js';
import { SigningKey, WebhookClient } from '../../src/simulator/webhook-client.js';
import { TelnyxSignatureVerifier } from '../../src/telnyx/signature.js';

type Answer = string | { status: number; body?: string };
const doc = (inner: string) => `<?xml version="1.0" encoding="UTF-8"?><Response>${inner}</Response>`;

describe('the call engine', () => {
  let server: Server;
  let base = '';
  const routes = new Map<string, (params: URLSearchParams) => Answer>();
  const received: { path: string; method: string; params: URLSearchParams; signed: boolean }[] = [];
  const clock = new VirtualClock(Date.UTC(2026, 10, 27, 12));
  const key = new SigningKey();
  const verifier = new TelnyxSignatureVerifier({ publicKey: key.publicKeyBase64 });
  const media = new MemoryMediaStore({ baseUrl: () => base, clock });
  const engine = new CallEngine({
    clock: clock.driving,
    account: { accountSid: 'AC1', connectionId: '42' },
    webhooks: new WebhookClient({ key, clock }),
    switchboard: { offer: () => null },
    media,
    busy: clock.busy,
  });

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (media.serveMedia(req, res, req.url ?? '/')) return;
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        const body = Buffer.concat(chunks);
        const params = req.method === 'GET' ? url.searchParams : new URLSearchParams(body.toString());
        const signed = verifier.check(body, req.headers, clock.now()).ok;
        received.push({ path: url.pathname, method: req.method ?? '', params, signed });
        const answer = routes.get(url.pathname)?.(params) ?? doc('');
        if (typeof answer === 'string') res.writeHead(200, { 'content-type': 'application/xml' }).end(answer);
        else res.writeHead(answer.status).end(answer.body ?? '');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  async function call(
    voice: Answer | ((p: URLSearchParams) => Answer),
    opts: {
      caller?: Partial<CallerScript>;
      phones?: Record<string, PhoneScript>;
      routes?: Record<string, Answer | ((p: URLSearchParams) => Answer)>;
    } = {},
  ): Promise<CallResult> {
    routes.clear();
    received.length = 0;
    const table: Record<string, Answer | ((p: URLSearchParams) => Answer)> = { '/voice': voice, ...opts.routes };
    for (const [path, a] of Object.entries(table)) routes.set(path, typeof a === 'function' ? a : () => a);
    const phones = new ScriptedPhones(clock.driving, new Map(Object.entries(opts.phones ?? {})));
    return clock.run(
      engine.inbound(
        { from: '+15551230000', to: '+13055550100' },
        { voiceUrl: `${base}/voice`, voiceMethod: 'POST', statusCallback: `${base}/call-status` },
        { caller: { ...DEFAULT_CALLER, ...opts.caller }, phones },
      ),
    );
  }
  const requests = (path: string) => received.filter((r) => r.path === path).map((r) => Object.fromEntries(r.params));
  const legStatuses = () => requests('/leg').map((p) => `${p.To?.replace(/^sip:|@.*$/g, '')}:${p.CallStatus}`);
  const RING = (timeout: number, ...users: string[]) =>
    doc(
      `<Dial action="/after" timeout="${timeout}">${users.map((u) => `<Sip statusCallback="/leg" statusCallbackEvent="initiated ringing answered completed">sip:${u}@sip.telnyx.com</Sip>`).join('')}</Dial>`,
    );

  it('fetches the voice URL as Telnyx does: signed form POST with the documented fields', async () => {
    const result = await call(doc('<Hangup/>'));
    const [fetch] = received;
    expect(fetch).toMatchObject({ path: '/voice', method: 'POST', signed: true });
    expect(Object.fromEntries(fetch!.params)).toMatchObject({
      AccountSid: 'AC1',
      ApiVersion: '2010-04-01',
      CallSid: result.callSid,
      CallStatus: 'ringing',
      ConnectionId: '42',
      From: '+15551230000',
      To: '+13055550100',
    });
    expect(result.callSid).toMatch(/^v3:/);
    expect(result.outcome).toBe('HUNG_UP');
    // The call-level status callback closes it.
    expect(requests('/call-status')).toEqual([
      expect.objectContaining({ CallSid: result.callSid, CallStatus: 'canceled', CallbackSource: 'call-progress-events' }),
    ]);
  });

  it('rings a group at once: the first to answer wins, the others are canceled; the action hears completed', async () => {
    const result = await call(RING(20, 'ana', 'ben'), {
      phones: {
        ana: { does: 'answer', afterSeconds: 4, hangsUpAfterSeconds: null },
        ben: { does: 'answer', afterSeconds: 6, hangsUpAfterSeconds: null },
      },
      caller: { talkSeconds: 30 },
      routes: { '/after': doc('<Hangup/>') },
    });
    expect(result).toMatchObject({ outcome: 'ANSWERED', answeredBy: 'ana', errors: [] });
    expect(legStatuses()).toEqual([
      'ana:initiated',
      'ben:initiated',
      'ana:ringing',
      'ben:ringing',
      'ben:canceled',
      'ana:in-progress',
      'ana:completed',
    ]);
    const [after] = requests('/after');
    expect(after).toMatchObject({ DialCallStatus: 'completed', DialCallDuration: '30', CallStatus: 'in-progress' });
    expect(after!.DialCallSid).toBe(requests('/leg').find((p) => p.To?.includes('ana'))!.CallSid);
    expect(requests('/leg').every((p) => p.ParentCallSid === result.callSid)).toBe(true);
    expect(result.duration).toBe(34);
  });

  it.each<[string, Record<string, PhoneScript>, string]>([
    ['nobody answers before the timeout', {}, 'no-answer'],
    [
      'everyone declines',
      {
        ana: { does: 'decline', afterSeconds: 2, hangsUpAfterSeconds: null },
        ben: { does: 'decline', afterSeconds: 3, hangsUpAfterSeconds: null },
      },
      'busy',
    ],
  ])('%s → DialCallStatus %s, and the action decides what follows', async (_name, phones, status) => {
    const result = await call(RING(15, 'ana', 'ben'), { phones, routes: { '/after': doc('<Say>Bye</Say><Hangup/>') } });
    expect(requests('/after')[0]?.DialCallStatus).toBe(status);
    expect(result.outcome).toBe('HUNG_UP');
    expect(result.steps.filter((s) => s.kind === 'verb').map((s) => s.kind === 'verb' && s.verb)).toEqual([
      'Dial',
      'Dial',
      'Say',
      'Hangup',
    ]);
  });

  it('a caller hanging up while it rings: legs canceled, the action still requested with canceled (its answer ignored), ABANDONED', async () => {
    const result = await call(RING(30, 'ana'), { caller: { hangUpAt: 7 }, routes: { '/after': doc('<Say>Never heard</Say>') } });
    expect(legStatuses()).toEqual(['ana:initiated', 'ana:canceled']);
    expect(requests('/after')[0]?.DialCallStatus).toBe('canceled');
    expect(result.steps.some((s) => s.kind === 'verb' && s.verb === 'Say')).toBe(false);
    expect(result.outcome).toBe('ABANDONED');
    expect(requests('/call-status')[0]).toMatchObject({ CallStatus: 'completed' });
    expect(result.duration).toBe(7);
  });

  it('an agent hanging up first leaves the caller on the line for the action', async () => {
    const result = await call(RING(20, 'ana'), {
      phones: { ana: { does: 'answer', afterSeconds: 1, hangsUpAfterSeconds: 12 } },
      caller: { talkSeconds: 300 },
      routes: { '/after': doc('<Say>Thanks, goodbye</Say><Hangup/>') },
    });
    expect(result.steps.find((s) => s.kind === 'verb' && s.verb === 'Say')).toBeDefined();
    expect(requests('/after')[0]).toMatchObject({ DialCallStatus: 'completed', DialCallDuration: '12' });
    expect(result.outcome).toBe('ANSWERED');
  });

  it('a Dial without action goes on to the next verb', async () => {
    const result = await call(doc('<Dial timeout="5"><Sip>sip:ana@sip.telnyx.com</Sip></Dial><Say>Nobody came</Say>'));
    expect(result.steps.filter((s) => s.kind === 'verb').map((s) => (s.kind === 'verb' ? s.verb : ''))).toEqual(['Dial', 'Dial', 'Say']);
    expect(result.duration).toBeGreaterThanOrEqual(5);
  });

  it('Gather: keys go to the action as Digits (numDigits); no key falls through; a key outside validDigits is no input', async () => {
    const menu = doc(
      '<Gather action="/menu" numDigits="1" timeout="6" validDigits="12"><Say>Press 1 or 2</Say></Gather><Redirect>/no-key</Redirect>',
    );
    const routesTable = { '/menu': doc('<Hangup/>'), '/no-key': doc('<Hangup/>') };
    await call(menu, { caller: { digits: [{ keys: '27', afterSeconds: 1 }] }, routes: routesTable });
    expect(requests('/menu')).toEqual([expect.objectContaining({ Digits: '2', AccountSid: 'AC1' })]);
    expect(requests('/no-key')).toEqual([]);
    await call(menu, { routes: routesTable });
    expect(requests('/menu')).toEqual([]);
    expect(requests('/no-key')).toHaveLength(1);
    await call(menu, { caller: { digits: [{ keys: '9', afterSeconds: 1 }] }, routes: routesTable });
    expect(requests('/menu')).toEqual([]);
    expect(requests('/no-key')).toHaveLength(1);
  });

  it('Record: the message is stored and downloadable, the action and recording callback carry it; the URL expires 10 minutes after the call', async () => {
    const result = await call(
      doc('<Say>Leave a message</Say><Record action="/vm" recordingStatusCallback="/vm-status" maxLength="60" finishOnKey="#"/>'),
      {
        caller: { message: { seconds: 8, ending: 'hang-up' } },
        routes: { '/vm': doc('<Hangup/>'), '/vm-status': doc('') },
      },
    );
    expect(result.outcome).toBe('VOICEMAIL');
    const [action] = requests('/vm');
    const [status] = requests('/vm-status');
    expect(action).toMatchObject({ RecordingDuration: '8', RecordingStatus: 'completed', From: '+15551230000' });
    expect(status).toMatchObject({
      RecordingDuration: '8',
      RecordingStatus: 'completed',
      RecordingSource: 'RecordVerb',
      RecordingUrl: action!.RecordingUrl,
    });
    expect(status!.From).toBeUndefined(); // the recording callback carries no From/To
    const audio = await fetch(action!.RecordingUrl!);
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toBe('audio/mpeg');
    clock.advance(10 * 60_000 + 1000);
    expect((await fetch(action!.RecordingUrl!)).status).toBe(404);
  });

  it('Record: an empty recording requests no action; maxLength cuts a long message; the finish key continues with the action', async () => {
    const vm = doc('<Record action="/vm" maxLength="10"/><Say>After</Say>');
    await call(vm, { caller: { message: { seconds: 0, ending: 'hang-up' } }, routes: { '/vm': doc('<Hangup/>') } });
    expect(requests('/vm')).toEqual([]);
    await call(vm, { caller: { message: { seconds: 50, ending: 'hang-up' } }, routes: { '/vm': doc('<Say>Thanks</Say>') } });
    expect(requests('/vm')[0]).toMatchObject({ RecordingDuration: '10' });
    const pressed = await call(vm, {
      caller: { message: { seconds: 4, ending: 'finish-key' } },
      routes: { '/vm': doc('<Say>Thanks</Say>') },
    });
    expect(pressed.steps.filter((s) => s.kind === 'verb').map((s) => (s.kind === 'verb' ? s.text : ''))).toContain('Thanks');
  });

  it('Pause and Redirect take their time and follow the URL; Reject ends the call unanswered', async () => {
    let loops = 0;
    const result = await call(doc('<Pause length="20"/><Redirect method="POST">/again</Redirect>'), {
      routes: { '/again': () => (++loops < 3 ? doc('<Pause length="20"/><Redirect>/again</Redirect>') : doc('<Reject reason="busy"/>')) },
    });
    expect(result.duration).toBe(60);
    expect(requests('/call-status')[0]).toMatchObject({ CallStatus: 'busy' });
  });

  it('an answer that is not TeXML, or not 200, is an error (Telnyx: "an application error has occurred")', async () => {
    const notXml = await call('Thanks for calling');
    expect(notXml.errors.join()).toMatch(/not well-formed XML/);
    const failing = await call({ status: 500, body: 'oops' });
    expect(failing.errors.join()).toMatch(/answered 500/);
    const drift = await call(doc('<Dial ringback="us-ring"><Sip>sip:a@b</Sip></Dial>'));
    expect(drift.errors.join()).toMatch(/unknown attribute ringback/);
  });

  it('the REST API redirects a live call to other TeXML, or hangs it up', async () => {
    const playing = call(doc('<Say loop="0">Hold music</Say>'), { routes: { '/moved': doc('<Say>Moved</Say><Hangup/>') } });
    await clock.run(new Promise<void>((r) => clock.driving.setTimer(clock.now() + 5000, r)));
    const live = engine.list().find((c) => c.status === 'in-progress');
    expect(live).toBeDefined();
    expect(engine.update(live!.callSid, { url: `${base}/moved`, method: 'POST' })).toBe(true);
    const moved = await playing;
    expect(moved.steps.some((s) => s.kind === 'verb' && s.text === 'Moved')).toBe(true);

    const held = call(doc('<Say loop="0">Hold music</Say>'));
    await clock.run(new Promise<void>((r) => clock.driving.setTimer(clock.now() + 5000, r)));
    const other = engine.list().find((c) => c.status === 'in-progress')!;
    engine.update(other.callSid, { status: 'completed' });
    const ended = await held;
    expect(ended.steps.find((s) => s.kind === 'end')).toMatchObject({ kind: 'end', endedBy: 'api' });
    expect(engine.update(other.callSid, { status: 'completed' })).toBe(false);
  });

  it('places an outbound call: rings the far end, plays the TeXML once answered, ends when the far end hangs up', async () => {
    routes.clear();
    received.length = 0;
    routes.set('/out', () => doc('<Say loop="0">Connecting</Say>'));
    const phones = {
      offer: (o: { to: string }, e: { ringing(): void; answered(): void; hungUp(): void }) => {
        if (o.to !== 'sip:ana@sip.telnyx.com') return null;
        clock.driving.setTimer(clock.now() + 1000, () => e.ringing());
        clock.driving.setTimer(clock.now() + 3000, () => e.answered());
        clock.driving.setTimer(clock.now() + 9000, () => e.hungUp());
        return { end: () => {} };
      },
    };
    const outEngine = new CallEngine({
      clock: clock.driving,
      account: { accountSid: 'AC1', connectionId: '42' },
      webhooks: new WebhookClient({ key, clock }),
      switchboard: phones as never,
      media,
      busy: clock.busy,
    });
    const view = outEngine.outbound({
      from: '+13055550100',
      to: 'sip:ana@sip.telnyx.com',
      url: `${base}/out`,
      statusCallback: `${base}/call-status`,
    });
    expect(view.status).toBe('queued');
    await clock.run(
      new Promise<void>((resolve) => {
        const poll = () => (outEngine.view(view.callSid)?.endTime ? resolve() : setTimeout(poll, 5));
        poll();
      }),
    );
    expect(outEngine.view(view.callSid)).toMatchObject({ direction: 'outbound-api', status: 'completed', duration: 6 });
    expect(requests('/out')).toHaveLength(1);
    expect(requests('/call-status')[0]).toMatchObject({ CallSid: view.callSid, CallStatus: 'completed', CallDuration: '6' });
  });
});
