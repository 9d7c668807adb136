/**
 * The TeXML REST conference and participant operations the local REST API serves
 * (developers.telnyx.com/api-reference/texml-rest-commands: list and fetch conferences, dial, update and
 * delete a participant), played on the engine's conferences and calls. Dialing a participant starts an
 * outbound call, which the engine owns: it is given as `dialParticipant`.
 */
import type { CallRuntime } from './call-runtime.js';
import type { ConferenceVerbs } from './conference-verbs.js';
import { type Conference, DEFAULT_PARTICIPANT, type Participant, type ParticipantSettings } from './conferences.js';
import { type ConferenceControl, SimApiError, type SimCallView, type SimParticipantView } from './contracts.js';
import { invalid } from './telnyx-errors.js';

/** The participant's call: who is rung, for how long, and where its own status callbacks go. */
export interface ParticipantCall {
  from: string;
  to: string;
  timeoutSeconds: number;
  statusCallback?: string;
  statusCallbackMethod?: 'GET' | 'POST';
  statusCallbackEvent?: string;
}

/** Rings `to` and, once answered, joins the call to `conference` with `settings`. */
export type DialParticipant = (call: ParticipantCall, conference: Conference, settings: ParticipantSettings) => SimCallView;

/** "Timeout … Can be an integer between 5 and 120, inclusive. The default value is 30" (telnyx-node ParticipantParticipantsParams). */
export const DEFAULT_PARTICIPANT_TIMEOUT = 30;

/**
 * A dialed participant rings `To` on the switchboard and joins when it answers; until then it is not
 * listed among the participants.
 */
export function conferenceControl(rt: CallRuntime, conferences: ConferenceVerbs, dialParticipant: DialParticipant): ConferenceControl {
  const conferenceOr404 = (sid: string): Conference => {
    const conference = conferences.get(sid);
    if (!conference) throw new SimApiError(404, '10005', 'Resource not found', `No conference ${sid}.`);
    return conference;
  };
  const connectedOr404 = (conference: Conference, callSid: string): Participant => {
    const participant = conference.participant(callSid);
    if (participant?.status !== 'connected' || participant.removed)
      throw new SimApiError(404, '10005', 'Resource not found', `No participant ${callSid} in conference ${conference.sid}.`);
    return participant;
  };
  /** Inferred: coaching someone who is not in the room is refused. */
  const mustBeParticipant = (conference: Conference, callSid: string): void => {
    if (conference.participant(callSid)?.status !== 'connected')
      throw invalid.value('CallSidToCoach', `${callSid} is not a participant of conference ${conference.sid}`);
  };
  return {
    list: () => conferences.all().map((c) => c.view()),
    get: (sid) => conferences.get(sid)?.view(),
    dial: (sid, input) => {
      const conference = conferenceOr404(sid);
      if (!conference.live) throw invalid.value('ConferenceSid', `Conference ${sid} has ended`);
      const coaching = input.coaching ?? input.callSidToCoach !== undefined;
      if (coaching && input.callSidToCoach !== undefined) mustBeParticipant(conference, input.callSidToCoach);
      const settings: ParticipantSettings = {
        ...DEFAULT_PARTICIPANT,
        label: input.label ?? null,
        muted: input.muted ?? false,
        endConferenceOnExit: input.endConferenceOnExit ?? false,
        startConferenceOnEnter: input.startConferenceOnEnter ?? DEFAULT_PARTICIPANT.startConferenceOnEnter,
        beep: input.beep ?? DEFAULT_PARTICIPANT.beep,
        coaching,
        callSidToCoach: input.callSidToCoach ?? null,
      };
      // ConferenceStatusCallback: the room's events go there from now on, as a <Conference statusCallback> would subscribe them.
      if (input.conferenceStatusCallback)
        conference.subscribe(
          input.conferenceStatusCallback,
          input.conferenceStatusCallbackMethod ?? 'POST',
          input.conferenceStatusCallbackEvent,
        );
      const call = dialParticipant(
        {
          from: input.from,
          to: input.to,
          timeoutSeconds: input.timeoutSeconds ?? DEFAULT_PARTICIPANT_TIMEOUT,
          statusCallback: input.statusCallback,
          statusCallbackMethod: input.statusCallbackMethod,
          statusCallbackEvent: input.statusCallbackEvent,
        },
        conference,
        settings,
      );
      return {
        callSid: call.callSid,
        conferenceSid: conference.sid,
        label: settings.label,
        muted: settings.muted,
        hold: false,
        coaching: settings.coaching,
        callSidToCoach: settings.callSidToCoach,
        endConferenceOnExit: settings.endConferenceOnExit,
        status: 'connected',
      } satisfies SimParticipantView;
    },
    update: (sid, callSid, input) => {
      const conference = conferenceOr404(sid);
      const participant = connectedOr404(conference, callSid);
      if (input.callSidToCoach !== undefined) mustBeParticipant(conference, input.callSidToCoach);
      if (input.muted !== undefined) participant.muted = input.muted;
      if (input.endConferenceOnExit !== undefined) participant.endConferenceOnExit = input.endConferenceOnExit;
      if (input.callSidToCoach !== undefined) participant.callSidToCoach = input.callSidToCoach;
      // Coaching "defaults to false unless call_sid_to_coach is defined" (Twilio's documented rule).
      if (input.coaching !== undefined) participant.coaching = input.coaching;
      else if (input.callSidToCoach !== undefined) participant.coaching = true;
      if (input.holdUrl !== undefined) participant.holdUrl = input.holdUrl;
      if (input.holdMethod !== undefined) participant.holdMethod = input.holdMethod;
      if (input.hold !== undefined && input.hold !== participant.hold) {
        participant.hold = input.hold;
        rt.calls.get(callSid)?.raise({ kind: 'wake' }); // to hold music, or back from it
      }
      return participant.view();
    },
    remove: (sid, callSid) => {
      const conference = conferenceOr404(sid);
      const participant = connectedOr404(conference, callSid);
      participant.removed = true;
      rt.calls.get(callSid)?.raise({ kind: 'wake' });
    },
  };
}
