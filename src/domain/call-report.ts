/**
 * Call reports, pure: figures of the call log over a window [from, to), grouped by local hour, local
 * day, agent, queue or number called. Calls are fed one at a time (an accumulator), or as sums the
 * database computed per UTC quarter hour, per offered list and answering agent, or per key
 * (ReportSums: src/services/report-query.ts states the same tally in SQL); either way one tally per group. Definitions are in README §Reports; the
 * ones shared with the live view (offered, service level) are queue-stats.ts's.
 *
 * Local hours and days are the company's (IANA zone, DST-correct): a spring-forward day is 23 hours
 * long and has no 02:00 row; a fall-back day is 25 hours long and has two 01:00 rows (keyed by their
 * instant, labelled with their UTC offset).
 *
 * One file (over 300 lines) on purpose: the figures' types, their tally and the grouping that feeds
 * it state one definition together; split, a figure's doc and its arithmetic would live apart.
 */
import { localParts, startOfLocalDay } from './business-hours.js';

export type ReportGroup = 'HOUR' | 'DAY' | 'AGENT' | 'QUEUE' | 'NUMBER';

/** One CallLog row as the report reads it (instants in epoch ms). */
export interface ReportCall {
  startedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  outcome: string | null;
  answeredAgentId: string | null;
  offeredAgentIds: readonly string[];
  queueId: string | null;
  waitSeconds: number | null;
  /** The company number called. */
  to: string;
}

export interface ReportOptions {
  groupBy: ReportGroup;
  /** IANA zone of the company (HOUR and DAY groups). */
  timeZone: string;
  /** The window, epoch ms: calls that started in [from, to). */
  from: number;
  to: number;
  /** Each queue's serviceLevelSeconds. */
  serviceLevelSeconds: ReadonlyMap<string, number>;
  /** The queue calls with no queueId belong to (the company's default queue), if any. */
  defaultQueueId: string | null;
  /** An abandon this many seconds after arriving or sooner is also counted as abandonedShort. Default 10. */
  abandonedShortSeconds?: number;
  /** Labels of AGENT and QUEUE keys (names); a key without one is labelled with itself. */
  names?: ReadonlyMap<string, string>;
}

export interface ReportFigures {
  /** Every call of the group that started in the window, whatever its outcome (in progress included). */
  calls: number;
  /** Calls with a final outcome other than AFTER_HOURS, UNKNOWN and CALLBACK_PENDING (as the live view). */
  offered: number;
  /** Outcome ANSWERED (AGENT rows: answered by that agent). */
  answered: number;
  /** Answered within the serviceLevelSeconds of the call's queue. */
  answeredInTime: number;
  abandoned: number;
  /** Abandoned at most abandonedShortSeconds after arriving (a subset of abandoned). */
  abandonedShort: number;
  voicemail: number;
  forwarded: number;
  hungUp: number;
  afterHours: number;
  callbackFailed: number;
  /** answeredInTime ÷ offered; null when nothing was offered. */
  serviceLevel: number | null;
  /** abandoned ÷ offered; null when nothing was offered. */
  abandonRate: number | null;
  /** Mean answeredAt − startedAt over answered calls, seconds (0.1); null when none. */
  averageAnswerSeconds: number | null;
  /** Mean endedAt − answeredAt over answered calls that ended, seconds (0.1); null when none. */
  averageHandleSeconds: number | null;
  /** Sum of endedAt − answeredAt over answered calls that ended, whole seconds. */
  talkSeconds: number;
  /** The longest of each call's waitSeconds, time to answer and time to abandon, whole seconds. */
  longestWaitSeconds: number;
  /** AGENT rows (not the no-agent row): calls offered to the agent that ended answered by someone else or nobody; else null. */
  missedOffers: number | null;
  /** AGENT rows: talkSeconds ÷ the window's seconds; else null. */
  occupancy: number | null;
}

export interface ReportRow {
  /** HOUR: the hour's first instant (ISO); DAY: the local date; AGENT/QUEUE: the id ('' = none); NUMBER: the number. */
  key: string;
  label: string;
  /** HOUR and DAY rows: the local hour's or day's first instant and the next one's (epoch ms); else null. */
  start: number | null;
  end: number | null;
  figures: ReportFigures;
}

