import { z } from 'zod';
import { builder } from '../builder.js';
import { displayName, sipUsername, statusReason, telnyxCredentialId as credentialIdRule } from '../../domain/validation.js';
import { validateSkills, type Skills } from '../../domain/skills.js';
import { ForbiddenError, InputError, NotFoundError, RateLimitedError } from '../../services/errors.js';
import { actorIn, companyOfAgent, requireCompany } from './common.js';
import { changesBetween } from '../../services/audit-log.js';
import { sipTargetOf, type SipTarget, type SipTargetProblem } from '../../domain/sip-target.js';
import { sipUri } from '../../domain/call-flow.js';
import type { CredentialFate } from '../../services/configuration-service.js';
import { AgentPresenceRef, AgentStatusEnum } from './presence.js';
import { costOfCapped, costOfFirst, firstArg, FIXED_LIST_BOUNDS, LIST_BOUNDS } from '../list-bounds.js';

const TELNYX_CREDENTIAL_DOC =
  'Telnyx telephony credential id (a UUID); the softphone\'s login token is minted from it. Linked to one agent at most; with TELNYX_API_KEY set it must exist on the Telnyx account, and its SIP username is read from it (telnyxSipUsername). "" removes it. With TELNYX_CONNECTION_ID the server provisions one when none is given.';
const telnyxCredentialId = credentialIdRule.nullish();
const linkedCredentialId = credentialIdRule.refine((v) => v !== '', 'must not be empty (updateAgent with "" removes a credential)');

/** Where an agent's calls go, as the routing decision sees it (src/domain/sip-target.ts). */
type Provisioning = 'OWN_SIP_USERNAME' | 'CREDENTIAL_SIP_USERNAME' | SipTargetProblem;

const AgentProvisioningEnum = builder.enumType('AgentProvisioning', {
  description: 'What calls to the agent dial, or why they cannot reach it (then routePreview skips it as NO_SIP_TARGET).',
  values: {
    OWN_SIP_USERNAME: { description: "No TELNYX_API_KEY on the server: calls dial the agent's sipUsername as given." },
    CREDENTIAL_SIP_USERNAME: { description: "Calls dial the SIP username of the agent's Telnyx credential (telnyxSipUsername)." },
    NO_CREDENTIAL: {
      description: 'Telnyx is configured and the agent has no credential: reprovisionAgentCredential or linkAgentCredential.',
    },
    SIP_USERNAME_UNKNOWN: {
      description: 'A credential is linked but its SIP username was never read: linkAgentCredential with the same id reads it.',
    },
    INCONSISTENT: { description: 'A credential SIP username is stored without its credential: link the credential again.' },
    NOT_DIALABLE: { description: 'The SIP username cannot be dialed (Telnyx SIP URIs must begin with a letter).' },
  } as const satisfies Record<Provisioning, unknown>,
});

const CredentialRevocationEnum = builder.enumType('CredentialRevocation', {
  description: "What became of a deleted agent's Telnyx credential.",
  values: {
    NO_CREDENTIAL: { description: 'The agent had none.' },
    REVOKED: { description: 'Deleted on Telnyx (or Telnyx had no such credential).' },
    PENDING: { description: 'Telnyx could not be reached: the deletion is retried automatically (see the server log).' },
    KEPT: { description: 'Linked by hand on a server that does not provision (no TELNYX_CONNECTION_ID): left on the account.' },
  } as const satisfies Record<CredentialFate, unknown>,
});

const DeletedAgentRef = builder
  .objectRef<{ id: string; companyId: string; credentialRevocation: CredentialFate }>('DeletedAgent')
  .implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      companyId: t.exposeID('companyId'),
      credentialRevocation: t.expose('credentialRevocation', { type: CredentialRevocationEnum }),
    }),
  });

