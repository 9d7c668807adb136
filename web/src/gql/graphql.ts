/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type AgentStatus =
  /** Ready to take calls. */
  | 'AVAILABLE'
  /** Paused, with an optional reason (lunch, meeting...). */
  | 'ON_BREAK'
  /** Finishing the previous call; not offered calls. */
  | 'WRAP_UP';

export type FallbackKind =
  /** Say the greeting and hang up. */
  | 'HANGUP'
  /** Forward to fallbackNumber. */
  | 'NUMBER'
  /** Say the greeting and record a message. */
  | 'VOICEMAIL';

export type HeartbeatInput = {
  /** The softphone call state (idle, ringing, active, held...). */
  callState?: string | null | undefined;
  /** Whether the Telnyx client is registered (SDK `ready`). */
  sipRegistered: boolean;
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

export type RouteDecision =
  /** Go to the fallback. */
  | 'FALLBACK'
  /** Ring the targets (all at once). */
  | 'RING';

export type SetAgentStatusInput = {
  /** Defaults to the calling agent. Supervisors name an agent of their company. */
  agentId?: string | number | null | undefined;
  /** Why the agent is on break (ON_BREAK only). */
  reason?: string | null | undefined;
  status: AgentStatus;
};

export type SkipReason =
  | 'ALREADY_OFFERED'
  | 'DISABLED'
  | 'NOT_REGISTERED'
  | 'OFFLINE'
  | 'ON_BREAK'
  | 'ON_CALL'
  | 'RESERVED'
  | 'WRAP_UP';

export type HeartbeatMutationVariables = Exact<{
  input: HeartbeatInput;
}>;


export type HeartbeatMutation = { heartbeat: { nextHeartbeatInMs: number, leaseExpiresAt: string, presence: { agentId: string, online: boolean, status: AgentStatus, statusReason: string | null } } };

export type SetAgentStatusMutationVariables = Exact<{
  input: SetAgentStatusInput;
}>;


export type SetAgentStatusMutation = { setAgentStatus: { agentId: string, status: AgentStatus, statusReason: string | null, online: boolean } };

export type PresenceChangedSubscriptionVariables = Exact<{
  companyId: string | number;
}>;


export type PresenceChangedSubscription = { presenceChanged: { at: string, cause: PresenceCause, snapshot: boolean, presence: { agentId: string, displayName: string, online: boolean, sipRegistered: boolean, status: AgentStatus, statusReason: string | null, lastSeen: string | null, activeCalls: number } } };

export type RoutePreviewQueryVariables = Exact<{
  companyId: string | number;
}>;


export type RoutePreviewQuery = { routePreview: { decision: RouteDecision, fallback: FallbackKind | null, targets: Array<{ agentId: string, displayName: string }>, skipped: Array<{ reason: SkipReason, detail: string, agent: { agentId: string, displayName: string } }> } };


export const HeartbeatDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Heartbeat"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"HeartbeatInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"heartbeat"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nextHeartbeatInMs"}},{"kind":"Field","name":{"kind":"Name","value":"leaseExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"presence"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"agentId"}},{"kind":"Field","name":{"kind":"Name","value":"online"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"statusReason"}}]}}]}}]}}]} as unknown as DocumentNode<HeartbeatMutation, HeartbeatMutationVariables>;
export const SetAgentStatusDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SetAgentStatus"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SetAgentStatusInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"setAgentStatus"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"agentId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"statusReason"}},{"kind":"Field","name":{"kind":"Name","value":"online"}}]}}]}}]} as unknown as DocumentNode<SetAgentStatusMutation, SetAgentStatusMutationVariables>;
export const PresenceChangedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"PresenceChanged"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"companyId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"presenceChanged"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"companyId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"companyId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"cause"}},{"kind":"Field","name":{"kind":"Name","value":"snapshot"}},{"kind":"Field","name":{"kind":"Name","value":"presence"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"agentId"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}},{"kind":"Field","name":{"kind":"Name","value":"online"}},{"kind":"Field","name":{"kind":"Name","value":"sipRegistered"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"statusReason"}},{"kind":"Field","name":{"kind":"Name","value":"lastSeen"}},{"kind":"Field","name":{"kind":"Name","value":"activeCalls"}}]}}]}}]}}]} as unknown as DocumentNode<PresenceChangedSubscription, PresenceChangedSubscriptionVariables>;
export const RoutePreviewDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"RoutePreview"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"companyId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"routePreview"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"companyId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"companyId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"decision"}},{"kind":"Field","name":{"kind":"Name","value":"fallback"}},{"kind":"Field","name":{"kind":"Name","value":"targets"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"agentId"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}}]}},{"kind":"Field","name":{"kind":"Name","value":"skipped"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"agent"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"agentId"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}}]}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"detail"}}]}}]}}]}}]} as unknown as DocumentNode<RoutePreviewQuery, RoutePreviewQueryVariables>;