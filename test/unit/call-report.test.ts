/**
 * The call report's figures against a hand-computed fixture (every number below was worked out by
 * hand from the calls listed, not by running the code), and its local hours and days across both
 * 2026 DST changes of America/New_York.
 */
import { describe, expect, it } from 'vitest';
import {
  CallReportAccumulator,
  callReport,
  type ReportCall,
  type ReportFigures,
  type ReportGroup,
  type ReportOptions,
} from '../../src/domain/call-report.js';

const NY = 'America/New_York';
/** 2026-03-08 11:00 EDT, the day clocks sprang forward. */
const T0 = Date.UTC(2026, 2, 8, 15, 0, 0);
const at = (seconds: number) => T0 + seconds * 1000;
const N1 = '+13055550001';
const N2 = '+13055550002';

const call = (o: Partial<ReportCall> & { startedAt: number }): ReportCall => ({
  answeredAt: null,
  endedAt: null,
  outcome: null,
  answeredAgentId: null,
  offeredAgentIds: [],
  queueId: 'q1',
  waitSeconds: null,
  to: N1,
  ...o,
});

// q1 "Sales" (the default queue, 20 s threshold), q2 "Support" (30 s); agents a "Ana", b "Bo".
const CALLS: ReportCall[] = [
  /* c1 */ call({
    startedAt: at(0),
    answeredAt: at(15),
    endedAt: at(75),
    outcome: 'ANSWERED',
    answeredAgentId: 'a',
    offeredAgentIds: ['a'],
    waitSeconds: 15,
  }),
  /* c2 */ call({
    startedAt: at(100),
    answeredAt: at(130),
    endedAt: at(250),
    outcome: 'ANSWERED',
    answeredAgentId: 'b',
    offeredAgentIds: ['a', 'b'],
    waitSeconds: 30,
  }),
  /* c3 */ call({
    startedAt: at(200),
    answeredAt: at(225),
    endedAt: at(265),
    outcome: 'ANSWERED',
    answeredAgentId: 'a',
    offeredAgentIds: ['a'],
    queueId: 'q2',
    to: N2,
    waitSeconds: 25,
  }),
  /* c4 */ call({ startedAt: at(300), endedAt: at(308), outcome: 'ABANDONED', offeredAgentIds: ['b'], queueId: null, waitSeconds: 8 }),
  /* c5 */ call({
    startedAt: at(400),
    endedAt: at(460),
    outcome: 'ABANDONED',
    offeredAgentIds: ['a', 'b'],
    queueId: 'q2',
    to: N2,
    waitSeconds: 60,
  }),
  /* c6 */ call({ startedAt: at(500), endedAt: at(560), outcome: 'VOICEMAIL', offeredAgentIds: ['a'], waitSeconds: 40 }),
  /* c7 */ call({ startedAt: at(600), endedAt: at(610), outcome: 'AFTER_HOURS', queueId: null, to: N2 }),
  /* c8 */ call({ startedAt: at(700), endedAt: at(720), outcome: 'FORWARDED', offeredAgentIds: ['b'], waitSeconds: 20 }),
  /* c9 */ call({ startedAt: at(800), endedAt: at(890), outcome: 'CALLBACK_PENDING', queueId: 'q2', to: N2, waitSeconds: 90 }),
  /* c10 */ call({ startedAt: at(900), endedAt: at(905), outcome: 'HUNG_UP' }),
  /* c11 */ call({
    startedAt: at(1000),
    endedAt: at(1100),
    outcome: 'CALLBACK_FAILED',
    offeredAgentIds: ['a'],
    queueId: 'q2',
    to: N2,
    waitSeconds: 45,
  }),
  /* c13, in progress */ call({ startedAt: at(1200), offeredAgentIds: ['b'] }),
  // Outside the window [T0 − 1 h, T0 + 1 h): ignored.
  call({
    startedAt: at(-3601),
    answeredAt: at(-3590),
    endedAt: at(-3500),
    outcome: 'ANSWERED',
    answeredAgentId: 'a',
    offeredAgentIds: ['a'],
  }),
  call({ startedAt: at(3600), endedAt: at(3700), outcome: 'ABANDONED', offeredAgentIds: ['a'] }),
];

