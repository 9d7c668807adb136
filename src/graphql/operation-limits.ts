/**
 * Per-operation limits that need the request's variables or its viewer, or look at the result:
 * - the cost estimate (each field 1, a list's selection times its bound; see list-bounds.ts), refused
 *   before anything resolves;
 * - no aggregate (Company, Agent, PhoneNumber, Voicemail) selected inside itself, for everyone but
 *   the admin (Company.agents → Agent.company → Company.agents … multiplies at every turn);
 * - a backstop on the size of each result (nodes and JSON bytes) in case the estimate is wrong;
 * - in production, no "Did you mean …" suggestions that spell out the schema.
 * They run as envelop hooks around execute and subscribe, the functions both Yoga (HTTP, SSE) and the
 * graphql-ws server call, and answer with errors instead of throwing, so a socket is never closed.
 */
import { createComplexityRule } from '@pothos/plugin-complexity';
import {
  GraphQLError,
  getNamedType,
  isInterfaceType,
  isObjectType,
  Kind,
  validate,
  visit,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';

export interface OperationLimits {
  /** Highest estimated cost an operation may have (the admin's is ADMIN_COST_FACTOR times it). */
  maxCost: number;
  /** Values (objects, list items, scalars) one result may hold. */
  maxResultNodes: number;
  /** Bytes of JSON one result may take (estimated while counting, without serialising). */
  maxResultBytes: number;
  /** Strip "Did you mean …" from error messages (production). */
  hideSuggestions: boolean;
}

/**
 * The admin (the CRM, holding the platform's key) reads across companies, e.g. every company with its
 * agents: a budget this many times larger. Tenants' tokens get the plain limit.
 */
export const ADMIN_COST_FACTOR = 10;

/** Types that stand for one of the aggregates: one of them nested inside itself is a cycle. */
const AGGREGATES = new Set(['Company', 'Agent', 'PhoneNumber', 'Voicemail']);

interface Verdict {
  /** The estimate (the highest of the document's operations when none is named). */
  cost: number;
  /** The variables' coercion errors, when the estimate could not be made. */
  invalid: readonly GraphQLError[];
  cycle: GraphQLError | null;
}

export function operationLimitsPlugin(limits: OperationLimits): Plugin {
  // Verdicts for documents whose cost does not depend on variables (no `first: $var`): the same parsed
  // document (Yoga caches it by text) then costs nothing after its first request.
  const verdicts = new WeakMap<DocumentNode, Map<string, Verdict>>();
  const firstFromVariables = new WeakMap<DocumentNode, boolean>();

  const judge = (args: ExecutionArgs): GraphQLError[] => {
    const key = args.operationName ?? '';
    let verdict = verdicts.get(args.document)?.get(key);
    if (!verdict) {
      verdict = { ...estimate(args), cycle: aggregateCycle(args.schema, args.document, args.operationName ?? null) };
      // Not kept: a verdict that depends on this request's variables (`first: $n`, or their coercion errors).
      if (verdict.invalid.length === 0 && !usesVariableFirst(args.document, firstFromVariables)) {
        let byName = verdicts.get(args.document);
        if (!byName) verdicts.set(args.document, (byName = new Map()));
        byName.set(key, verdict);
      }
    }
    if (verdict.invalid.length > 0) return [...verdict.invalid];
    const admin = (args.contextValue as { viewer?: { role?: string } | null } | undefined)?.viewer?.role === 'admin';
    const maxCost = admin ? limits.maxCost * ADMIN_COST_FACTOR : limits.maxCost;
    const refused = verdict.cost > maxCost ? [overCost(verdict.cost, maxCost)] : [];
    if (verdict.cycle && !admin) refused.push(verdict.cycle);
    return refused;
  };

  const limited = limitResult(limits);
  const checkResult = ({ result, setResult }: { result: ExecutionResult; setResult: (r: ExecutionResult) => void }) => {
    const checked = limited(result);
    if (checked !== result) setResult(checked);
  };

  // The estimate coerces the variables first, so its errors can be theirs (with suggestions).
  const refusal = (errors: GraphQLError[]): ExecutionResult => ({
    errors: limits.hideSuggestions ? errors.map(withoutSuggestion) : errors,
  });

  return {
    onValidate() {
      if (!limits.hideSuggestions) return;
      return ({ result, setResult }) => {
        if (result.some(hasSuggestion)) setResult(result.map(withoutSuggestion));
      };
    },
    onExecute({ args, setResultAndStopExecution }) {
      const refused = judge(args);
      if (refused.length > 0) return void setResultAndStopExecution(refusal(refused));
      return { onExecuteDone: (payload) => handleStreamOrSingleExecutionResult(payload, checkResult) };
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const refused = judge(args);
      if (refused.length > 0) return void setResultAndStopExecution(refusal(refused));
      return { onSubscribeResult: (payload) => handleStreamOrSingleExecutionResult(payload, checkResult) };
    },
  };
}

/**
 * The result-size backstop and the suggestion stripping, as one result's transformation (the same
 * result when nothing applies). Shared subscriptions (shared-subscriptions.ts) apply it once per event.
 */
export function limitResult(limits: OperationLimits): (result: ExecutionResult) => ExecutionResult {
  return (result) => {
    const tooLarge = result.data ? oversized(result.data, limits.maxResultNodes, limits.maxResultBytes) : null;
    if (tooLarge) return { data: null, errors: [tooLarge] };
    if (limits.hideSuggestions && result.errors?.some(hasSuggestion)) return { ...result, errors: result.errors.map(withoutSuggestion) };
    return result;
  };
}

/** Pothos' estimate of the operation, from the schema's field costs and the request's variables. */
function estimate(args: ExecutionArgs): { cost: number; invalid: readonly GraphQLError[] } {
  let cost = 0;
  const rule = createComplexityRule({
    context: {},
    variableValues: (args.variableValues ?? {}) as Record<string, unknown>,
    operationName: args.operationName ?? undefined,
    validate: () => {},
    onResult: ({ complexity }) => void (cost = Math.max(cost, complexity)),
  });
  const invalid = validate(args.schema, args.document, [rule]);
  return { cost, invalid };
}

function overCost(cost: number, maxCost: number): GraphQLError {
  return new GraphQLError(
    `Query cost ${cost} is over the limit of ${maxCost}: a list counts its selection once per item it may return ` +
      '(its `first`); ask for fewer items or fields.',
    { extensions: { code: 'QUERY_TOO_COMPLEX', cost, maxCost } },
  );
}

/** Whether any `first` argument in the document takes a variable (then the cost depends on it). */
function usesVariableFirst(document: DocumentNode, memo: WeakMap<DocumentNode, boolean>): boolean {
  let found = memo.get(document);
  if (found === undefined) {
    found = false;
    visit(document, {
      Argument(node) {
        if (node.name.value === 'first' && node.value.kind === Kind.VARIABLE) found = true;
      },
    });
    memo.set(document, found);
  }
  return found;
}

/**
 * The first aggregate selected inside itself (e.g. company.agents.company), as an error, or null.
 * Fragments are followed; each fragment is walked once per set of enclosing aggregates.
 */
function aggregateCycle(schema: GraphQLSchema, document: DocumentNode, operationName: string | null): GraphQLError | null {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const walked = new Set<string>();

  const walk = (
    selectionSet: SelectionSetNode,
    type: GraphQLCompositeType,
    inside: readonly string[],
    path: readonly string[],
  ): GraphQLError | null => {
    for (const selection of selectionSet.selections) {
      let found: GraphQLError | null = null;
      if (selection.kind === Kind.FIELD) {
        if (!selection.selectionSet || !(isObjectType(type) || isInterfaceType(type))) continue;
        const field = type.getFields()[selection.name.value];
        if (!field) continue;
        const target = getNamedType(field.type);
        if (!isObjectType(target) && !isInterfaceType(target)) continue;
        const here = [...path, selection.name.value];
        if (AGGREGATES.has(target.name) && inside.includes(target.name)) {
          return new GraphQLError(
            `${target.name} is selected inside ${target.name} (${here.join('.')}): select it once, not through a nested relation.`,
            { extensions: { code: 'QUERY_TOO_COMPLEX', path: here } },
          );
        }
        found = walk(selection.selectionSet, target, AGGREGATES.has(target.name) ? [...inside, target.name] : inside, here);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const narrowed = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        if (narrowed && (isObjectType(narrowed) || isInterfaceType(narrowed))) found = walk(selection.selectionSet, narrowed, inside, path);
      } else {
        const fragment = fragments.get(selection.name.value);
        const narrowed = fragment && schema.getType(fragment.typeCondition.name.value);
        const memo = `${selection.name.value}|${[...inside].sort().join(',')}`;
        if (!fragment || !narrowed || walked.has(memo) || !(isObjectType(narrowed) || isInterfaceType(narrowed))) continue;
        walked.add(memo);
        found = walk(fragment.selectionSet, narrowed, inside, path);
      }
      if (found) return found;
    }
    return null;
  };

  for (const def of document.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION || (operationName !== null && def.name?.value !== operationName)) continue;
    const root = schema.getRootType(def.operation);
    const found = root ? walk(def.selectionSet, root, [], []) : null;
    if (found) return found;
  }
  return null;
}

