/**
 * Conferences as calls live them: `<Dial><Conference>` (join the named room, wait with its waitUrl music
 * until it starts, talk, leave), a participant the TeXML REST API dialed in, the room's start and end
 * rules played on its calls (wakes, beeps, the conference status callbacks), its `record-from-start`
 * recording, and hold music. The rooms' state and rules are ./conferences.ts's, who hears whom is
 * ./audibility.ts's; the REST operations are ./conference-control.ts's.
 *
 * Page: developers.telnyx.com/docs/voice/programmable-voice/texml-verbs/conference. Where Telnyx is
 * silent this follows Twilio's documented behaviour and says so.
 */
import { randomUUID } from 'node:crypto';
import type { TimerHandle } from '../domain/clock.js';
import { ANNOUNCEMENT_VERBS, type CallRuntime, MAX_ANNOUNCEMENT_REDIRECTS, RECORDING_TTL_MS } from './call-runtime.js';
import {
  beepsOn,
  Conference,
  type ConferenceEndReason,
  type ConferenceEvent,
  type Participant,
  type ParticipantSettings,
  participantSettingsOf,
} from './conferences.js';
import { DEFAULT_TIME_LIMIT, dialEnded } from './dial-verb.js';
import type { Rooms } from './rooms.js';
import { describeAttrs, type EndedBy, endpointOf, pathOf, resolveUrl, type SimCall, short, type VerbResult, verbStep } from './sim-call.js';
import { readTexml, type TexmlNode } from './texml-reader.js';
import type { HttpMethod } from './webhook-client.js';

export class ConferenceVerbs {
  /** Every conference, live or over (the REST API lists both). */
  private readonly conferences = new Map<string, Conference>();

  constructor(
    private readonly rt: CallRuntime,
    private readonly rooms: Rooms,
  ) {}

  /** A conference by its ConferenceSid. */
  get(sid: string): Conference | undefined {
    return this.conferences.get(sid);
  }

  all(): Conference[] {
    return [...this.conferences.values()];
  }

  /**
   * `<Dial><Conference>` (conference page): joins the named room (a new one when none is live), waits
   * with the waitUrl music until it starts, talks, and leaves when the call ends, is removed or
   * redirected through the REST API, reaches the Dial's timeLimit, or the conference ends. Then the
   * Dial's action (DialCallStatus completed) or the next verb: "allow either call leg to continue
   * executing TexML if the other hangs up" (endConferenceOnExit). A full room (maxParticipants) ends the
   * Dial at once with DialCallStatus failed (inferred).
   */
  async dialConference(sim: SimCall, verb: TexmlNode, noun: TexmlNode): Promise<VerbResult> {
    this.rt.answer(sim);
    const timeLimit = Number(verb.attrs.timeLimit ?? DEFAULT_TIME_LIMIT);
    const conference = this.liveConference(noun.text) ?? this.createConference(noun.text, Number(noun.attrs.maxParticipants ?? 250));
    this.rt.step(
      sim,
      verbStep(
        verb,
        `dial conference "${noun.text}"${describeAttrs(noun, ['startConferenceOnEnter', 'endConferenceOnExit', 'muted', 'participantLabel'])}`,
      ),
    );
    if (conference.isFull()) {
      this.rt.step(sim, verbStep(verb, `dial: conference "${noun.text}" is full (${conference.maxParticipants})`));
      return dialEnded(this.rt, sim, verb, 'failed', 0, null);
    }
    const attrs = noun.attrs;
    if (attrs.statusCallback)
      conference.subscribe(
        resolveUrl(attrs.statusCallback, sim.documentUrl),
        (attrs.statusCallbackMethod as HttpMethod | undefined) ?? 'POST',
        attrs.statusCallbackEvent,
      );
    if (attrs.record === 'record-from-start' && !conference.recording) {
      conference.recording = {
        statusCallback: attrs.recordingStatusCallback ? resolveUrl(attrs.recordingStatusCallback, sim.documentUrl) : null,
        statusCallbackMethod: (attrs.recordingStatusCallbackMethod as HttpMethod | undefined) ?? 'POST',
        events: new Set((attrs.recordingStatusCallbackEvent ?? 'completed').split(/\s+/).filter(Boolean)),
        startedAt: conference.status === 'in-progress' ? this.rt.now() : null,
      };
    }
    const music = attrs.waitUrl
      ? { url: resolveUrl(attrs.waitUrl, sim.documentUrl), method: (attrs.waitMethod as HttpMethod | undefined) ?? 'POST' }
      : null;
    const talked = await this.attend(sim, conference, participantSettingsOf(attrs), music, timeLimit);
    return dialEnded(this.rt, sim, verb, 'completed', talked, null);
  }