const options = (groupBy: ReportGroup, o: Partial<ReportOptions> = {}): ReportOptions => ({
  groupBy,
  timeZone: NY,
  from: at(-3600),
  to: at(3600),
  serviceLevelSeconds: new Map([
    ['q1', 20],
    ['q2', 30],
  ]),
  defaultQueueId: 'q1',
  names: new Map([
    ['q1', 'Sales'],
    ['q2', 'Support'],
    ['a', 'Ana'],
    ['b', 'Bo'],
  ]),
  ...o,
});

const WINDOW_SECONDS = 7200;
const none = {
  voicemail: 0,
  forwarded: 0,
  hungUp: 0,
  afterHours: 0,
  callbackFailed: 0,
  abandoned: 0,
  abandonedShort: 0,
  missedOffers: null,
  occupancy: null,
};
const figures = (f: Partial<ReportFigures>): ReportFigures => ({ ...none, ...f }) as ReportFigures;

const TOTALS = figures({
  calls: 12,
  offered: 9,
  answered: 3,
  answeredInTime: 2,
  abandoned: 2,
  abandonedShort: 1,
  voicemail: 1,
  forwarded: 1,
  hungUp: 1,
  afterHours: 1,
  callbackFailed: 1,
  serviceLevel: 2 / 9,
  abandonRate: 2 / 9,
  averageAnswerSeconds: 23.3,
  averageHandleSeconds: 73.3,
  talkSeconds: 220,
  longestWaitSeconds: 90,
});

const EXPECTED: Array<[ReportGroup, Array<{ key: string; label: string; figures: ReportFigures }>]> = [
  [
    'QUEUE',
    [
      {
        key: 'q1',
        label: 'Sales',
        figures: figures({
          calls: 8,
          offered: 6,
          answered: 2,
          answeredInTime: 1,
          abandoned: 1,
          abandonedShort: 1,
          voicemail: 1,
          forwarded: 1,
          hungUp: 1,
          afterHours: 1,
          serviceLevel: 1 / 6,
          abandonRate: 1 / 6,
          averageAnswerSeconds: 22.5,
          averageHandleSeconds: 90,
          talkSeconds: 180,
          longestWaitSeconds: 40,
        }),
      },
      {
        key: 'q2',
        label: 'Support',
        figures: figures({
          calls: 4,
          offered: 3,
          answered: 1,
          answeredInTime: 1,
          abandoned: 1,
          callbackFailed: 1,
          serviceLevel: 1 / 3,
          abandonRate: 1 / 3,
          averageAnswerSeconds: 25,
          averageHandleSeconds: 40,
          talkSeconds: 40,
          longestWaitSeconds: 90,
        }),
      },
    ],
  ],
  [
    'AGENT',
    [
      {
        key: 'a',
        label: 'Ana',
        figures: figures({
          calls: 6,
          offered: 6,
          answered: 2,
          answeredInTime: 2,
          abandoned: 1,
          voicemail: 1,
          callbackFailed: 1,
          serviceLevel: 2 / 6,
          abandonRate: 1 / 6,
          averageAnswerSeconds: 20,
          averageHandleSeconds: 50,
          talkSeconds: 100,
          longestWaitSeconds: 60,
          missedOffers: 4,
          occupancy: 100 / WINDOW_SECONDS,
        }),
      },
      {
        key: 'b',
        label: 'Bo',
        figures: figures({
          calls: 5,
          offered: 4,
          answered: 1,
          answeredInTime: 0,
          abandoned: 2,
          abandonedShort: 1,
          forwarded: 1,
          serviceLevel: 0,
          abandonRate: 2 / 4,
          averageAnswerSeconds: 30,
          averageHandleSeconds: 120,
          talkSeconds: 120,
          longestWaitSeconds: 60,
          missedOffers: 3,
          occupancy: 120 / WINDOW_SECONDS,
        }),
      },
      {
        key: '',
        label: '(no agent)',
        figures: figures({
          calls: 3,
          offered: 1,
          answered: 0,
          answeredInTime: 0,
          hungUp: 1,
          afterHours: 1,
          serviceLevel: 0,
          abandonRate: 0,
          averageAnswerSeconds: null,
          averageHandleSeconds: null,
          talkSeconds: 0,
          longestWaitSeconds: 90,
        }),
      },
    ],
  ],
  [
    'NUMBER',
    [
      {
        key: N1,
        label: N1,
        figures: figures({
          calls: 7,
          offered: 6,
          answered: 2,
          answeredInTime: 1,
          abandoned: 1,
          abandonedShort: 1,
          voicemail: 1,
          forwarded: 1,
          hungUp: 1,
          serviceLevel: 1 / 6,
          abandonRate: 1 / 6,
          averageAnswerSeconds: 22.5,
          averageHandleSeconds: 90,
          talkSeconds: 180,
          longestWaitSeconds: 40,
        }),
      },
      {
        key: N2,
        label: N2,
        figures: figures({
          calls: 5,
          offered: 3,
          answered: 1,
          answeredInTime: 1,
          abandoned: 1,
          afterHours: 1,
          callbackFailed: 1,
          serviceLevel: 1 / 3,
          abandonRate: 1 / 3,
          averageAnswerSeconds: 25,
          averageHandleSeconds: 40,
          talkSeconds: 40,
          longestWaitSeconds: 90,
        }),
      },
    ],
  ],
];

