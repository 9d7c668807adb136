/**
 * The core service end to end on a real server: CRM setup over GraphQL, agents heartbeating over
 * graphql-ws and HTTP, Telnyx webhooks answered with TeXML, supervisors watching live events. Whole
 * calls (hunting, voicemail, the language menu, fallbacks) are scenarios in call-scenarios.test.ts.
 * Runs on the embedded PGlite and on the real Postgres (127.0.0.1:5432).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/infra/db.js';
import { freshPostgres, postgresAvailable, startServer, subscribe, waitFor, type TestServer } from '../support/harness.js';

const TTL_MS = 1500;
const GRACE_MS = 400;
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => ['Sip', 'Number'].includes(name),
});

function parseTexml(body: string) {
  expect(body.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
  expect(XMLValidator.validate(body)).toBe(true);
  const doc = parser.parse(body);
  expect(Object.keys(doc).filter((k) => k !== '?xml')).toEqual(['Response']);
  return doc.Response;
}

const PRESENCE_SUB = `subscription($companyId: ID!) { presenceChanged(companyId: $companyId) { agentId online status cause snapshot at } }`;

async function engines(): Promise<{ name: string; open: () => Promise<{ database?: Database; cleanup: () => Promise<void> }> }[]> {
  const list = [{ name: 'PGlite (embedded)', open: async () => ({ cleanup: async () => {} }) }];
  if (await postgresAvailable()) {
    list.push({
      name: 'Postgres',
      open: async () => {
        const pgdb = await freshPostgres();
        const database = await openDatabase({ databaseUrl: pgdb.url, dataDir: 'memory://' });
        return { database, cleanup: async () => (await database.close(), await pgdb.drop()) };
      },
    });
  }
  return list;
}

describe.each(await engines())('core flow on $name', ({ open }) => {
  let server: TestServer;
  let cleanup: () => Promise<void>;
  let companyId: string;
  let otherCompanyId: string;
  const agents: Record<string, { id: string; token: string }> = {};
  let supervisorToken: string;
  let otherSupervisorToken: string;

  beforeAll(async () => {
    const opened = await open();
    cleanup = opened.cleanup;
    server = await startServer({
      database: opened.database,
      env: { PRESENCE_TTL_MS: String(TTL_MS), HEARTBEAT_INTERVAL_MS: '500', SOCKET_GRACE_MS: String(GRACE_MS) },
    });
    const created = await server.admin(
      `mutation($input: CreateCompanyInput!) { createCompany(input: $input) { id routing { ringTimeoutSeconds fallbackKind } } }`,
      { input: { name: 'Acme & Sons <Support>', timeZone: 'America/New_York', routing: { ringTimeoutSeconds: 15 } } },
    );
    companyId = created.createCompany.id;
    expect(created.createCompany.routing).toEqual({ ringTimeoutSeconds: 15, fallbackKind: 'VOICEMAIL' });
    otherCompanyId = (await server.admin(`mutation { createCompany(input: { name: "Other Co" }) { id } }`)).createCompany.id;
    await server.admin(`mutation($c: ID!) { createPhoneNumber(input: { companyId: $c, e164: "+1 305 555 0142" }) { e164 } }`, {
      c: companyId,
    });
    for (const [key, name, sip] of [
      ['ana', 'Ana <García>', 'ana.acme'],
      ['ben', 'Ben "B" & Co', 'ben.acme'],
    ] as const) {
      const { createAgent } = await server.admin(`mutation($input: CreateAgentInput!) { createAgent(input: $input) { id } }`, {
        input: { companyId, displayName: name, sipUsername: sip },
      });
      const { issueAgentToken } = await server.admin(`mutation($id: ID!) { issueAgentToken(agentId: $id) { token expiresAt } }`, {
        id: createAgent.id,
      });
      agents[key] = { id: createAgent.id, token: issueAgentToken.token };
    }
    const otherAgent = await server.admin(
      `mutation($c: ID!) { createAgent(input: { companyId: $c, displayName: "Olga", sipUsername: "olga.other" }) { id } }`,
      { c: otherCompanyId },
    );
    agents.olga = {
      id: otherAgent.createAgent.id,
      token: (await server.admin(`mutation($id: ID!) { issueAgentToken(agentId: $id) { token } }`, { id: otherAgent.createAgent.id }))
        .issueAgentToken.token,
    };
    supervisorToken = (await server.admin(`mutation($c: ID!) { issueSupervisorToken(companyId: $c) { token } }`, { c: companyId }))
      .issueSupervisorToken.token;
    otherSupervisorToken = (
      await server.admin(`mutation($c: ID!) { issueSupervisorToken(companyId: $c) { token } }`, { c: otherCompanyId })
    ).issueSupervisorToken.token;
  });

  afterAll(async () => {
    await server?.close();
    await cleanup?.();
  });

  const heartbeatHttp = (token: string, sipRegistered = true) =>
    server.gql(
      `mutation($i: HeartbeatInput!) { heartbeat(input: $i) { nextHeartbeatInMs leaseExpiresAt presence { online agentId } } }`,
      { i: { sipRegistered } },
      token,
    );

  it('without webhook signatures the voice route also answers a GET (signed, it refuses one: call-scenarios.test.ts)', async () => {
    const res = await server.webhook('/telnyx/voice', { From: '+15551230000', To: '+13055550142', CallSid: 'v3:c3' }, { method: 'GET' });
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^application\/xml/);
    const r = parseTexml(res.body);
    expect(r.Dial).toBeUndefined();
    expect(r.Record.action).toBe(`${server.url}/telnyx/voicemail/${companyId}`);
  });

  it('rings the group, then the one agent left when a lease expires, with the offline event on time', async () => {
    const supervisor = server.ws(supervisorToken);
    const events = subscribe(supervisor, PRESENCE_SUB, { companyId });
    // The snapshot comes first: both agents, offline.
    await events.next((e) => e.presenceChanged.snapshot && e.presenceChanged.agentId === agents.ben!.id);
    expect(events.events.filter((e) => e.presenceChanged.snapshot).map((e) => e.presenceChanged.online)).toEqual([false, false]);

    // Ana heartbeats over graphql-ws (her socket also counts for presence); Ben over HTTP.
    const anaWs = server.ws(agents.ana!.token);
    const anaBeat = async () => {
      const result = await new Promise<any>((resolve, reject) => {
        let value: any;
        anaWs.subscribe(
          { query: `mutation { heartbeat(input: { sipRegistered: true, callState: "idle" }) { presence { online } nextHeartbeatInMs } }` },
          {
            next: (v) => (value = v),
            error: reject,
            complete: () => resolve(value),
          },
        );
      });
      expect(result.errors).toBeUndefined();
      return result.data.heartbeat;
    };
    expect(await anaBeat()).toEqual({ presence: { online: true }, nextHeartbeatInMs: 500 });
    // Taken before Ben's last heartbeat is sent: his lease starts no earlier, whatever the machine's load.
    const benLastBeat = Date.now();
    const ben = await heartbeatHttp(agents.ben!.token);
    expect(ben.errors).toBeUndefined();
    expect(ben.data.heartbeat.presence).toEqual({ online: true, agentId: agents.ben!.id });
    await events.next((e) => !e.presenceChanged.snapshot && e.presenceChanged.agentId === agents.ben!.id && e.presenceChanged.online);

    const group = parseTexml(
      (await server.webhook(`/telnyx/voice/${companyId}`, { From: '+15551230000', To: '+13055550142', CallSid: 'v3:g' })).body,
    );
    expect(group.Dial.Sip.map((s: any) => s['#text'] ?? s)).toEqual(['sip:ana.acme@sip.telnyx.com', 'sip:ben.acme@sip.telnyx.com']);
    expect(group.Dial).toMatchObject({
      action: `${server.url}/telnyx/dial-complete/${companyId}`,
      timeout: '15',
      ringTone: 'us',
      answerOnBridge: 'true',
    });
    expect(group.Say).toBeUndefined(); // nothing after a <Dial action>
    expect(group.Record).toBeUndefined();

    // Ben stops; Ana keeps heartbeating. Ben's offline event must arrive within TTL + 1 s.
    const keepAna = setInterval(() => void anaBeat().catch(() => {}), 400);
    try {
      const offline = await events.next(
        (e) => !e.presenceChanged.snapshot && e.presenceChanged.agentId === agents.ben!.id && !e.presenceChanged.online,
        TTL_MS + 3000,
      );
      const delay = Date.now() - benLastBeat;
      expect(offline.presenceChanged.cause).toBe('LEASE_EXPIRED');
      expect(delay).toBeGreaterThanOrEqual(TTL_MS - 50);
      expect(delay).toBeLessThanOrEqual(TTL_MS + 1000);

      const single = parseTexml(
        (await server.webhook(`/telnyx/voice/${companyId}`, { From: '+15551230000', To: '+13055550142', CallSid: 'v3:s' })).body,
      );
      expect(single.Dial.Sip.map((s: any) => s['#text'] ?? s)).toEqual(['sip:ana.acme@sip.telnyx.com']);
    } finally {
      clearInterval(keepAna);
    }

    // Ana closes her softphone: offline after the socket grace, long before her lease would end.
    const closedAt = Date.now();
    await anaWs.dispose();
    const gone = await events.next(
      (e) => !e.presenceChanged.snapshot && e.presenceChanged.agentId === agents.ana!.id && !e.presenceChanged.online,
      3000,
    );
    expect(gone.presenceChanged.cause).toBe('SOCKET_CLOSED');
    expect(Date.now() - closedAt).toBeLessThan(GRACE_MS + 600);
    // Exactly one offline event per transition.
    expect(
      events.events.filter((e) => !e.presenceChanged.snapshot && e.presenceChanged.agentId === agents.ben!.id && !e.presenceChanged.online),
    ).toHaveLength(1);
    events.unsubscribe();
  });

  it('refuses cross-company access and lets agents heartbeat only as themselves', async () => {
    const denied = async (query: string, variables: Record<string, unknown>, token: string) => {
      const res = await server.gql(query, variables, token);
      expect(res.errors?.[0]?.message, query).toMatch(/not authorized|forbidden/i);
      expect(res.data?.[Object.keys(res.data ?? {})[0] ?? ''] ?? null).toBeNull();
    };
    const b = otherCompanyId;
    await denied(`query($c: ID!) { presence(companyId: $c) { agentId } }`, { c: b }, supervisorToken);
    await denied(`query($c: ID!) { routePreview(companyId: $c) { decision } }`, { c: b }, supervisorToken);
    await denied(`query($c: ID!) { voicemails(companyId: $c) { id } }`, { c: b }, supervisorToken);
    await denied(`query($c: ID!) { company(id: $c) { name } }`, { c: b }, supervisorToken);
    await denied(`query($c: ID!) { agents(companyId: $c) { id } }`, { c: b }, supervisorToken);
    await denied(
      `mutation($c: ID!) { updateRoutingConfig(companyId: $c, input: { ringTimeoutSeconds: 30 }) { ringTimeoutSeconds } }`,
      { c: b },
      supervisorToken,
    );
    await denied(
      `mutation($c: ID!) { createAgent(input: { companyId: $c, displayName: "X", sipUsername: "x.intruder" }) { id } }`,
      { c: b },
      supervisorToken,
    );
    await denied(`mutation($a: ID!) { issueAgentToken(agentId: $a) { token } }`, { a: agents.olga!.id }, supervisorToken);
    await denied(`mutation($a: ID!) { updateAgent(id: $a, input: { enabled: false }) { id } }`, { a: agents.olga!.id }, supervisorToken);
    await denied(
      `mutation($a: ID!) { setAgentStatus(input: { agentId: $a, status: ON_BREAK }) { status } }`,
      { a: agents.olga!.id },
      supervisorToken,
    );
    await denied(
      `mutation($a: ID!) { setAgentStatus(input: { agentId: $a, status: ON_BREAK }) { status } }`,
      { a: agents.ben!.id },
      agents.ana!.token,
    );
    await denied(`query($c: ID!) { presence(companyId: $c) { agentId } }`, { c: companyId }, agents.ana!.token);
    await denied(`mutation { createCompany(input: { name: "Nope" }) { id } }`, {}, supervisorToken);
    await denied(`mutation($c: ID!) { issueSupervisorToken(companyId: $c) { token } }`, { c: companyId }, supervisorToken);
    // Supervisors cannot heartbeat; an agent's heartbeat is always its own.
    await denied(`mutation { heartbeat(input: { sipRegistered: true }) { nextHeartbeatInMs } }`, {}, supervisorToken);
    const own = await heartbeatHttp(agents.olga!.token);
    expect(own.data.heartbeat.presence.agentId).toBe(agents.olga!.id);
    // Anonymous callers get nothing; a forged token is rejected outright.
    await denied(`query($c: ID!) { presence(companyId: $c) { agentId } }`, { c: companyId }, '');
    const forged = await server.gql(`{ viewer { role } }`, {}, `${supervisorToken.slice(0, -4)}AAAA`);
    expect(forged.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    // Subscriptions: another company's events are refused, over graphql-ws.
    const sub = subscribe(server.ws(supervisorToken), PRESENCE_SUB, { companyId: b });
    await waitFor(
      () => sub.errors.length,
      (n) => n > 0,
      { what: 'the refusal of the subscription' },
    ); // refused: it ends there
    expect(sub.events.some((e) => e?.presenceChanged)).toBe(false);
    expect(JSON.stringify(sub.errors)).toMatch(/not authorized/i);
    // A socket without credentials is closed with 4403.
    const anonymous = server.ws('');
    const closed = await new Promise<number>((resolve) => anonymous.on('closed', (e: any) => resolve(e.code)));
    expect(closed).toBe(4403);
  });

  it('shows status changes live and skips paused agents with the reason', async () => {
    const events = subscribe(server.ws(supervisorToken), PRESENCE_SUB, { companyId });
    await events.next((e) => e.presenceChanged.snapshot);
    await heartbeatHttp(agents.ben!.token);
    const paused = await server.gql(
      `mutation { setAgentStatus(input: { status: ON_BREAK, reason: "lunch" }) { status statusReason online } }`,
      {},
      agents.ben!.token,
    );
    expect(paused.data.setAgentStatus).toEqual({ status: 'ON_BREAK', statusReason: 'lunch', online: true });
    const ev = await events.next((e) => e.presenceChanged.cause === 'STATUS');
    expect(ev.presenceChanged).toMatchObject({ agentId: agents.ben!.id, status: 'ON_BREAK' });
    const preview = await server.gql(
      `query($c: ID!) { routePreview(companyId: $c) { decision fallback skipped { agent { agentId } reason detail } } }`,
      { c: companyId },
      supervisorToken,
    );
    expect(preview.data.routePreview.decision).toBe('FALLBACK');
    expect(preview.data.routePreview.skipped).toContainEqual({
      agent: { agentId: agents.ben!.id },
      reason: 'ON_BREAK',
      detail: 'on break: lunch',
    });
    // A supervisor puts Ben back: he rings again.
    await server.gql(
      `mutation($a: ID!) { setAgentStatus(input: { agentId: $a, status: AVAILABLE }) { status } }`,
      { a: agents.ben!.id },
      supervisorToken,
    );
    const r = parseTexml((await server.webhook(`/telnyx/voice/${companyId}`, { To: '+13055550142' })).body);
    expect(r.Dial.Sip.map((s: any) => s['#text'] ?? s)).toEqual(['sip:ben.acme@sip.telnyx.com']);
    events.unsubscribe();
  });

  it('rejects bad input with clear errors and changes nothing', async () => {
    const bad = await server.gql(
      `mutation($c: ID!) { updateRoutingConfig(companyId: $c, input: { ringTimeoutSeconds: 200, fallbackNumber: "12345" }) { ringTimeoutSeconds } }`,
      { c: companyId },
      supervisorToken,
    );
    expect(bad.errors?.[0]?.message).toMatch(/ringTimeoutSeconds.*120/);
    const badNumber = await server.gql(
      `mutation($c: ID!) { updateRoutingConfig(companyId: $c, input: { fallbackNumber: "12345" }) { fallbackNumber } }`,
      { c: companyId },
      supervisorToken,
    );
    expect(badNumber.errors?.[0]?.message).toMatch(/fallbackNumber.*E\.164/);
    // Other Co never had a fallback number, so NUMBER alone is incomplete.
    const needsNumber = await server.gql(
      `mutation($c: ID!) { updateRoutingConfig(companyId: $c, input: { fallbackKind: NUMBER }) { fallbackKind } }`,
      { c: otherCompanyId },
      otherSupervisorToken,
    );
    expect(needsNumber.errors?.[0]?.message).toMatch(/fallbackNumber is required/);
    const dupSip = await server.gql(
      `mutation($c: ID!) { createAgent(input: { companyId: $c, displayName: "Dup", sipUsername: "ana.acme" }) { id } }`,
      { c: companyId },
      supervisorToken,
    );
    expect(dupSip.errors?.[0]?.message).toBe('Validation error: input.sipUsername: this SIP username is not available; choose another');
    const badTz = await server.gql(
      `mutation { createCompany(input: { name: "T", timeZone: "Mars/Olympus" }) { id } }`,
      {},
      'test-admin-key-0123456789',
    );
    expect(badTz.errors?.[0]?.message).toMatch(/IANA/);
    const cfg = await server.gql(
      `query($c: ID!) { company(id: $c) { routing { ringTimeoutSeconds fallbackKind } agents { sipUsername } } }`,
      { c: companyId },
      supervisorToken,
    );
    expect(cfg.data.company.routing).toEqual({ ringTimeoutSeconds: 15, fallbackKind: 'VOICEMAIL' });
    expect(cfg.data.company.agents.map((a: any) => a.sipUsername)).toEqual(['ana.acme', 'ben.acme']);
  });

  it('never answers Telnyx with an error: unknown company, unknown number, missing fields', async () => {
    for (const [path, params] of [
      ['/telnyx/voice/no-such-company', { To: '+13055550142' }],
      ['/telnyx/voice', {}],
      ['/telnyx/dial-complete/no-such-company', { DialCallStatus: 'busy' }],
      ['/telnyx/voicemail/no-such-company', { RecordingUrl: 'x', CallSid: 'y' }],
      [`/telnyx/voicemail/${companyId}`, {}],
    ] as const) {
      const res = await server.webhook(path, params);
      expect(res.status, path).toBe(200);
      const r = parseTexml(res.body);
      expect(r.Hangup, path).toBeDefined();
    }
    // A dial-complete without a status is treated as unanswered: the caller reaches voicemail.
    const noStatus = parseTexml((await server.webhook(`/telnyx/dial-complete/${companyId}`, {})).body);
    expect(noStatus.Record.action).toBe(`${server.url}/telnyx/voicemail/${companyId}`);
  });
});
