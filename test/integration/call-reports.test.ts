/**
 * Call reports end to end: callReport over a seeded call log around New York's fall-back day
 * (2026-11-01, 25 hours) against hand-computed figures; the CSV exports equal the query (report) and
 * the log (calls), their escaping survives hostile caller ids, the log is read in keyset pages, and
 * who may export what.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvField, FIGURE_COLUMNS } from '../../src/http/report-csv.js';
import { ReportService } from '../../src/services/report-service.js';
import { startServer, type TestServer } from '../support/harness.js';

const FROM = '2026-10-31T04:00:00.000Z'; // 2026-10-31 00:00 EDT
const TO = '2026-11-03T05:00:00.000Z'; // 2026-11-03 00:00 EST
const N1 = '+13055550101';
const N2 = '+13055550102';
const HOSTILE_FROM = 'Doe, "J" =1+1';
const FORMULA_FROM = '=HYPERLINK("http://x")';

let server: TestServer;
let companyId: string;
let supervisor: string;
let otherSupervisor: string;
let agentToken: string;
let ids: { ana: string; bo: string; support: string };

const t = (iso: string, plusSeconds = 0) => new Date(Date.parse(iso) + plusSeconds * 1000);

beforeAll(async () => {
  server = await startServer();
  const make = async (name: string) =>
    (
      await server.admin(`mutation($i: CreateCompanyInput!) { createCompany(input: $i) { id } }`, {
        i: { name, timeZone: 'America/New_York' },
      })
    ).createCompany.id as string;
  companyId = await make('Reports Co');
  const other = await make('Other Co');
  const agent = async (displayName: string) =>
    (
      await server.admin(`mutation($i: CreateAgentInput!) { createAgent(input: $i) { id } }`, {
        i: { companyId, displayName, sipUsername: `${displayName.toLowerCase()}.${companyId.slice(-6)}` },
      })
    ).createAgent.id as string;
  const ana = await agent('Ana');
  const bo = await agent('Bo');
  const support = (
    await server.admin(`mutation($i: CreateQueueInput!) { createQueue(input: $i) { id } }`, {
      i: { companyId, name: 'Support', serviceLevelSeconds: 30 },
    })
  ).createQueue.id as string;
  ids = { ana, bo, support };
  const token = async (c: string) =>
    (await server.admin(`mutation($c: ID!) { issueSupervisorToken(companyId: $c) { token } }`, { c })).issueSupervisorToken.token as string;
  supervisor = await token(companyId);
  otherSupervisor = await token(other);
  agentToken = (await server.admin(`mutation($a: ID!) { issueAgentToken(agentId: $a) { token } }`, { a: ana })).issueAgentToken.token;

  const row = (callSid: string, o: Record<string, unknown> & { startedAt: Date }) => ({
    companyId,
    callSid,
    from: '+13055551111',
    to: N1,
    offeredAgentIds: [],
    ...o,
  });
  await server.database.prisma.callLog.createMany({
    data: [
      // 01:30 EDT: Ana answers after 10 s in the default queue (20 s threshold), talks 60 s.
      row('c1', {
        startedAt: t('2026-11-01T05:30:00Z'),
        answeredAt: t('2026-11-01T05:30:00Z', 10),
        endedAt: t('2026-11-01T05:30:00Z', 70),
        answeredAgentId: ana,
        offeredAgentIds: [ana],
        outcome: 'ANSWERED',
        waitSeconds: 10,
      }),
      // 01:30 EST (the second 01:30): offered to Ana then Bo, Bo answers after 40 s in Support (30 s), talks 60 s.
      row('c2', {
        from: HOSTILE_FROM,
        to: N2,
        startedAt: t('2026-11-01T06:30:00Z'),
        answeredAt: t('2026-11-01T06:30:00Z', 40),
        endedAt: t('2026-11-01T06:30:00Z', 100),
        answeredAgentId: bo,
        offeredAgentIds: [ana, bo],
        outcome: 'ANSWERED',
        queueId: support,
        waitSeconds: 40,
      }),
      // 23:30 EST on Nov 1 (04:30Z on Nov 2): abandoned after 5 s.
      row('c3', {
        from: FORMULA_FROM,
        startedAt: t('2026-11-02T04:30:00Z'),
        endedAt: t('2026-11-02T04:30:00Z', 5),
        offeredAgentIds: [bo],
        outcome: 'ABANDONED',
        waitSeconds: 5,
      }),
      // 00:30 EST on Nov 2: voicemail.
      row('c4', {
        startedAt: t('2026-11-02T05:30:00Z'),
        endedAt: t('2026-11-02T05:30:00Z', 30),
        offeredAgentIds: [ana],
        outcome: 'VOICEMAIL',
      }),
      // Oct 31: after hours.
      row('c5', { to: N2, startedAt: t('2026-10-31T12:00:00Z'), endedAt: t('2026-10-31T12:00:00Z', 10), outcome: 'AFTER_HOURS' }),
      // 23:59 EDT on Oct 30: before the window.
      row('c6', {
        startedAt: t('2026-10-31T03:59:00Z'),
        answeredAt: t('2026-10-31T03:59:00Z', 1),
        endedAt: t('2026-10-31T03:59:00Z', 9),
        outcome: 'ANSWERED',
      }),
    ],
  });
});

afterAll(() => server?.close());

const FIGURES = FIGURE_COLUMNS.join(' ');
const REPORT_QUERY = `query($c: ID!, $from: DateTime!, $to: DateTime!, $g: ReportGroup!) {
  callReport(companyId: $c, from: $from, to: $to, groupBy: $g) {
    timeZone rowCount rows(first: 1000) { key label start end figures { ${FIGURES} } } totals { ${FIGURES} }
  }
}`;

async function report(groupBy: string, token = supervisor, from = FROM, to = TO) {
  return server.gql(REPORT_QUERY, { c: companyId, from, to, g: groupBy }, token);
}

async function download(path: string, token: string | null = supervisor) {
  const res = await fetch(`${server.url}${path}`, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

/** RFC 4180, as a spreadsheet reads it. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(field), (field = '');
    else if (ch === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), i++;
    else field += ch;
  }
  expect(field).toBe(''); // every line ends with CRLF
  return rows;
}

const cell = (v: unknown) => (v === null || v === undefined ? '' : String(v));

describe('callReport', () => {
  it("DAY: the company's local days, Nov 1 being 25 hours long, with hand-computed figures", async () => {
    const res = await report('DAY');
    expect(res.errors).toBeUndefined();
    const r = res.data.callReport;
    expect(r.timeZone).toBe('America/New_York');
    expect(r.rows.map((x: any) => [x.key, x.start, x.end, x.figures.calls])).toEqual([
      ['2026-10-31', '2026-10-31T04:00:00.000Z', '2026-11-01T04:00:00.000Z', 1],
      ['2026-11-01', '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z', 3],
      ['2026-11-02', '2026-11-02T05:00:00.000Z', '2026-11-03T05:00:00.000Z', 1],
    ]);
    expect(r.rows[1].figures).toMatchObject({
      offered: 3,
      answered: 2,
      answeredInTime: 1, // c1 in 10 s ≤ 20; c2 in 40 s > Support's 30
      abandoned: 1,
      abandonedShort: 1,
      serviceLevel: 1 / 3,
      averageAnswerSeconds: 25,
      averageHandleSeconds: 60,
      talkSeconds: 120,
      longestWaitSeconds: 40,
      missedOffers: null,
    });
    expect(r.totals).toMatchObject({
      calls: 5,
      offered: 4,
      answered: 2,
      answeredInTime: 1,
      voicemail: 1,
      afterHours: 1,
      serviceLevel: 0.25,
    });
  });

  it('AGENT: an offer another agent took is a missed offer; occupancy is talk over the window', async () => {
    const res = await report('AGENT');
    const rows = res.data.callReport.rows;
    expect(rows.map((x: any) => [x.key, x.label, x.figures.answered, x.figures.missedOffers, x.figures.talkSeconds])).toEqual([
      [ids.ana, 'Ana', 1, 2, 60], // c2 (Bo took it) and c4 (voicemail)
      [ids.bo, 'Bo', 1, 1, 60], // c3 (abandoned)
      ['', '(no agent)', 0, null, 0], // c5 after hours
    ]);
    expect(rows[0].figures.occupancy).toBeCloseTo((60 / (Date.parse(TO) - Date.parse(FROM))) * 1000, 12);
  });

  it('refuses a window over 366 days, and agents', async () => {
    const long = await report('DAY', supervisor, '2025-01-01T00:00:00Z', '2026-01-03T00:00:00Z');
    expect(long.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const agent = await report('DAY', agentToken);
    expect(agent.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(agent.data?.callReport ?? null).toBeNull();
  });
});

describe('CSV exports', () => {
  const qs = (o: Record<string, string>) => new URLSearchParams({ companyId, from: FROM, to: TO, ...o }).toString();

  it.each(['HOUR', 'DAY', 'AGENT', 'QUEUE', 'NUMBER'])('report.csv by %s equals the callReport query, totals last', async (groupBy) => {
    const [{ data }, csv] = await Promise.all([report(groupBy), download(`/reports/report.csv?${qs({ groupBy })}`)]);
    expect(csv.status).toBe(200);
    expect(csv.type).toBe('text/csv; charset=utf-8');
    const [header, ...lines] = parseCsv(csv.text);
    expect(header).toEqual(['row', 'key', 'label', 'start', 'end', ...FIGURE_COLUMNS]);
    const r = data.callReport;
    const expected = [
      ...r.rows.map((x: any) => ['group', x.key, x.label, cell(x.start), cell(x.end), ...FIGURE_COLUMNS.map((c) => cell(x.figures[c]))]),
      ['total', '', 'Total', '', '', ...FIGURE_COLUMNS.map((c) => cell(r.totals[c]))],
    ];
    expect(lines).toEqual(expected);
    if (groupBy === 'HOUR') expect(lines.filter((l) => l[2]!.startsWith('2026-11-01 01:00')).map((l) => l[2])).toHaveLength(2);
  });

  it('calls.csv lists the log of the window oldest first, as stored, hostile caller ids escaped and defused', async () => {
    const csv = await download(`/reports/calls.csv?${qs({})}`);
    expect(csv.status).toBe(200);
    const [header, ...lines] = parseCsv(csv.text);
    expect(header![0]).toBe('callSid');
    const rows = await server.database.prisma.callLog.findMany({
      where: { companyId, startedAt: { gte: new Date(FROM), lt: new Date(TO) } },
      orderBy: [{ startedAt: 'asc' }, { id: 'asc' }],
    });
    expect(lines.map((l) => l[0])).toEqual(['c5', 'c1', 'c2', 'c3', 'c4']);
    expect(lines).toEqual(
      rows.map((r) => [
        r.callSid,
        r.from === FORMULA_FROM ? `'${FORMULA_FROM}` : r.from,
        r.to,
        r.startedAt.toISOString(),
        cell(r.answeredAt?.toISOString()),
        cell(r.endedAt?.toISOString()),
        cell(r.outcome),
        cell(r.queueId),
        cell(r.answeredAgentId),
        r.offeredAgentIds.join(' '),
        cell(r.waitSeconds),
        String(r.callbackRequested),
      ]),
    );
    expect(lines.find((l) => l[0] === 'c2')![1]).toBe(HOSTILE_FROM); // a comma and quotes round-trip
  });

  it('the log is read in keyset pages that add up to the window, whatever the page size', async () => {
    for (const pageSize of [1, 2, 4, 5, 100]) {
      const reports = new ReportService({ db: server.database.prisma, pageSize });
      const pages: string[][] = [];
      for await (const page of reports.pages(companyId, new Date(FROM), new Date(TO))) pages.push(page.map((r) => r.callSid));
      expect(pages.flat()).toEqual(['c5', 'c1', 'c2', 'c3', 'c4']);
      expect(pages.every((p) => p.length <= pageSize)).toBe(true);
    }
  });

  it('who may export: the company’s supervisor and the admin; not anonymous, not an agent, not another company', async () => {
    const path = `/reports/report.csv?${qs({ groupBy: 'DAY' })}`;
    expect((await download(path, null)).status).toBe(401);
    expect((await download(path, 'not-a-token')).status).toBe(401);
    expect((await download(path, agentToken)).status).toBe(403);
    const other = await download(`/reports/calls.csv?${qs({})}`, otherSupervisor);
    expect([other.status, other.text]).toEqual([403, 'Not authorized\n']);
    expect((await download(path, (await import('../support/harness.js')).ADMIN_KEY)).status).toBe(200);
  });

  it('bad parameters are a 400 with the reason', async () => {
    expect(await download(`/reports/report.csv?${qs({ groupBy: 'WEEK' })}`)).toMatchObject({ status: 400 });
    expect(await download(`/reports/calls.csv?${qs({ from: 'yesterday' })}`)).toMatchObject({
      status: 400,
      text: 'from must be an ISO-8601 instant\n',
    });
    expect(await download(`/reports/calls.csv?${qs({ from: '2025-01-01T00:00:00Z' })}`)).toMatchObject({ status: 400 });
  });
});

describe('csvField', () => {
  it.each([
    ['plain', 'plain'],
    ['+13055550101', '+13055550101'],
    ['-12.5', '-12.5'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=SUM(A1)', "'=SUM(A1)"],
    ['@cmd', "'@cmd"],
    ['+1+cmd', "'+1+cmd"],
    ['=A1,"x"', `"'=A1,""x"""`],
  ])('%j → %s', (input, output) => {
    expect(csvField(input)).toBe(output);
  });

  it('numbers, booleans and null', () => {
    expect([csvField(-3), csvField(0.25), csvField(true), csvField(null)]).toEqual(['-3', '0.25', 'true', '']);
  });
});
