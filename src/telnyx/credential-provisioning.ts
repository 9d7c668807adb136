/**
 * Creating and revoking agents' telephony credentials on the platform's Telnyx account.
 *
 * - Create: `POST /telephony_credentials` with `connection_id` (required: the credential connection,
 *   TELNYX_CONNECTION_ID) and a `name`; answered 201 with the credential, whose `sip_username` Telnyx
 *   generates (`gencred…`) (https://developers.telnyx.com/api-reference/credentials/create-a-credential).
 * - Revoke: `DELETE /telephony_credentials/{id}`; "a client-side application's voice capabilities can
 *   be revoked by removing the corresponding credential", its login tokens with it
 *   (https://developers.telnyx.com/development/webrtc/auth/telephony-credentials,
 *   https://developers.telnyx.com/api-reference/credentials/delete-a-credential).
 *
 * Each call is a thin shell around a pure interpretation of Telnyx's answer.
 */
import { isDialableSipUsername, isTelnyxCredentialId } from '../domain/validation.js';
import { DEFAULT_TIMEOUT_MS, unreachableMessage } from './credentials.js';

/** The account the server acts on. */
export interface TelnyxAccount {
  apiKey: string;
  /** e.g. https://api.telnyx.com/v2 (no trailing slash). */
  baseUrl: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export type CreatedCredential =
  | { ok: true; credentialId: string; sipUsername: string }
  /** REFUSED: Telnyx will not create it as asked (a wrong connection id); UNAVAILABLE: try again later. */
  | { ok: false; reason: 'REFUSED' | 'UNAVAILABLE'; message: string };

export async function createTelephonyCredential(
  account: TelnyxAccount,
  input: { connectionId: string; name: string },
): Promise<CreatedCredential> {
  const timeoutMs = account.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let status: number;
  let body: unknown = null;
  try {
    const res = await (account.fetch ?? fetch)(`${account.baseUrl}/telephony_credentials`, {
      method: 'POST',
      headers: { authorization: `Bearer ${account.apiKey}`, accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ connection_id: input.connectionId, name: input.name }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = res.status;
    body = await res.json().catch(() => null);
  } catch (err) {
    return { ok: false, reason: 'UNAVAILABLE', message: notCreated(`${unreachableMessage(err, timeoutMs)}.`) };
  }
  return interpretCreatedCredential(status, body);
}

/** The pure half: what Telnyx's answer to the create means. */
export function interpretCreatedCredential(status: number, body: unknown): CreatedCredential {
  if (status === 200 || status === 201) {
    const data = (body as { data?: { id?: unknown; sip_username?: unknown } } | null)?.data;
    const id = typeof data?.id === 'string' ? data.id.toLowerCase() : '';
    const sipUsername = typeof data?.sip_username === 'string' ? data.sip_username : '';
    if (!isTelnyxCredentialId(id) || !sipUsername) {
      return { ok: false, reason: 'UNAVAILABLE', message: notCreated('Telnyx answered without the credential id or its SIP username.') };
    }
    // Telnyx generates gencred… names; anything else would be dialed at a URI Telnyx refuses.
    if (!isDialableSipUsername(sipUsername)) {
      return {
        ok: false,
        reason: 'REFUSED',
        message: notCreated(`Telnyx generated a SIP username ("${sipUsername.slice(0, 70)}") that cannot be dialed.`),
      };
    }
    return { ok: true, credentialId: id, sipUsername };
  }
  if (status === 401 || status === 403)
    return {
      ok: false,
      reason: 'UNAVAILABLE',
      message: notCreated(`Telnyx refused the server's API key (HTTP ${status}); check TELNYX_API_KEY.`),
    };
  if (status === 400 || status === 404 || status === 422) {
    return {
      ok: false,
      reason: 'REFUSED',
      message: notCreated(
        `Telnyx refused it (HTTP ${status}${detailOf(body)}); check TELNYX_CONNECTION_ID (a credential connection of the account).`,
      ),
    };
  }
  return { ok: false, reason: 'UNAVAILABLE', message: notCreated(`Telnyx could not be asked (HTTP ${status}).`) };
}

export type CredentialRevocation = { ok: true; alreadyGone: boolean } | { ok: false; message: string };

export async function deleteTelephonyCredential(account: TelnyxAccount, credentialId: string): Promise<CredentialRevocation> {
  // Only a UUID ever goes into the path; anything else was never a Telnyx credential (nothing to revoke).
  if (!isTelnyxCredentialId(credentialId)) return { ok: true, alreadyGone: true };
  const timeoutMs = account.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let status: number;
  try {
    const res = await (account.fetch ?? fetch)(`${account.baseUrl}/telephony_credentials/${credentialId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${account.apiKey}`, accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = res.status;
    await res.body?.cancel();
  } catch (err) {
    return { ok: false, message: unreachableMessage(err, timeoutMs) };
  }
  return interpretCredentialDeletion(status);
}

/** The pure half: 2xx deleted it; 404 means it is already gone (deleted by hand, or by another instance's retry). */
export function interpretCredentialDeletion(status: number): CredentialRevocation {
  if (status >= 200 && status < 300) return { ok: true, alreadyGone: false };
  if (status === 404) return { ok: true, alreadyGone: true };
  if (status === 401 || status === 403)
    return { ok: false, message: `Telnyx refused the server's API key (HTTP ${status}); check TELNYX_API_KEY` };
  return { ok: false, message: `Telnyx could not delete it (HTTP ${status})` };
}

function notCreated(why: string): string {
  return `the agent's Telnyx credential could not be created, so nothing was saved: ${why}`;
}

/** Telnyx's own words about a refusal (`errors[0].detail`), short. */
function detailOf(body: unknown): string {
  const detail = (body as { errors?: { detail?: unknown }[] } | null)?.errors?.[0]?.detail;
  return typeof detail === 'string' && detail ? `: ${detail.slice(0, 160)}` : '';
}
