/**
 * The report's SQL (src/services/report-query.ts) against its definition, the pure callReport
 * (src/domain/call-report.ts): the same seeded call log, written to PGlite and to Postgres, must give
 * exactly the report the pure function computes from the calls, for every grouping, over both 2026
 * DST changes of America/New_York (a 23-hour and a 25-hour day), with the awkward calls a real log
 * holds: no outcome yet, answered without an answer instant, clocks a little backwards, an agent
 * offered twice, a queue deleted since, abandons with and without an end, another company's calls,
 * and calls exactly on the window's edges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callReport, type ReportCall, type ReportGroup, type ReportOptions } from '../../src/domain/call-report.js';
import { openDatabase, type Database } from '../../src/infra/db.js';
import { type ReportCompany, ReportService } from '../../src/services/report-service.js';
import { freshPostgres, postgresAvailable } from '../support/harness.js';
import { seededRandom } from '../support/random.js';

const NY = 'America/New_York';
const COMPANY: ReportCompany = {
  id: 'co-report',
  timeZone: NY,
  queues: [
    { id: 'q-sales', name: 'Sales', serviceLevelSeconds: 20, isDefault: true },
    { id: 'q-support', name: 'Support', serviceLevelSeconds: 45, isDefault: false },
  ],
  agents: [
    { id: 'ag-ana', displayName: 'Ana' },
    { id: 'ag-bo', displayName: 'Bo' },
    { id: 'ag-cy', displayName: 'Cy' },
  ],
};
const OUTCOMES = [
  'ANSWERED',
  'ANSWERED',
  'ANSWERED',
  'ABANDONED',
  'VOICEMAIL',
  'FORWARDED',
  'HUNG_UP',
  'AFTER_HOURS',
  'CALLBACK_PENDING',
  'CALLBACK_FAILED',
  'UNKNOWN',
  null,
];
const AGENTS = ['ag-ana', 'ag-bo', 'ag-cy', 'ag-gone'];
const QUEUES = ['q-sales', 'q-support', 'q-deleted', null];
const NUMBERS = ['+13055550001', '+13055550002'];

/** The windows compared: each DST day by the hour, and the days around each by the day. */
const WINDOWS = {
  springDay: { from: Date.parse('2026-03-08T05:00:00Z'), to: Date.parse('2026-03-09T04:00:00Z') },
  fallDay: { from: Date.parse('2026-11-01T04:00:00Z'), to: Date.parse('2026-11-02T05:00:00Z') },
  springDays: { from: Date.parse('2026-03-07T05:00:00Z'), to: Date.parse('2026-03-10T04:00:00Z') },
  fallDays: { from: Date.parse('2026-10-31T04:00:00Z'), to: Date.parse('2026-11-03T05:00:00Z') },
};

