/**
 * The REST routes Telnyx calls. Each answers HTTP 200 with a valid TeXML `<Response>` on every path
 * (one exception: a voicemail that can be neither stored nor queued gets 429, so Telnyx retries it):
 * unknown company or number, database down or slow, a bug — the caller hears an apology or the
 * company's fallback, and a log line says why. Nothing here may throw to the HTTP layer.
 *
 * One file on purpose (a little over 300 lines): every route's parameter reading and its fallback on
 * failure belong side by side, so that no route can miss one.
 */
import { parseTelnyxPath, type TelnyxRoute } from '../domain/telnyx-routes.js';
import { apologyDocument, calledNumber, fallbackDocument, splitStep, voicemailStoredDocument } from '../domain/call-flow.js';
import { renderTexml, response, TEXML_CONTENT_TYPE, type TexmlDocument } from '../domain/texml.js';
import type { DirectoryCompany } from '../services/directory.js';
import type { RequestLogger } from '../infra/logger.js';
import type { Services } from '../services/index.js';
import type { RecordedVoicemail } from '../services/voicemail-service.js';
import { ForeignCallError } from '../calls/call-scope.js';
import { callSidOfRoom } from '../domain/live-call.js';
import { describeOutcome, type StatusOutcome, type VoicemailOutcome, type WebhookOutcome } from '../domain/webhook-outcome.js';
import type { CallStep } from '../calls/hunting.js';
import { CALLBACK_MAC_PARAM } from './callback-mac.js';
import { checkRecordingUrl } from './recording-url.js';
import { transcriptionLanguageOf } from '../domain/recordings.js';
import { DeadlineRace } from '../infra/deadline-race.js';
import { FormParams } from './form-params.js';
import { mapMaybe, type MaybePromise } from '../infra/maybe-promise.js';

export interface WebhookRequest {
  method: string;
  /** The path, e.g. /telnyx/voice/abc (no query string). */
  path: string;
  /** The query string: '' or '?…' (as URL's `search`). */
  query: string;
  contentType: string | undefined;
  body: string;
  /**
   * The body's signature was verified (TELNYX_PUBLIC_KEY set). Then only the body is trusted: the
   * parameters come from it alone, and the route's company and step only from a URL carrying our MAC
   * (else from the body: the call's session or the called number).
   */
  signed?: boolean;
}

export interface WebhookResponse {
  status: number;
  headers: Readonly<Record<string, string>>;
  body: string;
  /** What the handler did (the log line's outcome, and the metrics label); absent on apologies and error fallbacks. */
  outcome?: WebhookOutcome;
}

/**
 * `log`: the request's logger (its request id bound); the service's own by default.
 * Answered at once (no promise) when nothing has to wait: an unsigned request for a company the
 * directory holds, whose step runs in memory (src/infra/maybe-promise.ts).
 */
export function handleTelnyxWebhook(
  services: Services,
  req: WebhookRequest,
  log: RequestLogger = services.logger,
): MaybePromise<WebhookResponse> {
  const started = performance.now();
  const match = parseTelnyxPath(req.path);
  if (!match) {
    log.warn({ path: req.path }, 'telnyx webhook: unknown route');
    return texml(apologyDocument(), 404);
  }
  const query = FormParams.parse(req.query);
  const params = req.signed ? bodyParams(req) : formParams(req);
  const request: ParsedWebhook = {
    route: match.route,
    companyId: match.companyId,
    params,
    step: query.get('step'),
    callSid: params.get('CallSid') ?? undefined,
    started,
    deadline: started + services.config.webhookDeadlineMs,
  };
  // Known already (the steady state): the company from the directory, with no deadline race to set up.
  const known = !req.signed && request.companyId ? services.directory.cached(request.companyId) : undefined;
  if (known) return answer(services, log, request, known);
  return resolveThenAnswer(services, log, request, query, req.signed === true);
}

