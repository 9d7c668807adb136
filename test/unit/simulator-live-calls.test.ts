/**
 * The call engine's live-call verbs against canned TeXML served over a real socket, on virtual time:
 * `<Enqueue>` and its wait loop, `<Leave>`, `<Dial><Queue>`, `<Dial><Conference>`, the participants API
 * (update, dial, remove) and supervision. No product involved: each test says what the application
 * answers at each path (./simulator-canned-app.ts), then reads what the engine asked and did. One
 * file (over 300 lines): the live-call verbs share their canned documents.
 */
import { describe, expect, it } from 'vitest';
import type { Audibility } from '../../src/simulator/audibility.js';
import { DEFAULT_CALLER } from '../../src/simulator/call-engine.js';
import type { SimApiError } from '../../src/simulator/contracts.js';
import { LocalTelnyx } from '../../src/simulator/local-telnyx.js';
import type { Step } from '../../src/simulator/transcript.js';
import { VirtualClock } from '../../src/simulator/virtual-clock.js';
import { CannedApp, EMPTY, eventually, type Harness, harness, lines, named, open, said, T0, xml } from './simulator-canned-app.js';

const WAIT_FIELDS = [
  'AccountSid',
  'AvgQueueTime',
  'CallSid',
  'CallSidLegacy',
  'ConnectionId',
  'CurrentQueueSize',
  'From',
  'QueuePosition',
  'QueueSid',
  'QueueTime',
  'To',
];

