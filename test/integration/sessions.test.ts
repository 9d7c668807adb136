/**
 * Sessions over real servers (issue 10, findings 2, 3, 5 and the rate limits of 6, 9, 10):
 * revocation and disabling reach sockets and SSE streams on every instance; open connections end
 * when their token expires; supervisor tokens are revocable; subscriptions per socket, sockets per
 * agent or supervisor token, pings, heartbeats, softphone token minting and status changes are
 * limited (the rates across instances); failed authentications are limited per source and logged.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/auth/tokens.js';
import { createLogger } from '../../src/infra/logger.js';
import { freshPostgres, postgresAvailable, startServer, subscribe, type TestServer } from '../support/harness.js';
import type { ReconciledLimit } from '../../src/auth/limits.js';
import { dropRedisKeys, REDIS_URL, redisAvailable, uniqueKeyPrefix } from '../support/redis.js';
import { hostAndPort, tcpProxy } from '../support/tcp-proxy.js';
import { sseSubscription } from '../support/sse.js';

const HEARTBEAT = `mutation { heartbeat(input: { sipRegistered: true }) { presence { online } } }`;
const PRESENCE = `subscription($c: ID!) { presenceChanged(companyId: $c) { agentId online snapshot } }`;

async function company(server: TestServer, names: string[] = ['ana']) {
  const { createCompany } = await server.admin(
    `mutation { createCompany(input: { name: "Sessions", routing: { allowUnregisteredSoftphones: true } }) { id } }`,
  );
  const companyId: string = createCompany.id;
  const agents: { id: string; token: string; sip: string }[] = [];
  for (const name of names) {
    const sip = `${name}.${randomBytes(4).toString('hex')}`;
    const { createAgent } = await server.admin(`mutation($i: CreateAgentInput!) { createAgent(input: $i) { id } }`, {
      i: { companyId, displayName: name, sipUsername: sip },
    });
    const { issueAgentToken } = await server.admin(`mutation($a: ID!) { issueAgentToken(agentId: $a) { token } }`, { a: createAgent.id });
    agents.push({ id: createAgent.id, token: issueAgentToken.token, sip });
  }
  const { issueSupervisorToken } = await server.admin(`mutation($c: ID!) { issueSupervisorToken(companyId: $c) { token } }`, {
    c: companyId,
  });
  return { companyId, agent: agents[0]!, agents, supervisor: issueSupervisorToken.token as string };
}

/** Resolves on the client's first `connected` event. */
const connected = (client: Client) => new Promise<void>((resolve) => client.on('connected', () => resolve()));
/** Resolves with the close code and reason of the client's socket. */
const closed = (client: Client) =>
  new Promise<{ code: number; reason: string; at: number }>((resolve) =>
    client.on('closed', (e: any) => resolve({ code: e.code, reason: e.reason, at: Date.now() })),
  );

/** Polls a condition on the server's state (not time) until it holds. */
async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function capturedLogs() {
  const lines: any[] = [];
  const logger = createLogger('info', {}, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { lines, logger };
}

describe('expiry: open connections end when their token expires', () => {
  const secret = randomBytes(32).toString('hex');
  const tokens = new TokenService({ jwtSecret: secret, adminApiKey: undefined });
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: { JWT_SECRET: secret } });
  });
  afterAll(() => server.close());

  it("an agent's socket closes with 4401 at its token's expiry; the viewer carries expiresAt", async () => {
    const co = await company(server);
    const short = await tokens.issue({ role: 'agent', companyId: co.companyId, agentId: co.agent.id }, 2);
    expect((await server.gql(`{ viewer { expiresAt } }`, {}, short.token)).data.viewer.expiresAt).toBe(short.expiresAt.toISOString());
    const client = server.ws(short.token);
    const end = closed(client);
    await connected(client);
    const { code, reason, at } = await end;
    expect({ code, reason }).toEqual({ code: 4401, reason: 'token expired' });
    expect(at).toBeGreaterThanOrEqual(short.expiresAt.getTime() - 20);
    expect(at).toBeLessThan(short.expiresAt.getTime() + 1000);
    // Connecting with the expired token: the same 4401 (sign in again), not a generic 4403.
    expect(await closed(server.ws(short.token))).toMatchObject({ code: 4401, reason: 'token expired' });
  });

  it("a supervisor's socket and SSE stream end at expiry (the stream with a last UNAUTHENTICATED error)", async () => {
    const co = await company(server);
    const short = await tokens.issue({ role: 'supervisor', companyId: co.companyId }, 2);
    const client = server.ws(short.token);
    const end = closed(client);
    const board = subscribe(client, PRESENCE, { c: co.companyId });
    const stream = await sseSubscription(server.url, PRESENCE, { c: co.companyId }, short.token);
    await board.next((e) => e.presenceChanged.snapshot);
    await stream.started;
    expect(stream.payloads[0].data.presenceChanged.snapshot).toBe(true);
    expect((await end).code).toBe(4401);
    const { at, payloads } = await stream.ended;
    expect(at).toBeGreaterThanOrEqual(short.expiresAt.getTime() - 20);
    expect(payloads.at(-1).errors[0]).toMatchObject({ message: 'token expired', extensions: { code: 'UNAUTHENTICATED' } });
  });
});