/** A webhook's route and parameters, read from its path, query and body. */
interface ParsedWebhook {
  route: TelnyxRoute;
  /** The path's company, then (signed mode) the one bound to the request; null: not named yet. */
  companyId: string | null;
  params: FormParams;
  step: string | null;
  callSid: string | undefined;
  /** performance.now() when the request was read, and when it must be answered by. */
  started: number;
  deadline: number;
}

/**
 * Whose call, when the directory does not hold it yet or the request is signed: from the path, else
 * the call's session or the called number (one application for every company). A slow or failing
 * database falls back to the last known configuration; with none, the caller hears an apology.
 */
async function resolveThenAnswer(
  services: Services,
  log: RequestLogger,
  request: ParsedWebhook,
  query: FormParams,
  signed: boolean,
): Promise<WebhookResponse> {
  const { route, params, callSid, deadline } = request;
  if (signed) {
    const bound = await boundTarget(services, route, request.companyId, query, params, deadline);
    if (!bound.ok) {
      log.warn(
        { route, pathCompanyId: request.companyId, bodyCompanyId: bound.bodyCompanyId, callSid },
        `telnyx webhook refused: ${bound.reason}`,
      );
      return texml(REFUSED_DOCUMENT, 403);
    }
    request.companyId = bound.companyId;
    request.step = bound.step;
  }
  let companyId = request.companyId;
  let company: DirectoryCompany | undefined;
  try {
    if (!companyId) companyId = request.companyId = await withDeadline(deadline, companyOfRequest(services, params));
    const known = companyId ? services.directory.cached(companyId) : null;
    company =
      known !== undefined ? (known ?? undefined) : ((await withDeadline(deadline, services.directory.company(companyId!))) ?? undefined);
    if (!company) {
      log.info(
        { route, companyId, callSid, ms: elapsedSince(request.started) },
        companyId ? 'telnyx webhook: unknown company' : 'telnyx webhook: unknown number',
      );
      return texml(isBookkeeping(route) ? response() : apologyDocument());
    }
  } catch (err) {
    company = companyId ? services.directory.lastKnown(companyId) : undefined;
    log.error(
      { err, route, companyId, callSid, ms: elapsedSince(request.started), cached: !!company },
      'telnyx webhook: configuration unavailable',
    );
    if (!company) {
      // A voicemail for a company we cannot look up now still waits for the database (the drainer
      // drops it if the company turns out not to exist).
      const vm = route === 'voicemail' && companyId ? voicemailOf(services, log, companyId, params) : null;
      if (vm && 'voicemail' in vm) return await queueVoicemail(services, log, vm.voicemail, err);
      return texml(isBookkeeping(route) ? response() : apologyDocument());
    }
  }
  return answer(services, log, request, company);
}

/** The route's handler for a known company, and its answer (or the fallback if it fails or is late). */
function answer(services: Services, log: RequestLogger, request: ParsedWebhook, company: DirectoryCompany): MaybePromise<WebhookResponse> {
  const answered = (result: Handled): WebhookResponse => {
    // The line's fields are built only when it is written (LOG_LEVEL info or lower).
    if (log.isLevelEnabled('info')) {
      const { route, companyId, callSid } = request;
      log.info(
        { route, companyId, callSid, outcome: describeOutcome(result.outcome), ms: elapsedSince(request.started) },
        'telnyx webhook',
      );
    }
    return { ...texml(result.doc), outcome: result.outcome };
  };
  try {
    const result = handle(services, log, request.route, company, request.params, request.step);
    if (!(result instanceof Promise)) return answered(result);
    return withDeadline(request.deadline, result).then(answered, (err: unknown) => failed(services, log, request, company, err));
  } catch (err) {
    return failed(services, log, request, company, err);
  }
}

