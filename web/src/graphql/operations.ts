// The operations the softphone and the supervisor board use, typed by codegen (web/src/gql).
import { graphql } from '../gql';

export const HeartbeatMutation = graphql(`
  mutation Heartbeat($input: HeartbeatInput!) {
    heartbeat(input: $input) {
      nextHeartbeatInMs
      leaseExpiresAt
      presence {
        agentId
        online
        status
        statusReason
      }
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
        online
        sipRegistered
        status
        statusReason
        lastSeen
        activeCalls
      }
    }
  }
`);

export const RoutePreviewQuery = graphql(`
  query RoutePreview($companyId: ID!) {
    routePreview(companyId: $companyId) {
      decision
      fallback
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