  /** A REST-dialed participant answered: it joins (if the room is still there) and hangs up when it leaves. */
  async joinDialed(sim: SimCall, conference: Conference, settings: ParticipantSettings): Promise<EndedBy> {
    if (!conference.live || conference.isFull()) {
      const why = conference.live ? 'is full' : 'has ended';
      this.rt.step(sim, {
        kind: 'verb',
        at: 0,
        verb: 'Conference',
        attrs: {},
        text: conference.friendlyName,
        line: `conference "${conference.friendlyName}" ${why}; hanging up`,
      });
      return 'application';
    }
    await this.attend(sim, conference, settings, null, DEFAULT_TIME_LIMIT);
    return sim.ended ? (sim.interrupt?.kind === 'api-hangup' ? 'api' : 'caller') : 'application';
  }

  /** One call's time in a conference; answers the seconds it spent in the started room. */
  private async attend(
    sim: SimCall,
    conference: Conference,
    settings: ParticipantSettings,
    music: { url: string; method: HttpMethod } | null,
    timeLimit: number,
  ): Promise<number> {
    const { participant, starts } = conference.join(sim.sid, settings, this.rt.now());
    const room = this.rooms.forConference(conference);
    this.rooms.enter(sim.sid, room);
    const others = conference.connected().length - 1;
    this.rt.note(
      sim,
      `joins conference "${conference.friendlyName}" (${others} other${others === 1 ? '' : 's'} there)${participant.muted ? ', muted' : ''}${
        others && beepsOn(participant.beep, 'enter') ? '; a beep for the others' : ''
      }`,
    );
    if (conference.status === 'in-progress') this.meet(sim, conference);
    await this.conferenceEvent(conference, 'participant-join', participant, sim);
    if (starts && conference.status === 'init') await this.startConference(conference, sim);

    let timeUp = false;
    const limitTimer = this.rt.after(timeLimit, () => {
      timeUp = true;
      sim.raise({ kind: 'wake' });
    });
    let talkTimer: TimerHandle | null = null;
    let talkingSince: number | null = null;
    try {
      for (;;) {
        sim.clearWake();
        if (sim.ended || sim.redirected || participant.status === 'left' || participant.removed || timeUp) break;
        if (conference.status === 'in-progress') {
          if (talkingSince === null) {
            talkingSince = this.rt.now();
            // The scripted caller talks `talkSeconds` once someone is there to hear, then hangs up.
            talkTimer = this.rt.after(sim.caller.talkSeconds, () => {
              this.rt.step(sim, {
                kind: 'caller',
                at: 0,
                action: 'hang-up',
                line: `caller hangs up after ${sim.caller.talkSeconds} s in the conference`,
              });
              this.rt.callerHangsUp(sim);
            });
          }
          if (participant.hold)
            await this.playMusic(
              sim,
              participant.holdUrl ? { url: participant.holdUrl, method: participant.holdMethod } : null,
              'conference HoldUrl',
              () => !participant.hold,
            );
          else await this.rt.untilInterrupted(sim);
        } else {
          await this.playMusic(sim, music, 'Conference waitUrl', () => conference.status !== 'init');
        }
      }
    } finally {
      if (limitTimer) this.rt.deps.clock.clearTimer(limitTimer);
      if (talkTimer) this.rt.deps.clock.clearTimer(talkTimer);
    }
    if (timeUp && participant.status === 'connected') this.rt.note(sim, `dial: timeLimit ${timeLimit} s reached`);
    if (participant.removed && participant.status === 'connected') this.rt.note(sim, 'removed from the conference through the REST API');
    const talked = talkingSince === null ? 0 : (this.rt.now() - talkingSince) / 1000;
    await this.leaveConference(conference, participant, sim);
    return talked;
  }

  /** The room mixes: wait music stops, recording starts, `conference-start` is sent. */
  private async startConference(conference: Conference, sim: SimCall): Promise<void> {
    const now = this.rt.now();
    conference.start(now);
    this.rt.note(sim, `conference "${conference.friendlyName}" starts`);
    for (const p of conference.connected()) if (p.callSid !== sim.sid) this.rt.calls.get(p.callSid)?.raise({ kind: 'wake' });
    this.meet(sim, conference);
    const recording = conference.recording;
    if (recording) recording.startedAt = now;
    await this.conferenceEvent(conference, 'conference-start', null, sim);
    if (recording?.statusCallback && recording.events.has('in-progress'))
      await this.rt.callback(sim, 'conference recording status', recording.statusCallbackMethod, recording.statusCallback, {
        ...this.conferenceRecordingParams(conference, sim),
        RecordingStatus: 'in-progress',
      });
  }

