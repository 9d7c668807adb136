/**
 * Builds the whole service from its dependencies: one node:http server carrying the Telnyx REST
 * routes, GraphQL over HTTP/SSE (Yoga) and graphql-ws on the same port, and the web page. No globals,
 * so tests start as many instances as they like on free ports.
 */
import { fileURLToPath } from 'node:url';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenService } from './auth/tokens.js';
import { AuthGate } from './auth/auth-gate.js';
import type { Config } from './config.js';
import { systemClock, type Clock } from './domain/clock.js';
import type { Database } from './infra/db.js';
import type { Logger } from './infra/logger.js';
import { createInMemoryPubSub } from './infra/pubsub.js';
import type { PubSub, Topics } from './services/topics.js';
import type { PresenceEvent } from './services/presence-service.js';
import { joinInstances } from './infra/multi-instance.js';
import { GRAPHQL_LIMITS } from './graphql/hardening.js';
import { createServices, type Services } from './services/index.js';
import { TelnyxSignatureVerifier } from './telnyx/signature.js';
import { UNAUTHENTICATED_WARNING, webhookAuthOf } from './telnyx/webhook-auth.js';
import { isTelnyxPath } from './domain/telnyx-routes.js';
import { createReplayStore, MemoryReplayCache } from './telnyx/replay-store.js';
import { HTTP_SERVER_LIMITS, webhookEndpoint } from './http/webhook-endpoint.js';
import { createStaticHandler } from './http/static-files.js';
import { holdMusicRoute } from './http/hold-music.js';
import { reportCsvRoutes } from './http/report-csv.js';
import { recordingMediaRoute } from './http/recording-media.js';
import { createGraphqlHttp, httpViewerOf } from './http/graphql-http.js';
import { httpHeartbeats } from './http/heartbeat-fast-path.js';
import { corsOriginFor } from './http/cors.js';
import { PreparedHeartbeats } from './graphql/prepared-heartbeat.js';
import { attachGraphqlWs } from './http/graphql-ws.js';
import { withinBodyLimit } from './http/body-limit.js';
import { sendText, serveMetrics, serveReadiness } from './http/operations.js';
import { routeRequests, type HttpRoute } from './http/router.js';
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
  /** Routes the composition root adds before the web app's catch-all (the demo's /simulator). */
  routes?: HttpRoute[];
  /** Work in flight outside webhooks (the queue's dispatch): tests on virtual time hold the clock meanwhile. */
  inFlight?: { begin(): void; end(): void };
}

export interface App {
  services: Services;
  /** This instance's Prometheus registry and instruments (/metrics). */
  metrics: Metrics;
  /** /readyz: register a check for each dependency the instance cannot serve without. */
  readiness: Readiness;
  server: Server;
  /** graphql-ws subscriptions sharing their events: feeds, groups, members (src/graphql/shared-subscriptions.ts). */
  sharedSubscriptions(): { feeds: number; groups: number; members: number };
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
  const tokens = new TokenService({
    jwtSecret: config.jwtSecret,
    previousJwtSecret: config.jwtSecretPrevious,
    adminApiKey: config.adminApiKey,
  });
  let listeningUrl = `http://localhost:${config.port}`;
  const publicUrl = () => config.publicUrl ?? listeningUrl;
  const metrics = createMetrics();
  // REDIS_URL: presence, events, reservations and calls shared with the other instances.
  const multiInstance = config.redisUrl
    ? joinInstances<Topics>({ redisUrl: config.redisUrl, keyPrefix: config.redisKeyPrefix, logger })
    : null;
  const pubsub = deps.pubsub ?? multiInstance?.pubsub ?? createInMemoryPubSub<Topics>();
  const onPresenceTransition = (event: PresenceEvent) =>
    metrics.presenceTransitions.inc({ to: event.presence.online ? 'online' : 'offline', cause: event.cause });
  const services = createServices({
    config,
    publicUrl,
    db: deps.database.prisma,
    sql: deps.database.sql,
    clock,
    logger,
    pubsub,
    tokens,
    multiInstance,
    onPresenceTransition,
    ...(deps.inFlight && { inFlight: deps.inFlight }),
  });
  observeWaitingWrites(metrics, services);
  const readiness = new Readiness();
  readiness.register('database', () => deps.database.prisma.$queryRaw`SELECT 1`);
  if (multiInstance) {
    // Not ready without Redis, so a load balancer prefers instances that have it; this one still answers what reaches it (degraded).
    readiness.register('redis', () => {
      if (!multiInstance.redis.healthy()) throw new Error('redis unavailable: degraded to the local view');
    });
  }

