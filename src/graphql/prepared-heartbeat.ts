/**
 * The heartbeat mutation as a prepared operation, for both transports (src/http/heartbeat-fast-path.ts).
 *
 * A softphone sends the same heartbeat document every few seconds; through the general path each one
 * is parsed (cache), validated (cache), gets a context, runs every envelop plugin and Pothos' wrapped
 * resolvers, then is serialised generically. Here a document's text is analysed once: if it is
 * exactly one `heartbeat` field (aliases allowed) with an input literal or one `HeartbeatInput!`
 * variable, and a selection of the payload's and the presence's own fields (aliases and __typename
 * allowed; no fragments, directives or repeated keys), it gets a plan: how to read the report, and a
 * serialiser writing exactly that selection. Every other document is the general path's, untouched.
 *
 * Same semantics as the general path (test/integration/prepared-heartbeat.test.ts proves it per case):
 * - documents are parsed and validated by the same Yoga pipeline (token, depth and alias limits);
 *   an eligible selection can never reach the cost or result-size limits (see MAX_* below);
 * - only an agent viewer is served here; any other viewer, and any input the general path would refuse
 *   (coercion or the callState rule), goes to the general path, which has done nothing yet;
 * - the service call is the resolver's (PresenceService.heartbeat), and its errors are located,
 *   masked and serialised as graphql-js and Yoga do;
 * - the heartbeats counter and the operation log line are observability.ts's.
 */
