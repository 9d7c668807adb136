/**
 * Reads of the Telnyx account's setup through its REST API (`npm run telnyx:doctor`): the TeXML
 * application, the credential connection, outbound voice profiles and the telephony credentials.
 * Read-only: nothing here changes the account.
 *
 * Each resource type lists only the fields we read, named and typed as in Telnyx's OpenAPI (read in
 * the SDK generated from it, team-telnyx/telnyx-node `src/resources/texml-applications.ts`,
 * `credential-connections/credential-connections.ts`, `outbound-voice-profiles.ts`,
 * `telephony-credentials.ts`). Every field is optional there, so it is here.
 */
import { DEFAULT_TIMEOUT_MS, unreachableMessage } from './credentials.js';

export interface TelnyxApi {
  apiKey: string;
  /** e.g. https://api.telnyx.com/v2 (no trailing slash). */
  baseUrl: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** A read's outcome: the resource, or why there is none (`status` null: no HTTP answer). */
export type ApiRead<T> = { ok: true; data: T } | { ok: false; status: number | null; message: string };

/** https://developers.telnyx.com/api-reference/texml-applications/retrieve-a-texml-application */
export interface TexmlApplicationResource {
  id?: string;
  friendly_name?: string;
  active?: boolean;
  voice_url?: string;
  voice_method?: 'get' | 'post';
  voice_fallback_url?: string | null;
  status_callback?: string | null;
  status_callback_method?: 'get' | 'post';
  outbound?: { outbound_voice_profile_id?: string | null; channel_limit?: number | null };
}

/** https://developers.telnyx.com/api-reference/credential-connections/retrieve-a-credential-connection */
export interface CredentialConnectionResource {
  id?: string;
  connection_name?: string;
  active?: boolean;
  /** "Receive SIP URI calls": disabled (Telnyx's default), unrestricted (from anyone), internal (this account's connections). */
  sip_uri_calling_preference?: 'disabled' | 'unrestricted' | 'internal';
  outbound?: { outbound_voice_profile_id?: string | null };
}

/** https://developers.telnyx.com/api-reference/outbound-voice-profiles/retrieve-an-outbound-voice-profile */
export interface OutboundVoiceProfileResource {
  id?: string;
  name?: string;
  /** "Disabled profiles will result in outbound calls being blocked for the associated Connections." */
  enabled?: boolean;
  /** Countries (ISO alpha-2) the profile may call. */
  whitelisted_destinations?: string[];
}

/** https://developers.telnyx.com/api-reference/credentials/get-a-credential */
export interface TelephonyCredentialResource {
  id?: string;
  name?: string;
  expired?: boolean;
  /** `connection:<connection id>`. */
  resource_id?: string;
  sip_username?: string;
}

export function getTexmlApplication(api: TelnyxApi, id: string): Promise<ApiRead<TexmlApplicationResource>> {
  return getData(api, `/texml_applications/${encodeURIComponent(id)}`, 'TeXML application');
}

export function getCredentialConnection(api: TelnyxApi, id: string): Promise<ApiRead<CredentialConnectionResource>> {
  return getData(api, `/credential_connections/${encodeURIComponent(id)}`, 'credential connection');
}

export function getOutboundVoiceProfile(api: TelnyxApi, id: string): Promise<ApiRead<OutboundVoiceProfileResource>> {
  return getData(api, `/outbound_voice_profiles/${encodeURIComponent(id)}`, 'outbound voice profile');
}

/** Enough pages for 25,000 credentials; an account past that is listed in part (the caller is told). */
const MAX_CREDENTIAL_PAGES = 100;
/** The spec's largest `page[size]` for telephony credentials. */
const CREDENTIAL_PAGE_SIZE = 250;

/**
 * Every telephony credential of the account, page by page
 * (https://developers.telnyx.com/api-reference/credentials/list-all-credentials: `page[number]` from 1,
 * `page[size]` up to 250, `meta.total_pages`).
 */
export async function listTelephonyCredentials(
  api: TelnyxApi,
): Promise<ApiRead<{ credentials: TelephonyCredentialResource[]; complete: boolean }>> {
  const credentials: TelephonyCredentialResource[] = [];
  for (let page = 1; page <= MAX_CREDENTIAL_PAGES; page++) {
    const read = await getJson<{ data?: TelephonyCredentialResource[]; meta?: { total_pages?: number } }>(
      api,
      `/telephony_credentials?page[number]=${page}&page[size]=${CREDENTIAL_PAGE_SIZE}`,
      'telephony credentials',
    );
    if (!read.ok) return read;
    const data = read.data.data ?? [];
    credentials.push(...data);
    const totalPages = read.data.meta?.total_pages ?? 1;
    if (page >= totalPages || data.length === 0) return { ok: true, data: { credentials, complete: true } };
  }
  return { ok: true, data: { credentials, complete: false } };
}

async function getData<T>(api: TelnyxApi, path: string, what: string): Promise<ApiRead<T>> {
  const read = await getJson<{ data?: T }>(api, path, what);
  if (!read.ok) return read;
  if (!read.data.data) return { ok: false, status: 200, message: `Telnyx answered without the ${what}` };
  return { ok: true, data: read.data.data };
}

async function getJson<T>(api: TelnyxApi, path: string, what: string): Promise<ApiRead<T>> {
  const timeoutMs = api.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let res: Response;
  let text: string;
  try {
    res = await (api.fetch ?? fetch)(`${api.baseUrl}${path}`, {
      headers: { authorization: `Bearer ${api.apiKey}`, accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await res.text();
  } catch (err) {
    return { ok: false, status: null, message: unreachableMessage(err, timeoutMs) };
  }
  if (res.status !== 200) return { ok: false, status: res.status, message: failureMessage(res.status, what, text) };
  try {
    return { ok: true, data: JSON.parse(text) as T };
  } catch {
    return { ok: false, status: res.status, message: `Telnyx answered the ${what} request with something other than JSON` };
  }
}

/** The pure half: what a non-200 answer means, with Telnyx's own error detail when it gave one. */
export function failureMessage(status: number, what: string, body: string): string {
  const detail = errorDetail(body);
  const suffix = detail ? `: ${detail}` : '';
  if (status === 401 || status === 403) return `Telnyx refused the API key (HTTP ${status})${suffix}`;
  if (status === 404) return `Telnyx has no such ${what} (HTTP 404)`;
  if (status === 429) return `Telnyx is rate limiting requests (HTTP 429)`;
  return `Telnyx could not answer the ${what} request (HTTP ${status})${suffix}`;
}

/** The first `errors[].detail` (or title) of Telnyx's error envelope, if the body is one. */
function errorDetail(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { errors?: { detail?: unknown; title?: unknown }[] };
    const first = parsed.errors?.[0];
    const text = typeof first?.detail === 'string' ? first.detail : typeof first?.title === 'string' ? first.title : undefined;
    return text?.slice(0, 200);
  } catch {
    return undefined;
  }
}
