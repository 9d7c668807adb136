// The operations the softphone and the supervisor board use, typed by codegen (web/src/gql).
import { graphql } from '../gql/index.js';

export const ViewerQuery = graphql(`
  query Viewer {
    viewer {
      role
      companyId
      agentId
    }
  }
`);

export const SoftphoneQuery = graphql(`
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
`);

export const HeartbeatMutation = graphql(`
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
`);

export const ReportCallStateMutation = graphql(`
  mutation ReportCallState($input: CallStateInput!) {
    reportCallState(input: $input) {
      agentId
      online
      status
      statusReason
    }
  }
`);

export const SetAgentStatusMutation = graphql(`
  mutation SetAgentStatus($input: SetAgentStatusInput!) {
    setAgentStatus(input: $input) {
      agentId
      status
      statusReason
      online
    }
  }
`);

export const PresenceChangedSubscription = graphql(`
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
`);

export const BoardRoutingFragment = graphql(`
  fragment BoardRouting on RoutingConfig {
    mode
    ringTimeoutSeconds
    fallbackKind
    fallbackNumber
    allowUnregisteredSoftphones
  }
`);

export const BoardCompanyQuery = graphql(`
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
`);

export const UpdateRoutingConfigMutation = graphql(`
  mutation UpdateRoutingConfig($companyId: ID!, $input: RoutingConfigInput!) {
    updateRoutingConfig(companyId: $companyId, input: $input) {
      ...BoardRouting
    }
  }
`);

export const RoutePreviewQuery = graphql(`
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
`);

export const VoicemailFieldsFragment = graphql(`
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
`);

/** A fresh signed link to a voicemail's audio (they live 15 minutes), asked for when it is played. */
export const VoicemailAudioQuery = graphql(`
  query VoicemailAudio($id: ID!) {
    voicemail(id: $id) {
      id
      audioUrl
      recordingStatus
      transcription
    }
  }
`);

export const MarkVoicemailMutation = graphql(`
  mutation MarkVoicemail($id: ID!, $read: Boolean, $handled: Boolean) {
    markVoicemail(id: $id, read: $read, handled: $handled) {
      id
      read
      handled
    }
  }
`);

export const VoicemailsQuery = graphql(`
  query Voicemails($companyId: ID!) {
    voicemails(companyId: $companyId, first: 50) {
      ...VoicemailFields
    }
  }
`);

export const VoicemailReceivedSubscription = graphql(`
  subscription VoicemailReceived($companyId: ID!) {
    voicemailReceived(companyId: $companyId) {
      ...VoicemailFields
    }
  }
`);

export const CompanyStatsFieldsFragment = graphql(`
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
`);

export const CompanyStatsChangedSubscription = graphql(`
  subscription CompanyStatsChanged($companyId: ID!) {
    companyStatsChanged(companyId: $companyId) {
      ...CompanyStatsFields
    }
  }
`);

export const CompanyQueuesFieldsFragment = graphql(`
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
`);

export const QueuesChangedSubscription = graphql(`
  subscription QueuesChanged($companyId: ID!) {
    queuesChanged(companyId: $companyId) {
      ...CompanyQueuesFields
    }
  }
`);

export const BoardPhoneNumbersQuery = graphql(`
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
`);

export const BoardReportFiguresFragment = graphql(`
  fragment BoardReportFigures on CallReportFigures {
    offered
    answered
    abandoned
    serviceLevel
  }
`);

/** The board's reports view: today by the local hour, yesterday's totals, today by agent (one request). */
export const BoardReportQuery = graphql(`
  query BoardReport($companyId: ID!, $todayFrom: DateTime!, $todayTo: DateTime!, $yesterdayFrom: DateTime!) {
    today: callReport(companyId: $companyId, from: $todayFrom, to: $todayTo, groupBy: HOUR) {
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
    yesterday: callReport(companyId: $companyId, from: $yesterdayFrom, to: $todayFrom, groupBy: DAY) {
      totals {
        ...BoardReportFigures
      }
    }
    agents: callReport(companyId: $companyId, from: $todayFrom, to: $todayTo, groupBy: AGENT) {
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
`);

