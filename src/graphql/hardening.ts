/**
 * Limits that protect the API from expensive or abusive documents, applied the same way over HTTP
 * and graphql-ws: they run as validation rules (and a parse limit) inside Yoga's envelop pipeline,
 * which the graphql-ws onSubscribe reuses. Rules report errors instead of throwing, so a rejected
 * subscription never closes the socket that carries the others. The cost, cycle and result-size
 * limits need the request's variables and viewer: operation-limits.ts applies them around execution.
 */
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { NoSchemaIntrospectionCustomRule, type GraphQLError, type ValidationContext, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { operationLimitsPlugin, type OperationLimits } from './operation-limits.js';

export const GRAPHQL_LIMITS = {
  /** Nesting depth of a selection (the deepest real query is ~5). */
  maxDepth: 10,
  /** Aliases per operation (aliases multiply work in one request). */
  maxAliases: 15,
  /** Lexer tokens per document: caps parse work before anything else runs. */
  maxTokens: 2000,
  /** Bytes of a GraphQL HTTP body or graphql-ws message. */
  maxBodyBytes: 64 * 1024,
} as const;

export function hardeningPlugins(opts: { introspection: boolean; limits: OperationLimits }): Plugin[] {
  // Report instead of throw: a throw from a validation rule would close a graphql-ws socket (4500).
  const common = {
    propagateOnRejection: false,
    exposeLimits: true,
    onReject: [(ctx: ValidationContext | null, error: GraphQLError) => ctx?.reportError(error)],
  };
  const rules: ValidationRule[] = [
    maxDepthRule({ n: GRAPHQL_LIMITS.maxDepth, ...common }) as unknown as ValidationRule,
    maxAliasesRule({ n: GRAPHQL_LIMITS.maxAliases, ...common }) as unknown as ValidationRule,
  ];
  // Yoga's own introspection switch only sees HTTP requests; a validation rule covers both transports.
  if (!opts.introspection) rules.push(NoSchemaIntrospectionCustomRule);
  return [
    // A parse-time limit has no validation context to report to: it throws, and onSubscribe catches it.
    maxTokensPlugin({ n: GRAPHQL_LIMITS.maxTokens, exposeLimits: true }) as unknown as Plugin,
    {
      onValidate: ({ addValidationRule }) => {
        for (const rule of rules) addValidationRule(rule);
      },
    },
    // Cost (it depends on variables, which Yoga's validation cache does not key on), cycles, result size.
    operationLimitsPlugin(opts.limits),
  ];
}