  // How webhooks prove they come from Telnyx (TELNYX_WEBHOOK_AUTH; docs/TELNYX.md §Signatures).
  const webhookAuth = webhookAuthOf(config);
  const verifier =
    webhookAuth.mode === 'signature' && config.telnyxPublicKey ? new TelnyxSignatureVerifier({ publicKey: config.telnyxPublicKey }) : null;
  readiness.describe('telnyxWebhooks', {
    auth: webhookAuth.mode,
    urlToken: webhookAuth.token !== null,
    ...(webhookAuth.mode === 'off' && { warning: UNAUTHENTICATED_WARNING }),
  });
  if (webhookAuth.mode === 'off') logger.warn({ telnyxWebhookAuth: 'off', production: config.production }, UNAUTHENTICATED_WARNING);
  // Answers of signed requests, for the same request again, kept for their window across instances
  // (Redis) and restarts (DATA_DIR journal). A repeat waits for a first still in flight past its deadline.
  const waitMs = config.webhookDeadlineMs + 500;
  const replay = verifier
    ? createReplayStore({ dataDir: config.dataDir, redis: multiInstance?.redis ?? null, clock, logger, waitMs })
    : new MemoryReplayCache(clock, { waitMs });

  const gate = new AuthGate({
    authenticator: services.authenticator,
    failures: services.limits.authFailure,
    logger,
    trustProxyHops: config.trustProxyHops,
  });
  const yoga = createGraphqlHttp({ config, services, metrics, logger, gate });
  // The heartbeat, prepared once per document and answered in front of Yoga and graphql-ws (same semantics).
  const prepared = new PreparedHeartbeats({ pipeline: () => yoga.getEnveloped({}), services, metrics, logger });
  const graphqlOverHttp = httpHeartbeats({
    prepared,
    endpoint: yoga.graphqlEndpoint,
    viewerOf: httpViewerOf(gate),
    corsOrigin: corsOriginFor(config.corsOrigins),
    general: (req, res) => void yoga(req, res),
  });

  const serveStatic = createStaticHandler({
    root: deps.webRoot ?? WEB_ROOT,
    notBuilt: WEB_NOT_BUILT,
    // Voicemail players may load what the recording allowlist lets in over http (the demo's local Telnyx).
    httpMediaOrigins: config.recordingUrlRules
      .filter((r) => r.protocol === 'http:')
      .map((r) => `http://${r.host}${r.port ? `:${r.port}` : ''}`),
  });

