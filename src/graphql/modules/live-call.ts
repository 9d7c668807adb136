/**
 * Live calls and in-call control in GraphQL (docs/IN-CALL.md): `liveCalls` and `liveCallsChanged` (who
 * is talking to whom, held, consulting, supervised, recorded), and the commands on a call in progress:
 * hold and resume, cold transfer, consult (warm transfer) then complete, cancel or merge into a 3-way
 * call, add or drop a party, hang up, supervise (listen, whisper, barge) and record. Agents act on the
 * calls they are on; supervisors of the company on any of its calls; supervision is audited. The rules
 * are src/domain/live-call.ts's; each refusal is a GraphQL error that says why.
 */
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import { costOfCapped, costOfFirst, FIXED_LIST_BOUNDS, firstArg, LIST_BOUNDS } from '../list-bounds.js';
import { deliver } from '../shared-subscriptions.js';
import type { Actor, CallTarget, Party, RoomCommand } from '../../domain/live-call.js';
import { e164 } from '../../domain/validation.js';
import { InputError, NotFoundError } from '../../services/errors.js';
import type { LiveCallsView, LiveCallView } from '../../services/live-calls.js';
import type { DirectoryCompany } from '../../services/directory.js';
import { actorIn, requireCompany } from './common.js';

const LiveCallStateEnum = builder.enumType('LiveCallState', {
  description: 'Where a call in progress stands.',
  values: {
    RINGING: { description: 'Ringing agents (or deciding where to go).' },
    WAITING: { description: 'Waiting in a queue.' },
    CONNECTING: { description: 'Answered; caller and agent are being moved into the call’s conference.' },
    TALKING: { description: 'The caller and one agent talk (or a plain bridge without in-call control).' },
    HELD: { description: 'The caller is on hold, hearing music.' },
    CONSULTING: { description: 'The caller holds while the agent consults a transfer target.' },
    CONFERENCED: { description: 'More than one agent or party talks with the caller (a 3-way call, a barging supervisor).' },
    ENDED: { description: 'The call has left its room.' },
  } as const,
});

const PartyRoleEnum = builder.enumType('CallPartyRole', {
  values: {
    CALLER: { description: 'The customer: the inbound caller, or whom an outbound call rang.' },
    AGENT: { description: 'An agent handling the call.' },
    CONSULT: { description: 'A transfer target being consulted while the caller holds.' },
    PARTICIPANT: { description: 'A third party added to the call.' },
    SUPERVISOR: { description: 'A supervisor listening, whispering or barging from a softphone.' },
  } as const,
});

const SuperviseModeEnum = builder.enumType('SuperviseMode', {
  values: {
    LISTEN: { description: 'Muted: nobody hears the supervisor.' },
    WHISPER: { description: 'Only the handling agent hears the supervisor (coaching).' },
    BARGE: { description: 'Everyone hears the supervisor.' },
  } as const,
});

const RecordingStatusEnum = builder.enumType('CallRecordingStatus', {
  values: {
    OFF: {},
    RECORDING: {},
    PAUSED: { description: 'Paused (e.g. while card details are read out): the pause is not in the audio.' },
  } as const,
});

const RecordingActionEnum = builder.enumType('CallRecordingAction', {
  values: { START: {}, PAUSE: {}, RESUME: {}, STOP: {} } as const,
});

const PartyStatusEnum = builder.enumType('CallPartyStatus', {
  values: { RINGING: {}, CONNECTED: {} } as const,
});

const CallPartyRef = builder.objectRef<Party>('CallParty').implement({
  description: 'Someone in a call’s conference.',
  // Reached only through a LiveCall, which checks the company.
  authScopes: { authenticated: true },
  fields: (t) => ({
    label: t.exposeString('label', { description: 'Names the party in dropParticipant.' }),
    role: t.field({ type: PartyRoleEnum, resolve: (p) => p.role }),
    agentId: t.exposeID('agentId', { nullable: true, description: 'The agent (or the supervisor’s softphone) when the party is one.' }),
    number: t.exposeString('number', { nullable: true, description: 'The phone number of a customer or an external party.' }),
    status: t.field({ type: PartyStatusEnum, resolve: (p) => (p.status === 'CONNECTED' ? 'CONNECTED' : 'RINGING') }),
    held: t.exposeBoolean('held'),
    muted: t.exposeBoolean('muted'),
    supervise: t.field({ type: SuperviseModeEnum, nullable: true, resolve: (p) => p.supervise }),
    joinedAt: t.field({ type: 'DateTime', nullable: true, resolve: (p) => (p.joinedAt === null ? null : new Date(p.joinedAt)) }),
  }),
});

