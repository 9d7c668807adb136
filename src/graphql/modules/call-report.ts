/**
 * The call report: `callReport(companyId, from, to, groupBy)`, the figures of a company's call log
 * over a window grouped by local hour, local day, agent, queue or number. Definitions: README
 * §Reports and src/domain/call-report.ts; the service reads the log in pages (report-service.ts).
 */
import type { CallReport, ReportFigures, ReportGroup, ReportRow } from '../../domain/call-report.js';
import { z } from 'zod';
import { builder } from '../builder.js';
import { costOfFirst, firstArg, firstOf, LIST_BOUNDS } from '../list-bounds.js';
import { requireCompany } from './common.js';

/** The report and its parts carry their company, so each object's authScopes can check it again. */
type OfCompany<T> = T & { companyId: string };
interface CallReportView extends CallReport {
  companyId: string;
  from: Date;
  to: Date;
  groupBy: ReportGroup;
  timeZone: string;
}

export const ReportGroupEnum = builder.enumType('ReportGroup', {
  values: {
    HOUR: {
      description: "Local hours of the company's time zone (a fall-back day has two 01:00 rows, a spring-forward day none at 02:00).",
    },
    DAY: { description: "Local days of the company's time zone (23 to 25 hours long)." },
    AGENT: { description: 'Each agent offered or answering calls; a call offered to two agents is in both rows.' },
    QUEUE: { description: 'The queue each call belonged to (none: the default queue).' },
    NUMBER: { description: 'The company number called.' },
  } as const,
});

const FiguresRef = builder.objectRef<OfCompany<ReportFigures>>('CallReportFigures').implement({
  description: 'The figures of one group, or of the whole window. Definitions with their formulas: README §Reports.',
  authScopes: (f) => ({ supervisorOf: f.companyId }),
  fields: (t) => ({
    calls: t.exposeInt('calls', { description: 'Every call that started in the window, whatever its outcome (in progress included).' }),
    offered: t.exposeInt('offered', { description: 'Calls with a final outcome other than AFTER_HOURS, UNKNOWN and CALLBACK_PENDING.' }),
    answered: t.exposeInt('answered', { description: 'Outcome ANSWERED (AGENT rows: answered by that agent).' }),
    answeredInTime: t.exposeInt('answeredInTime', { description: "Answered within the serviceLevelSeconds of the call's queue." }),
    abandoned: t.exposeInt('abandoned', { description: 'The caller hung up before an agent answered.' }),
    abandonedShort: t.exposeInt('abandonedShort', {
      description: 'Abandoned at most abandonedShortSeconds after arriving (some of `abandoned`).',
    }),
    voicemail: t.exposeInt('voicemail'),
    forwarded: t.exposeInt('forwarded'),
    hungUp: t.exposeInt('hungUp', { description: "Nobody answered and the company's fallback hung up." }),
    afterHours: t.exposeInt('afterHours'),
    callbackFailed: t.exposeInt('callbackFailed'),
    serviceLevel: t.exposeFloat('serviceLevel', {
      nullable: true,
      description: 'answeredInTime ÷ offered (0-1); null when nothing was offered.',
    }),
    abandonRate: t.exposeFloat('abandonRate', { nullable: true, description: 'abandoned ÷ offered (0-1); null when nothing was offered.' }),
    averageAnswerSeconds: t.exposeFloat('averageAnswerSeconds', {
      nullable: true,
      description: 'ASA: mean of answeredAt − startedAt over answered calls; null when none.',
    }),
    averageHandleSeconds: t.exposeFloat('averageHandleSeconds', {
      nullable: true,
      description: 'AHT: mean of endedAt − answeredAt over answered calls that ended; null when none.',
    }),
    talkSeconds: t.exposeInt('talkSeconds', { description: 'Sum of endedAt − answeredAt over answered calls.' }),
    longestWaitSeconds: t.exposeInt('longestWaitSeconds', {
      description: "The longest of the calls' queue wait, time to answer and time to abandon.",
    }),
    missedOffers: t.exposeInt('missedOffers', {
      nullable: true,
      description: 'AGENT rows: calls offered to the agent that someone else or nobody answered; null elsewhere.',
    }),
    occupancy: t.exposeFloat('occupancy', {
      nullable: true,
      description: "AGENT rows: talkSeconds ÷ the window's seconds (not ÷ time logged in); null elsewhere.",
    }),
  }),
});

