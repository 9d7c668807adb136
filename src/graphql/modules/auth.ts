import { builder } from '../builder.js';
import { tokenTtlSeconds } from '../../domain/validation.js';
import { NotFoundError } from '../../services/errors.js';
import { actorIn, companyOfAgent, requireCompany } from './common.js';

const RoleEnum = builder.enumType('Role', { values: ['ADMIN', 'SUPERVISOR', 'AGENT'] as const });

const ViewerRef = builder
  .objectRef<{ role: 'ADMIN' | 'SUPERVISOR' | 'AGENT'; companyId: string | null; agentId: string | null; expiresAt: Date | null }>('Viewer')
  .implement({
    fields: (t) => ({
      role: t.expose('role', { type: RoleEnum }),
      companyId: t.exposeID('companyId', { nullable: true }),
      agentId: t.exposeID('agentId', { nullable: true }),
      expiresAt: t.expose('expiresAt', {
        type: 'DateTime',
        nullable: true,
        description:
          'When the token expires: open connections end then (graphql-ws 4401, SSE streams complete). Null for the admin API key.',
      }),
    }),
  });

const IssuedTokenRef = builder.objectRef<{ token: string; expiresAt: Date }>('IssuedToken').implement({
  fields: (t) => ({
    token: t.exposeString('token', {
      description: 'Send as `Authorization: Bearer <token>` or graphql-ws connectionParams.authorization.',
    }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerRef,
    nullable: true,
    description: 'Who the credentials belong to; null when anonymous.',
    resolve: (_root, _args, ctx) => {
      const v = ctx.viewer;
      if (!v) return null;
      return {
        role: v.role.toUpperCase() as 'ADMIN' | 'SUPERVISOR' | 'AGENT',
        companyId: v.role === 'admin' ? null : v.companyId,
        agentId: v.role === 'agent' ? v.agentId : null,
        expiresAt: v.role === 'admin' ? null : new Date(v.expiresAt),
      };
    },
  }),
);

builder.mutationFields((t) => ({
  issueAgentToken: t.field({
    type: IssuedTokenRef,
    description: "A token for an agent's softphone (default 12 hours).",
    args: { agentId: t.arg.id({ required: true }), expiresInSeconds: t.arg.int({ defaultValue: 12 * 3600, validate: tokenTtlSeconds }) },
    authScopes: async (_root, args, ctx) => ({ supervisorOf: await companyOfAgent(ctx, String(args.agentId)) }),
    resolve: async (_root, args, ctx) => {
      const found = await ctx.services.directory.agent(String(args.agentId));
      if (!found?.agent.enabled) throw new NotFoundError('agent not found or disabled');
      return ctx.services.tokens.issue(
        { role: 'agent', agentId: found.agent.id, companyId: found.company.id, tokenVersion: found.agent.tokenVersion },
        args.expiresInSeconds ?? 12 * 3600,
        ctx.services.clock.now(),
      );
    },
  }),
  revokeAgentTokens: t.field({
    type: 'Boolean',
    description:
      'Every token issued to the agent stops working at once; its open connections close (4403). Issue a new token to let it back in.',
    args: { agentId: t.arg.id({ required: true }) },
    authScopes: async (_root, args, ctx) => ({ supervisorOf: await companyOfAgent(ctx, String(args.agentId)) }),
    resolve: async (_root, args, ctx) => {
      await ctx.services.configuration.revokeAgentTokens(String(args.agentId), actorIn(ctx));
      return true;
    },
  }),
  revokeSupervisorTokens: t.field({
    type: 'Boolean',
    description:
      "Every supervisor token of the company stops working at once, on every instance; their open connections close (4403) and SSE streams end. Issue a new token to let supervisors back in. Admin, or the company's own supervisor.",
    args: { companyId: t.arg.id({ required: true }) },
    authScopes: (_root, args) => ({ supervisorOf: String(args.companyId) }),
    resolve: async (_root, args, ctx) => {
      await ctx.services.configuration.revokeSupervisorTokens(String(args.companyId), actorIn(ctx));
      return true;
    },
  }),
  issueSupervisorToken: t.field({
    type: IssuedTokenRef,
    description: "A token for a company's supervisor board (default 12 hours). Admin only.",
    args: { companyId: t.arg.id({ required: true }), expiresInSeconds: t.arg.int({ defaultValue: 12 * 3600, validate: tokenTtlSeconds }) },
    authScopes: { admin: true },
    resolve: async (_root, args, ctx) => {
      const company = await requireCompany(ctx, String(args.companyId));
      const claims = { role: 'supervisor' as const, companyId: company.id, tokenVersion: company.supervisorTokenVersion };
      return ctx.services.tokens.issue(claims, args.expiresInSeconds ?? 12 * 3600, ctx.services.clock.now());
    },
  }),
}));
