/**
 * Telnyx always gets valid TeXML, whatever the database does: closed, or so slow that a query would
 * outlast Telnyx's patience. And a heartbeat in steady state costs the database nothing.
 */
import pg from 'pg';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/infra/db.js';
import { freshPostgres, PG_URL, postgresAvailable, startServer, type TestServer } from '../support/harness.js';

function expectValidTexml(res: { status: number; body: string }) {
  expect(res.status).toBe(200);
  expect(res.body.startsWith('<?xml version="1.0" encoding="UTF-8"?><Response>')).toBe(true);
  expect(XMLValidator.validate(res.body)).toBe(true);
}

async function setUpCompany(server: TestServer, sipUsername = 'ana.faulty') {
  const { createCompany } = await server.admin(
    `mutation { createCompany(input: { name: "Faulty", routing: { allowUnregisteredSoftphones: true } }) { id } }`,
  );
  const companyId: string = createCompany.id;
  const { createAgent } = await server.admin(
    `mutation($c: ID!, $s: String!) { createAgent(input: { companyId: $c, displayName: "Ana", sipUsername: $s }) { id } }`,
    { c: companyId, s: sipUsername },
  );
  const { issueAgentToken } = await server.admin(`mutation($a: ID!) { issueAgentToken(agentId: $a) { token } }`, { a: createAgent.id });
  return { companyId, agentId: createAgent.id as string, agentToken: issueAgentToken.token as string };
}

describe('a database that stops answering (embedded PGlite closed)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.app.stop();
  });

  it('keeps routing known companies from the cache and answers everything else with valid TeXML', async () => {
    const { companyId, agentToken } = await setUpCompany(server);
    await server.gql(`mutation { heartbeat(input: { sipRegistered: false }) { nextHeartbeatInMs } }`, {}, agentToken);
    const before = await server.webhook(`/telnyx/voice/${companyId}`, { To: '+13055550100' });
    expect(before.body).toContain('>sip:ana.faulty@sip.telnyx.com</Sip>');

    await server.database.close();

    const cached = await server.webhook(`/telnyx/voice/${companyId}`, { To: '+13055550100', CallSid: 'during-outage' });
    expectValidTexml(cached);
    expect(cached.body).toContain('>sip:ana.faulty@sip.telnyx.com</Sip>');
    for (const [path, params] of [
      ['/telnyx/voice/never-seen-company', {}],
      ['/telnyx/voice', { To: '+13055550199' }],
      [`/telnyx/voicemail/${companyId}`, { CallSid: 'vm-outage', RecordingUrl: 'https://x/r.mp3', RecordingStatus: 'completed' }],
      [`/telnyx/dial-complete/${companyId}`, { DialCallStatus: 'no-answer' }],
    ] as const) {
      const res = await server.webhook(path, params);
      expectValidTexml(res);
    }
  });
});

const hasPostgres = await postgresAvailable();

