/**
 * The audit trail in GraphQL: `auditEvents`, a company's configuration changes and supervisor actions,
 * newest first, paged by cursor (an event's `cursor`, passed back as `after`). Supervisors of the
 * company and the admin. Written by src/services/audit-log.ts.
 */
import { z } from 'zod';
import type { AuditEvent } from '../../generated/prisma/client.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { InputError } from '../../services/errors.js';
import { builder } from '../builder.js';
import { costOfFirst, firstArg, LIST_BOUNDS } from '../list-bounds.js';

type Detail = { by?: { subject?: string | null; tokenId?: string | null }; target?: Record<string, string>; changes?: object };

const detailOf = (event: AuditEvent): Detail => (event.detail ?? {}) as Detail;

/** (createdAt, id) of the last event seen; opaque to clients. */
export function cursorOf(event: Pick<AuditEvent, 'createdAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([event.createdAt.toISOString(), event.id])).toString('base64url');
}

function parseCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const createdAt = new Date(String(at));
    if (typeof id !== 'string' || Number.isNaN(createdAt.getTime())) throw new Error('bad cursor');
    return { createdAt, id };
  } catch {
    throw new InputError('Validation error: after: not a cursor this field returned');
  }
}

builder.prismaObject('AuditEvent', {
  authScopes: (event) => ({ supervisorOf: event.companyId }),
  fields: (t) => ({
    id: t.exposeID('id'),
    companyId: t.exposeID('companyId'),
    cursor: t.string({ description: 'Pass as `after` to read the events older than this one.', resolve: cursorOf }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the change was made.' }),
    action: t.exposeString('action', { description: 'What was done, e.g. routing.updated, queue.created, agent.status_set.' }),
    actor: t.exposeString('actor', { description: 'admin, supervisor, agent or system (the service itself).' }),
    actorSubject: t.string({
      nullable: true,
      description: "The token's subject: the supervisor's company, the agent's id; null for the admin key.",
      resolve: (e) => detailOf(e).by?.subject ?? null,
    }),
    tokenId: t.string({
      nullable: true,
      description: 'A fingerprint of the token or key used (never the token itself): tells tokens of one actor apart.',
      resolve: (e) => detailOf(e).by?.tokenId ?? null,
    }),
    agentId: t.exposeID('agentId', { nullable: true }),
    targetIds: t.string({
      description: 'Ids of what was changed besides the company and agent, as a JSON object (e.g. {"queueId":"…"}).',
      resolve: (e) => JSON.stringify(detailOf(e).target ?? {}),
    }),
    changedFields: t.stringList({ resolve: (e) => Object.keys(detailOf(e).changes ?? {}) }),
    changes: t.string({
      description: 'The changed fields as a JSON object: {"field": {"before": …, "after": …}}; secrets read "[redacted]".',
      resolve: (e) => JSON.stringify(detailOf(e).changes ?? {}),
    }),
    detail: t.string({ description: 'Everything recorded, as JSON.', resolve: (e) => JSON.stringify(e.detail) }),
  }),
});

const AuditEventFilter = builder.inputType('AuditEventFilter', {
  fields: (t) => ({
    action: t.string({ description: 'Exact action name.', validate: z.string().max(100).nullish() }),
    actor: t.string({
      description: 'admin, supervisor, agent or system.',
      validate: z.enum(['admin', 'supervisor', 'agent', 'system']).nullish(),
    }),
    from: t.field({ type: 'DateTime', description: 'Inclusive.' }),
    to: t.field({ type: 'DateTime', description: 'Exclusive.' }),
  }),
});

builder.queryField('auditEvents', (t) =>
  t.prismaField({
    type: ['AuditEvent'],
    description: "The company's configuration changes and supervisor actions, newest first. Supervisors of the company and the admin.",
    args: {
      companyId: t.arg.id({ required: true }),
      first: t.arg.int(firstArg(LIST_BOUNDS.auditEvents)),
      after: t.arg.string({ description: 'The `cursor` of the last event of the previous page.', validate: z.string().max(200).nullish() }),
      filter: t.arg({ type: AuditEventFilter }),
    },
    complexity: costOfFirst(LIST_BOUNDS.auditEvents),
    authScopes: (_root, args) => ({ supervisorOf: String(args.companyId) }),
    resolve: (query, _root, args, ctx) => {
      const f = args.filter;
      const where: Prisma.AuditEventWhereInput = { companyId: String(args.companyId) };
      if (f?.action) where.action = f.action;
      if (f?.actor) where.actor = f.actor;
      if (f?.from || f?.to) where.createdAt = { ...(f.from && { gte: f.from }), ...(f.to && { lt: f.to }) };
      if (args.after) {
        const c = parseCursor(args.after);
        where.OR = [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }];
      }
      return ctx.services.db.auditEvent.findMany({
        ...query,
        where,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: args.first ?? LIST_BOUNDS.auditEvents.default,
      });
    },
  }),
);