export interface CallReport {
  rows: ReportRow[];
  /** Every call of the window counted once (not the sum of the rows: a call offered to two agents is in both). */
  totals: ReportFigures;
}

export const DEFAULT_ABANDONED_SHORT_SECONDS = 10;
/** The threshold of a queue with none known (the schema's default). */
export const FALLBACK_SERVICE_LEVEL_SECONDS = 20;

const HOUR = 3_600_000;
/** Offsets are sampled once per this UTC slot: every real zone changes offset on a quarter hour. */
const SLOT = 900_000;
const NOT_OFFERED = new Set(['AFTER_HOURS', 'UNKNOWN', 'CALLBACK_PENDING']);
const NO_AGENT = '';
const NO_QUEUE = '';

/**
 * What a group's figures are computed from: counts, sums and a maximum, so a group can be tallied call
 * by call here or summed by the database (report-service's SQL states the same definitions per call)
 * and still give the same figures through `figures()`.
 */
export interface ReportSums {
  calls: number;
  offered: number;
  answered: number;
  answeredInTime: number;
  abandoned: number;
  abandonedShort: number;
  voicemail: number;
  forwarded: number;
  hungUp: number;
  afterHours: number;
  callbackFailed: number;
  /** Sum of max(0, answeredAt − startedAt) over the answered calls, ms. */
  answerMs: number;
  /** Answered calls that ended. */
  handled: number;
  /** Sum of max(0, endedAt − answeredAt) over those, ms. */
  handleMs: number;
  longestWaitMs: number;
  missedOffers: number;
}

class Tally implements ReportSums {
  calls = 0;
  offered = 0;
  answered = 0;
  answeredInTime = 0;
  abandoned = 0;
  abandonedShort = 0;
  voicemail = 0;
  forwarded = 0;
  hungUp = 0;
  afterHours = 0;
  callbackFailed = 0;
  answerMs = 0;
  handled = 0;
  handleMs = 0;
  longestWaitMs = 0;
  missedOffers = 0;

  /** `answeredHere`: the call counts as answered in this group (AGENT rows: by this agent). */
  add(call: ReportCall, answeredHere: boolean, thresholdMs: number, shortMs: number): void {
    this.calls++;
    const final = call.outcome !== null && !NOT_OFFERED.has(call.outcome);
    if (final) this.offered++;
    switch (call.outcome) {
      case 'ABANDONED':
        this.abandoned++;
        if (abandonedAfterMs(call) <= shortMs) this.abandonedShort++;
        break;
      case 'VOICEMAIL':
        this.voicemail++;
        break;
      case 'FORWARDED':
        this.forwarded++;
        break;
      case 'HUNG_UP':
        this.hungUp++;
        break;
      case 'AFTER_HOURS':
        this.afterHours++;
        break;
      case 'CALLBACK_FAILED':
        this.callbackFailed++;
        break;
      default:
        break;
    }
    if (answeredHere && call.answeredAt !== null) {
      this.answered++;
      const toAnswer = Math.max(0, call.answeredAt - call.startedAt);
      this.answerMs += toAnswer;
      if (toAnswer <= thresholdMs) this.answeredInTime++;
      if (call.endedAt !== null) {
        this.handled++;
        this.handleMs += Math.max(0, call.endedAt - call.answeredAt);
      }
    }
    this.longestWaitMs = Math.max(this.longestWaitMs, waitedMs(call));
  }

  /** Adds another tally's sums (a group summed elsewhere). */
  merge(s: ReportSums): void {
    this.calls += s.calls;
    this.offered += s.offered;
    this.answered += s.answered;
    this.answeredInTime += s.answeredInTime;
    this.abandoned += s.abandoned;
    this.abandonedShort += s.abandonedShort;
    this.voicemail += s.voicemail;
    this.forwarded += s.forwarded;
    this.hungUp += s.hungUp;
    this.afterHours += s.afterHours;
    this.callbackFailed += s.callbackFailed;
    this.answerMs += s.answerMs;
    this.handled += s.handled;
    this.handleMs += s.handleMs;
    this.longestWaitMs = Math.max(this.longestWaitMs, s.longestWaitMs);
    this.missedOffers += s.missedOffers;
  }

