/**
 * What an agent's softphone needs to start: whether Telnyx is configured, a freshly minted login
 * token (never the API key or a SIP password), where to connect, how often to heartbeat, and a plain
 * sentence when something is missing. The decision is pure; minting is the only I/O.
 */
import type { Config } from '../config.js';
import { mintLoginToken, type MintResult } from './credentials.js';

export interface SoftphoneSetup {
  agentId: string;
  companyId: string;
  displayName: string;
  sipUsername: string;
  telnyxConfigured: boolean;
  loginToken: string | null;
  websocketHost: string | null;
  heartbeatIntervalMs: number;
  registrationRequired: boolean;
  message: string | null;
}

export interface SoftphoneAgent {
  id: string;
  companyId: string;
  displayName: string;
  sipUsername: string;
  telnyxCredentialId: string | null;
}

type TelnyxConfig = Pick<Config, 'telnyxApiKey' | 'telnyxApiBaseUrl' | 'telnyxWebrtcHost' | 'heartbeatIntervalMs'>;

export async function softphoneSetup(
  config: TelnyxConfig,
  agent: SoftphoneAgent,
  allowUnregistered: boolean,
  mint: (credentialId: string) => Promise<MintResult> = (credentialId) =>
    mintLoginToken({ apiKey: config.telnyxApiKey!, baseUrl: config.telnyxApiBaseUrl, credentialId }),
): Promise<SoftphoneSetup> {
  const minted = config.telnyxApiKey && agent.telnyxCredentialId ? await mint(agent.telnyxCredentialId) : null;
  return describeSoftphone(config, agent, allowUnregistered, minted);
}

/** The pure decision: `minted` is null when no token was asked for (no API key or no credential). */
export function describeSoftphone(
  config: TelnyxConfig,
  agent: SoftphoneAgent,
  allowUnregistered: boolean,
  minted: MintResult | null,
): SoftphoneSetup {
  const telnyxConfigured = !!config.telnyxApiKey && !!agent.telnyxCredentialId;
  const presenceNote = allowUnregistered
    ? 'You still show as online: your company allows unregistered softphones (demo mode).'
    : 'Your company requires a registered softphone, so you show as offline until this is fixed.';
  const problem = !config.telnyxApiKey
    ? 'Telnyx is not configured on this server (no TELNYX_API_KEY), so calls cannot ring this softphone.'
    : !agent.telnyxCredentialId
      ? 'No Telnyx credential is assigned to you yet (an admin links one with linkAgentCredential, or the server provisions one), so calls cannot ring this softphone.'
      : minted && !minted.ok
        ? minted.message
        : null;
  return {
    agentId: agent.id,
    companyId: agent.companyId,
    displayName: agent.displayName,
    sipUsername: agent.sipUsername,
    telnyxConfigured,
    loginToken: minted?.ok ? minted.token : null,
    websocketHost: telnyxConfigured ? (config.telnyxWebrtcHost ?? null) : null,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    registrationRequired: !allowUnregistered,
    message: problem ? `${problem} ${presenceNote}` : null,
  };
}
