import { z } from 'zod';
import { builder } from '../builder.js';
import type { AgentPresence, PresenceEvent } from '../../services/presence-service.js';
import { ForbiddenError } from '../../services/errors.js';
import { requireCompany } from './common.js';
import { deliver } from '../shared-subscriptions.js';
import { costOfFirst, firstArg, firstOf, LIST_BOUNDS } from '../list-bounds.js';

export const AgentStatusEnum = builder.enumType('AgentStatus', {
  values: {
    AVAILABLE: { description: 'Ready to take calls.' },
    ON_BREAK: { description: 'Paused, with an optional reason (lunch, meeting...).' },
    WRAP_UP: { description: 'Finishing the previous call; not offered calls.' },
  } as const,
});

export const AgentPresenceRef = builder.objectRef<AgentPresence>('AgentPresence').implement({
  description: 'An agent as routing sees it right now.',
  authScopes: (p) => ({ supervisorOf: p.companyId, self: p.agentId }),
  fields: (t) => ({
    agentId: t.exposeID('agentId'),
    companyId: t.exposeID('companyId'),
    displayName: t.exposeString('displayName'),
    sipUsername: t.exposeString('sipUsername'),
    online: t.exposeBoolean('online', {
      description: 'Heartbeat lease alive and softphone registered (or the company allows unregistered).',
    }),
    sipRegistered: t.exposeBoolean('sipRegistered'),
    status: t.expose('status', { type: AgentStatusEnum }),
    statusReason: t.exposeString('statusReason', { nullable: true }),
    lastSeen: t.expose('lastSeen', { type: 'DateTime', nullable: true }),
    leaseExpiresAt: t.expose('leaseExpiresAt', { type: 'DateTime', nullable: true }),
    callState: t.exposeString('callState', { nullable: true, description: 'Call state last reported by the softphone.' }),
    activeCalls: t.exposeInt('activeCalls'),
  }),
});

const PresenceCauseEnum = builder.enumType('PresenceCause', {
  values: {
    SNAPSHOT: { description: 'State at subscription time.' },
    HEARTBEAT: { description: 'A heartbeat brought the agent online.' },
    RESTORED: { description: 'After a restart: the lease the agent held at shutdown, until it heartbeats again or the lease ends.' },
    LEASE_EXPIRED: { description: 'No heartbeat within the presence TTL.' },
    SOCKET_CLOSED: { description: "The agent's connection closed and did not come back within the grace." },
    UNREGISTERED: { description: 'The softphone reported it is not registered with Telnyx.' },
    REMOVED: { description: 'The agent was disabled.' },
    STATUS: { description: 'The agent or a supervisor changed the status (or wrap-up / auto-pause did).' },
    CALL: { description: 'The agent answered or finished a call.' },
  } as const,
});

const PresenceEventRef = builder.objectRef<PresenceEvent>('PresenceEvent').implement({
  description: 'One change of one agent (or, with snapshot: true, its state when the subscription began).',
  authScopes: (e) => ({ supervisorOf: e.presence.companyId }),
  fields: (t) => ({
    agentId: t.id({ resolve: (e) => e.presence.agentId }),
    online: t.boolean({ resolve: (e) => e.presence.online }),
    status: t.field({ type: AgentStatusEnum, resolve: (e) => e.presence.status }),
    at: t.expose('at', { type: 'DateTime' }),
    cause: t.field({ type: PresenceCauseEnum, resolve: (e) => e.cause.toUpperCase().replace('-', '_') as never }),
    snapshot: t.exposeBoolean('snapshot'),
    presence: t.field({ type: AgentPresenceRef, resolve: (e) => e.presence }),
  }),
});

/** What a heartbeat's callState may be (the prepared heartbeat, src/graphql/prepared-heartbeat.ts, checks the same rule). */
export const CALL_STATE_RULE = z
  .string()
  .max(32)
  .regex(/^[a-z_-]*$/i, 'letters, dashes and underscores')
  .optional()
  .nullable();

const HeartbeatInput = builder.inputType('HeartbeatInput', {
  fields: (t) => ({
    sipRegistered: t.boolean({ required: true, description: 'Whether the Telnyx client is registered (SDK `ready`).' }),
    callState: t.string({
      description: 'The softphone call state (idle, ringing, active, held...).',
      validate: CALL_STATE_RULE,
    }),
  }),
});

const HeartbeatPayloadRef = builder
  .objectRef<{ presence: AgentPresence; nextHeartbeatInMs: number; leaseExpiresAt: Date }>('HeartbeatPayload')
  .implement({
    fields: (t) => ({
      presence: t.field({ type: AgentPresenceRef, resolve: (p) => p.presence }),
      nextHeartbeatInMs: t.exposeInt('nextHeartbeatInMs', { description: 'Send the next heartbeat within this many ms.' }),
      leaseExpiresAt: t.expose('leaseExpiresAt', {
        type: 'DateTime',
        description: 'Offline at this instant unless a heartbeat renews it.',
      }),
    }),
  });

builder.mutationField('heartbeat', (t) =>
  t.field({
    type: HeartbeatPayloadRef,
    description: "The calling agent's softphone is alive. Agent token only; an agent heartbeats only as itself.",
    authScopes: { agent: true },
    args: { input: t.arg({ type: HeartbeatInput, required: true }) },
    resolve: (_root, { input }, ctx) => {
      if (ctx.viewer?.role !== 'agent') throw new ForbiddenError();
      return ctx.services.presence.heartbeat(ctx.viewer.agentId, {
        sipRegistered: input.sipRegistered,
        callState: input.callState ?? null,
      });
    },
  }),
);

builder.queryField('presence', (t) =>
  t.field({
    type: [AgentPresenceRef],
    args: { companyId: t.arg.id({ required: true }), first: t.arg.int(firstArg(LIST_BOUNDS.agents)) },
    complexity: costOfFirst(LIST_BOUNDS.agents),
    authScopes: (_root, args) => ({ supervisorOf: String(args.companyId) }),
    resolve: async (_root, args, ctx) =>
      firstOf(ctx.services.presence.presenceOf(await requireCompany(ctx, String(args.companyId))), args.first, LIST_BOUNDS.agents),
  }),
);

builder.subscriptionField('presenceChanged', (t) =>
  t.field({
    type: PresenceEventRef,
    description: 'Every agent once (snapshot: true), then one event per transition.',
    args: { companyId: t.arg.id({ required: true }) },
    authScopes: (_root, args) => ({ supervisorOf: String(args.companyId) }),
    subscribe: async (_root, args, ctx) => deliver(ctx, ctx.services.presence.feed(await requireCompany(ctx, String(args.companyId)))),
    resolve: (event) => event,
  }),
);
