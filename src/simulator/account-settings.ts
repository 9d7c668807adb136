/**
 * The simulated account's setup, as the portal shows it: its one TeXML application, its one credential
 * connection (where telephony credentials live) and its outbound voice profiles. The REST API serves
 * them (`GET /v2/texml_applications/:id`, `/v2/credential_connections/:id`,
 * `/v2/outbound_voice_profiles/:id`), and tests change them in place to stage a misconfigured account.
 *
 * Telnyx gives every connection its own id; here the TeXML application and the credential connection
 * share the account's `connectionId` (inferred simplification: every id check of the simulator names
 * "the account's connection", see rest-api.ts), while outbound voice profiles have ids of their own.
 */
import type { Clock } from '../domain/clock.js';

export type ApiHttpMethod = 'GET' | 'POST';

/** developers.telnyx.com/api-reference/texml-applications/retrieve-a-texml-application */
export interface SimTexmlApplication {
  id: string;
  friendlyName: string;
  active: boolean;
  /** The portal's "Webhook URL" (voice_url); empty until set. */
  voiceUrl: string;
  /** "Voice Method"; Telnyx's documented default is GET. */
  voiceMethod: ApiHttpMethod;
  /** "Webhook Failover URL" (voice_fallback_url). */
  voiceFallbackUrl: string | null;
  /** "Call progress events URL" (status_callback). */
  statusCallback: string | null;
  statusCallbackMethod: ApiHttpMethod;
  /** outbound.outbound_voice_profile_id. */
  outboundVoiceProfileId: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * "Receive SIP URI calls": disabled (Telnyx's default: "SIP URI calling is disabled by default and must be
 * explicitly enabled for each connection", developers.telnyx.com/docs/voice/sip-trunking/features/sip-uri-calling),
 * unrestricted (from anyone) or internal (from the account's own connections).
 */
export type SipUriCallingPreference = 'disabled' | 'unrestricted' | 'internal';

/** developers.telnyx.com/api-reference/credential-connections/retrieve-a-credential-connection */
export interface SimCredentialConnection {
  id: string;
  connectionName: string;
  active: boolean;
  userName: string;
  sipUriCallingPreference: SipUriCallingPreference;
  outboundVoiceProfileId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** developers.telnyx.com/api-reference/outbound-voice-profiles/retrieve-an-outbound-voice-profile */
export interface SimOutboundVoiceProfile {
  id: string;
  name: string;
  /** "Disabled profiles will result in outbound calls being blocked for the associated Connections." */
  enabled: boolean;
  /** ISO alpha-2 countries; a new profile allows the United States and Canada (call-center tutorial, step 7). */
  whitelistedDestinations: string[];
  createdAt: string;
  updatedAt: string;
}

export interface SimAccountSettings {
  texmlApplication: SimTexmlApplication;
  credentialConnection: SimCredentialConnection;
  /** By id. */
  outboundVoiceProfiles: Map<string, SimOutboundVoiceProfile>;
}

/** What the TeXML application starts with (LocalTelnyxOptions.application). */
export interface InitialApplication {
  voiceUrl: string;
  voiceMethod: ApiHttpMethod;
  statusCallback?: string;
  statusCallbackMethod?: ApiHttpMethod;
}

/**
 * An account set up as README "With Telnyx" says, so the demo and tests ring agents: SIP URI calls from
 * the account's connections, one enabled outbound voice profile on both connections. The application's
 * URLs are the ones the simulator was started with (none: empty, and GET, Telnyx's defaults).
 */
export function configuredAccount(input: { connectionId: string; clock: Clock; application?: InitialApplication }): SimAccountSettings {
  const now = new Date(input.clock.now()).toISOString();
  const profileId = String(2_000_000_000 + Math.floor(Math.random() * 1_000_000_000));
  const app = input.application;
  return {
    texmlApplication: {
      id: input.connectionId,
      friendlyName: 'local-telnyx',
      active: true,
      voiceUrl: app?.voiceUrl ?? '',
      voiceMethod: app?.voiceMethod ?? 'GET',
      voiceFallbackUrl: null,
      statusCallback: app?.statusCallback ?? null,
      statusCallbackMethod: app?.statusCallbackMethod ?? 'POST',
      outboundVoiceProfileId: profileId,
      createdAt: now,
      updatedAt: now,
    },
    credentialConnection: {
      id: input.connectionId,
      connectionName: 'local-telnyx agents',
      active: true,
      userName: 'localtelnyxagents',
      sipUriCallingPreference: 'internal',
      outboundVoiceProfileId: profileId,
      createdAt: now,
      updatedAt: now,
    },
    outboundVoiceProfiles: new Map([
      [
        profileId,
        { id: profileId, name: 'local-telnyx', enabled: true, whitelistedDestinations: ['US', 'CA'], createdAt: now, updatedAt: now },
      ],
    ]),
  };
}
