/**
 * The CRM's events (README §CRM events): the catalogue, each event's payload built from plain facts,
 * and the JSON body a webhook carries. Pure: ids and times come in as arguments.
 *
 * `subject` is what ordering is kept per (a call's CallSid, an agent's id): one subject's events reach
 * an endpoint in the order they happened (src/services/webhook-dispatcher.ts).
 */
import { expandTimeline, type LiveTimelineEvent } from './call-timeline.js';

export const CRM_EVENT_TYPES = [
  'call.started',
  'call.ringing',
  'call.answered',
  'call.ended',
  'voicemail.received',
  'voicemail.transcribed',
  'agent.presence_changed',
  'agent.status_changed',
] as const;

export type CrmEventType = (typeof CRM_EVENT_TYPES)[number];

export function isCrmEventType(value: string): value is CrmEventType {
  return (CRM_EVENT_TYPES as readonly string[]).includes(value);
}

/** An event before it has an id and a time. */
export interface CrmEventDraft {
  type: CrmEventType;
  subject: string;
  data: Record<string, unknown>;
}

export interface CrmEvent extends CrmEventDraft {
  /** The idempotency key receivers dedupe on (the same for every endpoint, retry and replay). */
  id: string;
  companyId: string;
  /** Epoch ms. */
  createdAt: number;
}

const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());

/** What the call events are built from: a call session's fields (src/calls/call-sessions.ts). */
export interface CallFacts {
  callSid: string;
  from: string;
  to: string;
  startedAt: number;
  answeredAt: number | null;
  answeredBy: string | null;
  endedAt: number | null;
  outcome: string | null;
  offered: readonly string[];
  queueId: string | null;
  /** As the session keeps it (a ring step as one event); the end's event expands it. */
  timeline: readonly LiveTimelineEvent[];
}

const callBase = (c: CallFacts) => ({ callSid: c.callSid, from: c.from, to: c.to, direction: 'inbound', startedAt: iso(c.startedAt) });

export function callStarted(c: CallFacts): CrmEventDraft {
  return { type: 'call.started', subject: c.callSid, data: { ...callBase(c), queueId: c.queueId } };
}

/** A ringing step: the agents it rings (every step is one event: a hunt rings several in turn). */
export function callRinging(c: CallFacts, agentIds: readonly string[], at: number): CrmEventDraft {
  return { type: 'call.ringing', subject: c.callSid, data: { ...callBase(c), ringingAt: iso(at), agentIds: [...agentIds] } };
}

export function callAnswered(c: CallFacts): CrmEventDraft {
  return {
    type: 'call.answered',
    subject: c.callSid,
    data: { ...callBase(c), answeredAt: iso(c.answeredAt), agentId: c.answeredBy },
  };
}

export function callEnded(c: CallFacts): CrmEventDraft {
  const talkSeconds = c.answeredAt !== null && c.endedAt !== null ? Math.max(0, Math.round((c.endedAt - c.answeredAt) / 1000)) : null;
  return {
    type: 'call.ended',
    subject: c.callSid,
    data: {
      ...callBase(c),
      answeredAt: iso(c.answeredAt),
      endedAt: iso(c.endedAt),
      outcome: c.outcome,
      answeredAgentId: c.answeredBy,
      offeredAgentIds: [...c.offered],
      queueId: c.queueId,
      talkSeconds,
      timeline: expandTimeline(c.timeline).map((e) => ({
        at: iso(e.at),
        kind: e.kind,
        agentId: e.agentId ?? null,
        detail: e.detail ?? null,
      })),
    },
  };
}

export interface VoicemailFacts {
  id: string;
  callSid: string;
  from: string;
  to: string;
  recordingUrl: string;
  durationSeconds: number;
  createdAt: Date;
}

/**
 * `transcription` is null here: Telnyx transcribes after the recording, and `voicemail.transcribed`
 * follows with the text (README §CRM events).
 */
export function voicemailReceived(v: VoicemailFacts): CrmEventDraft {
  return {
    type: 'voicemail.received',
    subject: v.callSid,
    data: {
      voicemailId: v.id,
      callSid: v.callSid,
      from: v.from,
      to: v.to,
      recordingUrl: v.recordingUrl,
      durationSeconds: v.durationSeconds,
      receivedAt: v.createdAt.toISOString(),
      transcription: null,
    },
  };
}

/** Telnyx's transcription of a voicemail arrived: the same voicemail, now with its text. */
export function voicemailTranscribed(v: VoicemailFacts & { transcription: string; language: string | null }): CrmEventDraft {
  const received = voicemailReceived(v);
  return {
    type: 'voicemail.transcribed',
    subject: v.callSid,
    data: { ...received.data, transcription: v.transcription, language: v.language },
  };
}

export interface AgentFacts {
  agentId: string;
  displayName: string;
  sipUsername: string;
  online: boolean;
  sipRegistered: boolean;
  status: string;
  statusReason: string | null;
  lastSeen: Date | null;
}

/** Online or offline, and why (heartbeat, lease-expired, socket-closed, unregistered, restored, removed). */
export function agentPresenceChanged(a: AgentFacts, cause: string, at: number): CrmEventDraft {
  return {
    type: 'agent.presence_changed',
    subject: a.agentId,
    data: {
      agentId: a.agentId,
      displayName: a.displayName,
      sipUsername: a.sipUsername,
      online: a.online,
      sipRegistered: a.sipRegistered,
      cause,
      lastSeen: a.lastSeen?.toISOString() ?? null,
      at: iso(at),
    },
  };
}

export function agentStatusChanged(a: AgentFacts, at: number): CrmEventDraft {
  return {
    type: 'agent.status_changed',
    subject: a.agentId,
    data: { agentId: a.agentId, displayName: a.displayName, status: a.status, reason: a.statusReason, online: a.online, at: iso(at) },
  };
}

/** The webhook's JSON body: the envelope around the event's data. */
export function eventBody(event: CrmEvent): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    createdAt: new Date(event.createdAt).toISOString(),
    companyId: event.companyId,
    data: event.data,
  });
}
