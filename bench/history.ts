/**
 * The history phase (issue 17: "a company with 10 million calls pages in ≤ 50 ms"): seeds one
 * company's call log with millions of rows in one `INSERT … SELECT … FROM generate_series` per chunk
 * (Postgres only, no Prisma per row), then times the running service's `calls` pages (first, deep,
 * filtered), `callReport` for a month and the month's report CSV, over HTTP with a supervisor token.
 *
 * The rows are deterministic: row g (1 = newest) starts `g · span / calls` before the end, and a
 * multiplicative hash of g picks its outcome, agent, queue, wait and caller, so every run reads the
 * same log. The secondary indexes are dropped while seeding and rebuilt after (as Prisma's migration
 * declared them): building an index once is minutes faster than maintaining it over 10 million inserts.
 */
import pg from 'pg';
import { encodeCursor } from '../src/domain/call-history.js';
import { agentId, companyId, companyNumber } from './lib/fixtures.js';
import { summarize, type LatencySummary } from './lib/stats.js';

/** The history phase's sizes (settings.history). */
export interface HistorySettings {
  /** Calls of the big company (company 0). */
  calls: number;
  /** Over how many days back from the end its calls are spread. */
  days: number;
  agents: number;
  queues: number;
  /** Companies 1.. with `smallCalls` each, so the big one is not alone in the table. */
  smallCompanies: number;
  smallCalls: number;
  /** Timed requests per page kind (after `warmup` untimed ones). */
  repeats: number;
  warmup: number;
  /** Timed runs of each report. */
  reportRuns: number;
  /** Rows per INSERT statement (one progress line each). */
  chunk: number;
}

/** The big company's time zone: local dates and DAY groups are not UTC's. */
export const HISTORY_TIME_ZONE = 'Europe/Madrid';
/** The goal of issue 17 for a page of the history. */
export const HISTORY_PAGE_GOAL_MS = 50;
/** A caller prefix matching about 1 call in 100 (two digits after +346, uniformly spread). */
export const CALLER_PREFIX = '+34612';
const PAGE_SIZE = 50;

export const historyQueueId = (company: number, queue: number) => `bench-q-${company}-${queue}`;
/** Row g of a company's log (the row's primary key). */
const rowId = (company: number, g: number) => `hist-${company}-${String(g).padStart(9, '0')}`;
/** Whole milliseconds between a company's consecutive calls, so a row's startedAt is known exactly (cursors). */
const stepMs = (days: number, calls: number) => Math.max(1, Math.floor((days * 86_400_000) / calls));

export interface HistorySeed {
  rows: number;
  seedMs: number;
  indexMs: number;
  analyzeMs: number;
  /** The instant the newest call starts (epoch ms); the log reaches back `days` from it. */
  endMs: number;
  tableBytes: number;
  indexBytes: number;
}

export interface HistoryPage {
  name: string;
  /** What the request asks (filter, cursor's age). */
  what: string;
  latencyMs: LatencySummary;
  /** Calls on the last page answered (a full page is PAGE_SIZE). */
  nodes: number;
  errors: number;
}

export interface HistoryReport {
  name: string;
  latencyMs: LatencySummary;
  rows: number;
  offered: number | null;
  errors: number;
}

export interface HistoryCsv {
  name: string;
  /** Request sent → last byte received, each run. */
  latencyMs: LatencySummary;
  /** Data lines of the last run (without the header). */
  rows: number;
  bytes: number;
  errors: number;
}

export interface HistoryRow {
  measuredAt: string;
  seed: HistorySeed;
  pageSize: number;
  pages: HistoryPage[];
  reports: HistoryReport[];
  csv: HistoryCsv[];
  /** The month the reports and CSV read, in ISO instants [from, to). */
  month: { from: string; to: string };
}

/**
 * Seeds the call log of company 0 (`calls` rows) and companies 1..smallCompanies (`smallCalls` each),
 * the companies already seeded by seedPopulation; sets company 0's time zone; ANALYZE.
 */
