/**
 * The pure parts of live calls: who hears whom (audibility), a conference's start and end rules and
 * callback subscriptions, and a queue's positions and waits.
 */
import { describe, expect, it } from 'vitest';
import { type AudioParty, audibility, describeAudibility, supervisorParty } from '../../src/simulator/audibility.js';
import { CallQueue } from '../../src/simulator/call-queues.js';
import { beepsOn, Conference, DEFAULT_PARTICIPANT, participantSettingsOf } from '../../src/simulator/conferences.js';

const party = (callSid: string, flags: Partial<AudioParty> = {}): AudioParty => ({
  callSid,
  muted: false,
  hold: false,
  coaching: false,
  callSidToCoach: null,
  ...flags,
});

/** The table as plain arrays, sorted, so an assertion reads like the rule. */
const table = (parties: AudioParty[], started = true) =>
  Object.fromEntries([...audibility({ started, parties })].map(([who, hears]) => [who, [...hears].sort()]));

describe('audibility', () => {
  it('mixes nobody before the conference starts: everyone hears the wait music', () => {
    expect(table([party('a'), party('b')], false)).toEqual({ a: [], b: [] });
  });

  it('lets everyone hear everyone else in a started room, never themselves', () => {
    expect(table([party('a'), party('b'), party('c')])).toEqual({ a: ['b', 'c'], b: ['a', 'c'], c: ['a', 'b'] });
  });

  it('silences a muted participant for the others; it still hears them', () => {
    expect(table([party('customer'), party('agent', { muted: true })])).toEqual({ customer: [], agent: ['customer'] });
  });

  it('takes a held participant out both ways', () => {
    expect(table([party('customer', { hold: true }), party('agent'), party('expert')])).toEqual({
      customer: [],
      agent: ['expert'],
      expert: ['agent'],
    });
  });

  it('lets only the coached participant hear the coach; the coach hears everyone', () => {
    const heard = table([party('customer'), party('agent'), party('coach', { coaching: true, callSidToCoach: 'agent' })]);
    expect(heard).toEqual({ customer: ['agent'], agent: ['coach', 'customer'], coach: ['agent', 'customer'] });
  });

  it('a coached participant on hold hears neither the room nor its coach', () => {
    const heard = table([party('customer'), party('agent', { hold: true }), party('coach', { coaching: true, callSidToCoach: 'agent' })]);
    expect(heard).toEqual({ customer: [], agent: [], coach: ['customer'] });
  });

  it('maps supervising roles onto the same rules: barge heard by all, whisper by the supervised call, monitor by none', () => {
    const room = (role: 'barge' | 'whisper' | 'monitor') => table([party('caller'), party('agent'), supervisorParty('sup', role, 'agent')]);
    expect(room('barge')).toEqual({ caller: ['agent', 'sup'], agent: ['caller', 'sup'], sup: ['agent', 'caller'] });
    expect(room('whisper')).toEqual({ caller: ['agent'], agent: ['caller', 'sup'], sup: ['agent', 'caller'] });
    expect(room('monitor')).toEqual({ caller: ['agent'], agent: ['caller'], sup: ['agent', 'caller'] });
  });

  it('describes a table for people', () => {
    const text = describeAudibility(audibility({ started: true, parties: [party('a'), party('b', { muted: true })] }));
    expect(text).toBe('a hears nobody; b hears a');
  });
});

