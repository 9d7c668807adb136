/**
 * The shell every verb plays through, one per engine: the calls it knows, the requests and callbacks
 * it sends (instruction fetches, actions, status callbacks, signed by the webhook client), time (waits
 * an interrupt cuts short, timers on the Clock), and a call's life (answered, the caller hanging up,
 * recordings stored, dialect errors, the end with its status callback, every step of its transcript).
 * The verbs themselves live in ./basic-verbs.ts, ./dial-verb.ts, ./queue-verbs.ts and ./conference-verbs.ts;
 * they reach one another's nested verbs through `runVerb`, which the engine gives the runtime.
 *
 * Pages cited: developers.telnyx.com/docs/voice/programmable-voice/texml-instruction-fetching and the
 * TeXML callback schemas under api-reference/callbacks/texml-*.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../domain/clock.js';
import type { MediaStore, Switchboard } from './contracts.js';
import { MediaLengths } from './media-length.js';
import { clip, type EndedBy, pathOf, playingSeconds, resolveUrl, round1, type SimCall, short, type VerbResult } from './sim-call.js';
import { readTexml, type TexmlNode } from './texml-reader.js';
import type { Step } from './transcript.js';
import type { HttpMethod, WebhookClient, WebhookExchange } from './webhook-client.js';

export interface EngineDeps {
  clock: Clock;
  account: { accountSid: string; connectionId: string };
  webhooks: WebhookClient;
  switchboard: Switchboard;
  media: MediaStore;
  /** Counts work in flight (HTTP requests), so a virtual clock knows when the simulation is idle. */
  busy?: { begin(): void; end(): void };
  /** Recordings stay downloadable this long after the call ends (Telnyx: 10 minutes). */
  recordingTtlMs?: number;
}

export const RECORDING_TTL_MS = 10 * 60_000;
/**
 * Verbs of a `<Queue url>` document (run on the queued caller before the bridge) and of a conference's
 * waitUrl or HoldUrl document: Twilio's documented lists (Telnyx's pages do not restrict them).
 */
export const ANNOUNCEMENT_VERBS: readonly string[] = ['Play', 'Say', 'Pause', 'Redirect'];
/** Redirects followed inside one announcement or music document before it counts as a loop. */
export const MAX_ANNOUNCEMENT_REDIRECTS = 20;

/** A recording stored on the media server, as its callbacks describe it. */
export interface StoredRecording {
  sid: string;
  url: string;
  channels: 1 | 2;
  duration: number;
  source: 'RecordVerb' | 'DialVerb';
}

export class CallRuntime {
  /** The live calls and the ended ones still remembered (the REST API lists both). */
  readonly calls = new Map<string, SimCall>();
  /** How long each `<Play>` URL's audio lasts, read from the audio itself. */
  private readonly mediaLengths: MediaLengths;

  constructor(
    readonly deps: EngineDeps,
    /** Plays one verb on a call (the engine's dispatch): waitUrl, announcement and music documents play verbs too. */
    readonly runVerb: (sim: SimCall, verb: TexmlNode) => Promise<VerbResult>,
  ) {
    this.mediaLengths = new MediaLengths(deps.busy);
  }

  /** How long a `<Play>` lasts: its audio's own length when it can be read (see ./media-length.ts), times its loops. */
  async playSeconds(sim: SimCall, verb: TexmlNode): Promise<number> {
    const fromUrl = verb.text && !verb.attrs.digits && verb.attrs.mediaStorage !== 'true';
    const clipSeconds = fromUrl ? await this.mediaLengths.secondsOf(resolveUrl(verb.text, sim.documentUrl)) : null;
    return playingSeconds(verb, clipSeconds);
  }

  now(): number {
    return this.deps.clock.now();
  }

  // ——— requests and callbacks ———

  /** Fetches a TeXML document and returns its verbs, or null (and an error) when it cannot be played. */
  async fetchDocument(
    sim: SimCall,
    purpose: string,
    method: HttpMethod,
    url: string,
    params: Record<string, string>,
    allowedVerbs: readonly string[] | null = sim.allowedVerbs,
  ): Promise<TexmlNode[] | null> {
    const exchange = await this.request(sim, method, url, params);
    const summary = exchange.status ? `${exchange.status}` : `no answer (${exchange.error})`;
    this.step(sim, { kind: 'fetch', at: exchange.at, purpose, exchange, line: `${purpose}: ${method} ${pathOf(url)} → ${summary}` });
    // "TeXML instruction fetching": HTTP 200 with a valid <Response>, else "an application error has occurred".
    if (exchange.status !== 200)
      return this.dialectError(sim, purpose, [
        `${method} ${url} answered ${summary}: Telnyx would say "an application error has occurred" and hang up`,
      ]);
    const read = readTexml(exchange.body, allowedVerbs ?? undefined);
    if (!read.ok)
      return this.dialectError(
        sim,
        purpose,
        read.errors.map((e) => `${e}\n    in ${clip(exchange.body, 300)}`),
      );
    return read.verbs;
  }

