/**
 * The TeXML REST commands an answered call's room needs (docs/IN-CALL.md): move or end a call ("Update
 * call" with `Texml`, `Url` or `Status`), dial, update and remove conference participants, and record a
 * call on demand. Thin, like ./call-control.ts: ids encoded into the path, bearer auth, form bodies with
 * the spec's PascalCase keys, Telnyx's error envelope turned into a sentence, never a throw.
 *
 * Sources: developers.telnyx.com/api-reference/texml-rest-commands (update-call, dial-a-new-conference-
 * participant, update-a-conference-participant, delete-a-conference-participant, request-recording-for-a-
 * call, update-recording-on-a-call) and telnyx-node's `src/resources/texml/accounts/{calls,conferences}`.
 */
import { interpretCommand, isObject, send, type TexmlRestRequest } from './call-control.js';

/** `gone`: the call or participant no longer exists (it hung up): the room should forget it. */
export type RoomCommandResult = { ok: true } | { ok: false; gone: boolean; status: number | null; message: string };
export type RoomDialResult = { ok: true; callSid: string } | { ok: false; gone: boolean; status: number | null; message: string };
export type RecordingStartResult =
  | { ok: true; recordingSid: string }
  | { ok: false; gone: boolean; status: number | null; message: string };

export type CallUpdate = { texml: string } | { url: string; method?: 'GET' | 'POST' } | { status: 'completed' | 'canceled' };

export interface ParticipantDial {
  /** A phone number or an agent's SIP URI. */
  to: string;
  /** A number of the account (Telnyx checks the caller ID of every outbound call). */
  from: string;
  label: string;
  timeoutSeconds: number;
  statusCallback: string;
  muted?: boolean;
  /** The participant is heard only by the participant whose call this is (Coaching + CallSidToCoach). */
  callSidToCoach?: string | null;
  /** The room ends when this participant leaves (an outbound call's customer). */
  endsRoom?: boolean;
}

export interface ParticipantUpdate {
  hold?: boolean;
  /** Music (MP3/WAV) or a TeXML document played to a held participant. */
  holdUrl?: string;
  muted?: boolean;
  /** A call sid to coach, or null to stop coaching. */
  coach?: string | null;
}

const FORM = 'application/x-www-form-urlencoded';

function accountPath(req: TexmlRestRequest): string {
  return `${req.baseUrl}/texml/Accounts/${encodeURIComponent(req.accountSid)}`;
}

/** "Update call": a new document (inline TeXML or a URL) replaces whatever plays, or the call ends. */
export async function updateCall(req: TexmlRestRequest, callSid: string, update: CallUpdate): Promise<RoomCommandResult> {
  const form = new URLSearchParams();
  if ('texml' in update) form.set('Texml', update.texml);
  else if ('url' in update) {
    form.set('Url', update.url);
    form.set('Method', update.method ?? 'POST');
  } else form.set('Status', update.status);
  return outcome(
    'could not update the call',
    await send(req, `${accountPath(req)}/Calls/${encodeURIComponent(callSid)}`, FORM, form.toString()),
  );
}

/** "Dial a new conference participant": rings `to`; it joins the room when it answers. */
export async function dialParticipant(req: TexmlRestRequest, conferenceSid: string, dial: ParticipantDial): Promise<RoomDialResult> {
  const form = new URLSearchParams({
    To: dial.to,
    From: dial.from,
    Label: dial.label,
    Timeout: String(Math.min(120, Math.max(5, Math.round(dial.timeoutSeconds)))),
    StatusCallback: dial.statusCallback,
    StatusCallbackMethod: 'POST',
    StatusCallbackEvent: 'initiated ringing answered completed',
    // The room has started already; the newcomer hears it at once.
    StartConferenceOnEnter: 'true',
    EndConferenceOnExit: String(dial.endsRoom ?? false),
    Beep: 'false',
  });
  if (dial.muted) form.set('Muted', 'true');
  if (dial.callSidToCoach) {
    form.set('Coaching', 'true');
    form.set('CallSidToCoach', dial.callSidToCoach);
  }
  const answer = await send(req, `${participantsPath(req, conferenceSid)}`, FORM, form.toString());
  const result = outcome('could not dial the participant', answer);
  if (!result.ok || answer.kind !== 'answered') return result as RoomDialResult;
  const callSid = fieldOf(answer.body, 'call_sid');
  return callSid ? { ok: true, callSid } : { ok: false, gone: false, status: answer.status, message: 'Telnyx answered without a call_sid' };
}

