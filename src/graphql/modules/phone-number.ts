/** The phone number aggregate in GraphQL: the PhoneNumber type, and creating, updating and deleting numbers (admin). */
import { z } from 'zod';
import { builder } from '../builder.js';
import { e164 } from '../../domain/validation.js';
import { MAX_CALLER_PRIORITY, MIN_CALLER_PRIORITY } from '../../domain/skills.js';
import { skillExpressionArg } from './routing.js';
import { actorIn } from './common.js';

const REQUIRED_SKILLS_DOC = 'Skill expression calls to this number require, e.g. "es" or "billing>=5 & (en | es)"; "" removes it.';
const QUEUE_DOC = "The queue calls to this number wait in (one of the company's); null = the company's default queue.";
const QUEUE_INPUT_DOC = `${QUEUE_DOC.replace('null', '""')} Moving the number to another company without one sends it to that company's default queue.`;
const PRIORITY_DOC = `Callers of this number are served before callers with a lower priority (${MIN_CALLER_PRIORITY}..${MAX_CALLER_PRIORITY}, default 0).`;
const priority = z
  .number()
  .int()
  .min(MIN_CALLER_PRIORITY, `at least ${MIN_CALLER_PRIORITY}`)
  .max(MAX_CALLER_PRIORITY, `at most ${MAX_CALLER_PRIORITY}`);

/** Parsed here so a bad expression is a clear error and never stored; stored as written. */
function checkedSkills(text: string | null | undefined): string | null | undefined {
  if (text == null || text.trim() === '') return text;
  skillExpressionArg('input.requiredSkills', text);
  return text.trim();
}

builder.prismaObject('PhoneNumber', {
  authScopes: (n) => ({ supervisorOf: n.companyId }),
  fields: (t) => ({
    id: t.exposeID('id'),
    e164: t.exposeString('e164'),
    label: t.exposeString('label', { nullable: true }),
    requiredSkills: t.exposeString('requiredSkills', { nullable: true, description: REQUIRED_SKILLS_DOC }),
    queueId: t.exposeID('queueId', { nullable: true, description: QUEUE_DOC }),
    queue: t.relation('queue', { nullable: true, description: QUEUE_DOC }),
    priority: t.exposeInt('priority', { description: PRIORITY_DOC }),
    companyId: t.exposeID('companyId'),
    company: t.relation('company'),
  }),
});

const label = z.string().trim().max(80, 'at most 80 characters');

const CreatePhoneNumberInput = builder.inputType('CreatePhoneNumberInput', {
  fields: (t) => ({
    companyId: t.id({ required: true }),
    e164: t.string({ required: true, description: 'The number Telnyx posts as `To`, e.g. +13055550100.', validate: e164 }),
    label: t.string({ validate: label.optional().nullable() }),
    requiredSkills: t.string({ description: REQUIRED_SKILLS_DOC }),
    queueId: t.id({ description: QUEUE_INPUT_DOC }),
    priority: t.int({ description: PRIORITY_DOC, validate: priority.nullish() }),
  }),
});

const UpdatePhoneNumberInput = builder.inputType('UpdatePhoneNumberInput', {
  fields: (t) => ({
    companyId: t.id({ description: 'Move the number to another company.' }),
    label: t.string({ validate: label.optional().nullable() }),
    requiredSkills: t.string({ description: REQUIRED_SKILLS_DOC }),
    queueId: t.id({ description: QUEUE_INPUT_DOC }),
    priority: t.int({ description: PRIORITY_DOC, validate: priority.nullish() }),
  }),
});

builder.mutationFields((t) => ({
  createPhoneNumber: t.prismaField({
    type: 'PhoneNumber',
    authScopes: { admin: true },
    args: { input: t.arg({ type: CreatePhoneNumberInput, required: true }) },
    resolve: async (query, _root, { input }, ctx) => {
      const n = await ctx.services.configuration.createPhoneNumber(
        {
          ...input,
          companyId: String(input.companyId),
          requiredSkills: checkedSkills(input.requiredSkills),
          queueId: input.queueId == null ? input.queueId : String(input.queueId),
        },
        actorIn(ctx),
      );
      return ctx.services.db.phoneNumber.findUniqueOrThrow({ ...query, where: { id: n.id } });
    },
  }),
  updatePhoneNumber: t.prismaField({
    type: 'PhoneNumber',
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdatePhoneNumberInput, required: true }) },
    resolve: async (query, _root, { id, input }, ctx) => {
      await ctx.services.configuration.updatePhoneNumber(
        String(id),
        {
          ...input,
          companyId: input.companyId ? String(input.companyId) : null,
          requiredSkills: checkedSkills(input.requiredSkills),
          queueId: input.queueId == null ? input.queueId : String(input.queueId),
        },
        actorIn(ctx),
      );
      return ctx.services.db.phoneNumber.findUniqueOrThrow({ ...query, where: { id: String(id) } });
    },
  }),
  deletePhoneNumber: t.field({
    type: 'ID',
    description: 'Returns the id of the deleted number.',
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => (await ctx.services.configuration.deletePhoneNumber(String(id), actorIn(ctx))).id,
  }),
}));