  /** Follows an action/Redirect: the answer replaces the document; a failed fetch ends the call. */
  async follow(sim: SimCall, purpose: string, method: HttpMethod, url: string, params: Record<string, string>): Promise<VerbResult> {
    const absolute = resolveUrl(url, sim.documentUrl);
    const verbs = await this.fetchDocument(sim, purpose, method, absolute, params);
    if (!verbs) return { next: 'end', endedBy: 'error' };
    return { next: 'document', verbs, url: absolute };
  }

  /** A callback whose answer is only acknowledged: anything but 200 is an error (Telnyx retries at the failover URL). */
  async callback(sim: SimCall, purpose: string, method: HttpMethod, url: string, params: Record<string, string>): Promise<void> {
    const exchange = await this.request(sim, method, resolveUrl(url, sim.documentUrl), params);
    const summary = exchange.status ? `${exchange.status}` : `no answer (${exchange.error})`;
    const described = params.CallStatus ?? params.RecordingStatus ?? params.StatusCallbackEvent ?? params.QueueResult ?? '';
    this.step(sim, {
      kind: 'callback',
      at: exchange.at,
      purpose,
      exchange,
      line: `${purpose} ${described}: ${method} ${pathOf(url)} → ${summary}`,
    });
    if (exchange.status !== 200) sim.errors.push(`${purpose} callback ${method} ${url} answered ${summary}`);
  }

  /** A `<Dial>` leg's status callback, when its noun's statusCallbackEvent asks for this event. */
  async legCallback(
    sim: SimCall,
    noun: TexmlNode,
    legSid: string,
    from: string,
    status: string,
    extra: Record<string, string> = {},
    /** Whose transcript records it: the dialing call's, or the leg's own once it left the bridge. */
    recordOn: SimCall = sim,
  ): Promise<void> {
    const url = noun.attrs.statusCallback;
    if (!url) return;
    // The event names of statusCallbackEvent: answered → CallStatus in-progress; every end is "completed".
    const event =
      status === 'in-progress' || status === 'answered' ? 'answered' : ['initiated', 'ringing'].includes(status) ? status : 'completed';
    const wanted = (noun.attrs.statusCallbackEvent ?? 'completed').split(/\s+/);
    if (!wanted.includes(event)) return;
    await this.callback(recordOn, 'leg status', (noun.attrs.statusCallbackMethod as HttpMethod) ?? 'POST', url, {
      AccountSid: this.deps.account.accountSid,
      CallSid: legSid,
      CallSidLegacy: legSid,
      ParentCallSid: sim.sid,
      CallStatus: status === 'answered' ? 'in-progress' : status,
      From: from,
      To: noun.text,
      ConnectionId: this.deps.account.connectionId,
      CallbackSource: 'call-progress-events',
      Timestamp: new Date(this.now()).toISOString(),
      SequenceNumber: String(++sim.sequence),
      ...extra,
    });
  }

  /** One signed request to the application, recorded on the call; counted as busy while in flight. */
  async request(sim: SimCall, method: HttpMethod, url: string, params: Record<string, string>): Promise<WebhookExchange> {
    const at = this.elapsed(sim);
    this.deps.busy?.begin();
    try {
      const exchange = { at, ...(await this.deps.webhooks.send(method, url, params)) };
      sim.requests.push(exchange);
      return exchange;
    } finally {
      this.deps.busy?.end();
    }
  }

  /** The fields of every instruction fetch ("TeXML instruction fetching": always included). */
  callParams(sim: SimCall): Record<string, string> {
    return {
      AccountSid: this.deps.account.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: sim.sid,
      CallSidLegacy: sim.legacySid,
      CallStatus: sim.status,
      CallerId: sim.from,
      CallingPartyType: 'pstn',
      ConnectionId: this.deps.account.connectionId,
      From: sim.from,
      To: sim.to,
      // A `<Dial>` leg's own documents (after a REST redirect) name the call that dialed it (Twilio's ParentCallSid).
      ...(sim.parentCallSid ? { ParentCallSid: sim.parentCallSid } : {}),
    };
  }

  /** The Gather callback's fields (TexmlGatherWebhook): the call's identity and the digits. */
  gatherParams(sim: SimCall): Record<string, string> {
    return { AccountSid: this.deps.account.accountSid, CallSid: sim.sid, CallSidLegacy: sim.legacySid, From: sim.from, To: sim.to };
  }

