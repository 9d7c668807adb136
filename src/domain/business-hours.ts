/**
 * Business hours: is a company open at an instant, and when does that change? Pure: time is passed
 * in (epoch ms), the clock is never read. Time-zone conversion uses the built-in Intl API only.
 * One file on purpose (over 300 lines): evaluation, next-change search and validation share the DST
 * boundary rules below; split apart, the rules would be stated twice.
 *
 * Model
 * - Hours are local wall-clock times in `timeZone`. A range belongs to the local date it OPENS on.
 *   `close` '24:00' ends at the next local midnight; `close <= open` runs past midnight into the
 *   next local day until `close` (22:00–06:00; 00:00–00:00 and 09:00–09:00 are 24-hour ranges).
 * - A closure on local date D affects only the ranges that open on D: without `ranges` (or with an
 *   empty list) nothing opens on D; with `ranges` they replace D's weekly ranges. An overnight range
 *   opened on D-1 still runs into D. With duplicate closure dates the first one wins (validateHours
 *   reports duplicates).
 * - Every boundary (open or close at local date-time X) is the FIRST instant whose local wall clock
 *   reaches X: a time skipped by spring-forward opens/closes at the transition instant (the first
 *   valid instant after it); a time repeated by fall-back uses its first occurrence. A range whose
 *   two boundaries fall on the same instant (e.g. 02:00–02:30 on a spring-forward day) is empty.
 * - Overlapping or touching ranges merge, so `closesAt` is the end of the whole continuous open
 *   period (evaluating at `closesAt` is always closed) and `opensAt` is the start of the next one.
 * - Look-ahead: `closesAt` / `opensAt` are reported when they fall within 8 × 24 h of `now`, else null.
 * - Closed reason: HOLIDAY when the local date of `now` has a closure, or when `now` falls inside a
 *   weekly range that a closure removed or replaced (e.g. the overnight tail of a holiday eve);
 *   `holiday` carries the closure's name when it has one. Otherwise OUTSIDE_HOURS.
 * - evaluateHours throws RangeError for an unknown time zone and for malformed data (bad HH:MM or
 *   closure date); validateHours lists the same problems instead of throwing.
 */

export type Weekday = 'MON' | 'TUE' | 'WED' | 'THU' | 'FRI' | 'SAT' | 'SUN';
/** 'HH:MM' 24h local wall-clock; close '24:00' allowed; close <= open runs past midnight into the next day. */
export interface TimeRange {
  open: string;
  close: string;
}
/** 'YYYY-MM-DD' local date; ranges absent/empty = closed all day; ranges present = special hours replacing the weekly ones that day. */
export interface Closure {
  date: string;
  name?: string;
  ranges?: TimeRange[];
}
export interface BusinessHours {
  timeZone: string;
  weekly: Partial<Record<Weekday, TimeRange[]>>;
  closures: Closure[];
}
export type HoursStatus =
  /** closesAt: epoch ms of the next closing instant (null if open for the whole look-ahead). */
  | { open: true; closesAt: number | null }
  /** opensAt: epoch ms of the next opening instant (null if none within the look-ahead). */
  | { open: false; reason: 'HOLIDAY' | 'OUTSIDE_HOURS'; holiday?: string; opensAt: number | null };

export const WEEKDAYS: readonly Weekday[] = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];
/** How far ahead closesAt / opensAt are searched. */
export const LOOKAHEAD_MS = 8 * 86_400_000;

const MINUTE = 60_000;
const DAY = 86_400_000;
/** getUTCDay order. */
const WEEKDAY_BY_UTC_DAY: readonly Weekday[] = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const OPEN_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

// ---------------------------------------------------------------------------------------------
// Time-zone arithmetic
// ---------------------------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A cached formatter for `timeZone`; RangeError for an unknown zone. */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  if (typeof timeZone !== 'string' || timeZone.trim() === '') {
    // Intl would silently use the host's zone for undefined.
    throw new RangeError(`Unknown time zone ${JSON.stringify(timeZone)}`);
  }
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    try {
      fmt = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new RangeError(`Unknown time zone ${JSON.stringify(timeZone)}`);
    }
    formatters.set(timeZone, fmt);
  }
  return fmt;
}

