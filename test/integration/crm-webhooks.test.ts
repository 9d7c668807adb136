/**
 * CRM webhooks end to end (README §CRM events) against a real receiver (node:http) and a real
 * service on a ManualClock: the signature verifies with the README's recipe; retries after a 500
 * and after a timeout follow the backoff; one agent's events arrive in order, a failing one holding
 * back only its own subject; the idempotency key stays the same across retries and replays; secret
 * rotation signs with both secrets for the grace period; a restart (the same database, a new
 * service) delivers what was pending and what was still in memory; private targets are refused when
 * the endpoint is created and when DNS answers otherwise at delivery (rebinding); on Postgres two
 * dispatchers never send one delivery twice.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { openDatabase } from '../../src/infra/db.js';
import { createLogger } from '../../src/infra/logger.js';
import { postWebhook } from '../../src/infra/webhook-http.js';
import { WebhookDispatcher } from '../../src/services/webhook-dispatcher.js';
import { WebhookEndpoints } from '../../src/services/webhook-endpoints.js';
import { ADMIN_KEY, freshPostgres, postgresAvailable, startServer, waitFor, type TestServer } from '../support/harness.js';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../support/webhook-receiver.js';

const ENV = { WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_TIMEOUT_MS: '300' };

/** README §CRM events, "Verifying a delivery", as a receiver would write it. */
function verifyCurbeSignature(header: string, rawBody: string, secret: string, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  const parts = header.split(',');
  const t = parts.find((p) => p.startsWith('t='))?.slice(2);
  if (!t || Math.abs(nowSeconds - Number(t)) > 300) return false; // too old: a replayed request
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  return parts
    .filter((p) => p.startsWith('v1='))
    .some((p) => {
      const given = Buffer.from(p.slice(3), 'hex');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}

const signatureOf = (w: ReceivedWebhook) => String(w.headers['curbe-signature']);
const timestampOf = (w: ReceivedWebhook) => Number(/t=(\d+)/.exec(signatureOf(w))![1]);

const ENDPOINT_FIELDS = 'id companyId url events enabled description previousSecretExpiresAt';
const DELIVERY_FIELDS =
  'id endpointId eventId eventType status payload attemptCount nextAttemptAt lastAttemptAt lastStatusCode lastError lastDurationMs deliveredAt replayOf attempts { at statusCode durationMs error }';

interface World {
  server: TestServer;
  clock: ManualClock;
  receiver: WebhookReceiver;
  companyId: string;
  agentId: string;
  endpointId: string;
  secret: string;
}

async function setUp(server: TestServer, receiver: WebhookReceiver, events: string[]) {
  const { createCompany } = await server.admin(
    `mutation { createCompany(input: { name: "Webhook Co", timeZone: "America/New_York" }) { id } }`,
  );
  const { createAgent } = await server.admin(
    `mutation($c: ID!) { createAgent(input: { companyId: $c, displayName: "Ana Hook", sipUsername: "ana.hook" }) { id } }`,
    { c: createCompany.id },
  );
  const { createWebhookEndpoint } = await server.admin(
    `mutation($c: ID!, $u: String!, $e: [WebhookEventType!]!) {
      createWebhookEndpoint(input: { companyId: $c, url: $u, events: $e, description: "the CRM" }) { secret endpoint { ${ENDPOINT_FIELDS} } }
    }`,
    { c: createCompany.id, u: receiver.url, e: events },
  );
  return {
    companyId: createCompany.id as string,
    agentId: createAgent.id as string,
    endpointId: createWebhookEndpoint.endpoint.id as string,
    secret: createWebhookEndpoint.secret as string,
    endpoint: createWebhookEndpoint.endpoint,
  };
}

const setStatus = (w: World, status: string, reason?: string) =>
  w.server.admin(
    `mutation($a: ID!, $s: AgentStatus!, $r: String) { setAgentStatus(input: { agentId: $a, status: $s, reason: $r }) { status } }`,
    {
      a: w.agentId,
      s: status,
      r: reason ?? null,
    },
  );

async function deliveries(w: Pick<World, 'server' | 'endpointId'>, status?: string): Promise<any[]> {
  const { webhookDeliveries } = await w.server.admin(
    `query($e: ID!, $s: WebhookDeliveryStatus) { webhookDeliveries(endpointId: $e, first: 200, status: $s) { ${DELIVERY_FIELDS} } }`,
    { e: w.endpointId, s: status ?? null },
  );
  return webhookDeliveries;
}

/** The events waiting in memory go to the outbox (the flush timer) and the dispatcher sends them. */
const flushEvents = (w: Pick<World, 'clock'>) => w.clock.advance(300);

/** Waits until the outbox row of `eventId` has had `attempts` attempts recorded. */
async function attemptsRecorded(w: World, eventId: string, attempts: number) {
  return waitFor(
    () => w.server.database.prisma.webhookDelivery.findFirst({ where: { eventId, replayOf: null } }),
    (row) => row !== null && row.attempts === attempts && row.leaseUntil === null,
    { what: `${attempts} attempts of ${eventId} recorded`, timeoutMs: 10_000 },
  );
}

describe('CRM webhooks: signed, retried, ordered, durable', () => {
  const w = {} as World;

  beforeAll(async () => {
    w.clock = new ManualClock(Date.now());
    w.receiver = await startWebhookReceiver();
    w.server = await startServer({ clock: w.clock, env: ENV });
    Object.assign(w, await setUp(w.server, w.receiver, ['AGENT_STATUS_CHANGED', 'VOICEMAIL_RECEIVED']));
  });

  afterAll(async () => {
    await w.receiver.close();
    await w.server.close();
  });

  it('the endpoint is listed without its secret; bad input names the field', async () => {
    const { webhookEndpoints } = await w.server.admin(`query($c: ID!) { webhookEndpoints(companyId: $c) { ${ENDPOINT_FIELDS} } }`, {
      c: w.companyId,
    });
    expect(webhookEndpoints).toEqual([
      {
        id: w.endpointId,
        companyId: w.companyId,
        url: w.receiver.url,
        events: ['AGENT_STATUS_CHANGED', 'VOICEMAIL_RECEIVED'],
        enabled: true,
        description: 'the CRM',
        previousSecretExpiresAt: null,
      },
    ]);
    expect(w.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(webhookEndpoints)).not.toContain(w.secret);
    const create = async (url: string, token: string | undefined) =>
      (
        await w.server.gql(
          `mutation($c: ID!, $u: String!) { createWebhookEndpoint(input: { companyId: $c, url: $u, events: [CALL_ENDED] }) { secret } }`,
          { c: w.companyId, u: url },
          token,
        )
      ).errors?.[0] ?? null;
    expect((await create('https://crm.example.com/h', undefined))?.extensions?.code).toBe('FORBIDDEN');
    expect((await create('ftp://crm.example.com/h', ADMIN_KEY))?.message).toBe('Validation error: url: must be an http(s) URL');
    const events = await w.server.gql(
      `mutation($e: ID!) { updateWebhookEndpoint(id: $e, input: { events: [] }) { id } }`,
      { e: w.endpointId },
      ADMIN_KEY,
    );
    expect(events.errors?.[0]?.message).toMatch(/events/);
    const grace = await w.server.gql(
      `mutation($e: ID!) { rotateWebhookSecret(id: $e, graceHours: 1000) { secret } }`,
      { e: w.endpointId },
      ADMIN_KEY,
    );
    expect(grace.errors?.[0]?.message).toMatch(/^Validation error: graceHours: /);
  });

  it('a delivery is signed (the README recipe verifies it), carries its event id and type, and is logged', async () => {
    await setStatus(w, 'ON_BREAK', 'Lunch');
    flushEvents(w);
    const [hit] = await w.receiver.waitForCount(1);
    expect(hit!.json).toMatchObject({
      type: 'agent.status_changed',
      companyId: w.companyId,
      data: { agentId: w.agentId, displayName: 'Ana Hook', status: 'ON_BREAK', reason: 'Lunch', online: false },
    });
    expect(hit!.json.id).toMatch(/^evt_/);
    expect(hit!.headers['curbe-event-id']).toBe(hit!.json.id);
    expect(hit!.headers['curbe-event-type']).toBe('agent.status_changed');
    expect(hit!.headers['content-type']).toBe('application/json');
    expect(signatureOf(hit!)).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(timestampOf(hit!)).toBe(Math.floor(w.clock.now() / 1000));
    expect(verifyCurbeSignature(signatureOf(hit!), hit!.body, w.secret, timestampOf(hit!))).toBe(true);
    // A changed body, another secret, or an old timestamp do not verify.
    expect(verifyCurbeSignature(signatureOf(hit!), hit!.body.replace('Lunch', 'Lunch!'), w.secret, timestampOf(hit!))).toBe(false);
    expect(verifyCurbeSignature(signatureOf(hit!), hit!.body, `${w.secret}x`, timestampOf(hit!))).toBe(false);
    expect(verifyCurbeSignature(signatureOf(hit!), hit!.body, w.secret, timestampOf(hit!) + 301)).toBe(false);

    const [row] = await waitFor(
      () => deliveries(w),
      (rows) => rows[0]?.status === 'DELIVERED',
    );
    expect(row).toMatchObject({
      eventId: hit!.json.id,
      eventType: 'AGENT_STATUS_CHANGED',
      status: 'DELIVERED',
      payload: hit!.body,
      attemptCount: 1,
      nextAttemptAt: null,
      lastStatusCode: 200,
      lastError: null,
      replayOf: null,
    });
    expect(row.lastDurationMs).toBeGreaterThanOrEqual(0);
    expect(row.attempts).toEqual([{ at: row.lastAttemptAt, statusCode: 200, durationMs: row.lastDurationMs, error: null }]);
  });

  it('retries after a 500 and after a timeout, with the backoff (10 s, then 20 s, ±10 %), keeping the event id', async () => {
    const before = w.receiver.received.length;
    w.receiver.script(500, 'hang', 200);
    await setStatus(w, 'AVAILABLE');
    flushEvents(w);
    const [first] = (await w.receiver.waitForCount(before + 1)).slice(before);
    const eventId = first!.json.id;
    const afterFirst = (await attemptsRecorded(w, eventId, 1))!;
    expect(afterFirst.status).toBe('PENDING');
    expect(afterFirst.lastStatusCode).toBe(500);
    expect(afterFirst.lastError).toBe('HTTP 500');
    const firstDelay = afterFirst.nextAttemptAt.getTime() - afterFirst.lastAttemptAt!.getTime();
    expect(firstDelay).toBeGreaterThanOrEqual(9_000);
    expect(firstDelay).toBeLessThanOrEqual(11_000);

    // Nothing before the delay is up…
    w.clock.advance(firstDelay - 1_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(w.receiver.received.length).toBe(before + 1);
    // …then the second attempt, which hangs until the timeout.
    w.clock.advance(1_000);
    await w.receiver.waitForCount(before + 2);
    const afterSecond = (await attemptsRecorded(w, eventId, 2))!;
    expect(afterSecond.lastStatusCode).toBeNull();
    expect(afterSecond.lastError).toBe('timeout after 300 ms');
    expect(afterSecond.lastDurationMs).toBeGreaterThanOrEqual(250);
    const secondDelay = afterSecond.nextAttemptAt.getTime() - afterSecond.lastAttemptAt!.getTime();
    expect(secondDelay).toBeGreaterThanOrEqual(18_000);
    expect(secondDelay).toBeLessThanOrEqual(22_000);

    w.clock.advance(secondDelay);
    const hits = (await w.receiver.waitForCount(before + 3)).slice(before);
    const done = (await attemptsRecorded(w, eventId, 3))!;
    expect(done.status).toBe('DELIVERED');
    expect(hits.map((h) => h.json.id)).toEqual([eventId, eventId, eventId]);
    expect(hits.map((h) => h.headers['curbe-event-id'])).toEqual([eventId, eventId, eventId]);
    // Each attempt is signed at its own time, each signature valid for the same body.
    expect(hits.map(timestampOf)).toEqual([...new Set(hits.map(timestampOf))]);
    for (const h of hits) expect(verifyCurbeSignature(signatureOf(h), h.body, w.secret, timestampOf(h))).toBe(true);
    const [row] = await deliveries(w);
    expect(row.attempts.map((a: { statusCode: number | null; error: string | null }) => [a.statusCode, a.error])).toEqual([
      [500, 'HTTP 500'],
      [null, 'timeout after 300 ms'],
      [200, null],
    ]);
  });

  it("one agent's events arrive in order; a failing one holds back only its own subject", async () => {
    const before = w.receiver.received.length;
    w.receiver.script(503);
    await setStatus(w, 'ON_BREAK', 'Training');
    await setStatus(w, 'AVAILABLE');
    await setStatus(w, 'ON_BREAK', 'Coffee');
    flushEvents(w);
    await w.receiver.waitForCount(before + 1);
    const blockedId = w.receiver.received[before]!.json.id;
    await attemptsRecorded(w, blockedId, 1);
    // A marker of another subject (a voicemail, its call) goes through while the agent's events wait.
    const vm = await w.server.webhook(`/telnyx/voicemail/${w.companyId}`, {
      CallSid: 'v3:webhook-order-marker',
      From: '+15550001234',
      To: '+15550009999',
      RecordingUrl: 'https://api.telnyx.com/v2/recordings/marker.mp3',
      RecordingDuration: '7',
      RecordingStatus: 'completed',
    });
    expect(vm.status).toBe(200);
    flushEvents(w);
    await w.receiver.waitForCount(before + 2);
    await new Promise((r) => setTimeout(r, 150));
    const marker = w.receiver.received[before + 1]!;
    expect(marker.json).toMatchObject({
      type: 'voicemail.received',
      data: {
        callSid: 'v3:webhook-order-marker',
        from: '+15550001234',
        recordingUrl: 'https://api.telnyx.com/v2/recordings/marker.mp3',
        durationSeconds: 7,
        transcription: null,
      },
    });
    expect(w.receiver.received.length).toBe(before + 2);

    w.clock.advance(11_000);
    const hits = (await w.receiver.waitForCount(before + 5)).slice(before);
    const statuses = hits.filter((h) => h.json.type === 'agent.status_changed').map((h) => [h.json.data.status, h.json.data.reason]);
    expect(statuses).toEqual([
      ['ON_BREAK', 'Training'], // the 503
      ['ON_BREAK', 'Training'], // its retry, first
      ['AVAILABLE', null],
      ['ON_BREAK', 'Coffee'],
    ]);
    expect(hits.filter((h) => h.json.id === blockedId)).toHaveLength(2); // the 503 and its retry
  });

  it('replay sends the same event again as a new delivery', async () => {
    const [delivered] = await deliveries(w, 'DELIVERED');
    const before = w.receiver.received.length;
    const { replayWebhookDelivery } = await w.server.admin(`mutation($d: ID!) { replayWebhookDelivery(id: $d) { ${DELIVERY_FIELDS} } }`, {
      d: delivered.id,
    });
    // Pending when the mutation answers (it may be in flight already).
    expect(replayWebhookDelivery).toMatchObject({
      eventId: delivered.eventId,
      replayOf: delivered.id,
      status: 'PENDING',
      deliveredAt: null,
    });
    const [again] = (await w.receiver.waitForCount(before + 1)).slice(before);
    expect(again!.json.id).toBe(delivered.eventId);
    expect(again!.body).toBe(delivered.payload);
    await waitFor(
      () => deliveries(w),
      (rows) => rows.find((r) => r.id === replayWebhookDelivery.id)?.status === 'DELIVERED',
    );
    const missing = await w.server.gql(`mutation { replayWebhookDelivery(id: "nope") { id } }`, {}, undefined);
    expect(missing.errors?.[0]?.extensions?.code).toMatch(/NOT_FOUND|FORBIDDEN/);
  });

  it('rotation: both secrets sign during the grace period, then only the new one', async () => {
    const { rotateWebhookSecret } = await w.server.admin(
      `mutation($e: ID!) { rotateWebhookSecret(id: $e, graceHours: 1) { secret endpoint { id previousSecretExpiresAt } } }`,
      { e: w.endpointId },
    );
    const fresh = rotateWebhookSecret.secret as string;
    expect(fresh).not.toBe(w.secret);
    expect(new Date(rotateWebhookSecret.endpoint.previousSecretExpiresAt).getTime()).toBe(w.clock.now() + 3_600_000);
    const before = w.receiver.received.length;
    await setStatus(w, 'AVAILABLE');
    flushEvents(w);
    const [during] = (await w.receiver.waitForCount(before + 1)).slice(before);
    expect(signatureOf(during!)).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(verifyCurbeSignature(signatureOf(during!), during!.body, fresh, timestampOf(during!))).toBe(true);
    expect(verifyCurbeSignature(signatureOf(during!), during!.body, w.secret, timestampOf(during!))).toBe(true);
    // Recorded before the hour passes (an attempt still in flight an hour later would have lost its lease).
    await attemptsRecorded(w, during!.json.id, 1);

    w.clock.advance(3_600_000);
    await setStatus(w, 'ON_BREAK', 'Late');
    flushEvents(w);
    const [after] = (await w.receiver.waitForCount(before + 2)).slice(before + 1);
    expect(signatureOf(after!)).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyCurbeSignature(signatureOf(after!), after!.body, fresh, timestampOf(after!))).toBe(true);
    expect(verifyCurbeSignature(signatureOf(after!), after!.body, w.secret, timestampOf(after!))).toBe(false);
    w.secret = fresh;
  });

  it('a disabled endpoint gets nothing new; updates validate their fields', async () => {
    const { updateWebhookEndpoint } = await w.server.admin(
      `mutation($e: ID!) { updateWebhookEndpoint(id: $e, input: { enabled: false, events: [AGENT_STATUS_CHANGED] }) { enabled events } }`,
      { e: w.endpointId },
    );
    expect(updateWebhookEndpoint).toEqual({ enabled: false, events: ['AGENT_STATUS_CHANGED'] });
    const rows = await w.server.database.prisma.webhookDelivery.count({ where: { endpointId: w.endpointId } });
    await setStatus(w, 'AVAILABLE');
    await w.server.app.services.webhooks.events.flush();
    expect(await w.server.database.prisma.webhookDelivery.count({ where: { endpointId: w.endpointId } })).toBe(rows);
    await w.server.admin(`mutation($e: ID!) { updateWebhookEndpoint(id: $e, input: { enabled: true }) { enabled } }`, { e: w.endpointId });
  });

  it('the audit trail records each change and replay, secrets redacted', async () => {
    const { auditEvents } = await w.server.admin(
      `query($c: ID!) { auditEvents(companyId: $c, first: 100) { action actor targetIds changes detail } }`,
      { c: w.companyId },
    );
    const actions = auditEvents.map((e: { action: string }) => e.action).filter((a: string) => a.startsWith('webhook.'));
    expect(actions.sort()).toEqual(
      ['webhook.created', 'webhook.delivery_replayed', 'webhook.secret_rotated', 'webhook.updated', 'webhook.updated'].sort(),
    );
    const created = auditEvents.find((e: { action: string }) => e.action === 'webhook.created');
    expect(JSON.parse(created.targetIds)).toEqual({ webhookEndpointId: w.endpointId });
    expect(JSON.parse(created.changes)).toMatchObject({
      url: { before: null, after: w.receiver.url },
      secret: { before: '[redacted]', after: '[redacted]' },
    });
    const text = JSON.stringify(auditEvents);
    expect(text).not.toContain('whsec_');
  });
});

describe('CRM webhooks: private targets (SSRF)', () => {
  let server: TestServer;
  let companyId: string;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    server = await startServer({}); // WEBHOOKS_ALLOW_PRIVATE_NETWORKS left at its default: off
    const { createCompany } = await server.admin(`mutation { createCompany(input: { name: "SSRF Co" }) { id } }`);
    companyId = createCompany.id;
  });

  afterAll(async () => {
    await receiver.close();
    await server.close();
  });

  const create = async (url: string, events = ['CALL_ENDED']) => {
    const r = await server.gql(
      `mutation($c: ID!, $u: String!, $e: [WebhookEventType!]!) { createWebhookEndpoint(input: { companyId: $c, url: $u, events: $e }) { secret endpoint { id } } }`,
      { c: companyId, u: url, e: events },
      ADMIN_KEY,
    );
    return r.errors?.[0]?.message ?? 'created';
  };

  it.each([
    ['RECEIVER', /^Validation error: url: the host resolves to a loopback address \(127\.0\.0\.1\).*WEBHOOKS_ALLOW_PRIVATE_NETWORKS/],
    ['http://localhost:9/hook', /^Validation error: url: the host resolves to a loopback address/],
    ['http://169.254.169.254/latest/meta-data', /^Validation error: url: .*linkLocal address \(169\.254\.169\.254\)/],
    ['http://10.0.0.8/hook', /^Validation error: url: .*private address/],
    ['http://100.100.100.200/hook', /^Validation error: url: .*carrierGradeNat/],
    ['http://[::1]:8080/hook', /^Validation error: url: .*loopback address \(::1\)/],
    ['http://[fd00:ec2::254]/hook', /^Validation error: url: .*uniqueLocal/],
    ['http://[::ffff:7f00:1]/hook', /^Validation error: url: .*loopback/],
    ['http://2130706433/hook', /^Validation error: url: .*loopback/],
    ['ftp://crm.example.com/hook', /^Validation error: url: must be an http\(s\) URL/],
    ['https://user:pw@crm.example.com/hook', /^Validation error: url: must not carry a user name or password/],
    ['not a url', /^Validation error: url: must be an absolute http\(s\) URL/],
  ])('refuses %s when the endpoint is created', async (url, message) => {
    expect(await create(url === 'RECEIVER' ? receiver.url : url)).toMatch(message);
    expect(await server.database.prisma.webhookEndpoint.count({ where: { companyId } })).toBe(0);
  });

  it('refuses an empty event list, naming the field', async () => {
    expect(await create('https://crm.example.com/hook', [])).toMatch(/events/);
  });

  it('at delivery, a name that now resolves to a private address (DNS rebinding) is refused and retried, never sent', async () => {
    const db = server.database.prisma;
    const clock = new ManualClock(Date.now());
    // Created while the name resolved to a public address…
    let answer = ['93.184.215.14'];
    const resolve = async (host: string) => (host === 'crm.rebind.test' ? answer : []);
    const endpoints = new WebhookEndpoints({ db, clock, allowPrivateNetworks: false, resolve });
    const port = new URL(receiver.url).port;
    const { endpoint } = await endpoints.create(companyId, { url: `http://crm.rebind.test:${port}/hooks/curbe`, events: ['call.ended'] });
    await db.webhookDelivery.create({
      data: {
        endpointId: endpoint.id,
        companyId,
        eventId: 'evt_rebind',
        eventType: 'call.ended',
        subject: 'v3:rebind',
        body: '{"id":"evt_rebind"}',
        nextAttemptAt: new Date(clock.now()),
        windowStartedAt: new Date(clock.now()),
        createdAt: new Date(clock.now()),
      },
    });
    // …it answers 127.0.0.1 (the receiver) when the delivery goes out.
    answer = ['127.0.0.1'];
    const dispatcher = new WebhookDispatcher({
      db,
      clock,
      logger: createLogger('silent'),
      timeoutMs: 1_000,
      post: (req) => postWebhook({ ...req, timeoutMs: 1_000, allowPrivate: false, resolve }),
    });
    dispatcher.start();
    const row = await waitFor(
      () => db.webhookDelivery.findFirst({ where: { eventId: 'evt_rebind' } }),
      (r) => r !== null && r.attempts === 1 && r.leaseUntil === null,
    );
    await dispatcher.stop();
    expect(row!.status).toBe('PENDING');
    expect(row!.lastStatusCode).toBeNull();
    expect(row!.lastError).toBe('refused: the host resolves to a loopback address (127.0.0.1); private networks are not allowed');
    expect(receiver.received).toEqual([]);
  });
});

