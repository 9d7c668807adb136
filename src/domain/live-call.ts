/**
 * An answered call's room: who is in its conference and what each can hear, and the rules of every
 * in-call action (hold, transfers, consults, 3-way, supervision, recording). Pure: a command on a room
 * gives the Telnyx operations to perform and the room they lead to, or a refusal that says why; events
 * (someone joined, left, never answered) give the room they lead to and any operations they call for.
 * The shell (src/calls/call-rooms.ts) performs the operations through the TeXML REST API and keeps the
 * room only when they succeed. Time is passed in. Design: docs/IN-CALL.md.
 */

/** CALLER: the customer (the inbound caller, or whom an outbound call rang). AGENT: an agent handling
 * the call. CONSULT: a transfer target being consulted while the caller holds. PARTICIPANT: a third party
 * added to the call. SUPERVISOR: listening, whispering or barging from their own softphone. */
export type PartyRole = 'CALLER' | 'AGENT' | 'CONSULT' | 'PARTICIPANT' | 'SUPERVISOR';
export type PartyStatus = 'RINGING' | 'CONNECTED' | 'LEFT';
/** LISTEN: muted, nobody hears them. WHISPER: only the handling agent hears them. BARGE: everyone does. */
export type SuperviseMode = 'LISTEN' | 'WHISPER' | 'BARGE';
export type RecordingStatus = 'OFF' | 'RECORDING' | 'PAUSED';

/** Whom a transfer, a consult or an added participant rings. */
export type CallTarget = { kind: 'agent'; agentId: string } | { kind: 'number'; number: string } | { kind: 'queue'; queueId: string };

export interface Party {
  /** The party's Telnyx call, once known (a dialed party's comes back from the dial). */
  callSid: string | null;
  /** Unique in the room: the conference's participant label. */
  label: string;
  role: PartyRole;
  agentId: string | null;
  /** A phone number (the customer's, or an external party's). */
  number: string | null;
  status: PartyStatus;
  /** On hold: hears the hold music, is not heard. */
  held: boolean;
  muted: boolean;
  supervise: SuperviseMode | null;
  joinedAt: number | null;
  leftAt: number | null;
}

export interface Room {
  /** The conference's FriendlyName (`roomName`): maps back to the call. */
  name: string;
  /** Telnyx's ConferenceSid, learnt from the first join event; participant operations need it. */
  conferenceSid: string | null;
  parties: Party[];
  recording: { status: RecordingStatus; recordingSid: string | null };
  /** The call was moved into the room; false while it is still a plain bridge (or could not be moved). */
  joined: boolean;
  /** The call has left the room for good (the caller hung up, was transferred away, or the call ended). */
  ended: boolean;
  /** The caller left the room for a cold transfer: the call goes on elsewhere. */
  transferring: boolean;
  /** The queue's policy started the recording (ALL); a stop then stands. */
  recordedByPolicy: boolean;
  /** Labels handed out so far (new labels never reuse an old one). */
  labels: number;
  /** The company's number the call is on: the caller ID of every party the room dials. */
  companyNumber: string;
}

/** What the board and the softphone show: derived from the parties, never stored. */
export type RoomState = 'CONNECTING' | 'TALKING' | 'HELD' | 'CONSULTING' | 'CONFERENCED' | 'ENDED';

/** A Telnyx operation the shell performs (TeXML REST: participants, calls, recordings). */
export type RoomOperation =
  | { op: 'hold'; label: string; hold: boolean }
  /** An outbound call's customer, dialed once the agent is in the room; their leaving ends it. */
  | { op: 'dial-customer'; number: string }
  | { op: 'mute'; label: string; muted: boolean }
  /** `label` (a supervisor) is heard by the party labelled `coach` only (Telnyx's coaching), or by everyone it may be heard by (null). */
  | { op: 'coach'; label: string; coach: string | null }
  | { op: 'dial'; label: string; target: CallTarget; muted: boolean; coach: string | null }
  | { op: 'remove'; label: string }
  /** Hang up a party that is still ringing (not yet a participant). */
  | { op: 'cancel'; label: string }
  /** The caller leaves the room for another destination (a cold transfer): the room ends. */
  | { op: 'transfer-caller'; target: CallTarget }
  /** End the whole call. */
  | { op: 'end-call' }
  | { op: 'record'; action: 'start' | 'pause' | 'resume' | 'stop' };

