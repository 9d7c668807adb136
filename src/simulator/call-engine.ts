/**
 * Telnyx's part of a call: fetch the application's voice URL, play the TeXML it answers verb by verb,
 * and end the call the way Telnyx would. One engine serves many calls at once; time comes from a Clock
 * (virtual in tests). This file is the engine's public face (inbound and REST-initiated calls, REST
 * updates and views, supervision, conference control, who hears whom) and the play loop that hands each
 * verb to the module that plays it:
 *
 * - ./sim-call.ts: the call itself (SimCall, its interrupts, what a verb answers) and pure helpers;
 * - ./call-runtime.ts: the shell every verb plays through (requests, callbacks, time, the call's life);
 * - ./basic-verbs.ts: Say, Play, Pause, Redirect, Hangup, Reject, Gather, Record;
 * - ./dial-verb.ts: Dial to Sip/Number legs, the conversation of two bridged calls, the Dial's end;
 * - ./queue-verbs.ts: Enqueue, Leave, Dial Queue (state in ./call-queues.ts);
 * - ./conference-verbs.ts and ./conference-control.ts: Dial Conference and the REST participants API
 *   (state in ./conferences.ts);
 * - ./rooms.ts: which calls share audio, and supervision (rules in ./audibility.ts).
 *
 * Each behaviour names its Telnyx page (developers.telnyx.com/docs/voice/programmable-voice/
 * texml-verbs/<verb>, texml-instruction-fetching, and the TeXML callback schemas under
 * api-reference/callbacks/texml-*). Where Telnyx is silent the engine follows Twilio's documented
 * behaviour (TeXML is TwiML-compatible) and says so.
 */
import type { Audibility, SupervisingRole } from './audibility.js';
import { gather, hangup, pause, play, record, redirect, reject, say } from './basic-verbs.js';
import { CallRecordings } from './call-recordings.js';
import { CallRuntime, type EngineDeps } from './call-runtime.js';
import { conferenceControl } from './conference-control.js';
import { ConferenceVerbs } from './conference-verbs.js';
import type { Conference, ParticipantSettings } from './conferences.js';
import { type ConferenceControl, SimApiError, type SimCallView, type Switchboard } from './contracts.js';
import { dialNouns, dialPhones } from './dial-verb.js';
import { QueueVerbs } from './queue-verbs.js';
import { Rooms, supervise } from './rooms.js';
import {
  type CallerScript,
  DEFAULT_CALLER,
  type EndedBy,
  resultOf,
  SimCall,
  type TexmlApplication,
  type VerbResult,
  viewOf,
} from './sim-call.js';
import { readTexml, type TexmlNode } from './texml-reader.js';
import type { CallResult, Step } from './transcript.js';
import type { HttpMethod } from './webhook-client.js';

export { type EngineDeps, RECORDING_TTL_MS } from './call-runtime.js';
export { type CallerScript, DEFAULT_CALLER, type TexmlApplication } from './sim-call.js';

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

/** Documents fetched for one call before the engine calls it a loop and hangs up. */
const MAX_DOCUMENTS = 500;

/** What an answered REST call does: play TeXML, join a conference (dialed participant), or supervise a call. */
type OutboundTarget =
  | { kind: 'texml' }
  | { kind: 'conference'; conference: Conference; settings: ParticipantSettings }
  | { kind: 'supervise'; callSid: string; role: SupervisingRole };

export class CallEngine {
  private readonly rt: CallRuntime;
  private readonly rooms = new Rooms();
  private readonly queues: QueueVerbs;
  private readonly conferences: ConferenceVerbs;
  /**
   * The TeXML REST conference and participant operations (api-reference/texml-rest-commands); a dialed
   * participant is an outbound call that joins the room when it answers.
   */
  readonly conferenceControl: ConferenceControl;
  /** Recordings the TeXML REST API starts, pauses, resumes and stops on a live call (./call-recordings.ts). */
  readonly recordings: CallRecordings;

  constructor(private readonly deps: EngineDeps) {
    this.rt = new CallRuntime(deps, (sim, verb) => this.runVerb(sim, verb));
    this.queues = new QueueVerbs(this.rt, this.rooms);
    this.conferences = new ConferenceVerbs(this.rt, this.rooms);
    this.recordings = new CallRecordings(this.rt);
    this.conferenceControl = conferenceControl(this.rt, this.conferences, (call, conference, settings) =>
      this.startOutbound(call, { kind: 'conference', conference, settings }),
    );
  }

