/**
 * The routing aggregate in GraphQL: the routing config type and its input, updateRoutingConfig and
 * routePreview. One file on purpose (over 300 lines): the input's validation and its documentation
 * describe the same fields and read best side by side.
 */
import { builder } from '../builder.js';
import { z } from 'zod';
import { e164, language, ringTimeoutSeconds, ringTone, spokenText, voicemailMaxSeconds } from '../../domain/validation.js';
import { validateHours, WEEKDAYS, type BusinessHours, type Weekday } from '../../domain/business-hours.js';
import { InputError } from '../../services/errors.js';
import type { RoutingPolicy, SkipReason } from '../../domain/routing.js';
import { parseSkillExpression, validateLanguageMenu, type LanguageMenuOption, type SkillExpression } from '../../domain/skills.js';
import type { AgentPresence } from '../../services/presence-service.js';
import type { QueuePreview } from '../../calls/queueing.js';
import { actorIn, requireCompany } from './common.js';
import { AgentPresenceRef } from './presence.js';
import { costOfCapped, costOfFirst, firstArg, firstOf, FIXED_LIST_BOUNDS, LIST_BOUNDS } from '../list-bounds.js';

export const RoutingModeEnum = builder.enumType('RoutingMode', {
  values: {
    AUTO: { description: '0 routable agents: fallback; 1: ring that agent; 2+: ring them all at once (no reservations).' },
    RING_ALL: { description: 'Ring every routable agent of the first tier at once, then the next tier.' },
    ROUND_ROBIN: { description: 'One agent at a time, starting after the agent the previous call started with.' },
    LONGEST_IDLE: { description: 'One agent at a time, longest since their last call first.' },
    FEWEST_CALLS: { description: 'One agent at a time, fewest calls today first.' },
    RANDOM: { description: 'One agent at a time, in random order.' },
    SEQUENTIAL: { description: 'One agent at a time, by position (top-down).' },
    PROGRESSIVE: { description: 'Ring one agent, then add one more every progressiveStepSeconds.' },
  } as const,
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
    progressiveStepSeconds: t.exposeInt('progressiveStepSeconds'),
    maxHuntSeconds: t.exposeInt('maxHuntSeconds'),
    wrapUpSeconds: t.exposeInt('wrapUpSeconds'),
    autoPauseAfterMisses: t.exposeInt('autoPauseAfterMisses'),
    businessHours: t.field({ type: BusinessHoursRef, nullable: true, resolve: (c) => c.businessHours }),
    afterHoursKind: t.expose('afterHoursKind', { type: FallbackKindEnum }),
    afterHoursGreeting: t.exposeString('afterHoursGreeting'),
    languageMenu: t.field({
      type: [LanguageMenuOptionRef],
      description: 'Asked before routing; empty = no menu.',
      complexity: costOfCapped(FIXED_LIST_BOUNDS.languageMenu),
      resolve: (c) => c.languageMenu,
    }),
    widenAfterSeconds: t.exposeInt('widenAfterSeconds', {
      nullable: true,
      description: 'Seconds after which a call whose skill nobody can meet rings everyone; null = it goes to the fallback.',
    }),
  }),
});

const MENU_QUEUE_DOC = "The queue callers who pick this option wait in (one of the company's); null = the number's queue.";
const MENU_PRIORITY_DOC = "Added to the number's priority for callers who pick this option (-100..100); higher is served first.";

const LanguageMenuOptionRef = builder.objectRef<LanguageMenuOption>('LanguageMenuOption').implement({
  description: 'Press `digit` for `skill`; `prompt` is spoken in `language` ("Para español, oprima 2").',
  fields: (t) => ({
    digit: t.exposeString('digit'),
    skill: t.exposeString('skill'),
    prompt: t.exposeString('prompt'),
    language: t.exposeString('language'),
    queueId: t.id({ nullable: true, description: MENU_QUEUE_DOC, resolve: (o) => o.queueId ?? null }),
    priority: t.int({ description: MENU_PRIORITY_DOC, resolve: (o) => o.priority ?? 0 }),
  }),
});

const LanguageMenuOptionInput = builder.inputType('LanguageMenuOptionInput', {
  fields: (t) => ({
    digit: t.string({ required: true, description: 'One key: 0-9, * or #.' }),
    skill: t.string({ required: true, description: 'The skill the call then requires, e.g. es.' }),
    prompt: t.string({ required: true, description: 'What the caller hears for this option.' }),
    language: t.string({ required: true, description: 'BCP-47 language of the prompt, e.g. es-US.' }),
    queueId: t.id({ description: MENU_QUEUE_DOC }),
    priority: t.int({ description: `${MENU_PRIORITY_DOC} Default 0.` }),
  }),
});

