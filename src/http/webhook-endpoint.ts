/**
 * The HTTP side of the Telnyx routes: read the body (bounded in size and in time), check what the
 * signature covers, claim the signature in the replay store, and hand the request to
 * src/telnyx/webhooks.ts. Every answer is valid TeXML.
 *
 * With TELNYX_PUBLIC_KEY set, only what Telnyx signs is trusted: the raw body. So a webhook must be
 * a POST with a form body (a GET's parameters and a JSON body's fields would go unverified), and the
 * handler reads its parameters from that body only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TEXML_CONTENT_TYPE } from '../domain/texml.js';
import { routingOutcomeLabel, type Metrics } from '../infra/metrics.js';
import { isRoutingRoute, telnyxRouteLabel } from '../domain/telnyx-routes.js';
import type { Services } from '../services/index.js';
import type { ReplayStore } from '../telnyx/replay-store.js';
import type { TelnyxSignatureVerifier } from '../telnyx/signature.js';
import { handleTelnyxWebhook, REFUSED_DOCUMENT } from '../telnyx/webhooks.js';

/** Webhook bodies are a few hundred bytes; anything past this is dropped, not buffered. */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;

/**
 * Server-wide limits (node:http), for every route: the headers within 10 s, the whole request within
 * 30 s (Node's defaults, 60 s and 300 s, let a few thousand slow clients hold sockets for minutes),
 * checked every second instead of every 30 s. A request fully received is not affected (SSE and
 * graphql-ws run as long as they like). Webhooks have their own, shorter body deadline.
 */
export const HTTP_SERVER_LIMITS = { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000 } as const;

export interface WebhookEndpointDeps {
  services: Services;
  metrics: Metrics;
  verifier: TelnyxSignatureVerifier | null;
  replay: ReplayStore;
}

type Body = { kind: 'ok'; bytes: Buffer } | { kind: 'too-large' } | { kind: 'timeout' } | { kind: 'error' };

export async function serveWebhook(deps: WebhookEndpointDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { services, metrics, verifier } = deps;
  const log = services.logger;
  const path = req.url?.split('?')[0] ?? '';
  const route = telnyxRouteLabel(path);
  const endTimer = metrics.webhookSeconds.startTimer({ route });
  res.once('close', () => endTimer({ status: String(res.statusCode) }));
  const refuse = (status: number, fields: Record<string, unknown>, message: string, close = false) => {
    log.warn({ path, method: req.method, ...fields }, message);
    if (res.headersSent) return;
    res.writeHead(status, { 'content-type': TEXML_CONTENT_TYPE, 'cache-control': 'no-store', ...(close && { connection: 'close' }) });
    res.end(REFUSED_DOCUMENT, () => {
      if (close) req.socket.destroy();
    });
  };
  try {
    if (verifier) {
      // Checked before reading anything: nothing the signature cannot cover is ever used.
      if (req.method !== 'POST') {
        req.resume();
        return refuse(
          405,
          {},
          "telnyx webhook refused: signatures are required, so only POST is accepted (a GET's query string is not signed): set the TeXML application's and callbacks' method to POST",
        );
      }
      if (!isFormContentType(req.headers['content-type'])) {
        req.resume();
        return refuse(
          415,
          { contentType: String(req.headers['content-type'] ?? '').slice(0, 100) },
          'telnyx webhook refused: signed webhooks must be application/x-www-form-urlencoded',
        );
      }
    }
    const body = await readBody(req, MAX_WEBHOOK_BODY_BYTES, services.config.webhookBodyTimeoutMs);
    if (body.kind === 'timeout') {
      return refuse(
        408,
        { timeoutMs: services.config.webhookBodyTimeoutMs },
        'telnyx webhook refused: the body did not arrive in time',
        true,
      );
    }
    if (body.kind === 'error') {
      if (!res.headersSent) res.writeHead(400, { 'content-type': TEXML_CONTENT_TYPE }).end(REFUSED_DOCUMENT);
      return;
    }
    const raw = body.kind === 'ok' ? body.bytes : null;
    if (verifier) {
      const verdict = verifier.check(raw ?? Buffer.alloc(0), req.headers, services.clock.now());
      // Logged without the body: an unsigned request may carry anything.
      if (!verdict.ok) return refuse(403, { reason: verdict.reason }, 'telnyx webhook refused: signature');
      if (!(await deps.replay.claim(verdict.replayKey, verdict.expiresAt)))
        return refuse(403, { reason: 'replayed' }, 'telnyx webhook refused: signature');
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const answer = await handleTelnyxWebhook(services, {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      contentType: req.headers['content-type'],
      body: raw ? raw.toString('utf8') : '',
      signed: verifier !== null,
    });
    res.writeHead(answer.status, answer.headers).end(answer.body);
    const label = isRoutingRoute(route) && answer.status === 200 ? routingOutcomeLabel(answer.outcome) : null;
    if (label) metrics.routingDecisions.inc({ outcome: label });
  } catch (err) {
    // handleTelnyxWebhook does not throw; this guards the socket layer (e.g. a client that vanished).
    log.error({ err }, 'webhook transport error');
    if (!res.headersSent) res.writeHead(200, { 'content-type': TEXML_CONTENT_TYPE });
    res.end(REFUSED_DOCUMENT);
  }
}

function isFormContentType(value: string | undefined): boolean {
  return (value ?? '').split(';')[0]!.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

/**
 * The raw body, bounded: past `limit` bytes it is dropped (too-large: the route then answers from
 * the path alone, or the signature fails), and if it has not fully arrived `timeoutMs` after the
 * headers it is given up on (timeout), so slow senders cannot hold webhook sockets for minutes.
 */
export function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Body> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    const done = (body: Body) => {
      clearTimeout(timer);
      req.off('data', onData);
      resolve(body);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    };
    const timer = setTimeout(() => done({ kind: 'timeout' }), timeoutMs);
    req.on('data', onData);
    req.once('end', () => done(tooLarge ? { kind: 'too-large' } : { kind: 'ok', bytes: Buffer.concat(chunks) }));
    req.once('error', () => done({ kind: 'error' }));
    req.once('close', () => {
      if (!req.complete) done({ kind: 'error' });
    });
  });
}
