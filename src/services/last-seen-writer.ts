/**
 * Agents' last-seen times, written in batches: the tracker asks for at most one write per agent a
 * minute, which at 100k agents is still ~1,700 single-row UPDATEs a second. They are gathered and
 * written every few seconds as one statement per 5,000 agents. A time never goes backwards in the
 * database (an older value never overwrites a newer one).
 */
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../infra/logger.js';
import type { SqlRunner } from '../infra/sql.js';
import { BatchedWriter } from '../infra/write-behind.js';

type LastSeen = { agentId: string; at: number };

/** One batch ($1: a JSON array of { id, at }); a time never goes backwards. */
const LAST_SEEN_UPDATE = `
  UPDATE "Agent" AS a SET "lastSeenAt" = v.at
  FROM jsonb_to_recordset($1::jsonb) AS v(id text, at timestamp(3))
  WHERE a.id = v.id AND (a."lastSeenAt" IS NULL OR a."lastSeenAt" < v.at)`;

export class LastSeenWriter extends BatchedWriter<LastSeen> {
  constructor(deps: {
    /** The driver's connection: the batch's one statement runs on it (as the call log's, src/services/call-log-writer.ts). */
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
      what: 'last-seen times',
      flushIntervalMs: deps.flushIntervalMs ?? 5_000,
      maxBatch: deps.maxBatch ?? 5_000,
      maxWaitingRows: deps.maxWaitingRows,
      retryMaxMs: deps.retryMaxMs,
      merge: (waiting, next) => (next.at > waiting.at ? next : waiting),
      write: (rows) => {
        // Prisma's DateTime is timestamp(3) in UTC; an ISO string cast to timestamp keeps its UTC wall time.
        const json = JSON.stringify(rows.map((r) => ({ id: r.agentId, at: new Date(r.at).toISOString() })));
        return deps.sql.query(LAST_SEEN_UPDATE, [json]);
      },
    });
  }

  write(agentId: string, at: number): void {
    this.batches.put(agentId, { agentId, at });
  }

  flush(): Promise<void> {
    return this.batches.flush();
  }

  stop(): Promise<void> {
    return this.batches.stop();
  }
}
