/**
 * The fake of Telnyx's REST API (`https://api.telnyx.com/v2`): telephony credentials and login tokens,
 * the account's setup (its TeXML application, credential connection and outbound voice profiles, read-only),
 * and the TeXML REST API for calls, conferences, participants and recordings.
 *
 * Paths, field names, casing and answer shapes follow Telnyx's OpenAPI spec (team-telnyx/openapi
 * `openapi/spec3.yml`: `TelephonyCredential`, `InitiateCallRequest`/`InitiateCallResult`,
 * `UpdateCallRequest`, `CallResource(Index)`, `ConferenceResource(Index)`, `ParticipantResource(Index)`,
 * `DialConferenceParticipantRequest`, `call-scripting_UpdateConferenceParticipantRequest`,
 * `NewParticipantResource`, `TexmlGetCallRecording(s)ResponseBody`, `ConferenceRecordingResourceIndex`)
 * and the SDK generated from it (team-telnyx/telnyx-node `src/resources/telephony-credentials.ts`,
 * `src/resources/texml/accounts/calls/calls.ts`, `.../conferences/conferences.ts`,
 * `.../conferences/participants.ts`, `.../calls/recordings-json.ts`, `.../recordings/json.ts`).
 * Each route cites its page under https://developers.telnyx.com/api-reference/.
 *
 * TeXML REST requests are PascalCase (`To`, `From`, `Url`) and answers snake_case (`account_sid`,
 * `start_time`), like Twilio's API it mirrors. Bodies may be JSON or form-encoded on every route (the
 * spec declares JSON for creating a call and forms for the rest; clients send both).
 *
 * Shell: `handle` reads the request, records it, authenticates and routes. Core: the route functions
 * turn a parsed request into a reply (or throw SimApiError), and the `*Resource` functions render views.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import {
  type CallControl,
  type CredentialStore,
  type MediaStore,
  SimApiError,
  type SimCallView,
  type SimConferenceView,
  type SimCredential,
  type SimParticipantView,
  type SimRecording,
} from './contracts.js';
import type { SimAccountSettings, SimCredentialConnection, SimOutboundVoiceProfile, SimTexmlApplication } from './account-settings.js';
import {
  authenticationFailed,
  failureForStatus,
  fromSimApiError,
  invalid,
  resourceNotFound,
  sendJson,
  type TelnyxFailure,
  telnyxErrorBody,
} from './telnyx-errors.js';

export interface RestAccount {
  /** What `Authorization: Bearer …` must carry. */
  apiKey: string;
  /** The account's id in TeXML paths (Telnyx: the organization id `GET /v2/whoami` reports). */
  accountSid: string;
  /** The account's one connection: TeXML application (`ApplicationSid`) and credential connection. */
  connectionId: string;
}

export interface RestApiDeps {
  account: RestAccount;
  credentials: CredentialStore;
  calls: CallControl;
  media: MediaStore;
  /** The account's TeXML application, credential connection and outbound voice profiles (none: those routes answer 404). */
  settings?: SimAccountSettings;
}

/** One request as the API saw it, for tests to assert on. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string, as sent (not decoded). */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON or form body; the raw text if it did not parse; undefined if empty. */
  body: unknown;
  /** The status answered, or 'reset' when the connection was dropped on purpose. */
  status: number | 'reset';
}

/** A status every request answers with, 'reset' to drop every connection, null to behave. */
export type FailureMode = number | 'reset' | null;

export interface RestApi {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  readonly requests: RecordedRequest[];
  failWith(mode: FailureMode): void;
}

type Strings = Record<string, string>;
type Body = Record<string, unknown>;

interface RouteContext {
  params: Strings;
  query: Strings;
  body: Body;
}

/** What a route answers: JSON, plain text, or nothing (204). */
type Reply = { status: number; json: unknown } | { status: number; text: string } | { status: 204 };

interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  pattern: RegExp;
  run(ctx: RouteContext): Reply;
}

const MAX_BODY_BYTES = 1 << 20;
const HTTP_METHODS = ['GET', 'POST'] as const;
/** Twilio's documented page-size cap; Telnyx's docs give none. */
const MAX_TEXML_PAGE_SIZE = 1000;
/** The page size in the spec's examples of participant and conference lists (inferred default). */
const DEFAULT_TEXML_PAGE_SIZE = 20;

