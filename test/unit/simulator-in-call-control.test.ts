/**
 * In-call control through the TeXML REST API, on the call engine against canned TeXML (virtual time):
 * a `<Dial>` leg moved out of its bridge into a conference by "Update call", hung up alone, and what
 * happens to it when its parent is redirected or hung up; recordings on demand; conference participants;
 * keys pressed live at a far end (a softphone's DTMF).
 */
import { describe, expect, it } from 'vitest';
import { CallEngine, DEFAULT_CALLER } from '../../src/simulator/call-engine.js';
import type { LegEvents, Switchboard } from '../../src/simulator/contracts.js';
import { MemoryMediaStore } from '../../src/simulator/media.js';
import type { Step } from '../../src/simulator/transcript.js';
import { VirtualClock } from '../../src/simulator/virtual-clock.js';
import { SigningKey, WebhookClient } from '../../src/simulator/webhook-client.js';
import { CannedApp, EMPTY, eventually, type Harness, harness, lines, named, open, said, T0, xml } from './simulator-canned-app.js';

const LEG_EVENTS = 'statusCallback="/leg-status" statusCallbackEvent="initiated ringing answered completed"';
const ROOM_EVENTS = 'statusCallback="/room-events" statusCallbackEvent="start end join leave"';

/** The answered leg's CallSid, from the caller's transcript. */
const legOf = (steps: Step[]) =>
  steps.find((s): s is Extract<Step, { kind: 'leg' }> => s.kind === 'leg' && s.status === 'in-progress')?.legSid;

/** The leg status callbacks as `at CallStatus [CallDuration]`. */
const legStatuses = (h: Harness) =>
  h.app.to('/leg-status').map((r) => `${r.at} ${r.params.CallStatus}${r.params.CallDuration ? ` ${r.params.CallDuration}` : ''}`);