const WeekdayEnum = builder.enumType('Weekday', { values: WEEKDAYS });

const TimeRangeRef = builder.objectRef<{ open: string; close: string }>('TimeRange').implement({
  description: "Local wall-clock 'HH:MM'; a close at or before the open runs past midnight.",
  fields: (t) => ({ open: t.exposeString('open'), close: t.exposeString('close') }),
});
const OpeningHoursRef = builder.objectRef<{ day: Weekday; open: string; close: string }>('OpeningHours').implement({
  fields: (t) => ({ day: t.expose('day', { type: WeekdayEnum }), open: t.exposeString('open'), close: t.exposeString('close') }),
});
const ClosureRef = builder.objectRef<{ date: string; name?: string; ranges?: { open: string; close: string }[] }>('Closure').implement({
  description: 'A holiday or closure (local date). With ranges: special hours that day instead of the weekly ones.',
  fields: (t) => ({
    date: t.exposeString('date'),
    name: t.string({ nullable: true, resolve: (c) => c.name ?? null }),
    ranges: t.field({ type: [TimeRangeRef], complexity: costOfCapped(FIXED_LIST_BOUNDS.ranges), resolve: (c) => c.ranges ?? [] }),
  }),
});
export const BusinessHoursRef = builder.objectRef<BusinessHours>('BusinessHours').implement({
  fields: (t) => ({
    timeZone: t.exposeString('timeZone'),
    weekly: t.field({
      type: [OpeningHoursRef],
      complexity: costOfCapped(FIXED_LIST_BOUNDS.weekly),
      resolve: (h) => WEEKDAYS.flatMap((day) => (h.weekly[day] ?? []).map((r) => ({ day, ...r }))),
    }),
    closures: t.field({ type: [ClosureRef], complexity: costOfCapped(FIXED_LIST_BOUNDS.closures), resolve: (h) => h.closures }),
  }),
});

const TimeRangeInput = builder.inputType('TimeRangeInput', {
  fields: (t) => ({ open: t.string({ required: true }), close: t.string({ required: true }) }),
});
const OpeningHoursInput = builder.inputType('OpeningHoursInput', {
  fields: (t) => ({
    day: t.field({ type: WeekdayEnum, required: true }),
    open: t.string({ required: true }),
    close: t.string({ required: true }),
  }),
});
const ClosureInput = builder.inputType('ClosureInput', {
  fields: (t) => ({
    date: t.string({ required: true, description: 'YYYY-MM-DD in the schedule time zone.' }),
    name: t.string({ validate: z.string().max(80).optional().nullable() }),
    ranges: t.field({ type: [TimeRangeInput], description: 'Special hours that day; none = closed all day.' }),
  }),
});

export type BusinessHoursInputShape = {
  timeZone: string;
  weekly: { day: Weekday; open: string; close: string }[];
  closures?: { date: string; name?: string | null; ranges?: { open: string; close: string }[] | null }[] | null;
};

/** The schedule as stored, from its GraphQL input; every problem reported at once, nothing saved. */
export function toBusinessHours(input: BusinessHoursInputShape): BusinessHours {
  const weekly: BusinessHours['weekly'] = {};
  for (const r of input.weekly) (weekly[r.day] ??= []).push({ open: r.open, close: r.close });
  const hours: BusinessHours = {
    timeZone: input.timeZone,
    weekly,
    closures: (input.closures ?? []).map((c) => ({
      date: c.date,
      ...(c.name ? { name: c.name } : {}),
      ...(c.ranges?.length ? { ranges: c.ranges } : {}),
    })),
  };
  const problems = validateHours(hours);
  if (problems.length > 0) throw new InputError(`Validation error: input.businessHours: ${problems.join('; ')}`);
  return hours;
}

type LanguageMenuOptionInputShape = Omit<LanguageMenuOption, 'queueId' | 'priority'> & {
  queueId?: string | number | null;
  priority?: number | null;
};

/** The menu as stored: no queue ("" or null) and priority 0 are left out. */
function toLanguageMenu(options: LanguageMenuOptionInputShape[]): LanguageMenuOption[] {
  const menu = options.map(({ queueId, priority, ...o }) => ({
    ...o,
    skill: o.skill.trim().toLowerCase(),
    prompt: o.prompt.trim(),
    ...(queueId != null && String(queueId).trim() !== '' ? { queueId: String(queueId).trim() } : {}),
    ...(priority != null && priority !== 0 ? { priority } : {}),
  }));
  const problem = validateLanguageMenu(menu);
  if (problem) throw new InputError(`Validation error: input.languageMenu: ${problem}`);
  return menu;
}

