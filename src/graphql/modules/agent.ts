import { z } from 'zod';
import { builder } from '../builder.js';
import { displayName, sipUsername, statusReason, telnyxCredentialId as credentialIdRule } from '../../domain/validation.js';
import { validateSkills, type Skills } from '../../domain/skills.js';
import { ForbiddenError, InputError, NotFoundError, RateLimitedError } from '../../services/errors.js';
import { companyOfAgent, requireCompany } from './common.js';
import { AgentPresenceRef, AgentStatusEnum } from './presence.js';
import { costOfCapped, costOfFirst, firstArg, FIXED_LIST_BOUNDS, LIST_BOUNDS } from '../list-bounds.js';

const TELNYX_CREDENTIAL_DOC =
  'Telnyx telephony credential id (a UUID); the softphone\'s login token is minted from it. Linked to one agent at most; with TELNYX_API_KEY set it must exist on the Telnyx account. "" removes it.';
const telnyxCredentialId = credentialIdRule.nullish();

const AgentSkillRef = builder.objectRef<{ name: string; level: number }>('AgentSkill').implement({
  description: 'A skill and its level (1-10), e.g. es 8.',
  fields: (t) => ({ name: t.exposeString('name'), level: t.exposeInt('level') }),
});

const SkillInput = builder.inputType('SkillInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: 'Lower-case a-z, 0-9, _ or -, starting with a letter (e.g. es, billing).' }),
    level: t.int({ description: '1-10; default 5.' }),
  }),
});
const SKILLS_DOC = "The agent's skills; replaces the whole set (an empty list removes them all).";

/** The skills as stored ({"es": 8}), from their GraphQL input, or a clear error. */
function toSkills(input: { name: string; level?: number | null }[] | null | undefined): Skills | undefined {
  if (!input) return undefined;
  const skills: Record<string, number> = {};
  for (const s of input) {
    const name = s.name.trim().toLowerCase();
    if (name in skills) throw new InputError(`Validation error: input.skills: skill "${name}" is listed twice`);
    skills[name] = s.level ?? 5;
  }
  const problem = validateSkills(skills);
  if (problem) throw new InputError(`Validation error: input.skills: ${problem}`);
  return skills;
}

builder.prismaObject('Agent', {
  authScopes: (agent) => ({ supervisorOf: agent.companyId, self: agent.id }),
  fields: (t) => ({
    id: t.exposeID('id'),
    companyId: t.exposeID('companyId'),
    displayName: t.exposeString('displayName'),
    sipUsername: t.exposeString('sipUsername', { description: 'Dialed as sip:<sipUsername>@sip.telnyx.com.' }),
    enabled: t.exposeBoolean('enabled'),
    status: t.expose('status', { type: AgentStatusEnum }),
    statusReason: t.exposeString('statusReason', { nullable: true }),
    tier: t.exposeInt('tier', { description: 'Priority tier: 1 rings first.' }),
    position: t.exposeInt('position', { description: 'Order inside the tier.' }),
    lastCallEndedAt: t.expose('lastCallEndedAt', { type: 'DateTime', nullable: true }),
    skills: t.field({
      type: [AgentSkillRef],
      complexity: costOfCapped(FIXED_LIST_BOUNDS.skills),
      select: { skills: true },
      resolve: (agent) =>
        Object.entries((agent.skills ?? {}) as Skills)
          .map(([name, level]) => ({ name, level }))
          .sort((a, b) => b.level - a.level || a.name.localeCompare(b.name)),
    }),
    telnyxCredentialId: t.exposeString('telnyxCredentialId', { nullable: true, description: TELNYX_CREDENTIAL_DOC }),
    company: t.relation('company'),
    presence: t.field({
      type: AgentPresenceRef,
      select: { id: true },
      resolve: async (agent, _args, ctx) => {
        const found = await ctx.services.directory.agent(agent.id);
        return ctx.services.presence.presenceOf({ ...found!.company, agents: [found!.agent] })[0]!;
      },
    }),
  }),
});

