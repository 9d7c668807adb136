/**
 * A caller who finds everyone busy waits, and the board shows it, in real Chromium against the local
 * Telnyx: the agent's softphone (the real @telnyx/webrtc SDK) answers a first call; a second caller
 * is held in the queue and appears in the board's Waiting panel at place 1, their wait counting up;
 * the agent hangs up in the softphone, which at once rings with the waiting caller (the panel says
 * "offering to ana"); the agent answers and the panel empties while they talk.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebApp, captureConsole, chromiumAvailable, launchChromium, screenshot } from '../support/browser.js';
import { type SimulatedCompany, type Simulation, startSimulation } from '../support/simulation.js';

const FIRST = '+15557650001';
const SECOND = '+15557650002';

describe.runIf(chromiumAvailable())("the board's Waiting panel, with the local Telnyx, in Chromium", () => {
  let sim: Simulation;
  let browser: Browser;
  let context: BrowserContext;
  let company: SimulatedCompany;
  let board: Page;
  let softphone: Page;
  const consoleLines: string[] = [];

  async function open(url: string, label: string): Promise<Page> {
    const page = await context.newPage();
    consoleLines.push(...captureConsole(page, label));
    await page.goto(url);
    return page;
  }

  beforeAll(async () => {
    const webRoot = await buildWebApp();
    sim = await startSimulation({
      virtualTime: false,
      webRoot,
      env: { HEARTBEAT_INTERVAL_MS: '1000', PRESENCE_TTL_MS: '4000', SOCKET_GRACE_MS: '1000', HEARTBEAT_MAX_PER_MINUTE: '600' },
    });
    company = await sim.company({
      number: '+13055550300',
      // A real softphone must be registered to ring; no wrap-up, so the waiting caller is offered the moment the call ends.
      routing: { allowUnregisteredSoftphones: false, ringTimeoutSeconds: 30, wrapUpSeconds: 0, fallbackKind: 'VOICEMAIL' },
      agents: [{ name: 'ana' }],
    });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    board = await open(`${sim.server.url}/#/board?token=${company.supervisor}`, 'board');
    softphone = await open(`${sim.server.url}/#/agent?token=${company.tokens.ana}`, 'softphone');
  }, 120_000);

  afterAll(async () => {
    if (consoleLines.length) console.log(consoleLines.join('\n'));
    await browser?.close();
    await sim?.close();
  });

  it('a caller who finds the agent busy waits at place 1, rings the softphone when the agent hangs up, and leaves the panel when answered', {
    timeout: 150_000,
  }, async () => {
    const waitingPanel = board.locator('#queue-waiting');
    const rows = waitingPanel.locator('.waiting-caller');
    await softphone.locator('#telnyx-state', { hasText: 'Registered with Telnyx' }).waitFor({ timeout: 20_000 });
    await board.locator(`article.available[data-agent-id="${company.agentIds.ana}"]`).waitFor({ timeout: 10_000 });
    // The panel is there from the first view: the default queue, nobody waiting.
    await waitingPanel.locator('.queue .queue-empty', { hasText: 'Nobody waiting.' }).waitFor({ timeout: 10_000 });
    expect(await waitingPanel.locator('.queue-name').allTextContents()).toEqual(['Main']);

    // The first caller rings the softphone; the agent answers and talks (the caller would stay 10 minutes).
    const first = sim.call(`call from ${FIRST} to ${company.number}; caller talks for 600 s`);
    await softphone.locator('#call-card .call-kind', { hasText: 'Incoming call' }).waitFor({ timeout: 20_000 });
    expect(await softphone.locator('#caller-number').textContent()).toBe(FIRST);
    await softphone.getByRole('button', { name: 'Answer' }).click();
    await softphone.locator('#call-card .call-kind', { hasText: 'On call' }).waitFor({ timeout: 15_000 });
    await board.locator(`article.oncall[data-agent-id="${company.agentIds.ana}"]`).waitFor({ timeout: 10_000 });

    // The second caller finds ana busy: they wait, and the board shows them first in line.
    const second = sim.call(`call from ${SECOND} to ${company.number}; caller talks for 4 s`);
    const waiting = rows.filter({ hasText: SECOND });
    await waiting.waitFor({ timeout: 20_000 });
    expect(await waiting.locator('.waiting-position').textContent()).toBe('1');
    expect(await waiting.getAttribute('data-state')).toBe('WAITING');
    expect(await waiting.locator('.waiting-estimate').textContent()).toMatch(/^~\d+:\d\d$/);
    await expect
      .poll(() => waitingPanel.locator('[data-figure="waiting"] .queue-figure-value').textContent(), { timeout: 5_000 })
      .toBe('1');
    expect(await board.locator('#waiting-total').textContent()).toBe('1 caller in line');
    // The wait counts up in the page, second by second, with no new view from the server.
    const waited = async () => {
      const [m, s] = (await waiting.locator('.waited').textContent())!.split(':').map(Number);
      return m! * 60 + s!;
    };
    const before = await waited();
    await expect.poll(waited, { timeout: 5_000 }).toBeGreaterThanOrEqual(before + 2);
    await screenshot(board, 'queue-waiting-board-caller-waits');

    // The agent hangs up the first call: the softphone rings at once with the waiting caller.
    await softphone.getByRole('button', { name: 'Hang up' }).click();
    await softphone.locator('#call-card .call-kind', { hasText: 'Incoming call' }).waitFor({ timeout: 20_000 });
    expect(await softphone.locator('#caller-number').textContent()).toBe(SECOND);
    // The board: no place while offered, and to whom.
    const offered = rows.filter({ hasText: 'offering to ana' });
    await offered.waitFor({ timeout: 10_000 });
    expect(await offered.locator('.waiting-from').textContent()).toBe(SECOND);
    expect(await offered.locator('.waiting-position').textContent()).toBe('—');
    await screenshot(board, 'queue-waiting-board-offering');

    // Answered: the panel empties while they talk.
    await softphone.getByRole('button', { name: 'Answer' }).click();
    await softphone.locator('#call-card .call-kind', { hasText: 'On call' }).waitFor({ timeout: 15_000 });
    await waitingPanel.locator('.queue-empty', { hasText: 'Nobody waiting.' }).waitFor({ timeout: 10_000 });
    expect(await rows.count()).toBe(0);
    expect(await board.locator('#waiting-total').textContent()).toBe('0 callers in line');

    const [one, two] = await Promise.all([first, second]);
    expect(one.outcome).toBe('ANSWERED');
    expect(two.outcome).toBe('ANSWERED');
    expect(two.answeredBy).toBe(company.agents.ana);
    // Today's figures of the queue: both answered, nobody abandoned.
    await expect
      .poll(() => waitingPanel.locator('[data-figure="abandon-rate"] .queue-figure-value').textContent(), { timeout: 10_000 })
      .toBe('0%');
  });
});
