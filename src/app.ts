/**
 * Builds the whole service from its dependencies: one node:http server carrying the Telnyx REST
 * routes, GraphQL over HTTP/SSE (Yoga) and graphql-ws on the same port, and the web page. No globals,
 * so tests start as many instances as they like on free ports.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError, parse, validate, type ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { createYoga } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { credentialFrom, TokenService, type Viewer } from './auth/tokens.js';
import { AuthGate, AuthRefused } from './auth/auth-gate.js';
import { graphqlWsSessions, type WsExtra } from './auth/ws-sessions.js';
import { streamSessionsPlugin } from './auth/stream-sessions.js';
import type { Config } from './config.js';
import { systemClock, type Clock } from './domain/clock.js';
import type { Database } from './infra/db.js';
import type { Logger } from './infra/logger.js';
import { createInMemoryPubSub } from './infra/pubsub.js';
import type { PubSub, Topics } from './services/topics.js';
import type { PresenceEvent } from './services/presence-service.js';
import { joinInstances } from './infra/multi-instance.js';
import type { Context } from './graphql/context.js';
import { schema } from './graphql/schema.js';
import { GRAPHQL_LIMITS, hardeningPlugins } from './graphql/hardening.js';
import { createServices, type Services } from './services/index.js';
import { TelnyxSignatureVerifier } from './telnyx/signature.js';
import { isTelnyxPath } from './domain/telnyx-routes.js';
import { createReplayStore, MemoryReplayCache } from './telnyx/replay-store.js';
import { HTTP_SERVER_LIMITS, serveWebhook } from './http/webhook-endpoint.js';
import { createStaticHandler } from './http/static-files.js';
import { corsFor } from './http/cors.js';
import { observabilityPlugin } from './graphql/observability.js';
import { subscriptionQuotaPlugin } from './graphql/subscription-quota.js';
import { requestIdFor } from './infra/logger.js';
import { createMetrics, observeWaitingWrites, type Metrics } from './infra/metrics.js';
import { Readiness } from './infra/readiness.js';

export interface AppDeps {
  config: Config & { jwtSecret: string };
  database: Database;
  logger: Logger;
  clock?: Clock;
  pubsub?: PubSub;
  /** The built web app (default web/dist); tests point it at their own build. */
  webRoot?: string;
}

export interface App {
  services: Services;
  /** This instance's Prometheus registry and instruments (/metrics). */
  metrics: Metrics;
  /** /readyz: register a check for each dependency the instance cannot serve without. */
  readiness: Readiness;
  server: Server;
  /** Listen on `port` (0 = any free port); resolves with the base URL. */
  start(port?: number, host?: string): Promise<string>;
  /** Close sockets and the server; leaves the database open for its owner to close. */
  stop(): Promise<void>;
}

const WEB_ROOT = fileURLToPath(new URL('../web/dist', import.meta.url));
const WEB_NOT_BUILT =
  '<!doctype html><meta charset="utf-8"><title>Curbe Voice</title><p>The web app is not built yet: run <code>npm run build:web</code> (npm start does it). The API is on <a href="/graphql">/graphql</a>.</p>';

