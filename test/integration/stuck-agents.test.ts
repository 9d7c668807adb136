/**
 * An agent is never stuck "on call" without a live call behind it: the inbound call's end frees every
 * agent on it (even if its leg's completed callback never comes), no leg event past
 * AGENT_CALL_MAX_SECONDS frees it on the sweep, and a supervisor can free it by hand (audited).
 */
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { createLogger } from '../../src/infra/logger.js';
import { startServer, subscribe, type TestServer } from '../support/harness.js';

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'Sip' });
const dialed = (body: string): string[] =>
  parser.parse(body).Response.Dial?.Sip?.map((s: any) => String(s['#text']).replace(/^sip:|@sip\.telnyx\.com$/g, '')) ?? [];
const PRESENCE = `subscription($c: ID!) { presenceChanged(companyId: $c) { cause snapshot at presence { agentId activeCalls } } }`;

async function company(server: TestServer, name: string) {
  const { createCompany } = await server.admin(
    `mutation { createCompany(input: { name: "Stuck", routing: { allowUnregisteredSoftphones: true, mode: RING_ALL } }) { id } }`,
  );
  const companyId: string = createCompany.id;
  const sip = `${name}.${companyId.slice(-6)}`;
  const { createAgent } = await server.admin(
    `mutation($c: ID!, $s: String!) { createAgent(input: { companyId: $c, displayName: "A", sipUsername: $s }) { id } }`,
    { c: companyId, s: sip },
  );
  const { issueAgentToken } = await server.admin(`mutation($a: ID!) { issueAgentToken(agentId: $a) { token } }`, { a: createAgent.id });
  await server.gql(`mutation { heartbeat(input: { sipRegistered: true }) { nextHeartbeatInMs } }`, {}, issueAgentToken.token);
  const { issueSupervisorToken } = await server.admin(`mutation($c: ID!) { issueSupervisorToken(companyId: $c) { token } }`, {
    c: companyId,
  });
  const supervisor: string = issueSupervisorToken.token;
  const board = subscribe(server.ws(supervisor), PRESENCE, { c: companyId });
  await board.next((e) => e.presenceChanged.snapshot);
  return { companyId, agentId: createAgent.id as string, sip, supervisor, board };
}

/** A call the agent answers; its leg's completed callback never comes. */
async function answeredCall(server: TestServer, co: Awaited<ReturnType<typeof company>>, callSid: string) {
  expect(dialed((await server.webhook(`/telnyx/voice/${co.companyId}`, { CallSid: callSid, To: '+13055550100' })).body)).toEqual([co.sip]);
  await server.webhook(`/telnyx/status/${co.companyId}`, {
    ParentCallSid: callSid,
    CallSid: `${callSid}-leg`,
    To: `sip:${co.sip}@sip.telnyx.com`,
    CallStatus: 'in-progress',
  });
  await co.board.next((e) => e.presenceChanged.cause === 'CALL' && e.presenceChanged.presence.activeCalls === 1);
  await server.webhook(`/telnyx/dial-complete/${co.companyId}`, { CallSid: callSid, DialCallStatus: 'completed' });
}

const freed = (e: any) => e.presenceChanged.cause === 'CALL' && e.presenceChanged.presence.activeCalls === 0;

describe('stuck "on call" states heal', () => {
  const lines: Record<string, any>[] = [];
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  beforeAll(async () => {
    const logger = createLogger('info', {}, { write: (line: string) => void lines.push(JSON.parse(line)) });
    server = await startServer({ env: { PRESENCE_TTL_MS: '600000', AGENT_CALL_MAX_SECONDS: '600' }, logger, clock });
  });
  afterAll(() => server.close());

  it("the inbound call's end frees its agent even when the leg's completed callback never arrives", async () => {
    const co = await company(server, 'ana');
    await answeredCall(server, co, 'stuck-1');
    // Telnyx's call-level status callback (no ParentCallSid): the call is over.
    await server.webhook(`/telnyx/status/${co.companyId}`, { CallSid: 'stuck-1', To: '+13055550100', CallStatus: 'completed' });
    await co.board.next(freed);
    expect(dialed((await server.webhook(`/telnyx/voice/${co.companyId}`, { CallSid: 'stuck-1-next', To: '+13055550100' })).body)).toEqual([
      co.sip,
    ]);
  });

  it('no leg event past AGENT_CALL_MAX_SECONDS: the sweep frees the agent', async () => {
    const co = await company(server, 'ben');
    const answeredAt = clock.now();
    await answeredCall(server, co, 'stuck-2'); // and nothing more: neither the leg nor the call's end
    clock.advance(630_000); // sweeps every 15 s: the first one past the bound frees the agent
    const event = await co.board.next(freed);
    expect(Date.parse(event.presenceChanged.at) - answeredAt).toBeGreaterThanOrEqual(600_000); // not before the bound
    expect(lines.some((l) => l.msg === 'freed agents on a call with no leg event past the bound' && l.agents === 1)).toBe(true);
  });

  it("a supervisor frees an agent of its company by hand (audited); another company's supervisor cannot", async () => {
    const co = await company(server, 'cy');
    const other = await company(server, 'dot');
    await answeredCall(server, co, 'stuck-3');
    const CLEAR = `mutation($a: ID!) { clearAgentCall(agentId: $a) { agentId activeCalls } }`;
    const refused = await server.gql(CLEAR, { a: co.agentId }, other.supervisor);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(lines.some((l) => l.audit === 'clear-agent-call')).toBe(false);
    const cleared = await server.gql(CLEAR, { a: co.agentId }, co.supervisor);
    expect(cleared.errors).toBeUndefined();
    expect(cleared.data.clearAgentCall).toEqual({ agentId: co.agentId, activeCalls: 0 });
    await co.board.next(freed);
    const audit = lines.find((l) => l.audit === 'clear-agent-call');
    expect(audit).toMatchObject({ by: 'supervisor', companyId: co.companyId, agentId: co.agentId, previous: { onCallSid: 'stuck-3' } });
    // (The company's configuration writes are in the trail too: only this action is looked at.)
    const byHand = { action: 'clear-agent-call' };
    const rows = await server.database.prisma.auditEvent.findMany({ where: { companyId: co.companyId, ...byHand } });
    expect(rows).toMatchObject([
      { actor: 'supervisor', action: 'clear-agent-call', agentId: co.agentId, detail: { previous: { onCallSid: 'stuck-3' } } },
    ]);
    expect(await server.database.prisma.auditEvent.count({ where: { companyId: other.companyId, ...byHand } })).toBe(0);
    expect(dialed((await server.webhook(`/telnyx/voice/${co.companyId}`, { CallSid: 'stuck-3-next', To: '+13055550100' })).body)).toEqual([
      co.sip,
    ]);
  });
});
