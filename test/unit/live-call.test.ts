/**
 * The room's rules (src/domain/live-call.ts): every in-call command from every state it can meet, the
 * operations it asks Telnyx for, the state it leads to, and the refusals (with their reasons) of the
 * moves that make no sense. The events (joins, leaves, no answers) and what they call for.
 */
import { describe, expect, it } from 'vitest';
import {
  type Actor,
  CALLER_LABEL,
  callSidOfRoom,
  customerToDial,
  decide,
  MAX_ROOM_PARTIES,
  openRoom,
  partyDialed,
  partyJoined,
  partyLeft,
  type Room,
  type RoomCommand,
  roomName,
  roomState,
} from '../../src/domain/live-call.js';

const ANA: Actor = { kind: 'agent', agentId: 'ana' };
const SUPERVISOR: Actor = { kind: 'supervisor' };
const AGENT_LABEL = 'agent-ana';

/** A call answered by ana, both in the room. */
function talking(): Room {
  let room = openRoom({
    callSid: 'CA1',
    companyNumber: '+13055550100',
    customer: { callSid: 'CA1', number: '+15550001111' },
    agent: { callSid: 'LEG1', agentId: 'ana' },
  });
  room = partyJoined(room, { callSid: 'LEG1', label: AGENT_LABEL, conferenceSid: 'CF1', at: 1 }).room;
  return partyJoined(room, { callSid: 'CA1', label: CALLER_LABEL, conferenceSid: 'CF1', at: 2 }).room;
}

function must(room: Room, command: RoomCommand, actor: Actor = ANA) {
  const d = decide(room, command, actor);
  if (!d.ok) throw new Error(`refused: ${d.error}`);
  return d;
}

function refused(room: Room, command: RoomCommand, actor: Actor = ANA): string {
  const d = decide(room, command, actor);
  if (d.ok) throw new Error(`accepted ${command.kind}`);
  return d.error;
}

/** A consult of ben, answered (joined). */
function consulting(): Room {
  const d = must(talking(), { kind: 'consult', target: { kind: 'agent', agentId: 'ben' } });
  const label = d.room.parties.at(-1)!.label;
  const dialed = partyDialed(d.room, label, 'BEN1');
  return partyJoined(dialed, { callSid: 'BEN1', label, conferenceSid: 'CF1', at: 5 }).room;
}

describe('the room of a call', () => {
  it('is named after the caller’s CallSid and maps back to it', () => {
    expect(roomName('v3:abc')).toBe('call-v3:abc');
    expect(callSidOfRoom('call-v3:abc')).toBe('v3:abc');
    for (const other of ['', 'call-', 'support-room', null, undefined]) expect(callSidOfRoom(other)).toBeNull();
  });

  it('connects once the caller is in: CONNECTING, then TALKING', () => {
    const fresh = openRoom({
      callSid: 'CA1',
      companyNumber: '+1',
      customer: { callSid: 'CA1', number: '+2' },
      agent: { callSid: 'LEG1', agentId: 'ana' },
    });
    expect(roomState(fresh)).toBe('CONNECTING');
    expect(refused(fresh, { kind: 'hold' })).toBe('The call is still connecting; try again in a moment.');
    const agentIn = partyJoined(fresh, { callSid: 'LEG1', label: AGENT_LABEL, conferenceSid: 'CF1', at: 1 }).room;
    expect(roomState(agentIn)).toBe('CONNECTING');
    expect(agentIn.conferenceSid).toBe('CF1');
    expect(roomState(talking())).toBe('TALKING');
  });
});

describe('hold', () => {
  it('holds and resumes the caller, each once', () => {
    const held = must(talking(), { kind: 'hold' });
    expect(held.operations).toEqual([{ op: 'hold', label: CALLER_LABEL, hold: true }]);
    expect(roomState(held.room)).toBe('HELD');
    expect(refused(held.room, { kind: 'hold' })).toBe('The caller is already on hold.');
    const back = must(held.room, { kind: 'resume' });
    expect(back.operations).toEqual([{ op: 'hold', label: CALLER_LABEL, hold: false }]);
    expect(roomState(back.room)).toBe('TALKING');
    expect(refused(back.room, { kind: 'resume' })).toBe('The caller is not on hold.');
  });

  it('is refused to agents who are not on the call, allowed to supervisors', () => {
    expect(refused(talking(), { kind: 'hold' }, { kind: 'agent', agentId: 'zed' })).toBe(
      'Only an agent on this call or a supervisor of the company can do that.',
    );
    expect(must(talking(), { kind: 'hold' }, SUPERVISOR).operations).toHaveLength(1);
  });

  it('never touches the room given (decisions are new rooms)', () => {
    const room = talking();
    const before = structuredClone(room);
    must(room, { kind: 'hold' });
    must(room, { kind: 'consult', target: { kind: 'number', number: '+13055550199' } });
    expect(room).toEqual(before);
  });
});

