/**
 * The call history: `calls`, a company's CallLog rows newest first, a page at a time, with filters, and
 * each call's timeline (src/domain/call-timeline.ts) and voicemail. Agents see only the calls they were
 * offered or answered; supervisors (and the admin) every call of their company.
 *
 * One file (a little over 300 lines): the types and the one query that fills them are one aggregate,
 * as the other modules are.
 *
 * The query plans (EXPLAIN ANALYZE on 1 M seeded rows, 200 k of them in the company read):
 * - a page is a keyset read, `ORDER BY startedAt DESC, id DESC LIMIT first+1` with `startedAt <= c AND
 *   (startedAt < c OR (startedAt = c AND id < cid))`: an index scan of (companyId, startedAt DESC,
 *   id DESC) that starts at the cursor and stops after first+1 rows, however deep the page (no OFFSET):
 *   0.1-0.3 ms. A date range bounds the same scan. (Without the redundant `startedAt <= c` Postgres
 *   starts at the newest row and filters down to the cursor: 126 ms on a deep page.)
 * - queue: an ordered scan of (companyId, queueId, startedAt DESC): 0.1 ms. Outcome, direction,
 *   number and caller are filters on the rows the main scan reads, which stops once it has a page:
 *   a caller prefix matching 1 call in 100 costs 12-42 ms, depending on how far back those calls are.
 * - an agent (their own view, or the agent filter): `answeredAgentId = a OR offeredAgentIds @> {a}`
 *   is a filter on the main scan, so a page costs the company's rows read until the agent's first+1
 *   are found: 0.2 ms for an agent with 1 call in 10, 27 ms for 1 in 2000, and the whole company for
 *   an agent with none (150 ms per 200 k calls). A GIN index on offeredAgentIds was tried: the planner
 *   never picks it for an ordered page (array containment is estimated blindly), so it is not kept.
 *   The fix when companies are large: a table of (companyId, agentId, startedAt, callLogId) rows
 *   written with the log, read in order like the queue's index.
 */
import type { CallLog, Prisma, Voicemail } from '../../generated/prisma/client.js';
import { decodeCursor, encodeCursor, localDateRange } from '../../domain/call-history.js';
import { MAX_TIMELINE_EVENTS, parseTimeline, TIMELINE_KINDS, type TimelineEvent } from '../../domain/call-timeline.js';
import { z } from 'zod';
import { InputError } from '../../services/errors.js';
import type { DirectoryCompany } from '../../services/directory.js';
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import { costOfCapped, costOfFirst, FIXED_LIST_BOUNDS, firstArg, firstOf, LIST_BOUNDS } from '../list-bounds.js';
import { requireCompany } from './common.js';

/** One call as the resolvers see it: its row, what the company's directory says of it, and its voicemail. */
interface CallView {
  row: CallLog;
  company: DirectoryCompany;
  voicemail: Voicemail | null;
  /** The viewer may see the voicemail (supervisors and the admin). */
  showVoicemail: boolean;
}

interface CallAgentView {
  id: string;
  companyId: string;
  displayName: string | null;
}

interface CallPage {
  companyId: string;
  nodes: CallView[];
  endCursor: string | null;
  hasNextPage: boolean;
}

const OUTCOMES = [
  'ANSWERED',
  'VOICEMAIL',
  'FORWARDED',
  'AFTER_HOURS',
  'ABANDONED',
  'HUNG_UP',
  'UNKNOWN',
  'CALLBACK_PENDING',
  'CALLBACK_FAILED',
  'NO_ANSWER',
] as const;

const agentOf = (company: DirectoryCompany, id: string): CallAgentView => ({
  id,
  companyId: company.id,
  displayName: company.agents.find((a) => a.id === id)?.displayName ?? null,
});

const CallAgentRef = builder.objectRef<CallAgentView>('CallAgent').implement({
  description: 'An agent as the call history names it (displayName null: the agent was deleted since).',
  authScopes: (a) => ({ memberOf: a.companyId }),
  fields: (t) => ({
    id: t.exposeID('id'),
    displayName: t.exposeString('displayName', { nullable: true }),
  }),
});

const CallQueueRef = builder.objectRef<{ id: string; companyId: string; name: string | null }>('CallQueue').implement({
  description: 'The queue a call waited in (name null: the queue was deleted since).',
  authScopes: (q) => ({ memberOf: q.companyId }),
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name', { nullable: true }),
  }),
});

const TimelineKindEnum = builder.enumType('CallEventKind', {
  values: Object.fromEntries(TIMELINE_KINDS.map((k) => [k.toUpperCase().replace('-', '_'), { value: k }])) as Record<
    string,
    { value: (typeof TIMELINE_KINDS)[number] }
  >,
});

