/**
 * Security and reliability over a real server: signed webhooks, token expiry/rotation/revocation,
 * GraphQL limits on HTTP and graphql-ws alike, and restarts that neither drop online agents nor keep
 * ghosts.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/auth/tokens.js';
import { openDatabase } from '../../src/infra/db.js';
import { ADMIN_KEY, connected, startServer, subscribe, waitFor, type TestServer } from '../support/harness.js';

async function companyWithAgent(server: TestServer, opts: { allowUnregistered?: boolean } = {}) {
  const { createCompany } = await server.admin(
    `mutation($r: RoutingConfigInput) { createCompany(input: { name: "Sec", routing: $r }) { id } }`,
    { r: { allowUnregisteredSoftphones: opts.allowUnregistered ?? true } },
  );
  const sip = `sec.${randomBytes(4).toString('hex')}`;
  const { createAgent } = await server.admin(
    `mutation($c: ID!, $s: String!) { createAgent(input: { companyId: $c, displayName: "Sam", sipUsername: $s }) { id } }`,
    { c: createCompany.id, s: sip },
  );
  const { issueAgentToken } = await server.admin(`mutation($a: ID!) { issueAgentToken(agentId: $a) { token } }`, { a: createAgent.id });
  const { issueSupervisorToken } = await server.admin(`mutation($c: ID!) { issueSupervisorToken(companyId: $c) { token } }`, {
    c: createCompany.id,
  });
  return {
    companyId: createCompany.id as string,
    agentId: createAgent.id as string,
    sip,
    agentToken: issueAgentToken.token as string,
    supervisorToken: issueSupervisorToken.token as string,
  };
}

const HEARTBEAT = `mutation { heartbeat(input: { sipRegistered: true }) { presence { online agentId } } }`;

describe('signed Telnyx webhooks (TELNYX_PUBLIC_KEY set)', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const rawKey = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
  const other = generateKeyPairSync('ed25519');
  let server: TestServer;
  let companyId: string;
  beforeAll(async () => {
    server = await startServer({ env: { TELNYX_PUBLIC_KEY: rawKey } });
    ({ companyId } = await companyWithAgent(server));
    // Signed mode binds /telnyx/voice/:companyId to the signed `To`: the number must be the company's.
    await server.admin(`mutation($c: ID!) { createPhoneNumber(input: { companyId: $c, e164: "+13055550100" }) { e164 } }`, {
      c: companyId,
    });
  });
  afterAll(() => server.close());

  const post = (body: string, headers: Record<string, string>) =>
    fetch(`${server.url}/telnyx/voice/${companyId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body,
    });
  const signed = (body: string, ts = Math.floor(Date.now() / 1000), key = privateKey) => ({
    'telnyx-timestamp': String(ts),
    'telnyx-signature-ed25519': sign(null, Buffer.from(`${ts}|${body}`), key).toString('base64'),
  });

  it('serves valid signatures and refuses unsigned, forged, stale and future requests with 403', async () => {
    const body = 'CallSid=v3%3Asig1&From=%2B15551230000&To=%2B13055550100';
    const headers = signed(body);
    const ok = await post(body, headers);
    expect(ok.status).toBe(200);
    const first = await ok.text();
    expect(first).toContain('<Record');

    const now = Math.floor(Date.now() / 1000);
    for (const [name, res] of [
      ['unsigned', await post(body, {})],
      ['tampered body', await post(body.replace('sig1', 'sig2'), signed(body))],
      ['another key', await post(body, signed(body, now, other.privateKey))],
      // Stamped when sent (the requests before may take seconds on a busy machine); + 302 because the
      // second is rounded down: at least 301 s ahead of the server's clock whatever its fraction.
      ['301 s old', await post(body, signed(body, Math.floor(Date.now() / 1000) - 301))],
      ['301 s in the future', await post(body, signed(body, Math.floor(Date.now() / 1000) + 302))],
    ] as const) {
      expect(res.status, name).toBe(403);
      const text = await res.text();
      expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?><Response>'), name).toBe(true);
    }
    // The same request again (Telnyx may deliver twice; this used to be refused as a replay, which
    // would send a genuine second delivery to the failover URL): the first answer, not a 403.
    const again = await post(body, headers);
    expect(again.status).toBe(200);
    expect(await again.text()).toBe(first);
    // A fresh signature over the same call (a new delivery attempt, stamped anew) is fine too.
    expect((await post(body, signed(body, now + 1))).status).toBe(200);
  });
});

describe('tokens: expiry, rotation, revocation', () => {
  const previous = randomBytes(32).toString('hex');
  const current = randomBytes(32).toString('hex');
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: { JWT_SECRET: current, JWT_SECRET_PREVIOUS: previous } });
  });
  afterAll(() => server.close());

  it('accepts tokens of the previous secret after a rotation, refuses unknown secrets and expired tokens', async () => {
    const { companyId, supervisorToken } = await companyWithAgent(server);
    const viewer = `{ viewer { role companyId } }`;
    expect((await server.gql(viewer, {}, supervisorToken)).data.viewer).toEqual({ role: 'SUPERVISOR', companyId });
    const old = await new TokenService({ jwtSecret: previous, adminApiKey: undefined }).issue({ role: 'supervisor', companyId }, 3600);
    expect((await server.gql(viewer, {}, old.token)).data.viewer).toEqual({ role: 'SUPERVISOR', companyId });
    const stranger = await new TokenService({ jwtSecret: randomBytes(32).toString('hex'), adminApiKey: undefined }).issue(
      { role: 'supervisor', companyId },
      3600,
    );
    expect((await server.gql(viewer, {}, stranger.token)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const expired = await new TokenService({ jwtSecret: current, adminApiKey: undefined }).issue(
      { role: 'supervisor', companyId },
      60,
      Date.now() - 3600_000,
    );
    const res = await server.gql(viewer, {}, expired.token);
    expect(res.errors?.[0]).toMatchObject({ message: 'token expired', extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('disabling an agent revokes its tokens and closes its connections; re-enabling does not revive them', async () => {
    const { agentId, agentToken, supervisorToken } = await companyWithAgent(server);
    const ws = server.ws(agentToken);
    const closed = new Promise<number>((resolve) => ws.on('closed', (e: any) => resolve(e.code)));
    const open = connected(ws);
    expect((await server.gql(HEARTBEAT, {}, agentToken)).data.heartbeat.presence.online).toBe(true);
    await open; // acknowledged: the server holds the socket for this agent

    await server.gql(`mutation($a: ID!) { updateAgent(id: $a, input: { enabled: false }) { enabled } }`, { a: agentId }, supervisorToken);
    expect(await closed).toBe(4403);
    expect((await server.gql(HEARTBEAT, {}, agentToken)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const presence = await server.gql(
      `query($a: ID!) { agents(companyId: $a) { presence { online } } }`,
      { a: (await server.gql(`{ viewer { companyId } }`, {}, supervisorToken)).data.viewer.companyId },
      supervisorToken,
    );
    expect(presence.data.agents[0].presence.online).toBe(false);

    await server.gql(`mutation($a: ID!) { updateAgent(id: $a, input: { enabled: true }) { enabled } }`, { a: agentId }, supervisorToken);
    expect((await server.gql(HEARTBEAT, {}, agentToken)).errors?.[0]?.message).toBe('token revoked');
    const fresh = await server.gql(`mutation($a: ID!) { issueAgentToken(agentId: $a) { token } }`, { a: agentId }, supervisorToken);
    expect((await server.gql(HEARTBEAT, {}, fresh.data.issueAgentToken.token)).data.heartbeat.presence.online).toBe(true);

    // revokeAgentTokens: the explicit "log this softphone out everywhere".
    await server.gql(`mutation($a: ID!) { revokeAgentTokens(agentId: $a) }`, { a: agentId }, supervisorToken);
    expect((await server.gql(HEARTBEAT, {}, fresh.data.issueAgentToken.token)).errors?.[0]?.message).toBe('token revoked');
  });

  it('limits heartbeats per agent with RATE_LIMITED and a retry hint', async () => {
    const { agentToken } = await companyWithAgent(server);
    const budget = server.app.services.config.heartbeatMaxPerMinute; // per minute, all instances together
    const results = [];
    for (let i = 0; i < budget + 2; i++) results.push(await server.gql(HEARTBEAT, {}, agentToken));
    expect(results.slice(0, budget).every((r) => r.data?.heartbeat?.presence.online)).toBe(true);
    const limited = results.slice(budget);
    for (const r of limited) expect(r.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(limited[0]!.errors![0]!.extensions.retryAfterMs).toBeGreaterThan(0);
    expect(limited[0]!.errors![0]!.extensions.retryAfterMs).toBeLessThanOrEqual(60_000);
  });
});

describe('GraphQL limits on HTTP and graphql-ws alike', () => {
  let server: TestServer;
  let prod: TestServer;
  let supervisorToken: string;
  let companyId: string;
  beforeAll(async () => {
    server = await startServer();
    ({ supervisorToken, companyId } = await companyWithAgent(server));
    prod = await startServer({ env: { NODE_ENV: 'production', TELNYX_WEBHOOK_AUTH: 'off' } }); // no webhooks here
  });
  afterAll(async () => {
    await server.close();
    await prod.close();
  });

  const deep = `{ agents(companyId: "x") { ${'company { agents { '.repeat(8)} id ${'} } '.repeat(8)} } }`;
  const aliases = `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: viewer { role }`).join(' ')} }`;
  const tokens = `{ viewer { ${Array.from({ length: 2100 }, () => 'role').join(' ')} } }`;

  it('refuses deep, alias-heavy and token-heavy documents over HTTP with clear errors', async () => {
    expect((await server.gql(deep, {}, supervisorToken)).errors?.[0]?.message).toMatch(/depth/i);
    expect((await server.gql(aliases, {}, supervisorToken)).errors?.[0]?.message).toMatch(/aliases/i);
    expect((await server.gql(tokens, {}, supervisorToken)).errors?.[0]?.message).toMatch(/token/i);
  });

  it('refuses oversized bodies with 413', async () => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ viewer { role } }', variables: { pad: 'x'.repeat(70 * 1024) } }),
    });
    expect(res.status).toBe(413);
  });

  it('turns introspection off in production, over HTTP and over graphql-ws', async () => {
    const introspect = `{ __schema { queryType { name } } }`;
    expect((await server.gql(introspect, {}, ADMIN_KEY)).data.__schema.queryType.name).toBe('Query');
    expect((await prod.gql(introspect, {}, ADMIN_KEY)).errors?.[0]?.message).toMatch(/introspection/i);
    const { issueSupervisorToken } = await prod.admin(`mutation($c: ID!) { issueSupervisorToken(companyId: $c) { token } }`, {
      c: (await prod.admin(`mutation { createCompany(input: { name: "P" }) { id } }`)).createCompany.id,
    });
    const sub = subscribe(prod.ws(issueSupervisorToken.token), introspect);
    await waitFor(
      () => sub.errors.length,
      (n) => n > 0,
      { what: 'the refusal over graphql-ws' },
    );
    expect(JSON.stringify(sub.errors)).toMatch(/introspection/i);
  });

  it('a rejected operation on a socket does not end the other subscriptions on it', async () => {
    const client = server.ws(supervisorToken);
    const live = subscribe(client, `subscription($c: ID!) { presenceChanged(companyId: $c) { agentId online snapshot } }`, {
      c: companyId,
    });
    await live.next((e) => e.presenceChanged.snapshot);
    for (const bad of [deep, aliases, tokens, 'subscription { nope }', '{ broken']) {
      const rejected = subscribe(client, bad);
      await waitFor(
        () => rejected.errors.length,
        (n) => n > 0,
        { what: `the refusal of ${bad.slice(0, 30)}` },
      );
    }
    const { agentToken } = await companyWithAgentIn(server, companyId);
    await server.gql(HEARTBEAT, {}, agentToken);
    const event = await live.next((e) => !e.presenceChanged.snapshot && e.presenceChanged.online);
    expect(event.presenceChanged.online).toBe(true);
  });
});

async function companyWithAgentIn(server: TestServer, companyId: string) {
  const sip = `sec.${randomBytes(4).toString('hex')}`;
  const { createAgent } = await server.admin(
    `mutation($c: ID!, $s: String!) { createAgent(input: { companyId: $c, displayName: "Zed", sipUsername: $s }) { id } }`,
    { c: companyId, s: sip },
  );
  const { issueAgentToken } = await server.admin(`mutation($a: ID!) { issueAgentToken(agentId: $a) { token } }`, { a: createAgent.id });
  return { agentId: createAgent.id as string, agentToken: issueAgentToken.token as string };
}

describe('restart', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'curbe-restart-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('keeps configuration and online agents across a graceful restart, and expires the ones never heard from again', async () => {
    // Long enough that the restart (PGlite reopened, migrations checked) ends well inside the lease on a busy machine.
    const TTL = 6000;
    const env = { DATA_DIR: dir, PRESENCE_TTL_MS: String(TTL), HEARTBEAT_INTERVAL_MS: '1500', JWT_SECRET: 'r'.repeat(40) };
    let database = await openDatabase({ dataDir: dir });
    let server = await startServer({ env, database });
    const a = await companyWithAgent(server);
    const b = await companyWithAgentIn(server, a.companyId);
    await server.gql(HEARTBEAT, {}, a.agentToken);
    await server.gql(HEARTBEAT, {}, b.agentToken);
    const heardAt = Date.now();
    await server.close(); // graceful: leases handed over
    await database.close();

    database = await openDatabase({ dataDir: dir });
    server = await startServer({ env, database });
    try {
      const supervisor = subscribe(
        server.ws(a.supervisorToken),
        `subscription($c: ID!) { presenceChanged(companyId: $c) { agentId online cause snapshot } }`,
        { c: a.companyId },
      );
      const snap = await supervisor.next((e) => e.presenceChanged.snapshot && e.presenceChanged.agentId === b.agentId);
      expect(snap.presenceChanged.online).toBe(true);
      const ring = await server.webhook(`/telnyx/voice/${a.companyId}`, { To: '+13055550100' });
      expect(ring.body).toContain(`sip:${a.sip}@sip.telnyx.com`);
      // Agent a heartbeats to the new instance; b never does and goes offline when its lease ends.
      const keep = setInterval(() => void server.gql(HEARTBEAT, {}, a.agentToken), 1000);
      try {
        const gone = await supervisor.next(
          (e) => !e.presenceChanged.snapshot && e.presenceChanged.agentId === b.agentId && !e.presenceChanged.online,
          TTL + 3000,
        );
        expect(gone.presenceChanged.cause).toBe('LEASE_EXPIRED');
        expect(Date.now() - heardAt).toBeLessThanOrEqual(TTL + 1000);
        const after = await server.webhook(`/telnyx/voice/${a.companyId}`, { To: '+13055550100' });
        expect(after.body).toContain(`sip:${a.sip}@sip.telnyx.com`);
        expect(after.body).not.toContain('Zed');
      } finally {
        clearInterval(keep);
      }
      const config = await server.gql(
        `query($c: ID!) { company(id: $c) { name agents { displayName } } }`,
        { c: a.companyId },
        a.supervisorToken,
      );
      expect(config.data.company).toEqual({ name: 'Sec', agents: [{ displayName: 'Sam' }, { displayName: 'Zed' }] });
    } finally {
      await server.close();
      await database.close();
    }
  }, 60_000); // two starts of an embedded database and a lease of 6 s
});