/** "Update a conference participant": hold (with music), mute, coach. */
export async function updateParticipant(
  req: TexmlRestRequest,
  conferenceSid: string,
  callSid: string,
  update: ParticipantUpdate,
): Promise<RoomCommandResult> {
  const form = new URLSearchParams();
  if (update.hold !== undefined) form.set('Hold', String(update.hold));
  if (update.holdUrl !== undefined) form.set('HoldUrl', update.holdUrl);
  if (update.muted !== undefined) form.set('Muted', String(update.muted));
  if (update.coach !== undefined) {
    form.set('Coaching', String(update.coach !== null));
    if (update.coach !== null) form.set('CallSidToCoach', update.coach);
  }
  const url = `${participantsPath(req, conferenceSid)}/${encodeURIComponent(callSid)}`;
  return outcome('could not update the participant', await send(req, url, FORM, form.toString()));
}

/** "Delete a conference participant": the participant leaves the room. */
export async function removeParticipant(req: TexmlRestRequest, conferenceSid: string, callSid: string): Promise<RoomCommandResult> {
  const url = `${participantsPath(req, conferenceSid)}/${encodeURIComponent(callSid)}`;
  return outcome('could not remove the participant', await send(req, url, null, null));
}

/** "Request recording for a call": starts recording the call; the status callback gets the audio. */
export async function startCallRecording(
  req: TexmlRestRequest,
  callSid: string,
  opts: { statusCallback: string },
): Promise<RecordingStartResult> {
  const form = new URLSearchParams({
    RecordingStatusCallback: opts.statusCallback,
    RecordingStatusCallbackMethod: 'POST',
    RecordingStatusCallbackEvent: 'in-progress completed absent',
    RecordingChannels: 'dual',
    PlayBeep: 'true',
  });
  const answer = await send(req, `${accountPath(req)}/Calls/${encodeURIComponent(callSid)}/Recordings.json`, FORM, form.toString());
  const result = outcome('could not start recording', answer);
  if (!result.ok || answer.kind !== 'answered') return result as RecordingStartResult;
  const recordingSid = fieldOf(answer.body, 'sid') ?? fieldOf(answer.body, 'recording_sid');
  return recordingSid
    ? { ok: true, recordingSid }
    : { ok: false, gone: false, status: answer.status, message: 'Telnyx answered without the recording sid' };
}

/** "Update recording on a call": pause, resume or stop it. */
export async function updateCallRecording(
  req: TexmlRestRequest,
  callSid: string,
  recordingSid: string,
  status: 'paused' | 'in-progress' | 'stopped',
): Promise<RoomCommandResult> {
  const url = `${accountPath(req)}/Calls/${encodeURIComponent(callSid)}/Recordings/${encodeURIComponent(recordingSid)}.json`;
  return outcome('could not update the recording', await send(req, url, FORM, new URLSearchParams({ Status: status }).toString()));
}

function participantsPath(req: TexmlRestRequest, conferenceSid: string): string {
  return `${accountPath(req)}/Conferences/${encodeURIComponent(conferenceSid)}/Participants`;
}

/** Telnyx's answer as a result; 404 and "call has already ended" mean the call is gone. */
export function outcome(what: string, answer: Awaited<ReturnType<typeof send>>): RoomCommandResult {
  if (answer.kind === 'unreachable') return { ok: false, gone: false, status: null, message: answer.message };
  return interpretCommand(what, answer.status, answer.body);
}

/** A string field of a JSON answer, with or without Telnyx's `data` envelope. */
function fieldOf(body: string, key: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const resource = isObject(parsed) && isObject(parsed.data) ? parsed.data : parsed;
  const value = isObject(resource) ? resource[key] : undefined;
  return typeof value === 'string' && value !== '' ? value : undefined;
}
