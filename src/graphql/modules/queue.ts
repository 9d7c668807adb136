/**
 * The queue aggregate in GraphQL (docs/QUEUES.md): the Queue type, `queue(id)`, and creating,
 * updating, deleting queues and choosing the default (admin); the live view of the queues,
 * `companyQueues` and `queuesChanged` (supervisors). A company's queues are listed by
 * `Company.queues` (src/graphql/modules/company.ts). Validation lives in the configuration service
 * (src/services/queue-config.ts), so every caller gets the same errors. Over 300 lines as one file:
 * the configuration and the live view belong to one aggregate, and CONTRIBUTING.md gives an aggregate one module.
 */
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import { costOfCapped, costOfFirst, FIXED_LIST_BOUNDS, firstArg, firstOf, LIST_BOUNDS } from '../list-bounds.js';
import { deliver } from '../shared-subscriptions.js';
import { MAX_QUEUE_NAME_LENGTH, MAX_QUEUES_PER_COMPANY } from '../../services/queue-settings.js';
import type { CompanyQueuesView, QueueStatsView } from '../../services/queue-service.js';
import type { BusinessHours } from '../../domain/business-hours.js';
import type { WaitingCallerView } from '../../domain/queue-stats.js';
import { actorIn, requireCompany } from './common.js';
import { BusinessHoursInput, BusinessHoursRef, RoutingModeEnum, toBusinessHours, type BusinessHoursInputShape } from './routing.js';

export const QueueOverflowKindEnum = builder.enumType('QueueOverflowKind', {
  description: 'Where a caller goes who cannot wait: the queue is full (maxSize), or they waited maxWaitSeconds.',
  values: {
    VOICEMAIL: { description: 'Say the greeting and record a message.' },
    NUMBER: { description: 'Forward the call to overflowNumber.' },
    QUEUE: { description: 'Move the caller to overflowQueueId, another queue of the company.' },
    HANGUP: { description: 'Say the greeting and hang up.' },
  } as const,
});

export const CallRecordingPolicyEnum = builder.enumType('CallRecordingPolicy', {
  description: 'Whether answered calls are recorded (docs/IN-CALL.md).',
  values: {
    OFF: { description: 'Never: recordCall is refused.' },
    ALL: { description: 'Every answered call, from the moment the caller is in the call’s conference.' },
    ON_DEMAND: { description: 'When an agent or supervisor starts it (recordCall), with pause and resume.' },
  } as const,
});

const DOC = {
  name: `1-${MAX_QUEUE_NAME_LENGTH} characters, unique in the company.`,
  requiredSkills:
    'Skill expression agents must meet to take this queue\'s calls (added to the call\'s own), e.g. "billing>=5"; null = any agent.',
  mode: "Routing mode for this queue's calls; null = the company's (RoutingConfig.mode).",
  ringTimeoutSeconds: "Seconds each <Dial> rings (5-120); null = the company's.",
  businessHours: "This queue's opening hours; null = the company's.",
  waitEnabled: 'false = no waiting: the fallback at once, as before queues existed. Default true.',
  maxWaitSeconds: 'Longest a caller waits before the overflow (10-14400). Default 300.',
  maxSize: 'Most callers waiting at once, callbacks included (1-1000); the next one overflows. Default 50.',
  overflowKind: 'Where a caller goes who cannot wait. Default VOICEMAIL.',
  overflowNumber:
    "E.164 number for overflowKind NUMBER; refused like RoutingConfig.fallbackNumber (premium-rate, revenue-share fraud destinations, the company's own and other companies' numbers).",
  overflowQueueId: 'The queue for overflowKind QUEUE: another queue of the company, which does not overflow back into this one.',
  holdMusicUrl: 'Music while waiting: an https URL of an MP3 or WAV file (http only for localhost); null = the built-in music.',
  announceEverySeconds: 'Position and estimated wait are announced about this often (0 = never, else 10-600). Default 30.',
  waitForAgents: 'Wait even when nobody able to take the call is logged in (else the fallback at once). Default false.',
  serviceLevelSeconds: 'Answered within this many seconds counts toward the service level (1-3600). Default 20.',
  callbackEnabled: 'Callers may press 1 to be called back, keeping their place. Default true.',
  callbackRetries: 'Further attempts after a callback the customer does not answer (0-5). Default 2.',
  callbackRetryDelaySeconds: 'Seconds between callback attempts (10-3600). Default 60.',
  recording:
    "Whether answered calls of this queue are recorded: OFF (never), ALL (every call), ON_DEMAND (when an agent starts it, with pause and resume). The default queue's is the company's. Default ON_DEMAND.",
} as const;

