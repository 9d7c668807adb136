/**
 * Conference rooms as `<Dial><Conference>` and the TeXML REST participants API see them: who is in,
 * with which flags, whether the room has started, and the rules that start and end it. State only (no
 * I/O, no timers): the engine plays the waiting, sends the callbacks and wakes the calls.
 *
 * https://developers.telnyx.com/docs/voice/programmable-voice/texml-verbs/conference:
 * - "If the specified conference name does not exist, a new conference will be created."
 * - startConferenceOnEnter (default true): "Start the conference when a participant joins. If this is
 *   false and the participant joins a conference that has not started, they are muted and hear background
 *   music until a participant joins where startConferenceOnEnter is true." Telnyx says a joining
 *   participant starts it; Twilio waits for a second participant. We follow Telnyx's words.
 * - endConferenceOnExit (default false): "when that participant leaves, the conference ends and all other
 *   participants drop out". A conference also ends when its last participant leaves (Twilio's documented
 *   conference-end).
 * - maxParticipants 2–250, default 250. beep true|false|onEnter|onExit, default true.
 * - statusCallbackEvent: start end join leave speaker; the callbacks' StatusCallbackEvent values are
 *   Twilio's (conference-start, conference-end, participant-join, participant-leave).
 */
import { randomUUID } from 'node:crypto';
import type { AudioParty } from './audibility.js';
import type { SimConferenceView, SimParticipantView } from './contracts.js';
import type { HttpMethod } from './webhook-client.js';

export interface ParticipantSettings {
  label: string | null;
  muted: boolean;
  startConferenceOnEnter: boolean;
  endConferenceOnExit: boolean;
  beep: 'true' | 'false' | 'onEnter' | 'onExit';
  coaching: boolean;
  callSidToCoach: string | null;
}

export const DEFAULT_PARTICIPANT: ParticipantSettings = {
  label: null,
  muted: false,
  startConferenceOnEnter: true,
  endConferenceOnExit: false,
  beep: 'true',
  coaching: false,
  callSidToCoach: null,
};

export class Participant implements ParticipantSettings {
  label: string | null;
  muted: boolean;
  startConferenceOnEnter: boolean;
  endConferenceOnExit: boolean;
  beep: ParticipantSettings['beep'];
  coaching: boolean;
  callSidToCoach: string | null;
  hold = false;
  holdUrl: string | null = null;
  /** HoldMethod: Twilio's documented default is GET. */
  holdMethod: HttpMethod = 'GET';
  status: 'connected' | 'left' = 'connected';
  /** Removed through the REST API: its call leaves at its next turn and goes on with its TeXML. */
  removed = false;
  leftAt: number | null = null;

  constructor(
    readonly callSid: string,
    readonly conferenceSid: string,
    settings: ParticipantSettings,
    readonly joinedAt: number,
  ) {
    this.label = settings.label;
    this.muted = settings.muted;
    this.startConferenceOnEnter = settings.startConferenceOnEnter;
    this.endConferenceOnExit = settings.endConferenceOnExit;
    this.beep = settings.beep;
    this.coaching = settings.coaching;
    this.callSidToCoach = settings.callSidToCoach;
  }

  view(): SimParticipantView {
    return {
      callSid: this.callSid,
      conferenceSid: this.conferenceSid,
      label: this.label,
      muted: this.muted,
      hold: this.hold,
      coaching: this.coaching,
      callSidToCoach: this.callSidToCoach,
      endConferenceOnExit: this.endConferenceOnExit,
      status: this.status,
    };
  }
}

/** Twilio's documented ReasonConferenceEnded values (the conference-end callback). */
export type ConferenceEndReason =
  | 'last-participant-left'
  | 'last-participant-kicked'
  | 'participant-with-end-conference-on-exit-left'
  | 'participant-with-end-conference-on-exit-kicked';

export type ConferenceEvent = 'conference-start' | 'conference-end' | 'participant-join' | 'participant-leave';

/** statusCallbackEvent's words (conference page) → the events they subscribe to. */
const EVENT_WORDS: Readonly<Record<string, ConferenceEvent>> = {
  start: 'conference-start',
  end: 'conference-end',
  join: 'participant-join',
  leave: 'participant-leave',
};

/** Telnyx gives no default; Twilio's participants API documents `start end` for a conference status callback. */
const DEFAULT_EVENTS = 'start end';

export interface Subscription {
  url: string;
  method: HttpMethod;
  events: Set<ConferenceEvent>;
}

/** A `record="record-from-start"` room: recording from the start to the end. */
export interface RecordingSettings {
  statusCallback: string | null;
  statusCallbackMethod: HttpMethod;
  /** in-progress completed absent (conference page: recordingStatusCallbackEvent). */
  events: Set<string>;
  startedAt: number | null;
}

