/**
 * "Simulate a call" on the supervisor board, in real Chromium, against the service running with the
 * local Telnyx as the demo does: the agent's softphone page registers with the real @telnyx/webrtc SDK
 * on the simulator's WebSocket, the board's button places a call, the softphone rings with the
 * caller's number, the agent answers in the page, the caller hangs up, and the board follows the agent
 * from on call through wrap-up to available and shows the outcome; with nobody online, voicemail.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebApp, captureConsole, chromiumAvailable, launchChromium, screenshot } from '../support/browser.js';
import { simulate } from '../support/simulate-cli.js';
import { type SimulatedCompany, type Simulation, startSimulation } from '../support/simulation.js';

const CALLER = '+15557654321';

describe.runIf(chromiumAvailable())('"Simulate a call" on the board, with the local Telnyx, in Chromium', () => {
  let sim: Simulation;
  let browser: Browser;
  let context: BrowserContext;
  let company: SimulatedCompany;
  let board: Page;
  let softphone: Page;
  const consoleLines: string[] = [];

  const agentCard = () => board.locator(`article[data-agent-id="${company.agentIds.ana}"]`);

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
      number: '+13055550100',
      // A real softphone must be registered to ring; a short wrap-up so the board's return to available is seen.
      routing: { allowUnregisteredSoftphones: false, ringTimeoutSeconds: 30, wrapUpSeconds: 3, fallbackKind: 'VOICEMAIL' },
      agents: [{ name: 'ana' }],
    });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    board = await open(`${sim.server.url}/#/board?token=${company.supervisor}`, 'board');
    softphone = await open(`${sim.server.url}/#/agent?token=${company.tokens.ana}`, 'softphone');
  }, 120_000);

  afterAll(async () => {
    if (consoleLines.length) console.log(consoleLines.join('\n'));
    await browser?.close();
    await sim?.close();
  });

  it("shows the control only because GET /simulator answers, with the company's number to call", async () => {
    const status = await fetch(`${sim.server.url}/simulator`);
    expect(status.status).toBe(200);
    await board.locator('#simulator').waitFor({ state: 'visible', timeout: 15_000 });
    await expect.poll(() => board.locator('#sim-to option').allTextContents(), { timeout: 10_000 }).toEqual(['+13055550100']);
    expect(await board.getByLabel("Caller's number").inputValue()).toBe('+15551230000');
    expect(await board.locator('#simulate-log').getAttribute('aria-live')).toBe('polite');
  });

  it('a call from the board rings the real softphone, is answered there, and ends ANSWERED through wrap-up', {
    timeout: 120_000,
  }, async () => {
    await softphone.locator('#telnyx-state', { hasText: 'Registered with Telnyx' }).waitFor({ timeout: 20_000 });
    await board.locator(`article.available[data-agent-id="${company.agentIds.ana}"]`).waitFor({ timeout: 10_000 });
    expect(await agentCard().locator('.agent-flags').textContent()).toBe('registered');

    await board.getByLabel("Caller's number").fill(CALLER);
    await board.getByLabel('Talk time (s)').fill('3');
    await board.getByRole('button', { name: 'Simulate a call' }).click();
    await board.locator('#simulate-call[disabled]', { hasText: 'Calling…' }).waitFor({ timeout: 5_000 });

    // The softphone rings with the caller's number.
    await softphone.locator('#call-card .call-kind', { hasText: 'Incoming call' }).waitFor({ timeout: 20_000 });
    expect(await softphone.locator('#caller-number').textContent()).toBe(CALLER);
    // The board's log is live while the call rings.
    expect(await board.locator('#simulate-log li').count()).toBeGreaterThan(0);
    await screenshot(softphone, 'simulated-call-softphone-ringing');

    await softphone.getByRole('button', { name: 'Answer' }).click();
    await softphone.locator('#call-card .call-kind', { hasText: 'On call' }).waitFor({ timeout: 15_000 });
    await board.locator(`article.oncall[data-agent-id="${company.agentIds.ana}"]`).waitFor({ timeout: 10_000 });
    expect(await agentCard().locator('.state-badge').textContent()).toBe('On call');
    await screenshot(board, 'simulated-call-board-agent-on-call');

    // The caller hangs up after talking 3 s: the softphone is idle again, the agent wraps up, then is available.
    await softphone.locator('#call-card').waitFor({ state: 'hidden', timeout: 20_000 });
    expect(await softphone.locator('.idle-card').isVisible()).toBe(true);
    await board.locator(`article.wrapup[data-agent-id="${company.agentIds.ana}"]`).waitFor({ timeout: 10_000 });
    await board.locator(`article.available[data-agent-id="${company.agentIds.ana}"]`).waitFor({ timeout: 15_000 });

    const outcome = board.locator('#simulate-outcome .outcome');
    await outcome.waitFor({ timeout: 20_000 });
    expect(await outcome.textContent()).toBe('ANSWERED');
    expect(await board.locator('#simulate-outcome').textContent()).toContain(`answered by ${company.agents.ana}`);
    expect(await board.locator('#simulate-outcome .sim-errors').count()).toBe(0);
    expect(await board.getByRole('button', { name: 'Simulate a call' }).isEnabled()).toBe(true);
    const steps = await board.locator('#simulate-log li').allTextContents();
    expect(steps.some((s) => s.includes(CALLER))).toBe(true);
    await screenshot(board, 'simulated-call-board-outcome');

    // The call log has it, under the sid the board shows.
    const callSid = await board.locator('#simulate-outcome [data-call-sid]').getAttribute('data-call-sid');
    const row = await sim.server.database.prisma.callLog.findFirst({ where: { callSid: callSid! } });
    expect(row).toMatchObject({ outcome: 'ANSWERED', from: CALLER, to: company.number, answeredAgentId: company.agentIds.ana });
    await expect.poll(() => board.locator('[data-stat="answered"] .tile-value').textContent(), { timeout: 10_000 }).toBe('1');
  });

  it('a second call in a row starts a fresh log; a bad caller number is refused plainly', { timeout: 60_000 }, async () => {
    const firstSteps = await board.locator('#simulate-log li').count();
    await board.getByLabel("Caller's number").fill('not a number');
    await board.getByRole('button', { name: 'Simulate a call' }).click();
    const error = board.locator('#simulate-outcome .error');
    await error.waitFor({ timeout: 10_000 });
    expect(await error.textContent()).toBe('The call could not be simulated: from: must be a phone number like +13055550100');
    expect(await board.locator('#simulate-log li').count()).toBe(0);
    expect(firstSteps).toBeGreaterThan(0);
    expect(await board.getByRole('button', { name: 'Simulate a call' }).isEnabled()).toBe(true);
  });

  it('npm run simulate rings the same softphone: the agent answers in the page and the last line says ANSWERED', {
    timeout: 120_000,
  }, async () => {
    await board.locator(`article.available[data-agent-id="${company.agentIds.ana}"]`).waitFor({ timeout: 20_000 });
    const cli = simulate(['--to', company.number, '--from', CALLER, '--server', sim.server.url, '--talk', '2']);
    await softphone.locator('#call-card .call-kind', { hasText: 'Incoming call' }).waitFor({ timeout: 30_000 });
    await softphone.getByRole('button', { name: 'Answer' }).click();
    const run = await cli;
    expect(run.code).toBe(0);
    expect(run.lines.join('\n')).toMatch(/answered; bridged to the caller/);
    expect(run.last).toMatchObject({ outcome: 'ANSWERED', heard: 'ANSWERED', answeredBy: company.agents.ana, errors: [] });
    await softphone.locator('#call-card').waitFor({ state: 'hidden', timeout: 20_000 });
  });

  it('with nobody online, a call from the board goes to voicemail', { timeout: 120_000 }, async () => {
    const empty = await sim.company({
      number: '+13055550199',
      routing: { allowUnregisteredSoftphones: false, fallbackKind: 'VOICEMAIL' },
      agents: [{ name: 'zoe', online: false }],
    });
    const emptyBoard = await open(`${sim.server.url}/#/board?token=${empty.supervisor}`, 'empty board');
    try {
      await expect.poll(() => emptyBoard.locator('#sim-to option').allTextContents(), { timeout: 15_000 }).toEqual(['+13055550199']);
      await expect.poll(() => emptyBoard.locator('#route-preview .decision').textContent(), { timeout: 10_000 }).toContain('Nobody rings');
      await emptyBoard.getByRole('button', { name: 'Simulate a call' }).click();
      const outcome = emptyBoard.locator('#simulate-outcome .outcome');
      await outcome.waitFor({ timeout: 90_000 });
      expect(await outcome.textContent()).toBe('VOICEMAIL');
      expect(await emptyBoard.locator('#simulate-outcome .sim-errors').count()).toBe(0);
      const item = emptyBoard.locator('#voicemails .voicemail').first();
      await item.waitFor({ timeout: 15_000 });
      // Play asks for a signed link to our copy (same origin); until the download has landed it says so.
      const audio = item.locator('audio');
      await expect
        .poll(
          async () => {
            if (!(await audio.getAttribute('src'))) await item.getByRole('button', { name: 'Play' }).click();
            return audio.getAttribute('src');
          },
          { timeout: 15_000 },
        )
        .toMatch(/^\/media\/recordings\/[\w-]+\?exp=\d+&sig=[\w-]+$/);
      const duration = await audio.evaluate(
        (element: HTMLAudioElement) =>
          new Promise<number>((resolve, reject) => {
            if (element.readyState >= 1) return resolve(element.duration);
            element.addEventListener('loadedmetadata', () => resolve(element.duration), { once: true });
            element.addEventListener('error', () => reject(new Error(`audio error ${element.error?.code}`)), { once: true });
            element.preload = 'metadata';
            element.load();
          }),
      );
      expect(duration).toBeGreaterThan(1);
      await screenshot(emptyBoard, 'simulated-call-board-voicemail');
    } finally {
      await emptyBoard.close();
    }
  });
});
