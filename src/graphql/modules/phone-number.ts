import { z } from 'zod';
import { builder } from '../builder.js';
import { e164 } from '../../domain/validation.js';
import { skillExpressionArg } from './routing.js';

const REQUIRED_SKILLS_DOC = 'Skill expression calls to this number require, e.g. "es" or "billing>=5 & (en | es)"; "" removes it.';

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
  }),
});

const UpdatePhoneNumberInput = builder.inputType('UpdatePhoneNumberInput', {
  fields: (t) => ({
    companyId: t.id({ description: 'Move the number to another company.' }),
    label: t.string({ validate: label.optional().nullable() }),
    requiredSkills: t.string({ description: REQUIRED_SKILLS_DOC }),
  }),
});

builder.mutationFields((t) => ({
  createPhoneNumber: t.prismaField({
    type: 'PhoneNumber',
    authScopes: { admin: true },
    args: { input: t.arg({ type: CreatePhoneNumberInput, required: true }) },
    resolve: async (query, _root, { input }, ctx) => {
      const n = await ctx.services.configuration.createPhoneNumber({
        ...input,
        companyId: String(input.companyId),
        requiredSkills: checkedSkills(input.requiredSkills),
      });
      return ctx.services.db.phoneNumber.findUniqueOrThrow({ ...query, where: { id: n.id } });
    },
  }),
  updatePhoneNumber: t.prismaField({
    type: 'PhoneNumber',
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdatePhoneNumberInput, required: true }) },
    resolve: async (query, _root, { id, input }, ctx) => {
      await ctx.services.configuration.updatePhoneNumber(String(id), {
        ...input,
        companyId: input.companyId ? String(input.companyId) : null,
        requiredSkills: checkedSkills(input.requiredSkills),
      });
      return ctx.services.db.phoneNumber.findUniqueOrThrow({ ...query, where: { id: String(id) } });
    },
  }),
  deletePhoneNumber: t.field({
    type: 'ID',
    description: 'Returns the id of the deleted number.',
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => (await ctx.services.configuration.deletePhoneNumber(String(id))).id,
  }),
}));
