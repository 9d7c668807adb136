/**
 * Issue 10, finding 1 and its edges, against real servers (Postgres for the attack), over HTTP and a
 * real graphql-ws client: a supervisor's nested, aliased query through Company.agents → Agent.company
 * is refused before it runs and the process keeps answering; every list is bounded; results have a
 * size backstop; a company has a maximum of agents; production hides field suggestions;
 * routePreview's `at` is range-checked.
 */
import { randomBytes } from 'node:crypto';
import type { ExecutionResult } from 'graphql';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, freshPostgres, postgresAvailable, startServer, subscribe, type TestServer } from '../support/harness.js';

type Gql = Awaited<ReturnType<TestServer['gql']>>;

/** The first result of one operation over graphql-ws (a result can be all errors and no data). */
function firstResult(client: Client, query: string, variables: Record<string, unknown>): Promise<ExecutionResult> {
  return new Promise((resolve, reject) => {
    const stop = client.subscribe(
      { query, variables },
      { next: (r) => (stop(), resolve(r as ExecutionResult)), error: reject, complete: () => {} },
    );
  });
}
const codes = (r: Gql) => (r.errors ?? []).map((e) => e.extensions?.code);

async function companyWithSupervisor(server: TestServer, name = 'Limits') {
  const { createCompany } = await server.admin(`mutation($n: String!) { createCompany(input: { name: $n }) { id } }`, { n: name });
  const { issueSupervisorToken } = await server.admin(`mutation($c: ID!) { issueSupervisorToken(companyId: $c) { token } }`, {
    c: createCompany.id,
  });
  return { companyId: createCompany.id as string, supervisorToken: issueSupervisorToken.token as string };
}

/** Creates `count` agents as the supervisor, 15 per request (the alias limit). */
async function createAgents(server: TestServer, token: string, companyId: string, count: number) {
  const tag = randomBytes(3).toString('hex');
  for (let start = 0; start < count; start += 15) {
    const batch = Array.from({ length: Math.min(15, count - start) }, (_, i) => start + i);
    const fields = batch.map(
      (n) => `a${n}: createAgent(input: { companyId: $c, displayName: "Agent ${n}", sipUsername: "l${tag}.${n}" }) { id }`,
    );
    const result = await server.gql(`mutation($c: ID!) { ${fields.join(' ')} }`, { c: companyId }, token);
    expect(result.errors).toBeUndefined();
  }
}

/** The finding's query: Company.agents → Agent.company → Company.agents …, repeated with aliases. */
const attack = (aliases: number) =>
  `query($c: ID!) { ${Array.from({ length: aliases }, (_, i) => `x${i}: company(id: $c) { agents { company { agents { company { agents { id displayName sipUsername } } } } } }`).join(' ')} }`;

