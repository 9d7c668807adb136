/**
 * A company's CRM webhook endpoints (README §CRM events): created, changed, deleted, their secret
 * rotated, a delivery replayed. A URL must be http(s) and, unless private networks are allowed
 * (WEBHOOKS_ALLOW_PRIVATE_NETWORKS), resolve only to public addresses: checked here when it is set,
 * and again at every delivery (src/infra/webhook-http.ts), where DNS may answer otherwise.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../domain/clock.js';
import { CRM_EVENT_TYPES, isCrmEventType } from '../domain/crm-events.js';
import { webhookUrlProblem } from '../domain/network-address.js';
import type { WebhookDelivery, WebhookEndpoint } from '../generated/prisma/client.js';
import type { Db } from '../infra/db.js';
import { type ResolveHost, vetHost } from '../infra/webhook-http.js';
import { type AuditActor, type AuditLog, changesBetween } from './audit-log.js';
import { InputError, NotFoundError } from './errors.js';

/** Endpoints a company may have. */
export const MAX_WEBHOOK_ENDPOINTS_PER_COMPANY = 10;
/** The old secret signs too for this long after a rotation, unless told otherwise. */
export const DEFAULT_ROTATION_GRACE_HOURS = 24;
export const MAX_ROTATION_GRACE_HOURS = 7 * 24;

export interface EndpointInput {
  url?: string | null;
  events?: readonly string[] | null;
  description?: string | null;
  enabled?: boolean | null;
}

export const newSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