export function createRestApi(deps: RestApiDeps): RestApi {
  const requests: RecordedRequest[] = [];
  const routes = buildRoutes(deps);
  let failure: FailureMode = null;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...req.headers },
      body: undefined,
      status: 0,
    };
    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch (err) {
      if (!(err instanceof BodyTooLarge)) return; // the client went away
      answer(res, record, { status: 413, json: telnyxErrorBody('10015', 'Bad Request', 'The request body is too large.') });
      return;
    }
    const parsed = parseBody(raw, req.headers['content-type']);
    record.body = parsed.value;

    if (failure === 'reset') {
      record.status = 'reset';
      requests.push(record);
      req.socket.destroy();
      return;
    }
    if (failure !== null) return fail(res, record, failureForStatus(failure));

    // https://developers.telnyx.com/api-reference (Authorizations): "Bearer authentication header of the form Bearer <token>".
    const authorization = req.headers.authorization;
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (bearer !== deps.account.apiKey) return fail(res, record, authenticationFailed(authorization !== undefined));

    const path = url.pathname.replace(/\/+$/, '');
    if (!path.startsWith('/v2/')) return fail(res, record, resourceNotFound());
    const route = routes.find((r) => r.method === record.method && r.pattern.test(path.slice(3)));
    const params = route && decodeParams(route.pattern.exec(path.slice(3))?.groups);
    if (!route || !params) return fail(res, record, resourceNotFound());
    if (!parsed.ok) return fail(res, record, { status: 400, body: telnyxErrorBody('10015', 'Bad Request', parsed.error) });

    let reply: Reply;
    try {
      reply = route.run({ params, query: record.query, body: parsed.body });
    } catch (err) {
      if (err instanceof SimApiError) return fail(res, record, fromSimApiError(err));
      const detail = err instanceof Error ? err.message : String(err);
      return fail(res, record, { status: 500, body: telnyxErrorBody('10007', 'Unexpected error', detail) });
    }
    answer(res, record, reply);
  }

  function fail(res: ServerResponse, record: RecordedRequest, failure: TelnyxFailure): void {
    answer(res, record, { status: failure.status, json: failure.body });
  }

  function answer(res: ServerResponse, record: RecordedRequest, reply: Reply): void {
    record.status = reply.status;
    requests.push(record);
    const headers = { 'x-request-id': randomUUID() };
    if ('json' in reply) sendJson(res, reply.status, reply.json, headers);
    else if ('text' in reply) {
      res.writeHead(reply.status, {
        ...headers,
        'content-type': 'text/plain; charset=utf-8',
        'content-length': String(Buffer.byteLength(reply.text)),
      });
      res.end(reply.text);
    } else res.writeHead(reply.status, headers).end();
  }

  return {
    handle,
    requests,
    failWith(mode) {
      if (typeof mode === 'number' && !(Number.isInteger(mode) && mode >= 100 && mode <= 599))
        throw new Error(`not an HTTP status: ${mode}`);
      failure = mode;
    },
  };
}