export async function seedHistory(databaseUrl: string, s: HistorySettings, log: (line: string) => void): Promise<HistorySeed> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`SET synchronous_commit = off`);
    await client.query(`SET maintenance_work_mem = '512MB'`);
    await client.query(`UPDATE "Company" SET "timeZone" = $1 WHERE id = $2`, [HISTORY_TIME_ZONE, companyId(0)]);
    const { rows: indexes } = await client.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'CallLog' AND indexname <> 'CallLog_pkey'`,
    );
    for (const i of indexes) await client.query(`DROP INDEX "${i.indexname}"`);
    // The newest call starts at the last whole minute: pages near "now" are the first pages.
    const endMs = Math.floor(Date.now() / 60_000) * 60_000;
    const started = performance.now();
    let rows = 0;
    const companies = [
      { index: 0, calls: s.calls },
      ...Array.from({ length: s.smallCompanies }, (_, k) => ({ index: k + 1, calls: s.smallCalls })),
    ];
    for (const c of companies) {
      for (let lo = 1; lo <= c.calls; lo += s.chunk) {
        const hi = Math.min(c.calls, lo + s.chunk - 1);
        await client.query(INSERT_CALLS, [
          companyId(c.index),
          `hist-${c.index}-`,
          companyNumber(c.index),
          new Date(endMs).toISOString().slice(0, 23),
          stepMs(s.days, c.calls),
          lo,
          hi,
          `bench-ag-`,
          c.index * s.agents,
          s.agents,
          `bench-q-${c.index}-`,
          s.queues,
        ]);
        rows += hi - lo + 1;
        const seconds = (performance.now() - started) / 1000;
        if (c.index === 0 || hi === c.calls)
          log(
            `· history: ${rows.toLocaleString('en-US')} calls seeded (${Math.round(rows / Math.max(0.001, seconds)).toLocaleString('en-US')}/s)`,
          );
      }
    }
    const seedMs = Math.round(performance.now() - started);
    log(`· history: rebuilding ${indexes.length} indexes`);
    const indexStarted = performance.now();
    for (const i of indexes) await client.query(i.indexdef);
    const indexMs = Math.round(performance.now() - indexStarted);
    const analyzeStarted = performance.now();
    await client.query(`VACUUM ANALYZE "CallLog"`);
    const analyzeMs = Math.round(performance.now() - analyzeStarted);
    const { rows: size } = await client.query<{ t: string; i: string }>(
      `SELECT pg_table_size('"CallLog"') AS t, pg_indexes_size('"CallLog"') AS i`,
    );
    return { rows, seedMs, indexMs, analyzeMs, endMs, tableBytes: Number(size[0]!.t), indexBytes: Number(size[0]!.i) };
  } finally {
    await client.end();
  }
}

/**
 * Rows lo..hi of one company. h is a multiplicative hash of g; its bit ranges pick, independently:
 * the outcome (65% answered, 12% abandoned, 9% voicemail, 5% hung up, 5% forwarded, 4% after hours),
 * the agent, the queue, the wait (0-119 s), the talk time and the caller. Answered calls that waited
 * over 20 s were offered to the next agent first. After-hours calls never reached a queue or an agent.
 */
const INSERT_CALLS = `
INSERT INTO "CallLog" (id, "companyId", "callSid", "from", "to", "startedAt", "answeredAt", "endedAt", "offeredAgentIds",
  "answeredAgentId", outcome, "queueId", "waitSeconds", "callbackRequested", timeline, direction)
SELECT $2 || lpad(g::text, 9, '0'), $1, 'CAhist' || $2 || g, '+346' || lpad(((h * 31) % 100000000)::text, 8, '0'), $3,
  started,
  CASE WHEN outcome = 'ANSWERED' THEN started + wait * interval '1 second' END,
  started + (wait + CASE WHEN outcome = 'ANSWERED' THEN 30 + (h >> 20) % 400 WHEN outcome = 'VOICEMAIL' THEN 30 ELSE 0 END) * interval '1 second',
  CASE WHEN outcome = 'AFTER_HOURS' THEN '{}'::text[]
       WHEN outcome IN ('ANSWERED', 'VOICEMAIL') AND wait > 20 THEN ARRAY[$8 || ($9 + (agent + 1) % $10), $8 || ($9 + agent)]
       ELSE ARRAY[$8 || ($9 + agent)] END,
  CASE WHEN outcome = 'ANSWERED' THEN $8 || ($9 + agent) END,
  outcome,
  CASE WHEN outcome <> 'AFTER_HOURS' THEN $11 || queue END,
  CASE WHEN outcome <> 'AFTER_HOURS' THEN wait END,
  false, '[]'::jsonb, 'inbound'