describe('conference rules', () => {
  const now = Date.UTC(2026, 0, 5, 15);

  it('reads a <Conference> noun with the conference page defaults', () => {
    expect(participantSettingsOf({})).toEqual(DEFAULT_PARTICIPANT);
    expect(
      participantSettingsOf({ startConferenceOnEnter: 'false', endConferenceOnExit: 'true', muted: 'true', beep: 'onExit' }),
    ).toMatchObject({
      startConferenceOnEnter: false,
      endConferenceOnExit: true,
      muted: true,
      beep: 'onExit',
    });
    expect([beepsOn('onExit', 'enter'), beepsOn('onExit', 'exit'), beepsOn('true', 'enter'), beepsOn('false', 'exit')]).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });

  it('starts when a participant with startConferenceOnEnter joins, not before', () => {
    const room = new Conference('r', now);
    expect(room.join('waiter', { ...DEFAULT_PARTICIPANT, startConferenceOnEnter: false }, now).starts).toBe(false);
    expect(room.join('moderator', DEFAULT_PARTICIPANT, now).starts).toBe(true);
    room.start(now);
    expect(room.join('late', DEFAULT_PARTICIPANT, now).starts).toBe(false);
    expect(room.status).toBe('in-progress');
  });

  it('ends with the last participant, or with an endConferenceOnExit participant, saying why', () => {
    const plain = new Conference('r', now);
    plain.join('a', DEFAULT_PARTICIPANT, now);
    plain.join('b', DEFAULT_PARTICIPANT, now);
    expect(plain.leave('a', now)).toBeNull();
    expect(plain.leave('b', now)).toBe('last-participant-left');

    const moderated = new Conference('m', now);
    moderated.join('customer', DEFAULT_PARTICIPANT, now);
    moderated.join('agent', { ...DEFAULT_PARTICIPANT, endConferenceOnExit: true }, now);
    moderated.participant('agent')!.removed = true;
    expect(moderated.leave('agent', now)).toBe('participant-with-end-conference-on-exit-kicked');
    expect(moderated.end(now).map((p) => p.callSid)).toEqual(['customer']);
    expect(moderated.view()).toMatchObject({ status: 'completed', participants: [{ status: 'left' }, { status: 'left' }] });
  });

  it('keeps one subscription per URL and method, with the events named by statusCallbackEvent (default start end)', () => {
    const room = new Conference('r', now);
    room.subscribe('http://app/events', 'POST', 'join leave');
    room.subscribe('http://app/events', 'POST', 'start');
    room.subscribe('http://app/other', 'POST', undefined);
    expect(room.subscribers('participant-join').map((s) => s.url)).toEqual(['http://app/events']);
    expect(room.subscribers('conference-start').map((s) => s.url)).toEqual(['http://app/events', 'http://app/other']);
    expect(room.subscribers('conference-end').map((s) => s.url)).toEqual(['http://app/other']);
  });

  it('is full at maxParticipants connected', () => {
    const room = new Conference('r', now, 2);
    room.join('a', DEFAULT_PARTICIPANT, now);
    room.join('b', DEFAULT_PARTICIPANT, now);
    expect(room.isFull()).toBe(true);
    room.leave('a', now);
    expect(room.isFull()).toBe(false);
  });
});

describe('call queues', () => {
  it('gives positions in arrival order and the waits in whole seconds', () => {
    const t0 = Date.UTC(2026, 0, 5, 15);
    const queue = new CallQueue('support', t0);
    queue.add({ callSid: 'first', enqueuedAt: t0 });
    queue.add({ callSid: 'second', enqueuedAt: t0 + 10_000 });
    expect(queue.statsFor({ callSid: 'second', enqueuedAt: t0 + 10_000 }, t0 + 20_000)).toEqual({
      QueueSid: queue.sid,
      QueuePosition: '2',
      CurrentQueueSize: '2',
      QueueTime: '10',
      AvgQueueTime: '15',
    });
    queue.remove('first');
    expect(queue.position('second')).toBe(1);
    expect(queue.first()?.callSid).toBe('second');
  });

  it('tells who waits for a caller when one arrives', () => {
    const queue = new CallQueue('support', 0);
    const heard: string[] = [];
    const off = queue.onArrival(() => heard.push(`size ${queue.size}`));
    queue.add({ callSid: 'a', enqueuedAt: 0 });
    off();
    queue.add({ callSid: 'b', enqueuedAt: 0 });
    expect(heard).toEqual(['size 1']);
  });
});