describe('<Enqueue>', () => {
  it('loops the waitUrl with the queue fields until <Leave>, then requests the action with QueueResult leave', async () => {
    const h = await harness();
    h.app
      .on('/voice', xml('<Enqueue waitUrl="/wait" action="/after-queue">support</Enqueue><Say>never played</Say>'))
      .on('/wait', (_hit, nth) => (nth < 2 ? xml('<Play>https://cdn.example/hold.mp3</Play>') : xml('<Leave/>')))
      .on('/after-queue', xml('<Say>Sorry everyone is busy</Say>'));
    const result = await h.clock.run(h.call({ from: '+15550000001', voice: '/voice' }));

    const waits = h.app.to('/wait');
    expect(waits.map((w) => w.at)).toEqual([0, 3, 6]);
    for (const w of waits) expect(Object.keys(w.params).sort()).toEqual(WAIT_FIELDS);
    expect(waits.map((w) => w.params.QueueTime)).toEqual(['0', '3', '6']);
    expect(waits[0]!.params).toMatchObject({ AccountSid: 'AC-test', CallSid: result.callSid, QueuePosition: '1', CurrentQueueSize: '1' });
    const [action] = h.app.to('/after-queue');
    expect(action!.params).toMatchObject({
      QueueResult: 'leave',
      QueueTime: '6',
      QueueSid: waits[0]!.params.QueueSid,
      CallSid: result.callSid,
    });
    expect(said(result)).toEqual(['Sorry everyone is busy']);
    expect(result.errors).toEqual([]);
  });

  it('goes on after the Enqueue without an action, and numbers the callers in arrival order', async () => {
    const h = await harness();
    h.app
      .on('/voice', xml('<Enqueue waitUrl="/wait">support</Enqueue><Say>Back from the queue</Say>'))
      .on('/wait', xml('<Pause length="5"/><Leave/>'));
    const [first, second] = await h.clock.run(
      Promise.all([h.call({ from: '+15550000001', voice: '/voice' }), h.call({ from: '+15550000002', voice: '/voice', at: 1 })]),
    );
    const waits = h.app.to('/wait');
    expect(
      waits.map((w) => [w.params.CallSid === first.callSid ? 'first' : 'second', w.params.QueuePosition, w.params.CurrentQueueSize]),
    ).toEqual([
      ['first', '1', '1'],
      ['second', '2', '2'],
    ]);
    expect(said(first)).toEqual(['Back from the queue']);
    expect(said(second)).toEqual(['Back from the queue']);
  });

  it('ends the call when the caller hangs up while queued: QueueResult hangup, the action answer ignored', async () => {
    const h = await harness();
    h.app
      .on('/voice', xml('<Enqueue waitUrl="/wait" action="/after-queue">support</Enqueue>'))
      .on('/wait', xml('<Play>https://cdn.example/hold.mp3</Play>'))
      .on('/after-queue', xml('<Say>not for a caller who left</Say>'));
    const result = await h.clock.run(h.call({ from: '+15550000001', voice: '/voice', caller: { hangUpAt: 10 } }));
    expect(h.app.to('/after-queue').map((a) => [a.at, a.params.QueueResult, a.params.QueueTime])).toEqual([[10, 'hangup', '10']]);
    expect(said(result)).toEqual([]);
    expect(result.outcome).toBe('ABANDONED');
    expect(result.steps.at(-1)).toMatchObject({ kind: 'end', endedBy: 'caller' });
  });

  it('takes the caller out after maxWaitTimeSecs (QueueResult timeout), waiting in silence without a waitUrl', async () => {
    const h = await harness();
    h.app
      .on('/voice', xml('<Enqueue maxWaitTimeSecs="20" action="/after-queue">support</Enqueue>'))
      .on('/after-queue', xml('<Say>Leave a message</Say>'));
    const result = await h.clock.run(h.call({ from: '+15550000001', voice: '/voice' }));
    expect(h.app.to('/after-queue').map((a) => [a.at, a.params.QueueResult, a.params.QueueTime])).toEqual([[20, 'timeout', '20']]);
    expect(said(result)).toEqual(['Leave a message']);
  });

  it('plays a Gather in the wait document; its action answers more of the wait, <Leave> included', async () => {
    const h = await harness();
    h.app
      .on('/voice', xml('<Enqueue waitUrl="/wait">support</Enqueue><Say>Please leave a message</Say>'))
      .on('/wait', xml('<Gather numDigits="1" action="/menu"><Say>Press 1 to leave a message</Say></Gather>'))
      .on('/menu', xml('<Leave/>'));
    const result = await h.clock.run(
      h.call({ from: '+15550000001', voice: '/voice', caller: { digits: [{ keys: '1', afterSeconds: 2 }] } }),
    );
    expect(h.app.to('/menu').map((m) => [m.at, m.params.Digits])).toEqual([[2, '1']]);
    expect(said(result)).toEqual(['Press 1 to leave a message', 'Please leave a message']); // the Gather's prompt, then after the queue
    expect(result.errors).toEqual([]);
  });

  it('refuses a verb a wait document may not use: QueueResult error and the call ends', async () => {
    const h = await harness();
    h.app
      .on('/voice', xml('<Enqueue waitUrl="/wait" action="/after-queue">support</Enqueue>'))
      .on('/wait', xml('<Dial>+15550009999</Dial>'))
      .on('/after-queue', EMPTY);
    const result = await h.clock.run(h.call({ from: '+15550000001', voice: '/voice' }));
    expect(result.errors.join('\n')).toContain('<Dial> is not allowed here');
    expect(h.app.to('/after-queue')[0]!.params.QueueResult).toBe('error');
    expect(result.steps.at(-1)).toMatchObject({ kind: 'end', endedBy: 'error' });
  });

  it('plays the target of a <Redirect> in the wait document as more of the wait: the caller stays queued', async () => {
    const h = await harness();
    h.app
      .on('/voice', xml('<Enqueue waitUrl="/wait" action="/after-queue">support</Enqueue>'))
      .on('/wait', xml('<Pause length="2"/><Redirect>/more-music</Redirect><Say>never: the redirect replaces the document</Say>'))
      .on('/more-music', (_hit, nth) => (nth === 0 ? xml('<Say>Still here</Say>') : xml('<Leave/>')))
      .on('/after-queue', xml('<Say>Out of the queue</Say>'));
    const result = await h.clock.run(h.call({ from: '+15550000001', voice: '/voice' }));
    // /wait, /more-music (Say: 1 s), /wait again (the document played out), /more-music: Leave.
    expect(h.app.hits.map((hit) => [hit.path, hit.at])).toEqual([
      ['/voice', 0],
      ['/wait', 0],
      ['/more-music', 2],
      ['/wait', 3],
      ['/more-music', 5],
      ['/after-queue', 5],
    ]);
    expect(h.app.to('/after-queue')[0]!.params).toMatchObject({ QueueResult: 'leave', QueueTime: '5' });
    expect(said(result)).toEqual(['Still here', 'Out of the queue']);
    expect(result.errors).toEqual([]);
  });

  it('reports a wait that spins without time passing (a document of nothing but a Redirect)', async () => {
    const h = await harness();
    h.app
      .on('/voice', xml('<Enqueue waitUrl="/wait" action="/after-queue">support</Enqueue>'))
      .on('/wait', xml('<Redirect>/wait</Redirect>'))
      .on('/after-queue', EMPTY);
    const result = await h.clock.run(h.call({ from: '+15550000001', voice: '/voice', caller: { hangUpAt: 30 } }));
    expect(result.errors.join('\n')).toContain('played no time: Telnyx would spin in this loop');
    expect(h.app.to('/wait').length).toBe(20);
    // The caller waits on in silence until hanging up.
    expect(h.app.to('/after-queue').map((a) => [a.at, a.params.QueueResult])).toEqual([[30, 'hangup']]);
  });
});

