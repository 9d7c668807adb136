/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation Heartbeat($input: HeartbeatInput!) {\n    heartbeat(input: $input) {\n      nextHeartbeatInMs\n      leaseExpiresAt\n      presence {\n        agentId\n        online\n        status\n        statusReason\n      }\n    }\n  }\n": typeof types.HeartbeatDocument,
    "\n  mutation SetAgentStatus($input: SetAgentStatusInput!) {\n    setAgentStatus(input: $input) {\n      agentId\n      status\n      statusReason\n      online\n    }\n  }\n": typeof types.SetAgentStatusDocument,
    "\n  subscription PresenceChanged($companyId: ID!) {\n    presenceChanged(companyId: $companyId) {\n      at\n      cause\n      snapshot\n      presence {\n        agentId\n        displayName\n        online\n        sipRegistered\n        status\n        statusReason\n        lastSeen\n        activeCalls\n      }\n    }\n  }\n": typeof types.PresenceChangedDocument,
    "\n  query RoutePreview($companyId: ID!) {\n    routePreview(companyId: $companyId) {\n      decision\n      fallback\n      targets {\n        agentId\n        displayName\n      }\n      skipped {\n        agent {\n          agentId\n          displayName\n        }\n        reason\n        detail\n      }\n    }\n  }\n": typeof types.RoutePreviewDocument,
};
const documents: Documents = {
    "\n  mutation Heartbeat($input: HeartbeatInput!) {\n    heartbeat(input: $input) {\n      nextHeartbeatInMs\n      leaseExpiresAt\n      presence {\n        agentId\n        online\n        status\n        statusReason\n      }\n    }\n  }\n": types.HeartbeatDocument,
    "\n  mutation SetAgentStatus($input: SetAgentStatusInput!) {\n    setAgentStatus(input: $input) {\n      agentId\n      status\n      statusReason\n      online\n    }\n  }\n": types.SetAgentStatusDocument,
    "\n  subscription PresenceChanged($companyId: ID!) {\n    presenceChanged(companyId: $companyId) {\n      at\n      cause\n      snapshot\n      presence {\n        agentId\n        displayName\n        online\n        sipRegistered\n        status\n        statusReason\n        lastSeen\n        activeCalls\n      }\n    }\n  }\n": types.PresenceChangedDocument,
    "\n  query RoutePreview($companyId: ID!) {\n    routePreview(companyId: $companyId) {\n      decision\n      fallback\n      targets {\n        agentId\n        displayName\n      }\n      skipped {\n        agent {\n          agentId\n          displayName\n        }\n        reason\n        detail\n      }\n    }\n  }\n": types.RoutePreviewDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Heartbeat($input: HeartbeatInput!) {\n    heartbeat(input: $input) {\n      nextHeartbeatInMs\n      leaseExpiresAt\n      presence {\n        agentId\n        online\n        status\n        statusReason\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation Heartbeat($input: HeartbeatInput!) {\n    heartbeat(input: $input) {\n      nextHeartbeatInMs\n      leaseExpiresAt\n      presence {\n        agentId\n        online\n        status\n        statusReason\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetAgentStatus($input: SetAgentStatusInput!) {\n    setAgentStatus(input: $input) {\n      agentId\n      status\n      statusReason\n      online\n    }\n  }\n"): (typeof documents)["\n  mutation SetAgentStatus($input: SetAgentStatusInput!) {\n    setAgentStatus(input: $input) {\n      agentId\n      status\n      statusReason\n      online\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription PresenceChanged($companyId: ID!) {\n    presenceChanged(companyId: $companyId) {\n      at\n      cause\n      snapshot\n      presence {\n        agentId\n        displayName\n        online\n        sipRegistered\n        status\n        statusReason\n        lastSeen\n        activeCalls\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription PresenceChanged($companyId: ID!) {\n    presenceChanged(companyId: $companyId) {\n      at\n      cause\n      snapshot\n      presence {\n        agentId\n        displayName\n        online\n        sipRegistered\n        status\n        statusReason\n        lastSeen\n        activeCalls\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RoutePreview($companyId: ID!) {\n    routePreview(companyId: $companyId) {\n      decision\n      fallback\n      targets {\n        agentId\n        displayName\n      }\n      skipped {\n        agent {\n          agentId\n          displayName\n        }\n        reason\n        detail\n      }\n    }\n  }\n"): (typeof documents)["\n  query RoutePreview($companyId: ID!) {\n    routePreview(companyId: $companyId) {\n      decision\n      fallback\n      targets {\n        agentId\n        displayName\n      }\n      skipped {\n        agent {\n          agentId\n          displayName\n        }\n        reason\n        detail\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;