describe.runIf(hasPostgres)('a database too slow to wait for (Postgres, table locked)', () => {
  let server: TestServer;
  let database: Database;
  let drop: () => Promise<void>;
  let url: string;
  beforeAll(async () => {
    const pgdb = await freshPostgres();
    url = pgdb.url;
    drop = pgdb.drop;
    database = await openDatabase({ databaseUrl: pgdb.url, dataDir: 'memory://' });
    server = await startServer({ database, env: { WEBHOOK_DEADLINE_MS: '500' } });
  });
  afterAll(async () => {
    await server?.close();
    await database?.close();
    await drop?.();
  });

  it('answers within the deadline: from the last known config, else with an apology; correct again after', async () => {
    const { companyId } = await setUpCompany(server);
    server.app.services.directory.invalidateCompany(companyId); // seen before, not cached now
    const unseen = await database.prisma.company.create({ data: { name: 'Never routed here' } });
    const locker = new pg.Client({ connectionString: url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE "Company" IN ACCESS EXCLUSIVE MODE');
    try {
      for (const [id, expected] of [
        [companyId, '<Record'], // nobody online → the company's voicemail, from its last known config
        [unseen.id, '<Hangup/>'], // nothing known → apology and hang up
      ] as const) {
        const started = Date.now();
        const res = await server.webhook(`/telnyx/voice/${id}`, { To: '+13055550100' });
        const elapsed = Date.now() - started;
        expectValidTexml(res);
        expect(res.body).toContain(expected);
        expect(elapsed).toBeGreaterThanOrEqual(450);
        expect(elapsed).toBeLessThan(1500);
      }
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    const after = await server.webhook(`/telnyx/voice/${unseen.id}`, { To: '+13055550100' });
    expect(after.body).toContain('<Record'); // the database answers again: its real config (voicemail)
  });

  it('keeps answering while Postgres refuses every connection, and recovers by itself', async () => {
    const { companyId, agentToken } = await setUpCompany(server, 'ana.outage');
    await server.gql(`mutation { heartbeat(input: { sipRegistered: false }) { nextHeartbeatInMs } }`, {}, agentToken);
    const dbName = new URL(url).pathname.slice(1);
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      // The database goes away for this service: no new connections, existing ones killed.
      await admin.query(`ALTER DATABASE ${dbName} ALLOW_CONNECTIONS false`);
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [dbName]);
      const ring = await server.webhook(`/telnyx/voice/${companyId}`, { To: '+13055550100', CallSid: 'pg-down-1' });
      expectValidTexml(ring);
      expect(ring.body).toContain('>sip:ana.outage@sip.telnyx.com</Sip>'); // routed from memory
      for (const [path, params] of [
        ['/telnyx/voice/unknown-while-down', {}],
        ['/telnyx/voice', { To: '+13055550177' }],
        [`/telnyx/voicemail/${companyId}`, { CallSid: 'pg-down-vm', RecordingUrl: 'https://x/r.mp3', RecordingStatus: 'completed' }],
        [`/telnyx/dial-complete/${companyId}`, { DialCallStatus: 'busy' }],
      ] as const) {
        const started = Date.now();
        expectValidTexml(await server.webhook(path, params));
        expect(Date.now() - started).toBeLessThan(1500);
      }
      // Heartbeats need no database either.
      const beat = await server.gql(`mutation { heartbeat(input: { sipRegistered: false }) { presence { online } } }`, {}, agentToken);
      expect(beat.data.heartbeat.presence.online).toBe(true);
    } finally {
      await admin.query(`ALTER DATABASE ${dbName} ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    // Back: writes work again through the same pool.
    const created = await server.admin(`mutation { createCompany(input: { name: "After the outage" }) { id } }`);
    expect(created.createCompany.id).toBeTruthy();
  });
});

describe('database cost of presence', () => {
  it("writes nothing for steady-state heartbeats: the online transition's last-seen goes out in one batched statement", async () => {
    const database = await openDatabase({ dataDir: 'memory://' });
    const operations: string[] = [];
    const counted = database.prisma.$extends({
      query: {
        async $allOperations({ model, operation, args, query }) {
          operations.push(`${model ?? 'raw'}.${operation}`);
          return query(args);
        },
      },
    });
    // The write-behind batches run on the driver's connection (src/services/last-seen-writer.ts): counted too.
    const sql: Database['sql'] = {
      ...database.sql,
      query(text, params) {
        operations.push(`sql.${text.trim().split(/\s/)[0]}`);
        return database.sql.query(text, params);
      },
    };
    const server = await startServer({
      database: { ...database, prisma: counted as unknown as Database['prisma'], sql },
      env: { HEARTBEAT_MAX_PER_MINUTE: '1000000' }, // this test hammers on purpose
    });
    try {
      const { agentToken } = await setUpCompany(server);
      operations.length = 0;
      const beat = () => server.gql(`mutation { heartbeat(input: { sipRegistered: true }) { presence { online } } }`, {}, agentToken);
      const first = await beat();
      expect(first.data.heartbeat.presence.online).toBe(true);
      expect(operations).toEqual([]); // last-seen times are batched, not written per heartbeat
      const lastSeen = server.app.services.presence.lastSeen;
      await lastSeen.flush();
      expect(operations).toEqual(['sql.UPDATE']); // one statement for every agent in the batch
      const row = await database.prisma.agent.findFirstOrThrow({ where: { lastSeenAt: { not: null } } });
      expect(Math.abs(row.lastSeenAt!.getTime() - Date.now())).toBeLessThan(5_000); // stored as UTC
      operations.length = 0;
      for (let i = 0; i < 200; i++) expect((await beat()).data.heartbeat.presence.online).toBe(true);
      await lastSeen.flush();
      expect(operations).toEqual([]);
    } finally {
      await server.close();
      await database.close();
    }
  });
});
