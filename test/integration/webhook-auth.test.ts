/**
 * How webhooks prove they come from Telnyx (TELNYX_WEBHOOK_AUTH, src/telnyx/webhook-auth.ts), over
 * real processes and servers: production refuses to start unauthenticated by default, `off` starts
 * but warns (log and /readyz), the URL token (TELNYX_WEBHOOK_TOKEN) is required on every /telnyx
 * route and carried by every callback URL our TeXML emits, alone or beside signatures.
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createInterface } from 'node:readline';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/harness.js';

const TOKEN = randomBytes(24).toString('hex');
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const TELNYX_PUBLIC_KEY = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');

// ——— the process ———

interface Started {
  code: number | null;
  stdout: string[];
  stderr: string;
  url: string | null;
  stop(): Promise<number | null>;
}

/** `tsx src/main.ts` as a process of its own; resolves once it listens, or once it exits. */
function startProcess(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    // A clean environment: nothing of the test runner's leaks in.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', HOST: '127.0.0.1', DATA_DIR: 'memory://', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const started: Started = {
    code: null,
    stdout: [],
    stderr: '',
    url: null,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
  child.stderr!.on('data', (chunk) => (started.stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`src/main.ts neither listened nor exited within 60 s:\n${started.stderr}`));
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      started.code = code;
      resolve(started);
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      started.stdout.push(line);
      try {
        const entry = JSON.parse(line);
        if (entry.msg === 'listening') {
          clearTimeout(timer);
          started.url = entry.url;
          resolve(started);
        }
      } catch {
        // not a log line
      }
    });
  });
}

const PRODUCTION = {
  NODE_ENV: 'production',
  ADMIN_API_KEY: 'production-admin-key-0123456789',
  JWT_SECRET: 'production-jwt-secret-0123456789abcdef',
  LOG_LEVEL: 'info',
};