describe('callReport: figures against the hand-computed fixture', () => {
  it.each(EXPECTED)('groupBy %s: each row, and the totals counting each call once', (groupBy, rows) => {
    const report = callReport(CALLS, options(groupBy));
    expect(report.rows.map((r) => ({ key: r.key, label: r.label, figures: r.figures }))).toEqual(rows);
    expect(report.totals).toEqual(TOTALS);
  });

  it('HOUR: the window is two local hours (10:00 and 11:00 EDT); all fixture calls fall in the second', () => {
    const report = callReport(CALLS, options('HOUR'));
    expect(report.rows.map((r) => [r.label, r.figures.calls])).toEqual([
      ['2026-03-08 10:00 UTC-04:00', 0],
      ['2026-03-08 11:00 UTC-04:00', 12],
    ]);
    expect(report.rows[1]!.figures).toEqual(TOTALS);
  });

  it('abandonedShort follows abandonedShortSeconds: the 8-second abandon is short at 10 s and at 8 s, not at 7 s', () => {
    const short = (n: number) => callReport(CALLS, options('QUEUE', { abandonedShortSeconds: n })).totals.abandonedShort;
    expect([short(10), short(8), short(7)]).toEqual([1, 1, 0]);
  });

  it("a call of a deleted queue, or of none, is held to the default queue's threshold", () => {
    const answeredAfter = (seconds: number, queueId: string | null) =>
      call({ startedAt: at(0), answeredAt: at(seconds), endedAt: at(100), outcome: 'ANSWERED', answeredAgentId: 'a', queueId });
    const inTime = (c: ReportCall, o: Partial<ReportOptions> = {}) => callReport([c], options('QUEUE', o)).totals.answeredInTime;
    expect([inTime(answeredAfter(20, 'gone')), inTime(answeredAfter(21, 'gone')), inTime(answeredAfter(21, null))]).toEqual([1, 0, 0]);
    expect(inTime(answeredAfter(28, 'q2'))).toBe(1);
    // No default queue known: the schema's default of 20 s.
    expect([inTime(answeredAfter(20, null), { defaultQueueId: null }), inTime(answeredAfter(21, null), { defaultQueueId: null })]).toEqual([
      1, 0,
    ]);
  });

  it('fed in pages, the accumulator gives the same report as the whole list', () => {
    const acc = new CallReportAccumulator(options('AGENT'));
    for (let i = CALLS.length - 1; i >= 0; i -= 3) for (const c of CALLS.slice(Math.max(0, i - 2), i + 1)) acc.add(c);
    expect(acc.finish()).toEqual(callReport(CALLS, options('AGENT')));
  });

  it('refuses an empty window', () => {
    expect(() => callReport([], options('DAY', { to: at(-3600) }))).toThrow(RangeError);
  });
});

