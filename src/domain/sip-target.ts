/**
 * Which SIP username a call to an agent dials (`<Sip>sip:<username>@sip.telnyx.com</Sip>`), or why
 * none can be trusted. Pure: the routing decision reads the answer from the agent's snapshot.
 *
 * With a Telnyx account (TELNYX_API_KEY), softphones log in with a JWT minted from the agent's
 * telephony credential, and such a client is reachable only at "the SIP user name on the parent
 * telephony credential" (https://developers.telnyx.com/docs/voice/webrtc/sdk-commonalities), a name
 * Telnyx generates (`gencred…`, https://developers.telnyx.com/api-reference/credentials/create-a-credential).
 * So the target is the credential's SIP username as read from Telnyx, never the free-text
 * `sipUsername`; an agent without one is not routable (ringing it would ring nobody). Without an
 * account (the quickstart, SIP phones) the agent's own `sipUsername` is dialed, as given.
 *
 * Either way a username Telnyx cannot dial by SIP URI (one that begins with a digit, see
 * `isDialableSipUsername`) is no target.
 */
import { isDialableSipUsername } from './validation.js';

/** Where an agent's target comes from: `credential` when softphones log in through Telnyx (TELNYX_API_KEY). */
export type SipTargetSource = 'own' | 'credential';

export interface AgentSipIdentity {
  /** The agent's own SIP username (the CRM's). */
  sipUsername: string;
  telnyxCredentialId: string | null;
  /** The credential's SIP username as Telnyx generated it, stored when the credential was created or linked. */
  telnyxSipUsername: string | null;
}

export type SipTargetProblem =
  /** Telnyx is configured and the agent has no credential. */
  | 'NO_CREDENTIAL'
  /** A credential is linked but its SIP username was never read (linked before provisioning existed). */
  | 'SIP_USERNAME_UNKNOWN'
  /** A credential SIP username is stored without the credential it belongs to. */
  | 'INCONSISTENT'
  /** The username cannot be dialed by SIP URI. */
  | 'NOT_DIALABLE';

export type SipTarget = { ok: true; sipUsername: string } | { ok: false; problem: SipTargetProblem; detail: string };

export function sipTargetOf(agent: AgentSipIdentity, source: SipTargetSource): SipTarget {
  if (source === 'own') return dialable(agent.sipUsername, 'its SIP username');
  const { telnyxCredentialId: credentialId, telnyxSipUsername: username } = agent;
  if (!credentialId && !username) {
    return problem('NO_CREDENTIAL', 'no Telnyx credential, so its softphone cannot be reached (provision one: reprovisionAgentCredential)');
  }
  if (!credentialId) {
    return problem('INCONSISTENT', `a credential SIP username (${username}) is stored without its credential: link the credential again`);
  }
  if (!username) {
    return problem(
      'SIP_USERNAME_UNKNOWN',
      "its Telnyx credential's SIP username is not known (linked before provisioning): link the credential again (linkAgentCredential)",
    );
  }
  return dialable(username, "its credential's SIP username");
}

function dialable(username: string, what: string): SipTarget {
  if (isDialableSipUsername(username)) return { ok: true, sipUsername: username };
  return problem('NOT_DIALABLE', `${what} "${username}" cannot be dialed: Telnyx SIP URIs must begin with a letter`);
}

function problem(kind: SipTargetProblem, detail: string): SipTarget {
  return { ok: false, problem: kind, detail };
}