builder.prismaObject('Queue', {
  description: 'Where callers wait when every agent who could take the call is busy (docs/QUEUES.md).',
  authScopes: (q) => ({ supervisorOf: q.companyId }),
  fields: (t) => ({
    id: t.exposeID('id'),
    companyId: t.exposeID('companyId'),
    name: t.exposeString('name', { description: DOC.name }),
    isDefault: t.exposeBoolean('isDefault', {
      description: "The company's default queue: numbers and menu options that name no queue wait here. Exactly one per company.",
    }),
    requiredSkills: t.exposeString('requiredSkills', { nullable: true, description: DOC.requiredSkills }),
    mode: t.expose('mode', { type: RoutingModeEnum, nullable: true, description: DOC.mode }),
    ringTimeoutSeconds: t.exposeInt('ringTimeoutSeconds', { nullable: true, description: DOC.ringTimeoutSeconds }),
    businessHours: t.field({
      type: BusinessHoursRef,
      nullable: true,
      description: DOC.businessHours,
      resolve: (q) => q.businessHours as unknown as BusinessHours | null,
    }),
    waitEnabled: t.exposeBoolean('waitEnabled', { description: DOC.waitEnabled }),
    maxWaitSeconds: t.exposeInt('maxWaitSeconds', { description: DOC.maxWaitSeconds }),
    maxSize: t.exposeInt('maxSize', { description: DOC.maxSize }),
    overflowKind: t.expose('overflowKind', { type: QueueOverflowKindEnum, description: DOC.overflowKind }),
    overflowNumber: t.exposeString('overflowNumber', { nullable: true, description: DOC.overflowNumber }),
    overflowQueueId: t.exposeID('overflowQueueId', { nullable: true, description: DOC.overflowQueueId }),
    holdMusicUrl: t.exposeString('holdMusicUrl', { nullable: true, description: DOC.holdMusicUrl }),
    announceEverySeconds: t.exposeInt('announceEverySeconds', { description: DOC.announceEverySeconds }),
    waitForAgents: t.exposeBoolean('waitForAgents', { description: DOC.waitForAgents }),
    serviceLevelSeconds: t.exposeInt('serviceLevelSeconds', { description: DOC.serviceLevelSeconds }),
    callbackEnabled: t.exposeBoolean('callbackEnabled', { description: DOC.callbackEnabled }),
    callbackRetries: t.exposeInt('callbackRetries', { description: DOC.callbackRetries }),
    callbackRetryDelaySeconds: t.exposeInt('callbackRetryDelaySeconds', { description: DOC.callbackRetryDelaySeconds }),
    recording: t.field({ type: CallRecordingPolicyEnum, description: DOC.recording, resolve: (q) => q.recording }),
    voicemailEmails: t.exposeStringList('voicemailEmails', { description: VOICEMAIL_EMAILS_DOC }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const VOICEMAIL_EMAILS_DOC = "Addresses e-mailed about voicemails left in this queue's mailbox, besides the company's (SMTP_URL).";

/** The settings both inputs share; left out (or null) = the default on create, unchanged on update. */
const settingsOf = (t: Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0]) => ({
  requiredSkills: t.string({
    description: 'Skill expression agents must meet to take this queue\'s calls, e.g. "billing>=5"; "" removes it.',
  }),
  mode: t.field({ type: RoutingModeEnum, description: "Routing mode for this queue's calls (clearMode: the company's again)." }),
  clearMode: t.boolean({ description: "Inherit the company's routing mode again." }),
  ringTimeoutSeconds: t.int({ description: "Seconds each <Dial> rings, 5-120 (clearRingTimeoutSeconds: the company's again)." }),
  clearRingTimeoutSeconds: t.boolean({ description: "Inherit the company's ring timeout again." }),
  businessHours: t.field({
    type: BusinessHoursInput,
    description: "This queue's opening hours (clearBusinessHours: the company's again).",
  }),
  clearBusinessHours: t.boolean({ description: "Inherit the company's business hours again." }),
  waitEnabled: t.boolean({ description: DOC.waitEnabled }),
  maxWaitSeconds: t.int({ description: DOC.maxWaitSeconds }),
  maxSize: t.int({ description: DOC.maxSize }),
  overflowKind: t.field({ type: QueueOverflowKindEnum, description: DOC.overflowKind }),
  overflowNumber: t.string({ description: DOC.overflowNumber }),
  overflowQueueId: t.id({ description: DOC.overflowQueueId }),
  holdMusicUrl: t.string({
    description: 'Music while waiting: an https URL of an MP3 or WAV file (http only for localhost); "" = the built-in music.',
  }),
  announceEverySeconds: t.int({ description: DOC.announceEverySeconds }),
  waitForAgents: t.boolean({ description: DOC.waitForAgents }),
  serviceLevelSeconds: t.int({ description: DOC.serviceLevelSeconds }),
  callbackEnabled: t.boolean({ description: DOC.callbackEnabled }),
  callbackRetries: t.int({ description: DOC.callbackRetries }),
  callbackRetryDelaySeconds: t.int({ description: DOC.callbackRetryDelaySeconds }),
  recording: t.field({ type: CallRecordingPolicyEnum, description: DOC.recording }),
  voicemailEmails: t.stringList({ description: `${VOICEMAIL_EMAILS_DOC} Replaces the list.` }),
});

const CreateQueueInput = builder.inputType('CreateQueueInput', {
  description: `A company has at most ${MAX_QUEUES_PER_COMPANY} queues. Settings left out take their defaults.`,
  fields: (t) => ({
    companyId: t.id({ required: true }),
    name: t.string({ required: true, description: DOC.name }),
    ...settingsOf(t),
  }),
});

const UpdateQueueInput = builder.inputType('UpdateQueueInput', {
  description: 'Fields left out (or null) keep their current value.',
  fields: (t) => ({
    name: t.string({ description: DOC.name }),
    ...settingsOf(t),
  }),
});

/** An input as the configuration service takes it: ids as strings, the schedule as stored. */
function queueFieldsOf<T extends { businessHours?: BusinessHoursInputShape | null; overflowQueueId?: string | number | null }>(input: T) {
  return {
    ...input,
    businessHours: input.businessHours ? toBusinessHours(input.businessHours) : null,
    overflowQueueId: input.overflowQueueId == null ? null : String(input.overflowQueueId),
  };
}

/** The company of a queue, for scope checks ('' when unknown, which no scope but the admin's admits). */
async function companyOfQueue(ctx: Context, queueId: string): Promise<string> {
  const queue = await ctx.services.db.queue.findUnique({ where: { id: queueId }, select: { companyId: true } });
  return queue?.companyId ?? '';
}

builder.queryField('queue', (t) =>
  t.prismaField({
    type: 'Queue',
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    authScopes: async (_root, args, ctx) => ({ supervisorOf: await companyOfQueue(ctx, String(args.id)) }),
    resolve: (query, _root, args, ctx) => ctx.services.db.queue.findUnique({ ...query, where: { id: String(args.id) } }),
  }),
);

builder.mutationFields((t) => ({
  createQueue: t.prismaField({
    type: 'Queue',
    authScopes: { admin: true },
    args: { input: t.arg({ type: CreateQueueInput, required: true }) },
    resolve: async (query, _root, { input }, ctx) => {
      const queue = await ctx.services.configuration.createQueue(
        { ...queueFieldsOf(input), companyId: String(input.companyId) },
        actorIn(ctx),
      );
      return ctx.services.db.queue.findUniqueOrThrow({ ...query, where: { id: queue.id } });
    },
  }),
  updateQueue: t.prismaField({
    type: 'Queue',
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateQueueInput, required: true }) },
    resolve: async (query, _root, { id, input }, ctx) => {
      await ctx.services.configuration.updateQueue(String(id), queueFieldsOf(input), actorIn(ctx));
      return ctx.services.db.queue.findUniqueOrThrow({ ...query, where: { id: String(id) } });
    },
  }),
  deleteQueue: t.field({
    type: 'ID',
    description:
      'Returns the id of the deleted queue. Refused for the default queue. Its numbers and menu options go to the default queue; queues that overflowed into it overflow to voicemail.',
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => (await ctx.services.configuration.deleteQueue(String(id), actorIn(ctx))).id,
  }),
  setDefaultQueue: t.prismaField({
    type: 'Queue',
    description: "Makes the queue its company's default; the previous default becomes an ordinary queue.",
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, { id }, ctx) => {
      await ctx.services.configuration.setDefaultQueue(String(id), actorIn(ctx));
      return ctx.services.db.queue.findUniqueOrThrow({ ...query, where: { id: String(id) } });
    },
  }),
}));

