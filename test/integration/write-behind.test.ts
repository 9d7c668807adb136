/**
 * Writes behind the hot paths, on both engines: last-seen times for thousands of agents in a few
 * statements (UTC whatever the session time zone, never backwards), and the call log as upserts whose
 * start and end may arrive in either order, from different instances.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/domain/clock.js';
import { openDatabase, type Database } from '../../src/infra/db.js';
import { createLogger } from '../../src/infra/logger.js';
import { CallLogWriter } from '../../src/services/call-log-writer.js';
import { LastSeenWriter } from '../../src/services/last-seen-writer.js';
import { freshPostgres, postgresAvailable } from '../support/harness.js';
import { hostAndPort, tcpProxy } from '../support/tcp-proxy.js';

async function engines() {
  const list: { name: string; open: () => Promise<{ database: Database; cleanup: () => Promise<void> }> }[] = [
    {
      name: 'PGlite',
      open: async () => {
        const database = await openDatabase({ dataDir: 'memory://' });
        return { database, cleanup: () => database.close() };
      },
    },
  ];
  if (await postgresAvailable()) {
    list.push({
      name: 'Postgres in a non-UTC session time zone',
      open: async () => {
        const fresh = await freshPostgres();
        const admin = new pg.Client({ connectionString: fresh.url });
        await admin.connect();
        await admin.query(`ALTER DATABASE ${new URL(fresh.url).pathname.slice(1)} SET timezone TO 'America/New_York'`);
        await admin.end();
        const database = await openDatabase({ databaseUrl: fresh.url, dataDir: 'memory://' });
        return { database, cleanup: async () => (await database.close(), await fresh.drop()) };
      },
    });
  }
  return list;
}

describe.each(await engines())('LastSeenWriter on $name', ({ open }) => {
  it('writes 12,000 agents in 3 statements, as UTC, never going backwards', async () => {
    const { database, cleanup } = await open();
    try {
      await database.migrate(() => {});
      const db = database.prisma;
      await db.company.create({ data: { id: 'co', name: 'Batch' } });
      const ids = Array.from({ length: 12_000 }, (_, i) => `agent-${i}`);
      await db.agent.createMany({ data: ids.map((id) => ({ id, companyId: 'co', displayName: id, sipUsername: id })) });
      const writer = new LastSeenWriter({
        sql: database.sql,
        clock: systemClock,
        logger: createLogger('silent'),
        maxBatch: 5_000,
        flushIntervalMs: 60_000,
      });
      const t0 = Date.UTC(2026, 10, 24, 12, 0, 0, 123);
      // Below maxBatch nothing is written until the flush; at maxBatch a batch goes at once.
      for (const [i, id] of ids.slice(0, 4_999).entries()) writer.write(id, t0 + i);
      expect(writer.written.statements).toBe(0);
      for (const [i, id] of ids.slice(4_999).entries()) writer.write(id, t0 + 4_999 + i);
      await writer.flush();
      expect(writer.written).toEqual({ statements: 3, rows: 12_000 });
      const sample = await db.agent.findMany({ where: { id: { in: ['agent-0', 'agent-11999'] } }, orderBy: { id: 'asc' } });
      expect(sample.map((a) => a.lastSeenAt?.toISOString())).toEqual([new Date(t0).toISOString(), new Date(t0 + 11_999).toISOString()]);
      // An older time (a late flush from before) does not overwrite a newer one; a newer one does.
      writer.write('agent-0', t0 - 60_000);
      writer.write('agent-1', t0 + 60_000);
      await writer.flush();
      const [a0, a1] = await db.agent.findMany({ where: { id: { in: ['agent-0', 'agent-1'] } }, orderBy: { id: 'asc' } });
      expect(a0!.lastSeenAt!.getTime()).toBe(t0);
      expect(a1!.lastSeenAt!.getTime()).toBe(t0 + 60_000);
    } finally {
      await cleanup();
    }
  }, 60_000);

  it('call log: start and end in either order, from two writers, make one complete row; retries do not duplicate', async () => {
    const { database, cleanup } = await open();
    try {
      await database.migrate(() => {});
      const db = database.prisma;
      await db.company.create({ data: { id: 'co', name: 'Calls' } });
      const options = { sql: database.sql, clock: systemClock, logger: createLogger('silent'), flushIntervalMs: 60_000 };
      const [one, two] = [new CallLogWriter(options), new CallLogWriter(options)];
      const t0 = Date.UTC(2026, 10, 24, 15, 0, 0);
      const start = (callSid: string) => ({ companyId: 'co', callSid, from: '+15551230000', to: '+13055550100', startedAt: t0 });
      const end = (callSid: string) => ({
        ...start(callSid),
        endedAt: t0 + 60_000,
        answeredAt: t0 + 7_000,
        answeredAgentId: 'ana',
        offeredAgentIds: ['ben', 'ana'],
        outcome: 'ANSWERED',
      });
      // a: start then end on one writer, in one batch. b: end written (instance 2) before the start (instance 1).
      one.started(start('a'));
      one.ended(end('a'));
      two.ended(end('b'));
      await two.flush();
      one.started(start('b'));
      one.started(start('b')); // Telnyx retried the voice webhook
      one.started(start('c')); // still ringing
      one.started({ ...start('gone'), companyId: 'deleted-company' }); // skipped, not failing the batch
      await one.flush();
      const rows = await db.callLog.findMany({ orderBy: { callSid: 'asc' } });
      expect(rows.map((r) => r.callSid)).toEqual(['a', 'b', 'c']);
      for (const r of rows.slice(0, 2)) {
        expect(r).toMatchObject({ outcome: 'ANSWERED', answeredAgentId: 'ana', offeredAgentIds: ['ben', 'ana'] });
        expect([r.startedAt.getTime(), r.answeredAt?.getTime(), r.endedAt?.getTime()]).toEqual([t0, t0 + 7_000, t0 + 60_000]);
      }
      // A call still ringing: its start alone, with the columns a start does not write at their defaults.
      expect(rows[2]).toMatchObject({
        outcome: null,
        endedAt: null,
        offeredAgentIds: [],
        timeline: [],
        direction: 'inbound',
        callbackRequested: false,
      });
      expect([one.written.statements, two.written.statements]).toEqual([1, 1]); // one batch per flush
    } finally {
      await cleanup();
    }
  }, 60_000);

  it('call log: new rows get unique ids in the order they were written (the primary key grows at its end)', async () => {
    const { database, cleanup } = await open();
    try {
      await database.migrate(() => {});
      const db = database.prisma;
      await db.company.create({ data: { id: 'co', name: 'Calls' } });
      const writer = new CallLogWriter({ sql: database.sql, clock: systemClock, logger: createLogger('silent'), flushIntervalMs: 60_000 });
      const t0 = Date.UTC(2026, 10, 28, 9, 0, 0);
      const before = Date.now();
      const batches = [Array.from({ length: 500 }, (_, i) => `first-${i}`), Array.from({ length: 500 }, (_, i) => `second-${i}`)];
      for (const batch of batches) {
        for (const callSid of batch) writer.started({ companyId: 'co', callSid, from: '+15551230000', to: '+13055550100', startedAt: t0 });
        await writer.flush();
        await new Promise((resolve) => setTimeout(resolve, 2)); // the second batch's clock is later
      }
      const rows = await db.callLog.findMany({ select: { id: true, callSid: true } });
      const ids = rows.map((r) => r.id);
      expect(new Set(ids).size).toBe(1_000);
      for (const id of ids) expect(id).toMatch(/^[0-9a-f]{30}$/);
      // Time first: every id of the second batch sorts after every id of the first.
      const idsOf = (prefix: string) =>
        rows
          .filter((r) => r.callSid.startsWith(prefix))
          .map((r) => r.id)
          .sort();
      expect(idsOf('first-').at(-1)! < idsOf('second-')[0]!).toBe(true);
      // And the time is the database's clock, in microseconds (hosts' clocks agree within this test's seconds).
      const micros = Number.parseInt(idsOf('first-')[0]!.slice(0, 14), 16);
      expect(Math.abs(micros / 1000 - before)).toBeLessThan(60_000);
    } finally {
      await cleanup();
    }
  }, 60_000);
});

describe.runIf(await postgresAvailable())('the call log while Postgres is away (TCP proxy cut)', () => {
  it('keeps failed batches and retries them until they land; past the bound the oldest rows are dropped, logged and counted', async () => {
    const fresh = await freshPostgres();
    const proxy = await tcpProxy(hostAndPort(fresh.url, 5432));
    const database = await openDatabase({ databaseUrl: proxy.through(fresh.url), dataDir: 'memory://' });
    const lines: Record<string, any>[] = [];
    const logger = createLogger('info', {}, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const writer = new CallLogWriter({
      sql: database.sql,
      clock: systemClock,
      logger,
      flushIntervalMs: 60_000,
      maxWaitingRows: 3,
      retryMaxMs: 500,
    });
    try {
      await database.migrate(() => {});
      await database.prisma.company.create({ data: { id: 'co', name: 'Outage' } });
      const t0 = Date.UTC(2026, 10, 24, 15, 0, 0);
      const start = (callSid: string) => ({ companyId: 'co', callSid, from: '+15551230000', to: '+13055550100', startedAt: t0 });
      proxy.cut();
      writer.started(start('c1'));
      writer.started(start('c2'));
      await writer.flush(); // fails: both kept
      expect(writer.waiting).toBe(2);
      expect(lines.filter((l) => l.msg === 'could not write call log entries: keeping them and retrying')).toHaveLength(1);
      writer.ended({
        ...start('c1'),
        endedAt: t0 + 5_000,
        answeredAt: null,
        answeredAgentId: null,
        offeredAgentIds: [],
        outcome: 'ABANDONED',
      }); // merged into c1's waiting start
      for (const sid of ['c3', 'c4', 'c5']) writer.started(start(sid)); // 5 waiting, bound 3: c1 and c2 go
      expect(writer.waiting).toBe(3);
      expect(writer.dropped).toBe(2);
      expect(lines.some((l) => l.msg === 'too many call log entries waiting: dropped the oldest' && l.bound === 3)).toBe(true);
      await writer.flush(); // still away: one line per outage, not per retry
      expect(lines.filter((l) => l.msg === 'could not write call log entries: keeping them and retrying')).toHaveLength(1);

      proxy.restore();
      // No flush from here: the retry lands by itself.
      for (const giveUp = Date.now() + 20_000; writer.waiting > 0; ) {
        if (Date.now() > giveUp) throw new Error(`still waiting: ${writer.waiting}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const rows = await database.prisma.callLog.findMany({ orderBy: { callSid: 'asc' } });
      expect(rows.map((r) => r.callSid)).toEqual(['c3', 'c4', 'c5']);
      expect(lines.some((l) => l.msg === 'call log entries written again' && l.rows === 3 && l.dropped === 2)).toBe(true);
    } finally {
      await writer.stop();
      proxy.close();
      await database.close();
      await fresh.drop();
    }
  }, 60_000);

  it('a value that waits is merged with newer ones for the same key (last-seen never goes backwards)', async () => {
    const fresh = await freshPostgres();
    const proxy = await tcpProxy(hostAndPort(fresh.url, 5432));
    const database = await openDatabase({ databaseUrl: proxy.through(fresh.url), dataDir: 'memory://' });
    const writer = new LastSeenWriter({
      sql: database.sql,
      clock: systemClock,
      logger: createLogger('silent'),
      flushIntervalMs: 60_000,
      retryMaxMs: 500,
    });
    try {
      await database.migrate(() => {});
      await database.prisma.company.create({ data: { id: 'co', name: 'Seen' } });
      await database.prisma.agent.create({ data: { id: 'ana', companyId: 'co', displayName: 'Ana', sipUsername: 'ana' } });
      const t0 = Date.UTC(2026, 10, 24, 12, 0, 0);
      proxy.cut();
      writer.write('ana', t0 + 2_000);
      await writer.flush();
      writer.write('ana', t0 + 1_000); // older: the waiting newer time wins
      expect(writer.waiting).toBe(1);
      proxy.restore();
      for (const giveUp = Date.now() + 20_000; writer.waiting > 0; ) {
        if (Date.now() > giveUp) throw new Error(`still waiting: ${writer.waiting}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const ana = await database.prisma.agent.findUniqueOrThrow({ where: { id: 'ana' } });
      expect(ana.lastSeenAt!.getTime()).toBe(t0 + 2_000);
    } finally {
      await writer.stop();
      proxy.close();
      await database.close();
      await fresh.drop();
    }
  }, 60_000);
});
