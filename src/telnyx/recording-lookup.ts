/**
 * A recording's current media URL from the TeXML REST API's "Fetch recording resource",
 * `GET /texml/Accounts/{AccountSid}/Recordings/{RecordingSid}.json` (developers.telnyx.com/api-reference/
 * texml-rest-commands/fetch-recording-resource), answered with the recording resource whose
 * `media_url` is a fresh link. Asked when the RecordingUrl a webhook delivered has expired (it lives
 * 10 minutes after the call: texml-verbs/record). Thin like ./call-lookup.ts: ids encoded into the
 * path, bearer auth, never a throw.
 */
import type { InFlight } from './call-control.js';
import { DEFAULT_TIMEOUT_MS, unreachableMessage } from './credentials.js';

export interface RecordingLookupRequest {
  apiKey: string;
  /** e.g. https://api.telnyx.com/v2 (no trailing slash). */
  baseUrl: string;
  accountSid: string;
  recordingSid: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
  inFlight?: InFlight;
}

export type RecordingLookup = { ok: true; mediaUrl: string } | { ok: false; status: number | null; message: string };

export async function lookupRecordingMediaUrl(req: RecordingLookupRequest): Promise<RecordingLookup> {
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const url = `${req.baseUrl}/texml/Accounts/${encodeURIComponent(req.accountSid)}/Recordings/${encodeURIComponent(req.recordingSid)}.json`;
  req.inFlight?.begin();
  try {
    const res = await (req.fetch ?? fetch)(url, {
      headers: { authorization: `Bearer ${req.apiKey}`, accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    return interpretRecordingLookup(res.status, await res.text());
  } catch (err) {
    return { ok: false, status: null, message: unreachableMessage(err, timeoutMs) };
  } finally {
    req.inFlight?.end();
  }
}

/** The pure half: the media URL Telnyx's answer names, or why there is none. */
export function interpretRecordingLookup(status: number, body: string): RecordingLookup {
  if (status === 404) return { ok: false, status, message: 'Telnyx has no such recording (deleted?)' };
  if (status === 401 || status === 403)
    return { ok: false, status, message: `Telnyx refused the API key (HTTP ${status}); check TELNYX_API_KEY` };
  if (status !== 200) return { ok: false, status, message: `Telnyx answered HTTP ${status}` };
  try {
    const parsed = JSON.parse(body) as { media_url?: unknown; data?: { media_url?: unknown } };
    const mediaUrl = parsed?.media_url ?? parsed?.data?.media_url;
    if (typeof mediaUrl === 'string' && mediaUrl) return { ok: true, mediaUrl };
    return { ok: false, status, message: 'the recording resource has no media_url' };
  } catch {
    return { ok: false, status, message: 'Telnyx answered a body that is not JSON' };
  }
}