export const LiveCallFieldsFragment = graphql(`
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
`);

export const LiveCallsChangedSubscription = graphql(`
  subscription LiveCallsChanged($companyId: ID!) {
    liveCallsChanged(companyId: $companyId) {
      at
      calls {
        ...LiveCallFields
      }
    }
  }
`);

export const HoldCallMutation = graphql(`
  mutation HoldCall($callSid: ID!) {
    holdCall(callSid: $callSid) {
      ...LiveCallFields
    }
  }
`);

export const ResumeCallMutation = graphql(`
  mutation ResumeCall($callSid: ID!) {
    resumeCall(callSid: $callSid) {
      ...LiveCallFields
    }
  }
`);

export const TransferCallMutation = graphql(`
  mutation TransferCall($callSid: ID!, $to: CallTargetInput!) {
    transferCall(callSid: $callSid, to: $to) {
      ...LiveCallFields
    }
  }
`);

export const ConsultCallMutation = graphql(`
  mutation ConsultCall($callSid: ID!, $to: CallTargetInput!) {
    consultCall(callSid: $callSid, to: $to) {
      ...LiveCallFields
    }
  }
`);

export const CompleteTransferMutation = graphql(`
  mutation CompleteTransfer($callSid: ID!) {
    completeTransfer(callSid: $callSid) {
      ...LiveCallFields
    }
  }
`);

export const CancelConsultMutation = graphql(`
  mutation CancelConsult($callSid: ID!) {
    cancelConsult(callSid: $callSid) {
      ...LiveCallFields
    }
  }
`);

export const MergeCallMutation = graphql(`
  mutation MergeCall($callSid: ID!) {
    mergeCall(callSid: $callSid) {
      ...LiveCallFields
    }
  }
`);

export const AddParticipantMutation = graphql(`
  mutation AddParticipant($callSid: ID!, $to: CallTargetInput!) {
    addParticipant(callSid: $callSid, to: $to) {
      ...LiveCallFields
    }
  }
`);

export const DropParticipantMutation = graphql(`
  mutation DropParticipant($callSid: ID!, $label: String!) {
    dropParticipant(callSid: $callSid, label: $label) {
      ...LiveCallFields
    }
  }
`);

export const HangUpCallMutation = graphql(`
  mutation HangUpCall($callSid: ID!) {
    hangUpCall(callSid: $callSid) {
      callSid
      state
    }
  }
`);

export const RecordCallMutation = graphql(`
  mutation RecordCall($callSid: ID!, $action: CallRecordingAction!) {
    recordCall(callSid: $callSid, action: $action) {
      ...LiveCallFields
    }
  }
`);

export const SuperviseCallMutation = graphql(`
  mutation SuperviseCall($callSid: ID!, $mode: SuperviseMode!, $softphoneAgentId: ID!) {
    superviseCall(callSid: $callSid, mode: $mode, softphoneAgentId: $softphoneAgentId) {
      ...LiveCallFields
    }
  }
`);

export const StopSupervisingMutation = graphql(`
  mutation StopSupervising($callSid: ID!, $softphoneAgentId: ID!) {
    stopSupervising(callSid: $callSid, softphoneAgentId: $softphoneAgentId) {
      ...LiveCallFields
    }
  }
`);

export const StartCallMutation = graphql(`
  mutation StartCall($input: StartCallInput!) {
    startCall(input: $input) {
      ...LiveCallFields
    }
  }
`);

/** The board's missed calls: today's calls that hung up before anyone answered (newest first). */
export const BoardMissedCallsQuery = graphql(`
  query BoardMissedCalls($companyId: ID!, $from: String!) {
    calls(companyId: $companyId, first: 20, filter: { outcome: "ABANDONED", direction: "inbound", from: $from }) {
      nodes {
        callSid
        from
        to
        startedAt
        waitSeconds
      }
    }
  }
`);
