/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type AgentStatus =
  /** Ready to take calls. */
  | 'AVAILABLE'
  /** Paused, with an optional reason (lunch, meeting...). */
  | 'ON_BREAK'
  /** Finishing the previous call; not offered calls. */
  | 'WRAP_UP';

/** Weekly opening hours and closures in an IANA time zone; correct across DST changes. */
export type BusinessHoursInput = {
  closures?: Array<ClosureInput> | null | undefined;
  timeZone: string;
  weekly: Array<OpeningHoursInput>;
};

export type CallPartyRole =
  /** An agent handling the call. */
  | 'AGENT'
  /** The customer: the inbound caller, or whom an outbound call rang. */
  | 'CALLER'
  /** A transfer target being consulted while the caller holds. */
  | 'CONSULT'
  /** A third party added to the call. */
  | 'PARTICIPANT'
  /** A supervisor listening, whispering or barging from a softphone. */
  | 'SUPERVISOR';

export type CallPartyStatus =
  | 'CONNECTED'
  | 'RINGING';

export type CallRecordingAction =
  | 'PAUSE'
  | 'RESUME'
  | 'START'
  | 'STOP';

export type CallRecordingStatus =
  | 'OFF'
  /** Paused (e.g. while card details are read out): the pause is not in the audio. */
  | 'PAUSED'
  | 'RECORDING';

export type CallStateInput = {
  /** The softphone call state: idle, ringing, answering, active, held... */
  callState: string;
  /** Whether the Telnyx client is registered (SDK `ready`). */
  sipRegistered: boolean;
};

/** Exactly one of: an agent of the company, a queue of the company, or an E.164 phone number. */
export type CallTargetInput = {
  agentId?: string | number | null | undefined;
  /** E.164, e.g. +13055550100. */
  number?: string | null | undefined;
  queueId?: string | number | null | undefined;
};

export type ClosureInput = {
  /** YYYY-MM-DD in the schedule time zone. */
  date: string;
  name?: string | null | undefined;
  /** Special hours that day; none = closed all day. */
  ranges?: Array<TimeRangeInput> | null | undefined;
};

export type FallbackKind =
  /** Say the greeting and hang up. */
  | 'HANGUP'
  /** Forward to fallbackNumber. */
  | 'NUMBER'
  /** Say the greeting and record a message. */
  | 'VOICEMAIL';

export type FallbackReason =
  /** Outside business hours or on a closure. */
  | 'AFTER_HOURS'
  /** Every agent was offered, or maxHuntSeconds ran out. */
  | 'HUNT_EXHAUSTED'
  /** Nobody routable. */
  | 'NO_AGENTS';

export type HeartbeatInput = {
  /** The softphone call state (idle, ringing, active, held...). */
  callState?: string | null | undefined;
  /** Whether the Telnyx client is registered (SDK `ready`). */
  sipRegistered: boolean;
};

export type LanguageMenuOptionInput = {
  /** One key: 0-9, * or #. */
  digit: string;
  /** BCP-47 language of the prompt, e.g. es-US. */
  language: string;
  /** Added to the number's priority for callers who pick this option (-100..100); higher is served first. Default 0. */
  priority?: number | null | undefined;
  /** What the caller hears for this option. */
  prompt: string;
  /** The queue callers who pick this option wait in (one of the company's); null = the number's queue. */
  queueId?: string | number | null | undefined;
  /** The skill the call then requires, e.g. es. */
  skill: string;
};

/** Where a call in progress stands. */
export type LiveCallState =
  /** More than one agent or party talks with the caller (a 3-way call, a barging supervisor). */
  | 'CONFERENCED'
  /** Answered; caller and agent are being moved into the call’s conference. */
  | 'CONNECTING'
  /** The caller holds while the agent consults a transfer target. */
  | 'CONSULTING'
  /** The call has left its room. */
  | 'ENDED'
  /** The caller is on hold, hearing music. */
  | 'HELD'
  /** Ringing agents (or deciding where to go). */
  | 'RINGING'
  /** The caller and one agent talk (or a plain bridge without in-call control). */
  | 'TALKING'
  /** Waiting in a queue. */
  | 'WAITING';

export type OpeningHoursInput = {
  close: string;
  day: Weekday;
  open: string;
};

export type PresenceCause =
  /** The agent answered or finished a call. */
  | 'CALL'
  /** A heartbeat brought the agent online. */
  | 'HEARTBEAT'
  /** No heartbeat within the presence TTL. */
  | 'LEASE_EXPIRED'
  /** The agent was disabled. */
  | 'REMOVED'
  /** After a restart: the lease the agent held at shutdown, until it heartbeats again or the lease ends. */
  | 'RESTORED'
  /** State at subscription time. */
  | 'SNAPSHOT'
  /** The agent's connection closed and did not come back within the grace. */
  | 'SOCKET_CLOSED'
  /** The agent or a supervisor changed the status (or wrap-up / auto-pause did). */
  | 'STATUS'
  /** The softphone reported it is not registered with Telnyx. */
  | 'UNREGISTERED';

export type QueueDecision =
  /** The queue does not take the caller (see reason): the fallback applies. */
  | 'FALLBACK'
  /** The queue is full: the caller goes to its overflow target. */
  | 'OVERFLOW'
  /** The caller waits in the queue. */
  | 'WAIT';

/** Where our copy of a recording stands (docs/RECORDINGS.md). */
export type RecordingStatus =
  | 'DELETED'
  | 'FAILED'
  | 'PENDING'
  | 'STORED';

export type Role =
  | 'ADMIN'
  | 'AGENT'
  | 'SUPERVISOR';

export type RouteDecision =
  /** Go to the fallback. */
  | 'FALLBACK'
  /** Nobody is free, but agents who can take the call will be: the caller waits in the queue (see `queue`). */
  | 'QUEUE'
  /** Ring the targets (all at once). */
  | 'RING'
  /** Hold the caller: nobody with the required skill yet, widening after widenAfterSeconds. */
  | 'WAIT';

