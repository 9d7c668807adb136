import { GraphQLError } from 'graphql';
import { z } from 'zod';
import { parseMailbox } from '../../domain/recordings.js';
import type { Voicemail } from '../../generated/prisma/client.js';
import { VoicemailService } from '../../services/voicemail-service.js';
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import { actorIn, requireCompany } from './common.js';
import { deliver } from '../shared-subscriptions.js';
import { costOfFirst, firstArg, LIST_BOUNDS } from '../list-bounds.js';

const RecordingStatusEnum = builder.enumType('RecordingStatus', {
  description: 'Where our copy of a recording stands (docs/RECORDINGS.md).',
  values: ['PENDING', 'STORED', 'FAILED', 'DELETED'] as const,
});

builder.prismaObject('Voicemail', {
  authScopes: (vm) => ({ supervisorOf: vm.companyId }),
  fields: (t) => ({
    id: t.exposeID('id'),
    companyId: t.exposeID('companyId'),
    callSid: t.exposeString('callSid'),
    from: t.exposeString('from', { description: 'Caller number.' }),
    to: t.exposeString('to', { description: 'The number that was called.' }),
    recordingUrl: t.exposeString('recordingUrl', {
      description: "Telnyx's URL (valid for 10 minutes after the call).",
      deprecationReason: 'Expires 10 minutes after the call: play audioUrl instead.',
    }),
    audioUrl: t.string({
      nullable: true,
      description:
        'A fresh link to our copy of the audio (relative to the API, valid 15 minutes); null until it is stored, or once retention deleted it.',
      select: { recording: { select: { id: true, companyId: true, status: true } } },
      resolve: (vm, _args, ctx) => (vm.recording ? ctx.services.recordings.signedUrl(vm.companyId, vm.recording) : null),
    }),
    recordingStatus: t.field({
      type: RecordingStatusEnum,
      nullable: true,
      description: 'Our copy of the audio: PENDING while it is downloaded; null for voicemails from before recordings were kept.',
      select: { recording: { select: { status: true } } },
      resolve: (vm) => vm.recording?.status ?? null,
    }),
    durationSeconds: t.exposeInt('durationSeconds'),
    transcription: t.exposeString('transcription', { nullable: true, description: "Telnyx's transcription, once it came." }),
    language: t.exposeString('language', { nullable: true, description: 'The language it was transcribed in.' }),
    queueId: t.exposeID('queueId', { nullable: true, description: "The mailbox: the caller's queue (null = the default queue)." }),
    agentId: t.exposeID('agentId', { nullable: true, description: 'The mailbox when the call was for one agent.' }),
    read: t.boolean({ resolve: (vm) => vm.readAt !== null }),
    readAt: t.expose('readAt', { type: 'DateTime', nullable: true }),
    handled: t.boolean({ resolve: (vm) => vm.handledAt !== null }),
    handledAt: t.expose('handledAt', { type: 'DateTime', nullable: true }),
    handledBy: t.exposeString('handledBy', { nullable: true, description: 'Who marked it handled (their token subject).' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const searchText = z.string().trim().max(200, 'search is at most 200 characters').nullish();
const mailboxText = z
  .string()
  .refine((value) => parseMailbox(value) !== null, 'mailbox must be queue:<id> or agent:<id>')
  .nullish();

builder.queryField('voicemails', (t) =>
  t.prismaField({
    type: ['Voicemail'],
    description: 'Newest first; filtered by mailbox, words (transcription or numbers), unread or unhandled.',
    args: {
      companyId: t.arg.id({ required: true }),
      first: t.arg.int(firstArg(LIST_BOUNDS.voicemails)),
      search: t.arg.string({ description: 'Words in the transcription, or part of a number.', validate: searchText }),
      mailbox: t.arg.string({ description: '`queue:<id>` or `agent:<id>`.', validate: mailboxText }),
      unreadOnly: t.arg.boolean(),
      unhandledOnly: t.arg.boolean(),
    },
    complexity: costOfFirst(LIST_BOUNDS.voicemails),
    authScopes: (_root, args) => ({ supervisorOf: String(args.companyId) }),
    resolve: async (query, _root, args, ctx) => {
      const companyId = String(args.companyId);
      const mailbox = args.mailbox ? parseMailbox(args.mailbox) : null;
      const defaultQueueId =
        mailbox?.kind === 'queue' ? ((await requireCompany(ctx, companyId)).queues.find((q) => q.isDefault)?.id ?? null) : null;
      return ctx.services.db.voicemail.findMany({
        ...query,
        where: VoicemailService.whereOf(
          companyId,
          { search: args.search, mailbox, unreadOnly: args.unreadOnly ?? false, unhandledOnly: args.unhandledOnly ?? false },
          defaultQueueId,
        ),
        orderBy: { createdAt: 'desc' },
        take: args.first ?? LIST_BOUNDS.voicemails.default,
      });
    },
  }),
);

/** The company a voicemail belongs to, for scope checks ('' when unknown, which no scope admits). */
async function companyOfVoicemail(ctx: Context, id: string): Promise<string> {
  const row = await ctx.services.db.voicemail.findUnique({ where: { id }, select: { companyId: true } });
  return row?.companyId ?? '';
}

builder.queryField('voicemail', (t) =>
  t.prismaField({
    type: 'Voicemail',
    nullable: true,
    description: 'One voicemail, e.g. for a fresh audioUrl when the board plays it.',
    args: { id: t.arg.id({ required: true }) },
    authScopes: async (_root, args, ctx) => ({ supervisorOf: await companyOfVoicemail(ctx, String(args.id)) }),
    resolve: (query, _root, args, ctx) => ctx.services.db.voicemail.findUnique({ ...query, where: { id: String(args.id) } }),
  }),
);

builder.mutationField('markVoicemail', (t) =>
  t.prismaField({
    type: 'Voicemail',
    description: 'Marks a voicemail read/unread and handled/not handled (recorded in the audit trail).',
    args: { id: t.arg.id({ required: true }), read: t.arg.boolean(), handled: t.arg.boolean() },
    authScopes: async (_root, args, ctx) => ({ supervisorOf: await companyOfVoicemail(ctx, String(args.id)) }),
    resolve: async (query, _root, args, ctx) => {
      if (args.read == null && args.handled == null) throw new GraphQLError('markVoicemail: give read or handled (or both)');
      const id = String(args.id);
      const companyId = await companyOfVoicemail(ctx, id);
      await ctx.services.voicemails.mark(companyId, id, { read: args.read, handled: args.handled }, actorIn(ctx));
      return ctx.services.db.voicemail.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

builder.subscriptionField('voicemailReceived', (t) =>
  t.prismaField({
    type: 'Voicemail',
    args: { companyId: t.arg.id({ required: true }) },
    authScopes: (_root, args) => ({ supervisorOf: String(args.companyId) }),
    subscribe: async (_root, args, ctx) => {
      const company = await requireCompany(ctx, String(args.companyId));
      return deliver(ctx, ctx.services.voicemails.feed(company.id));
    },
    resolve: (_query, voicemail: Voicemail) => voicemail,
  }),
);