describe('<Dial><Queue>', () => {
  it("bridges to the first caller waiting, after the Queue's url plays to that caller; both callbacks report the bridge", async () => {
    const h = await harness();
    h.app
      .on('/caller', xml('<Enqueue action="/caller-after">support</Enqueue>'))
      .on('/caller-after', EMPTY)
      .on('/agent', xml('<Dial action="/agent-after"><Queue url="/about-to-connect">support</Queue></Dial>'))
      .on('/about-to-connect', xml('<Say>Connecting you to an agent</Say>'))
      .on('/agent-after', xml('<Hangup/>'));
    const sids: Record<string, string> = {};
    let heard: Record<string, string[]> | undefined;
    h.at(10, () => {
      heard = named(h.engine.hearing(sids.agent!), { [sids.agent!]: 'agent', [sids.first!]: 'first' });
    });
    const [first, second, agent] = await h.clock.run(
      Promise.all([
        h.call({ from: '+15550000001', voice: '/caller', caller: { talkSeconds: 20 }, onStart: (s) => (sids.first = s) }),
        h.call({ from: '+15550000002', voice: '/caller', at: 1, caller: { hangUpAt: 40 } }),
        h.call({ from: 'sip:ana@sip.telnyx.com', voice: '/agent', at: 5, caller: { talkSeconds: 100 }, onStart: (s) => (sids.agent = s) }),
      ]),
    );
    const [announcement] = h.app.to('/about-to-connect');
    expect(announcement).toMatchObject({ at: 5, params: { CallSid: first.callSid, QueueTime: '5', DequeingCallSid: agent.callSid } });
    expect(heard).toEqual({ agent: ['first'], first: ['agent'] });
    // The bridge starts once the announcement has played (2 s) and lasts the caller's 20 s.
    expect(h.app.to('/agent-after').map((a) => [a.at, a.params.DialCallStatus, a.params.DialCallSid, a.params.DialCallDuration])).toEqual([
      [27, 'completed', first.callSid, '20'],
    ]);
    const results = Object.fromEntries(
      h.app.to('/caller-after').map((a) => [a.params.CallSid, [a.at, a.params.QueueResult, a.params.QueueTime]]),
    );
    expect(results[first.callSid]).toEqual([27, 'bridged', '5']);
    expect(results[second.callSid]).toEqual([41, 'hangup', '40']);
    expect(first.outcome).toBe('ANSWERED');
    expect(first.answeredBy).toBe('ana');
    expect(h.engine.hearing(agent.callSid)).toBeUndefined();
  });

  it('lets the queued caller go on with its action answer when the agent hangs up first', async () => {
    const h = await harness();
    h.app
      .on('/caller', xml('<Enqueue action="/caller-after">support</Enqueue>'))
      .on('/caller-after', xml('<Say>Thanks for waiting</Say>'))
      .on('/agent', xml('<Dial><Queue>support</Queue></Dial>'));
    const [caller, agent] = await h.clock.run(
      Promise.all([
        h.call({ from: '+15550000001', voice: '/caller', caller: { talkSeconds: 60 } }),
        h.call({ from: 'sip:ana@sip.telnyx.com', voice: '/agent', at: 3, caller: { talkSeconds: 10 } }),
      ]),
    );
    expect(h.app.to('/caller-after').map((a) => [a.at, a.params.QueueResult])).toEqual([[13, 'bridged']]);
    expect(said(caller)).toEqual(['Thanks for waiting']);
    expect(caller.steps.at(-1)).toMatchObject({ kind: 'end', endedBy: 'application' });
    expect(agent.steps.at(-1)).toMatchObject({ kind: 'end', endedBy: 'caller' });
  });

  it('fails at once for a queue nobody created, waits for the next caller in an empty one, and gives up at the timeout', async () => {
    const h = await harness();
    h.app
      .on('/caller', xml('<Enqueue>sales</Enqueue>'))
      .on('/nobody', xml('<Dial action="/dialed"><Queue>nobody</Queue></Dial>'))
      .on('/sales', xml('<Dial action="/dialed" timeout="10"><Queue>sales</Queue></Dial>'))
      .on('/dialed', xml('<Hangup/>'));
    const [, , waiting] = await h.clock.run(
      Promise.all([
        h.call({ from: 'sip:bo@sip.telnyx.com', voice: '/nobody' }),
        h.call({ from: '+15550000001', voice: '/caller', caller: { hangUpAt: 1 } }), // creates "sales", then leaves it empty
        h.call({ from: '+15550000002', voice: '/caller', at: 5, caller: { talkSeconds: 5 } }),
        h.call({ from: 'sip:ana@sip.telnyx.com', voice: '/sales', at: 2 }),
        h.call({ from: 'sip:cy@sip.telnyx.com', voice: '/sales', at: 20 }),
      ]),
    );
    expect(h.app.to('/dialed').map((a) => [a.at, a.params.DialCallStatus, a.params.DialCallSid ?? null])).toEqual([
      [0, 'failed', null],
      [10, 'completed', waiting.callSid],
      [30, 'no-answer', null],
    ]);
  });
});