const LiveCallRef = builder.objectRef<LiveCallView>('LiveCall').implement({
  description: 'A call in progress.',
  authScopes: (c) => ({ memberOf: c.companyId }),
  fields: (t) => ({
    callSid: t.exposeID('callSid'),
    companyId: t.exposeID('companyId'),
    from: t.exposeString('from'),
    to: t.exposeString('to'),
    queueId: t.exposeID('queueId', { nullable: true }),
    state: t.field({ type: LiveCallStateEnum, resolve: (c) => c.state }),
    startedAt: t.field({ type: 'DateTime', resolve: (c) => c.startedAt }),
    answeredAt: t.field({ type: 'DateTime', nullable: true, resolve: (c) => c.answeredAt }),
    agentId: t.exposeID('agentId', { nullable: true, description: 'The agent handling the call now.' }),
    controllable: t.exposeBoolean('controllable', { description: 'In-call actions are possible (the call is in its conference).' }),
    recording: t.field({ type: RecordingStatusEnum, resolve: (c) => c.recording }),
    parties: t.field({
      type: [CallPartyRef],
      description: 'Everyone in the call now (or ringing to join it).',
      complexity: costOfCapped(FIXED_LIST_BOUNDS.roomParties),
      resolve: (c) => c.parties,
    }),
  }),
});

const LiveCallsViewRef = builder.objectRef<LiveCallsView>('LiveCallsView').implement({
  authScopes: (v) => ({ memberOf: v.companyId }),
  fields: (t) => ({
    companyId: t.exposeID('companyId'),
    at: t.field({ type: 'DateTime', resolve: (v) => v.at }),
    calls: t.field({
      type: [LiveCallRef],
      complexity: costOfFirst(LIST_BOUNDS.liveCalls),
      args: { first: t.arg.int(firstArg(LIST_BOUNDS.liveCalls)) },
      resolve: (v, args) => v.calls.slice(0, args.first ?? LIST_BOUNDS.liveCalls.default),
    }),
  }),
});

const CallTargetInput = builder.inputType('CallTargetInput', {
  description: 'Exactly one of: an agent of the company, a queue of the company, or an E.164 phone number.',
  fields: (t) => ({
    agentId: t.id(),
    queueId: t.id(),
    number: t.string({ description: 'E.164, e.g. +13055550100.' }),
  }),
});

type TargetShape = { agentId?: string | number | null; queueId?: string | number | null; number?: string | null };

function targetOf(input: TargetShape, field = 'to'): CallTarget {
  const given = [input.agentId, input.queueId, input.number].filter((v) => v !== null && v !== undefined && v !== '');
  if (given.length !== 1) throw new InputError(`Validation error: ${field}: give exactly one of agentId, queueId or number`);
  if (input.agentId) return { kind: 'agent', agentId: String(input.agentId) };
  if (input.queueId) return { kind: 'queue', queueId: String(input.queueId) };
  const parsed = e164.safeParse(input.number);
  if (!parsed.success)
    throw new InputError(`Validation error: ${field}.number: ${parsed.error.issues[0]?.message ?? 'not an E.164 number'}`);
  return { kind: 'number', number: parsed.data };
}

/** The company of a call in progress, for scope checks ('' when unknown, which no scope admits). */
async function companyOfCall(ctx: Context, callSid: string): Promise<string> {
  return (await ctx.services.calls.companyOfCall(callSid).catch(() => null)) ?? '';
}

function actorOfViewer(ctx: Context): Actor {
  const viewer = ctx.viewer!;
  return viewer.role === 'agent' ? { kind: 'agent', agentId: viewer.agentId } : { kind: 'supervisor' };
}

/** Runs the command on the call and answers the call as it is now, or the refusal as a GraphQL error. */
async function act(ctx: Context, callSid: string, command: RoomCommand): Promise<LiveCallView> {
  const companyId = await companyOfCall(ctx, callSid);
  if (!companyId) throw new NotFoundError('No call in progress with that callSid.');
  const company = await requireCompany(ctx, companyId);
  const result = await ctx.services.calls.roomCommand(company, callSid, command, actorOfViewer(ctx));
  if (!result.ok) throw new InputError(result.error);
  return viewOf(ctx, company, callSid);
}

function viewOf(ctx: Context, company: DirectoryCompany, callSid: string): LiveCallView {
  const view = ctx.services.liveCalls.call(company, callSid);
  if (!view) throw new NotFoundError('The call has ended.');
  return view;
}

builder.queryField('liveCalls', (t) =>
  t.field({
    type: LiveCallsViewRef,
    description: 'The company’s calls in progress: every call for its supervisors, the calls they are on for its agents.',
    args: { companyId: t.arg.id({ required: true }) },
    authScopes: (_root, args) => ({ memberOf: String(args.companyId) }),
    resolve: async (_root, args, ctx) => {
      const company = await requireCompany(ctx, String(args.companyId));
      return ctx.services.liveCalls.view(company, ctx.viewer?.role === 'agent' ? ctx.viewer.agentId : null);
    },
  }),
);