const CreateAgentInput = builder.inputType('CreateAgentInput', {
  fields: (t) => ({
    companyId: t.id({ required: true }),
    displayName: t.string({ required: true, validate: displayName }),
    sipUsername: t.string({ required: true, validate: sipUsername }),
    tier: t.int({
      description: 'Priority tier (1-9): 1 rings first; tier 2 only when nobody of tier 1 is left.',
      validate: z.number().int().min(1).max(9).nullish(),
    }),
    position: t.int({ description: 'Order inside the tier (0-10000).', validate: z.number().int().min(0).max(10_000).nullish() }),
    telnyxCredentialId: t.string({ description: TELNYX_CREDENTIAL_DOC, validate: telnyxCredentialId }),
    skills: t.field({ type: [SkillInput], description: SKILLS_DOC }),
  }),
});

const UpdateAgentInput = builder.inputType('UpdateAgentInput', {
  fields: (t) => ({
    displayName: t.string({ validate: displayName.optional().nullable() }),
    sipUsername: t.string({ validate: sipUsername.optional().nullable() }),
    enabled: t.boolean({ description: 'A disabled agent goes offline at once and is never routed.' }),
    tier: t.int({
      description: 'Priority tier (1-9): 1 rings first; tier 2 only when nobody of tier 1 is left.',
      validate: z.number().int().min(1).max(9).nullish(),
    }),
    position: t.int({ description: 'Order inside the tier (0-10000).', validate: z.number().int().min(0).max(10_000).nullish() }),
    telnyxCredentialId: t.string({ description: TELNYX_CREDENTIAL_DOC, validate: telnyxCredentialId }),
    skills: t.field({ type: [SkillInput], description: SKILLS_DOC }),
  }),
});

const SetAgentStatusInput = builder.inputType('SetAgentStatusInput', {
  fields: (t) => ({
    agentId: t.id({ description: 'Defaults to the calling agent. Supervisors name an agent of their company.' }),
    status: t.field({ type: AgentStatusEnum, required: true }),
    reason: t.string({ description: 'Why the agent is on break (ON_BREAK only).', validate: statusReason.optional().nullable() }),
  }),
});

builder.queryField('agents', (t) =>
  t.prismaField({
    type: ['Agent'],
    description: 'Oldest first.',
    args: { companyId: t.arg.id({ required: true }), first: t.arg.int(firstArg(LIST_BOUNDS.agents)) },
    complexity: costOfFirst(LIST_BOUNDS.agents),
    authScopes: (_root, args) => ({ supervisorOf: String(args.companyId) }),
    resolve: (query, _root, args, ctx) =>
      ctx.services.db.agent.findMany({
        ...query,
        where: { companyId: String(args.companyId) },
        orderBy: { createdAt: 'asc' },
        take: args.first ?? LIST_BOUNDS.agents.default,
      }),
  }),
);

