/**
 * Delivers the outbox (WebhookDelivery) in the background (README §CRM events).
 *
 * A pass claims due rows with one atomic UPDATE of their lease (`leaseUntil`): a row another worker
 * (this or another instance) holds is skipped, and Postgres re-checks the lease of a row updated
 * concurrently, so two instances never send the same attempt. A row whose worker died is taken again
 * when its lease ends: at least once, never lost.
 *
 * Ordering: a row is claimable only when no earlier row (lower seq) of the same endpoint and subject
 * (one call, one agent) is still pending, so one subject's events arrive in order; a failing event
 * holds back the later events of its subject only, until it is delivered or given up (24 h).
 * Concurrency: at most `perEndpoint` attempts in flight per endpoint (counted from the leases), and
 * `maxInFlight` in this process; each attempt has its own timeout. Nothing here is awaited by calls.
 */
import type { Clock, TimerHandle } from '../domain/clock.js';
import {
  afterFailure,
  appendAttempt,
  delivered,
  EVENT_ID_HEADER,
  EVENT_TYPE_HEADER,
  SIGNATURE_HEADER,
  signatureHeader,
  signingSecrets,
} from '../domain/webhook-delivery.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { WebhookPostResult } from '../infra/webhook-http.js';

export type PostWebhook = (req: { url: string; body: string; headers: Record<string, string> }) => Promise<WebhookPostResult>;

