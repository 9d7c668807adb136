/* eslint-disable */
import * as types from './graphql.js';



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
    "\n  query Viewer {\n    viewer {\n      role\n      companyId\n      agentId\n    }\n  }\n": typeof types.ViewerDocument,
    "\n  query Softphone {\n    softphone {\n      agentId\n      companyId\n      displayName\n      sipUsername\n      telnyxConfigured\n      loginToken\n      websocketHost\n      heartbeatIntervalMs\n      registrationRequired\n      message\n      breakReasons\n    }\n  }\n": typeof types.SoftphoneDocument,
    "\n  mutation Heartbeat($input: HeartbeatInput!) {\n    heartbeat(input: $input) {\n      nextHeartbeatInMs\n      leaseExpiresAt\n      presence {\n        agentId\n        online\n        sipRegistered\n        status\n        statusReason\n        callState\n      }\n    }\n  }\n": typeof types.HeartbeatDocument,
    "\n  mutation ReportCallState($input: CallStateInput!) {\n    reportCallState(input: $input) {\n      agentId\n      online\n      status\n      statusReason\n    }\n  }\n": typeof types.ReportCallStateDocument,
    "\n  mutation SetAgentStatus($input: SetAgentStatusInput!) {\n    setAgentStatus(input: $input) {\n      agentId\n      status\n      statusReason\n      online\n    }\n  }\n": typeof types.SetAgentStatusDocument,
    "\n  subscription PresenceChanged($companyId: ID!) {\n    presenceChanged(companyId: $companyId) {\n      at\n      cause\n      snapshot\n      presence {\n        agentId\n        displayName\n        sipUsername\n        online\n        sipRegistered\n        status\n        statusReason\n        lastSeen\n        callState\n        activeCalls\n      }\n    }\n  }\n": typeof types.PresenceChangedDocument,
    "\n  fragment BoardRouting on RoutingConfig {\n    mode\n    ringTimeoutSeconds\n    fallbackKind\n    fallbackNumber\n    allowUnregisteredSoftphones\n  }\n": typeof types.BoardRoutingFragmentDoc,
    "\n  query BoardCompany($companyId: ID!) {\n    company(id: $companyId) {\n      id\n      name\n      timeZone\n      breakReasons\n      routing {\n        ...BoardRouting\n      }\n    }\n  }\n": typeof types.BoardCompanyDocument,
    "\n  mutation UpdateRoutingConfig($companyId: ID!, $input: RoutingConfigInput!) {\n    updateRoutingConfig(companyId: $companyId, input: $input) {\n      ...BoardRouting\n    }\n  }\n": typeof types.UpdateRoutingConfigDocument,
    "\n  query RoutePreview($companyId: ID!) {\n    routePreview(companyId: $companyId) {\n      at\n      decision\n      fallback\n      fallbackReason\n      queue {\n        queueName\n        decision\n        position\n        estimatedWaitSeconds\n      }\n      ringTimeoutSeconds\n      targets {\n        agentId\n        displayName\n      }\n      skipped {\n        agent {\n          agentId\n          displayName\n        }\n        reason\n        detail\n      }\n    }\n  }\n": typeof types.RoutePreviewDocument,
    "\n  fragment VoicemailFields on Voicemail {\n    id\n    from\n    to\n    durationSeconds\n    audioUrl\n    recordingStatus\n    transcription\n    read\n    handled\n    createdAt\n  }\n": typeof types.VoicemailFieldsFragmentDoc,
    "\n  query VoicemailAudio($id: ID!) {\n    voicemail(id: $id) {\n      id\n      audioUrl\n      recordingStatus\n      transcription\n    }\n  }\n": typeof types.VoicemailAudioDocument,
    "\n  mutation MarkVoicemail($id: ID!, $read: Boolean, $handled: Boolean) {\n    markVoicemail(id: $id, read: $read, handled: $handled) {\n      id\n      read\n      handled\n    }\n  }\n": typeof types.MarkVoicemailDocument,
    "\n  query Voicemails($companyId: ID!) {\n    voicemails(companyId: $companyId, first: 50) {\n      ...VoicemailFields\n    }\n  }\n": typeof types.VoicemailsDocument,
    "\n  subscription VoicemailReceived($companyId: ID!) {\n    voicemailReceived(companyId: $companyId) {\n      ...VoicemailFields\n    }\n  }\n": typeof types.VoicemailReceivedDocument,
    "\n  fragment CompanyStatsFields on CompanyStats {\n    at\n    agents {\n      available\n      onCall\n      ringing\n      onBreak\n      wrapUp\n      offline\n      total\n    }\n    callsWaiting\n    callsRinging\n    callsActive\n    longestWaitSeconds\n    answeredToday\n    missedToday\n    averageAnswerSeconds\n  }\n": typeof types.CompanyStatsFieldsFragmentDoc,
    "\n  subscription CompanyStatsChanged($companyId: ID!) {\n    companyStatsChanged(companyId: $companyId) {\n      ...CompanyStatsFields\n    }\n  }\n": typeof types.CompanyStatsChangedDocument,
    "\n  fragment CompanyQueuesFields on CompanyQueuesView {\n    at\n    queues {\n      queueId\n      name\n      waiting\n      callbacks\n      longestWaitSeconds\n      estimatedWaitSeconds\n      offered\n      serviceLevel\n      abandonRate\n    }\n    waiting {\n      callSid\n      queueId\n      from\n      state\n      position\n      estimatedWaitSeconds\n      language\n      callbackRequested\n      offeredToAgentId\n      enqueuedAt\n    }\n  }\n": typeof types.CompanyQueuesFieldsFragmentDoc,
    "\n  subscription QueuesChanged($companyId: ID!) {\n    queuesChanged(companyId: $companyId) {\n      ...CompanyQueuesFields\n    }\n  }\n": typeof types.QueuesChangedDocument,
    "\n  query BoardPhoneNumbers($companyId: ID!) {\n    company(id: $companyId) {\n      id\n      phoneNumbers {\n        id\n        e164\n        label\n      }\n    }\n  }\n": typeof types.BoardPhoneNumbersDocument,
};
const documents: Documents = {
    "\n  query Viewer {\n    viewer {\n      role\n      companyId\n      agentId\n    }\n  }\n": types.ViewerDocument,
    "\n  query Softphone {\n    softphone {\n      agentId\n      companyId\n      displayName\n      sipUsername\n      telnyxConfigured\n      loginToken\n      websocketHost\n      heartbeatIntervalMs\n      registrationRequired\n      message\n      breakReasons\n    }\n  }\n": types.SoftphoneDocument,
    "\n  mutation Heartbeat($input: HeartbeatInput!) {\n    heartbeat(input: $input) {\n      nextHeartbeatInMs\n      leaseExpiresAt\n      presence {\n        agentId\n        online\n        sipRegistered\n        status\n        statusReason\n        callState\n      }\n    }\n  }\n": types.HeartbeatDocument,
    "\n  mutation ReportCallState($input: CallStateInput!) {\n    reportCallState(input: $input) {\n      agentId\n      online\n      status\n      statusReason\n    }\n  }\n": types.ReportCallStateDocument,
    "\n  mutation SetAgentStatus($input: SetAgentStatusInput!) {\n    setAgentStatus(input: $input) {\n      agentId\n      status\n      statusReason\n      online\n    }\n  }\n": types.SetAgentStatusDocument,
    "\n  subscription PresenceChanged($companyId: ID!) {\n    presenceChanged(companyId: $companyId) {\n      at\n      cause\n      snapshot\n      presence {\n        agentId\n        displayName\n        sipUsername\n        online\n        sipRegistered\n        status\n        statusReason\n        lastSeen\n        callState\n        activeCalls\n      }\n    }\n  }\n": types.PresenceChangedDocument,
    "\n  fragment BoardRouting on RoutingConfig {\n    mode\n    ringTimeoutSeconds\n    fallbackKind\n    fallbackNumber\n    allowUnregisteredSoftphones\n  }\n": types.BoardRoutingFragmentDoc,
    "\n  query BoardCompany($companyId: ID!) {\n    company(id: $companyId) {\n      id\n      name\n      timeZone\n      breakReasons\n      routing {\n        ...BoardRouting\n      }\n    }\n  }\n": types.BoardCompanyDocument,
    "\n  mutation UpdateRoutingConfig($companyId: ID!, $input: RoutingConfigInput!) {\n    updateRoutingConfig(companyId: $companyId, input: $input) {\n      ...BoardRouting\n    }\n  }\n": types.UpdateRoutingConfigDocument,
    "\n  query RoutePreview($companyId: ID!) {\n    routePreview(companyId: $companyId) {\n      at\n      decision\n      fallback\n      fallbackReason\n      queue {\n        queueName\n        decision\n        position\n        estimatedWaitSeconds\n      }\n      ringTimeoutSeconds\n      targets {\n        agentId\n        displayName\n      }\n      skipped {\n        agent {\n          agentId\n          displayName\n        }\n        reason\n        detail\n      }\n    }\n  }\n": types.RoutePreviewDocument,
    "\n  fragment VoicemailFields on Voicemail {\n    id\n    from\n    to\n    durationSeconds\n    audioUrl\n    recordingStatus\n    transcription\n    read\n    handled\n    createdAt\n  }\n": types.VoicemailFieldsFragmentDoc,
    "\n  query VoicemailAudio($id: ID!) {\n    voicemail(id: $id) {\n      id\n      audioUrl\n      recordingStatus\n      transcription\n    }\n  }\n": types.VoicemailAudioDocument,
    "\n  mutation MarkVoicemail($id: ID!, $read: Boolean, $handled: Boolean) {\n    markVoicemail(id: $id, read: $read, handled: $handled) {\n      id\n      read\n      handled\n    }\n  }\n": types.MarkVoicemailDocument,
    "\n  query Voicemails($companyId: ID!) {\n    voicemails(companyId: $companyId, first: 50) {\n      ...VoicemailFields\n    }\n  }\n": types.VoicemailsDocument,
    "\n  subscription VoicemailReceived($companyId: ID!) {\n    voicemailReceived(companyId: $companyId) {\n      ...VoicemailFields\n    }\n  }\n": types.VoicemailReceivedDocument,
    "\n  fragment CompanyStatsFields on CompanyStats {\n    at\n    agents {\n      available\n      onCall\n      ringing\n      onBreak\n      wrapUp\n      offline\n      total\n    }\n    callsWaiting\n    callsRinging\n    callsActive\n    longestWaitSeconds\n    answeredToday\n    missedToday\n    averageAnswerSeconds\n  }\n": types.CompanyStatsFieldsFragmentDoc,
    "\n  subscription CompanyStatsChanged($companyId: ID!) {\n    companyStatsChanged(companyId: $companyId) {\n      ...CompanyStatsFields\n    }\n  }\n": types.CompanyStatsChangedDocument,
    "\n  fragment CompanyQueuesFields on CompanyQueuesView {\n    at\n    queues {\n      queueId\n      name\n      waiting\n      callbacks\n      longestWaitSeconds\n      estimatedWaitSeconds\n      offered\n      serviceLevel\n      abandonRate\n    }\n    waiting {\n      callSid\n      queueId\n      from\n      state\n      position\n      estimatedWaitSeconds\n      language\n      callbackRequested\n      offeredToAgentId\n      enqueuedAt\n    }\n  }\n": types.CompanyQueuesFieldsFragmentDoc,
    "\n  subscription QueuesChanged($companyId: ID!) {\n    queuesChanged(companyId: $companyId) {\n      ...CompanyQueuesFields\n    }\n  }\n": types.QueuesChangedDocument,
    "\n  query BoardPhoneNumbers($companyId: ID!) {\n    company(id: $companyId) {\n      id\n      phoneNumbers {\n        id\n        e164\n        label\n      }\n    }\n  }\n": types.BoardPhoneNumbersDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Viewer {\n    viewer {\n      role\n      companyId\n      agentId\n    }\n  }\n"): typeof import('./graphql.js').ViewerDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Softphone {\n    softphone {\n      agentId\n      companyId\n      displayName\n      sipUsername\n      telnyxConfigured\n      loginToken\n      websocketHost\n      heartbeatIntervalMs\n      registrationRequired\n      message\n      breakReasons\n    }\n  }\n"): typeof import('./graphql.js').SoftphoneDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Heartbeat($input: HeartbeatInput!) {\n    heartbeat(input: $input) {\n      nextHeartbeatInMs\n      leaseExpiresAt\n      presence {\n        agentId\n        online\n        sipRegistered\n        status\n        statusReason\n        callState\n      }\n    }\n  }\n"): typeof import('./graphql.js').HeartbeatDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReportCallState($input: CallStateInput!) {\n    reportCallState(input: $input) {\n      agentId\n      online\n      status\n      statusReason\n    }\n  }\n"): typeof import('./graphql.js').ReportCallStateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetAgentStatus($input: SetAgentStatusInput!) {\n    setAgentStatus(input: $input) {\n      agentId\n      status\n      statusReason\n      online\n    }\n  }\n"): typeof import('./graphql.js').SetAgentStatusDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription PresenceChanged($companyId: ID!) {\n    presenceChanged(companyId: $companyId) {\n      at\n      cause\n      snapshot\n      presence {\n        agentId\n        displayName\n        sipUsername\n        online\n        sipRegistered\n        status\n        statusReason\n        lastSeen\n        callState\n        activeCalls\n      }\n    }\n  }\n"): typeof import('./graphql.js').PresenceChangedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment BoardRouting on RoutingConfig {\n    mode\n    ringTimeoutSeconds\n    fallbackKind\n    fallbackNumber\n    allowUnregisteredSoftphones\n  }\n"): typeof import('./graphql.js').BoardRoutingFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BoardCompany($companyId: ID!) {\n    company(id: $companyId) {\n      id\n      name\n      timeZone\n      breakReasons\n      routing {\n        ...BoardRouting\n      }\n    }\n  }\n"): typeof import('./graphql.js').BoardCompanyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateRoutingConfig($companyId: ID!, $input: RoutingConfigInput!) {\n    updateRoutingConfig(companyId: $companyId, input: $input) {\n      ...BoardRouting\n    }\n  }\n"): typeof import('./graphql.js').UpdateRoutingConfigDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RoutePreview($companyId: ID!) {\n    routePreview(companyId: $companyId) {\n      at\n      decision\n      fallback\n      fallbackReason\n      queue {\n        queueName\n        decision\n        position\n        estimatedWaitSeconds\n      }\n      ringTimeoutSeconds\n      targets {\n        agentId\n        displayName\n      }\n      skipped {\n        agent {\n          agentId\n          displayName\n        }\n        reason\n        detail\n      }\n    }\n  }\n"): typeof import('./graphql.js').RoutePreviewDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment VoicemailFields on Voicemail {\n    id\n    from\n    to\n    durationSeconds\n    audioUrl\n    recordingStatus\n    transcription\n    read\n    handled\n    createdAt\n  }\n"): typeof import('./graphql.js').VoicemailFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query VoicemailAudio($id: ID!) {\n    voicemail(id: $id) {\n      id\n      audioUrl\n      recordingStatus\n      transcription\n    }\n  }\n"): typeof import('./graphql.js').VoicemailAudioDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MarkVoicemail($id: ID!, $read: Boolean, $handled: Boolean) {\n    markVoicemail(id: $id, read: $read, handled: $handled) {\n      id\n      read\n      handled\n    }\n  }\n"): typeof import('./graphql.js').MarkVoicemailDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Voicemails($companyId: ID!) {\n    voicemails(companyId: $companyId, first: 50) {\n      ...VoicemailFields\n    }\n  }\n"): typeof import('./graphql.js').VoicemailsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription VoicemailReceived($companyId: ID!) {\n    voicemailReceived(companyId: $companyId) {\n      ...VoicemailFields\n    }\n  }\n"): typeof import('./graphql.js').VoicemailReceivedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment CompanyStatsFields on CompanyStats {\n    at\n    agents {\n      available\n      onCall\n      ringing\n      onBreak\n      wrapUp\n      offline\n      total\n    }\n    callsWaiting\n    callsRinging\n    callsActive\n    longestWaitSeconds\n    answeredToday\n    missedToday\n    averageAnswerSeconds\n  }\n"): typeof import('./graphql.js').CompanyStatsFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription CompanyStatsChanged($companyId: ID!) {\n    companyStatsChanged(companyId: $companyId) {\n      ...CompanyStatsFields\n    }\n  }\n"): typeof import('./graphql.js').CompanyStatsChangedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment CompanyQueuesFields on CompanyQueuesView {\n    at\n    queues {\n      queueId\n      name\n      waiting\n      callbacks\n      longestWaitSeconds\n      estimatedWaitSeconds\n      offered\n      serviceLevel\n      abandonRate\n    }\n    waiting {\n      callSid\n      queueId\n      from\n      state\n      position\n      estimatedWaitSeconds\n      language\n      callbackRequested\n      offeredToAgentId\n      enqueuedAt\n    }\n  }\n"): typeof import('./graphql.js').CompanyQueuesFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription QueuesChanged($companyId: ID!) {\n    queuesChanged(companyId: $companyId) {\n      ...CompanyQueuesFields\n    }\n  }\n"): typeof import('./graphql.js').QueuesChangedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BoardPhoneNumbers($companyId: ID!) {\n    company(id: $companyId) {\n      id\n      phoneNumbers {\n        id\n        e164\n        label\n      }\n    }\n  }\n"): typeof import('./graphql.js').BoardPhoneNumbersDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
