/**
 * The graphql-ws side of sessions: authentication at connection_init (failures rate-limited per
 * source), the sockets-per-principal cap, the expiry/revocation registration, the operations-per-socket
 * cap, and the ping limit.
 *
 * The socket caps are counted per instance: a shared count would have to be given back when a socket
 * closes, and an instance that dies (SIGKILL, OOM) would leave its sockets counted until some TTL; a
 * per-instance cap needs no bookkeeping and bounds what one token can hold to cap × instances.
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { Context as WsContext } from 'graphql-ws';
import type { GraphQLError } from 'graphql';
import type { Services } from '../services/index.js';
import { RateLimitedError } from '../services/errors.js';
import { AuthRefused, type AuthGate } from './auth-gate.js';
import { CLOSE_RATE_LIMITED, CLOSE_UNAUTHORIZED } from './sessions.js';
import { credentialFrom, type Viewer } from './tokens.js';

export type WsExtra = {
  socket: WebSocket;
  request: IncomingMessage;
  viewer?: Viewer | null;
  credential?: string | null;
  endSession?: () => void;
};
type Ctx = WsContext<Record<string, unknown> | undefined, WsExtra>;

/** A hint for operation caps: nothing frees up on a timer, so "try again shortly". */
const RETRY_OPERATIONS_MS = 1000;

export function graphqlWsSessions(deps: { services: Services; gate: AuthGate }) {
  const { services, gate } = deps;
  const { limits } = services.config;
  const socketIds = new WeakMap<WebSocket, string>();
  let nextSocketId = 0;
  const idOf = (socket: WebSocket) => {
    let id = socketIds.get(socket);
    if (!id) socketIds.set(socket, (id = String(++nextSocketId)));
    return id;
  };
  const countPing = async (socket: WebSocket): Promise<void> => {
    const waitMs = await services.limits.ping.take(idOf(socket));
    if (waitMs > 0) socket.close(CLOSE_RATE_LIMITED, 'too many pings');
  };

  return {
    /** WebSocket-level pings (answered by ws itself) count against the same per-socket budget. */
    watch(socket: WebSocket): void {
      socket.on('ping', () => void countPing(socket));
    },

    async onConnect(ctx: Ctx): Promise<boolean> {
      const params = ctx.connectionParams ?? {};
      const credential = credentialFrom(params.authorization ?? params.Authorization ?? params.token);
      const { socket, request } = ctx.extra;
      let viewer: Viewer | null;
      try {
        viewer = await gate.authenticate(credential, request, 'graphql-ws');
      } catch (err) {
        if (err instanceof AuthRefused && err.refusal.code === 'RATE_LIMITED') socket.close(CLOSE_RATE_LIMITED, err.message);
        // An expired token gets the same close as a socket whose token expires while open: "sign in again".
        else if (err instanceof AuthRefused && err.refusal.message === 'token expired') socket.close(CLOSE_UNAUTHORIZED, 'token expired');
        return false; // 4403 Forbidden (unless closed above)
      }
      if (!viewer) return false;
      const cap = viewer.role === 'agent' ? limits.wsMaxSocketsPerAgent : limits.wsMaxSocketsPerSupervisorToken;
      if (viewer.role !== 'admin' && services.sessions.socketCount(viewer, credential) >= cap) {
        services.logger.warn(
          { role: viewer.role, companyId: viewer.companyId, cap },
          'graphql-ws connection refused: too many open sockets for this token',
        );
        socket.close(
          CLOSE_RATE_LIMITED,
          `too many open connections for this ${viewer.role === 'agent' ? 'agent' : 'token'} (at most ${cap})`,
        );
        return false;
      }
      ctx.extra.viewer = viewer;
      ctx.extra.credential = credential;
      if (viewer.role === 'agent') services.presence.attachSocket(viewer.agentId, viewer.companyId);
      ctx.extra.endSession = services.sessions.open(viewer, credential, {
        kind: 'socket',
        close: (code, reason) => socket.close(code, reason),
      });
      return true;
    },

    onClose(ctx: Ctx): void {
      const { viewer, endSession } = ctx.extra;
      if (!endSession) return; // never admitted
      endSession();
      ctx.extra.endSession = undefined;
      if (viewer?.role === 'agent') services.presence.detachSocket(viewer.agentId);
    },

    /** Awaited by graphql-ws before it answers: a ping over the budget closes the socket instead of getting its pong. */
    onPing(ctx: Ctx): Promise<void> {
      return countPing(ctx.extra.socket);
    },

    /** Errors refusing a new operation when the socket already has its maximum open (this one included). */
    operationRefused(ctx: Ctx): GraphQLError[] | null {
      // Counted without Object.keys' array: every heartbeat over graphql-ws passes here.
      let open = 0;
      for (const _id in ctx.subscriptions) open++;
      if (open <= limits.wsMaxSubscriptionsPerSocket) return null;
      return [
        new RateLimitedError(
          `too many operations open on this connection (at most ${limits.wsMaxSubscriptionsPerSocket})`,
          RETRY_OPERATIONS_MS,
        ),
      ];
    },
  };
}