  /** A participant is out: `participant-leave`, and the end of the room if it was the last or its moderator. */
  private async leaveConference(conference: Conference, participant: Participant, sim: SimCall): Promise<void> {
    const room = this.rooms.forConference(conference);
    this.rooms.leave(sim.sid, room);
    this.rooms.endSupervisionOf(room, sim.sid);
    if (participant.status === 'left') return; // dropped when the room ended: already announced
    const ends = conference.leave(participant.callSid, this.rt.now());
    this.rt.note(
      sim,
      `leaves conference "${conference.friendlyName}"${beepsOn(participant.beep, 'exit') && conference.connected().length ? '; a beep for the others' : ''}`,
    );
    await this.conferenceEvent(conference, 'participant-leave', participant, sim);
    if (ends) await this.endConference(conference, sim, ends, participant);
  }

  /** "The conference ends and all other participants drop out" (conference page, endConferenceOnExit). */
  private async endConference(conference: Conference, sim: SimCall, reason: ConferenceEndReason, ending: Participant): Promise<void> {
    const dropped = conference.end(this.rt.now());
    this.rt.note(sim, `conference "${conference.friendlyName}" ends (${reason})`);
    this.rooms.close(this.rooms.forConference(conference));
    for (const p of dropped) this.rt.calls.get(p.callSid)?.raise({ kind: 'wake' });
    for (const p of dropped) await this.conferenceEvent(conference, 'participant-leave', p, this.rt.calls.get(p.callSid) ?? sim);
    await this.conferenceEvent(conference, 'conference-end', null, sim, {
      ReasonConferenceEnded: reason,
      CallSidEndingConference: ending.callSid,
      ...(ending.label ? { ParticipantLabelEndingConference: ending.label } : {}),
    });
    await this.finishConferenceRecording(conference, sim);
  }

  /**
   * `record="record-from-start"`: one recording from the start to the end of the room, stored (its URL
   * valid 10 minutes after the end, like a call's) and sent to recordingStatusCallback with
   * RecordingSource Conference. Mono (inferred: the conference mix is one channel).
   */
  private async finishConferenceRecording(conference: Conference, sim: SimCall): Promise<void> {
    const recording = conference.recording;
    if (!recording || recording.startedAt === null) return;
    const now = this.rt.now();
    const duration = Math.round((now - recording.startedAt) / 1000);
    const sid = randomUUID();
    const url = this.rt.deps.media.add({
      sid,
      callSid: sim.sid,
      conferenceSid: conference.sid,
      duration,
      channels: 1,
      format: 'mp3',
      source: 'Conference',
      status: duration > 0 ? 'completed' : 'absent',
      startedAt: new Date(recording.startedAt).toISOString(),
      expiresAt: null,
    });
    this.rt.deps.media.expireAt(sid, now + (this.rt.deps.recordingTtlMs ?? RECORDING_TTL_MS));
    this.rt.step(sim, {
      kind: 'recording',
      at: 0,
      recordingSid: sid,
      url,
      duration,
      line: `conference recording ${short(sid)}: ${duration} s at ${url}`,
    });
    const status = duration > 0 ? 'completed' : 'absent';
    if (recording.statusCallback && recording.events.has(status))
      await this.rt.callback(sim, 'conference recording status', recording.statusCallbackMethod, recording.statusCallback, {
        ...this.conferenceRecordingParams(conference, sim),
        RecordingChannels: '1',
        RecordingDuration: String(duration),
        RecordingSid: sid,
        RecordingSource: 'Conference',
        RecordingStatus: status,
        RecordingUrl: url,
      });
  }

  private conferenceRecordingParams(conference: Conference, sim: SimCall): Record<string, string> {
    return {
      AccountSid: this.rt.deps.account.accountSid,
      CallSid: sim.sid,
      CallSidLegacy: sim.legacySid,
      ConferenceSid: conference.sid,
      ConnectionId: this.rt.deps.account.connectionId,
    };
  }