/** What a handler that threw (or missed the deadline) answers: valid TeXML whatever happened. */
function failed(
  services: Services,
  log: RequestLogger,
  request: ParsedWebhook,
  company: DirectoryCompany,
  err: unknown,
): MaybePromise<WebhookResponse> {
  const { route, params, callSid } = request;
  const companyId = company.id;
  if (err instanceof ForeignCallError) {
    log.warn(
      { route, companyId, callSid, callCompanyId: err.callCompanyId },
      'telnyx webhook refused: the call belongs to another company than its URL',
    );
    return texml(REFUSED_DOCUMENT, 403);
  }
  // A voicemail that could not be stored (the database away, or past the deadline) waits in the outbox.
  const vm = route === 'voicemail' ? voicemailOf(services, log, companyId, params) : null;
  if (vm && 'voicemail' in vm) return queueVoicemail(services, log, vm.voicemail, err);
  // The company's own fallback; valid TeXML either way.
  const doc = isBookkeeping(route)
    ? response()
    : route === 'voicemail'
      ? voicemailStoredDocument()
      : fallbackDocument(company.policy, services.calls.urls(company), params.get('To'));
  log.error(
    {
      err,
      route,
      companyId,
      callSid,
      params: route === 'voicemail' ? Object.fromEntries(params) : undefined,
      ms: elapsedSince(request.started),
    },
    'telnyx webhook failed; answered with the fallback',
  );
  return texml(doc);
}

/** What a route's handler decided: the document and its outcome. */
interface Handled {
  doc: TexmlDocument | string;
  outcome: WebhookOutcome;
}

/** The route's work. In memory mode every route but the voicemail's runs at once (no promise). */
function handle(
  services: Services,
  log: RequestLogger,
  route: TelnyxRoute,
  company: DirectoryCompany,
  params: FormParams,
  step: string | null,
): MaybePromise<Handled> {
  switch (route) {
    case 'voice': {
      return stepAnswer(services.calls.start(company, callOf(params)));
    }
    case 'language': {
      return stepAnswer(services.calls.languageChosen(company, { ...callOf(params), digits: params.get('Digits') }));
    }
    case 'dial-complete': {
      const status = params.get('DialCallStatus') ?? undefined;
      return stepAnswer(services.calls.dialComplete(company, params.get('CallSid'), status, step));
    }
    case 'voicemail': {
      const vm = voicemailOf(services, log, company.id, params, company);
      if (!('voicemail' in vm)) return { doc: voicemailStoredDocument(), outcome: vm.outcome };
      // Past the deadline this goes on: if it lands after all, the outbox's copy is a harmless duplicate.
      return services.voicemails
        .record(vm.voicemail)
        .then(({ created }) => ({ doc: voicemailStoredDocument(), outcome: voicemailOutcome(created ? 'stored' : 'duplicate') }));
    }
    case 'voicemail-transcription': {
      // Telnyx's TexmlTranscriptionWebhook (docs/RECORDINGS.md): the text of the call's voicemail.
      const callSid = params.get('CallSid');
      const text = params.get('TranscriptionText');
      if (!callSid || text === null || (params.get('TranscriptionStatus') ?? 'completed') !== 'completed') {
        return { doc: response(), outcome: { kind: 'transcription', result: 'ignored' } };
      }
      return services.voicemails
        .transcribed(company.id, callSid.slice(0, 200), text)
        .then((kept) => ({ doc: response(), outcome: { kind: 'transcription', result: kept ? 'stored' : 'no-voicemail' } }));
    }
    case 'queue-wait': {
      const queueTime = Number(params.get('QueueTime'));
      return stepAnswer(services.calls.queueWait(company, params.get('CallSid'), Number.isFinite(queueTime) ? queueTime : null));
    }
    case 'queue-key': {
      return stepAnswer(services.calls.queueKey(company, params.get('CallSid'), params.get('Digits')));
    }
    case 'queue-exit': {
      return stepAnswer(services.calls.queueExit(company, params.get('CallSid'), params.get('QueueResult')));
    }
    case 'queue-offer': {
      return stepAnswer(services.calls.queueOffer(company, params.get('CallSid')));
    }
    // A callback's routes name the caller's original call in the URL's step (MAC'd in signed mode).
    case 'callback': {
      return stepAnswer(services.calls.callbackAnswered(company, step));
    }
    case 'callback-status': {
      return statusAnswer(
        services.calls.callbackStatus(company, step, {
          accountSid: params.get('AccountSid'),
          callSid: params.get('CallSid'),
          parentCallSid: step,
          to: params.get('To'),
          status: params.get('CallStatus'),
        }),
      );
    }
    case 'callback-complete': {
      const talk = clampInt(params.get('DialCallDuration'), 0, 14_400);
      return stepAnswer(services.calls.callbackComplete(company, step, params.get('DialCallStatus'), talk));
    }
    // An answered call's room (docs/IN-CALL.md): the URL's step names the call (MAC'd in signed mode).
    case 'room-events': {
      // The URL's step names the call; without it (a URL edited, or not MAC'd) the room's name does.
      return statusAnswer(
        services.calls.roomEvent(company, step ?? callSidOfRoom(params.get('FriendlyName')), {
          event: params.get('StatusCallbackEvent'),
          conferenceSid: params.get('ConferenceSid'),
          callSid: params.get('CallSid'),
          label: params.get('ParticipantLabel') ?? params.get('Label'),
        }),
      );
    }
    case 'room-party': {
      const parts = splitStep(step);
      return statusAnswer(
        services.calls.roomParty(company, parts?.[0] ?? null, parts?.[1] ?? null, params.get('CallStatus'), params.get('CallSid')),
      );
    }
    case 'room-recording': {
      const url = params.get('RecordingUrl');
      return statusAnswer(
        services.calls.roomRecording(company, step, {
          recordingSid: params.get('RecordingSid'),
          status: params.get('RecordingStatus'),
          // Only a URL supervisors may be sent to (https on RECORDING_URL_ALLOWLIST's hosts) is taken.
          url: url && checkRecordingUrl(url, services.config.recordingUrlRules).ok ? url : null,
          durationSeconds: clampInt(params.get('RecordingDuration'), 0, 86_400),
        }),
      );
    }
    case 'outbound': {
      return stepAnswer(services.calls.outboundAnswered(company, params.get('CallSid')));
    }
    case 'outbound-status': {
      return statusAnswer(services.calls.outboundStatus(company, params.get('CallSid'), params.get('CallStatus')));
    }
    case 'transfer': {
      return stepAnswer(services.calls.transfer(company, params.get('CallSid'), step));
    }
    case 'status': {
      // An agent's leg (<Sip statusCallback>): answered → on a call; completed → free (wrap-up).
      // Without ParentCallSid: the inbound call's own progress (its end closes the call).
      return statusAnswer(
        services.calls.agentLegStatus(company, {
          accountSid: params.get('AccountSid'),
          callSid: params.get('CallSid'),
          parentCallSid: params.get('ParentCallSid'),
          to: params.get('To'),
          status: params.get('CallStatus'),
        }),
      );
    }
  }
}

