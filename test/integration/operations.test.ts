/**
 * Operations endpoints on a real server: /readyz follows the database, /metrics counts real
 * heartbeats, transitions, webhooks and subscriptions, and every HTTP request carries a request id
 * that is echoed back and appears in the log lines it caused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/infra/logger.js';
import { startServer, subscribe, type TestServer } from '../support/harness.js';

const HEARTBEAT = `mutation { heartbeat(input: { sipRegistered: true }) { nextHeartbeatInMs } }`;

/** A pino destination that keeps parsed log lines in memory. */
function capturedLogs() {
  const lines: Record<string, unknown>[] = [];
  return { lines, logger: createLogger('debug', {}, { write: (line: string) => void lines.push(JSON.parse(line)) }) };
}

async function setUpCompany(server: TestServer) {
  const { createCompany } = await server.admin(`mutation { createCompany(input: { name: "Ops" }) { id } }`);
  const companyId: string = createCompany.id;
  const { createAgent } = await server.admin(
    `mutation($c: ID!) { createAgent(input: { companyId: $c, displayName: "Ana", sipUsername: "ana.ops" }) { id } }`,
    { c: companyId },
  );
  const { issueAgentToken } = await server.admin(`mutation($a: ID!) { issueAgentToken(agentId: $a) { token } }`, { a: createAgent.id });
  const { issueSupervisorToken } = await server.admin(`mutation($c: ID!) { issueSupervisorToken(companyId: $c) { token } }`, {
    c: companyId,
  });
  return { companyId, agentToken: issueAgentToken.token as string, supervisorToken: issueSupervisorToken.token as string };
}

