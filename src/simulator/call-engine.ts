/**
 * Telnyx's part of a call: fetch the application's voice URL, play the TeXML it answers verb by verb,
 * ring `<Dial>` legs on the switchboard, send the callbacks Telnyx sends, and end the call the way
 * it would end. One engine serves many calls at once; time comes from a Clock (virtual in tests).
 *
 * Each behaviour names its Telnyx page (developers.telnyx.com/docs/voice/programmable-voice/
 * texml-verbs/<verb>, texml-instruction-fetching, and the TeXML callback schemas under
 * api-reference/callbacks/texml-*). Where Telnyx is silent the engine follows Twilio's documented
 * behaviour (TeXML is TwiML-compatible) and says so.
 *
 * One file on purpose (over 300 lines): the verbs share the call's runtime (its interruption, its
 * caller, its callbacks), and reading them side by side is how one checks they agree.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../domain/clock.js';
import type { LegEnd, MediaStore, OfferedLeg, SimCallView, Switchboard } from './contracts.js';
import { readTexml, type TexmlNode } from './texml-reader.js';
import type { CallOutcome, CallResult, Step } from './transcript.js';
import type { HttpMethod, WebhookClient, WebhookExchange } from './webhook-client.js';

/** The TeXML application a number points at (portal: Voice URL, method, status callback). */
export interface TexmlApplication {
  voiceUrl: string;
  voiceMethod: HttpMethod;
  /** "Call progress events URL": the inbound call's own status callbacks. */
  statusCallback?: string;
  statusCallbackMethod?: HttpMethod;
  /** Which of the call's progress events are sent there; Twilio's default for an application is `completed`. */
  statusCallbackEvents?: readonly ('initiated' | 'ringing' | 'answered' | 'completed')[];
}

/** What the caller does, for a scripted call (the scenario DSL builds it). */
export interface CallerScript {
  /** Keys pressed at the Gathers, in order: each entry is used by one `<Gather>`, `afterSeconds` into it. */
  digits: { keys: string; afterSeconds: number }[];
  /** Seconds from the start of the call at which the caller hangs up, whatever is happening. */
  hangUpAt: number | null;
  /** At a `<Record>`: speak this long, then hang up or press the finish key. */
  message: { seconds: number; ending: 'hang-up' | 'finish-key' };
  /** Once bridged to someone: talk this long, then hang up (unless the other side hangs up first). */
  talkSeconds: number;
}

export const DEFAULT_CALLER: CallerScript = {
  digits: [],
  hangUpAt: null,
  message: { seconds: 5, ending: 'hang-up' },
  talkSeconds: 10,
};

export interface InboundOptions {
  caller?: CallerScript;
  /** Where this call's legs ring (scripted agents first); default: the engine's switchboard. */
  phones?: Switchboard;
  observe?: (step: Step, callSid: string) => void;
  /** Told the CallSid as soon as the call exists (before it ends). */
  onStart?: (callSid: string) => void;
}

export interface OutboundCall {
  from: string;
  to: string;
  url?: string;
  method?: HttpMethod;
  texml?: string;
  statusCallback?: string;
  statusCallbackMethod?: HttpMethod;
  statusCallbackEvent?: string;
  timeoutSeconds?: number;
}

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
/** `<Dial timeout>` default (dial page). */
const DEFAULT_DIAL_TIMEOUT = 30;
/** `<Dial timeLimit>` default: 4 hours (dial page). */
const DEFAULT_TIME_LIMIT = 14_400;
/** `<Gather timeout>` default, seconds between digits (gather page). */
const DEFAULT_GATHER_TIMEOUT = 5;
/** `<Record maxLength>` default (record page). */
const DEFAULT_RECORD_MAX = 3600;
/** Documents fetched for one call before the engine calls it a loop and hangs up. */
const MAX_DOCUMENTS = 500;

type Interrupt =
  | { kind: 'caller-hung-up' }
  | { kind: 'api-hangup' }
  | { kind: 'api-redirect'; url?: string; method?: HttpMethod; texml?: string };

type VerbResult = { next: 'continue' } | { next: 'document'; verbs: TexmlNode[]; url: string } | { next: 'end'; endedBy: EndedBy };
type EndedBy = Extract<Step, { kind: 'end' }>['endedBy'];

/** One call's runtime: its identity, its transcript, and what can interrupt the verb being played. */
class SimCall {
  readonly sid = callSidOf();
  readonly legacySid = randomUUID();
  readonly startedAt: number;
  answeredAt: number | null = null;
  endedAt: number | null = null;
  status = 'ringing';
  readonly steps: Step[] = [];
  readonly requests: WebhookExchange[] = [];
  readonly errors: string[] = [];
  sequence = 0;
  interrupt: Interrupt | null = null;
  private readonly listeners = new Set<() => void>();
  switchboard: Switchboard | null = null;
  /** An outbound call's far end (the phone it rang). */
  farEnd: OfferedLeg | null = null;
  /** Sees each step as it happens (the CLI prints them). */
  observe: ((step: Step, callSid: string) => void) | undefined;
  /** The Gathers met so far: the caller's nth digits entry goes to the nth Gather. */
  gathers = 0;
  bridgedTo: { kind: 'sip' | 'number'; target: string } | null = null;
  forwarded = false;
  recorded = false;
  callerHungUp = false;
  documentUrl: string;

  constructor(
    readonly from: string,
    readonly to: string,
    readonly direction: SimCallView['direction'],
    readonly app: TexmlApplication,
    readonly caller: CallerScript,
    readonly parentCallSid: string | null,
    now: number,
  ) {
    this.startedAt = now;
    this.documentUrl = app.voiceUrl;
  }

  /** Something that must stop the current verb: the caller left, or the REST API acted on the call. */
  raise(interrupt: Interrupt): void {
    if (this.endedAt !== null) return;
    if (this.interrupt?.kind === 'caller-hung-up' || this.interrupt?.kind === 'api-hangup') return; // the end wins
    this.interrupt = interrupt;
    for (const listener of [...this.listeners]) listener();
  }

