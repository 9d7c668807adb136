/**
 * Real servers for integration tests: the app on a free port, a real database (in-memory PGlite, or
 * a fresh Postgres database), real HTTP and graphql-ws clients.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { buildApp, type App } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { HttpRoute } from '../../src/http/router.js';
import type { Clock } from '../../src/domain/clock.js';
import { openDatabase, type Database } from '../../src/infra/db.js';
import { createLogger, type Logger } from '../../src/infra/logger.js';

export const ADMIN_KEY = 'test-admin-key-0123456789';
export const PG_URL = process.env.PG_TEST_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface TestServer {
  url: string;
  app: App;
  database: Database;
  gql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<{ data?: T; errors?: { message: string; extensions?: any }[] }>;
  admin<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  webhook(
    path: string,
    params: Record<string, string>,
    init?: { method?: 'GET' | 'POST' },
  ): Promise<{ status: number; contentType: string | null; body: string }>;
  ws(token: string): Client;
  close(): Promise<void>;
}

export async function startServer(
  opts: {
    env?: Record<string, string>;
    database?: Database;
    logger?: Logger;
    webRoot?: string;
    clock?: Clock;
    /** Changes the loaded configuration (the simulator points the Telnyx settings at itself). */
    configure?: (config: Config) => Config;
    routes?: HttpRoute[];
    /** Work in flight outside webhooks (the queue's dispatch): a VirtualClock's `busy` holds time meanwhile. */
    inFlight?: { begin(): void; end(): void };
  } = {},
): Promise<TestServer> {
  const loaded = loadConfig({
    ADMIN_API_KEY: ADMIN_KEY,
    JWT_SECRET: randomBytes(32).toString('hex'),
    DATA_DIR: 'memory://',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
    ...opts.env,
  });
  const config = opts.configure ? opts.configure(loaded) : loaded;
  const database = opts.database ?? (await openDatabase(config));
  await database.migrate();
  const app = buildApp({
    config: { ...config, jwtSecret: config.jwtSecret! },
    database,
    logger: opts.logger ?? createLogger(config.logLevel),
    webRoot: opts.webRoot,
    clock: opts.clock,
    routes: opts.routes,
    ...(opts.inFlight && { inFlight: opts.inFlight }),
  });
  const url = await app.start(0, '127.0.0.1');
  const clients: Client[] = [];

  const gql: TestServer['gql'] = async (query, variables, token) => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return res.json() as never;
  };

  return {
    url,
    app,
    database,
    gql,
    async admin(query, variables) {
      const result = await gql(query, variables, ADMIN_KEY);
      if (result.errors) throw new Error(`admin operation failed: ${JSON.stringify(result.errors)}`);
      return result.data as never;
    },
    async webhook(path, params, init = {}) {
      const body = new URLSearchParams(params).toString();
      const res =
        init.method === 'GET'
          ? await fetch(`${url}${path}?${body}`)
          : await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      return { status: res.status, contentType: res.headers.get('content-type'), body: await res.text() };
    },
    ws(token) {
      const client = createClient({
        url: `${url.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        lazy: false,
        retryAttempts: 0,
        onNonLazyError: () => {}, // tests assert on close codes themselves
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const c of clients) await c.dispose();
      await app.stop();
      if (!opts.database) await database.close();
    },
  };
}

/** Collects a subscription's events; `next(predicate)` waits for the first matching one. */
export function subscribe<T = any>(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const events: T[] = [];
  const errors: unknown[] = [];
  const waiters: { predicate: (e: T) => boolean; resolve: (e: T) => void }[] = [];
  const unsubscribe = client.subscribe<T>(
    { query, variables },
    {
      next: (msg) => {
        if (msg.errors) errors.push(msg.errors);
        const data = msg.data as T;
        events.push(data);
        for (const w of [...waiters]) if (w.predicate(data)) waiters.splice(waiters.indexOf(w), 1), w.resolve(data);
      },
      error: (err) => errors.push(err),
      complete: () => {},
    },
  );
  return {
    events,
    errors,
    unsubscribe,
    next(predicate: (e: T) => boolean, timeoutMs = 5000): Promise<T> {
      const seen = events.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(events)} ${JSON.stringify(errors)}`)),
          timeoutMs,
        );
        waiters.push({ predicate, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    },
  };
}

/** A fresh, empty Postgres database for one suite; dropped by the returned cleanup. */
export async function freshPostgres(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `curbe_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Whether Postgres answers; in CI its absence is a failure, never a skip. */
export async function postgresAvailable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch (err) {
    if (process.env.CI) throw new Error(`Postgres is required in CI (${PG_URL}): ${(err as Error).message}`);
    console.warn(`Postgres suites skipped: ${PG_URL} is not reachable (${(err as Error).message}). In CI this fails.`);
    return false;
  }
}

/** Not for a test's waits: wait for an event (`subscribe().next`) or a state (`waitFor`) instead. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `read` until `done` says yes, for a state no event tells of (a socket connected, an instance
 * degraded); fails with the last value seen after `timeoutMs`.
 */
export async function waitFor<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean = Boolean,
  opts: { timeoutMs?: number; what?: string } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const giveUp = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > giveUp)
      throw new Error(`${opts.what ?? 'condition'} not met within ${timeoutMs} ms; last value ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Resolves when the graphql-ws client has its connection acknowledged (call before the first await). */
export function connected(client: Client): Promise<void> {
  return new Promise((resolve) => {
    const off = client.on('connected', () => (off(), resolve()));
  });
}

/**
 * A voicemailReceived subscription has no snapshot, so nothing says when it is registered: voicemails
 * are left (one more every 250 ms) until `board` hears one of them; it is live from then on. Returns
 * the CallSids left, all of them stored (a voicemail left before the subscription was live is not
 * delivered, but it is kept).
 */
export async function voicemailsUntilHeard(
  server: TestServer,
  companyId: string,
  board: { next(predicate: (e: any) => boolean, timeoutMs?: number): Promise<unknown> },
  voicemail: { tag: string; From: string; To: string; RecordingUrl: string },
): Promise<string[]> {
  const sent: string[] = [];
  const heard = (e: any) => sent.includes(e?.voicemailReceived?.callSid);
  for (let i = 0; i < 40; i++) {
    const CallSid = `${voicemail.tag}-${i}`;
    sent.push(CallSid);
    const { tag: _tag, ...params } = voicemail;
    const res = await server.webhook(`/telnyx/voicemail/${companyId}`, {
      ...params,
      CallSid,
      RecordingDuration: '3',
      RecordingStatus: 'completed',
    });
    if (res.status !== 200) throw new Error(`voicemail webhook answered ${res.status}`);
    try {
      await board.next(heard, 250);
      return sent;
    } catch {
      // not live yet: leave another one
    }
  }
  throw new Error(`the voicemail subscription of ${companyId} heard none of ${sent.length} voicemails`);
}