describe('cold transfer', () => {
  it('sends the caller to the target and ends the room', () => {
    for (const target of [
      { kind: 'agent', agentId: 'ben' },
      { kind: 'queue', queueId: 'q1' },
      { kind: 'number', number: '+13055550199' },
    ] as const) {
      const d = must(talking(), { kind: 'cold-transfer', target });
      expect(d.operations).toEqual([{ op: 'transfer-caller', target }]);
      expect(d.room.ended).toBe(true);
      expect(d.room.transferring).toBe(true);
      expect(roomState(d.room)).toBe('ENDED');
    }
  });

  it('refuses a transfer to oneself, and while consulting', () => {
    expect(refused(talking(), { kind: 'cold-transfer', target: { kind: 'agent', agentId: 'ana' } })).toBe(
      'You cannot transfer a call to yourself.',
    );
    expect(refused(consulting(), { kind: 'cold-transfer', target: { kind: 'queue', queueId: 'q' } })).toBe(
      'A consultation is in progress; complete or cancel it first.',
    );
  });
});

describe('warm transfer', () => {
  it('consult: the caller is held and the target dialed', () => {
    const d = must(talking(), { kind: 'consult', target: { kind: 'agent', agentId: 'ben' } });
    expect(d.operations).toEqual([
      { op: 'hold', label: CALLER_LABEL, hold: true },
      { op: 'dial', label: 'consult-2', target: { kind: 'agent', agentId: 'ben' }, muted: false, coach: null },
    ]);
    expect(roomState(d.room)).toBe('CONSULTING');
  });

  it('consult of a held caller does not hold again; a queue, an agent on the call and a second consult are refused', () => {
    const held = must(talking(), { kind: 'hold' }).room;
    expect(must(held, { kind: 'consult', target: { kind: 'number', number: '+13055550199' } }).operations.map((o) => o.op)).toEqual([
      'dial',
    ]);
    expect(refused(talking(), { kind: 'consult', target: { kind: 'queue', queueId: 'q' } })).toBe(
      'A queue cannot be consulted; transfer the call to it instead.',
    );
    expect(refused(talking(), { kind: 'consult', target: { kind: 'agent', agentId: 'ana' } })).toBe('That agent is already on the call.');
    expect(refused(consulting(), { kind: 'consult', target: { kind: 'agent', agentId: 'cy' } })).toBe(
      'A consultation is already in progress.',
    );
  });

  it('complete: the target takes the call, the agents who handed it over leave, the caller is back', () => {
    const d = must(consulting(), { kind: 'complete-transfer' });
    expect(d.operations).toEqual([
      { op: 'hold', label: CALLER_LABEL, hold: false },
      { op: 'remove', label: AGENT_LABEL },
    ]);
    expect(roomState(d.room)).toBe('TALKING');
    expect(d.room.parties.filter((p) => p.status !== 'LEFT').map((p) => [p.role, p.agentId])).toEqual([
      ['CALLER', null],
      ['AGENT', 'ben'],
    ]);
  });

  it('complete or merge before the target answers is refused; hold and resume are refused while consulting', () => {
    const ringing = must(talking(), { kind: 'consult', target: { kind: 'agent', agentId: 'ben' } }).room;
    expect(refused(ringing, { kind: 'complete-transfer' })).toBe('The transfer target has not answered yet.');
    expect(refused(ringing, { kind: 'merge' })).toBe('The consulted party has not answered yet.');
    expect(refused(ringing, { kind: 'hold' })).toBe('The caller is on hold for a consultation; complete or cancel it instead.');
    expect(refused(ringing, { kind: 'resume' })).toBe(
      'A consultation is in progress; complete, cancel or merge it to bring the caller back.',
    );
    for (const kind of ['complete-transfer', 'cancel-consult', 'merge'] as const)
      expect(refused(talking(), { kind })).toBe('No consultation is in progress.');
  });

  it('cancel: a connected target is removed, a ringing one cancelled; the caller is back', () => {
    expect(must(consulting(), { kind: 'cancel-consult' }).operations).toEqual([
      { op: 'remove', label: 'consult-2' },
      { op: 'hold', label: CALLER_LABEL, hold: false },
    ]);
    const ringing = must(talking(), { kind: 'consult', target: { kind: 'agent', agentId: 'ben' } }).room;
    const d = must(ringing, { kind: 'cancel-consult' });
    expect(d.operations[0]).toEqual({ op: 'cancel', label: 'consult-2' });
    expect(roomState(d.room)).toBe('TALKING');
  });

  it('merge: a 3-way call', () => {
    const d = must(consulting(), { kind: 'merge' });
    expect(d.operations).toEqual([{ op: 'hold', label: CALLER_LABEL, hold: false }]);
    expect(roomState(d.room)).toBe('CONFERENCED');
  });

  it('a target who never answers brings the caller back (an event, not a command)', () => {
    const ringing = must(talking(), { kind: 'consult', target: { kind: 'agent', agentId: 'ben' } }).room;
    const e = partyLeft(ringing, { label: 'consult-2', at: 30 });
    expect(e.operations).toEqual([{ op: 'hold', label: CALLER_LABEL, hold: false }]);
    expect(e.note).toBe('consult not answered');
    expect(roomState(e.room)).toBe('TALKING');
  });
});

