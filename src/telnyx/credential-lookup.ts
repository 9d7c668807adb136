/**
 * Reads a telephony credential of the platform's Telnyx account: `GET /telephony_credentials/{id}`
 * answers 200 with the credential (its generated `sip_username` among the fields), 404 when there is
 * none (https://developers.telnyx.com/api-reference/credentials/get-a-credential). Asked when an agent
 * is linked to a credential, so a typo or an id from elsewhere is refused before it is stored, and the
 * SIP username calls must dial is read from Telnyx rather than typed by hand.
 */
import { isDialableSipUsername, isTelnyxCredentialId } from '../domain/validation.js';
import { type CredentialRequest, DEFAULT_TIMEOUT_MS, unreachableMessage } from './credentials.js';

export type CredentialLookup =
  | { ok: true; sipUsername: string }
  | { ok: false; reason: 'NOT_FOUND' | 'UNUSABLE' | 'UNAVAILABLE'; message: string };

export async function lookupTelephonyCredential(req: CredentialRequest): Promise<CredentialLookup> {
  // Only a UUID ever goes into the path.
  if (!isTelnyxCredentialId(req.credentialId))
    return { ok: false, reason: 'NOT_FOUND', message: 'is not a Telnyx telephony credential id (a UUID)' };
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let status: number;
  let body: unknown = null;
  try {
    const res = await (req.fetch ?? fetch)(`${req.baseUrl}/telephony_credentials/${req.credentialId}`, {
      headers: { authorization: `Bearer ${req.apiKey}`, accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = res.status;
    if (status === 200) body = await res.json().catch(() => null);
    else await res.body?.cancel();
  } catch (err) {
    return { ok: false, reason: 'UNAVAILABLE', message: checkFailed(`${unreachableMessage(err, timeoutMs)}.`) };
  }
  return interpretCredentialLookup(status, body);
}

/** The pure half: what Telnyx's answer (status, and the JSON body of a 200) means for linking the credential. */
export function interpretCredentialLookup(status: number, body: unknown = null): CredentialLookup {
  if (status === 200) {
    const data = (body as { data?: { sip_username?: unknown; expired?: unknown } } | null)?.data;
    const sipUsername = typeof data?.sip_username === 'string' ? data.sip_username : null;
    if (!sipUsername)
      return { ok: false, reason: 'UNAVAILABLE', message: checkFailed("Telnyx answered without the credential's SIP username.") };
    // An expired credential is terminal: it mints no login token and can only be deleted (Telnyx's telephony credentials page).
    if (data?.expired === true)
      return { ok: false, reason: 'UNUSABLE', message: 'this Telnyx credential has expired: create or provision another' };
    if (!isDialableSipUsername(sipUsername)) {
      return {
        ok: false,
        reason: 'UNUSABLE',
        message: `this credential's SIP username "${sipUsername.slice(0, 70)}" cannot be dialed: Telnyx SIP URIs must begin with a letter`,
      };
    }
    return { ok: true, sipUsername };
  }
  if (status === 404) return { ok: false, reason: 'NOT_FOUND', message: 'Telnyx has no telephony credential with this id (HTTP 404)' };
  if (status === 401 || status === 403) {
    return {
      ok: false,
      reason: 'UNAVAILABLE',
      message: checkFailed(`Telnyx refused the server's API key (HTTP ${status}); check TELNYX_API_KEY.`),
    };
  }
  return { ok: false, reason: 'UNAVAILABLE', message: checkFailed(`Telnyx could not be asked (HTTP ${status}).`) };
}

function checkFailed(why: string): string {
  return `the credential could not be checked with Telnyx, so nothing was saved: ${why} Try again.`;
}