  /**
   * An inbound call to a number of `app`: runs until the call ends and resolves with its transcript.
   * `observe` sees each step as it happens (the CLI prints them).
   */
  async inbound(call: { from: string; to: string }, app: TexmlApplication, opts: InboundOptions = {}): Promise<CallResult> {
    const caller = opts.caller ?? DEFAULT_CALLER;
    const sim = new SimCall(call.from, call.to, 'inbound', app, caller, null, this.rt.now());
    this.rt.calls.set(sim.sid, sim);
    sim.observe = opts.observe;
    sim.switchboard = opts.phones ?? this.deps.switchboard;
    opts.onStart?.(sim.sid);
    this.callStarts(sim);
    const hangUpTimer = caller.hangUpAt !== null ? this.rt.at(sim, caller.hangUpAt, () => this.rt.callerHangsUp(sim)) : null;
    let endedBy: EndedBy = 'application';
    try {
      endedBy = await this.play(sim);
    } catch (err) {
      sim.errors.push(`engine failure: ${(err as Error).stack ?? err}`);
      endedBy = 'error';
    } finally {
      if (hangUpTimer) this.deps.clock.clearTimer(hangUpTimer);
    }
    await this.rt.finish(sim, endedBy);
    return resultOf(sim);
  }

  /** The live calls and the ended ones still remembered, as the REST API shows them. */
  view(callSid: string): SimCallView | undefined {
    const sim = this.rt.calls.get(callSid);
    return sim && viewOf(sim, this.deps.account.accountSid);
  }

  /** A call's transcript so far (a REST-created call's or a `<Dial>` leg's, which no `inbound` returns). */
  transcript(callSid: string): readonly Step[] | undefined {
    return this.rt.calls.get(callSid)?.steps;
  }

  list(): SimCallView[] {
    return [...this.rt.calls.values()].map((c) => viewOf(c, this.deps.account.accountSid));
  }

  /** The REST API's "update call": redirect to a URL or inline TeXML, or hang up. False if no such live call. */
  update(callSid: string, change: { url?: string; method?: HttpMethod; texml?: string; status?: 'completed' | 'canceled' }): boolean {
    const sim = this.rt.calls.get(callSid);
    if (!sim || sim.endedAt !== null) return false;
    // Inferred: a `<Dial>` leg still ringing has no TeXML to replace (its Status may still cancel it).
    if (!change.status && sim.direction === 'outbound-dial' && sim.answeredAt === null)
      throw new SimApiError(422, '90018', 'Call is not in progress', `Call ${callSid} has not been answered yet`);
    if (change.status) sim.raise({ kind: 'api-hangup' });
    else sim.raise({ kind: 'api-redirect', url: change.url, method: change.method, texml: change.texml });
    return true;
  }