describe('parties', () => {
  it('adds a participant without holding the caller; drops one, or ends the call when the last agent goes', () => {
    const added = must(talking(), { kind: 'add-participant', target: { kind: 'number', number: '+13055550199' } });
    expect(added.operations).toEqual([
      { op: 'dial', label: 'participant-2', target: { kind: 'number', number: '+13055550199' }, muted: false, coach: null },
    ]);
    const joined = partyJoined(partyDialed(added.room, 'participant-2', 'P1'), {
      callSid: 'P1',
      label: 'participant-2',
      conferenceSid: 'CF1',
      at: 3,
    }).room;
    expect(roomState(joined)).toBe('CONFERENCED');
    const anaGone = must(joined, { kind: 'drop', label: AGENT_LABEL }, SUPERVISOR);
    expect(anaGone.operations).toEqual([{ op: 'remove', label: AGENT_LABEL }]);
    expect(anaGone.room.ended).toBe(false);
    const everyoneGone = must(anaGone.room, { kind: 'drop', label: 'participant-2' }, SUPERVISOR);
    expect(everyoneGone.operations).toEqual([{ op: 'end-call' }]);
    expect(everyoneGone.room.ended).toBe(true);
  });

  it('refuses to drop the caller or someone not there; caps the room', () => {
    expect(refused(talking(), { kind: 'drop', label: CALLER_LABEL })).toBe('Hang up the call to drop the caller.');
    expect(refused(talking(), { kind: 'drop', label: 'nobody' })).toBe('Nobody labelled "nobody" is on the call.');
    let room = talking();
    for (let i = 0; room.parties.length < MAX_ROOM_PARTIES; i++)
      room = must(room, { kind: 'add-participant', target: { kind: 'number', number: `+1305555${String(1000 + i)}` } }).room;
    expect(refused(room, { kind: 'add-participant', target: { kind: 'number', number: '+13055550199' } })).toBe(
      `A call has at most ${MAX_ROOM_PARTIES} parties at once.`,
    );
  });

  it('the last agent hanging up ends the call; the caller hanging up ends the room', () => {
    const e = partyLeft(talking(), { callSid: 'LEG1', at: 9 });
    expect(e.operations).toEqual([{ op: 'end-call' }]);
    expect(e.room.ended).toBe(true);
    const c = partyLeft(talking(), { callSid: 'CA1', at: 9 });
    expect(c.operations).toEqual([]);
    expect(c.room.ended).toBe(true);
    expect(refused(c.room, { kind: 'hold' })).toBe('The call has ended.');
  });

  it('hang up ends the call for everyone', () => {
    expect(must(talking(), { kind: 'hang-up' }).operations).toEqual([{ op: 'end-call' }]);
  });
});

