/**
 * The local Telnyx playing the calls a queue makes, against canned TeXML on virtual time: wait rounds
 * as long as their prompts and music really are, a key pressed mid-wait reaching the Gather listening
 * then and its action's answer playing in the wait (`<Leave>`, `<Redirect>` back to the music),
 * maxWaitTimeSecs, a caller hanging up while waiting, and the REST API holding virtual time while it
 * serves. Also how `<Play>` reads an audio file's length (src/simulator/media-length.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CALLER, type CallerScript } from '../../src/simulator/call-engine.js';
import { LocalTelnyx } from '../../src/simulator/local-telnyx.js';
import { audioSeconds, MediaLengths } from '../../src/simulator/media-length.js';
import { mp3Bytes, wavBytes } from '../../src/simulator/media.js';
import type { CallResult, Step } from '../../src/simulator/transcript.js';
import { VirtualClock } from '../../src/simulator/virtual-clock.js';
import { CannedApp, xml } from '../support/canned-app.js';

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);
const COMPANY_NUMBER = '+13055550100';
const WAV = { type: 'audio/wav', body: wavBytes(4, 1) };
const MP3 = { type: 'audio/mpeg', body: mp3Bytes(6, 1) };

let open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.map((o) => o.close()));
  open = [];
});

/** A local Telnyx on virtual time whose one number plays the canned app (status callbacks to /call-status). */
async function harness() {
  const clock = new VirtualClock(T0);
  const app = await CannedApp.start(clock, T0);
  app.on('/music.wav', WAV).on('/music.mp3', MP3).on('/call-status', xml(''));
  const telnyx = await LocalTelnyx.start({
    clock: clock.driving,
    busy: clock.busy,
    application: { voiceUrl: app.url('/voice'), voiceMethod: 'POST', statusCallback: app.url('/call-status') },
  });
  open.push(app, telnyx);
  const call = (caller: Partial<CallerScript> = {}) =>
    telnyx.call({ from: '+15551230000', to: COMPANY_NUMBER, caller: { ...DEFAULT_CALLER, ...caller } });
  return { clock, app, telnyx, call };
}

const said = (r: CallResult) =>
  r.steps.filter((s): s is Extract<Step, { kind: 'verb' }> => s.kind === 'verb' && s.verb === 'Say').map((s) => s.text);
/** "You are caller number one": 5 words, 2 s of speech. */
const ANNOUNCEMENT = '<Say>You are caller number one</Say>';
const WAIT_ROUND = `<Gather action="/key" numDigits="1" validDigits="1" timeout="1">${ANNOUNCEMENT}<Play loop="2">/music.wav</Play></Gather>`;

describe('a queue wait round', () => {
  it("lasts its prompts: the speech, the music's real length (its WAV header) times its loops, and the Gather's timeout", async () => {
    const h = await harness();
    h.app
      .on('/voice', xml('<Enqueue waitUrl="/wait" action="/after-queue">support</Enqueue>'))
      .on('/wait', xml(WAIT_ROUND))
      .on('/after-queue', xml(''));
    const result = await h.clock.run(h.call({ hangUpAt: 30 }));
    // 2 s of speech + 2 × 4 s of music + 1 s timeout: the waitUrl is requested again every 11 s.
    expect(h.app.to('/wait').map((w) => [w.at, w.params.QueueTime])).toEqual([
      [0, '0'],
      [11, '11'],
      [22, '22'],
    ]);
    expect(h.app.to('/after-queue').map((a) => [a.at, a.params.QueueResult])).toEqual([[30, 'hangup']]);
    expect(result.errors).toEqual([]);
  });

  it('plays an MP3 for its length (frame size and bitrate), and a clip it cannot read for the 3 s estimate', async () => {
    const h = await harness();
    h.app
      .on('/voice', xml('<Enqueue waitUrl="/wait">support</Enqueue>'))
      .on('/wait', (_hit, nth) => xml(nth === 0 ? '<Play>/music.mp3</Play>' : nth === 1 ? '<Play>/not-audio</Play>' : '<Leave/>'))
      .on('/not-audio', { type: 'text/plain', body: 'hello' });
    await h.clock.run(h.call());
    // 230 frames of 1152 samples at 44.1 kHz: 6.008 s.
    expect(h.app.to('/wait').map((w) => Math.round(w.at * 10) / 10)).toEqual([0, 6, 9]);
  });
});