  /** Calls `fn` when an interrupt is raised (at once if one is pending); returns the unsubscribe. */
  onInterrupt(fn: () => void): () => void {
    if (this.interrupt) {
      fn();
      return () => {};
    }
    const once = () => {
      this.listeners.delete(once);
      fn();
    };
    this.listeners.add(once);
    return () => this.listeners.delete(once);
  }

  get ended(): boolean {
    return this.interrupt?.kind === 'caller-hung-up' || this.interrupt?.kind === 'api-hangup';
  }
}

export class CallEngine {
  private readonly calls = new Map<string, SimCall>();

  constructor(private readonly deps: EngineDeps) {}

  /**
   * An inbound call to a number of `app`: runs until the call ends and resolves with its transcript.
   * `observe` sees each step as it happens (the CLI prints them).
   */
  async inbound(call: { from: string; to: string }, app: TexmlApplication, opts: InboundOptions = {}): Promise<CallResult> {
    const caller = opts.caller ?? DEFAULT_CALLER;
    const sim = new SimCall(call.from, call.to, 'inbound', app, caller, null, this.deps.clock.now());
    this.calls.set(sim.sid, sim);
    sim.observe = opts.observe;
    sim.switchboard = opts.phones ?? this.deps.switchboard;
    opts.onStart?.(sim.sid);
    this.step(sim, {
      kind: 'call',
      at: 0,
      callSid: sim.sid,
      from: sim.from,
      to: sim.to,
      direction: 'inbound',
      line: `inbound call ${sim.sid} from ${sim.from} to ${sim.to}`,
    });
    const hangUpTimer = caller.hangUpAt !== null ? this.at(sim, caller.hangUpAt, () => this.callerHangsUp(sim)) : null;
    let endedBy: EndedBy = 'application';
    try {
      endedBy = await this.play(sim);
    } catch (err) {
      sim.errors.push(`engine failure: ${(err as Error).stack ?? err}`);
      endedBy = 'error';
    } finally {
      if (hangUpTimer) this.deps.clock.clearTimer(hangUpTimer);
    }
    await this.finish(sim, endedBy);
    return this.resultOf(sim);
  }

  /** The live calls and the ended ones still remembered, as the REST API shows them. */
  view(callSid: string): SimCallView | undefined {
    const sim = this.calls.get(callSid);
    return sim && viewOf(sim, this.deps.account.accountSid);
  }

  list(): SimCallView[] {
    return [...this.calls.values()].map((c) => viewOf(c, this.deps.account.accountSid));
  }

  /** The REST API's "update call": redirect to a URL or inline TeXML, or hang up. False if no such live call. */
  update(callSid: string, change: { url?: string; method?: HttpMethod; texml?: string; status?: 'completed' | 'canceled' }): boolean {
    const sim = this.calls.get(callSid);
    if (!sim || sim.endedAt !== null) return false;
    if (change.status) sim.raise({ kind: 'api-hangup' });
    else sim.raise({ kind: 'api-redirect', url: change.url, method: change.method, texml: change.texml });
    return true;
  }

  // ——— the interpreter ———

  /**
   * `POST .../Calls` (TeXML REST "Initiate an outbound call"): rings `to` on the switchboard; once
   * answered, plays `texml` or what `url` answers. Returns at once (status queued); the call runs on.
   */
  outbound(input: OutboundCall, opts: { observe?: InboundOptions['observe'] } = {}): SimCallView {
    const app: TexmlApplication = {
      voiceUrl: input.url ?? '',
      voiceMethod: input.method ?? 'POST',
      statusCallback: input.statusCallback,
      statusCallbackMethod: input.statusCallbackMethod,
      statusCallbackEvents: (input.statusCallbackEvent?.split(/\s+/).filter(Boolean) ?? [
        'completed',
      ]) as TexmlApplication['statusCallbackEvents'],
    };
    // The far end of an outbound call plays the caller's part: it talks until it hangs up itself.
    const farEnd: CallerScript = { ...DEFAULT_CALLER, talkSeconds: Infinity, message: { seconds: 0, ending: 'hang-up' } };
    const sim = new SimCall(input.from, input.to, 'outbound-api', app, farEnd, null, this.deps.clock.now());
    sim.status = 'queued';
    sim.observe = opts.observe;
    this.calls.set(sim.sid, sim);
    void this.runOutbound(sim, input).catch((err) => sim.errors.push(`engine failure: ${(err as Error).stack ?? err}`));
    return viewOf(sim, this.deps.account.accountSid);
  }

  private async runOutbound(sim: SimCall, input: OutboundCall): Promise<void> {
    this.step(sim, {
      kind: 'call',
      at: 0,
      callSid: sim.sid,
      from: sim.from,
      to: sim.to,
      direction: 'outbound-api',
      line: `outbound call ${sim.sid} from ${sim.from} to ${sim.to}`,
    });
    sim.status = 'ringing';
    const picked = await new Promise<'answered' | 'busy' | 'failed' | 'no-answer'>((resolve) => {
      let decided = false;
      const decide = (how: 'answered' | 'busy' | 'failed' | 'no-answer') => {
        if (decided) return;
        decided = true;
        if (timer) this.deps.clock.clearTimer(timer);
        resolve(how);
      };
      const timer = this.after(input.timeoutSeconds ?? 60, () => decide('no-answer'));
      const leg = this.deps.switchboard.offer(
        { legSid: sim.sid, parentCallSid: null, from: sim.from, to: sim.to },
        {
          ringing: () => this.step(sim, { kind: 'leg', at: 0, legSid: sim.sid, to: sim.to, status: 'ringing', line: `${sim.to}: ringing` }),
          answered: () => decide('answered'),
          rejected: (reason) => decide(reason),
          // After answering, the far end hanging up ends the call like a caller hanging up.
          hungUp: () => (decided ? this.callerHangsUp(sim) : decide('failed')),
        },
      );
      sim.farEnd = leg;
      if (!leg)
        this.step(sim, {
          kind: 'leg',
          at: 0,
          legSid: sim.sid,
          to: sim.to,
          status: 'unreachable',
          line: `${sim.to}: nothing registered there; it rings unanswered`,
        });
    });
    if (picked !== 'answered') {
      sim.farEnd?.end(picked === 'no-answer' ? 'no-answer' : 'canceled');
      sim.status = picked;
      await this.finish(sim, 'far-end');
      return;
    }
    this.answer(sim);
    this.step(sim, { kind: 'leg', at: 0, legSid: sim.sid, to: sim.to, status: 'in-progress', line: `${sim.to}: answered` });
    let endedBy: EndedBy;
    try {
      endedBy = await this.play(sim, input.texml);
    } catch (err) {
      sim.errors.push(`engine failure: ${(err as Error).stack ?? err}`);
      endedBy = 'error';
    }
    if (!sim.callerHungUp) sim.farEnd?.end('completed');
    await this.finish(sim, endedBy === 'caller' ? 'far-end' : endedBy);
  }

