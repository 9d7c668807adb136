/**
 * The call report's sums in SQL: one `GROUP BY` over the company's CallLog rows of the window, each
 * figure a `FILTER`ed count or a sum (src/domain/call-report.ts's ReportSums), so Postgres reads the
 * month's rows and Node receives one row per group instead of every call (bench/notes.md: ~15 s → ~1 s
 * on 790 k calls). The pure accumulator stays the definition: it turns these sums into figures and
 * labels, and test/integration/report-sql.test.ts holds this SQL to it call by call, DST days included.
 * PGlite is Postgres, so one statement serves both engines.
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
  timeZone: string;
  /** TOTAL: every call once, in one row (AGENT rows count a call once per agent). */
  groupBy: ReportGroup | 'TOTAL';
  serviceLevelSeconds: ReadonlyMap<string, number>;
  /** The threshold of a call whose queue is none or not in serviceLevelSeconds. */
  fallbackServiceLevelSeconds: number;
  defaultQueueId: string | null;
  abandonedShortSeconds: number;
}

export interface GroupSums {
  /** HOUR: the local hour's first instant (epoch ms, as text); DAY: the local date; else the id or number ('' = none). */
  key: string;
  sums: ReportSums;
}

/** Milliseconds between two timestamp(3) columns. */
const ms = (later: string, earlier: string) => `(extract(epoch from (${later} - ${earlier})) * 1000)`;
/** Epoch ms of a UTC timestamp(3) column. */
const epochMs = (column: string) => `(extract(epoch from ${column}) * 1000)`;
/** The local wall clock (timestamp) of a UTC timestamp column in zone $4. */
const local = (column: string) => `((${column} AT TIME ZONE 'UTC') AT TIME ZONE p.tz)`;

/**
 * The group's key per call. HOUR: the instant minus its local time's offset into the hour (as
 * ZoneOffsets.hourStart), so fall-back's two 01:00 hours stay two groups; DAY: the local date.
 */
function keyOf(groupBy: ReportQuery['groupBy']): string {
  switch (groupBy) {
    case 'HOUR':
      return `(${epochMs('c."startedAt"')} - mod(${epochMs(local('c."startedAt"'))}, 3600000))::bigint::text`;
    case 'DAY':
      return `to_char(${local('c."startedAt"')}, 'YYYY-MM-DD')`;
    case 'QUEUE':
      return `coalesce(c."queueId", p.default_queue, '')`;
    case 'NUMBER':
      return 'c."to"';
    case 'AGENT':
      return 'g.agent';
    case 'TOTAL':
      return `''`;
  }
}

/** Sums per group of the company's calls that started in [from, to). */
export async function reportSums(db: Db, q: ReportQuery): Promise<GroupSums[]> {
  const agent = q.groupBy === 'AGENT';
  // AGENT: a call is in the row of each agent offered it or answering it, once each; none: the '' row.
  const agents = agent
    ? `CROSS JOIN LATERAL unnest(coalesce(nullif(ARRAY(
         SELECT DISTINCT a FROM unnest(c."offeredAgentIds" || c."answeredAgentId") a WHERE a IS NOT NULL), '{}'), ARRAY['']::text[])) g(agent)`
    : '';
  // Answered in this group: ANSWERED with an answer instant (AGENT rows: answered by this agent).
  const here = `(c.outcome = 'ANSWERED' AND c."answeredAt" IS NOT NULL${agent ? ' AND c."answeredAgentId" = g.agent' : ''})`;
  const answerMs = `greatest(0, ${ms('c."answeredAt"', 'c."startedAt"')})`;
  const sql = `
SELECT ${keyOf(q.groupBy)} AS key,
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
  ${
    agent
      ? `count(*) FILTER (WHERE g.agent <> '' AND c.outcome IS NOT NULL
      AND NOT (c.outcome = 'ANSWERED' AND c."answeredAgentId" IS NOT DISTINCT FROM g.agent))::float8`
      : '0::float8'
  } AS "missedOffers"
FROM "CallLog" c
CROSS JOIN (SELECT $4::text AS tz, $5::int AS fallback_seconds, $6::text AS default_queue, $7::float8 AS short_ms, $8::jsonb AS thresholds) p
LEFT JOIN jsonb_each_text(p.thresholds) t(queue, seconds) ON t.queue = coalesce(c."queueId", p.default_queue)
${agents}
WHERE c."companyId" = $1::text AND c."startedAt" >= $2::timestamp(3) AND c."startedAt" < $3::timestamp(3)
GROUP BY 1`;
  const thresholds = JSON.stringify(Object.fromEntries(q.serviceLevelSeconds));
  const rows = await db.$queryRawUnsafe<(ReportSums & { key: string })[]>(
    sql,
    q.companyId,
    // timestamp(3) holds UTC wall clocks: the ISO instant without its Z.
    q.from.toISOString().slice(0, 23),
    q.to.toISOString().slice(0, 23),
    q.timeZone,
    q.fallbackServiceLevelSeconds,
    q.defaultQueueId,
    q.abandonedShortSeconds * 1000,
    thresholds,
  );
  return rows.map(({ key, ...sums }) => ({ key, sums }));
}