/** A call step's TeXML as the route's answer. */
function stepAnswer(step: MaybePromise<CallStep>): MaybePromise<Handled> {
  return mapMaybe(step, (s) => ({ doc: s.texml, outcome: s.outcome }));
}

/** A bookkeeping route's outcome, answered with an empty `<Response>` (Telnyx ignores it). */
function statusAnswer(outcome: MaybePromise<StatusOutcome>): MaybePromise<Handled> {
  return mapMaybe(outcome, (o) => ({ doc: response(), outcome: o }));
}

/** Callbacks that only tell us something (and whose answer Telnyx ignores): an empty `<Response>` on every path, never a spoken apology. */
const isBookkeeping = (route: TelnyxRoute) =>
  route === 'status' ||
  route === 'voicemail-transcription' ||
  route === 'room-events' ||
  route === 'room-party' ||
  route === 'room-recording' ||
  route === 'outbound-status';

const voicemailOutcome = (result: VoicemailOutcome['result']): VoicemailOutcome => ({ kind: 'voicemail', result });

/**
 * The voicemail a recording callback describes, or why none is stored: not finished yet, or a
 * RecordingUrl supervisors must not be sent to (only https on RECORDING_URL_ALLOWLIST's hosts).
 */
function voicemailOf(
  services: Services,
  log: RequestLogger,
  companyId: string,
  params: FormParams,
  company?: DirectoryCompany,
): { voicemail: RecordedVoicemail } | { outcome: VoicemailOutcome } {
  const recordingUrl = params.get('RecordingUrl');
  const recordingStatus = params.get('RecordingStatus');
  const callSid = params.get('CallSid');
  if (!recordingUrl || !callSid || (recordingStatus && recordingStatus !== 'completed')) return { outcome: voicemailOutcome('ignored') };
  const verdict = checkRecordingUrl(recordingUrl, services.config.recordingUrlRules);
  if (!verdict.ok) {
    log.warn({ companyId, callSid: callSid.slice(0, 200), reason: verdict.reason }, 'voicemail not stored: RecordingUrl refused');
    return { outcome: voicemailOutcome('refused-url') };
  }
  const recordingSid = params.get('RecordingSid');
  // The mailbox and transcription language come from the call's session, when this instance has it.
  const context = services.calls.voicemailContextOf(callSid);
  return {
    voicemail: {
      companyId,
      callSid: callSid.slice(0, 200),
      from: (params.get('From') ?? '').slice(0, 64),
      to: (params.get('To') ?? '').slice(0, 64),
      recordingUrl,
      durationSeconds: clampInt(params.get('RecordingDuration'), 0, 86_400),
      recordingSid: recordingSid && /^[A-Za-z0-9_:.-]{1,128}$/.test(recordingSid) ? recordingSid : null,
      accountSid: params.get('AccountSid')?.slice(0, 128) ?? null,
      queueId: context?.queueId ?? null,
      language: company ? transcriptionLanguageOf(company.policy, context?.language) : null,
    },
  };
}