/** Fields left out (or null) keep their current value. */
export type RoutingConfigInput = {
  afterHoursGreeting?: string | null | undefined;
  /** What callers get outside business hours. */
  afterHoursKind?: FallbackKind | null | undefined;
  /** Route to agents whose Telnyx client is not registered (demo, tests). */
  allowUnregisteredSoftphones?: boolean | null | undefined;
  /** Missed offers in a row that put an agent ON_BREAK (0 = never, up to 20). */
  autoPauseAfterMisses?: number | null | undefined;
  /** Opening hours; see clearBusinessHours to remove them. */
  businessHours?: BusinessHoursInput | null | undefined;
  /** Remove the schedule: always open. */
  clearBusinessHours?: boolean | null | undefined;
  /** Never widen: a skill nobody can meet goes to the fallback. */
  clearWidening?: boolean | null | undefined;
  fallbackKind?: FallbackKind | null | undefined;
  /** E.164 number for fallbackKind (and afterHoursKind) NUMBER. Refused: premium-rate, shared-cost and similar numbers, destinations known for revenue share fraud, the company's own numbers and numbers of other companies here. */
  fallbackNumber?: string | null | undefined;
  /** BCP-47 language of prompts, e.g. en-US, es-MX. */
  greetingLanguage?: string | null | undefined;
  /** The language menu (up to 9 options); an empty list removes it. The choice becomes a required skill. */
  languageMenu?: Array<LanguageMenuOptionInput> | null | undefined;
  /** Longest a hunt rings before the fallback (10-600). */
  maxHuntSeconds?: number | null | undefined;
  mode?: RoutingMode | null | undefined;
  /** PROGRESSIVE: seconds between adding one more agent (5-120). */
  progressiveStepSeconds?: number | null | undefined;
  /** Seconds a <Dial> rings (5-120). */
  ringTimeoutSeconds?: number | null | undefined;
  /** Ringback tone the caller hears (Telnyx ringTone, e.g. us, uk, es, mx). */
  ringTone?: string | null | undefined;
  voicemailGreeting?: string | null | undefined;
  voicemailMaxSeconds?: number | null | undefined;
  /** Seconds from the start of a call after which a skill nobody can meet is dropped (0-3600). */
  widenAfterSeconds?: number | null | undefined;
  /** Seconds in WRAP_UP after a call, then AVAILABLE (0-3600, 0 = none). */
  wrapUpSeconds?: number | null | undefined;
};

export type RoutingMode =
  /** 0 routable agents: fallback; 1: ring that agent; 2+: ring them all at once (no reservations). */
  | 'AUTO'
  /** One agent at a time, fewest calls today first. */
  | 'FEWEST_CALLS'
  /** One agent at a time, longest since their last call first. */
  | 'LONGEST_IDLE'
  /** Ring one agent, then add one more every progressiveStepSeconds. */
  | 'PROGRESSIVE'
  /** One agent at a time, in random order. */
  | 'RANDOM'
  /** Ring every routable agent of the first tier at once, then the next tier. */
  | 'RING_ALL'
  /** One agent at a time, starting after the agent the previous call started with. */
  | 'ROUND_ROBIN'
  /** One agent at a time, by position (top-down). */
  | 'SEQUENTIAL';

export type SetAgentStatusInput = {
  /** Defaults to the calling agent. Supervisors name an agent of their company. */
  agentId?: string | number | null | undefined;
  /** Why the agent is on break (ON_BREAK only). */
  reason?: string | null | undefined;
  status: AgentStatus;
};

/** Why an agent would not ring. NO_SIP_TARGET: calls have nothing trustworthy to dial (with Telnyx: no credential, or its SIP username unknown; see Agent.provisioning). */
export type SkipReason =
  | 'ALREADY_OFFERED'
  | 'CLOSED'
  | 'DIAL_LIMIT'
  | 'DISABLED'
  | 'LACKS_SKILL'
  | 'NOT_REGISTERED'
  | 'NO_SIP_TARGET'
  | 'OFFLINE'
  | 'ON_BREAK'
  | 'ON_CALL'
  | 'RESERVED'
  | 'WRAP_UP';

export type StartCallInput = {
  /** The agent whose softphone places the call; an agent’s own token may leave it out (itself). */
  agentId?: string | number | null | undefined;
  /** One of the company’s numbers, shown to the customer; default: the company’s first number. */
  callerId?: string | null | undefined;
  /** The number to call, E.164 (e.g. +13055550100). */
  to: string;
};

export type SuperviseMode =
  /** Everyone hears the supervisor. */
  | 'BARGE'
  /** Muted: nobody hears the supervisor. */
  | 'LISTEN'
  /** Only the handling agent hears the supervisor (coaching). */
  | 'WHISPER';

export type TimeRangeInput = {
  close: string;
  open: string;
};

/** Where a waiting caller (or a callback keeping its place) stands. */
export type WaitingState =
  /** That agent answered; the customer is being dialed. */
  | 'CALLBACK_DIALING'
  /** Their callback is ringing the agent in offeredToAgentId. */
  | 'CALLBACK_OFFERED'
  /** Asked to be called back and hung up; keeps their place. */
  | 'CALLBACK_WAITING'
  /** On the line, ringing the agent in offeredToAgentId. */
  | 'OFFERED'
  /** On the line, in the queue. */
  | 'WAITING';

export type Weekday =
  | 'FRI'
  | 'MON'
  | 'SAT'
  | 'SUN'
  | 'THU'
  | 'TUE'
  | 'WED';

export type ViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ViewerQuery = { viewer: { role: Role, companyId: string | null, agentId: string | null } | null };

export type SoftphoneQueryVariables = Exact<{ [key: string]: never; }>;


export type SoftphoneQuery = { softphone: { agentId: string, companyId: string, displayName: string, sipUsername: string, telnyxConfigured: boolean, loginToken: string | null, websocketHost: string | null, heartbeatIntervalMs: number, registrationRequired: boolean, message: string | null, breakReasons: Array<string>, callerIds: Array<string>, colleagues: Array<{ agentId: string, displayName: string }>, queues: Array<{ queueId: string, name: string }> } };

