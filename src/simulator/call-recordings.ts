/**
 * Call recordings the TeXML REST API starts on demand: "Request recording for a call"
 * (`POST .../Calls/:callSid/Recordings.json`, developers.telnyx.com/api-reference/texml-rest-commands/
 * request-recording-for-a-call; fields as team-telnyx/telnyx-node `texml/accounts/calls/recordings-json.ts`
 * names them: PlayBeep, RecordingChannels single | dual, RecordingStatusCallback,
 * RecordingStatusCallbackEvent in-progress completed absent (default completed),
 * RecordingStatusCallbackMethod, RecordingTrack, SendRecordingUrl) and "Update recording on a call"
 * (`POST .../Calls/:callSid/Recordings/:recordingSid.json`, Status in-progress | paused | stopped;
 * telnyx-node `texml/accounts/calls/recordings.ts`).
 *
 * The recording is stored at once as in-progress (RecordingSource StartCallRecordingAPI), counts only
 * the time it is not paused (Twilio's documented behaviour: paused audio is not in the file), and ends
 * when stopped or when the call ends. Its status callbacks have the fields of Telnyx's TeXML recording
 * callbacks (api-reference/callbacks/texml-recording-in-progress, -completed), as `<Record>`'s.
 */
import { randomUUID } from 'node:crypto';
import type { CallRuntime } from './call-runtime.js';
import { SimApiError, type SimRecording } from './contracts.js';
import { type SimCall, short } from './sim-call.js';
import type { HttpMethod } from './webhook-client.js';

export interface StartRecording {
  playBeep?: boolean;
  channels?: 'single' | 'dual';
  statusCallback?: string;
  statusCallbackMethod?: HttpMethod;
  /** Space-separated: in-progress, completed, absent. */
  statusCallbackEvent?: string;
  track?: 'inbound' | 'outbound' | 'both';
  sendRecordingUrl?: boolean;
}

interface ActiveRecording {
  sid: string;
  call: SimCall;
  startedAt: number;
  /** Milliseconds recorded before the current run (pauses excluded). */
  recordedMs: number;
  /** When the current run started; null while paused. */
  runningSince: number | null;
  channels: 1 | 2;
  statusCallback: string | null;
  statusCallbackMethod: HttpMethod;
  events: ReadonlySet<string>;
  sendRecordingUrl: boolean;
}

export class CallRecordings {
  /** Recordings not yet stopped, by RecordingSid. */
  private readonly active = new Map<string, ActiveRecording>();

  constructor(private readonly rt: CallRuntime) {}

  /** Starts recording a live, answered call (404 for an unknown call, 422 for one over or not answered). */
  start(callSid: string, input: StartRecording): SimRecording {
    const call = this.liveCall(callSid);
    const now = this.rt.now();
    const recording: ActiveRecording = {
      sid: randomUUID(),
      call,
      startedAt: now,
      recordedMs: 0,
      runningSince: now,
      // Twilio's documented default for REST recordings is mono.
      channels: input.channels === 'dual' ? 2 : 1,
      statusCallback: input.statusCallback ?? null,
      statusCallbackMethod: input.statusCallbackMethod ?? 'POST',
      events: new Set((input.statusCallbackEvent ?? 'completed').split(/\s+/).filter(Boolean)),
      // "Whether to send RecordingUrl in webhooks": sent unless turned off (inferred default).
      sendRecordingUrl: input.sendRecordingUrl ?? true,
    };
    this.active.set(recording.sid, recording);
    this.store(recording, 'in-progress');
    const beep = input.playBeep ?? true;
    this.rt.step(call, {
      kind: 'recording',
      at: 0,
      recordingSid: recording.sid,
      url: this.rt.deps.media.urlOf(recording.sid),
      duration: 0,
      line: `recording ${short(recording.sid)} starts (REST API)${beep ? '; a beep' : ''}`,
    });
    call.endHooks.push(() => this.finish(recording));
    if (recording.events.has('in-progress')) void this.callback(recording, 'in-progress');
    return this.rt.deps.media.get(recording.sid)!;
  }

