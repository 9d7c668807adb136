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
import { requestLogger, type RequestLogger } from '../infra/logger.js';
import { routingOutcomeLabel, webhookObserver, type Metrics, type WebhookObserver } from '../infra/metrics.js';
import { isRoutingRoute, telnyxRouteLabel } from '../domain/telnyx-routes.js';
import type { Services } from '../services/index.js';
import type { Claim, KeptAnswer, ReplayStore } from '../telnyx/replay-store.js';
import type { TelnyxSignatureVerifier } from '../telnyx/signature.js';
import { tokenMatches, WEBHOOK_TOKEN_PARAM } from '../telnyx/webhook-auth.js';
import { handleTelnyxWebhook, REFUSED_DOCUMENT, TEXML_HEADERS } from '../telnyx/webhooks.js';
import { DeadlineRace } from '../infra/deadline-race.js';

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

/**
 * The endpoint, built once per app: what does not change between requests (the metric series, the
 * handler's dependencies) is resolved here, so a request allocates only what is its own.
 */
export function webhookEndpoint(deps: WebhookEndpointDeps) {
  const observe = webhookObserver(deps.metrics);
  return (req: IncomingMessage, res: ServerResponse, requestId: string) =>
    serveWebhook(deps, observe, requestLogger(deps.services.logger, requestId), requestId, req, res);
}

async function serveWebhook(
  deps: WebhookEndpointDeps,
  observe: WebhookObserver,
  log: RequestLogger,
  requestId: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { services, verifier } = deps;
  // Every answer carries the request id (the router leaves it to this route: HttpRoute.writesRequestId).
  const headers = (base: Readonly<Record<string, string>>) => ({ ...base, 'x-request-id': requestId });
  const url = req.url ?? '';
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const route = telnyxRouteLabel(path);
  const started = performance.now();
  const refuse = (status: number, fields: Record<string, unknown>, message: string, close = false) => {
    log.warn({ path, method: req.method, ...fields }, message);
    if (res.headersSent) return;
    res.writeHead(status, headers(close ? REFUSED_CLOSE_HEADERS : TEXML_HEADERS));
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
      if (!res.headersSent) res.writeHead(400, headers(CONTENT_TYPE_ONLY)).end(REFUSED_DOCUMENT);
      return;
    }
    const raw = body.kind === 'ok' ? body.bytes : null;
    if (verifier) {
      const verdict = verifier.check(raw ?? EMPTY_BODY, req.headers, services.clock.now());
      // Logged without the body: an unsigned request may carry anything.
      if (!verdict.ok) return refuse(403, { reason: verdict.reason }, 'telnyx webhook refused: signature');
      const claim: Claim = await deps.replay.claim(verdict.requestKey, verdict.expiresAt);
      if (claim.kind === 'repeat') return answerRepeat(route, log, res, refuse, claim.answer, headers(TEXML_HEADERS));
      claimed = { key: verdict.requestKey, expiresAt: verdict.expiresAt };
    }
    const target = requestTarget(url);
    const handled = handleTelnyxWebhook(
      services,
      {
        method: req.method ?? 'GET',
        path: target.path,
        query: target.query,
        contentType: req.headers['content-type'],
        body: raw ? raw.toString('utf8') : '',
        signed: verifier !== null,
      },
      log,
    );
    // Most decisions are made at once (no promise): nothing to wait for then.
    const answer = handled instanceof Promise ? await handled : handled;
    // Kept before it is sent, so a repeat (even one already waiting) gets exactly this.
    if (claimed) await settle({ route, status: answer.status, body: answer.body });
    res.writeHead(answer.status, headers(answer.headers)).end(answer.body);
    const label = isRoutingRoute(route) && answer.status === 200 ? routingOutcomeLabel(answer.outcome) : null;
    if (label) observe.decision(label);
  } catch (err) {
    // handleTelnyxWebhook does not throw; this guards the socket layer (e.g. a client that vanished).
    // Nothing kept: a repeat of this request is handled afresh.
    if (claimed) await settle({ route, status: 500, body: '' });
    log.error({ err }, 'webhook transport error');
    if (!res.headersSent) res.writeHead(200, headers(CONTENT_TYPE_ONLY));
    res.end(REFUSED_DOCUMENT);
  } finally {
    // The latency histogram: from here to the TeXML written, whichever way the request ends.
    observe.duration(route, res.statusCode, (performance.now() - started) / 1000);
  }
}