describe('production start-up: webhooks are never unauthenticated by default', () => {
  it('without TELNYX_PUBLIC_KEY (and no explicit TELNYX_WEBHOOK_AUTH) the process exits non-zero, saying what to set', async () => {
    const started = await startProcess(PRODUCTION);
    expect(started.url).toBeNull();
    expect(started.code).not.toBe(0);
    expect(started.code).not.toBeNull();
    expect(started.stderr).toMatch(/TELNYX_PUBLIC_KEY is required when NODE_ENV=production/);
    expect(started.stderr).toMatch(/TELNYX_WEBHOOK_AUTH=token/);
    expect(started.stderr).toMatch(/TELNYX_WEBHOOK_AUTH=off/);
  }, 90_000);

  it('with TELNYX_WEBHOOK_AUTH=off it starts, warns at start, and /readyz says so; unsigned webhooks are served', async () => {
    const started = await startProcess({ ...PRODUCTION, TELNYX_WEBHOOK_AUTH: 'off' });
    try {
      expect(started.url, started.stderr).not.toBeNull();
      const warning = started.stdout.map((l) => JSON.parse(l)).find((l) => l.level === 40 && /TELNYX_WEBHOOK_AUTH=off/.test(l.msg));
      expect(warning).toMatchObject({ telnyxWebhookAuth: 'off', production: true });
      const ready = await fetch(`${started.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        status: 'ready',
        details: { telnyxWebhooks: { auth: 'off', urlToken: false, warning: expect.stringMatching(/not authenticated/) } },
      });
      const webhook = await fetch(`${started.url}/telnyx/voice`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'CallSid=v3%3Aoff-1&To=%2B13055550100',
      });
      expect(webhook.status).toBe(200);
    } finally {
      expect(await started.stop()).toBe(0);
    }
  }, 90_000);
});

// ——— the URL token ———

async function companyWithAgent(server: TestServer, number: string) {
  const { createCompany } = await server.admin(
    `mutation($r: RoutingConfigInput) { createCompany(input: { name: "Tok", routing: $r }) { id } }`,
    { r: { allowUnregisteredSoftphones: true, mode: 'SEQUENTIAL' } },
  );
  await server.admin(`mutation($c: ID!, $e: String!) { createPhoneNumber(input: { companyId: $c, e164: $e }) { e164 } }`, {
    c: createCompany.id,
    e: number,
  });
  const sip = `tok.${randomBytes(3).toString('hex')}`;
  const { createAgent } = await server.admin(
    `mutation($c: ID!, $s: String!) { createAgent(input: { companyId: $c, displayName: "Tia", sipUsername: $s }) { id } }`,
    { c: createCompany.id, s: sip },
  );
  const { issueAgentToken } = await server.admin(`mutation($a: ID!) { issueAgentToken(agentId: $a) { token } }`, { a: createAgent.id });
  await server.gql(`mutation { heartbeat(input: { sipRegistered: false }) { nextHeartbeatInMs } }`, {}, issueAgentToken.token);
  return { companyId: createCompany.id as string, sip, number };
}

function signed(body: string): Record<string, string> {
  const ts = String(Math.floor(Date.now() / 1000));
  return { 'telnyx-timestamp': ts, 'telnyx-signature-ed25519': sign(null, Buffer.from(`${ts}|${body}`), privateKey).toString('base64') };
}

async function post(url: string, params: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params).toString(),
  });
  const body = await res.text();
  expect(XMLValidator.validate(body), body).toBe(true);
  return { status: res.status, body };
}

/** Every URL-valued attribute of a TeXML document (action, statusCallback, …), XML-unescaped. */
function callbackUrlsIn(texml: string): URL[] {
  return [...texml.matchAll(/(?:action|statusCallback|recordingStatusCallback)="([^"]+)"/g)].map(
    (m) => new URL(m[1]!.replace(/&amp;/g, '&')),
  );
}

describe('TELNYX_WEBHOOK_AUTH=token: the URL token alone', () => {
  let server: TestServer;
  let co: Awaited<ReturnType<typeof companyWithAgent>>;
  beforeAll(async () => {
    server = await startServer({
      env: { TELNYX_WEBHOOK_AUTH: 'token', TELNYX_WEBHOOK_TOKEN: TOKEN, PRESENCE_TTL_MS: '600000', HEARTBEAT_INTERVAL_MS: '10000' },
    });
    co = await companyWithAgent(server, '+13055557101');
  });
  afterAll(() => server.close());

  it('refuses every route without the token, or with a wrong one, before reading the body', async () => {
    const call = { CallSid: 'v3:tok-0', From: '+15551230000', To: co.number };
    for (const path of ['/telnyx/voice', `/telnyx/status/${co.companyId}`, '/telnyx/status', `/telnyx/dial-complete/${co.companyId}`]) {
      for (const query of ['', '?token=', `?token=${TOKEN.slice(1)}`, `?token=${TOKEN}x`, `?mac=${TOKEN}`]) {
        const res = await post(`${server.url}${path}${query}`, call);
        expect(res.status, `${path}${query}`).toBe(403);
      }
    }
  });

  it('serves requests carrying it, and every callback URL the TeXML emits carries it too', async () => {
    const call = { CallSid: 'v3:tok-1', From: '+15551230000', To: co.number };
    const voice = await post(`${server.url}/telnyx/voice?token=${TOKEN}`, call);
    expect(voice.status).toBe(200);
    expect(voice.body).toContain(`sip:${co.sip}@sip.telnyx.com`);
    const urls = callbackUrlsIn(voice.body);
    expect(urls.length).toBeGreaterThanOrEqual(2);
    for (const url of urls) {
      expect(url.searchParams.get('token')).toBe(TOKEN);
      expect(url.searchParams.has('mac')).toBe(false); // no signatures: nothing for a MAC to complete
    }
    const action = urls.find((u) => u.pathname.startsWith('/telnyx/dial-complete'))!;
    const next = await post(action.toString(), { ...call, DialCallStatus: 'no-answer' });
    expect(next.status).toBe(200);
    expect(next.body).toContain('<Record');
    for (const url of callbackUrlsIn(next.body)) expect(url.searchParams.get('token')).toBe(TOKEN);
  });

  it('shows the mode on /readyz', async () => {
    expect(await (await fetch(`${server.url}/readyz`)).json()).toMatchObject({
      details: { telnyxWebhooks: { auth: 'token', urlToken: true } },
    });
  });
});

describe('signatures with the URL token as a second factor', () => {
  let server: TestServer;
  let co: Awaited<ReturnType<typeof companyWithAgent>>;
  beforeAll(async () => {
    server = await startServer({
      env: { TELNYX_PUBLIC_KEY, TELNYX_WEBHOOK_TOKEN: TOKEN, PRESENCE_TTL_MS: '600000', HEARTBEAT_INTERVAL_MS: '10000' },
    });
    co = await companyWithAgent(server, '+13055557102');
  });
  afterAll(() => server.close());

  it('needs both: a signed request without the token, or the token without a signature, is refused', async () => {
    const call = { CallSid: 'v3:both-1', From: '+15551230000', To: co.number };
    const body = new URLSearchParams(call).toString();
    expect((await post(`${server.url}/telnyx/voice`, call, signed(body))).status).toBe(403);
    expect((await post(`${server.url}/telnyx/voice?token=${TOKEN}`, call)).status).toBe(403);
    const voice = await post(`${server.url}/telnyx/voice?token=${TOKEN}`, call, signed(body));
    expect(voice.status).toBe(200);
    for (const url of callbackUrlsIn(voice.body)) {
      expect(url.searchParams.get('token')).toBe(TOKEN);
      expect(url.searchParams.get('mac')).toMatch(/^[A-Za-z0-9_-]{22}$/);
    }
    const action = callbackUrlsIn(voice.body).find((u) => u.pathname.startsWith('/telnyx/dial-complete'))!;
    const missed = new URLSearchParams({ ...call, DialCallStatus: 'no-answer' }).toString();
    expect((await post(action.toString(), { ...call, DialCallStatus: 'no-answer' }, signed(missed))).status).toBe(200);
    expect(await (await fetch(`${server.url}/readyz`)).json()).toMatchObject({
      details: { telnyxWebhooks: { auth: 'signature', urlToken: true } },
    });
  });
});
