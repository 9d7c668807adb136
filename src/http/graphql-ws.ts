/**
 * graphql-ws on the GraphQL path of the same HTTP server. Authentication, socket caps, expiry,
 * revocation and ping limits live in src/auth/ws-sessions.ts; each operation runs through the HTTP
 * Yoga's envelop pipeline, so the limits and plugins are the same on both transports. Heartbeats take
 * a prepared path in front of graphql-ws (src/http/heartbeat-fast-path.ts) with the same semantics.
 */
import type { Server } from 'node:http';
import { GraphQLError, parse, validate, type ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { AuthGate } from '../auth/auth-gate.js';
import { graphqlWsSessions, type WsExtra } from '../auth/ws-sessions.js';
import { GRAPHQL_LIMITS } from '../graphql/hardening.js';
import { frameOf, SubscriptionFanout, type NextPayload } from '../graphql/shared-subscriptions.js';
import type { Services } from '../services/index.js';
import type { PreparedHeartbeats } from '../graphql/prepared-heartbeat.js';
import { subscriptionResultFinisher, type GraphqlHttp } from './graphql-http.js';
import { graphqlWsHeartbeats } from './heartbeat-fast-path.js';
import { ServerWebSocket } from './server-websocket.js';

export function attachGraphqlWs(deps: {
  server: Server;
  yoga: GraphqlHttp;
  services: Services;
  gate: AuthGate;
  /** Heartbeats answered in front of graphql-ws (src/http/heartbeat-fast-path.ts); absent: all go through it. */
  prepared?: PreparedHeartbeats;
}): {
  close(): Promise<void>;
  sharedSubscriptions(): ReturnType<SubscriptionFanout['stats']>;
} {
  const { server, yoga, services, gate } = deps;
  const wss = new WebSocketServer({
    server,
    path: yoga.graphqlEndpoint,
    maxPayload: GRAPHQL_LIMITS.maxBodyBytes,
    WebSocket: ServerWebSocket,
  });
  // Authentication, socket caps, expiry/revocation and ping limits: src/auth/ws-sessions.ts.
  const wsSessions = graphqlWsSessions({ services, gate });
  // Subscriptions to the same feed share one execution and one serialisation per event (src/graphql/shared-subscriptions.ts).
  const fanout = new SubscriptionFanout({ finish: subscriptionResultFinisher(services.config, services.logger), logger: services.logger });
  wss.on('connection', (socket) => wsSessions.watch(socket));
  const heartbeats = deps.prepared
    ? graphqlWsHeartbeats({ prepared: deps.prepared, operationRefused: (ctx) => wsSessions.operationRefused(ctx) })
    : null;
  const ws = useServer<Record<string, unknown> | undefined, Omit<WsExtra, 'socket' | 'request'>>(
    {
      execute: (args) => (args.rootValue as { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
      subscribe: (args) => (args.rootValue as { subscribe: (a: ExecutionArgs) => unknown }).subscribe(args) as never,
      onConnect: (ctx) => (heartbeats?.track(ctx), wsSessions.onConnect(ctx)),
      onClose: (ctx) => wsSessions.onClose(ctx),
      onPing: (ctx) => wsSessions.onPing(ctx),
      onSubscribe: async (ctx, id, payload) => {
        const refused = wsSessions.operationRefused(ctx);
        if (refused) return refused;
        const {
          schema,
          execute,
          subscribe,
          contextFactory,
          parse: yogaParse,
          validate: yogaValidate,
        } = yoga.getEnveloped({
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
            contextValue: fanout.attach(await contextFactory({ extra: ctx.extra } as never), {
              id,
              schema,
              document,
              operationName: payload.operationName,
              variableValues: payload.variables,
              sendNext: nextWriter(ctx.extra.socket as ServerWebSocket, id),
            }),
            rootValue: { execute, subscribe },
          };
        } catch (err) {
          return [err instanceof GraphQLError ? err : new GraphQLError('Unexpected error.')];
        }
      },
    },
    wss,
  );
  // After useServer's own 'connection' listener, so its 'message' listener is there to be fronted.
  if (heartbeats) wss.on('connection', (socket) => heartbeats.intercept(socket));
  return {
    sharedSubscriptions: () => fanout.stats(),
    async close() {
      await ws.dispose();
      wss.close();
    },
  };
}

const CLOSING_BRACE = Buffer.from('}');

/**
 * Writes one shared subscription's `next` frames: its head (`{"id":…,"type":"next","payload":`)
 * encoded once, each payload encoded once per group, the WebSocket frame built in one buffer and
 * written to the TCP socket in one write, at once (the first sockets need not wait for the last).
 */
function nextWriter(socket: ServerWebSocket, id: string): (payload: NextPayload) => void {
  const head = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
  return (payload) => socket.sendParts([head, payload.utf8, CLOSING_BRACE], () => frameOf(id, payload.json));
}