  private async play(sim: SimCall, inlineTexml?: string): Promise<EndedBy> {
    let documents = 0;
    let verbs: TexmlNode[] | null;
    if (inlineTexml !== undefined) {
      const read = readTexml(inlineTexml);
      verbs = read.ok ? read.verbs : await this.dialectError(sim, 'Texml of the REST call', read.errors);
    } else {
      verbs = await this.fetchDocument(sim, 'voice URL', sim.app.voiceMethod, sim.app.voiceUrl, this.callParams(sim));
    }
    while (verbs) {
      if (++documents > MAX_DOCUMENTS) {
        sim.errors.push(`more than ${MAX_DOCUMENTS} documents for one call: a redirect loop`);
        return 'error';
      }
      let next: TexmlNode[] | null = null;
      for (const verb of verbs) {
        if (sim.ended) return sim.interrupt?.kind === 'api-hangup' ? 'api' : 'caller';
        const result = await this.runVerb(sim, verb);
        if (result.next === 'end') return result.endedBy;
        if (result.next === 'document') {
          sim.documentUrl = result.url;
          next = result.verbs;
          break;
        }
        // A redirect from the REST API replaces whatever was playing (TeXML REST "Update call").
        const redirect = await this.takeRedirect(sim);
        if (redirect === 'failed') return 'error';
        if (redirect) {
          next = redirect;
          break;
        }
      }
      if (next === null) {
        if (sim.ended) return sim.interrupt?.kind === 'api-hangup' ? 'api' : 'caller';
        // Past the last verb the call is over (instruction fetching: "the call ends when there are no more verbs").
        return 'application';
      }
      verbs = next;
    }
    return sim.ended ? 'caller' : 'error';
  }

  private async takeRedirect(sim: SimCall): Promise<TexmlNode[] | null | 'failed'> {
    const interrupt = sim.interrupt;
    if (interrupt?.kind !== 'api-redirect') return null;
    sim.interrupt = null;
    if (interrupt.texml !== undefined) {
      const read = readTexml(interrupt.texml);
      if (!read.ok) return this.dialectError(sim, 'TeXML from the REST API', read.errors);
      return read.verbs;
    }
    const verbs = await this.fetchDocument(sim, 'REST update Url', interrupt.method ?? 'POST', interrupt.url ?? '', this.callParams(sim));
    return verbs ?? 'failed';
  }

  private async runVerb(sim: SimCall, verb: TexmlNode): Promise<VerbResult> {
    switch (verb.name) {
      case 'Say':
        this.answer(sim);
        this.step(sim, verbStep(verb, `say "${clip(verb.text)}"${describeAttrs(verb, ['voice', 'language', 'loop'])}`));
        return this.listen(sim, sayingSeconds(verb));
      case 'Play':
        this.answer(sim);
        this.step(
          sim,
          verbStep(verb, `play ${verb.text || (verb.attrs.digits ? `digits ${verb.attrs.digits}` : `ringtone ${verb.attrs.ringTone}`)}`),
        );
        return this.listen(sim, playingSeconds(verb));
      case 'Pause': {
        this.answer(sim);
        const seconds = Number(verb.attrs.length ?? 1);
        this.step(sim, verbStep(verb, `pause ${seconds} s`));
        return this.listen(sim, seconds);
      }
      case 'Gather':
        return this.gather(sim, verb);
      case 'Record':
        return this.record(sim, verb);
      case 'Dial':
        return this.dial(sim, verb);
      case 'Redirect': {
        this.step(sim, verbStep(verb, `redirect to ${verb.text}`));
        return this.follow(sim, 'Redirect', (verb.attrs.method as HttpMethod) ?? 'POST', verb.text, this.callParams(sim));
      }
      case 'Hangup':
        this.step(sim, verbStep(verb, 'hang up'));
        return { next: 'end', endedBy: 'application' };
      case 'Reject': {
        this.step(sim, verbStep(verb, `reject (${verb.attrs.reason ?? 'rejected'})`));
        // Reject page: never answered; Twilio reports a rejected call as busy or no-answer.
        sim.status = verb.attrs.reason === 'busy' ? 'busy' : 'no-answer';
        return { next: 'end', endedBy: 'application' };
      }
      default:
        // Enqueue, Leave and the Dial nouns Queue/Conference are read but not played yet.
        return this.dialectError(sim, `<${verb.name}>`, [`<${verb.name}> is not simulated yet`]).then(() => ({
          next: 'end' as const,
          endedBy: 'error' as const,
        }));
    }
  }

  /** The caller hears something for `seconds`; an interrupt cuts it short. */
  private async listen(sim: SimCall, seconds: number): Promise<VerbResult> {
    const outcome = await this.wait(sim, seconds);
    return outcome === 'interrupted' && sim.ended
      ? { next: 'end', endedBy: sim.interrupt?.kind === 'api-hangup' ? 'api' : 'caller' }
      : { next: 'continue' };
  }