describe('callReport: local hours and days across DST (America/New_York)', () => {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const at0 = (isoString: string) =>
    call({
      startedAt: Date.parse(isoString),
      outcome: 'ANSWERED',
      answeredAt: Date.parse(isoString),
      endedAt: Date.parse(isoString) + 60_000,
    });

  it.each([
    // Spring forward: 2026-03-08 runs 05:00Z → 04:00Z the next day (23 h).
    ['2026-03-07T05:00:00Z', '2026-03-10T04:00:00Z', ['2026-03-07', '2026-03-08', '2026-03-09'], [24, 23, 24]],
    // Fall back: 2026-11-01 runs 04:00Z → 05:00Z the next day (25 h).
    ['2026-10-31T04:00:00Z', '2026-11-03T05:00:00Z', ['2026-10-31', '2026-11-01', '2026-11-02'], [24, 25, 24]],
  ])('DAY rows from %s to %s are local days of 24, 23 or 25 hours', (from, to, keys, hours) => {
    const report = callReport([], options('DAY', { from: Date.parse(from), to: Date.parse(to) }));
    expect(report.rows.map((r) => r.key)).toEqual(keys);
    expect(report.rows.map((r) => (r.end! - r.start!) / 3_600_000)).toEqual(hours);
    expect(iso(report.rows[0]!.start)).toBe(new Date(from).toISOString());
    expect(iso(report.rows.at(-1)!.end)).toBe(new Date(to).toISOString());
  });

  it('DAY: a call at 00:30 EDT on 2026-03-09 is on the 9th (a fixed UTC−5 would say the 8th), one at 23:30 EST on 2026-03-07 on the 7th', () => {
    const report = callReport(
      [at0('2026-03-09T04:30:00Z'), at0('2026-03-08T04:30:00Z')],
      options('DAY', { from: Date.parse('2026-03-07T05:00:00Z'), to: Date.parse('2026-03-10T04:00:00Z') }),
    );
    expect(report.rows.map((r) => [r.key, r.figures.calls])).toEqual([
      ['2026-03-07', 1],
      ['2026-03-08', 0],
      ['2026-03-09', 1],
    ]);
  });

  it('HOUR on 2026-03-08: 23 rows, no 02:00, 03:00 EDT starts at 07:00Z right after 01:00 EST', () => {
    const report = callReport(
      [at0('2026-03-08T06:59:59Z'), at0('2026-03-08T07:00:00Z')],
      options('HOUR', { from: Date.parse('2026-03-08T05:00:00Z'), to: Date.parse('2026-03-09T04:00:00Z') }),
    );
    expect(report.rows).toHaveLength(23);
    expect(report.rows.slice(0, 4).map((r) => [r.label, iso(r.start), r.figures.calls])).toEqual([
      ['2026-03-08 00:00 UTC-05:00', '2026-03-08T05:00:00.000Z', 0],
      ['2026-03-08 01:00 UTC-05:00', '2026-03-08T06:00:00.000Z', 1],
      ['2026-03-08 03:00 UTC-04:00', '2026-03-08T07:00:00.000Z', 1],
      ['2026-03-08 04:00 UTC-04:00', '2026-03-08T08:00:00.000Z', 0],
    ]);
    expect(report.rows.at(-1)!.label).toBe('2026-03-08 23:00 UTC-04:00');
  });

  it('HOUR on 2026-11-01: 25 rows, 01:00 twice (EDT then EST), each with its own calls', () => {
    const report = callReport(
      [at0('2026-11-01T05:30:00Z'), at0('2026-11-01T06:30:00Z'), at0('2026-11-01T06:45:00Z')],
      options('HOUR', { from: Date.parse('2026-11-01T04:00:00Z'), to: Date.parse('2026-11-02T05:00:00Z') }),
    );
    expect(report.rows).toHaveLength(25);
    expect(report.rows.slice(0, 4).map((r) => [r.label, iso(r.start), iso(r.end), r.figures.calls])).toEqual([
      ['2026-11-01 00:00 UTC-04:00', '2026-11-01T04:00:00.000Z', '2026-11-01T05:00:00.000Z', 0],
      ['2026-11-01 01:00 UTC-04:00', '2026-11-01T05:00:00.000Z', '2026-11-01T06:00:00.000Z', 1],
      ['2026-11-01 01:00 UTC-05:00', '2026-11-01T06:00:00.000Z', '2026-11-01T07:00:00.000Z', 2],
      ['2026-11-01 02:00 UTC-05:00', '2026-11-01T07:00:00.000Z', '2026-11-01T08:00:00.000Z', 0],
    ]);
    expect(new Set(report.rows.map((r) => r.key)).size).toBe(25);
  });

  it('HOUR in a half-hour zone (Asia/Kolkata): hours start on the local hour, 30 minutes past a UTC hour', () => {
    const report = callReport(
      [],
      options('HOUR', { timeZone: 'Asia/Kolkata', from: Date.parse('2026-03-08T00:00:00Z'), to: Date.parse('2026-03-08T02:00:00Z') }),
    );
    expect(report.rows.map((r) => [r.label, iso(r.start)])).toEqual([
      ['2026-03-08 05:00 UTC+05:30', '2026-03-07T23:30:00.000Z'],
      ['2026-03-08 06:00 UTC+05:30', '2026-03-08T00:30:00.000Z'],
      ['2026-03-08 07:00 UTC+05:30', '2026-03-08T01:30:00.000Z'],
    ]);
  });
});
