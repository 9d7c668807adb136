/**
 * In-call control in real Chromium against the local Telnyx, with the real @telnyx/webrtc SDK in three
 * softphone pages and the supervisor board in a fourth: agent ana answers an inbound call, consults
 * ben (the caller holds), ben answers in his page, ana completes the transfer and drops out; the board's
 * Live calls panel follows each step. Then the board whispers from sue's softphone (the supervisor's own
 * agent identity), sue answers, and ben's call card shows the supervisor. Each card's state comes from
 * liveCallsChanged, never from the page's own guess.
 */
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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
  /** What ana's SDK sent on its signalling socket (DTMF goes out as an info message there). */
  const anaFrames: string[] = [];

  async function open(url: string, label: string): Promise<Page> {
    const page = await context.newPage();
    consoleLines.push(...captureConsole(page, label));
    if (label === 'ana')
      page.on('websocket', (ws) => ws.on('framesent', (f) => typeof f.payload === 'string' && anaFrames.push(f.payload)));
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

  // A failure leaves every page's picture and the messages they show, to see what went wrong.
  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    for (const [name, page] of [['board', board], ...Object.entries(phones)] as [string, Page][]) {
      await screenshot(page, `in-call-failed-${name}`).catch(() => {});
      const said = await page
        .locator('#dial-message, #live-call-error, #live-calls-message, .notice')
        .allTextContents()
        .catch(() => []);
      console.log(`[${name}] ${said.filter(Boolean).join(' | ')}`);
    }
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

  it('click-to-call from the dial pad (the softphone rings first and answers itself), DTMF during the call, and Call back on a voicemail and on a missed call from the board', {
    timeout: 120_000,
  }, async () => {
    const ana = phones.ana!;
    const liveCalls = board.locator('#live-calls');
    const row = liveCalls.locator('article.live-call');
    const CUSTOMER = '+13055558802';
    const CALLER_BACK = '+13055558803';
    const MISSED = '+13055558804';
    sim.phoneBook(
      `number ${CUSTOMER} answers after 1 s; number ${CALLER_BACK} answers after 1 s; number ${MISSED} answers after 1 s`,
      company.agents,
    );
    await ana.locator('#dial-pad[data-mode="dial"]').waitFor({ timeout: 10_000 });

    // A number without its country code is refused in the page, in words.
    await ana.locator('#dial-input').fill('3055550100');
    await ana.locator('#dial-call').click();
    await expect.poll(() => ana.locator('#dial-message').textContent()).toMatch(/must start with \+ and the country code/);

    // Keys typed on the pad build the number; Call rings ana's own softphone, which answers itself, then the customer.
    await ana.locator('#dial-input').fill('+1305555880');
    await ana.locator('.dial-key[data-key="2"]').click();
    expect(await ana.locator('#dial-input').inputValue()).toBe(CUSTOMER);
    await ana.locator('#caller-id').selectOption(company.number);
    await ana.locator('#dial-call').click();
    await card('ana').and(ana.locator('[data-state="TALKING"]')).waitFor({ timeout: 20_000 });
    await party(card('ana'), 'CALLER', CUSTOMER).waitFor({ timeout: 10_000 });
    await ana.locator('#call-card .call-kind', { hasText: 'On call' }).waitFor();
    expect(await ana.locator('#caller-number').textContent()).toBe(CUSTOMER);
    await expect.poll(() => row.locator('.live-talk').textContent(), { timeout: 10_000 }).toBe(`${CUSTOMER} ↔ ana`);

    // During the call the pad sends DTMF through the SDK.
    await ana.locator('#dial-pad[data-mode="dtmf"]').waitFor();
    await ana.locator('.dial-key[data-key="4"]').click();
    await ana.locator('.dial-key[data-key="#"]').click();
    expect(await ana.locator('#dtmf-sent').textContent()).toBe('Sent: 4#');
    await expect.poll(() => anaFrames.filter((f) => /"dtmf":"(4|#)"/.test(f)).length, { timeout: 5_000 }).toBe(2);
    await shot(ana, '7-ana-outbound-dtmf');

    // Recording from the card: the badge follows the server's state.
    await card('ana').locator('[data-action="record-start"]').click();
    await card('ana').locator('.badge.rec', { hasText: 'Recording' }).waitFor({ timeout: 10_000 });
    await row.locator('.badge.rec', { hasText: 'Recording' }).waitFor({ timeout: 10_000 });
    await card('ana').locator('[data-action="record-pause"]').click();
    await card('ana').locator('.badge.rec.paused', { hasText: 'Recording paused' }).waitFor({ timeout: 10_000 });

    await card('ana').locator('[data-action="hang-up-call"]').click();
    await liveCalls.locator('.empty', { hasText: 'No calls in progress.' }).waitFor({ timeout: 15_000 });

    // A voicemail on the board: Call back rings the picked agent, then dials the caller from the number they called.
    await sim.server.database.prisma.voicemail.create({
      data: {
        companyId: company.companyId,
        callSid: 'v3:e2e-voicemail',
        from: CALLER_BACK,
        to: company.number,
        recordingUrl: `${sim.server.url}/media/none.wav`,
        durationSeconds: 4,
      },
    });
    await board.reload();
    const voicemail = board.locator('#voicemails .voicemail', { hasText: CALLER_BACK });
    await voicemail.waitFor({ timeout: 15_000 });
    await board.locator(`article[data-agent-id="${company.agentIds.ana}"]`).waitFor({ timeout: 10_000 });
    // The softphone picked before the reload is remembered.
    expect(await board.locator('#supervise-softphone').inputValue()).toBe(company.agentIds.sue);
    await voicemail.locator('.callback-agent').selectOption(company.agentIds.ana!);
    await voicemail.locator('[data-action="call-back"]').click();
    await answer('ana');
    await party(card('ana'), 'CALLER', CALLER_BACK).waitFor({ timeout: 15_000 });
    await expect.poll(() => row.locator('.live-talk').textContent(), { timeout: 10_000 }).toBe(`${CALLER_BACK} ↔ ana`);
    await shot(board, '8-board-call-back');
    await card('ana').locator('[data-action="hang-up-call"]').click();
    await liveCalls.locator('.empty', { hasText: 'No calls in progress.' }).waitFor({ timeout: 15_000 });

    // A call missed today (the caller hung up before an answer): listed under Missed calls, and called back the same way.
    await sim.server.database.prisma.callLog.create({
      data: {
        companyId: company.companyId,
        callSid: 'v3:e2e-missed',
        from: MISSED,
        to: company.number,
        startedAt: new Date(),
        endedAt: new Date(),
        outcome: 'ABANDONED',
        waitSeconds: 9,
        timeline: [],
      },
    });
    await board.reload();
    const missedRow = board.locator('#missed-calls .missed-call', { hasText: MISSED });
    await missedRow.waitFor({ timeout: 15_000 });
    expect(await missedRow.textContent()).toContain('waited 9 s');
    await board.locator(`article[data-agent-id="${company.agentIds.ana}"]`).waitFor({ timeout: 10_000 });
    await missedRow.locator('.callback-agent').selectOption(company.agentIds.ana!);
    await missedRow.locator('[data-action="call-back"]').click();
    await answer('ana');
    await party(card('ana'), 'CALLER', MISSED).waitFor({ timeout: 15_000 });
    await expect.poll(() => row.locator('.live-talk').textContent(), { timeout: 10_000 }).toBe(`${MISSED} ↔ ana`);
    await shot(board, '9-board-missed-call-back');
    await card('ana').locator('[data-action="hang-up-call"]').click();
    await liveCalls.locator('.empty', { hasText: 'No calls in progress.' }).waitFor({ timeout: 15_000 });
  });
});