describe('a <Dial> leg and the REST API', () => {
  it('moves an answered leg into a conference: the Dial ends completed, its action joins the caller to the same room', async () => {
    const h = await harness();
    h.phones.set('ana', { does: 'answer', afterSeconds: 2, hangsUpAfterSeconds: 40 });
    const room = `<Dial><Conference ${ROOM_EVENTS} participantLabel="LABEL">call-room</Conference></Dial>`;
    h.app
      .on('/customer', xml(`<Dial action="/dial-after"><Sip ${LEG_EVENTS}>sip:ana@sip.telnyx.com</Sip></Dial><Say>not played</Say>`))
      .on('/leg-status', EMPTY)
      .on('/room-events', EMPTY)
      .on('/leg-room', xml(room.replace('LABEL', 'agent')))
      .on('/dial-after', xml(room.replace('LABEL', 'customer')));
    let callerSid = '';
    let legSid = '';
    const seen: Record<string, unknown> = {};
    // The service's part: once the leg answered (2 s), at 5 s it sends Update call for the leg.
    h.at(5, () => {
      legSid = h.engine.list().find((c) => c.parentCallSid === callerSid)!.callSid;
      seen.legBefore = h.engine.view(legSid);
      expect(h.engine.update(legSid, { url: h.app.url('/leg-room'), method: 'POST' })).toBe(true);
    });
    h.at(10, () => {
      const [conference] = h.engine.conferenceControl.list();
      seen.participants = conference!.participants.map((p) => [p.label, p.callSid, p.status]);
      seen.hearing = named(h.engine.conferenceAudibility(conference!.sid), { [callerSid]: 'customer', [legSid]: 'agent' });
      seen.legDuring = h.engine.view(legSid);
    });
    const customer = await h.clock.run(
      h.call({ from: '+15550000001', voice: '/customer', caller: { talkSeconds: 30 }, onStart: (s) => (callerSid = s) }),
    );
    await h.clock.run(eventually(() => h.engine.view(legSid)?.endTime != null, 'the leg ended'));

    expect(legOf(customer.steps)).toBe(legSid);
    expect(seen.legBefore).toMatchObject({ direction: 'outbound-dial', status: 'in-progress', parentCallSid: callerSid, endTime: null });
    // The Dial ends completed after 3 s bridged; its action's answer continues the caller into the room.
    expect(h.app.to('/dial-after').map((r) => [r.at, r.params.DialCallStatus, r.params.DialCallDuration, r.params.DialCallSid])).toEqual([
      [5, 'completed', '3', legSid],
    ]);
    // The leg fetches its new document as itself, naming its parent.
    expect(h.app.to('/leg-room')[0]!.params).toMatchObject({ CallSid: legSid, ParentCallSid: callerSid, To: 'sip:ana@sip.telnyx.com' });
    expect((seen.participants as string[][]).sort()).toEqual([
      ['agent', legSid, 'connected'],
      ['customer', callerSid, 'connected'],
    ]);
    expect(seen.hearing).toEqual({ agent: ['customer'], customer: ['agent'] });
    expect(seen.legDuring).toMatchObject({ status: 'in-progress', parentCallSid: callerSid });
    // The caller leaves at 35 s (30 s talked); ana, still on the line, hangs up at 42 s: 40 s answered.
    const roomEvents = h.app
      .to('/room-events')
      .map((e) => `${e.at} ${e.params.StatusCallbackEvent} ${e.params.ParticipantLabel ?? ''}`.trim());
    // Both arrive at 5 s, the leg's fetch and the action's concurrently: the order of those three is the network's.
    expect(roomEvents.slice(0, 3).sort()).toEqual(['5 conference-start', '5 participant-join agent', '5 participant-join customer']);
    expect(roomEvents.slice(3)).toEqual(['35 participant-leave customer', '42 participant-leave agent', '42 conference-end']);
    expect(legStatuses(h)).toEqual(['0 initiated', '0 ringing', '2 in-progress', '42 completed 40']);
    expect(h.app.to('/leg-status').at(-1)!.params).toMatchObject({ CallSid: legSid, ParentCallSid: callerSid });
    expect(h.engine.view(legSid)).toMatchObject({ status: 'completed', duration: 40, endTime: new Date(T0 + 42_000).toISOString() });
    expect(customer.outcome).toBe('ANSWERED');
    expect(said(customer)).toEqual([]);
    expect(lines(customer)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^leg .*: leaves the bridge after 3 s: redirected through the REST API$/),
        expect.stringMatching(/^leg .*: joins conference "call-room"/),
        expect.stringMatching(/^joins conference "call-room"/),
      ]),
    );
    expect(customer.errors).toEqual([]);
  });

  it('hangs up only the leg on Status=completed: the Dial ends completed and the caller goes on', async () => {
    const h = await harness();
    h.phones.set('ana', { does: 'answer', afterSeconds: 2, hangsUpAfterSeconds: null });
    h.app
      .on('/customer', xml(`<Dial action="/dial-after"><Sip ${LEG_EVENTS}>sip:ana@sip.telnyx.com</Sip></Dial>`))
      .on('/leg-status', EMPTY)
      .on('/dial-after', xml('<Say>The agent left</Say>'));
    let callerSid = '';
    let legSid = '';
    h.at(8, () => {
      legSid = h.engine.list().find((c) => c.parentCallSid === callerSid)!.callSid;
      h.engine.update(legSid, { status: 'completed' });
    });
    const customer = await h.clock.run(
      h.call({ from: '+15550000001', voice: '/customer', caller: { talkSeconds: 100 }, onStart: (s) => (callerSid = s) }),
    );
    expect(h.app.to('/dial-after').map((r) => [r.at, r.params.DialCallStatus, r.params.DialCallDuration])).toEqual([[8, 'completed', '6']]);
    expect(legStatuses(h)).toEqual(['0 initiated', '0 ringing', '2 in-progress', '8 completed 6']);
    expect(said(customer)).toEqual(['The agent left']);
    expect(h.engine.view(legSid)).toMatchObject({ status: 'completed', duration: 6 });
    expect(h.engine.update(legSid, { status: 'completed' })).toBe(false);
  });

  it('hangs up the leg when the parent is redirected or hung up while bridged', async () => {
    const h = await harness();
    h.phones.set('ana', { does: 'answer', afterSeconds: 2, hangsUpAfterSeconds: null });
    h.phones.set('ben', { does: 'answer', afterSeconds: 1, hangsUpAfterSeconds: null });
    h.app
      .on('/first', xml(`<Dial action="/dial-after"><Sip ${LEG_EVENTS}>sip:ana@sip.telnyx.com</Sip></Dial>`))
      .on('/second', xml(`<Dial><Sip ${LEG_EVENTS}>sip:ben@sip.telnyx.com</Sip></Dial><Say>not played</Say>`))
      .on('/leg-status', EMPTY)
      .on('/dial-after', xml('<Say>not played either</Say>'));
    const sids: Record<string, string> = {};
    h.at(6, () => void h.engine.update(sids.first!, { texml: xml('<Say>Moved on</Say>') }));
    h.at(9, () => void h.engine.update(sids.second!, { status: 'completed' }));
    const [first, second] = await h.clock.run(
      Promise.all([
        h.call({ from: '+15550000001', voice: '/first', caller: { talkSeconds: 100 }, onStart: (s) => (sids.first = s) }),
        h.call({ from: '+15550000002', voice: '/second', caller: { talkSeconds: 100 }, onStart: (s) => (sids.second = s) }),
      ]),
    );
    const anaLeg = h.engine.view(legOf(first.steps)!);
    const benLeg = h.engine.view(legOf(second.steps)!);
    // Redirected at 6 s: ana's leg is hung up, the Dial's action is requested (its answer not played), the new TeXML plays.
    expect(anaLeg).toMatchObject({ status: 'completed', parentCallSid: sids.first, endTime: new Date(T0 + 6000).toISOString() });
    expect(h.app.to('/dial-after').map((r) => [r.at, r.params.DialCallStatus, r.params.DialCallDuration])).toEqual([[6, 'completed', '4']]);
    expect(said(first)).toEqual(['Moved on']);
    // Hung up at 9 s: ben's leg ends with it.
    expect(benLeg).toMatchObject({ status: 'completed', parentCallSid: sids.second, endTime: new Date(T0 + 9000).toISOString() });
    expect(second.steps.at(-1)).toMatchObject({ kind: 'end', endedBy: 'api' });
    expect(said(second)).toEqual([]);
    expect(
      h.app
        .to('/leg-status')
        .filter((r) => r.params.CallStatus === 'completed')
        .map((r) => [r.params.To, r.at, r.params.CallDuration]),
    ).toEqual([
      ['sip:ana@sip.telnyx.com', 6, '4'],
      ['sip:ben@sip.telnyx.com', 9, '8'],
    ]);
  });

  it('refuses to redirect a leg still ringing, and cancels it on Status', async () => {
    const h = await harness();
    h.phones.set('ana', { does: 'ignore', afterSeconds: 0, hangsUpAfterSeconds: null });
    h.app
      .on('/customer', xml(`<Dial action="/dial-after" timeout="20"><Sip ${LEG_EVENTS}>sip:ana@sip.telnyx.com</Sip></Dial>`))
      .on('/leg-status', EMPTY)
      .on('/dial-after', xml('<Hangup/>'));
    let callerSid = '';
    const refusals: unknown[] = [];
    h.at(4, () => {
      const leg = h.engine.list().find((c) => c.parentCallSid === callerSid)!;
      try {
        h.engine.update(leg.callSid, { url: h.app.url('/elsewhere') });
      } catch (err) {
        refusals.push(err);
      }
      h.engine.update(leg.callSid, { status: 'canceled' });
    });
    await h.clock.run(h.call({ from: '+15550000001', voice: '/customer', onStart: (s) => (callerSid = s) }));
    expect(refusals).toEqual([expect.objectContaining({ status: 422 })]);
    expect(legStatuses(h)).toEqual(['0 initiated', '0 ringing', '4 canceled']);
    expect(h.app.to('/dial-after').map((r) => [r.at, r.params.DialCallStatus])).toEqual([[4, 'no-answer']]);
  });
});

