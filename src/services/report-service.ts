/**
 * Call reports and the call log's export. A report is summed by the database, one row per group
 * (report-query.ts), and turned into figures by the pure accumulator (src/domain/call-report.ts), so
 * the figures' arithmetic, labels and empty hours live in one place and a month of a large company
 * costs one aggregate statement rather than every row through Node (bench/notes.md). The export of the
 * log itself reads the window's rows in keyset pages over (companyId, startedAt), so memory holds one
 * page, never the window.
 */
import { type CallReport, CallReportAccumulator, DEFAULT_ABANDONED_SHORT_SECONDS, type ReportGroup } from '../domain/call-report.js';
import type { Db } from '../infra/db.js';
import { reportSums } from './report-query.js';
import { InputError } from './errors.js';

/** Rows read per page of an export. */
export const REPORT_PAGE_SIZE = 5_000;
/** The longest window a report or an export covers (a leap year). */
export const MAX_REPORT_WINDOW_DAYS = 366;

/** A CallLog row as reports and exports read it. */
export interface CallLogRow {
  id: string;
  callSid: string;
  from: string;
  to: string;
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
  outcome: string | null;
  answeredAgentId: string | null;
  offeredAgentIds: string[];
  queueId: string | null;
  waitSeconds: number | null;
  callbackRequested: boolean;
}

/** The window a report or export asks for, checked: [from, to), at most MAX_REPORT_WINDOW_DAYS. */
export function checkWindow(from: Date, to: Date): void {
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw new InputError('from and to must be instants');
  if (to.getTime() <= from.getTime()) throw new InputError('to must be after from');
  if (to.getTime() - from.getTime() > MAX_REPORT_WINDOW_DAYS * 86_400_000)
    throw new InputError(`a report covers at most ${MAX_REPORT_WINDOW_DAYS} days`);
}

/** What a report needs of a company (a DirectoryCompany is one). */
export interface ReportCompany {
  id: string;
  timeZone: string;
  queues: readonly { id: string; name: string; serviceLevelSeconds: number; isDefault: boolean }[];
  agents: readonly { id: string; displayName: string }[];
}

export class ReportService {
  constructor(private readonly deps: { db: Db; pageSize?: number }) {}

  /** The report of the company's calls that started in [from, to). */
  async report(company: ReportCompany, from: Date, to: Date, groupBy: ReportGroup, abandonedShortSeconds?: number): Promise<CallReport> {
    checkWindow(from, to);
    const names = new Map<string, string>();
    for (const q of company.queues) names.set(q.id, q.name);
    for (const a of company.agents) names.set(a.id, a.displayName);
    const acc = new CallReportAccumulator({
      groupBy,
      timeZone: company.timeZone,
      from: from.getTime(),
      to: to.getTime(),
      serviceLevelSeconds: new Map(company.queues.map((q) => [q.id, q.serviceLevelSeconds])),
      defaultQueueId: company.queues.find((q) => q.isDefault)?.id ?? null,
      names,
      ...(abandonedShortSeconds !== undefined && { abandonedShortSeconds }),
    });
    const query = {
      companyId: company.id,
      from,
      to,
      serviceLevelSeconds: acc.thresholds().byQueue,
      fallbackServiceLevelSeconds: acc.thresholds().fallbackSeconds,
      defaultQueueId: company.queues.find((q) => q.isDefault)?.id ?? null,
      abandonedShortSeconds: abandonedShortSeconds ?? DEFAULT_ABANDONED_SHORT_SECONDS,
    };
    for (const g of await reportSums(this.deps.db, { ...query, groupBy })) {
      if (g.agents) acc.addAgentSums(g.agents.offeredAgentIds, g.agents.answeredAgentId, g.sums, g.agents);
      else if (groupBy === 'HOUR' || groupBy === 'DAY') acc.addSumsAt(Number(g.key), g.sums);
      else acc.addGroupSums(g.key, g.sums);
      // Every group holds distinct calls (AGENT's too, before the split), so the totals are their sum.
      acc.addTotalSums(g.sums);
    }
    return acc.finish();
  }

  /**
   * The company's CallLog rows that started in [from, to), oldest first (ties by id), one page at a
   * time: each page is the next keyset range, so a long export never holds an offset or a snapshot.
   */
  async *pages(companyId: string, from: Date, to: Date): AsyncGenerator<CallLogRow[]> {
    checkWindow(from, to);
    const take = this.deps.pageSize ?? REPORT_PAGE_SIZE;
    let after: { startedAt: Date; id: string } | null = null;
    for (;;) {
      const page: CallLogRow[] = await this.deps.db.callLog.findMany({
        where: {
          companyId,
          // The index range starts at the last row read (not at `from`), so each page costs its own rows only.
          startedAt: { gte: after?.startedAt ?? from, lt: to },
          ...(after && { NOT: { startedAt: after.startedAt, id: { lte: after.id } } }),
        },
        orderBy: [{ startedAt: 'asc' }, { id: 'asc' }],
        take,
        select: {
          id: true,
          callSid: true,
          from: true,
          to: true,
          startedAt: true,
          answeredAt: true,
          endedAt: true,
          outcome: true,
          answeredAgentId: true,
          offeredAgentIds: true,
          queueId: true,
          waitSeconds: true,
          callbackRequested: true,
        },
      });
      if (page.length > 0) yield page;
      if (page.length < take) return;
      const last = page[page.length - 1]!;
      after = { startedAt: last.startedAt, id: last.id };
    }
  }
}