export type HeartbeatMutationVariables = Exact<{
  input: HeartbeatInput;
}>;


export type HeartbeatMutation = { heartbeat: { nextHeartbeatInMs: number, leaseExpiresAt: string, presence: { agentId: string, online: boolean, sipRegistered: boolean, status: AgentStatus, statusReason: string | null, callState: string | null } } };

export type ReportCallStateMutationVariables = Exact<{
  input: CallStateInput;
}>;


export type ReportCallStateMutation = { reportCallState: { agentId: string, online: boolean, status: AgentStatus, statusReason: string | null } };

export type SetAgentStatusMutationVariables = Exact<{
  input: SetAgentStatusInput;
}>;


export type SetAgentStatusMutation = { setAgentStatus: { agentId: string, status: AgentStatus, statusReason: string | null, online: boolean } };

export type PresenceChangedSubscriptionVariables = Exact<{
  companyId: string | number;
}>;


export type PresenceChangedSubscription = { presenceChanged: { at: string, cause: PresenceCause, snapshot: boolean, presence: { agentId: string, displayName: string, sipUsername: string, online: boolean, sipRegistered: boolean, status: AgentStatus, statusReason: string | null, lastSeen: string | null, callState: string | null, activeCalls: number } } };

export type BoardRoutingFragment = { mode: RoutingMode, ringTimeoutSeconds: number, fallbackKind: FallbackKind, fallbackNumber: string | null, allowUnregisteredSoftphones: boolean };

export type BoardCompanyQueryVariables = Exact<{
  companyId: string | number;
}>;


export type BoardCompanyQuery = { company: { id: string, name: string, timeZone: string, breakReasons: Array<string>, routing: { mode: RoutingMode, ringTimeoutSeconds: number, fallbackKind: FallbackKind, fallbackNumber: string | null, allowUnregisteredSoftphones: boolean } } | null };

export type UpdateRoutingConfigMutationVariables = Exact<{
  companyId: string | number;
  input: RoutingConfigInput;
}>;


export type UpdateRoutingConfigMutation = { updateRoutingConfig: { mode: RoutingMode, ringTimeoutSeconds: number, fallbackKind: FallbackKind, fallbackNumber: string | null, allowUnregisteredSoftphones: boolean } };

export type RoutePreviewQueryVariables = Exact<{
  companyId: string | number;
}>;


export type RoutePreviewQuery = { routePreview: { at: string, decision: RouteDecision, fallback: FallbackKind | null, fallbackReason: FallbackReason | null, ringTimeoutSeconds: number | null, queue: { queueName: string, decision: QueueDecision, position: number | null, estimatedWaitSeconds: number | null } | null, targets: Array<{ agentId: string, displayName: string }>, skipped: Array<{ reason: SkipReason, detail: string, agent: { agentId: string, displayName: string } }> } };

export type VoicemailFieldsFragment = { id: string, from: string, to: string, durationSeconds: number, audioUrl: string | null, recordingStatus: RecordingStatus | null, transcription: string | null, read: boolean, handled: boolean, createdAt: string };

export type VoicemailAudioQueryVariables = Exact<{
  id: string | number;
}>;


export type VoicemailAudioQuery = { voicemail: { id: string, audioUrl: string | null, recordingStatus: RecordingStatus | null, transcription: string | null } | null };

export type MarkVoicemailMutationVariables = Exact<{
  id: string | number;
  read?: boolean | null | undefined;
  handled?: boolean | null | undefined;
}>;


export type MarkVoicemailMutation = { markVoicemail: { id: string, read: boolean, handled: boolean } };

export type VoicemailsQueryVariables = Exact<{
  companyId: string | number;
}>;


export type VoicemailsQuery = { voicemails: Array<{ id: string, from: string, to: string, durationSeconds: number, audioUrl: string | null, recordingStatus: RecordingStatus | null, transcription: string | null, read: boolean, handled: boolean, createdAt: string }> };

export type VoicemailReceivedSubscriptionVariables = Exact<{
  companyId: string | number;
}>;


export type VoicemailReceivedSubscription = { voicemailReceived: { id: string, from: string, to: string, durationSeconds: number, audioUrl: string | null, recordingStatus: RecordingStatus | null, transcription: string | null, read: boolean, handled: boolean, createdAt: string } };

export type CompanyStatsFieldsFragment = { at: string, callsWaiting: number, callsRinging: number, callsActive: number, longestWaitSeconds: number, answeredToday: number, missedToday: number, averageAnswerSeconds: number | null, agents: { available: number, onCall: number, ringing: number, onBreak: number, wrapUp: number, offline: number, total: number } };

export type CompanyStatsChangedSubscriptionVariables = Exact<{
  companyId: string | number;
}>;


export type CompanyStatsChangedSubscription = { companyStatsChanged: { at: string, callsWaiting: number, callsRinging: number, callsActive: number, longestWaitSeconds: number, answeredToday: number, missedToday: number, averageAnswerSeconds: number | null, agents: { available: number, onCall: number, ringing: number, onBreak: number, wrapUp: number, offline: number, total: number } } };

export type CompanyQueuesFieldsFragment = { at: string, queues: Array<{ queueId: string, name: string, waiting: number, callbacks: number, longestWaitSeconds: number, estimatedWaitSeconds: number | null, offered: number, serviceLevel: number | null, abandonRate: number | null }>, waiting: Array<{ callSid: string, queueId: string, from: string, state: WaitingState, position: number | null, estimatedWaitSeconds: number | null, language: string | null, callbackRequested: boolean, offeredToAgentId: string | null, enqueuedAt: string }> };

export type QueuesChangedSubscriptionVariables = Exact<{
  companyId: string | number;
}>;


export type QueuesChangedSubscription = { queuesChanged: { at: string, queues: Array<{ queueId: string, name: string, waiting: number, callbacks: number, longestWaitSeconds: number, estimatedWaitSeconds: number | null, offered: number, serviceLevel: number | null, abandonRate: number | null }>, waiting: Array<{ callSid: string, queueId: string, from: string, state: WaitingState, position: number | null, estimatedWaitSeconds: number | null, language: string | null, callbackRequested: boolean, offeredToAgentId: string | null, enqueuedAt: string }> } };