  /**
   * `<Gather>` (gather page): plays its prompts while listening; digits end it at `numDigits`, at
   * `finishOnKey`, or `timeout` seconds after the last key (or after the prompts, with no key). Keys
   * go to `action` as `Digits`, with the application's method ("Same method (GET/POST) as set for the
   * TexML application is used"). No key: on to the next verb (Twilio's documented fall-through;
   * Telnyx does not say). A key outside `validDigits` with no `invalidDigitsAction` counts as no
   * input (inferred: Telnyx documents the attribute, not the default).
   */
  private async gather(sim: SimCall, verb: TexmlNode): Promise<VerbResult> {
    this.answer(sim);
    const press = sim.caller.digits[sim.gathers++];
    const numDigits = verb.attrs.numDigits ? Number(verb.attrs.numDigits) : null;
    const finishOnKey = verb.attrs.finishOnKey ?? '#';
    const timeout = Number(verb.attrs.timeout ?? DEFAULT_GATHER_TIMEOUT);
    const prompts = verb.children.reduce(
      (s, c) => s + (c.name === 'Say' ? sayingSeconds(c) : c.name === 'Play' ? playingSeconds(c) : Number(c.attrs.length ?? 1)),
      0,
    );
    this.step(
      sim,
      verbStep(
        verb,
        `gather ${verb.attrs.input ?? 'dtmf'}${numDigits ? ` (${numDigits} digit${numDigits > 1 ? 's' : ''})` : ''}, timeout ${timeout} s${verb.children.length ? `, prompting: ${verb.children.map((c) => (c.name === 'Say' ? `"${clip(c.text, 40)}"` : `<${c.name}>`)).join(' ')}` : ''}`,
      ),
    );
    for (const prompt of verb.children)
      if (prompt.name === 'Say')
        this.step(sim, verbStep(prompt, `  say "${clip(prompt.text)}"${describeAttrs(prompt, ['voice', 'language'])}`));
    // The keys arrive `afterSeconds` into the Gather; a key pressed during the prompts cuts them short.
    const keysAt = press ? press.afterSeconds : Infinity;
    const heardUntil = prompts + timeout;
    if (!press || keysAt > heardUntil) {
      const outcome = await this.wait(sim, heardUntil);
      if (outcome === 'interrupted' && sim.ended) return this.endedByInterrupt(sim);
      if (outcome === 'interrupted') return { next: 'continue' };
      this.step(sim, verbStep(verb, 'gather: no input; on to the next verb'));
      return { next: 'continue' };
    }
    if ((await this.wait(sim, keysAt)) === 'interrupted') return sim.ended ? this.endedByInterrupt(sim) : { next: 'continue' };
    let digits = '';
    for (const key of press.keys) {
      if (key === finishOnKey) break;
      digits += key;
      if (numDigits !== null && digits.length >= numDigits) break;
    }
    this.step(sim, { kind: 'caller', at: this.elapsed(sim), action: 'digits', digits: press.keys, line: `caller presses ${press.keys}` });
    const valid = verb.attrs.validDigits;
    if (valid && [...digits].some((d) => !valid.includes(d))) {
      if (verb.attrs.invalidDigitsAction) {
        return this.follow(sim, 'Gather invalidDigitsAction', this.appMethod(sim, verb), verb.attrs.invalidDigitsAction, {
          ...this.gatherParams(sim),
          Digits: digits,
        });
      }
      this.step(sim, verbStep(verb, `gather: ${digits} is not among validDigits ${valid}; on to the next verb`));
      return { next: 'continue' };
    }
    if (digits === '') return { next: 'continue' };
    const action = verb.attrs.action ?? sim.documentUrl; // Twilio: no action → the current document's URL
    return this.follow(sim, 'Gather action', this.appMethod(sim, verb), action, { ...this.gatherParams(sim), Digits: digits });
  }

  /**
   * `<Record>` (record page): a beep, then the caller's message until `finishOnKey`, `maxLength`,
   * silence (`timeout`, default 0 = none) or hang-up. The recording is stored (its URL valid for
   * 10 minutes after the call ends), `action` gets RecordingUrl/RecordingSid/RecordingDuration, and
   * `recordingStatusCallback` gets the recording-completed callback. An empty recording requests no
   * action and goes on (Twilio's documented behaviour). Without `action`: the next verb (inferred).
   */
  private async record(sim: SimCall, verb: TexmlNode): Promise<VerbResult> {
    this.answer(sim);
    const maxLength = Number(verb.attrs.maxLength ?? DEFAULT_RECORD_MAX) || DEFAULT_RECORD_MAX;
    const beep = verb.attrs.playBeep !== 'false';
    this.step(
      sim,
      verbStep(
        verb,
        `record${beep ? ' after a beep' : ''}, at most ${maxLength} s${verb.attrs.finishOnKey ? `, finish on ${verb.attrs.finishOnKey}` : ''}`,
      ),
    );
    if (beep && (await this.wait(sim, 0.5)) === 'interrupted' && sim.ended) return this.endedByInterrupt(sim);
    const startedAt = this.deps.clock.now();
    const { seconds, ending } = sim.caller.message;
    let length = Math.min(seconds, maxLength);
    if ((await this.wait(sim, length)) === 'interrupted') {
      length = (this.deps.clock.now() - startedAt) / 1000;
      if (!sim.ended) return { next: 'continue' }; // redirected by the REST API mid-recording
    } else if (length >= maxLength) {
      this.step(sim, verbStep(verb, `record: maxLength ${maxLength} s reached`));
    } else if (ending === 'hang-up') {
      this.step(sim, {
        kind: 'caller',
        at: 0,
        action: 'message',
        seconds: length,
        line: `caller leaves a ${round1(length)} s message and hangs up`,
      });
      this.callerHangsUp(sim);
    } else {
      const key = (verb.attrs.finishOnKey ?? '#')[0] ?? '#';
      this.step(sim, {
        kind: 'caller',
        at: 0,
        action: 'digits',
        digits: key,
        line: `caller leaves a ${round1(length)} s message and presses ${key}`,
      });
    }
    const duration = Math.round(length);
    if (duration <= 0) {
      this.step(sim, verbStep(verb, 'record: nothing recorded'));
      return sim.ended ? this.endedByInterrupt(sim) : { next: 'continue' };
    }
    sim.recorded = true;
    const recording = this.storeRecording(
      sim,
      duration,
      verb.attrs.channels === 'single' ? 1 : 2,
      verb.attrs.format === 'wav' ? 'wav' : 'mp3',
      'RecordVerb',
    );
    const recordingParams = { RecordingUrl: recording.url, RecordingSid: recording.sid, RecordingDuration: String(duration) };
    let result: VerbResult = sim.ended ? this.endedByInterrupt(sim) : { next: 'continue' };
    if (verb.attrs.action) {
      // Twilio requests the action even when the caller has hung up, and ignores its answer then.
      const followed = await this.follow(sim, 'Record action', (verb.attrs.method as HttpMethod) ?? 'POST', verb.attrs.action, {
        ...this.callParams(sim),
        ...recordingParams,
        RecordingStatus: 'completed',
      });
      if (!sim.ended) result = followed;
    }
    if (verb.attrs.recordingStatusCallback) {
      await this.callback(
        sim,
        'recording status',
        (verb.attrs.recordingStatusCallbackMethod as HttpMethod) ?? 'POST',
        verb.attrs.recordingStatusCallback,
        {
          AccountSid: this.deps.account.accountSid,
          CallSid: sim.sid,
          CallSidLegacy: sim.legacySid,
          ConnectionId: this.deps.account.connectionId,
          RecordingChannels: String(recording.channels),
          RecordingDuration: String(duration),
          RecordingSid: recording.sid,
          RecordingSource: 'RecordVerb',
          RecordingStatus: 'completed',
          RecordingUrl: recording.url,
        },
      );
    }
    return result;
  }

