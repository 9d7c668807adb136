import { z } from 'zod';
import { builder } from '../builder.js';
import { costOfCapped, costOfFirst, FIXED_LIST_BOUNDS, firstArg, LIST_BOUNDS } from '../list-bounds.js';
import { ForbiddenError, NotFoundError, RateLimitedError } from '../../services/errors.js';
import { softphoneSetup, type SoftphoneSetup } from '../../telnyx/softphone-setup.js';
import { AgentPresenceRef } from './presence.js';

/**
 * The setup plus what of its company the softphone shows: the agent cannot read its Company, and its
 * status picker needs the break reasons, its transfer picker the colleagues and queues, and its dial pad
 * the numbers it may call from.
 */
type SoftphoneView = SoftphoneSetup & {
  breakReasons: string[];
  callerIds: string[];
  colleagues: { agentId: string; displayName: string }[];
  queues: { queueId: string; name: string }[];
};

const SoftphoneColleagueRef = builder.objectRef<SoftphoneView['colleagues'][number]>('SoftphoneColleague').implement({
  description: 'Another agent of the company, to transfer or consult a call to.',
  authScopes: { agent: true },
  fields: (t) => ({ agentId: t.exposeID('agentId'), displayName: t.exposeString('displayName') }),
});

const SoftphoneQueueRef = builder.objectRef<SoftphoneView['queues'][number]>('SoftphoneQueue').implement({
  description: 'A queue of the company, to transfer a call to.',
  authScopes: { agent: true },
  fields: (t) => ({ queueId: t.exposeID('queueId'), name: t.exposeString('name') }),
});

const SoftphoneRef = builder.objectRef<SoftphoneView>('Softphone').implement({
  description: "What the calling agent's browser softphone needs to start.",
  fields: (t) => ({
    agentId: t.exposeID('agentId'),
    companyId: t.exposeID('companyId'),
    displayName: t.exposeString('displayName'),
    sipUsername: t.exposeString('sipUsername'),
    telnyxConfigured: t.exposeBoolean('telnyxConfigured', {
      description: 'The server has a Telnyx API key and this agent a telephony credential.',
    }),
    loginToken: t.exposeString('loginToken', {
      nullable: true,
      description: 'A Telnyx WebRTC login JWT minted for this agent now (valid 24 h); null when it could not be minted.',
    }),
    websocketHost: t.exposeString('websocketHost', {
      nullable: true,
      description: "Signalling server for the SDK's `host` option; null = Telnyx's default.",
    }),
    heartbeatIntervalMs: t.exposeInt('heartbeatIntervalMs'),
    registrationRequired: t.exposeBoolean('registrationRequired', {
      description: 'The company routes only to softphones registered with Telnyx.',
    }),
    message: t.exposeString('message', {
      nullable: true,
      description: 'A plain sentence for the agent when Telnyx is missing or failing.',
    }),
    breakReasons: t.exposeStringList('breakReasons', {
      description:
        "The company's break reasons, the only ones setAgentStatus accepts; empty = the company defines none (a break needs no reason).",
    }),
    callerIds: t.exposeStringList('callerIds', {
      description: "The company's numbers, oldest first: startCall's callerId is one of them (the first by default).",
    }),
    colleagues: t.field({
      type: [SoftphoneColleagueRef],
      description: 'The other enabled agents of the company, by name: transfer, consult and add-participant targets.',
      args: { first: t.arg.int(firstArg(LIST_BOUNDS.agents)) },
      complexity: costOfFirst(LIST_BOUNDS.agents),
      resolve: (v, args) => v.colleagues.slice(0, args.first ?? LIST_BOUNDS.agents.default),
    }),
    queues: t.field({
      type: [SoftphoneQueueRef],
      description: "The company's queues, the default first: cold-transfer targets.",
      complexity: costOfCapped(FIXED_LIST_BOUNDS.queues),
      resolve: (v) => v.queues,
    }),
  }),
});

builder.queryField('softphone', (t) =>
  t.field({
    type: SoftphoneRef,
    description:
      "The calling agent's softphone setup (agent token only). Mints a Telnyx login token on each call, so it is rate-limited per agent (SOFTPHONE_TOKENS_PER_HOUR, all instances together): past it, RATE_LIMITED with retryAfterMs.",
    authScopes: { agent: true },
    resolve: async (_root, _args, ctx) => {
      if (ctx.viewer?.role !== 'agent') throw new ForbiddenError();
      const { agentId } = ctx.viewer;
      const waitMs = await ctx.services.limits.softphoneToken.take(agentId);
      if (waitMs > 0) throw new RateLimitedError(`too many softphone login tokens; retry in ${Math.ceil(waitMs / 1000)} s`, waitMs);
      const found = await ctx.services.directory.agent(agentId);
      const row = await ctx.services.db.agent.findUnique({ where: { id: agentId }, select: { telnyxCredentialId: true } });
      if (!found || !row || !found.agent.enabled) throw new NotFoundError('agent not found or disabled');
      const { agent, company } = found;
      const setup = await softphoneSetup(
        ctx.services.config,
        {
          id: agent.id,
          companyId: company.id,
          displayName: agent.displayName,
          sipUsername: agent.sipUsername,
          telnyxCredentialId: row.telnyxCredentialId,
        },
        company.policy.allowUnregisteredSoftphones,
      );
      const numbers = await ctx.services.db.phoneNumber.findMany({
        where: { companyId: company.id },
        select: { e164: true },
        orderBy: { createdAt: 'asc' },
        take: LIST_BOUNDS.phoneNumbers.default,
      });
      return {
        ...setup,
        breakReasons: company.breakReasons,
        callerIds: numbers.map((n) => n.e164),
        colleagues: company.agents
          .filter((a) => a.enabled && a.id !== agent.id)
          .map((a) => ({ agentId: a.id, displayName: a.displayName }))
          .sort((a, b) => a.displayName.localeCompare(b.displayName)),
        queues: company.queues.map((q) => ({ queueId: q.id, name: q.name })),
      };
    },
  }),
);

const CallStateInput = builder.inputType('CallStateInput', {
  fields: (t) => ({
    callState: t.string({
      required: true,
      description: 'The softphone call state: idle, ringing, answering, active, held...',
      validate: z
        .string()
        .min(1)
        .max(32)
        .regex(/^[a-z_-]+$/i, 'letters, dashes and underscores'),
    }),
    sipRegistered: t.boolean({ required: true, description: 'Whether the Telnyx client is registered (SDK `ready`).' }),
  }),
});

builder.mutationField('reportCallState', (t) =>
  t.field({
    type: AgentPresenceRef,
    description: "The calling agent's softphone call state changed: counts as a heartbeat and is published to the board at once.",
    authScopes: { agent: true },
    args: { input: t.arg({ type: CallStateInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      if (ctx.viewer?.role !== 'agent') throw new ForbiddenError();
      const { agentId } = ctx.viewer;
      const result = await ctx.services.presence.heartbeat(agentId, { sipRegistered: input.sipRegistered, callState: input.callState });
      // A heartbeat publishes only online/offline transitions; a call state change must reach the board too.
      ctx.services.presence.refresh(agentId);
      return result.presence;
    },
  }),
);