describe('CRM webhooks: a restart delivers what was pending and what was still in memory', () => {
  it('stops one service and starts another on the same database', async () => {
    const receiver = await startWebhookReceiver();
    const clock = new ManualClock(Date.now());
    const first = await startServer({ clock, env: ENV });
    const ids = await setUp(first, receiver, ['AGENT_STATUS_CHANGED']);
    const w1 = { server: first, clock, receiver, ...ids } as World;
    receiver.script(500);
    await setStatus(w1, 'ON_BREAK', 'Before the restart');
    flushEvents(w1);
    await receiver.waitForCount(1);
    const pendingId = receiver.received[0]!.json.id;
    await attemptsRecorded(w1, pendingId, 1);
    // An event still in memory when the service stops: stop() writes it to the outbox.
    await setStatus(w1, 'AVAILABLE');
    await first.app.stop();
    expect(await first.database.prisma.webhookDelivery.count({ where: { status: 'PENDING' } })).toBe(2);

    const clock2 = new ManualClock(clock.now());
    const second = await startServer({ clock: clock2, env: ENV, database: first.database });
    try {
      clock2.advance(11_000);
      const hits = await receiver.waitForCount(3);
      expect(hits.map((h) => [h.json.data.status, h.json.data.reason])).toEqual([
        ['ON_BREAK', 'Before the restart'],
        ['ON_BREAK', 'Before the restart'],
        ['AVAILABLE', null],
      ]);
      expect(hits[1]!.json.id).toBe(pendingId);
      await waitFor(
        () => second.database.prisma.webhookDelivery.count({ where: { status: 'DELIVERED' } }),
        (n) => n === 2,
      );
    } finally {
      await second.close();
      await first.database.close();
      await receiver.close();
    }
  });
});

