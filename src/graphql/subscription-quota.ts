/**
 * Live subscriptions per company, per instance, over graphql-ws and SSE alike. Each presence change
 * is written to every subscriber's socket (executed once per selection over graphql-ws, see
 * shared-subscriptions.ts; once per SSE stream), so the number of subscribers a tenant holds is what its
 * own agents' changes cost every other tenant on the instance; this bounds it. A refused subscription
 * gets RATE_LIMITED before its resolver (and its snapshot) runs; the other subscriptions carry on.
 */
import type { Plugin } from 'graphql-yoga';
import type { Context } from './context.js';
import { RateLimitedError } from '../services/errors.js';

/** When to try again: a board's subscription ends when its page closes, not on a clock. */
const RETRY_MS = 30_000;

export function subscriptionQuotaPlugin(maxPerCompany: number): Plugin {
  const open = new Map<string, number>();
  const release = (companyId: string) => {
    const left = (open.get(companyId) ?? 1) - 1;
    if (left > 0) open.set(companyId, left);
    else open.delete(companyId);
  };
  return {
    onSubscribe({ args, setResultAndStopExecution }) {
      const viewer = (args.contextValue as Partial<Context>).viewer;
      if (!viewer || viewer.role === 'admin') return;
      const { companyId } = viewer;
      const count = open.get(companyId) ?? 0;
      if (count >= maxPerCompany) {
        const message = `too many live subscriptions for this company (at most ${maxPerCompany} on this instance, MAX_SUBSCRIPTIONS_PER_COMPANY)`;
        setResultAndStopExecution({ errors: [new RateLimitedError(message, RETRY_MS)] });
        return;
      }
      open.set(companyId, count + 1); // counted now, so concurrent subscribes cannot all pass
      let released = false;
      const releaseOnce = () => {
        if (!released) (released = true), release(companyId);
      };
      return {
        onSubscribeResult({ result }) {
          if (!(Symbol.asyncIterator in result)) return void releaseOnce(); // refused (errors): never opened
          return { onEnd: releaseOnce };
        },
        onSubscribeError: releaseOnce,
      };
    },
  };
}