describe('recordings the REST API requests on a call', () => {
  it('records a call in a conference: paused time is not recorded; stopped, or ended with the call; callbacks as Telnyx sends them', async () => {
    const h = await harness();
    h.app
      .on('/customer', xml('<Dial><Conference>rec-room</Conference></Dial>'))
      .on('/agent', xml('<Dial><Conference>rec-room</Conference></Dial>'))
      .on('/recording', EMPTY);
    let callerSid = '';
    const recordings: Record<string, string> = {};
    const refusals: string[] = [];
    const refused = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        refusals.push(`${(err as { status: number }).status} ${(err as Error).message}`);
      }
    };
    const events = 'in-progress completed absent';
    h.at(5, () => {
      recordings.first = h.engine.recordings.start(callerSid, {
        statusCallback: h.app.url('/recording'),
        statusCallbackEvent: events,
        channels: 'dual',
      }).sid;
    });
    h.at(10, () => expect(h.engine.recordings.update(callerSid, recordings.first!, 'paused')).toMatchObject({ status: 'paused' }));
    h.at(15, () => void h.engine.recordings.update(callerSid, recordings.first!, 'in-progress'));
    h.at(20, () => {
      expect(h.engine.recordings.update(callerSid, recordings.first!, 'stopped')).toMatchObject({ status: 'completed', duration: 10 });
      refused(() => h.engine.recordings.update(callerSid, recordings.first!, 'paused'));
      refused(() => h.engine.recordings.update(callerSid, 'no-such-recording', 'paused'));
      refused(() => h.engine.recordings.start('v3:nobody', {}));
    });
    h.at(22, () => {
      recordings.second = h.engine.recordings.start(callerSid, { statusCallback: h.app.url('/recording'), sendRecordingUrl: false }).sid;
      recordings.third = h.engine.recordings.start(callerSid, { statusCallback: h.app.url('/recording'), statusCallbackEvent: events }).sid;
      h.engine.recordings.update(callerSid, recordings.third, 'paused');
    });
    const [customer] = await h.clock.run(
      Promise.all([
        h.call({ from: '+15550000001', voice: '/customer', caller: { talkSeconds: 30 }, onStart: (s) => (callerSid = s) }),
        h.call({ from: 'sip:ana@sip.telnyx.com', voice: '/agent', caller: { talkSeconds: 100 } }),
      ]),
    );
    refused(() => h.engine.recordings.start(callerSid, {}));

    const callbacks: Record<string, string>[] = h.app.to('/recording').map((r) => ({ ...r.params, at: String(r.at) }));
    const name = (sid: string) => Object.entries(recordings).find(([, s]) => s === sid)?.[0];
    expect(callbacks.map((c) => `${c.at} ${name(c.RecordingSid!)} ${c.RecordingStatus} ${c.RecordingDuration ?? ''}`.trim())).toEqual([
      '5 first in-progress',
      '20 first completed 10',
      '22 third in-progress',
      '30 second completed 8',
      '30 third absent 0',
    ]);
    expect(callbacks[1]).toEqual({
      at: '20',
      AccountSid: 'AC-test',
      CallSid: callerSid,
      CallSidLegacy: expect.any(String),
      ConnectionId: '1700000000',
      RecordingChannels: '2',
      RecordingDuration: '10',
      RecordingSid: recordings.first,
      RecordingSource: 'StartCallRecordingAPI',
      RecordingStatus: 'completed',
      RecordingUrl: `http://media.local/v2/media/recordings/${recordings.first}.mp3`,
    });
    // SendRecordingUrl false: no RecordingUrl.
    expect(callbacks[3]).not.toHaveProperty('RecordingUrl');
    expect(h.media.list({ callSid: callerSid }).map((r) => [name(r.sid), r.status, r.duration, r.channels, r.source])).toEqual([
      ['first', 'completed', 10, 2, 'StartCallRecordingAPI'],
      ['second', 'completed', 8, 1, 'StartCallRecordingAPI'],
      ['third', 'absent', 0, 1, 'StartCallRecordingAPI'],
    ]);
    expect(refusals).toEqual([
      expect.stringMatching(/^422 Recording .* is over \(completed\)$/),
      `404 No recording no-such-recording on call ${callerSid}.`,
      '404 No call v3:nobody.',
      `422 Call ${callerSid} is not live`,
    ]);
    expect(lines(customer)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^recording .* starts \(REST API\); a beep$/),
        expect.stringMatching(/^recording .* paused$/),
        expect.stringMatching(/^recording .* resumed$/),
      ]),
    );
    expect(customer.errors).toEqual([]);
  });
});

