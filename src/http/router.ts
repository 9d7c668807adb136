/**
 * The HTTP edge's one route table: every request is matched against it in order, and its first match
 * serves it. The table is data, so the routes a deployment answers can be read in one place
 * (src/app.ts builds it); graphql-ws upgrades on the GraphQL path are handled by src/http/graphql-ws.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestIdFor } from '../infra/logger.js';

export interface HttpRoute {
  /** For logs and readers: voice webhooks, healthz, graphql… */
  name: string;
  matches(path: string, method: string): boolean;
  serve(req: IncomingMessage, res: ServerResponse, ctx: { path: string; requestId: string }): void | Promise<void>;
  /**
   * The route puts X-Request-Id in its own writeHead (the Telnyx webhooks, the hottest route). Set
   * beforehand with setHeader, it sends node:http down its slower path of merging headers (about a
   * microsecond a request); every other route gets it from the router.
   */
  writesRequestId?: boolean;
}

export function routeRequests(routes: readonly HttpRoute[]) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const requestId = requestIdFor(req.headers['x-request-id']);
    req.headers['x-request-id'] = requestId; // Yoga's context reads it from the request
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const method = req.method ?? 'GET';
    const route = firstMatch(routes, path, method);
    if (!route?.writesRequestId) res.setHeader('x-request-id', requestId);
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    void route.serve(req, res, { path, requestId });
  };
}

function firstMatch(routes: readonly HttpRoute[], path: string, method: string): HttpRoute | undefined {
  for (const route of routes) if (route.matches(path, method)) return route;
  return undefined;
}