describe('<Dial><Conference>', () => {
  const events = (h: Harness) =>
    h.app.to('/conference-events').map((e) => `${e.params.StatusCallbackEvent}${e.params.CallSid ? ` ${e.params.ParticipantLabel}` : ''}`);

  it('plays the wait music until the moderator starts the room; endConferenceOnExit drops the others, who go on with their TeXML', async () => {
    const h = await harness();
    const events_ = 'statusCallback="/conference-events" statusCallbackEvent="start end join leave"';
    h.app
      .on(
        '/customer',
        xml(
          `<Dial><Conference startConferenceOnEnter="false" waitUrl="/music" participantLabel="customer" ${events_}>room-1</Conference></Dial><Say>The agent has left</Say>`,
        ),
      )
      .on(
        '/agent',
        xml(
          `<Dial action="/agent-after"><Conference endConferenceOnExit="true" participantLabel="agent" ${events_}>room-1</Conference></Dial>`,
        ),
      )
      .on('/music', xml('<Play>https://cdn.example/hold.mp3</Play>'))
      .on('/agent-after', xml('<Hangup/>'))
      .on('/conference-events', EMPTY);
    let heardWhileWaiting: Audibility | undefined;
    h.at(5, () => {
      const [room] = h.engine.conferenceControl.list();
      heardWhileWaiting = h.engine.conferenceAudibility(room!.sid);
    });
    const [customer, agent] = await h.clock.run(
      Promise.all([
        h.call({ from: '+15550000001', voice: '/customer', caller: { talkSeconds: 60 } }),
        h.call({ from: 'sip:ana@sip.telnyx.com', voice: '/agent', at: 7, caller: { talkSeconds: 20 } }),
      ]),
    );
    // The music loops (3 s a play) until the agent starts the room at 7 s.
    expect(h.app.to('/music').map((m) => m.at)).toEqual([0, 3, 6]);
    expect([...heardWhileWaiting!.values()].map((s) => s.size)).toEqual([0]);
    expect(events(h)).toEqual([
      'participant-join customer',
      'participant-join agent',
      'conference-start',
      'participant-leave agent',
      'participant-leave customer',
      'conference-end',
    ]);
    const all = h.app.to('/conference-events');
    const [room] = h.engine.conferenceControl.list();
    expect(all[1]!.params).toEqual({
      AccountSid: 'AC-test',
      ConferenceSid: room!.sid,
      FriendlyName: 'room-1',
      StatusCallbackEvent: 'participant-join',
      Timestamp: new Date(T0 + 7000).toISOString(),
      SequenceNumber: '2',
      CallSid: agent.callSid,
      CallSidLegacy: expect.any(String),
      Muted: 'false',
      Hold: 'false',
      Coaching: 'false',
      EndConferenceOnExit: 'true',
      StartConferenceOnEnter: 'true',
      ParticipantLabel: 'agent',
    });
    expect(all.at(-1)!.params).toMatchObject({
      StatusCallbackEvent: 'conference-end',
      ReasonConferenceEnded: 'participant-with-end-conference-on-exit-left',
      CallSidEndingConference: agent.callSid,
      Timestamp: new Date(T0 + 27_000).toISOString(),
    });
    expect(h.app.to('/agent-after')[0]!.params).toMatchObject({ DialCallStatus: 'completed', DialCallDuration: '20' });
    expect(said(customer)).toEqual(['The agent has left']);
    expect(customer.outcome).toBe('ANSWERED');
    expect(room).toMatchObject({
      status: 'completed',
      participants: [
        { label: 'customer', status: 'left' },
        { label: 'agent', status: 'left' },
      ],
    });
  });

  it('ends when the last participant leaves, and records it from the start with a recording status callback', async () => {
    const h = await harness();
    h.app
      .on('/join', xml('<Dial><Conference record="record-from-start" recordingStatusCallback="/recorded">standup</Conference></Dial>'))
      .on('/recorded', EMPTY);
    const [first, second] = await h.clock.run(
      Promise.all([
        h.call({ from: '+15550000001', voice: '/join', caller: { talkSeconds: 15 } }),
        h.call({ from: '+15550000002', voice: '/join', at: 2, caller: { talkSeconds: 5 } }),
      ]),
    );
    const [room] = h.engine.conferenceControl.list();
    expect(room!.status).toBe('completed');
    // The first participant started the room at 0 s (Telnyx: a joining startConferenceOnEnter participant starts it).
    const [recording] = h.media.list({ conferenceSid: room!.sid });
    expect(recording).toMatchObject({ duration: 15, source: 'Conference', channels: 1, conferenceSid: room!.sid });
    expect(h.app.to('/recorded').map((r) => [r.at, r.params.RecordingStatus, r.params.RecordingDuration, r.params.ConferenceSid])).toEqual([
      [15, 'completed', '15', room!.sid],
    ]);
    // The URL stops working 10 minutes after the room ended (its `expires` is informational).
    expect(h.media.urlOf(recording!.sid)).toBe(
      `${h.app.to('/recorded')[0]!.params.RecordingUrl}?expires=${(T0 + 15_000 + 600_000) / 1000}`,
    );
    expect(second.steps.some((s) => s.line.includes('leaves conference'))).toBe(true);
    expect(lines(first).some((l) => l.includes('ends (last-participant-left)'))).toBe(true);
  });

  it('refuses a participant beyond maxParticipants: the Dial fails at once', async () => {
    const h = await harness();
    h.app
      .on('/join', xml('<Dial action="/dialed"><Conference maxParticipants="2">small</Conference></Dial>'))
      .on('/dialed', xml('<Hangup/>'));
    await h.clock.run(
      Promise.all([
        h.call({ from: '+15550000001', voice: '/join', caller: { talkSeconds: 10 } }),
        h.call({ from: '+15550000002', voice: '/join', at: 1, caller: { talkSeconds: 10 } }),
        h.call({ from: '+15550000003', voice: '/join', at: 2 }),
      ]),
    );
    // The first started the room at 0 s and talks 10 s; the second talks 10 s from its entry at 1 s.
    expect(h.app.to('/dialed').map((d) => [d.at, d.params.DialCallStatus])).toEqual([
      [2, 'failed'],
      [10, 'completed'],
      [11, 'completed'],
    ]);
  });
});