  const isRead = (method: string) => method === 'GET' || method === 'HEAD';
  const serveWebhook = webhookEndpoint({ services, metrics, verifier, token: webhookAuth.token, replay });
  const routes: HttpRoute[] = [
    {
      name: 'telnyx webhooks',
      matches: (path) => isTelnyxPath(path),
      serve: (req, res, { requestId }) => serveWebhook(req, res, requestId),
      writesRequestId: true,
    },
    { name: 'healthz', matches: (path) => path === '/healthz', serve: (_req, res) => sendText(res, 200, 'ok\n') },
    { name: 'readyz', matches: (path) => path === '/readyz', serve: (_req, res) => serveReadiness(readiness, res, logger) },
    { name: 'metrics', matches: (path) => path === '/metrics', serve: (_req, res) => serveMetrics(metrics, res) },
    {
      name: 'graphql (HTTP and SSE)',
      matches: (path) => path === yoga.graphqlEndpoint,
      serve: (req, res) => {
        if (withinBodyLimit(req, res, GRAPHQL_LIMITS.maxBodyBytes)) graphqlOverHttp(req, res);
      },
    },
    // The queues' built-in music (Telnyx fetches it for <Play>; docs/QUEUES.md).
    holdMusicRoute(),
    // CSV exports of the call log and of reports (README §Reports), authenticated like GraphQL.
    ...reportCsvRoutes({ services, gate, logger }),
    // Recordings' audio behind short-lived signed links (src/recordings/signed-urls.ts).
    recordingMediaRoute({ recordings: services.recordings, logger }),
    ...(deps.routes ?? []),
    { name: 'web app', matches: (_path, method) => isRead(method), serve: (req, res, { path }) => serveStatic(req, res, path) },
  ];
  const server = createServer({ ...HTTP_SERVER_LIMITS }, routeRequests(routes));

  const graphqlWs = attachGraphqlWs({ server, yoga, services, gate, prepared });

  // After listen, so the service answers at once; misses meanwhile load in batches (src/services/directory.ts).
  // Shown under /readyz details, never a failed check: a half-loaded directory serves, only slower.
  let preloading: Promise<void> = Promise.resolve();
  const preloadDirectory = () => {
    readiness.describe('directoryPreload', { state: 'running' });
    preloading = services.directory.preload().then(
      (report) => {
        readiness.describe('directoryPreload', { state: report.complete ? 'done' : 'stopped', ...report });
        logger.info(report, report.complete ? 'directory preloaded' : 'directory preload stopped early');
      },
      (err: unknown) => {
        readiness.describe('directoryPreload', { state: 'failed' });
        logger.warn({ err }, 'directory preload failed; companies load on demand');
      },
    );
  };

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
    sharedSubscriptions: () => graphqlWs.sharedSubscriptions(),
    async start(port = config.port, host = config.host) {
      const restored = await services.presence.restoreLeases();
      if (restored > 0) logger.info({ restored }, 'presence leases restored from the previous run');
      void services.calls.sweepWrapUps(); // wrap-ups a previous run (or a dead instance) left behind
      services.calls.dispatcher.start(); // the queues' sweep: waiting callers offered within a second whatever happens
      await services.voicemails.outbox.start(); // voicemails a previous run queued while the database was away
      await services.recordings.start(); // downloads a previous run left PENDING, and the retention sweep
      await services.agentCredentials.start(); // Telnyx credentials a previous run could not revoke
      await services.webhooks.start(); // CRM webhooks a previous run left in the outbox
      return new Promise<string>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : address.address;
          listeningUrl = `http://${shown}:${address.port}`;
          preloadDirectory();
          resolve(listeningUrl);
        });
      });
    },
    async stop() {
      readiness.drain();
      services.directory.stopPreload();
      await preloading; // its page in flight, before the owner closes the database
      // Hand leases over first: closing sockets would otherwise start each agent's offline grace.
      const handedOver = await services.presence.handOver().catch((err) => (logger.warn({ err }, 'presence hand-over failed'), 0));
      logger.info({ handedOver }, 'stopping: presence leases handed over');
      await services.calls.log.flush(); // the call log entries still waiting
      await services.webhooks.stop(); // CRM events still in memory go to the outbox; attempts in flight end
      await services.presence.lastSeen.stop(); // and no retries after this
      services.calls.stop();
      services.voicemails.outbox.stop();
      await services.recordings.stop(); // downloads in progress finish (briefly) before the database closes
      services.voicemailEmail?.close();
      services.agentCredentials.stop();
      server.close();
      await graphqlWs.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
      replay.close();
      await multiInstance?.close();
    },
  };
}