// ——— The live view (docs/QUEUES.md §Live view): who waits where, and each queue's figures today ———

export const WaitingStateEnum = builder.enumType('WaitingState', {
  description: 'Where a waiting caller (or a callback keeping its place) stands.',
  values: {
    WAITING: { description: 'On the line, in the queue.' },
    OFFERED: { description: 'On the line, ringing the agent in offeredToAgentId.' },
    CALLBACK_WAITING: { description: 'Asked to be called back and hung up; keeps their place.' },
    CALLBACK_OFFERED: { description: 'Their callback is ringing the agent in offeredToAgentId.' },
    CALLBACK_DIALING: { description: 'That agent answered; the customer is being dialed.' },
  } as const,
});

/** Items of the view carry their company, so their own authScopes can check it again. */
type OfCompany<T> = T & { companyId: string };

const QueueStatsRef = builder.objectRef<OfCompany<QueueStatsView>>('QueueStats').implement({
  description:
    "One queue now and today (the company's local day). Definitions: docs/QUEUES.md §Live view. The queue itself is `queue(id: queueId)`.",
  authScopes: (q) => ({ supervisorOf: q.companyId }),
  fields: (t) => ({
    queueId: t.exposeID('queueId'),
    name: t.exposeString('name'),
    waiting: t.exposeInt('waiting', {
      description: 'Callers in line now: callbacks keeping their place included, callers being offered to an agent excluded.',
    }),
    callbacks: t.exposeInt('callbacks', { description: 'Callbacks keeping their place (some of `waiting`, or being offered).' }),
    longestWaitSeconds: t.exposeInt('longestWaitSeconds', { description: 'The longest wait of a caller still on the line; 0 if none.' }),
    estimatedWaitSeconds: t.exposeInt('estimatedWaitSeconds', {
      nullable: true,
      description: 'What a caller joining now would be told; null while nobody able to take the call is logged in.',
    }),
    ableAgents: t.exposeInt('ableAgents', { description: "Agents logged in who can take this queue's calls, free or not." }),
    offered: t.exposeInt('offered', {
      description: "Today's calls of the queue that ended while open (after-hours, unknown and pending callbacks aside).",
    }),
    answered: t.exposeInt('answered'),
    answeredInTime: t.exposeInt('answeredInTime', { description: "Answered within the queue's serviceLevelSeconds of arriving." }),
    abandoned: t.exposeInt('abandoned', { description: 'Callers who hung up before an agent answered.' }),
    serviceLevel: t.exposeFloat('serviceLevel', {
      nullable: true,
      description: 'answeredInTime ÷ offered (0-1); null before the first call.',
    }),
    abandonRate: t.exposeFloat('abandonRate', { nullable: true, description: 'abandoned ÷ offered (0-1); null before the first call.' }),
  }),
});