describe('the REST API redirecting a call out of a queue or a conference', () => {
  it('ends the wait with QueueResult redirected and the stay with participant-leave; the new TeXML plays', async () => {
    const h = await harness();
    h.app
      .on('/queued', xml('<Enqueue waitUrl="/wait" action="/after-queue">support</Enqueue><Say>not after a redirect</Say>'))
      .on('/wait', xml('<Play loop="0">https://cdn.example/hold.mp3</Play>'))
      .on('/after-queue', xml('<Say>ignored</Say>'))
      .on(
        '/meeting',
        xml(
          '<Dial><Conference statusCallback="/conference-events" statusCallbackEvent="leave end">room-2</Conference></Dial><Say>not after a redirect</Say>',
        ),
      )
      .on('/conference-events', EMPTY);
    const sids: Record<string, string> = {};
    const redirect = { texml: xml('<Say>Redirected</Say>') };
    h.at(5, () => {
      expect(h.engine.update(sids.queued!, redirect)).toBe(true);
      expect(h.engine.update(sids.meeting!, redirect)).toBe(true);
    });
    const [queued, meeting] = await h.clock.run(
      Promise.all([
        h.call({ from: '+15550000001', voice: '/queued', onStart: (s) => (sids.queued = s) }),
        h.call({ from: '+15550000002', voice: '/meeting', caller: { talkSeconds: 60 }, onStart: (s) => (sids.meeting = s) }),
      ]),
    );
    expect(h.app.to('/after-queue').map((a) => [a.at, a.params.QueueResult])).toEqual([[5, 'redirected']]);
    expect(h.app.to('/conference-events').map((e) => [e.at, e.params.StatusCallbackEvent])).toEqual([
      [5, 'participant-leave'],
      [5, 'conference-end'],
    ]);
    expect(said(queued)).toEqual(['Redirected']);
    expect(said(meeting)).toEqual(['Redirected']);
  });
});

