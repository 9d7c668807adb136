/**
 * Configuring a company's queues (docs/QUEUES.md): create, update, delete, choose the default. Every
 * write goes to the database first, then invalidates the company in the directory, like the other
 * configuration writes (src/services/configuration-service.ts, which exposes these).
 *
 * Writes that move the default flag or delete a queue lock the company's row first, so they run one
 * at a time per company and a company always has exactly one default queue.
 */
import { e164 } from '../domain/validation.js';
import { Prisma, type Queue } from '../generated/prisma/client.js';
import type { Db } from '../infra/db.js';
import { missingRow, uniqueViolation } from '../infra/db-errors.js';
import { type AuditActor, type AuditLog, changesBetween } from './audit-log.js';
import type { Directory } from './directory.js';
import { AppError, InputError, NotFoundError } from './errors.js';
import { MAX_QUEUES_PER_COMPANY, queueFieldProblems, type QueueFields, type QueueOverflowKind } from './queue-settings.js';

function invalid(problems: string[]): InputError {
  return new InputError(`Validation error: ${problems.join('; ')}`);
}

/** The columns a QueueFields patch writes; unset fields left out, "" and clear flags turned into nulls. */
function queueData(fields: QueueFields) {
  const data: Prisma.QueueUncheckedUpdateInput = {};
  if (fields.name != null) data.name = fields.name.trim();
  if (fields.requiredSkills != null) data.requiredSkills = fields.requiredSkills.trim() || null;
  if (fields.clearMode) data.mode = null;
  else if (fields.mode != null) data.mode = fields.mode;
  if (fields.clearRingTimeoutSeconds) data.ringTimeoutSeconds = null;
  else if (fields.ringTimeoutSeconds != null) data.ringTimeoutSeconds = fields.ringTimeoutSeconds;
  if (fields.clearBusinessHours) data.businessHours = Prisma.DbNull;
  else if (fields.businessHours != null) data.businessHours = fields.businessHours as unknown as Prisma.InputJsonValue;
  if (fields.holdMusicUrl != null) data.holdMusicUrl = fields.holdMusicUrl.trim() || null;
  if (fields.voicemailEmails != null) data.voicemailEmails = fields.voicemailEmails.map((a) => a.trim());
  for (const key of [
    'waitEnabled',
    'maxWaitSeconds',
    'maxSize',
    'announceEverySeconds',
    'waitForAgents',
    'serviceLevelSeconds',
    'callbackEnabled',
    'callbackRetries',
    'callbackRetryDelaySeconds',
    'recording',
  ] as const) {
    const value = fields[key];
    if (value != null) (data as Record<string, unknown>)[key] = value;
  }
  return data;
}

type Overflow = { overflowKind: QueueOverflowKind; overflowNumber: string | null; overflowQueueId: string | null };

export class QueueConfiguration {
  constructor(
    private readonly deps: {
      db: Db;
      directory: Directory;
      audit: AuditLog;
      /** The forwarding rule the routing fallback number follows (premium, IRSF, own and other tenants' numbers). */
      checkForwardNumber: (companyId: string, number: string, field: string) => Promise<void>;
    },
  ) {}

  /** Refused past MAX_QUEUES_PER_COMPANY (LIMIT_REACHED) and for a name the company already uses. */
  async createQueue(input: QueueFields & { companyId: string; name: string }, actor: AuditActor): Promise<Queue> {
    const { db } = this.deps;
    const { companyId } = input;
    const problems = queueFieldProblems(input);
    if (problems.length > 0) throw invalid(problems);
    if (!(await db.company.findUnique({ where: { id: companyId }, select: { id: true } }))) throw new NotFoundError('company not found');
    const count = () => db.queue.count({ where: { companyId } });
    const full = () =>
      new AppError(`A company has at most ${MAX_QUEUES_PER_COMPANY} queues: this one is full; delete one first.`, 'LIMIT_REACHED');
    if ((await count()) >= MAX_QUEUES_PER_COMPANY) throw full();
    const overflow = await this.overflow(
      companyId,
      null,
      { overflowKind: 'VOICEMAIL', overflowNumber: null, overflowQueueId: null },
      input,
    );
    const data = { ...queueData(input), ...overflow, companyId, name: input.name.trim() } as Prisma.QueueUncheckedCreateInput;
    const queue = await this.write(() => db.queue.create({ data }), input.name);
    // Creates racing past the check above: the ones that overshoot are undone (as for agents).
    if ((await count()) > MAX_QUEUES_PER_COMPANY) {
      await db.queue.delete({ where: { id: queue.id } }).catch(() => undefined);
      throw full();
    }
    this.deps.directory.invalidateCompany(companyId);
    await this.deps.audit.record(actor, {
      companyId,
      action: 'queue.created',
      target: { queueId: queue.id },
      changes: changesBetween(null, queue),
    });
    return queue;
  }

