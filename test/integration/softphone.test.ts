/**
 * Query.softphone against a real server and the local Telnyx's REST API (src/simulator): the login token is
 * minted server-side with the API key, and every way Telnyx can fail becomes a plain message while
 * an unregistered softphone keeps heartbeating where the company allows it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTelnyx, type TestTelnyx } from '../support/local-telnyx.js';
import { ADMIN_KEY, startServer, type TestServer } from '../support/harness.js';

const SOFTPHONE = `{ softphone { agentId displayName sipUsername telnyxConfigured loginToken websocketHost heartbeatIntervalMs registrationRequired message } }`;
const API_KEY = 'KEY_integration_0123456789';

async function companyWithAgent(server: TestServer, opts: { allowUnregistered: boolean; credentialId?: string }) {
  const { createCompany } = await server.admin(`mutation($input: CreateCompanyInput!) { createCompany(input: $input) { id } }`, {
    input: { name: 'Softphone Co', routing: { allowUnregisteredSoftphones: opts.allowUnregistered } },
  });
  const { createAgent } = await server.admin(
    `mutation($input: CreateAgentInput!) { createAgent(input: $input) { id telnyxCredentialId } }`,
    {
      input: {
        companyId: createCompany.id,
        displayName: 'Dana Lee',
        sipUsername: `dana${Math.random().toString(36).slice(2, 8)}`,
        telnyxCredentialId: opts.credentialId,
      },
    },
  );
  const { issueAgentToken } = await server.admin(`mutation($id: ID!) { issueAgentToken(agentId: $id) { token } }`, { id: createAgent.id });
  return { companyId: createCompany.id as string, agentId: createAgent.id as string, token: issueAgentToken.token as string };
}

describe('softphone setup with Telnyx configured', () => {
  let fake: TestTelnyx;
  let server: TestServer;

  beforeAll(async () => {
    fake = await startTestTelnyx({ apiKey: API_KEY });
    server = await startServer({
      env: {
        TELNYX_API_KEY: API_KEY,
        TELNYX_API_BASE_URL: fake.apiBaseUrl,
        TELNYX_WEBRTC_HOST: fake.websocketUrl,
        HEARTBEAT_INTERVAL_MS: '7000',
      },
    });
  });
  afterAll(async () => {
    await server.close();
    await fake.close();
  });

  it('mints a login token for the agent credential with the server API key; the key never reaches the agent', async () => {
    fake.failWith(null);
    const credentialId = fake.newCredential();
    const agent = await companyWithAgent(server, { allowUnregistered: false, credentialId });
    const res = await server.gql(SOFTPHONE, {}, agent.token);
    expect(res.errors).toBeUndefined();
    expect(res.data.softphone).toMatchObject({
      agentId: agent.agentId,
      displayName: 'Dana Lee',
      telnyxConfigured: true,
      websocketHost: fake.websocketUrl,
      heartbeatIntervalMs: 7000,
      registrationRequired: true,
      message: null,
    });
    // A token Telnyx minted for this agent's credential (the softphone logs in with it).
    expect(fake.telnyx.credentials.byToken(res.data.softphone.loginToken)?.id).toBe(credentialId);
    expect(fake.mintRequests().at(-1)).toEqual({ credentialId, authorization: `Bearer ${API_KEY}` });
    // Linking it asked Telnyx that the credential exists, with the same key.
    expect(fake.lookupRequests()).toContainEqual({ credentialId, authorization: `Bearer ${API_KEY}` });
    expect(JSON.stringify(res)).not.toContain(API_KEY);
  });

  it.each([
    [401, /refused the server's API key \(HTTP 401\)/],
    [404, /no telephony credential "[0-9a-f-]{36}" \(HTTP 404\)/],
    [503, /could not issue a login token \(HTTP 503\)/],
    ['reset' as const, /Telnyx cannot be reached/],
  ])(
    'Telnyx answering %s → no token, a clear message, and (unregistered allowed) the agent still heartbeats online',
    async (mode, message) => {
      // Linked while Telnyx answers; then Telnyx fails the minting.
      const agent = await companyWithAgent(server, { allowUnregistered: true, credentialId: fake.newCredential() });
      fake.failWith(mode);
      const res = await server.gql(SOFTPHONE, {}, agent.token);
      expect(res.errors).toBeUndefined();
      expect(res.data.softphone.loginToken).toBeNull();
      expect(res.data.softphone.telnyxConfigured).toBe(true);
      expect(res.data.softphone.message).toMatch(message);
      expect(res.data.softphone.message).toContain('You still show as online');
      const beat = await server.gql(
        `mutation { heartbeat(input: { sipRegistered: false }) { presence { online sipRegistered } } }`,
        {},
        agent.token,
      );
      expect(beat.data.heartbeat.presence).toEqual({ online: true, sipRegistered: false });
      fake.failWith(null);
    },
  );

  it('an agent without a credential is told so; a company requiring registration keeps it offline', async () => {
    const agent = await companyWithAgent(server, { allowUnregistered: false });
    const { data } = await server.gql(SOFTPHONE, {}, agent.token);
    expect(data.softphone).toMatchObject({ telnyxConfigured: false, loginToken: null, websocketHost: null, registrationRequired: true });
    expect(data.softphone.message).toMatch(/No Telnyx credential is assigned to you/);
    expect(data.softphone.message).toMatch(/you show as offline/);
  });

  it('telnyxCredentialId is validated, set and changed through the agent API', async () => {
    const agent = await companyWithAgent(server, { allowUnregistered: true, credentialId: fake.newCredential() });
    const second = fake.newCredential();
    const updated = await server.admin(
      `mutation($id: ID!, $c: String) { updateAgent(id: $id, input: { telnyxCredentialId: $c }) { telnyxCredentialId } }`,
      { id: agent.agentId, c: second.toUpperCase() },
    );
    expect(updated.updateAgent.telnyxCredentialId).toBe(second); // stored lower-case, as Telnyx writes it
    const bad = await server.gql(
      `mutation($id: ID!) { updateAgent(id: $id, input: { telnyxCredentialId: "${'x'.repeat(101)}" }) { id } }`,
      { id: agent.agentId },
      ADMIN_KEY,
    );
    expect(bad.errors?.[0]?.message).toMatch(/input\.telnyxCredentialId: must be a Telnyx telephony credential id: a UUID/);
    // "" removes the credential.
    const removed = await server.admin(
      `mutation($id: ID!) { updateAgent(id: $id, input: { telnyxCredentialId: "" }) { telnyxCredentialId } }`,
      { id: agent.agentId },
    );
    expect(removed.updateAgent.telnyxCredentialId).toBeNull();
  });

  describe('telnyxCredentialId ownership', () => {
    const CREATE = `mutation($input: CreateAgentInput!) { createAgent(input: $input) { id telnyxCredentialId } }`;
    const UPDATE = `mutation($id: ID!, $c: String) { updateAgent(id: $id, input: { telnyxCredentialId: $c }) { id telnyxCredentialId } }`;
    const supervisorOf = async (companyId: string) =>
      (await server.admin(`mutation($id: ID!) { issueSupervisorToken(companyId: $id) { token } }`, { id: companyId })).issueSupervisorToken
        .token as string;
    const credentialOf = async (agentId: string) =>
      (await server.database.prisma.agent.findUniqueOrThrow({ where: { id: agentId } })).telnyxCredentialId;
    const agentCount = (companyId: string) => server.database.prisma.agent.count({ where: { companyId } });
    const newAgent = (companyId: string, credentialId: string) => ({
      input: {
        companyId,
        displayName: 'Eve',
        sipUsername: `eve${Math.random().toString(36).slice(2, 8)}`,
        telnyxCredentialId: credentialId,
      },
    });

    it('a crafted id is refused by format, naming the field, and never reaches Telnyx', async () => {
      fake.failWith(null);
      const agent = await companyWithAgent(server, { allowUnregistered: true, credentialId: fake.newCredential() });
      const supervisor = await supervisorOf(agent.companyId);
      const before = fake.lookupRequests().length + fake.mintRequests().length;
      for (const crafted of [
        'cred-dana',
        '../../phone_numbers',
        `${randomUUID()}/../../messages`,
        `${randomUUID()}?x=1`,
        `${randomUUID()}#`,
        '%2e%2e%2f',
      ]) {
        const res = await server.gql(UPDATE, { id: agent.agentId, c: crafted }, supervisor);
        expect(res.errors?.[0]?.message, crafted).toMatch(/input\.telnyxCredentialId: must be a Telnyx telephony credential id: a UUID/);
      }
      expect(fake.lookupRequests().length + fake.mintRequests().length).toBe(before);
    });

    it('a credential linked to one agent cannot be linked to another, in the same company or another one, with one neutral message', async () => {
      fake.failWith(null);
      const credentialId = fake.newCredential();
      const owner = await companyWithAgent(server, { allowUnregistered: true, credentialId });
      const other = await companyWithAgent(server, { allowUnregistered: true });
      const ownSupervisor = await supervisorOf(owner.companyId);
      const otherSupervisor = await supervisorOf(other.companyId);

      const sameCompany = await server.gql(CREATE, newAgent(owner.companyId, credentialId), ownSupervisor);
      const otherCompany = await server.gql(CREATE, newAgent(other.companyId, credentialId), otherSupervisor);
      const otherCompanyUpper = await server.gql(UPDATE, { id: other.agentId, c: credentialId.toUpperCase() }, otherSupervisor);
      const message = 'Validation error: input.telnyxCredentialId: this Telnyx credential is not available';
      for (const res of [sameCompany, otherCompany, otherCompanyUpper]) {
        expect(res.errors?.[0]).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT' } });
        expect(JSON.stringify(res)).not.toContain(owner.agentId);
        expect(JSON.stringify(res)).not.toContain(owner.companyId);
      }
      // Nothing changed: the other company's supervisor cannot mint for the owner's credential.
      expect(await credentialOf(owner.agentId)).toBe(credentialId);
      expect(await credentialOf(other.agentId)).toBeNull();
      expect(await agentCount(other.companyId)).toBe(1);

      // Once the owner's company removes it, it can be linked elsewhere.
      await server.gql(UPDATE, { id: owner.agentId, c: '' }, ownSupervisor);
      const moved = await server.gql(UPDATE, { id: other.agentId, c: credentialId }, otherSupervisor);
      expect(moved.errors).toBeUndefined();
      expect(moved.data.updateAgent.telnyxCredentialId).toBe(credentialId);
    });

    it('a credential Telnyx does not know (404) is refused with a clear error and nothing is saved', async () => {
      fake.failWith(null);
      const agent = await companyWithAgent(server, { allowUnregistered: true });
      const supervisor = await supervisorOf(agent.companyId);
      const unknown = randomUUID(); // no credential of the account has this id
      const created = await server.gql(CREATE, newAgent(agent.companyId, unknown), supervisor);
      expect(created.errors?.[0]).toMatchObject({
        message: 'Validation error: input.telnyxCredentialId: Telnyx has no telephony credential with this id (HTTP 404)',
        extensions: { code: 'BAD_USER_INPUT' },
      });
      const updated = await server.gql(UPDATE, { id: agent.agentId, c: unknown }, supervisor);
      expect(updated.errors?.[0]?.message).toMatch(/no telephony credential with this id/);
      expect(fake.lookupRequests().filter((r) => r.credentialId === unknown)).toHaveLength(2);
      expect(await agentCount(agent.companyId)).toBe(1);
      expect(await credentialOf(agent.agentId)).toBeNull();
    });

    it.each([
      ['reset' as const, /Telnyx cannot be reached/],
      [503, /HTTP 503/],
    ])('Telnyx unreachable (%s) → a clear error and nothing saved', async (mode, why) => {
      const linked = fake.newCredential();
      const agent = await companyWithAgent(server, { allowUnregistered: true, credentialId: linked });
      const supervisor = await supervisorOf(agent.companyId);
      fake.failWith(mode);
      try {
        const created = await server.gql(CREATE, newAgent(agent.companyId, randomUUID()), supervisor);
        const updated = await server.gql(UPDATE, { id: agent.agentId, c: randomUUID() }, supervisor);
        for (const res of [created, updated]) {
          expect(res.errors?.[0]?.extensions?.code).toBe('TELNYX_UNAVAILABLE');
          expect(res.errors?.[0]?.message).toMatch(
            /^Validation error: input\.telnyxCredentialId: the credential could not be checked with Telnyx, so nothing was saved/,
          );
          expect(res.errors?.[0]?.message).toMatch(why);
        }
        // The agent's own credential, unchanged, needs no new check: other fields still save.
        const renamed = await server.gql(
          `mutation($id: ID!, $c: String) { updateAgent(id: $id, input: { displayName: "Dana L.", telnyxCredentialId: $c }) { displayName } }`,
          { id: agent.agentId, c: linked },
          supervisor,
        );
        expect(renamed.errors).toBeUndefined();
      } finally {
        fake.failWith(null);
      }
      expect(await agentCount(agent.companyId)).toBe(1);
      expect(await credentialOf(agent.agentId)).toBe(linked);
    });

    it('a stored id that is not a UUID (from before validation) is never put into a Telnyx path when minting', async () => {
      fake.failWith(null);
      const agent = await companyWithAgent(server, { allowUnregistered: true });
      const crafted = '../../phone_numbers';
      await server.database.prisma.agent.update({ where: { id: agent.agentId }, data: { telnyxCredentialId: crafted } });
      server.app.services.directory.invalidateCompany(agent.companyId);
      const before = fake.mintRequests().length;
      const { data } = await server.gql(SOFTPHONE, {}, agent.token);
      expect(data.softphone.loginToken).toBeNull();
      expect(data.softphone.message).toMatch(/not a valid telephony credential id; an admin must set telnyxCredentialId again/);
      expect(fake.mintRequests().length).toBe(before);
    });
  });

  it('only an agent token gets a softphone setup', async () => {
    const agent = await companyWithAgent(server, { allowUnregistered: true, credentialId: fake.newCredential() });
    const { issueSupervisorToken } = await server.admin(`mutation($id: ID!) { issueSupervisorToken(companyId: $id) { token } }`, {
      id: agent.companyId,
    });
    const res = await server.gql(SOFTPHONE, {}, issueSupervisorToken.token);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await server.gql(SOFTPHONE)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('reportCallState renews the lease and publishes the call state to supervisors at once', async () => {
    const agent = await companyWithAgent(server, { allowUnregistered: true, credentialId: fake.newCredential() });
    await server.gql(`mutation { heartbeat(input: { sipRegistered: false }) { presence { online } } }`, {}, agent.token);
    const res = await server.gql(
      `mutation { reportCallState(input: { callState: "active", sipRegistered: false }) { online activeCalls callState } }`,
      {},
      agent.token,
    );
    expect(res.data.reportCallState).toEqual({ online: true, activeCalls: 1, callState: 'active' });
    const bad = await server.gql(
      `mutation { reportCallState(input: { callState: "<script>", sipRegistered: false }) { online } }`,
      {},
      agent.token,
    );
    expect(bad.errors?.[0]?.message).toMatch(/letters, dashes and underscores/);
  });
});

describe('softphone setup without Telnyx (the demo)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('says Telnyx is not configured, mints nothing, and explains the presence consequence', async () => {
    const allowed = await companyWithAgent(server, { allowUnregistered: true, credentialId: randomUUID() });
    const { data } = await server.gql(SOFTPHONE, {}, allowed.token);
    expect(data.softphone).toMatchObject({ telnyxConfigured: false, loginToken: null, websocketHost: null, registrationRequired: false });
    expect(data.softphone.message).toMatch(/Telnyx is not configured on this server.*You still show as online/);
  });

  it("carries the company's break reasons, which the agent cannot read on Company, and follows a change to them", async () => {
    const agent = await companyWithAgent(server, { allowUnregistered: true });
    const reasons = async () => (await server.gql(`{ softphone { breakReasons } }`, {}, agent.token)).data.softphone.breakReasons;
    expect(await reasons()).toEqual([]);
    const company = await server.gql(`query($id: ID!) { company(id: $id) { breakReasons } }`, { id: agent.companyId }, agent.token);
    expect(company.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await server.admin(`mutation($id: ID!) { updateCompany(id: $id, input: { breakReasons: ["Lunch", "Coaching"] }) { id } }`, {
      id: agent.companyId,
    });
    expect(await reasons()).toEqual(['Lunch', 'Coaching']);
  });

  it("carries what the in-call controls pick from: the company's numbers (caller IDs), the other enabled agents and the queues", async () => {
    const agent = await companyWithAgent(server, { allowUnregistered: true });
    const number = `+1305555${String(Math.floor(Math.random() * 9000) + 1000)}`;
    await server.admin(`mutation($i: CreatePhoneNumberInput!) { createPhoneNumber(input: $i) { id } }`, {
      i: { companyId: agent.companyId, e164: number },
    });
    const { createAgent } = await server.admin(`mutation($i: CreateAgentInput!) { createAgent(input: $i) { id } }`, {
      i: { companyId: agent.companyId, displayName: 'Ben Ortiz', sipUsername: `ben${Math.random().toString(36).slice(2, 8)}` },
    });
    const res = await server.gql(`{ softphone { callerIds colleagues { agentId displayName } queues { queueId name } } }`, {}, agent.token);
    expect(res.errors).toBeUndefined();
    expect(res.data.softphone.callerIds).toEqual([number]);
    // Itself left out: an agent cannot transfer a call to itself.
    expect(res.data.softphone.colleagues).toEqual([{ agentId: createAgent.id, displayName: 'Ben Ortiz' }]);
    expect(res.data.softphone.queues).toHaveLength(1);
    expect(res.data.softphone.queues[0].queueId).toEqual(expect.any(String));
  });
});