builder.mutationFields((t) => ({
  createAgent: t.prismaField({
    type: 'Agent',
    args: { input: t.arg({ type: CreateAgentInput, required: true }) },
    authScopes: (_root, args) => ({ supervisorOf: String(args.input.companyId) }),
    resolve: async (query, _root, { input }, ctx) => {
      await requireCompany(ctx, String(input.companyId));
      const agent = await ctx.services.configuration.createAgent({
        ...input,
        companyId: String(input.companyId),
        skills: toSkills(input.skills),
      });
      return ctx.services.db.agent.findUniqueOrThrow({ ...query, where: { id: agent.id } });
    },
  }),
  updateAgent: t.prismaField({
    type: 'Agent',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateAgentInput, required: true }) },
    authScopes: async (_root, args, ctx) => ({ supervisorOf: await companyOfAgent(ctx, String(args.id)) }),
    resolve: async (query, _root, { id, input }, ctx) => {
      await ctx.services.configuration.updateAgent(String(id), { ...input, skills: toSkills(input.skills) });
      return ctx.services.db.agent.findUniqueOrThrow({ ...query, where: { id: String(id) } });
    },
  }),
  setAgentStatus: t.field({
    type: AgentPresenceRef,
    description:
      "An agent sets its own status; a supervisor sets the status of an agent of its company. Rate-limited per agent and per company's supervisors (STATUS_CHANGES_PER_MINUTE): past it, RATE_LIMITED with retryAfterMs.",
    args: { input: t.arg({ type: SetAgentStatusInput, required: true }) },
    authScopes: { authenticated: true },
    resolve: async (_root, { input }, ctx) => {
      const viewer = ctx.viewer!;
      const agentId = input.agentId ? String(input.agentId) : viewer.role === 'agent' ? viewer.agentId : null;
      if (!agentId) throw new ForbiddenError('agentId is required unless an agent sets its own status');
      const companyId = await companyOfAgent(ctx, agentId);
      const allowed =
        viewer.role === 'admin' ||
        (viewer.role === 'supervisor' && viewer.companyId === companyId) ||
        (viewer.role === 'agent' && viewer.agentId === agentId);
      if (!allowed) throw new ForbiddenError();
      // Per principal (the agent, or the company's supervisors), all instances together; the CRM's admin key is not limited.
      if (viewer.role !== 'admin') {
        const waitMs = await ctx.services.limits.statusChange.take(
          viewer.role === 'agent' ? `agent:${viewer.agentId}` : `supervisor:${viewer.companyId}`,
        );
        if (waitMs > 0) throw new RateLimitedError(`too many status changes; retry in ${Math.ceil(waitMs / 1000)} s`, waitMs);
      }
      const reason = input.reason?.trim() || null;
      if (input.status === 'ON_BREAK') await checkBreakReason(ctx, companyId, reason);
      return ctx.services.presence.setStatus(agentId, input.status, reason);
    },
  }),
  clearAgentCall: t.field({
    type: AgentPresenceRef,
    description:
      'Frees an agent the service believes is on a call (a lost status callback) so it is routed again. Supervisors of its company and the admin; audited.',
    args: { agentId: t.arg.id({ required: true }) },
    authScopes: async (_root, args, ctx) => ({ supervisorOf: await companyOfAgent(ctx, String(args.agentId)) }),
    resolve: async (_root, args, ctx) => {
      const agentId = String(args.agentId);
      const found = await ctx.services.directory.agent(agentId);
      if (!found) throw new NotFoundError('agent not found');
      const previous = await ctx.services.calls.clearAgentCall(found.company, agentId);
      const viewer = ctx.viewer!;
      // The audit line: who forced what, and the state it replaced; and its row (best effort: the
      // database may be the very thing that is failing, and the line is already written).
      const audit = {
        audit: 'clear-agent-call',
        by: viewer.role,
        companyId: found.company.id,
        agentId,
        previous,
        requestId: ctx.requestId,
      };
      ctx.services.logger.info(
        audit,
        previous ? 'audit: agent freed from its call by hand' : 'audit: agent freed by hand (was not on a call)',
      );
      await ctx.services.db.auditEvent
        .create({
          data: {
            companyId: found.company.id,
            actor: viewer.role,
            action: 'clear-agent-call',
            agentId,
            detail: { previous, requestId: ctx.requestId },
          },
        })
        .catch((err: unknown) => ctx.services.logger.warn({ err, ...audit }, 'audit row not written (the log line stands)'));
      return ctx.services.presence.presenceOf({ ...found.company, agents: [found.agent] })[0]!;
    },
  }),
}));

/** A company that defines break reason codes accepts only those (case-insensitive, stored as defined). */
async function checkBreakReason(ctx: Parameters<typeof requireCompany>[0], companyId: string, reason: string | null): Promise<void> {
  const { breakReasons } = await requireCompany(ctx, companyId);
  if (breakReasons.length === 0) return;
  if (!reason || !breakReasons.some((r) => r.toLowerCase() === reason.toLowerCase())) {
    throw new InputError(`Validation error: input.reason: must be one of the company's break reasons: ${breakReasons.join(', ')}`);
  }
}