const WaitingCallerRef = builder.objectRef<OfCompany<WaitingCallerView>>('WaitingCaller').implement({
  description: 'One caller in a queue (or a callback keeping its place), in serving order.',
  authScopes: (c) => ({ supervisorOf: c.companyId }),
  fields: (t) => ({
    callSid: t.exposeString('callSid', { description: 'The inbound call (a callback stays keyed by it).' }),
    queueId: t.exposeID('queueId'),
    from: t.exposeString('from', { description: "The caller's number." }),
    state: t.field({ type: WaitingStateEnum, resolve: (c) => c.state }),
    position: t.exposeInt('position', {
      nullable: true,
      description: 'Place in line in its queue (1 = next); null while being offered to an agent.',
    }),
    waitedSeconds: t.exposeInt('waitedSeconds', { description: 'Since the caller joined the queue, as of CompanyQueuesView.at.' }),
    estimatedWaitSeconds: t.exposeInt('estimatedWaitSeconds', {
      nullable: true,
      description: 'What the caller is told; null while offered, or while nobody able to take the call is logged in.',
    }),
    language: t.exposeString('language', { nullable: true, description: 'The language skill chosen in the menu, if any.' }),
    priority: t.exposeInt('priority', { description: "Higher is served first: the number's priority plus the menu option's." }),
    callbackRequested: t.exposeBoolean('callbackRequested'),
    offeredToAgentId: t.exposeID('offeredToAgentId', { nullable: true, description: 'The agent being offered the caller right now.' }),
    enqueuedAt: t.field({
      type: 'DateTime',
      description: 'When the caller joined the queue (kept across missed offers): a board counts the wait up from it.',
      resolve: (c) => new Date(c.enqueuedAt),
    }),
  }),
});

