/**
 * Who hears whom where calls share audio: a conference, a two-party bridge, and a supervisor listening
 * in on either. Pure: the engine keeps the parties' flags; whisper, barge and hold tests assert this.
 *
 * The rules, each from the page that states it:
 * - A conference that has not started mixes nobody: its participants hear the wait music
 *   (https://developers.telnyx.com/docs/voice/programmable-voice/texml-verbs/conference, startConferenceOnEnter).
 * - Muted: the others do not hear the participant; it still hears them (conference page, `muted`).
 * - Hold: the participant hears hold music, not the conference, and nobody hears it (TeXML REST "Update a
 *   conference participant": Hold/HoldUrl; Twilio's documented behaviour for what hold means).
 * - Coaching: "The participant being coached is the only participant who can hear the participant who is
 *   coaching" (TeXML REST participants, Coaching/CallSidToCoach); the coach hears everyone (Twilio's
 *   documented behaviour).
 * - Supervision (TeXML REST "Initiate an outbound call", SuperviseCallSid/SupervisingRole): barge is heard
 *   by everyone; whisper only by the supervised call; monitor by nobody. The supervisor hears everyone.
 */

/** A party's flags as the mixer sees them. */
export interface AudioParty {
  callSid: string;
  muted: boolean;
  hold: boolean;
  coaching: boolean;
  /** Whom a coaching party speaks to (only meaningful when `coaching`). */
  callSidToCoach: string | null;
}

export interface AudioRoomState {
  /** A conference mixes audio once started; a bridge always does. */
  started: boolean;
  parties: readonly AudioParty[];
}

/** For each party (by CallSid), the parties it hears. */
export type Audibility = Map<string, Set<string>>;

export function audibility(room: AudioRoomState): Audibility {
  const heard: Audibility = new Map();
  for (const listener of room.parties) {
    const hears = new Set<string>();
    if (room.started && !listener.hold) {
      for (const speaker of room.parties) {
        if (speaker.callSid === listener.callSid || speaker.muted || speaker.hold) continue;
        if (speaker.coaching && speaker.callSidToCoach !== listener.callSid) continue;
        hears.add(speaker.callSid);
      }
    }
    heard.set(listener.callSid, hears);
  }
  return heard;
}

export type SupervisingRole = 'barge' | 'whisper' | 'monitor';

/**
 * A supervisor in the mixer's terms: barge is an ordinary party, whisper coaches the supervised call,
 * monitor is muted (Call Control's supervisor_role: barge "heard by both", whisper "only the supervised
 * call hears the supervisor", monitor "nobody hears the supervisor").
 */
export function supervisorParty(callSid: string, role: SupervisingRole, supervisedCallSid: string): AudioParty {
  return {
    callSid,
    muted: role === 'monitor',
    hold: false,
    coaching: role === 'whisper',
    callSidToCoach: role === 'whisper' ? supervisedCallSid : null,
  };
}

/** The table as text, for failure messages and transcripts: `a hears b, c; b hears a; c hears nobody`. */
export function describeAudibility(heard: Audibility, name: (callSid: string) => string = (s) => s): string {
  return [...heard]
    .map(([listener, hears]) => `${name(listener)} hears ${hears.size ? [...hears].map(name).join(', ') : 'nobody'}`)
    .join('; ');
}
