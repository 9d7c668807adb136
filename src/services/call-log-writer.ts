/**
 * The call log, written behind the calls: a call's start and its end are gathered per call and
 * written in batches (a statement for the calls that only started, one for the rest, per flush), so
 * answering Telnyx never waits on the database and a busy minute costs a few statements, not two per call.
 *
 * Every row is an upsert keyed by (company, CallSid): a start inserts the row if it is new; an end
 * inserts it whole, or fills in the outcome. So the order in which two instances write a call's start
 * and end does not matter, and Telnyx's retries never duplicate a call.
 *
 * The statement runs on the database driver's own connection (src/infra/sql.ts), not through Prisma:
 * with the JS engine a raw statement goes through Prisma's query compiler (WebAssembly) with its
 * parameter, here one JSON document of up to a thousand calls, and compiling it for every batch was
 * ~6% of a TeXML decision's CPU in the bench's profile.
 */
import type { TimelineEvent } from '../domain/call-timeline.js';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../infra/logger.js';
import type { SqlRunner } from '../infra/sql.js';
import { BatchedWriter } from '../infra/write-behind.js';

export interface CallLogEntry {
  companyId: string;
  callSid: string;
  from: string;
  to: string;
  startedAt: number;
  /** The rest is known when the call ends. */
  endedAt?: number;
  answeredAt?: number | null;
  answeredAgentId?: string | null;
  offeredAgentIds?: readonly string[];
  outcome?: string | null;
  /** The queue the call belonged to; null = the default. */
  queueId?: string | null;
  /** Seconds the caller waited in the queue (to the answer, or to leaving it); null = never waited. */
  waitSeconds?: number | null;
  callbackRequested?: boolean;
  /**
   * The call's timeline (src/domain/call-timeline.ts). Empty or absent: the stored one stays. One that
   * starts with `arrived` is the whole call and replaces it; any other (a callback's end) continues it.
   */
  timeline?: TimelineEvent[];
  /** inbound (every call so far); outbound when the service places calls of its own. */
  direction?: 'inbound' | 'outbound';
}

/** The writer's timeline rule (see CallLogEntry.timeline) for two entries of one call in the same batch. */
function mergeTimelines(waiting: TimelineEvent[] | undefined, next: TimelineEvent[] | undefined): TimelineEvent[] | undefined {
  if (!next || next.length === 0) return waiting;
  if (next[0]!.kind === 'arrived' || !waiting) return next;
  return [...waiting, ...next];
}

const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());

/**
 * One batch ($1: a JSON array of rows). Rows of companies deleted meanwhile are skipped (the foreign key
 * would fail the batch).
 *
 * A new row's id is made by the database, in time order: the microseconds since the epoch in hex (14
 * digits, zero-padded, so the text sorts as the time does) then 64 random bits (gen_random_uuid's,
 * PostgreSQL 13+), unique across instances. A random id (a UUID) put each new row's key on a random
 * page of the primary key's index, a page to read and, first after each checkpoint, to copy whole into
 * the WAL; in time order they land on its last page. Measured on a 400,000-call log, a batch of a
 * thousand calls wrote 2.0–2.2 MB of WAL instead of 3.7–7.5 MB, in about a fifth less time
 * (bench/notes.md, ninth pass). Ids stay opaque
 * (the history's cursor carries them as they are); rows written before keep theirs.
 */
const TIME_ORDERED_ID = `lpad(to_hex((extract(epoch from clock_timestamp()) * 1000000)::bigint), 14, '0') || substr(replace(gen_random_uuid()::text, '-', ''), 1, 16)`;
const CALL_LOG_UPSERT = `
  INSERT INTO "CallLog" ("id", "companyId", "callSid", "from", "to", "startedAt", "endedAt", "answeredAt", "answeredAgentId", "offeredAgentIds", "outcome", "queueId", "waitSeconds", "callbackRequested", "timeline", "direction")
  SELECT ${TIME_ORDERED_ID}, v."companyId", v."callSid", v."from", v."to", v."startedAt", v."endedAt", v."answeredAt", v."answeredAgentId", v."offeredAgentIds", v."outcome", v."queueId", v."waitSeconds", v."callbackRequested", v."timeline", v."direction"
  FROM jsonb_to_recordset($1::jsonb) AS v(
    "companyId" text, "callSid" text, "from" text, "to" text, "startedAt" timestamp(3), "endedAt" timestamp(3),
    "answeredAt" timestamp(3), "answeredAgentId" text, "offeredAgentIds" text[], "outcome" text,
    "queueId" text, "waitSeconds" integer, "callbackRequested" boolean, "timeline" jsonb, "direction" text)
  WHERE EXISTS (SELECT 1 FROM "Company" c WHERE c."id" = v."companyId")
  ON CONFLICT ("companyId", "callSid") DO UPDATE SET
    "endedAt" = COALESCE(EXCLUDED."endedAt", "CallLog"."endedAt"),
    "answeredAt" = COALESCE(EXCLUDED."answeredAt", "CallLog"."answeredAt"),
    "answeredAgentId" = COALESCE(EXCLUDED."answeredAgentId", "CallLog"."answeredAgentId"),
    "offeredAgentIds" = CASE WHEN cardinality(EXCLUDED."offeredAgentIds") > 0 THEN EXCLUDED."offeredAgentIds" ELSE "CallLog"."offeredAgentIds" END,
    "outcome" = COALESCE(EXCLUDED."outcome", "CallLog"."outcome"),
    "queueId" = COALESCE(EXCLUDED."queueId", "CallLog"."queueId"),
    "waitSeconds" = COALESCE(EXCLUDED."waitSeconds", "CallLog"."waitSeconds"),
    "callbackRequested" = EXCLUDED."callbackRequested" OR "CallLog"."callbackRequested",
    "timeline" = CASE
      WHEN jsonb_array_length(EXCLUDED."timeline") = 0 THEN "CallLog"."timeline"
      WHEN EXCLUDED."timeline"->0->>'kind' = 'arrived' THEN EXCLUDED."timeline"
      ELSE "CallLog"."timeline" || EXCLUDED."timeline" END`;

