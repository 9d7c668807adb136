/**
 * The call report's sums in SQL, each figure a `FILTER`ed count, a sum or a max of the company's
 * CallLog rows in the window (ReportSums in src/domain/call-report.ts), so Node receives a few hundred
 * or thousand rows of sums instead of every call (bench/notes.md: a month of 800 k calls in ~4 s on a
 * loaded machine where reading the rows through Prisma took 25-34 s). The pure accumulator stays the
 * definition: it turns these sums into figures, labels, local hours and days and agent rows, and
 * test/integration/report-sql.test.ts holds the result to callReport on the same calls, DST days
 * included. PGlite is Postgres, so one statement serves both engines.
 *
 * Grouping: HOUR and DAY by UTC quarter hour (the core maps each to its local hour or day: no
 * `date_trunc(... AT TIME ZONE)` here, which would merge a fall-back day's two 01:00 hours); AGENT by
 * offered list and answering agent (the core gives each agent its part); QUEUE and NUMBER by key.
 *
 * Each CASE below restates one line of call-report.ts's Tally.add, abandonedAfterMs or waitedMs; edit
 * them together. Instants are `timestamp(3)` in UTC, so every difference is a whole number of ms.
 */
import type { ReportGroup, ReportSums } from '../domain/call-report.js';
import type { Db } from '../infra/db.js';

export interface ReportQuery {
  companyId: string;
  from: Date;
  to: Date;
  /** HOUR, DAY: summed per UTC slot; AGENT: per offered list and answering agent (see GroupSums). */
  groupBy: ReportGroup;
  serviceLevelSeconds: ReadonlyMap<string, number>;
  /** The threshold of a call whose queue is none or not in serviceLevelSeconds. */
  fallbackServiceLevelSeconds: number;
  defaultQueueId: string | null;
  abandonedShortSeconds: number;
}

export interface GroupSums {
  /** AGENT: the calls' offered agents and answering agent, and how many had an outcome, and outcome ANSWERED. */
  agents?: { offeredAgentIds: string[]; answeredAgentId: string | null; withOutcome: number; answeredOutcome: number };
  /** HOUR, DAY: the first instant of a UTC slot of REPORT_SLOT_MS (epoch ms, as text); QUEUE, NUMBER: the id or number ('' = none). */
  key: string;
  sums: ReportSums;
}

/** Milliseconds between two timestamp(3) columns. */
const ms = (later: string, earlier: string) => `(extract(epoch from (${later} - ${earlier})) * 1000)`;

/** The UTC slot HOUR and DAY reports are summed by: local hours and days are whole slots in every zone. */
export const REPORT_SLOT_MS = 900_000;

/** The group's key per call (HOUR and DAY are summed per slot, then keyed by the pure core). */
function keyOf(groupBy: 'QUEUE' | 'NUMBER' | 'AGENT'): string {
  switch (groupBy) {
    case 'QUEUE':
      return `coalesce(c."queueId", p.default_queue, '')`;
    case 'NUMBER':
      return 'c."to"';
    case 'AGENT':
      // One group per offered list and answering agent (a few hundred): the pure core splits each into
      // its agents' rows, so the database never multiplies the window's rows by their agents.
      return `'' AS key, c."offeredAgentIds" AS "offeredAgentIds", c."answeredAgentId"`;
  }
}

