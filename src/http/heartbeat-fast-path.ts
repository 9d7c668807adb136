/**
 * The prepared heartbeat (src/graphql/prepared-heartbeat.ts) on both transports: the same requests,
 * answered without Yoga's Fetch-API layer (HTTP) or graphql-ws' execution (graphql-ws). A request it
 * does not take is handed on untouched, and nothing has been done for it yet.
 *
 * graphql-ws: the fast path listens in front of the 'message' listener useServer installs on each
 * socket. It takes a `subscribe` only on an acknowledged socket, for an id not in flight, with an
 * eligible document; everything else (connection_init, pings, other operations, protocol errors that
 * close with 4400/4401/4409) reaches graphql-ws as before. A taken operation follows graphql-ws' rules:
 * its id is reserved while in flight (so the per-socket operation cap counts it), a refused one gets an
 * `error` frame, a result gets `next` then `complete` unless the client completed it meanwhile.
 *
 * HTTP: POST /graphql with a JSON body, answered as application/json (Accept absent, * / * or
 * application/json) and without CORS headers (requests from a CORS origin go to Yoga). The body is
 * read here; a request handed on carries it as `req.body`, which Yoga's server adapter reads instead
 * of the stream.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context as WsContext } from 'graphql-ws';
import type { GraphQLError } from 'graphql';
import type { RawData, WebSocket } from 'ws';
import type { WsExtra } from '../auth/ws-sessions.js';
import { credentialFrom, type Viewer } from '../auth/tokens.js';
import type { HeartbeatAnswer, PreparedHeartbeats } from '../graphql/prepared-heartbeat.js';
import type { ServerWebSocket } from './server-websocket.js';

type WsCtx = WsContext<Record<string, unknown> | undefined, WsExtra>;
type MessageListener = (data: RawData, isBinary: boolean) => void;

export function graphqlWsHeartbeats(deps: { prepared: PreparedHeartbeats; operationRefused: (ctx: WsCtx) => GraphQLError[] | null }) {
  const { prepared, operationRefused } = deps;
  /** graphql-ws' context of each socket, from onConnect (its first hook that sees the context). */
  const contexts = new WeakMap<WebSocket, WsCtx>();

  /** Whether the fast path took the message (then graphql-ws never sees it). */
  const took = (socket: ServerWebSocket, data: RawData): boolean => {
    const ctx = contexts.get(socket);
    if (!ctx?.acknowledged) return false; // graphql-ws closes with 4401
    const message = parsed(data);
    if (message?.type !== 'subscribe') return false;
    const { id, payload } = message as { id?: unknown; payload?: Record<string, unknown> };
    if (typeof id !== 'string' || id === '' || !isRecord(payload) || id in ctx.subscriptions) return false; // 4400, 4409
    if (!optional(payload.variables, isRecord) || !optional(payload.extensions, isRecord)) return false;
    if (!optional(payload.operationName, (v) => typeof v === 'string')) return false;
    const viewer = ctx.extra.viewer;
    const plan = viewer?.role === 'agent' ? prepared.planFor(payload.query, payload.operationName) : null;
    const report = plan && prepared.reportOf(plan, payload.variables);
    if (!report || viewer?.role !== 'agent') return false;

    ctx.subscriptions[id] = null; // in flight, as graphql-ws marks it
    const idJson = JSON.stringify(id);
    const refused = operationRefused(ctx);
    if (refused) {
      socket.sendTexts([`{"id":${idJson},"type":"error","payload":${JSON.stringify(refused.map((e) => e.toJSON()))}}`]);
      delete ctx.subscriptions[id];
      return true;
    }
    /** graphql-ws' answer: `next` then `complete` in one write, unless the client completed the operation meanwhile. */
    const reply = (answer: HeartbeatAnswer) => {
      if (!(id in ctx.subscriptions)) return;
      delete ctx.subscriptions[id];
      // graphql-ws writes the result's data before its errors.
      const result =
        answer.errors === null
          ? `{"data":${answer.data}}`
          : `{"data":null,"errors":${JSON.stringify(answer.errors.map((e) => e.toJSON()))}}`;
      socket.sendTexts([`{"id":${idJson},"type":"next","payload":${result}}`, `{"id":${idJson},"type":"complete"}`]);
    };
    const request = {
      transport: 'ws',
      requestId: undefined,
      operationName: (payload.operationName as string | null) ?? undefined,
    } as const;
    const answer = prepared.run(plan, report, viewer, request);
    // Sent after this turn's messages even when answered at once: the operation stays in flight for
    // the socket's next messages in the same read (the per-socket cap and 4409 count it), as graphql-ws'.
    if ('then' in answer) void answer.then(reply);
    else queueMicrotask(() => reply(answer));
    return true;
  };

  return {
    /** Call from graphql-ws' onConnect. */
    track(ctx: WsCtx): void {
      contexts.set(ctx.extra.socket, ctx);
    },
    /** Call on each new socket after useServer has installed its listener. */
    intercept(socket: WebSocket): void {
      const listeners = socket.listeners('message') as MessageListener[];
      socket.removeAllListeners('message');
      socket.on('message', (data: RawData, isBinary: boolean) => {
        if (took(socket as ServerWebSocket, data)) return;
        for (const listener of listeners) listener.call(socket, data, isBinary);
      });
    },
  };
}

