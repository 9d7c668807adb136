import { builder } from '../builder.js';
import { e164, language, ringTimeoutSeconds, ringTone, spokenText, voicemailMaxSeconds } from '../../domain/validation.js';
import type { RoutingPolicy, SkipReason } from '../../domain/routing.js';
import type { AgentPresence } from '../../services/presence-service.js';
import { requireCompany } from './common.js';
import { AgentPresenceRef } from './presence.js';

export const RoutingModeEnum = builder.enumType('RoutingMode', {
  values: { AUTO: { description: '0 routable agents: fallback; 1: ring that agent; 2+: ring them all at once.' } } as const,
});

export const FallbackKindEnum = builder.enumType('FallbackKind', {
  values: {
    VOICEMAIL: { description: 'Say the greeting and record a message.' },
    NUMBER: { description: 'Forward to fallbackNumber.' },
    HANGUP: { description: 'Say the greeting and hang up.' },
  } as const,
});

export const RoutingConfigRef = builder.objectRef<RoutingPolicy & { companyId: string }>('RoutingConfig').implement({
  authScopes: (c) => ({ supervisorOf: c.companyId }),
  fields: (t) => ({
    companyId: t.exposeID('companyId'),
    mode: t.expose('mode', { type: RoutingModeEnum }),
    ringTimeoutSeconds: t.exposeInt('ringTimeoutSeconds'),
    ringTone: t.exposeString('ringTone'),
    fallbackKind: t.expose('fallbackKind', { type: FallbackKindEnum }),
    fallbackNumber: t.exposeString('fallbackNumber', { nullable: true }),
    voicemailGreeting: t.exposeString('voicemailGreeting'),
    voicemailMaxSeconds: t.exposeInt('voicemailMaxSeconds'),
    greetingLanguage: t.exposeString('greetingLanguage'),
    allowUnregisteredSoftphones: t.exposeBoolean('allowUnregisteredSoftphones'),
  }),
});

export const RoutingConfigInput = builder.inputType('RoutingConfigInput', {
  description: 'Fields left out (or null) keep their current value.',
  fields: (t) => ({
    mode: t.field({ type: RoutingModeEnum }),
    ringTimeoutSeconds: t.int({ description: 'Seconds a <Dial> rings (5-120).', validate: ringTimeoutSeconds.optional().nullable() }),
    ringTone: t.string({ description: 'Ringback tone the caller hears (Telnyx ringTone, e.g. us, uk, es, mx).', validate: ringTone.optional().nullable() }),
    fallbackKind: t.field({ type: FallbackKindEnum }),
    fallbackNumber: t.string({ description: 'E.164 number for fallbackKind NUMBER.', validate: e164.optional().nullable() }),
    voicemailGreeting: t.string({ validate: spokenText.optional().nullable() }),
    voicemailMaxSeconds: t.int({ validate: voicemailMaxSeconds.optional().nullable() }),
    greetingLanguage: t.string({ description: 'BCP-47 language of prompts, e.g. en-US, es-MX.', validate: language.optional().nullable() }),
    allowUnregisteredSoftphones: t.boolean({ description: 'Route to agents whose Telnyx client is not registered (demo, tests).' }),
  }),
});

const RouteDecisionEnum = builder.enumType('RouteDecision', {
  values: { RING: { description: 'Ring the targets (all at once).' }, FALLBACK: { description: 'Go to the fallback.' } } as const,
});

const SkipReasonEnum = builder.enumType('SkipReason', {
  values: ['DISABLED', 'OFFLINE', 'NOT_REGISTERED', 'ON_BREAK', 'WRAP_UP', 'ON_CALL'] as const satisfies readonly SkipReason[],
});

const SkippedAgentRef = builder.objectRef<{ presence: AgentPresence; reason: SkipReason; detail: string }>('SkippedAgent').implement({
  fields: (t) => ({
    agent: t.field({ type: AgentPresenceRef, resolve: (s) => s.presence }),
    reason: t.expose('reason', { type: SkipReasonEnum }),
    detail: t.exposeString('detail'),
  }),
});

type Preview = {
  companyId: string;
  decision: 'RING' | 'FALLBACK';
  fallback: RoutingPolicy['fallbackKind'] | null;
  ringTimeoutSeconds: number | null;
  targets: AgentPresence[];
  skipped: { presence: AgentPresence; reason: SkipReason; detail: string }[];
  texml: string;
  at: Date;
};

const RoutePreviewRef = builder.objectRef<Preview>('RoutePreview').implement({
  description: 'What the next call would get, and why each other agent would not ring.',
  authScopes: (p) => ({ supervisorOf: p.companyId }),
  fields: (t) => ({
    decision: t.expose('decision', { type: RouteDecisionEnum }),
    targets: t.field({ type: [AgentPresenceRef], description: 'Agents that would ring, in order.', resolve: (p) => p.targets }),
    ringTimeoutSeconds: t.exposeInt('ringTimeoutSeconds', { nullable: true }),
    fallback: t.expose('fallback', { type: FallbackKindEnum, nullable: true }),
    skipped: t.field({ type: [SkippedAgentRef], resolve: (p) => p.skipped }),
    texml: t.exposeString('texml', { description: 'The exact TeXML the voice webhook would answer.' }),
    at: t.expose('at', { type: 'DateTime' }),
  }),
});

builder.queryField('routePreview', (t) =>
  t.field({
    type: RoutePreviewRef,
    args: { companyId: t.arg.id({ required: true }), from: t.arg.string(), to: t.arg.string() },
    authScopes: (_root, args) => ({ supervisorOf: String(args.companyId) }),
    resolve: async (_root, args, ctx) => {
      const company = await requireCompany(ctx, String(args.companyId));
      const now = ctx.services.clock.now();
      const { plan, texml } = ctx.services.routing.decide(company, { from: args.from, to: args.to }, now);
      const presence = new Map(ctx.services.presence.presenceOf(company).map((p) => [p.agentId, p]));
      return {
        companyId: company.id,
        decision: plan.kind,
        fallback: plan.kind === 'FALLBACK' ? plan.fallback : null,
        ringTimeoutSeconds: plan.kind === 'RING' ? plan.timeoutSeconds : null,
        targets: plan.kind === 'RING' ? plan.targets.map((t) => presence.get(t.agentId)!) : [],
        skipped: plan.skipped.map((s) => ({ presence: presence.get(s.agentId)!, reason: s.reason, detail: s.detail })),
        texml,
        at: new Date(now),
      };
    },
  }),
);

builder.mutationField('updateRoutingConfig', (t) =>
  t.field({
    type: RoutingConfigRef,
    args: { companyId: t.arg.id({ required: true }), input: t.arg({ type: RoutingConfigInput, required: true }) },
    authScopes: (_root, args) => ({ supervisorOf: String(args.companyId) }),
    resolve: async (_root, { companyId, input }, ctx) => {
      await ctx.services.configuration.updateRoutingConfig(String(companyId), input);
      const company = await requireCompany(ctx, String(companyId));
      return { companyId: company.id, ...company.policy };
    },
  }),
);