/** Date.UTC that also handles years 0–99 literally. */
function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const d = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  d.setUTCFullYear(year);
  return d.getTime();
}

function floorMod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/** The local wall clock of `instant` (floored to the second), expressed as if it were UTC ms. */
function wallSeconds(fmt: Intl.DateTimeFormat, instant: number): number {
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const part of fmt.formatToParts(instant)) {
    switch (part.type) {
      case 'year':
        year = Number(part.value);
        break;
      case 'month':
        month = Number(part.value);
        break;
      case 'day':
        day = Number(part.value);
        break;
      case 'hour':
        hour = Number(part.value);
        break;
      case 'minute':
        minute = Number(part.value);
        break;
      case 'second':
        second = Number(part.value);
        break;
      default:
        break;
    }
  }
  return utcMs(year, month, day, hour, minute, second);
}

/** UTC offset (local − UTC, ms) in force at `instant`. */
function offsetAt(fmt: Intl.DateTimeFormat, instant: number): number {
  const second = instant - floorMod(instant, 1000);
  return wallSeconds(fmt, second) - second;
}

function weekdayOfDay(dayNumber: number): Weekday {
  return WEEKDAY_BY_UTC_DAY[floorMod(dayNumber + 4, 7)] as Weekday; // day 0 = 1970-01-01, a Thursday
}

/** Local wall-clock parts of an instant in a zone. RangeError for an unknown zone or a non-finite instant. */
export function localParts(
  instant: number,
  timeZone: string,
): { year: number; month: number; day: number; weekday: Weekday; minutes: number /* since local midnight */ } {
  const fmt = formatterFor(timeZone);
  if (!Number.isFinite(instant)) throw new RangeError(`Invalid instant ${instant}`);
  const wall = wallSeconds(fmt, instant);
  const date = new Date(wall);
  const dayNumber = Math.floor(wall / DAY);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    weekday: weekdayOfDay(dayNumber),
    minutes: Math.floor((wall - dayNumber * DAY) / MINUTE),
  };
}

/**
 * Local wall clock → instant for one zone, memoizing the offsets it samples. Each local date D is
 * checked against the offsets at the (UTC-guess) midnights of D-1 and D+2, which bracket every
 * instant D's times can map to; when they differ a transition is near and the slow path decides.
 */
class ZoneClock {
  private readonly samples = new Map<number, number>();

  constructor(private readonly fmt: Intl.DateTimeFormat) {}

  offsetAt(instant: number): number {
    return offsetAt(this.fmt, instant);
  }

  private sample(dayNumber: number): number {
    let off = this.samples.get(dayNumber);
    if (off === undefined) {
      off = offsetAt(this.fmt, dayNumber * DAY);
      this.samples.set(dayNumber, off);
    }
    return off;
  }

  /** The first instant whose local wall clock reaches `wall` (a local date-time written as UTC ms). */
  firstInstant(wall: number): number {
    const dayNumber = Math.floor(wall / DAY);
    const before = this.sample(dayNumber - 1);
    const after = this.sample(dayNumber + 2);
    if (before === after) {
      const t = wall - before;
      if (this.offsetAt(t) === before) return t;
    }
    return this.firstInstantNearTransition(wall, [before, after, this.offsetAt(wall)]);
  }

  private firstInstantNearTransition(wall: number, offsets: number[]): number {
    // A wall time that exists: the earliest instant showing it (fall-back repeats it).
    let best = Infinity;
    for (const off of new Set(offsets)) {
      const t = wall - off;
      if (t < best && this.offsetAt(t) === off) best = t;
    }
    if (best !== Infinity) return best;
    // A skipped wall time: the transition instant, i.e. the first instant whose wall clock passes it.
    const reaches = (t: number) => t + this.offsetAt(t) >= wall;
    let lo = wall - Math.max(...offsets);
    let hi = wall - Math.min(...offsets);
    if (reaches(lo) || !reaches(hi)) return wall - this.offsetAt(wall); // not a simple gap; best effort
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (reaches(mid)) hi = mid;
      else lo = mid;
    }
    return hi;
  }
}