/** A RoutingConfigInput as the configuration service takes it. */
export function routingPatchOf<
  T extends { businessHours?: BusinessHoursInputShape | null; languageMenu?: LanguageMenuOptionInputShape[] | null },
>(input: T) {
  return {
    ...input,
    businessHours: input.businessHours ? toBusinessHours(input.businessHours) : null,
    languageMenu: input.languageMenu ? toLanguageMenu(input.languageMenu) : null,
  };
}

/** A skill expression argument, parsed, or a clear error naming the argument. */
export function skillExpressionArg(name: string, text: string): SkillExpression {
  const parsed = parseSkillExpression(text);
  if (!parsed.ok) throw new InputError(`Validation error: ${name}: ${parsed.error}`);
  return parsed.expression;
}

export const BusinessHoursInput = builder.inputType('BusinessHoursInput', {
  description: 'Weekly opening hours and closures in an IANA time zone; correct across DST changes.',
  fields: (t) => ({
    timeZone: t.string({ required: true }),
    weekly: t.field({ type: [OpeningHoursInput], required: true }),
    closures: t.field({ type: [ClosureInput] }),
  }),
});

export const RoutingConfigInput = builder.inputType('RoutingConfigInput', {
  description: 'Fields left out (or null) keep their current value.',
  fields: (t) => ({
    mode: t.field({ type: RoutingModeEnum }),
    ringTimeoutSeconds: t.int({ description: 'Seconds a <Dial> rings (5-120).', validate: ringTimeoutSeconds.optional().nullable() }),
    ringTone: t.string({
      description: 'Ringback tone the caller hears (Telnyx ringTone, e.g. us, uk, es, mx).',
      validate: ringTone.optional().nullable(),
    }),
    fallbackKind: t.field({ type: FallbackKindEnum }),
    fallbackNumber: t.string({
      description:
        "E.164 number for fallbackKind (and afterHoursKind) NUMBER. Refused: premium-rate, shared-cost and similar numbers, destinations known for revenue share fraud, the company's own numbers and numbers of other companies here.",
      validate: e164.optional().nullable(),
    }),
    voicemailGreeting: t.string({ validate: spokenText.optional().nullable() }),
    voicemailMaxSeconds: t.int({ validate: voicemailMaxSeconds.optional().nullable() }),
    greetingLanguage: t.string({ description: 'BCP-47 language of prompts, e.g. en-US, es-MX.', validate: language.optional().nullable() }),
    allowUnregisteredSoftphones: t.boolean({ description: 'Route to agents whose Telnyx client is not registered (demo, tests).' }),
    progressiveStepSeconds: t.int({
      description: 'PROGRESSIVE: seconds between adding one more agent (5-120).',
      validate: z.number().int().min(5).max(120).nullish(),
    }),
    maxHuntSeconds: t.int({
      description: 'Longest a hunt rings before the fallback (10-600).',
      validate: z.number().int().min(10).max(600).nullish(),
    }),
    wrapUpSeconds: t.int({
      description: 'Seconds in WRAP_UP after a call, then AVAILABLE (0-3600, 0 = none).',
      validate: z.number().int().min(0).max(3600).nullish(),
    }),
    autoPauseAfterMisses: t.int({
      description: 'Missed offers in a row that put an agent ON_BREAK (0 = never, up to 20).',
      validate: z.number().int().min(0).max(20).nullish(),
    }),
    businessHours: t.field({ type: BusinessHoursInput, description: 'Opening hours; see clearBusinessHours to remove them.' }),
    clearBusinessHours: t.boolean({ description: 'Remove the schedule: always open.' }),
    afterHoursKind: t.field({ type: FallbackKindEnum, description: 'What callers get outside business hours.' }),
    afterHoursGreeting: t.string({ validate: spokenText.nullish() }),
    languageMenu: t.field({
      type: [LanguageMenuOptionInput],
      description: 'The language menu (up to 9 options); an empty list removes it. The choice becomes a required skill.',
    }),
    widenAfterSeconds: t.int({
      description: 'Seconds from the start of a call after which a skill nobody can meet is dropped (0-3600).',
      validate: z.number().int().min(0).max(3600).nullish(),
    }),
    clearWidening: t.boolean({ description: 'Never widen: a skill nobody can meet goes to the fallback.' }),
  }),
});