// Header objects shared by every answer (node:http reads them, never changes them).
const CONTENT_TYPE_ONLY = { 'content-type': TEXML_CONTENT_TYPE };
const REFUSED_CLOSE_HEADERS = { ...TEXML_HEADERS, connection: 'close' };
const EMPTY_BODY = Buffer.alloc(0);

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
function answerRepeat(
  route: string,
  log: RequestLogger,
  res: ServerResponse,
  refuse: (status: number, fields: Record<string, unknown>, message: string) => void,
  answer: KeptAnswer,
  headers: Readonly<Record<string, string>>,
) {
  if (answer.route !== route) {
    return refuse(
      403,
      { reason: 'replayed-elsewhere', firstRoute: answer.route },
      'telnyx webhook refused: a signed request seen before on another route',
    );
  }
  log.info({ route, status: answer.status }, 'telnyx webhook: the same signed request again, answered as the first time');
  res.writeHead(answer.status, headers).end(answer.body);
}

/** Paths made only of these (no '%', no '\\', not '//' first) are what the WHATWG URL parser would make of them, dot segments aside. */
const PLAIN_PATH = /^\/(?!\/)[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;
/** A query of printable ASCII but '#' reads the same raw as through the URL parser (which percent-encodes, then decodes). */
const PLAIN_QUERY = /^(?:\?[\x21\x22\x24-\x7e]*)?$/;

/**
 * The request's path (as the WHATWG URL parser normalises it: dot segments, percent-encoding) and its
 * query string ('' or '?…', as URL's `search`). A plain path is its own normal form, so the parser runs only for the rare other.
 */
export function requestTarget(url: string): { path: string; query: string } {
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const query = queryAt === -1 ? '' : url.slice(queryAt);
  if (PLAIN_PATH.test(path) && !path.includes('/.') && PLAIN_QUERY.test(query)) return { path, query };
  const parsed = new URL(url || '/', 'http://localhost');
  return { path: parsed.pathname, query: parsed.search };
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
 * An aborted request is an error ('close' before the body is complete: IncomingMessage emits
 * 'error' only to a listener, so none is added). Every body's timeout is on one shared timer.
 */
export function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Body> {
  return new Promise((resolve) => {
    let first: Buffer | null = null;
    let more: Buffer[] | null = null;
    let size = 0;
    let settled = false;
    const done = (body: Body) => {
      if (settled) return;
      settled = true;
      bodyDeadlines.unwatch(watch);
      resolve(body);
    };
    const watch = bodyDeadlines.watch(performance.now() + timeoutMs, () => done({ kind: 'timeout' }));
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (settled || size > limit) return;
      if (first === null) first = chunk;
      else (more ??= [first]).push(chunk);
    });
    // Listeners stay until the request is collected: `settled` makes each of them a no-op once answered.
    req.on('end', () => {
      if (size > limit) done({ kind: 'too-large' });
      // A webhook's few hundred bytes come in one chunk: used as it is, not copied.
      else done({ kind: 'ok', bytes: more ? Buffer.concat(more) : (first ?? EMPTY_BODY) });
    });
    req.on('close', () => {
      if (!req.complete) done({ kind: 'error' });
    });
  });
}

/** The webhook bodies' timeouts, on one timer (src/infra/deadline-race.ts). */
const bodyDeadlines = new DeadlineRace();
