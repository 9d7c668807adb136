/**
 * The audit trail's one recorder: every configuration write and supervisor action leaves an
 * AuditEvent saying who (the actor's kind, its subject and a fingerprint of its token, never the
 * token), what (an action name such as `routing.updated`, the target ids) and what changed (a
 * before/after diff of the changed fields, secrets redacted). The row's createdAt says when.
 *
 * `entry()` is the write to put inside a transaction the change already uses; `record()` writes it
 * right after a change made without one (its failure is logged, never thrown: the change is committed).
 */
import { createHash } from 'node:crypto';
import type { Viewer } from '../auth/tokens.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';

export type AuditActorKind = 'admin' | 'supervisor' | 'agent' | 'system';

/** Who made a change. `system` is the service itself (the demo, scripts): no token. */
export interface AuditActor {
  kind: AuditActorKind;
  /** The token's subject: the supervisor's company, the agent's id; null for the admin key and the system. */
  subject: string | null;
  /** A fingerprint of the credential (sha256, first 16 hex digits): tells tokens apart without revealing one. */
  tokenId: string | null;
  requestId?: string | null;
}

export const SYSTEM_ACTOR: AuditActor = { kind: 'system', subject: null, tokenId: null };

/** The actor a request acts as, from its viewer and the credential it was authenticated from. */
export function actorOf(viewer: Viewer | null, credential?: string | null, requestId?: string | null): AuditActor {
  const tokenId = credential ? `tok_${createHash('sha256').update(credential).digest('hex').slice(0, 16)}` : null;
  const base = { tokenId, requestId: requestId ?? null };
  if (!viewer) return { ...SYSTEM_ACTOR, ...base };
  if (viewer.role === 'admin') return { kind: 'admin', subject: null, ...base };
  if (viewer.role === 'supervisor') return { kind: 'supervisor', subject: viewer.companyId, ...base };
  return { kind: 'agent', subject: viewer.agentId, ...base };
}

export type Changes = Record<string, { before: unknown; after: unknown }>;

/** What one change did. */
export interface AuditEntry {
  companyId: string;
  /** `<aggregate>.<verb>`, e.g. `queue.created`. */
  action: string;
  agentId?: string | null;
  /** Ids of what was changed besides the company and agent (queueId, phoneNumberId, …). */
  target?: Record<string, string>;
  changes?: Changes;
  /** Anything else worth keeping (e.g. the state a supervisor action replaced). */
  extra?: Record<string, unknown>;
}

/** Columns that are never copied into the trail, whatever their value. */
const REDACTED = /secret|password|passwd|apikey|api_key|privatekey|^token$|accesstoken|refreshtoken/i;
/** Bookkeeping columns that change on every write and say nothing. */
const IGNORED = new Set(['updatedAt']);

/**
 * The fields that differ between two versions of a row (null before: created; null after: deleted).
 * Values compare by their JSON form (dates, JSON columns); secrets keep only the fact that they changed.
 */
export function changesBetween(before: object | null, after: object | null): Changes {
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  const changes: Changes = {};
  for (const key of new Set([...Object.keys(b), ...Object.keys(a)])) {
    if (IGNORED.has(key)) continue;
    const was = before ? jsonOf(b[key]) : null;
    const is = after ? jsonOf(a[key]) : null;
    if (JSON.stringify(was) === JSON.stringify(is)) continue;
    changes[key] = REDACTED.test(key) ? { before: '[redacted]', after: '[redacted]' } : { before: was, after: is };
  }
  return changes;
}

/**
 * The row a Prisma update's data would produce from `current` (the fields it sets, `{ increment }`
 * applied): lets a change recorded inside a batch transaction carry its diff before the write returns.
 */
export function patched<T extends object>(current: T, data: Record<string, unknown>): T {
  const next: Record<string, unknown> = { ...(current as Record<string, unknown>) };
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined) continue;
    if (value && typeof value === 'object' && 'increment' in value) next[key] = Number(next[key] ?? 0) + Number(value.increment);
    else next[key] = value;
  }
  return next as T;
}

function jsonOf(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value)) as unknown;
}

export class AuditLog {
  constructor(private readonly deps: { db: Db; logger: Logger }) {}

  /** The write of one event, for a batch transaction the change already runs (`db.$transaction([...])`). */
  entry(actor: AuditActor, e: AuditEntry) {
    return this.deps.db.auditEvent.create({ data: rowOf(actor, e) });
  }

  /** Records a change already committed without a transaction. A failure is logged: the change stands. */
  async record(actor: AuditActor, e: AuditEntry): Promise<void> {
    try {
      await this.entry(actor, e);
    } catch (err) {
      this.deps.logger.error({ err, audit: e.action, companyId: e.companyId, actor: actor.kind }, 'audit event not written');
    }
  }
}

function rowOf(actor: AuditActor, e: AuditEntry): Prisma.AuditEventUncheckedCreateInput {
  const detail = {
    by: { subject: actor.subject, tokenId: actor.tokenId },
    ...(actor.requestId ? { requestId: actor.requestId } : {}),
    ...(e.target ? { target: e.target } : {}),
    ...(e.changes ? { changes: e.changes } : {}),
    ...e.extra,
  };
  return {
    companyId: e.companyId,
    actor: actor.kind,
    action: e.action,
    agentId: e.agentId ?? null,
    detail: jsonOf(detail) as Prisma.InputJsonValue,
  };
}
