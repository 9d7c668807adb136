/**
 * A stand-in for Telnyx's TeXML REST API in the queue scenario, in the load generator's process: the
 * service under test offers a waiting caller by "Update call" (`POST /v2/texml/Accounts/:acct/Calls/:sid`
 * with `Url`), and this is where that request lands. It notes when each one arrived on the generator's
 * own clock (`performance.now()` as its headers are read, before its body), so the generator times
 * "agent free → offer sent" from its own webhook to this moment on one clock. Not the local Telnyx
 * (src/simulator): nothing plays calls here, so what is timed is the service alone.
 *
 * Shapes from src/simulator/rest-api.ts: Update call answers 200 with the call resource; "Get call"
 * (the service's look-up of a call it has not heard from) answers it `in-progress`; anything else is
 * a 404 in Telnyx's error envelope, counted so the report shows requests nobody expected.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One "Update call" as it arrived. */
export interface UpdateCallRequest {
  accountSid: string;
  callSid: string;
  /** performance.now() of the generator process when the request's headers were read. */
  receivedAt: number;
  /** The form's `Url`: the TeXML the call fetches next (the service's queue-offer document). */
  url: string | null;
}

export interface FakeRestCounts {
  updates: number;
  lookups: number;
  /** Requests of any other route, or without the API key. */
  unexpected: number;
}

const CALL_PATH = /^\/v2\/texml\/Accounts\/([^/]+)\/Calls\/([^/]+?)(?:\.json)?$/;

/** The API key the bench gives the service (TELNYX_API_KEY: at least 10 characters). */
export const BENCH_TELNYX_API_KEY = 'KEY0BENCH0FAKE0REST';

export class FakeTelnyxRest {
  readonly counts: FakeRestCounts = { updates: 0, lookups: 0, unexpected: 0 };

  private constructor(
    private readonly server: Server,
    /** TELNYX_API_BASE_URL for the service: http://127.0.0.1:<port>/v2 */
    readonly baseUrl: string,
  ) {}

  /** Listens on a free port of 127.0.0.1; `onUpdate` hears every Update call once its body is read. */
  static async start(onUpdate: (update: UpdateCallRequest) => void): Promise<FakeTelnyxRest> {
    let fake: FakeTelnyxRest | null = null;
    const server = createServer((req, res) => fake?.handle(req, res, onUpdate));
    // Keep-alive as Telnyx's edge does, so the service's connection pool is what a real run would use.
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake = new FakeTelnyxRest(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2`);
    return fake;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse, onUpdate: (update: UpdateCallRequest) => void): void {
    const receivedAt = performance.now();
    const match = CALL_PATH.exec(new URL(req.url ?? '/', 'http://x').pathname);
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (!match || req.headers.authorization !== `Bearer ${BENCH_TELNYX_API_KEY}` || (req.method !== 'POST' && req.method !== 'GET')) {
        this.counts.unexpected++;
        return json(res, 404, { errors: [{ code: '10005', title: 'Resource not found', detail: `${req.method} ${req.url}` }] });
      }
      const accountSid = decodeURIComponent(match[1]!);
      const callSid = decodeURIComponent(match[2]!);
      if (req.method === 'GET') this.counts.lookups++;
      else {
        this.counts.updates++;
        onUpdate({ accountSid, callSid, receivedAt, url: new URLSearchParams(body).get('Url') });
      }
      json(res, 200, {
        account_sid: accountSid,
        sid: callSid,
        status: 'in-progress',
        uri: `/v2/texml/Accounts/${match[1]}/Calls/${match[2]}.json`,
      });
    });
  }
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}
