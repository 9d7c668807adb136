/**
 * Call reports and the call log's export: reads a company's CallLog rows of a window in keyset pages
 * over (companyId, startedAt) and feeds them to the pure report (src/domain/call-report.ts) or to a
 * consumer (the CSV export), so memory holds one page and one tally per group, never the window.
 *
 * Why pages rather than GROUP BY in SQL: every figure (offered, service level per queue threshold,
 * missed offers, local DST-correct hours) is defined once, in the pure core, and tested there against
 * a hand-computed fixture; written again in SQL the two would drift. The cost is reading the window's
 * rows (a few narrow columns, REPORT_PAGE_SIZE at a time through the index); SQL grouping would be the
 * next step if a month's report of a very large company ever needs to be faster than that.
 */
import { type CallReport, CallReportAccumulator, type ReportCall, type ReportGroup } from '../domain/call-report.js';
import type { Db } from '../infra/db.js';
import type { DirectoryCompany } from './directory.js';
import { InputError } from './errors.js';

/** Rows read per page. */
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

export function reportCallOf(row: CallLogRow): ReportCall {
  return {
    startedAt: row.startedAt.getTime(),
    answeredAt: row.answeredAt?.getTime() ?? null,
    endedAt: row.endedAt?.getTime() ?? null,
    outcome: row.outcome,
    answeredAgentId: row.answeredAgentId,
    offeredAgentIds: row.offeredAgentIds,
    queueId: row.queueId,
    waitSeconds: row.waitSeconds,
    to: row.to,
  };
}

export class ReportService {
  constructor(private readonly deps: { db: Db; pageSize?: number }) {}

  /** The report of the company's calls that started in [from, to). */
  async report(company: DirectoryCompany, from: Date, to: Date, groupBy: ReportGroup, abandonedShortSeconds?: number): Promise<CallReport> {
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
    for await (const page of this.pages(company.id, from, to)) for (const row of page) acc.add(reportCallOf(row));
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
