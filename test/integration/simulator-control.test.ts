/**
 * `npm run simulate` and the /simulator control routes, in real time against a real service: the
 * call goes through the server's own local Telnyx (as with `npm start`), or through one the CLI
 * starts itself when the server has none. The last line printed is the call as JSON.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer, waitFor } from '../support/harness.js';
import { simulate } from '../support/simulate-cli.js';
import { type Simulation, startSimulation } from '../support/simulation.js';

describe('npm run simulate against a server with its own local Telnyx (the demo)', () => {
  let sim: Simulation;
  let number = '';
  let agent = '';
  beforeAll(async () => {
    sim = await startSimulation({ virtualTime: false });
    const c = await sim.company({
      number: '+13055550700',
      routing: { voicemailGreeting: 'Leave a message.', ringTimeoutSeconds: 5 },
      agents: [{ name: 'quentin', online: false }],
    });
    number = c.number;
    agent = c.agents.quentin!;
  }, 60_000);
  afterAll(() => sim.close());

  it('nobody online: the steps end in voicemail and the last line says VOICEMAIL', async () => {
    const run = await simulate(['--to', number, '--server', sim.server.url, '--message', '1']);
    expect(run.code).toBe(0);
    expect(run.lines.join('\n')).toMatch(/record after a beep[\s\S]*Record action: POST \/telnyx\/voicemail/);
    expect(run.last).toMatchObject({ outcome: 'VOICEMAIL', heard: 'VOICEMAIL', answeredBy: null, errors: [] });
    expect(run.last.callSid).toMatch(/^v3:/);
    expect(run.last.steps.length).toBeGreaterThan(5);
    const stored = await sim.server.database.prisma.voicemail.findFirst({ where: { callSid: run.last.callSid } });
    expect(stored?.recordingUrl).toContain(sim.telnyx.url);
  }, 60_000);

  it('an agent online who answers: ANSWERED by that agent, and the call log agrees', async () => {
    const { tokens } = { tokens: await agentToken(sim, agent) };
    await sim.server.gql('mutation { heartbeat(input: { sipRegistered: true }) { nextHeartbeatInMs } }', {}, tokens);
    const run = await simulate(['--to', number, '--server', sim.server.url, '--script', 'agent quentin answers after 1 s', '--talk', '1']);
    expect(run.last).toMatchObject({ outcome: 'ANSWERED', answeredBy: agent, errors: [] });
  }, 60_000);

  it("an agent added while the demo runs is provisioned on the local Telnyx's connection at once", async () => {
    const companyId = (await sim.server.database.prisma.phoneNumber.findFirstOrThrow({ where: { e164: number } })).companyId;
    const { createAgent } = await sim.server.admin(`mutation($i: CreateAgentInput!) { createAgent(input: $i) { id } }`, {
      i: { companyId, displayName: 'Rita Newcomer', sipUsername: 'rita.newcomer' },
    });
    const token = await agentToken(sim, 'rita.newcomer');
    const setup = await waitFor(
      async () => (await sim.server.gql('{ softphone { telnyxConfigured loginToken websocketHost } }', {}, token)).data?.softphone,
      (s) => s?.loginToken,
      { what: 'a minted login token for the new agent' },
    );
    expect(setup.websocketHost).toBe(sim.telnyx.websocketUrl.replace('127.0.0.1', 'localhost'));
    const credential = sim.telnyx.credentials.byToken(setup.loginToken);
    const row = await sim.server.database.prisma.agent.findUniqueOrThrow({ where: { id: createAgent.id } });
    expect(row.telnyxCredentialId).toBe(credential?.id);
    // Its generated SIP username (what calls dial), on the local account's credential connection.
    expect(credential?.sipUsername).toBe(row.telnyxSipUsername);
    expect(credential?.sipUsername).toMatch(/^gencred/);
    expect(credential?.connectionId).toBe(sim.telnyx.connectionId);
  });

  it('bad requests get a plain error, not a call', async () => {
    const post = (body: unknown) =>
      fetch(`${sim.server.url}/simulator/calls`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const noNumber = await post({ from: '+15551230000' });
    expect(noNumber.status).toBe(400);
    expect((await noNumber.json()).error).toMatch(/to:/);
    const unknown = await post({ to: '+19999999999' });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error).toMatch(/not a number of any company/);
    const badScript = await post({ to: number, script: 'agent quentin dances' });
    expect(badScript.status).toBe(400);
    expect((await badScript.json()).error).toMatch(/cannot read "agent quentin dances"/);
    const usage = await simulate(['--server', sim.server.url]);
    expect(usage.code).toBe(2);
  });
});

describe('npm run simulate against a server without a local Telnyx', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
    const { createCompany } = await server.admin(`mutation($i: CreateCompanyInput!) { createCompany(input: $i) { id } }`, {
      i: { name: 'No simulator', routing: { voicemailGreeting: 'Leave a message.' } },
    });
    await server.admin(`mutation($i: CreatePhoneNumberInput!) { createPhoneNumber(input: $i) { id } }`, {
      i: { companyId: createCompany.id, e164: '+13055550701' },
    });
  });
  afterAll(() => server.close());

  it("starts its own local Telnyx against the server's voice URL", async () => {
    // No control route: /simulator is not the local Telnyx's answer (a built web app may serve its page there).
    expect(await (await fetch(`${server.url}/simulator`)).text()).not.toContain('"simulator":"local Telnyx"');
    const run = await simulate(['--to', '+13055550701', '--server', server.url, '--message', '1']);
    expect(run.lines[0]).toMatch(/runs no local Telnyx/);
    expect(run.last).toMatchObject({ outcome: 'VOICEMAIL', errors: [] });
  }, 60_000);
});

/** The agent by its own SIP username or the one calls dial (its provisioned credential's). */
async function agentToken(sim: Simulation, sipUsername: string): Promise<string> {
  const agent = await sim.server.database.prisma.agent.findFirstOrThrow({
    where: { OR: [{ sipUsername }, { telnyxSipUsername: sipUsername }] },
  });
  const { issueAgentToken } = await sim.server.admin(`mutation($a: ID!) { issueAgentToken(agentId: $a) { token } }`, { a: agent.id });
  return issueAgentToken.token;
}