builder.subscriptionField('liveCallsChanged', (t) =>
  t.field({
    type: LiveCallsViewRef,
    description: 'liveCalls now, then again whenever a call or its room changes (at most four times a second).',
    args: { companyId: t.arg.id({ required: true }) },
    authScopes: (_root, args) => ({ memberOf: String(args.companyId) }),
    subscribe: async (_root, args, ctx) => {
      const company = await requireCompany(ctx, String(args.companyId));
      return deliver(ctx, ctx.services.liveCalls.feed(company.id, ctx.viewer?.role === 'agent' ? ctx.viewer.agentId : null));
    },
    resolve: (view: LiveCallsView) => view,
  }),
);

builder.mutationFields((t) => {
  const callSid = t.arg.id({ required: true, description: 'The caller’s CallSid (LiveCall.callSid).' });
  const to = t.arg({ type: CallTargetInput, required: true });
  /** A command on a call in progress: agents on the call and supervisors of its company. */
  const onCall = (description: string) => ({
    type: LiveCallRef,
    description,
    authScopes: async (_root: unknown, args: { callSid: string | number }, ctx: Context) => ({
      memberOf: await companyOfCall(ctx, String(args.callSid)),
    }),
  });
  return {
    holdCall: t.field({
      ...onCall('Puts the caller on hold: they hear the music and are not heard.'),
      args: { callSid },
      resolve: (_root, args, ctx) => act(ctx, String(args.callSid), { kind: 'hold' }),
    }),
    resumeCall: t.field({
      ...onCall('Brings the caller back from hold.'),
      args: { callSid },
      resolve: (_root, args, ctx) => act(ctx, String(args.callSid), { kind: 'resume' }),
    }),
    transferCall: t.field({
      ...onCall(
        'Cold transfer: the caller goes to an agent (rung as a hunt step: a miss goes on with the call’s queue), a queue, or a number; everyone else leaves the call.',
      ),
      args: { callSid, to },
      resolve: (_root, args, ctx) => act(ctx, String(args.callSid), { kind: 'cold-transfer', target: targetOf(args.to) }),
    }),
    consultCall: t.field({
      ...onCall(
        'Warm transfer, first step: the caller holds while the target (an agent or a number) is rung into the call to talk with the agent. Then completeTransfer, cancelConsult or mergeCall; a target that does not answer brings the caller back.',
      ),
      args: { callSid, to },
      resolve: (_root, args, ctx) => act(ctx, String(args.callSid), { kind: 'consult', target: targetOf(args.to) }),
    }),
    completeTransfer: t.field({
      ...onCall('Warm transfer, done: the consulted target takes the call and the agents who handed it over leave.'),
      args: { callSid },
      resolve: (_root, args, ctx) => act(ctx, String(args.callSid), { kind: 'complete-transfer' }),
    }),
    cancelConsult: t.field({
      ...onCall('Ends the consultation: the target leaves and the caller is back.'),
      args: { callSid },
      resolve: (_root, args, ctx) => act(ctx, String(args.callSid), { kind: 'cancel-consult' }),
    }),
    mergeCall: t.field({
      ...onCall('Turns the consultation into a 3-way call: the caller is back and everyone talks.'),
      args: { callSid },
      resolve: (_root, args, ctx) => act(ctx, String(args.callSid), { kind: 'merge' }),
    }),
    addParticipant: t.field({
      ...onCall('Rings an agent or a number into the call (a 3-way call, without holding the caller).'),
      args: { callSid, to },
      resolve: (_root, args, ctx) => act(ctx, String(args.callSid), { kind: 'add-participant', target: targetOf(args.to) }),
    }),
    dropParticipant: t.field({
      ...onCall('Hangs up one party (by its label) without ending the call for the others; the last agent leaving ends the call.'),
      args: { callSid, label: t.arg.string({ required: true, description: 'CallParty.label.' }) },
      resolve: (_root, args, ctx) => act(ctx, String(args.callSid), { kind: 'drop', label: args.label }),
    }),
    hangUpCall: t.field({
      ...onCall('Ends the call for everyone.'),
      args: { callSid },
      resolve: (_root, args, ctx) => act(ctx, String(args.callSid), { kind: 'hang-up' }),
    }),
    recordCall: t.field({
      ...onCall('Starts, pauses (e.g. while card details are read out), resumes or stops recording the call.'),
      args: { callSid, action: t.arg({ type: RecordingActionEnum, required: true }) },
      resolve: (_root, args, ctx) =>
        act(ctx, String(args.callSid), { kind: 'record', action: args.action.toLowerCase() as 'start' | 'pause' | 'resume' | 'stop' }),
    }),
  };
});