  /** An action's method: the verb's own, else the application's (gather page: "Same method ... as set for the TexML application"). */
  appMethod(sim: SimCall, verb: TexmlNode): HttpMethod {
    return (verb.attrs.method as HttpMethod | undefined) ?? sim.app.voiceMethod;
  }

  // ——— the call's life ———

  /** The call is answered (once): its status turns in-progress. */
  answer(sim: SimCall): void {
    if (sim.answeredAt !== null) return;
    sim.answeredAt = this.now();
    sim.status = 'in-progress';
  }

  /** The caller (or an outbound call's far end) hangs up: whatever plays is interrupted. */
  callerHangsUp(sim: SimCall): void {
    if (sim.endedAt !== null || sim.ended) return;
    sim.callerHungUp = true;
    if (!sim.steps.some((s) => s.kind === 'caller' && s.action === 'hang-up') && sim.interrupt === null) {
      this.step(sim, { kind: 'caller', at: this.elapsed(sim), action: 'hang-up', line: 'caller hangs up' });
    }
    sim.raise({ kind: 'caller-hung-up' });
  }

  /**
   * Keys the far end of `sim` pressed live (a softphone's DTMF, telnyx_rtc.info): a step of the call,
   * and the keys go to the `<Gather>` listening, if any. Otherwise they are lost: a bridge or a
   * conference carries them as audio only (inferred: Telnyx documents no DTMF callback for TeXML).
   */
  dtmf(sim: SimCall, keys: string, from: string): void {
    if (sim.endedAt !== null) return;
    const listener = sim.keyListener;
    this.step(sim, {
      kind: 'caller',
      at: 0,
      action: 'digits',
      digits: keys,
      line: `dtmf ${keys} from ${from}${listener ? '' : ' (no Gather listening)'}`,
    });
    listener?.(keys);
  }

  /** The end of a call an interrupt stopped: by the REST API's hang-up, or by the caller. */
  endedByInterrupt(sim: SimCall): VerbResult {
    return { next: 'end', endedBy: sim.interrupt?.kind === 'api-hangup' ? 'api' : 'caller' };
  }

  /** The call is over: its final status, the application's status callback, recordings start to expire. */
  async finish(sim: SimCall, endedBy: EndedBy): Promise<void> {
    // A recording the REST API started ends with the call, its callback before the call's own.
    for (const hook of sim.endHooks.splice(0)) await hook();
    const now = this.now();
    sim.endedAt = now;
    if (sim.status === 'in-progress' || sim.status === 'ringing') sim.status = sim.answeredAt !== null ? 'completed' : 'canceled';
    const duration = sim.answeredAt !== null ? Math.round((now - sim.answeredAt) / 1000) : 0;
    this.step(sim, { kind: 'end', at: this.elapsed(sim), status: sim.status, endedBy, line: `call ${sim.status} (ended by ${endedBy})` });
    const ttl = this.deps.recordingTtlMs ?? RECORDING_TTL_MS;
    for (const rec of this.deps.media.list({ callSid: sim.sid })) this.deps.media.expireAt(rec.sid, now + ttl);
    const app = sim.app;
    const events = app.statusCallbackEvents ?? ['completed'];
    if (app.statusCallback && events.includes('completed')) {
      await this.callback(sim, 'call status', app.statusCallbackMethod ?? 'POST', app.statusCallback, {
        AccountSid: this.deps.account.accountSid,
        CallSid: sim.sid,
        CallSidLegacy: sim.legacySid,
        CallStatus: sim.status,
        From: sim.from,
        To: sim.to,
        ConnectionId: this.deps.account.connectionId,
        CallbackSource: 'call-progress-events',
        CallDuration: String(duration),
        Timestamp: new Date(now).toISOString(),
        SequenceNumber: String(++sim.sequence),
      });
    }
  }

  /** Stores a call's recording on the media server (its URL expires after the call, see `finish`). */
  storeRecording(
    sim: SimCall,
    duration: number,
    channels: 1 | 2,
    format: 'mp3' | 'wav',
    source: StoredRecording['source'],
  ): StoredRecording {
    const sid = randomUUID();
    const url = this.deps.media.add({
      sid,
      callSid: sim.sid,
      conferenceSid: null,
      duration,
      channels,
      format,
      source,
      status: 'completed',
      startedAt: new Date(this.now() - duration * 1000).toISOString(),
      expiresAt: null,
    });
    this.step(sim, {
      kind: 'recording',
      at: this.elapsed(sim),
      recordingSid: sid,
      url,
      duration,
      line: `recording ${short(sid)}: ${duration} s at ${url}`,
    });
    return { sid, url, channels, duration, source };
  }

