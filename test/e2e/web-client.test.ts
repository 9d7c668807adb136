/**
 * The web client end to end: the real server serving the built app, real Chromium, the real
 * @telnyx/webrtc SDK talking to a local fake of Telnyx (REST token minting + JSON-RPC WebSocket).
 * One company requires registered softphones, so "online" here means the SDK reached `ready`.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebApp, captureConsole, chromiumAvailable, launchChromium, screenshot } from '../support/browser.js';
import { startTestTelnyx, type TestTelnyx } from '../support/local-telnyx.js';
import type { LegEvents } from '../../src/simulator/contracts.js';
import { startServer, subscribe, type TestServer } from '../support/harness.js';

const HEARTBEAT_MS = 1000;
const TTL_MS = 3000;
const GRACE_MS = 500;
const API_KEY = 'KEY_e2e_0123456789';
const BREAK_REASONS = ['Coaching', 'Lunch'];
const PRESENCE_SUB = `subscription($companyId: ID!) { presenceChanged(companyId: $companyId) { agentId online at cause snapshot presence { callState } } }`;

describe.runIf(chromiumAvailable())('web client in Chromium against a fake Telnyx', () => {
  let fake: TestTelnyx;
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let companyId: string;
  let supervisorToken: string;
  let board: Page;
  const agents: Record<'ana' | 'ben' | 'chloe', { id: string; token: string; credentialId: string; page?: Page }> = {} as never;
  const consoleLines: string[] = [];
  let presence: ReturnType<typeof subscribe<any>>;

  const agentCard = (who: keyof typeof agents) => board.locator(`article[data-agent-id="${agents[who].id}"]`);

  async function openSoftphone(who: keyof typeof agents, page?: Page): Promise<Page> {
    const p = page ?? (await context.newPage());
    consoleLines.push(...captureConsole(p, who));
    await p.goto(`${server.url}/#/agent?token=${agents[who].token}`);
    agents[who].page = p;
    return p;
  }

  beforeAll(async () => {
    const [webRoot, fakeTelnyx] = await Promise.all([buildWebApp(), startTestTelnyx({ apiKey: API_KEY })]);
    fake = fakeTelnyx;
    server = await startServer({
      webRoot,
      env: {
        HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS),
        PRESENCE_TTL_MS: String(TTL_MS),
        SOCKET_GRACE_MS: String(GRACE_MS),
        HEARTBEAT_MAX_PER_MINUTE: '600',
        TELNYX_API_KEY: API_KEY,
        TELNYX_API_BASE_URL: fake.apiBaseUrl,
        TELNYX_WEBRTC_HOST: fake.websocketUrl,
      },
    });
    const created = await server.admin(`mutation($input: CreateCompanyInput!) { createCompany(input: $input) { id } }`, {
      input: {
        name: 'Northwind Support',
        breakReasons: BREAK_REASONS,
        routing: { allowUnregisteredSoftphones: false, ringTimeoutSeconds: 20 },
      },
    });
    companyId = created.createCompany.id;
    for (const [key, name] of [
      ['ana', 'Ana García'],
      ['ben', 'Ben Carter'],
      ['chloe', 'Chloé Martin'],
    ] as const) {
      const credentialId = fake.newCredential(`nw.${key}`);
      const { createAgent } = await server.admin(
        `mutation($input: CreateAgentInput!) { createAgent(input: $input) { id telnyxCredentialId } }`,
        {
          input: { companyId, displayName: name, sipUsername: `nw.${key}`, telnyxCredentialId: credentialId },
        },
      );
      expect(createAgent.telnyxCredentialId).toBe(credentialId);
      const { issueAgentToken } = await server.admin(`mutation($id: ID!) { issueAgentToken(agentId: $id) { token } }`, {
        id: createAgent.id,
      });
      agents[key] = { id: createAgent.id, token: issueAgentToken.token, credentialId };
    }
    supervisorToken = (await server.admin(`mutation($id: ID!) { issueSupervisorToken(companyId: $id) { token } }`, { id: companyId }))
      .issueSupervisorToken.token;
    presence = subscribe<any>(server.ws(supervisorToken), PRESENCE_SUB, { companyId });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    board = await context.newPage();
    consoleLines.push(...captureConsole(board, 'board'));
    await board.goto(`${server.url}/#/board?token=${supervisorToken}`);
    await board.locator('article[data-agent-id]').nth(2).waitFor({ timeout: 20_000 });
  }, 120_000);

  afterAll(async () => {
    if (consoleLines.length) console.log(consoleLines.join('\n'));
    await browser?.close();
    await server?.close();
    await fake?.close();
  });

  it('serves the app on the API port: the sign-in page without a token, and no token left in the address bar', async () => {
    const page = await context.newPage();
    await page.goto(server.url);
    await expect.poll(() => page.locator('#signin-form').isVisible(), { timeout: 15_000 }).toBe(true);
    await page.close();
    expect(board.url()).not.toContain('token=');
  });

  it('softphone: the real SDK logs in with a server-minted token, reaches ready and heartbeats; the board shows it online within a second', async () => {
    const ana = await openSoftphone('ana');
    const session = await fake.session(agents.ana.credentialId);
    // The token came from the server's mint call with its API key; the browser never saw the key.
    expect(fake.mintRequests().find((r) => r.credentialId === agents.ana.credentialId)?.authorization).toBe(`Bearer ${API_KEY}`);
    const loginToken = session.received.find((m) => m.method === 'login')?.params?.login_token;
    expect(fake.telnyx.credentials.byToken(String(loginToken))?.id).toBe(agents.ana.credentialId);
    await ana.locator('#app[data-telnyx="ready"]').waitFor({ timeout: 20_000 });
    await expect
      .poll(() => ana.locator('#app').getAttribute('data-heartbeats').then(Number), { timeout: 10_000 })
      .toBeGreaterThanOrEqual(2);
    await expect.poll(() => ana.locator('#telnyx-state').textContent()).toContain('Registered');

    const online = await presence.next(
      (e) => e.presenceChanged.agentId === agents.ana.id && e.presenceChanged.online && !e.presenceChanged.snapshot,
      10_000,
    );
    await agentCard('ana').and(board.locator('[data-online="true"]')).waitFor({ timeout: 5_000 });
    const renderedAt = Number(await agentCard('ana').getAttribute('data-rendered-at'));
    expect(renderedAt - Date.parse(online.presenceChanged.at)).toBeLessThan(1000);
    await screenshot(ana, 'agent-softphone-ready');
  });

  it('the board shows an agent offline after its page closes, and the voice webhook then rings only the others', async () => {
    const ben = await openSoftphone('ben');
    await ben.locator('#app[data-telnyx="ready"]').waitFor({ timeout: 20_000 });
    await agentCard('ben').and(board.locator('[data-online="true"]')).waitFor({ timeout: 10_000 });

    const closedAt = Date.now();
    await agents.ana.page!.close();
    await agentCard('ana')
      .and(board.locator('[data-online="false"]'))
      .waitFor({ timeout: GRACE_MS + TTL_MS + 5_000 });
    expect(Date.now() - closedAt).toBeLessThan(GRACE_MS + TTL_MS + 2_000);

    const call = await server.webhook(`/telnyx/voice/${companyId}`, { CallSid: 'e2e-call-1', From: '+15551230000', To: '+13055550100' });
    expect(call.status).toBe(200);
    expect(call.body).toContain('sip:nw.ben@sip.telnyx.com');
    expect(call.body).not.toContain('nw.ana');
  });

  it('a call to the agent rings the softphone with caller id; Answer answers the leg; the board shows the agent on a call; the far end hanging up ends it', async () => {
    const ben = agents.ben.page!;
    const session = await fake.session(agents.ben.credentialId);
    const { events, heard } = legEvents();
    const leg = fake.telnyx.gateway.offer(
      {
        legSid: 'v3:e2e-call-answer',
        parentCallSid: null,
        from: '+15551230000',
        to: 'sip:nw.ben@sip.telnyx.com',
        callerName: 'Alice Johnson',
      },
      events,
    );
    expect(leg).not.toBeNull();

    await ben.locator('#call-card').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await ben.locator('#caller-name').textContent()).toBe('Alice Johnson');
    expect(await ben.locator('#caller-number').textContent()).toBe('+15551230000');
    expect(heard).toEqual(['ringing']);
    await screenshot(ben, 'agent-incoming-call');

    await ben.getByRole('button', { name: 'Answer' }).click();
    const answer = await fake.waitFor(session, (m) => m.method === 'telnyx_rtc.answer', 20_000);
    expect(answer.params?.sdp).toContain('m=audio');
    await expect.poll(() => heard, { timeout: 10_000 }).toEqual(['ringing', 'answered']);
    await ben.getByRole('button', { name: 'Hang up' }).waitFor({ timeout: 15_000 });
    await expect.poll(() => ben.locator('#call-timer').textContent(), { timeout: 5_000 }).toMatch(/^0:0[1-9]$/);
    // The softphone reports the call state: routing and the board see the agent busy.
    await board.locator(`article.oncall[data-agent-id="${agents.ben.id}"]`).waitFor({ timeout: 5_000 });
    await ben.getByRole('button', { name: 'Mute' }).click();
    await ben.getByRole('button', { name: 'Unmute' }).waitFor();
    await screenshot(ben, 'agent-on-call');
    await screenshot(board, 'supervisor-board-on-call');

    leg!.end('completed'); // the caller hung up: Telnyx sends the softphone a bye
    await ben.locator('#call-card').waitFor({ state: 'hidden', timeout: 10_000 });
    await board.locator(`article.available[data-agent-id="${agents.ben.id}"]`).waitFor({ timeout: 5_000 });
  });

  it('Decline on a ringing call sends a bye with USER_BUSY: the leg is refused busy', async () => {
    const ben = agents.ben.page!;
    const session = await fake.session(agents.ben.credentialId);
    const { events, heard } = legEvents();
    fake.telnyx.gateway.offer(
      { legSid: 'v3:e2e-call-decline', parentCallSid: null, from: '+15557654321', to: 'sip:nw.ben@sip.telnyx.com', callerName: 'Bob' },
      events,
    );
    await ben.getByRole('button', { name: 'Decline' }).click();
    const bye = await fake.waitFor(
      session,
      (m) => m.method === 'telnyx_rtc.bye' && (m.params as { cause?: string })?.cause === 'USER_BUSY',
    );
    expect(bye.params?.cause).toBe('USER_BUSY');
    await expect.poll(() => heard, { timeout: 10_000 }).toEqual(['ringing', 'busy']);
    await ben.locator('#call-card').waitFor({ state: 'hidden' });
  });

  it('a hidden tab whose page timers are throttled to once a minute keeps the agent online past three intervals (Worker clock)', async () => {
    // Headless Chromium reports every page visible (playwright#2286), so the page is made hidden
    // and given Chrome's intensive throttling policy for page timers (>= 60 s) before it loads.
    const page = await context.newPage();
    await page.addInitScript(() => {
      const w = window as unknown as { __hidden: boolean; __pageTicks: number };
      w.__hidden = false;
      w.__pageTicks = 0;
      Object.defineProperty(Document.prototype, 'visibilityState', { get: () => (w.__hidden ? 'hidden' : 'visible') });
      Object.defineProperty(Document.prototype, 'hidden', { get: () => w.__hidden });
      const realTimeout = window.setTimeout.bind(window);
      const realInterval = window.setInterval.bind(window);
      const throttle = (ms?: number) => (w.__hidden ? Math.max(ms ?? 0, 60_000) : ms);
      window.setTimeout = ((fn: TimerHandler, ms?: number, ...args: unknown[]) =>
        realTimeout(fn, throttle(ms), ...args)) as typeof setTimeout;
      window.setInterval = ((fn: TimerHandler, ms?: number, ...args: unknown[]) =>
        realInterval(fn, throttle(ms), ...args)) as typeof setInterval;
    });
    await openSoftphone('chloe', page);
    await page.locator('#app[data-telnyx="ready"]').waitFor({ timeout: 20_000 });
    await agentCard('chloe').and(board.locator('[data-online="true"]')).waitFor({ timeout: 10_000 });

    const before = Number(await page.locator('#app').getAttribute('data-heartbeats'));
    await page.evaluate((intervalMs) => {
      const w = window as unknown as { __hidden: boolean; __pageTicks: number };
      w.__hidden = true;
      document.dispatchEvent(new Event('visibilitychange'));
      // Control: a page timer at the heartbeat interval, started now, does not fire in the window below.
      setInterval(() => w.__pageTicks++, intervalMs);
    }, HEARTBEAT_MS);
    const hiddenFrom = Date.now();
    const windowMs = 3 * HEARTBEAT_MS + TTL_MS + 1000;
    await expect.poll(() => Date.now() - hiddenFrom, { timeout: windowMs + 5000, interval: 500 }).toBeGreaterThan(windowMs);

    expect(await page.evaluate(() => document.visibilityState)).toBe('hidden');
    expect(await page.evaluate(() => (window as unknown as { __pageTicks: number }).__pageTicks)).toBe(0);
    const after = Number(await page.locator('#app').getAttribute('data-heartbeats'));
    expect(after - before).toBeGreaterThanOrEqual(3);
    const wentOffline = presence.events.some(
      (e) => e.presenceChanged.agentId === agents.chloe.id && !e.presenceChanged.online && Date.parse(e.presenceChanged.at) >= hiddenFrom,
    );
    expect(wentOffline).toBe(false);
    const { presence: now } = await server.admin(`query($id: ID!) { presence(companyId: $id) { agentId online } }`, { id: companyId });
    expect(now.find((p: { agentId: string }) => p.agentId === agents.chloe.id).online).toBe(true);
  });

  it('Telnyx drops the connection: the softphone says so and registers again by itself', async () => {
    const ben = agents.ben.page!;
    const session = await fake.session(agents.ben.credentialId);
    session.socket.terminate();
    await ben.locator('#app[data-telnyx="reconnecting"]').waitFor({ timeout: 10_000 });
    expect(await ben.locator('#telnyx-state').textContent()).toContain('reconnecting');
    await ben.locator('#app[data-telnyx="ready"]').waitFor({ timeout: 20_000 });
    expect((await fake.session(agents.ben.credentialId)).socket).not.toBe(session.socket);
  });

  it("the softphone's status picker offers exactly the company's break reasons; the board puts an agent on a break and back, and the softphone follows", async () => {
    const ben = agents.ben.page!;
    const benCard = agentCard('ben');
    const presenceOfBen = async () => {
      const { presence: all } = await server.admin(`query($id: ID!) { presence(companyId: $id) { agentId status statusReason } }`, {
        id: companyId,
      });
      return all.find((p: { agentId: string }) => p.agentId === agents.ben.id);
    };
    await ben.getByRole('button', { name: 'Break' }).click();
    const reasons = ben.locator('#break-reason');
    await reasons.waitFor({ state: 'visible' });
    expect(await reasons.locator('option').allTextContents()).toEqual(BREAK_REASONS);
    await reasons.selectOption('Lunch');
    await expect.poll(() => ben.locator('#presence-state').textContent(), { timeout: 5_000 }).toBe('Online · Break · Lunch');
    await ben.getByRole('button', { name: 'Available' }).click();
    await board.locator(`article.available[data-agent-id="${agents.ben.id}"]`).waitFor({ timeout: 5_000 });

    // The supervisor's picker on the agent's card: the same list, from the company.
    const picker = benCard.locator('select.status-select');
    expect(await picker.locator('option').allTextContents()).toEqual(['Available', ...BREAK_REASONS.map((r) => `Break · ${r}`), 'Wrap-up']);
    await picker.selectOption({ label: 'Break · Coaching' });
    await board.locator(`article.break[data-agent-id="${agents.ben.id}"]`).waitFor({ timeout: 5_000 });
    expect(await benCard.locator('.state-badge').textContent()).toBe('Break · Coaching');
    expect(await presenceOfBen()).toMatchObject({ status: 'ON_BREAK', statusReason: 'Coaching' });
    // The agent's softphone learns it from its next heartbeat.
    await expect.poll(() => ben.locator('#presence-state').textContent(), { timeout: 5_000 }).toBe('Online · Break · Coaching');
    await screenshot(board, 'supervisor-board-agent-on-break');

    await picker.selectOption('AVAILABLE');
    await board.locator(`article.available[data-agent-id="${agents.ben.id}"]`).waitFor({ timeout: 5_000 });
    expect(await presenceOfBen()).toMatchObject({ status: 'AVAILABLE', statusReason: null });
    await expect.poll(() => ben.locator('#presence-state').textContent(), { timeout: 5_000 }).toBe('Online · Available');
  });

  it('routing form: validation messages, then a saved config; "who would ring now" lists the online agents', async () => {
    await board.locator('#ring-timeout').fill('500');
    await board.getByRole('button', { name: 'Save routing' }).click();
    await expect.poll(() => board.locator('#ringTimeoutSeconds-error').textContent()).toContain('At most 120 seconds');
    await board.locator('#fallback-kind').selectOption('NUMBER');
    await board.locator('#ring-timeout').fill('25');
    await board.getByRole('button', { name: 'Save routing' }).click();
    await expect.poll(() => board.locator('#fallbackNumber-error').textContent()).toContain('Enter the number');
    const unchanged = await server.admin(`query($id: ID!) { company(id: $id) { routing { ringTimeoutSeconds fallbackKind } } }`, {
      id: companyId,
    });
    expect(unchanged.company.routing).toEqual({ ringTimeoutSeconds: 20, fallbackKind: 'VOICEMAIL' });

    // Well-formed but not a real number: the browser lets it through, the server refuses, the form says why.
    await board.locator('#fallback-number').fill('+10005550123');
    await board.getByRole('button', { name: 'Save routing' }).click();
    await expect
      .poll(() => board.locator('#routing-message').textContent(), { timeout: 10_000 })
      .toContain('is not a valid E.164 phone number');
    await board.locator('#fallback-number').fill('+1 305 555 0123');
    await board.locator('#routing-mode').selectOption('RING_ALL');
    await board.getByRole('button', { name: 'Save routing' }).click();
    await expect.poll(() => board.locator('#routing-message').textContent(), { timeout: 10_000 }).toBe('Saved.');
    const saved = await server.admin(
      `query($id: ID!) { company(id: $id) { routing { mode ringTimeoutSeconds fallbackKind fallbackNumber } } }`,
      { id: companyId },
    );
    expect(saved.company.routing).toEqual({
      mode: 'RING_ALL',
      ringTimeoutSeconds: 25,
      fallbackKind: 'NUMBER',
      fallbackNumber: '+13055550123',
    });

    await expect
      .poll(() => board.locator('#route-preview .targets li').allTextContents(), { timeout: 10_000 })
      .toEqual(expect.arrayContaining(['Ben Carter', 'Chloé Martin']));
    expect(await board.locator('#route-preview .targets li').allTextContents()).not.toContain('Ana García');
  });

  it("a voicemail arrives on the board live; it never links Telnyx's short-lived URL, and plays our copy once saved", async () => {
    const recordingUrl = 'https://api.telnyx.com/v2/recordings/e2e-vm-1.mp3';
    const res = await server.webhook(`/telnyx/voicemail/${companyId}`, {
      CallSid: 'e2e-vm-1',
      From: '+15559870000',
      To: '+13055550100',
      RecordingUrl: recordingUrl,
      RecordingDuration: '42',
      RecordingStatus: 'completed',
    });
    expect(res.status).toBe(200);
    const item = board.locator('li.voicemail', { hasText: '+15559870000' });
    await item.waitFor({ timeout: 10_000 });
    // Telnyx's URL dies 10 minutes after the call: the board never shows it. Without a RecordingSid
    // nothing was downloaded, so Play says the audio is not there (yet).
    expect(await item.locator('audio').getAttribute('src')).toBeNull();
    expect(await board.content()).not.toContain(recordingUrl);
    await item.getByRole('button', { name: 'Play' }).click();
    await expect.poll(() => item.locator('.vm-note').textContent(), { timeout: 10_000 }).toMatch(/still being saved/);
    await item.getByRole('button', { name: 'Mark handled' }).click();
    await item.getByRole('button', { name: 'Handled ✓' }).waitFor({ timeout: 10_000 });
    // Company figures, live from companyStatsChanged, match the server's: Ana is the one offline.
    const figures = async () => {
      const { companyStats: s } = await server.admin(
        `query($id: ID!) { companyStats(companyId: $id) { agents { available offline total } } }`,
        { id: companyId },
      );
      return { available: `${s.agents.available}/${s.agents.total}`, offline: String(s.agents.offline) };
    };
    await expect
      .poll(
        async () => ({
          available: await board.locator('[data-stat="available"] .tile-value').textContent(),
          offline: await board.locator('[data-stat="offline"] .tile-value').textContent(),
        }),
        { timeout: 10_000 },
      )
      .toEqual(await figures());
    expect((await figures()).offline).toBe('1');
    await screenshot(board, 'supervisor-board');
  });
});

/** What a leg's far end did, in order, as the engine would hear it. */
function legEvents(): { events: LegEvents; heard: string[] } {
  const heard: string[] = [];
  return {
    heard,
    events: {
      ringing: () => heard.push('ringing'),
      answered: () => heard.push('answered'),
      rejected: (reason) => heard.push(reason),
      hungUp: () => heard.push('hung-up'),
    },
  };
}