const RowRef = builder.objectRef<OfCompany<ReportRow>>('CallReportRow').implement({
  description: 'One group of the report.',
  authScopes: (r) => ({ supervisorOf: r.companyId }),
  fields: (t) => ({
    key: t.exposeString('key', {
      description: "HOUR: the hour's first instant (ISO); DAY: the local date; AGENT, QUEUE: the id ('' = none); NUMBER: the number.",
    }),
    label: t.exposeString('label', { description: 'HOUR: local date, hour and UTC offset; DAY: the local date; else a name.' }),
    start: t.field({
      type: 'DateTime',
      nullable: true,
      description: "HOUR and DAY: the group's first instant.",
      resolve: (r) => (r.start === null ? null : new Date(r.start)),
    }),
    end: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'HOUR and DAY: the next group’s first instant.',
      resolve: (r) => (r.end === null ? null : new Date(r.end)),
    }),
    figures: t.field({ type: FiguresRef, resolve: (r) => ({ ...r.figures, companyId: r.companyId }) }),
  }),
});

const CallReportRef = builder.objectRef<CallReportView>('CallReport').implement({
  description: "A company's calls that started in [from, to), grouped. Definitions: README §Reports.",
  authScopes: (r) => ({ supervisorOf: r.companyId }),
  fields: (t) => ({
    companyId: t.exposeID('companyId'),
    from: t.expose('from', { type: 'DateTime' }),
    to: t.expose('to', { type: 'DateTime' }),
    groupBy: t.field({ type: ReportGroupEnum, resolve: (r) => r.groupBy }),
    timeZone: t.exposeString('timeZone', { description: 'The zone of HOUR and DAY groups (the company’s).' }),
    rowCount: t.int({ description: 'How many rows the report has (rows returns the first `first`).', resolve: (r) => r.rows.length }),
    rows: t.field({
      type: [RowRef],
      description:
        'HOUR and DAY: every local hour or day of the window in order, calls or none; else by name, the no-agent/no-queue row last. ' +
        'Priced per row like any list: a long window by the hour may be over the query cost limit; GET /reports/report.csv has no such bound.',
      args: { first: t.arg.int(firstArg(LIST_BOUNDS.reportRows)) },
      complexity: costOfFirst(LIST_BOUNDS.reportRows),
      resolve: (r, args) => firstOf(r.rows, args.first, LIST_BOUNDS.reportRows).map((row) => ({ ...row, companyId: r.companyId })),
    }),
    totals: t.field({
      type: FiguresRef,
      description: 'Every call of the window counted once (not the sum of AGENT rows: a call offered to two agents is in both).',
      resolve: (r) => ({ ...r.totals, companyId: r.companyId }),
    }),
  }),
});

builder.queryField('callReport', (t) =>
  t.field({
    type: CallReportRef,
    description: 'Figures of the call log over [from, to) (at most 366 days), grouped (supervisor of the company, or admin).',
    args: {
      companyId: t.arg.id({ required: true }),
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true }),
      groupBy: t.arg({ type: ReportGroupEnum, required: true }),
      abandonedShortSeconds: t.arg.int({
        defaultValue: 10,
        description: 'An abandon this many seconds after arriving or sooner also counts as abandonedShort (0-600).',
        validate: z.number().int().min(0, 'must be at least 0').max(600, 'must be at most 600'),
      }),
    },
    authScopes: (_root, args) => ({ supervisorOf: String(args.companyId) }),
    resolve: async (_root, args, ctx) => {
      const company = await requireCompany(ctx, String(args.companyId));
      const report = await ctx.services.reports.report(company, args.from, args.to, args.groupBy, args.abandonedShortSeconds ?? undefined);
      return { ...report, companyId: company.id, from: args.from, to: args.to, groupBy: args.groupBy, timeZone: company.timeZone };
    },
  }),
);
