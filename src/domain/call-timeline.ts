/**
 * A call's timeline: what happened to it, in order, as the call history shows it (arrived, the menu's
 * answer, each agent offered and whether they missed it, the queue, the answer, the end). The session
 * carries the list while the call lasts and the call log stores it with the row when it ends.
 *
 * Bounded: a hunt offers each agent once per ring step and a queue re-offers at most a few times a
 * minute, so 200 events is far past any real call; a runaway loop keeps its first 199 events and the end.
 */

export const TIMELINE_KINDS = [
  'arrived',
  'menu',
  'offered',
  'missed',
  'queued',
  'left-queue',
  'answered',
  'callback-requested',
  'callback-offered',
  // In the call (docs/IN-CALL.md): the caller held and back, a consult, a transfer, a third party, a supervisor, the recording.
  'held',
  'resumed',
  'consulted',
  'transferred',
  'conferenced',
  'supervised',
  'recording',
  'ended',
] as const;

export type TimelineKind = (typeof TIMELINE_KINDS)[number];

export interface TimelineEvent {
  /** Epoch ms. */
  at: number;
  kind: TimelineKind;
  agentId?: string;
  /** What the event needs besides the agent: the language, the queue id, how the caller left the queue, the outcome. */
  detail?: string;
}

/** The most events one call keeps. */
export const MAX_TIMELINE_EVENTS = 200;

/**
 * A ring step's offers, or its misses, as the call's session keeps them while the call lasts: one event
 * naming every agent of the step. `agentIds` is the step's own list (the session's `ringing` and, on a
 * first step, its `offered`), never changed after. Ten agents rung used to be ten events, each with its
 * own boxed time: more than half of what a ringing call kept, copied by the young generation for every
 * call. expandTimeline gives them back one event per agent, as the history stores and shows them.
 */
export interface StepEvent {
  at: number;
  kind: 'offered' | 'missed';
  agentIds: readonly string[];
}

/** A call's timeline while the call lasts (CallSession.timeline); expandTimeline gives its public form. */
export type LiveTimelineEvent = TimelineEvent | StepEvent;

/**
 * Appends an event in place (the session owns its list). Past the bound only `ended` is still taken,
 * replacing the last event, so the end of a call is never lost.
 */
export function appendEvent(timeline: LiveTimelineEvent[], event: TimelineEvent): void {
  // One literal per shape (the keys in the stored order): no property added to an object after it is made.
  const { at, kind, agentId, detail } = event;
  const clean: TimelineEvent = agentId
    ? detail
      ? { at, kind, agentId, detail }
      : { at, kind, agentId }
    : detail
      ? { at, kind, detail }
      : { at, kind };
  push(timeline, clean);
}

/** Appends a ring step's offers or misses as one event (nothing for a step that rang nobody). */
export function appendStep(timeline: LiveTimelineEvent[], at: number, kind: StepEvent['kind'], agentIds: readonly string[]): void {
  if (agentIds.length > 0) push(timeline, { at, kind, agentIds });
}

function push(timeline: LiveTimelineEvent[], event: LiveTimelineEvent): void {
  if (timeline.length < MAX_TIMELINE_EVENTS) timeline.push(event);
  else if (event.kind === 'ended') timeline[MAX_TIMELINE_EVENTS - 1] = event;
}

/**
 * The timeline as the call log stores it and the history and the CRM show it: one event per agent
 * offered or missed, in the step's order, within the same bound (the first events and, past it, the end).
 */
export function expandTimeline(timeline: readonly LiveTimelineEvent[]): TimelineEvent[] {
  const out: TimelineEvent[] = [];
  for (const event of timeline) {
    if (!('agentIds' in event)) out.push(event);
    else for (const agentId of event.agentIds) out.push({ at: event.at, kind: event.kind, agentId });
  }
  if (out.length <= MAX_TIMELINE_EVENTS) return out;
  const last = out[out.length - 1]!;
  out.length = MAX_TIMELINE_EVENTS;
  if (last.kind === 'ended') out[MAX_TIMELINE_EVENTS - 1] = last;
  return out;
}

/** A stored timeline read back (JSON from the database): malformed entries are dropped, not trusted. */
export function parseTimeline(value: unknown): TimelineEvent[] {
  if (!Array.isArray(value)) return [];
  const kinds = new Set<string>(TIMELINE_KINDS);
  const out: TimelineEvent[] = [];
  for (const item of value.slice(0, MAX_TIMELINE_EVENTS)) {
    if (typeof item !== 'object' || item === null) continue;
    const { at, kind, agentId, detail } = item as Record<string, unknown>;
    if (typeof at !== 'number' || !Number.isFinite(at) || typeof kind !== 'string' || !kinds.has(kind)) continue;
    const event: TimelineEvent = { at, kind: kind as TimelineKind };
    if (typeof agentId === 'string' && agentId) event.agentId = agentId;
    if (typeof detail === 'string' && detail) event.detail = detail;
    out.push(event);
  }
  return out;
}
