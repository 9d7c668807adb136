/**
 * SSE subscription streams (GraphQL over HTTP) end like sockets do: when their token expires, or
 * when the agent's or the company's supervisor tokens are revoked (on any instance). The stream
 * gets one last result carrying the reason as an error (UNAUTHENTICATED at expiry, FORBIDDEN on
 * revocation), then completes. graphql-ws subscriptions are ended by closing their socket instead.
 */
import { GraphQLError, type ExecutionResult } from 'graphql';
import { Repeater, type Plugin } from 'graphql-yoga';
import type { Context } from '../graphql/context.js';
import { CLOSE_UNAUTHORIZED, type Sessions } from './sessions.js';

export function streamSessionsPlugin(sessions: Sessions): Plugin {
  return {
    onSubscribe({ args }) {
      const ctx = args.contextValue as Partial<Context>;
      const viewer = ctx.viewer;
      if (ctx.overWebSocket || !viewer || viewer.role === 'admin') return;
      return {
        onSubscribeResult({ result, setResult }) {
          if (!isAsyncIterable(result)) return;
          setResult(endingWith(result, (end) => sessions.open(viewer, ctx.credential ?? null, { kind: 'stream', close: end })));
        },
      };
    },
  };
}

/** The source's results until `register`'s close callback fires; then the reason as an error, and the end. */
export function endingWith<T>(
  source: AsyncIterable<T>,
  register: (close: (code: number, reason: string) => void) => () => void,
): AsyncIterableIterator<T | ExecutionResult> {
  return new Repeater<T | ExecutionResult>(async (push, stop) => {
    const it = source[Symbol.asyncIterator]();
    const release = register((code, reason) => {
      const extensions = { code: code === CLOSE_UNAUTHORIZED ? 'UNAUTHENTICATED' : 'FORBIDDEN' };
      void push({ errors: [new GraphQLError(reason, { extensions })] });
      stop();
    });
    try {
      for (;;) {
        const next = await Promise.race([it.next(), stop]);
        if (!next || next.done) break;
        await push(next.value);
      }
    } finally {
      release();
      void it.return?.();
    }
    stop();
  });
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}
