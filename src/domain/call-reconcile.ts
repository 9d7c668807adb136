/**
 * When a call that stopped hearing from Telnyx is checked, and what the check decides. Pure: the
 * session's times, Telnyx's answer and the clock's `now` are arguments (the shell is
 * src/calls/call-reconciler.ts, Telnyx's side src/telnyx/call-lookup.ts).
 *
 * Every step of a call tells us when Telnyx will next call back: a `<Dial timeout>` ends with its
 * action request, a hold or the language menu with its `<Redirect>`/`<Gather action>`. A call that
 * is silent well past that (a lost callback, an unreachable status URL, an instance that died with
 * the answer in flight) would otherwise stay "ringing" in the live statistics until the 4 h session
 * bound. So past its deadline plus a grace it is looked up with the TeXML REST API's "Get call"
 * (https://developers.telnyx.com/api-reference/texml-rest-commands/fetch-a-call), or, without a
 * Telnyx API key to ask with, ended as UNKNOWN.
 */

/** Slack past a step's deadline for Telnyx's own latency and its webhook retries. */
export const RECONCILE_GRACE_MS = 30_000;
/**
 * A step without a ring deadline (the language menu, a hold) calls back within its prompts, its
 * `<Gather timeout>` (6 s) or its `<Pause>` (20 s at most): a minute is generous.
 */
export const QUIET_STEP_MS = 60_000;
/**
 * An answered call has no deadline (a conversation may last Telnyx's 4 h): with Telnyx to ask, it is
 * looked up this long after the last callback, and again as long as Telnyx says it is live.
 */
export const ANSWERED_CHECK_MS = 10 * 60_000;
/** How long one instance's look-up holds the call: no other instance asks Telnyx meanwhile. */
export const RECONCILE_CLAIM_MS = 30_000;
/** Waits before asking again when Telnyx could not be asked or said the call is live: 30 s, 1, 2, 4, then 5 min. */
const RETRY_STEPS_MS = [30_000, 60_000, 120_000, 240_000, 300_000];
/**
 * Telnyx's "Get call" is eventually consistent (telnyx-node `texml/accounts/calls/calls.ts`): a 404
 * is believed only on the second look-up.
 */
export const NOT_FOUND_LOOKUPS = 2;

/** What a reconcile needs of a call session (src/calls/call-sessions.ts). */
export interface ReconcilableCall {
  startedAt: number;
  /** The last webhook Telnyx sent about the call (epoch ms). */
  heardAt: number;
  /** The current ringing step: its start and length; null between steps (menu, hold). */
  stepStartedAt: number | null;
  stepTimeoutSeconds: number;
  answeredAt: number | null;
  endedAt: number | null;
  /** The pending look-up: not before `nextAt`; `attempts` made since Telnyx last called back. */
  reconcile: { nextAt: number; attempts: number } | null;
}

/**
 * When the call is due for a look-up (epoch ms), or null if it never is: an ended call, or an
 * answered one when there is no Telnyx to ask (a long conversation is not a lost call).
 */
export function reconcileDueAt(call: ReconcilableCall, opts: { canAskTelnyx: boolean; graceMs?: number }): number | null {
  if (call.endedAt !== null) return null;
  const grace = opts.graceMs ?? RECONCILE_GRACE_MS;
  let expected: number;
  if (call.answeredAt !== null) {
    if (!opts.canAskTelnyx) return null;
    expected = Math.max(call.heardAt, call.answeredAt) + ANSWERED_CHECK_MS;
  } else if (call.stepStartedAt !== null) {
    expected = Math.max(call.heardAt, call.stepStartedAt + call.stepTimeoutSeconds * 1000) + grace;
  } else {
    expected = call.heardAt + QUIET_STEP_MS + grace;
  }
  return Math.max(expected, call.reconcile?.nextAt ?? -Infinity);
}

/** The wait before the `attempt`-th look-up after a failed or inconclusive one (1-based). */
export function retryDelayMs(attempt: number): number {
  return RETRY_STEPS_MS[Math.min(RETRY_STEPS_MS.length, Math.max(1, attempt)) - 1]!;
}

/** Telnyx's answer to "Get call" (src/telnyx/call-lookup.ts). */
export type TelnyxCallLookup =
  /** The call resource: `status` and, once ended, `endedAt` (epoch ms, null if unreadable). */
  | { kind: 'found'; status: string; endedAt: number | null }
  /** 404: Telnyx has no such call on this account. */
  | { kind: 'not-found' }
  /** Telnyx could not be asked (down, timed out, refused the key): ask again later. */
  | { kind: 'unavailable'; reason: string };

/** Statuses of a live call in the call resource (the rest are ends, as in `DialCallStatus`). */
const LIVE_STATUSES = new Set(['queued', 'initiated', 'ringing', 'in-progress']);

export type ReconcileOutcome = 'ANSWERED' | 'ABANDONED' | 'UNKNOWN';

/** What to do with the call after a look-up (or without one). */
export type ReconcileDecision =
  | { kind: 'end'; outcome: ReconcileOutcome; endedAt: number; why: string }
  | { kind: 'retry'; nextAt: number; why: string };

/**
 * The decision for a silent call, from Telnyx's answer (null: Telnyx cannot be asked, no API key or
 * no AccountSid to ask with). An ended call is logged as its lost call-level status callback would
 * have logged it (src/calls/status-callbacks.ts): answered → ANSWERED, else ABANDONED. A call
 * Telnyx does not know, or one nobody can ask about, ends UNKNOWN, which counts neither as
 * answered nor as missed.
 */
export function reconcileDecision(
  call: Pick<ReconcilableCall, 'startedAt' | 'answeredAt'>,
  lookup: TelnyxCallLookup | null,
  attempt: number,
  now: number,
): ReconcileDecision {
  if (lookup === null)
    return { kind: 'end', outcome: 'UNKNOWN', endedAt: now, why: 'no callback past its deadline; Telnyx cannot be asked' };
  switch (lookup.kind) {
    case 'unavailable':
      return { kind: 'retry', nextAt: now + retryDelayMs(attempt), why: `Telnyx could not be asked: ${lookup.reason}` };
    case 'not-found':
      if (attempt < NOT_FOUND_LOOKUPS) return { kind: 'retry', nextAt: now + retryDelayMs(attempt), why: 'Telnyx has no such call (yet)' };
      return { kind: 'end', outcome: 'UNKNOWN', endedAt: now, why: 'Telnyx has no such call' };
    case 'found': {
      const status = lookup.status.toLowerCase();
      if (LIVE_STATUSES.has(status)) {
        // A conversation is asked about again at the answered pace; anything else backs off.
        const wait = call.answeredAt !== null ? ANSWERED_CHECK_MS : retryDelayMs(attempt);
        return { kind: 'retry', nextAt: now + wait, why: `Telnyx says the call is ${status}` };
      }
      // Telnyx's end time when it is plausible; else now (the call ended before this look-up at the latest).
      const at = lookup.endedAt;
      const endedAt = at !== null && at >= call.startedAt && at <= now ? at : now;
      return {
        kind: 'end',
        outcome: call.answeredAt !== null ? 'ANSWERED' : 'ABANDONED',
        endedAt,
        why: `Telnyx says the call is ${status}`,
      };
    }
  }
}