export function buildApp(deps: AppDeps): App {
  const { config, logger } = deps;
  const clock = deps.clock ?? systemClock;
  const tokens = new TokenService({ jwtSecret: config.jwtSecret, previousJwtSecret: config.jwtSecretPrevious, adminApiKey: config.adminApiKey });
  let listeningUrl = `http://localhost:${config.port}`;
  const publicUrl = () => config.publicUrl ?? listeningUrl;
  const metrics = createMetrics();
  // REDIS_URL: presence, events, reservations and calls shared with the other instances.
  const multiInstance = config.redisUrl ? joinInstances<Topics>({ redisUrl: config.redisUrl, keyPrefix: config.redisKeyPrefix, logger }) : null;
  const pubsub = deps.pubsub ?? multiInstance?.pubsub ?? createInMemoryPubSub<Topics>();
  const onPresenceTransition = (event: PresenceEvent) =>
    metrics.presenceTransitions.inc({ to: event.presence.online ? 'online' : 'offline', cause: event.cause });
  const services = createServices({ config, publicUrl, db: deps.database.prisma, clock, logger, pubsub, tokens, multiInstance, onPresenceTransition });
  observeWaitingWrites(metrics, services);
  const readiness = new Readiness();
  readiness.register('database', () => deps.database.prisma.$queryRaw`SELECT 1`);
  if (multiInstance) {
    // Not ready without Redis, so a load balancer prefers instances that have it; this one still answers what reaches it (degraded).
    readiness.register('redis', () => {
      if (!multiInstance.redis.healthy()) throw new Error('redis unavailable: degraded to the local view');
    });
  }

  const verifier = config.telnyxPublicKey ? new TelnyxSignatureVerifier({ publicKey: config.telnyxPublicKey }) : null;
  // Accepted signatures, remembered for their window across instances (Redis) and restarts (DATA_DIR journal).
  const replay = verifier ? createReplayStore({ dataDir: config.dataDir, redis: multiInstance?.redis ?? null, clock, logger }) : new MemoryReplayCache(clock);

  const gate = new AuthGate({ authenticator: services.authenticator, failures: services.limits.authFailure, logger, trustProxyHops: config.trustProxyHops });
  const viewerFor = async (credential: string | null, req: IncomingMessage | undefined): Promise<Viewer | null> => {
    try {
      return await gate.authenticate(credential, req, 'http');
    } catch (err) {
      const refusal = err instanceof AuthRefused ? err.refusal : ({ code: 'UNAUTHENTICATED', message: 'invalid credentials' } as const);
      if (refusal.code === 'RATE_LIMITED') {
        const http = { status: 429, headers: { 'retry-after': String(Math.ceil(refusal.retryAfterMs / 1000)) } };
        throw new GraphQLError(refusal.message, { extensions: { code: 'RATE_LIMITED', retryAfterMs: refusal.retryAfterMs, http } });
      }
      throw new GraphQLError(refusal.message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
    }
  };

  const yoga = createYoga<{ req?: IncomingMessage; extra?: { viewer?: Viewer | null; credential?: string | null } }, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    cors: corsFor(config.corsOrigins),
    plugins: [
      ...hardeningPlugins({ introspection: !config.production, limits: { ...config.graphqlLimits, hideSuggestions: config.production } }),
      observabilityPlugin(metrics, logger),
      streamSessionsPlugin(services.sessions),
      // Last: it counts a subscription only once every earlier plugin has let it through.
      subscriptionQuotaPlugin(config.limits.maxSubscriptionsPerCompany),
    ],
    landingPage: false,
    graphiql: config.production ? false : { subscriptionsProtocol: 'WS', title: 'Curbe Voice GraphQL' },
    // GraphQLErrors (auth, validation, ours) keep their message; anything else is "Unexpected error.".
    maskedErrors: { isDev: false },
    logging: {
      debug: (...args) => logger.debug({ args }, 'yoga'),
      info: (...args) => logger.info({ args }, 'yoga'),
      warn: (...args) => logger.warn({ args }, 'yoga'),
      error: (...args) => logger.error({ args: args.map(String) }, 'yoga error'),
    },
    context: async ({ request, req, extra }) => {
      // graphql-ws connections were authenticated once in onConnect; HTTP requests carry a header.
      const overWebSocket = extra?.viewer !== undefined;
      const credential = overWebSocket ? (extra.credential ?? null) : credentialFrom(request?.headers.get('authorization'));
      const viewer = overWebSocket ? (extra.viewer ?? null) : await viewerFor(credential, req);
      return { viewer, services, requestId: request?.headers.get('x-request-id') ?? randomUUID(), overWebSocket, credential };
    },
  });

  const serveStatic = createStaticHandler({ root: deps.webRoot ?? WEB_ROOT, notBuilt: WEB_NOT_BUILT });

  const server = createServer({ ...HTTP_SERVER_LIMITS }, (req, res) => {
    const requestId = requestIdFor(req.headers['x-request-id']);
    req.headers['x-request-id'] = requestId; // Yoga's context reads it from the request
    res.setHeader('x-request-id', requestId);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (isTelnyxPath(path)) return void serveWebhook({ services: { ...services, logger: logger.child({ requestId }) }, metrics, verifier, replay }, req, res);
    if (path === '/healthz') return void sendText(res, 200, 'ok\n');
    if (path === '/readyz') return void serveReadiness(readiness, res, logger);
    if (path === '/metrics') return void serveMetrics(metrics, res);
    if ((req.method === 'GET' || req.method === 'HEAD') && path !== yoga.graphqlEndpoint) return void serveStatic(req, res, path);
    if (!withinBodyLimit(req, res, GRAPHQL_LIMITS.maxBodyBytes)) return;
    return void yoga(req, res);
  });

  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint, maxPayload: GRAPHQL_LIMITS.maxBodyBytes });
  // Authentication, socket caps, expiry/revocation and ping limits: src/auth/ws-sessions.ts.
  const wsSessions = graphqlWsSessions({ services, gate });
  wss.on('connection', (socket) => (coalesceFrames(socket), wsSessions.watch(socket)));
  const ws = useServer<Record<string, unknown> | undefined, Omit<WsExtra, 'socket' | 'request'>>(
    {
      execute: (args) => (args.rootValue as { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
      subscribe: (args) => (args.rootValue as { subscribe: (a: ExecutionArgs) => unknown }).subscribe(args) as never,
      onConnect: (ctx) => wsSessions.onConnect(ctx),
      onClose: (ctx) => wsSessions.onClose(ctx),
      onPing: (ctx) => wsSessions.onPing(ctx),
      onSubscribe: async (ctx, _id, payload) => {
        const refused = wsSessions.operationRefused(ctx);
        if (refused) return refused;
        const { schema, execute, subscribe, contextFactory, parse: yogaParse, validate: yogaValidate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
        });
        // A throw here would close the whole socket (every subscription on it): return errors instead.
        try {
          const document = (yogaParse ?? parse)(payload.query);
          const errors = (yogaValidate ?? validate)(schema, document);
          if (errors.length > 0) return errors;
          return {
            schema,
            operationName: payload.operationName,
            document,
            variableValues: payload.variables,
            contextValue: await contextFactory({ extra: ctx.extra } as never),
            rootValue: { execute, subscribe },
          };
        } catch (err) {
          return [err instanceof GraphQLError ? err : new GraphQLError('Unexpected error.')];
        }
      },
    },
    wss,
  );

  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  return {
    services,
    metrics,
    readiness,
    server,
    async start(port = config.port, host = config.host) {
      const restored = await services.presence.restoreLeases();
      if (restored > 0) logger.info({ restored }, 'presence leases restored from the previous run');
      void services.calls.sweepWrapUps(); // wrap-ups a previous run (or a dead instance) left behind
      await services.voicemails.outbox.start(); // voicemails a previous run queued while the database was away
      return new Promise<string>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : address.address;
          listeningUrl = `http://${shown}:${address.port}`;
          resolve(listeningUrl);
        });
      });
    },
    async stop() {
      readiness.drain();
      // Hand leases over first: closing sockets would otherwise start each agent's offline grace.
      const handedOver = await services.presence.handOver().catch((err) => (logger.warn({ err }, 'presence hand-over failed'), 0));
      logger.info({ handedOver }, 'stopping: presence leases handed over');
      await services.calls.log.flush(); // the call log entries still waiting
      await services.presence.lastSeen.stop(); // and no retries after this
      services.calls.stop();
      services.voicemails.outbox.stop();
      server.close();
      await ws.dispose();
      wss.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
      replay.close();
      await multiInstance?.close();
    },
  };
}

