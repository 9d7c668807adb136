/**
 * The CRM events' way in (README §CRM events): call, voicemail and presence code hands an event
 * here and moves on. `emit` only builds the event and keeps it in memory; every `flushIntervalMs` the
 * waiting events are written to the outbox (WebhookDelivery) in one statement, one row per event and
 * subscribed endpoint, and the dispatcher is told. So a call never waits on the database or on a
 * CRM; a database outage keeps the events (bounded) and retries, like the call log.
 *
 * Between `emit` and the flush an event lives in memory only (at most one flush interval): a crash
 * in that window loses it. From the outbox on, delivery is at least once.
 *
 * Companies without an enabled endpoint cost nothing: `emit` drops their events at once, from the
 * set of subscribed companies the owner keeps fresh (`subscribers`; null until first known = keep all).
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../domain/clock.js';
import { type CrmEvent, type CrmEventDraft, eventBody } from '../domain/crm-events.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import { BatchedWriter } from '../infra/write-behind.js';

export class CrmEvents extends BatchedWriter<CrmEvent> {
  /** Called after a flush wrote deliveries (the dispatcher looks at once). */
  private onQueued: () => void = () => {};
  /** Companies with at least one enabled endpoint; null = not known yet (every event is kept). */
  subscribers: ReadonlySet<string> | null = null;

  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      logger: Logger;
      flushIntervalMs?: number;
      maxWaitingRows?: number | undefined;
    },
  ) {
    super({
      clock: deps.clock,
      logger: deps.logger,
      what: 'CRM events',
      flushIntervalMs: deps.flushIntervalMs ?? 250,
      maxBatch: 500,
      maxWaitingRows: deps.maxWaitingRows,
      merge: (_waiting, next) => next, // keys are event ids: never merged
      write: (events) => this.fanOut(events),
    });
  }

  /** The dispatcher's nudge when new deliveries are in the outbox. */
  whenQueued(listener: () => void): void {
    this.onQueued = listener;
  }

  /** Never throws, never waits: the event is kept and written with the next batch. */
  /** Whether an event of the company would be kept (so a listener may skip building it). */
  wants(companyId: string): boolean {
    return this.subscribers === null || this.subscribers.has(companyId);
  }

  emit(companyId: string, draft: CrmEventDraft): void {
    if (!this.wants(companyId)) return;
    try {
      const event: CrmEvent = { ...draft, id: `evt_${randomUUID()}`, companyId, createdAt: this.deps.clock.now() };
      this.batches.put(event.id, event);
    } catch (err) {
      this.deps.logger.warn({ err, type: draft.type }, 'could not queue a CRM event');
    }
  }

  flush(): Promise<void> {
    return this.batches.flush();
  }

  stop(): Promise<void> {
    return this.batches.stop();
  }

  /** One outbox row per event and enabled endpoint of its company that subscribes to its type, in event order. */
  private async fanOut(events: CrmEvent[]): Promise<void> {
    const { db } = this.deps;
    const companyIds = [...new Set(events.map((e) => e.companyId))];
    const endpoints = await db.webhookEndpoint.findMany({
      where: { companyId: { in: companyIds }, enabled: true },
      select: { id: true, companyId: true, events: true },
      orderBy: { id: 'asc' },
    });
    if (endpoints.length === 0) return;
    const rows = [];
    for (const event of events) {
      const body = eventBody(event);
      const at = new Date(event.createdAt);
      for (const endpoint of endpoints) {
        if (endpoint.companyId !== event.companyId || !endpoint.events.includes(event.type)) continue;
        rows.push({
          endpointId: endpoint.id,
          companyId: event.companyId,
          eventId: event.id,
          eventType: event.type,
          subject: event.subject,
          body,
          nextAttemptAt: at,
          windowStartedAt: at,
          createdAt: at,
        });
      }
    }
    if (rows.length === 0) return;
    // One INSERT: the sequence numbers follow the rows' order, which is the events' order.
    await db.webhookDelivery.createMany({ data: rows });
    this.onQueued();
  }
}
