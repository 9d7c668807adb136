/**
 * What a Telnyx webhook did, as a value: the handlers produce it, the log line renders it once
 * (describeOutcome) and the metrics map it once (src/infra/metrics.ts routingOutcomeLabel). Nothing
 * parses a rendered outcome back.
 */
import type { FallbackKind, FallbackReason, RoutePlan } from './routing.js';

/** What routing decided for a call step (src/domain/routing.ts RoutePlan, without the detail). */
export type RoutingOutcome =
  | { kind: 'ring'; agents: number; widened: boolean }
  | { kind: 'hold'; seconds: number; reason: 'SKILL_WIDENING' }
  | { kind: 'fallback'; fallback: FallbackKind; reason: FallbackReason };

/** The voice, language and dial-complete webhooks: a call step. */
export type CallStepOutcome =
  | RoutingOutcome
  | { kind: 'language-menu' }
  /** The caller chose a language (null: none), then `next` was decided. */
  | { kind: 'language-chosen'; language: string | null; next: CallStepOutcome }
  /** A `<Dial>` ended: `step` is the URL's step (null: the agents' hunt), `status` Telnyx's DialCallStatus. */
  | { kind: 'dial-ended'; step: string | null; status: string | null; next: CallStepOutcome }
  /** The dial was answered: the call is over once it ends. */
  | { kind: 'answered' }
  /** No hunt to continue (a restart, a missed forward, a call already over): the company's fallback. */
  | { kind: 'hunt-over' }
  /** The caller waits in a queue (docs/QUEUES.md), or overflowed from it. */
  | { kind: 'queue'; result: 'waiting' | 'overflow' }
  /** A queue route (queue-wait, queue-key, queue-exit, queue-offer, callback…): what it did. */
  | { kind: 'queue-step'; step: string }
  /** A cold transfer sent the caller to an external number. */
  | { kind: 'forwarded' };

/** The status callbacks: an agent's leg, or the inbound call itself. */
export type StatusOutcome =
  /** The inbound call ended; `freed` agents that were still on it are free now. */
  | { kind: 'call-ended'; freed: number }
  | { kind: 'unknown-agent' }
  | { kind: 'agent-answered' }
  /** The agent's leg completed: `freed` when it ended the agent's call, false when it was not on one. */
  | { kind: 'agent-completed'; freed: boolean }
  /** Any other leg status (ringing, busy, no-answer…), as Telnyx sent it ('' when absent). */
  | { kind: 'agent-status'; status: string }
  /** An answered call's room (docs/IN-CALL.md): a conference event, a dialed party's progress, a recording's. */
  | { kind: 'room-event'; event: string }
  | { kind: 'room-party'; status: string }
  | { kind: 'room-recording'; status: string };

export type VoicemailOutcome = {
  kind: 'voicemail';
  result: 'stored' | 'duplicate' | 'ignored' | 'refused-url' | 'queued' | 'retry';
};

/** Telnyx's transcription of a voicemail: kept, or no voicemail (yet) for its call, or not a completed one. */
export type TranscriptionOutcome = { kind: 'transcription'; result: 'stored' | 'no-voicemail' | 'ignored' };

export type WebhookOutcome = CallStepOutcome | StatusOutcome | VoicemailOutcome | TranscriptionOutcome;

export function routingOutcome(plan: RoutePlan): RoutingOutcome {
  switch (plan.kind) {
    case 'RING':
      return { kind: 'ring', agents: plan.targets.length, widened: plan.widened };
    case 'WAIT':
      return { kind: 'hold', seconds: plan.seconds, reason: plan.reason };
    case 'FALLBACK':
      return { kind: 'fallback', fallback: plan.fallback, reason: plan.reason };
  }
}

/** The outcome as the webhook's log line shows it, e.g. "dial-agents-no-answer → ring:2:widened". */
export function describeOutcome(outcome: WebhookOutcome): string {
  switch (outcome.kind) {
    case 'ring':
      return `ring:${outcome.agents}${outcome.widened ? ':widened' : ''}`;
    case 'hold':
      return `hold:${outcome.seconds}s:${outcome.reason}`;
    case 'fallback':
      return `fallback:${outcome.fallback}:${outcome.reason}`;
    case 'language-menu':
    case 'answered':
    case 'forwarded':
    case 'unknown-agent':
    case 'agent-answered':
      return outcome.kind;
    case 'language-chosen':
      return `language-${outcome.language ?? 'none'} → ${describeOutcome(outcome.next)}`;
    case 'dial-ended':
      return `dial-${outcome.step ?? 'agents'}-${outcome.status ?? 'unknown'} → ${describeOutcome(outcome.next)}`;
    case 'hunt-over':
      return 'fallback';
    case 'queue':
      return `queue-${outcome.result}`;
    case 'queue-step':
      return outcome.step;
    case 'call-ended':
      return outcome.freed > 0 ? `call-ended:freed-${outcome.freed}` : 'call-ended';
    case 'agent-completed':
      return outcome.freed ? 'agent-call-ended' : 'agent-completed';
    case 'agent-status':
      return `agent-${outcome.status || 'unknown'}`;
    case 'voicemail':
      return `voicemail-${outcome.result}`;
    case 'room-event':
      return `room-${outcome.event}`;
    case 'room-party':
      return `room-party-${outcome.status || 'unknown'}`;
    case 'room-recording':
      return `room-recording-${outcome.status || 'unknown'}`;
    case 'transcription':
      return `transcription-${outcome.result}`;
  }
}

/** What a call step finally decided: through the language choice and the dial's end to the step after. */
export function decidedStep(outcome: CallStepOutcome): Exclude<CallStepOutcome, { kind: 'language-chosen' | 'dial-ended' }> {
  return outcome.kind === 'language-chosen' || outcome.kind === 'dial-ended' ? decidedStep(outcome.next) : outcome;
}

const CALL_STEP_KINDS = new Set<string>([
  'ring',
  'hold',
  'fallback',
  'language-menu',
  'language-chosen',
  'dial-ended',
  'answered',
  'hunt-over',
  'queue',
  'queue-step',
  'forwarded',
]);

export function isCallStepOutcome(outcome: WebhookOutcome): outcome is CallStepOutcome {
  return CALL_STEP_KINDS.has(outcome.kind);
}