/**
 * Counts the result's values and its JSON size as it goes, and stops at the first limit it passes:
 * linear in the result, no serialisation (the transport serialises once, as before).
 */
function oversized(data: unknown, maxNodes: number, maxBytes: number): GraphQLError | null {
  let nodes = 0;
  let bytes = 0;
  const pending: unknown[] = [data];
  while (pending.length > 0) {
    const value = pending.pop();
    nodes += 1;
    if (typeof value === 'string') bytes += value.length + 2;
    else if (value === null || typeof value !== 'object') bytes += 6;
    else if (Array.isArray(value)) {
      bytes += 2 + value.length;
      for (const item of value) pending.push(item);
    } else {
      bytes += 2;
      for (const key in value) {
        bytes += key.length + 4;
        pending.push((value as Record<string, unknown>)[key]);
      }
    }
    if (nodes > maxNodes) return tooLarge(`more than ${maxNodes} values`, { maxResultNodes: maxNodes });
    if (bytes > maxBytes) return tooLarge(`more than ${maxBytes} bytes`, { maxResultBytes: maxBytes });
  }
  return null;
}

function tooLarge(what: string, limit: Record<string, number>): GraphQLError {
  return new GraphQLError(`The result is too large (${what}): nothing was returned; ask for fewer items (first) or fields.`, {
    extensions: { code: 'RESPONSE_TOO_LARGE', ...limit },
  });
}

const SUGGESTION = /\s*Did you mean .*\?$/s;

function hasSuggestion(error: { message: string }): boolean {
  return SUGGESTION.test(error.message);
}

function withoutSuggestion<E extends Error>(error: E): E {
  if (!hasSuggestion(error) || !(error instanceof GraphQLError)) return error;
  return new GraphQLError(error.message.replace(SUGGESTION, ''), {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  }) as unknown as E;
}
