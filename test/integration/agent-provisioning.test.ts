/**
 * Agents' Telnyx credentials against a real server and the local Telnyx's REST API (src/simulator):
 * with TELNYX_API_KEY and TELNYX_CONNECTION_ID the service creates each agent's telephony credential,
 * stores its generated SIP username and dials exactly that; disabling, deleting and replacing revoke
 * it (retried when Telnyx is down, never holding up the change); a credential is linked by reading it
 * on Telnyx; agents with nothing trustworthy to dial are not routable and routePreview says why. A
 * whole call through the simulator ends answered by the provisioned agent's scripted phone.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../../src/simulator/rest-api.js';
import { ADMIN_KEY, startServer, type TestServer } from '../support/harness.js';
import { startTestTelnyx, type TestTelnyx } from '../support/local-telnyx.js';
import { type Simulation, startSimulation } from '../support/simulation.js';

const API_KEY = 'KEY_provisioning_0123456789';
const AGENT_FIELDS =
  'id enabled sipUsername telnyxCredentialId telnyxSipUsername sipTarget provisioning provisioningDetail credentialRevocationPending';
const PREVIEW = `query($c: ID!) { routePreview(companyId: $c) { decision targets { agentId } skipped { agent { agentId } reason detail } texml } }`;

let numbers = 0;
const nextNumber = () => `+1305555${String(4000 + ++numbers)}`;
const uniqueName = (prefix: string) => `${prefix}${randomUUID().slice(0, 8)}`;

/** A company with one number, allowing unregistered softphones so routing depends on the SIP target alone. */
async function companyOn(server: TestServer) {
  const { createCompany } = await server.admin(`mutation($i: CreateCompanyInput!) { createCompany(input: $i) { id } }`, {
    i: { name: 'Provisioned Co', routing: { allowUnregisteredSoftphones: true } },
  });
  const number = nextNumber();
  await server.admin(`mutation($i: CreatePhoneNumberInput!) { createPhoneNumber(input: $i) { id } }`, {
    i: { companyId: createCompany.id, e164: number },
  });
  return { companyId: createCompany.id as string, number };
}

function createAgent(server: TestServer, companyId: string, extra: Record<string, unknown> = {}) {
  return server.gql(
    `mutation($i: CreateAgentInput!) { createAgent(input: $i) { ${AGENT_FIELDS} } }`,
    { i: { companyId, displayName: 'Pat Doe', sipUsername: uniqueName('pat.'), ...extra } },
    ADMIN_KEY,
  );
}

async function heartbeat(server: TestServer, agentId: string) {
  const { issueAgentToken } = await server.admin(`mutation($a: ID!) { issueAgentToken(agentId: $a) { token } }`, { a: agentId });
  const res = await server.gql(`mutation { heartbeat(input: { sipRegistered: true }) { nextHeartbeatInMs } }`, {}, issueAgentToken.token);
  expect(res.errors).toBeUndefined();
  return issueAgentToken.token as string;
}

const agentRow = (server: TestServer, id: string) => server.database.prisma.agent.findUnique({ where: { id } });
const agentQuery = async (server: TestServer, id: string) =>
  (
    await server.admin(`query($c: ID!) { agents(companyId: $c) { ${AGENT_FIELDS} } }`, { c: (await agentRow(server, id))!.companyId })
  ).agents.find((a: { id: string }) => a.id === id);

