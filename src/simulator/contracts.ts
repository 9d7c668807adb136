/**
 * The seams between the parts of the local Telnyx (docs/SIMULATOR.md): the call engine that plays
 * TeXML, the WebRTC gateway where softphones register, the fake REST API, and the media store.
 * Types only, so each part can be built and tested alone.
 */

/** A `<Dial>` leg being offered to an endpoint: an agent's softphone (`sip:`) or a phone number. */
export interface LegOffer {
  /** The leg's own CallSid (what its status callbacks carry as CallSid). */
  legSid: string;
  /** The call that dialed it (its status callbacks' ParentCallSid); null for a REST-created call. */
  parentCallSid: string | null;
  /** Caller id shown to the far end. */
  from: string;
  /** What was dialed: `sip:user@sip.telnyx.com` or an E.164 number. */
  to: string;
  callerName?: string;
}

/** What the far end of a leg does; the engine turns each into status callbacks and the Dial's result. */
export interface LegEvents {
  /** The far end is alerting (a softphone acknowledged the invite). */
  ringing(): void;
  /** Picked up: the leg is bridged to the caller (the first leg to answer wins). */
  answered(): void;
  /** Refused while ringing: declined (`busy`) or could not be reached (`failed`). */
  rejected(reason: 'busy' | 'failed'): void;
  /** Hung up after answering: the conversation is over. */
  hungUp(): void;
  /** Keys pressed at the far end once answered (a softphone's DTMF: the SDK's `call.dtmf('1')`). */
  digits?(keys: string): void;
}

/** The engine ends a leg: the caller left, another leg answered, the timeout passed, or the call is over. */
export type LegEnd = 'canceled' | 'no-answer' | 'completed';

export interface OfferedLeg {
  end(reason: LegEnd): void;
}

/**
 * Where legs ring. `offer` answers null when nothing is reachable at `to` (an agent with no
 * registered softphone): the engine then lets the leg ring unanswered until the Dial's timeout.
 */
export interface Switchboard {
  offer(offer: LegOffer, events: LegEvents): OfferedLeg | null;
}

/** A telephony credential of the simulated account (what `POST /v2/telephony_credentials` creates). */
export interface SimCredential {
  id: string;
  name: string;
  sipUsername: string;
  sipPassword: string;
  connectionId: string;
  createdAt: string;
  expired: boolean;
}

/** The account's credentials and the login tokens minted for them (JWT-like strings, opaque to clients). */
export interface CredentialStore {
  /** `id` recreates a credential a previous run of the simulator made (the demo keeps agents' ids). */
  create(input: { id?: string; name?: string; connectionId: string; sipUsername?: string }): SimCredential;
  get(id: string): SimCredential | undefined;
  list(): SimCredential[];
  remove(id: string): boolean;
  /** Mints a login token for the credential (undefined if there is no such credential). */
  mintToken(id: string): string | undefined;
  /** The credential a login token was minted for, if it is one of ours and not revoked. */
  byToken(token: string): SimCredential | undefined;
}

/** A recording the simulator made (a `<Record>` or a recorded Dial/conference). */
export interface SimRecording {
  sid: string;
  callSid: string;
  conferenceSid: string | null;
  /** Seconds. */
  duration: number;
  channels: 1 | 2;
  format: 'mp3' | 'wav';
  source: 'RecordVerb' | 'DialVerb' | 'Conference' | 'StartCallRecordingAPI';
  /** paused: a REST-started recording paused through "Update recording on a call". */
  status: 'in-progress' | 'paused' | 'completed' | 'absent';
  startedAt: string;
  /** Epoch ms after which the media URL answers 404 (Telnyx: 10 minutes after the call ends). */
  expiresAt: number | null;
}

export interface MediaStore {
  /** Stores a recording's audio and returns its public URL (valid until the recording expires). */
  add(recording: SimRecording): string;
  get(sid: string): SimRecording | undefined;
  list(filter?: { callSid?: string; conferenceSid?: string }): SimRecording[];
  /** The media URL of a stored recording. */
  urlOf(sid: string): string;
  /** Sets when a recording's URL stops working (the engine calls it when the call ends). */
  expireAt(sid: string, at: number): void;
}

/** A call as the TeXML REST API shows it (`GET /texml/Accounts/:sid/Calls/:callSid`). */
export interface SimCallView {
  callSid: string;
  accountSid: string;
  from: string;
  to: string;
  direction: 'inbound' | 'outbound-api' | 'outbound-dial';
  /** queued | ringing | in-progress | completed | busy | no-answer | canceled | failed */
  status: string;
  parentCallSid: string | null;
  startTime: string | null;
  endTime: string | null;
  /** Seconds, once ended. */
  duration: number | null;
}

