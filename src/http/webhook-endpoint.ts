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
import { handleTelnyxWebhook, REFUSED_DOCUMENT, TEXML_HEADERS, type WebhookResponse } from '../telnyx/webhooks.js';
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

export type Body = { kind: 'ok'; bytes: Buffer } | { kind: 'too-large' } | { kind: 'timeout' } | { kind: 'error' };

/**
 * The endpoint, built once per app: what does not change between requests (the metric series, the
 * handler's dependencies) is resolved here, so a request allocates only what is its own.
 */
export function webhookEndpoint(deps: WebhookEndpointDeps) {
  const observe = webhookObserver(deps.metrics);
  return (req: IncomingMessage, res: ServerResponse, requestId: string) =>
    serveWebhook(new WebhookExchange(deps, observe, requestLogger(deps.services.logger, requestId), requestId, req, res));
}

/**
 * One webhook request, from its headers to its TeXML written. Its state is this one object and the
 * steps are plain calls, not an async function with closures per request: a decision is answered in
 * the turn its body arrives, and the per-request frames, promises and closures were a few percent of
 * it. Only what waits (a signed request's answer store, a handler that reads the database) waits.
 */
class WebhookExchange {
  readonly url: string;
  readonly path: string;
  /** The route's metric label (telnyxRouteLabel). */
  readonly route: string;
  readonly started = performance.now();
  /** The signed request this instance handles (claimed in the answer store) until it is settled with its answer. */
  claimed: { key: string; expiresAt: number } | null = null;
  private observed = false;

  constructor(
    readonly deps: WebhookEndpointDeps,
    readonly observe: WebhookObserver,
    readonly log: RequestLogger,
    readonly requestId: string,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
  ) {
    this.url = req.url ?? '';
    const queryAt = this.url.indexOf('?');
    this.path = queryAt === -1 ? this.url : this.url.slice(0, queryAt);
    this.route = telnyxRouteLabel(this.path);
  }

  /** Every answer carries the request id (the router leaves it to this route: HttpRoute.writesRequestId). */
  write(status: number, base: Readonly<Record<string, string>>, body: string, then?: () => void): void {
    this.res.writeHead(status, { ...base, 'x-request-id': this.requestId }).end(body, then);
  }

  /** A refusal: logged, answered with valid TeXML (and the connection closed when asked), observed. */
  refuse(status: number, fields: Record<string, unknown>, message: string, close = false): void {
    this.log.warn({ path: this.path, method: this.req.method, ...fields }, message);
    if (!this.res.headersSent) {
      this.write(status, close ? REFUSED_CLOSE_HEADERS : TEXML_HEADERS, REFUSED_DOCUMENT, () => {
        if (close) this.req.socket.destroy();
      });
    }
    this.finish();
  }

  /** The body, once read (readBodyThen): answered at once when it is unsigned and its company known. */
  bodyRead(body: Body): void {
    try {
      if (body.kind === 'timeout') {
        const timeoutMs = this.deps.services.config.webhookBodyTimeoutMs;
        this.refuse(408, { timeoutMs }, 'telnyx webhook refused: the body did not arrive in time', true);
        return;
      }
      if (body.kind === 'error') {
        if (!this.res.headersSent) this.write(400, CONTENT_TYPE_ONLY, REFUSED_DOCUMENT);
        this.finish();
        return;
      }
      const raw = body.kind === 'ok' ? body.bytes : null;
      if (this.deps.verifier) {
        void this.answerSigned(raw).catch((err: unknown) => this.transportError(err));
        return;
      }
      this.answerWith(raw);
    } catch (err) {
      void this.transportError(err);
    }
  }

  /** Signed mode: the signature over the raw body, then the answer store (the same request again gets the first answer). */
  private async answerSigned(raw: Buffer | null): Promise<void> {
    const { verifier, services, replay } = this.deps;
    const verdict = verifier!.check(raw ?? EMPTY_BODY, this.req.headers, services.clock.now());
    // Logged without the body: an unsigned request may carry anything.
    if (!verdict.ok) return this.refuse(403, { reason: verdict.reason }, 'telnyx webhook refused: signature');
    const claim: Claim = await replay.claim(verdict.requestKey, verdict.expiresAt);
    if (claim.kind === 'repeat') return this.answerRepeat(claim.answer);
    this.claimed = { key: verdict.requestKey, expiresAt: verdict.expiresAt };
    this.answerWith(raw);
  }

