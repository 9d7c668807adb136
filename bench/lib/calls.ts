/**
 * The calls scenario's arithmetic: which kind of call comes next, what it does (in the simulator's
 * scenario language, src/simulator/scenario.ts), and the tally of finished calls — outcomes against
 * what each kind should end as, the simulator's requests grouped by what they were for, call setup.
 * Pure: the load generator feeds it CallResults, the report reads its summary.
 */
import type { CallOutcome, CallResult } from '../../src/simulator/transcript.js';
import { Samples, summarize, type LatencySummary } from './stats.js';

export type CallKind = 'answered' | 'voicemail' | 'abandoned';

export const CALL_KINDS: readonly CallKind[] = ['answered', 'voicemail', 'abandoned'];

/** What the simulator should classify each kind as (the service's call log should agree). */
export const EXPECTED_OUTCOME: Readonly<Record<CallKind, CallOutcome>> = {
  answered: 'ANSWERED',
  voicemail: 'VOICEMAIL',
  abandoned: 'ABANDONED',
};

/** Five calls in turn: three answered, one caller who gives up while it rings, one voicemail. */
const MIX: readonly CallKind[] = ['answered', 'abandoned', 'answered', 'voicemail', 'answered'];

export const kindOf = (seq: number): CallKind => MIX[seq % MIX.length]!;

/** Seconds: agents pick up after about a second of ringing, callers talk about two. */
export const ANSWER_AFTER_S = 1;
export const TALK_S = 2;
export const MESSAGE_S = 2;
/** Mid-ring: the Dial starts ringing right after the voice URL answers (a few ms), agents never pick up. */
export const ABANDON_AT_S = 1.5;

/**
 * The call as a scenario. `agents` are the called company's SIP usernames: answered calls script all
 * of them to answer (the service rings everyone routable at once; the first to answer wins), abandoned
 * calls script them to ignore the ring; voicemail companies have nobody online, so nobody is rung.
 */
export function scenarioText(kind: CallKind, call: { from: string; to: string; agents: readonly string[] }): string {
  const lines = [`call from ${call.from} to ${call.to}`];
  if (kind === 'answered') {
    for (const a of call.agents) lines.push(`agent ${a} answers after ${ANSWER_AFTER_S} s`);
    lines.push(`caller talks for ${TALK_S} s`);
  } else if (kind === 'abandoned') {
    for (const a of call.agents) lines.push(`agent ${a} does not answer`);
    lines.push(`caller hangs up at ${ABANDON_AT_S} s`);
  } else {
    lines.push(`caller leaves a ${MESSAGE_S} s message`);
  }
  return lines.join('; ');
}

/** What a request of the simulator was for: the first TeXML fetch, a later one (Dial/Record action), or a callback. */
export type RequestGroup = 'voiceUrl' | 'actions' | 'callbacks';

/** The call's requests (`result.requests`, in order) with the group each belongs to, from the transcript's steps. */
export function groupRequests(result: CallResult): { group: RequestGroup; ms: number; ok: boolean }[] {
  const groupOf = new Map<object, RequestGroup>();
  for (const step of result.steps) {
    if (step.kind === 'fetch') groupOf.set(step.exchange, step.purpose === 'voice URL' ? 'voiceUrl' : 'actions');
    else if (step.kind === 'callback') groupOf.set(step.exchange, 'callbacks');
  }
  return result.requests.map((r) => ({ group: groupOf.get(r) ?? 'callbacks', ms: r.ms, ok: r.status === 200 }));
}

export interface KindTally {
  placed: number;
  expected: CallOutcome;
  /** Ended as `expected`, without transcript errors. */
  asExpected: number;
  /** Every outcome the simulator saw for this kind, with its count. */
  outcomes: Partial<Record<CallOutcome, number>>;
}

export interface CallsTallySummary {
  completed: number;
  kinds: Record<CallKind, KindTally>;
  /** Calls whose transcript has errors (dialect violations, non-200 answers, failed fetches). */
  callsWithErrors: number;
  /** A few distinct transcript errors, for diagnosis. */
  errorSamples: string[];
  /** The simulator's requests: latency of the service's answers as it saw them, by group. */
  requests: Record<RequestGroup, LatencySummary>;
  /** Requests that did not get a 200. */
  failedRequests: number;
  /** From the moment the call was due (open loop) to the voice URL's answer. */
  setupMs: LatencySummary;
}

const MAX_ERROR_SAMPLES = 5;

export class CallsTally {
  private readonly kinds = Object.fromEntries(
    CALL_KINDS.map((k) => [k, { placed: 0, expected: EXPECTED_OUTCOME[k], asExpected: 0, outcomes: {} }]),
  ) as Record<CallKind, KindTally>;
  private readonly latency: Record<RequestGroup, Samples> = { voiceUrl: new Samples(), actions: new Samples(), callbacks: new Samples() };
  private readonly setup = new Samples();
  private readonly errorSamples = new Set<string>();
  private completed = 0;
  private callsWithErrors = 0;
  private failedRequests = 0;

  placed(kind: CallKind): void {
    this.kinds[kind].placed++;
  }

  /** A finished call; `setupMs` is null when its voice URL never answered. */
  finished(kind: CallKind, result: CallResult, setupMs: number | null): void {
    this.completed++;
    const tally = this.kinds[kind];
    tally.outcomes[result.outcome] = (tally.outcomes[result.outcome] ?? 0) + 1;
    if (result.errors.length) {
      this.callsWithErrors++;
      for (const e of result.errors) if (this.errorSamples.size < MAX_ERROR_SAMPLES) this.errorSamples.add(firstLine(e));
    } else if (result.outcome === tally.expected) tally.asExpected++;
    for (const r of groupRequests(result)) {
      this.latency[r.group].push(r.ms);
      if (!r.ok) this.failedRequests++;
    }
    if (setupMs !== null) this.setup.push(setupMs);
  }

  /** A call that threw instead of ending (an engine failure): counted as an error. */
  failed(message: string): void {
    this.callsWithErrors++;
    if (this.errorSamples.size < MAX_ERROR_SAMPLES) this.errorSamples.add(firstLine(message));
  }

  summary(): CallsTallySummary {
    return {
      completed: this.completed,
      kinds: structuredClone(this.kinds),
      callsWithErrors: this.callsWithErrors,
      errorSamples: [...this.errorSamples],
      requests: {
        voiceUrl: summarize(this.latency.voiceUrl.values()),
        actions: summarize(this.latency.actions.values()),
        callbacks: summarize(this.latency.callbacks.values()),
      },
      failedRequests: this.failedRequests,
      setupMs: summarize(this.setup.values()),
    };
  }
}

const firstLine = (text: string) => text.split('\n')[0]!.slice(0, 300);

/** Per kind: what the service's own call log says about the same calls (by CallSid), and how many agree. */
export function loggedOutcomes(
  calls: readonly (readonly [callSid: string, kind: CallKind])[],
  logged: Readonly<Record<string, string | null>>,
): Record<CallKind, { outcomes: Record<string, number>; asExpected: number }> {
  const byKind = Object.fromEntries(CALL_KINDS.map((k) => [k, { outcomes: {} as Record<string, number>, asExpected: 0 }])) as Record<
    CallKind,
    { outcomes: Record<string, number>; asExpected: number }
  >;
  for (const [sid, kind] of calls) {
    const outcome = logged[sid] ?? 'not logged';
    const tally = byKind[kind];
    tally.outcomes[outcome] = (tally.outcomes[outcome] ?? 0) + 1;
    if (outcome === EXPECTED_OUTCOME[kind]) tally.asExpected++;
  }
  return byKind;
}
