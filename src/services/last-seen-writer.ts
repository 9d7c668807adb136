/**
 * Agents' last-seen times, written in batches: the tracker asks for at most one write per agent a
 * minute, which at 100k agents is still ~1,700 single-row UPDATEs a second. They are gathered here
 * and written every `flushIntervalMs` as one statement per `maxBatch` agents. A time never goes
 * backwards in the database (an older value never overwrites a newer one).
 */
import type { Clock, TimerHandle } from '../domain/clock.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';

export class LastSeenWriter {
  private pending = new Map<string, number>();
  private timer: TimerHandle | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly flushIntervalMs: number;
  private readonly maxBatch: number;
  /** Statements and rows written (tests, benchmarks). */
  readonly written = { statements: 0, rows: 0 };

  constructor(private readonly deps: { db: Db; clock: Clock; logger: Logger; flushIntervalMs?: number; maxBatch?: number }) {
    this.flushIntervalMs = deps.flushIntervalMs ?? 5_000;
    this.maxBatch = deps.maxBatch ?? 5_000;
  }

  write(agentId: string, at: number): void {
    if ((this.pending.get(agentId) ?? -Infinity) < at) this.pending.set(agentId, at);
    if (this.pending.size >= this.maxBatch) void this.flush();
    else this.timer ??= this.deps.clock.setTimer(this.deps.clock.now() + this.flushIntervalMs, () => void this.flush());
  }

  /** Writes everything pending now; resolves when it is in the database (or the failure is logged). */
  flush(): Promise<void> {
    if (this.timer) this.deps.clock.clearTimer(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.flushing.then(() => this.writeBatch(batch));
    return this.flushing;
  }

  stop(): Promise<void> {
    return this.flush();
  }

  private async writeBatch(batch: Map<string, number>): Promise<void> {
    const entries = [...batch];
    for (let i = 0; i < entries.length; i += this.maxBatch) {
      const chunk = entries.slice(i, i + this.maxBatch);
      const ids = chunk.map(([id]) => id);
      // Prisma's DateTime is timestamp(3) in UTC; an ISO string cast to timestamp keeps its UTC wall time.
      const ats = chunk.map(([, at]) => new Date(at).toISOString());
      try {
        await this.deps.db.$executeRaw`
          UPDATE "Agent" AS a SET "lastSeenAt" = v.at
          FROM (SELECT unnest(${ids}::text[]) AS id, unnest(${ats}::timestamp(3)[]) AS at) AS v
          WHERE a.id = v.id AND (a."lastSeenAt" IS NULL OR a."lastSeenAt" < v.at)`;
        this.written.statements++;
        this.written.rows += chunk.length;
      } catch (err) {
        this.deps.logger.warn({ err, agents: chunk.length }, 'could not write last-seen times');
      }
    }
  }
}
