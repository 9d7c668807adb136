/**
 * Agents' last-seen times, written in batches: the tracker asks for at most one write per agent a
 * minute, which at 100k agents is still ~1,700 single-row UPDATEs a second. They are gathered and
 * written every few seconds as one statement per 5,000 agents. A time never goes backwards in the
 * database (an older value never overwrites a newer one).
 */
import type { Clock } from '../domain/clock.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import { BatchedWriter } from '../infra/write-behind.js';

type LastSeen = { agentId: string; at: number };

export class LastSeenWriter extends BatchedWriter<LastSeen> {
  constructor(deps: {
    db: Db;
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
        const ids = rows.map((r) => r.agentId);
        // Prisma's DateTime is timestamp(3) in UTC; an ISO string cast to timestamp keeps its UTC wall time.
        const ats = rows.map((r) => new Date(r.at).toISOString());
        return deps.db.$executeRaw`
          UPDATE "Agent" AS a SET "lastSeenAt" = v.at
          FROM (SELECT unnest(${ids}::text[]) AS id, unnest(${ats}::timestamp(3)[]) AS at) AS v
          WHERE a.id = v.id AND (a."lastSeenAt" IS NULL OR a."lastSeenAt" < v.at)`;
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
