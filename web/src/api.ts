// One graphql-ws connection per page: queries, mutations and subscriptions share it, it carries the
// agent's socket presence, and it reconnects forever with capped backoff (except when refused).
import { createClient, type Client } from 'graphql-ws';
import type { TypedDocumentString } from './gql/graphql.js';

/** `expired`: the token reached its expiry (4401); `refused`: revoked, disabled or over a limit. Neither reconnects. */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'refused' | 'expired';

export class GraphQLRequestError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export interface Api {
  request<R, V>(doc: TypedDocumentString<R, V>, variables: V, timeoutMs?: number): Promise<R>;
  subscribe<R, V>(doc: TypedDocumentString<R, V>, variables: V, onData: (data: R) => void, onError?: (err: unknown) => void): () => void;
  /** Calls `listener` with the state now and on every change; returns the unsubscribe. */
  onState(listener: (state: ConnectionState, detail?: string) => void): () => void;
  dispose(): void;
}

const REQUEST_TIMEOUT_MS = 15_000;

/** Close codes after which retrying cannot help: the token expired (4401) or was revoked (4403), or a limit was hit (4429). */
const REFUSED_CODES = new Set([4401, 4403, 4429]);
const EXPIRED_CODE = 4401;

export function retryDelayMs(attempt: number, random = Math.random): number {
  return Math.min(10_000, 500 * 2 ** attempt) * (0.75 + random() * 0.5);
}

export function connect(token: string): Api {
  const listeners: ((state: ConnectionState, detail?: string) => void)[] = [];
  let state: ConnectionState = 'connecting';
  const emit = (next: ConnectionState, detail?: string) => {
    state = next;
    for (const l of listeners) l(next, detail);
  };
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  const client: Client = createClient({
    url,
    connectionParams: { authorization: `Bearer ${token}` },
    lazy: false,
    keepAlive: 15_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: (event) => !(isCloseEvent(event) && REFUSED_CODES.has(event.code)),
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, retryDelayMs(retries))),
    onNonLazyError: () => {},
    on: {
      connected: () => emit('connected'),
      closed: (event) => {
        if (isCloseEvent(event) && event.code === EXPIRED_CODE) emit('expired', event.reason || 'token expired');
        else if (isCloseEvent(event) && REFUSED_CODES.has(event.code)) emit('refused', event.reason || 'sign-in refused');
        else if (state !== 'refused' && state !== 'expired') emit('reconnecting');
      },
    },
  });

  return {
    request(doc, variables, timeoutMs = REQUEST_TIMEOUT_MS) {
      return new Promise((resolve, reject) => {
        let result: unknown;
        // A request caught by a dropped socket is retried on reconnect; never wait on it forever.
        const timer = setTimeout(() => (cancel(), reject(new Error('the server did not answer in time'))), timeoutMs);
        const cancel = client.subscribe(
          { query: doc.toString(), variables: variables as Record<string, unknown> },
          {
            next: (msg) => {
              if (msg.errors?.length) {
                const first = msg.errors[0]!;
                reject(new GraphQLRequestError(first.message, (first.extensions as { code?: string } | undefined)?.code));
              } else result = msg.data;
            },
            error: (err) => (clearTimeout(timer), reject(err instanceof Error ? err : new Error(describeError(err)))),
            complete: () => (clearTimeout(timer), resolve(result as never)),
          },
        );
      });
    },
    subscribe(doc, variables, onData, onError) {
      return client.subscribe(
        { query: doc.toString(), variables: variables as Record<string, unknown> },
        {
          next: (msg) => (msg.data ? onData(msg.data as never) : onError?.(msg.errors)),
          error: (err) => onError?.(err),
          complete: () => {},
        },
      );
    },
    onState(listener) {
      listeners.push(listener);
      listener(state);
      return () => {
        const at = listeners.indexOf(listener);
        if (at >= 0) listeners.splice(at, 1);
      };
    },
    dispose: () => void client.dispose(),
  };
}

/** One typed operation over HTTP, before any socket is opened (sign-in checks which view a token opens). */
export async function requestOverHttp<R, V>(
  doc: TypedDocumentString<R, V>,
  variables: V,
  token: string,
  fetchImpl: typeof fetch = fetch,
): Promise<R> {
  const res = await fetchImpl('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: doc.toString(), variables }),
  });
  const body = (await res.json().catch(() => null)) as { data?: R; errors?: { message: string; extensions?: { code?: string } }[] } | null;
  const first = body?.errors?.[0];
  if (first) throw new GraphQLRequestError(first.message, first.extensions?.code);
  if (!body?.data) throw new Error(`the server answered ${res.status} without data`);
  return body.data;
}

function isCloseEvent(value: unknown): value is CloseEvent {
  return typeof value === 'object' && value !== null && 'code' in value && typeof (value as CloseEvent).code === 'number';
}

function describeError(err: unknown): string {
  if (isCloseEvent(err)) return `connection closed (${err.code}${err.reason ? `: ${err.reason}` : ''})`;
  if (Array.isArray(err)) return err.map((e) => (e as { message?: string }).message ?? String(e)).join('; ');
  return 'the server cannot be reached';
}