const hasPostgres = await postgresAvailable();

describe.runIf(hasPostgres)('CRM webhooks on Postgres: two dispatchers, each delivery sent once', () => {
  it('claims with an atomic lease: 60 deliveries, two workers, 60 requests', async () => {
    const pg = await freshPostgres();
    const receiver = await startWebhookReceiver();
    const database = await openDatabase({ databaseUrl: pg.url, dataDir: 'memory://', databasePoolMax: 10 });
    try {
      await database.migrate();
      const db = database.prisma;
      const clock = new ManualClock(Date.now());
      const company = await db.company.create({ data: { name: 'Two workers' } });
      const endpoint = await db.webhookEndpoint.create({
        data: { companyId: company.id, url: receiver.url, events: ['call.ended'], secret: 'whsec_test' },
      });
      const at = new Date(clock.now());
      await db.webhookDelivery.createMany({
        data: Array.from({ length: 60 }, (_, i) => ({
          endpointId: endpoint.id,
          companyId: company.id,
          eventId: `evt_${i}`,
          eventType: 'call.ended',
          subject: `call-${i}`,
          body: JSON.stringify({ id: `evt_${i}` }),
          nextAttemptAt: at,
          windowStartedAt: at,
          createdAt: at,
        })),
      });
      const workers = [0, 1].map(
        () =>
          new WebhookDispatcher({
            db,
            clock,
            logger: createLogger('silent'),
            timeoutMs: 2_000,
            perEndpoint: 8,
            post: (req) => postWebhook({ ...req, timeoutMs: 2_000, allowPrivate: true, resolve: async () => ['127.0.0.1'] }),
          }),
      );
      for (const worker of workers) worker.start();
      await waitFor(
        () => db.webhookDelivery.count({ where: { status: 'DELIVERED' } }),
        (n) => n === 60,
        { timeoutMs: 15_000 },
      );
      await Promise.all(workers.map((worker) => worker.stop()));
      const ids = receiver.received.map((r) => r.json.id);
      expect(ids).toHaveLength(60);
      expect(new Set(ids).size).toBe(60);
      expect(await db.webhookDelivery.aggregate({ _max: { attempts: true } })).toEqual({ _max: { attempts: 1 } });
    } finally {
      await receiver.close();
      await database.close();
      await pg.drop();
    }
  });
});