FROM (
  SELECT g, h, $4::timestamp - (g::bigint * $5::bigint) * interval '1 millisecond' AS started,
    CASE WHEN (h >> 8) % 100 < 65 THEN 'ANSWERED' WHEN (h >> 8) % 100 < 77 THEN 'ABANDONED'
         WHEN (h >> 8) % 100 < 86 THEN 'VOICEMAIL' WHEN (h >> 8) % 100 < 91 THEN 'HUNG_UP'
         WHEN (h >> 8) % 100 < 96 THEN 'FORWARDED' ELSE 'AFTER_HOURS' END AS outcome,
    ((h >> 16) % $10)::int AS agent, ((h >> 4) % $12)::int AS queue, ((h >> 12) % 120)::int AS wait
  FROM (SELECT g, (g::bigint * 2654435761) % 4294967296 AS h FROM generate_series($6::int, $7::int) g) hashed
) picked`;

const PAGE_QUERY = `query($c: ID!, $first: Int, $after: String, $f: CallFilter) {
  calls(companyId: $c, first: $first, after: $after, filter: $f) {
    nodes { id callSid from to startedAt answeredAt endedAt outcome direction waitSeconds talkSeconds answeredBy { id displayName } queue { id } }
    pageInfo { endCursor hasNextPage }
  }
}`;

const REPORT_QUERY = `query($c: ID!, $from: DateTime!, $to: DateTime!, $g: ReportGroup!) {
  callReport(companyId: $c, from: $from, to: $to, groupBy: $g) {
    rowCount
    totals { offered answered abandoned voicemail }
  }
}`;

const localDate = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: HISTORY_TIME_ZONE }).format(new Date(ms));

/** Times the pages, reports and CSV of company 0 on the service at `url`, as its supervisor (`token`). */
export async function measureHistory(
  url: string,
  token: string,
  s: HistorySettings,
  seed: HistorySeed,
  log: (line: string) => void,
): Promise<Omit<HistoryRow, 'measuredAt' | 'seed'>> {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const graphql = async (query: string, variables: Record<string, unknown>) => {
    const res = await fetch(`${url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data?: Record<string, unknown>; errors?: { message: string }[] };
    if (!res.ok || body.errors?.length) throw new Error(`${res.status} ${body.errors?.map((e) => e.message).join('; ') ?? ''}`);
    return body.data!;
  };
  const dayMs = 86_400_000;
  // Row g starts g·span/calls before the end: the row ~6 months back is g = calls · 182 / days.
  const deepG = Math.max(1, Math.min(s.calls, Math.round((s.calls * Math.min(182, s.days / 2)) / s.days)));
  const step = stepMs(s.days, s.calls);
  const deepCursor = encodeCursor({ startedAt: seed.endMs - deepG * step, id: rowId(0, deepG) });
  // A local month-long range about three months back (a fifth of the span in a tiny run).
  const rangeEnd = seed.endMs - Math.min(70, s.days / 5) * dayMs;
  const range = { from: localDate(rangeEnd - 30 * dayMs), to: localDate(rangeEnd) };
  const kinds: { name: string; what: string; vars: Record<string, unknown> }[] = [
    { name: 'first page', what: 'newest first, no filter', vars: {} },
    { name: 'deep page', what: `after a cursor ~${Math.round((deepG * step) / dayMs)} days back`, vars: { after: deepCursor } },
    { name: 'outcome', what: 'outcome VOICEMAIL (9% of calls)', vars: { f: { outcome: 'VOICEMAIL' } } },
    { name: 'queue', what: `queue ${historyQueueId(0, 3)} (1 in ${s.queues})`, vars: { f: { queueId: historyQueueId(0, 3) } } },
    { name: 'agent', what: `agent ${agentId(7)} (offered or answered, ~1 in ${s.agents})`, vars: { f: { agentId: agentId(7) } } },
    { name: 'date range', what: `local dates ${range.from} … ${range.to} (${HISTORY_TIME_ZONE})`, vars: { f: range } },
    { name: 'caller prefix', what: `caller ${CALLER_PREFIX}… (~1 in 100)`, vars: { f: { caller: CALLER_PREFIX } } },
    {
      name: 'deep page, outcome',
      what: 'outcome VOICEMAIL after the deep cursor',
      vars: { after: deepCursor, f: { outcome: 'VOICEMAIL' } },
    },
  ];
  const pages: HistoryPage[] = [];
  for (const kind of kinds) {
    const vars = { c: companyId(0), first: PAGE_SIZE, ...kind.vars };
    const times: number[] = [];
    let nodes = 0;
    let errors = 0;
    for (let i = 0; i < s.warmup + s.repeats; i++) {
      const started = performance.now();
      try {
        const data = (await graphql(PAGE_QUERY, vars)) as { calls: { nodes: unknown[] } };
        nodes = data.calls.nodes.length;
      } catch (err) {
        errors++;
        if (errors === 1) log(`· history: ${kind.name} failed: ${(err as Error).message}`);
      }
      if (i >= s.warmup) times.push(performance.now() - started);
    }
    const latencyMs = summarize(times);
    log(`· history: ${kind.name}: p50 ${latencyMs.p50} ms, p99 ${latencyMs.p99} ms (${nodes} calls a page)`);
    pages.push({ name: kind.name, what: kind.what, latencyMs, nodes, errors });
  }

  // The month the reports read: the last whole local month of the log that has calls throughout.
  const monthEnd = Date.parse(`${localDate(seed.endMs - Math.min(30, s.days / 3) * dayMs).slice(0, 7)}-01T00:00:00Z`);
  const monthStart = Date.parse(`${new Date(monthEnd - dayMs).toISOString().slice(0, 7)}-01T00:00:00Z`);
  const month = { from: new Date(monthStart).toISOString(), to: new Date(monthEnd).toISOString() };
  const reports: HistoryReport[] = [];
  for (const groupBy of ['DAY', 'AGENT'] as const) {
    const times: number[] = [];
    let rows = 0;
    let offered: number | null = null;
    let errors = 0;
    for (let i = 0; i < s.reportRuns; i++) {
      const started = performance.now();
      try {
        const data = (await graphql(REPORT_QUERY, { c: companyId(0), from: month.from, to: month.to, g: groupBy })) as {
          callReport: { rowCount: number; totals: { offered: number } };
        };
        rows = data.callReport.rowCount;
        offered = data.callReport.totals.offered;
      } catch (err) {
        errors++;
        if (errors === 1) log(`· history: report by ${groupBy} failed: ${(err as Error).message}`);
      }
      times.push(performance.now() - started);
    }
    const latencyMs = summarize(times);
    log(`· history: callReport by ${groupBy} for a month: p50 ${latencyMs.p50} ms (${rows} rows, ${offered} calls offered)`);
    reports.push({ name: `callReport by ${groupBy}`, latencyMs, rows, offered, errors });
  }

  const csv: HistoryCsv[] = [];
  const query = `companyId=${companyId(0)}&from=${encodeURIComponent(month.from)}&to=${encodeURIComponent(month.to)}`;
  for (const [name, path] of [['report.csv by DAY', `/reports/report.csv?${query}&groupBy=DAY`]] as const) {
    const times: number[] = [];
    let rows = 0;
    let bytes = 0;
    let errors = 0;
    for (let i = 0; i < s.reportRuns; i++) {
      const started = performance.now();
      try {
        const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
        const text = await res.text();
        if (!res.ok) throw new Error(`${res.status} ${text.slice(0, 200)}`);
        times.push(performance.now() - started);
        bytes = Buffer.byteLength(text);
        rows = text.split('\n').filter(Boolean).length - 1;
      } catch (err) {
        errors++;
        if (errors === 1) log(`· history: ${name} failed: ${(err as Error).message}`);
      }
    }
    const latencyMs = summarize(times);
    log(`· history: ${name} for a month: p50 ${latencyMs.p50} ms to the last byte (${rows} rows)`);
    csv.push({ name, latencyMs, rows, bytes, errors });
  }
  return { pageSize: PAGE_SIZE, pages, reports, csv, month };
}