  /**
   * Status paused | in-progress | stopped. Pausing a paused or resuming a running recording changes
   * nothing; a recording already over cannot change (422, inferred); an unknown one, or one of another
   * call, is 404.
   */
  update(callSid: string, recordingSid: string, status: 'paused' | 'in-progress' | 'stopped'): SimRecording {
    const stored = this.rt.deps.media.get(recordingSid);
    if (!stored || stored.callSid !== callSid)
      throw new SimApiError(404, '10005', 'Resource not found', `No recording ${recordingSid} on call ${callSid}.`);
    const recording = this.active.get(recordingSid);
    if (!recording) throw new SimApiError(422, '10015', 'Invalid value', `Recording ${recordingSid} is over (${stored.status})`, '/Status');
    const now = this.rt.now();
    if (status === 'paused' && recording.runningSince !== null) {
      recording.recordedMs += now - recording.runningSince;
      recording.runningSince = null;
      this.store(recording, 'paused');
      this.note(recording, 'paused');
    } else if (status === 'in-progress' && recording.runningSince === null) {
      recording.runningSince = now;
      this.store(recording, 'in-progress');
      this.note(recording, 'resumed');
    } else if (status === 'stopped') {
      void this.finish(recording);
    }
    return this.rt.deps.media.get(recordingSid)!;
  }

  private liveCall(callSid: string): SimCall {
    const call = this.rt.calls.get(callSid);
    if (!call) throw new SimApiError(404, '10005', 'Resource not found', `No call ${callSid}.`);
    if (call.endedAt !== null) throw new SimApiError(422, '90018', 'Call has already ended', `Call ${callSid} is not live`);
    // Inferred: a call not yet answered has no audio to record.
    if (call.answeredAt === null) throw new SimApiError(422, '90018', 'Call is not in progress', `Call ${callSid} has not been answered`);
    return call;
  }

  /** Stopped, or the call ended: the audio is stored with the time recorded, and `completed` (or `absent`) is sent. */
  private finish(recording: ActiveRecording): Promise<void> {
    if (!this.active.delete(recording.sid)) return Promise.resolve();
    const now = this.rt.now();
    if (recording.runningSince !== null) recording.recordedMs += now - recording.runningSince;
    recording.runningSince = null;
    const duration = Math.round(recording.recordedMs / 1000);
    // Nothing recorded: `absent`, as recordingStatusCallbackEvent names it.
    const status = duration > 0 ? 'completed' : 'absent';
    this.store(recording, status, duration);
    this.note(recording, `${status === 'completed' ? 'completed' : 'absent (nothing recorded)'}: ${duration} s`);
    return recording.events.has(status) ? this.callback(recording, status, duration) : Promise.resolve();
  }

  private store(recording: ActiveRecording, status: SimRecording['status'], duration = 0): void {
    this.rt.deps.media.add({
      sid: recording.sid,
      callSid: recording.call.sid,
      conferenceSid: null,
      duration,
      channels: recording.channels,
      format: 'mp3',
      source: 'StartCallRecordingAPI',
      status,
      startedAt: new Date(recording.startedAt).toISOString(),
      expiresAt: null,
    });
  }

  private note(recording: ActiveRecording, what: string): void {
    const { call, sid } = recording;
    this.rt.step(call, {
      kind: 'recording',
      at: 0,
      recordingSid: sid,
      url: this.rt.deps.media.urlOf(sid),
      duration: Math.round(recording.recordedMs / 1000),
      line: `recording ${short(sid)} ${what}`,
    });
  }

  /** The TeXML recording callback (TexmlRecordingInProgressWebhook / the completed one). */
  private async callback(recording: ActiveRecording, status: 'in-progress' | 'completed' | 'absent', duration?: number): Promise<void> {
    if (!recording.statusCallback) return;
    const { call } = recording;
    await this.rt.callback(call, 'recording status', recording.statusCallbackMethod, recording.statusCallback, {
      AccountSid: this.rt.deps.account.accountSid,
      CallSid: call.sid,
      CallSidLegacy: call.legacySid,
      ConnectionId: this.rt.deps.account.connectionId,
      RecordingChannels: String(recording.channels),
      ...(duration === undefined ? {} : { RecordingDuration: String(duration) }),
      RecordingSid: recording.sid,
      RecordingSource: 'StartCallRecordingAPI',
      RecordingStatus: status,
      ...(status === 'completed' && recording.sendRecordingUrl ? { RecordingUrl: this.rt.deps.media.urlOf(recording.sid) } : {}),
    });
  }
}