function buildRoutes(deps: RestApiDeps): Route[] {
  const { account, credentials, calls, media } = deps;
  const conferences = calls.conferences;
  const accountPath = `/v2/texml/Accounts/${account.accountSid}`;
  const ACCOUNT = '/texml/Accounts/(?<accountSid>[^/]+)';
  const route = (method: Route['method'], pattern: string, run: Route['run']): Route => ({
    method,
    pattern: new RegExp(`^${pattern}$`),
    run,
  });
  /** Every TeXML route is scoped to the account in its path; any other account does not exist. */
  const texml = (method: Route['method'], pattern: string, run: Route['run']): Route =>
    route(method, `${ACCOUNT}${pattern}`, (ctx) => {
      if (ctx.params.accountSid !== account.accountSid) throw notFound(`No account ${ctx.params.accountSid}.`);
      return run(ctx);
    });

  const credentialOr404 = (id: string): SimCredential => credentials.get(id) ?? throwError(notFound(`No telephony credential ${id}.`));
  const callOr404 = (callSid: string): SimCallView => calls.getCall(callSid) ?? throwError(notFound(`No call ${callSid}.`));
  const conferenceOr404 = (sid: string): SimConferenceView => conferences.get(sid) ?? throwError(notFound(`No conference ${sid}.`));
  const participantOr404 = (conference: SimConferenceView, callSidOrLabel: string): SimParticipantView =>
    conference.participants.find((p) => p.callSid === callSidOrLabel) ??
    conference.participants.find((p) => p.label === callSidOrLabel) ??
    throwError(notFound(`No participant ${callSidOrLabel} in conference ${conference.sid}.`));
  const recordingJson = (r: SimRecording) => recordingResource(r, media.urlOf(r.sid), accountPath);
  const recordingList = (items: SimRecording[], query: Strings, uri: string) =>
    texmlPage(items.map(recordingJson), query, uri, 'recordings', true);

  return [
    // https://developers.telnyx.com/api-reference/credentials/create-a-credential
    route('POST', '/telephony_credentials', ({ body }) => {
      const connectionId = requiredText(body, 'connection_id');
      // Inferred: Telnyx refuses a connection that is not one of the account's credential connections.
      if (connectionId !== account.connectionId)
        throw invalid.value('connection_id', `connection_id ${connectionId} is not a credential connection of this account`);
      text(body, 'tag');
      text(body, 'expires_at');
      const credential = credentials.create(compact({ connectionId, name: text(body, 'name') }));
      return { status: 201, json: { data: credentialResource(credential, account) } };
    }),
    // https://developers.telnyx.com/api-reference/credentials/list-all-credentials
    route('GET', '/telephony_credentials', ({ query }) => {
      const status = query['filter[status]'];
      const found = credentials
        .list()
        .filter((c) => query['filter[name]'] === undefined || c.name === query['filter[name]'])
        .filter((c) => query['filter[sip_username]'] === undefined || c.sipUsername === query['filter[sip_username]'])
        .filter((c) => query['filter[resource_id]'] === undefined || `connection:${c.connectionId}` === query['filter[resource_id]'])
        .filter((c) => status === undefined || (status === 'expired') === c.expired);
      // page[number] from 1 (default 1), page[size] 1–250 (default 50): the spec's telephony-credentials_PageConsolidated.
      const number = pageParam(query, 'page[number]', 1, 1, Number.MAX_SAFE_INTEGER);
      const size = pageParam(query, 'page[size]', 50, 1, 250);
      const data = found.slice((number - 1) * size, number * size).map((c) => credentialResource(c, account));
      const meta = { page_number: number, page_size: size, total_pages: Math.ceil(found.length / size), total_results: found.length };
      return { status: 200, json: { data, meta } };
    }),
    // https://developers.telnyx.com/api-reference/credentials/get-a-credential
    route('GET', '/telephony_credentials/(?<id>[^/]+)', ({ params }) => ({
      status: 200,
      json: { data: credentialResource(credentialOr404(params.id!), account) },
    })),
    // https://developers.telnyx.com/api-reference/credentials/delete-a-credential (answers the deleted credential)
    route('DELETE', '/telephony_credentials/(?<id>[^/]+)', ({ params }) => {
      const credential = credentialOr404(params.id!);
      credentials.remove(credential.id);
      return { status: 200, json: { data: credentialResource(credential, account) } };
    }),
    // https://developers.telnyx.com/api-reference/access-tokens/create-an-access-token: 201, the JWT as text/plain.
    route('POST', '/telephony_credentials/(?<id>[^/]+)/token', ({ params }) => {
      const token = credentials.mintToken(credentialOr404(params.id!).id);
      return token === undefined ? throwError(notFound(`No telephony credential ${params.id}.`)) : { status: 201, text: token };
    }),

    // The account's setup, read by `npm run telnyx:doctor`.
    // https://developers.telnyx.com/api-reference/texml-applications/retrieve-a-texml-application
    route('GET', '/texml_applications/(?<id>[^/]+)', ({ params }) => {
      const app = deps.settings?.texmlApplication;
      if (!app || app.id !== params.id) throw notFound(`No TeXML application ${params.id}.`);
      return { status: 200, json: { data: texmlApplicationResource(app) } };
    }),
    // https://developers.telnyx.com/api-reference/credential-connections/retrieve-a-credential-connection
    route('GET', '/credential_connections/(?<id>[^/]+)', ({ params }) => {
      const connection = deps.settings?.credentialConnection;
      if (!connection || connection.id !== params.id) throw notFound(`No credential connection ${params.id}.`);
      return { status: 200, json: { data: credentialConnectionResource(connection) } };
    }),
    // https://developers.telnyx.com/api-reference/outbound-voice-profiles/retrieve-an-outbound-voice-profile
    route('GET', '/outbound_voice_profiles/(?<id>[^/]+)', ({ params }) => {
      const profile = deps.settings?.outboundVoiceProfiles.get(params.id!);
      if (!profile) throw notFound(`No outbound voice profile ${params.id}.`);
      return { status: 200, json: { data: outboundVoiceProfileResource(profile) } };
    }),

    // https://developers.telnyx.com/api-reference/texml-rest-commands/initiate-an-outbound-call
    texml('POST', '/Calls(?:\\.json)?', ({ body }) => {
      const view = calls.createCall(createCallInput(body, account));
      // The spec's InitiateCallResult is {from, status, to}; Telnyx also answers call_sid (team-telnyx/telnyx-node#459).
      return { status: 200, json: { call_sid: view.callSid, from: view.from, status: view.status, to: view.to } };
    }),
    // https://developers.telnyx.com/api-reference/texml-rest-commands/fetch-multiple-call-resources
    texml('GET', '/Calls(?:\\.json)?', ({ query }) => {
      const found = calls.listCalls().filter(callFilter(query));
      return texmlPage(
        found.map((c) => callResource(c, accountPath)),
        query,
        `${accountPath}/Calls.json`,
        'calls',
      );
    }),
    // https://developers.telnyx.com/api-reference/texml-rest-commands/fetch-a-call
    texml('GET', '/Calls/(?<callSid>[^/]+?)(?:\\.json)?', ({ params }) => ({
      status: 200,
      json: callResource(callOr404(params.callSid!), accountPath),
    })),
    // https://developers.telnyx.com/api-reference/texml-rest-commands/update-call
    texml('POST', '/Calls/(?<callSid>[^/]+?)(?:\\.json)?', ({ params, body }) => ({
      status: 200,
      json: callResource(calls.updateCall(params.callSid!, updateCallInput(body)), accountPath),
    })),
    // https://developers.telnyx.com/api-reference/texml-rest-commands/request-recording-for-a-call
    // (answers TexmlCreateCallRecordingResponseBody: the recording resource, in-progress).
    texml('POST', '/Calls/(?<callSid>[^/]+)/Recordings\\.json', ({ params, body }) => ({
      status: 200,
      json: recordingJson(calls.startRecording(params.callSid!, startRecordingInput(body))),
    })),
    // https://developers.telnyx.com/api-reference/texml-rest-commands/update-recording-on-a-call
    texml('POST', '/Calls/(?<callSid>[^/]+)/Recordings/(?<recordingSid>[^/]+?)(?:\\.json)?', ({ params, body }) => {
      // Status is what the request is for (telnyx-node RecordingRecordingSidJsonParams: in-progress | paused | stopped).
      const status = choice(body, 'Status', ['in-progress', 'paused', 'stopped'] as const) ?? throwError(invalid.missing('Status'));
      return { status: 200, json: recordingJson(calls.updateRecording(params.callSid!, params.recordingSid!, status)) };
    }),
    // https://developers.telnyx.com/api-reference/texml-rest-commands/fetch-recordings-for-a-call
    texml('GET', '/Calls/(?<callSid>[^/]+)/Recordings\\.json', ({ params, query }) => {
      const found = media.list({ callSid: params.callSid! });
      if (found.length === 0) callOr404(params.callSid!);
      return recordingList(found, query, `${accountPath}/Calls/${params.callSid}/Recordings.json`);
    }),

    // https://developers.telnyx.com/api-reference/texml-rest-commands/list-conference-resources
    texml('GET', '/Conferences(?:\\.json)?', ({ query }) => {
      const found = conferences
        .list()
        .filter((c) => query.FriendlyName === undefined || c.friendlyName === query.FriendlyName)
        .filter((c) => query.Status === undefined || c.status === query.Status);
      return texmlPage(
        found.map((c) => conferenceResource(c, accountPath)),
        query,
        `${accountPath}/Conferences.json`,
        'conferences',
      );
    }),
    // https://developers.telnyx.com/api-reference/texml-rest-commands/fetch-a-conference-resource
    texml('GET', '/Conferences/(?<conferenceSid>[^/]+?)(?:\\.json)?', ({ params }) => ({
      status: 200,
      json: conferenceResource(conferenceOr404(params.conferenceSid!), accountPath),
    })),
    // https://developers.telnyx.com/api-reference/texml-rest-commands/list-conference-participants
    texml('GET', '/Conferences/(?<conferenceSid>[^/]+)/Participants(?:\\.json)?', ({ params, query }) => {
      const conference = conferenceOr404(params.conferenceSid!);
      return texmlPage(
        conference.participants.map((p) => participantResource(p, conference, accountPath)),
        query,
        `${accountPath}/Conferences/${conference.sid}/Participants.json`,
        'participants',
      );
    }),
    // https://developers.telnyx.com/api-reference/texml-rest-commands/dial-a-new-conference-participant
    texml('POST', '/Conferences/(?<conferenceSid>[^/]+)/Participants(?:\\.json)?', ({ params, body }) => {
      const conference = conferenceOr404(params.conferenceSid!);
      const participant = conferences.dial(conference.sid, dialParticipantInput(body));
      return { status: 200, json: newParticipantResource(participant, accountPath) };
    }),
    // https://developers.telnyx.com/api-reference/texml-rest-commands/get-conference-participant-resource
    texml('GET', '/Conferences/(?<conferenceSid>[^/]+)/Participants/(?<participant>[^/]+?)(?:\\.json)?', ({ params }) => {
      const conference = conferenceOr404(params.conferenceSid!);
      return { status: 200, json: participantResource(participantOr404(conference, params.participant!), conference, accountPath) };
    }),
    // https://developers.telnyx.com/api-reference/texml-rest-commands/update-a-conference-participant
    texml('POST', '/Conferences/(?<conferenceSid>[^/]+)/Participants/(?<participant>[^/]+?)(?:\\.json)?', ({ params, body }) => {
      const conference = conferenceOr404(params.conferenceSid!);
      const current = participantOr404(conference, params.participant!);
      const updated = conferences.update(conference.sid, current.callSid, updateParticipantInput(body, current));
      return { status: 200, json: participantResource(updated, conferences.get(conference.sid) ?? conference, accountPath) };
    }),
    // https://developers.telnyx.com/api-reference/texml-rest-commands/delete-a-conference-participant: 204.
    texml('DELETE', '/Conferences/(?<conferenceSid>[^/]+)/Participants/(?<participant>[^/]+?)(?:\\.json)?', ({ params }) => {
      const conference = conferenceOr404(params.conferenceSid!);
      conferences.remove(conference.sid, participantOr404(conference, params.participant!).callSid);
      return { status: 204 };
    }),
    // https://developers.telnyx.com/api-reference/texml-rest-commands/fetch-recordings-for-a-conference
    texml('GET', '/Conferences/(?<conferenceSid>[^/]+)/Recordings\\.json', ({ params, query }) => {
      const found = media.list({ conferenceSid: params.conferenceSid! });
      if (found.length === 0) conferenceOr404(params.conferenceSid!);
      return recordingList(found, query, `${accountPath}/Conferences/${params.conferenceSid}/Recordings.json`);
    }),
    // https://developers.telnyx.com/api-reference/texml-rest-commands/list-conference-recordings (its own shape)
    texml('GET', '/Conferences/(?<conferenceSid>[^/]+)/Recordings', ({ params, query }) => {
      const found = media.list({ conferenceSid: params.conferenceSid! });
      if (found.length === 0) conferenceOr404(params.conferenceSid!);
      const uri = `${accountPath}/Conferences/${params.conferenceSid}/Recordings.json`;
      return texmlPage(
        found.map((r) => conferenceRecordingResource(r, media.urlOf(r.sid), accountPath)),
        query,
        uri,
        'recordings',
      );
    }),

    // https://developers.telnyx.com/api-reference/texml-rest-commands/fetch-multiple-recording-resources
    texml('GET', '/Recordings\\.json', ({ query }) => recordingList(media.list(), query, `${accountPath}/Recordings.json`)),
    // https://developers.telnyx.com/api-reference/texml-rest-commands/fetch-recording-resource
    texml('GET', '/Recordings/(?<recordingSid>[^/]+?)(?:\\.json)?', ({ params }) => {
      const recording = media.get(params.recordingSid!) ?? throwError(notFound(`No recording ${params.recordingSid}.`));
      return { status: 200, json: recordingJson(recording) };
    }),
  ];
}