/** Sums per group of the company's calls that started in [from, to). */
export async function reportSums(db: Db, q: ReportQuery): Promise<GroupSums[]> {
  // Answered: ANSWERED with an answer instant (AGENT rows: by that agent, which the pure core decides).
  const here = `(c.outcome = 'ANSWERED' AND c."answeredAt" IS NOT NULL)`;
  const answerMs = `greatest(0, ${ms('c."answeredAt"', 'c."startedAt"')})`;
  const aggregates = `
  count(*)::float8 AS calls,
  count(*) FILTER (WHERE c.outcome IS NOT NULL AND c.outcome NOT IN ('AFTER_HOURS', 'UNKNOWN', 'CALLBACK_PENDING'))::float8 AS offered,
  count(*) FILTER (WHERE ${here})::float8 AS answered,
  count(*) FILTER (WHERE ${here} AND ${answerMs} <= coalesce(t.seconds::int, p.fallback_seconds) * 1000)::float8 AS "answeredInTime",
  count(*) FILTER (WHERE c.outcome = 'ABANDONED')::float8 AS abandoned,
  count(*) FILTER (WHERE c.outcome = 'ABANDONED' AND CASE
    WHEN c."endedAt" IS NOT NULL THEN greatest(0, ${ms('c."endedAt"', 'c."startedAt"')})
    WHEN c."waitSeconds" IS NOT NULL THEN c."waitSeconds" * 1000 END <= p.short_ms)::float8 AS "abandonedShort",
  count(*) FILTER (WHERE c.outcome = 'VOICEMAIL')::float8 AS voicemail,
  count(*) FILTER (WHERE c.outcome = 'FORWARDED')::float8 AS forwarded,
  count(*) FILTER (WHERE c.outcome = 'HUNG_UP')::float8 AS "hungUp",
  count(*) FILTER (WHERE c.outcome = 'AFTER_HOURS')::float8 AS "afterHours",
  count(*) FILTER (WHERE c.outcome = 'CALLBACK_FAILED')::float8 AS "callbackFailed",
  coalesce(sum(${answerMs}) FILTER (WHERE ${here}), 0)::float8 AS "answerMs",
  count(*) FILTER (WHERE ${here} AND c."endedAt" IS NOT NULL)::float8 AS handled,
  coalesce(sum(greatest(0, ${ms('c."endedAt"', 'c."answeredAt"')})) FILTER (WHERE ${here} AND c."endedAt" IS NOT NULL), 0)::float8 AS "handleMs",
  coalesce(max(greatest(0, coalesce(c."waitSeconds", 0) * 1000, CASE
    WHEN c."answeredAt" IS NOT NULL THEN ${ms('c."answeredAt"', 'c."startedAt"')}
    WHEN c.outcome = 'ABANDONED' AND c."endedAt" IS NOT NULL THEN ${ms('c."endedAt"', 'c."startedAt"')} END)), 0)::float8 AS "longestWaitMs",
  0::float8 AS "missedOffers",
  count(*) FILTER (WHERE c.outcome IS NOT NULL)::float8 AS "withOutcome",
  count(*) FILTER (WHERE c.outcome = 'ANSWERED')::float8 AS "answeredOutcome"
`;
  const from = `"CallLog" c
  CROSS JOIN (SELECT $4::int AS fallback_seconds, $5::text AS default_queue, $6::float8 AS short_ms, $7::jsonb AS thresholds) p
  LEFT JOIN jsonb_each_text(p.thresholds) t(queue, seconds) ON t.queue = coalesce(c."queueId", p.default_queue)`;
  const time = q.groupBy === 'HOUR' || q.groupBy === 'DAY';
  // HOUR and DAY: one aggregate per UTC slot, each an index range of its own rows (no sort of the
  // window's rows, and no time zone arithmetic here: the pure core keys each slot's sums by its local
  // hour or day, DST and all). Other groups: one GROUP BY over the window, a handful of groups.
  const sql = time
    ? `
SELECT (extract(epoch from s.start) * 1000)::bigint::text AS key, agg.*
FROM generate_series($8::timestamp(3), $3::timestamp(3) - interval '1 millisecond', interval '${REPORT_SLOT_MS / 60_000} minutes') s(start)
CROSS JOIN LATERAL (
  SELECT ${aggregates}
  FROM ${from}
  WHERE c."companyId" = $1::text AND c."direction" = 'inbound' AND c."startedAt" >= greatest(s.start, $2::timestamp(3))
    AND c."startedAt" < least(s.start + interval '${REPORT_SLOT_MS / 60_000} minutes', $3::timestamp(3))
) agg
WHERE agg.calls > 0`
    : `
SELECT ${q.groupBy === 'AGENT' ? keyOf('AGENT') : `${keyOf(q.groupBy as 'QUEUE' | 'NUMBER')} AS key`}, ${aggregates}
FROM ${from}
WHERE c."companyId" = $1::text AND c."direction" = 'inbound' AND c."startedAt" >= $2::timestamp(3) AND c."startedAt" < $3::timestamp(3)
GROUP BY ${q.groupBy === 'AGENT' ? '2, 3' : '1'}`;
  // timestamp(3) holds UTC wall clocks: an ISO instant without its Z.
  const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 23);
  const params: unknown[] = [
    q.companyId,
    stamp(q.from.getTime()),
    stamp(q.to.getTime()),
    q.fallbackServiceLevelSeconds,
    q.defaultQueueId,
    q.abandonedShortSeconds * 1000,
    JSON.stringify(Object.fromEntries(q.serviceLevelSeconds)),
  ];
  if (time) params.push(stamp(Math.floor(q.from.getTime() / REPORT_SLOT_MS) * REPORT_SLOT_MS));
  type Row = ReportSums & {
    key: string;
    withOutcome: number;
    answeredOutcome: number;
    offeredAgentIds?: string[];
    answeredAgentId?: string | null;
  };
  // On a 10 M-row log, EXPLAIN showed Postgres spending 0.6-1.9 s compiling JIT code for a month's
  // report (bench/notes.md): off for this statement only (PGlite has no JIT; the setting is accepted).
  const [, rows] = await db.$transaction([db.$executeRawUnsafe('SET LOCAL jit = off'), db.$queryRawUnsafe<Row[]>(sql, ...params)]);
  return rows.map(({ key, withOutcome, answeredOutcome, offeredAgentIds, answeredAgentId, ...sums }) => ({
    key,
    sums,
    ...(offeredAgentIds && { agents: { offeredAgentIds, answeredAgentId: answeredAgentId ?? null, withOutcome, answeredOutcome } }),
  }));
}
