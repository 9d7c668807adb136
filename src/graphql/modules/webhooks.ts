/**
 * The CRM's webhook endpoints in GraphQL (README §CRM events): list, create, update, delete, rotate
 * the secret, read the delivery log, replay a delivery. Supervisors of the company and the admin.
 * The secret is shown only in the answer of create and rotate (WebhookEndpointSecret).
 */
import { z } from 'zod';
import type { CrmEventType } from '../../domain/crm-events.js';
import { parseAttemptLog } from '../../domain/webhook-delivery.js';
import type { WebhookEndpoint } from '../../generated/prisma/client.js';
import { NotFoundError } from '../../services/errors.js';
import { MAX_ROTATION_GRACE_HOURS } from '../../services/webhook-endpoints.js';
import { builder } from '../builder.js';
import { actorIn } from './common.js';
import { costOfCapped, costOfFirst, FIXED_LIST_BOUNDS, firstArg, LIST_BOUNDS } from '../list-bounds.js';

const EVENT_TYPES = {
  CALL_STARTED: { value: 'call.started', description: 'A call came in (before any menu or ringing).' },
  CALL_RINGING: { value: 'call.ringing', description: "A ringing step: the agents it rings (a hunt's every step)." },
  CALL_ANSWERED: { value: 'call.answered', description: 'An agent answered.' },
  CALL_ENDED: { value: 'call.ended', description: 'The call ended: its outcome and timeline.' },
  VOICEMAIL_RECEIVED: {
    value: 'voicemail.received',
    description: 'A voicemail was stored (transcription: null; voicemail.transcribed follows).',
  },
  VOICEMAIL_TRANSCRIBED: {
    value: 'voicemail.transcribed',
    description: 'Telnyx’s transcription of a voicemail arrived: the voicemail with its text and language.',
  },
  AGENT_PRESENCE_CHANGED: { value: 'agent.presence_changed', description: 'An agent went online or offline.' },
  AGENT_STATUS_CHANGED: { value: 'agent.status_changed', description: 'An agent went available, on a break or into wrap-up.' },
} as const satisfies Record<string, { value: CrmEventType; description: string }>;

const WebhookEventTypeEnum = builder.enumType('WebhookEventType', {
  description: 'An event a webhook endpoint may subscribe to; its `type` in the payload is the value in parentheses of each description.',
  values: Object.fromEntries(
    Object.entries(EVENT_TYPES).map(([name, v]) => [name, { value: v.value, description: `${v.description} (${v.value})` }]),
  ) as { [K in keyof typeof EVENT_TYPES]: { value: (typeof EVENT_TYPES)[K]['value']; description: string } },
});

const WebhookDeliveryStatusEnum = builder.enumType('WebhookDeliveryStatus', {
  values: {
    PENDING: { description: 'Not delivered yet: waiting for its first attempt or a retry.' },
    DELIVERED: { description: 'The endpoint answered 2xx.' },
    FAILED: { description: 'No 2xx within the retry window (24 h); replay it to try again.' },
  } as const,
});