/** What calls to this agent dial on this server (its configuration decides 'own' or 'credential'). */
function targetOf(
  agent: { sipUsername: string; telnyxCredentialId: string | null; telnyxSipUsername: string | null },
  ctx: { services: { config: { telnyxApiKey?: string } } },
): SipTarget {
  return sipTargetOf(agent, ctx.services.config.telnyxApiKey ? 'credential' : 'own');
}
const TARGET_FIELDS = { sipUsername: true, telnyxCredentialId: true, telnyxSipUsername: true } as const;

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
    sipUsername: t.exposeString('sipUsername', {
      description:
        "The agent's own SIP username (unique). Calls dial it (sip:<sipUsername>@sip.telnyx.com) only when the server has no TELNYX_API_KEY; with one they dial the credential's telnyxSipUsername (see sipTarget).",
    }),
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
    telnyxSipUsername: t.exposeString('telnyxSipUsername', {
      nullable: true,
      description:
        "The SIP username Telnyx generated for the agent's credential (gencred…), read from Telnyx when the credential was created or linked. A softphone logged in with the credential is reachable only there.",
    }),
    sipTarget: t.string({
      nullable: true,
      description: 'The SIP URI calls to this agent dial (sip:…@sip.telnyx.com); null when nothing can be trusted (see provisioning).',
      select: TARGET_FIELDS,
      resolve: (agent, _args, ctx) => {
        const target = targetOf(agent, ctx);
        return target.ok ? sipUri(target.sipUsername) : null;
      },
    }),
    provisioning: t.field({
      type: AgentProvisioningEnum,
      select: TARGET_FIELDS,
      resolve: (agent, _args, ctx): Provisioning => {
        const target = targetOf(agent, ctx);
        if (!target.ok) return target.problem;
        return ctx.services.config.telnyxApiKey ? 'CREDENTIAL_SIP_USERNAME' : 'OWN_SIP_USERNAME';
      },
    }),
    provisioningDetail: t.string({
      nullable: true,
      description: 'Why calls cannot reach the agent, in a sentence; null when they can.',
      select: TARGET_FIELDS,
      resolve: (agent, _args, ctx) => {
        const target = targetOf(agent, ctx);
        return target.ok ? null : target.detail;
      },
    }),
    credentialRevocationPending: t.boolean({
      description:
        'A Telnyx credential this agent held (disabled, replaced) is still to be deleted: Telnyx could not be reached, and the server retries.',
      select: { id: true },
      resolve: (agent, _args, ctx) => ctx.services.configuration.credentialRevocationPending(agent.id),
    }),
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
    enabled: t.boolean({
      description:
        'A disabled agent goes offline at once and is never routed. When the server provisions (TELNYX_CONNECTION_ID), disabling revokes its Telnyx credential and enabling provisions a new one.',
    }),
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
      const agent = await ctx.services.configuration.createAgent(
        {
          ...input,
          companyId: String(input.companyId),
          skills: toSkills(input.skills),
        },
        actorIn(ctx),
      );
      return ctx.services.db.agent.findUniqueOrThrow({ ...query, where: { id: agent.id } });
    },
  }),
  updateAgent: t.prismaField({
    type: 'Agent',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateAgentInput, required: true }) },
    authScopes: async (_root, args, ctx) => ({ supervisorOf: await companyOfAgent(ctx, String(args.id)) }),
    resolve: async (query, _root, { id, input }, ctx) => {
      await ctx.services.configuration.updateAgent(String(id), { ...input, skills: toSkills(input.skills) }, actorIn(ctx));
      return ctx.services.db.agent.findUniqueOrThrow({ ...query, where: { id: String(id) } });
    },
  }),
  linkAgentCredential: t.prismaField({
    type: 'Agent',
    description:
      'Links an existing Telnyx telephony credential to the agent: Telnyx must know it, and its SIP username becomes what calls dial. The same id again re-reads it (agents linked before provisioning). When the server provisions, the credential it replaces is revoked. Errors: BAD_USER_INPUT (unknown, expired or undialable credential, or linked to another agent), TELNYX_UNAVAILABLE (nothing saved), TELNYX_NOT_CONFIGURED.',
    args: {
      agentId: t.arg.id({ required: true }),
      credentialId: t.arg.string({ required: true, validate: linkedCredentialId }),
    },
    authScopes: async (_root, args, ctx) => ({ supervisorOf: await companyOfAgent(ctx, String(args.agentId)) }),
    resolve: async (query, _root, args, ctx) => {
      await ctx.services.configuration.linkAgentCredential(String(args.agentId), args.credentialId, actorIn(ctx));
      return ctx.services.db.agent.findUniqueOrThrow({ ...query, where: { id: String(args.agentId) } });
    },
  }),
  reprovisionAgentCredential: t.prismaField({
    type: 'Agent',
    description:
      'Gives the agent a new Telnyx credential on TELNYX_CONNECTION_ID (its softphone logs in again with it) and revokes the one it replaces. Errors: TELNYX_UNAVAILABLE or TELNYX_REFUSED (nothing saved), TELNYX_NOT_CONFIGURED (no TELNYX_API_KEY or TELNYX_CONNECTION_ID).',
    args: { agentId: t.arg.id({ required: true }) },
    authScopes: async (_root, args, ctx) => ({ supervisorOf: await companyOfAgent(ctx, String(args.agentId)) }),
    resolve: async (query, _root, args, ctx) => {
      await ctx.services.configuration.reprovisionAgentCredential(String(args.agentId), actorIn(ctx));
      return ctx.services.db.agent.findUniqueOrThrow({ ...query, where: { id: String(args.agentId) } });
    },
  }),
  deleteAgent: t.field({
    type: DeletedAgentRef,
    description:
      "Deletes the agent: its tokens stop working and its connections close. When the server provisions, its Telnyx credential is revoked (credentialRevocation says whether Telnyx confirmed). Call logs keep the agent's id.",
    args: { id: t.arg.id({ required: true }) },
    authScopes: async (_root, args, ctx) => ({ supervisorOf: await companyOfAgent(ctx, String(args.id)) }),
    resolve: async (_root, args, ctx) => {
      const { agent, credential } = await ctx.services.configuration.deleteAgent(String(args.id), actorIn(ctx));
      return { id: agent.id, companyId: agent.companyId, credentialRevocation: credential };
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
      const before = viewer.role === 'agent' ? null : (await ctx.services.directory.agent(agentId))?.agent;
      const presence = await ctx.services.presence.setStatus(agentId, input.status, reason);
      // A status set for an agent by someone else is a supervisor action; an agent's own is not audited.
      if (before) {
        await ctx.services.audit.record(actorIn(ctx), {
          companyId,
          action: 'agent.status_set',
          agentId,
          changes: changesBetween(
            { status: before.status, statusReason: before.statusReason },
            { status: input.status, statusReason: input.status === 'ON_BREAK' ? reason : null },
          ),
        });
      }
      return presence;
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
      // The log line stands even if the database is the very thing failing (the row is then lost).
      ctx.services.logger.info(
        { audit: 'clear-agent-call', by: viewer.role, companyId: found.company.id, agentId, previous, requestId: ctx.requestId },
        previous ? 'audit: agent freed from its call by hand' : 'audit: agent freed by hand (was not on a call)',
      );
      await ctx.services.audit.record(actorIn(ctx), {
        companyId: found.company.id,
        action: 'clear-agent-call',
        agentId,
        extra: { previous },
      });
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