describe('per-socket and per-token limits (one instance)', () => {
  let server: TestServer;
  const logs = capturedLogs();
  beforeAll(async () => {
    server = await startServer({
      logger: logs.logger,
      env: {
        WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '3',
        WS_MAX_SOCKETS_PER_AGENT: '2',
        WS_MAX_SOCKETS_PER_SUPERVISOR_TOKEN: '2',
        WS_MAX_PINGS_PER_MINUTE: '5',
        AUTH_FAILURES_PER_MINUTE: '3',
        STATUS_CHANGES_PER_MINUTE: '3',
        MAX_SUBSCRIPTIONS_PER_COMPANY: '4',
      },
    });
  });
  afterAll(() => server.close());

  it("bounds a company's live subscriptions over graphql-ws and SSE together; another company is not affected; an ended one frees a place", async () => {
    const co = await company(server);
    const client = server.ws(co.supervisor);
    const subs = [0, 1, 2].map(() => subscribe(client, PRESENCE, { c: co.companyId }));
    for (const s of subs) await s.next((e) => e.presenceChanged.snapshot);
    const fourth = await sseSubscription(server.url, PRESENCE, { c: co.companyId }, co.supervisor);
    fourth.ended.catch(() => {}); // it stays open until the server stops
    await fourth.started;
    expect(fourth.payloads[0].data.presenceChanged.snapshot).toBe(true);
    // The fifth, over either transport, is refused before it runs (no snapshot).
    const fifth = await sseSubscription(server.url, PRESENCE, { c: co.companyId }, co.supervisor);
    const { payloads } = await fifth.ended;
    expect(payloads).toHaveLength(1);
    expect(payloads[0].errors[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
    expect(payloads[0].errors[0].message).toMatch(/too many live subscriptions for this company \(at most 4/);
    const other = await company(server);
    const theirs = subscribe(server.ws(other.supervisor), PRESENCE, { c: other.companyId });
    await theirs.next((e) => e.presenceChanged.snapshot);
    subs[0]!.unsubscribe();
    // The place frees once the server has ended that subscription; the same socket asks until it is admitted.
    for (let attempt = 0; ; attempt++) {
      const again = new Promise<boolean>((resolve) =>
        client.subscribe(
          { query: PRESENCE, variables: { c: co.companyId } },
          { next: (r) => resolve(!r.errors), error: () => resolve(false), complete: () => resolve(false) },
        ),
      );
      if (await again) break;
      expect(attempt).toBeLessThan(50);
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  it('refuses a subscription past the per-socket maximum with RATE_LIMITED; the others keep running', async () => {
    const co = await company(server);
    const client = server.ws(co.supervisor);
    const subs = [0, 1, 2].map(() => subscribe(client, PRESENCE, { c: co.companyId }));
    for (const s of subs) await s.next((e) => e.presenceChanged.snapshot);
    const refused = new Promise<any>((resolve) =>
      client.subscribe({ query: PRESENCE, variables: { c: co.companyId } }, { next: () => {}, error: resolve, complete: () => {} }),
    );
    const errors = await refused;
    expect(errors[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
    expect(errors[0].message).toMatch(/at most 3/);
    expect(errors[0].extensions.retryAfterMs).toBeGreaterThan(0);
    // The three still receive events; one ended frees a place.
    await server.gql(HEARTBEAT, {}, co.agent.token);
    for (const s of subs) await s.next((e) => !e.presenceChanged.snapshot && e.presenceChanged.online);
    subs[0]!.unsubscribe();
    const again = subscribe(client, PRESENCE, { c: co.companyId });
    await again.next((e) => e.presenceChanged.snapshot);
  });

  it('refuses a socket past the per-agent maximum with 4429, and admits one again once another closes', async () => {
    const co = await company(server);
    const first = server.ws(co.agent.token);
    const second = server.ws(co.agent.token);
    await Promise.all([connected(first), connected(second)]);
    const third = server.ws(co.agent.token);
    const refused = await closed(third);
    expect(refused.code).toBe(4429);
    expect(refused.reason).toMatch(/too many open connections for this agent/);
    await first.dispose();
    await until(() => server.app.services.sessions.count(co.agent.id) === 1);
    const fourth = server.ws(co.agent.token);
    await connected(fourth);
  });

  it('counts supervisor sockets per token: a third socket of one token is refused, another token of the company is not', async () => {
    const co = await company(server);
    await Promise.all([connected(server.ws(co.supervisor)), connected(server.ws(co.supervisor))]);
    expect((await closed(server.ws(co.supervisor))).code).toBe(4429);
    const { issueSupervisorToken } = await server.admin(
      `mutation($c: ID!) { issueSupervisorToken(companyId: $c, expiresInSeconds: 3600) { token } }`,
      { c: co.companyId },
    );
    await connected(server.ws(issueSupervisorToken.token));
  });

  it('closes a socket that floods pings (graphql-ws pings and WebSocket ping frames) with 4429', async () => {
    const co = await company(server);
    for (const flood of ['graphql-ws', 'frames'] as const) {
      const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
      const messages: any[] = [];
      const acked = new Promise<void>((resolve) =>
        socket.on('message', (data) => {
          const m = JSON.parse(String(data));
          messages.push(m);
          if (m.type === 'connection_ack') resolve();
        }),
      );
      const end = new Promise<{ code: number; reason: string }>((resolve) =>
        socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
      );
      await new Promise((resolve) => socket.once('open', resolve));
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${co.supervisor}` } }));
      await acked;
      for (let i = 0; i < 20; i++) flood === 'graphql-ws' ? socket.send(JSON.stringify({ type: 'ping' })) : socket.ping();
      expect(await end, flood).toEqual({ code: 4429, reason: 'too many pings' });
      expect(messages.filter((m) => m.type === 'pong').length).toBeLessThanOrEqual(5); // the budget; the rest get no answer
    }
  });

  it('limits failed authentications per source, logs each with its reason and source but never the credential, and still admits valid ones', async () => {
    const co = await company(server);
    const bogus = `Bearer-${randomBytes(12).toString('hex')}`;
    const first = await Promise.all([0, 1, 2].map(() => server.gql(`{ viewer { role } }`, {}, bogus)));
    for (const r of first) expect(r.errors?.[0]).toMatchObject({ message: 'invalid credentials', extensions: { code: 'UNAUTHENTICATED' } });
    const limited = await server.gql(`{ viewer { role } }`, {}, bogus);
    expect(limited.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect(limited.errors?.[0]?.extensions.retryAfterMs).toBeGreaterThan(0);
    // graphql-ws from the same source: refused with 4429.
    expect((await closed(server.ws(bogus))).code).toBe(4429);
    // A valid credential from the same source is still admitted.
    expect((await server.gql(`{ viewer { role } }`, {}, co.supervisor)).data.viewer.role).toBe('SUPERVISOR');

    const failures = logs.lines.filter((l) => l.msg === 'authentication failed');
    expect(failures).toHaveLength(3);
    for (const f of failures) expect(f).toMatchObject({ level: 40, source: '127.0.0.1', via: 'http', reason: 'invalid credentials' });
    expect(logs.lines.some((l) => /too many failures/.test(l.msg) && l.source === '127.0.0.1')).toBe(true);
    expect(JSON.stringify(logs.lines)).not.toContain(bogus);
  });

  it('limits status changes per principal with RATE_LIMITED and a retry hint', async () => {
    const co = await company(server);
    const set = (token: string) => server.gql(`mutation { setAgentStatus(input: { status: AVAILABLE }) { status } }`, {}, token);
    for (let i = 0; i < 3; i++) expect((await set(co.agent.token)).errors).toBeUndefined();
    const limited = await set(co.agent.token);
    expect(limited.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect(limited.errors?.[0]?.extensions.retryAfterMs).toBeGreaterThan(0);
  });
});

const ready = (await postgresAvailable()) && (await redisAvailable());

describe.runIf(ready)('two instances on one Redis and one Postgres', () => {
  const keyPrefix = uniqueKeyPrefix();
  let pg: Awaited<ReturnType<typeof freshPostgres>>;
  let a: TestServer;
  let b: TestServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    pg = await freshPostgres();
    env = {
      DATABASE_URL: pg.url,
      DATABASE_POOL_MAX: '4',
      REDIS_URL,
      REDIS_KEY_PREFIX: keyPrefix,
      JWT_SECRET: randomBytes(32).toString('hex'),
      HEARTBEAT_MAX_PER_MINUTE: '6',
      SOFTPHONE_TOKENS_PER_HOUR: '4',
    };
    a = await startServer({ env });
    b = await startServer({ env });
  });
  afterAll(async () => {
    await Promise.allSettled([a?.close(), b?.close()]);
    await pg?.drop();
    await dropRedisKeys(keyPrefix);
  });

  const routes = async (server: TestServer, companyId: string, sip: string) =>
    (
      await server.webhook(`/telnyx/voice/${companyId}`, { CallSid: `s-${randomBytes(4).toString('hex')}`, To: '+13055550100' })
    ).body.includes(`sip:${sip}@`);

  for (const how of ['revokeAgentTokens', 'updateAgent enabled: false'] as const) {
    it(`${how} on A closes the agent's socket on B within a second; its heartbeats on B fail and it is routed nowhere`, async () => {
      const co = await company(a);
      const socket = b.ws(co.agent.token);
      const end = closed(socket);
      await connected(socket);
      expect((await b.gql(HEARTBEAT, {}, co.agent.token)).data.heartbeat.presence.online).toBe(true);
      expect(await routes(a, co.companyId, co.agent.sip)).toBe(true);

      const t0 = Date.now();
      const mutation =
        how === 'revokeAgentTokens'
          ? `mutation($a: ID!) { revokeAgentTokens(agentId: $a) }`
          : `mutation($a: ID!) { updateAgent(id: $a, input: { enabled: false }) { enabled } }`;
      expect((await a.gql(mutation, { a: co.agent.id }, co.supervisor)).errors).toBeUndefined();
      const { code, at } = await end;
      expect(code).toBe(4403);
      expect(at - t0).toBeLessThan(1000);
      const hb = await b.gql(HEARTBEAT, {}, co.agent.token);
      expect(hb.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(await routes(b, co.companyId, co.agent.sip)).toBe(false);
      expect(await routes(a, co.companyId, co.agent.sip)).toBe(false);
    });
  }

  it("revokeSupervisorTokens (by the company's own supervisor) on A closes the supervisors' socket and SSE stream on B; new tokens work", async () => {
    const co = await company(a);
    const other = await company(a); // another company's supervisors are untouched
    const socket = b.ws(co.supervisor);
    const end = closed(socket);
    const board = subscribe(socket, PRESENCE, { c: co.companyId });
    await board.next((e) => e.presenceChanged.snapshot);
    const stream = await sseSubscription(b.url, PRESENCE, { c: co.companyId }, co.supervisor);
    await stream.started;
    const otherSocket = b.ws(other.supervisor);
    const otherEnd = closed(otherSocket);
    await connected(otherSocket);

    const t0 = Date.now();
    expect(
      (await a.gql(`mutation($c: ID!) { revokeSupervisorTokens(companyId: $c) }`, { c: co.companyId }, co.supervisor)).data
        .revokeSupervisorTokens,
    ).toBe(true);
    const { code, at } = await end;
    expect(code).toBe(4403);
    expect(at - t0).toBeLessThan(1000);
    const { payloads } = await stream.ended;
    expect(payloads.at(-1).errors[0]).toMatchObject({ message: 'tokens revoked', extensions: { code: 'FORBIDDEN' } });
    for (const server of [a, b])
      expect((await server.gql(`{ viewer { role } }`, {}, co.supervisor)).errors?.[0]?.message).toBe('token revoked');
    // Another company's supervisor may not revoke this company's tokens; its own socket stayed open.
    expect(
      (await b.gql(`mutation($c: ID!) { revokeSupervisorTokens(companyId: $c) }`, { c: co.companyId }, other.supervisor)).errors?.[0]
        ?.extensions?.code,
    ).toBe('FORBIDDEN');
    expect((await b.gql(`{ viewer { role } }`, {}, other.supervisor)).data.viewer.role).toBe('SUPERVISOR');
    const fresh = await b.admin(`mutation($c: ID!) { issueSupervisorToken(companyId: $c) { token } }`, { c: co.companyId });
    expect((await a.gql(`{ viewer { role } }`, {}, fresh.issueSupervisorToken.token)).data.viewer.role).toBe('SUPERVISOR');
    await otherSocket.dispose();
    expect((await otherEnd).code).not.toBe(4403);
  });

  it('shares the heartbeat budget across instances: half spent on A, half on B, the next is RATE_LIMITED on either', async () => {
    const co = await company(a);
    for (const server of [a, b, a, b, a, b]) expect((await server.gql(HEARTBEAT, {}, co.agent.token)).errors).toBeUndefined();
    // Each instance counts an agent's first half of the budget in memory and shares it every 250 ms
    // (src/auth/limits.ts, ReconciledLimit); reconciling now stands for that wait.
    await Promise.all([a, b].map((s) => (s.app.services.limits.heartbeat as ReconciledLimit).reconcile()));
    for (const server of [a, b]) {
      const limited = await server.gql(HEARTBEAT, {}, co.agent.token);
      expect(limited.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED' });
      expect(limited.errors?.[0]?.extensions.retryAfterMs).toBeGreaterThan(0);
    }
  });

  it('shares the softphone login-token budget across instances', async () => {
    const co = await company(a);
    const softphone = `{ softphone { agentId } }`;
    for (const server of [a, b, a, b]) expect((await server.gql(softphone, {}, co.agent.token)).errors).toBeUndefined();
    const limited = await b.gql(softphone, {}, co.agent.token);
    expect(limited.errors?.[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
    expect(limited.errors?.[0]?.extensions.retryAfterMs).toBeGreaterThan(60_000); // the hour's window
  });

  it('an instance that missed a revocation while cut off from Redis closes the revoked socket when Redis returns', async () => {
    const proxy = await tcpProxy(hostAndPort(REDIS_URL, 6379));
    const x = await startServer({ env: { ...env, REDIS_URL: `redis://127.0.0.1:${proxy.port}` } });
    try {
      const co = await company(a);
      const socket = x.ws(co.agent.token);
      const end = closed(socket);
      await connected(socket);
      proxy.cut();
      // X knows it lost Redis (its readiness says so) before the revocation is published elsewhere.
      while ((await fetch(`${x.url}/readyz`)).status !== 503) await new Promise((r) => setTimeout(r, 50));
      expect(
        (await a.gql(`mutation($a: ID!) { revokeAgentTokens(agentId: $a) }`, { a: co.agent.id }, co.supervisor)).errors,
      ).toBeUndefined();
      proxy.restore();
      const { code, reason } = await end;
      expect({ code, reason }).toEqual({ code: 4403, reason: 'tokens revoked' });
    } finally {
      await x.close();
      proxy.close();
    }
  });
});