// ---------------------------------------------------------------------------------------------------
// Requests: PascalCase TeXML fields → CallControl inputs.

type CreateCallInput = Parameters<CallControl['createCall']>[0];
type UpdateCallInput = Parameters<CallControl['updateCall']>[1];
type DialInput = Parameters<CallControl['conferences']['dial']>[1];
type ParticipantUpdate = Parameters<CallControl['conferences']['update']>[2];

/** `InitiateCallRequest`: To, From and ApplicationSid required; Url, Texml, or neither (the application's URL). */
export function createCallInput(body: Body, account: RestAccount): CreateCallInput {
  const to = requiredText(body, 'To');
  const from = requiredText(body, 'From');
  const applicationSid = requiredText(body, 'ApplicationSid');
  // Inferred: the account's TeXML application is its one connection.
  if (applicationSid !== account.connectionId)
    throw invalid.value('ApplicationSid', `ApplicationSid ${applicationSid} is not a TeXML application of this account`);
  const url = text(body, 'Url');
  const texmlDoc = text(body, 'Texml');
  if (url !== undefined && texmlDoc !== undefined) throw invalid.value('Texml', 'Give Url or Texml, not both');
  const timeoutSeconds = integer(body, 'Timeout');
  // Timeout: "The minimum value is 5 and the maximum value is 120. Default is 30 seconds."
  if (timeoutSeconds !== undefined && (timeoutSeconds < 5 || timeoutSeconds > 120))
    throw invalid.value('Timeout', 'Timeout must be between 5 and 120 seconds');
  const superviseCallSid = text(body, 'SuperviseCallSid');
  const supervisingRole = choice(body, 'SupervisingRole', ['barge', 'whisper', 'monitor'] as const);
  return compact({
    to,
    from,
    url,
    // The spec names it UrlMethod; Twilio's API (and older Telnyx examples) say Method.
    method: choice(body, 'UrlMethod', HTTP_METHODS) ?? choice(body, 'Method', HTTP_METHODS),
    texml: texmlDoc,
    statusCallback: text(body, 'StatusCallback'),
    statusCallbackMethod: choice(body, 'StatusCallbackMethod', HTTP_METHODS),
    statusCallbackEvent: text(body, 'StatusCallbackEvent'),
    timeoutSeconds,
    superviseCallSid,
    // SupervisingRole "Default: barge"; it means nothing without a call to supervise.
    supervisingRole: superviseCallSid === undefined ? undefined : (supervisingRole ?? 'barge'),
  });
}