  /**
   * `<Dial>` (dial page): every `<Sip>`/`<Number>` rings at once; the first to answer is bridged and
   * the others are hung up ("Simultaneous dialing"). Legs send the status callbacks their
   * `statusCallbackEvent` asks for (default `completed`), with ParentCallSid. Unanswered after
   * `timeout` (default 30 s) → no-answer; every leg refused → busy (or failed). When the dial ends,
   * `action` gets DialCallStatus/DialCallSid/DialCallDuration and its answer continues the call;
   * without `action` the next verb plays. The caller hanging up while it rings → canceled, and the
   * action is still requested (Twilio's documented behaviour), its answer ignored.
   */
  private async dial(sim: SimCall, verb: TexmlNode): Promise<VerbResult> {
    const nouns = verb.children.length ? verb.children : [{ name: 'Number', attrs: {}, text: verb.text, children: [] } as TexmlNode];
    const unsupported = nouns.find((n) => n.name === 'Queue' || n.name === 'Conference');
    if (unsupported) {
      await this.dialectError(sim, `<Dial><${unsupported.name}>`, [`<Dial><${unsupported.name}> is not simulated yet`]);
      return { next: 'end', endedBy: 'error' };
    }
    if (verb.attrs.answerOnBridge !== 'true') this.answer(sim);
    const timeout = Number(verb.attrs.timeout ?? DEFAULT_DIAL_TIMEOUT);
    const timeLimit = Number(verb.attrs.timeLimit ?? DEFAULT_TIME_LIMIT);
    const callerId = verb.attrs.callerId ?? sim.from;
    this.step(
      sim,
      verbStep(
        verb,
        `dial ${nouns.map((n) => n.text).join(', ')} (timeout ${timeout} s${verb.attrs.ringTone ? `, ringTone ${verb.attrs.ringTone}` : ''})`,
      ),
    );
    if (nouns.some((n) => n.name === 'Number')) sim.forwarded = true;

    type LegState = {
      node: TexmlNode;
      sid: string;
      offered: OfferedLeg | null;
      status: 'ringing' | 'answered' | 'busy' | 'failed' | 'over';
      answeredAt: number | null;
    };
    const events: { leg: LegState; event: 'ringing' | 'answered' | 'busy' | 'failed' | 'hung-up' }[] = [];
    let notify: (() => void) | null = null;
    const push = (leg: LegState, event: (typeof events)[number]['event']) => {
      events.push({ leg, event });
      notify?.();
    };
    const legs: LegState[] = nouns.map((node) => ({ node, sid: callSidOf(), offered: null, status: 'ringing', answeredAt: null }));
    const startedAt = this.deps.clock.now();
    for (const leg of legs) {
      this.step(sim, {
        kind: 'leg',
        at: this.elapsed(sim),
        legSid: leg.sid,
        to: leg.node.text,
        status: 'initiated',
        line: `leg ${short(leg.sid)} → ${leg.node.text}: initiated`,
      });
      await this.legCallback(sim, leg.node, leg.sid, callerId, 'initiated');
      let done = false;
      leg.offered = (sim.switchboard ?? this.deps.switchboard).offer(
        { legSid: leg.sid, parentCallSid: sim.sid, from: callerId, to: leg.node.text, callerName: verb.attrs.fromDisplayName },
        {
          ringing: () => !done && push(leg, 'ringing'),
          answered: () => !done && push(leg, 'answered'),
          rejected: (reason) => {
            if (done) return;
            done = true;
            push(leg, reason);
          },
          hungUp: () => {
            if (done) return;
            done = true;
            push(leg, 'hung-up');
          },
        },
      );
      if (!leg.offered)
        this.step(sim, {
          kind: 'leg',
          at: this.elapsed(sim),
          legSid: leg.sid,
          to: leg.node.text,
          status: 'unreachable',
          line: `leg ${short(leg.sid)} → ${leg.node.text}: nothing registered there; it rings unanswered`,
        });
    }
    const nextEvent = (seconds: number) =>
      new Promise<'event' | 'timeout' | 'interrupted'>((resolve) => {
        if (events.length) return resolve('event');
        // Raised while the last event's callback was awaited (the caller hung up then): onInterrupt would
        // call `finish` at once, before `stop` exists.
        if (sim.interrupt) return resolve('interrupted');
        const finish = (why: 'event' | 'timeout' | 'interrupted') => {
          notify = null;
          if (timer) this.deps.clock.clearTimer(timer);
          stop();
          resolve(why);
        };
        const timer = this.after(seconds, () => finish('timeout'));
        notify = () => finish('event');
        const stop = sim.onInterrupt(() => finish('interrupted'));
      });

    let winner: LegState | null = null;
    let dialStatus: 'completed' | 'busy' | 'no-answer' | 'canceled' | 'failed' = 'no-answer';
    // Ringing until someone answers, everyone refuses, the timeout, or the caller leaves.
    while (!winner) {
      const left = timeout - (this.deps.clock.now() - startedAt) / 1000;
      const why = left <= 0 ? 'timeout' : await nextEvent(left);
      if (why === 'timeout') break;
      if (why === 'interrupted') {
        dialStatus = 'canceled';
        break;
      }
      const { leg, event } = events.shift()!;
      if (event === 'ringing') {
        this.step(sim, {
          kind: 'leg',
          at: this.elapsed(sim),
          legSid: leg.sid,
          to: leg.node.text,
          status: 'ringing',
          line: `leg ${short(leg.sid)} → ${leg.node.text}: ringing`,
        });
        await this.legCallback(sim, leg.node, leg.sid, callerId, 'ringing');
      } else if (event === 'answered') {
        winner = leg;
        leg.status = 'answered';
        leg.answeredAt = this.deps.clock.now();
      } else if (event === 'busy' || event === 'failed' || event === 'hung-up') {
        leg.status = event === 'failed' ? 'failed' : 'busy';
        this.step(sim, {
          kind: 'leg',
          at: this.elapsed(sim),
          legSid: leg.sid,
          to: leg.node.text,
          status: leg.status,
          line: `leg ${short(leg.sid)} → ${leg.node.text}: ${leg.status === 'busy' ? 'declined (busy)' : 'failed'}`,
        });
        await this.legCallback(sim, leg.node, leg.sid, callerId, leg.status);
        if (legs.every((l) => l.status === 'busy' || l.status === 'failed')) {
          dialStatus = legs.some((l) => l.status === 'busy') ? 'busy' : 'failed';
          break;
        }
      }
    }
    // Every leg still ringing is ended: canceled when another answered or the caller left, no-answer at the timeout.
    for (const leg of legs) {
      if (leg === winner || leg.status !== 'ringing') continue;
      const end: LegEnd = winner || dialStatus === 'canceled' ? 'canceled' : 'no-answer';
      leg.offered?.end(end);
      leg.status = 'over';
      this.step(sim, {
        kind: 'leg',
        at: this.elapsed(sim),
        legSid: leg.sid,
        to: leg.node.text,
        status: end,
        line: `leg ${short(leg.sid)} → ${leg.node.text}: ${end}`,
      });
      await this.legCallback(sim, leg.node, leg.sid, callerId, end);
    }

    let talked = 0;
    if (winner) {
      this.answer(sim);
      dialStatus = 'completed';
      sim.bridgedTo = { kind: winner.node.name === 'Sip' ? 'sip' : 'number', target: winner.node.text };
      this.step(sim, {
        kind: 'leg',
        at: this.elapsed(sim),
        legSid: winner.sid,
        to: winner.node.text,
        status: 'in-progress',
        line: `leg ${short(winner.sid)} → ${winner.node.text}: answered; bridged to the caller`,
      });
      await this.legCallback(sim, winner.node, winner.sid, callerId, 'answered');
      // The conversation: until one side hangs up or timeLimit.
      const talk = Math.min(sim.caller.talkSeconds, timeLimit);
      const farEndLeft = events.some((e) => e.leg === winner && e.event === 'hung-up') ? 'event' : await nextEvent(talk);
      talked = (this.deps.clock.now() - winner.answeredAt!) / 1000;
      if (farEndLeft === 'event') {
        this.step(sim, {
          kind: 'leg',
          at: this.elapsed(sim),
          legSid: winner.sid,
          to: winner.node.text,
          status: 'completed',
          line: `${winner.node.text} hangs up after ${round1(talked)} s`,
        });
      } else if (farEndLeft === 'timeout') {
        if (talk >= timeLimit) this.step(sim, verbStep(verb, `dial: timeLimit ${timeLimit} s reached`));
        else {
          this.step(sim, {
            kind: 'caller',
            at: this.elapsed(sim),
            action: 'hang-up',
            line: `caller hangs up after talking ${round1(talked)} s`,
          });
          this.callerHangsUp(sim);
        }
        winner.offered?.end('completed');
      } else {
        winner.offered?.end('completed');
      }
      await this.legCallback(sim, winner.node, winner.sid, callerId, 'completed', { CallDuration: String(Math.round(talked)) });
      if (verb.attrs.record && verb.attrs.record !== 'do-not-record' && verb.attrs.recordingStatusCallback && talked >= 1) {
        const recording = this.storeRecording(sim, Math.round(talked), verb.attrs.record.endsWith('dual') ? 2 : 1, 'mp3', 'DialVerb');
        await this.callback(
          sim,
          'recording status',
          (verb.attrs.recordingStatusCallbackMethod as HttpMethod) ?? 'POST',
          verb.attrs.recordingStatusCallback,
          {
            AccountSid: this.deps.account.accountSid,
            CallSid: sim.sid,
            CallSidLegacy: sim.legacySid,
            ConnectionId: this.deps.account.connectionId,
            RecordingChannels: String(recording.channels),
            RecordingDuration: String(recording.duration),
            RecordingSid: recording.sid,
            RecordingSource: 'DialVerb',
            RecordingStatus: 'completed',
            RecordingUrl: recording.url,
          },
        );
      }
    } else {
      this.step(sim, verbStep(verb, `dial ended: ${dialStatus}`));
    }

    const endedByCaller = sim.ended;
    if (verb.attrs.action) {
      const followed = await this.follow(sim, 'Dial action', (verb.attrs.method as HttpMethod) ?? 'POST', verb.attrs.action, {
        ...this.callParams(sim),
        CallbackSource: 'call-progress-events',
        DialCallStatus: dialStatus,
        DialCallDuration: String(Math.round(talked)),
        ...(winner ? { DialCallSid: winner.sid } : {}),
        Timestamp: new Date(this.deps.clock.now()).toISOString(),
        SequenceNumber: String(++sim.sequence),
      });
      return endedByCaller ? this.endedByInterrupt(sim) : followed;
    }
    return endedByCaller ? this.endedByInterrupt(sim) : { next: 'continue' };
  }

