/**
 * Query.softphone against a real server and a real (local) Telnyx HTTP API: the login token is
 * minted server-side with the API key, and every way Telnyx can fail becomes a plain message while
 * an unregistered softphone keeps heartbeating where the company allows it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTelnyx, type FakeTelnyx } from '../support/fake-telnyx-rtc.js';
import { ADMIN_KEY, startServer, type TestServer } from '../support/harness.js';

const SOFTPHONE = `{ softphone { agentId displayName sipUsername telnyxConfigured loginToken websocketHost heartbeatIntervalMs registrationRequired message } }`;
const API_KEY = 'KEY_integration_0123456789';

async function companyWithAgent(server: TestServer, opts: { allowUnregistered: boolean; credentialId?: string }) {
  const { createCompany } = await server.admin(`mutation($input: CreateCompanyInput!) { createCompany(input: $input) { id } }`, {
    input: { name: 'Softphone Co', routing: { allowUnregisteredSoftphones: opts.allowUnregistered } },
  });
  const { createAgent } = await server.admin(`mutation($input: CreateAgentInput!) { createAgent(input: $input) { id telnyxCredentialId } }`, {
    input: { companyId: createCompany.id, displayName: 'Dana Lee', sipUsername: `dana${Math.random().toString(36).slice(2, 8)}`, telnyxCredentialId: opts.credentialId },
  });
  const { issueAgentToken } = await server.admin(`mutation($id: ID!) { issueAgentToken(agentId: $id) { token } }`, { id: createAgent.id });
  return { companyId: createCompany.id as string, agentId: createAgent.id as string, token: issueAgentToken.token as string };
}

describe('softphone setup with Telnyx configured', () => {
  let fake: FakeTelnyx;
  let server: TestServer;

  beforeAll(async () => {
    fake = await startFakeTelnyx();
    server = await startServer({
      env: { TELNYX_API_KEY: API_KEY, TELNYX_API_BASE_URL: fake.apiBaseUrl, TELNYX_WEBRTC_HOST: fake.websocketUrl, HEARTBEAT_INTERVAL_MS: '7000' },
    });
  });
  afterAll(async () => {
    await server.close();
    await fake.close();
  });

  it('mints a login token for the agent credential with the server API key; the key never reaches the agent', async () => {
    fake.failWith(null);
    const agent = await companyWithAgent(server, { allowUnregistered: false, credentialId: 'cred-dana' });
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
    expect(res.data.softphone.loginToken).toMatch(/^fake\./);
    expect(fake.mintRequests.at(-1)).toEqual({ credentialId: 'cred-dana', authorization: `Bearer ${API_KEY}` });
    expect(JSON.stringify(res)).not.toContain(API_KEY);
  });

  it.each([
    [401, /refused the server's API key \(HTTP 401\)/],
    [404, /no telephony credential "cred-dana" \(HTTP 404\)/],
    [503, /could not issue a login token \(HTTP 503\)/],
    ['reset' as const, /Telnyx cannot be reached/],
  ])('Telnyx answering %s → no token, a clear message, and (unregistered allowed) the agent still heartbeats online', async (mode, message) => {
    fake.failWith(mode);
    const agent = await companyWithAgent(server, { allowUnregistered: true, credentialId: 'cred-dana' });
    const res = await server.gql(SOFTPHONE, {}, agent.token);
    expect(res.errors).toBeUndefined();
    expect(res.data.softphone.loginToken).toBeNull();
    expect(res.data.softphone.telnyxConfigured).toBe(true);
    expect(res.data.softphone.message).toMatch(message);
    expect(res.data.softphone.message).toContain('You still show as online');
    const beat = await server.gql(`mutation { heartbeat(input: { sipRegistered: false }) { presence { online sipRegistered } } }`, {}, agent.token);
    expect(beat.data.heartbeat.presence).toEqual({ online: true, sipRegistered: false });
    fake.failWith(null);
  });

  it('an agent without a credential is told so; a company requiring registration keeps it offline', async () => {
    const agent = await companyWithAgent(server, { allowUnregistered: false });
    const { data } = await server.gql(SOFTPHONE, {}, agent.token);
    expect(data.softphone).toMatchObject({ telnyxConfigured: false, loginToken: null, websocketHost: null, registrationRequired: true });
    expect(data.softphone.message).toMatch(/No Telnyx credential is assigned to you/);
    expect(data.softphone.message).toMatch(/you show as offline/);
  });

  it('telnyxCredentialId is validated, set and changed through the agent API', async () => {
    const agent = await companyWithAgent(server, { allowUnregistered: true, credentialId: 'cred-first' });
    const updated = await server.admin(`mutation($id: ID!) { updateAgent(id: $id, input: { telnyxCredentialId: "cred-second" }) { telnyxCredentialId } }`, { id: agent.agentId });
    expect(updated.updateAgent.telnyxCredentialId).toBe('cred-second');
    const bad = await server.gql(`mutation($id: ID!) { updateAgent(id: $id, input: { telnyxCredentialId: "${'x'.repeat(101)}" }) { id } }`, { id: agent.agentId }, ADMIN_KEY);
    expect(bad.errors?.[0]?.message).toMatch(/telnyxCredentialId.*at most 100 characters/);
  });

  it('only an agent token gets a softphone setup', async () => {
    const agent = await companyWithAgent(server, { allowUnregistered: true, credentialId: 'cred-x' });
    const { issueSupervisorToken } = await server.admin(`mutation($id: ID!) { issueSupervisorToken(companyId: $id) { token } }`, { id: agent.companyId });
    const res = await server.gql(SOFTPHONE, {}, issueSupervisorToken.token);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await server.gql(SOFTPHONE)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('reportCallState renews the lease and publishes the call state to supervisors at once', async () => {
    const agent = await companyWithAgent(server, { allowUnregistered: true, credentialId: 'cred-y' });
    await server.gql(`mutation { heartbeat(input: { sipRegistered: false }) { presence { online } } }`, {}, agent.token);
    const res = await server.gql(`mutation { reportCallState(input: { callState: "active", sipRegistered: false }) { online activeCalls callState } }`, {}, agent.token);
    expect(res.data.reportCallState).toEqual({ online: true, activeCalls: 1, callState: 'active' });
    const bad = await server.gql(`mutation { reportCallState(input: { callState: "<script>", sipRegistered: false }) { online } }`, {}, agent.token);
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
    const allowed = await companyWithAgent(server, { allowUnregistered: true, credentialId: 'cred-demo' });
    const { data } = await server.gql(SOFTPHONE, {}, allowed.token);
    expect(data.softphone).toMatchObject({ telnyxConfigured: false, loginToken: null, websocketHost: null, registrationRequired: false });
    expect(data.softphone.message).toMatch(/Telnyx is not configured on this server.*You still show as online/);
  });
});