export class WebhookEndpoints {
  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      allowPrivateNetworks: boolean;
      resolve: ResolveHost;
      /** A replay was queued: the dispatcher looks at once. */
      onQueued?: () => void;
      /** Endpoints were created, changed or deleted: which companies have endpoints may have changed. */
      onChanged?: () => Promise<void>;
      /** The audit trail (webhook.created|updated|deleted|secret_rotated|delivery_replayed); secrets are redacted there. */
      audit?: AuditLog;
    },
  ) {}

  list(companyId: string, first: number): Promise<WebhookEndpoint[]> {
    return this.deps.db.webhookEndpoint.findMany({ where: { companyId }, orderBy: { createdAt: 'asc' }, take: first });
  }

  /** The endpoint's company, for the authorization check (null: no such endpoint). */
  async companyOf(endpointId: string): Promise<string | null> {
    const row = await this.deps.db.webhookEndpoint.findUnique({ where: { id: endpointId }, select: { companyId: true } });
    return row?.companyId ?? null;
  }

  async deliveryCompanyOf(deliveryId: string): Promise<string | null> {
    const row = await this.deps.db.webhookDelivery.findUnique({ where: { id: deliveryId }, select: { companyId: true } });
    return row?.companyId ?? null;
  }

  async create(companyId: string, input: EndpointInput, actor?: AuditActor): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const company = await this.deps.db.company.findUnique({ where: { id: companyId }, select: { id: true } });
    if (!company) throw new NotFoundError('company not found');
    if (!input.url) throw new InputError('Validation error: url: is required');
    if (!input.events) throw new InputError('Validation error: events: is required');
    const url = await this.checkUrl(input.url);
    const events = checkEvents(input.events);
    const count = await this.deps.db.webhookEndpoint.count({ where: { companyId } });
    if (count >= MAX_WEBHOOK_ENDPOINTS_PER_COMPANY) {
      throw new InputError(`Validation error: companyId: a company has at most ${MAX_WEBHOOK_ENDPOINTS_PER_COMPANY} webhook endpoints`);
    }
    const secret = newSecret();
    const endpoint = await this.deps.db.webhookEndpoint.create({
      data: {
        companyId,
        url,
        events,
        secret,
        description: checkDescription(input.description),
        enabled: input.enabled ?? true,
      },
    });
    await this.deps.onChanged?.();
    await this.audited(actor, endpoint.companyId, 'webhook.created', endpoint.id, null, endpoint);
    return { endpoint, secret };
  }

  async update(id: string, input: EndpointInput, actor?: AuditActor): Promise<WebhookEndpoint> {
    const before = await this.deps.db.webhookEndpoint.findUnique({ where: { id } });
    if (!before) throw new NotFoundError('webhook endpoint not found');
    const data: { url?: string; events?: string[]; description?: string; enabled?: boolean } = {};
    if (input.url != null) data.url = await this.checkUrl(input.url);
    if (input.events != null) data.events = checkEvents(input.events);
    if (input.description != null) data.description = checkDescription(input.description);
    if (input.enabled != null) data.enabled = input.enabled;
    const endpoint = await this.deps.db.webhookEndpoint.update({ where: { id }, data });
    await this.deps.onChanged?.();
    await this.audited(actor, endpoint.companyId, 'webhook.updated', id, before, endpoint);
    return endpoint;
  }

  async delete(id: string, actor?: AuditActor): Promise<boolean> {
    const before = await this.deps.db.webhookEndpoint.findUnique({ where: { id } });
    const { count } = await this.deps.db.webhookEndpoint.deleteMany({ where: { id } });
    await this.deps.onChanged?.();
    if (before && count > 0) await this.audited(actor, before.companyId, 'webhook.deleted', id, before, null);
    return count > 0;
  }

  /** A new secret; the current one keeps signing (a second v1=) for `graceHours`. */
  async rotate(
    id: string,
    graceHours: number | null | undefined,
    actor?: AuditActor,
  ): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const hours = graceHours ?? DEFAULT_ROTATION_GRACE_HOURS;
    if (!Number.isInteger(hours) || hours < 0 || hours > MAX_ROTATION_GRACE_HOURS) {
      throw new InputError(`Validation error: graceHours: must be a whole number from 0 to ${MAX_ROTATION_GRACE_HOURS}`);
    }
    const current = await this.deps.db.webhookEndpoint.findUnique({ where: { id } });
    if (!current) throw new NotFoundError('webhook endpoint not found');
    const secret = newSecret();
    const endpoint = await this.deps.db.webhookEndpoint.update({
      where: { id },
      data: {
        secret,
        previousSecret: hours > 0 ? current.secret : null,
        previousSecretExpiresAt: hours > 0 ? new Date(this.deps.clock.now() + hours * 3_600_000) : null,
      },
    });
    await this.audited(actor, endpoint.companyId, 'webhook.secret_rotated', id, current, endpoint);
    return { endpoint, secret };
  }

  deliveries(endpointId: string, first: number, status: string | null | undefined): Promise<WebhookDelivery[]> {
    return this.deps.db.webhookDelivery.findMany({
      where: { endpointId, ...(status && { status }) },
      orderBy: [{ createdAt: 'desc' }, { seq: 'desc' }],
      take: first,
    });
  }

  /**
   * Sends the delivery's event again (same event id and body) as a new delivery after the endpoint's
   * pending ones, with a fresh 24 h retry window; the original row stays as it was, for the log.
   */
  async replay(deliveryId: string, actor?: AuditActor): Promise<WebhookDelivery> {
    const original = await this.deps.db.webhookDelivery.findUnique({ where: { id: deliveryId } });
    if (!original) throw new NotFoundError('webhook delivery not found');
    const now = new Date(this.deps.clock.now());
    const replay = await this.deps.db.webhookDelivery.create({
      data: {
        endpointId: original.endpointId,
        companyId: original.companyId,
        eventId: original.eventId,
        eventType: original.eventType,
        subject: original.subject,
        body: original.body,
        nextAttemptAt: now,
        windowStartedAt: now,
        createdAt: now,
        replayOf: original.id,
      },
    });
    this.deps.onQueued?.();
    if (actor && this.deps.audit) {
      await this.deps.audit.record(actor, {
        companyId: original.companyId,
        action: 'webhook.delivery_replayed',
        target: { webhookEndpointId: original.endpointId, webhookDeliveryId: original.id, replayId: replay.id },
        extra: { eventId: original.eventId, eventType: original.eventType },
      });
    }
    return replay;
  }

  private async audited(
    actor: AuditActor | undefined,
    companyId: string,
    action: string,
    endpointId: string,
    before: WebhookEndpoint | null,
    after: WebhookEndpoint | null,
  ): Promise<void> {
    if (!actor || !this.deps.audit) return;
    await this.deps.audit.record(actor, {
      companyId,
      action,
      target: { webhookEndpointId: endpointId },
      changes: changesBetween(before, after),
    });
  }

  private async checkUrl(value: string): Promise<string> {
    const problem = webhookUrlProblem(value);
    if (problem) throw new InputError(`Validation error: url: ${problem}`);
    const url = new URL(value);
    // With private networks allowed (tests, on-premises), a host that does not resolve yet is accepted too.
    if (this.deps.allowPrivateNetworks) return url.toString();
    const vetted = await vetHost(url.hostname, { allowPrivate: false, resolve: this.deps.resolve });
    if (vetted.refused !== null) {
      const hint = vetted.refused.includes('private networks') ? ' (WEBHOOKS_ALLOW_PRIVATE_NETWORKS=true allows them)' : '';
      throw new InputError(`Validation error: url: ${vetted.refused}${hint}`);
    }
    return url.toString();
  }
}

function checkEvents(events: readonly string[]): string[] {
  if (events.length === 0) throw new InputError('Validation error: events: name at least one event type');
  const unknown = events.find((e) => !isCrmEventType(e));
  if (unknown !== undefined) {
    throw new InputError(`Validation error: events: unknown event type "${unknown.slice(0, 50)}" (one of ${CRM_EVENT_TYPES.join(', ')})`);
  }
  return [...new Set(events)];
}

function checkDescription(value: string | null | undefined): string {
  const description = (value ?? '').trim();
  if (description.length > 200) throw new InputError('Validation error: description: must be at most 200 characters');
  return description;
}
