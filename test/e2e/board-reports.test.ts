/**
 * The board's reports view in Chromium: a company in Europe/Madrid with a seeded call log (yesterday,
 * today in two local hours, and older calls that must not show), the board opened, switched to
 * Reports, and every chart's plotted figures and its table checked against figures worked out by hand
 * from the seeded calls; the canvases must have drawn something; on a phone-sized screen the view fits
 * its width. Screenshots: artifacts/screenshots/board-reports*.png.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOfLocalDay } from '../../src/domain/business-hours.js';
import { buildWebApp, captureConsole, chromiumAvailable, launchChromium, screenshot } from '../support/browser.js';
import { startServer, type TestServer } from '../support/harness.js';

const ZONE = 'Europe/Madrid';
const HOUR = 3_600_000;

describe.runIf(chromiumAvailable())('board reports view in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let token: string;
  const consoleLines: string[] = [];
  /** Local hour labels ("01:00") of the two hours today's calls are in. */
  let hours: [string, string];

  beforeAll(async () => {
    const webRoot = await buildWebApp();
    server = await startServer({ webRoot });
    const companyId = (
      await server.admin(`mutation($i: CreateCompanyInput!) { createCompany(input: $i) { id } }`, {
        i: { name: 'Reports Board Co', timeZone: ZONE },
      })
    ).createCompany.id as string;
    const agent = async (displayName: string) =>
      (
        await server.admin(`mutation($i: CreateAgentInput!) { createAgent(input: $i) { id } }`, {
          i: { companyId, displayName, sipUsername: `${displayName.toLowerCase()}.${companyId.slice(-6)}` },
        })
      ).createAgent.id as string;
    const ana = await agent('Ana');
    const bo = await agent('Bo');
    token = (await server.admin(`mutation($c: ID!) { issueSupervisorToken(companyId: $c) { token } }`, { c: companyId }))
      .issueSupervisorToken.token;

    // The default queue's service level threshold is 20 s: answers after 5 s are in time, after 40 s not.
    const today = startOfLocalDay(Date.now(), ZONE);
    const yesterday = startOfLocalDay(today - HOUR, ZONE);
    const h1 = today + 1 * HOUR + 60_000;
    const h2 = today + 3 * HOUR + 60_000;
    const local = (ms: number) =>
      new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(ms));
    hours = [`${local(h1).slice(0, 3)}00`, `${local(h2).slice(0, 3)}00`];
    let n = 0;
    const call = (startedAt: number, o: { outcome: string; answerAfter?: number; agent?: string; offered?: string[] }) => ({
      companyId,
      callSid: `CArep${n++}`,
      from: '+34600000000',
      to: '+34910000000',
      startedAt: new Date(startedAt),
      answeredAt: o.answerAfter === undefined ? null : new Date(startedAt + o.answerAfter * 1000),
      endedAt: new Date(startedAt + 120_000),
      outcome: o.outcome,
      answeredAgentId: o.agent ?? null,
      offeredAgentIds: o.offered ?? (o.agent ? [o.agent] : []),
    });
    await server.database.prisma.callLog.createMany({
      data: [
        // Today, first hour: Ana answers 3 in time; Bo answers 1 late after it was offered to Ana first.
        call(h1, { outcome: 'ANSWERED', answerAfter: 5, agent: ana }),
        call(h1 + 60_000, { outcome: 'ANSWERED', answerAfter: 5, agent: ana }),
        call(h1 + 120_000, { outcome: 'ANSWERED', answerAfter: 5, agent: ana }),
        call(h1 + 180_000, { outcome: 'ANSWERED', answerAfter: 40, agent: bo, offered: [ana, bo] }),
        // Today, second hour: two callers give up while Bo is offered them; one call after hours (not offered).
        call(h2, { outcome: 'ABANDONED', offered: [bo] }),
        call(h2 + 60_000, { outcome: 'ABANDONED', offered: [bo] }),
        call(h2 + 120_000, { outcome: 'AFTER_HOURS' }),
        // Yesterday: 3 answered in time by Ana, 1 abandoned.
        call(yesterday + 10 * HOUR, { outcome: 'ANSWERED', answerAfter: 5, agent: ana }),
        call(yesterday + 11 * HOUR, { outcome: 'ANSWERED', answerAfter: 5, agent: ana }),
        call(yesterday + 12 * HOUR, { outcome: 'ANSWERED', answerAfter: 5, agent: ana }),
        call(yesterday + 13 * HOUR, { outcome: 'ABANDONED', offered: [ana] }),
        // The day before yesterday: in neither day.
        call(yesterday - 2 * HOUR, { outcome: 'ANSWERED', answerAfter: 5, agent: bo }),
      ],
    });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    if (consoleLines.length) console.log(consoleLines.join('\n'));
    await browser?.close();
    await server?.close();
  });

  async function openReports(width: number, height: number): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width, height } })).newPage();
    consoleLines.push(...captureConsole(page, `board ${width}px`));
    await page.goto(`${server.url}/#/board?token=${token}`);
    await page.locator('#live-view').waitFor({ timeout: 20_000 });
    expect(await page.locator('#reports-view').isHidden()).toBe(true);
    await page.locator('#reports-tab').click();
    await expect.poll(() => page.locator('#reports-status').textContent(), { timeout: 15_000 }).toContain('updated');
    expect(await page.locator('#live-view').isHidden()).toBe(true);
    expect(await page.locator('#reports-tab').getAttribute('aria-selected')).toBe('true');
    return page;
  }

  /** A table's body rows as text cells (textContent: the table sits in a closed disclosure). */
  const tableRows = (page: Page, card: string) =>
    page.locator(`#${card} table tbody tr`).evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent ?? '')));
  const plotted = async (page: Page, card: string) =>
    JSON.parse((await page.locator(`#${card} canvas`).getAttribute('data-values')) ?? 'null') as { labels: string[]; series: number[][] };
  /** Pixels the chart painted (not transparent). */
  const paintedPixels = (page: Page, card: string) =>
    page.locator(`#${card} canvas`).evaluate((canvas: HTMLCanvasElement) => {
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
      return painted;
    });

  it('charts today against yesterday, today by hour and by agent, with the figures of the seeded calls', async () => {
    const page = await openReports(1280, 900);

    expect(await tableRows(page, 'report-days')).toEqual([
      ['Yesterday', '4', '3', '1', '75%'],
      ['Today', '6', '4', '2', '50%'],
    ]);
    expect(await plotted(page, 'report-days')).toEqual({
      labels: ['Offered', 'Answered', 'Abandoned'],
      series: [
        [4, 3, 1],
        [6, 4, 2],
      ],
    });
    expect(await page.locator('[data-report="sl-today"] .tile-value').textContent()).toBe('50%');
    expect(await page.locator('[data-report="sl-yesterday"] .tile-value').textContent()).toBe('75%');

    // Every local hour of today is a row (24, or 23/25 on a DST day); the calls are in two of them.
    const hourRows = await tableRows(page, 'report-hours');
    expect(hourRows.length).toBeGreaterThanOrEqual(23);
    expect(hourRows.filter((r) => r.slice(1).some((v) => v !== '0'))).toEqual([
      [hours[0], '4', '4', '0'],
      [hours[1], '2', '0', '2'],
    ]);
    const byHour = await plotted(page, 'report-hours');
    expect(byHour.labels).toEqual(hourRows.map((r) => r[0]));
    expect(byHour.series).toEqual([1, 2, 3].map((col) => hourRows.map((r) => Number(r[col]))));

    expect(await tableRows(page, 'report-agents')).toEqual([
      ['Ana', '3', '1'],
      ['Bo', '1', '2'],
    ]);
    expect(await plotted(page, 'report-agents')).toEqual({
      labels: ['Ana', 'Bo'],
      series: [
        [3, 1],
        [1, 2],
      ],
    });

    for (const card of ['report-days', 'report-hours', 'report-agents']) expect(await paintedPixels(page, card)).toBeGreaterThan(2_000);
    await screenshot(page, 'board-reports');

    // Back to the live view: the reports hide, the board's panels show again.
    await page.locator('#live-tab').click();
    expect(await page.locator('#reports-view').isHidden()).toBe(true);
    expect(await page.locator('#live-view').isVisible()).toBe(true);
    await page.context().close();
  });

  it('fits a phone-sized screen: one column, no sideways scrolling, charts drawn', async () => {
    const page = await openReports(390, 844);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const boxes = await Promise.all(['report-days', 'report-agents', 'report-hours'].map((id) => page.locator(`#${id}`).boundingBox()));
    for (const box of boxes) expect(box!.width).toBeLessThanOrEqual(390);
    // One column: each card below the one before.
    expect(boxes[1]!.y).toBeGreaterThan(boxes[0]!.y + boxes[0]!.height - 1);
    expect(boxes[2]!.y).toBeGreaterThan(boxes[1]!.y + boxes[1]!.height - 1);
    for (const card of ['report-days', 'report-hours', 'report-agents']) expect(await paintedPixels(page, card)).toBeGreaterThan(1_000);
    await screenshot(page, 'board-reports-narrow');
    await page.context().close();
  });
});
