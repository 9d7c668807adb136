import type { Voicemail } from '../../generated/prisma/client.js';
import { builder } from '../builder.js';
import { requireCompany } from './common.js';
import { deliver } from '../shared-subscriptions.js';
import { costOfFirst, firstArg, LIST_BOUNDS } from '../list-bounds.js';

builder.prismaObject('Voicemail', {
  authScopes: (vm) => ({ supervisorOf: vm.companyId }),
  fields: (t) => ({
    id: t.exposeID('id'),
    companyId: t.exposeID('companyId'),
    callSid: t.exposeString('callSid'),
    from: t.exposeString('from', { description: 'Caller number.' }),
    to: t.exposeString('to', { description: 'The number that was called.' }),
    recordingUrl: t.exposeString('recordingUrl', { description: "Telnyx's URL (valid for 10 minutes after the call)." }),
    durationSeconds: t.exposeInt('durationSeconds'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('voicemails', (t) =>
  t.prismaField({
    type: ['Voicemail'],
    description: 'Newest first.',
    args: { companyId: t.arg.id({ required: true }), first: t.arg.int(firstArg(LIST_BOUNDS.voicemails)) },
    complexity: costOfFirst(LIST_BOUNDS.voicemails),
    authScopes: (_root, args) => ({ supervisorOf: String(args.companyId) }),
    resolve: (query, _root, args, ctx) =>
      ctx.services.db.voicemail.findMany({
        ...query,
        where: { companyId: String(args.companyId) },
        orderBy: { createdAt: 'desc' },
        take: args.first ?? LIST_BOUNDS.voicemails.default,
      }),
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
