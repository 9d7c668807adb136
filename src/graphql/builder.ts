import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import PrismaPlugin from '@pothos/plugin-prisma';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ValidationPlugin from '@pothos/plugin-validation';
import { GraphQLError, Kind } from 'graphql';
import type PrismaTypes from '../generated/pothos-prisma-types.js';
import { getDatamodel } from '../generated/pothos-prisma-types.js';
import type { Context } from './context.js';

/**
 * Scopes: `admin` is the CRM's API key; `supervisorOf(companyId)` admits the admin and that company's
 * supervisors; `memberOf(companyId)` also its agents; `self(agentId)` only that agent; `agent` any agent.
 * Root fields check the ids they are given; every object type checks again the company of the row it
 * returns, so a resolver that fetched the wrong row still cannot hand it out.
 */
export interface AuthScopes {
  authenticated: boolean;
  admin: boolean;
  agent: boolean;
  supervisorOf: string;
  memberOf: string;
  /** The calling agent itself. */
  self: string;
}

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: AuthScopes;
  DefaultFieldNullability: false;
  Scalars: { DateTime: { Input: Date; Output: Date } };
}>({
  plugins: [ScopeAuthPlugin, ValidationPlugin, PrismaPlugin, ComplexityPlugin],
  defaultFieldNullability: false,
  // Each field's cost (lists: their bound) is recorded on the schema; hardening.ts enforces the limit
  // once per operation before it runs, over every transport, so the plugin's own resolver check is off.
  complexity: { disabled: true, defaultComplexity: 1, defaultListMultiplier: 10 },
  scopeAuth: {
    authorizeOnSubscribe: true,
    authScopes: ({ viewer }) => ({
      authenticated: viewer !== null,
      admin: viewer?.role === 'admin',
      agent: viewer?.role === 'agent',
      supervisorOf: (companyId) => viewer?.role === 'admin' || (viewer?.role === 'supervisor' && viewer.companyId === companyId),
      memberOf: (companyId) =>
        viewer?.role === 'admin' || ((viewer?.role === 'supervisor' || viewer?.role === 'agent') && viewer.companyId === companyId),
      self: (agentId) => viewer?.role === 'agent' && viewer.agentId === agentId,
    }),
    unauthorizedError: (_parent, _ctx, _info, result) =>
      new GraphQLError(result.message === 'Unauthorized' ? 'Not authorized' : result.message, { extensions: { code: 'FORBIDDEN' } }),
  },
  prisma: {
    client: (ctx) => ctx.services.db,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
});

builder.scalarType('DateTime', {
  description: 'An instant, as an ISO-8601 string in UTC.',
  serialize: (value) => (value instanceof Date ? value.toISOString() : new Date(value as string).toISOString()),
  parseValue: (value) => parseDate(value),
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be an ISO-8601 string');
    return parseDate(ast.value);
  },
});

function parseDate(value: unknown): Date {
  const date = typeof value === 'string' ? new Date(value) : new Date(NaN);
  if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime must be an ISO-8601 string');
  return date;
}

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
