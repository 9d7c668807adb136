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