  /**
   * A `<Record>`'s or a recorded `<Dial>`'s recording-completed callback to its `recordingStatusCallback`
   * (record and dial pages; the fields of the TeXML recording callback schema).
   */
  async recordingStatus(sim: SimCall, verb: TexmlNode, recording: StoredRecording): Promise<void> {
    const url = verb.attrs.recordingStatusCallback;
    if (!url) return;
    await this.callback(sim, 'recording status', (verb.attrs.recordingStatusCallbackMethod as HttpMethod) ?? 'POST', url, {
      AccountSid: this.deps.account.accountSid,
      CallSid: sim.sid,
      CallSidLegacy: sim.legacySid,
      ConnectionId: this.deps.account.connectionId,
      RecordingChannels: String(recording.channels),
      RecordingDuration: String(recording.duration),
      RecordingSid: recording.sid,
      RecordingSource: recording.source,
      RecordingStatus: 'completed',
      RecordingUrl: recording.url,
    });
  }

  /**
   * A `<Record transcription="true">`'s transcription, posted to its `transcriptionCallback` once the
   * recording is complete (texml-verbs/record: "The transcription result will be sent via webhook";
   * the body is Telnyx's TexmlTranscriptionWebhook, api-reference/callbacks/texml-transcription).
   * No speech is simulated, so the text is a fixed sentence naming the message's length, its caller
   * and the transcription language: tests can search for it.
   */
  async transcription(sim: SimCall, verb: TexmlNode, recording: StoredRecording): Promise<void> {
    const url = verb.attrs.transcriptionCallback;
    if (verb.attrs.transcription !== 'true' || !url) return;
    await this.callback(sim, 'transcription', 'POST', url, {
      AccountSid: this.deps.account.accountSid,
      CallSid: sim.sid,
      CallSidLegacy: sim.legacySid,
      CallStatus: sim.ended ? 'completed' : 'in-progress',
      From: sim.from,
      RecordingSid: recording.sid,
      RecordingUrl: recording.url,
      To: sim.to,
      TranscriptionSid: randomUUID(),
      TranscriptionStatus: 'completed',
      TranscriptionText: simulatedTranscriptionText(recording.duration, sim.from, verb.attrs.transcriptionLanguage ?? 'en'),
    });
  }

  /** Something Telnyx would refuse to play: an error on the call and a step in its transcript. */
  async dialectError(sim: SimCall, purpose: string, problems: string[]): Promise<null> {
    sim.errors.push(...problems.map((p) => `${purpose}: ${p}`));
    this.step(sim, { kind: 'error', at: this.elapsed(sim), problems, line: `${purpose}: ${problems.join('; ')}` });
    return null;
  }

  /** A step about the call's place in a queue or conference. */
  note(sim: SimCall, line: string): void {
    this.step(sim, { kind: 'verb', at: 0, verb: 'Conference', attrs: {}, text: '', line });
  }

  // ——— time ———

  /** `seconds` pass on the call, unless something interrupts it first. */
  wait(sim: SimCall, seconds: number): Promise<'done' | 'interrupted'> {
    if (sim.interrupt) return Promise.resolve('interrupted');
    return new Promise((resolve) => {
      const timer = this.after(seconds, () => {
        stop();
        resolve('done');
      });
      const stop = sim.onInterrupt(() => {
        if (timer) this.deps.clock.clearTimer(timer);
        resolve('interrupted');
      });
    });
  }

  /** Until something interrupts the call (a wake included). */
  untilInterrupted(sim: SimCall): Promise<void> {
    return new Promise((resolve) => {
      sim.onInterrupt(resolve);
    });
  }

  /** A timer `seconds` from now; none for Infinity (a `loop="0"` prompt plays until interrupted). */
  after(seconds: number, fn: () => void): TimerHandle | null {
    if (!Number.isFinite(seconds)) return null;
    return this.deps.clock.setTimer(this.now() + Math.max(0, seconds) * 1000, fn);
  }

  /** A timer `secondsFromStart` into the call (the scripted caller's hang-up). */
  at(sim: SimCall, secondsFromStart: number, fn: () => void): TimerHandle {
    return this.deps.clock.setTimer(sim.startedAt + secondsFromStart * 1000, fn);
  }

  /** Seconds since the call started, to a tenth. */
  elapsed(sim: SimCall): number {
    return round1((this.now() - sim.startedAt) / 1000);
  }

  /** A line of the call's transcript, told to its observer as it happens. */
  step(sim: SimCall, step: Step): void {
    // Fetches and callbacks are stamped when they were sent; everything else now.
    if (step.kind !== 'fetch' && step.kind !== 'callback') step.at = this.elapsed(sim);
    sim.steps.push(step);
    sim.observe?.(step, sim.sid);
  }
}

/** The simulator's stand-in for speech recognition: deterministic, so a test can look for it. */
export function simulatedTranscriptionText(durationSeconds: number, from: string, language: string): string {
  return `Simulated ${language} message of ${durationSeconds} seconds from ${from}: please call me back.`;
}