// ---------------------------------------------------------------------------------------------
// Schedule
// ---------------------------------------------------------------------------------------------

/** A range in minutes after the local midnight of the date it opens on: 0 <= start < end <= start + 1440. */
interface MinuteRange {
  start: number;
  end: number;
}

interface CompiledClosure {
  name: string | undefined;
  ranges: MinuteRange[];
}

interface Compiled {
  weekly: Map<Weekday, MinuteRange[]>;
  closures: Map<number, CompiledClosure>;
}

function parseHHMM(value: unknown, allow24: boolean): number | null {
  if (typeof value !== 'string') return null;
  if (allow24 && value === '24:00') return 1440;
  const m = OPEN_RE.exec(value);
  if (!m) return null;
  return Number(m[1]) * 60 + Number(m[2]);
}

/** 'YYYY-MM-DD' → days since 1970-01-01, or null when malformed or not a calendar date. */
function parseDate(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = DATE_RE.exec(value);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = utcMs(year, month, day);
  const d = new Date(ms);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() + 1 !== month || d.getUTCDate() !== day) return null;
  return Math.round(ms / DAY);
}

function toMinuteRange(range: TimeRange | undefined): MinuteRange | null {
  if (typeof range !== 'object' || range === null) return null;
  const start = parseHHMM(range.open, false);
  const close = parseHHMM(range.close, true);
  if (start === null || close === null) return null;
  const end = close === 1440 ? 1440 : close <= start ? close + 1440 : close;
  return { start, end };
}

function formatRange(range: TimeRange): string {
  return `${String(range.open)}–${String(range.close)}`;
}

function compileRanges(ranges: TimeRange[], where: string): MinuteRange[] {
  return ranges.map((range, i) => {
    const r = toMinuteRange(range);
    if (!r) throw new RangeError(`${where}[${i}]: invalid time range ${JSON.stringify(range)}`);
    return r;
  });
}

function compile(hours: BusinessHours): Compiled {
  const weekly = new Map<Weekday, MinuteRange[]>();
  for (const day of WEEKDAYS) {
    const ranges = hours.weekly?.[day];
    if (ranges && ranges.length > 0) weekly.set(day, compileRanges(ranges, `weekly.${day}`));
  }
  const closures = new Map<number, CompiledClosure>();
  (hours.closures ?? []).forEach((closure, i) => {
    const dayNumber = parseDate(closure?.date);
    if (dayNumber === null) throw new RangeError(`closures[${i}]: invalid date ${JSON.stringify(closure?.date)}`);
    if (closures.has(dayNumber)) return; // first wins
    closures.set(dayNumber, { name: closure.name, ranges: compileRanges(closure.ranges ?? [], `closures[${i}].ranges`) });
  });
  return { weekly, closures };
}

function weeklyRanges(schedule: Compiled, dayNumber: number): MinuteRange[] {
  return schedule.weekly.get(weekdayOfDay(dayNumber)) ?? [];
}

function rangesOpeningOn(schedule: Compiled, dayNumber: number): MinuteRange[] {
  return schedule.closures.get(dayNumber)?.ranges ?? weeklyRanges(schedule, dayNumber);
}

