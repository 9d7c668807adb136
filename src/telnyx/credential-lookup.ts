/**
 * Does a telephony credential exist on the platform's Telnyx account? `GET /telephony_credentials/{id}`
 * answers 200 with the credential, 404 when there is none. Asked when an agent is linked to a
 * credential, so a typo or an id from elsewhere is refused before it is stored.
 */
import { isTelnyxCredentialId } from '../domain/validation.js';
import { type CredentialRequest, DEFAULT_TIMEOUT_MS, unreachableMessage } from './credentials.js';

export type CredentialLookup = { ok: true } | { ok: false; reason: 'NOT_FOUND' | 'UNAVAILABLE'; message: string };

export async function lookupTelephonyCredential(req: CredentialRequest): Promise<CredentialLookup> {
  // Only a UUID ever goes into the path.
  if (!isTelnyxCredentialId(req.credentialId))
    return { ok: false, reason: 'NOT_FOUND', message: 'is not a Telnyx telephony credential id (a UUID)' };
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let status: number;
  try {
    const res = await (req.fetch ?? fetch)(`${req.baseUrl}/telephony_credentials/${req.credentialId}`, {
      headers: { authorization: `Bearer ${req.apiKey}`, accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = res.status;
    await res.body?.cancel();
  } catch (err) {
    return { ok: false, reason: 'UNAVAILABLE', message: checkFailed(`${unreachableMessage(err, timeoutMs)}.`) };
  }
  return interpretCredentialLookup(status);
}

/** The pure half: what Telnyx's answer means for linking the credential. */
export function interpretCredentialLookup(status: number): CredentialLookup {
  if (status === 200) return { ok: true };
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