describe('supervision', () => {
  const listen: RoomCommand = { kind: 'supervise', softphoneAgentId: 'sue', mode: 'LISTEN' };

  it('listen dials the supervisor muted; whisper coaches the handling agent; barge is heard by all', () => {
    const d = must(talking(), listen, SUPERVISOR);
    expect(d.operations).toEqual([
      { op: 'dial', label: 'supervisor-2', target: { kind: 'agent', agentId: 'sue' }, muted: true, coach: null },
    ]);
    expect(roomState(d.room)).toBe('TALKING');
    const room = partyJoined(partyDialed(d.room, 'supervisor-2', 'SUE1'), {
      callSid: 'SUE1',
      label: 'supervisor-2',
      conferenceSid: 'CF1',
      at: 4,
    }).room;
    const whisper = must(room, { ...listen, mode: 'WHISPER' }, SUPERVISOR);
    // Coaching in place before the supervisor is unmuted.
    expect(whisper.operations).toEqual([
      { op: 'coach', label: 'supervisor-2', coach: AGENT_LABEL },
      { op: 'mute', label: 'supervisor-2', muted: false },
    ]);
    const barge = must(whisper.room, { ...listen, mode: 'BARGE' }, SUPERVISOR);
    expect(barge.operations).toEqual([{ op: 'coach', label: 'supervisor-2', coach: null }]);
    expect(roomState(barge.room)).toBe('CONFERENCED');
    // Back to listening: muted first.
    expect(must(barge.room, listen, SUPERVISOR).operations).toEqual([{ op: 'mute', label: 'supervisor-2', muted: true }]);
    expect(must(whisper.room, listen, SUPERVISOR).operations).toEqual([
      { op: 'mute', label: 'supervisor-2', muted: true },
      { op: 'coach', label: 'supervisor-2', coach: null },
    ]);
    expect(must(room, { kind: 'stop-supervising', softphoneAgentId: 'sue' }, SUPERVISOR).operations).toEqual([
      { op: 'remove', label: 'supervisor-2' },
    ]);
  });

  it('refuses agents, the same mode twice, a softphone on the call as an agent, and leaving when not there', () => {
    expect(refused(talking(), listen)).toBe('Only a supervisor can listen, whisper or barge.');
    const ringing = must(talking(), listen, SUPERVISOR).room;
    expect(refused(ringing, listen, SUPERVISOR)).toBe('You are already in listen mode.');
    expect(refused(ringing, { ...listen, mode: 'BARGE' }, SUPERVISOR)).toBe('Your softphone has not answered yet.');
    expect(refused(talking(), { ...listen, softphoneAgentId: 'ana' }, SUPERVISOR)).toBe(
      'That softphone is already on the call as an agent.',
    );
    expect(refused(talking(), { kind: 'stop-supervising', softphoneAgentId: 'sue' }, SUPERVISOR)).toBe(
      'That softphone is not supervising this call.',
    );
  });
});

describe('recording', () => {
  it('moves OFF → RECORDING ⇄ PAUSED → OFF, refusing every other move', () => {
    const on = must(talking(), { kind: 'record', action: 'start' });
    expect(on.operations).toEqual([{ op: 'record', action: 'start' }]);
    expect(on.room.recording.status).toBe('RECORDING');
    expect(refused(on.room, { kind: 'record', action: 'start' })).toBe('The call is already being recorded.');
    expect(refused(on.room, { kind: 'record', action: 'resume' })).toBe('The recording is not paused.');
    const paused = must(on.room, { kind: 'record', action: 'pause' }).room;
    expect(refused(paused, { kind: 'record', action: 'pause' })).toBe('The recording is not running.');
    expect(must(paused, { kind: 'record', action: 'stop' }).room.recording.status).toBe('OFF');
    expect(refused(talking(), { kind: 'record', action: 'stop' })).toBe('The call is not being recorded.');
  });
});

describe('an outbound call', () => {
  const outbound = () =>
    openRoom({
      callSid: 'AG1',
      companyNumber: '+13055550100',
      customer: { callSid: null, number: '+13055558888' },
      agent: { callSid: 'AG1', agentId: 'ana' },
    });

  it('dials the customer once the agent is in, once', () => {
    expect(customerToDial(outbound())).toEqual([]);
    const agentIn = partyJoined(outbound(), { callSid: 'AG1', label: AGENT_LABEL, conferenceSid: 'CF9', at: 1 }).room;
    expect(customerToDial(agentIn)).toEqual([{ op: 'dial-customer', number: '+13055558888' }]);
    expect(customerToDial(partyDialed(agentIn, CALLER_LABEL, 'CU1'))).toEqual([]);
  });

  it('a customer who never answers ends the room: the agent is removed', () => {
    const agentIn = partyJoined(outbound(), { callSid: 'AG1', label: AGENT_LABEL, conferenceSid: 'CF9', at: 1 }).room;
    const e = partyLeft(agentIn, { label: CALLER_LABEL, at: 50 });
    expect(e.note).toBe('not answered');
    expect(e.operations).toEqual([{ op: 'remove', label: AGENT_LABEL }]);
    expect(e.room.ended).toBe(true);
  });
});