export type BoardPhoneNumbersQueryVariables = Exact<{
  companyId: string | number;
}>;


export type BoardPhoneNumbersQuery = { company: { id: string, phoneNumbers: Array<{ id: string, e164: string, label: string | null }> } | null };

export type BoardReportFiguresFragment = { offered: number, answered: number, abandoned: number, serviceLevel: number | null };

export type BoardReportQueryVariables = Exact<{
  companyId: string | number;
  todayFrom: string;
  todayTo: string;
  yesterdayFrom: string;
}>;


export type BoardReportQuery = { today: { timeZone: string, rows: Array<{ key: string, label: string, start: string | null, figures: { offered: number, answered: number, abandoned: number, serviceLevel: number | null } }>, totals: { offered: number, answered: number, abandoned: number, serviceLevel: number | null } }, yesterday: { totals: { offered: number, answered: number, abandoned: number, serviceLevel: number | null } }, agents: { rows: Array<{ key: string, label: string, figures: { answered: number, missedOffers: number | null, talkSeconds: number } }> } };

export type LiveCallFieldsFragment = { callSid: string, from: string, to: string, state: LiveCallState, startedAt: string, answeredAt: string | null, agentId: string | null, controllable: boolean, recording: CallRecordingStatus, parties: Array<{ label: string, role: CallPartyRole, agentId: string | null, number: string | null, status: CallPartyStatus, held: boolean, muted: boolean, supervise: SuperviseMode | null, joinedAt: string | null }> };

export type LiveCallsChangedSubscriptionVariables = Exact<{
  companyId: string | number;
}>;


export type LiveCallsChangedSubscription = { liveCallsChanged: { at: string, calls: Array<{ callSid: string, from: string, to: string, state: LiveCallState, startedAt: string, answeredAt: string | null, agentId: string | null, controllable: boolean, recording: CallRecordingStatus, parties: Array<{ label: string, role: CallPartyRole, agentId: string | null, number: string | null, status: CallPartyStatus, held: boolean, muted: boolean, supervise: SuperviseMode | null, joinedAt: string | null }> }> } };

export type HoldCallMutationVariables = Exact<{
  callSid: string | number;
}>;


export type HoldCallMutation = { holdCall: { callSid: string, from: string, to: string, state: LiveCallState, startedAt: string, answeredAt: string | null, agentId: string | null, controllable: boolean, recording: CallRecordingStatus, parties: Array<{ label: string, role: CallPartyRole, agentId: string | null, number: string | null, status: CallPartyStatus, held: boolean, muted: boolean, supervise: SuperviseMode | null, joinedAt: string | null }> } };

export type ResumeCallMutationVariables = Exact<{
  callSid: string | number;
}>;


export type ResumeCallMutation = { resumeCall: { callSid: string, from: string, to: string, state: LiveCallState, startedAt: string, answeredAt: string | null, agentId: string | null, controllable: boolean, recording: CallRecordingStatus, parties: Array<{ label: string, role: CallPartyRole, agentId: string | null, number: string | null, status: CallPartyStatus, held: boolean, muted: boolean, supervise: SuperviseMode | null, joinedAt: string | null }> } };

export type TransferCallMutationVariables = Exact<{
  callSid: string | number;
  to: CallTargetInput;
}>;


export type TransferCallMutation = { transferCall: { callSid: string, from: string, to: string, state: LiveCallState, startedAt: string, answeredAt: string | null, agentId: string | null, controllable: boolean, recording: CallRecordingStatus, parties: Array<{ label: string, role: CallPartyRole, agentId: string | null, number: string | null, status: CallPartyStatus, held: boolean, muted: boolean, supervise: SuperviseMode | null, joinedAt: string | null }> } };

export type ConsultCallMutationVariables = Exact<{
  callSid: string | number;
  to: CallTargetInput;
}>;


export type ConsultCallMutation = { consultCall: { callSid: string, from: string, to: string, state: LiveCallState, startedAt: string, answeredAt: string | null, agentId: string | null, controllable: boolean, recording: CallRecordingStatus, parties: Array<{ label: string, role: CallPartyRole, agentId: string | null, number: string | null, status: CallPartyStatus, held: boolean, muted: boolean, supervise: SuperviseMode | null, joinedAt: string | null }> } };

export type CompleteTransferMutationVariables = Exact<{
  callSid: string | number;
}>;


export type CompleteTransferMutation = { completeTransfer: { callSid: string, from: string, to: string, state: LiveCallState, startedAt: string, answeredAt: string | null, agentId: string | null, controllable: boolean, recording: CallRecordingStatus, parties: Array<{ label: string, role: CallPartyRole, agentId: string | null, number: string | null, status: CallPartyStatus, held: boolean, muted: boolean, supervise: SuperviseMode | null, joinedAt: string | null }> } };

export type CancelConsultMutationVariables = Exact<{
  callSid: string | number;
}>;


export type CancelConsultMutation = { cancelConsult: { callSid: string, from: string, to: string, state: LiveCallState, startedAt: string, answeredAt: string | null, agentId: string | null, controllable: boolean, recording: CallRecordingStatus, parties: Array<{ label: string, role: CallPartyRole, agentId: string | null, number: string | null, status: CallPartyStatus, held: boolean, muted: boolean, supervise: SuperviseMode | null, joinedAt: string | null }> } };

export type MergeCallMutationVariables = Exact<{
  callSid: string | number;
}>;


export type MergeCallMutation = { mergeCall: { callSid: string, from: string, to: string, state: LiveCallState, startedAt: string, answeredAt: string | null, agentId: string | null, controllable: boolean, recording: CallRecordingStatus, parties: Array<{ label: string, role: CallPartyRole, agentId: string | null, number: string | null, status: CallPartyStatus, held: boolean, muted: boolean, supervise: SuperviseMode | null, joinedAt: string | null }> } };

export type AddParticipantMutationVariables = Exact<{
  callSid: string | number;
  to: CallTargetInput;
}>;


