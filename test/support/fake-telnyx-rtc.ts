/**
 * A local stand-in for Telnyx, on one port:
 * - REST: `POST /v2/telephony_credentials/:id/token` mints a login token (text/plain, 201), as
 *   api.telnyx.com does; `GET /v2/telephony_credentials/:id` answers 200 with the credential (404
 *   for ids passed to `forgetCredential`); `failWith(status)` / `failWith('reset')` make both fail.
 * - WebSocket: the JSON-RPC ("Verto") dialect @telnyx/webrtc speaks (docs/TELNYX.md §Signalling):
 *   login → result + telnyx_rtc.clientReady → gatewayState REGED; answers ping, answer, bye, modify,
 *   info; pushes inbound invites and remote hang-ups; records every frame each client sent.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface RpcMessage {
  jsonrpc: '2.0';
  id: string | number;
  method?: string;
  params?: Record<string, any>;
  result?: unknown;
}

export interface RtcSession {
  /** The credential the login token was minted for (null when the token is not one of ours). */
  credentialId: string | null;
  received: RpcMessage[];
  socket: WebSocket;
  closed: boolean;
}

export interface FakeTelnyx {
  /** http://127.0.0.1:PORT/v2 — for TELNYX_API_BASE_URL. */
  apiBaseUrl: string;
  /** ws://127.0.0.1:PORT — for TELNYX_WEBRTC_HOST. */
  websocketUrl: string;
  sessions: RtcSession[];
  mintRequests: { credentialId: string; authorization: string | undefined }[];
  /** Every `GET /telephony_credentials/:id` received (the existence check when an agent is linked). */
  lookupRequests: { credentialId: string; authorization: string | undefined }[];
  failWith(mode: number | 'reset' | null): void;
  /** The account has no such credential from now on: GET answers 404. */
  forgetCredential(credentialId: string): void;
  /** The open session logged in with `credentialId`'s token (waits for it). */
  session(credentialId: string, timeoutMs?: number): Promise<RtcSession>;
  /** Resolves with the first message matching `predicate` that the session sent. */
  waitFor(session: RtcSession, predicate: (m: RpcMessage) => boolean, timeoutMs?: number): Promise<RpcMessage>;
  push(session: RtcSession, method: string, params: Record<string, unknown>): number;
  close(): Promise<void>;
}

const tokenFor = (credentialId: string) => `fake.${Buffer.from(credentialId).toString('base64url')}.sig`;
function credentialOf(token: unknown): string | null {
  const m = typeof token === 'string' ? /^fake\.([\w-]+)\.sig$/.exec(token) : null;
  return m ? Buffer.from(m[1]!, 'base64url').toString() : null;
}

/** Polls `check` until it returns a value (condition waits, no fixed sleeps). */
async function until<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`fake Telnyx: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function startFakeTelnyx(): Promise<FakeTelnyx> {
  const sessions: RtcSession[] = [];
  const mintRequests: FakeTelnyx['mintRequests'] = [];
  const lookupRequests: FakeTelnyx['lookupRequests'] = [];
  const forgotten = new Set<string>();
  let failure: number | 'reset' | null = null;
  let serverId = 1000;

  const http: Server = createServer((req, res) => {
    const lookup = /^\/v2\/telephony_credentials\/([^/]+)$/.exec(req.url ?? '');
    if (req.method === 'GET' && lookup) {
      const credentialId = decodeURIComponent(lookup[1]!);
      lookupRequests.push({ credentialId, authorization: req.headers.authorization });
      if (failure === 'reset') return void req.socket.destroy();
      if (failure) return void res.writeHead(failure, { 'content-type': 'application/json' }).end('{"errors":[{"title":"fake failure"}]}');
      if (forgotten.has(credentialId))
        return void res
          .writeHead(404, { 'content-type': 'application/json' })
          .end('{"errors":[{"code":"10005","title":"Resource not found"}]}');
      const data = {
        id: credentialId,
        record_type: 'credential',
        name: `fake ${credentialId}`,
        sip_username: `gencred${credentialId.slice(0, 8)}`,
        expired: false,
      };
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
    }
    const m = /^\/v2\/telephony_credentials\/([^/]+)\/token$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !m) return void res.writeHead(404).end();
    const credentialId = decodeURIComponent(m[1]!);
    mintRequests.push({ credentialId, authorization: req.headers.authorization });
    if (failure === 'reset') return void req.socket.destroy();
    if (failure) return void res.writeHead(failure, { 'content-type': 'application/json' }).end('{"errors":[{"title":"fake failure"}]}');
    res.writeHead(201, { 'content-type': 'text/plain' }).end(tokenFor(credentialId));
  });
  const wss = new WebSocketServer({ server: http });

  wss.on('connection', (socket) => {
    const session: RtcSession = { credentialId: null, received: [], socket, closed: false };
    sessions.push(session);
    socket.on('close', () => (session.closed = true));
    const send = (msg: object) => socket.readyState === socket.OPEN && socket.send(JSON.stringify(msg));
    socket.on('message', (raw) => {
      const msg = JSON.parse(raw.toString()) as RpcMessage;
      session.received.push(msg);
      if (!msg.method) return; // the client's ack of one of our requests
      const reply = (result: unknown) => send({ jsonrpc: '2.0', id: msg.id, result });
      switch (msg.method) {
        case 'login': {
          session.credentialId = credentialOf(msg.params?.login_token);
          if (!session.credentialId) {
            return send({ jsonrpc: '2.0', id: msg.id, error: { code: -32000, message: 'Authentication Required' } });
          }
          reply({ message: 'logged in', sessid: `sess-${sessions.length}` });
          send({ jsonrpc: '2.0', id: ++serverId, method: 'telnyx_rtc.clientReady', params: { reattached_sessions: [] } });
          return;
        }
        case 'telnyx_rtc.gatewayState':
          return reply({ params: { state: 'REGED' }, sessid: `sess-${sessions.indexOf(session) + 1}` });
        default:
          // ping, answer, bye, modify, info: success, as the real server answers them.
          return reply({ method: msg.method });
      }
    });
  });

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;

  return {
    apiBaseUrl: `http://127.0.0.1:${port}/v2`,
    websocketUrl: `ws://127.0.0.1:${port}`,
    sessions,
    mintRequests,
    lookupRequests,
    failWith(mode) {
      failure = mode;
    },
    forgetCredential(credentialId) {
      forgotten.add(credentialId);
    },
    session(credentialId, timeoutMs = 20_000) {
      return until(
        () =>
          [...sessions]
            .reverse()
            .find((s) => !s.closed && s.credentialId === credentialId && s.received.some((m) => m.method === 'telnyx_rtc.gatewayState')),
        timeoutMs,
        `a registered session for ${credentialId}`,
      );
    },
    waitFor(session, predicate, timeoutMs = 15_000) {
      return until(() => session.received.find(predicate), timeoutMs, 'a client message');
    },
    push(session, method, params) {
      const id = ++serverId;
      session.socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      return id;
    },
    async close() {
      for (const s of sessions) s.socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