export type RoomCommand =
  | { kind: 'hold' }
  | { kind: 'resume' }
  | { kind: 'cold-transfer'; target: CallTarget }
  | { kind: 'consult'; target: CallTarget }
  | { kind: 'complete-transfer' }
  | { kind: 'cancel-consult' }
  | { kind: 'merge' }
  | { kind: 'add-participant'; target: CallTarget }
  | { kind: 'drop'; label: string }
  /** `softphoneAgentId`: the agent whose softphone the supervisor listens from (supervisors log in as company, not person). */
  | { kind: 'supervise'; softphoneAgentId: string; mode: SuperviseMode }
  | { kind: 'stop-supervising'; softphoneAgentId: string }
  | { kind: 'record'; action: 'start' | 'pause' | 'resume' | 'stop' }
  | { kind: 'hang-up' };

/** Who asks: an agent on the call (by agent id), or a supervisor of the company. */
export type Actor = { kind: 'agent'; agentId: string } | { kind: 'supervisor' };

export type Decision = { ok: true; room: Room; operations: RoomOperation[] } | { ok: false; error: string };

export const CALLER_LABEL = 'caller';
/** The most parties in one room at once (Telnyx allows 250 participants; a call never needs more than a handful). */
export const MAX_ROOM_PARTIES = 10;

/** The conference a call's room is: one per call, named after the caller's CallSid. */
export function roomName(callSid: string): string {
  return `call-${callSid}`;
}

/** The CallSid a room name maps back to, or null for a conference that is not one of ours. */
export function callSidOfRoom(name: string | null | undefined): string | null {
  return name?.startsWith('call-') && name.length > 5 ? name.slice(5) : null;
}

/** A room for a call just answered: the caller and the agent, both about to join. */
export function openRoom(input: {
  callSid: string;
  companyNumber: string;
  /** The customer's call: an inbound caller's own; null for an outbound call until the customer is dialed. */
  customer: { callSid: string | null; number: string };
  agent: { callSid: string; agentId: string };
}): Room {
  return {
    name: roomName(input.callSid),
    conferenceSid: null,
    parties: [
      party({ label: CALLER_LABEL, role: 'CALLER', callSid: input.customer.callSid, number: input.customer.number }),
      party({ label: agentLabel(input.agent.agentId, 0), role: 'AGENT', callSid: input.agent.callSid, agentId: input.agent.agentId }),
    ],
    recording: { status: 'OFF', recordingSid: null },
    joined: false,
    ended: false,
    transferring: false,
    recordedByPolicy: false,
    labels: 1,
    companyNumber: input.companyNumber,
  };
}

function party(p: Partial<Party> & Pick<Party, 'label' | 'role'>): Party {
  return {
    callSid: null,
    agentId: null,
    number: null,
    status: 'RINGING',
    held: false,
    muted: false,
    supervise: null,
    joinedAt: null,
    leftAt: null,
    ...p,
  };
}

const agentLabel = (agentId: string, n: number) => (n === 0 ? `agent-${agentId}` : `agent-${agentId}-${n}`);

const present = (p: Party) => p.status !== 'LEFT';
/** Parties that carry the conversation for the company (not supervisors). */
const staff = (p: Party) => p.role === 'AGENT' || p.role === 'CONSULT' || p.role === 'PARTICIPANT';

export function caller(room: Room): Party | undefined {
  return room.parties.find((p) => p.role === 'CALLER');
}

/** The agent handling the call: the first agent still present. */
export function handlingAgent(room: Room): Party | undefined {
  return room.parties.find((p) => p.role === 'AGENT' && present(p));
}

export function consultee(room: Room): Party | undefined {
  return room.parties.find((p) => p.role === 'CONSULT' && present(p));
}

export function partyByLabel(room: Room, label: string): Party | undefined {
  return room.parties.find((p) => p.label === label);
}

export function partyByCallSid(room: Room, callSid: string): Party | undefined {
  return room.parties.find((p) => p.callSid === callSid);
}

export function roomState(room: Room): RoomState {
  if (room.ended) return 'ENDED';
  const customer = caller(room);
  if (!room.joined || !customer || customer.status !== 'CONNECTED') return 'CONNECTING';
  if (consultee(room)) return 'CONSULTING';
  if (customer.held) return 'HELD';
  const talking = room.parties.filter((p) => present(p) && (staff(p) || (p.role === 'SUPERVISOR' && p.supervise === 'BARGE')));
  return talking.length > 1 ? 'CONFERENCED' : 'TALKING';
}

