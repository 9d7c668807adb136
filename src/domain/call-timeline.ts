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
 * Appends an event in place (the session owns its list). Past the bound only `ended` is still taken,
 * replacing the last event, so the end of a call is never lost.
 */
export function appendEvent(timeline: TimelineEvent[], event: TimelineEvent): void {
  // One literal per shape (the keys in the stored order): no property added to an object after it is made.
  const { at, kind, agentId, detail } = event;
  const clean: TimelineEvent = agentId
    ? detail
      ? { at, kind, agentId, detail }
      : { at, kind, agentId }
    : detail
      ? { at, kind, detail }
      : { at, kind };
  if (timeline.length < MAX_TIMELINE_EVENTS) timeline.push(clean);
  else if (event.kind === 'ended') timeline[MAX_TIMELINE_EVENTS - 1] = clean;
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