  // ——— requests and callbacks ———

  /** Fetches a TeXML document and returns its verbs, or null (and an error) when it cannot be played. */
  private async fetchDocument(
    sim: SimCall,
    purpose: string,
    method: HttpMethod,
    url: string,
    params: Record<string, string>,
  ): Promise<TexmlNode[] | null> {
    const exchange = await this.request(sim, method, url, params);
    const summary = exchange.status ? `${exchange.status}` : `no answer (${exchange.error})`;
    this.step(sim, { kind: 'fetch', at: exchange.at, purpose, exchange, line: `${purpose}: ${method} ${pathOf(url)} → ${summary}` });
    // "TeXML instruction fetching": HTTP 200 with a valid <Response>, else "an application error has occurred".
    if (exchange.status !== 200)
      return this.dialectError(sim, purpose, [
        `${method} ${url} answered ${summary}: Telnyx would say "an application error has occurred" and hang up`,
      ]);
    const read = readTexml(exchange.body);
    if (!read.ok)
      return this.dialectError(
        sim,
        purpose,
        read.errors.map((e) => `${e}\n    in ${clip(exchange.body, 300)}`),
      );
    return read.verbs;
  }

  /** Follows an action/Redirect: the answer replaces the document; a failed fetch ends the call. */
  private async follow(
    sim: SimCall,
    purpose: string,
    method: HttpMethod,
    url: string,
    params: Record<string, string>,
  ): Promise<VerbResult> {
    const absolute = resolveUrl(url, sim.documentUrl);
    const verbs = await this.fetchDocument(sim, purpose, method, absolute, params);
    if (!verbs) return { next: 'end', endedBy: 'error' };
    return { next: 'document', verbs, url: absolute };
  }

