/**
 * CSV exports of the call log and of call reports, streamed:
 *   GET /reports/calls.csv?companyId=&from=&to=            the CallLog rows of [from, to), oldest first
 *   GET /reports/report.csv?companyId=&from=&to=&groupBy=  callReport's rows, then its totals
 * Authenticated like the GraphQL API (the same bearer tokens, through the same AuthGate and its
 * failure limit) and allowed to the company's supervisors and the admin. Rows are written as the
 * pages arrive from the database, waiting for the socket to drain, so an export never sits in memory.
 */
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuthRefused, type AuthGate } from '../auth/auth-gate.js';
import { credentialFrom, type Viewer } from '../auth/tokens.js';
import type { ReportFigures, ReportGroup, ReportRow } from '../domain/call-report.js';
import type { Logger } from '../infra/logger.js';
import type { Services } from '../services/index.js';
import { type CallLogRow, checkWindow } from '../services/report-service.js';
import { AppError } from '../services/errors.js';
import type { HttpRoute } from './router.js';

export const CALLS_CSV_PATH = '/reports/calls.csv';
export const REPORT_CSV_PATH = '/reports/report.csv';

const REPORT_GROUPS: readonly ReportGroup[] = ['HOUR', 'DAY', 'AGENT', 'QUEUE', 'NUMBER'];

export const CALL_COLUMNS = [
  'callSid',
  'from',
  'to',
  'startedAt',
  'answeredAt',
  'endedAt',
  'outcome',
  'queueId',
  'answeredAgentId',
  'offeredAgentIds',
  'waitSeconds',
  'callbackRequested',
] as const;

/** The figures in column order (README §Reports defines each). */
export const FIGURE_COLUMNS = [
  'calls',
  'offered',
  'answered',
  'answeredInTime',
  'abandoned',
  'abandonedShort',
  'voicemail',
  'forwarded',
  'hungUp',
  'afterHours',
  'callbackFailed',
  'serviceLevel',
  'abandonRate',
  'averageAnswerSeconds',
  'averageHandleSeconds',
  'talkSeconds',
  'longestWaitSeconds',
  'missedOffers',
  'occupancy',
] as const satisfies readonly (keyof ReportFigures)[];

export const REPORT_COLUMNS = ['row', 'key', 'label', 'start', 'end', ...FIGURE_COLUMNS] as const;

