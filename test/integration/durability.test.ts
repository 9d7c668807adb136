/**
 * Nothing lost while Postgres is away (a real outage: a TCP proxy in front of Postgres, cut and
 * restored). A voicemail callback is answered with valid TeXML and queued in the outbox on disk; it
 * lands (and reaches the board) when the database returns, also after a restart. Call-log entries
 * made during the outage land too.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/infra/logger.js';
import { freshPostgres, postgresAvailable, startServer, subscribe, type TestServer } from '../support/harness.js';
import { hostAndPort, tcpProxy } from '../support/tcp-proxy.js';

function expectValidTexml(res: { status: number; body: string }) {
  expect(res.status).toBe(200);
  expect(res.body.startsWith('<?xml version="1.0" encoding="UTF-8"?><Response>')).toBe(true);
  expect(XMLValidator.validate(res.body)).toBe(true);
}

function capturingLogger() {
  const lines: Record<string, any>[] = [];
  const logger = createLogger('info', {}, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

/** Polls `read` until `done` says yes (waiting for a state, not for a time). */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const giveUp = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > giveUp) throw new Error(`condition not met within ${timeoutMs} ms; last value ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Voicemails until the board hears one: its subscription is live from then on. */
async function boardListening(server: TestServer, companyId: string, board: ReturnType<typeof subscribe>) {
  for (let i = 0; ; i++) {
    await server.webhook(`/telnyx/voicemail/${companyId}`, {
      CallSid: `vm-warmup-${i}`,
      RecordingUrl: 'https://api.telnyx.com/media/w.mp3',
      RecordingStatus: 'completed',
    });
    try {
      return await board.next((e: any) => e.voicemailReceived.callSid === `vm-warmup-${i}`, 1_000);
    } catch (err) {
      if (i >= 10) throw err;
    }
  }
}

const hasPostgres = await postgresAvailable();

describe.runIf(hasPostgres)('Postgres away (TCP proxy cut): nothing lost', () => {
  let pgdb: Awaited<ReturnType<typeof freshPostgres>>;
  let proxy: Awaited<ReturnType<typeof tcpProxy>>;
  let direct: pg.Client;
  let dataDir: string;
  const servers: TestServer[] = [];

  beforeAll(async () => {
    pgdb = await freshPostgres();
    proxy = await tcpProxy(hostAndPort(pgdb.url, 5432));
    direct = new pg.Client({ connectionString: pgdb.url }); // the test's own view, not through the proxy
    await direct.connect();
    dataDir = await mkdtemp(path.join(tmpdir(), 'curbe-outbox-'));
  });
  afterAll(async () => {
    await Promise.allSettled(servers.map((s) => s.close()));
    proxy?.close();
    await direct?.end();
    await pgdb?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function start(logger = capturingLogger().logger) {
    const server = await startServer({
      env: { DATABASE_URL: proxy.through(pgdb.url), DATA_DIR: dataDir, WEBHOOK_DEADLINE_MS: '1000' },
      logger,
    });
    servers.push(server);
    return server;
  }

  async function setUpCompany(server: TestServer) {
    const { createCompany } = await server.admin(
      `mutation { createCompany(input: { name: "Durable", routing: { allowUnregisteredSoftphones: true } }) { id } }`,
    );
    const companyId: string = createCompany.id;
    const { issueSupervisorToken } = await server.admin(`mutation($c: ID!) { issueSupervisorToken(companyId: $c) { token } }`, {
      c: companyId,
    });
    // Seen once, so the configuration is cached for the outage.
    await server.webhook(`/telnyx/voice/${companyId}`, { To: '+13055550100' });
    return { companyId, supervisor: issueSupervisorToken.token as string };
  }

  const voicemailRows = async (companyId: string) =>
    (
      await direct.query(`SELECT "callSid", "recordingUrl", "durationSeconds" FROM "Voicemail" WHERE "companyId" = $1 ORDER BY "callSid"`, [
        companyId,
      ])
    ).rows;

  it('a voicemail callback during the outage is answered 200 with valid TeXML, stored and published when the database returns', async () => {
    const { logger, lines } = capturingLogger();
    const server = await start(logger);
    const { companyId, supervisor } = await setUpCompany(server);
    const board = subscribe(
      server.ws(supervisor),
      `subscription($c: ID!) { voicemailReceived(companyId: $c) { callSid recordingUrl durationSeconds } }`,
      { c: companyId },
    );
    await boardListening(server, companyId, board);

    proxy.cut();
    const res = await server.webhook(`/telnyx/voicemail/${companyId}`, {
      CallSid: 'vm-during',
      From: '+15551230000',
      To: '+13055550100',
      RecordingUrl: 'https://api.telnyx.com/media/during.mp3',
      RecordingDuration: '17',
      RecordingStatus: 'completed',
    });
    expectValidTexml(res);
    expect((await voicemailRows(companyId)).map((r) => r.callSid)).not.toContain('vm-during'); // not stored yet
    expect(lines.some((l) => l.msg === 'voicemail queued in the outbox: database unavailable' && l.callSid === 'vm-during')).toBe(true);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^curbe_voicemail_outbox_waiting 1$/m);

    proxy.restore();
    const received = await board.next((e) => e.voicemailReceived.callSid === 'vm-during', 20_000);
    expect(received.voicemailReceived).toEqual({
      callSid: 'vm-during',
      recordingUrl: 'https://api.telnyx.com/media/during.mp3',
      durationSeconds: 17,
    });
    expect((await voicemailRows(companyId)).filter((r) => r.callSid === 'vm-during')).toEqual([
      { callSid: 'vm-during', recordingUrl: 'https://api.telnyx.com/media/during.mp3', durationSeconds: 17 },
    ]);
    await until(
      async () => await (await fetch(`${server.url}/metrics`)).text(),
      (m) => /^curbe_voicemail_outbox_waiting 0$/m.test(m),
    );
    expect(board.events.filter((e) => e.voicemailReceived.callSid === 'vm-during')).toHaveLength(1);
  }, 60_000);

  it('a voicemail the database is too slow to store within the deadline is queued, answered in time, and stored once', async () => {
    const server = await start();
    const { companyId, supervisor } = await setUpCompany(server);
    const board = subscribe(server.ws(supervisor), `subscription($c: ID!) { voicemailReceived(companyId: $c) { callSid } }`, {
      c: companyId,
    });
    await boardListening(server, companyId, board);
    const locker = new pg.Client({ connectionString: pgdb.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE "Voicemail" IN ACCESS EXCLUSIVE MODE');
    try {
      const started = Date.now();
      const res = await server.webhook(`/telnyx/voicemail/${companyId}`, {
        CallSid: 'vm-slow',
        RecordingUrl: 'https://api.telnyx.com/media/slow.mp3',
        RecordingStatus: 'completed',
      });
      expectValidTexml(res);
      expect(Date.now() - started).toBeLessThan(2_500); // the 1 s deadline, and the outbox's fsync
      expect(server.app.services.voicemails.outbox.waiting).toBe(1);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    await board.next((e) => e.voicemailReceived.callSid === 'vm-slow', 20_000);
    await until(
      async () => server.app.services.voicemails.outbox.waiting,
      (n) => n === 0,
    );
    expect((await voicemailRows(companyId)).filter((r) => r.callSid === 'vm-slow')).toHaveLength(1);
    expect(board.events.filter((e) => e.voicemailReceived.callSid === 'vm-slow')).toHaveLength(1); // the late write and the outbox's: one voicemail
  }, 60_000);

  it('the outbox survives a restart: queued while the database is away, written by the next process', async () => {
    const first = await start();
    const { companyId } = await setUpCompany(first);
    proxy.cut();
    const res = await first.webhook(`/telnyx/voicemail/${companyId}`, {
      CallSid: 'vm-restart',
      RecordingUrl: 'https://api.telnyx.com/media/restart.mp3',
      RecordingStatus: 'completed',
    });
    expectValidTexml(res);
    await first.close();
    servers.splice(servers.indexOf(first), 1);
    const outbox = await readFile(path.join(dataDir, 'outbox', 'voicemails.jsonl'), 'utf8');
    expect(outbox).toContain('vm-restart');
    expect(await voicemailRows(companyId)).toEqual([]);

    proxy.restore();
    await start(); // a new process on the same DATA_DIR
    const rows = await until(
      () => voicemailRows(companyId),
      (r) => r.length > 0,
    );
    expect(rows).toEqual([{ callSid: 'vm-restart', recordingUrl: 'https://api.telnyx.com/media/restart.mp3', durationSeconds: 0 }]);
  }, 60_000);

  it('call-log entries made while the database is away land when it returns', async () => {
    const { logger, lines } = capturingLogger();
    const server = await start(logger);
    const { companyId } = await setUpCompany(server);
    await server.app.services.calls.log.flush();
    proxy.cut();
    const call = { CallSid: 'log-during', From: '+15551230000', To: '+13055550100' };
    expectValidTexml(await server.webhook(`/telnyx/voice/${companyId}`, call)); // nobody online: voicemail
    await server.app.services.calls.log.flush(); // fails: kept, not dropped
    expect(lines.some((l) => l.msg === 'could not write call log entries: keeping them and retrying' && l.rows === 1)).toBe(true);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^curbe_write_behind_waiting_rows\{what="call log entries"\} 1$/m);

    proxy.restore();
    const rows = await until(
      async () =>
        (await direct.query(`SELECT "callSid", "outcome" FROM "CallLog" WHERE "companyId" = $1 AND "callSid" = 'log-during'`, [companyId]))
          .rows,
      (r) => r.length > 0,
    );
    expect(rows).toEqual([{ callSid: 'log-during', outcome: 'VOICEMAIL' }]);
    await until(
      async () => lines,
      (l) => l.some((x) => x.msg === 'call log entries written again' && x.rows >= 1),
    );
  }, 60_000);

  it('a voicemail that can be neither stored nor queued is not acknowledged: 429 with valid TeXML, so Telnyx retries', async () => {
    const notADirectory = path.join(dataDir, 'a-file');
    await writeFile(notADirectory, 'the outbox cannot live under a file');
    const server = await startServer({
      env: { DATABASE_URL: proxy.through(pgdb.url), DATA_DIR: notADirectory, WEBHOOK_DEADLINE_MS: '1000' },
    });
    servers.push(server);
    const { companyId } = await setUpCompany(server);
    proxy.cut();
    try {
      const res = await server.webhook(`/telnyx/voicemail/${companyId}`, {
        CallSid: 'vm-nowhere',
        RecordingUrl: 'https://api.telnyx.com/media/n.mp3',
        RecordingStatus: 'completed',
      });
      expect(res.status).toBe(429);
      expect(res.body.startsWith('<?xml version="1.0" encoding="UTF-8"?><Response>')).toBe(true);
      expect(XMLValidator.validate(res.body)).toBe(true);
    } finally {
      proxy.restore();
    }
  }, 60_000);
});