describe('conference participants through the REST API', () => {
  it('dials participants (status callbacks, Timeout, labels), holds one with HoldUrl/HoldMethod, removes them; callbacks name the room', async () => {
    const h = await harness();
    h.phones.set('ana', { does: 'answer', afterSeconds: 2, hangsUpAfterSeconds: null });
    h.phones.set('ben', { does: 'ignore', afterSeconds: 0, hangsUpAfterSeconds: null });
    h.phones.set('cara', { does: 'answer', afterSeconds: 1, hangsUpAfterSeconds: 10 });
    h.app
      .on(
        '/customer',
        xml(
          `<Dial action="/after-room"><Conference participantLabel="customer" statusCallback="/room-events" statusCallbackEvent="start end join leave">care</Conference></Dial>`,
        ),
      )
      .on('/after-room', xml('<Say>Back with the menu</Say>'))
      .on('/room-events', EMPTY)
      .on('/p-status', EMPTY)
      .on('/hold-music', { type: 'audio/mpeg', body: 'ID3' });
    const control = h.engine.conferenceControl;
    const room = () => control.list()[0]!;
    const sids: Record<string, string> = {};
    const seen: Record<string, unknown> = {};
    const dial = (to: string, label: string, timeoutSeconds: number) =>
      control.dial(room().sid, {
        from: '+13055550100',
        to: `sip:${to}@sip.telnyx.com`,
        label,
        beep: 'onExit',
        timeoutSeconds,
        statusCallback: h.app.url('/p-status'),
        statusCallbackEvent: 'initiated ringing answered completed',
      }).callSid;
    h.at(3, () => (sids.agent = dial('ana', 'agent', 20)));
    h.at(4, () => (sids.nobody = dial('ben', 'nobody', 10)));
    h.at(7, () => (seen.at7 = room().participants.map((p) => p.label)));
    h.at(10, () => control.update(room().sid, sids.agent!, { hold: true, holdUrl: h.app.url('/hold-music'), holdMethod: 'POST' }));
    h.at(
      11,
      () => (seen.heldAt11 = named(h.engine.conferenceAudibility(room().sid), { [sids.agent!]: 'agent', [sids.customer!]: 'customer' })),
    );
    h.at(12, () => control.update(room().sid, sids.agent!, { hold: false }));
    h.at(20, () => control.remove(room().sid, sids.agent!));
    h.at(25, () => (sids.second = dial('cara', 'second', 30)));
    h.at(30, () => control.remove(room().sid, sids.customer!));
    const customer = await h.clock.run(
      h.call({ from: '+15550000001', voice: '/customer', caller: { talkSeconds: 100 }, onStart: (s) => (sids.customer = s) }),
    );
    await h.clock.run(eventually(() => h.engine.view(sids.second!)?.endTime != null, 'the second participant hung up'));
    const who = (sid: string | undefined) => Object.entries(sids).find(([, s]) => s === sid)?.[0] ?? sid;

    expect(seen.at7).toEqual(['customer', 'agent']);
    expect(seen.heldAt11).toEqual({ customer: [], agent: [] });
    expect(h.app.to('/hold-music').map((r) => [r.at, r.method, r.params.CallSid])).toEqual([[10, 'POST', sids.agent]]);
    expect(
      h.app
        .to('/p-status')
        .map((r) => `${r.at} ${who(r.params.CallSid)} ${r.params.CallStatus}${r.params.CallDuration ? ` ${r.params.CallDuration}` : ''}`),
    ).toEqual([
      '3 agent initiated',
      '3 agent ringing',
      '4 nobody initiated',
      '4 nobody ringing',
      '5 agent in-progress',
      '14 nobody no-answer 0',
      '20 agent completed 15',
      '25 second initiated',
      '25 second ringing',
      '26 second in-progress',
      '36 second completed 10',
    ]);
    // The room's callbacks name it (ConferenceSid, FriendlyName) and the participant (CallSid, ParticipantLabel); ben never joined.
    const roomEvents = h.app.to('/room-events');
    expect(
      roomEvents.map((e) =>
        `${e.at} ${e.params.StatusCallbackEvent} ${who(e.params.CallSid) ?? ''} ${e.params.ParticipantLabel ?? ''}`.trim(),
      ),
    ).toEqual([
      '0 participant-join customer customer',
      '0 conference-start',
      '5 participant-join agent agent',
      '20 participant-leave agent agent',
      '26 participant-join second second',
      '30 participant-leave customer customer',
      '36 participant-leave second second',
      '36 conference-end',
    ]);
    expect(roomEvents[0]!.params).toMatchObject({ ConferenceSid: room().sid, FriendlyName: 'care', CallSid: sids.customer });
    // Removed, the customer goes on with its Dial's action; the REST-dialed agent's call ended when removed.
    expect(h.app.to('/after-room').map((r) => [r.at, r.params.DialCallStatus])).toEqual([[30, 'completed']]);
    expect(said(customer)).toEqual(['Back with the menu']);
    expect(h.engine.view(sids.agent!)).toMatchObject({ direction: 'outbound-api', status: 'completed', duration: 15 });
    expect(h.engine.view(sids.nobody!)).toMatchObject({ status: 'no-answer' });
    expect(room().participants.map((p) => [p.label, p.status])).toEqual([
      ['customer', 'left'],
      ['agent', 'left'],
      ['second', 'left'],
    ]);
  });
});