/** `UpdateCallRequest`: redirect (Url or Texml) or end the call (Status). */
export function updateCallInput(body: Body): UpdateCallInput {
  const url = text(body, 'Url');
  const texmlDoc = text(body, 'Texml');
  if (url !== undefined && texmlDoc !== undefined) throw invalid.value('Texml', 'Give Url or Texml, not both');
  return compact({
    url,
    method: choice(body, 'Method', HTTP_METHODS),
    texml: texmlDoc,
    // The spec: "Setting the status to completed ends the call"; canceled is Twilio's documented value for a call not yet answered.
    status: choice(body, 'Status', ['completed', 'canceled'] as const),
  });
}

/** `TexmlCreateCallRecordingRequest` (telnyx-node RecordingsJsonRecordingsJsonParams). */
export function startRecordingInput(body: Body): Parameters<CallControl['startRecording']>[1] {
  return compact({
    playBeep: flag(body, 'PlayBeep'),
    channels: choice(body, 'RecordingChannels', ['single', 'dual'] as const),
    statusCallback: text(body, 'RecordingStatusCallback'),
    statusCallbackMethod: choice(body, 'RecordingStatusCallbackMethod', HTTP_METHODS),
    statusCallbackEvent: events(body, 'RecordingStatusCallbackEvent', ['in-progress', 'completed', 'absent']),
    track: choice(body, 'RecordingTrack', ['inbound', 'outbound', 'both'] as const),
    sendRecordingUrl: flag(body, 'SendRecordingUrl'),
  });
}

/** `DialConferenceParticipantRequest`. */
export function dialParticipantInput(body: Body): DialInput {
  const coaching = flag(body, 'Coaching');
  const callSidToCoach = text(body, 'CallSidToCoach');
  // Coaching: "When `true`, `CallSidToCoach` has to be given."
  if (coaching === true && callSidToCoach === undefined) throw invalid.missing('CallSidToCoach');
  return compact({
    // The spec marks nothing required; a dial needs both ends (Twilio's documented behaviour: From and To required).
    to: requiredText(body, 'To'),
    from: requiredText(body, 'From'),
    label: text(body, 'Label'),
    muted: flag(body, 'Muted'),
    coaching,
    callSidToCoach,
    endConferenceOnExit: flag(body, 'EndConferenceOnExit'),
    startConferenceOnEnter: flag(body, 'StartConferenceOnEnter'),
    beep: choice(body, 'Beep', ['true', 'false', 'onEnter', 'onExit'] as const),
    timeoutSeconds: participantTimeout(body),
    statusCallback: text(body, 'StatusCallback'),
    statusCallbackMethod: choice(body, 'StatusCallbackMethod', HTTP_METHODS),
    statusCallbackEvent: events(body, 'StatusCallbackEvent', ['initiated', 'ringing', 'answered', 'completed']),
    conferenceStatusCallback: text(body, 'ConferenceStatusCallback'),
    conferenceStatusCallbackMethod: choice(body, 'ConferenceStatusCallbackMethod', HTTP_METHODS),
    conferenceStatusCallbackEvent: events(body, 'ConferenceStatusCallbackEvent', ['start', 'end', 'join', 'leave']),
    // EarlyMedia ("bridged to conference before the participant answers"): accepted; no audio flows here, so it changes nothing.
    earlyMedia: flag(body, 'EarlyMedia'),
  });
}