describe('the participants API and supervision', () => {
  it('mutes, holds (HoldUrl music), dials a coach, lets a supervisor monitor, and removes a participant', async () => {
    const h = await harness();
    h.phones.set('coach', { does: 'answer', afterSeconds: 2, hangsUpAfterSeconds: null });
    h.phones.set('sup', { does: 'answer', afterSeconds: 1, hangsUpAfterSeconds: null });
    h.app
      .on(
        '/customer',
        xml(
          '<Dial><Conference statusCallback="/conference-events" statusCallbackEvent="join leave">care</Conference></Dial><Say>You were removed</Say>',
        ),
      )
      .on('/agent', xml('<Dial><Conference endConferenceOnExit="true">care</Conference></Dial>'))
      .on('/hold', { type: 'audio/mpeg', body: 'ID3' })
      .on('/conference-events', EMPTY);
    const sids: Record<string, string> = {};
    const names = () => ({ [sids.customer!]: 'customer', [sids.agent!]: 'agent', [sids.coach!]: 'coach', [sids.sup!]: 'sup' });
    const tables: Record<number, Record<string, string[]> | undefined> = {};
    const refusals: string[] = [];
    const control = h.engine.conferenceControl;
    const room = () => control.list()[0]!.sid;
    const snapshot = (t: number) => h.at(t, () => (tables[t] = named(h.engine.conferenceAudibility(room()), names())));

    h.at(10, () => void control.update(room(), sids.agent!, { muted: true }));
    snapshot(11);
    h.at(15, () => {
      control.update(room(), sids.agent!, { muted: false });
      control.update(room(), sids.customer!, { hold: true, holdUrl: h.app.url('/hold') });
    });
    snapshot(16);
    h.at(20, () => {
      control.update(room(), sids.customer!, { hold: false });
      sids.coach = control.dial(room(), {
        from: '+13055550100',
        to: 'sip:coach@sip.telnyx.com',
        label: 'coach',
        coaching: true,
        callSidToCoach: sids.agent!,
      }).callSid;
    });
    snapshot(30);
    h.at(35, () => {
      sids.sup = h.engine.superviseCall({ from: '+13055550100', to: 'sip:sup@sip.telnyx.com' }, sids.agent!, 'monitor').callSid;
    });
    h.at(40, () => (tables[40] = named(h.engine.hearing(sids.agent!), names())));
    h.at(45, () => {
      control.remove(room(), sids.customer!);
      for (const attempt of [
        () => control.update(room(), 'v3:nobody', { muted: true }),
        () => control.update(room(), sids.agent!, { coaching: true, callSidToCoach: 'v3:nobody' }),
        () => h.engine.superviseCall({ from: '+1', to: 'sip:sup@sip.telnyx.com' }, 'v3:nobody', 'barge'),
      ]) {
        try {
          attempt();
        } catch (err) {
          refusals.push(`${(err as SimApiError).status} ${(err as SimApiError).message}`);
        }
      }
    });

    const [customer] = await h.clock.run(
      Promise.all([
        h.call({ from: '+15550000001', voice: '/customer', caller: { talkSeconds: 200 }, onStart: (s) => (sids.customer = s) }),
        h.call({ from: 'sip:ana@sip.telnyx.com', voice: '/agent', at: 1, caller: { talkSeconds: 100 }, onStart: (s) => (sids.agent = s) }),
      ]),
    );
    await h.clock.run(
      eventually(
        () => h.engine.view(sids.coach!)?.endTime != null && h.engine.view(sids.sup!)?.endTime != null,
        'coach and supervisor hung up',
      ),
    );

    expect(tables[11]).toEqual({ customer: [], agent: ['customer'] });
    expect(tables[16]).toEqual({ customer: [], agent: [] });
    expect(h.app.to('/hold').map((r) => [r.at, r.method])).toEqual([[15, 'GET']]);
    expect(tables[30]).toEqual({ customer: ['agent'], agent: ['coach', 'customer'], coach: ['agent', 'customer'] });
    // Monitoring: the supervisor hears the room (not the coach, whom only the agent hears); nobody hears it.
    expect(tables[40]).toEqual({
      customer: ['agent'],
      agent: ['coach', 'customer'],
      coach: ['agent', 'customer'],
      sup: ['agent', 'customer'],
    });
    expect(refusals).toEqual([
      expect.stringMatching(/^404 No participant v3:nobody/),
      expect.stringMatching(/^422 v3:nobody is not a participant/),
      expect.stringMatching(/^404 No call v3:nobody/),
    ]);
    // Removed at 45 s, the customer's call goes on with the verb after its Dial.
    expect(said(customer)).toEqual(['You were removed']);
    expect(
      h.app
        .to('/conference-events')
        .map((e) => `${e.at} ${e.params.StatusCallbackEvent} ${names()[e.params.CallSid!] ?? e.params.CallSid}`),
    ).toEqual([
      '0 participant-join customer',
      '1 participant-join agent',
      '22 participant-join coach',
      '45 participant-leave customer',
      '101 participant-leave agent',
      '101 participant-leave coach',
    ]);
    // The agent's endConferenceOnExit ended the room; the coach's and the supervisor's calls ended with it.
    expect(h.engine.view(sids.coach!)).toMatchObject({ direction: 'outbound-api', status: 'completed' });
    expect(h.engine.view(sids.sup!)).toMatchObject({ status: 'completed', endTime: new Date(T0 + 101_000).toISOString() });
    expect(control.get(room())!.participants.map((p) => [names()[p.callSid], p.status])).toEqual([
      ['customer', 'left'],
      ['agent', 'left'],
      ['coach', 'left'],
    ]);
  });

  it('lets a supervisor whisper into a two-party Dial: only the supervised call hears it', async () => {
    const h = await harness();
    h.phones.set('ana', { does: 'answer', afterSeconds: 2, hangsUpAfterSeconds: 30 });
    h.phones.set('sup', { does: 'answer', afterSeconds: 1, hangsUpAfterSeconds: null });
    h.app.on('/voice', xml('<Dial><Sip>sip:ana@sip.telnyx.com</Sip></Dial>'));
    let callerSid = '';
    let supSid = '';
    let heard: Audibility | undefined;
    h.at(5, () => {
      supSid = h.engine.superviseCall({ from: '+13055550100', to: 'sip:sup@sip.telnyx.com' }, callerSid, 'whisper').callSid;
    });
    h.at(10, () => (heard = h.engine.hearing(callerSid)));
    const caller = await h.clock.run(
      h.call({ from: '+15550000001', voice: '/voice', caller: { talkSeconds: 100 }, onStart: (s) => (callerSid = s) }),
    );
    await h.clock.run(eventually(() => h.engine.view(supSid)?.endTime != null, 'the supervisor hung up'));
    const leg = caller.steps.find((s): s is Extract<Step, { kind: 'leg' }> => s.kind === 'leg' && s.status === 'in-progress')!.legSid;
    expect(named(heard, { [callerSid]: 'caller', [leg]: 'ana', [supSid]: 'sup' })).toEqual({
      caller: ['ana', 'sup'],
      ana: ['caller'],
      sup: ['ana', 'caller'],
    });
    // The bridge ended when ana hung up (32 s); the supervisor's call ended with it.
    expect(h.engine.view(supSid)).toMatchObject({ status: 'completed', endTime: new Date(T0 + 32_000).toISOString() });
    expect(() => h.engine.superviseCall({ from: '+1', to: 'sip:sup@sip.telnyx.com' }, callerSid, 'barge')).toThrow(
      expect.objectContaining({ status: 422 }),
    );
  });
});