/** The value of one sample in Prometheus text format, 0 when the series does not exist yet. */
async function sample(server: TestServer, series: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('metrics and request ids', () => {
  let server: TestServer;
  const logs = capturedLogs();
  beforeAll(async () => {
    server = await startServer({ logger: logs.logger });
  });
  afterAll(async () => {
    await server.close();
  });

  it('counts heartbeats by transport, presence transitions, routing decisions, webhook latency and open subscriptions', async () => {
    const { companyId, agentToken, supervisorToken } = await setUpCompany(server);
    const supervisor = server.ws(supervisorToken);
    const board = subscribe(supervisor, `subscription($c: ID!) { presenceChanged(companyId: $c) { agentId online snapshot } }`, {
      c: companyId,
    });
    await board.next((e) => e.presenceChanged.snapshot);
    expect(await sample(server, 'curbe_active_subscriptions{transport="ws"}')).toBe(1);

    for (let i = 0; i < 3; i++) expect((await server.gql(HEARTBEAT, {}, agentToken)).errors).toBeUndefined();
    const agentSocket = server.ws(agentToken);
    const overWs = await new Promise((resolve, reject) => {
      agentSocket.subscribe({ query: HEARTBEAT }, { next: resolve, error: reject, complete: () => {} });
    });
    expect(overWs).toMatchObject({ data: { heartbeat: { nextHeartbeatInMs: expect.any(Number) } } });
    await board.next((e) => !e.presenceChanged.snapshot && e.presenceChanged.online);

    const ring = await server.webhook(`/telnyx/voice/${companyId}`, { To: '+13055550100', CallSid: 'ops-1' });
    expect(ring.body).toContain('<Sip');
    await server.webhook('/telnyx/voice/no-such-company', { CallSid: 'ops-2' });
    // The dial's end counts as what it led to; a status callback is bookkeeping, not a routing decision.
    await server.webhook(`/telnyx/dial-complete/${companyId}`, { CallSid: 'ops-1', DialCallStatus: 'completed' });
    await server.webhook(`/telnyx/status/${companyId}`, { CallSid: 'ops-1', CallStatus: 'completed' });

    expect(await sample(server, 'curbe_heartbeats_total{transport="http"}')).toBe(3);
    expect(await sample(server, 'curbe_heartbeats_total{transport="ws"}')).toBe(1);
    expect(await sample(server, 'curbe_presence_transitions_total{to="online",cause="heartbeat"}')).toBe(1);
    expect(await sample(server, 'curbe_routing_decisions_total{outcome="ring"}')).toBe(1);
    expect(await sample(server, 'curbe_routing_decisions_total{outcome="unrouted"}')).toBe(1);
    expect(await sample(server, 'curbe_routing_decisions_total{outcome="answered"}')).toBe(1);
    expect(await sample(server, 'curbe_webhook_duration_seconds_count{route="status",status="200"}')).toBe(1);
    const routed = logs.lines.filter((l) => l.msg === 'telnyx webhook' && l.callSid === 'ops-1').map((l) => [l.route, l.outcome]);
    expect(routed).toEqual([
      ['voice', 'ring:1'],
      ['dial-complete', 'dial-agents-completed → answered'],
      ['status', 'call-ended'],
    ]);
    expect(await sample(server, 'curbe_webhook_duration_seconds_count{route="voice",status="200"}')).toBe(2);

    board.unsubscribe();
    await expect.poll(() => sample(server, 'curbe_active_subscriptions{transport="ws"}')).toBe(0);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).not.toContain(companyId); // no tenant ids in labels
  });

  it("echoes the caller's X-Request-Id and logs the webhook and GraphQL lines with it", async () => {
    const webhook = await fetch(`${server.url}/telnyx/voice/unknown-co`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-request-id': 'call-trace-42' },
      body: 'CallSid=trace',
    });
    expect(webhook.headers.get('x-request-id')).toBe('call-trace-42');
    expect(logs.lines.find((l) => l.requestId === 'call-trace-42')).toMatchObject({
      msg: 'telnyx webhook: unknown company',
      route: 'voice',
    });
    // The webhook route writes the id itself (HttpRoute.writesRequestId): on an unknown route's answer
    // too, once only, and a fresh one when the caller sent none.
    const unknownRoute = await fetch(`${server.url}/telnyx/nowhere`, { method: 'POST', headers: { 'x-request-id': 'call-trace-43' } });
    expect([unknownRoute.status, unknownRoute.headers.get('x-request-id')]).toEqual([404, 'call-trace-43']);
    const fresh = await fetch(`${server.url}/telnyx/voice/unknown-co`, { method: 'POST', body: 'CallSid=trace-2' });
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    const graphql = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'gql-trace-7', authorization: 'Bearer not-a-token' },
      body: JSON.stringify({ query: HEARTBEAT }),
    });
    expect(graphql.headers.get('x-request-id')).toBe('gql-trace-7');
    const admin = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'gql-trace-8', authorization: `Bearer test-admin-key-0123456789` },
      body: JSON.stringify({ query: HEARTBEAT }),
    });
    expect(admin.headers.get('x-request-id')).toBe('gql-trace-8');
    expect(logs.lines.find((l) => l.requestId === 'gql-trace-8')).toMatchObject({ msg: 'graphql operation failed', transport: 'http' });
  });

  it('generates a request id when the caller sends none or one unsafe to log', async () => {
    const none = await fetch(`${server.url}/healthz`);
    expect(none.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const unsafe = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'a b"c' } });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('/readyz', () => {
  it('is ready while the database answers and 503 with the reason once it stops', async () => {
    const server = await startServer();
    try {
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', checks: [{ name: 'database', ok: true }] });

      await server.database.close(); // the embedded PGlite stops answering
      const down = await fetch(`${server.url}/readyz`);
      expect(down.status).toBe(503);
      expect(down.headers.get('content-type')).toBe('application/json');
      const body = (await down.json()) as { status: string; reason: string; checks: { name: string; ok: boolean }[] };
      expect(body.status).toBe('not ready');
      expect(body.reason).toMatch(/^database: /);
      expect(body.checks).toEqual([expect.objectContaining({ name: 'database', ok: false })]);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200); // alive, just not ready
    } finally {
      await server.app.stop();
    }
  });

  it('includes the checks other modules register, and reports not ready during shutdown', async () => {
    const server = await startServer();
    let redisUp = false;
    server.app.readiness.register('redis', () => {
      if (!redisUp) throw new Error('redis connecting');
    });
    try {
      const waiting = await fetch(`${server.url}/readyz`);
      expect(waiting.status).toBe(503);
      expect(await waiting.json()).toMatchObject({ reason: 'redis: redis connecting' });
      redisUp = true;
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      server.app.readiness.drain();
      const draining = await fetch(`${server.url}/readyz`);
      expect(draining.status).toBe(503);
      expect(await draining.json()).toMatchObject({ reason: 'shutting down' });
    } finally {
      await server.close();
    }
  });
});