/**
 * The participant's ring time: telnyx-node (ParticipantParticipantsParams) names it `timeout_seconds`,
 * Twilio's API (which TeXML mirrors) `Timeout`; either is read. "An integer between 5 and 120, inclusive."
 */
function participantTimeout(body: Body): number | undefined {
  const field = body.Timeout !== undefined ? 'Timeout' : 'timeout_seconds';
  const seconds = integer(body, field);
  if (seconds !== undefined && (seconds < 5 || seconds > 120)) throw invalid.value(field, `${field} must be between 5 and 120 seconds`);
  return seconds;
}

/** `call-scripting_UpdateConferenceParticipantRequest`. */
export function updateParticipantInput(body: Body, current: SimParticipantView): ParticipantUpdate {
  const coaching = flag(body, 'Coaching');
  const callSidToCoach = text(body, 'CallSidToCoach');
  if (coaching === true && callSidToCoach === undefined && current.callSidToCoach === null) throw invalid.missing('CallSidToCoach');
  return compact({
    muted: flag(body, 'Muted'),
    hold: flag(body, 'Hold'),
    holdUrl: text(body, 'HoldUrl'),
    holdMethod: choice(body, 'HoldMethod', HTTP_METHODS),
    coaching,
    callSidToCoach,
    endConferenceOnExit: flag(body, 'EndConferenceOnExit'),
  });
}

/** `GET .../Calls` filters: To, From, Status, and StartTime/EndTime dates (YYYY-MM-DD, UTC) with _gt/_lt. */
function callFilter(query: Strings): (call: SimCallView) => boolean {
  const dateOf = (iso: string | null) => (iso === null ? null : iso.slice(0, 10));
  const dated = (value: string | null, key: string) => {
    const eq = query[key];
    const gt = query[`${key}_gt`];
    const lt = query[`${key}_lt`];
    if (eq === undefined && gt === undefined && lt === undefined) return true;
    if (value === null) return false;
    return (eq === undefined || value === eq) && (gt === undefined || value > gt) && (lt === undefined || value < lt);
  };
  return (call) =>
    (query.To === undefined || call.to === query.To) &&
    (query.From === undefined || call.from === query.From) &&
    (query.Status === undefined || call.status === query.Status) &&
    dated(dateOf(call.startTime), 'StartTime') &&
    dated(dateOf(call.endTime), 'EndTime');
}

// ---------------------------------------------------------------------------------------------------
// Answers: views → the spec's resources.

/** `TelephonyCredential` (the spec names the connection `resource_id: "connection:<id>"`). */
export function credentialResource(c: SimCredential, account: RestAccount) {
  return {
    id: c.id,
    record_type: 'credential',
    name: c.name,
    expired: c.expired,
    user_id: account.accountSid,
    resource_id: `connection:${c.connectionId}`,
    sip_username: c.sipUsername,
    sip_password: c.sipPassword,
    created_at: c.createdAt,
    updated_at: c.createdAt,
  };
}

/**
 * `TexmlApplication` (field names, lower-case methods and the nesting of `inbound`/`outbound` as in the
 * spec's example on the retrieve page; telnyx-node `src/resources/texml-applications.ts`). Only the
 * fields the simulator models, all optional in the spec.
 */
export function texmlApplicationResource(app: SimTexmlApplication) {
  return {
    id: app.id,
    record_type: 'texml_application',
    active: app.active,
    friendly_name: app.friendlyName,
    anchorsite_override: 'Latency',
    voice_url: app.voiceUrl,
    voice_fallback_url: app.voiceFallbackUrl,
    call_cost_in_webhooks: false,
    voice_method: app.voiceMethod.toLowerCase(),
    status_callback: app.statusCallback,
    status_callback_method: app.statusCallbackMethod.toLowerCase(),
    tags: [],
    inbound: { channel_limit: null, sip_subdomain: null },
    outbound: { channel_limit: null, outbound_voice_profile_id: app.outboundVoiceProfileId },
    created_at: app.createdAt,
    updated_at: app.updatedAt,
  };
}

/**
 * `CredentialConnection` (the retrieve page's example; telnyx-node
 * `src/resources/credential-connections/credential-connections.ts`). Only the fields the simulator
 * models, all optional in the spec; the password is left out.
 */