/** Whether `actor` may act on the room: an agent present in it, or any supervisor (the shell checks the company). */
function mayAct(room: Room, actor: Actor): boolean {
  if (actor.kind === 'supervisor') return true;
  return room.parties.some((p) => p.agentId === actor.agentId && present(p) && p.role !== 'SUPERVISOR');
}

const refuse = (error: string): Decision => ({ ok: false, error });
const accept = (room: Room, operations: RoomOperation[]): Decision => ({ ok: true, room, operations });

/** The command's operations and the room once they are done, or why it is refused. */
export function decide(room: Room, command: RoomCommand, actor: Actor): Decision {
  if (room.ended) return refuse('The call has ended.');
  if (!room.joined) return refuse('The call is still connecting; try again in a moment.');
  if (!mayAct(room, actor)) return refuse('Only an agent on this call or a supervisor of the company can do that.');
  const next = structuredClone(room);
  const customer = caller(next);
  if (customer?.status !== 'CONNECTED') return refuse('The caller is not on the call.');
  const consulting = consultee(next);
  const dials = command.kind === 'consult' || command.kind === 'add-participant' || command.kind === 'supervise';
  if (dials && next.parties.filter(present).length >= MAX_ROOM_PARTIES)
    return refuse(`A call has at most ${MAX_ROOM_PARTIES} parties at once.`);
  switch (command.kind) {
    case 'hold': {
      if (consulting) return refuse('The caller is on hold for a consultation; complete or cancel it instead.');
      if (customer.held) return refuse('The caller is already on hold.');
      customer.held = true;
      return accept(next, [{ op: 'hold', label: CALLER_LABEL, hold: true }]);
    }
    case 'resume': {
      if (consulting) return refuse('A consultation is in progress; complete, cancel or merge it to bring the caller back.');
      if (!customer.held) return refuse('The caller is not on hold.');
      customer.held = false;
      return accept(next, [{ op: 'hold', label: CALLER_LABEL, hold: false }]);
    }
    case 'cold-transfer': {
      if (consulting) return refuse('A consultation is in progress; complete or cancel it first.');
      if (actor.kind === 'agent' && command.target.kind === 'agent' && command.target.agentId === actor.agentId)
        return refuse('You cannot transfer a call to yourself.');
      // The caller leaves the room for the target; the room ends and everyone else's leg with it.
      next.ended = true;
      next.transferring = true;
      return accept(next, [{ op: 'transfer-caller', target: command.target }]);
    }
    case 'consult': {
      if (consulting) return refuse('A consultation is already in progress.');
      if (command.target.kind === 'queue') return refuse('A queue cannot be consulted; transfer the call to it instead.');
      if (onCall(next, command.target)) return refuse('That agent is already on the call.');
      const label = newLabel(next, 'consult');
      next.parties.push(party({ label, role: 'CONSULT', ...targetFields(command.target) }));
      const operations: RoomOperation[] = [];
      if (!customer.held) {
        customer.held = true;
        operations.push({ op: 'hold', label: CALLER_LABEL, hold: true });
      }
      operations.push({ op: 'dial', label, target: command.target, muted: false, coach: null });
      return accept(next, operations);
    }
    case 'complete-transfer': {
      if (!consulting) return refuse('No consultation is in progress.');
      if (consulting.status !== 'CONNECTED') return refuse('The transfer target has not answered yet.');
      // The consulted party takes the call; the agent(s) who handed it over leave.
      const leaving = next.parties.filter((p) => p.role === 'AGENT' && present(p));
      for (const p of leaving) leave(p, null);
      consulting.role = 'AGENT';
      customer.held = false;
      return accept(next, [
        { op: 'hold', label: CALLER_LABEL, hold: false },
        ...leaving.map((p): RoomOperation => ({ op: 'remove', label: p.label })),
      ]);
    }
    case 'cancel-consult': {
      if (!consulting) return refuse('No consultation is in progress.');
      const op: RoomOperation =
        consulting.status === 'CONNECTED' ? { op: 'remove', label: consulting.label } : { op: 'cancel', label: consulting.label };
      leave(consulting, null);
      customer.held = false;
      return accept(next, [op, { op: 'hold', label: CALLER_LABEL, hold: false }]);
    }
    case 'merge': {
      if (!consulting) return refuse('No consultation is in progress.');
      if (consulting.status !== 'CONNECTED') return refuse('The consulted party has not answered yet.');
      consulting.role = 'PARTICIPANT';
      customer.held = false;
      return accept(next, [{ op: 'hold', label: CALLER_LABEL, hold: false }]);
    }
    case 'add-participant': {
      if (consulting) return refuse('A consultation is in progress; merge it to make a 3-way call.');
      if (command.target.kind === 'queue') return refuse('A queue cannot join a call; transfer the call to it instead.');
      if (onCall(next, command.target)) return refuse('That agent is already on the call.');
      const label = newLabel(next, 'participant');
      next.parties.push(party({ label, role: 'PARTICIPANT', ...targetFields(command.target) }));
      return accept(next, [{ op: 'dial', label, target: command.target, muted: false, coach: null }]);
    }
    case 'drop': {
      const target = partyByLabel(next, command.label);
      if (!target || !present(target)) return refuse(`Nobody labelled "${command.label}" is on the call.`);
      if (target.role === 'CALLER') return refuse('Hang up the call to drop the caller.');
      const op: RoomOperation =
        target.status === 'CONNECTED' ? { op: 'remove', label: target.label } : { op: 'cancel', label: target.label };
      const wasConsult = target.role === 'CONSULT';
      leave(target, null);
      const operations: RoomOperation[] = [op];
      if (wasConsult && customer.held) {
        customer.held = false;
        operations.push({ op: 'hold', label: CALLER_LABEL, hold: false });
      }
      // Nobody left to talk to: the call is over rather than a caller alone with silence.
      if (!next.parties.some((p) => staff(p) && present(p))) {
        next.ended = true;
        return accept(next, [{ op: 'end-call' }]);
      }
      return accept(next, operations);
    }
    case 'supervise': {
      if (actor.kind !== 'supervisor') return refuse('Only a supervisor can listen, whisper or barge.');
      if (onCall(next, { kind: 'agent', agentId: command.softphoneAgentId }))
        return refuse('That softphone is already on the call as an agent.');
      const agent = handlingAgent(next);
      if (command.mode === 'WHISPER' && agent?.status !== 'CONNECTED') return refuse('No agent is on the call to whisper to.');
      const existing = next.parties.find((p) => p.role === 'SUPERVISOR' && p.agentId === command.softphoneAgentId && present(p));
      const muted = command.mode === 'LISTEN';
      const coach = command.mode === 'WHISPER' ? agent!.label : null;
      if (existing) {
        if (existing.supervise === command.mode) return refuse(`You are already in ${command.mode.toLowerCase()} mode.`);
        if (existing.status !== 'CONNECTED') return refuse('Your softphone has not answered yet.');
        const wasCoaching = existing.supervise === 'WHISPER';
        existing.supervise = command.mode;
        const mute: RoomOperation[] = existing.muted === muted ? [] : [{ op: 'mute', label: existing.label, muted }];
        const coaching: RoomOperation[] = wasCoaching || coach ? [{ op: 'coach', label: existing.label, coach }] : [];
        existing.muted = muted;
        // Never heard by more than the new mode allows, even between the two updates: muting goes first,
        // unmuting after the coaching is in place.
        return accept(next, muted ? [...mute, ...coaching] : [...coaching, ...mute]);
      }
      const label = newLabel(next, 'supervisor');
      next.parties.push(party({ label, role: 'SUPERVISOR', agentId: command.softphoneAgentId, supervise: command.mode, muted }));
      return accept(next, [{ op: 'dial', label, target: { kind: 'agent', agentId: command.softphoneAgentId }, muted, coach }]);
    }
    case 'stop-supervising': {
      const existing = next.parties.find((p) => p.role === 'SUPERVISOR' && p.agentId === command.softphoneAgentId && present(p));
      if (!existing) return refuse('That softphone is not supervising this call.');
      const op: RoomOperation =
        existing.status === 'CONNECTED' ? { op: 'remove', label: existing.label } : { op: 'cancel', label: existing.label };
      leave(existing, null);
      return accept(next, [op]);
    }
    case 'record': {
      const status = next.recording.status;
      const moves: Record<typeof command.action, [RecordingStatus[], RecordingStatus, string]> = {
        start: [['OFF'], 'RECORDING', 'The call is already being recorded.'],
        pause: [['RECORDING'], 'PAUSED', 'The recording is not running.'],
        resume: [['PAUSED'], 'RECORDING', 'The recording is not paused.'],
        stop: [['RECORDING', 'PAUSED'], 'OFF', 'The call is not being recorded.'],
      };
      const [from, to, error] = moves[command.action];
      if (!from.includes(status)) return refuse(error);
      // The sid stays until Telnyx says the recording is complete (stopping needs it).
      next.recording.status = to;
      return accept(next, [{ op: 'record', action: command.action }]);
    }
    case 'hang-up': {
      next.ended = true;
      return accept(next, [{ op: 'end-call' }]);
    }
  }
}

