/**
 * GraphQL over HTTP and SSE (Yoga): the schema with its limits, sessions and observability plugins,
 * and the viewer of each request from its Authorization header. graphql-ws reuses this Yoga's
 * envelop pipeline (src/http/graphql-ws.ts), so every plugin applies to both transports.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { GraphQLError } from 'graphql';
import { createYoga, maskError } from 'graphql-yoga';
import { credentialFrom, type Viewer } from '../auth/tokens.js';
import { AuthRefused, type AuthGate } from '../auth/auth-gate.js';
import { streamSessionsPlugin } from '../auth/stream-sessions.js';
import type { Config } from '../config.js';
import type { Context } from '../graphql/context.js';
import { schema } from '../graphql/schema.js';
import { hardeningPlugins } from '../graphql/hardening.js';
import { limitResult, type OperationLimits } from '../graphql/operation-limits.js';
import type { ResultFinisher } from '../graphql/shared-subscriptions.js';
import { observabilityPlugin } from '../graphql/observability.js';
import { subscriptionQuotaPlugin } from '../graphql/subscription-quota.js';
import type { Logger } from '../infra/logger.js';
import type { Metrics } from '../infra/metrics.js';
import type { Services } from '../services/index.js';
import { corsFor } from './cors.js';

export type GraphqlHttp = ReturnType<typeof createGraphqlHttp>;

const MASKED_ERROR_MESSAGE = 'Unexpected error.';

function operationLimitsOf(config: Config): OperationLimits {
  return { ...config.graphqlLimits, hideSuggestions: config.production };
}

/**
 * What this Yoga's envelop pipeline does to each result of a subscription, as one function, for the
 * shared graphql-ws delivery (src/graphql/shared-subscriptions.ts): the result limits (operation-limits
 * plugin), then error masking (Yoga's maskedErrors, last in its plugin list, logging what it masks).
 * Kept beside the Yoga options it mirrors; test/integration/shared-subscriptions.test.ts compares both paths.
 */
export function subscriptionResultFinisher(config: Config, logger: Logger): ResultFinisher {
  const limited = limitResult(operationLimitsOf(config));
  const mask = (error: GraphQLError): GraphQLError => {
    const masked = maskError(error, MASKED_ERROR_MESSAGE, false) as GraphQLError;
    if (masked !== error) logger.error({ args: [String(error)] }, 'yoga error');
    return masked;
  };
  return (result) => {
    const checked = limited(result);
    return checked.errors ? { ...checked, errors: checked.errors.map(mask) } : checked;
  };
}

/**
 * The viewer of an HTTP request from its credential (null without one). A refused credential throws
 * the GraphQLError the response carries (401, or 429 with Retry-After); the prepared heartbeat
 * (src/http/heartbeat-fast-path.ts) answers with the same.
 */
export function httpViewerOf(gate: AuthGate) {
  return async (credential: string | null, req: IncomingMessage | undefined): Promise<Viewer | null> => {
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
}

export function createGraphqlHttp(deps: { config: Config; services: Services; metrics: Metrics; logger: Logger; gate: AuthGate }) {
  const { config, services, metrics, logger, gate } = deps;
  const viewerFor = httpViewerOf(gate);

  return createYoga<{ req?: IncomingMessage; extra?: { viewer?: Viewer | null; credential?: string | null } }, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    cors: corsFor(config.corsOrigins),
    plugins: [
      ...hardeningPlugins({ introspection: !config.production, limits: operationLimitsOf(config) }),
      observabilityPlugin(metrics, logger),
      streamSessionsPlugin(services.sessions),
      // Last: it counts a subscription only once every earlier plugin has let it through.
      subscriptionQuotaPlugin(config.limits.maxSubscriptionsPerCompany),
    ],
    landingPage: false,
    graphiql: config.production ? false : { subscriptionsProtocol: 'WS', title: 'Curbe Voice GraphQL' },
    // GraphQLErrors (auth, validation, ours) keep their message; anything else is "Unexpected error.".
    maskedErrors: { isDev: false, errorMessage: MASKED_ERROR_MESSAGE },
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
}
