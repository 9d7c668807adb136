/**
 * Reading queue calls' transcripts (src/simulator/transcript.ts) on one clock: the queue suites ask
 * when a caller started waiting and when they were offered, in absolute virtual seconds, so that calls
 * that started at different times can be compared.
 */
import type { CallResult, Step } from '../../src/simulator/transcript.js';

type LegStep = Extract<Step, { kind: 'leg' }>;

/** Absolute virtual seconds of a step of a call. */
export const when = (r: CallResult, step: Step) => r.startedAt / 1000 + step.at;

/** The leg steps of a call (every `<Dial>` target it rang), with absolute times. */
export function legs(r: CallResult): (LegStep & { t: number })[] {
  return r.steps.filter((s): s is LegStep => s.kind === 'leg').map((s) => ({ ...s, t: when(r, s) }));
}

/** When the caller first waited in the queue (the Enqueue verb), absolute seconds; null if never. */
export function enqueuedAt(r: CallResult): number | null {
  const step = r.steps.find((s) => s.kind === 'verb' && s.verb === 'Enqueue');
  return step ? when(r, step) : null;
}

/** The first leg the call rang after it waited (the offer; the first leg for a call that never waited), absolute seconds. */
export function offeredAt(r: CallResult): number | null {
  const queued = enqueuedAt(r);
  const leg = legs(r).find((l) => l.status === 'initiated' && (queued === null || l.t >= queued));
  return leg ? leg.t : null;
}
