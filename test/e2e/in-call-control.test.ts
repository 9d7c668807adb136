/**
 * In-call control in real Chromium against the local Telnyx, with the real @telnyx/webrtc SDK in three
 * softphone pages and the supervisor board in a fourth: agent ana answers an inbound call, consults
 * ben (the caller holds), ben answers in his page, ana completes the transfer and drops out; the board's
 * Live calls panel follows each step. Then the board whispers from sue's softphone (the supervisor's own
 * agent identity), sue answers, and ben's call card shows the supervisor. Each card's state comes from
 * liveCallsChanged, never from the page's own guess.
 */
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebApp, captureConsole, chromiumAvailable, launchChromium, screenshot } from '../support/browser.js';
import { type SimulatedCompany, type Simulation, startSimulation } from '../support/simulation.js';

const CALLER = '+15557660001';

describe.runIf(chromiumAvailable())('in-call control from the softphone and the board, with the local Telnyx, in Chromium', () => {
  let sim: Simulation;
  let browser: Browser;
  let context: BrowserContext;
  let company: SimulatedCompany;
  let board: Page;
  const phones: Record<string, Page> = {};
  const consoleLines: string[] = [];
  const shots: string[] = [];

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
      number: '+13055550400',
      routing: { allowUnregisteredSoftphones: false, ringTimeoutSeconds: 30, wrapUpSeconds: 0, fallbackKind: 'VOICEMAIL' },
      agents: [{ name: 'ana' }, { name: 'ben' }, { name: 'sue' }],
    });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    board = await open(`${sim.server.url}/#/board?token=${company.supervisor}`, 'board');
    for (const name of ['ana', 'ben', 'sue']) phones[name] = await open(`${sim.server.url}/#/agent?token=${company.tokens[name]}`, name);
  }, 120_000);

  afterAll(async () => {
    if (consoleLines.length) console.log(consoleLines.join('\n'));
    if (shots.length) console.log(`screenshots:\n${shots.join('\n')}`);
    await browser?.close();
    await sim?.close();
  });

  const shot = async (page: Page, name: string) => shots.push(await screenshot(page, `in-call-${name}`));
  /** The softphone's call card as the server has it. */
  const card = (name: string) => phones[name]!.locator('#live-call');
  const party = (scope: Locator, role: string, text: string) => scope.locator(`.party[data-role="${role}"]`, { hasText: text });
  const answer = async (name: string) => {
    const page = phones[name]!;
    await page.locator('#call-card .call-kind', { hasText: 'Incoming call' }).waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Answer' }).click();
    await page.locator('#call-card .call-kind', { hasText: 'On call' }).waitFor({ timeout: 15_000 });
  };

  it('ana answers, consults ben, ben answers, ana completes and drops out; the board follows; sue whispers and ben sees her', {
    timeout: 180_000,
  }, async () => {
    for (const name of ['ana', 'ben', 'sue'])
      await phones[name]!.locator('#telnyx-state', { hasText: 'Registered with Telnyx' }).waitFor({ timeout: 20_000 });
    // Only ana takes inbound calls: ben is consulted, sue supervises.
    await company.setStatus('ben', 'ON_BREAK');
    await company.setStatus('sue', 'ON_BREAK');
    await board.locator(`article.available[data-agent-id="${company.agentIds.ana}"]`).waitFor({ timeout: 10_000 });
    await board.locator(`article.break[data-agent-id="${company.agentIds.ben}"]`).waitFor({ timeout: 10_000 });
    const liveCalls = board.locator('#live-calls');
    await liveCalls.locator('.empty', { hasText: 'No calls in progress.' }).waitFor({ timeout: 10_000 });
    // The idle dial pad offers the company's number as caller ID.
    expect(await phones.ana!.locator('#caller-id option').allTextContents()).toEqual([company.number]);

    // 1. ana answers: her card and the board say TALKING, caller ↔ ana.
    const call = sim.call(`call from ${CALLER} to ${company.number}; caller talks for 600 s`);
    await answer('ana');
    await card('ana').and(phones.ana!.locator('[data-state="TALKING"]')).waitFor({ timeout: 15_000 });
    await party(card('ana'), 'CALLER', CALLER).waitFor();
    await party(card('ana'), 'AGENT', 'You').waitFor();
    const row = liveCalls.locator('article.live-call');
    await row.and(board.locator('[data-state="TALKING"]')).waitFor({ timeout: 10_000 });
    expect(await row.locator('.live-talk').textContent()).toBe(`${CALLER} ↔ ana`);
    expect(await row.locator('.badge.state').textContent()).toBe('Talking');
    await shot(phones.ana!, '1-ana-talking');

    // A number that is not E.164 is refused in the page, with a clear message, before any request.
    await phones.ana!.locator('#transfer-target').selectOption('number');
    await phones.ana!.locator('#transfer-number').fill('305 555');
    await phones.ana!.locator('#live-call [data-action="consult"]').click();
    await expect.poll(() => phones.ana!.locator('#live-call-error').textContent()).toMatch(/Consult: .*must start with \+/);

    // 2. ana consults ben: the caller holds, ben rings; the board says Consulting.
    await phones.ana!.locator('#transfer-target').selectOption(`agent:${company.agentIds.ben}`);
    await phones.ana!.locator('#live-call [data-action="consult"]').click();
    await card('ana').and(phones.ana!.locator('[data-state="CONSULTING"]')).waitFor({ timeout: 10_000 });
    await card('ana').locator('.badge.held', { hasText: 'Caller on hold' }).waitFor();
    await party(card('ana'), 'CALLER', 'on hold').waitFor();
    await row.and(board.locator('[data-state="CONSULTING"]')).waitFor({ timeout: 10_000 });
    await party(row, 'CONSULT', 'ben').waitFor();
    expect(await row.locator('.badge.state').textContent()).toBe('Consulting');
    // The consultation is answered by ben's own page: until then ana can only cancel.
    expect(await card('ana').locator('[data-action="complete"]').count()).toBe(0);
    await card('ana').locator('[data-action="cancel-consult"]').waitFor();

    // 3. ben answers: he is in the call as consulted; ana may complete now.
    await answer('ben');
    await party(card('ben'), 'CONSULT', 'You').waitFor({ timeout: 10_000 });
    await card('ana').locator('[data-action="complete"]').waitFor({ timeout: 10_000 });
    await expect.poll(() => party(row, 'CONSULT', 'ben').locator('.party-flags').textContent(), { timeout: 10_000 }).toBe('');
    await shot(phones.ana!, '2-ana-consulting');
    await shot(board, '3-board-consulting');

    // 4. ana completes: she drops out, ben talks with the caller.
    await card('ana').locator('[data-action="complete"]').click();
    await card('ben').and(phones.ben!.locator('[data-state="TALKING"]')).waitFor({ timeout: 15_000 });
    await party(card('ben'), 'AGENT', 'You').waitFor();
    await card('ana').waitFor({ state: 'hidden', timeout: 15_000 });
    await phones.ana!.locator('#call-card').waitFor({ state: 'hidden', timeout: 15_000 });
    await expect.poll(() => row.locator('.live-talk').textContent(), { timeout: 10_000 }).toBe(`${CALLER} ↔ ben`);
    expect(await row.getAttribute('data-state')).toBe('TALKING');
    expect(await row.locator('.party[data-role="AGENT"]').allTextContents()).toEqual([expect.stringContaining('ben')]);
    await shot(board, '4-board-transferred');

    // 5. The board whispers from sue's softphone (picked once, remembered in this browser); sue answers.
    await board.locator('#supervise-softphone').selectOption(company.agentIds.sue!);
    expect(await board.evaluate(() => Object.entries(localStorage).find(([k]) => k.endsWith('softphoneAgentId'))?.[1])).toBe(
      company.agentIds.sue,
    );
    await row.locator('[data-action="whisper"]').click();
    await answer('sue');
    await card('sue').locator('.call-kind', { hasText: 'Supervising · whisper' }).waitFor({ timeout: 10_000 });
    // ben's card shows the supervisor, whispering to him.
    const supervisor = party(card('ben'), 'SUPERVISOR', 'sue');
    await supervisor.waitFor({ timeout: 10_000 });
    await expect.poll(() => supervisor.locator('.party-flags').textContent(), { timeout: 10_000 }).toBe('whisper');
    await card('ben').locator('.badge.supervised', { hasText: 'Supervised (whisper)' }).waitFor();
    await expect.poll(() => row.locator('.live-supervised').textContent(), { timeout: 10_000 }).toBe('Supervised by sue (whisper)');
    await row.locator('[data-action="leave"]').waitFor();
    expect(await row.locator('[data-action="whisper"]').isDisabled()).toBe(true);
    await shot(phones.ben!, '5-ben-supervised');
    await shot(board, '6-board-whisper');

    // 6. ben ends the call for everyone: the board empties, the call was answered.
    await card('ben').locator('[data-action="hang-up-call"]').click();
    await liveCalls.locator('.empty', { hasText: 'No calls in progress.' }).waitFor({ timeout: 15_000 });
    await card('ben').waitFor({ state: 'hidden', timeout: 10_000 });
    const result = await call;
    expect(result.outcome).toBe('ANSWERED');
    expect(result.answeredBy).toBe(company.agents.ana);
  });
});