/** A number as a spreadsheet reads it: digits, an optional sign, a point. */
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes doubled.
 * A text a spreadsheet would run as a formula (=, @, a tab or CR first; + or - first unless it is a
 * plain number such as an E.164 number) is prefixed with ' (OWASP's advice for CSV injection):
 * caller ids come from outside.
 */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=@\t\r+-]/.test(text) && !PLAIN_NUMBER.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(values: readonly (string | number | boolean | null | undefined)[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

export function callCsvLine(row: CallLogRow): string {
  return csvLine([
    row.callSid,
    row.from,
    row.to,
    iso(row.startedAt),
    iso(row.answeredAt),
    iso(row.endedAt),
    row.outcome,
    row.queueId,
    row.answeredAgentId,
    row.offeredAgentIds.join(' '),
    row.waitSeconds,
    row.callbackRequested,
  ]);
}

class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The two export routes, to be placed before the web app's catch-all. */
export function reportCsvRoutes(deps: { services: Services; gate: AuthGate; logger: Logger }): HttpRoute[] {
  const serve = (kind: 'calls' | 'report') => (req: IncomingMessage, res: ServerResponse) => void exportCsv(kind, req, res, deps);
  return [
    { name: 'calls csv', matches: (path, method) => path === CALLS_CSV_PATH && method === 'GET', serve: serve('calls') },
    { name: 'report csv', matches: (path, method) => path === REPORT_CSV_PATH && method === 'GET', serve: serve('report') },
  ];
}

async function exportCsv(
  kind: 'calls' | 'report',
  req: IncomingMessage,
  res: ServerResponse,
  deps: { services: Services; gate: AuthGate; logger: Logger },
): Promise<void> {
  const { services, logger } = deps;
  let lines: AsyncIterable<string> | Iterable<string>;
  let filename: string;
  try {
    const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
    const viewer = await viewerOf(req, deps.gate);
    const companyId = params.get('companyId') ?? '';
    if (!(viewer.role === 'admin' || (viewer.role === 'supervisor' && viewer.companyId === companyId)))
      throw new HttpRefusal(403, 'Not authorized');
    const from = instant(params.get('from'), 'from');
    const to = instant(params.get('to'), 'to');
    checkWindow(from, to);
    const company = await services.directory.company(companyId);
    if (!company) throw new HttpRefusal(404, 'company not found');
    const day = from.toISOString().slice(0, 10);
    if (kind === 'calls') {
      lines = callLines(services.reports.pages(company.id, from, to));
      filename = `calls-${day}.csv`;
    } else {
      const groupBy = params.get('groupBy') as ReportGroup | null;
      if (groupBy === null || !REPORT_GROUPS.includes(groupBy))
        throw new HttpRefusal(400, `groupBy must be one of ${REPORT_GROUPS.join(', ')}`);
      const short = params.get('abandonedShortSeconds');
      const abandonedShortSeconds = short === null ? undefined : Number(short);
      if (
        abandonedShortSeconds !== undefined &&
        !(Number.isInteger(abandonedShortSeconds) && abandonedShortSeconds >= 0 && abandonedShortSeconds <= 600)
      )
        throw new HttpRefusal(400, 'abandonedShortSeconds must be an integer from 0 to 600');
      const report = await services.reports.report(company, from, to, groupBy, abandonedShortSeconds);
      lines = reportLines(report.rows, report.totals);
      filename = `report-${groupBy.toLowerCase()}-${day}.csv`;
    }
  } catch (err) {
    const refusal =
      err instanceof HttpRefusal
        ? err
        : err instanceof AppError && err.extensions.code === 'BAD_USER_INPUT'
          ? new HttpRefusal(400, err.message)
          : null;
    if (!refusal) logger.error({ err }, 'csv export failed');
    const r = refusal ?? new HttpRefusal(500, 'export failed');
    if (!res.headersSent) res.writeHead(r.status, { 'content-type': 'text/plain; charset=utf-8', ...r.headers }).end(`${r.message}\n`);
    return;
  }
  res.writeHead(200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${filename}"`,
    'cache-control': 'no-store',
  });
  try {
    for await (const chunk of lines) {
      if (res.destroyed) return; // the client went away: stop reading pages
      if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    }
    res.end();
  } catch (err) {
    // Headers are gone: cutting the connection is the only way to tell the client the file is incomplete.
    logger.error({ err }, 'csv export failed while streaming');
    res.destroy();
  }
}

async function viewerOf(req: IncomingMessage, gate: AuthGate): Promise<Viewer> {
  try {
    const viewer = await gate.authenticate(credentialFrom(req.headers.authorization), req, 'http');
    if (viewer === null) throw new HttpRefusal(401, 'authentication required', { 'www-authenticate': 'Bearer' });
    return viewer;
  } catch (err) {
    if (err instanceof AuthRefused) {
      const r = err.refusal;
      if (r.code === 'RATE_LIMITED') throw new HttpRefusal(429, r.message, { 'retry-after': String(Math.ceil(r.retryAfterMs / 1000)) });
      throw new HttpRefusal(401, r.message, { 'www-authenticate': 'Bearer' });
    }
    throw err;
  }
}

function instant(value: string | null, name: string): Date {
  const date = value === null ? new Date(Number.NaN) : new Date(value);
  if (Number.isNaN(date.getTime())) throw new HttpRefusal(400, `${name} must be an ISO-8601 instant`);
  return date;
}

/** The header, then one line per row, a page's lines written as one chunk. */
async function* callLines(pages: AsyncIterable<CallLogRow[]>): AsyncGenerator<string> {
  yield csvLine(CALL_COLUMNS);
  for await (const page of pages) yield page.map(callCsvLine).join('');
}

function* reportLines(rows: readonly ReportRow[], totals: ReportFigures): Generator<string> {
  yield csvLine(REPORT_COLUMNS);
  const stamp = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  for (const r of rows) yield csvLine(['group', r.key, r.label, stamp(r.start), stamp(r.end), ...FIGURE_COLUMNS.map((c) => r.figures[c])]);
  yield csvLine(['total', '', 'Total', null, null, ...FIGURE_COLUMNS.map((c) => totals[c])]);
}