function onCall(room: Room, target: CallTarget): boolean {
  return target.kind === 'agent' && room.parties.some((p) => p.agentId === target.agentId && present(p) && staff(p));
}

function targetFields(target: CallTarget): Partial<Party> {
  return target.kind === 'agent' ? { agentId: target.agentId } : target.kind === 'number' ? { number: target.number } : {};
}

function newLabel(room: Room, prefix: string): string {
  room.labels += 1;
  return `${prefix}-${room.labels}`;
}

function leave(p: Party, at: number | null): void {
  p.status = 'LEFT';
  p.held = false;
  p.leftAt = at;
}

/** What the room's events call for, beside the room they lead to. */
export interface EventResult {
  room: Room;
  operations: RoomOperation[];
  /** A line for the call's timeline, when the event changes the call's story. */
  note?: string;
}

/** A party joined the conference (Telnyx's participant-join): connected, and the room is live. */
export function partyJoined(room: Room, e: { callSid: string; label?: string | null; conferenceSid: string; at: number }): EventResult {
  const next = structuredClone(room);
  next.conferenceSid ??= e.conferenceSid;
  const p = (e.label ? partyByLabel(next, e.label) : undefined) ?? partyByCallSid(next, e.callSid);
  if (!p || p.status === 'LEFT') return { room: next, operations: [] };
  p.callSid ??= e.callSid;
  p.status = 'CONNECTED';
  p.joinedAt ??= e.at;
  // The call is in its room once the caller is.
  if (p.role === 'CALLER') next.joined = true;
  return { room: next, operations: [] };
}

