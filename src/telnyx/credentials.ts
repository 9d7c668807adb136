/**
 * Softphone login tokens: Telnyx mints a JWT (valid 24 h) for a telephony credential on
 * `POST /telephony_credentials/{id}/token`, answered 201 with the token as text/plain. The API key
 * stays on the server; the browser only ever sees the short-lived token.
 */

import { isTelnyxCredentialId } from '../domain/validation.js';

export type MintResult = { ok: true; token: string } | { ok: false; message: string };

/** One call to Telnyx's REST API about a telephony credential. */
export interface CredentialRequest {
  apiKey: string;
  /** e.g. https://api.telnyx.com/v2 (no trailing slash). */
  baseUrl: string;
  credentialId: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export const DEFAULT_TIMEOUT_MS = 5000;

export async function mintLoginToken(req: CredentialRequest): Promise<MintResult> {
  // Checked again here (ids stored before validation existed): only a UUID ever goes into the path.
  if (!isTelnyxCredentialId(req.credentialId)) {
    return {
      ok: false,
      message: 'The Telnyx credential assigned to you is not a valid telephony credential id; an admin must set telnyxCredentialId again.',
    };
  }
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const url = `${req.baseUrl}/telephony_credentials/${req.credentialId}/token`;
  let status: number;
  let body: string;
  try {
    const res = await (req.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${req.apiKey}`, accept: 'text/plain' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = res.status;
    body = await res.text();
  } catch (err) {
    return { ok: false, message: `${unreachableMessage(err, timeoutMs)}; retrying shortly.` };
  }
  return interpretTokenResponse(status, body, req.credentialId);
}

/** The pure half: what an HTTP answer from Telnyx means for the softphone. */
export function interpretTokenResponse(status: number, body: string, credentialId: string): MintResult {
  if (status === 200 || status === 201) {
    const token = body.trim().replace(/^"|"$/g, '');
    if (/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) return { ok: true, token };
    return { ok: false, message: 'Telnyx answered without a login token; try again shortly.' };
  }
  if (status === 401 || status === 403)
    return { ok: false, message: `Telnyx refused the server's API key (HTTP ${status}); check TELNYX_API_KEY.` };
  if (status === 404)
    return { ok: false, message: `Telnyx has no telephony credential "${credentialId}" (HTTP 404); check the agent's telnyxCredentialId.` };
  if (status === 429) return { ok: false, message: 'Telnyx is rate limiting token requests (HTTP 429); retrying shortly.' };
  return { ok: false, message: `Telnyx could not issue a login token (HTTP ${status}); retrying shortly.` };
}

/** Why a request to Telnyx got no answer, in a few words (no trailing period). */
export function unreachableMessage(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; cause?: { code?: string } };
  if (e?.name === 'TimeoutError') return `Telnyx did not answer within ${timeoutMs / 1000} s`;
  const code = e?.cause?.code ? ` (${e.cause.code})` : '';
  return `Telnyx cannot be reached${code}`;
}
