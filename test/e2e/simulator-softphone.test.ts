/**
 * The real @telnyx/webrtc 2.27.10 in real Chromium against the simulator's WebRTC gateway: the SDK
 * registers, rings on the gateway's invite, accepts its generated SDP offer when answering, stays
 * `active` with no media flowing, and hangs up on the gateway's bye.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialStore, LegEvents, SimCredential } from '../../src/simulator/contracts.js';
import { WebRtcGateway } from '../../src/simulator/webrtc-gateway.js';
import { captureConsole, chromiumAvailable, launchChromium } from '../support/browser.js';

/** The SDK's UMD bundle: it defines `window.TelnyxWebRTC`. */
const SDK_BUNDLE = readFileSync(createRequire(import.meta.url).resolve('@telnyx/webrtc/lib/bundle.js'), 'utf8');
const PAGE = '<!doctype html><meta charset="utf-8"><title>softphone</title><script src="/telnyx.js"></script>';

/** One credential with one token: all the gateway asks of the account here. */
function oneCredential(): { store: CredentialStore; credential: SimCredential; token: string } {
  const credential: SimCredential = {
    id: randomUUID(),
    name: 'e2e',
    sipUsername: 'gencrede2esoftphone',
    sipPassword: randomUUID(),
    connectionId: 'conn-e2e',
    createdAt: new Date().toISOString(),
    expired: false,
  };
  const token = `sim.${randomUUID()}`;
  const store: CredentialStore = {
    create: () => credential,
    get: (id) => (id === credential.id ? credential : undefined),
    list: () => [credential],
    remove: () => false,
    mintToken: (id) => (id === credential.id ? token : undefined),
    byToken: (t) => (t === token ? credential : undefined),
  };
  return { store, credential, token };
}

interface PageView {
  ready: boolean;
  states: string[];
  errors: string[];
  state: string | null;
  cause: string | null;
  sipCode: number | null;
  ice: string | null;
}

describe.runIf(chromiumAvailable())('simulator WebRTC gateway with the real SDK in Chromium', () => {
  let http: Server;
  let gateway: WebRtcGateway;
  let browser: Browser;
  let page: Page;
  let port: number;
  const consoleLines: string[] = [];
  const { store, credential, token } = oneCredential();

  const view = () =>
    page.evaluate((): PageView => {
      const w = window as any;
      const call = w.call;
      return {
        ready: w.ready === true,
        states: w.states,
        errors: w.errors,
        state: call?.state ?? null,
        cause: call?.cause ?? null,
        sipCode: call?.sipCode ?? null,
        ice: call?.peer?.instance?.iceConnectionState ?? null,
      };
    });

  beforeAll(async () => {
    gateway = new WebRtcGateway({ credentials: store });
    http = createServer((req, res) => {
      if (req.url === '/telnyx.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(SDK_BUNDLE);
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    });
    gateway.attach(http);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    port = (http.address() as AddressInfo).port;
    browser = await launchChromium();
    page = await browser.newPage();
    consoleLines.push(...captureConsole(page, 'softphone'));
    await page.goto(`http://127.0.0.1:${port}/`);
  }, 60_000);

  afterAll(async () => {
    if (consoleLines.length) console.log(consoleLines.join('\n'));
    await browser?.close();
    await gateway?.close();
    await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
  });

  it('rings on the invite, answers the generated SDP offer, stays active for 3 s, and hangs up on end(completed)', async () => {
    await page.evaluate(
      ({ loginToken, host }) => {
        const w = window as any;
        w.ready = false;
        w.states = [];
        w.errors = [];
        // `host` is missing from the public option types (docs/TELNYX.md §Client options).
        const client = new w.TelnyxWebRTC.TelnyxRTC({ login_token: loginToken, host, enableCallReports: false, iceServers: [] });
        client.on('telnyx.ready', () => (w.ready = true));
        client.on('telnyx.error', (e: any) => w.errors.push(`${e?.error?.code ?? ''} ${e?.error?.message ?? String(e)}`));
        client.on('telnyx.notification', (n: any) => {
          if (n.type !== 'callUpdate') return;
          w.call = n.call;
          w.states.push(n.call.state);
        });
        client.connect();
      },
      { loginToken: token, host: `ws://127.0.0.1:${port}` },
    );
    await expect.poll(async () => (await view()).ready, { timeout: 15_000 }).toBe(true);
    expect(gateway.registered(credential.sipUsername)).toBe(true);

    const heard: string[] = [];
    const events: LegEvents = {
      ringing: () => heard.push('ringing'),
      answered: () => heard.push('answered'),
      rejected: (reason) => heard.push(`rejected:${reason}`),
      hungUp: () => heard.push('hungUp'),
    };
    const leg = gateway.offer(
      {
        legSid: `v3:${randomUUID()}`,
        parentCallSid: `v3:${randomUUID()}`,
        from: '+15551230000',
        to: `sip:${credential.sipUsername}@sip.telnyx.com`,
      },
      events,
    );
    expect(leg).not.toBeNull();
    await expect.poll(async () => (await view()).state, { timeout: 10_000 }).toBe('ringing');
    await expect.poll(() => heard, { timeout: 5_000 }).toEqual(['ringing']);

    await page.evaluate(() => (window as any).call.answer());
    await expect.poll(() => heard, { timeout: 15_000 }).toEqual(['ringing', 'answered']);
    await expect.poll(async () => (await view()).state, { timeout: 5_000 }).toBe('active');
    // The SDK set our offer as its remote description and sent a real answer back.
    const session = gateway.sessions.find((s) => !s.closed && s.credential?.id === credential.id)!;
    const answer = session.received.find((f) => f.method === 'telnyx_rtc.answer')!;
    expect(String(answer.params?.sdp)).toContain('m=audio');
    expect(String(answer.params?.sdp)).toContain('a=setup:active');

    // An observation window, not a wait: the call must read `active` at every sample for 3 s.
    const samples: string[] = [];
    const watchedFrom = Date.now();
    while (Date.now() - watchedFrom < 3_000) {
      const { state, ice } = await view();
      samples.push(`${state}/${ice}`);
      await page.waitForTimeout(250);
    }
    expect(samples.every((s) => s.startsWith('active/'))).toBe(true);
    // No candidates in the offer: ICE never fails, so the SDK never restarts it (see audioOffer()).
    expect(samples.some((s) => s.endsWith('/failed'))).toBe(false);
    expect(heard).toEqual(['ringing', 'answered']);

    leg!.end('completed');
    await expect.poll(async () => (await view()).states, { timeout: 10_000 }).toEqual(expect.arrayContaining(['hangup', 'destroy']));
    const after = await view();
    expect(after.cause).toBe('NORMAL_CLEARING');
    expect(after.sipCode).toBe(200);
    expect(after.states).toEqual(['new', 'ringing', 'answering', 'active', 'hangup', 'destroy']);
    // The remote bye ends it on both sides: nothing more reaches the engine, and the SDK sent no bye of its own.
    expect(heard).toEqual(['ringing', 'answered']);
    expect(session.received.some((f) => f.method === 'telnyx_rtc.bye')).toBe(false);
    expect(after.errors).toEqual([]);
  }, 60_000);
});
