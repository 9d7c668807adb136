/**
 * Metrics and log lines for GraphQL, over both transports (graphql-ws reuses Yoga's envelop pipeline):
 * accepted heartbeats, open subscriptions, and one log line per operation carrying the request id.
 */
import { Kind, type DocumentNode, type ExecutionResult, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../infra/logger.js';
import type { Metrics, Transport } from '../infra/metrics.js';

/** graphql-ws builds its context from the socket's `extra`; an HTTP request has none. */
function transportOf(context: unknown): Transport {
  return (context as { extra?: unknown } | null)?.extra ? 'ws' : 'http';
}

/** How many `heartbeat` root fields the executed mutation carries (aliases can repeat it). */
export function heartbeatFieldsIn(document: DocumentNode, operationName?: string | null): number {
  const operation = document.definitions.find(
    (d) => d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName),
  );
  if (operation?.kind !== Kind.OPERATION_DEFINITION || operation.operation !== 'mutation') return 0;
  return operation.selectionSet.selections.filter((s) => s.kind === Kind.FIELD && s.name.value === 'heartbeat').length;
}

export function observabilityPlugin(metrics: Metrics, logger: Logger): Plugin {
  return {
    onExecute({ args }) {
      const started = performance.now();
      const transport = transportOf(args.contextValue);
      const heartbeats = heartbeatFieldsIn(args.document, args.operationName);
      const requestId = (args.contextValue as { requestId?: string }).requestId;
      return {
        onExecuteDone({ result }) {
          if (Symbol.asyncIterator in result) return; // incremental delivery: not used by this API
          const { errors } = result as ExecutionResult;
          if (heartbeats > 0 && !errors?.length) metrics.heartbeats.inc({ transport }, heartbeats);
          logOperation(logger, { requestId, transport, operationName: args.operationName ?? undefined, started }, errors);
        },
      };
    },
    onSubscribe({ args }) {
      const transport = transportOf(args.contextValue);
      return {
        onSubscribeResult({ result }) {
          if (!(Symbol.asyncIterator in result)) return; // refused (errors): never opened
          metrics.activeSubscriptions.inc({ transport });
          return { onEnd: () => void metrics.activeSubscriptions.dec({ transport }) };
        },
      };
    },
  };
}

/**
 * One line per operation: failures at info with their codes; successes at debug (heartbeats are the
 * bulk of the traffic). The prepared heartbeat (src/graphql/prepared-heartbeat.ts) writes the same line.
 */
export function logOperation(
  logger: Logger,
  op: { requestId: string | undefined; transport: Transport; operationName: string | undefined; started: number },
  errors: readonly GraphQLError[] | undefined,
): void {
  if (!errors?.length && !logger.isLevelEnabled('debug')) return;
  const line = {
    requestId: op.requestId,
    transport: op.transport,
    operationName: op.operationName,
    ms: round(performance.now() - op.started),
  };
  if (errors?.length) logger.info({ ...line, errors: errors.map((e) => e.extensions?.code ?? e.message) }, 'graphql operation failed');
  else logger.debug(line, 'graphql operation');
}

const round = (ms: number) => Math.round(ms * 100) / 100;