  // ——— calls the REST API starts ———

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
    const sim = new SimCall(input.from, input.to, 'outbound-api', app, farEnd, null, this.rt.now());
    sim.status = 'queued';
    sim.observe = observe;
    this.rt.calls.set(sim.sid, sim);
    const queued = viewOf(sim, this.deps.account.accountSid); // what "Initiate an outbound call" answers
    void this.runOutbound(sim, input, target).catch((err) => sim.errors.push(`engine failure: ${(err as Error).stack ?? err}`));
    return queued;
  }

  private async runOutbound(sim: SimCall, input: OutboundCall, target: OutboundTarget): Promise<void> {
    this.callStarts(sim);
    await this.progress(sim, 'initiated');
    sim.status = 'ringing';
    let ringingSent: Promise<void> = Promise.resolve();
    const picked = await new Promise<'answered' | 'busy' | 'failed' | 'no-answer'>((resolve) => {
      let decided = false;
      const decide = (how: 'answered' | 'busy' | 'failed' | 'no-answer') => {
        if (decided) return;
        decided = true;
        if (timer) this.deps.clock.clearTimer(timer);
        resolve(how);
      };
      const timer = this.rt.after(input.timeoutSeconds ?? 60, () => decide('no-answer'));
      const leg = this.deps.switchboard.offer(
        { legSid: sim.sid, parentCallSid: null, from: sim.from, to: sim.to },
        {
          ringing: () => {
            this.rt.step(sim, { kind: 'leg', at: 0, legSid: sim.sid, to: sim.to, status: 'ringing', line: `${sim.to}: ringing` });
            ringingSent = this.progress(sim, 'ringing');
          },
          answered: () => decide('answered'),
          rejected: (reason) => decide(reason),
          // After answering, the far end hanging up ends the call like a caller hanging up.
          hungUp: () => (decided ? this.rt.callerHangsUp(sim) : decide('failed')),
          // The far end's keys (a softphone's DTMF) are the call's input, for a Gather listening.
          digits: (keys) => this.rt.dtmf(sim, keys, sim.to),
        },
      );
      sim.farEnd = leg;
      if (!leg)
        this.rt.step(sim, {
          kind: 'leg',
          at: 0,
          legSid: sim.sid,
          to: sim.to,
          status: 'unreachable',
          line: `${sim.to}: nothing registered there; it rings unanswered`,
        });
    });
    await ringingSent;
    if (picked !== 'answered') {
      sim.farEnd?.end(picked === 'no-answer' ? 'no-answer' : 'canceled');
      sim.status = picked;
      await this.rt.finish(sim, 'far-end');
      return;
    }
    this.rt.answer(sim);
    this.rt.step(sim, { kind: 'leg', at: 0, legSid: sim.sid, to: sim.to, status: 'in-progress', line: `${sim.to}: answered` });
    await this.progress(sim, 'answered');
    let endedBy: EndedBy;
    try {
      if (target.kind === 'conference') endedBy = await this.conferences.joinDialed(sim, target.conference, target.settings);
      else if (target.kind === 'supervise') endedBy = await supervise(this.rt, this.rooms, sim, target.callSid, target.role);
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
    await this.rt.finish(sim, endedBy === 'caller' ? 'far-end' : endedBy);
  }

  /**
   * A REST-created call's progress callbacks before its end (InitiateCallRequest `StatusCallbackEvent`:
   * initiated, ringing, answered; `completed` is sent by `finish`), with the call progress fields every
   * TeXML status callback carries (CallbackSource call-progress-events, SequenceNumber).
   */
  private async progress(sim: SimCall, event: 'initiated' | 'ringing' | 'answered'): Promise<void> {
    const app = sim.app;
    if (!app.statusCallback || !(app.statusCallbackEvents ?? ['completed']).includes(event)) return;
    await this.rt.callback(sim, 'call status', app.statusCallbackMethod ?? 'POST', app.statusCallback, {
      AccountSid: this.deps.account.accountSid,
      CallSid: sim.sid,
      CallSidLegacy: sim.legacySid,
      CallStatus: event === 'answered' ? 'in-progress' : event,
      From: sim.from,
      To: sim.to,
      ConnectionId: this.deps.account.connectionId,
      CallbackSource: 'call-progress-events',
      Timestamp: new Date(this.rt.now()).toISOString(),
      SequenceNumber: String(++sim.sequence),
    });
  }

  /** The transcript's first step: the call exists. */
  private callStarts(sim: SimCall): void {
    const { sid, from, to, direction } = sim;
    const line = `${direction === 'inbound' ? 'inbound' : 'outbound'} call ${sid} from ${from} to ${to}`;
    this.rt.step(sim, { kind: 'call', at: 0, callSid: sid, from, to, direction, line });
  }

  // ——— the play loop and the verb dispatch ———

  /** Plays the call's TeXML: the voice URL's document, or inline TeXML, or verbs already read. */
  private async play(sim: SimCall, start?: { texml: string } | { verbs: TexmlNode[] }): Promise<EndedBy> {
    let documents = 0;
    let verbs: TexmlNode[] | null;
    if (start && 'verbs' in start) {
      verbs = start.verbs;
    } else if (start) {
      const read = readTexml(start.texml);
      verbs = read.ok ? read.verbs : await this.rt.dialectError(sim, 'Texml of the REST call', read.errors);
    } else {
      verbs = await this.rt.fetchDocument(sim, 'voice URL', sim.app.voiceMethod, sim.app.voiceUrl, this.rt.callParams(sim));
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

  /** A redirect the REST API asked for: the verbs it points to, or 'failed' when they cannot be played. */
  private async takeRedirect(sim: SimCall): Promise<TexmlNode[] | null | 'failed'> {
    const interrupt = sim.interrupt;
    if (interrupt?.kind !== 'api-redirect') return null;
    sim.interrupt = null;
    if (interrupt.url) sim.documentUrl = interrupt.url; // relative URLs in the new document resolve against it
    if (interrupt.texml !== undefined) {
      const read = readTexml(interrupt.texml);
      if (!read.ok) return this.rt.dialectError(sim, 'TeXML from the REST API', read.errors);
      return read.verbs;
    }
    const verbs = await this.rt.fetchDocument(
      sim,
      'REST update Url',
      interrupt.method ?? 'POST',
      interrupt.url ?? '',
      this.rt.callParams(sim),
    );
    return verbs ?? 'failed';
  }

  /** Hands the verb to the module that plays it. */
  private runVerb(sim: SimCall, verb: TexmlNode): Promise<VerbResult> {
    const rt = this.rt;
    switch (verb.name) {
      case 'Say':
        return say(rt, sim, verb);
      case 'Play':
        return play(rt, sim, verb);
      case 'Pause':
        return pause(rt, sim, verb);
      case 'Gather':
        return gather(rt, sim, verb);
      case 'Record':
        return record(rt, sim, verb);
      case 'Dial':
        return this.dial(sim, verb);
      case 'Redirect':
        return redirect(rt, sim, verb);
      case 'Hangup':
        return Promise.resolve(hangup(rt, sim, verb));
      case 'Reject':
        return Promise.resolve(reject(rt, sim, verb));
      case 'Enqueue':
        return this.queues.enqueue(sim, verb);
      case 'Leave':
        return Promise.resolve(this.queues.leave(sim, verb));
      default:
        return rt.dialectError(sim, `<${verb.name}>`, [`<${verb.name}> is not simulated`]).then(() => ({
          next: 'end' as const,
          endedBy: 'error' as const,
        }));
    }
  }

  /** A `<Dial>` leg the REST API redirected out of its bridge: it plays the document it was pointed to. */
  private async continueLeg(leg: SimCall): Promise<EndedBy> {
    const redirect = await this.takeRedirect(leg);
    if (redirect === 'failed') return 'error';
    if (!redirect) return leg.ended ? (leg.interrupt?.kind === 'api-hangup' ? 'api' : 'caller') : 'application';
    return this.play(leg, { verbs: redirect });
  }

  /** `<Dial>` (dial page): phones ring as legs; a queue or a conference is a place the call goes to. */
  private async dial(sim: SimCall, verb: TexmlNode): Promise<VerbResult> {
    const nouns = dialNouns(verb);
    const room = nouns.find((n) => n.name === 'Queue' || n.name === 'Conference');
    if (!room) return dialPhones(this.rt, this.rooms, sim, verb, nouns, (leg) => this.continueLeg(leg));
    // A queue or a conference is a place, not a phone: one per Dial, alone (inferred; Twilio's pages
    // show them alone and define no mix with <Number>/<Sip>).
    if (nouns.length > 1) {
      await this.rt.dialectError(sim, `<Dial><${room.name}>`, [`<${room.name}> must be the only noun of its <Dial>`]);
      return { next: 'end', endedBy: 'error' };
    }
    return room.name === 'Queue' ? this.queues.dialQueue(sim, verb, room) : this.conferences.dialConference(sim, verb, room);
  }

  // ——— who hears whom, supervision ———

  /** Who hears whom in the room `callSid` talks in (a bridge or conference, supervisors included); undefined when it talks in none. */
  hearing(callSid: string): Audibility | undefined {
    return this.rooms.hearing(callSid);
  }

  /** Who hears whom in a conference (supervisors included). */
  conferenceAudibility(conferenceSid: string): Audibility | undefined {
    return this.rooms.conferenceAudibility(conferenceSid);
  }

  /**
   * `POST .../Calls` with SuperviseCallSid: a call to `to` that, once answered, joins the supervised
   * call's audio in `role`. "Status callbacks and action callbacks will NOT be sent for the supervising
   * leg" (InitiateCallRequest), so none are; no TeXML is fetched for it (inferred). The supervised call
   * must be live (404 unknown, 422 over).
   */
  superviseCall(input: OutboundCall, supervised: string, role: SupervisingRole): SimCallView {
    const call = this.rt.calls.get(supervised);
    if (!call && !this.rooms.of(supervised))
      throw new SimApiError(404, '10005', 'Resource not found', `No call ${supervised} to supervise`, '/SuperviseCallSid');
    if (call && call.endedAt !== null)
      throw new SimApiError(422, '90018', 'Call has already ended', `Call ${supervised} is not live`, '/SuperviseCallSid');
    const quiet: OutboundCall = { from: input.from, to: input.to, timeoutSeconds: input.timeoutSeconds };
    return this.startOutbound(quiet, { kind: 'supervise', callSid: supervised, role });
  }
}