/** A dialed party's call is known (the dial's answer). */
export function partyDialed(room: Room, label: string, callSid: string): Room {
  const next = structuredClone(room);
  const p = partyByLabel(next, label);
  if (p && p.callSid === null) p.callSid = callSid;
  return next;
}

/**
 * A party left (participant-leave, its call ended, or a dialed party never answered). The caller
 * leaving ends the room; the consulted party leaving brings the caller back to whoever consulted;
 * the last agent leaving ends the call rather than leave the caller alone.
 */
export function partyLeft(room: Room, e: { callSid?: string | null; label?: string | null; at: number }): EventResult {
  const next = structuredClone(room);
  const p = (e.label ? partyByLabel(next, e.label) : undefined) ?? (e.callSid ? partyByCallSid(next, e.callSid) : undefined);
  if (!p || p.status === 'LEFT' || next.ended) return { room: next, operations: [] };
  const wasConnected = p.status === 'CONNECTED';
  leave(p, e.at);
  if (p.role === 'CALLER') {
    next.ended = true;
    // A customer who never answered (an outbound call): nobody ends the room for the others, so it is ended here.
    const operations: RoomOperation[] = wasConnected
      ? []
      : next.parties.filter((x) => present(x) && x.status === 'CONNECTED').map((x): RoomOperation => ({ op: 'remove', label: x.label }));
    return { room: next, operations, note: wasConnected ? 'caller left' : 'not answered' };
  }
  const operations: RoomOperation[] = [];
  let note: string | undefined;
  const customer = caller(next);
  if (p.role === 'CONSULT' && customer && customer.held && customer.status === 'CONNECTED') {
    customer.held = false;
    operations.push({ op: 'hold', label: CALLER_LABEL, hold: false });
    note = wasConnected ? 'consult ended' : 'consult not answered';
  }
  if (staff(p) && !next.parties.some((x) => staff(x) && present(x))) {
    next.ended = true;
    return { room: next, operations: [{ op: 'end-call' }], note: 'last agent left' };
  }
  return { room: next, operations, ...(note ? { note } : {}) };
}

/**
 * An outbound call's agent is in the room: the customer is dialed now (once). Empty when the customer
 * has been dialed already.
 */
export function customerToDial(room: Room): RoomOperation[] {
  const customer = caller(room);
  const agentIn = room.parties.some((p) => p.role === 'AGENT' && p.status === 'CONNECTED');
  if (!customer || customer.callSid !== null || customer.status !== 'RINGING' || !agentIn || !customer.number) return [];
  return [{ op: 'dial-customer', number: customer.number }];
}

/** The recording Telnyx started (its sid, for pause, resume and stop). */
export function recordingStarted(room: Room, recordingSid: string): Room {
  const next = structuredClone(room);
  next.recording.recordingSid = recordingSid;
  return next;
}