  /**
   * A conference status callback to every URL subscribed to `event` (statusCallbackEvent start end join
   * leave), with Twilio's field names: ConferenceSid, FriendlyName, StatusCallbackEvent, Timestamp,
   * SequenceNumber, and for participant events CallSid, Muted, Hold, Coaching, EndConferenceOnExit,
   * StartConferenceOnEnter (ParticipantLabel and CallSidToCoach when set).
   */
  private async conferenceEvent(
    conference: Conference,
    event: ConferenceEvent,
    participant: Participant | null,
    sim: SimCall,
    extra: Record<string, string> = {},
  ): Promise<void> {
    for (const subscription of conference.subscribers(event)) {
      const call = participant ? this.rt.calls.get(participant.callSid) : undefined;
      await this.rt.callback(sim, 'conference status', subscription.method, subscription.url, {
        AccountSid: this.rt.deps.account.accountSid,
        ConferenceSid: conference.sid,
        FriendlyName: conference.friendlyName,
        StatusCallbackEvent: event,
        Timestamp: new Date(this.rt.now()).toISOString(),
        SequenceNumber: String(++conference.sequence),
        ...(participant
          ? {
              CallSid: participant.callSid,
              CallSidLegacy: call?.legacySid ?? participant.callSid,
              Muted: String(participant.muted),
              Hold: String(participant.hold),
              Coaching: String(participant.coaching),
              EndConferenceOnExit: String(participant.endConferenceOnExit),
              StartConferenceOnEnter: String(participant.startConferenceOnEnter),
              ...(participant.label ? { ParticipantLabel: participant.label } : {}),
              ...(participant.coaching && participant.callSidToCoach ? { CallSidToCoach: participant.callSidToCoach } : {}),
            }
          : {}),
        ...extra,
      });
    }
  }

  /**
   * Music while waiting for the room to start (waitUrl) or on hold (HoldUrl), until `done()` or the call is
   * interrupted. The URL may answer audio (played in a loop) or TeXML with Play, Say, Pause and Redirect,
   * re-requested when it runs out (conference page: "waitUrl: MP3/WAV or a TeXML document"; Twilio's
   * documented verbs and loop). No URL: silence. A URL that fails: silence, and the error is reported.
   */
  private async playMusic(
    sim: SimCall,
    source: { url: string; method: HttpMethod } | null,
    purpose: string,
    done: () => boolean,
  ): Promise<void> {
    if (!source) return this.rt.untilInterrupted(sim);
    let { url, method } = source;
    for (let redirects = 0; ; ) {
      if (done() || sim.interrupt) return;
      const exchange = await this.rt.request(sim, method, url, this.rt.callParams(sim));
      const summary = exchange.status ? `${exchange.status}` : `no answer (${exchange.error})`;
      this.rt.step(sim, { kind: 'fetch', at: exchange.at, purpose, exchange, line: `${purpose}: ${method} ${pathOf(url)} → ${summary}` });
      if (exchange.status !== 200) {
        sim.errors.push(`${purpose}: ${method} ${url} answered ${summary}`);
        return this.rt.untilInterrupted(sim);
      }
      if (/^audio\//i.test(exchange.contentType ?? '')) {
        this.rt.note(sim, `${purpose}: plays ${pathOf(url)} in a loop`);
        return this.rt.untilInterrupted(sim);
      }
      const read = readTexml(exchange.body, ANNOUNCEMENT_VERBS);
      if (!read.ok || read.verbs.length === 0) {
        await this.rt.dialectError(sim, purpose, read.ok ? ['the music document plays nothing'] : read.errors);
        return this.rt.untilInterrupted(sim);
      }
      let redirect: TexmlNode | null = null;
      for (const verb of read.verbs) {
        if (done() || sim.interrupt) return;
        if (verb.name === 'Redirect') {
          redirect = verb;
          break;
        }
        await this.rt.runVerb(sim, verb);
      }
      if (redirect) {
        if (++redirects > MAX_ANNOUNCEMENT_REDIRECTS) {
          await this.rt.dialectError(sim, purpose, [`more than ${MAX_ANNOUNCEMENT_REDIRECTS} redirects in a row: a loop`]);
          return this.rt.untilInterrupted(sim);
        }
        url = resolveUrl(redirect.text, url);
        method = (redirect.attrs.method as HttpMethod | undefined) ?? 'POST';
      } else redirects = 0;
    }
  }

  private liveConference(name: string): Conference | undefined {
    return [...this.conferences.values()].find((c) => c.friendlyName === name && c.live);
  }

  private createConference(name: string, maxParticipants: number): Conference {
    const conference = new Conference(name, this.rt.now(), maxParticipants);
    this.conferences.set(conference.sid, conference);
    return conference;
  }

  /** Whom a call in a started room talks with, for its outcome (the first other participant). */
  private meet(sim: SimCall, conference: Conference): void {
    for (const p of conference.connected()) {
      const other = this.rt.calls.get(p.callSid);
      if (!other || other === sim) continue;
      sim.bridgedTo ??= endpointOf(other);
      other.bridgedTo ??= endpointOf(sim);
    }
  }
}
