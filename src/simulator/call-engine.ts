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
 * Live calls share audio: `<Enqueue>`/`<Leave>` and `<Dial><Queue>` bridge a waiting caller to the call
 * that takes it; `<Dial><Conference>` and the TeXML REST participants API put calls in rooms; a REST
 * call with SuperviseCallSid listens in. Their state and rules live in ./call-queues.ts,
 * ./conferences.ts and ./audibility.ts (who hears whom); this file plays them on the calls.
 *
 * One file on purpose (over 300 lines): the verbs share the call's runtime (its interruption, its
 * caller, its callbacks), and reading them side by side is how one checks they agree.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../domain/clock.js';
import { type Audibility, type AudioParty, type AudioRoomState, audibility, type SupervisingRole, supervisorParty } from './audibility.js';
import { CallQueue, type QueueMember, type QueueResult } from './call-queues.js';
import {
  beepsOn,
  Conference,
  type ConferenceEndReason,
  type ConferenceEvent,
  DEFAULT_PARTICIPANT,
  type Participant,
  type ParticipantSettings,
  participantSettingsOf,
} from './conferences.js';
import {
  type ConferenceControl,
  type LegEnd,
  type MediaStore,
  type OfferedLeg,
  SimApiError,
  type SimCallView,
  type SimParticipantView,
  type Switchboard,
} from './contracts.js';
import { WAIT_URL_VERBS } from './dialect.js';
import { invalid } from './telnyx-errors.js';
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
/** `<Enqueue maxWaitTimeSecs>` default: 4 hours (enqueue page). */
const DEFAULT_MAX_QUEUE_WAIT = 14_400;
/**
 * Verbs of a `<Queue url>` document (run on the queued caller before the bridge) and of a conference's
 * waitUrl or HoldUrl document: Twilio's documented lists (Telnyx's pages do not restrict them).
 */
const ANNOUNCEMENT_VERBS: readonly string[] = ['Play', 'Say', 'Pause', 'Redirect'];
/** Redirects followed inside one announcement or music document before it counts as a loop. */
const MAX_ANNOUNCEMENT_REDIRECTS = 20;

