/**
 * The service's TeXML REST client for calls (src/telnyx/call-control.ts) against the real local
 * Telnyx REST API, on virtual time: redirecting a caller who waits in a queue to a `<Dial>` (what
 * offering a waiting caller to an agent is), the answers for a call that is gone and for a wrong key,
 * and creating a call to an agent's softphone whose document dials a customer (a callback). The
 * requests are sent from timers, as the service sends them, holding time with `inFlight`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CALLER } from '../../src/simulator/call-engine.js';
import { LocalTelnyx } from '../../src/simulator/local-telnyx.js';
import { wavBytes } from '../../src/simulator/media.js';
import { VirtualClock } from '../../src/simulator/virtual-clock.js';
import { createCall, type CreateCallResult, type RedirectResult, redirectCall } from '../../src/telnyx/call-control.js';
import { CannedApp, xml } from '../support/canned-app.js';

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);
const COMPANY_NUMBER = '+13055550100';
const CUSTOMER = '+15557770000';
const ANA = 'sip:ana@sip.telnyx.com';

let open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.map((o) => o.close()));
  open = [];
});

async function harness() {
  const clock = new VirtualClock(T0);
  const app = await CannedApp.start(clock, T0);
  app
    .on('/music.wav', { type: 'audio/wav', body: wavBytes(4, 1) })
    .on('/call-status', xml(''))
    .on('/leg', xml(''));
  const telnyx = await LocalTelnyx.start({
    clock: clock.driving,
    busy: clock.busy,
    application: { voiceUrl: app.url('/voice'), voiceMethod: 'POST', statusCallback: app.url('/call-status') },
  });
  open.push(app, telnyx);
  const rest = { apiKey: telnyx.apiKey, baseUrl: telnyx.apiBaseUrl, accountSid: telnyx.accountSid };
  /** Runs `send` at `seconds` of virtual time, as a timer of the service would. */
  const at = <T>(seconds: number, send: () => Promise<T>): Promise<T> =>
    new Promise((resolve, reject) => clock.driving.setTimer(T0 + seconds * 1000, () => void send().then(resolve, reject)));
  /** Polls in real time while the clock runs. */
  const until = async (check: () => boolean) => {
    for (let i = 0; i < 2000 && !check(); i++) await new Promise((r) => setTimeout(r, 2));
    expect(check()).toBe(true);
  };
  return { clock, app, telnyx, rest, at, until };
}

const statuses = (app: CannedApp, path: string) => app.to(path).map((h) => [h.at, h.params.CallStatus, h.params.CallDuration ?? null]);

describe('redirectCall', () => {
  it("takes a caller out of a queue to a Dial: the Enqueue action hears redirected, the agent's leg reports as any Dial's does", async () => {
    const h = await harness();
    h.telnyx.script('agent ana answers after 3 s and hangs up after 30 s');
    h.app
      .on('/voice', xml('<Enqueue waitUrl="/wait" action="/queue-exit">support</Enqueue><Say>never: the redirect replaces it</Say>'))
      .on('/wait', xml('<Play loop="0">/music.wav</Play>'))
      .on('/queue-exit', xml('<Say>ignored: the call was redirected</Say>'))
      .on(
        '/offer',
        xml(
          `<Dial action="/dial-complete" timeout="20"><Sip statusCallback="/leg" statusCallbackEvent="initiated ringing answered completed">${ANA}</Sip></Dial>`,
        ),
      )
      .on('/dial-complete', xml('<Hangup/>'));
    let callSid = '';
    const calling = h.telnyx.call({
      from: '+15551230000',
      to: COMPANY_NUMBER,
      caller: { ...DEFAULT_CALLER, talkSeconds: 100 },
      onStart: (sid) => (callSid = sid),
    });
    const redirected = h.at(20, () => redirectCall({ ...h.rest, callSid, url: h.app.url('/offer'), inFlight: h.clock.busy }));
    const [result, answer] = await h.clock.run(Promise.all([calling, redirected]));

    expect(answer).toEqual<RedirectResult>({ ok: true });
    expect(h.app.to('/queue-exit').map((e) => [e.at, e.params.QueueResult, e.params.QueueTime])).toEqual([[20, 'redirected', '20']]);
    expect(h.app.to('/offer').map((o) => [o.at, o.params.CallSid, o.params.CallStatus])).toEqual([[20, callSid, 'in-progress']]);
    expect(statuses(h.app, '/leg')).toEqual([
      [20, 'initiated', null],
      [20, 'ringing', null],
      [23, 'in-progress', null],
      [53, 'completed', '30'],
    ]);
    expect(h.app.to('/leg').every((l) => l.params.ParentCallSid === callSid)).toBe(true);
    expect(h.app.to('/dial-complete').map((d) => [d.at, d.params.DialCallStatus, d.params.DialCallDuration])).toEqual([
      [53, 'completed', '30'],
    ]);
    expect(result).toMatchObject({ outcome: 'ANSWERED', answeredBy: 'ana', errors: [] });
    expect(statuses(h.app, '/call-status')).toEqual([[53, 'completed', '53']]);
  });

  it('a call that has ended, or never was, is gone (never retried); a wrong key is refused and may be retried', async () => {
    const h = await harness();
    h.app.on('/voice', xml('<Say>Goodbye</Say><Hangup/>'));
    const ended = await h.clock.run(h.telnyx.call({ from: '+15551230000', to: COMPANY_NUMBER }));
    const offer = h.app.url('/offer');
    expect(await redirectCall({ ...h.rest, callSid: ended.callSid, url: offer })).toMatchObject({
      ok: false,
      gone: true,
      status: 422,
      message: expect.stringContaining('Call has already ended'),
    });
    expect(await redirectCall({ ...h.rest, callSid: 'v3:never-was', url: offer })).toMatchObject({ ok: false, gone: true, status: 404 });
    expect(await redirectCall({ ...h.rest, apiKey: 'KEYwrong', callSid: ended.callSid, url: offer })).toEqual({
      ok: false,
      gone: false,
      status: 401,
      message: "Telnyx refused the server's API key (HTTP 401); check TELNYX_API_KEY",
    });
    // Form-encoded, as the spec has it, with the PascalCase keys.
    expect(h.telnyx.rest.requests.at(-1)).toMatchObject({ method: 'POST', body: { Url: offer, Method: 'POST' } });
  });
});

