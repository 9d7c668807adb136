/**
 * The TeXML REST API's two call commands the queues need (docs/TELNYX.md, "REST API: calls we move or
 * place"): "Update call" redirects a live call to a new TeXML URL (a waiting caller is offered to an
 * agent), and "Initiate an outbound call" rings an agent for a callback. Thin, like ./call-lookup.ts:
 * ids encoded into the path, bearer auth, Telnyx's error envelope turned into a sentence, never a throw.
 *
 * Sources: developers.telnyx.com/api-reference/texml-rest-commands/update-call and
 * .../initiate-an-outbound-call (the OpenAPI `texml/calls.yml` behind them), and telnyx-node's
 * `src/resources/texml/accounts/calls/calls.ts` (`update` posts a form; `calls` posts JSON).
 *
 * Virtual time: the service calls these from its own timers and events, outside any webhook. Under the
 * simulation's VirtualClock, time jumps whenever nothing is in flight, so a caller passes `inFlight`
 * (the clock's `busy`) and the request counts as in flight from before it is sent until its answer is read.
 */
import { DEFAULT_TIMEOUT_MS, unreachableMessage } from './credentials.js';

type HttpMethod = 'GET' | 'POST';

/** Marks work in flight: a VirtualClock's `busy` in tests, nothing in production. */
export interface InFlight {
  begin(): void;
  end(): void;
}

export interface TexmlRestRequest {
  apiKey: string;
  /** e.g. https://api.telnyx.com/v2 (no trailing slash). */
  baseUrl: string;
  /** The account's id, as every TeXML webhook carries it (`AccountSid`). */
  accountSid: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
  inFlight?: InFlight;
}

export interface RedirectCallRequest extends TexmlRestRequest {
  callSid: string;
  /** The TeXML the call plays next (it replaces whatever plays now, a queue wait included). */
  url: string;
  method?: HttpMethod;
}

/**
 * `gone`: the call no longer exists or has ended (the caller left): do not retry, forget the caller.
 * Otherwise the failure may pass (Telnyx unreachable, rate limited, refused key): try again later.
 */
export type RedirectResult = { ok: true } | { ok: false; gone: boolean; status: number | null; message: string };

export interface CreateCallRequest extends TexmlRestRequest {
  /** The TeXML application whose outbound voice profile places the call (TELNYX_TEXML_APPLICATION_ID). */
  applicationSid: string;
  /** A phone number or a SIP URI (an agent's softphone: `sip:gencred…@sip.telnyx.com`). */
  to: string;
  /** A number of the account (Telnyx validates the caller id of every outbound call). */
  from: string;
  /** Fetched once the far end answers. */
  url: string;
  method?: HttpMethod;
  statusCallback?: string;
  /** Any of `initiated ringing answered completed`. */
  statusCallbackEvent?: readonly ('initiated' | 'ringing' | 'answered' | 'completed')[];
  statusCallbackMethod?: HttpMethod;
  /** Seconds to ring before giving up: 5–120, Telnyx's default 30. */
  timeoutSeconds?: number;
}

export type CreateCallResult = { ok: true; callSid: string } | { ok: false; status: number | null; message: string };

/**
 * "Update call" with `Url` and `Method`: `POST {baseUrl}/texml/Accounts/{AccountSid}/Calls/{CallSid}`,
 * form-encoded (the spec's only request body type for this operation; keys in the spec's PascalCase).
 * Answered 200 with the call resource.
 */
export async function redirectCall(req: RedirectCallRequest): Promise<RedirectResult> {
  const form = new URLSearchParams({ Url: req.url, Method: req.method ?? 'POST' });
  const answer = await send(req, callsPath(req, req.callSid), 'application/x-www-form-urlencoded', form.toString());
  if (answer.kind === 'unreachable') return { ok: false, gone: false, status: null, message: answer.message };
  return interpretRedirect(answer.status, answer.body);
}

/**
 * "Initiate an outbound call": `POST {baseUrl}/texml/Accounts/{AccountSid}/Calls` with JSON (the spec's
 * body type for this operation). Answered 200 with `{call_sid, from, to, status}`: the spec's
 * InitiateCallResult lists from/to/status only; `call_sid` is in Telnyx's answers (team-telnyx/telnyx-node#459).
 */
export async function createCall(req: CreateCallRequest): Promise<CreateCallResult> {
  const body: Record<string, string | number> = {
    ApplicationSid: req.applicationSid,
    To: req.to,
    From: req.from,
    Url: req.url,
    // The spec's name; Twilio's (and older Telnyx examples') `Method` is not in InitiateCallRequest.
    UrlMethod: req.method ?? 'POST',
  };
  if (req.statusCallback) {
    body.StatusCallback = req.statusCallback;
    body.StatusCallbackMethod = req.statusCallbackMethod ?? 'POST';
    if (req.statusCallbackEvent?.length) body.StatusCallbackEvent = req.statusCallbackEvent.join(' ');
  }
  if (req.timeoutSeconds !== undefined) body.Timeout = Math.min(120, Math.max(5, Math.round(req.timeoutSeconds)));
  const answer = await send(req, callsPath(req, null), 'application/json', JSON.stringify(body));
  if (answer.kind === 'unreachable') return { ok: false, status: null, message: answer.message };
  return interpretCreateCall(answer.status, answer.body);
}