export type AddParticipantMutation = { addParticipant: { callSid: string, from: string, to: string, state: LiveCallState, startedAt: string, answeredAt: string | null, agentId: string | null, controllable: boolean, recording: CallRecordingStatus, parties: Array<{ label: string, role: CallPartyRole, agentId: string | null, number: string | null, status: CallPartyStatus, held: boolean, muted: boolean, supervise: SuperviseMode | null, joinedAt: string | null }> } };

export type DropParticipantMutationVariables = Exact<{
  callSid: string | number;
  label: string;
}>;


export type DropParticipantMutation = { dropParticipant: { callSid: string, from: string, to: string, state: LiveCallState, startedAt: string, answeredAt: string | null, agentId: string | null, controllable: boolean, recording: CallRecordingStatus, parties: Array<{ label: string, role: CallPartyRole, agentId: string | null, number: string | null, status: CallPartyStatus, held: boolean, muted: boolean, supervise: SuperviseMode | null, joinedAt: string | null }> } };

export type HangUpCallMutationVariables = Exact<{
  callSid: string | number;
}>;


export type HangUpCallMutation = { hangUpCall: { callSid: string, state: LiveCallState } };

export type RecordCallMutationVariables = Exact<{
  callSid: string | number;
  action: CallRecordingAction;
}>;


export type RecordCallMutation = { recordCall: { callSid: string, from: string, to: string, state: LiveCallState, startedAt: string, answeredAt: string | null, agentId: string | null, controllable: boolean, recording: CallRecordingStatus, parties: Array<{ label: string, role: CallPartyRole, agentId: string | null, number: string | null, status: CallPartyStatus, held: boolean, muted: boolean, supervise: SuperviseMode | null, joinedAt: string | null }> } };

export type SuperviseCallMutationVariables = Exact<{
  callSid: string | number;
  mode: SuperviseMode;
  softphoneAgentId: string | number;
}>;


export type SuperviseCallMutation = { superviseCall: { callSid: string, from: string, to: string, state: LiveCallState, startedAt: string, answeredAt: string | null, agentId: string | null, controllable: boolean, recording: CallRecordingStatus, parties: Array<{ label: string, role: CallPartyRole, agentId: string | null, number: string | null, status: CallPartyStatus, held: boolean, muted: boolean, supervise: SuperviseMode | null, joinedAt: string | null }> } };

export type StopSupervisingMutationVariables = Exact<{
  callSid: string | number;
  softphoneAgentId: string | number;
}>;


export type StopSupervisingMutation = { stopSupervising: { callSid: string, from: string, to: string, state: LiveCallState, startedAt: string, answeredAt: string | null, agentId: string | null, controllable: boolean, recording: CallRecordingStatus, parties: Array<{ label: string, role: CallPartyRole, agentId: string | null, number: string | null, status: CallPartyStatus, held: boolean, muted: boolean, supervise: SuperviseMode | null, joinedAt: string | null }> } };

export type StartCallMutationVariables = Exact<{
  input: StartCallInput;
}>;


export type StartCallMutation = { startCall: { callSid: string, from: string, to: string, state: LiveCallState, startedAt: string, answeredAt: string | null, agentId: string | null, controllable: boolean, recording: CallRecordingStatus, parties: Array<{ label: string, role: CallPartyRole, agentId: string | null, number: string | null, status: CallPartyStatus, held: boolean, muted: boolean, supervise: SuperviseMode | null, joinedAt: string | null }> } };

export type BoardMissedCallsQueryVariables = Exact<{
  companyId: string | number;
  from: string;
}>;


