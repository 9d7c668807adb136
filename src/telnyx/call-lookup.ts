/**
 * Where a call stands according to Telnyx: the TeXML REST API's "Get call",
 * `GET /texml/Accounts/{AccountSid}/Calls/{CallSid}` (https://developers.telnyx.com/api-reference/
 * texml-rest-commands/fetch-a-call; telnyx-node `texml/accounts/calls/calls.ts` `retrieve`), answered
 * with the call resource: `status` (`queued`, `ringing`, `in-progress`, then `completed`, `busy`,
 * `no-answer`, `canceled` or `failed`) and `end_time` (RFC 2822). The AccountSid is the one every
 * TeXML webhook of the call carries. Asked by the reconcile of calls gone silent
 * (src/calls/call-reconciler.ts).
 */
import type { TelnyxCallLookup } from '../domain/call-reconcile.js';
import { DEFAULT_TIMEOUT_MS, unreachableMessage } from './credentials.js';

export interface CallLookupRequest {
  apiKey: string;
  /** e.g. https://api.telnyx.com/v2 (no trailing slash). */
  baseUrl: string;
  accountSid: string;
  callSid: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export async function lookupTexmlCall(req: CallLookupRequest): Promise<TelnyxCallLookup> {
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Both ids come from webhooks: encoded, so neither can reach another path.
  const url = `${req.baseUrl}/texml/Accounts/${encodeURIComponent(req.accountSid)}/Calls/${encodeURIComponent(req.callSid)}`;
  let status: number;
  let body: string;
  try {
    const res = await (req.fetch ?? fetch)(url, {
      headers: { authorization: `Bearer ${req.apiKey}`, accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = res.status;
    body = await res.text();
  } catch (err) {
    return { kind: 'unavailable', reason: unreachableMessage(err, timeoutMs) };
  }
  return interpretCallLookup(status, body);
}

/** The pure half: what Telnyx's HTTP answer says about the call. */
export function interpretCallLookup(status: number, body: string): TelnyxCallLookup {
  if (status === 404) return { kind: 'not-found' };
  if (status === 401 || status === 403)
    return { kind: 'unavailable', reason: `Telnyx refused the server's API key (HTTP ${status}); check TELNYX_API_KEY` };
  if (status !== 200) return { kind: 'unavailable', reason: `Telnyx answered HTTP ${status}` };
  let resource: { status?: unknown; end_time?: unknown };
  try {
    const parsed = JSON.parse(body) as { data?: unknown };
    // The TeXML REST API answers the resource itself (Twilio's shape); a `data` envelope is accepted too.
    resource = (
      parsed && typeof parsed === 'object' && parsed.data && typeof parsed.data === 'object' ? parsed.data : parsed
    ) as typeof resource;
  } catch {
    return { kind: 'unavailable', reason: 'Telnyx answered a body that is not JSON' };
  }
  if (typeof resource?.status !== 'string' || resource.status === '')
    return { kind: 'unavailable', reason: 'Telnyx answered a call without a status' };
  const endedAt = typeof resource.end_time === 'string' ? Date.parse(resource.end_time) : Number.NaN;
  return { kind: 'found', status: resource.status, endedAt: Number.isFinite(endedAt) ? endedAt : null };
}