  /** A callback whose answer is only acknowledged: anything but 200 is an error (Telnyx retries at the failover URL). */
  private async callback(sim: SimCall, purpose: string, method: HttpMethod, url: string, params: Record<string, string>): Promise<void> {
    const exchange = await this.request(sim, method, resolveUrl(url, sim.documentUrl), params);
    const summary = exchange.status ? `${exchange.status}` : `no answer (${exchange.error})`;
    const described = params.CallStatus ?? params.RecordingStatus ?? '';
    this.step(sim, {
      kind: 'callback',
      at: exchange.at,
      purpose,
      exchange,
      line: `${purpose} ${described}: ${method} ${pathOf(url)} → ${summary}`,
    });
    if (exchange.status !== 200) sim.errors.push(`${purpose} callback ${method} ${url} answered ${summary}`);
  }

  private async legCallback(
    sim: SimCall,
    noun: TexmlNode,
    legSid: string,
    from: string,
    status: string,
    extra: Record<string, string> = {},
  ): Promise<void> {
    const url = noun.attrs.statusCallback;
    if (!url) return;
    // The event names of statusCallbackEvent: answered → CallStatus in-progress; every end is "completed".
    const event =
      status === 'in-progress' || status === 'answered' ? 'answered' : ['initiated', 'ringing'].includes(status) ? status : 'completed';
    const wanted = (noun.attrs.statusCallbackEvent ?? 'completed').split(/\s+/);
    if (!wanted.includes(event)) return;
    await this.callback(sim, 'leg status', (noun.attrs.statusCallbackMethod as HttpMethod) ?? 'POST', url, {
      AccountSid: this.deps.account.accountSid,
      CallSid: legSid,
      CallSidLegacy: legSid,
      ParentCallSid: sim.sid,
      CallStatus: status === 'answered' ? 'in-progress' : status,
      From: from,
      To: noun.text,
      ConnectionId: this.deps.account.connectionId,
      CallbackSource: 'call-progress-events',
      Timestamp: new Date(this.deps.clock.now()).toISOString(),
      SequenceNumber: String(++sim.sequence),
      ...extra,
    });
  }

  private async request(sim: SimCall, method: HttpMethod, url: string, params: Record<string, string>): Promise<WebhookExchange> {
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
  private callParams(sim: SimCall): Record<string, string> {
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
    };
  }

  /** The Gather callback's fields (TexmlGatherWebhook): the call's identity and the digits. */
  private gatherParams(sim: SimCall): Record<string, string> {
    return { AccountSid: this.deps.account.accountSid, CallSid: sim.sid, CallSidLegacy: sim.legacySid, From: sim.from, To: sim.to };
  }

  private appMethod(sim: SimCall, verb: TexmlNode): HttpMethod {
    return (verb.attrs.method as HttpMethod | undefined) ?? sim.app.voiceMethod;
  }

  // ——— the call's life ———

  private answer(sim: SimCall): void {
    if (sim.answeredAt !== null) return;
    sim.answeredAt = this.deps.clock.now();
    sim.status = 'in-progress';
  }

  private callerHangsUp(sim: SimCall): void {
    if (sim.endedAt !== null || sim.ended) return;
    sim.callerHungUp = true;
    if (!sim.steps.some((s) => s.kind === 'caller' && s.action === 'hang-up') && sim.interrupt === null) {
      this.step(sim, { kind: 'caller', at: this.elapsed(sim), action: 'hang-up', line: 'caller hangs up' });
    }
    sim.raise({ kind: 'caller-hung-up' });
  }