describe('createCall', () => {
  it("rings the agent's softphone, reports its progress, fetches its Url on answer, and its Dial rings the customer", async () => {
    const h = await harness();
    h.telnyx.script(`agent ana answers after 2 s and hangs up after 20 s; number ${CUSTOMER} answers after 3 s`);
    h.app
      .on(
        '/callback',
        xml(
          `<Dial callerId="${COMPANY_NUMBER}" action="/callback-done"><Number statusCallback="/customer-leg" statusCallbackEvent="answered completed">${CUSTOMER}</Number></Dial>`,
        ),
      )
      .on('/agent-status', xml(''))
      .on('/customer-leg', xml(''))
      .on('/callback-done', xml('<Hangup/>'));
    let created: CreateCallResult | undefined;
    const done = h.until(() => created?.ok === true && h.telnyx.engine.view(created.callSid)?.endTime != null);
    void h
      .at(0, () =>
        createCall({
          ...h.rest,
          applicationSid: h.telnyx.connectionId,
          to: ANA,
          from: COMPANY_NUMBER,
          url: h.app.url('/callback'),
          statusCallback: h.app.url('/agent-status'),
          statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
          timeoutSeconds: 20,
          inFlight: h.clock.busy,
        }),
      )
      .then((r) => (created = r));
    await h.clock.run(done);
    if (!created?.ok) throw new Error(`not created: ${JSON.stringify(created)}`);
    const sid = created.callSid;

    expect(statuses(h.app, '/agent-status')).toEqual([
      [0, 'initiated', null],
      [0, 'ringing', null],
      [2, 'in-progress', null],
      [22, 'completed', '20'],
    ]);
    expect(h.app.to('/agent-status').every((s) => s.params.CallSid === sid && s.params.To === ANA)).toBe(true);
    expect(h.app.to('/callback').map((c) => [c.at, c.params.CallSid, c.params.From, c.params.To])).toEqual([[2, sid, COMPANY_NUMBER, ANA]]);
    expect(statuses(h.app, '/customer-leg')).toEqual([
      [5, 'in-progress', null],
      [22, 'completed', '17'],
    ]);
    expect(h.app.to('/customer-leg')[0]!.params).toMatchObject({ ParentCallSid: sid, To: CUSTOMER, From: COMPANY_NUMBER });
    // The agent hung up: the Dial's action is still requested (its answer is not played).
    expect(h.app.to('/callback-done').map((d) => [d.at, d.params.DialCallStatus, d.params.DialCallDuration])).toEqual([
      [22, 'completed', '17'],
    ]);
    expect(h.telnyx.rest.requests.find((r) => r.path.endsWith('/Calls'))?.body).toMatchObject({
      To: ANA,
      Url: h.app.url('/callback'),
      UrlMethod: 'POST',
      StatusCallbackEvent: 'initiated ringing answered completed',
      Timeout: 20,
    });
  });

  it('a softphone nobody answers: the call ends no-answer after its Timeout, its Url never fetched', async () => {
    const h = await harness();
    h.app.on('/agent-status', xml('')).on('/callback', xml('<Hangup/>'));
    let created: CreateCallResult | undefined;
    const done = h.until(() => created?.ok === true && h.telnyx.engine.view(created.callSid)?.endTime != null);
    void h
      .at(0, () =>
        createCall({
          ...h.rest,
          applicationSid: h.telnyx.connectionId,
          to: 'sip:nobody@sip.telnyx.com',
          from: COMPANY_NUMBER,
          url: h.app.url('/callback'),
          statusCallback: h.app.url('/agent-status'),
          timeoutSeconds: 15,
          inFlight: h.clock.busy,
        }),
      )
      .then((r) => (created = r));
    await h.clock.run(done);
    expect(statuses(h.app, '/agent-status')).toEqual([[15, 'no-answer', '0']]);
    expect(h.app.to('/callback')).toEqual([]);
  });
});