  async updateQueue(id: string, input: QueueFields, actor: AuditActor): Promise<Queue> {
    const { db } = this.deps;
    const problems = queueFieldProblems(input);
    if (problems.length > 0) throw invalid(problems);
    const current = await db.queue.findUnique({ where: { id } });
    if (!current) throw new NotFoundError('queue not found');
    const overflow = await this.overflow(current.companyId, id, current, input);
    const queue = await this.write(
      () => db.queue.update({ where: { id }, data: { ...queueData(input), ...overflow } }),
      input.name ?? current.name,
    );
    this.deps.directory.invalidateCompany(queue.companyId);
    await this.deps.audit.record(actor, {
      companyId: queue.companyId,
      action: 'queue.updated',
      target: { queueId: id },
      changes: changesBetween(current, queue),
    });
    return queue;
  }

  /**
   * Refused for the default queue. Its numbers go back to the default queue (the foreign key sets
   * their queueId to null), queues that overflowed into it overflow to voicemail, and menu options
   * that named it send callers to the default queue.
   */
  async deleteQueue(id: string, actor: AuditActor): Promise<Queue> {
    const { db } = this.deps;
    const current = await db.queue.findUnique({ where: { id } });
    if (!current) throw new NotFoundError('queue not found');
    if (current.isDefault) throw defaultNotDeletable();
    const { companyId } = current;
    const routing = await db.routingConfig.findUnique({ where: { companyId }, select: { languageMenu: true } });
    const menu = Array.isArray(routing?.languageMenu) ? (routing.languageMenu as Prisma.JsonObject[]) : [];
    const menuNamesIt = menu.some((o) => o.queueId === id);
    const [, deleted] = await db.$transaction([
      lockCompany(db, companyId),
      // Only if it is still not the default (setDefaultQueue holds the same lock).
      db.queue.deleteMany({ where: { id, companyId, isDefault: false } }),
      // The foreign key left these overflowing into nothing (overflowQueueId null).
      db.queue.updateMany({
        where: { companyId, overflowKind: 'QUEUE', overflowQueueId: null },
        data: { overflowKind: 'VOICEMAIL' },
      }),
      ...(menuNamesIt
        ? [
            db.routingConfig.update({
              where: { companyId },
              data: { languageMenu: menu.map(({ queueId, ...o }) => (queueId === id ? o : { queueId, ...o })) as Prisma.InputJsonValue },
            }),
          ]
        : []),
    ]);
    if (deleted.count === 0) {
      this.deps.directory.invalidateCompany(companyId);
      const now = await db.queue.findUnique({ where: { id }, select: { isDefault: true } });
      throw now ? defaultNotDeletable() : new NotFoundError('queue not found');
    }
    this.deps.directory.invalidateCompany(companyId);
    // After the transaction, not in it: whether it deleted anything is known only from its result.
    await this.deps.audit.record(actor, {
      companyId,
      action: 'queue.deleted',
      target: { queueId: id },
      changes: changesBetween(current, null),
      ...(menuNamesIt ? { extra: { languageMenuOptionsReset: true } } : {}),
    });
    return current;
  }

  /** Makes the queue its company's default; the previous default becomes an ordinary queue in the same transaction. */
  async setDefaultQueue(id: string, actor: AuditActor): Promise<Queue> {
    const { db } = this.deps;
    const current = await db.queue.findUnique({ where: { id }, select: { companyId: true } });
    if (!current) throw new NotFoundError('queue not found');
    const { companyId } = current;
    const [, promoted] = await db.$transaction([
      lockCompany(db, companyId),
      db.queue.updateMany({ where: { id, companyId, isDefault: false }, data: { isDefault: true } }),
      // Only while the new default exists: a company is never left without one.
      db.queue.updateMany({
        where: { companyId, id: { not: id }, isDefault: true, company: { queues: { some: { id } } } },
        data: { isDefault: false },
      }),
    ]);
    this.deps.directory.invalidateCompany(companyId);
    const queue = await db.queue.findUnique({ where: { id } });
    if (!queue || (promoted.count === 0 && !queue.isDefault)) throw new NotFoundError('queue not found');
    // After the transaction, as for deletes; making the default the default again changes nothing.
    if (promoted.count > 0) {
      await this.deps.audit.record(actor, {
        companyId,
        action: 'queue.default_set',
        target: { queueId: id },
        changes: { isDefault: { before: false, after: true } },
      });
    }
    return queue;
  }