export type BoardMissedCallsQuery = { calls: { nodes: Array<{ callSid: string, from: string, to: string, startedAt: string, waitSeconds: number | null }> } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const BoardRoutingFragmentDoc = new TypedDocumentString(`
    fragment BoardRouting on RoutingConfig {
  mode
  ringTimeoutSeconds
  fallbackKind
  fallbackNumber
  allowUnregisteredSoftphones
}
    `, {"fragmentName":"BoardRouting"}) as unknown as TypedDocumentString<BoardRoutingFragment, unknown>;
export const VoicemailFieldsFragmentDoc = new TypedDocumentString(`
    fragment VoicemailFields on Voicemail {
  id
  from
  to
  durationSeconds
  audioUrl
  recordingStatus
  transcription
  read
  handled
  createdAt
}
    `, {"fragmentName":"VoicemailFields"}) as unknown as TypedDocumentString<VoicemailFieldsFragment, unknown>;
export const CompanyStatsFieldsFragmentDoc = new TypedDocumentString(`
    fragment CompanyStatsFields on CompanyStats {
  at
  agents {
    available
    onCall
    ringing
    onBreak
    wrapUp
    offline
    total
  }
  callsWaiting
  callsRinging
  callsActive
  longestWaitSeconds
  answeredToday
  missedToday
  averageAnswerSeconds
}
    `, {"fragmentName":"CompanyStatsFields"}) as unknown as TypedDocumentString<CompanyStatsFieldsFragment, unknown>;
export const CompanyQueuesFieldsFragmentDoc = new TypedDocumentString(`
    fragment CompanyQueuesFields on CompanyQueuesView {
  at
  queues {
    queueId
    name
    waiting
    callbacks
    longestWaitSeconds
    estimatedWaitSeconds
    offered
    serviceLevel
    abandonRate
  }
  waiting {
    callSid
    queueId
    from
    state
    position
    estimatedWaitSeconds
    language
    callbackRequested
    offeredToAgentId
    enqueuedAt
  }
}
    `, {"fragmentName":"CompanyQueuesFields"}) as unknown as TypedDocumentString<CompanyQueuesFieldsFragment, unknown>;
export const BoardReportFiguresFragmentDoc = new TypedDocumentString(`
    fragment BoardReportFigures on CallReportFigures {
  offered
  answered
  abandoned
  serviceLevel
}
    `, {"fragmentName":"BoardReportFigures"}) as unknown as TypedDocumentString<BoardReportFiguresFragment, unknown>;
export const LiveCallFieldsFragmentDoc = new TypedDocumentString(`
    fragment LiveCallFields on LiveCall {
  callSid
  from
  to
  state
  startedAt
  answeredAt
  agentId
  controllable
  recording
  parties {
    label
    role
    agentId
    number
    status
    held
    muted
    supervise
    joinedAt
  }
}
    `, {"fragmentName":"LiveCallFields"}) as unknown as TypedDocumentString<LiveCallFieldsFragment, unknown>;
export const ViewerDocument = new TypedDocumentString(`
    query Viewer {
  viewer {
    role
    companyId
    agentId
  }
}
    `) as unknown as TypedDocumentString<ViewerQuery, ViewerQueryVariables>;
export const SoftphoneDocument = new TypedDocumentString(`
    query Softphone {
  softphone {
    agentId
    companyId
    displayName
    sipUsername
    telnyxConfigured
    loginToken
    websocketHost
    heartbeatIntervalMs
    registrationRequired
    message
    breakReasons
    callerIds
    colleagues {
      agentId
      displayName
    }
    queues {
      queueId
      name
    }
  }
}
    `) as unknown as TypedDocumentString<SoftphoneQuery, SoftphoneQueryVariables>;
export const HeartbeatDocument = new TypedDocumentString(`
    mutation Heartbeat($input: HeartbeatInput!) {
  heartbeat(input: $input) {
    nextHeartbeatInMs
    leaseExpiresAt
    presence {
      agentId
      online
      sipRegistered
      status
      statusReason
      callState
    }
  }
}
    `) as unknown as TypedDocumentString<HeartbeatMutation, HeartbeatMutationVariables>;
export const ReportCallStateDocument = new TypedDocumentString(`
    mutation ReportCallState($input: CallStateInput!) {
  reportCallState(input: $input) {
    agentId
    online
    status
    statusReason
  }
}
    `) as unknown as TypedDocumentString<ReportCallStateMutation, ReportCallStateMutationVariables>;
export const SetAgentStatusDocument = new TypedDocumentString(`
    mutation SetAgentStatus($input: SetAgentStatusInput!) {
  setAgentStatus(input: $input) {
    agentId
    status
    statusReason
    online
  }
}
    `) as unknown as TypedDocumentString<SetAgentStatusMutation, SetAgentStatusMutationVariables>;
export const PresenceChangedDocument = new TypedDocumentString(`
    subscription PresenceChanged($companyId: ID!) {
  presenceChanged(companyId: $companyId) {
    at
    cause
    snapshot
    presence {
      agentId
      displayName
      sipUsername
      online
      sipRegistered
      status
      statusReason
      lastSeen
      callState
      activeCalls
    }
  }
}
    `) as unknown as TypedDocumentString<PresenceChangedSubscription, PresenceChangedSubscriptionVariables>;
export const BoardCompanyDocument = new TypedDocumentString(`
    query BoardCompany($companyId: ID!) {
  company(id: $companyId) {
    id
    name
    timeZone
    breakReasons
    routing {
      ...BoardRouting
    }
  }
}
    fragment BoardRouting on RoutingConfig {
  mode
  ringTimeoutSeconds
  fallbackKind
  fallbackNumber
  allowUnregisteredSoftphones
}`) as unknown as TypedDocumentString<BoardCompanyQuery, BoardCompanyQueryVariables>;
export const UpdateRoutingConfigDocument = new TypedDocumentString(`
    mutation UpdateRoutingConfig($companyId: ID!, $input: RoutingConfigInput!) {
  updateRoutingConfig(companyId: $companyId, input: $input) {
    ...BoardRouting
  }
}
    fragment BoardRouting on RoutingConfig {
  mode
  ringTimeoutSeconds
  fallbackKind
  fallbackNumber
  allowUnregisteredSoftphones
}`) as unknown as TypedDocumentString<UpdateRoutingConfigMutation, UpdateRoutingConfigMutationVariables>;
export const RoutePreviewDocument = new TypedDocumentString(`
    query RoutePreview($companyId: ID!) {
  routePreview(companyId: $companyId) {
    at
    decision
    fallback
    fallbackReason
    queue {
      queueName
      decision
      position
      estimatedWaitSeconds
    }
    ringTimeoutSeconds
    targets {
      agentId
      displayName
    }
    skipped {
      agent {
        agentId
        displayName
      }
      reason
      detail
    }
  }
}
    `) as unknown as TypedDocumentString<RoutePreviewQuery, RoutePreviewQueryVariables>;
export const VoicemailAudioDocument = new TypedDocumentString(`
    query VoicemailAudio($id: ID!) {
  voicemail(id: $id) {
    id
    audioUrl
    recordingStatus
    transcription
  }
}
    `) as unknown as TypedDocumentString<VoicemailAudioQuery, VoicemailAudioQueryVariables>;
export const MarkVoicemailDocument = new TypedDocumentString(`
    mutation MarkVoicemail($id: ID!, $read: Boolean, $handled: Boolean) {
  markVoicemail(id: $id, read: $read, handled: $handled) {
    id
    read
    handled
  }
}
    `) as unknown as TypedDocumentString<MarkVoicemailMutation, MarkVoicemailMutationVariables>;
export const VoicemailsDocument = new TypedDocumentString(`
    query Voicemails($companyId: ID!) {
  voicemails(companyId: $companyId, first: 50) {
    ...VoicemailFields
  }
}
    fragment VoicemailFields on Voicemail {
  id
  from
  to
  durationSeconds
  audioUrl
  recordingStatus
  transcription
  read
  handled
  createdAt
}`) as unknown as TypedDocumentString<VoicemailsQuery, VoicemailsQueryVariables>;
export const VoicemailReceivedDocument = new TypedDocumentString(`
    subscription VoicemailReceived($companyId: ID!) {
  voicemailReceived(companyId: $companyId) {
    ...VoicemailFields
  }
}
    fragment VoicemailFields on Voicemail {
  id
  from
  to
  durationSeconds
  audioUrl
  recordingStatus
  transcription
  read
  handled
  createdAt
}`) as unknown as TypedDocumentString<VoicemailReceivedSubscription, VoicemailReceivedSubscriptionVariables>;
export const CompanyStatsChangedDocument = new TypedDocumentString(`
    subscription CompanyStatsChanged($companyId: ID!) {
  companyStatsChanged(companyId: $companyId) {
    ...CompanyStatsFields
  }
}
    fragment CompanyStatsFields on CompanyStats {
  at
  agents {
    available
    onCall
    ringing
    onBreak
    wrapUp
    offline
    total
  }
  callsWaiting
  callsRinging
  callsActive
  longestWaitSeconds
  answeredToday
  missedToday
  averageAnswerSeconds
}`) as unknown as TypedDocumentString<CompanyStatsChangedSubscription, CompanyStatsChangedSubscriptionVariables>;
export const QueuesChangedDocument = new TypedDocumentString(`
    subscription QueuesChanged($companyId: ID!) {
  queuesChanged(companyId: $companyId) {
    ...CompanyQueuesFields
  }
}
    fragment CompanyQueuesFields on CompanyQueuesView {
  at
  queues {
    queueId
    name
    waiting
    callbacks
    longestWaitSeconds
    estimatedWaitSeconds
    offered
    serviceLevel
    abandonRate
  }
  waiting {
    callSid
    queueId
    from
    state
    position
    estimatedWaitSeconds
    language
    callbackRequested
    offeredToAgentId
    enqueuedAt
  }
}`) as unknown as TypedDocumentString<QueuesChangedSubscription, QueuesChangedSubscriptionVariables>;
export const BoardPhoneNumbersDocument = new TypedDocumentString(`
    query BoardPhoneNumbers($companyId: ID!) {
  company(id: $companyId) {
    id
    phoneNumbers {
      id
      e164
      label
    }
  }
}
    `) as unknown as TypedDocumentString<BoardPhoneNumbersQuery, BoardPhoneNumbersQueryVariables>;
export const BoardReportDocument = new TypedDocumentString(`
    query BoardReport($companyId: ID!, $todayFrom: DateTime!, $todayTo: DateTime!, $yesterdayFrom: DateTime!) {
  today: callReport(
    companyId: $companyId
    from: $todayFrom
    to: $todayTo
    groupBy: HOUR
  ) {
    timeZone
    rows(first: 25) {
      key
      label
      start
      figures {
        ...BoardReportFigures
      }
    }
    totals {
      ...BoardReportFigures
    }
  }
  yesterday: callReport(
    companyId: $companyId
    from: $yesterdayFrom
    to: $todayFrom
    groupBy: DAY
  ) {
    totals {
      ...BoardReportFigures
    }
  }
  agents: callReport(
    companyId: $companyId
    from: $todayFrom
    to: $todayTo
    groupBy: AGENT
  ) {
    rows(first: 200) {
      key
      label
      figures {
        answered
        missedOffers
        talkSeconds
      }
    }
  }
}
    fragment BoardReportFigures on CallReportFigures {
  offered
  answered
  abandoned
  serviceLevel
}`) as unknown as TypedDocumentString<BoardReportQuery, BoardReportQueryVariables>;
export const LiveCallsChangedDocument = new TypedDocumentString(`
    subscription LiveCallsChanged($companyId: ID!) {
  liveCallsChanged(companyId: $companyId) {
    at
    calls {
      ...LiveCallFields
    }
  }
}
    fragment LiveCallFields on LiveCall {
  callSid
  from
  to
  state
  startedAt
  answeredAt
  agentId
  controllable
  recording
  parties {
    label
    role
    agentId
    number
    status
    held
    muted
    supervise
    joinedAt
  }
}`) as unknown as TypedDocumentString<LiveCallsChangedSubscription, LiveCallsChangedSubscriptionVariables>;
export const HoldCallDocument = new TypedDocumentString(`
    mutation HoldCall($callSid: ID!) {
  holdCall(callSid: $callSid) {
    ...LiveCallFields
  }
}
    fragment LiveCallFields on LiveCall {
  callSid
  from
  to
  state
  startedAt
  answeredAt
  agentId
  controllable
  recording
  parties {
    label
    role
    agentId
    number
    status
    held
    muted
    supervise
    joinedAt
  }
}`) as unknown as TypedDocumentString<HoldCallMutation, HoldCallMutationVariables>;
export const ResumeCallDocument = new TypedDocumentString(`
    mutation ResumeCall($callSid: ID!) {
  resumeCall(callSid: $callSid) {
    ...LiveCallFields
  }
}
    fragment LiveCallFields on LiveCall {
  callSid
  from
  to
  state
  startedAt
  answeredAt
  agentId
  controllable
  recording
  parties {
    label
    role
    agentId
    number
    status
    held
    muted
    supervise
    joinedAt
  }
}`) as unknown as TypedDocumentString<ResumeCallMutation, ResumeCallMutationVariables>;
export const TransferCallDocument = new TypedDocumentString(`
    mutation TransferCall($callSid: ID!, $to: CallTargetInput!) {
  transferCall(callSid: $callSid, to: $to) {
    ...LiveCallFields
  }
}
    fragment LiveCallFields on LiveCall {
  callSid
  from
  to
  state
  startedAt
  answeredAt
  agentId
  controllable
  recording
  parties {
    label
    role
    agentId
    number
    status
    held
    muted
    supervise
    joinedAt
  }
}`) as unknown as TypedDocumentString<TransferCallMutation, TransferCallMutationVariables>;
export const ConsultCallDocument = new TypedDocumentString(`
    mutation ConsultCall($callSid: ID!, $to: CallTargetInput!) {
  consultCall(callSid: $callSid, to: $to) {
    ...LiveCallFields
  }
}
    fragment LiveCallFields on LiveCall {
  callSid
  from
  to
  state
  startedAt
  answeredAt
  agentId
  controllable
  recording
  parties {
    label
    role
    agentId
    number
    status
    held
    muted
    supervise
    joinedAt
  }
}`) as unknown as TypedDocumentString<ConsultCallMutation, ConsultCallMutationVariables>;
export const CompleteTransferDocument = new TypedDocumentString(`
    mutation CompleteTransfer($callSid: ID!) {
  completeTransfer(callSid: $callSid) {
    ...LiveCallFields
  }
}
    fragment LiveCallFields on LiveCall {
  callSid
  from
  to
  state
  startedAt
  answeredAt
  agentId
  controllable
  recording
  parties {
    label
    role
    agentId
    number
    status
    held
    muted
    supervise
    joinedAt
  }
}`) as unknown as TypedDocumentString<CompleteTransferMutation, CompleteTransferMutationVariables>;
export const CancelConsultDocument = new TypedDocumentString(`
    mutation CancelConsult($callSid: ID!) {
  cancelConsult(callSid: $callSid) {
    ...LiveCallFields
  }
}
    fragment LiveCallFields on LiveCall {
  callSid
  from
  to
  state
  startedAt
  answeredAt
  agentId
  controllable
  recording
  parties {
    label
    role
    agentId
    number
    status
    held
    muted
    supervise
    joinedAt
  }
}`) as unknown as TypedDocumentString<CancelConsultMutation, CancelConsultMutationVariables>;
export const MergeCallDocument = new TypedDocumentString(`
    mutation MergeCall($callSid: ID!) {
  mergeCall(callSid: $callSid) {
    ...LiveCallFields
  }
}
    fragment LiveCallFields on LiveCall {
  callSid
  from
  to
  state
  startedAt
  answeredAt
  agentId
  controllable
  recording
  parties {
    label
    role
    agentId
    number
    status
    held
    muted
    supervise
    joinedAt
  }
}`) as unknown as TypedDocumentString<MergeCallMutation, MergeCallMutationVariables>;
export const AddParticipantDocument = new TypedDocumentString(`
    mutation AddParticipant($callSid: ID!, $to: CallTargetInput!) {
  addParticipant(callSid: $callSid, to: $to) {
    ...LiveCallFields
  }
}
    fragment LiveCallFields on LiveCall {
  callSid
  from
  to
  state
  startedAt
  answeredAt
  agentId
  controllable
  recording
  parties {
    label
    role
    agentId
    number
    status
    held
    muted
    supervise
    joinedAt
  }
}`) as unknown as TypedDocumentString<AddParticipantMutation, AddParticipantMutationVariables>;
export const DropParticipantDocument = new TypedDocumentString(`
    mutation DropParticipant($callSid: ID!, $label: String!) {
  dropParticipant(callSid: $callSid, label: $label) {
    ...LiveCallFields
  }
}
    fragment LiveCallFields on LiveCall {
  callSid
  from
  to
  state
  startedAt
  answeredAt
  agentId
  controllable
  recording
  parties {
    label
    role
    agentId
    number
    status
    held
    muted
    supervise
    joinedAt
  }
}`) as unknown as TypedDocumentString<DropParticipantMutation, DropParticipantMutationVariables>;
export const HangUpCallDocument = new TypedDocumentString(`
    mutation HangUpCall($callSid: ID!) {
  hangUpCall(callSid: $callSid) {
    callSid
    state
  }
}
    `) as unknown as TypedDocumentString<HangUpCallMutation, HangUpCallMutationVariables>;
export const RecordCallDocument = new TypedDocumentString(`
    mutation RecordCall($callSid: ID!, $action: CallRecordingAction!) {
  recordCall(callSid: $callSid, action: $action) {
    ...LiveCallFields
  }
}
    fragment LiveCallFields on LiveCall {
  callSid
  from
  to
  state
  startedAt
  answeredAt
  agentId
  controllable
  recording
  parties {
    label
    role
    agentId
    number
    status
    held
    muted
    supervise
    joinedAt
  }
}`) as unknown as TypedDocumentString<RecordCallMutation, RecordCallMutationVariables>;
export const SuperviseCallDocument = new TypedDocumentString(`
    mutation SuperviseCall($callSid: ID!, $mode: SuperviseMode!, $softphoneAgentId: ID!) {
  superviseCall(
    callSid: $callSid
    mode: $mode
    softphoneAgentId: $softphoneAgentId
  ) {
    ...LiveCallFields
  }
}
    fragment LiveCallFields on LiveCall {
  callSid
  from
  to
  state
  startedAt
  answeredAt
  agentId
  controllable
  recording
  parties {
    label
    role
    agentId
    number
    status
    held
    muted
    supervise
    joinedAt
  }
}`) as unknown as TypedDocumentString<SuperviseCallMutation, SuperviseCallMutationVariables>;
export const StopSupervisingDocument = new TypedDocumentString(`
    mutation StopSupervising($callSid: ID!, $softphoneAgentId: ID!) {
  stopSupervising(callSid: $callSid, softphoneAgentId: $softphoneAgentId) {
    ...LiveCallFields
  }
}
    fragment LiveCallFields on LiveCall {
  callSid
  from
  to
  state
  startedAt
  answeredAt
  agentId
  controllable
  recording
  parties {
    label
    role
    agentId
    number
    status
    held
    muted
    supervise
    joinedAt
  }
}`) as unknown as TypedDocumentString<StopSupervisingMutation, StopSupervisingMutationVariables>;
export const StartCallDocument = new TypedDocumentString(`
    mutation StartCall($input: StartCallInput!) {
  startCall(input: $input) {
    ...LiveCallFields
  }
}
    fragment LiveCallFields on LiveCall {
  callSid
  from
  to
  state
  startedAt
  answeredAt
  agentId
  controllable
  recording
  parties {
    label
    role
    agentId
    number
    status
    held
    muted
    supervise
    joinedAt
  }
}`) as unknown as TypedDocumentString<StartCallMutation, StartCallMutationVariables>;
export const BoardMissedCallsDocument = new TypedDocumentString(`
    query BoardMissedCalls($companyId: ID!, $from: String!) {
  calls(
    companyId: $companyId
    first: 20
    filter: {outcome: "ABANDONED", direction: "inbound", from: $from}
  ) {
    nodes {
      callSid
      from
      to
      startedAt
      waitSeconds
    }
  }
}
    `) as unknown as TypedDocumentString<BoardMissedCallsQuery, BoardMissedCallsQueryVariables>;