/**
 * The HTTP side of the Telnyx routes: check the URL token, read the body (bounded in size and in
 * time), check what the signature covers, answer a signed request seen before as it was answered
 * (src/telnyx/replay-store.ts), and hand a new one to src/telnyx/webhooks.ts. Every answer is valid TeXML.
 *
 * In `signature` mode (TELNYX_WEBHOOK_AUTH, src/telnyx/webhook-auth.ts) only what Telnyx signs is
 * trusted: the raw body. So a webhook must be a POST with a form body (a GET's parameters and a JSON
 * body's fields would go unverified), and the handler reads its parameters from that body only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TEXML_CONTENT_TYPE } from '../domain/texml.js';
import { routingOutcomeLabel, type Metrics } from '../infra/metrics.js';
import { isRoutingRoute, telnyxRouteLabel } from '../domain/telnyx-routes.js';
import type { Services } from '../services/index.js';
import type { Claim, KeptAnswer, ReplayStore } from '../telnyx/replay-store.js';
import type { TelnyxSignatureVerifier } from '../telnyx/signature.js';
import { tokenMatches, WEBHOOK_TOKEN_PARAM } from '../telnyx/webhook-auth.js';
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
  /** Set in `signature` mode: every request must carry a valid signature. */
  verifier: TelnyxSignatureVerifier | null;
  /** TELNYX_WEBHOOK_TOKEN when required (`token` mode, or a second factor with signatures). */
  token: string | null;
  /** The answers of signed requests, for the same request again. */
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
  /** The signed request this instance handles (claimed in the answer store) until it is settled with its answer. */
  let claimed: { key: string; expiresAt: number } | null = null;
  const settle = (answer: KeptAnswer) => {
    const { key, expiresAt } = claimed!;
    claimed = null;
    return deps.replay.settle(key, expiresAt, answer);
  };
  const answerRepeat = repeatAnswerer(route, log, res, refuse);
  try {
    // The URL token first: without it nothing of the request is read.
    if (deps.token !== null && !tokenMatches(tokenOf(req.url), deps.token)) {
      req.resume();
      return refuse(403, { reason: 'token' }, 'telnyx webhook refused: the URL token is missing or wrong (TELNYX_WEBHOOK_TOKEN)');
    }
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
      const claim: Claim = await deps.replay.claim(verdict.requestKey, verdict.expiresAt);
      if (claim.kind === 'repeat') return answerRepeat(claim.answer);
      claimed = { key: verdict.requestKey, expiresAt: verdict.expiresAt };
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
    // Kept before it is sent, so a repeat (even one already waiting) gets exactly this.
    if (claimed) await settle({ route, status: answer.status, body: answer.body });
    res.writeHead(answer.status, answer.headers).end(answer.body);
    const label = isRoutingRoute(route) && answer.status === 200 ? routingOutcomeLabel(answer.outcome) : null;
    if (label) metrics.routingDecisions.inc({ outcome: label });
  } catch (err) {
    // handleTelnyxWebhook does not throw; this guards the socket layer (e.g. a client that vanished).
    // Nothing kept: a repeat of this request is handled afresh.
    if (claimed) await settle({ route, status: 500, body: '' });
    log.error({ err }, 'webhook transport error');
    if (!res.headersSent) res.writeHead(200, { 'content-type': TEXML_CONTENT_TYPE });
    res.end(REFUSED_DOCUMENT);
  }
}

/**
 * The same signed request again (Telnyx delivering it twice, or a replay): the first answer, and no
 * handler runs (src/telnyx/replay-store.ts; docs/TELNYX.md §Signatures). Per route:
 * - voice, language: the first TeXML. Deciding again would ring and reserve the agents again (or move
 *   a progressive hunt on) for a call already ringing; a hold or menu redirect is a new request.
 * - dial-complete: the first TeXML. Handling it again would count the missed agents twice (auto-pause)
 *   and skip a hunt step.
 * - voicemail: the first answer. Storing is idempotent per call anyway; a 429 is not kept, so
 *   Telnyx's retry of it is handled and stored.
 * - status: `<Response/>` and nothing applied: an `answered` applied after `completed` would put the
 *   agent back on a call.
 * Never a refusal (a refused genuine delivery goes to the failover URL), except for a request first
 * seen on another route: Telnyx retries a URL (or its failover, the same route elsewhere), it never
 * moves a body to another route.
 */
function repeatAnswerer(
  route: string,
  log: Services['logger'],
  res: ServerResponse,
  refuse: (status: number, fields: Record<string, unknown>, message: string) => void,
) {
  return (answer: KeptAnswer) => {
    if (answer.route !== route) {
      return refuse(
        403,
        { reason: 'replayed-elsewhere', firstRoute: answer.route },
        'telnyx webhook refused: a signed request seen before on another route',
      );
    }
    log.info({ route, status: answer.status }, 'telnyx webhook: the same signed request again, answered as the first time');
    res.writeHead(answer.status, { 'content-type': TEXML_CONTENT_TYPE, 'cache-control': 'no-store' }).end(answer.body);
  };
}

/** The `token` query parameter of a request URL (the first one), or null. */
function tokenOf(url: string | undefined): string | null {
  const query = url?.indexOf('?') ?? -1;
  return query === -1 ? null : new URLSearchParams(url!.slice(query + 1)).get(WEBHOOK_TOKEN_PARAM);
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