import { randomUUID } from 'node:crypto';
import {
  GraphQLError,
  Kind,
  locatedError,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { maskError } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import type { Viewer } from '../auth/tokens.js';
import type { Logger } from '../infra/logger.js';
import type { Metrics, Transport } from '../infra/metrics.js';
import type { HeartbeatReport } from '../presence/tracker.js';
import type { HeartbeatResult } from '../services/presence-service.js';
import type { Services } from '../services/index.js';
import { CALL_STATE_RULE } from './modules/presence.js';
import { logOperation } from './observability.js';

/** A prepared heartbeat document: where its report comes from, and how its result is written. */
export interface HeartbeatPlan {
  /** The document's operation name (a request naming another one is the general path's). */
  readonly operationName: string | null;
  /** The report written in the document, or the name of the variable carrying it. */
  readonly input: { literal: HeartbeatReport } | { variable: string };
  /** `{"<key>":{…}}`: the `data` of a successful result, exactly the selection asked. */
  readonly writeData: (result: HeartbeatResult) => string;
  /** The field as graphql-js locates its errors. */
  readonly field: { node: FieldNode; responseKey: string };
}

/** What the general path would answer: the serialised `data`, or (data null) the errors, which each transport serialises its way. */
export type HeartbeatAnswer = { data: string; errors: null } | { data: null; errors: readonly GraphQLError[] };

/** Who asks and how, for the metrics and the log line. */
export interface HeartbeatRequest {
  transport: Transport;
  /** The request's id; graphql-ws operations have none, and get a fresh one when a line is written. */
  requestId: string | undefined;
  operationName: string | undefined;
}

/** Documents longer than this are never heartbeats worth preparing (the softphone's is ~200 bytes). */
const MAX_DOCUMENT_CHARS = 4096;
/** Distinct heartbeat documents remembered (clients send one or two). */
const MAX_PLANS = 256;
/**
 * An eligible selection has no repeated keys, so at most 1 + 4 + 13 fields: its cost (1 per field)
 * and its values stay under the smallest limits config.ts accepts (GRAPHQL_MAX_COST >= 100,
 * GRAPHQL_MAX_RESULT_NODES >= 100), and its JSON (names <= 120 chars) under GRAPHQL_MAX_RESULT_BYTES >= 10000.
 */
const MAX_SELECTED_FIELDS = 18;

export class PreparedHeartbeats {
  /** Plans by document text; `false` remembers a heartbeat-looking document that is not eligible. */
  private readonly plans = new LRUCache<string, HeartbeatPlan | false>({ max: MAX_PLANS });

  constructor(
    private readonly deps: {
      /** Yoga's parse and validate, with the same plugins and rules as the general path. */
      pipeline: () => {
        schema: GraphQLSchema;
        parse: (source: string) => DocumentNode;
        validate: (s: GraphQLSchema, d: DocumentNode) => readonly GraphQLError[];
      };
      services: Pick<Services, 'presence'>;
      metrics: Pick<Metrics, 'heartbeats'>;
      logger: Logger;
    },
  ) {}

  /** The plan for a request's document and operation name, or null when the general path answers it. */
  planFor(query: unknown, operationName: unknown): HeartbeatPlan | null {
    if (typeof query !== 'string' || query.length > MAX_DOCUMENT_CHARS || !query.includes('heartbeat')) return null;
    let plan = this.plans.get(query);
    if (plan === undefined) {
      plan = this.prepare(query) ?? false;
      this.plans.set(query, plan);
    }
    if (!plan) return null;
    if (operationName === undefined || operationName === null || operationName === plan.operationName) return plan;
    return null; // "Unknown operation named …": the general path's error
  }

  /** The report a request carries, or null when the general path must answer (it reports why the input is refused). */
  reportOf(plan: HeartbeatPlan, variables: unknown): HeartbeatReport | null {
    if ('literal' in plan.input) return plan.input.literal;
    if (typeof variables !== 'object' || variables === null) return null;
    return reportFrom((variables as Record<string, unknown>)[plan.input.variable]);
  }

  /**
   * Runs the heartbeat for an agent viewer, counts it and logs it as the general path does. The answer
   * comes at once when the heartbeat did not have to wait (PresenceService.heartbeat), else a promise.
   */
  run(
    plan: HeartbeatPlan,
    report: HeartbeatReport,
    viewer: Extract<Viewer, { role: 'agent' }>,
    request: HeartbeatRequest,
  ): HeartbeatAnswer | Promise<HeartbeatAnswer> {
    const started = performance.now();
    let result: HeartbeatResult | Promise<HeartbeatResult>;
    try {
      result = this.deps.services.presence.heartbeat(viewer.agentId, report);
    } catch (err) {
      return this.failed(plan, err, request, started);
    }
    if ('then' in result)
      return result.then(
        (value) => this.answered(plan, value, request, started),
        (err: unknown) => this.failed(plan, err, request, started),
      );
    return this.answered(plan, result, request, started);
  }

  private answered(plan: HeartbeatPlan, result: HeartbeatResult, request: HeartbeatRequest, started: number): HeartbeatAnswer {
    let data: string;
    try {
      data = plan.writeData(result);
    } catch (err) {
      return this.failed(plan, err, request, started);
    }
    this.deps.metrics.heartbeats.inc({ transport: request.transport }, 1);
    this.logged(request, started, null);
    return { data, errors: null };
  }

  private failed(plan: HeartbeatPlan, err: unknown, request: HeartbeatRequest, started: number): HeartbeatAnswer {
    const failure = this.located(plan, err);
    this.logged(request, started, failure);
    return { data: null, errors: [failure] };
  }

  private logged(request: HeartbeatRequest, started: number, failure: GraphQLError | null): void {
    const requestId = request.requestId ?? (failure || this.deps.logger.isLevelEnabled('debug') ? randomUUID() : undefined);
    logOperation(
      this.deps.logger,
      { requestId, transport: request.transport, operationName: request.operationName, started },
      failure ? [failure] : undefined,
    );
  }

  /** graphql-js' located error, masked by Yoga's rule (maskedErrors) when it is not one of ours. */
  private located(plan: HeartbeatPlan, err: unknown): GraphQLError {
    const error = locatedError(err, [plan.field.node], [plan.field.responseKey]);
    if (isOriginalGraphQLError(error)) return error;
    this.deps.logger.error({ args: [String(error)] }, 'yoga error'); // as Yoga logs what it masks (src/http/graphql-http.ts)
    return maskError(error, 'Unexpected error.', false) as GraphQLError;
  }

  private prepare(query: string): HeartbeatPlan | null {
    const { schema, parse, validate } = this.deps.pipeline();
    let document: DocumentNode;
    try {
      document = parse(query);
      if (validate(schema, document).length > 0) return null;
    } catch {
      return null; // the token limit throws: the general path reports it
    }
    return planOf(document);
  }
}

/** Yoga's test for an error it shows as it is: a GraphQLError all the way down. */
function isOriginalGraphQLError(error: unknown): boolean {
  if (!(error instanceof GraphQLError)) return false;
  return error.originalError == null || isOriginalGraphQLError(error.originalError);
}

/** The report from a variable's value, when graphql-js and the callState rule would take it as it is. */
function reportFrom(input: unknown): HeartbeatReport | null {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return null;
  let sipRegistered: unknown;
  let callState: unknown = null;
  for (const key in input) {
    if (key === 'sipRegistered') sipRegistered = (input as { sipRegistered: unknown }).sipRegistered;
    else if (key === 'callState') callState = (input as { callState: unknown }).callState;
    else return null;
  }
  if (typeof sipRegistered !== 'boolean' || !validCallState(callState)) return null;
  return { sipRegistered, callState: callState as string | null };
}

function validCallState(value: unknown): boolean {
  return value === null || (typeof value === 'string' && CALL_STATE_RULE.safeParse(value).success);
}

/** The plan of a parsed, valid document, or null when it is not exactly an eligible heartbeat. */
export function planOf(document: DocumentNode): HeartbeatPlan | null {
  if (document.definitions.length !== 1) return null;
  const operation = document.definitions[0]!;
  if (operation.kind !== Kind.OPERATION_DEFINITION || operation.operation !== 'mutation' || operation.directives?.length) return null;
  const [field, ...others] = operation.selectionSet.selections;
  if (!field || others.length > 0 || field.kind !== Kind.FIELD || field.name.value !== 'heartbeat' || field.directives?.length) return null;
  if (field.arguments?.length !== 1 || field.arguments[0]!.name.value !== 'input' || !field.selectionSet) return null;
  const input = inputOf(operation, field.arguments[0]!.value);
  if (!input) return null;
  let selected = 0;
  const payload = writerOf(field.selectionSet, PAYLOAD_FIELDS, 'HeartbeatPayload', () => ++selected);
  if (!payload || selected > MAX_SELECTED_FIELDS) return null;
  const responseKey = field.alias?.value ?? 'heartbeat';
  const prefix = `{${JSON.stringify(responseKey)}:`;
  const writeData = (result: HeartbeatResult) => `${prefix}${payload(result)}}`;
  return { operationName: operation.name?.value ?? null, input, writeData, field: { node: field, responseKey } };
}

/** The input argument: a literal report, or the operation's one `HeartbeatInput!` variable. */
function inputOf(operation: OperationDefinitionNode, value: ValueNode): HeartbeatPlan['input'] | null {
  const definitions = operation.variableDefinitions ?? [];
  if (value.kind === Kind.VARIABLE) {
    const [definition, ...others] = definitions;
    if (!definition || others.length > 0 || definition.variable.name.value !== value.name.value || definition.defaultValue) return null;
    const type = definition.type;
    if (type.kind !== Kind.NON_NULL_TYPE || type.type.kind !== Kind.NAMED_TYPE || type.type.name.value !== 'HeartbeatInput') return null;
    if (definition.directives?.length) return null;
    return { variable: value.name.value };
  }
  if (definitions.length > 0 || value.kind !== Kind.OBJECT) return null;
  let sipRegistered: boolean | null = null;
  let callState: string | null = null;
  for (const f of value.fields) {
    if (f.name.value === 'sipRegistered' && f.value.kind === Kind.BOOLEAN) sipRegistered = f.value.value;
    else if (f.name.value === 'callState' && f.value.kind === Kind.STRING && validCallState(f.value.value)) callState = f.value.value;
    else if (f.name.value !== 'callState' || f.value.kind !== Kind.NULL) return null;
  }
  return sipRegistered === null ? null : { literal: { sipRegistered, callState } };
}

type Write = (value: unknown) => string;
type FieldWriters = Record<string, Write | { type: string; fields: FieldWriters }>;

const str: Write = (v) => (v === null || v === undefined ? 'null' : JSON.stringify(String(v)));
const bool: Write = (v) => (v === null || v === undefined ? 'null' : v ? 'true' : 'false');
const int: Write = (v) => (v === null || v === undefined ? 'null' : String(v));
/** The DateTime scalar's serialisation (src/graphql/builder.ts). */
const dateTime: Write = (v) =>
  v === null || v === undefined ? 'null' : `"${(v instanceof Date ? v : new Date(v as string)).toISOString()}"`;

/** AgentPresence's fields (src/graphql/modules/presence.ts): each exposes the property of its name. */
const PRESENCE_FIELDS: FieldWriters = {
  agentId: str,
  companyId: str,
  displayName: str,
  sipUsername: str,
  online: bool,
  sipRegistered: bool,
  status: str,
  statusReason: str,
  lastSeen: dateTime,
  leaseExpiresAt: dateTime,
  callState: str,
  activeCalls: int,
};

const PAYLOAD_FIELDS: FieldWriters = {
  nextHeartbeatInMs: int,
  leaseExpiresAt: dateTime,
  presence: { type: 'AgentPresence', fields: PRESENCE_FIELDS },
};

/** A writer for one selection set of plain fields, or null when it has anything else. */
function writerOf(selectionSet: SelectionSetNode, fields: FieldWriters, typename: string, count: () => number): Write | null {
  const keys = new Set<string>();
  const parts: { prefix: string; write: Write; property: string | null }[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind !== Kind.FIELD || selection.directives?.length || selection.arguments?.length) return null;
    const name = selection.name.value;
    const key = selection.alias?.value ?? name;
    if (keys.has(key)) return null;
    keys.add(key);
    count();
    const prefix = `${parts.length === 0 ? '' : ','}${JSON.stringify(key)}:`;
    if (name === '__typename') {
      if (selection.selectionSet) return null;
      const constant = JSON.stringify(typename);
      parts.push({ prefix, write: () => constant, property: null });
      continue;
    }
    const field = Object.hasOwn(fields, name) ? fields[name] : undefined;
    if (!field) return null;
    if (typeof field === 'function') {
      if (selection.selectionSet) return null;
      parts.push({ prefix, write: field, property: name });
    } else {
      if (!selection.selectionSet) return null;
      const nested = writerOf(selection.selectionSet, field.fields, field.type, count);
      if (!nested) return null;
      parts.push({ prefix, write: nested, property: name });
    }
  }
  if (parts.length === 0) return null;
  return (source) => {
    let out = '{';
    for (const part of parts)
      out += part.prefix + part.write(part.property === null ? null : (source as Record<string, unknown>)[part.property]);
    return `${out}}`;
  };
}