describe('with TELNYX_API_KEY and TELNYX_CONNECTION_ID: agents are provisioned', () => {
  let fake: TestTelnyx;
  let server: TestServer;
  const requests = (method: string, path: RegExp): RecordedRequest[] =>
    fake.telnyx.rest.requests.filter((r) => r.method === method && path.test(r.path));
  const creates = () => requests('POST', /^\/v2\/telephony_credentials$/);
  const deletes = () => requests('DELETE', /^\/v2\/telephony_credentials\/[^/]+$/).map((r) => r.path.split('/').at(-1));

  beforeAll(async () => {
    fake = await startTestTelnyx({ apiKey: API_KEY });
    server = await startServer({
      env: {
        TELNYX_API_KEY: API_KEY,
        TELNYX_API_BASE_URL: fake.apiBaseUrl,
        TELNYX_WEBRTC_HOST: fake.websocketUrl,
        TELNYX_CONNECTION_ID: fake.telnyx.connectionId,
      },
    });
  });
  afterAll(async () => {
    await server.close();
    await fake.close();
  });

  it('createAgent creates the credential on the configured connection, stores it, and the TeXML dials its generated SIP username', async () => {
    const { companyId, number } = await companyOn(server);
    const before = creates().length;
    const res = await createAgent(server, companyId, { sipUsername: 'ana.provisioned' });
    expect(res.errors).toBeUndefined();
    const agent = res.data.createAgent;

    // One POST, with the connection and a name saying whose it is, authorised with the server's key.
    expect(creates()).toHaveLength(before + 1);
    const post = creates().at(-1)!;
    expect(post.body).toEqual({ connection_id: fake.telnyx.connectionId, name: 'ana.provisioned' });
    expect(post.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(post.status).toBe(201);

    // Stored: the credential's id and the SIP username Telnyx generated for it.
    const credential = fake.telnyx.credentials.get(agent.telnyxCredentialId)!;
    expect(credential.connectionId).toBe(fake.telnyx.connectionId);
    expect(agent.telnyxSipUsername).toBe(credential.sipUsername);
    expect(agent.telnyxSipUsername).toMatch(/^gencred[A-Za-z0-9]{22}$/);
    expect(agent).toMatchObject({
      sipUsername: 'ana.provisioned',
      provisioning: 'CREDENTIAL_SIP_USERNAME',
      provisioningDetail: null,
      sipTarget: `sip:${credential.sipUsername}@sip.telnyx.com`,
      credentialRevocationPending: false,
    });

    // The call dials exactly the credential's SIP username, never the free-text one.
    await heartbeat(server, agent.id);
    const call = await server.webhook('/telnyx/voice', { To: number, From: '+15551230000', CallSid: `v3:${randomUUID()}` });
    expect(call.body).toContain(`<Sip statusCallback=`);
    expect(call.body).toContain(`>sip:${credential.sipUsername}@sip.telnyx.com</Sip>`);
    expect(call.body).not.toContain('ana.provisioned');
  });

  it('a SIP username Telnyx cannot dial (leading digit) is refused before anything reaches Telnyx', async () => {
    const { companyId } = await companyOn(server);
    const before = creates().length;
    const res = await createAgent(server, companyId, { sipUsername: '1001' });
    expect(res.errors?.[0]?.message).toMatch(/input\.sipUsername: SIP username must be .* beginning with a letter/);
    expect(creates()).toHaveLength(before);
  });

  it('a taken SIP username is refused before a credential is created for nothing', async () => {
    const { companyId } = await companyOn(server);
    const first = (await createAgent(server, companyId)).data.createAgent;
    const before = creates().length;
    const twin = await createAgent(server, companyId, { sipUsername: first.sipUsername });
    expect(twin.errors?.[0]?.message).toBe('Validation error: input.sipUsername: this SIP username is not available; choose another');
    expect(creates()).toHaveLength(before);
  });

  it.each([
    [503, /could not be asked \(HTTP 503\)/],
    ['reset' as const, /Telnyx cannot be reached/],
  ])('Telnyx down (%s) at createAgent → TELNYX_UNAVAILABLE and nothing saved', async (mode, why) => {
    const { companyId } = await companyOn(server);
    const credentialsBefore = fake.telnyx.credentials.list().length;
    fake.failWith(mode);
    try {
      const res = await createAgent(server, companyId);
      expect(res.errors?.[0]?.extensions?.code).toBe('TELNYX_UNAVAILABLE');
      expect(res.errors?.[0]?.message).toMatch(/^the agent's Telnyx credential could not be created, so nothing was saved: /);
      expect(res.errors?.[0]?.message).toMatch(why);
    } finally {
      fake.failWith(null);
    }
    expect(await server.database.prisma.agent.count({ where: { companyId } })).toBe(0);
    expect(fake.telnyx.credentials.list()).toHaveLength(credentialsBefore);
  });

  it('disabling revokes the credential (DELETE) and makes the agent unroutable; enabling provisions a new one', async () => {
    const { companyId } = await companyOn(server);
    const agent = (await createAgent(server, companyId)).data.createAgent;
    const disabled = await server.admin(`mutation($id: ID!) { updateAgent(id: $id, input: { enabled: false }) { ${AGENT_FIELDS} } }`, {
      id: agent.id,
    });
    expect(deletes()).toContain(agent.telnyxCredentialId);
    expect(fake.telnyx.credentials.get(agent.telnyxCredentialId)).toBeUndefined();
    expect(disabled.updateAgent).toMatchObject({
      enabled: false,
      telnyxCredentialId: null,
      telnyxSipUsername: null,
      sipTarget: null,
      provisioning: 'NO_CREDENTIAL',
      credentialRevocationPending: false,
    });
    expect(await server.database.prisma.credentialRevocation.count({ where: { credentialId: agent.telnyxCredentialId } })).toBe(0);

    const enabled = await server.admin(`mutation($id: ID!) { updateAgent(id: $id, input: { enabled: true }) { ${AGENT_FIELDS} } }`, {
      id: agent.id,
    });
    expect(enabled.updateAgent.provisioning).toBe('CREDENTIAL_SIP_USERNAME');
    expect(enabled.updateAgent.telnyxCredentialId).not.toBe(agent.telnyxCredentialId);
    expect(fake.telnyx.credentials.get(enabled.updateAgent.telnyxCredentialId)?.sipUsername).toBe(enabled.updateAgent.telnyxSipUsername);
  });

  it('Telnyx down while disabling: the agent is disabled anyway, the revocation waits and is retried until Telnyx deletes it', async () => {
    const { companyId } = await companyOn(server);
    const agent = (await createAgent(server, companyId)).data.createAgent;
    fake.failWith(503);
    let disabled: any;
    try {
      disabled = await server.admin(`mutation($id: ID!) { updateAgent(id: $id, input: { enabled: false }) { ${AGENT_FIELDS} } }`, {
        id: agent.id,
      });
    } finally {
      fake.failWith(null);
    }
    expect(disabled.updateAgent).toMatchObject({ enabled: false, telnyxCredentialId: null, credentialRevocationPending: true });
    expect(fake.telnyx.credentials.get(agent.telnyxCredentialId)).toBeDefined();
    const waiting = await server.database.prisma.credentialRevocation.findUniqueOrThrow({
      where: { credentialId: agent.telnyxCredentialId },
    });
    expect(waiting).toMatchObject({
      agentId: agent.id,
      companyId,
      reason: 'disabled',
      attempts: 1,
      lastError: 'Telnyx could not delete it (HTTP 503)',
    });
    expect(waiting.nextAttemptAt.getTime()).toBeGreaterThan(Date.now());

    // Telnyx answers again: the retry deletes it and the row goes.
    expect(await server.app.services.agentCredentials.retryAll()).toBeGreaterThanOrEqual(1);
    expect(fake.telnyx.credentials.get(agent.telnyxCredentialId)).toBeUndefined();
    expect((await agentQuery(server, agent.id)).credentialRevocationPending).toBe(false);
  });

  it('enabling while Telnyx is down is refused with TELNYX_UNAVAILABLE and the agent stays disabled', async () => {
    const { companyId } = await companyOn(server);
    const agent = (await createAgent(server, companyId)).data.createAgent;
    await server.admin(`mutation($id: ID!) { updateAgent(id: $id, input: { enabled: false }) { id } }`, { id: agent.id });
    fake.failWith('reset');
    try {
      const res = await server.gql(
        `mutation($id: ID!) { updateAgent(id: $id, input: { enabled: true }) { id } }`,
        { id: agent.id },
        ADMIN_KEY,
      );
      expect(res.errors?.[0]?.extensions?.code).toBe('TELNYX_UNAVAILABLE');
    } finally {
      fake.failWith(null);
    }
    expect(await agentRow(server, agent.id)).toMatchObject({ enabled: false, telnyxCredentialId: null });
  });

  it('deleteAgent revokes the credential and reports it; with Telnyx down it reports PENDING and the retry revokes it', async () => {
    const { companyId } = await companyOn(server);
    const agent = (await createAgent(server, companyId)).data.createAgent;
    const token = await heartbeat(server, agent.id);
    const DELETE = `mutation($id: ID!) { deleteAgent(id: $id) { id companyId credentialRevocation } }`;
    const deleted = await server.admin(DELETE, { id: agent.id });
    expect(deleted.deleteAgent).toEqual({ id: agent.id, companyId, credentialRevocation: 'REVOKED' });
    expect(deletes()).toContain(agent.telnyxCredentialId);
    expect(await agentRow(server, agent.id)).toBeNull();
    // Its tokens stop working.
    const beat = await server.gql(`mutation { heartbeat(input: { sipRegistered: true }) { nextHeartbeatInMs } }`, {}, token);
    expect(beat.errors?.[0]?.extensions?.code).toMatch(/UNAUTHENTICATED|FORBIDDEN/);

    const other = (await createAgent(server, companyId)).data.createAgent;
    fake.failWith(503);
    let pending: any;
    try {
      pending = await server.admin(DELETE, { id: other.id });
    } finally {
      fake.failWith(null);
    }
    expect(pending.deleteAgent.credentialRevocation).toBe('PENDING');
    expect(await agentRow(server, other.id)).toBeNull();
    expect(fake.telnyx.credentials.get(other.telnyxCredentialId)).toBeDefined();
    await server.app.services.agentCredentials.retryAll();
    expect(fake.telnyx.credentials.get(other.telnyxCredentialId)).toBeUndefined();
    expect(await server.database.prisma.credentialRevocation.count({ where: { credentialId: other.telnyxCredentialId } })).toBe(0);
  });

  it('reprovisionAgentCredential: a new credential, the old one revoked, and calls dial the new SIP username', async () => {
    const { companyId, number } = await companyOn(server);
    const agent = (await createAgent(server, companyId)).data.createAgent;
    await heartbeat(server, agent.id);
    const { reprovisionAgentCredential: again } = await server.admin(
      `mutation($a: ID!) { reprovisionAgentCredential(agentId: $a) { ${AGENT_FIELDS} } }`,
      { a: agent.id },
    );
    expect(again.telnyxCredentialId).not.toBe(agent.telnyxCredentialId);
    expect(again.telnyxSipUsername).not.toBe(agent.telnyxSipUsername);
    expect(deletes()).toContain(agent.telnyxCredentialId);
    expect(fake.telnyx.credentials.get(again.telnyxCredentialId)?.sipUsername).toBe(again.telnyxSipUsername);
    const call = await server.webhook('/telnyx/voice', { To: number, From: '+15551230000', CallSid: `v3:${randomUUID()}` });
    expect(call.body).toContain(`sip:${again.telnyxSipUsername}@sip.telnyx.com`);
    expect(call.body).not.toContain(agent.telnyxSipUsername);
  });

  it('linkAgentCredential reads the credential on Telnyx, stores its SIP username, and revokes the one it replaces', async () => {
    const { companyId } = await companyOn(server);
    const agent = (await createAgent(server, companyId)).data.createAgent;
    const existing = fake.newCredential(); // made elsewhere (the portal): a generated gencred… username
    const LINK = `mutation($a: ID!, $c: String!) { linkAgentCredential(agentId: $a, credentialId: $c) { ${AGENT_FIELDS} } }`;
    const { linkAgentCredential: linked } = await server.admin(LINK, { a: agent.id, c: existing.toUpperCase() });
    expect(linked).toMatchObject({
      telnyxCredentialId: existing,
      telnyxSipUsername: fake.telnyx.credentials.get(existing)!.sipUsername,
      provisioning: 'CREDENTIAL_SIP_USERNAME',
    });
    expect(fake.lookupRequests()).toContainEqual({ credentialId: existing, authorization: `Bearer ${API_KEY}` });
    expect(deletes()).toContain(agent.telnyxCredentialId);
    expect(deletes()).not.toContain(existing);

    // Refusals change nothing: unknown credential, a credential another agent holds, Telnyx down.
    const refusals = [
      [await server.gql(LINK, { a: agent.id, c: randomUUID() }, ADMIN_KEY), 'BAD_USER_INPUT', /no telephony credential with this id/],
    ] as [any, string, RegExp][];
    const neighbour = (await createAgent(server, companyId)).data.createAgent;
    refusals.push([
      await server.gql(LINK, { a: agent.id, c: neighbour.telnyxCredentialId }, ADMIN_KEY),
      'BAD_USER_INPUT',
      /this Telnyx credential is not available/,
    ]);
    fake.failWith(503);
    try {
      refusals.push([
        await server.gql(LINK, { a: agent.id, c: fake.newCredential() }, ADMIN_KEY),
        'TELNYX_UNAVAILABLE',
        /^Validation error: credentialId: the credential could not be checked with Telnyx, so nothing was saved/,
      ]);
    } finally {
      fake.failWith(null);
    }
    for (const [res, code, message] of refusals) {
      expect(res.errors?.[0]?.extensions?.code).toBe(code);
      expect(res.errors?.[0]?.message).toMatch(message);
    }
    expect(await agentRow(server, agent.id)).toMatchObject({ telnyxCredentialId: existing, telnyxSipUsername: linked.telnyxSipUsername });
    expect(fake.telnyx.credentials.get(neighbour.telnyxCredentialId)).toBeDefined();
  });

  it('routePreview says why an agent with nothing to dial is skipped, and relinking makes it routable', async () => {
    const { companyId } = await companyOn(server);
    const [routable, unknown, removed, orphan] = await Promise.all(
      [0, 1, 2, 3].map(async () => (await createAgent(server, companyId)).data.createAgent),
    );
    for (const a of [routable, unknown, removed, orphan]) await heartbeat(server, a.id);
    const db = server.database.prisma;
    // Linked before provisioning: a credential whose SIP username was never read.
    await db.agent.update({ where: { id: unknown.id }, data: { telnyxSipUsername: null } });
    // A username stored without its credential (edited by hand).
    await db.agent.update({ where: { id: orphan.id }, data: { telnyxCredentialId: null } });
    server.app.services.directory.invalidateCompany(companyId);
    // "" removes the credential (and revokes it): Telnyx configured, nothing to dial.
    await server.admin(`mutation($id: ID!) { updateAgent(id: $id, input: { telnyxCredentialId: "" }) { id } }`, { id: removed.id });
    expect(deletes()).toContain(removed.telnyxCredentialId);

    const { routePreview } = await server.admin(PREVIEW, { c: companyId });
    expect(routePreview.targets).toEqual([{ agentId: routable.id }]);
    const why = Object.fromEntries(routePreview.skipped.map((s: any) => [s.agent.agentId, [s.reason, s.detail]]));
    expect(why[unknown.id]).toEqual(['NO_SIP_TARGET', expect.stringMatching(/SIP username is not known.*link the credential again/)]);
    expect(why[removed.id]).toEqual(['NO_SIP_TARGET', expect.stringMatching(/^no Telnyx credential/)]);
    expect(why[orphan.id]).toEqual(['NO_SIP_TARGET', expect.stringMatching(/stored without its credential/)]);
    expect(routePreview.texml).toContain(`sip:${routable.telnyxSipUsername}@sip.telnyx.com`);
    expect(routePreview.texml).not.toContain(unknown.telnyxSipUsername);
    expect((await agentQuery(server, unknown.id)).provisioning).toBe('SIP_USERNAME_UNKNOWN');
    expect((await agentQuery(server, removed.id)).provisioning).toBe('NO_CREDENTIAL');
    expect((await agentQuery(server, orphan.id)).provisioning).toBe('INCONSISTENT');

    // The same id again re-reads its SIP username: routable, and nothing is revoked.
    const deletesBefore = deletes().length;
    await server.admin(`mutation($a: ID!, $c: String!) { linkAgentCredential(agentId: $a, credentialId: $c) { id } }`, {
      a: unknown.id,
      c: unknown.telnyxCredentialId,
    });
    expect(deletes()).toHaveLength(deletesBefore);
    const after = (await server.admin(PREVIEW, { c: companyId })).routePreview;
    expect(after.targets.map((t: { agentId: string }) => t.agentId).sort()).toEqual([routable.id, unknown.id].sort());
  });
});

describe('with TELNYX_API_KEY only: credentials are linked by hand, never created or revoked', () => {
  let fake: TestTelnyx;
  let server: TestServer;

  beforeAll(async () => {
    fake = await startTestTelnyx({ apiKey: API_KEY });
    server = await startServer({ env: { TELNYX_API_KEY: API_KEY, TELNYX_API_BASE_URL: fake.apiBaseUrl } });
  });
  afterAll(async () => {
    await server.close();
    await fake.close();
  });

  it('an agent without a credential is not routable; a linked one is dialed at its credential SIP username; nothing is deleted', async () => {
    const { companyId } = await companyOn(server);
    const bare = (await createAgent(server, companyId)).data.createAgent;
    expect(bare).toMatchObject({ telnyxCredentialId: null, provisioning: 'NO_CREDENTIAL', sipTarget: null });
    const credentialId = fake.newCredential();
    const linked = (await createAgent(server, companyId, { telnyxCredentialId: credentialId })).data.createAgent;
    expect(linked.sipTarget).toBe(`sip:${fake.telnyx.credentials.get(credentialId)!.sipUsername}@sip.telnyx.com`);
    for (const a of [bare, linked]) await heartbeat(server, a.id);
    const { routePreview } = await server.admin(PREVIEW, { c: companyId });
    expect(routePreview.targets).toEqual([{ agentId: linked.id }]);
    expect(routePreview.skipped).toEqual([
      { agent: { agentId: bare.id }, reason: 'NO_SIP_TARGET', detail: expect.stringMatching(/no Telnyx credential/) },
    ]);

    await server.admin(`mutation($id: ID!) { updateAgent(id: $id, input: { enabled: false }) { id } }`, { id: linked.id });
    const { deleteAgent } = await server.admin(`mutation($id: ID!) { deleteAgent(id: $id) { credentialRevocation } }`, { id: linked.id });
    expect(deleteAgent.credentialRevocation).toBe('KEPT');
    expect(
      fake.telnyx.rest.requests.some((r) => r.method === 'DELETE' || (r.method === 'POST' && r.path === '/v2/telephony_credentials')),
    ).toBe(false);
    expect(fake.telnyx.credentials.get(credentialId)).toBeDefined();

    const res = await server.gql(`mutation($a: ID!) { reprovisionAgentCredential(agentId: $a) { id } }`, { a: bare.id }, ADMIN_KEY);
    expect(res.errors?.[0]).toMatchObject({
      extensions: { code: 'TELNYX_NOT_CONFIGURED' },
      message: expect.stringMatching(/needs TELNYX_API_KEY and TELNYX_CONNECTION_ID/),
    });
  });
});

describe("without Telnyx: the agent's own SIP username, as before", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('dials sipUsername; linking needs an API key; deleting reports no credential', async () => {
    const { companyId, number } = await companyOn(server);
    const agent = (await createAgent(server, companyId, { sipUsername: 'dana.own' })).data.createAgent;
    expect(agent).toMatchObject({ provisioning: 'OWN_SIP_USERNAME', sipTarget: 'sip:dana.own@sip.telnyx.com', telnyxSipUsername: null });
    await heartbeat(server, agent.id);
    const call = await server.webhook('/telnyx/voice', { To: number, From: '+15551230000', CallSid: `v3:${randomUUID()}` });
    expect(call.body).toContain('>sip:dana.own@sip.telnyx.com</Sip>');
    const link = await server.gql(
      `mutation($a: ID!, $c: String!) { linkAgentCredential(agentId: $a, credentialId: $c) { id } }`,
      { a: agent.id, c: randomUUID() },
      ADMIN_KEY,
    );
    expect(link.errors?.[0]?.extensions?.code).toBe('TELNYX_NOT_CONFIGURED');
    const { deleteAgent } = await server.admin(`mutation($id: ID!) { deleteAgent(id: $id) { credentialRevocation } }`, { id: agent.id });
    expect(deleteAgent.credentialRevocation).toBe('NO_CREDENTIAL');
  });
});

describe('a whole call through the local Telnyx with agents provisioned on its connection', () => {
  let sim: Simulation;
  beforeAll(async () => {
    sim = await startSimulation();
  });
  afterAll(() => sim?.close());

  it("the provisioned agent's phone, reached at its generated SIP username, answers", async () => {
    const c = await sim.company({ number: nextNumber(), agents: [{ name: 'ana' }] });
    const row = (await agentRow(sim.server, c.agentIds.ana!))!;
    // Created through the REST API on the simulator's credential connection (TELNYX_CONNECTION_ID).
    const post = sim.telnyx.rest.requests.find(
      (r) => r.method === 'POST' && r.path === '/v2/telephony_credentials' && (r.body as any)?.name === row.sipUsername,
    );
    expect(post?.body).toEqual({ connection_id: sim.telnyx.connectionId, name: row.sipUsername });
    expect(c.agents.ana).toBe(row.telnyxSipUsername);
    expect(c.agents.ana).toMatch(/^gencred/);

    const result = await sim.call(`call from +15551230000 to ${c.number}; agent ana answers after 2 s; caller hangs up at 10 s`, {
      agents: c.agents,
    });
    expect(result.outcome).toBe('ANSWERED');
    expect(result.answeredBy).toBe(row.telnyxSipUsername);
    const legs = result.steps.filter((s) => s.kind === 'leg');
    expect(legs.length).toBeGreaterThan(0);
    for (const leg of legs) expect(leg.kind === 'leg' && leg.to).toBe(`sip:${row.telnyxSipUsername}@sip.telnyx.com`);
    await sim.server.app.services.calls.log.flush();
    const log = await sim.server.database.prisma.callLog.findFirst({ where: { callSid: result.callSid } });
    expect(log).toMatchObject({ outcome: 'ANSWERED', answeredAgentId: c.agentIds.ana });
  });
});