const FallbackReasonEnum = builder.enumType('FallbackReason', {
  values: {
    NO_AGENTS: { description: 'Nobody routable.' },
    HUNT_EXHAUSTED: { description: 'Every agent was offered, or maxHuntSeconds ran out.' },
    AFTER_HOURS: { description: 'Outside business hours or on a closure.' },
  } as const,
});

const RouteDecisionEnum = builder.enumType('RouteDecision', {
  values: {
    RING: { description: 'Ring the targets (all at once).' },
    WAIT: { description: 'Hold the caller: nobody with the required skill yet, widening after widenAfterSeconds.' },
    FALLBACK: { description: 'Go to the fallback.' },
    QUEUE: { description: 'Nobody is free, but agents who can take the call will be: the caller waits in the queue (see `queue`).' },
  } as const,
});

const SkipReasonEnum = builder.enumType('SkipReason', {
  description:
    'Why an agent would not ring. NO_SIP_TARGET: calls have nothing trustworthy to dial (with Telnyx: no credential, or its SIP username unknown; see Agent.provisioning).',
  values: [
    'CLOSED',
    'DISABLED',
    'NO_SIP_TARGET',
    'OFFLINE',
    'NOT_REGISTERED',
    'ON_BREAK',
    'WRAP_UP',
    'ON_CALL',
    'LACKS_SKILL',
    'RESERVED',
    'ALREADY_OFFERED',
    'DIAL_LIMIT',
  ] as const satisfies readonly SkipReason[],
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
  decision: 'RING' | 'WAIT' | 'FALLBACK' | 'QUEUE';
  queue: QueuePreview | null;
  holdSeconds: number | null;
  widened: boolean;
  fallback: RoutingPolicy['fallbackKind'] | null;
  fallbackReason: 'NO_AGENTS' | 'HUNT_EXHAUSTED' | 'AFTER_HOURS' | null;
  ringTimeoutSeconds: number | null;
  targets: AgentPresence[];
  skipped: { presence: AgentPresence; reason: SkipReason; detail: string }[];
  texml: string;
  at: Date;
};

const QueueDecisionEnum = builder.enumType('QueueDecision', {
  values: {
    WAIT: { description: 'The caller waits in the queue.' },
    OVERFLOW: { description: 'The queue is full: the caller goes to its overflow target.' },
    FALLBACK: { description: 'The queue does not take the caller (see reason): the fallback applies.' },
  } as const,
});

const QueueReasonEnum = builder.enumType('QueueDecisionReason', {
  values: {
    ALL_BUSY: { description: 'Every agent who can take the call is on a call, ringing or in wrap-up.' },
    FULL: { description: 'The queue holds maxSize callers already.' },
    NOT_WAITING: { description: 'The queue does not hold callers (waitEnabled is false).' },
    NO_REST: { description: "Offering a waiting caller needs Telnyx's REST API (TELNYX_API_KEY), which this deployment lacks." },
    NO_AGENTS: { description: 'Nobody who can take the call is logged in (and the queue does not wait for agents).' },
  } as const,
});

const QueuePreviewRef = builder.objectRef<QueuePreview>('QueuePreview').implement({
  description: 'What the queue would do with a call nobody is free for.',
  fields: (t) => ({
    queueId: t.exposeID('queueId'),
    queueName: t.exposeString('queueName'),
    decision: t.expose('decision', { type: QueueDecisionEnum }),
    reason: t.expose('reason', { type: QueueReasonEnum }),
    ableAgents: t.exposeInt('ableAgents', { description: 'Agents logged in who could take the call once free.' }),
    position: t.exposeInt('position', { nullable: true, description: 'WAIT: the place the caller would get (1 = next).' }),
    estimatedWaitSeconds: t.exposeInt('estimatedWaitSeconds', {
      nullable: true,
      description: 'WAIT: the estimate they would be told (null when nobody able is logged in).',
    }),
  }),
});

const RoutePreviewRef = builder.objectRef<Preview>('RoutePreview').implement({
  description: 'What the next call would get, and why each other agent would not ring.',
  authScopes: (p) => ({ supervisorOf: p.companyId }),
  fields: (t) => ({
    decision: t.expose('decision', { type: RouteDecisionEnum }),
    targets: t.field({
      type: [AgentPresenceRef],
      description: 'Agents that would ring, in order.',
      args: { first: t.arg.int(firstArg(LIST_BOUNDS.agents)) },
      complexity: costOfFirst(LIST_BOUNDS.agents),
      resolve: (p, args) => firstOf(p.targets, args.first, LIST_BOUNDS.agents),
    }),
    ringTimeoutSeconds: t.exposeInt('ringTimeoutSeconds', { nullable: true }),
    holdSeconds: t.exposeInt('holdSeconds', {
      nullable: true,
      description: 'WAIT: seconds until the call widens to agents without the skill.',
    }),
    widened: t.exposeBoolean('widened', { description: 'The skill requirement was dropped (the call waited widenAfterSeconds).' }),
    fallback: t.expose('fallback', { type: FallbackKindEnum, nullable: true }),
    fallbackReason: t.expose('fallbackReason', { type: FallbackReasonEnum, nullable: true }),
    queue: t.field({
      type: QueuePreviewRef,
      nullable: true,
      description:
        "Nobody free: what the call's queue does with it (QUEUE: it waits; else why it does not). Null when it rings someone or it is after hours.",
      resolve: (p) => p.queue,
    }),
    skipped: t.field({
      type: [SkippedAgentRef],
      args: { first: t.arg.int(firstArg(LIST_BOUNDS.agents)) },
      complexity: costOfFirst(LIST_BOUNDS.agents),
      resolve: (p, args) => firstOf(p.skipped, args.first, LIST_BOUNDS.agents),
    }),
    texml: t.exposeString('texml', { description: 'The exact TeXML the voice webhook would answer.' }),
    at: t.expose('at', { type: 'DateTime' }),
  }),
});

// Business hours turn `at` into local calendar days and search forward for the next opening: near the
// ends of the Date range (±8.64e15 ms) that runs off it. Four-digit years are plenty for a preview.
const PREVIEW_EARLIEST = new Date('1970-01-01T00:00:00.000Z');
const PREVIEW_LATEST = new Date('9999-12-31T23:59:59.999Z');
const previewInstant = z
  .date()
  .min(PREVIEW_EARLIEST, 'must be on or after 1970-01-01T00:00:00Z')
  .max(PREVIEW_LATEST, 'must be on or before 9999-12-31T23:59:59Z')
  .nullish();

builder.queryField('routePreview', (t) =>
  t.field({
    type: RoutePreviewRef,
    description:
      "The plan for a hypothetical call now (or at `at`, with the agents' current presence), and why each other agent would not ring.",
    args: {
      companyId: t.arg.id({ required: true }),
      from: t.arg.string(),
      to: t.arg.string({ description: 'The number called: its skill requirement applies unless `skills` is given.' }),
      at: t.arg({
        type: 'DateTime',
        description: 'When the call arrives (business hours are evaluated then), between 1970-01-01 and 9999-12-31 UTC. Default: now.',
        validate: previewInstant,
      }),
      skills: t.arg.string({ description: 'Skill expression the call requires, e.g. "es" or "billing>=5 & (en | es)"; "" = none.' }),
      waitedSeconds: t.arg.int({
        description: 'How long the call has already waited (widening).',
        validate: z.number().int().min(0).max(86_400).nullish(),
      }),
    },
    authScopes: (_root, args) => ({ supervisorOf: String(args.companyId) }),
    resolve: async (_root, args, ctx) => {
      const company = await requireCompany(ctx, String(args.companyId));
      const now = args.at ? args.at.getTime() : ctx.services.clock.now();
      const requiredSkills = args.skills == null ? undefined : args.skills.trim() === '' ? null : skillExpressionArg('skills', args.skills);
      const { plan, texml, queue } = ctx.services.calls.preview(
        company,
        { from: args.from, to: args.to, requiredSkills, ageSeconds: args.waitedSeconds ?? 0 },
        now,
      );
      const presence = new Map(ctx.services.presence.presenceOf(company).map((p) => [p.agentId, p]));
      return {
        companyId: company.id,
        decision: queue?.decision === 'WAIT' ? ('QUEUE' as const) : plan.kind,
        queue,
        fallback: plan.kind === 'FALLBACK' ? plan.fallback : null,
        fallbackReason: plan.kind === 'FALLBACK' ? plan.reason : null,
        ringTimeoutSeconds: plan.kind === 'RING' ? plan.timeoutSeconds : null,
        holdSeconds: plan.kind === 'WAIT' ? plan.seconds : null,
        widened: plan.kind === 'RING' && plan.widened,
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
      await ctx.services.configuration.updateRoutingConfig(String(companyId), routingPatchOf(input), actorIn(ctx));
      const company = await requireCompany(ctx, String(companyId));
      return { companyId: company.id, ...company.policy };
    },
  }),
);