interface ClaimedRow {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  body: string;
  attempts: number;
  windowStartedAt: Date;
  attemptLog: unknown;
  leaseUntil: Date;
  url: string;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class WebhookDispatcher {
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private running = false;
  private again = false;
  private stopped = true;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly perEndpoint: number;
  private readonly maxInFlight: number;
  private readonly leaseMs: number;
  private readonly idlePollMs: number;

  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      logger: Logger;
      post: PostWebhook;
      /** Each attempt's limit (real time); the lease outlives it. */
      timeoutMs: number;
      perEndpoint?: number;
      maxInFlight?: number;
      /** With nothing due, look again this often anyway (rows other instances wrote, leases that ended). */
      idlePollMs?: number;
      random?: () => number;
    },
  ) {
    this.perEndpoint = deps.perEndpoint ?? 4;
    this.maxInFlight = deps.maxInFlight ?? 64;
    this.leaseMs = deps.timeoutMs + 30_000;
    this.idlePollMs = deps.idlePollMs ?? 30_000;
  }

  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** Stops claiming; waits for the attempts in flight (each ends by its timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.deps.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    while (this.running || this.inFlight.size > 0) await Promise.race([...this.inFlight, new Promise((r) => setTimeout(r, 10))]);
  }

  /** New rows, or an attempt finished: look for due rows now. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.pass().finally(() => {
      this.running = false;
      if (this.again && !this.stopped) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Attempts in flight in this process (tests). */
  get busy(): number {
    return this.inFlight.size;
  }

  private async pass(): Promise<void> {
    const room = this.maxInFlight - this.inFlight.size;
    if (room <= 0) return;
    // One instant for the whole pass: rows that fall due while its queries run are found by armForNextDue.
    const at = this.deps.clock.now();
    let claimed: ClaimedRow[];
    try {
      claimed = await this.claim(room, at);
    } catch (err) {
      this.deps.logger.warn({ err }, 'could not claim webhook deliveries; retrying');
      this.arm(at + 5_000);
      return;
    }
    for (const row of claimed) {
      const attempt = this.attempt(row).finally(() => {
        this.inFlight.delete(attempt);
        this.kick();
      });
      this.inFlight.add(attempt);
    }
    await this.armForNextDue(at);
  }

  private async claim(limit: number, at: number): Promise<ClaimedRow[]> {
    const now = iso(at);
    const leaseUntil = iso(at + this.leaseMs);
    return this.deps.db.$queryRaw<ClaimedRow[]>`
      WITH candidates AS (
        SELECT d."id", d."endpointId", d."seq",
               row_number() OVER (PARTITION BY d."endpointId" ORDER BY d."seq") AS rn
        FROM "WebhookDelivery" d
        JOIN "WebhookEndpoint" w ON w."id" = d."endpointId" AND w."enabled"
        WHERE d."status" = 'PENDING' AND d."nextAttemptAt" <= ${now}::timestamp(3)
          AND (d."leaseUntil" IS NULL OR d."leaseUntil" <= ${now}::timestamp(3))
          AND NOT EXISTS (
            SELECT 1 FROM "WebhookDelivery" e
            WHERE e."endpointId" = d."endpointId" AND e."subject" = d."subject" AND e."status" = 'PENDING' AND e."seq" < d."seq")
      ),
      busy AS (
        SELECT "endpointId", count(*) AS n FROM "WebhookDelivery"
        WHERE "status" = 'PENDING' AND "leaseUntil" > ${now}::timestamp(3)
        GROUP BY "endpointId"
      ),
      chosen AS (
        SELECT c."id" FROM candidates c LEFT JOIN busy b ON b."endpointId" = c."endpointId"
        WHERE c.rn + COALESCE(b.n, 0) <= ${this.perEndpoint}
        ORDER BY c."seq" LIMIT ${limit}
      )
      UPDATE "WebhookDelivery" d
      SET "leaseUntil" = ${leaseUntil}::timestamp(3), "attempts" = d."attempts" + 1
      FROM chosen, "WebhookEndpoint" w
      WHERE d."id" = chosen."id" AND w."id" = d."endpointId" AND d."status" = 'PENDING'
        AND (d."leaseUntil" IS NULL OR d."leaseUntil" <= ${now}::timestamp(3))
      RETURNING d."id", d."endpointId", d."eventId", d."eventType", d."body", d."attempts", d."windowStartedAt",
                d."attemptLog", d."leaseUntil", w."url", w."secret", w."previousSecret", w."previousSecretExpiresAt"`;
  }

  /**
   * The next wake-up: the earliest row due after the pass's instant `at`, else the idle poll. A row
   * that fell due while the pass ran (the clock moved) makes arm() run another pass at once.
   */
  private async armForNextDue(at: number): Promise<void> {
    if (this.stopped) return;
    let next = this.deps.clock.now() + this.idlePollMs;
    try {
      // Rows already due but not claimable (their subject waits, their endpoint is busy) are looked
      // at again when an attempt ends (kick) or at the idle poll; the timer is for the next retry.
      const due = await this.deps.db.webhookDelivery.findFirst({
        where: { status: 'PENDING', nextAttemptAt: { gt: new Date(at) } },
        orderBy: { nextAttemptAt: 'asc' },
        select: { nextAttemptAt: true },
      });
      if (due) next = Math.min(next, due.nextAttemptAt.getTime());
    } catch {
      next = this.deps.clock.now() + 5_000;
    }
    this.arm(next);
  }

  private arm(at: number): void {
    if (this.stopped) return;
    // Already due (time moved while the queries ran): another pass as soon as this one ends.
    if (at <= this.deps.clock.now()) {
      this.again = true;
      return;
    }
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) this.deps.clock.clearTimer(this.timer);
    this.timerAt = at;
    this.timer = this.deps.clock.setTimer(at, () => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.kick();
    });
  }

  private async attempt(row: ClaimedRow): Promise<void> {
    const { clock, db, logger } = this.deps;
    const startedAt = clock.now();
    const timestamp = Math.floor(startedAt / 1000);
    const headers = {
      [SIGNATURE_HEADER]: signatureHeader(signingSecrets(row, startedAt), timestamp, row.body),
      [EVENT_ID_HEADER]: row.eventId,
      [EVENT_TYPE_HEADER]: row.eventType,
      'user-agent': 'Curbe-Voice-Webhooks/1',
    };
    let result: WebhookPostResult;
    try {
      result = await this.deps.post({ url: row.url, body: row.body, headers });
    } catch (err) {
      result = { statusCode: null, durationMs: 0, error: err instanceof Error ? err.message : String(err) };
    }
    const now = clock.now();
    const ok = delivered(result.statusCode);
    const error = ok ? null : (result.error ?? `HTTP ${result.statusCode}`);
    const log = appendAttempt(row.attemptLog, { at: iso(startedAt), statusCode: result.statusCode, durationMs: result.durationMs, error });
    const next = ok ? null : afterFailure(row.attempts, now, row.windowStartedAt.getTime(), (this.deps.random ?? Math.random)());
    if (!ok) logger.info({ deliveryId: row.id, endpointId: row.endpointId, attempts: row.attempts, error, next }, 'webhook attempt failed');
    try {
      // Only while the lease is ours: a lease that ran out may have been taken by another worker.
      await db.webhookDelivery.updateMany({
        where: { id: row.id, leaseUntil: row.leaseUntil },
        data: {
          leaseUntil: null,
          lastAttemptAt: new Date(startedAt),
          lastStatusCode: result.statusCode,
          lastError: error,
          lastDurationMs: result.durationMs,
          attemptLog: log as object[],
          ...(ok
            ? { status: 'DELIVERED', deliveredAt: new Date(now) }
            : next?.kind === 'retry'
              ? { nextAttemptAt: new Date(next.at) }
              : { status: 'FAILED' }),
        },
      });
    } catch (err) {
      // The lease ends by itself and the row is tried again: at least once.
      logger.warn({ err, deliveryId: row.id }, 'could not record a webhook attempt');
    }
  }
}