function parsed(data: RawData): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(String(data));
    return isRecord(value) ? value : null;
  } catch {
    return null; // graphql-ws closes with 4400
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optional(value: unknown, is: (v: unknown) => boolean): boolean {
  return value === undefined || value === null || is(value);
}

const JSON_HEADERS = 'application/json; charset=utf-8';
/** Keys of a GraphQL-over-HTTP JSON body the fast path understands; any other (extensions…) is Yoga's. */
const BODY_KEYS = new Set(['query', 'variables', 'operationName']);

export function httpHeartbeats(deps: {
  prepared: PreparedHeartbeats;
  endpoint: string;
  /** src/http/graphql-http.ts' httpViewerOf: the viewer, or the GraphQLError a refused credential gets. */
  viewerOf: (credential: string | null, req: IncomingMessage) => Promise<Viewer | null>;
  corsOrigin: (origin: string | undefined) => boolean;
  /** Yoga: the general path. */
  general: (req: IncomingMessage, res: ServerResponse) => void;
}) {
  const { prepared, viewerOf, general } = deps;

  const handOn = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    (req as IncomingMessage & { body?: Buffer }).body = body;
    general(req, res);
  };

  const answer = async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> => {
    let params: unknown;
    try {
      params = JSON.parse(body.toString('utf8'));
    } catch {
      return handOn(req, res, body);
    }
    if (!isRecord(params) || !Object.keys(params).every((k) => BODY_KEYS.has(k))) return handOn(req, res, body);
    if (!optional(params.variables, isRecord) || !optional(params.operationName, (v) => typeof v === 'string'))
      return handOn(req, res, body);
    const plan = prepared.planFor(params.query, params.operationName);
    const report = plan && prepared.reportOf(plan, params.variables);
    const credential = credentialFrom(req.headers.authorization);
    if (!report || !credential) return handOn(req, res, body); // without a credential: the general path's FORBIDDEN
    let viewer: Viewer | null;
    try {
      viewer = await viewerOf(credential, req);
    } catch (err) {
      return refuse(res, err as GraphQLError);
    }
    if (viewer?.role !== 'agent') return handOn(req, res, body); // its FORBIDDEN; authenticating again changes nothing
    const request = {
      transport: 'http',
      requestId: req.headers['x-request-id'] as string,
      operationName: (params.operationName as string | null) ?? undefined,
    } as const;
    reply(res, 200, httpResult(await prepared.run(plan, report, viewer, request)));
  };

  return (req: IncomingMessage, res: ServerResponse): void => {
    if (!mayBeHeartbeat(req, deps.endpoint, deps.corsOrigin)) return void general(req, res);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => void answer(req, res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
  };
}

/** What Yoga answers a request whose credential is refused (its context factory throws this error). */
function refuse(res: ServerResponse, error: GraphQLError): void {
  const { http, ...extensions } = error.extensions as { http?: { status: number; headers?: Record<string, string> } };
  const body = JSON.stringify({ errors: [{ message: error.message, extensions }] });
  reply(res, http?.status ?? 500, body, http?.headers);
}

/** Yoga's JSON result: its `errors` (without the internal extensions) before its `data`. */
function httpResult(answer: HeartbeatAnswer): string {
  if (answer.errors === null) return `{"data":${answer.data}}`;
  return `{"errors":${JSON.stringify(answer.errors.map(withoutInternals))},"data":null}`;
}

/** As Yoga writes an error over HTTP: `http` and `unexpected` are for the server, not the client. */
function withoutInternals(error: GraphQLError) {
  const json = error.toJSON();
  const { http: _http, unexpected: _unexpected, ...extensions } = json.extensions ?? {};
  return { ...json, extensions: Object.keys(extensions).length > 0 ? extensions : undefined };
}

function reply(res: ServerResponse, status: number, body: string, headers?: Record<string, string>): void {
  res.writeHead(status, { ...headers, 'content-type': JSON_HEADERS, 'content-length': Buffer.byteLength(body) }).end(body);
}

/** A request the fast path may answer once it has read the body. */
function mayBeHeartbeat(req: IncomingMessage, endpoint: string, corsOrigin: (origin: string | undefined) => boolean): boolean {
  if (req.method !== 'POST' || req.url !== endpoint || req.headers['content-length'] === '0') return false;
  const type = req.headers['content-type'];
  if (!type || !/^application\/json\s*(;|$)/i.test(type)) return false;
  const accept = req.headers.accept;
  if (accept !== undefined && accept !== '*/*' && !/^\s*application\/json\s*$/i.test(accept)) return false;
  return !corsOrigin(req.headers.origin);
}