describe('one supervisor query cannot take the process down (finding 1)', async () => {
  const pgUp = await postgresAvailable();
  let db: Awaited<ReturnType<typeof freshPostgres>>;
  let server: TestServer;
  let companyId: string;
  let supervisorToken: string;

  beforeAll(async () => {
    if (!pgUp) return;
    db = await freshPostgres();
    server = await startServer({ env: { DATABASE_URL: db.url } });
    ({ companyId, supervisorToken } = await companyWithSupervisor(server));
    await createAgents(server, supervisorToken, companyId, 120);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it.runIf(pgUp)('refuses the nested, aliased cycle over HTTP before it runs, and /healthz answers meanwhile', async () => {
    // What a legitimate query over the same agents takes to execute, for scale.
    const started = performance.now();
    const listed = await server.gql(
      `query($c: ID!) { company(id: $c) { agents(first: 120) { id displayName sipUsername status presence { online } } } }`,
      { c: companyId },
      supervisorToken,
    );
    const executedMs = performance.now() - started;
    expect(listed.data.company.agents).toHaveLength(120);

    const attacks = Array.from({ length: 10 }, async () => {
      const t0 = performance.now();
      const result = await server.gql(attack(15), { c: companyId }, supervisorToken);
      return { result, ms: performance.now() - t0 };
    });
    const health = fetch(`${server.url}/healthz`).then((r) => r.status);
    const refused = await Promise.all(attacks);
    expect(await health).toBe(200);
    for (const { result } of refused) {
      expect(result.data ?? null).toBeNull();
      expect(codes(result)).toContain('QUERY_TOO_COMPLEX');
      const cost = result.errors!.find((e) => /cost/.test(e.message))!;
      expect(cost.message).toMatch(/^Query cost \d+ is over the limit of 50000/);
      expect(cost.extensions.cost).toBeGreaterThan(50_000);
      expect(result.errors!.map((e) => e.message).join('\n')).toMatch(/Company is selected inside Company \(company\.agents\.company\)/);
    }
    // Ten refusals together take less than executing one real 120-agent listing would.
    expect(Math.max(...refused.map((r) => r.ms))).toBeLessThan(Math.max(executedMs, 50) * 10);
    // Still serving everyone.
    expect((await server.gql(`{ viewer { role } }`, {}, supervisorToken)).data.viewer.role).toBe('SUPERVISOR');
  });

  it.runIf(pgUp)('refuses it over graphql-ws without closing the socket', async () => {
    const client = server.ws(supervisorToken);
    const live = subscribe(client, `subscription($c: ID!) { presenceChanged(companyId: $c) { agentId snapshot } }`, { c: companyId });
    await live.next((e) => e.presenceChanged.snapshot);
    const rejected = subscribe(client, attack(15), { c: companyId });
    const health = fetch(`${server.url}/healthz`).then((r) => r.status);
    // The error arrives as the operation's result; the socket and its subscription stay.
    await rejected.next((e) => e == null);
    expect(await health).toBe(200);
    expect(JSON.stringify(rejected.errors)).toMatch(/QUERY_TOO_COMPLEX/);
    expect(JSON.stringify(rejected.errors)).toMatch(/Query cost \d+ is over the limit of 50000/);
    const after = subscribe(client, `{ viewer { role } }`);
    await after.next((e) => e?.viewer?.role === 'SUPERVISOR');
    const agent = await server.gql(
      `mutation($c: ID!) { createAgent(input: { companyId: $c, displayName: "Late", sipUsername: "late.joiner" }) { id } }`,
      { c: companyId },
      supervisorToken,
    );
    const { issueAgentToken } = await server.admin(`mutation($a: ID!) { issueAgentToken(agentId: $a) { token } }`, {
      a: agent.data.createAgent.id,
    });
    await server.gql(`mutation { heartbeat(input: { sipRegistered: true }) { nextHeartbeatInMs } }`, {}, issueAgentToken.token);
    await live.next((e) => e.presenceChanged.agentId === agent.data.createAgent.id && !e.presenceChanged.snapshot);
  });

  it.runIf(pgUp)('the same limits over SSE (text/event-stream)', async () => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${supervisorToken}` },
      body: JSON.stringify({ query: attack(15), variables: { c: companyId } }),
    });
    const text = await res.text();
    expect(text).toMatch(/QUERY_TOO_COMPLEX/);
    expect(text).toMatch(/Query cost \d+ is over the limit/);
  });

  it.runIf(pgUp)('lists default to their documented size and honour `first`', async () => {
    const { data } = await server.gql(
      `query($c: ID!) { all: agents(companyId: $c) { id } some: agents(companyId: $c, first: 7) { id } presence(companyId: $c, first: 4) { agentId } }`,
      { c: companyId },
      supervisorToken,
    );
    expect(data.all).toHaveLength(100);
    expect(data.some).toHaveLength(7);
    expect(data.presence).toHaveLength(4);
  });

  it.runIf(pgUp)('the cost follows `first` given as a variable, whatever was accepted before for the same document', async () => {
    const doc = `query($c: ID!, $n: Int) { company(id: $c) { agents(first: $n) { id skills { name level } } } }`;
    const small = await server.gql(doc, { c: companyId, n: 5 }, supervisorToken);
    expect(small.data.company.agents).toHaveLength(5);
    const large = await server.gql(doc, { c: companyId, n: 2000 }, supervisorToken);
    expect(codes(large)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(large.errors![0]!.extensions.cost).toBe(1 + 1 + 2000 * (1 + 1 + 50 * 2));
  });

  it.runIf(pgUp)('the admin is not bound by the cycle rule, but by the cost', async () => {
    const shallow = await server.gql(
      `query($c: ID!) { company(id: $c) { agents(first: 2) { company { agents(first: 2) { id } } } } }`,
      { c: companyId },
      ADMIN_KEY,
    );
    expect(shallow.data.company.agents).toHaveLength(2);
    const supervisor = await server.gql(
      `query($c: ID!) { company(id: $c) { agents(first: 2) { company { agents(first: 2) { id } } } } }`,
      { c: companyId },
      supervisorToken,
    );
    expect(codes(supervisor)).toEqual(['QUERY_TOO_COMPLEX']);
    // The admin's budget is ten times larger (it reads across companies), and still refuses the attack.
    const admin = await server.gql(attack(1), { c: companyId }, ADMIN_KEY);
    expect(codes(admin)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(admin.errors![0]!.message).toMatch(/over the limit of 500000/);
    const wide = await server.gql(
      `{ companies(first: 100) { agents(first: 100) { id displayName sipUsername enabled status tier position } } }`,
      {},
      ADMIN_KEY,
    ); // cost 70101
    expect(wide.errors).toBeUndefined();
  });

  it.runIf(pgUp)('a cycle hidden in fragments is found too', async () => {
    const doc = `query($c: ID!) { agents(companyId: $c, first: 1) { ...A } }
      fragment A on Agent { company { ...C } }
      fragment C on Company { name agents(first: 1) { id } }`;
    const result = await server.gql(doc, { c: companyId }, supervisorToken);
    expect(result.errors?.[0]?.message).toMatch(/Agent is selected inside Agent \(agents\.company\.agents\)/);
  });
});

describe('bounded lists, result backstop, agent cap', () => {
  let server: TestServer;
  let companyId: string;
  let supervisorToken: string;
  beforeAll(async () => {
    server = await startServer({
      env: { GRAPHQL_MAX_RESULT_NODES: '100', GRAPHQL_MAX_RESULT_BYTES: '10000', MAX_AGENTS_PER_COMPANY: '60' },
    });
    ({ companyId, supervisorToken } = await companyWithSupervisor(server));
    await createAgents(server, supervisorToken, companyId, 60);
  }, 60_000);
  afterAll(() => server.close());

  it.each([
    ['Query.agents', `query($c: ID!) { agents(companyId: $c, first: %N) { id } }`],
    ['Query.presence', `query($c: ID!) { presence(companyId: $c, first: %N) { agentId } }`],
    ['Company.agents', `query($c: ID!) { company(id: $c) { agents(first: %N) { id } } }`],
    ['Company.phoneNumbers', `query($c: ID!) { company(id: $c) { phoneNumbers(first: %N) { id } } }`],
    ['RoutePreview.skipped', `query($c: ID!) { routePreview(companyId: $c) { skipped(first: %N) { reason } } }`],
    ['RoutePreview.targets', `query($c: ID!) { routePreview(companyId: $c) { targets(first: %N) { agentId } } }`],
    ['Query.voicemails', `query($c: ID!) { voicemails(companyId: $c, first: %N) { id } }`],
  ])('%s: `first` is validated with a clear error', async (_name, doc) => {
    for (const bad of [0, 100_000]) {
      const result = await server.gql(doc.replace('%N', String(bad)), { c: companyId }, supervisorToken);
      expect(result.errors?.[0]?.message).toMatch(/first/);
      expect(result.errors?.[0]?.message).toMatch(bad === 0 ? /at least 1/ : /at most \d+/);
    }
    const ok = await server.gql(doc.replace('%N', '3'), { c: companyId }, supervisorToken);
    expect(ok.errors).toBeUndefined();
  });

  it('refuses a result with more values than GRAPHQL_MAX_RESULT_NODES, over HTTP and graphql-ws, with nothing partial', async () => {
    const doc = `query($c: ID!) { agents(companyId: $c, first: 60) { id } }`; // ~120 values, cost 61
    const http = await server.gql(doc, { c: companyId }, supervisorToken);
    expect(http.data ?? null).toBeNull();
    expect(codes(http)).toEqual(['RESPONSE_TOO_LARGE']);
    expect(http.errors![0]!.message).toMatch(/too large \(more than 100 values\)/);
    const client = server.ws(supervisorToken);
    const ws = await firstResult(client, doc, { c: companyId });
    expect(ws.data ?? null).toBeNull();
    expect(ws.errors?.map((e) => e.extensions?.code)).toEqual(['RESPONSE_TOO_LARGE']);
    const small = await firstResult(client, `query($c: ID!) { agents(companyId: $c, first: 10) { id } }`, { c: companyId });
    expect((small.data as any).agents).toHaveLength(10);
  });

  it('refuses a result larger than GRAPHQL_MAX_RESULT_BYTES', async () => {
    await server.gql(
      `mutation($c: ID!, $g: String!) { updateRoutingConfig(companyId: $c, input: { voicemailGreeting: $g }) { companyId } }`,
      { c: companyId, g: 'Please leave a message. '.repeat(40).trim() },
      supervisorToken,
    );
    const fields = Array.from({ length: 12 }, (_, i) => `g${i}: company(id: $c) { routing { voicemailGreeting } }`).join(' ');
    const result = await server.gql(`query($c: ID!) { ${fields} }`, { c: companyId }, supervisorToken);
    expect(result.data ?? null).toBeNull();
    expect(codes(result)).toEqual(['RESPONSE_TOO_LARGE']);
    expect(result.errors![0]!.message).toMatch(/more than 10000 bytes/);
    const one = await server.gql(`query($c: ID!) { company(id: $c) { routing { voicemailGreeting } } }`, { c: companyId }, supervisorToken);
    expect(one.data.company.routing.voicemailGreeting).toMatch(/^Please leave/);
  });

  it('a company has at most MAX_AGENTS_PER_COMPANY agents; another company is not affected', async () => {
    const full = await server.gql(
      `mutation($c: ID!) { createAgent(input: { companyId: $c, displayName: "One too many", sipUsername: "over.the.cap" }) { id } }`,
      { c: companyId },
      supervisorToken,
    );
    expect(codes(full)).toEqual(['LIMIT_REACHED']);
    expect(full.errors![0]!.message).toMatch(/at most 60 agents/);
    const other = await companyWithSupervisor(server, 'Other');
    const created = await server.gql(
      `mutation($c: ID!) { createAgent(input: { companyId: $c, displayName: "Fine", sipUsername: "other.fine" }) { id } }`,
      { c: other.companyId },
      other.supervisorToken,
    );
    expect(created.errors).toBeUndefined();
  });

  it('routePreview\'s `at` is range-checked with a clear error (the largest Date used to be "Unexpected error")', async () => {
    await server.gql(
      `mutation($c: ID!) { updateRoutingConfig(companyId: $c, input: { businessHours: { timeZone: "America/New_York", weekly: [{ day: MON, open: "09:00", close: "17:00" }] } }) { companyId } }`,
      { c: companyId },
      supervisorToken,
    );
    const preview = (at: string) =>
      server.gql(
        `query($c: ID!, $at: DateTime) { routePreview(companyId: $c, at: $at) { decision at } }`,
        { c: companyId, at },
        supervisorToken,
      );
    for (const at of ['+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00.000Z']) {
      const result = await preview(at);
      expect(result.errors?.[0]?.message).toMatch(/at: must be on or (before 9999-12-31|after 1970-01-01)/);
      expect(result.errors?.[0]?.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
    }
    const latest = await preview('9999-12-31T23:59:59.000Z');
    expect(latest.data.routePreview.decision).toBe('FALLBACK');
  });
});

describe('field suggestions', () => {
  let dev: TestServer;
  let prod: TestServer;
  beforeAll(async () => {
    dev = await startServer();
    prod = await startServer({ env: { NODE_ENV: 'production', TELNYX_WEBHOOK_AUTH: 'off' } }); // no webhooks here
  });
  afterAll(async () => {
    await dev.close();
    await prod.close();
  });

  const typo = `{ viewr { role } }`;
  const enumTypo = `mutation($s: AgentStatus!) { setAgentStatus(input: { status: $s }) { status } }`;

  it('development suggests the field; production does not, over HTTP and graphql-ws', async () => {
    expect((await dev.gql(typo, {}, ADMIN_KEY)).errors?.[0]?.message).toMatch(/Did you mean "viewer"\?/);
    const prodHttp = await prod.gql(typo, {}, ADMIN_KEY);
    expect(prodHttp.errors?.[0]?.message).toBe('Cannot query field "viewr" on type "Query".');

    const { supervisorToken } = await companyWithSupervisor(prod);
    // Refused in validation: an error message on the socket, before the next operation's result.
    const client = prod.ws(supervisorToken);
    const ws = subscribe(client, typo);
    const after = subscribe(client, `{ viewer { role } }`);
    await after.next((e) => e?.viewer?.role === 'SUPERVISOR');
    const wsMessages = JSON.stringify(ws.errors);
    expect(wsMessages).toMatch(/Cannot query field \\"viewr\\"/);
    expect(wsMessages).not.toMatch(/Did you mean/);
  });

  it('production hides suggestions in variable errors too', async () => {
    expect(JSON.stringify((await dev.gql(enumTypo, { s: 'AVAILABL' }, ADMIN_KEY)).errors)).toMatch(/Did you mean/);
    const result = await prod.gql(enumTypo, { s: 'AVAILABL' }, ADMIN_KEY);
    expect(result.errors?.[0]?.message).toMatch(/AVAILABL/);
    expect(JSON.stringify(result.errors)).not.toMatch(/Did you mean/);
    // The same document with valid variables is judged afresh (the refusal above was about its variables).
    const valid = await prod.gql(enumTypo, { s: 'AVAILABLE' }, ADMIN_KEY);
    expect(valid.errors?.[0]?.message).toMatch(/agentId is required/);
  });
});