  figures(agentRow: boolean, windowMs: number): ReportFigures {
    const talkSeconds = Math.round(this.handleMs / 1000);
    return {
      calls: this.calls,
      offered: this.offered,
      answered: this.answered,
      answeredInTime: this.answeredInTime,
      abandoned: this.abandoned,
      abandonedShort: this.abandonedShort,
      voicemail: this.voicemail,
      forwarded: this.forwarded,
      hungUp: this.hungUp,
      afterHours: this.afterHours,
      callbackFailed: this.callbackFailed,
      serviceLevel: this.offered === 0 ? null : this.answeredInTime / this.offered,
      abandonRate: this.offered === 0 ? null : this.abandoned / this.offered,
      averageAnswerSeconds: this.answered === 0 ? null : tenths(this.answerMs / this.answered / 1000),
      averageHandleSeconds: this.handled === 0 ? null : tenths(this.handleMs / this.handled / 1000),
      talkSeconds,
      longestWaitSeconds: Math.floor(this.longestWaitMs / 1000),
      missedOffers: agentRow ? this.missedOffers : null,
      occupancy: agentRow ? (windowMs > 0 ? this.handleMs / windowMs : 0) : null,
    };
  }
}

const tenths = (x: number) => Math.round(x * 10) / 10;

/** How long after arriving an abandoned caller hung up: endedAt, else the queue wait, else never short. */
function abandonedAfterMs(call: ReportCall): number {
  if (call.endedAt !== null) return Math.max(0, call.endedAt - call.startedAt);
  if (call.waitSeconds !== null) return call.waitSeconds * 1000;
  return Infinity;
}

/** The call's wait: its queue wait, or its time to answer, or (abandoned) its time to hang up, the longest. */
function waitedMs(call: ReportCall): number {
  let ms = (call.waitSeconds ?? 0) * 1000;
  if (call.answeredAt !== null) ms = Math.max(ms, call.answeredAt - call.startedAt);
  else if (call.outcome === 'ABANDONED' && call.endedAt !== null) ms = Math.max(ms, call.endedAt - call.startedAt);
  return ms;
}

const floorMod = (a: number, n: number) => ((a % n) + n) % n;

/** Local offsets of one zone (local − UTC, ms), sampled once per UTC quarter hour. */
class ZoneOffsets {
  private readonly bySlot = new Map<number, number>();
  constructor(readonly timeZone: string) {}

  at(instant: number): number {
    const slot = Math.floor(instant / SLOT);
    let offset = this.bySlot.get(slot);
    if (offset === undefined) {
      const start = slot * SLOT;
      const p = localParts(start, this.timeZone);
      offset = Date.UTC(p.year, p.month - 1, p.day) + p.minutes * 60_000 - start;
      this.bySlot.set(slot, offset);
    }
    return offset;
  }

  /** The first instant of the local hour holding `instant` (an hour repeated by fall-back is two hours). */
  hourStart(instant: number): number {
    return instant - floorMod(instant + this.at(instant), HOUR);
  }

  /** The local wall clock of `instant` written as UTC, for labels. */
  wall(instant: number): Date {
    return new Date(instant + this.at(instant));
  }
}