const CallEventRef = builder.objectRef<{ event: TimelineEvent; company: DirectoryCompany }>('CallEvent').implement({
  description:
    'One thing that happened to a call. detail: the language chosen (MENU), the queue id (QUEUED), how the caller left the queue (LEFT_QUEUE: abandoned, overflow, callback), the outcome (ENDED).',
  authScopes: (e) => ({ memberOf: e.company.id }),
  fields: (t) => ({
    at: t.field({ type: 'DateTime', resolve: (e) => new Date(e.event.at) }),
    kind: t.field({ type: TimelineKindEnum, resolve: (e) => e.event.kind }),
    agent: t.field({
      type: CallAgentRef,
      nullable: true,
      resolve: (e) => (e.event.agentId ? agentOf(e.company, e.event.agentId) : null),
    }),
    detail: t.string({ nullable: true, resolve: (e) => e.event.detail ?? null }),
  }),
});

/** Typing for the Voicemail type named in Call.voicemail (its ref is voicemail.ts's own). */
const VoicemailByName = builder.objectRef<Voicemail>('Voicemail');

const seconds = (from: Date | null, to: Date | null) =>
  from && to ? Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000)) : null;

const CallRef = builder.objectRef<CallView>('Call').implement({
  description: 'One call of the history (a CallLog row).',
  // The root field already narrowed an agent to their calls; this checks each row again.
  authScopes: (c, ctx) => {
    const viewer = ctx.viewer;
    if (viewer?.role === 'agent')
      return (
        viewer.companyId === c.row.companyId && (c.row.answeredAgentId === viewer.agentId || c.row.offeredAgentIds.includes(viewer.agentId))
      );
    return { supervisorOf: c.row.companyId };
  },
  fields: (t) => ({
    id: t.id({ resolve: (c) => c.row.id }),
    callSid: t.string({ resolve: (c) => c.row.callSid }),
    from: t.string({ description: 'The caller.', resolve: (c) => c.row.from }),
    to: t.string({ description: 'The number called.', resolve: (c) => c.row.to }),
    direction: t.string({ description: 'inbound (every call so far) or outbound.', resolve: (c) => c.row.direction }),
    startedAt: t.field({ type: 'DateTime', resolve: (c) => c.row.startedAt }),
    answeredAt: t.field({ type: 'DateTime', nullable: true, resolve: (c) => c.row.answeredAt }),
    endedAt: t.field({ type: 'DateTime', nullable: true, resolve: (c) => c.row.endedAt }),
    outcome: t.string({
      nullable: true,
      description: `${OUTCOMES.join(', ')}; null while the call is in progress.`,
      resolve: (c) => c.row.outcome,
    }),
    queue: t.field({
      type: CallQueueRef,
      nullable: true,
      resolve: (c) =>
        c.row.queueId
          ? { id: c.row.queueId, companyId: c.row.companyId, name: c.company.queues.find((q) => q.id === c.row.queueId)?.name ?? null }
          : null,
    }),
    answeredBy: t.field({
      type: CallAgentRef,
      nullable: true,
      resolve: (c) => (c.row.answeredAgentId ? agentOf(c.company, c.row.answeredAgentId) : null),
    }),
    waitSeconds: t.int({
      nullable: true,
      description: 'Seconds in the queue; null if the call never waited.',
      resolve: (c) => c.row.waitSeconds,
    }),
    talkSeconds: t.int({
      nullable: true,
      description: 'From the answer to the end; null if unanswered or in progress.',
      resolve: (c) => seconds(c.row.answeredAt, c.row.endedAt),
    }),
    callbackRequested: t.boolean({ resolve: (c) => c.row.callbackRequested }),
    offeredAgents: t.field({
      type: [CallAgentRef],
      description: 'Every agent the call was offered to, in order.',
      args: { first: t.arg.int(firstArg(LIST_BOUNDS.offeredAgents)) },
      complexity: costOfFirst(LIST_BOUNDS.offeredAgents),
      resolve: (c, args) => firstOf(c.row.offeredAgentIds, args.first, LIST_BOUNDS.offeredAgents).map((id) => agentOf(c.company, id)),
    }),
    timeline: t.field({
      type: [CallEventRef],
      description: `What happened, in order (at most ${MAX_TIMELINE_EVENTS} events).`,
      complexity: costOfCapped(FIXED_LIST_BOUNDS.callTimeline),
      resolve: (c) => parseTimeline(c.row.timeline).map((event) => ({ event, company: c.company })),
    }),
    voicemail: t.field({
      // The Voicemail type of src/graphql/modules/voicemail.ts, by name (Pothos resolves it when the schema is built).
      type: 'Voicemail' as unknown as typeof VoicemailByName,
      nullable: true,
      description: "The call's voicemail, if the caller left one (supervisors only: null for agents).",
      resolve: (c) => (c.showVoicemail ? c.voicemail : null),
    }),
  }),
});

const PageInfoRef = builder.objectRef<CallPage>('CallPageInfo').implement({
  authScopes: (p) => ({ memberOf: p.companyId }),
  fields: (t) => ({
    endCursor: t.string({ nullable: true, description: 'Pass as `after` for the next page.', resolve: (p) => p.endCursor }),
    hasNextPage: t.boolean({ resolve: (p) => p.hasNextPage }),
  }),
});

const CallConnectionRef = builder.objectRef<CallPage>('CallConnection').implement({
  authScopes: (p) => ({ memberOf: p.companyId }),
  fields: (t) => ({
    nodes: t.field({
      type: [CallRef],
      description: 'Newest first.',
      // calls(first) already counts the page's calls `first` times.
      complexity: costOfCapped(FIXED_LIST_BOUNDS.callPage),
      resolve: (p) => p.nodes,
    }),
    pageInfo: t.field({ type: PageInfoRef, resolve: (p) => p }),
  }),
});

const localDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date, YYYY-MM-DD');

const CallFilterInput = builder.inputType('CallFilter', {
  fields: (t) => ({
    from: t.string({
      description: "First local date (YYYY-MM-DD, the company's time zone), inclusive.",
      validate: localDate,
    }),
    to: t.string({ description: "Last local date (YYYY-MM-DD, the company's time zone), inclusive.", validate: localDate }),
    agentId: t.id({ description: 'Calls offered to or answered by this agent.' }),
    number: t.string({ description: 'The number called (E.164).', validate: z.string().max(32) }),
    queueId: t.id(),
    outcome: t.string({ validate: z.string().max(32) }),
    direction: t.string({ description: 'inbound or outbound.', validate: z.string().max(16) }),
    caller: t.string({ description: "The caller's number, or its beginning (+3491…).", validate: z.string().max(32) }),
  }),
});

builder.queryField('calls', (t) =>
  t.field({
    type: CallConnectionRef,
    description: "The company's calls, newest first. An agent sees only the calls they were offered or answered.",
    args: {
      companyId: t.arg.id({ required: true }),
      first: t.arg.int(firstArg(LIST_BOUNDS.calls)),
      after: t.arg.string({ description: "A page's endCursor.", validate: z.string().max(200) }),
      filter: t.arg({ type: CallFilterInput }),
    },
    complexity: costOfFirst(LIST_BOUNDS.calls),
    authScopes: (_root, args) => ({ memberOf: String(args.companyId) }),
    resolve: async (_root, args, ctx) => {
      const company = await requireCompany(ctx, String(args.companyId));
      const first = args.first ?? LIST_BOUNDS.calls.default;
      const where = whereOf(company, args.filter ?? null, ctx, args.after ?? null);
      const rows = await ctx.services.db.callLog.findMany({
        where,
        orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
        take: first + 1,
      });
      const page = rows.slice(0, first);
      const showVoicemail = ctx.viewer?.role !== 'agent';
      const voicemails =
        showVoicemail && page.length > 0
          ? await ctx.services.db.voicemail.findMany({ where: { companyId: company.id, callSid: { in: page.map((r) => r.callSid) } } })
          : [];
      const bySid = new Map(voicemails.map((v) => [v.callSid, v]));
      const last = page.at(-1);
      return {
        companyId: company.id,
        nodes: page.map((row) => ({ row, company, voicemail: bySid.get(row.callSid) ?? null, showVoicemail })),
        endCursor: last ? encodeCursor({ startedAt: last.startedAt.getTime(), id: last.id }) : null,
        hasNextPage: rows.length > first,
      };
    },
  }),
);

type CallFilter = {
  from?: string | null;
  to?: string | null;
  agentId?: string | number | null;
  number?: string | null;
  queueId?: string | number | null;
  outcome?: string | null;
  direction?: string | null;
  caller?: string | null;
};

/** The rows a page reads: the company's, the viewer's if an agent, the filter's, after the cursor. */
function whereOf(company: DirectoryCompany, filter: CallFilter | null, ctx: Context, after: string | null): Prisma.CallLogWhereInput {
  const and: Prisma.CallLogWhereInput[] = [{ companyId: company.id }];
  const ofAgent = (agentId: string): Prisma.CallLogWhereInput => ({
    OR: [{ answeredAgentId: agentId }, { offeredAgentIds: { has: agentId } }],
  });
  if (ctx.viewer?.role === 'agent') and.push(ofAgent(ctx.viewer.agentId));
  if (filter) {
    let range: { fromMs: number | null; toMs: number | null };
    try {
      range = localDateRange({ from: filter.from ?? null, to: filter.to ?? null }, company.timeZone);
    } catch (err) {
      throw new InputError((err as Error).message);
    }
    if (range.fromMs !== null) and.push({ startedAt: { gte: new Date(range.fromMs) } });
    if (range.toMs !== null) and.push({ startedAt: { lt: new Date(range.toMs) } });
    if (filter.agentId) and.push(ofAgent(String(filter.agentId)));
    if (filter.number) and.push({ to: filter.number });
    if (filter.queueId) and.push({ queueId: String(filter.queueId) });
    if (filter.outcome) and.push({ outcome: filter.outcome });
    if (filter.direction) and.push({ direction: filter.direction });
    if (filter.caller) and.push({ from: { startsWith: filter.caller } });
  }
  if (after !== null) {
    const cursor = decodeCursor(after);
    if (!cursor) throw new InputError('after is not a cursor of this list');
    const at = new Date(cursor.startedAt);
    // `startedAt <= at` is implied by the OR, but only as its own term does it bound the index scan
    // (without it the scan starts at the newest row and filters its way down to the cursor).
    and.push({ startedAt: { lte: at } }, { OR: [{ startedAt: { lt: at } }, { startedAt: at, id: { lt: cursor.id } }] });
  }
  return { AND: and };
}