/** What the fake REST API asks of the engine for live calls. Each throws a SimApiError for a bad request. */
export interface CallControl {
  /** `POST .../Calls`: an outbound call to `to`; when answered it fetches `url` (or runs `texml`). */
  createCall(input: {
    from: string;
    to: string;
    url?: string;
    method?: 'GET' | 'POST';
    texml?: string;
    statusCallback?: string;
    statusCallbackMethod?: 'GET' | 'POST';
    statusCallbackEvent?: string;
    timeoutSeconds?: number;
    /** Another call to supervise (barge | whisper | monitor). */
    superviseCallSid?: string;
    supervisingRole?: 'barge' | 'whisper' | 'monitor';
  }): SimCallView;
  /** `POST .../Calls/:callSid`: redirect a live call to `url` or `texml`, or end it (`status: completed`). */
  updateCall(
    callSid: string,
    input: { url?: string; method?: 'GET' | 'POST'; texml?: string; status?: 'completed' | 'canceled' },
  ): SimCallView;
  getCall(callSid: string): SimCallView | undefined;
  listCalls(): SimCallView[];
  /** `POST .../Calls/:callSid/Recordings.json`: starts recording a live call. */
  startRecording(
    callSid: string,
    input: {
      playBeep?: boolean;
      channels?: 'single' | 'dual';
      statusCallback?: string;
      statusCallbackMethod?: 'GET' | 'POST';
      statusCallbackEvent?: string;
      track?: 'inbound' | 'outbound' | 'both';
      sendRecordingUrl?: boolean;
    },
  ): SimRecording;
  /** `POST .../Calls/:callSid/Recordings/:recordingSid.json`: pause, resume or stop it. */
  updateRecording(callSid: string, recordingSid: string, status: 'paused' | 'in-progress' | 'stopped'): SimRecording;
  conferences: ConferenceControl;
}

export interface SimParticipantView {
  callSid: string;
  conferenceSid: string;
  label: string | null;
  muted: boolean;
  hold: boolean;
  coaching: boolean;
  callSidToCoach: string | null;
  endConferenceOnExit: boolean;
  status: 'connected' | 'left';
}

export interface SimConferenceView {
  sid: string;
  friendlyName: string;
  status: 'init' | 'in-progress' | 'completed';
  createdAt: string;
  participants: SimParticipantView[];
}

export interface ConferenceControl {
  list(): SimConferenceView[];
  get(sid: string): SimConferenceView | undefined;
  /** Dials `to` and joins the answered call to the conference. */
  dial(
    conferenceSid: string,
    input: {
      from: string;
      to: string;
      label?: string;
      muted?: boolean;
      coaching?: boolean;
      callSidToCoach?: string;
      endConferenceOnExit?: boolean;
      startConferenceOnEnter?: boolean;
      beep?: 'true' | 'false' | 'onEnter' | 'onExit';
      /** Seconds the participant's phone rings before no-answer (default 30). */
      timeoutSeconds?: number;
      /** The participant's call's own status callbacks (initiated ringing answered completed). */
      statusCallback?: string;
      statusCallbackMethod?: 'GET' | 'POST';
      statusCallbackEvent?: string;
      /** The conference's status callbacks (start end join leave), subscribed when the participant is dialed. */
      conferenceStatusCallback?: string;
      conferenceStatusCallbackMethod?: 'GET' | 'POST';
      conferenceStatusCallbackEvent?: string;
      /** Accepted: no audio flows in the simulator, so hearing the conference before answering changes nothing. */
      earlyMedia?: boolean;
    },
  ): SimParticipantView;
  update(
    conferenceSid: string,
    callSid: string,
    input: {
      muted?: boolean;
      hold?: boolean;
      holdUrl?: string;
      holdMethod?: 'GET' | 'POST';
      coaching?: boolean;
      callSidToCoach?: string;
      endConferenceOnExit?: boolean;
    },
  ): SimParticipantView;
  remove(conferenceSid: string, callSid: string): void;
}

/** An error the REST API answers in Telnyx's format: `{"errors":[{"code","title","detail","source"}]}`. */
export class SimApiError extends Error {
  constructor(
    readonly status: 404 | 409 | 422 | 400,
    readonly code: string,
    readonly title: string,
    detail?: string,
    readonly pointer?: string,
  ) {
    super(detail ?? title);
  }
}