describe('a key pressed while waiting', () => {
  it("reaches the Gather listening then; the action's <Say> and <Leave> play in the wait, and the Enqueue action continues the call", async () => {
    const h = await harness();
    h.app
      .on('/voice', xml('<Enqueue waitUrl="/wait" action="/after-queue">support</Enqueue><Say>never: the action answers</Say>'))
      .on('/wait', xml(WAIT_ROUND))
      .on('/key', xml('<Say>We will call you back</Say><Leave/>'))
      .on('/after-queue', xml('<Say>Goodbye</Say><Hangup/>'));
    // 15 s from the start: 4 s into the second round (11 s).
    const result = await h.clock.run(h.call({ keysAt: [{ keys: '1', atSeconds: 15 }] }));
    expect(h.app.to('/key').map((k) => [k.at, k.params.Digits, k.params.CallSid])).toEqual([[15, '1', result.callSid]]);
    expect(h.app.to('/after-queue').map((a) => [a.at, a.params.QueueResult, a.params.QueueTime])).toEqual([[17, 'leave', '17']]);
    expect(said(result).slice(-2)).toEqual(['We will call you back', 'Goodbye']);
    expect(result.steps.findLast((s) => s.kind === 'end')).toMatchObject({ endedBy: 'application', status: 'completed' });
  });

  it('a <Redirect> to the waitUrl from the key action goes on waiting; a key pressed when nothing listens is lost', async () => {
    const h = await harness();
    h.app
      .on('/voice', xml('<Enqueue waitUrl="/wait" action="/after-queue">support</Enqueue>'))
      .on('/wait', xml('<Gather action="/key" numDigits="1" validDigits="12" timeout="1"><Say>Press one</Say></Gather><Pause length="3"/>'))
      .on('/key', xml('<Redirect>/wait</Redirect>'))
      .on('/after-queue', xml(''));
    // A round: the Gather listens 2 s (1 s of speech, 1 s timeout), then a 3 s pause where nothing listens.
    // The key at 1 s brings a new round at once (1–3 s listening, 3–6 s pause), so the key at 4 s is lost.
    const result = await h.clock.run(
      h.call({
        keysAt: [
          { keys: '2', atSeconds: 1 },
          { keys: '1', atSeconds: 4 },
          { keys: '2', atSeconds: 11 },
        ],
        hangUpAt: 14,
      }),
    );
    expect(h.app.to('/key').map((k) => [k.at, k.params.Digits])).toEqual([
      [1, '2'],
      [11, '2'],
    ]);
    // The redirect fetched the wait document again at once, still in the queue (position fields and all).
    expect(h.app.to('/wait').map((w) => [w.at, w.params.QueuePosition ?? 'redirect'])).toEqual([
      [0, '1'],
      [1, 'redirect'],
      [6, '1'],
      [11, '1'],
      [11, 'redirect'],
    ]);
    expect(h.app.to('/after-queue').map((a) => [a.at, a.params.QueueResult])).toEqual([[14, 'hangup']]);
    expect(result.errors).toEqual([]);
  });
});

describe('leaving the wait', () => {
  it("maxWaitTimeSecs: QueueResult timeout, and the action's answer goes on (a voicemail)", async () => {
    const h = await harness();
    h.app
      .on('/voice', xml('<Enqueue waitUrl="/wait" maxWaitTimeSecs="25" action="/after-queue">support</Enqueue>'))
      .on('/wait', xml('<Play>/music.wav</Play>'))
      .on('/after-queue', xml('<Say>Please leave a message</Say><Record action="/recorded" channels="single"/>'))
      .on('/recorded', xml('<Hangup/>'));
    const result = await h.clock.run(h.call({ message: { seconds: 5, ending: 'hang-up' } }));
    expect(h.app.to('/wait').map((w) => w.at)).toEqual([0, 4, 8, 12, 16, 20, 24]);
    expect(h.app.to('/after-queue').map((a) => [a.at, a.params.QueueResult, a.params.QueueTime])).toEqual([[25, 'timeout', '25']]);
    expect(h.app.to('/recorded')[0]!.params).toMatchObject({ RecordingDuration: '5' });
    expect(result.outcome).toBe('VOICEMAIL');
  });

  it('a caller hanging up while waiting: QueueResult hangup, and the call (answered by the Enqueue) completes with its duration', async () => {
    const h = await harness();
    h.app
      .on('/voice', xml('<Say>Please hold</Say><Enqueue waitUrl="/wait" action="/after-queue">support</Enqueue>'))
      .on('/wait', xml('<Play loop="0">/music.wav</Play>'))
      .on('/after-queue', xml('<Say>not for a caller who left</Say>'));
    const result = await h.clock.run(h.call({ hangUpAt: 42 }));
    expect(h.app.to('/after-queue').map((a) => [a.at, a.params.QueueResult, a.params.QueueTime])).toEqual([[42, 'hangup', '41']]);
    expect(h.app.to('/call-status').map((s) => [s.at, s.params.CallStatus, s.params.CallDuration, s.params.CallSid])).toEqual([
      [42, 'completed', '42', result.callSid],
    ]);
    expect(result.outcome).toBe('ABANDONED');
  });
});

