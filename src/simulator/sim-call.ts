/**
 * One call as Telnyx keeps it: its identity (CallSid), the application it plays and the scripted caller,
 * its status and transcript, and what can interrupt the verb being played (the caller hanging up, the
 * REST API, a wake from a queue or conference). Also the pure helpers every verb shares: CallSids, step
 * lines, how long speech and audio take, URLs, and how a call reads once over (outcome, REST view).
 * No I/O and no timers: ./call-runtime.ts does those.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { OfferedLeg, SimCallView, Switchboard } from './contracts.js';
import { PLAY_ESTIMATE_SECONDS } from './media-length.js';
import type { TexmlNode } from './texml-reader.js';
import type { CallOutcome, CallResult, Step } from './transcript.js';
import type { HttpMethod, WebhookExchange } from './webhook-client.js';

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
  /**
   * Keys pressed at a moment of the call (seconds from its start, in order), whatever plays then: heard
   * by the `<Gather>` listening at that moment (a queue's wait music, say); lost when none listens.
   * A Gather that has an entry of `digits` uses that instead.
   */
  keysAt: { keys: string; atSeconds: number }[];
  /** Seconds from the start of the call at which the caller hangs up, whatever is happening. */
  hangUpAt: number | null;
  /** At a `<Record>`: speak this long, then hang up or press the finish key. */
  message: { seconds: number; ending: 'hang-up' | 'finish-key' };
  /** Once bridged to someone: talk this long, then hang up (unless the other side hangs up first). */
  talkSeconds: number;
}

export const DEFAULT_CALLER: CallerScript = {
  digits: [],
  keysAt: [],
  hangUpAt: null,
  message: { seconds: 5, ending: 'hang-up' },
  talkSeconds: 10,
};

/** What stops the verb being played. */
export type Interrupt =
  | { kind: 'caller-hung-up' }
  | { kind: 'api-hangup' }
  | { kind: 'api-redirect'; url?: string; method?: HttpMethod; texml?: string }
  /** Something the call waits on changed (dequeued, conference started or ended, hold, removal): look again. */
  | { kind: 'wake' };

/** What a verb leaves the play loop to do: the next verb, a new document, or the end of the call. */
export type VerbResult = { next: 'continue' } | { next: 'document'; verbs: TexmlNode[]; url: string } | { next: 'end'; endedBy: EndedBy };
/** Who ended the call, as its transcript's last step says. */
export type EndedBy = Extract<Step, { kind: 'end' }>['endedBy'];

/** One call: its identity, its transcript, and what can interrupt the verb being played. */
export class SimCall {
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
  /** The caller's `keysAt` entries pressed (or lost) so far. */
  keysPressed = 0;
  bridgedTo: { kind: 'sip' | 'number'; target: string } | null = null;
  forwarded = false;
  recorded = false;
  callerHungUp = false;
  documentUrl: string;
  /** The `<Gather>` listening now for keys pressed live (a softphone's DTMF); null when none listens. */
  keyListener: ((keys: string) => void) | null = null;
  /** Work that must end with the call, before its status callback (a REST-started recording). */
  readonly endHooks: (() => Promise<void>)[] = [];
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
/**
 * The call log's word for how the call went, from what happened on the wire: an agent's `<Sip>` leg
 * answered → ANSWERED; a `<Number>` was dialed (the forward) → FORWARDED; a `<Record>` was reached →
 * VOICEMAIL; the caller left first → ABANDONED; the application hung up → HUNG_UP. AFTER_HOURS looks
 * like VOICEMAIL or HUNG_UP on the wire: only the service's own log tells them apart.
 */
export function outcomeOf(sim: SimCall): CallOutcome {
  if (sim.bridgedTo?.kind === 'sip') return 'ANSWERED';
  if (sim.forwarded) return 'FORWARDED';
  if (sim.recorded || sim.steps.some((s) => s.kind === 'verb' && s.verb === 'Record')) return 'VOICEMAIL';
  if (sim.callerHungUp) return 'ABANDONED';
  return 'HUNG_UP';
}

/** The call's transcript and outcome, once it is over. */
export function resultOf(sim: SimCall): CallResult {
  return {
    callSid: sim.sid,
    from: sim.from,
    to: sim.to,
    outcome: outcomeOf(sim),
    answeredBy: sim.bridgedTo ? userOf(sim.bridgedTo.target) : null,
    startedAt: sim.startedAt,
    duration: round1((sim.endedAt! - sim.startedAt) / 1000),
    steps: sim.steps,
    requests: sim.requests,
    errors: sim.errors,
  };
}

export function viewOf(sim: SimCall, accountSid: string): SimCallView {
  return {
    callSid: sim.sid,
    accountSid,
    from: sim.from,
    to: sim.to,
    direction: sim.direction,
    status: sim.status,
    parentCallSid: sim.parentCallSid,
    startTime: new Date(sim.startedAt).toISOString(),
    endTime: sim.endedAt === null ? null : new Date(sim.endedAt).toISOString(),
    duration: sim.endedAt === null ? null : Math.round((sim.endedAt - (sim.answeredAt ?? sim.endedAt)) / 1000),
  };
}

/** Telnyx's TeXML CallSid is the call_control_id, `v3:` and an opaque token (texml/calls.yml examples). */
export function callSidOf(): string {
  return `v3:${randomBytes(24).toString('base64url')}`;
}

export function verbStep(verb: TexmlNode, line: string): Step {
  return { kind: 'verb', at: 0, verb: verb.name, attrs: { ...verb.attrs }, text: verb.text, line };
}

/** Speech takes time: about 2.5 words a second, per loop (`loop="0"` repeats until interrupted). */
export function sayingSeconds(verb: TexmlNode): number {
  const words = verb.text.split(/\s+/).filter(Boolean).length;
  const loops = Number(verb.attrs.loop ?? 1);
  return loops === 0 ? Infinity : Math.max(1, Math.round((words / 2.5) * 10) / 10) * loops;
}

/**
 * A play's length: its clip's (`clipSeconds`, read from the audio by ./media-length.ts) or, when that
 * is unknown, PLAY_ESTIMATE_SECONDS; digits take half a second each; times `loop` (0: until interrupted).
 */
export function playingSeconds(verb: TexmlNode, clipSeconds: number | null = null): number {
  const loops = Number(verb.attrs.loop ?? 1);
  if (loops === 0) return Infinity;
  return (verb.attrs.digits && !verb.text ? verb.attrs.digits.length * 0.5 : (clipSeconds ?? PLAY_ESTIMATE_SECONDS)) * loops;
}

export function describeAttrs(verb: TexmlNode, names: string[]): string {
  const parts = names.filter((n) => verb.attrs[n] !== undefined).map((n) => `${n} ${verb.attrs[n]}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

export function resolveUrl(url: string, base: string): string {
  try {
    return new URL(url, base).toString();
  } catch {
    return url;
  }
}

export function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return url;
  }
}

/** Who a call's other party talks to: the caller of an inbound call, the callee of an outbound one. */
export function endpointOf(call: SimCall): { kind: 'sip' | 'number'; target: string } {
  const target = call.direction === 'inbound' ? call.from : call.to;
  return { kind: /^sips?:/i.test(target) ? 'sip' : 'number', target };
}

export function userOf(target: string): string {
  return target.replace(/^sips?:/i, '').split('@')[0] ?? target;
}

export const clip = (text: string, max = 80) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
export const short = (sid: string) => sid.slice(0, 10);
export const round1 = (n: number) => Math.round(n * 10) / 10;
