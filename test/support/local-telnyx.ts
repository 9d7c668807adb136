/**
 * The local Telnyx (src/simulator) for tests that talk to Telnyx's REST API and WebRTC signalling
 * directly (softphone setup, the web client): an account whose credentials a test creates, the
 * requests the service made to it, and the signalling sessions of the softphones that registered.
 */
import { randomUUID } from 'node:crypto';
import { LocalTelnyx } from '../../src/simulator/local-telnyx.js';
import { waitFor } from './harness.js';
import type { FailureMode } from '../../src/simulator/rest-api.js';
import type { GatewaySession, RpcFrame } from '../../src/simulator/webrtc-gateway.js';

export interface TestTelnyx {
  telnyx: LocalTelnyx;
  /** For TELNYX_API_BASE_URL. */
  apiBaseUrl: string;
  /** For TELNYX_WEBRTC_HOST. */
  websocketUrl: string;
  /** A telephony credential of the account; its id (a UUID, as Telnyx's are). */
  newCredential(sipUsername?: string): string;
  /** `POST /telephony_credentials/:id/token` requests received, with their Authorization header. */
  mintRequests(): { credentialId: string; authorization: string | undefined }[];
  /** `GET /telephony_credentials/:id` requests received (the existence check when an agent is linked). */
  lookupRequests(): { credentialId: string; authorization: string | undefined }[];
  failWith(mode: FailureMode): void;
  /** The open, registered signalling session of the softphone logged in with `credentialId` (waits for it). */
  session(credentialId: string, timeoutMs?: number): Promise<GatewaySession>;
  /** The first frame `session`'s client sent that matches (waits for it). */
  waitFor(session: GatewaySession, predicate: (m: RpcFrame) => boolean, timeoutMs?: number): Promise<RpcFrame>;
  close(): Promise<void>;
}

export async function startTestTelnyx(opts: { apiKey?: string } = {}): Promise<TestTelnyx> {
  const telnyx = await LocalTelnyx.start({ apiKey: opts.apiKey });
  const requestsTo = (method: string, pattern: RegExp) =>
    telnyx.rest.requests.flatMap((r) => {
      const m = r.method === method ? pattern.exec(r.path) : null;
      return m ? [{ credentialId: decodeURIComponent(m[1]!), authorization: r.headers.authorization }] : [];
    });
  return {
    telnyx,
    apiBaseUrl: telnyx.apiBaseUrl,
    websocketUrl: telnyx.websocketUrl,
    newCredential: (sipUsername) =>
      telnyx.credentials.create({ connectionId: telnyx.connectionId, sipUsername, name: `test ${randomUUID().slice(0, 8)}` }).id,
    mintRequests: () => requestsTo('POST', /^\/v2\/telephony_credentials\/([^/]+)\/token$/),
    lookupRequests: () => requestsTo('GET', /^\/v2\/telephony_credentials\/([^/]+)$/),
    failWith: (mode) => telnyx.rest.failWith(mode),
    session: (credentialId, timeoutMs = 20_000) =>
      found(
        () =>
          [...telnyx.gateway.sessions]
            .reverse()
            .find((s) => !s.closed && s.credential?.id === credentialId && s.received.some((m) => m.method === 'telnyx_rtc.gatewayState')),
        timeoutMs,
        `a registered session for ${credentialId}`,
      ),
    waitFor: (session, predicate, timeoutMs = 15_000) => found(() => session.received.find(predicate), timeoutMs, 'a client frame'),
    close: () => telnyx.close(),
  };
}

/** The first value `find` returns (harness's waitFor, narrowed to "found"). */
async function found<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  return (await waitFor(find, (v) => v !== undefined, { timeoutMs, what })) as T;
}