  /** The handler's answer to the request (src/telnyx/webhooks.ts): at once when it has it, else when it comes. */
  private answerWith(raw: Buffer | null): void {
    const target = requestTarget(this.url);
    const { req } = this;
    const handled = handleTelnyxWebhook(
      this.deps.services,
      {
        method: req.method ?? 'GET',
        path: target.path,
        query: target.query,
        contentType: req.headers['content-type'],
        body: raw ? raw.toString('utf8') : '',
        signed: this.deps.verifier !== null,
      },
      this.log,
    );
    // Most decisions are made at once (no promise): nothing to wait for then.
    if (handled instanceof Promise) {
      handled.then(
        (answer) => this.respond(answer),
        (err: unknown) => this.transportError(err),
      );
    } else this.respond(handled);
  }

  private respond(answer: WebhookResponse): void {
    const { claimed } = this;
    if (claimed) {
      // Kept before it is sent, so a repeat (even one already waiting) gets exactly this.
      this.claimed = null;
      this.deps.replay.settle(claimed.key, claimed.expiresAt, { route: this.route, status: answer.status, body: answer.body }).then(
        () => this.send(answer),
        (err: unknown) => this.transportError(err),
      );
    } else this.send(answer);
  }

  private send(answer: WebhookResponse): void {
    try {
      this.write(answer.status, answer.headers, answer.body);
      const label = isRoutingRoute(this.route) && answer.status === 200 ? routingOutcomeLabel(answer.outcome) : null;
      if (label) this.observe.decision(label);
      this.finish();
    } catch (err) {
      void this.transportError(err);
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
  private answerRepeat(answer: KeptAnswer): void {
    if (answer.route !== this.route) {
      this.refuse(
        403,
        { reason: 'replayed-elsewhere', firstRoute: answer.route },
        'telnyx webhook refused: a signed request seen before on another route',
      );
      return;
    }
    this.log.info(
      { route: this.route, status: answer.status },
      'telnyx webhook: the same signed request again, answered as the first time',
    );
    this.write(answer.status, TEXML_HEADERS, answer.body);
    this.finish();
  }

  /**
   * handleTelnyxWebhook does not throw; this guards the socket layer (e.g. a client that vanished).
   * Nothing kept: a repeat of this request is handled afresh.
   */
  async transportError(err: unknown): Promise<void> {
    const { claimed } = this;
    this.claimed = null;
    if (claimed) {
      // Its claim lapses at its expiry if this fails too (the answer store is away): logged, not thrown.
      await this.deps.replay
        .settle(claimed.key, claimed.expiresAt, { route: this.route, status: 500, body: '' })
        .catch((settleErr: unknown) =>
          this.log.warn({ err: settleErr }, 'webhook transport error: the signed request could not be released'),
        );
    }
    this.log.error({ err }, 'webhook transport error');
    try {
      if (this.res.headersSent) this.res.end(REFUSED_DOCUMENT);
      else this.write(200, CONTENT_TYPE_ONLY, REFUSED_DOCUMENT);
    } catch {
      // The socket is gone: nothing left to answer.
    }
    this.finish();
  }

  /** The latency histogram: from the headers to the TeXML written, whichever way the request ends (once). */
  private finish(): void {
    if (this.observed) return;
    this.observed = true;
    this.observe.duration(this.route, this.res.statusCode, (performance.now() - this.started) / 1000);
  }
}

function serveWebhook(x: WebhookExchange): void {
  const { deps, req } = x;
  try {
    // The URL token first: without it nothing of the request is read.
    if (deps.token !== null && !tokenMatches(tokenOf(req.url), deps.token)) {
      req.resume();
      x.refuse(403, { reason: 'token' }, 'telnyx webhook refused: the URL token is missing or wrong (TELNYX_WEBHOOK_TOKEN)');
      return;
    }
    if (deps.verifier) {
      // Checked before reading anything: nothing the signature cannot cover is ever used.
      if (req.method !== 'POST') {
        req.resume();
        x.refuse(
          405,
          {},
          "telnyx webhook refused: signatures are required, so only POST is accepted (a GET's query string is not signed): set the TeXML application's and callbacks' method to POST",
        );
        return;
      }
      if (!isFormContentType(req.headers['content-type'])) {
        req.resume();
        x.refuse(
          415,
          { contentType: String(req.headers['content-type'] ?? '').slice(0, 100) },
          'telnyx webhook refused: signed webhooks must be application/x-www-form-urlencoded',
        );
        return;
      }
    }
    readBodyThen(req, MAX_WEBHOOK_BODY_BYTES, deps.services.config.webhookBodyTimeoutMs, x);
  } catch (err) {
    void x.transportError(err);
  }
}

// Header objects shared by every answer (node:http reads them, never changes them).
const CONTENT_TYPE_ONLY = { 'content-type': TEXML_CONTENT_TYPE };
const REFUSED_CLOSE_HEADERS = { ...TEXML_HEADERS, connection: 'close' };
const EMPTY_BODY = Buffer.alloc(0);

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

/** Who reads a body with readBodyThen: told once, when the body is read or given up on. */
export interface BodyListener {
  bodyRead(body: Body): void;
}

/**
 * The raw body, bounded: past `limit` bytes it is dropped (too-large: the route then answers from
 * the path alone, or the signature fails), and if it has not fully arrived `timeoutMs` after the
 * headers it is given up on (timeout), so slow senders cannot hold webhook sockets for minutes.
 * An aborted request is an error ('close' before the body is complete: IncomingMessage emits
 * 'error' only to a listener, so none is added). Every body's timeout is on one shared timer.
 */
export function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Body> {
  return new Promise((resolve) => readBodyThen(req, limit, timeoutMs, { bodyRead: resolve }));
}

/**
 * readBody, told to `listener` instead of through a promise. The request's listeners are shared
 * functions that find the reading on the request itself, so a body costs one object, not a promise
 * and a closure per listener.
 */
export function readBodyThen(req: IncomingMessage, limit: number, timeoutMs: number, listener: BodyListener): void {
  const reading = new BodyReading(req, limit, performance.now() + timeoutMs, listener);
  (req as ReadingRequest)[READING] = reading;
  bodyDeadlines.add(reading);
  req.on('data', onBodyData);
  // Listeners stay until the request is collected: `settled` makes each of them a no-op once answered.
  req.on('end', onBodyEnd);
  req.on('close', onBodyClose);
}

const READING = Symbol('webhook body reading');
type ReadingRequest = IncomingMessage & { [READING]: BodyReading };

class BodyReading {
  first: Buffer | null = null;
  more: Buffer[] | null = null;
  size = 0;
  settled = false;

  constructor(
    readonly req: IncomingMessage,
    readonly limit: number,
    /** When the body is given up on (performance.now() scale): an entry of bodyDeadlines. */
    readonly deadline: number,
    private readonly listener: BodyListener,
  ) {}

  chunk(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.settled || this.size > this.limit) return;
    if (this.first === null) this.first = chunk;
    else (this.more ??= [this.first]).push(chunk);
  }

  ended(): void {
    if (this.size > this.limit) this.done({ kind: 'too-large' });
    // A webhook's few hundred bytes come in one chunk: used as it is, not copied.
    else this.done({ kind: 'ok', bytes: this.more ? Buffer.concat(this.more) : (this.first ?? EMPTY_BODY) });
  }

  /** The deadline passed first (bodyDeadlines). */
  expire(): void {
    this.done({ kind: 'timeout' });
  }

  done(body: Body): void {
    if (this.settled) return;
    this.settled = true;
    bodyDeadlines.unwatch(this);
    this.listener.bodyRead(body);
  }
}

function onBodyData(this: ReadingRequest, chunk: Buffer): void {
  this[READING].chunk(chunk);
}

function onBodyEnd(this: ReadingRequest): void {
  this[READING].ended();
}

function onBodyClose(this: ReadingRequest): void {
  if (!this.complete) this[READING].done({ kind: 'error' });
}

/** The webhook bodies' timeouts, on one timer (src/infra/deadline-race.ts). */
const bodyDeadlines = new DeadlineRace();