describe('the REST API and virtual time', () => {
  it('holds virtual time while it serves a request the service sent on its own (not inside a webhook)', async () => {
    const clock = new VirtualClock(T0);
    let begun = 0;
    const busy = { begin: () => (begun++, clock.busy.begin()), end: () => clock.busy.end() };
    const app = await CannedApp.start(clock, T0);
    app.on('/agent', xml('<Hangup/>'));
    const telnyx = await LocalTelnyx.start({ clock: clock.driving, busy });
    open.push(app, telnyx);
    const body = JSON.stringify({
      To: 'sip:nobody@sip.telnyx.com',
      From: COMPANY_NUMBER,
      ApplicationSid: telnyx.connectionId,
      Url: app.url('/agent'),
    });
    let createdAt: string | undefined;
    // At 1 s a timer of "the service" sends the request's head, then (in real time) waits before its body.
    // The client marks nothing itself: only the simulator's own marking keeps time from jumping to 5 s.
    clock.driving.setTimer(T0 + 1000, () => {
      clock.busy.begin();
      void (async () => {
        const { request } = await import('node:http');
        const req = request(`${telnyx.apiBaseUrl}/texml/Accounts/${telnyx.accountSid}/Calls`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${telnyx.apiKey}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        });
        const answered = new Promise<string>((resolve) =>
          req.on('response', (res) => {
            let text = '';
            res.on('data', (c) => (text += c));
            res.on('end', () => resolve(text));
          }),
        );
        req.flushHeaders();
        while (begun === 0) await new Promise((r) => setTimeout(r, 2));
        clock.busy.end(); // from here only the simulator holds time
        await new Promise((r) => setTimeout(r, 60));
        req.end(body);
        const sid = JSON.parse(await answered).call_sid as string;
        createdAt = telnyx.engine.view(sid)?.startTime ?? undefined;
      })();
    });
    const fiveSeconds = new Promise<void>((resolve) => clock.driving.setTimer(T0 + 5000, resolve));
    await clock.run(fiveSeconds);
    expect(createdAt).toBe(new Date(T0 + 1000).toISOString());
  });
});

describe('audio lengths', () => {
  const bytes = (b: Uint8Array) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

  it('reads a WAV from its fmt and data chunks, whatever chunks come between, and a streamed size from the file size', () => {
    expect(audioSeconds(bytes(wavBytes(4, 1)).subarray(0, 44), null)).toBe(4);
    expect(audioSeconds(bytes(wavBytes(2.5, 2)), null)).toBe(2.5);
    // A LIST chunk before the data, and a streaming writer's unknown data size (0xFFFFFFFF).
    const plain = bytes(wavBytes(3, 1));
    const list = new Uint8Array([...Buffer.from('LIST'), 6, 0, 0, 0, ...Buffer.from('INFOab')]);
    const withList = new Uint8Array([...plain.subarray(0, 36), ...list, ...plain.subarray(36)]);
    expect(audioSeconds(withList, null)).toBe(3);
    const streamed = withList.slice();
    new DataView(streamed.buffer).setUint32(36 + list.length + 4, 0xffffffff, true);
    expect(audioSeconds(streamed.subarray(0, 100), streamed.length)).toBe(3);
    expect(audioSeconds(streamed.subarray(0, 100), null)).toBeNull();
  });

  it('reads an MP3 from its size and bitrate (after an ID3 tag), or exactly from a Xing/Info frame count', () => {
    const mp3 = bytes(mp3Bytes(6, 1));
    expect(audioSeconds(mp3.subarray(0, 4096), mp3.length)).toBeCloseTo(6, 1);
    expect(audioSeconds(mp3.subarray(0, 4096), null)).toBeNull();
    const id3 = new Uint8Array([...Buffer.from('ID3'), 4, 0, 0, 0, 0, 0, 20, ...new Uint8Array(20)]);
    const tagged = new Uint8Array([...id3, ...mp3]);
    expect(audioSeconds(tagged.subarray(0, 4096), tagged.length)).toBeCloseTo(6, 1);
    // An Info frame (mono MPEG-1: 17 bytes of side info) saying 1000 frames: 1000 × 1152 / 44100 s.
    const info = mp3.slice(0, 417);
    info.set(Buffer.from('Info'), 4 + 17);
    info.set([0, 0, 0, 1, 0, 0, 0x03, 0xe8], 4 + 17 + 4);
    expect(audioSeconds(info, null)).toBeCloseTo(26.122, 3);
  });

  it('knows nothing of other bytes, and probes a URL once, holding virtual time while it does', async () => {
    expect(audioSeconds(new TextEncoder().encode('<html>not audio</html>'), 100)).toBeNull();
    const clock = new VirtualClock(T0);
    const app = await CannedApp.start(clock, T0);
    open.push(app);
    let probes = 0;
    app.on('/clip.mp3', () => (probes++, MP3));
    const lengths = new MediaLengths(clock.busy);
    expect(await lengths.secondsOf(app.url('/clip.mp3'))).toBeCloseTo(6, 1);
    expect(await lengths.secondsOf(app.url('/clip.mp3'))).toBeCloseTo(6, 1);
    expect(probes).toBe(1);
    expect(await lengths.secondsOf(app.url('/missing'))).toBeNull();
    expect(await lengths.secondsOf('media-name-in-storage')).toBeNull();
  });
});