/** Seeded calls around both DST changes, some exactly on the windows' edges, whole milliseconds. */
function fixture(): ReportCall[] {
  const random = seededRandom(17);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const calls: ReportCall[] = [];
  for (const w of [WINDOWS.springDays, WINDOWS.fallDays]) {
    const edges = [w.from, w.to - 1, w.to, w.from - 1];
    for (let i = 0; i < 400; i++) {
      const startedAt = i < edges.length ? edges[i]! : w.from - 3_600_000 + Math.floor(random() * (w.to - w.from + 7_200_000));
      const outcome = pick(OUTCOMES);
      // Mostly answered with an instant; sometimes ANSWERED without one, or an instant a little before the start.
      const answered = outcome === 'ANSWERED' && random() < 0.9;
      const answerAfter = random() < 0.05 ? -Math.floor(random() * 2_000) : Math.floor(random() * 90_000);
      const answeredAt = answered ? startedAt + answerAfter : null;
      const ends = random() < 0.85;
      // Abandons mostly within 30 s, so some are short; a few ends before the answer (clock skew).
      const lasts = outcome === 'ABANDONED' ? 30_000 : 600_000;
      const endedAt = ends ? (answeredAt ?? startedAt) + Math.floor(random() * lasts) - (random() < 0.03 ? 700_000 : 0) : null;
      const offered = Array.from({ length: Math.floor(random() * 3) }, () => pick(AGENTS));
      const answeredAgentId = outcome === 'ANSWERED' && random() < 0.95 ? pick(AGENTS) : random() < 0.03 ? pick(AGENTS) : null;
      calls.push({
        startedAt,
        answeredAt,
        endedAt,
        outcome,
        answeredAgentId,
        offeredAgentIds: offered,
        queueId: pick(QUEUES),
        waitSeconds: random() < 0.2 ? null : Math.floor(random() * 120),
        to: pick(NUMBERS),
      });
    }
    // Exactly on each threshold: short at 10 s (by its end, or by its wait when it has none), in time at 20 s and 45 s.
    const t = w.from + 7_200_000;
    const base = { endedAt: null, answeredAt: null, answeredAgentId: null, offeredAgentIds: ['ag-bo'], waitSeconds: null, to: NUMBERS[0]! };
    calls.push(
      { ...base, startedAt: t, endedAt: t + 10_000, outcome: 'ABANDONED', queueId: 'q-sales' },
      { ...base, startedAt: t + 1, waitSeconds: 10, outcome: 'ABANDONED', queueId: null },
      { ...base, startedAt: t + 2, answeredAt: t + 20_002, answeredAgentId: 'ag-bo', outcome: 'ANSWERED', queueId: 'q-sales' },
      {
        ...base,
        startedAt: t + 3,
        answeredAt: t + 45_003,
        endedAt: t + 60_000,
        answeredAgentId: 'ag-ana',
        outcome: 'ANSWERED',
        queueId: 'q-support',
      },
      { ...base, startedAt: t + 4, answeredAt: t + 20_004, answeredAgentId: 'ag-cy', outcome: 'ANSWERED', queueId: 'q-deleted' },
    );
  }
  return calls;
}

const CALLS = fixture();

async function engines(): Promise<{ name: string; open: () => Promise<{ database: Database; cleanup: () => Promise<void> }> }[]> {
  const list = [
    {
      name: 'PGlite',
      open: async () => {
        const database = await openDatabase({ dataDir: 'memory://' });
        return { database, cleanup: () => database.close() };
      },
    },
  ];
  if (await postgresAvailable())
    list.push({
      name: 'Postgres',
      open: async () => {
        const fresh = await freshPostgres();
        const database = await openDatabase({ databaseUrl: fresh.url, dataDir: 'memory://' });
        return { database, cleanup: async () => (await database.close(), await fresh.drop()) };
      },
    });
  return list;
}