export class Conference {
  /** Telnyx's ConferenceSid is a UUID (the TeXML REST conference examples). */
  readonly sid = randomUUID();
  status: 'init' | 'in-progress' | 'completed' = 'init';
  startedAt: number | null = null;
  endedAt: number | null = null;
  recording: RecordingSettings | null = null;
  /** The conference's own callbacks are numbered (Twilio's documented SequenceNumber). */
  sequence = 0;
  readonly subscriptions: Subscription[] = [];
  private readonly members = new Map<string, Participant>();

  constructor(
    readonly friendlyName: string,
    readonly createdAt: number,
    /** Set by the participant that created the room (inferred: later values cannot shrink a live room). */
    readonly maxParticipants = 250,
  ) {}

  get live(): boolean {
    return this.status !== 'completed';
  }

  connected(): Participant[] {
    return [...this.members.values()].filter((p) => p.status === 'connected');
  }

  participant(callSid: string): Participant | undefined {
    return this.members.get(callSid);
  }

  isFull(): boolean {
    return this.connected().length >= this.maxParticipants;
  }

  /** Adds (or re-adds) a participant; `starts` when its startConferenceOnEnter starts a room not yet started. */
  join(callSid: string, settings: ParticipantSettings, now: number): { participant: Participant; starts: boolean } {
    const participant = new Participant(callSid, this.sid, settings, now);
    this.members.delete(callSid); // a call that left and came back is listed once, last
    this.members.set(callSid, participant);
    return { participant, starts: this.status === 'init' && settings.startConferenceOnEnter };
  }

  start(now: number): void {
    if (this.status !== 'init') return;
    this.status = 'in-progress';
    this.startedAt = now;
  }

  /** The participant is out; answers why the conference ends with it, or null when it goes on. */
  leave(callSid: string, now: number): ConferenceEndReason | null {
    const participant = this.members.get(callSid);
    if (!participant || participant.status === 'left') return null;
    participant.status = 'left';
    participant.leftAt = now;
    if (participant.endConferenceOnExit)
      return participant.removed ? 'participant-with-end-conference-on-exit-kicked' : 'participant-with-end-conference-on-exit-left';
    if (this.connected().length === 0) return participant.removed ? 'last-participant-kicked' : 'last-participant-left';
    return null;
  }

  /** Over: every participant still in drops out; answers them. */
  end(now: number): Participant[] {
    const dropped = this.connected();
    for (const p of dropped) {
      p.status = 'left';
      p.leftAt = now;
    }
    this.status = 'completed';
    this.endedAt = now;
    return dropped;
  }

  /** A participant's statusCallback subscribes its URL to the room's events (one subscription per URL and method). */
  subscribe(url: string, method: HttpMethod, statusCallbackEvent: string | undefined): void {
    const events = (statusCallbackEvent ?? DEFAULT_EVENTS)
      .split(/\s+/)
      .map((word) => EVENT_WORDS[word])
      .filter((e): e is ConferenceEvent => e !== undefined);
    const existing = this.subscriptions.find((s) => s.url === url && s.method === method);
    if (existing) for (const e of events) existing.events.add(e);
    else this.subscriptions.push({ url, method, events: new Set(events) });
  }

  subscribers(event: ConferenceEvent): Subscription[] {
    return this.subscriptions.filter((s) => s.events.has(event));
  }

  parties(): AudioParty[] {
    return this.connected().map((p) => ({
      callSid: p.callSid,
      muted: p.muted,
      hold: p.hold,
      coaching: p.coaching,
      callSidToCoach: p.callSidToCoach,
    }));
  }

  view(): SimConferenceView {
    return {
      sid: this.sid,
      friendlyName: this.friendlyName,
      status: this.status,
      createdAt: new Date(this.createdAt).toISOString(),
      participants: [...this.members.values()].map((p) => p.view()),
    };
  }
}

/** Reads a `<Conference>` noun's participant attributes (conference page defaults). */
export function participantSettingsOf(attrs: Readonly<Record<string, string>>): ParticipantSettings {
  return {
    label: attrs.participantLabel ?? null,
    muted: attrs.muted === 'true',
    startConferenceOnEnter: attrs.startConferenceOnEnter !== 'false',
    endConferenceOnExit: attrs.endConferenceOnExit === 'true',
    beep: (attrs.beep as ParticipantSettings['beep'] | undefined) ?? 'true',
    coaching: false,
    callSidToCoach: null,
  };
}

/** Whether a beep marks this participant's entry or exit (the joining participant never hears its own). */
export function beepsOn(beep: ParticipantSettings['beep'], moment: 'enter' | 'exit'): boolean {
  return beep === 'true' || (moment === 'enter' ? beep === 'onEnter' : beep === 'onExit');
}
