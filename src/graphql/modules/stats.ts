import { builder } from '../builder.js';
import type { AgentsByState } from '../../domain/stats.js';
import type { CompanyStatsView } from '../../services/stats-service.js';
import { requireCompany } from './common.js';
import { deliver } from '../shared-subscriptions.js';

const AgentsByStateRef = builder.objectRef<AgentsByState>('AgentsByState').implement({
  description: 'Each agent counted once, in the first state that applies: offline, on a call, ringing, on break, wrap-up, available.',
  fields: (t) => ({
    available: t.exposeInt('available'),
    ringing: t.exposeInt('ringing'),
    onCall: t.exposeInt('onCall'),
    wrapUp: t.exposeInt('wrapUp'),
    onBreak: t.exposeInt('onBreak'),
    offline: t.exposeInt('offline'),
    total: t.exposeInt('total'),
  }),
});

const CompanyStatsRef = builder.objectRef<CompanyStatsView>('CompanyStats').implement({
  description: "Live figures of one company; 'today' is the company's local day.",
  authScopes: (s) => ({ supervisorOf: s.companyId }),
  fields: (t) => ({
    companyId: t.exposeID('companyId'),
    at: t.expose('at', { type: 'DateTime' }),
    agents: t.field({ type: AgentsByStateRef, resolve: (s) => s.agents }),
    callsWaiting: t.exposeInt('callsWaiting', { description: 'In the language menu or on hold, not ringing anyone.' }),
    callsRinging: t.exposeInt('callsRinging'),
    callsActive: t.exposeInt('callsActive', { description: 'Answered and not yet ended.' }),
    longestWaitSeconds: t.exposeInt('longestWaitSeconds', { description: 'Age of the oldest unanswered call in progress.' }),
    answeredToday: t.exposeInt('answeredToday'),
    missedToday: t.exposeInt('missedToday', { description: 'Ended without an agent while open: voicemail, forwarded, abandoned.' }),
    afterHoursToday: t.exposeInt('afterHoursToday'),
    averageAnswerSeconds: t.exposeFloat('averageAnswerSeconds', {
      nullable: true,
      description: "Mean seconds from arrival to answer over today's answered calls.",
    }),
  }),
});

builder.queryField('companyStats', (t) =>
  t.field({
    type: CompanyStatsRef,
    args: { companyId: t.arg.id({ required: true }) },
    authScopes: (_root, args) => ({ supervisorOf: String(args.companyId) }),
    resolve: async (_root, args, ctx) => ctx.services.stats.stats(await requireCompany(ctx, String(args.companyId))),
  }),
);

builder.subscriptionField('companyStatsChanged', (t) =>
  t.field({
    type: CompanyStatsRef,
    description: 'The figures now, then again whenever presence or a call changes (at most four times a second).',
    args: { companyId: t.arg.id({ required: true }) },
    authScopes: (_root, args) => ({ supervisorOf: String(args.companyId) }),
    subscribe: async (_root, args, ctx) => deliver(ctx, ctx.services.stats.feed((await requireCompany(ctx, String(args.companyId))).id)),
    resolve: (stats: CompanyStatsView) => stats,
  }),
);