builder.mutationFields((t) => ({
  superviseCall: t.field({
    type: LiveCallRef,
    description:
      'A supervisor joins a call from a softphone (an agent of the company, e.g. their own): LISTEN muted, WHISPER heard by the agent only, BARGE heard by all. Called again, switches mode. Audited.',
    args: {
      callSid: t.arg.id({ required: true }),
      mode: t.arg({ type: SuperviseModeEnum, required: true }),
      softphoneAgentId: t.arg.id({ required: true, description: 'The agent whose softphone rings to join the call.' }),
    },
    authScopes: async (_root, args, ctx) => ({ supervisorOf: await companyOfCall(ctx, String(args.callSid)) }),
    resolve: async (_root, args, ctx) => {
      const callSid = String(args.callSid);
      const softphoneAgentId = String(args.softphoneAgentId);
      const view = await act(ctx, callSid, { kind: 'supervise', mode: args.mode, softphoneAgentId });
      await ctx.services.audit.record(actorIn(ctx), {
        companyId: view.companyId,
        action: `call.supervise.${args.mode.toLowerCase()}`,
        agentId: softphoneAgentId,
        extra: { callSid, handlingAgentId: view.agentId },
      });
      return view;
    },
  }),
  stopSupervising: t.field({
    type: LiveCallRef,
    description: 'The supervisor’s softphone leaves the call. Audited.',
    args: { callSid: t.arg.id({ required: true }), softphoneAgentId: t.arg.id({ required: true }) },
    authScopes: async (_root, args, ctx) => ({ supervisorOf: await companyOfCall(ctx, String(args.callSid)) }),
    resolve: async (_root, args, ctx) => {
      const callSid = String(args.callSid);
      const softphoneAgentId = String(args.softphoneAgentId);
      const view = await act(ctx, callSid, { kind: 'stop-supervising', softphoneAgentId });
      await ctx.services.audit.record(actorIn(ctx), {
        companyId: view.companyId,
        action: 'call.supervise.leave',
        agentId: softphoneAgentId,
        extra: { callSid },
      });
      return view;
    },
  }),
}));

const StartCallInput = builder.inputType('StartCallInput', {
  fields: (t) => ({
    to: t.string({ required: true, description: 'The number to call, E.164 (e.g. +13055550100).' }),
    agentId: t.id({ description: 'The agent whose softphone places the call; an agent’s own token may leave it out (itself).' }),
    callerId: t.string({ description: 'One of the company’s numbers, shown to the customer; default: the company’s first number.' }),
  }),
});

builder.mutationField('startCall', (t) =>
  t.field({
    type: LiveCallRef,
    description:
      'Click-to-call: the agent’s softphone rings first; once the agent answers, the customer is dialed into the call with the chosen caller ID. The call is logged as outbound and shown like any other; in-call actions work on it (a cold transfer excepted, for now).',
    args: { input: t.arg({ type: StartCallInput, required: true }) },
    authScopes: async (_root, args, ctx) => {
      const viewer = ctx.viewer;
      const agentId = args.input.agentId ? String(args.input.agentId) : viewer?.role === 'agent' ? viewer.agentId : null;
      if (!agentId) return false;
      // An agent places calls from its own softphone only; supervisors and the CRM from any of the company's.
      if (viewer?.role === 'agent') return { self: agentId };
      const found = await ctx.services.directory.agent(agentId);
      return { supervisorOf: found?.company.id ?? '' };
    },
    resolve: async (_root, args, ctx) => {
      const viewer = ctx.viewer!;
      const agentId = args.input.agentId ? String(args.input.agentId) : viewer.role === 'agent' ? viewer.agentId : '';
      const found = await ctx.services.directory.agent(agentId);
      if (!found) throw new NotFoundError('agent not found');
      const to = e164.safeParse(args.input.to);
      if (!to.success) throw new InputError(`Validation error: input.to: ${to.error.issues[0]?.message ?? 'not an E.164 number'}`);
      const numbers = (
        await ctx.services.db.phoneNumber.findMany({
          where: { companyId: found.company.id },
          select: { e164: true },
          orderBy: { createdAt: 'asc' },
        })
      ).map((n) => n.e164);
      const callerId = args.input.callerId ?? numbers[0];
      if (!callerId) throw new InputError('Validation error: input.callerId: the company has no number to call from');
      if (!numbers.includes(callerId))
        throw new InputError(`Validation error: input.callerId: must be one of the company's numbers (${numbers.slice(0, 5).join(', ')})`);
      const placed = await ctx.services.calls.startOutbound(found.company, { agentId, to: to.data, callerId });
      if (!placed.ok) throw new InputError(placed.error);
      return viewOf(ctx, found.company, placed.callSid);
    },
  }),
);