  /**
   * The overflow columns after the patch, checked as a whole: NUMBER needs a number calls may be
   * forwarded to, QUEUE another queue of the company that does not overflow back into this one.
   * The column the kind does not use is cleared.
   */
  private async overflow(companyId: string, selfId: string | null, current: Overflow, input: QueueFields): Promise<Overflow> {
    const kind = input.overflowKind ?? current.overflowKind;
    const number = input.overflowNumber != null ? input.overflowNumber.trim() || null : current.overflowNumber;
    const queueId = input.overflowQueueId != null ? input.overflowQueueId.trim() || null : current.overflowQueueId;
    if (input.overflowNumber?.trim() && kind !== 'NUMBER') throw invalid(['input.overflowNumber: is used only with overflowKind NUMBER']);
    if (input.overflowQueueId?.trim() && kind !== 'QUEUE') throw invalid(['input.overflowQueueId: is used only with overflowKind QUEUE']);
    if (kind === 'NUMBER') {
      if (!number) throw invalid(['input.overflowNumber: is required when overflowKind is NUMBER']);
      const normalized = e164.parse(number);
      // Checked whenever what forwards to it changes, as for the routing fallback number.
      if (input.overflowNumber != null || input.overflowKind != null)
        await this.deps.checkForwardNumber(companyId, normalized, 'input.overflowNumber');
      return { overflowKind: kind, overflowNumber: normalized, overflowQueueId: null };
    }
    if (kind === 'QUEUE') {
      if (!queueId) throw invalid(['input.overflowQueueId: is required when overflowKind is QUEUE']);
      if (queueId === selfId) throw invalid(['input.overflowQueueId: a queue cannot overflow into itself']);
      const queues = await this.deps.db.queue.findMany({
        where: { companyId },
        select: { id: true, name: true, overflowKind: true, overflowQueueId: true },
      });
      const byId = new Map(queues.map((q) => [q.id, q]));
      if (!byId.has(queueId)) throw invalid([`input.overflowQueueId: "${queueId.slice(0, 64)}" is not a queue of this company`]);
      // A loop would bounce a caller from queue to queue while both are full.
      const seen = new Set<string>();
      for (
        let at = byId.get(queueId);
        at?.overflowKind === 'QUEUE' && at.overflowQueueId && !seen.has(at.id);
        at = byId.get(at.overflowQueueId)
      ) {
        seen.add(at.id);
        if (selfId !== null && at.overflowQueueId === selfId)
          throw invalid([`input.overflowQueueId: queue "${byId.get(queueId)!.name}" overflows back into this queue (a loop)`]);
      }
      return { overflowKind: kind, overflowNumber: null, overflowQueueId: queueId };
    }
    return { overflowKind: kind, overflowNumber: null, overflowQueueId: null };
  }

  /** A taken name is a clear error, not a constraint crash; a company gone meanwhile is NOT_FOUND. */
  private async write<T>(fn: () => Promise<T>, name: string): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (uniqueViolation(err)) throw invalid([`input.name: this company already has a queue named "${name.trim()}"`]);
      if (missingRow(err)) throw new NotFoundError('queue not found');
      throw err;
    }
  }
}

const defaultNotDeletable = () =>
  new InputError('Validation error: id: the default queue cannot be deleted; make another queue the default first (setDefaultQueue)');

/**
 * Takes the company's row lock for the rest of the transaction: queue writes that move the default
 * or delete run one at a time per company. NO KEY UPDATE does not block inserts that reference the
 * company (agents, calls).
 */
function lockCompany(db: Db, companyId: string) {
  return db.$queryRaw`SELECT "id" FROM "Company" WHERE "id" = ${companyId} FOR NO KEY UPDATE`;
}