/**
 * Refuses (413) a body over `limit`: up front from Content-Length, or, for a chunked body, by
 * cutting the connection once the bytes read pass the limit.
 */
function withinBodyLimit(req: IncomingMessage, res: ServerResponse, limit: number): boolean {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify({ errors: [{ message: `Request body is larger than ${limit} bytes`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] }));
    req.resume();
    return false;
  }
  if (req.headers['transfer-encoding']) {
    let seen = 0;
    req.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > limit) req.destroy();
    });
  }
  return true;
}

async function serveReadiness(readiness: Readiness, res: ServerResponse, logger: Logger) {
  const report = await readiness.report();
  if (!report.ready) logger.warn({ reason: report.reason, checks: report.checks }, 'not ready');
  const body = { status: report.ready ? 'ready' : 'not ready', reason: report.reason, checks: report.checks };
  res.writeHead(report.ready ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

async function serveMetrics(metrics: Metrics, res: ServerResponse) {
  try {
    const text = await metrics.registry.metrics();
    res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text);
  } catch {
    sendText(res, 500, 'metrics unavailable\n');
  }
}

function sendText(res: ServerResponse, status: number, text: string) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
}

/**
 * graphql-ws answers every operation with two frames (`next`, then `complete`), each its own write
 * syscall: a sixth of a heartbeat's CPU. Corking the socket until the event loop's next turn sends
 * them (and anything else queued meanwhile) in one write.
 */
function coalesceFrames(socket: import('ws').WebSocket): void {
  const raw = (socket as unknown as { _socket?: import('node:net').Socket })._socket;
  if (!raw || typeof raw.cork !== 'function') return;
  const send = socket.send.bind(socket) as (...args: unknown[]) => void;
  let corked = false;
  const uncork = () => {
    corked = false;
    raw.uncork();
  };
  socket.send = ((...args: unknown[]) => {
    if (!corked && !raw.destroyed) {
      corked = true;
      raw.cork();
      setImmediate(uncork);
    }
    send(...args);
  }) as typeof socket.send;
}

