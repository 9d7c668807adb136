/**
 * Where live calls share audio: a room is a two-party bridge (a `<Dial>` leg and its caller, a queued
 * caller and its dequeuer) or a conference, plus the supervisors listening in on it. `Rooms` knows which
 * room each call talks in, so the REST API can supervise a call and the tests can ask who hears whom
 * (the rules are ./audibility.ts's). `supervise` plays the supervisor's call.
 *
 * Supervision follows TeXML REST "Initiate an outbound call" (SuperviseCallSid, SupervisingRole
 * barge | whisper | monitor).
 */
import { type Audibility, type AudioParty, type AudioRoomState, audibility, type SupervisingRole, supervisorParty } from './audibility.js';
import type { CallRuntime } from './call-runtime.js';
import type { Conference } from './conferences.js';
import { type EndedBy, type SimCall, short } from './sim-call.js';

/** A supervisor's call listening in (TeXML REST "Initiate an outbound call", SuperviseCallSid). */
interface Supervision {
  call: SimCall;
  role: SupervisingRole;
  supervised: string;
  /** The supervised call left the room, or the room closed: the supervisor's call ends. */
  over: boolean;
}

/** Calls sharing audio (a bridge or a conference): what `audibility` reads, and who supervises it. */
export class Room {
  readonly supervisors = new Map<string, Supervision>();
  closed = false;

  constructor(
    readonly kind: 'bridge' | 'conference',
    private readonly state: () => AudioRoomState,
  ) {}

  audio(): AudioRoomState {
    const { started, parties } = this.state();
    const supervisors = [...this.supervisors.values()].map((s) => supervisorParty(s.call.sid, s.role, s.supervised));
    return { started, parties: [...parties, ...supervisors] };
  }
}

export class Rooms {
  /** The room each call (or leg) talks in right now. */
  private readonly byCall = new Map<string, Room>();
  private readonly conferenceRooms = new Map<string, Room>();

  /** The room `callSid` talks in, if any. */
  of(callSid: string): Room | undefined {
    return this.byCall.get(callSid);
  }

  enter(callSid: string, room: Room): void {
    this.byCall.set(callSid, room);
  }

  /** `callSid` is out of `room` (and still out of any other it has moved to). */
  leave(callSid: string, room: Room): void {
    if (this.byCall.get(callSid) === room) this.byCall.delete(callSid);
  }

  openBridge(callSids: readonly [string, string]): Room {
    const plain = (callSid: string): AudioParty => ({ callSid, muted: false, hold: false, coaching: false, callSidToCoach: null });
    const room = new Room('bridge', () => ({ started: true, parties: callSids.map(plain) }));
    for (const sid of callSids) this.byCall.set(sid, room);
    return room;
  }

  /** The conference's room, made on first use; it mixes once the conference has started. */
  forConference(conference: Conference): Room {
    let room = this.conferenceRooms.get(conference.sid);
    if (!room) {
      room = new Room('conference', () => ({ started: conference.status === 'in-progress', parties: conference.parties() }));
      this.conferenceRooms.set(conference.sid, room);
    }
    return room;
  }

  /** The room's audio is over: its calls leave it, its supervisors' calls end. */
  close(room: Room): void {
    room.closed = true;
    for (const [sid, r] of this.byCall) if (r === room) this.byCall.delete(sid);
    for (const s of room.supervisors.values()) {
      s.over = true;
      s.call.raise({ kind: 'wake' });
    }
  }

  endSupervisionOf(room: Room, supervised: string): void {
    for (const s of room.supervisors.values()) {
      if (s.supervised !== supervised) continue;
      s.over = true;
      s.call.raise({ kind: 'wake' });
    }
  }

  /** Who hears whom in the room `callSid` talks in (a bridge or conference, supervisors included); undefined when it talks in none. */
  hearing(callSid: string): Audibility | undefined {
    const room = this.byCall.get(callSid);
    return room && audibility(room.audio());
  }

  /** Who hears whom in a conference (supervisors included). */
  conferenceAudibility(conferenceSid: string): Audibility | undefined {
    const room = this.conferenceRooms.get(conferenceSid);
    return room && audibility(room.audio());
  }
}

/**
 * The supervisor's call answered: it joins the supervised call's audio (TeXML REST "Initiate an
 * outbound call": SuperviseCallSid, SupervisingRole barge | whisper | monitor) until it hangs up, or the
 * supervised call leaves its bridge or conference. A call talking to nobody has nothing to join: the
 * supervisor's call ends (inferred).
 */
export async function supervise(rt: CallRuntime, rooms: Rooms, sim: SimCall, supervised: string, role: SupervisingRole): Promise<EndedBy> {
  const room = rooms.of(supervised);
  const line = (status: string, text: string) => rt.step(sim, { kind: 'leg', at: 0, legSid: sim.sid, to: supervised, status, line: text });
  if (!room || room.closed) {
    line('unsupervised', `nothing to supervise: ${short(supervised)} is not talking to anyone; hanging up`);
    return 'application';
  }
  const supervision: Supervision = { call: sim, role, supervised, over: false };
  room.supervisors.set(sim.sid, supervision);
  rooms.enter(sim.sid, room);
  line('supervising', `supervises ${short(supervised)} (${role})`);
  try {
    for (;;) {
      sim.clearWake();
      if (sim.ended || sim.redirected || supervision.over) break;
      await rt.untilInterrupted(sim);
    }
  } finally {
    room.supervisors.delete(sim.sid);
    rooms.leave(sim.sid, room);
  }
  if (supervision.over) line('supervision-over', `the supervised call ${short(supervised)} left; the supervision ends`);
  return sim.ended ? (sim.interrupt?.kind === 'api-hangup' ? 'api' : 'caller') : 'application';
}
