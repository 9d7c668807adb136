import { describe, expect, it } from 'vitest';
import { seededRandom } from '../support/random.js';
import {
  evaluateHours,
  localParts,
  validateHours,
  type BusinessHours,
  type Closure,
  type HoursStatus,
  type TimeRange,
  type Weekday,
} from '../../src/domain/business-hours.js';

// ---------------------------------------------------------------------------------------------
// Helpers: statuses are compared with instants written as ISO UTC strings.
// ---------------------------------------------------------------------------------------------

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const at = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad ISO instant ${iso}`);
  return ms;
};
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

type Shown =
  | { open: true; closesAt: string | null }
  | { open: false; reason: 'HOLIDAY' | 'OUTSIDE_HOURS'; holiday?: string; opensAt: string | null };

/** A status with instants as ISO strings, so failures read as times. */
function show(status: HoursStatus): Shown {
  if (status.open) return { open: true, closesAt: iso(status.closesAt) };
  const { opensAt, ...rest } = status;
  return { ...rest, opensAt: iso(opensAt) };
}
/** Normalizes shorthand ISO ('2026-01-14T22:00Z') in an expectation. */
function norm(expected: Shown): Shown {
  if (expected.open) return { open: true, closesAt: expected.closesAt === null ? null : iso(at(expected.closesAt)) };
  return { ...expected, opensAt: expected.opensAt === null ? null : iso(at(expected.opensAt)) };
}
const openUntil = (closesAt: string | null): Shown => ({ open: true, closesAt });
const closedUntil = (opensAt: string | null): Shown => ({ open: false, reason: 'OUTSIDE_HOURS', opensAt });
const holidayUntil = (opensAt: string | null, holiday?: string): Shown =>
  holiday === undefined ? { open: false, reason: 'HOLIDAY', opensAt } : { open: false, reason: 'HOLIDAY', holiday, opensAt };

const ALL_DAYS: Weekday[] = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];
function every(days: Weekday[], ranges: TimeRange[]): Partial<Record<Weekday, TimeRange[]>> {
  return Object.fromEntries(days.map((d) => [d, ranges]));
}
const nineToFive: TimeRange[] = [{ open: '09:00', close: '17:00' }];

const nyOffice: BusinessHours = {
  timeZone: 'America/New_York',
  weekly: every(['MON', 'TUE', 'WED', 'THU', 'FRI'], nineToFive),
  closures: [],
};
const nyDaily: BusinessHours = { timeZone: 'America/New_York', weekly: every(ALL_DAYS, nineToFive), closures: [] };
const madridDaily: BusinessHours = { timeZone: 'Europe/Madrid', weekly: every(ALL_DAYS, nineToFive), closures: [] };

type Row = [label: string, hours: BusinessHours, now: string, expected: Shown];

function runTable(rows: Row[]): void {
  it.each(rows)('%s', (_label, hours, now, expected) => {
    expect(show(evaluateHours(hours, at(now)))).toStrictEqual(norm(expected));
  });
}

// ---------------------------------------------------------------------------------------------
// localParts
// ---------------------------------------------------------------------------------------------

describe('localParts', () => {
  it.each([
    ['2026-01-14T14:00Z', 'America/New_York', { year: 2026, month: 1, day: 14, weekday: 'WED', minutes: 9 * 60 }],
    ['2026-03-08T06:59:59Z', 'America/New_York', { year: 2026, month: 3, day: 8, weekday: 'SUN', minutes: 119 }],
    ['2026-03-08T07:00Z', 'America/New_York', { year: 2026, month: 3, day: 8, weekday: 'SUN', minutes: 180 }],
    ['2026-11-01T06:30Z', 'America/New_York', { year: 2026, month: 11, day: 1, weekday: 'SUN', minutes: 90 }],
    ['2026-01-01T00:00Z', 'Asia/Kolkata', { year: 2026, month: 1, day: 1, weekday: 'THU', minutes: 330 }],
    ['2026-12-31T13:00Z', 'Australia/Sydney', { year: 2027, month: 1, day: 1, weekday: 'FRI', minutes: 0 }],
    ['2026-03-29T01:00Z', 'Europe/Madrid', { year: 2026, month: 3, day: 29, weekday: 'SUN', minutes: 180 }],
  ] as const)('%s in %s', (instant, zone, expected) => {
    expect(localParts(at(instant), zone)).toEqual(expected);
  });

  it('rejects an unknown zone', () => {
    expect(() => localParts(0, 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------
// evaluateHours: fixed examples
// ---------------------------------------------------------------------------------------------

describe('evaluateHours — Mon–Fri 09:00–17:00 America/New_York (EST = UTC-5)', () => {
  runTable([
    ['Wed 08:59:59 closed', nyOffice, '2026-01-14T13:59:59Z', closedUntil('2026-01-14T14:00Z')],
    ['Wed 09:00 open', nyOffice, '2026-01-14T14:00Z', openUntil('2026-01-14T22:00Z')],
    ['Wed 16:59:59 open', nyOffice, '2026-01-14T21:59:59Z', openUntil('2026-01-14T22:00Z')],
    ['Wed 16:59:59.999 open', nyOffice, '2026-01-14T21:59:59.999Z', openUntil('2026-01-14T22:00Z')],
    ['Wed 17:00 closed, opens Thu 09:00', nyOffice, '2026-01-14T22:00Z', closedUntil('2026-01-15T14:00Z')],
    ['Fri 17:00 closed, opens Mon 09:00', nyOffice, '2026-01-16T22:00Z', closedUntil('2026-01-19T14:00Z')],
    ['Sat noon closed, opens Mon 09:00', nyOffice, '2026-01-17T17:00Z', closedUntil('2026-01-19T14:00Z')],
    ['Sun 23:59 closed, opens Mon 09:00', nyOffice, '2026-01-19T04:59Z', closedUntil('2026-01-19T14:00Z')],
    ['Mon 00:00 local (05:00Z) closed', nyOffice, '2026-01-19T05:00Z', closedUntil('2026-01-19T14:00Z')],
  ]);
});

describe('evaluateHours — across DST changes (offset changes, boundaries stay at local wall-clock time)', () => {
  runTable([
    // New York spring forward 2026-03-08 02:00 EST → 03:00 EDT (07:00Z): 09:00 is 14:00Z before, 13:00Z from then on.
    ['NY Sat 09:00 EST', nyDaily, '2026-03-07T14:00Z', openUntil('2026-03-07T22:00Z')],
    ['NY Sat 17:00 EST → Sun 09:00 EDT', nyDaily, '2026-03-07T22:00Z', closedUntil('2026-03-08T13:00Z')],
    ['NY Sun 08:59:59 EDT', nyDaily, '2026-03-08T12:59:59Z', closedUntil('2026-03-08T13:00Z')],
    ['NY Sun 09:00 EDT', nyDaily, '2026-03-08T13:00Z', openUntil('2026-03-08T21:00Z')],
    ['NY Sun 16:59:59 EDT', nyDaily, '2026-03-08T20:59:59Z', openUntil('2026-03-08T21:00Z')],
    ['NY Sun 17:00 EDT', nyDaily, '2026-03-08T21:00Z', closedUntil('2026-03-09T13:00Z')],
    ['NY office: Fri 17:00 EST → Mon 09:00 EDT', nyOffice, '2026-03-06T22:00Z', closedUntil('2026-03-09T13:00Z')],
    // New York fall back 2026-11-01 02:00 EDT → 01:00 EST (06:00Z).
    ['NY Sat 17:00 EDT → Sun 09:00 EST', nyDaily, '2026-10-31T21:00Z', closedUntil('2026-11-01T14:00Z')],
    ['NY Sun 08:59 EST (an hour after 08:59 EDT would have been)', nyDaily, '2026-11-01T13:59Z', closedUntil('2026-11-01T14:00Z')],
    ['NY Sun 09:00 EST', nyDaily, '2026-11-01T14:00Z', openUntil('2026-11-01T22:00Z')],
    ['NY office: Fri 17:00 EDT → Mon 09:00 EST', nyOffice, '2026-10-30T21:00Z', closedUntil('2026-11-02T14:00Z')],
    // Madrid spring forward 2026-03-29 02:00 CET → 03:00 CEST (01:00Z): 09:00 is 08:00Z before, 07:00Z after.
    ['Madrid Sat 09:00 CET', madridDaily, '2026-03-28T08:00Z', openUntil('2026-03-28T16:00Z')],
    ['Madrid Sat 17:00 CET → Sun 09:00 CEST', madridDaily, '2026-03-28T16:00Z', closedUntil('2026-03-29T07:00Z')],
    ['Madrid Sun 08:59:59 CEST', madridDaily, '2026-03-29T06:59:59Z', closedUntil('2026-03-29T07:00Z')],
    ['Madrid Sun 09:00 CEST', madridDaily, '2026-03-29T07:00Z', openUntil('2026-03-29T15:00Z')],
    // Madrid fall back 2026-10-25 03:00 CEST → 02:00 CET (01:00Z).
    ['Madrid Sat 17:00 CEST → Sun 09:00 CET', madridDaily, '2026-10-24T15:00Z', closedUntil('2026-10-25T08:00Z')],
    ['Madrid Sun 09:00 CET', madridDaily, '2026-10-25T08:00Z', openUntil('2026-10-25T16:00Z')],
    ['Madrid Sun 07:59:59Z (08:59:59 CET) closed', madridDaily, '2026-10-25T07:59:59Z', closedUntil('2026-10-25T08:00Z')],
  ]);

  const nySunday = (ranges: TimeRange[]): BusinessHours => ({ timeZone: 'America/New_York', weekly: { SUN: ranges }, closures: [] });
  runTable([
    // A boundary in the skipped hour (02:00–03:00 does not exist on 2026-03-08) takes the first valid instant after it.
    [
      'NY opens 02:30 on spring-forward day → at 03:00 EDT',
      nySunday([{ open: '02:30', close: '04:00' }]),
      '2026-03-08T06:59:59Z',
      closedUntil('2026-03-08T07:00Z'),
    ],
    [
      'NY 02:30 range open at 03:00 EDT',
      nySunday([{ open: '02:30', close: '04:00' }]),
      '2026-03-08T07:00Z',
      openUntil('2026-03-08T08:00Z'),
    ],
    [
      'NY closes 02:30 on spring-forward day → at 03:00 EDT',
      nySunday([{ open: '01:00', close: '02:30' }]),
      '2026-03-08T06:30Z',
      openUntil('2026-03-08T07:00Z'),
    ],
    [
      'NY 02:00–02:30 on spring-forward day never happens',
      nySunday([{ open: '02:00', close: '02:30' }]),
      '2026-03-08T06:00Z',
      closedUntil('2026-03-15T06:00Z'),
    ],
    // A boundary in the repeated hour (01:00–02:00 happens twice on 2026-11-01) uses the first occurrence.
    [
      'NY opens 01:30 on fall-back day → 01:30 EDT',
      nySunday([{ open: '01:30', close: '05:00' }]),
      '2026-11-01T05:00Z',
      closedUntil('2026-11-01T05:30Z'),
    ],
    [
      'NY 01:30–05:00 lasts 4.5 h on fall-back day',
      nySunday([{ open: '01:30', close: '05:00' }]),
      '2026-11-01T05:30Z',
      openUntil('2026-11-01T10:00Z'),
    ],
    [
      'NY closes 01:30 (EDT) on fall-back day',
      nySunday([{ open: '00:00', close: '01:30' }]),
      '2026-11-01T05:29:59Z',
      openUntil('2026-11-01T05:30Z'),
    ],
    [
      'NY 00:00–01:30 stays closed through the second 01:00–01:30 (EST)',
      nySunday([{ open: '00:00', close: '01:30' }]),
      '2026-11-01T06:15Z',
      closedUntil('2026-11-08T05:00Z'),
    ],
  ]);
});

describe('evaluateHours — overnight 22:00–06:00 Fri and Sat nights, Europe/Madrid (CET = UTC+1)', () => {
  const nights: BusinessHours = {
    timeZone: 'Europe/Madrid',
    weekly: every(['FRI', 'SAT'], [{ open: '22:00', close: '06:00' }]),
    closures: [],
  };
  runTable([
    ['Fri 21:59 closed', nights, '2026-01-16T20:59Z', closedUntil('2026-01-16T21:00Z')],
    ['Fri 22:00 open until Sat 06:00', nights, '2026-01-16T21:00Z', openUntil('2026-01-17T05:00Z')],
    ['Sat 05:59:59 open (Friday’s range)', nights, '2026-01-17T04:59:59Z', openUntil('2026-01-17T05:00Z')],
    ['Sat 06:00 closed, opens Sat 22:00', nights, '2026-01-17T05:00Z', closedUntil('2026-01-17T21:00Z')],
    ['Sat 23:00 open until Sun 06:00', nights, '2026-01-17T22:00Z', openUntil('2026-01-18T05:00Z')],
    ['Sun 03:00 open (Saturday’s range)', nights, '2026-01-18T02:00Z', openUntil('2026-01-18T05:00Z')],
    ['Sun 06:00 closed, opens next Fri 22:00', nights, '2026-01-18T05:00Z', closedUntil('2026-01-23T21:00Z')],
    // Across DST: Sat 22:00 CET → Sun 06:00 CEST is 7 h; Sat 22:00 CEST → Sun 06:00 CET is 9 h.
    ['Sat night into spring-forward Sunday', nights, '2026-03-28T21:00Z', openUntil('2026-03-29T04:00Z')],
    ['Sat night into fall-back Sunday', nights, '2026-10-24T20:00Z', openUntil('2026-10-25T05:00Z')],
    [
      'a closure on Sunday leaves Saturday’s night running into it',
      { ...nights, closures: [{ date: '2026-01-18', name: 'Fiesta' }] },
      '2026-01-18T02:00Z',
      openUntil('2026-01-18T05:00Z'),
    ],
    [
      'a closure on Saturday removes Saturday night (HOLIDAY past midnight too)',
      { ...nights, closures: [{ date: '2026-01-17', name: 'Fiesta' }] },
      '2026-01-17T23:00Z',
      holidayUntil('2026-01-23T21:00Z', 'Fiesta'),
    ],
    [
      'a closure on Saturday does not cut Friday night short',
      { ...nights, closures: [{ date: '2026-01-17', name: 'Fiesta' }] },
      '2026-01-17T04:00Z',
      openUntil('2026-01-17T05:00Z'),
    ],
  ]);
});

describe('evaluateHours — holidays and special hours (New York, EST)', () => {
  const closures: Closure[] = [
    { date: '2026-12-24', name: 'Christmas Eve', ranges: [{ open: '09:00', close: '13:00' }] },
    { date: '2026-12-25', name: 'Christmas' },
    { date: '2026-12-19', name: 'Holiday sale', ranges: [{ open: '10:00', close: '14:00' }] },
    { date: '2027-01-01', name: 'New Year', ranges: [] },
    { date: '2026-12-30' },
  ];
  const office: BusinessHours = { ...nyOffice, closures };
  runTable([
    ['Christmas (Fri) closed all day, opens Mon', office, '2026-12-25T15:00Z', holidayUntil('2026-12-28T14:00Z', 'Christmas')],
    ['Christmas 00:00 local', office, '2026-12-25T05:00Z', holidayUntil('2026-12-28T14:00Z', 'Christmas')],
    ['Christmas Eve before special hours', office, '2026-12-24T13:00Z', holidayUntil('2026-12-24T14:00Z', 'Christmas Eve')],
    ['Christmas Eve special hours 09:00–13:00', office, '2026-12-24T17:59:59Z', openUntil('2026-12-24T18:00Z')],
    ['Christmas Eve after 13:00: opensAt skips Christmas', office, '2026-12-24T18:00Z', holidayUntil('2026-12-28T14:00Z', 'Christmas Eve')],
    ['Wed before Christmas Eve, 17:00 → Thu 09:00', office, '2026-12-23T22:00Z', closedUntil('2026-12-24T14:00Z')],
    ['Fri 17:00 before a Saturday with special hours', office, '2026-12-18T22:00Z', closedUntil('2026-12-19T15:00Z')],
    ['Saturday special hours open', office, '2026-12-19T16:00Z', openUntil('2026-12-19T19:00Z')],
    ['a closure without a name has no holiday field', office, '2026-12-30T16:00Z', holidayUntil('2026-12-31T14:00Z')],
    ['New Year’s Eve 17:00 → skips New Year (Fri) to Mon', office, '2026-12-31T22:00Z', closedUntil('2027-01-04T14:00Z')],
    ['New Year (empty ranges = closed all day)', office, '2027-01-01T17:00Z', holidayUntil('2027-01-04T14:00Z', 'New Year')],
  ]);

  it('uses the first closure when a date is listed twice', () => {
    const hours: BusinessHours = {
      ...nyOffice,
      closures: [
        { date: '2026-01-14', name: 'First' },
        { date: '2026-01-14', name: 'Second', ranges: nineToFive },
      ],
    };
    expect(show(evaluateHours(hours, at('2026-01-14T15:00Z')))).toStrictEqual(norm(holidayUntil('2026-01-15T14:00Z', 'First')));
  });
});

describe('evaluateHours — 24:00, always closed, always open', () => {
  const lateSaturday: BusinessHours = { timeZone: 'America/New_York', weekly: { SAT: [{ open: '18:00', close: '24:00' }] }, closures: [] };
  const alwaysOpen: BusinessHours = {
    timeZone: 'Europe/Madrid',
    weekly: every(ALL_DAYS, [{ open: '00:00', close: '24:00' }]),
    closures: [],
  };
  runTable([
    ['Sat 23:59:59 open, closes at midnight', lateSaturday, '2026-01-18T04:59:59Z', openUntil('2026-01-18T05:00Z')],
    ['Sun 00:00 closed', lateSaturday, '2026-01-18T05:00Z', closedUntil('2026-01-24T23:00Z')],
    [
      '24:00 followed by a 00:00 range merges into one open period',
      { ...lateSaturday, weekly: { ...lateSaturday.weekly, SUN: [{ open: '00:00', close: '02:00' }] } },
      '2026-01-17T23:30Z',
      openUntil('2026-01-18T07:00Z'),
    ],
    ['empty weekly = always closed', { timeZone: 'Asia/Kolkata', weekly: {}, closures: [] }, '2026-06-01T00:00Z', closedUntil(null)],
    [
      'empty weekly + special hours 3 days ahead',
      { timeZone: 'Asia/Kolkata', weekly: {}, closures: [{ date: '2026-06-04', name: 'Open day', ranges: nineToFive }] },
      '2026-06-01T00:00Z',
      closedUntil('2026-06-04T03:30Z'),
    ],
    [
      'empty weekly + special hours 10 days ahead is beyond the look-ahead',
      { timeZone: 'Asia/Kolkata', weekly: {}, closures: [{ date: '2026-06-11', ranges: nineToFive }] },
      '2026-06-01T00:00Z',
      closedUntil(null),
    ],
    ['00:00–24:00 every day = always open', alwaysOpen, '2026-03-29T01:30Z', openUntil(null)],
    [
      '00:00–00:00 every day is also 24 h',
      { ...alwaysOpen, weekly: every(ALL_DAYS, [{ open: '00:00', close: '00:00' }]) },
      '2026-10-25T01:30Z',
      openUntil(null),
    ],
    [
      'always open with a closure 5 days ahead closes at its local midnight',
      { ...alwaysOpen, closures: [{ date: '2026-03-30', name: 'Cierre' }] },
      '2026-03-25T12:00Z',
      openUntil('2026-03-29T22:00Z'),
    ],
    [
      'always open with a closure 10 days ahead',
      { ...alwaysOpen, closures: [{ date: '2026-04-04', name: 'Cierre' }] },
      '2026-03-25T12:00Z',
      openUntil(null),
    ],
    [
      'always open, on the closure day → opens at the next local midnight',
      { ...alwaysOpen, closures: [{ date: '2026-03-30', name: 'Cierre' }] },
      '2026-03-30T10:00Z',
      holidayUntil('2026-03-30T22:00Z', 'Cierre'),
    ],
  ]);

  it('throws RangeError for an unknown time zone (and a missing one)', () => {
    expect(() => evaluateHours({ ...nyOffice, timeZone: 'Mars/Olympus_Mons' }, 0)).toThrow(RangeError);
    expect(() => evaluateHours({ ...nyOffice, timeZone: '' }, 0)).toThrow(RangeError);
    expect(() => evaluateHours({ ...nyOffice, timeZone: undefined as unknown as string }, 0)).toThrow(RangeError);
  });

  it('throws RangeError for malformed hours rather than guessing', () => {
    expect(() => evaluateHours({ ...nyOffice, weekly: { MON: [{ open: '9:00', close: '17:00' }] } }, 0)).toThrow(RangeError);
    expect(() => evaluateHours({ ...nyOffice, closures: [{ date: '2026-02-30' }] }, 0)).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------
// validateHours
// ---------------------------------------------------------------------------------------------

describe('validateHours', () => {
  const valid: BusinessHours = {
    timeZone: 'America/New_York',
    weekly: {
      MON: [
        { open: '09:00', close: '12:00' },
        { open: '12:00', close: '17:00' },
      ],
      FRI: [{ open: '22:00', close: '06:00' }],
      SAT: [{ open: '06:00', close: '24:00' }],
      SUN: [{ open: '00:00', close: '00:00' }],
    },
    closures: [
      { date: '2026-12-25', name: 'Christmas' },
      { date: '2026-12-24', ranges: [{ open: '09:00', close: '13:00' }] },
      { date: '2028-02-29', ranges: [] },
    ],
  };

  it('accepts valid hours (touching ranges, overnight, 24:00, leap day)', () => {
    expect(validateHours(valid)).toEqual([]);
  });

  it.each<[string, BusinessHours, string[]]>([
    ['unknown zone', { ...valid, timeZone: 'Mars/Olympus_Mons' }, ['unknown time zone "Mars/Olympus_Mons"']],
    ['empty zone', { ...valid, timeZone: '' }, ['unknown time zone ""']],
    ['open without a leading zero', { ...valid, weekly: { MON: [{ open: '9:00', close: '17:00' }] } }, ['weekly.MON[0]: open "9:00"']],
    ['open 24:00', { ...valid, weekly: { MON: [{ open: '24:00', close: '02:00' }] } }, ['weekly.MON[0]: open "24:00"']],
    ['minute 60', { ...valid, weekly: { TUE: [{ open: '09:00', close: '12:60' }] } }, ['weekly.TUE[0]: close "12:60"']],
    ['close 24:01', { ...valid, weekly: { TUE: [{ open: '09:00', close: '24:01' }] } }, ['weekly.TUE[0]: close "24:01"']],
    ['unknown weekday', { ...valid, weekly: { MONDAY: nineToFive } as BusinessHours['weekly'] }, ['unknown day "MONDAY"']],
    [
      'bad HH:MM in special hours',
      { ...valid, closures: [{ date: '2026-12-24', ranges: [{ open: '09:00', close: '1pm' }] }] },
      ['closures[0].ranges[0]: close "1pm"'],
    ],
    ['not a calendar date', { ...valid, closures: [{ date: '2026-02-30' }] }, ['closures[0]: date "2026-02-30"']],
    ['not zero-padded', { ...valid, closures: [{ date: '2026-1-5' }] }, ['closures[0]: date "2026-1-5"']],
    ['not a date', { ...valid, closures: [{ date: 'tomorrow' }] }, ['closures[0]: date "tomorrow"']],
    ['Feb 29 in a common year', { ...valid, closures: [{ date: '2027-02-29' }] }, ['closures[0]: date "2027-02-29"']],
    [
      'duplicate closure dates',
      { ...valid, closures: [{ date: '2026-12-25' }, { date: '2026-07-04' }, { date: '2026-12-25', name: 'again' }] },
      ['closures[2]: duplicate date 2026-12-25 (also closures[0])'],
    ],
    [
      'overlapping ranges on a day',
      {
        ...valid,
        weekly: {
          WED: [
            { open: '09:00', close: '12:00' },
            { open: '11:00', close: '13:00' },
          ],
        },
      },
      ['weekly.WED: ranges 09:00–12:00 and 11:00–13:00 overlap'],
    ],
    [
      'a range inside another',
      {
        ...valid,
        weekly: {
          WED: [
            { open: '08:00', close: '18:00' },
            { open: '11:00', close: '13:00' },
          ],
        },
      },
      ['weekly.WED: ranges 08:00–18:00 and 11:00–13:00 overlap'],
    ],
    [
      'two overnight ranges on a day',
      {
        ...valid,
        weekly: {
          WED: [
            { open: '22:00', close: '02:00' },
            { open: '23:00', close: '01:00' },
          ],
        },
      },
      ['weekly.WED: ranges 22:00–02:00 and 23:00–01:00 overlap'],
    ],
    [
      'an overnight range running into the next day’s first range',
      { ...valid, weekly: { MON: [{ open: '22:00', close: '06:00' }], TUE: [{ open: '05:00', close: '09:00' }] } },
      ['weekly.MON: overnight range 22:00–06:00 overlaps TUE range 05:00–09:00'],
    ],
    [
      'Sunday night wraps into Monday',
      { ...valid, weekly: { SUN: [{ open: '20:00', close: '10:00' }], MON: nineToFive } },
      ['weekly.SUN: overnight range 20:00–10:00 overlaps MON range 09:00–17:00'],
    ],
    [
      'overlapping special hours',
      {
        ...valid,
        closures: [
          {
            date: '2026-12-24',
            ranges: [
              { open: '09:00', close: '13:00' },
              { open: '12:30', close: '15:00' },
            ],
          },
        ],
      },
      ['closures[0].ranges: ranges 09:00–13:00 and 12:30–15:00 overlap'],
    ],
  ])('reports %s', (_label, hours, expected) => {
    const problems = validateHours(hours);
    expect(problems).toHaveLength(expected.length);
    expected.forEach((fragment, i) => {
      expect(problems[i]).toContain(fragment);
    });
  });

  it('reports every problem at once', () => {
    const problems = validateHours({
      timeZone: 'Nowhere/Special',
      weekly: {
        MON: [
          { open: '9', close: '17:00' },
          { open: '10:00', close: '11:00' },
          { open: '10:30', close: '12:00' },
        ],
      },
      closures: [{ date: '2026-13-01' }, { date: '2026-05-01' }, { date: '2026-05-01' }],
    });
    expect(problems).toHaveLength(5);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: agreement with a brute-force reference over random schedules and instants in 2026
// ---------------------------------------------------------------------------------------------

/** Days since 1970-01-01 of a local date. */
const dayNumber = (p: { year: number; month: number; day: number }): number => Date.UTC(p.year, p.month - 1, p.day) / DAY;
const dateString = (day: number): string => new Date(day * DAY).toISOString().slice(0, 10);
const toMinutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Local wall clock of an instant as minutes since 1970-01-01 00:00 local, via localParts. */
function wallMinute(t: number, zone: string): number {
  const p = localParts(t, zone);
  return dayNumber(p) * 1440 + p.minutes;
}

/**
 * The latest local wall-clock minute shown at or before `t`. It differs from the wall clock only in
 * the hour repeated after a fall-back, where the clock already showed later times: a boundary at a
 * repeated time happens at its first occurrence and is not re-crossed. Brute force: when the offset
 * changed within the last 3 hours, scan them minute by minute.
 */
function reachedMinute(t: number, zone: string): number {
  const now = wallMinute(t, zone);
  if (now - wallMinute(t - 180 * MINUTE, zone) === 180) return now;
  let max = now;
  for (let k = 1; k <= 180; k++) max = Math.max(max, wallMinute(t - k * MINUTE, zone));
  return max;
}

interface RefSchedule {
  hours: BusinessHours;
  closures: Map<number, Closure>;
}

function refSchedule(hours: BusinessHours): RefSchedule {
  const closures = new Map<number, Closure>();
  for (const c of hours.closures) {
    const [y, m, d] = c.date.split('-').map(Number) as [number, number, number];
    const day = Date.UTC(y, m - 1, d) / DAY;
    if (!closures.has(day)) closures.set(day, c);
  }
  return { hours, closures };
}

const weekdayOf = (day: number): Weekday => (['THU', 'FRI', 'SAT', 'SUN', 'MON', 'TUE', 'WED'] as const)[((day % 7) + 7) % 7]!;
const weeklyOn = (s: RefSchedule, day: number): TimeRange[] => s.hours.weekly[weekdayOf(day)] ?? [];
const rangesOn = (s: RefSchedule, day: number): TimeRange[] => {
  const closure = s.closures.get(day);
  return closure ? (closure.ranges ?? []) : weeklyOn(s, day);
};

/** Whether a range opening on local `day` covers local minute `m` (both counted from 1970-01-01 local). */
function covers(range: TimeRange, day: number, m: number): boolean {
  const open = toMinutes(range.open);
  const close = range.close === '24:00' ? 1440 : toMinutes(range.close);
  const start = day * 1440 + open;
  const end = day * 1440 + (close <= open ? close + 1440 : close);
  return start <= m && m < end;
}

type RefStatus = { open: true } | { open: false; reason: 'HOLIDAY' | 'OUTSIDE_HOURS'; holiday?: string };

/** The reference: wall-clock minute of `t` against the ranges opening today and yesterday. */
function reference(s: RefSchedule, t: number): RefStatus {
  const zone = s.hours.timeZone;
  return referenceAt(s, reachedMinute(t, zone), dayNumber(localParts(t, zone)));
}

/** `m`: the reached local minute (see reachedMinute); `today`: the local date shown now. */
function referenceAt(s: RefSchedule, m: number, today: number): RefStatus {
  const day = Math.floor(m / 1440);
  for (const d of [day - 1, day]) {
    if (rangesOn(s, d).some((r) => covers(r, d, m))) return { open: true };
  }
  let closure = s.closures.get(today);
  for (const d of [day - 1, day]) {
    if (closure) break;
    const c = s.closures.get(d);
    if (c && weeklyOn(s, d).some((r) => covers(r, d, m))) closure = c;
  }
  if (!closure) return { open: false, reason: 'OUTSIDE_HOURS' };
  return closure.name === undefined ? { open: false, reason: 'HOLIDAY' } : { open: false, reason: 'HOLIDAY', holiday: closure.name };
}

const ZONES = ['America/New_York', 'Europe/Madrid', 'Australia/Sydney', 'Asia/Kolkata'] as const;
/** 2026 offset changes (UTC), to bias instants and closures towards them. */
const TRANSITIONS: Record<(typeof ZONES)[number], string[]> = {
  'America/New_York': ['2026-03-08T07:00Z', '2026-11-01T06:00Z'],
  'Europe/Madrid': ['2026-03-29T01:00Z', '2026-10-25T01:00Z'],
  'Australia/Sydney': ['2026-04-04T16:00Z', '2026-10-03T16:00Z'],
  'Asia/Kolkata': [],
};
const YEAR_START = at('2026-01-01T00:00Z');
const YEAR_MS = 365 * DAY;

describe('evaluateHours — property: agrees with a brute-force wall-clock reference', () => {
  it('the transition list is right (the offset changes at each instant)', () => {
    for (const zone of ZONES) {
      for (const tr of TRANSITIONS[zone]) {
        const t = at(tr);
        expect(wallMinute(t, zone) - wallMinute(t - MINUTE, zone), `${zone} ${tr}`).not.toBe(1);
        expect(wallMinute(t - MINUTE, zone) - wallMinute(t - 2 * MINUTE, zone), `${zone} ${tr}`).toBe(1);
      }
    }
  });

  const SEED = 0x0b115;
  const SCHEDULES = 64;
  const INSTANTS = 50;

  it(`${SCHEDULES} random schedules × ${INSTANTS} instants (seed ${SEED})`, () => {
    const rand = seededRandom(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
    const randomTime = (): string => {
      const h = Math.floor(rand() * 24);
      const m = rand() < 0.85 ? pick([0, 30]) : pick([15, 45]);
      return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
    };
    const randomRange = (): TimeRange => ({ open: randomTime(), close: rand() < 0.1 ? '24:00' : randomTime() });
    const randomRanges = (): TimeRange[] => {
      const n = pick([0, 1, 1, 1, 2, 2, 3]);
      return Array.from({ length: n }, randomRange);
    };

    let checked = 0;
    let opens = 0;
    let holidays = 0;
    for (let i = 0; i < SCHEDULES; i++) {
      const zone = ZONES[i % ZONES.length]!;
      const transitions = TRANSITIONS[zone].map(at);
      const kind = rand();
      const weekly: BusinessHours['weekly'] =
        kind < 0.08
          ? every(ALL_DAYS, [{ open: '00:00', close: '24:00' }])
          : kind < 0.14
            ? {}
            : Object.fromEntries(ALL_DAYS.filter(() => rand() < 0.85).map((d) => [d, randomRanges()]));
      // Closures on days around the offset changes and on random days.
      const closureDays = new Set<number>();
      for (const tr of transitions) if (rand() < 0.6) closureDays.add(Math.floor(tr / DAY) + pick([-1, 0, 0, 1]));
      while (closureDays.size < 8) closureDays.add(Math.floor((YEAR_START + rand() * YEAR_MS) / DAY));
      const closures: Closure[] = [...closureDays].map((day) => {
        const r = rand();
        const closure: Closure = { date: dateString(day) };
        if (r < 0.7) closure.name = `Holiday ${day}`;
        if (r > 0.4) closure.ranges = randomRanges();
        return closure;
      });
      const hours: BusinessHours = { timeZone: zone, weekly, closures };
      const ref = refSchedule(hours);

      for (let j = 0; j < INSTANTS; j++) {
        const r = rand();
        const now =
          r < 0.3 && transitions.length > 0
            ? pick(transitions) + Math.floor((rand() - 0.5) * 3 * DAY)
            : r < 0.5
              ? pick([...closureDays]) * DAY + Math.floor((rand() - 0.3) * 2 * DAY)
              : YEAR_START + Math.floor(rand() * YEAR_MS);
        const context = `seed ${SEED} schedule ${i} now ${iso(now)} ${JSON.stringify(hours)}`;
        const status = evaluateHours(hours, now);
        const expected = reference(ref, now);
        checked++;
        if (status.open) {
          opens++;
          expect(expected, context).toEqual({ open: true });
          const { closesAt } = status;
          if (closesAt === null) {
            // Open for the whole look-ahead.
            for (let k = 0; k < 2; k++) expect(reference(ref, now + Math.floor(rand() * 8 * DAY)).open, context).toBe(true);
            continue;
          }
          expect(closesAt, context).toBeGreaterThan(now);
          expect(closesAt, context).toBeLessThanOrEqual(now + 8 * DAY);
          expect(evaluateHours(hours, closesAt - 1).open, `${context} closesAt-1`).toBe(true);
          expect(evaluateHours(hours, closesAt).open, `${context} closesAt`).toBe(false);
          expect(reference(ref, closesAt - 1).open, `${context} ref closesAt-1`).toBe(true);
          expect(reference(ref, closesAt).open, `${context} ref closesAt`).toBe(false);
          expect(reference(ref, now + Math.floor(rand() * (closesAt - now))).open, `${context} ref before closesAt`).toBe(true);
        } else {
          if (status.reason === 'HOLIDAY') holidays++;
          const { opensAt, ...rest } = status;
          expect(rest, context).toStrictEqual(expected);
          if (opensAt === null) {
            for (let k = 0; k < 2; k++) expect(reference(ref, now + Math.floor(rand() * 8 * DAY)).open, context).toBe(false);
            continue;
          }
          expect(opensAt, context).toBeGreaterThan(now);
          expect(opensAt, context).toBeLessThanOrEqual(now + 8 * DAY);
          expect(evaluateHours(hours, opensAt - 1).open, `${context} opensAt-1`).toBe(false);
          expect(evaluateHours(hours, opensAt).open, `${context} opensAt`).toBe(true);
          expect(reference(ref, opensAt - 1).open, `${context} ref opensAt-1`).toBe(false);
          expect(reference(ref, opensAt).open, `${context} ref opensAt`).toBe(true);
          expect(reference(ref, now + Math.floor(rand() * (opensAt - now))).open, `${context} ref before opensAt`).toBe(false);
        }
      }
    }
    // The generator exercises both states and holidays.
    expect(checked).toBe(SCHEDULES * INSTANTS);
    expect(opens).toBeGreaterThan(checked / 5);
    expect(checked - opens).toBeGreaterThan(checked / 5);
    expect(holidays).toBeGreaterThan(50);
  });

  it('in 5-minute steps through DST changes, every boundary is the first instant the state changes', () => {
    // 30-minute boundaries around a fall-back (New York, Sydney) and a spring-forward (Madrid).
    for (const [zone, tr] of [
      ['America/New_York', '2026-11-01T06:00Z'],
      ['Australia/Sydney', '2026-04-04T16:00Z'],
      ['Europe/Madrid', '2026-03-29T01:00Z'],
    ] as const) {
      // The reached wall clock: the running maximum of the wall clock (every boundary and change here is
      // on a 30-minute UTC grid, so 5-minute steps see each one).
      const start = at(tr) - 3 * HOUR;
      const minutes: Array<{ t: number; m: number; today: number }> = [];
      let reached = -Infinity;
      for (let t = start; t <= start + 6 * HOUR; t += 5 * MINUTE) {
        reached = Math.max(reached, wallMinute(t, zone));
        minutes.push({ t, m: reached, today: dayNumber(localParts(t, zone)) });
      }
      for (const open of ['00:30', '01:00', '01:30', '02:00', '02:30', '03:00']) {
        for (const close of ['01:30', '02:00', '02:30', '03:00', '03:30']) {
          const hours: BusinessHours = { timeZone: zone, weekly: every(ALL_DAYS, [{ open, close }]), closures: [] };
          const ref = refSchedule(hours);
          let prev: HoursStatus | null = null;
          for (const { t, m, today } of minutes) {
            const status = evaluateHours(hours, t);
            const context = `${zone} ${open}–${close} at ${iso(t)}`;
            expect(status.open, context).toBe(referenceAt(ref, m, today).open);
            if (prev && status.open !== prev.open) expect(prev.open ? prev.closesAt : prev.opensAt, context).toBe(t);
            prev = status;
          }
        }
      }
    }
  });
});