export function credentialConnectionResource(c: SimCredentialConnection) {
  return {
    id: c.id,
    record_type: 'credential_connection',
    active: c.active,
    user_name: c.userName,
    connection_name: c.connectionName,
    anchorsite_override: 'Latency',
    sip_uri_calling_preference: c.sipUriCallingPreference,
    tags: [],
    inbound: { channel_limit: null },
    outbound: { channel_limit: null, outbound_voice_profile_id: c.outboundVoiceProfileId },
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

/** `OutboundVoiceProfile` (the retrieve page's example; telnyx-node `src/resources/outbound-voice-profiles.ts`). */
export function outboundVoiceProfileResource(p: SimOutboundVoiceProfile) {
  return {
    id: p.id,
    record_type: 'outbound_voice_profile',
    name: p.name,
    traffic_type: 'conversational',
    service_plan: 'global',
    concurrent_call_limit: null,
    enabled: p.enabled,
    tags: [],
    usage_payment_method: 'rate-deck',
    whitelisted_destinations: [...p.whitelistedDestinations],
    max_destination_rate: null,
    daily_spend_limit: null,
    daily_spend_limit_enabled: false,
    billing_group_id: null,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}

/** `CallResource`: dates in RFC 2822, duration a string, direction inbound | outbound. */
export function callResource(c: SimCallView, accountPath: string) {
  return {
    account_sid: c.accountSid,
    sid: c.callSid,
    caller_name: c.from,
    date_created: rfc2822(c.startTime),
    date_updated: rfc2822(c.endTime ?? c.startTime),
    direction: c.direction === 'inbound' ? 'inbound' : 'outbound',
    duration: c.duration === null ? null : String(c.duration),
    start_time: rfc2822(c.startTime),
    end_time: rfc2822(c.endTime),
    from: c.from,
    from_formatted: formattedNumber(c.from),
    to: c.to,
    to_formatted: formattedNumber(c.to),
    status: c.status,
    // Twilio's CallResource field, for a <Dial> leg (the dialing call); Telnyx's CallResource schema
    // (telnyx-node CallRetrieveResponse) does not list it, so a client should not count on it there.
    ...(c.parentCallSid ? { parent_call_sid: c.parentCallSid } : {}),
    uri: `${accountPath}/Calls/${c.callSid}.json`,
  };
}

/** `ConferenceResource`. */
export function conferenceResource(c: SimConferenceView, accountPath: string) {
  const uri = `${accountPath}/Conferences/${c.sid}`;
  return {
    account_sid: accountSidOf(accountPath),
    api_version: 'v2/texml',
    date_created: rfc2822(c.createdAt),
    date_updated: rfc2822(c.createdAt),
    friendly_name: c.friendlyName,
    sid: c.sid,
    status: c.status,
    subresource_uris: { participants: `${uri}/Participants.json`, recordings: `${uri}/Recordings.json` },
    uri: `${uri}.json`,
  };
}

/** `ParticipantResource`: status connected, or completed once the participant has left. */
export function participantResource(p: SimParticipantView, conference: SimConferenceView, accountPath: string) {
  return {
    account_sid: accountSidOf(accountPath),
    api_version: 'v2/texml',
    call_sid: p.callSid,
    call_sid_legacy: p.callSid,
    coaching: p.coaching,
    ...(p.callSidToCoach === null ? {} : { coaching_call_sid: p.callSidToCoach, coaching_call_sid_legacy: p.callSidToCoach }),
    conference_sid: p.conferenceSid,
    date_created: rfc2822(conference.createdAt),
    date_updated: rfc2822(conference.createdAt),
    end_conference_on_exit: p.endConferenceOnExit,
    hold: p.hold,
    muted: p.muted,
    status: p.status === 'left' ? 'completed' : 'connected',
    uri: `${accountPath}/Conferences/${p.conferenceSid}/Participants/${p.callSid}.json`,
  };
}

/** `NewParticipantResource`: what dialing a participant answers (no dates, no api_version). */
export function newParticipantResource(p: SimParticipantView, accountPath: string) {
  return {
    account_sid: accountSidOf(accountPath),
    call_sid: p.callSid,
    coaching: p.coaching,
    ...(p.callSidToCoach === null ? {} : { coaching_call_sid: p.callSidToCoach }),
    conference_sid: p.conferenceSid,
    end_conference_on_exit: p.endConferenceOnExit,
    hold: p.hold,
    muted: p.muted,
    status: p.status === 'left' ? 'completed' : 'connected',
    uri: `${accountPath}/Conferences/${p.conferenceSid}/Participants/${p.callSid}.json`,
  };
}

/**
 * `TexmlGetCallRecordingResponseBody`: ISO dates, duration a string (null while recording). The status is
 * the recording's own; `absent` (no audio) is kept as the recording status callback reports it (inferred:
 * this schema's enum lists in-progress, completed, paused, stopped).
 */
export function recordingResource(r: SimRecording, mediaUrl: string, accountPath: string) {
  return {
    account_sid: accountSidOf(accountPath),
    call_sid: r.callSid,
    conference_sid: r.conferenceSid,
    channels: r.channels,
    date_created: isoSeconds(r.startedAt),
    date_updated: isoSeconds(r.startedAt),
    start_time: isoSeconds(r.startedAt),
    duration: r.status === 'in-progress' || r.status === 'paused' ? null : String(r.duration),
    error_code: null,
    media_url: mediaUrl,
    sid: r.sid,
    source: r.source,
    status: r.status,
    subresources_uris: { transcriptions: null },
    uri: `${accountPath}/Recordings/${r.sid}.json`,
  };
}

/** `ConferenceRecordingResource`: RFC 2822 dates, integer duration, status processing | absent | completed. */
export function conferenceRecordingResource(r: SimRecording, mediaUrl: string, accountPath: string) {
  return {
    account_sid: accountSidOf(accountPath),
    call_sid: r.callSid,
    channels: r.channels,
    conference_sid: r.conferenceSid,
    date_created: rfc2822(r.startedAt),
    date_updated: rfc2822(r.startedAt),
    duration: r.duration,
    media_url: mediaUrl,
    sid: r.sid,
    source: r.source,
    start_time: rfc2822(r.startedAt),
    status: r.status === 'in-progress' ? 'processing' : r.status,
    subresource_uris: { transcriptions: null },
    uri: `${accountPath}/Recordings/${r.sid}.json`,
  };
}

/**
 * A TeXML list page (`CallResourceIndex` and its siblings): zero-indexed `Page`, `PageSize`, and the
 * start/end/uri fields. The recordings lists also carry previous_page_uri.
 */
function texmlPage(items: unknown[], query: Strings, baseUri: string, key: string, withPrevious = false): Reply {
  const page = pageParam(query, 'Page', 0, 0, Number.MAX_SAFE_INTEGER);
  const pageSize = pageParam(query, 'PageSize', DEFAULT_TEXML_PAGE_SIZE, 1, MAX_TEXML_PAGE_SIZE);
  const start = page * pageSize;
  const slice = items.slice(start, start + pageSize);
  const uriOf = (n: number) => `${baseUri}?Page=${n}&PageSize=${pageSize}`;
  return {
    status: 200,
    json: {
      [key]: slice,
      page,
      page_size: pageSize,
      start,
      end: slice.length === 0 ? start : start + slice.length - 1,
      uri: uriOf(page),
      first_page_uri: uriOf(0),
      next_page_uri: start + pageSize < items.length ? uriOf(page + 1) : null,
      ...(withPrevious ? { previous_page_uri: page > 0 ? uriOf(page - 1) : null } : {}),
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Small pure helpers.

/** A field of a JSON or form body as a string; absent, null and '' are all "not given". */
function text(body: Body, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalid.type(field, 'string');
  return value;
}

function requiredText(body: Body, field: string): string {
  const value = text(body, field);
  if (value === undefined || value.trim() === '') throw invalid.missing(field);
  return value;
}

/** Booleans arrive as JSON booleans or, in forms, as "true"/"false". */
function flag(body: Body, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw invalid.type(field, 'boolean');
}

function integer(body: Body, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value);
  throw invalid.type(field, 'integer');
}

function choice<T extends string>(body: Body, field: string, allowed: readonly T[]): T | undefined {
  const value = text(body, field);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw invalid.enumerated(field, allowed);
  return value as T;
}

/** A space-separated list of event names, each one of `allowed`. */
function events(body: Body, field: string, allowed: readonly string[]): string | undefined {
  const value = text(body, field);
  if (value === undefined) return undefined;
  for (const event of value.split(/\s+/).filter(Boolean))
    if (!allowed.includes(event)) throw invalid.value(field, `${event} is not one of ${allowed.join(', ')}`);
  return value;
}

function pageParam(query: Strings, name: string, fallback: number, min: number, max: number): number {
  const raw = query[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw invalid.type(name, 'integer');
  const value = Number(raw);
  if (value < min || value > max) throw invalid.value(name, `${name} must be between ${min} and ${max}`);
  return value;
}

/** Drops undefined members, so inputs carry only what the request gave. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function notFound(detail: string): SimApiError {
  return new SimApiError(404, '10005', 'Resource not found', detail, '/');
}

function throwError(err: Error): never {
  throw err;
}

function accountSidOf(accountPath: string): string {
  return accountPath.slice(accountPath.lastIndexOf('/') + 1);
}

/** "Thu, 15 Jun 2023 09:56:45 +0000", the spec's example format for TeXML resource dates. */
export function rfc2822(iso: string | null): string | null {
  if (iso === null) return null;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date.toUTCString().replace('GMT', '+0000');
}

/** "2023-08-11T19:12:11Z", the recording schema's example format. */
function isoSeconds(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** "(312) 345-6789" for a North American number, as the spec's from_formatted example; others as given. */
export function formattedNumber(number: string): string {
  const nanp = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(number);
  return nanp ? `(${nanp[1]}) ${nanp[2]}-${nanp[3]}` : number;
}

function decodeParams(groups: Strings | undefined): Strings | undefined {
  try {
    return Object.fromEntries(Object.entries(groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]));
  } catch {
    return undefined;
  }
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLarge());
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('aborted', () => reject(new Error('aborted')));
  });
}

type ParsedBody = { ok: true; body: Body; value: unknown } | { ok: false; error: string; value: unknown };

/** JSON or form, by Content-Type; anything else is tried as JSON. An empty body is `{}`. */
export function parseBody(raw: Buffer, contentType: string | undefined): ParsedBody {
  const textBody = raw.toString('utf8');
  if (textBody.trim() === '') return { ok: true, body: {}, value: undefined };
  if (contentType?.toLowerCase().includes('application/x-www-form-urlencoded')) {
    const body = Object.fromEntries(new URLSearchParams(textBody));
    return { ok: true, body, value: body };
  }
  try {
    const value: unknown = JSON.parse(textBody);
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      return { ok: false, error: 'The request body must be a JSON object.', value };
    return { ok: true, body: value as Body, value };
  } catch {
    return { ok: false, error: 'The request body is not valid JSON.', value: textBody };
  }
}