describe.each(await engines())('the report in SQL equals the pure callReport, on $name', ({ open }) => {
  let database: Database;
  let cleanup: () => Promise<void>;
  let reports: ReportService;

  beforeAll(async () => {
    ({ database, cleanup } = await open());
    await database.migrate(() => {});
    const db = database.prisma;
    await db.company.createMany({
      data: [
        { id: COMPANY.id, name: 'Reports', timeZone: NY },
        { id: 'co-other', name: 'Other', timeZone: NY },
      ],
    });
    const rows = (companyId: string, calls: ReportCall[], prefix: string) =>
      calls.map((c, i) => ({
        companyId,
        callSid: `${prefix}${i}`,
        from: '+13055559999',
        to: c.to,
        startedAt: new Date(c.startedAt),
        answeredAt: c.answeredAt === null ? null : new Date(c.answeredAt),
        endedAt: c.endedAt === null ? null : new Date(c.endedAt),
        outcome: c.outcome,
        answeredAgentId: c.answeredAgentId,
        offeredAgentIds: [...c.offeredAgentIds],
        queueId: c.queueId,
        waitSeconds: c.waitSeconds,
      }));
    await db.callLog.createMany({ data: rows(COMPANY.id, CALLS, 'CA') });
    // Another company's calls in the same hours: never in this company's report.
    await db.callLog.createMany({ data: rows('co-other', CALLS.slice(0, 200), 'CO') });
    reports = new ReportService({ db });
  });

  afterAll(async () => {
    await cleanup?.();
  });

  const optionsOf = (company: ReportCompany, groupBy: ReportGroup, w: { from: number; to: number }, short?: number): ReportOptions => ({
    groupBy,
    timeZone: company.timeZone,
    from: w.from,
    to: w.to,
    serviceLevelSeconds: new Map(company.queues.map((q) => [q.id, q.serviceLevelSeconds])),
    defaultQueueId: company.queues.find((q) => q.isDefault)?.id ?? null,
    names: new Map([...company.queues.map((q) => [q.id, q.name] as const), ...company.agents.map((a) => [a.id, a.displayName] as const)]),
    ...(short !== undefined && { abandonedShortSeconds: short }),
  });

  const cases: [ReportGroup, keyof typeof WINDOWS][] = [
    ['HOUR', 'springDay'],
    ['HOUR', 'fallDay'],
    ['DAY', 'springDays'],
    ['DAY', 'fallDays'],
    ['AGENT', 'fallDays'],
    ['AGENT', 'springDay'],
    ['QUEUE', 'springDays'],
    ['NUMBER', 'fallDay'],
  ];

  it.each(cases)('%s over %s', async (groupBy, window) => {
    const w = WINDOWS[window];
    const sql = await reports.report(COMPANY, new Date(w.from), new Date(w.to), groupBy);
    const pure = callReport(CALLS, optionsOf(COMPANY, groupBy, w));
    // The fixture reaches every figure (else the comparison proves little).
    expect(pure.totals.calls).toBeGreaterThan(100);
    expect(pure.totals.abandonedShort).toBeGreaterThan(0);
    expect(pure.totals.answeredInTime).toBeGreaterThan(0);
    expect(pure.totals.answeredInTime).toBeLessThan(pure.totals.answered);
    if (groupBy === 'AGENT') expect(pure.rows.some((r) => (r.figures.missedOffers ?? 0) > 0)).toBe(true);
    expect(sql).toEqual(pure);
  });

  it('the fall-back day has 25 hour rows, its two 01:00 rows each with their own calls', async () => {
    const w = WINDOWS.fallDay;
    const sql = await reports.report(COMPANY, new Date(w.from), new Date(w.to), 'HOUR');
    expect(sql.rows).toHaveLength(25);
    const ones = sql.rows.filter((r) => r.label.startsWith('2026-11-01 01:00'));
    expect(ones.map((r) => r.label)).toEqual(['2026-11-01 01:00 UTC-04:00', '2026-11-01 01:00 UTC-05:00']);
    const inHour = (start: number) => CALLS.filter((c) => c.startedAt >= start && c.startedAt < start + 3_600_000).length;
    expect(ones.map((r) => r.figures.calls)).toEqual([inHour(ones[0]!.start!), inHour(ones[1]!.start!)]);
    expect(ones.every((r) => r.figures.calls > 0)).toBe(true);
  });

  it('abandonedShortSeconds, and a company without a default queue (the 20 s fallback), agree too', async () => {
    const w = WINDOWS.fallDays;
    for (const short of [0, 5, 600]) {
      const sql = await reports.report(COMPANY, new Date(w.from), new Date(w.to), 'QUEUE', short);
      expect(sql).toEqual(callReport(CALLS, optionsOf(COMPANY, 'QUEUE', w, short)));
    }
    const noDefault: ReportCompany = {
      ...COMPANY,
      queues: COMPANY.queues.map((q) => ({ ...q, isDefault: false, serviceLevelSeconds: 60 })),
    };
    const sql = await reports.report(noDefault, new Date(w.from), new Date(w.to), 'DAY');
    expect(sql).toEqual(callReport(CALLS, optionsOf(noDefault, 'DAY', w)));
  });
});
