/**
 * The quickstart without a Telnyx account, in real Chromium: the seeded demo company allows
 * unregistered softphones, so the softphone says Telnyx is not configured and still heartbeats,
 * the board shows presence and routing working, and the softphone survives the server going away.
 */
import { createServer, Socket, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, seedDemo } from '../../src/demo/seed.js';
import { buildWebApp, captureConsole, chromiumAvailable, launchChromium, screenshot } from '../support/browser.js';
import { startServer, type TestServer } from '../support/harness.js';

/** A TCP hop between the browser and the server that can be cut and restored (same port). */
async function startCuttableProxy(target: string) {
  const { hostname, port: targetPort } = new URL(target);
  const sockets = new Set<Socket>();
  let listener: Server | null = null;
  let port = 0;
  const open = () =>
    new Promise<void>((resolve) => {
      listener = createServer((client) => {
        const upstream = new Socket();
        upstream.connect(Number(targetPort), hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      listener.listen(port, '127.0.0.1', () => {
        port = (listener!.address() as AddressInfo).port;
        resolve();
      });
    });
  await open();
  return {
    url: () => `http://127.0.0.1:${port}`,
    async cut() {
      const closed = new Promise<void>((resolve) => listener!.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
    restore: open,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => (listener?.listening ? listener.close(() => resolve()) : resolve()));
    },
  };
}

describe.runIf(chromiumAvailable())('demo without a Telnyx account, in Chromium', () => {
  let server: TestServer;
  let proxy: Awaited<ReturnType<typeof startCuttableProxy>>;
  let browser: Browser;
  let agent: Page;
  let board: Page;
  const consoleLines: string[] = [];

  beforeAll(async () => {
    const webRoot = await buildWebApp();
    server = await startServer({ webRoot, env: { HEARTBEAT_INTERVAL_MS: '1000', PRESENCE_TTL_MS: '4000', SOCKET_GRACE_MS: '1000' } });
    await seedDemo(server.database.prisma);
    proxy = await startCuttableProxy(server.url);
    const token = async (m: string, v: Record<string, unknown>) =>
      Object.values(await server.admin<Record<string, { token: string }>>(m, v))[0]!.token;
    const agentToken = await token(`mutation($id: ID!) { issueAgentToken(agentId: $id) { token } }`, { id: DEMO.agents[0].id });
    const supervisorToken = await token(`mutation($id: ID!) { issueSupervisorToken(companyId: $id) { token } }`, { id: DEMO.companyId });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    board = await context.newPage();
    agent = await context.newPage();
    consoleLines.push(...captureConsole(board, 'board'), ...captureConsole(agent, 'agent'));
    await board.goto(`${server.url}/#/board?token=${supervisorToken}`);
    await agent.goto(`${proxy.url()}/#/agent?token=${agentToken}`);
  }, 120_000);

  afterAll(async () => {
    if (consoleLines.length) console.log(consoleLines.join('\n'));
    await browser?.close();
    await proxy?.close();
    await server?.close();
  });

  it('says plainly that Telnyx is not configured, and still heartbeats the agent online', async () => {
    await expect
      .poll(() => agent.locator('.notice').textContent(), { timeout: 15_000 })
      .toContain('Telnyx is not configured on this server');
    expect(await agent.locator('.notice').textContent()).toContain('You still show as online');
    expect(await agent.locator('#telnyx-state').textContent()).toBe('Telnyx not configured');
    await agent.locator('#app[data-online="true"]').waitFor({ timeout: 10_000 });
    await expect
      .poll(() => agent.locator('#app').getAttribute('data-heartbeats').then(Number), { timeout: 10_000 })
      .toBeGreaterThanOrEqual(3);
    await board.locator(`article[data-agent-id="${DEMO.agents[0].id}"][data-online="true"]`).waitFor({ timeout: 10_000 });
    await expect
      .poll(() => board.locator('#route-preview .targets li').allTextContents(), { timeout: 5_000 })
      .toEqual([DEMO.agents[0].displayName]);
    await screenshot(agent, 'agent-softphone-demo-mode');
  });

  it('the status picker puts the agent on a break with a reason, and the board follows live', async () => {
    await agent.locator('#break-reason').waitFor({ state: 'hidden' });
    await agent.getByRole('button', { name: 'Break' }).click();
    await agent.locator('#break-reason').waitFor({ state: 'visible' });
    // Exactly the company's reasons, from the server, in its order.
    expect(await agent.locator('#break-reason option').allTextContents()).toEqual(DEMO.breakReasons);
    await agent.locator('#break-reason').selectOption('Lunch');
    await expect.poll(() => agent.locator('#presence-state').textContent(), { timeout: 5_000 }).toBe('Online · Break · Lunch');
    const card = board.locator(`article.break[data-agent-id="${DEMO.agents[0].id}"]`);
    await card.waitFor({ timeout: 5_000 });
    expect(await card.locator('.state-badge').textContent()).toBe('Break · Lunch');
    await expect.poll(() => board.locator('#route-preview .decision').textContent(), { timeout: 5_000 }).toContain('Nobody rings');
    await screenshot(board, 'supervisor-board-demo-mode');
    await agent.getByRole('button', { name: 'Available' }).click();
    await board.locator(`article.available[data-agent-id="${DEMO.agents[0].id}"]`).waitFor({ timeout: 5_000 });
  });

  it('the server goes away: the softphone says so, then reconnects and heartbeats again by itself', { timeout: 60_000 }, async () => {
    await proxy.cut();
    await agent.locator('#server-state', { hasText: 'Server unreachable' }).waitFor({ timeout: 10_000 });
    expect(await agent.locator('#presence-state').textContent()).toBe('Presence unknown');
    expect(await agent.locator('.notice').textContent()).toContain('cannot be reached. Reconnecting automatically');
    await screenshot(agent, 'agent-softphone-server-unreachable');
    const before = Number(await agent.locator('#app').getAttribute('data-heartbeats'));
    await proxy.restore();
    // The client retries with capped backoff (at most ~12.5 s apart).
    await agent.locator('#server-state', { hasText: 'Server connected' }).waitFor({ timeout: 30_000 });
    await expect
      .poll(() => agent.locator('#app').getAttribute('data-heartbeats').then(Number), { timeout: 10_000 })
      .toBeGreaterThan(before);
    await board.locator(`article[data-agent-id="${DEMO.agents[0].id}"][data-online="true"]`).waitFor({ timeout: 10_000 });
    expect(await agent.locator('#presence-state').textContent()).toBe('Online · Available');
  });

  it('an inbound call as Telnyx would send it rings the unregistered demo softphone', async () => {
    const call = await server.webhook('/telnyx/voice', { To: DEMO.number, From: '+15551230000', CallSid: 'demo-e2e-1' });
    expect(call.body).toContain(`sip:${DEMO.agents[0].sipUsername}@sip.telnyx.com`);
  });

  it('an expired session says "sign in again" on the softphone and the board, instead of reconnecting', async () => {
    const issue = (viewer: Parameters<typeof server.app.services.tokens.issue>[0]) => server.app.services.tokens.issue(viewer, 4);
    const softphoneToken = await issue({ role: 'agent', companyId: DEMO.companyId, agentId: DEMO.agents[1].id });
    const boardToken = await issue({ role: 'supervisor', companyId: DEMO.companyId });
    const context = agent.context();
    const [expiringAgent, expiringBoard] = await Promise.all([context.newPage(), context.newPage()]);
    try {
      await expiringAgent.goto(`${server.url}/#/agent?token=${softphoneToken.token}`);
      await expiringBoard.goto(`${server.url}/#/board?token=${boardToken.token}`);
      await expiringAgent.locator('#server-state', { hasText: 'Session expired — sign in again' }).waitFor({ timeout: 10_000 });
      expect(await expiringAgent.locator('.notice').textContent()).toContain('Your session expired: sign in again');
      await expiringBoard.locator('#live-state', { hasText: 'Session expired — sign in again' }).waitFor({ timeout: 10_000 });
    } finally {
      await Promise.all([expiringAgent.close(), expiringBoard.close()]);
    }
  });

  it('a revoked sign-in is said plainly, the softphone stops, and the board shows the agent offline', async () => {
    await server.admin(`mutation($id: ID!) { revokeAgentTokens(agentId: $id) }`, { id: DEMO.agents[0].id });
    await agent.locator('#server-state', { hasText: 'Sign-in refused' }).waitFor({ timeout: 10_000 });
    expect(await agent.locator('.notice').textContent()).toContain('This sign-in link is no longer valid');
    await board.locator(`article[data-agent-id="${DEMO.agents[0].id}"][data-online="false"]`).waitFor({ timeout: 10_000 });
  });
});