/**
 * A batch of calls that have only started ($1: a JSON array of their six fields): about half of a day's
 * rows, as a call's start is written while it rings and its end minutes later. A start carries nothing a
 * stored row lacks, so a row already there (its end came first, from another instance, or Telnyx
 * retried the webhook) is left as it is. Against the upsert above, with its sixteen fields, this costs
 * PostgreSQL about a sixth less CPU a row (17.4–17.7 against 20.0–21.1 µs, 150 batches of a thousand,
 * 10,000 companies; bench/notes.md, tenth pass) and this process a JSON document a third the size.
 */
const CALL_LOG_STARTS = `
  INSERT INTO "CallLog" ("id", "companyId", "callSid", "from", "to", "startedAt", "direction", "offeredAgentIds")
  SELECT ${TIME_ORDERED_ID}, v."companyId", v."callSid", v."from", v."to", v."startedAt", v."direction", '{}'
  FROM jsonb_to_recordset($1::jsonb) AS v("companyId" text, "callSid" text, "from" text, "to" text, "startedAt" timestamp(3), "direction" text)
  WHERE EXISTS (SELECT 1 FROM "Company" c WHERE c."id" = v."companyId")
  ON CONFLICT ("companyId", "callSid") DO NOTHING`;

/** An entry that only says the call started (CallLogWriter.started, not merged with its end). */
const onlyStarted = (entry: CallLogEntry) => entry.endedAt === undefined;

export class CallLogWriter extends BatchedWriter<CallLogEntry> {
  constructor(deps: {
    /** The driver's connection: the batch's statements run on it (see the file's comment). */
    sql: SqlRunner;
    clock: Clock;
    logger: Logger;
    flushIntervalMs?: number;
    maxBatch?: number;
    maxWaitingRows?: number | undefined;
    retryMaxMs?: number;
  }) {
    super({
      clock: deps.clock,
      logger: deps.logger,
      what: 'call log entries',
      flushIntervalMs: deps.flushIntervalMs ?? 500,
      maxBatch: deps.maxBatch ?? 1_000,
      maxWaitingRows: deps.maxWaitingRows,
      retryMaxMs: deps.retryMaxMs,
      // Two entries of one call in the same batch: an appended timeline continues the waiting one.
      merge: (waiting, next) => ({ ...waiting, ...next, timeline: mergeTimelines(waiting.timeline, next.timeline) }),
      write: async (rows) => {
        const starts = rows.filter(onlyStarted);
        if (starts.length > 0) {
          const json = JSON.stringify(
            starts.map((r) => ({
              companyId: r.companyId,
              callSid: r.callSid,
              from: r.from,
              to: r.to,
              startedAt: iso(r.startedAt),
              direction: r.direction ?? 'inbound',
            })),
          );
          await deps.sql.query(CALL_LOG_STARTS, [json]);
        }
        if (starts.length === rows.length) return;
        const json = JSON.stringify(
          rows.flatMap((r) =>
            onlyStarted(r)
              ? []
              : {
                  companyId: r.companyId,
                  callSid: r.callSid,
                  from: r.from,
                  to: r.to,
                  // Prisma's DateTime is timestamp(3) in UTC; an ISO string cast to timestamp keeps its UTC wall time.
                  startedAt: iso(r.startedAt),
                  endedAt: iso(r.endedAt),
                  answeredAt: iso(r.answeredAt),
                  answeredAgentId: r.answeredAgentId ?? null,
                  offeredAgentIds: r.offeredAgentIds ?? [],
                  outcome: r.outcome ?? null,
                  queueId: r.queueId ?? null,
                  waitSeconds: r.waitSeconds ?? null,
                  callbackRequested: r.callbackRequested ?? false,
                  timeline: r.timeline ?? [],
                  direction: r.direction ?? 'inbound',
                },
          ),
        );
        await deps.sql.query(CALL_LOG_UPSERT, [json]);
      },
    });
  }

  started(entry: CallLogEntry): void {
    this.batches.put(`${entry.companyId}\u0000${entry.callSid}`, entry);
  }

  ended(
    entry: CallLogEntry & Required<Pick<CallLogEntry, 'endedAt' | 'answeredAt' | 'answeredAgentId' | 'offeredAgentIds' | 'outcome'>>,
  ): void {
    this.batches.put(`${entry.companyId}\u0000${entry.callSid}`, entry);
  }

  flush(): Promise<void> {
    return this.batches.flush();
  }

  /** A last flush, then no more retries. */
  stop(): Promise<void> {
    return this.batches.stop();
  }
}