/**
 * The voicemail could not be stored now: into the outbox (on disk) and 200, so Telnyx does not
 * retry what we already hold. If even the outbox fails, the answer must not be a 2xx (that would
 * tell Telnyx the callback was taken, and the voicemail would be lost): 429 "try again later", still
 * valid TeXML, and a 4xx because no webhook path here answers 5xx. Storing it is its retry's job.
 */
async function queueVoicemail(services: Services, log: RequestLogger, vm: RecordedVoicemail, cause: unknown): Promise<WebhookResponse> {
  const fields = { companyId: vm.companyId, callSid: vm.callSid, cause: (cause as Error)?.message ?? String(cause) };
  try {
    await services.voicemails.outbox.enqueue(vm);
    log.warn({ ...fields, waiting: services.voicemails.outbox.waiting }, 'voicemail queued in the outbox: database unavailable');
    return { ...texml(voicemailStoredDocument()), outcome: voicemailOutcome('queued') };
  } catch (err) {
    log.error({ ...fields, err }, 'voicemail neither stored nor queued: asking Telnyx to retry');
    return { ...texml(voicemailStoredDocument(), 429), outcome: voicemailOutcome('retry') };
  }
}

function callOf(params: FormParams) {
  return {
    callSid: params.get('CallSid'),
    from: (params.get('From') ?? '').slice(0, 64),
    to: (params.get('To') ?? '').slice(0, 64),
    // Kept with the call: a silent call is looked up under it (Telnyx's "Get call" path names the account).
    accountSid: params.get('AccountSid')?.slice(0, 128) ?? null,
  };
}

type Bound = { ok: true; companyId: string | null; step: string | null } | { ok: false; reason: string; bodyCompanyId?: string | null };

/**
 * Signed mode: the company and step a handler may use. A URL with our MAC (one our TeXML emitted)
 * names them, and the signed body must not name another company (its call's session, or its `To`
 * number; the session is checked again under the call's lock, ForeignCallError).
 * Without a valid MAC (the portal's voice or status URL, or an edited URL) the company comes from
 * the signed body — the session of its CallSid (ParentCallSid for an agent's leg), else the owner of
 * its `To` number — the step from the session, and a path company that disagrees is refused.
 */
