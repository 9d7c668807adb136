/**
 * Shared delivery of graphql-ws subscriptions. A thousand supervisors watching one company used to
 * cost a thousand executions, a thousand JSON.stringify calls and a chain of async iterators per
 * subscriber for every presence change. Here every graphql-ws subscription whose field returns a feed
 * (src/infra/feed.ts, through `deliver`) joins one source per feed key on the instance; its members
 * are grouped by what their result depends on (document, operation name, variables, and the viewer's
 * role, company and agent, which the authorisation scopes read), and each event is executed,
 * finished (the same result limits and error masking as the envelop pipeline applies to subscription
 * results), serialised and encoded once per group (`NextPayload`); the transport writes the graphql-ws
 * `next` frame from that payload and each socket's subscription id straight to the socket.
 *
 * What stays per subscriber: the whole subscribe path (auth, tenant checks, quota, metrics, logs) runs
 * through Yoga's envelop pipeline as before; the stream it gets back yields nothing and ends when the
 * subscriber leaves (complete, socket closed, revoked), which ends the quota and metrics hooks. Its
 * initial events (the snapshot) are executed with its own context. SSE subscriptions get the feed as
 * their own stream (`streamOf`) through the general path.
 */
import { execute, Kind, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { streamOf, type FeedSource, type SharedFeed } from '../infra/feed.js';
import type { Logger } from '../infra/logger.js';

/** Set on the context of a graphql-ws subscription; the field's resolver hands it its feed (`deliver`). */
export interface SharedDelivery {
  join<T>(feed: SharedFeed<T>): AsyncIterableIterator<never>;
}

/** A subscription field's stream: shared over graphql-ws, the subscriber's own otherwise (SSE). */
export function deliver<T>(ctx: { sharedDelivery?: SharedDelivery }, feed: SharedFeed<T>): AsyncIterable<T> {
  const delivery = ctx.sharedDelivery;
  if (!delivery) return streamOf(feed);
  ctx.sharedDelivery = undefined; // one root field per subscription: joined once
  return delivery.join(feed);
}

/** One graphql-ws subscription, as the transport knows it. */
export interface SharedOperation {
  /** The graphql-ws subscription id (the frames carry it). */
  id: string;
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
  variableValues?: Record<string, unknown> | null;
  /** Writes the graphql-ws `next` message carrying `payload` (frameOf(id, payload.json)) to the subscriber's socket. */
  sendNext(payload: NextPayload): void;
}

/**
 * A `next` payload, serialised once per group and event and shared by every member's frame; its
 * UTF-8 bytes are encoded once, on first use, rather than once per socket.
 */
export class NextPayload {
  private bytes: Buffer | undefined;

  constructor(readonly json: string) {}

  get utf8(): Buffer {
    this.bytes ??= Buffer.from(this.json);
    return this.bytes;
  }
}

/** What the envelop pipeline does to each result of a subscription (result limits, error masking). */
export type ResultFinisher = (result: ExecutionResult) => ExecutionResult;

type ViewerContext = { viewer?: { role: string; companyId?: string; agentId?: string } | null; sharedDelivery?: SharedDelivery };

interface FeedState {
  key: string;
  source: FeedSource;
  groups: Map<string, Group>;
  backlog: unknown[];
  draining: boolean;
}

interface Group {
  key: string;
  execution: Pick<ExecutionArgs, 'schema' | 'document' | 'operationName' | 'variableValues'>;
  members: Set<Member>;
}

interface Member {
  op: SharedOperation;
  contextValue: object;
  group: Group;
  /** False until its initial events are written: live payloads wait in `pending` meanwhile. */
  live: boolean;
  pending: NextPayload[];
  left: boolean;
  stream: MemberStream;
}

export class SubscriptionFanout {
  private readonly feeds = new Map<string, FeedState>();
  private readonly documentIds = new WeakMap<DocumentNode, number>();
  private nextDocumentId = 0;

  constructor(private readonly deps: { finish: ResultFinisher; logger: Logger }) {}

  /** Gives a subscription operation's context its shared delivery; queries and mutations are left alone. */
  attach<C extends object>(contextValue: C, op: SharedOperation): C {
    if (isSubscription(op.document, op.operationName)) {
      (contextValue as ViewerContext).sharedDelivery = { join: (feed) => this.join(feed, op, contextValue) };
    }
    return contextValue;
  }

  /** Feeds, groups and members alive on this instance (what a subscriber that left must not leave behind). */
  stats(): { feeds: number; groups: number; members: number } {
    let groups = 0;
    let members = 0;
    for (const feed of this.feeds.values()) {
      groups += feed.groups.size;
      for (const group of feed.groups.values()) members += group.members.size;
    }
    return { feeds: this.feeds.size, groups, members };
  }

  private join<T>(feed: SharedFeed<T>, op: SharedOperation, contextValue: object): AsyncIterableIterator<never> {
    let state = this.feeds.get(feed.key);
    if (!state) {
      const created: FeedState = { key: feed.key, source: null as never, groups: new Map(), backlog: [], draining: false };
      this.feeds.set(feed.key, created);
      created.source = feed.open((event) => this.dispatch(created, event));
      state = created;
    }
    const groupKey = this.groupKey(op, contextValue as ViewerContext);
    let group = state.groups.get(groupKey);
    if (!group) {
      const { schema, document, operationName, variableValues } = op;
      group = { key: groupKey, execution: { schema, document, operationName, variableValues }, members: new Set() };
      state.groups.set(groupKey, group);
    }
    const member: Member = { op, contextValue, group, live: false, pending: [], left: false, stream: null as never };
    member.stream = new MemberStream(() => this.leave(state, member));
    group.members.add(member);
    void this.start(state, feed, member);
    return member.stream;
  }

  /** Initial events with the member's own context, then what arrived meanwhile, then live. */
  private async start<T>(state: FeedState, feed: SharedFeed<T>, member: Member): Promise<void> {
    try {
      await state.source.ready;
      if (member.left) return;
      for (const event of (await feed.initial?.()) ?? []) {
        if (member.left) return;
        const payload = this.payloadOf(member.group, member.contextValue, event);
        member.op.sendNext(new NextPayload(typeof payload === 'string' ? payload : await payload));
      }
      if (member.left) return;
      for (const payload of member.pending) member.op.sendNext(payload);
      member.pending = [];
      member.live = true;
    } catch (err) {
      this.leave(state, member);
      member.stream.fail(err);
    }
  }

  private dispatch(state: FeedState, event: unknown): void {
    state.backlog.push(event);
    if (!state.draining) void this.drain(state);
  }

  /** Events in order; synchronous unless an execution returns a promise. */
  private async drain(state: FeedState): Promise<void> {
    state.draining = true;
    try {
      for (let event = state.backlog.shift(); event !== undefined; event = state.backlog.shift()) {
        for (const group of [...state.groups.values()]) {
          const first = group.members.values().next();
          if (first.done) continue;
          let payload: NextPayload;
          try {
            const pending = this.payloadOf(group, first.value.contextValue, event);
            payload = new NextPayload(typeof pending === 'string' ? pending : await pending);
          } catch (err) {
            this.deps.logger.error({ err, feed: state.key }, 'shared subscription: could not execute an event');
            continue;
          }
          for (const member of group.members) {
            if (member.live) member.op.sendNext(payload);
            else member.pending.push(payload);
          }
        }
      }
    } finally {
      state.draining = false;
    }
  }

  /** The `payload` of the `next` message, serialised as graphql-ws serialises it. */
  private payloadOf(group: Group, contextValue: object, event: unknown): string | Promise<string> {
    const result = execute({ ...group.execution, rootValue: event, contextValue });
    return isPromiseLike(result) ? Promise.resolve(result).then((r) => this.serialize(r)) : this.serialize(result);
  }

  private serialize(raw: ExecutionResult): string {
    // graphql-ws (server emit.next): the result without `errors`, then the errors as JSON, if any.
    const { errors, ...rest } = this.deps.finish(raw);
    return JSON.stringify(errors ? { ...rest, errors: errors.map((e) => e.toJSON()) } : rest);
  }

  private leave(state: FeedState, member: Member): void {
    if (member.left) return;
    member.left = true;
    const { group } = member;
    group.members.delete(member);
    if (group.members.size > 0) return;
    state.groups.delete(group.key);
    if (state.groups.size > 0 || this.feeds.get(state.key) !== state) return;
    this.feeds.delete(state.key);
    state.source.close();
  }

  private groupKey(op: SharedOperation, ctx: ViewerContext): string {
    let documentId = this.documentIds.get(op.document);
    if (documentId === undefined) this.documentIds.set(op.document, (documentId = ++this.nextDocumentId));
    const v = ctx.viewer;
    const scope = v ? `${v.role}/${v.companyId ?? ''}/${v.agentId ?? ''}` : 'anonymous';
    return `${documentId}\u0000${op.operationName ?? ''}\u0000${JSON.stringify(op.variableValues ?? null)}\u0000${scope}`;
  }
}

/**
 * What graphql-ws iterates for a shared subscription: nothing, until the subscriber leaves (its
 * `return()`: complete or socket closed) or its initial events fail (the error goes through the
 * envelop pipeline's error handling, as a failing stream's would).
 */
class MemberStream implements AsyncIterableIterator<never> {
  private readonly ended: Promise<IteratorResult<never>>;
  private settle!: (outcome: { error: unknown } | null) => void;

  constructor(private readonly onLeave: () => void) {
    this.ended = new Promise<{ error: unknown } | null>((resolve) => (this.settle = resolve)).then((outcome) => {
      if (outcome) throw outcome.error;
      return { done: true, value: undefined } as IteratorResult<never>;
    });
    this.ended.catch(() => undefined); // the error is delivered through next()
  }

  next(): Promise<IteratorResult<never>> {
    return this.ended;
  }

  return(): Promise<IteratorResult<never>> {
    this.onLeave();
    this.settle(null);
    return Promise.resolve({ done: true, value: undefined });
  }

  throw(): Promise<IteratorResult<never>> {
    return this.return();
  }

  fail(error: unknown): void {
    this.settle({ error });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** The graphql-ws `next` message, byte for byte what JSON.stringify({ id, type, payload }) gives. */
export function frameOf(id: string, payload: string): string {
  return `{"id":${JSON.stringify(id)},"type":"next","payload":${payload}}`;
}

function isSubscription(document: DocumentNode, operationName: string | null | undefined): boolean {
  for (const d of document.definitions) {
    if (d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName)) return d.operation === 'subscription';
  }
  return false;
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function';
}
