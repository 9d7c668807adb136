import { z } from 'zod';
import { builder } from '../builder.js';
import { companyName, timeZone } from '../../domain/validation.js';
import { MAX_RETENTION_DAYS } from '../../domain/recordings.js';
import { actorIn, requireCompany } from './common.js';
import { costOfCapped, costOfFirst, firstArg, FIXED_LIST_BOUNDS, LIST_BOUNDS } from '../list-bounds.js';
import { RoutingConfigInput, RoutingConfigRef, routingPatchOf } from './routing.js';

builder.prismaObject('Company', {
  authScopes: (company) => ({ supervisorOf: company.id }),
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    timeZone: t.exposeString('timeZone', { description: 'IANA time zone of the company.' }),
    breakReasons: t.exposeStringList('breakReasons', { description: BREAK_REASONS_DOC }),
    recordingRetentionDays: t.exposeInt('recordingRetentionDays', {
      nullable: true,
      description: 'Days recordings are kept after they are stored; null = forever.',
    }),
    voicemailEmails: t.exposeStringList('voicemailEmails', { description: VOICEMAIL_EMAILS_DOC }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    agents: t.relation('agents', {
      description: 'Oldest first.',
      args: { first: t.arg.int(firstArg(LIST_BOUNDS.agents)) },
      complexity: costOfFirst(LIST_BOUNDS.agents),
      query: (args) => ({ orderBy: { createdAt: 'asc' }, take: args.first ?? LIST_BOUNDS.agents.default }),
    }),
    phoneNumbers: t.relation('numbers', {
      description: 'Oldest first.',
      args: { first: t.arg.int(firstArg(LIST_BOUNDS.phoneNumbers)) },
      complexity: costOfFirst(LIST_BOUNDS.phoneNumbers),
      query: (args) => ({ orderBy: { createdAt: 'asc' }, take: args.first ?? LIST_BOUNDS.phoneNumbers.default }),
    }),
    queues: t.relation('queues', {
      description: `The default queue first, then the others oldest first (at most ${FIXED_LIST_BOUNDS.queues}: the cap on writes bounds the list).`,
      complexity: costOfCapped(FIXED_LIST_BOUNDS.queues),
      query: { orderBy: [{ isDefault: 'desc' }, { createdAt: 'asc' }, { id: 'asc' }] },
    }),
    routing: t.field({
      type: RoutingConfigRef,
      select: { id: true },
      resolve: async (company, _args, ctx) => ({ companyId: company.id, ...(await requireCompany(ctx, company.id)).policy }),
    }),
  }),
});

const BREAK_REASONS_DOC = 'Break reason codes agents pick from (e.g. Lunch, Training); empty = any reason is accepted.';
const breakReasons = z
  .array(z.string().trim().min(1, 'a break reason must not be empty').max(40, 'a break reason is at most 40 characters'))
  .max(20, 'at most 20 break reasons')
  .refine((list) => new Set(list.map((r) => r.toLowerCase())).size === list.length, 'break reasons must be distinct')
  .nullish();

const CreateCompanyInput = builder.inputType('CreateCompanyInput', {
  fields: (t) => ({
    name: t.string({ required: true, validate: companyName }),
    timeZone: t.string({ description: 'IANA time zone; default UTC.', validate: timeZone.optional().nullable() }),
    breakReasons: t.stringList({ description: BREAK_REASONS_DOC, validate: breakReasons }),
    routing: t.field({ type: RoutingConfigInput, description: 'Initial routing; defaults apply to what is left out.' }),
  }),
});

const VOICEMAIL_EMAILS_DOC = 'Addresses e-mailed about every new voicemail (SMTP_URL must be set); a queue may add its own.';
const voicemailEmails = z
  .array(z.email('voicemailEmails must be e-mail addresses').max(254))
  .max(20, 'at most 20 voicemail e-mail addresses')
  .nullish();

const UpdateCompanyInput = builder.inputType('UpdateCompanyInput', {
  fields: (t) => ({
    recordingRetentionDays: t.int({
      description: `Days recordings are kept after they are stored (1-${MAX_RETENTION_DAYS}); 0 = forever.`,
      validate: z
        .number()
        .int()
        .min(0, 'recordingRetentionDays must be 0 (forever) or more')
        .max(MAX_RETENTION_DAYS, `recordingRetentionDays must be at most ${MAX_RETENTION_DAYS}`)
        .nullish(),
    }),
    voicemailEmails: t.stringList({ description: `${VOICEMAIL_EMAILS_DOC} Replaces the list.`, validate: voicemailEmails }),
    name: t.string({ validate: companyName.optional().nullable() }),
    timeZone: t.string({ validate: timeZone.optional().nullable() }),
    breakReasons: t.stringList({ description: `${BREAK_REASONS_DOC} Replaces the list.`, validate: breakReasons }),
  }),
});

builder.queryFields((t) => ({
  company: t.prismaField({
    type: 'Company',
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    authScopes: (_root, args) => ({ supervisorOf: String(args.id) }),
    resolve: (query, _root, args, ctx) => ctx.services.db.company.findUnique({ ...query, where: { id: String(args.id) } }),
  }),
  companies: t.prismaField({
    type: ['Company'],
    description: 'Every company (admin only).',
    authScopes: { admin: true },
    args: { first: t.arg.int(firstArg(LIST_BOUNDS.companies)) },
    complexity: costOfFirst(LIST_BOUNDS.companies),
    resolve: (query, _root, args, ctx) =>
      ctx.services.db.company.findMany({ ...query, orderBy: { createdAt: 'asc' }, take: args.first ?? LIST_BOUNDS.companies.default }),
  }),
}));

builder.mutationFields((t) => ({
  createCompany: t.prismaField({
    type: 'Company',
    authScopes: { admin: true },
    args: { input: t.arg({ type: CreateCompanyInput, required: true }) },
    resolve: async (query, _root, { input }, ctx) => {
      const company = await ctx.services.configuration.createCompany(
        {
          ...input,
          routing: input.routing ? routingPatchOf(input.routing) : null,
        },
        actorIn(ctx),
      );
      return ctx.services.db.company.findUniqueOrThrow({ ...query, where: { id: company.id } });
    },
  }),
  updateCompany: t.prismaField({
    type: 'Company',
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateCompanyInput, required: true }) },
    resolve: async (query, _root, { id, input }, ctx) => {
      await ctx.services.configuration.updateCompany(String(id), input, actorIn(ctx));
      return ctx.services.db.company.findUniqueOrThrow({ ...query, where: { id: String(id) } });
    },
  }),
}));