/** Instants [start, end) of the ranges opening on a local date, sorted by start, empty ones dropped. */
function intervalsOn(clock: ZoneClock, ranges: MinuteRange[], dayNumber: number): Array<[number, number]> {
  const midnight = dayNumber * DAY;
  const out: Array<[number, number]> = [];
  for (const r of ranges) {
    const start = clock.firstInstant(midnight + r.start * MINUTE);
    const end = clock.firstInstant(midnight + r.end * MINUTE);
    if (end > start) out.push([start, end]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

/** Whether the company is open at `now`, and until / from when. RangeError for an unknown zone or malformed data. */
export function evaluateHours(hours: BusinessHours, now: number): HoursStatus {
  const fmt = formatterFor(hours.timeZone);
  if (!Number.isFinite(now)) throw new RangeError(`Invalid instant ${now}`);
  const schedule = compile(hours);
  const clock = new ZoneClock(fmt);
  const today = Math.floor(wallSeconds(fmt, now) / DAY);
  const limit = now + LOOKAHEAD_MS;

  // Walk local dates in order; range starts never decrease from one date to the next, so touching
  // or overlapping ranges merge into runs. A run is final once no later date can start inside it.
  let run: [number, number] | null = null;
  const settle = (r: [number, number]): HoursStatus | undefined => {
    if (r[0] <= now && now < r[1]) return { open: true, closesAt: r[1] <= limit ? r[1] : null };
    if (r[0] > now) return closed(schedule, clock, today, now, r[0] <= limit ? r[0] : null);
    return undefined; // entirely in the past
  };
  // Starting two dates back covers overnight ranges still running (and fall-back at midnight).
  for (let d = today - 2; ; d++) {
    // Every range opening on date d or later starts at or after this instant (offsets are < 24 h).
    const earliestStart = d * DAY - DAY;
    if (run && earliestStart > run[1]) {
      const status = settle(run);
      if (status) return status;
      run = null;
    }
    if (earliestStart > limit) break;
    for (const [start, end] of intervalsOn(clock, rangesOpeningOn(schedule, d), d)) {
      if (run && start <= run[1]) {
        run[1] = Math.max(run[1], end);
        continue;
      }
      if (run) {
        const status = settle(run);
        if (status) return status;
      }
      run = [start, end];
    }
  }
  // Only reachable with no run left, or a run reaching past the look-ahead (its end is not final).
  if (run && run[0] <= now && now < run[1]) return { open: true, closesAt: null };
  if (run && run[0] > now) return closed(schedule, clock, today, now, run[0] <= limit ? run[0] : null);
  return closed(schedule, clock, today, now, null);
}

function closed(schedule: Compiled, clock: ZoneClock, today: number, now: number, opensAt: number | null): HoursStatus {
  const holiday = holidayAt(schedule, clock, today, now);
  if (!holiday) return { open: false, reason: 'OUTSIDE_HOURS', opensAt };
  return holiday.name === undefined
    ? { open: false, reason: 'HOLIDAY', opensAt }
    : { open: false, reason: 'HOLIDAY', holiday: holiday.name, opensAt };
}

/** The closure that explains being closed at `now`, if any (see the module comment). */
function holidayAt(schedule: Compiled, clock: ZoneClock, today: number, now: number): CompiledClosure | undefined {
  const todays = schedule.closures.get(today);
  if (todays) return todays;
  for (let d = today - 2; d < today; d++) {
    const closure = schedule.closures.get(d);
    if (!closure) continue;
    if (intervalsOn(clock, weeklyRanges(schedule, d), d).some(([start, end]) => start <= now && now < end)) return closure;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/** Time ranges one day (or one closure) may have; with MAX_CLOSURES, the bounds of the API's cost estimate. */
export const MAX_RANGES_PER_DAY = 12;
/** Closures one schedule may list (more than a year of days). */
export const MAX_CLOSURES = 400;

/** Validation for the API: returns a list of human-readable problems (empty = valid): bad HH:MM, bad date, unknown zone, duplicate closure dates, overlapping ranges on a day. */
export function validateHours(hours: BusinessHours): string[] {
  const problems: string[] = [];
  if (typeof hours !== 'object' || hours === null) return ['business hours must be an object'];

  try {
    formatterFor(hours.timeZone);
  } catch {
    problems.push(`timeZone: unknown time zone ${JSON.stringify(hours.timeZone)} (expected an IANA name such as America/New_York)`);
  }

  const checkRanges = (ranges: unknown, where: string): MinuteRange[] => {
    if (!Array.isArray(ranges)) {
      problems.push(`${where}: must be a list of time ranges`);
      return [];
    }
    if (ranges.length > MAX_RANGES_PER_DAY) problems.push(`${where}: at most ${MAX_RANGES_PER_DAY} time ranges a day`);
    const valid: Array<{ r: MinuteRange; range: TimeRange }> = [];
    ranges.forEach((range: TimeRange, i) => {
      if (typeof range !== 'object' || range === null) {
        problems.push(`${where}[${i}]: must be an object with open and close`);
        return;
      }
      const start = parseHHMM(range.open, false);
      const close = parseHHMM(range.close, true);
      if (start === null) problems.push(`${where}[${i}]: open ${JSON.stringify(range.open)} is not a time HH:MM between 00:00 and 23:59`);
      if (close === null) problems.push(`${where}[${i}]: close ${JSON.stringify(range.close)} is not a time HH:MM between 00:00 and 24:00`);
      const r = toMinuteRange(range);
      if (r) valid.push({ r, range });
    });
    for (let i = 0; i < valid.length; i++) {
      for (let j = i + 1; j < valid.length; j++) {
        const a = valid[i]!;
        const b = valid[j]!;
        if (a.r.start < b.r.end && b.r.start < a.r.end) {
          problems.push(`${where}: ranges ${formatRange(a.range)} and ${formatRange(b.range)} overlap`);
        }
      }
    }
    return valid.map((v) => v.r);
  };

  const weekly: Partial<Record<Weekday, { ranges: TimeRange[]; compiled: MinuteRange[] }>> = {};
  if (typeof hours.weekly !== 'object' || hours.weekly === null || Array.isArray(hours.weekly)) {
    problems.push('weekly: must be an object keyed by MON…SUN');
  } else {
    for (const [key, ranges] of Object.entries(hours.weekly)) {
      if (!(WEEKDAYS as readonly string[]).includes(key)) {
        problems.push(`weekly: unknown day ${JSON.stringify(key)} (expected one of ${WEEKDAYS.join(', ')})`);
        continue;
      }
      if (ranges === undefined) continue;
      const compiled = checkRanges(ranges, `weekly.${key}`);
      weekly[key as Weekday] = { ranges: Array.isArray(ranges) ? ranges : [], compiled };
    }
    // An overnight range's tail must not overlap the next day's ranges (the week wraps SUN → MON).
    WEEKDAYS.forEach((day, i) => {
      const next = WEEKDAYS[(i + 1) % 7] as Weekday;
      for (const tail of (weekly[day]?.compiled ?? []).filter((r) => r.end > 1440)) {
        const tailEnd = tail.end - 1440;
        for (const r of weekly[next]?.compiled ?? []) {
          if (r.start < tailEnd) {
            problems.push(
              `weekly.${day}: overnight range ${hhmm(tail.start)}–${hhmm(tailEnd)} overlaps ${next} range ${hhmm(r.start)}–${hhmm(r.end > 1440 ? r.end - 1440 : r.end)}`,
            );
          }
        }
      }
    });
  }

  if (!Array.isArray(hours.closures)) {
    problems.push('closures: must be a list');
  } else {
    if (hours.closures.length > MAX_CLOSURES) problems.push(`closures: at most ${MAX_CLOSURES} closures`);
    const seen = new Map<number, number>();
    hours.closures.forEach((closure, i) => {
      const where = `closures[${i}]`;
      if (typeof closure !== 'object' || closure === null) {
        problems.push(`${where}: must be an object with a date`);
        return;
      }
      const dayNumber = parseDate(closure.date);
      if (dayNumber === null) {
        problems.push(`${where}: date ${JSON.stringify(closure.date)} is not a valid calendar date YYYY-MM-DD`);
      } else {
        const first = seen.get(dayNumber);
        if (first !== undefined) problems.push(`${where}: duplicate date ${closure.date} (also closures[${first}])`);
        else seen.set(dayNumber, i);
      }
      if (closure.name !== undefined && typeof closure.name !== 'string') problems.push(`${where}: name must be text`);
      if (closure.ranges !== undefined) checkRanges(closure.ranges, `${where}.ranges`);
    });
  }
  return problems;
}

function hhmm(minutes: number): string {
  if (minutes === 1440) return '24:00';
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** The first instant of the local day holding `instant` (midnight, or the end of a DST gap at midnight). */
export function startOfLocalDay(instant: number, timeZone: string): number {
  const p = localParts(instant, timeZone);
  return new ZoneClock(formatterFor(timeZone)).firstInstant(utcMs(p.year, p.month, p.day));
}
