/**
 * graphql-ws on the GraphQL path of the same HTTP server. Authentication, socket caps, expiry,
 * revocation and ping limits live in src/auth/ws-sessions.ts; each operation runs through the HTTP
 * Yoga's envelop pipeline, so the limits and plugins are the same on both transports.
 */
import type { Server } from 'node:http';
import { GraphQLError, parse, validate, type ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { AuthGate } from '../auth/auth-gate.js';
import { graphqlWsSessions, type WsExtra } from '../auth/ws-sessions.js';
import { GRAPHQL_LIMITS } from '../graphql/hardening.js';
import type { Services } from '../services/index.js';
import type { GraphqlHttp } from './graphql-http.js';

export function attachGraphqlWs(deps: { server: Server; yoga: GraphqlHttp; services: Services; gate: AuthGate }): {
  close(): Promise<void>;
} {
  const { server, yoga, services, gate } = deps;
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
  return {
    async close() {
      await ws.dispose();
      wss.close();
    },
  };
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