// ——— the pure halves ———

/** What Telnyx's answer to "Update call" says: done, the call is gone, or a failure worth retrying. */
export function interpretRedirect(status: number, body: string): RedirectResult {
  return interpretCommand('could not redirect the call', status, body);
}

/**
 * What Telnyx's answer to a command on a call or a participant says (`what` names it in the message):
 * done, the call is gone, or a failure worth retrying.
 */
export function interpretCommand(what: string, status: number, body: string): RedirectResult {
  if (status >= 200 && status < 300) return { ok: true };
  const errors = telnyxErrors(body);
  // 404: no such call (ended calls are kept for a while, then forgotten). 90018 "Call has already ended"
  // ("This call is no longer active and can't receive commands") is what Telnyx answers a command on a
  // call that hung up (422, seen on Call Control: pipecat-ai/pipecat#2054); TeXML shares its call engine.
  const gone = status === 404 || errors.some((e) => e.code === CALL_ENDED_CODE);
  return { ok: false, gone, status, message: failureMessage(what, status, errors) };
}

/** What Telnyx's answer to "Initiate an outbound call" says: the new call's CallSid, or why not. */
export function interpretCreateCall(status: number, body: string): CreateCallResult {
  if (status < 200 || status >= 300)
    return { ok: false, status, message: failureMessage('could not place the call', status, telnyxErrors(body)) };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { ok: false, status, message: 'Telnyx answered a body that is not JSON' };
  }
  // `call_sid` (Telnyx's answer), else `sid` (the call resource's name for it), with or without a `data` envelope.
  const resource = (isObject(parsed) && isObject(parsed.data) ? parsed.data : parsed) as Record<string, unknown> | null;
  const callSid = isObject(resource) ? (resource.call_sid ?? resource.sid) : undefined;
  if (typeof callSid !== 'string' || callSid === '') return { ok: false, status, message: 'Telnyx answered without a call_sid' };
  return { ok: true, callSid };
}

/** Telnyx's error envelope `{"errors":[{code,title,detail}]}`, or nothing when the body is something else. */
export function telnyxErrors(body: string): { code: string; title: string; detail: string }[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [];
  }
  if (!isObject(parsed) || !Array.isArray(parsed.errors)) return [];
  return parsed.errors.filter(isObject).map((e) => ({
    code: typeof e.code === 'string' || typeof e.code === 'number' ? String(e.code) : '',
    title: typeof e.title === 'string' ? e.title : '',
    detail: typeof e.detail === 'string' ? e.detail : '',
  }));
}

/** Telnyx's code for a command on a call that has hung up. */
export const CALL_ENDED_CODE = '90018';

/** One sentence: what failed, the HTTP status, and Telnyx's own words when it gave any. */
function failureMessage(what: string, status: number, errors: { code: string; title: string; detail: string }[]): string {
  if (status === 401 || status === 403) return `Telnyx refused the server's API key (HTTP ${status}); check TELNYX_API_KEY`;
  const said = errors
    .map((e) => [e.title, e.detail].filter((s) => s !== '' && s !== undefined).join(': ') + (e.code ? ` (${e.code})` : ''))
    .filter((s) => s.trim() !== '')
    .join('; ');
  return `Telnyx ${what} (HTTP ${status})${said ? `: ${said}` : ''}`;
}

function callsPath(req: TexmlRestRequest, callSid: string | null): string {
  // Both ids come from webhooks: encoded, so neither can reach another path.
  const calls = `${req.baseUrl}/texml/Accounts/${encodeURIComponent(req.accountSid)}/Calls`;
  return callSid === null ? calls : `${calls}/${encodeURIComponent(callSid)}`;
}

export type Answer = { kind: 'answered'; status: number; body: string } | { kind: 'unreachable'; message: string };

/** One POST (or DELETE, without a body), counted in flight until its answer has been read. */
export async function send(req: TexmlRestRequest, url: string, contentType: string | null, body: string | null): Promise<Answer> {
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  req.inFlight?.begin();
  try {
    const headers: Record<string, string> = { authorization: `Bearer ${req.apiKey}`, accept: 'application/json' };
    if (contentType) headers['content-type'] = contentType;
    const res = await (req.fetch ?? fetch)(url, {
      method: body === null ? 'DELETE' : 'POST',
      headers,
      ...(body !== null && { body }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { kind: 'answered', status: res.status, body: await res.text() };
  } catch (err) {
    return { kind: 'unreachable', message: unreachableMessage(err, timeoutMs) };
  } finally {
    req.inFlight?.end();
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