function offsetLabel(offsetMs: number): string {
  const minutes = Math.round(Math.abs(offsetMs) / 60_000);
  const sign = offsetMs < 0 ? '-' : '+';
  return `UTC${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

interface Bucket {
  key: string;
  label: string;
  start: number | null;
  end: number | null;
  tally: Tally;
}

/**
 * Reads calls one by one and keeps one tally per group: feed every call of the window (calls outside
 * it are ignored), then `finish()`. HOUR and DAY reports list every local hour or day of the window,
 * calls or none, so charts and exports have no holes.
 */
export class CallReportAccumulator {
  private readonly buckets = new Map<string, Bucket>();
  private readonly totals = new Tally();
  private readonly zone: ZoneOffsets;
  private readonly shortMs: number;

  constructor(private readonly options: ReportOptions) {
    if (!(options.to > options.from)) throw new RangeError('a report window ends after it starts');
    this.zone = new ZoneOffsets(options.timeZone);
    this.shortMs = (options.abandonedShortSeconds ?? DEFAULT_ABANDONED_SHORT_SECONDS) * 1000;
    if (options.groupBy === 'HOUR' || options.groupBy === 'DAY') this.openTimeBuckets();
  }

  add(call: ReportCall): void {
    const { from, to, groupBy } = this.options;
    if (call.startedAt < from || call.startedAt >= to) return;
    const thresholdMs = this.thresholdSeconds(call.queueId) * 1000;
    const answered = call.outcome === 'ANSWERED';
    this.totals.add(call, answered, thresholdMs, this.shortMs);
    if (groupBy === 'AGENT') {
      const agents = new Set(call.offeredAgentIds);
      if (call.answeredAgentId !== null) agents.add(call.answeredAgentId);
      if (agents.size === 0) agents.add(NO_AGENT);
      for (const agentId of agents) {
        const tally = this.bucket(agentId).tally;
        const answeredHere = answered && call.answeredAgentId === agentId;
        tally.add(call, answeredHere, thresholdMs, this.shortMs);
        if (agentId !== NO_AGENT && !answeredHere && call.outcome !== null) tally.missedOffers++;
      }
      return;
    }
    this.bucket(this.keyOf(call)).tally.add(call, answered, thresholdMs, this.shortMs);
  }

  /**
   * Adds sums computed elsewhere (the database) to a group: AGENT, QUEUE, NUMBER by the key `add` would
   * have given its calls. Totals are not touched: they count each call once, so the caller adds them
   * with `addTotalSums`.
   */
  addGroupSums(key: string, sums: ReportSums): void {
    this.bucket(key).tally.merge(sums);
  }

  /**
   * HOUR and DAY: adds the sums of calls that started in one UTC quarter hour [instant, +15 min) to
   * the local hour or day holding it. Offsets change only on quarter hours (SLOT), so a quarter hour
   * never straddles two local hours: summing by slot elsewhere loses nothing of the DST rules here.
   */
  addSumsAt(instant: number, sums: ReportSums): void {
    if (instant % SLOT !== 0) throw new RangeError('sums are added per UTC quarter hour');
    this.bucket(this.timeKey(instant)).tally.merge(sums);
  }

  /**
   * AGENT: adds the sums of the calls that share one list of offered agents and one answering agent,
   * to each of those agents' rows as `add` would have: the answering agent's row gets the answered
   * figures; the others only what does not depend on who answered. `withOutcome` and `answeredOutcome`
   * count those calls with an outcome and with outcome ANSWERED (for missedOffers). Totals are not
   * touched (addTotalSums: the same sums once).
   */
  addAgentSums(
    offeredAgentIds: readonly string[],
    answeredAgentId: string | null,
    sums: ReportSums,
    counts: { withOutcome: number; answeredOutcome: number },
  ): void {
    const agents = new Set(offeredAgentIds);
    if (answeredAgentId !== null) agents.add(answeredAgentId);
    if (agents.size === 0) agents.add(NO_AGENT);
    const notAnswered: ReportSums = { ...sums, answered: 0, answeredInTime: 0, answerMs: 0, handled: 0, handleMs: 0, missedOffers: 0 };
    for (const agentId of agents) {
      const tally = this.bucket(agentId).tally;
      const answeredHere = agentId === answeredAgentId;
      tally.merge(answeredHere ? { ...sums, missedOffers: 0 } : notAnswered);
      if (agentId !== NO_AGENT) tally.missedOffers += counts.withOutcome - (answeredHere ? counts.answeredOutcome : 0);
    }
  }

  /** Adds the sums of calls of the window to the totals (see addGroupSums). */
  addTotalSums(sums: ReportSums): void {
    this.totals.merge(sums);
  }

  finish(): CallReport {
    const agentRows = this.options.groupBy === 'AGENT';
    const windowMs = this.options.to - this.options.from;
    const buckets = [...this.buckets.values()];
    if (this.options.groupBy !== 'HOUR' && this.options.groupBy !== 'DAY') {
      // Names in order; the "none" group last.
      buckets.sort((a, b) => Number(a.key === '') - Number(b.key === '') || a.label.localeCompare(b.label) || a.key.localeCompare(b.key));
    }
    return {
      rows: buckets.map((b) => ({
        key: b.key,
        label: b.label,
        start: b.start,
        end: b.end,
        figures: b.tally.figures(agentRows && b.key !== NO_AGENT, windowMs),
      })),
      totals: this.totals.figures(false, windowMs),
    };
  }

  /** The service level threshold of each known queue, and of a call whose queue is none or unknown. */
  thresholds(): { byQueue: ReadonlyMap<string, number>; fallbackSeconds: number } {
    return { byQueue: this.options.serviceLevelSeconds, fallbackSeconds: this.thresholdSeconds(null) };
  }

  private thresholdSeconds(queueId: string | null): number {
    const queue = queueId ?? this.options.defaultQueueId;
    const own = queue === null ? undefined : this.options.serviceLevelSeconds.get(queue);
    if (own !== undefined) return own;
    // A queue deleted since: the default queue's threshold.
    const fallback = this.options.defaultQueueId === null ? undefined : this.options.serviceLevelSeconds.get(this.options.defaultQueueId);
    return fallback ?? FALLBACK_SERVICE_LEVEL_SECONDS;
  }

  private keyOf(call: ReportCall): string {
    switch (this.options.groupBy) {
      case 'HOUR':
      case 'DAY':
        return this.timeKey(call.startedAt);
      case 'QUEUE':
        return call.queueId ?? this.options.defaultQueueId ?? NO_QUEUE;
      case 'NUMBER':
        return call.to;
      case 'AGENT':
        return call.answeredAgentId ?? NO_AGENT;
    }
  }

  /** HOUR: the ISO first instant of the local hour holding `instant`; DAY: its local date. */
  private timeKey(instant: number): string {
    return this.options.groupBy === 'HOUR'
      ? new Date(this.zone.hourStart(instant)).toISOString()
      : this.zone.wall(instant).toISOString().slice(0, 10);
  }

  /** The group of `key`, opened on first use (AGENT, QUEUE, NUMBER: time buckets all exist already). */
  private bucket(key: string): Bucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      const label =
        key === ''
          ? this.options.groupBy === 'AGENT'
            ? '(no agent)'
            : '(no queue)'
          : this.options.groupBy === 'NUMBER'
            ? key
            : (this.options.names?.get(key) ?? key);
      bucket = { key, label, start: null, end: null, tally: new Tally() };
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  /** Every local hour or day that overlaps the window, in order, each with its first and next instant. */
  private openTimeBuckets(): void {
    const { from, to, groupBy } = this.options;
    const starts: Array<{ key: string; start: number }> = [];
    if (groupBy === 'HOUR') {
      // Sampling every quarter hour finds every local hour, however long (30-minute DST shifts included).
      let last = Number.NaN;
      for (let t = from; t < to; t = (Math.floor(t / SLOT) + 1) * SLOT) {
        const start = this.zone.hourStart(t);
        if (start !== last) starts.push({ key: new Date(start).toISOString(), start }), (last = start);
      }
    } else {
      let day = startOfLocalDay(from, this.options.timeZone);
      while (day < to) {
        const key = this.zone.wall(day).toISOString().slice(0, 10);
        starts.push({ key, start: day });
        // 26 h after a day's start is always inside the next day (days last 23 to 25 hours).
        day = startOfLocalDay(day + 26 * HOUR, this.options.timeZone);
      }
    }
    const next = (start: number) =>
      groupBy === 'HOUR' ? this.zone.hourStart(start + HOUR) : startOfLocalDay(start + 26 * HOUR, this.options.timeZone);
    starts.forEach(({ key, start }, i) => {
      const end = starts[i + 1]?.start ?? next(start);
      const wall = this.zone.wall(start).toISOString();
      const label = groupBy === 'HOUR' ? `${wall.slice(0, 10)} ${wall.slice(11, 16)} ${offsetLabel(this.zone.at(start))}` : key;
      this.buckets.set(key, { key, label, start, end, tally: new Tally() });
    });
  }
}

/** The report of a list of calls (the accumulator over an array). */
export function callReport(calls: Iterable<ReportCall>, options: ReportOptions): CallReport {
  const acc = new CallReportAccumulator(options);
  for (const call of calls) acc.add(call);
  return acc.finish();
}