type Interrupt =
  | { kind: 'caller-hung-up' }
  | { kind: 'api-hangup' }
  | { kind: 'api-redirect'; url?: string; method?: HttpMethod; texml?: string }
  /** Something the call waits on changed (dequeued, conference started or ended, hold, removal): look again. */
  | { kind: 'wake' };

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
  /** While a waitUrl document plays: the only verbs its documents (and its Gather's action) may use. */
  allowedVerbs: readonly string[] | null = null;

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
    // A wake only says "look again": a pending redirect or hang-up says more and stays.
    if (interrupt.kind !== 'wake' || this.interrupt === null) this.interrupt = interrupt;
    for (const listener of [...this.listeners]) listener();
  }

  /** Forgets a wake once the waiting code has looked again. */
  clearWake(): void {
    if (this.interrupt?.kind === 'wake') this.interrupt = null;
  }

  get redirected(): boolean {
    return this.interrupt?.kind === 'api-redirect';
  }

  get woken(): boolean {
    return this.interrupt?.kind === 'wake';
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

/** Two calls talking: a `<Dial>` leg bridged to its caller, or a queued caller bridged to its dequeuer. */
class Bridge {
  /** The CallSid of the side that left first (null while both talk). */
  endedBy: string | null = null;
  readonly over: Promise<string>;
  private finish!: (by: string) => void;

  constructor(readonly startedAt: number) {
    this.over = new Promise((resolve) => {
      this.finish = resolve;
    });
  }

  end(by: string): void {
    if (this.endedBy !== null) return;
    this.endedBy = by;
    this.finish(by);
  }
}

/** A supervisor's call listening in (TeXML REST "Initiate an outbound call", SuperviseCallSid). */
interface Supervision {
  call: SimCall;
  role: SupervisingRole;
  supervised: string;
  /** The supervised call left the room, or the room closed: the supervisor's call ends. */
  over: boolean;
}

/** Calls sharing audio (a bridge or a conference): what `audibility` reads, and who supervises it. */
class Room {
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

/** A `<Dial><Queue>` taking a waiting caller: the caller plays the Queue's url, then both are bridged. */
interface Dequeue {
  dequeuer: SimCall;
  noun: TexmlNode;
  /** The dequeuing call left before the bridge: the caller goes back to waiting. */
  canceled: boolean;
  /** The bridge, or null when the caller left before it (the dequeuer tries the next one). */
  ready: (bridge: Bridge | null) => void;
}

interface QueuedCall extends QueueMember {
  call: SimCall;
  dequeue: Dequeue | null;
  /** maxWaitTimeSecs passed. */
  timedOut: boolean;
}

/** How a caller left a queue, before it is told to the Enqueue's action as QueueResult. */
type QueueExit =
  | { how: 'hangup' | 'redirected' | 'leave' | 'wait-hangup' | 'error' }
  | { how: 'wait-redirect'; url: string; method: HttpMethod }
  | { how: 'bridged'; waited: number };

/** What an answered REST call does: play TeXML, join a conference (dialed participant), or supervise a call. */
type OutboundTarget =
  | { kind: 'texml' }
  | { kind: 'conference'; conference: Conference; settings: ParticipantSettings }
  | { kind: 'supervise'; callSid: string; role: SupervisingRole };

export class CallEngine {
  private readonly calls = new Map<string, SimCall>();
  private readonly queues = new Map<string, CallQueue<QueuedCall>>();
  private readonly conferences = new Map<string, Conference>();
  private readonly conferenceRooms = new Map<string, Room>();
  /** The room each call (or leg) talks in right now. */
  private readonly rooms = new Map<string, Room>();

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
    return this.startOutbound(input, { kind: 'texml' }, opts.observe);
  }

  private startOutbound(input: OutboundCall, target: OutboundTarget, observe?: InboundOptions['observe']): SimCallView {
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
    sim.observe = observe;
    this.calls.set(sim.sid, sim);
    const queued = viewOf(sim, this.deps.account.accountSid); // what "Initiate an outbound call" answers
    void this.runOutbound(sim, input, target).catch((err) => sim.errors.push(`engine failure: ${(err as Error).stack ?? err}`));
    return queued;
  }

  private async runOutbound(sim: SimCall, input: OutboundCall, target: OutboundTarget): Promise<void> {
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
      if (target.kind === 'conference') endedBy = await this.joinDialed(sim, target.conference, target.settings);
      else if (target.kind === 'supervise') endedBy = await this.supervise(sim, target.callSid, target.role);
      else endedBy = await this.play(sim, input.texml !== undefined ? { texml: input.texml } : undefined);
      // A REST redirect takes a dialed participant or a supervisor out of the audio to play TeXML instead.
      if (target.kind !== 'texml' && sim.redirected) {
        const redirect = await this.takeRedirect(sim);
        if (redirect === 'failed') endedBy = 'error';
        else if (redirect) endedBy = await this.play(sim, { verbs: redirect });
      }
    } catch (err) {
      sim.errors.push(`engine failure: ${(err as Error).stack ?? err}`);
      endedBy = 'error';
    }
    if (!sim.callerHungUp) sim.farEnd?.end('completed');
    await this.finish(sim, endedBy === 'caller' ? 'far-end' : endedBy);
  }

  /** Plays the call's TeXML: the voice URL's document, or inline TeXML, or verbs already read. */
  private async play(sim: SimCall, start?: { texml: string } | { verbs: TexmlNode[] }): Promise<EndedBy> {
    let documents = 0;
    let verbs: TexmlNode[] | null;
    if (start && 'verbs' in start) {
      verbs = start.verbs;
    } else if (start) {
      const read = readTexml(start.texml);
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
        sim.clearWake(); // a wake meant for a queue or conference the call has left
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
      case 'Enqueue':
        return this.enqueue(sim, verb);
      case 'Leave':
        // Leave page: it ends a wait in a queue (a waitUrl document plays it, see `waitInQueue`). Outside
        // a queue there is nothing to leave: on to the next verb (inferred; Telnyx does not say).
        this.step(sim, verbStep(verb, 'leave: the call waits in no queue; on to the next verb'));
        return { next: 'continue' };
      default:
        return this.dialectError(sim, `<${verb.name}>`, [`<${verb.name}> is not simulated`]).then(() => ({
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
    const room = nouns.find((n) => n.name === 'Queue' || n.name === 'Conference');
    if (room) {
      // A queue or a conference is a place, not a phone: one per Dial, alone (inferred; Twilio's pages
      // show them alone and define no mix with <Number>/<Sip>).
      if (nouns.length > 1) {
        await this.dialectError(sim, `<Dial><${room.name}>`, [`<${room.name}> must be the only noun of its <Dial>`]);
        return { next: 'end', endedBy: 'error' };
      }
      return room.name === 'Queue' ? this.dialQueue(sim, verb, room) : this.dialConference(sim, verb, room);
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
      const bridgeRoom = this.openBridgeRoom([sim.sid, winner.sid]);
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
      this.closeRoom(bridgeRoom);
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

  // ——— queues: <Enqueue>, <Leave>, <Dial><Queue> ———

  /**
   * `<Enqueue>` (enqueue page): the caller waits in the named queue (created on demand). `waitUrl` is
   * fetched with the queue fields (AccountSid, CallSid, CallSidLegacy, QueueSid, QueuePosition,
   * CurrentQueueSize, QueueTime, AvgQueueTime), its document played (Play, Say, Gather, Pause, Hangup,
   * Redirect, Leave only), "once all the commands from the flow are executed, the waitUrl is
   * re-requested". Without waitUrl the caller waits in silence (inferred: Telnyx names no default music).
   * The wait ends with `<Leave>` (on after the Enqueue), `maxWaitTimeSecs` (default 14400; inferred: as a
   * Leave), a `<Dial><Queue>` taking the caller, the caller hanging up, or the REST API. `action` "will
   * be sent right away when the call is dequeued using `<Leave>`"; after a `<Dial>` "once the bridged
   * calls disconnect"; it carries Twilio's QueueResult, QueueSid and QueueTime. Its answer continues the
   * call; without action the next verb plays (Twilio's documented fall-through). When the call is over or
   * was redirected, the action is still requested and its answer ignored (Twilio's documented behaviour).
   */
  private async enqueue(sim: SimCall, verb: TexmlNode): Promise<VerbResult> {
    this.answer(sim);
    const now = this.deps.clock.now();
    let queue = this.queues.get(verb.text);
    if (!queue) {
      queue = new CallQueue<QueuedCall>(verb.text, now);
      this.queues.set(verb.text, queue);
    }
    const member: QueuedCall = { callSid: sim.sid, enqueuedAt: now, call: sim, dequeue: null, timedOut: false };
    const maxWait = Number(verb.attrs.maxWaitTimeSecs ?? DEFAULT_MAX_QUEUE_WAIT);
    const timer = this.after(maxWait, () => {
      member.timedOut = true;
      sim.raise({ kind: 'wake' });
    });
    const documentUrl = sim.documentUrl;
    queue.add(member);
    this.step(
      sim,
      verbStep(verb, `enqueue in "${queue.name}": position ${queue.position(sim.sid)} of ${queue.size}${describeAttrs(verb, ['waitUrl'])}`),
    );
    let exit: QueueExit;
    try {
      exit = await this.waitInQueue(sim, verb, queue, member);
    } finally {
      if (timer) this.deps.clock.clearTimer(timer);
      queue.remove(sim.sid);
      sim.allowedVerbs = null;
      sim.documentUrl = documentUrl;
      sim.clearWake();
    }
    const waited = exit.how === 'bridged' ? exit.waited : queue.waitedSeconds(member, this.deps.clock.now());
    const result: QueueResult = exit.how === 'wait-hangup' ? 'hangup' : exit.how === 'wait-redirect' ? 'redirected' : exit.how;
    this.step(sim, verbStep(verb, `left queue "${queue.name}" after ${waited} s: ${result}`));
    const params = { ...this.callParams(sim), QueueResult: result, QueueSid: queue.sid, QueueTime: String(waited) };
    const method = (verb.attrs.method as HttpMethod | undefined) ?? 'POST';
    const action = verb.attrs.action;
    // The action is always requested; its answer only counts when the call is still here to play it.
    const answered = action ? await this.follow(sim, 'Enqueue action', method, action, params) : null;
    if (sim.ended) return this.endedByInterrupt(sim);
    switch (exit.how) {
      case 'wait-hangup':
        return { next: 'end', endedBy: 'application' };
      case 'error':
        return { next: 'end', endedBy: 'error' };
      case 'redirected':
        return { next: 'continue' }; // `play` takes the REST API's redirect
      case 'wait-redirect':
        return this.follow(sim, 'Redirect', exit.method, exit.url, this.callParams(sim));
      default:
        if (sim.redirected) return { next: 'continue' };
        return answered ?? { next: 'continue' };
    }
  }

  /** The caller's time in the queue: the wait documents, verb by verb, until something takes it out. */
  private async waitInQueue(sim: SimCall, verb: TexmlNode, queue: CallQueue<QueuedCall>, member: QueuedCall): Promise<QueueExit> {
    const waitUrl = verb.attrs.waitUrl ? resolveUrl(verb.attrs.waitUrl, sim.documentUrl) : null;
    const waitMethod = (verb.attrs.waitUrlMethod as HttpMethod | undefined) ?? 'POST';
    let silent = waitUrl === null;
    let pending: TexmlNode[] = [];
    for (;;) {
      const exit = await this.queueTurn(sim, queue, member);
      if (exit) return exit;
      if (silent) {
        await this.untilInterrupted(sim);
        continue;
      }
      if (pending.length === 0) {
        sim.allowedVerbs = WAIT_URL_VERBS;
        sim.documentUrl = waitUrl!;
        const fetched = await this.fetchDocument(sim, 'Enqueue waitUrl', waitMethod, waitUrl!, {
          AccountSid: this.deps.account.accountSid,
          CallSid: sim.sid,
          CallSidLegacy: sim.legacySid,
          ...queue.statsFor(member, this.deps.clock.now()),
        });
        // A wait document that cannot be played is an application error: Telnyx hangs up (instruction fetching).
        if (!fetched) return { how: 'error' };
        if (fetched.length === 0) {
          // Re-requested at once, forever: a loop Telnyx would run hot. Reported; the caller waits on in silence.
          await this.dialectError(sim, 'Enqueue waitUrl', ['the wait document plays nothing: Telnyx would re-request it without pause']);
          silent = true;
          continue;
        }
        pending = fetched;
        continue; // look at the queue again: the fetch took time
      }
      const next = pending.shift()!;
      if (next.name === 'Leave') {
        this.step(sim, verbStep(next, `leave queue "${queue.name}"`));
        return { how: 'leave' };
      }
      if (next.name === 'Hangup') {
        this.step(sim, verbStep(next, 'hang up (from the wait document)'));
        return { how: 'wait-hangup' };
      }
      if (next.name === 'Redirect') {
        // Twilio: a <Redirect> in the wait document takes the call out of the queue (QueueResult redirected).
        this.step(sim, verbStep(next, `redirect out of queue "${queue.name}" to ${next.text}`));
        return { how: 'wait-redirect', url: resolveUrl(next.text, sim.documentUrl), method: (next.attrs.method as HttpMethod) ?? 'POST' };
      }
      const result = await this.runVerb(sim, next); // Play, Say, Pause, Gather
      if (result.next === 'end' && result.endedBy === 'error') return { how: 'error' };
      if (result.next === 'document') {
        // A Gather's action answered: its document plays on as part of the wait (the same verbs allowed).
        pending = result.verbs;
        sim.documentUrl = result.url;
      }
    }
  }

  /** Between two wait verbs: has the caller left, been redirected, taken by a Dial, or waited too long? */
  private async queueTurn(sim: SimCall, queue: CallQueue<QueuedCall>, member: QueuedCall): Promise<QueueExit | null> {
    sim.clearWake();
    if (sim.ended) return { how: 'hangup' };
    if (sim.redirected) return { how: 'redirected' };
    if (member.dequeue) {
      const exit = await this.dequeued(sim, queue, member);
      if (exit) return exit;
      sim.clearWake();
    }
    if (member.timedOut) {
      this.step(sim, { kind: 'verb', at: 0, verb: 'Enqueue', attrs: {}, text: queue.name, line: `enqueue: maxWaitTimeSecs reached` });
      return { how: 'leave' };
    }
    return null;
  }

  /**
   * A `<Dial><Queue>` took the caller: the Queue's `url` document plays to the caller first ("a
   * document executed on the queued call before bridging", dial page; with Twilio's QueueSid, QueueTime
   * and DequeingCallSid), then the two talk until one side leaves. Null: the dequeuing call left first,
   * the caller goes back to waiting (inferred).
   */
  private async dequeued(sim: SimCall, queue: CallQueue<QueuedCall>, member: QueuedCall): Promise<QueueExit | null> {
    const dequeue = member.dequeue!;
    const waited = queue.waitedSeconds(member, this.deps.clock.now());
    this.step(sim, {
      kind: 'verb',
      at: 0,
      verb: 'Enqueue',
      attrs: {},
      text: queue.name,
      line: `dequeued from "${queue.name}" by ${short(dequeue.dequeuer.sid)} after ${waited} s`,
    });
    let announced: 'done' | 'interrupted' | 'error' = 'done';
    if (dequeue.noun.attrs.url) {
      announced = await this.announce(
        sim,
        'Queue url',
        (dequeue.noun.attrs.method as HttpMethod | undefined) ?? 'POST',
        resolveUrl(dequeue.noun.attrs.url, dequeue.dequeuer.documentUrl),
        { ...this.callParams(sim), QueueSid: queue.sid, QueueTime: String(waited), DequeingCallSid: dequeue.dequeuer.sid },
      );
    }
    if (sim.ended || sim.redirected || announced === 'error') {
      dequeue.ready(null);
      member.dequeue = null;
      return sim.ended ? { how: 'hangup' } : sim.redirected ? { how: 'redirected' } : { how: 'error' };
    }
    if (dequeue.canceled) {
      member.dequeue = null;
      this.step(sim, {
        kind: 'verb',
        at: 0,
        verb: 'Enqueue',
        attrs: {},
        text: queue.name,
        line: 'the dequeuing call left first; waiting again',
      });
      return null;
    }
    queue.remove(sim.sid);
    const dequeuer = dequeue.dequeuer;
    const bridge = new Bridge(this.deps.clock.now());
    const room = this.openBridgeRoom([dequeuer.sid, sim.sid]);
    sim.bridgedTo ??= endpointOf(dequeuer);
    dequeuer.bridgedTo ??= endpointOf(sim);
    dequeue.ready(bridge);
    this.step(sim, {
      kind: 'verb',
      at: 0,
      verb: 'Enqueue',
      attrs: {},
      text: queue.name,
      line: `bridged to ${endpointOf(dequeuer).target}`,
    });
    await this.converse(sim, bridge, Infinity);
    this.closeRoom(room);
    return { how: 'bridged', waited };
  }

  /**
   * `<Dial><Queue>` (dial page nouns): bridges this call to the first caller waiting in the queue (its
   * `url` runs on that caller first). Twilio's documented behaviour, Telnyx being silent: "If the queue is
   * empty, Dial will wait until the next person joins the queue or until the timeout"; a queue nobody has
   * created yet is an error (DialCallStatus failed). When the bridge ends the Dial completes with
   * DialCallSid the caller's CallSid; the queued caller's Enqueue ends with QueueResult bridged.
   */
  private async dialQueue(sim: SimCall, verb: TexmlNode, noun: TexmlNode): Promise<VerbResult> {
    if (verb.attrs.answerOnBridge !== 'true') this.answer(sim);
    const timeout = Number(verb.attrs.timeout ?? DEFAULT_DIAL_TIMEOUT);
    const timeLimit = Number(verb.attrs.timeLimit ?? DEFAULT_TIME_LIMIT);
    this.step(sim, verbStep(verb, `dial queue "${noun.text}" (timeout ${timeout} s)`));
    const queue = this.queues.get(noun.text);
    if (!queue) {
      this.step(sim, verbStep(verb, `dial: there is no queue "${noun.text}"`));
      return this.dialEnded(sim, verb, 'failed', 0, null);
    }
    const deadline = this.deps.clock.now() + timeout * 1000;
    let status: 'no-answer' | 'canceled' = 'no-answer';
    let bridge: Bridge | null = null;
    let member: QueuedCall | undefined;
    while (!bridge) {
      member = queue.first((m) => m.dequeue === null && !m.call.ended && !m.call.redirected);
      if (!member) {
        const left = (deadline - this.deps.clock.now()) / 1000;
        const why = left <= 0 ? 'timeout' : await this.untilArrival(sim, queue, left);
        if (why === 'timeout') break;
        if (why === 'interrupted') {
          status = 'canceled';
          break;
        }
        continue;
      }
      const taken = member;
      const ready = new Promise<Bridge | null>((resolve) => {
        taken.dequeue = { dequeuer: sim, noun, canceled: false, ready: resolve };
      });
      taken.call.raise({ kind: 'wake' });
      const got = await Promise.race([ready, this.untilInterrupted(sim).then(() => 'interrupted' as const)]);
      if (got === 'interrupted') {
        if (taken.dequeue) taken.dequeue.canceled = true;
        status = 'canceled';
        break;
      }
      bridge = got;
    }
    if (!bridge || !member) {
      this.step(sim, verbStep(verb, `dial ended: ${status}`));
      return this.dialEnded(sim, verb, status, 0, null);
    }
    this.step(sim, verbStep(verb, `bridged to ${endpointOf(member.call).target} from queue "${queue.name}"`));
    const talked = await this.converse(sim, bridge, timeLimit);
    return this.dialEnded(sim, verb, 'completed', talked, member.call.sid);
  }

  /** Until someone is enqueued, `seconds` pass, or the call is interrupted. */
  private untilArrival(sim: SimCall, queue: CallQueue<QueuedCall>, seconds: number): Promise<'arrived' | 'timeout' | 'interrupted'> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (why: 'arrived' | 'timeout' | 'interrupted') => {
        if (settled) return;
        settled = true;
        if (timer) this.deps.clock.clearTimer(timer);
        off();
        stop();
        resolve(why);
      };
      const timer = this.after(seconds, () => finish('timeout'));
      const off = queue.onArrival(() => finish('arrived'));
      const stop = sim.onInterrupt(() => finish('interrupted'));
    });
  }

  /**
   * One side of a bridge talks until the other side leaves, its caller hangs up (`talkSeconds`), the
   * Dial's `timeLimit` passes, or its call is interrupted. Answers the seconds talked.
   */
  private async converse(sim: SimCall, bridge: Bridge, timeLimit: number): Promise<number> {
    const talk = Math.min(sim.caller.talkSeconds, timeLimit);
    let why: 'other-left' | 'talked' | 'interrupted' = 'interrupted';
    for (;;) {
      sim.clearWake();
      if (bridge.endedBy !== null) {
        why = 'other-left';
        break;
      }
      if (sim.interrupt) break;
      const left = talk - (this.deps.clock.now() - bridge.startedAt) / 1000;
      why = await new Promise<'other-left' | 'talked' | 'interrupted'>((resolve) => {
        let settled = false;
        const finish = (w: 'other-left' | 'talked' | 'interrupted') => {
          if (settled) return;
          settled = true;
          if (timer) this.deps.clock.clearTimer(timer);
          stop();
          resolve(w);
        };
        const timer = this.after(left, () => finish('talked'));
        const stop = sim.onInterrupt(() => finish('interrupted'));
        void bridge.over.then((by) => by !== sim.sid && finish('other-left'));
      });
      if (why !== 'interrupted' || !sim.woken) break; // a wake is no reason to stop talking
    }
    const talked = (this.deps.clock.now() - bridge.startedAt) / 1000;
    if (why === 'talked') {
      if (talk >= timeLimit)
        this.step(sim, { kind: 'verb', at: 0, verb: 'Dial', attrs: {}, text: '', line: `dial: timeLimit ${timeLimit} s reached` });
      else {
        this.step(sim, { kind: 'caller', at: 0, action: 'hang-up', line: `caller hangs up after talking ${round1(talked)} s` });
        this.callerHangsUp(sim);
      }
    } else if (why === 'other-left') {
      this.step(sim, { kind: 'verb', at: 0, verb: 'Dial', attrs: {}, text: '', line: `the other side left after ${round1(talked)} s` });
    }
    bridge.end(sim.sid);
    return talked;
  }

  /**
   * Plays a short document to the call (a `<Queue url>`): Play, Say, Pause and Redirect (Twilio's list).
   * 'interrupted' when the call hung up or was redirected meanwhile; 'error' when it cannot be played.
   */
  private async announce(
    sim: SimCall,
    purpose: string,
    method: HttpMethod,
    url: string,
    params: Record<string, string>,
  ): Promise<'done' | 'interrupted' | 'error'> {
    let verbs = await this.fetchDocument(sim, purpose, method, url, params, ANNOUNCEMENT_VERBS);
    let base = url;
    for (let redirects = 0; verbs; redirects++) {
      if (redirects > MAX_ANNOUNCEMENT_REDIRECTS) {
        await this.dialectError(sim, purpose, [`more than ${MAX_ANNOUNCEMENT_REDIRECTS} redirects: a loop`]);
        return 'error';
      }
      let redirect: TexmlNode | null = null;
      for (const verb of verbs) {
        if (sim.ended || sim.redirected) return 'interrupted';
        sim.clearWake();
        if (verb.name === 'Redirect') {
          redirect = verb;
          break;
        }
        await this.runVerb(sim, verb);
      }
      if (sim.ended || sim.redirected) return 'interrupted';
      if (!redirect) return 'done';
      this.step(sim, verbStep(redirect, `redirect to ${redirect.text}`));
      base = resolveUrl(redirect.text, base);
      verbs = await this.fetchDocument(
        sim,
        purpose,
        (redirect.attrs.method as HttpMethod | undefined) ?? 'POST',
        base,
        this.callParams(sim),
        ANNOUNCEMENT_VERBS,
      );
    }
    return 'error';
  }

  /** The end of a `<Dial>` to a queue or conference: `action` with DialCallStatus, or the next verb. */
  private async dialEnded(
    sim: SimCall,
    verb: TexmlNode,
    dialStatus: 'completed' | 'no-answer' | 'canceled' | 'failed',
    talked: number,
    dialCallSid: string | null,
  ): Promise<VerbResult> {
    const over = sim.ended;
    const redirected = !over && sim.redirected;
    if (verb.attrs.action) {
      const followed = await this.follow(sim, 'Dial action', (verb.attrs.method as HttpMethod) ?? 'POST', verb.attrs.action, {
        ...this.callParams(sim),
        CallbackSource: 'call-progress-events',
        DialCallStatus: dialStatus,
        DialCallDuration: String(Math.round(talked)),
        ...(dialCallSid ? { DialCallSid: dialCallSid } : {}),
        Timestamp: new Date(this.deps.clock.now()).toISOString(),
        SequenceNumber: String(++sim.sequence),
      });
      // Requested even then; the answer is not played (Twilio's documented behaviour).
      if (over) return this.endedByInterrupt(sim);
      return redirected ? { next: 'continue' } : followed;
    }
    return over ? this.endedByInterrupt(sim) : { next: 'continue' };
  }

  // ——— conferences: <Dial><Conference> and the participants API ———

  /**
   * `<Dial><Conference>` (conference page): joins the named room (a new one when none is live), waits
   * with the waitUrl music until it starts, talks, and leaves when the call ends, is removed or
   * redirected through the REST API, reaches the Dial's timeLimit, or the conference ends. Then the
   * Dial's action (DialCallStatus completed) or the next verb: "allow either call leg to continue
   * executing TexML if the other hangs up" (endConferenceOnExit). A full room (maxParticipants) ends the
   * Dial at once with DialCallStatus failed (inferred).
   */
  private async dialConference(sim: SimCall, verb: TexmlNode, noun: TexmlNode): Promise<VerbResult> {
    this.answer(sim);
    const timeLimit = Number(verb.attrs.timeLimit ?? DEFAULT_TIME_LIMIT);
    const conference = this.liveConference(noun.text) ?? this.createConference(noun.text, Number(noun.attrs.maxParticipants ?? 250));
    this.step(
      sim,
      verbStep(
        verb,
        `dial conference "${noun.text}"${describeAttrs(noun, ['startConferenceOnEnter', 'endConferenceOnExit', 'muted', 'participantLabel'])}`,
      ),
    );
    if (conference.isFull()) {
      this.step(sim, verbStep(verb, `dial: conference "${noun.text}" is full (${conference.maxParticipants})`));
      return this.dialEnded(sim, verb, 'failed', 0, null);
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
        startedAt: conference.status === 'in-progress' ? this.deps.clock.now() : null,
      };
    }
    const music = attrs.waitUrl
      ? { url: resolveUrl(attrs.waitUrl, sim.documentUrl), method: (attrs.waitMethod as HttpMethod | undefined) ?? 'POST' }
      : null;
    const talked = await this.attend(sim, conference, participantSettingsOf(attrs), music, timeLimit);
    return this.dialEnded(sim, verb, 'completed', talked, null);
  }

  /** A REST-dialed participant answered: it joins (if the room is still there) and hangs up when it leaves. */
  private async joinDialed(sim: SimCall, conference: Conference, settings: ParticipantSettings): Promise<EndedBy> {
    if (!conference.live || conference.isFull()) {
      const why = conference.live ? 'is full' : 'has ended';
      this.step(sim, {
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
    const { participant, starts } = conference.join(sim.sid, settings, this.deps.clock.now());
    const room = this.conferenceRoom(conference);
    this.rooms.set(sim.sid, room);
    const others = conference.connected().length - 1;
    this.note(
      sim,
      `joins conference "${conference.friendlyName}" (${others} other${others === 1 ? '' : 's'} there)${participant.muted ? ', muted' : ''}${
        others && beepsOn(participant.beep, 'enter') ? '; a beep for the others' : ''
      }`,
    );
    if (conference.status === 'in-progress') this.meet(sim, conference);
    await this.conferenceEvent(conference, 'participant-join', participant, sim);
    if (starts && conference.status === 'init') await this.startConference(conference, sim);

    let timeUp = false;
    const limitTimer = this.after(timeLimit, () => {
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
            talkingSince = this.deps.clock.now();
            // The scripted caller talks `talkSeconds` once someone is there to hear, then hangs up.
            talkTimer = this.after(sim.caller.talkSeconds, () => {
              this.step(sim, {
                kind: 'caller',
                at: 0,
                action: 'hang-up',
                line: `caller hangs up after ${sim.caller.talkSeconds} s in the conference`,
              });
              this.callerHangsUp(sim);
            });
          }
          if (participant.hold)
            await this.playMusic(
              sim,
              participant.holdUrl ? { url: participant.holdUrl, method: 'GET' } : null,
              'conference HoldUrl',
              () => !participant.hold,
            );
          else await this.untilInterrupted(sim);
        } else {
          await this.playMusic(sim, music, 'Conference waitUrl', () => conference.status !== 'init');
        }
      }
    } finally {
      if (limitTimer) this.deps.clock.clearTimer(limitTimer);
      if (talkTimer) this.deps.clock.clearTimer(talkTimer);
    }
    if (timeUp && participant.status === 'connected') this.note(sim, `dial: timeLimit ${timeLimit} s reached`);
    if (participant.removed && participant.status === 'connected') this.note(sim, 'removed from the conference through the REST API');
    const talked = talkingSince === null ? 0 : (this.deps.clock.now() - talkingSince) / 1000;
    await this.leaveConference(conference, participant, sim);
    return talked;
  }

  /** The room mixes: wait music stops, recording starts, `conference-start` is sent. */
  private async startConference(conference: Conference, sim: SimCall): Promise<void> {
    const now = this.deps.clock.now();
    conference.start(now);
    this.note(sim, `conference "${conference.friendlyName}" starts`);
    for (const p of conference.connected()) if (p.callSid !== sim.sid) this.calls.get(p.callSid)?.raise({ kind: 'wake' });
    this.meet(sim, conference);
    const recording = conference.recording;
    if (recording) recording.startedAt = now;
    await this.conferenceEvent(conference, 'conference-start', null, sim);
    if (recording?.statusCallback && recording.events.has('in-progress'))
      await this.callback(sim, 'conference recording status', recording.statusCallbackMethod, recording.statusCallback, {
        ...this.conferenceRecordingParams(conference, sim),
        RecordingStatus: 'in-progress',
      });
  }

  /** A participant is out: `participant-leave`, and the end of the room if it was the last or its moderator. */
  private async leaveConference(conference: Conference, participant: Participant, sim: SimCall): Promise<void> {
    const room = this.conferenceRoom(conference);
    if (this.rooms.get(sim.sid) === room) this.rooms.delete(sim.sid);
    this.endSupervisionOf(room, sim.sid);
    if (participant.status === 'left') return; // dropped when the room ended: already announced
    const ends = conference.leave(participant.callSid, this.deps.clock.now());
    this.note(
      sim,
      `leaves conference "${conference.friendlyName}"${beepsOn(participant.beep, 'exit') && conference.connected().length ? '; a beep for the others' : ''}`,
    );
    await this.conferenceEvent(conference, 'participant-leave', participant, sim);
    if (ends) await this.endConference(conference, sim, ends, participant);
  }

  /** "The conference ends and all other participants drop out" (conference page, endConferenceOnExit). */
  private async endConference(conference: Conference, sim: SimCall, reason: ConferenceEndReason, ending: Participant): Promise<void> {
    const dropped = conference.end(this.deps.clock.now());
    this.note(sim, `conference "${conference.friendlyName}" ends (${reason})`);
    this.closeRoom(this.conferenceRoom(conference));
    for (const p of dropped) this.calls.get(p.callSid)?.raise({ kind: 'wake' });
    for (const p of dropped) await this.conferenceEvent(conference, 'participant-leave', p, this.calls.get(p.callSid) ?? sim);
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
    const now = this.deps.clock.now();
    const duration = Math.round((now - recording.startedAt) / 1000);
    const sid = randomUUID();
    const url = this.deps.media.add({
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
    this.deps.media.expireAt(sid, now + (this.deps.recordingTtlMs ?? RECORDING_TTL_MS));
    this.step(sim, {
      kind: 'recording',
      at: 0,
      recordingSid: sid,
      url,
      duration,
      line: `conference recording ${short(sid)}: ${duration} s at ${url}`,
    });
    const status = duration > 0 ? 'completed' : 'absent';
    if (recording.statusCallback && recording.events.has(status))
      await this.callback(sim, 'conference recording status', recording.statusCallbackMethod, recording.statusCallback, {
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
      AccountSid: this.deps.account.accountSid,
      CallSid: sim.sid,
      CallSidLegacy: sim.legacySid,
      ConferenceSid: conference.sid,
      ConnectionId: this.deps.account.connectionId,
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
      const call = participant ? this.calls.get(participant.callSid) : undefined;
      await this.callback(sim, 'conference status', subscription.method, subscription.url, {
        AccountSid: this.deps.account.accountSid,
        ConferenceSid: conference.sid,
        FriendlyName: conference.friendlyName,
        StatusCallbackEvent: event,
        Timestamp: new Date(this.deps.clock.now()).toISOString(),
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
    if (!source) return this.untilInterrupted(sim);
    let { url, method } = source;
    for (let redirects = 0; ; ) {
      if (done() || sim.interrupt) return;
      const exchange = await this.request(sim, method, url, this.callParams(sim));
      const summary = exchange.status ? `${exchange.status}` : `no answer (${exchange.error})`;
      this.step(sim, { kind: 'fetch', at: exchange.at, purpose, exchange, line: `${purpose}: ${method} ${pathOf(url)} → ${summary}` });
      if (exchange.status !== 200) {
        sim.errors.push(`${purpose}: ${method} ${url} answered ${summary}`);
        return this.untilInterrupted(sim);
      }
      if (/^audio\//i.test(exchange.contentType ?? '')) {
        this.note(sim, `${purpose}: plays ${pathOf(url)} in a loop`);
        return this.untilInterrupted(sim);
      }
      const read = readTexml(exchange.body, ANNOUNCEMENT_VERBS);
      if (!read.ok || read.verbs.length === 0) {
        await this.dialectError(sim, purpose, read.ok ? ['the music document plays nothing'] : read.errors);
        return this.untilInterrupted(sim);
      }
      let redirect: TexmlNode | null = null;
      for (const verb of read.verbs) {
        if (done() || sim.interrupt) return;
        if (verb.name === 'Redirect') {
          redirect = verb;
          break;
        }
        await this.runVerb(sim, verb);
      }
      if (redirect) {
        if (++redirects > MAX_ANNOUNCEMENT_REDIRECTS) {
          await this.dialectError(sim, purpose, [`more than ${MAX_ANNOUNCEMENT_REDIRECTS} redirects in a row: a loop`]);
          return this.untilInterrupted(sim);
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
    const conference = new Conference(name, this.deps.clock.now(), maxParticipants);
    this.conferences.set(conference.sid, conference);
    return conference;
  }

  private conferenceRoom(conference: Conference): Room {
    let room = this.conferenceRooms.get(conference.sid);
    if (!room) {
      room = new Room('conference', () => ({ started: conference.status === 'in-progress', parties: conference.parties() }));
      this.conferenceRooms.set(conference.sid, room);
    }
    return room;
  }

  /** Whom a call in a started room talks with, for its outcome (the first other participant). */
  private meet(sim: SimCall, conference: Conference): void {
    for (const p of conference.connected()) {
      const other = this.calls.get(p.callSid);
      if (!other || other === sim) continue;
      sim.bridgedTo ??= endpointOf(other);
      other.bridgedTo ??= endpointOf(sim);
    }
  }

  // ——— supervision and rooms ———

  /**
   * The supervisor's call answered: it joins the supervised call's audio (TeXML REST "Initiate an
   * outbound call": SuperviseCallSid, SupervisingRole barge | whisper | monitor) until it hangs up, or the
   * supervised call leaves its bridge or conference. A call talking to nobody has nothing to join: the
   * supervisor's call ends (inferred).
   */
  private async supervise(sim: SimCall, supervised: string, role: SupervisingRole): Promise<EndedBy> {
    const room = this.rooms.get(supervised);
    const line = (status: string, text: string) =>
      this.step(sim, { kind: 'leg', at: 0, legSid: sim.sid, to: supervised, status, line: text });
    if (!room || room.closed) {
      line('unsupervised', `nothing to supervise: ${short(supervised)} is not talking to anyone; hanging up`);
      return 'application';
    }
    const supervision: Supervision = { call: sim, role, supervised, over: false };
    room.supervisors.set(sim.sid, supervision);
    this.rooms.set(sim.sid, room);
    line('supervising', `supervises ${short(supervised)} (${role})`);
    try {
      for (;;) {
        sim.clearWake();
        if (sim.ended || sim.redirected || supervision.over) break;
        await this.untilInterrupted(sim);
      }
    } finally {
      room.supervisors.delete(sim.sid);
      if (this.rooms.get(sim.sid) === room) this.rooms.delete(sim.sid);
    }
    if (supervision.over) line('supervision-over', `the supervised call ${short(supervised)} left; the supervision ends`);
    return sim.ended ? (sim.interrupt?.kind === 'api-hangup' ? 'api' : 'caller') : 'application';
  }

  private openBridgeRoom(callSids: readonly [string, string]): Room {
    const plain = (callSid: string): AudioParty => ({ callSid, muted: false, hold: false, coaching: false, callSidToCoach: null });
    const room = new Room('bridge', () => ({ started: true, parties: callSids.map(plain) }));
    for (const sid of callSids) this.rooms.set(sid, room);
    return room;
  }

  /** The room's audio is over: its calls leave it, its supervisors' calls end. */
  private closeRoom(room: Room): void {
    room.closed = true;
    for (const [sid, r] of this.rooms) if (r === room) this.rooms.delete(sid);
    for (const s of room.supervisors.values()) {
      s.over = true;
      s.call.raise({ kind: 'wake' });
    }
  }

  private endSupervisionOf(room: Room, supervised: string): void {
    for (const s of room.supervisors.values()) {
      if (s.supervised !== supervised) continue;
      s.over = true;
      s.call.raise({ kind: 'wake' });
    }
  }

  /** Who hears whom in the room `callSid` talks in (a bridge or conference, supervisors included); undefined when it talks in none. */
  hearing(callSid: string): Audibility | undefined {
    const room = this.rooms.get(callSid);
    return room && audibility(room.audio());
  }

  /** Who hears whom in a conference (supervisors included). */
  conferenceAudibility(conferenceSid: string): Audibility | undefined {
    const room = this.conferenceRooms.get(conferenceSid);
    return room && audibility(room.audio());
  }

  /**
   * `POST .../Calls` with SuperviseCallSid: a call to `to` that, once answered, joins the supervised
   * call's audio in `role`. "Status callbacks and action callbacks will NOT be sent for the supervising
   * leg" (InitiateCallRequest), so none are; no TeXML is fetched for it (inferred). The supervised call
   * must be live (404 unknown, 422 over).
   */
  superviseCall(input: OutboundCall, supervised: string, role: SupervisingRole): SimCallView {
    const call = this.calls.get(supervised);
    if (!call && !this.rooms.has(supervised))
      throw new SimApiError(404, '10005', 'Resource not found', `No call ${supervised} to supervise`, '/SuperviseCallSid');
    if (call && call.endedAt !== null)
      throw new SimApiError(422, '90018', 'Call has already ended', `Call ${supervised} is not live`, '/SuperviseCallSid');
    const quiet: OutboundCall = { from: input.from, to: input.to, timeoutSeconds: input.timeoutSeconds };
    return this.startOutbound(quiet, { kind: 'supervise', callSid: supervised, role });
  }

  /**
   * The TeXML REST conference and participant operations (api-reference/texml-rest-commands: list and
   * fetch conferences, dial, update and delete a participant). A dialed participant rings `To` on the
   * switchboard and joins when it answers; until then it is not listed among the participants.
   */
  readonly conferenceControl: ConferenceControl = {
    list: () => [...this.conferences.values()].map((c) => c.view()),
    get: (sid) => this.conferences.get(sid)?.view(),
    dial: (sid, input) => {
      const conference = this.conferenceOr404(sid);
      if (!conference.live) throw invalid.value('ConferenceSid', `Conference ${sid} has ended`);
      const coaching = input.coaching ?? input.callSidToCoach !== undefined;
      if (coaching && input.callSidToCoach !== undefined) this.mustBeParticipant(conference, input.callSidToCoach);
      const settings: ParticipantSettings = {
        ...DEFAULT_PARTICIPANT,
        label: input.label ?? null,
        muted: input.muted ?? false,
        endConferenceOnExit: input.endConferenceOnExit ?? false,
        coaching,
        callSidToCoach: input.callSidToCoach ?? null,
      };
      const call = this.startOutbound({ from: input.from, to: input.to }, { kind: 'conference', conference, settings });
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
      const conference = this.conferenceOr404(sid);
      const participant = this.connectedOr404(conference, callSid);
      if (input.callSidToCoach !== undefined) this.mustBeParticipant(conference, input.callSidToCoach);
      if (input.muted !== undefined) participant.muted = input.muted;
      if (input.endConferenceOnExit !== undefined) participant.endConferenceOnExit = input.endConferenceOnExit;
      if (input.callSidToCoach !== undefined) participant.callSidToCoach = input.callSidToCoach;
      // Coaching "defaults to false unless call_sid_to_coach is defined" (Twilio's documented rule).
      if (input.coaching !== undefined) participant.coaching = input.coaching;
      else if (input.callSidToCoach !== undefined) participant.coaching = true;
      if (input.holdUrl !== undefined) participant.holdUrl = input.holdUrl;
      if (input.hold !== undefined && input.hold !== participant.hold) {
        participant.hold = input.hold;
        this.calls.get(callSid)?.raise({ kind: 'wake' }); // to hold music, or back from it
      }
      return participant.view();
    },
    remove: (sid, callSid) => {
      const conference = this.conferenceOr404(sid);
      const participant = this.connectedOr404(conference, callSid);
      participant.removed = true;
      this.calls.get(callSid)?.raise({ kind: 'wake' });
    },
  };

  private conferenceOr404(sid: string): Conference {
    const conference = this.conferences.get(sid);
    if (!conference) throw new SimApiError(404, '10005', 'Resource not found', `No conference ${sid}.`);
    return conference;
  }

  private connectedOr404(conference: Conference, callSid: string): Participant {
    const participant = conference.participant(callSid);
    if (participant?.status !== 'connected' || participant.removed)
      throw new SimApiError(404, '10005', 'Resource not found', `No participant ${callSid} in conference ${conference.sid}.`);
    return participant;
  }

  /** Inferred: coaching someone who is not in the room is refused. */
  private mustBeParticipant(conference: Conference, callSid: string): void {
    if (conference.participant(callSid)?.status !== 'connected')
      throw invalid.value('CallSidToCoach', `${callSid} is not a participant of conference ${conference.sid}`);
  }

  /** Until something interrupts the call (a wake included). */
  private untilInterrupted(sim: SimCall): Promise<void> {
    return new Promise((resolve) => {
      sim.onInterrupt(resolve);
    });
  }

  /** A step about the call's place in a queue or conference. */
  private note(sim: SimCall, line: string): void {
    this.step(sim, { kind: 'verb', at: 0, verb: 'Conference', attrs: {}, text: '', line });
  }

  // ——— requests and callbacks ———

  /** Fetches a TeXML document and returns its verbs, or null (and an error) when it cannot be played. */
  private async fetchDocument(
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

/** Who a call's other party talks to: the caller of an inbound call, the callee of an outbound one. */
function endpointOf(call: SimCall): { kind: 'sip' | 'number'; target: string } {
  const target = call.direction === 'inbound' ? call.from : call.to;
  return { kind: /^sips?:/i.test(target) ? 'sip' : 'number', target };
}

function userOf(target: string): string {
  return target.replace(/^sips?:/i, '').split('@')[0] ?? target;
}

const clip = (text: string, max = 80) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const short = (sid: string) => sid.slice(0, 10);
const round1 = (n: number) => Math.round(n * 10) / 10;