async function boundTarget(
  services: Services,
  route: TelnyxRoute,
  pathCompanyId: string | null,
  query: FormParams,
  params: FormParams,
  deadline: number,
): Promise<Bound> {
  const urlStep = query.get('step');
  const macValid = services.callbackSigner?.verify(route, pathCompanyId, urlStep, query.get(CALLBACK_MAC_PARAM)) ?? false;
  const bodyCompanyId = await withDeadline(deadline, companyFromBody(services, params)).catch(() => null);
  if (macValid) {
    // One of our URLs, but maybe not this call's: a body that names another company's call or number is refused.
    if (bodyCompanyId !== null && bodyCompanyId !== pathCompanyId) {
      return { ok: false, reason: "the signed body is another company's call than the URL names", bodyCompanyId };
    }
    return { ok: true, companyId: pathCompanyId, step: urlStep };
  }
  if (pathCompanyId !== null && pathCompanyId !== bodyCompanyId) {
    return { ok: false, reason: 'the URL names another company than the signed body (no valid URL MAC)', bodyCompanyId };
  }
  return { ok: true, companyId: bodyCompanyId, step: null };
}

/** Signed mode: the company the signed body names, or null (nothing found, or the database away). */
async function companyFromBody(services: Services, params: FormParams): Promise<string | null> {
  try {
    return await companyOfRequest(services, params);
  } catch {
    return null; // the database is away: the number cannot be looked up, so nothing is bound
  }
}

/**
 * The company a request's parameters name, for a URL without one: the call's session first — an
 * agent's leg by its `ParentCallSid` (its own `To` is the agent's SIP URI, no number of ours), the
 * inbound call by its `CallSid` — else the owner of the called number (`To`). Rejects only when the
 * number cannot be looked up (the database away).
 */
async function companyOfRequest(services: Services, params: FormParams): Promise<string | null> {
  const callSid = params.get('ParentCallSid') || params.get('CallSid');
  const fromCall = callSid ? await services.calls.companyOfCall(callSid).catch(() => null) : null;
  if (fromCall) return fromCall;
  const to = calledNumber(params.get('To'));
  return to.length > 1 ? await services.directory.companyIdForNumber(to) : null;
}

/** Signed mode: the form body only; the query string is not covered by the signature. */
function bodyParams(req: WebhookRequest): FormParams {
  return FormParams.parse(req.body);
}

/** Form body (POST) over query string (GET, or extras on a POST). */
function formParams(req: WebhookRequest): FormParams {
  const type = (req.contentType ?? '').toLowerCase();
  if (req.body && (type === '' || type.startsWith('application/x-www-form-urlencoded') || type.startsWith('text/plain'))) {
    return FormParams.merged(req.query, req.body);
  }
  return FormParams.parse(req.query);
}

/** What a refused webhook gets: still valid TeXML, so a misrouted call ends cleanly. */
export const REFUSED_DOCUMENT = '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>';

/** The headers of every TeXML answer: one object, shared (node:http only reads it). */
export const TEXML_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': TEXML_CONTENT_TYPE,
  'cache-control': 'no-store',
});

function texml(doc: TexmlDocument | string, status = 200): WebhookResponse {
  return {
    status,
    headers: TEXML_HEADERS,
    body: typeof doc === 'string' ? doc : renderTexml(doc),
  };
}

class DeadlineExceeded extends Error {
  override name = 'DeadlineExceeded';
}

/** Every webhook's deadline, on one timer (src/infra/deadline-race.ts). */
const deadlines = new DeadlineRace();
const deadlineExceeded = () => new DeadlineExceeded('no answer within the webhook deadline');

/** `work`, or a DeadlineExceeded rejection at `deadline` (performance.now() scale). */
function withDeadline<T>(deadline: number, work: Promise<T>): Promise<T> {
  return deadlines.race(deadline, work, deadlineExceeded);
}

function clampInt(value: string | null, min: number, max: number): number {
  const n = Math.round(Number(value));
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : min;
}

/** Milliseconds since `started` (performance.now()), to two decimals, for log lines. */
const elapsedSince = (started: number) => Math.round((performance.now() - started) * 100) / 100;