describe('the TeXML REST API of the local Telnyx', () => {
  it('lists conferences and participants, mutes and removes one, dials one, and starts a supervising call', async () => {
    const clock = new VirtualClock(T0);
    const app = new CannedApp(clock);
    await app.start();
    open.push(app);
    app.on('/conf', xml('<Dial><Conference>care</Conference></Dial><Say>Removed</Say>'));
    const telnyx = await LocalTelnyx.start({
      clock: clock.driving,
      busy: clock.busy,
      application: { voiceUrl: app.url('/conf'), voiceMethod: 'POST' },
    });
    const account = `${telnyx.apiBaseUrl}/texml/Accounts/${telnyx.accountSid}`;
    const rest = async (method: string, path: string, form?: Record<string, string>) => {
      const res = await fetch(`${account}${path}`, {
        method,
        headers: { authorization: `Bearer ${telnyx.apiKey}`, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        body: form ? new URLSearchParams(form) : undefined,
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    };
    const sids: Record<string, string> = {};
    const seen: Record<string, unknown> = {};
    // At 5 s both are in the room: the REST requests run while virtual time stands still (busy).
    clock.driving.setTimer(T0 + 5000, () => {
      clock.busy.begin();
      void (async () => {
        const list = await rest('GET', '/Conferences?FriendlyName=care');
        const conference = list.body.conferences[0];
        seen.list = [list.status, list.body.conferences.length, conference.friendly_name, conference.status];
        const room = `/Conferences/${conference.sid}`;
        const participants = await rest('GET', `${room}/Participants`);
        seen.participants = participants.body.participants.map((p: { call_sid: string }) => p.call_sid);
        const muted = await rest('POST', `${room}/Participants/${sids.agent}`, { Muted: 'true' });
        seen.muted = [muted.status, muted.body.muted];
        seen.heard = named(telnyx.engine.conferenceAudibility(conference.sid), { [sids.agent!]: 'agent', [sids.customer!]: 'customer' });
        seen.badCoach = (
          await rest('POST', `${room}/Participants/${sids.agent}`, { Coaching: 'true', CallSidToCoach: 'v3:nobody' })
        ).status;
        seen.removed = (await rest('DELETE', `${room}/Participants/${sids.customer}`)).status;
        const dialed = await rest('POST', `${room}/Participants`, {
          From: '+13055550100',
          To: 'sip:nobody@sip.telnyx.com',
          Label: 'expert',
        });
        seen.dialed = [dialed.status, dialed.body.conference_sid === conference.sid];
        sids.dialed = dialed.body.call_sid;
        const call = { From: '+13055550100', To: 'sip:sup@sip.telnyx.com', ApplicationSid: telnyx.connectionId };
        seen.superviseNobody = (await rest('POST', '/Calls', { ...call, SuperviseCallSid: 'v3:nobody' })).status;
        const supervising = await rest('POST', '/Calls', { ...call, SuperviseCallSid: sids.agent!, SupervisingRole: 'whisper' });
        seen.supervising = supervising.status;
        sids.supervisor = supervising.body.call_sid;
      })().finally(() => clock.busy.end());
    });
    try {
      const start = (from: string, at: number, onStart: (sid: string) => void) =>
        new Promise<void>((resolve) => clock.driving.setTimer(T0 + at * 1000, resolve)).then(() =>
          telnyx.call({ from, to: '+13055550100', caller: { ...DEFAULT_CALLER, talkSeconds: 60 }, onStart }),
        );
      const [customer] = await clock.run(
        Promise.all([start('+15550000001', 0, (s) => (sids.customer = s)), start('sip:ana@sip.telnyx.com', 1, (s) => (sids.agent = s))]),
      );
      // Nothing is registered at either SIP address: both calls ring unanswered until their 60 s timeout.
      await clock.run(
        eventually(() => [sids.dialed, sids.supervisor].every((s) => telnyx.engine.view(s!)?.status === 'no-answer'), 'unanswered'),
      );
      expect(seen).toEqual({
        list: [200, 1, 'care', 'in-progress'],
        participants: [sids.customer, sids.agent],
        muted: [200, true],
        heard: { customer: [], agent: ['customer'] },
        badCoach: 422,
        removed: 204,
        dialed: [200, true],
        superviseNobody: 404,
        supervising: 200,
      });
      expect(said(customer)).toEqual(['Removed']);
    } finally {
      await telnyx.close();
    }
  });
});