  private endedByInterrupt(sim: SimCall): VerbResult {
    return { next: 'end', endedBy: sim.interrupt?.kind === 'api-hangup' ? 'api' : 'caller' };
  }

  /** The call is over: its final status, the application's status callback, recordings start to expire. */
  private async finish(sim: SimCall, endedBy: EndedBy): Promise<void> {
    const now = this.deps.clock.now();
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

  private storeRecording(sim: SimCall, duration: number, channels: 1 | 2, format: 'mp3' | 'wav', source: 'RecordVerb' | 'DialVerb') {
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
      startedAt: new Date(this.deps.clock.now() - duration * 1000).toISOString(),
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
    return { sid, url, channels, duration };
  }

  private resultOf(sim: SimCall): CallResult {
    return {
      callSid: sim.sid,
      from: sim.from,
      to: sim.to,
      outcome: outcomeOf(sim),
      answeredBy: sim.bridgedTo ? userOf(sim.bridgedTo.target) : null,
      duration: round1((sim.endedAt! - sim.startedAt) / 1000),
      steps: sim.steps,
      requests: sim.requests,
      errors: sim.errors,
    };
  }

  private async dialectError(sim: SimCall, purpose: string, problems: string[]): Promise<null> {
    sim.errors.push(...problems.map((p) => `${purpose}: ${p}`));
    this.step(sim, { kind: 'error', at: this.elapsed(sim), problems, line: `${purpose}: ${problems.join('; ')}` });
    return null;
  }

  // ——— time ———

  private wait(sim: SimCall, seconds: number): Promise<'done' | 'interrupted'> {
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

  /** A timer `seconds` from now; none for Infinity (a `loop="0"` prompt plays until interrupted). */
  private after(seconds: number, fn: () => void): TimerHandle | null {
    if (!Number.isFinite(seconds)) return null;
    return this.deps.clock.setTimer(this.deps.clock.now() + Math.max(0, seconds) * 1000, fn);
  }

  private at(sim: SimCall, secondsFromStart: number, fn: () => void): TimerHandle {
    return this.deps.clock.setTimer(sim.startedAt + secondsFromStart * 1000, fn);
  }

  private elapsed(sim: SimCall): number {
    return round1((this.deps.clock.now() - sim.startedAt) / 1000);
  }

  private step(sim: SimCall, step: Step): void {
    // Fetches and callbacks are stamped when they were sent; everything else now.
    if (step.kind !== 'fetch' && step.kind !== 'callback') step.at = this.elapsed(sim);
    sim.steps.push(step);
    sim.observe?.(step, sim.sid);
  }
}

/**
 * The call log's word for how the call went, from what happened on the wire: an agent's `<Sip>` leg
 * answered → ANSWERED; a `<Number>` was dialed (the forward) → FORWARDED; a `<Record>` was reached →
 * VOICEMAIL; the caller left first → ABANDONED; the application hung up → HUNG_UP. AFTER_HOURS looks
 * like VOICEMAIL or HUNG_UP on the wire: only the service's own log tells them apart.
 */
function outcomeOf(sim: SimCall): CallOutcome {
  if (sim.bridgedTo?.kind === 'sip') return 'ANSWERED';
  if (sim.forwarded) return 'FORWARDED';
  if (sim.recorded || sim.steps.some((s) => s.kind === 'verb' && s.verb === 'Record')) return 'VOICEMAIL';
  if (sim.callerHungUp) return 'ABANDONED';
  return 'HUNG_UP';
}

function viewOf(sim: SimCall, accountSid: string): SimCallView {
  return {
    callSid: sim.sid,
    accountSid,
    from: sim.from,
    to: sim.to,
    direction: sim.direction,
    status: sim.endedAt === null ? sim.status : sim.status,
    parentCallSid: sim.parentCallSid,
    startTime: new Date(sim.startedAt).toISOString(),
    endTime: sim.endedAt === null ? null : new Date(sim.endedAt).toISOString(),
    duration: sim.endedAt === null ? null : Math.round((sim.endedAt - (sim.answeredAt ?? sim.endedAt)) / 1000),
  };
}

/** Telnyx's TeXML CallSid is the call_control_id, `v3:` and an opaque token (texml/calls.yml examples). */
function callSidOf(): string {
  return `v3:${randomBytes(24).toString('base64url')}`;
}

function verbStep(verb: TexmlNode, line: string): Step {
  return { kind: 'verb', at: 0, verb: verb.name, attrs: { ...verb.attrs }, text: verb.text, line };
}

/** Speech takes time: about 2.5 words a second, per loop (`loop="0"` repeats until interrupted). */
function sayingSeconds(verb: TexmlNode): number {
  const words = verb.text.split(/\s+/).filter(Boolean).length;
  const loops = Number(verb.attrs.loop ?? 1);
  return loops === 0 ? Infinity : Math.max(1, Math.round((words / 2.5) * 10) / 10) * loops;
}

/** Audio length is unknown without decoding it: 3 s a play (digits: half a second each). */
function playingSeconds(verb: TexmlNode): number {
  const loops = Number(verb.attrs.loop ?? 1);
  if (loops === 0) return Infinity;
  return (verb.attrs.digits && !verb.text ? verb.attrs.digits.length * 0.5 : 3) * loops;
}

function describeAttrs(verb: TexmlNode, names: string[]): string {
  const parts = names.filter((n) => verb.attrs[n] !== undefined).map((n) => `${n} ${verb.attrs[n]}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function resolveUrl(url: string, base: string): string {
  try {
    return new URL(url, base).toString();
  } catch {
    return url;
  }
}

function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return url;
  }
}

function userOf(target: string): string {
  return target.replace(/^sips?:/i, '').split('@')[0] ?? target;
}

const clip = (text: string, max = 80) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const short = (sid: string) => sid.slice(0, 10);
const round1 = (n: number) => Math.round(n * 10) / 10;