/** The whole line is at most maxSize (≤ 1000) callers in each of MAX_QUEUES_PER_COMPANY queues: too many to price as one list. */
const WAITING_BOUND_DOC =
  `Every waiting caller of the company in serving order (priority, then arrival), the first \`first\` of them. ` +
  `The line is bounded on the write side by each queue's maxSize (at most 1000) times ${MAX_QUEUES_PER_COMPANY} queues; ` +
  'QueueStats.waiting counts every caller.';

const CompanyQueuesViewRef = builder.objectRef<CompanyQueuesView>('CompanyQueuesView').implement({
  description: "A company's queues and the callers waiting in them, now (docs/QUEUES.md §Live view).",
  authScopes: (v) => ({ supervisorOf: v.companyId }),
  fields: (t) => ({
    companyId: t.exposeID('companyId'),
    at: t.expose('at', { type: 'DateTime', description: 'When the view was taken: waitedSeconds count up to it.' }),
    queues: t.field({
      type: [QueueStatsRef],
      description: `Every queue of the company, the default first (at most ${FIXED_LIST_BOUNDS.queues}: the cap on writes bounds the list).`,
      complexity: costOfCapped(FIXED_LIST_BOUNDS.queues),
      resolve: (v) => v.queues.map((q) => ({ ...q, companyId: v.companyId })),
    }),
    waiting: t.field({
      type: [WaitingCallerRef],
      description: WAITING_BOUND_DOC,
      args: { first: t.arg.int(firstArg(LIST_BOUNDS.waitingCallers)) },
      complexity: costOfFirst(LIST_BOUNDS.waitingCallers),
      resolve: (v, args) => firstOf(v.waiting, args.first, LIST_BOUNDS.waitingCallers).map((c) => ({ ...c, companyId: v.companyId })),
    }),
  }),
});

builder.queryField('companyQueues', (t) =>
  t.field({
    type: CompanyQueuesViewRef,
    description: "The company's queues and waiting callers now (supervisor of the company, or admin).",
    args: { companyId: t.arg.id({ required: true }) },
    authScopes: (_root, args) => ({ supervisorOf: String(args.companyId) }),
    resolve: async (_root, args, ctx) => ctx.services.queues.view(await requireCompany(ctx, String(args.companyId))),
  }),
);

builder.subscriptionField('queuesChanged', (t) =>
  t.field({
    type: CompanyQueuesViewRef,
    description:
      'The view now, then again whenever a caller joins, leaves or is offered, or a call of the company changes (at most four times a second).',
    args: { companyId: t.arg.id({ required: true }) },
    authScopes: (_root, args) => ({ supervisorOf: String(args.companyId) }),
    subscribe: async (_root, args, ctx) => deliver(ctx, ctx.services.queues.feed((await requireCompany(ctx, String(args.companyId))).id)),
    resolve: (view: CompanyQueuesView) => view,
  }),
);
