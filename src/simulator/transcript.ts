/**
 * What happened on a simulated call, step by step: every request Telnyx would make, every TeXML
 * document and verb, every leg and callback, what the caller did. Each step carries a one-line
 * description for people (`npm run simulate` prints them) and its data for assertions.
 */
import type { WebhookExchange } from './webhook-client.js';

export type CallOutcome = 'ANSWERED' | 'VOICEMAIL' | 'FORWARDED' | 'AFTER_HOURS' | 'ABANDONED' | 'HUNG_UP';

export type Step =
  | { kind: 'call'; at: number; line: string; callSid: string; from: string; to: string; direction: string }
  /** A TeXML document fetched (voice URL, Redirect, Gather/Dial/Record action). */
  | { kind: 'fetch'; at: number; line: string; purpose: string; exchange: WebhookExchange }
  /** A callback whose answer is not TeXML to run (status and recording callbacks). */
  | { kind: 'callback'; at: number; line: string; purpose: string; exchange: WebhookExchange }
  | { kind: 'verb'; at: number; line: string; verb: string; attrs: Record<string, string>; text: string }
  | { kind: 'leg'; at: number; line: string; legSid: string; to: string; status: string }
  | { kind: 'caller'; at: number; line: string; action: 'digits' | 'hang-up' | 'message'; digits?: string; seconds?: number }
  | { kind: 'recording'; at: number; line: string; recordingSid: string; url: string; duration: number }
  | { kind: 'error'; at: number; line: string; problems: string[] }
  | { kind: 'end'; at: number; line: string; status: string; endedBy: 'caller' | 'application' | 'far-end' | 'api' | 'error' };

export interface CallResult {
  callSid: string;
  from: string;
  to: string;
  outcome: CallOutcome;
  /** The SIP username or number of the leg that answered, else null. */
  answeredBy: string | null;
  /** When the call started (epoch ms, on the simulator's clock): each step's `at` counts from here. */
  startedAt: number;
  /** Seconds from the call's start to its end. */
  duration: number;
  steps: Step[];
  /** Every HTTP request the simulator made for this call, in order. */
  requests: WebhookExchange[];
  /** Dialect violations, non-200 answers, failed fetches: a scenario expects none unless it says so. */
  errors: string[];
}

/** The caller's view of a finished call, as the call log would classify it (see the engine for the rules). */
export function describeResult(result: CallResult): string {
  return `${result.outcome}${result.answeredBy ? ` by ${result.answeredBy}` : ''} after ${result.duration.toFixed(1)} s`;
}

export function formatStep(step: Step): string {
  return `${step.at.toFixed(1).padStart(6)}s  ${step.line}`;
}