const WebhookEndpointRef = builder.prismaObject('WebhookEndpoint', {
  authScopes: (endpoint) => ({ supervisorOf: endpoint.companyId }),
  fields: (t) => ({
    id: t.exposeID('id'),
    companyId: t.exposeID('companyId'),
    url: t.exposeString('url'),
    description: t.exposeString('description'),
    events: t.field({ type: [WebhookEventTypeEnum], resolve: (e) => e.events as CrmEventType[] }),
    enabled: t.exposeBoolean('enabled', { description: 'A disabled endpoint gets no new events; its pending deliveries wait.' }),
    previousSecretExpiresAt: t.expose('previousSecretExpiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'After a rotation, until when the previous secret still signs (a second v1= in the signature header).',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const WebhookEndpointSecret = builder.objectRef<{ endpoint: WebhookEndpoint; secret: string }>('WebhookEndpointSecret').implement({
  description: 'An endpoint with its signing secret: shown once, when created or rotated.',
  authScopes: (r) => ({ supervisorOf: r.endpoint.companyId }),
  fields: (t) => ({
    endpoint: t.field({ type: WebhookEndpointRef, resolve: (r) => r.endpoint }),
    secret: t.exposeString('secret', { description: 'The HMAC-SHA256 key of the v1 signatures (README §CRM events). Keep it.' }),
  }),
});

const WebhookAttempt = builder
  .objectRef<{ at: string; statusCode: number | null; durationMs: number; error: string | null }>('WebhookAttempt')
  .implement({
    authScopes: { authenticated: true },
    fields: (t) => ({
      at: t.field({ type: 'DateTime', resolve: (a) => new Date(a.at) }),
      statusCode: t.exposeInt('statusCode', { nullable: true, description: "The endpoint's HTTP status; null when none came." }),
      durationMs: t.exposeInt('durationMs', { description: 'Time to the answer (or the failure).' }),
      error: t.exposeString('error', { nullable: true, description: 'Why it failed: HTTP 500, timeout, refused (private address), DNS…' }),
    }),
  });

builder.prismaObject('WebhookDelivery', {
  authScopes: (d) => ({ supervisorOf: d.companyId }),
  fields: (t) => ({
    id: t.exposeID('id'),
    endpointId: t.exposeID('endpointId'),
    eventId: t.exposeString('eventId', { description: 'The idempotency key (Curbe-Event-Id): the same for every retry and replay.' }),
    eventType: t.field({ type: WebhookEventTypeEnum, resolve: (d) => d.eventType as CrmEventType }),
    status: t.field({ type: WebhookDeliveryStatusEnum, resolve: (d) => d.status as 'PENDING' | 'DELIVERED' | 'FAILED' }),
    payload: t.exposeString('body', { description: 'The JSON body as sent.' }),
    attemptCount: t.exposeInt('attempts'),
    nextAttemptAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it is tried next (pending only).',
      resolve: (d) => (d.status === 'PENDING' ? d.nextAttemptAt : null),
    }),
    lastAttemptAt: t.expose('lastAttemptAt', { type: 'DateTime', nullable: true }),
    lastStatusCode: t.exposeInt('lastStatusCode', { nullable: true }),
    lastError: t.exposeString('lastError', { nullable: true }),
    lastDurationMs: t.exposeInt('lastDurationMs', { nullable: true }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    replayOf: t.exposeID('replayOf', { nullable: true, description: 'The delivery this one replays.' }),
    attempts: t.field({
      type: [WebhookAttempt],
      description: `The last attempts, oldest first (at most ${FIXED_LIST_BOUNDS.webhookAttempts}).`,
      complexity: costOfCapped(FIXED_LIST_BOUNDS.webhookAttempts),
      resolve: (d) => parseAttemptLog(d.attemptLog),
    }),
  }),
});

const CreateWebhookEndpointInput = builder.inputType('CreateWebhookEndpointInput', {
  fields: (t) => ({
    companyId: t.id({ required: true }),
    url: t.string({
      required: true,
      description: 'http(s); must resolve to public addresses unless WEBHOOKS_ALLOW_PRIVATE_NETWORKS.',
      validate: z.string().max(2048),
    }),
    events: t.field({ type: [WebhookEventTypeEnum], required: true, validate: z.array(z.string()).min(1).max(20) }),
    description: t.string({ validate: z.string().max(200).nullish() }),
    enabled: t.boolean(),
  }),
});

const UpdateWebhookEndpointInput = builder.inputType('UpdateWebhookEndpointInput', {
  fields: (t) => ({
    url: t.string({ validate: z.string().max(2048).nullish() }),
    events: t.field({ type: [WebhookEventTypeEnum], validate: z.array(z.string()).min(1).max(20).nullish() }),
    description: t.string({ validate: z.string().max(200).nullish() }),
    enabled: t.boolean(),
  }),
});

/** The company of an endpoint (or of a delivery) given by id; a missing one is NOT_FOUND before any scope check. */
async function endpointCompany(ctx: { services: import('../../services/index.js').Services }, id: string): Promise<string> {
  const companyId = await ctx.services.webhooks.endpoints.companyOf(id);
  if (!companyId) throw new NotFoundError('webhook endpoint not found');
  return companyId;
}

builder.queryFields((t) => ({
  webhookEndpoints: t.prismaField({
    type: ['WebhookEndpoint'],
    description: `The company's CRM webhook endpoints, oldest first (at most ${FIXED_LIST_BOUNDS.webhookEndpoints}). Supervisors of the company and the admin.`,
    args: { companyId: t.arg.id({ required: true }) },
    complexity: costOfCapped(FIXED_LIST_BOUNDS.webhookEndpoints),
    authScopes: (_root, args) => ({ supervisorOf: String(args.companyId) }),
    resolve: (query, _root, args, ctx) =>
      ctx.services.db.webhookEndpoint.findMany({
        ...query,
        where: { companyId: String(args.companyId) },
        orderBy: { createdAt: 'asc' },
        take: FIXED_LIST_BOUNDS.webhookEndpoints,
      }),
  }),
  webhookDeliveries: t.prismaField({
    type: ['WebhookDelivery'],
    description: "An endpoint's deliveries (the outbox and its log), newest first.",
    args: {
      endpointId: t.arg.id({ required: true }),
      first: t.arg.int(firstArg(LIST_BOUNDS.webhookDeliveries)),
      status: t.arg({ type: WebhookDeliveryStatusEnum }),
    },
    complexity: costOfFirst(LIST_BOUNDS.webhookDeliveries),
    authScopes: async (_root, args, ctx) => ({ supervisorOf: await endpointCompany(ctx, String(args.endpointId)) }),
    resolve: (query, _root, args, ctx) =>
      ctx.services.db.webhookDelivery.findMany({
        ...query,
        where: { endpointId: String(args.endpointId), ...(args.status && { status: args.status }) },
        orderBy: [{ createdAt: 'desc' }, { seq: 'desc' }],
        take: args.first ?? LIST_BOUNDS.webhookDeliveries.default,
      }),
  }),
}));

builder.mutationFields((t) => ({
  createWebhookEndpoint: t.field({
    type: WebhookEndpointSecret,
    description: 'A new endpoint and its signing secret (shown only here and on rotation).',
    args: { input: t.arg({ type: CreateWebhookEndpointInput, required: true }) },
    authScopes: (_root, args) => ({ supervisorOf: String(args.input.companyId) }),
    resolve: (_root, { input }, ctx) =>
      ctx.services.webhooks.endpoints.create(
        String(input.companyId),
        {
          url: input.url,
          events: input.events,
          description: input.description ?? null,
          enabled: input.enabled ?? null,
        },
        actorIn(ctx),
      ),
  }),
  updateWebhookEndpoint: t.prismaField({
    type: 'WebhookEndpoint',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateWebhookEndpointInput, required: true }) },
    authScopes: async (_root, args, ctx) => ({ supervisorOf: await endpointCompany(ctx, String(args.id)) }),
    resolve: async (query, _root, { id, input }, ctx) => {
      await ctx.services.webhooks.endpoints.update(String(id), input, actorIn(ctx));
      return ctx.services.db.webhookEndpoint.findUniqueOrThrow({ ...query, where: { id: String(id) } });
    },
  }),
  deleteWebhookEndpoint: t.field({
    type: 'ID',
    description: 'Returns the id of the deleted endpoint; its deliveries (pending ones included) go with it.',
    args: { id: t.arg.id({ required: true }) },
    authScopes: async (_root, args, ctx) => ({ supervisorOf: await endpointCompany(ctx, String(args.id)) }),
    resolve: async (_root, { id }, ctx) => {
      if (!(await ctx.services.webhooks.endpoints.delete(String(id), actorIn(ctx)))) throw new NotFoundError('webhook endpoint not found');
      return String(id);
    },
  }),
  rotateWebhookSecret: t.field({
    type: WebhookEndpointSecret,
    description: `A new secret; the previous one keeps signing too (a second v1=) for graceHours (default 24, 0-${MAX_ROTATION_GRACE_HOURS}).`,
    args: { id: t.arg.id({ required: true }), graceHours: t.arg.int() },
    authScopes: async (_root, args, ctx) => ({ supervisorOf: await endpointCompany(ctx, String(args.id)) }),
    resolve: (_root, { id, graceHours }, ctx) => ctx.services.webhooks.endpoints.rotate(String(id), graceHours, actorIn(ctx)),
  }),
  replayWebhookDelivery: t.prismaField({
    type: 'WebhookDelivery',
    description: "Sends a delivery's event again (same event id and body) as a new delivery with a fresh 24 h of retries.",
    args: { id: t.arg.id({ required: true }) },
    authScopes: async (_root, args, ctx) => {
      const companyId = await ctx.services.webhooks.endpoints.deliveryCompanyOf(String(args.id));
      if (!companyId) throw new NotFoundError('webhook delivery not found');
      return { supervisorOf: companyId };
    },
    resolve: async (query, _root, { id }, ctx) => {
      const replay = await ctx.services.webhooks.endpoints.replay(String(id), actorIn(ctx));
      return ctx.services.db.webhookDelivery.findUniqueOrThrow({ ...query, where: { id: replay.id } });
    },
  }),
}));
