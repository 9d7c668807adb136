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
    "\n  query Softphone {\n    softphone {\n      agentId\n      companyId\n      displayName\n      sipUsername\n      telnyxConfigured\n      loginToken\n      websocketHost\n      heartbeatIntervalMs\n      registrationRequired\n      message\n      breakReasons\n      callerIds\n      colleagues {\n        agentId\n        displayName\n      }\n      queues {\n        queueId\n        name\n      }\n    }\n  }\n": typeof types.SoftphoneDocument,
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
    "\n  fragment BoardReportFigures on CallReportFigures {\n    offered\n    answered\n    abandoned\n    serviceLevel\n  }\n": typeof types.BoardReportFiguresFragmentDoc,
    "\n  query BoardReport($companyId: ID!, $todayFrom: DateTime!, $todayTo: DateTime!, $yesterdayFrom: DateTime!) {\n    today: callReport(companyId: $companyId, from: $todayFrom, to: $todayTo, groupBy: HOUR) {\n      timeZone\n      rows(first: 25) {\n        key\n        label\n        start\n        figures {\n          ...BoardReportFigures\n        }\n      }\n      totals {\n        ...BoardReportFigures\n      }\n    }\n    yesterday: callReport(companyId: $companyId, from: $yesterdayFrom, to: $todayFrom, groupBy: DAY) {\n      totals {\n        ...BoardReportFigures\n      }\n    }\n    agents: callReport(companyId: $companyId, from: $todayFrom, to: $todayTo, groupBy: AGENT) {\n      rows(first: 200) {\n        key\n        label\n        figures {\n          answered\n          missedOffers\n          talkSeconds\n        }\n      }\n    }\n  }\n": typeof types.BoardReportDocument,
    "\n  fragment LiveCallFields on LiveCall {\n    callSid\n    from\n    to\n    state\n    startedAt\n    answeredAt\n    agentId\n    controllable\n    recording\n    parties {\n      label\n      role\n      agentId\n      number\n      status\n      held\n      muted\n      supervise\n      joinedAt\n    }\n  }\n": typeof types.LiveCallFieldsFragmentDoc,
    "\n  subscription LiveCallsChanged($companyId: ID!) {\n    liveCallsChanged(companyId: $companyId) {\n      at\n      calls {\n        ...LiveCallFields\n      }\n    }\n  }\n": typeof types.LiveCallsChangedDocument,
    "\n  mutation HoldCall($callSid: ID!) {\n    holdCall(callSid: $callSid) {\n      ...LiveCallFields\n    }\n  }\n": typeof types.HoldCallDocument,
    "\n  mutation ResumeCall($callSid: ID!) {\n    resumeCall(callSid: $callSid) {\n      ...LiveCallFields\n    }\n  }\n": typeof types.ResumeCallDocument,
    "\n  mutation TransferCall($callSid: ID!, $to: CallTargetInput!) {\n    transferCall(callSid: $callSid, to: $to) {\n      ...LiveCallFields\n    }\n  }\n": typeof types.TransferCallDocument,
    "\n  mutation ConsultCall($callSid: ID!, $to: CallTargetInput!) {\n    consultCall(callSid: $callSid, to: $to) {\n      ...LiveCallFields\n    }\n  }\n": typeof types.ConsultCallDocument,
    "\n  mutation CompleteTransfer($callSid: ID!) {\n    completeTransfer(callSid: $callSid) {\n      ...LiveCallFields\n    }\n  }\n": typeof types.CompleteTransferDocument,
    "\n  mutation CancelConsult($callSid: ID!) {\n    cancelConsult(callSid: $callSid) {\n      ...LiveCallFields\n    }\n  }\n": typeof types.CancelConsultDocument,
    "\n  mutation MergeCall($callSid: ID!) {\n    mergeCall(callSid: $callSid) {\n      ...LiveCallFields\n    }\n  }\n": typeof types.MergeCallDocument,
    "\n  mutation AddParticipant($callSid: ID!, $to: CallTargetInput!) {\n    addParticipant(callSid: $callSid, to: $to) {\n      ...LiveCallFields\n    }\n  }\n": typeof types.AddParticipantDocument,
    "\n  mutation DropParticipant($callSid: ID!, $label: String!) {\n    dropParticipant(callSid: $callSid, label: $label) {\n      ...LiveCallFields\n    }\n  }\n": typeof types.DropParticipantDocument,
    "\n  mutation HangUpCall($callSid: ID!) {\n    hangUpCall(callSid: $callSid) {\n      callSid\n      state\n    }\n  }\n": typeof types.HangUpCallDocument,
    "\n  mutation RecordCall($callSid: ID!, $action: CallRecordingAction!) {\n    recordCall(callSid: $callSid, action: $action) {\n      ...LiveCallFields\n    }\n  }\n": typeof types.RecordCallDocument,
    "\n  mutation SuperviseCall($callSid: ID!, $mode: SuperviseMode!, $softphoneAgentId: ID!) {\n    superviseCall(callSid: $callSid, mode: $mode, softphoneAgentId: $softphoneAgentId) {\n      ...LiveCallFields\n    }\n  }\n": typeof types.SuperviseCallDocument,
    "\n  mutation StopSupervising($callSid: ID!, $softphoneAgentId: ID!) {\n    stopSupervising(callSid: $callSid, softphoneAgentId: $softphoneAgentId) {\n      ...LiveCallFields\n    }\n  }\n": typeof types.StopSupervisingDocument,
    "\n  mutation StartCall($input: StartCallInput!) {\n    startCall(input: $input) {\n      ...LiveCallFields\n    }\n  }\n": typeof types.StartCallDocument,
    "\n  query BoardMissedCalls($companyId: ID!, $from: String!) {\n    calls(companyId: $companyId, first: 20, filter: { outcome: \"ABANDONED\", direction: \"inbound\", from: $from }) {\n      nodes {\n        callSid\n        from\n        to\n        startedAt\n        waitSeconds\n      }\n    }\n  }\n": typeof types.BoardMissedCallsDocument,
};
const documents: Documents = {
    "\n  query Viewer {\n    viewer {\n      role\n      companyId\n      agentId\n    }\n  }\n": types.ViewerDocument,
    "\n  query Softphone {\n    softphone {\n      agentId\n      companyId\n      displayName\n      sipUsername\n      telnyxConfigured\n      loginToken\n      websocketHost\n      heartbeatIntervalMs\n      registrationRequired\n      message\n      breakReasons\n      callerIds\n      colleagues {\n        agentId\n        displayName\n      }\n      queues {\n        queueId\n        name\n      }\n    }\n  }\n": types.SoftphoneDocument,
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
    "\n  fragment BoardReportFigures on CallReportFigures {\n    offered\n    answered\n    abandoned\n    serviceLevel\n  }\n": types.BoardReportFiguresFragmentDoc,
    "\n  query BoardReport($companyId: ID!, $todayFrom: DateTime!, $todayTo: DateTime!, $yesterdayFrom: DateTime!) {\n    today: callReport(companyId: $companyId, from: $todayFrom, to: $todayTo, groupBy: HOUR) {\n      timeZone\n      rows(first: 25) {\n        key\n        label\n        start\n        figures {\n          ...BoardReportFigures\n        }\n      }\n      totals {\n        ...BoardReportFigures\n      }\n    }\n    yesterday: callReport(companyId: $companyId, from: $yesterdayFrom, to: $todayFrom, groupBy: DAY) {\n      totals {\n        ...BoardReportFigures\n      }\n    }\n    agents: callReport(companyId: $companyId, from: $todayFrom, to: $todayTo, groupBy: AGENT) {\n      rows(first: 200) {\n        key\n        label\n        figures {\n          answered\n          missedOffers\n          talkSeconds\n        }\n      }\n    }\n  }\n": types.BoardReportDocument,
    "\n  fragment LiveCallFields on LiveCall {\n    callSid\n    from\n    to\n    state\n    startedAt\n    answeredAt\n    agentId\n    controllable\n    recording\n    parties {\n      label\n      role\n      agentId\n      number\n      status\n      held\n      muted\n      supervise\n      joinedAt\n    }\n  }\n": types.LiveCallFieldsFragmentDoc,
    "\n  subscription LiveCallsChanged($companyId: ID!) {\n    liveCallsChanged(companyId: $companyId) {\n      at\n      calls {\n        ...LiveCallFields\n      }\n    }\n  }\n": types.LiveCallsChangedDocument,
    "\n  mutation HoldCall($callSid: ID!) {\n    holdCall(callSid: $callSid) {\n      ...LiveCallFields\n    }\n  }\n": types.HoldCallDocument,
    "\n  mutation ResumeCall($callSid: ID!) {\n    resumeCall(callSid: $callSid) {\n      ...LiveCallFields\n    }\n  }\n": types.ResumeCallDocument,
    "\n  mutation TransferCall($callSid: ID!, $to: CallTargetInput!) {\n    transferCall(callSid: $callSid, to: $to) {\n      ...LiveCallFields\n    }\n  }\n": types.TransferCallDocument,
    "\n  mutation ConsultCall($callSid: ID!, $to: CallTargetInput!) {\n    consultCall(callSid: $callSid, to: $to) {\n      ...LiveCallFields\n    }\n  }\n": types.ConsultCallDocument,
    "\n  mutation CompleteTransfer($callSid: ID!) {\n    completeTransfer(callSid: $callSid) {\n      ...LiveCallFields\n    }\n  }\n": types.CompleteTransferDocument,
    "\n  mutation CancelConsult($callSid: ID!) {\n    cancelConsult(callSid: $callSid) {\n      ...LiveCallFields\n    }\n  }\n": types.CancelConsultDocument,
    "\n  mutation MergeCall($callSid: ID!) {\n    mergeCall(callSid: $callSid) {\n      ...LiveCallFields\n    }\n  }\n": types.MergeCallDocument,
    "\n  mutation AddParticipant($callSid: ID!, $to: CallTargetInput!) {\n    addParticipant(callSid: $callSid, to: $to) {\n      ...LiveCallFields\n    }\n  }\n": types.AddParticipantDocument,
    "\n  mutation DropParticipant($callSid: ID!, $label: String!) {\n    dropParticipant(callSid: $callSid, label: $label) {\n      ...LiveCallFields\n    }\n  }\n": types.DropParticipantDocument,
    "\n  mutation HangUpCall($callSid: ID!) {\n    hangUpCall(callSid: $callSid) {\n      callSid\n      state\n    }\n  }\n": types.HangUpCallDocument,
    "\n  mutation RecordCall($callSid: ID!, $action: CallRecordingAction!) {\n    recordCall(callSid: $callSid, action: $action) {\n      ...LiveCallFields\n    }\n  }\n": types.RecordCallDocument,
    "\n  mutation SuperviseCall($callSid: ID!, $mode: SuperviseMode!, $softphoneAgentId: ID!) {\n    superviseCall(callSid: $callSid, mode: $mode, softphoneAgentId: $softphoneAgentId) {\n      ...LiveCallFields\n    }\n  }\n": types.SuperviseCallDocument,
    "\n  mutation StopSupervising($callSid: ID!, $softphoneAgentId: ID!) {\n    stopSupervising(callSid: $callSid, softphoneAgentId: $softphoneAgentId) {\n      ...LiveCallFields\n    }\n  }\n": types.StopSupervisingDocument,
    "\n  mutation StartCall($input: StartCallInput!) {\n    startCall(input: $input) {\n      ...LiveCallFields\n    }\n  }\n": types.StartCallDocument,
    "\n  query BoardMissedCalls($companyId: ID!, $from: String!) {\n    calls(companyId: $companyId, first: 20, filter: { outcome: \"ABANDONED\", direction: \"inbound\", from: $from }) {\n      nodes {\n        callSid\n        from\n        to\n        startedAt\n        waitSeconds\n      }\n    }\n  }\n": types.BoardMissedCallsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Viewer {\n    viewer {\n      role\n      companyId\n      agentId\n    }\n  }\n"): typeof import('./graphql.js').ViewerDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Softphone {\n    softphone {\n      agentId\n      companyId\n      displayName\n      sipUsername\n      telnyxConfigured\n      loginToken\n      websocketHost\n      heartbeatIntervalMs\n      registrationRequired\n      message\n      breakReasons\n      callerIds\n      colleagues {\n        agentId\n        displayName\n      }\n      queues {\n        queueId\n        name\n      }\n    }\n  }\n"): typeof import('./graphql.js').SoftphoneDocument;
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
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment BoardReportFigures on CallReportFigures {\n    offered\n    answered\n    abandoned\n    serviceLevel\n  }\n"): typeof import('./graphql.js').BoardReportFiguresFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BoardReport($companyId: ID!, $todayFrom: DateTime!, $todayTo: DateTime!, $yesterdayFrom: DateTime!) {\n    today: callReport(companyId: $companyId, from: $todayFrom, to: $todayTo, groupBy: HOUR) {\n      timeZone\n      rows(first: 25) {\n        key\n        label\n        start\n        figures {\n          ...BoardReportFigures\n        }\n      }\n      totals {\n        ...BoardReportFigures\n      }\n    }\n    yesterday: callReport(companyId: $companyId, from: $yesterdayFrom, to: $todayFrom, groupBy: DAY) {\n      totals {\n        ...BoardReportFigures\n      }\n    }\n    agents: callReport(companyId: $companyId, from: $todayFrom, to: $todayTo, groupBy: AGENT) {\n      rows(first: 200) {\n        key\n        label\n        figures {\n          answered\n          missedOffers\n          talkSeconds\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.js').BoardReportDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment LiveCallFields on LiveCall {\n    callSid\n    from\n    to\n    state\n    startedAt\n    answeredAt\n    agentId\n    controllable\n    recording\n    parties {\n      label\n      role\n      agentId\n      number\n      status\n      held\n      muted\n      supervise\n      joinedAt\n    }\n  }\n"): typeof import('./graphql.js').LiveCallFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveCallsChanged($companyId: ID!) {\n    liveCallsChanged(companyId: $companyId) {\n      at\n      calls {\n        ...LiveCallFields\n      }\n    }\n  }\n"): typeof import('./graphql.js').LiveCallsChangedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation HoldCall($callSid: ID!) {\n    holdCall(callSid: $callSid) {\n      ...LiveCallFields\n    }\n  }\n"): typeof import('./graphql.js').HoldCallDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResumeCall($callSid: ID!) {\n    resumeCall(callSid: $callSid) {\n      ...LiveCallFields\n    }\n  }\n"): typeof import('./graphql.js').ResumeCallDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation TransferCall($callSid: ID!, $to: CallTargetInput!) {\n    transferCall(callSid: $callSid, to: $to) {\n      ...LiveCallFields\n    }\n  }\n"): typeof import('./graphql.js').TransferCallDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsultCall($callSid: ID!, $to: CallTargetInput!) {\n    consultCall(callSid: $callSid, to: $to) {\n      ...LiveCallFields\n    }\n  }\n"): typeof import('./graphql.js').ConsultCallDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CompleteTransfer($callSid: ID!) {\n    completeTransfer(callSid: $callSid) {\n      ...LiveCallFields\n    }\n  }\n"): typeof import('./graphql.js').CompleteTransferDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelConsult($callSid: ID!) {\n    cancelConsult(callSid: $callSid) {\n      ...LiveCallFields\n    }\n  }\n"): typeof import('./graphql.js').CancelConsultDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MergeCall($callSid: ID!) {\n    mergeCall(callSid: $callSid) {\n      ...LiveCallFields\n    }\n  }\n"): typeof import('./graphql.js').MergeCallDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddParticipant($callSid: ID!, $to: CallTargetInput!) {\n    addParticipant(callSid: $callSid, to: $to) {\n      ...LiveCallFields\n    }\n  }\n"): typeof import('./graphql.js').AddParticipantDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DropParticipant($callSid: ID!, $label: String!) {\n    dropParticipant(callSid: $callSid, label: $label) {\n      ...LiveCallFields\n    }\n  }\n"): typeof import('./graphql.js').DropParticipantDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation HangUpCall($callSid: ID!) {\n    hangUpCall(callSid: $callSid) {\n      callSid\n      state\n    }\n  }\n"): typeof import('./graphql.js').HangUpCallDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RecordCall($callSid: ID!, $action: CallRecordingAction!) {\n    recordCall(callSid: $callSid, action: $action) {\n      ...LiveCallFields\n    }\n  }\n"): typeof import('./graphql.js').RecordCallDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SuperviseCall($callSid: ID!, $mode: SuperviseMode!, $softphoneAgentId: ID!) {\n    superviseCall(callSid: $callSid, mode: $mode, softphoneAgentId: $softphoneAgentId) {\n      ...LiveCallFields\n    }\n  }\n"): typeof import('./graphql.js').SuperviseCallDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StopSupervising($callSid: ID!, $softphoneAgentId: ID!) {\n    stopSupervising(callSid: $callSid, softphoneAgentId: $softphoneAgentId) {\n      ...LiveCallFields\n    }\n  }\n"): typeof import('./graphql.js').StopSupervisingDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StartCall($input: StartCallInput!) {\n    startCall(input: $input) {\n      ...LiveCallFields\n    }\n  }\n"): typeof import('./graphql.js').StartCallDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BoardMissedCalls($companyId: ID!, $from: String!) {\n    calls(companyId: $companyId, first: 20, filter: { outcome: \"ABANDONED\", direction: \"inbound\", from: $from }) {\n      nodes {\n        callSid\n        from\n        to\n        startedAt\n        waitSeconds\n      }\n    }\n  }\n"): typeof import('./graphql.js').BoardMissedCallsDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