describe("keys pressed live at a leg's far end (a softphone's DTMF)", () => {
  it('go to the Gather listening; while bridged or in a conference they are only a step of the transcript', async () => {
    const clock = new VirtualClock(T0);
    const app = new CannedApp(clock);
    await app.start();
    open.push(app);
    // Phones that answer after 1 s and hand their events to the test, which presses keys on them.
    const far = new Map<string, LegEvents>();
    const switchboard: Switchboard = {
      offer: (offer, events) => {
        far.set(offer.to, events);
        clock.driving.setTimer(clock.now() + 1000, () => events.answered());
        return { end: () => {} };
      },
    };
    const engine = new CallEngine({
      clock: clock.driving,
      account: { accountSid: 'AC-test', connectionId: '1700000000' },
      webhooks: new WebhookClient({ key: new SigningKey(), clock: clock.driving }),
      switchboard,
      media: new MemoryMediaStore({ baseUrl: () => 'http://media.local', clock: clock.driving }),
      busy: clock.busy,
    });
    app
      .on('/agent-menu', xml('<Gather numDigits="2" timeout="3" action="/digits"><Say>Enter two digits</Say></Gather>'))
      .on('/digits', xml('<Dial><Conference>keys-room</Conference></Dial>'))
      .on('/caller', xml('<Dial><Sip>sip:ben@sip.telnyx.com</Sip></Dial>'));
    const press = (at: number, to: string, keys: string) => clock.driving.setTimer(T0 + at * 1000, () => far.get(to)!.digits!(keys));
    let agentSid = '';
    clock.driving.setTimer(T0, () => {
      agentSid = engine.outbound({ from: '+13055550100', to: 'sip:ana@sip.telnyx.com', url: app.url('/agent-menu') }).callSid;
    });
    press(3, 'sip:ana@sip.telnyx.com', '4');
    press(5, 'sip:ana@sip.telnyx.com', '2');
    press(8, 'sip:ana@sip.telnyx.com', '9'); // in the conference: no one listens
    press(4, 'sip:ben@sip.telnyx.com', '1'); // bridged: audio only
    clock.driving.setTimer(T0 + 12_000, () => engine.update(agentSid, { status: 'completed' }));
    const caller = await clock.run(
      engine.inbound(
        { from: '+15550000001', to: '+13055550100' },
        { voiceUrl: app.url('/caller'), voiceMethod: 'POST' },
        { caller: { ...DEFAULT_CALLER, talkSeconds: 6 } },
      ),
    );
    await clock.run(eventually(() => engine.view(agentSid)?.endTime != null, 'the agent call ended'));

    // 4 at 3 s, 2 at 5 s (within the 3 s timeout after the first): numDigits reached, the action hears 42.
    expect(app.to('/digits').map((r) => [r.at, r.params.Digits])).toEqual([[5, '42']]);
    expect(lines(caller)).toContain('dtmf 1 from sip:ben@sip.telnyx.com (bridged: audio only)');
    const agentSteps = engine.transcript(agentSid)!.map((s) => s.line);
    expect(agentSteps).toEqual(
      expect.arrayContaining([
        'dtmf 4 from sip:ana@sip.telnyx.com',
        'dtmf 2 from sip:ana@sip.telnyx.com',
        'dtmf 9 from sip:ana@sip.telnyx.com (no Gather listening)',
      ]),
    );
  });
});
