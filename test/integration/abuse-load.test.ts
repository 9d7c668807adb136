/**
 * Issue 10's load test: one tenant's supervisor does the worst its limits allow — nested, aliased
 * cycle queries over HTTP and graphql-ws, as many sockets and subscriptions as its token may open
 * (and more, which are refused), agents of its own company coming online to fan events out to all of
 * them — while another tenant's calls keep arriving. The service runs in its own process (so the
 * attacker's client work does not share its event loop); the test measures /healthz and the other
 * tenant's voice webhook throughout and asserts both stay answered in time.
 */
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, freshPostgres, postgresAvailable } from '../support/harness.js';
import { spawnInstance, type SpawnedInstance } from '../support/spawn-instance.js';

const ATTACK_MS = 6_000;
const WEBHOOK_DEADLINE_MS = 2_000;
const MAX_AGENTS = 150;
// The defaults: sockets per supervisor token, operations per socket, live subscriptions per company.
const SOCKETS = 20;
const SUBSCRIPTIONS_PER_SOCKET = 50;
const SUBSCRIPTIONS_PER_COMPANY = 100;

const attack = (aliases: number) =>
  `query($c: ID!) { ${Array.from({ length: aliases }, (_, i) => `x${i}: company(id: $c) { agents { company { agents { company { agents { id displayName sipUsername } } } } } }`).join(' ')} }`;
const PRESENCE = `subscription($c: ID!) { presenceChanged(companyId: $c) { agentId online snapshot } }`;

/** Waits for a condition the test cannot subscribe to, polling it. */
async function until(condition: () => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** /healthz every 20 ms and one of the victim's calls every 100 ms, timed from this thread. */
const PROBES = `
const { parentPort, workerData: { url, ms, victim, tag } } = require('node:worker_threads');
const stopAt = performance.now() + ms;
const pause = (t) => new Promise((r) => setTimeout(r, t));
const form = (fields) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
const health = [], webhooks = [];
async function probeHealth() {
  while (performance.now() < stopAt) {
    const t0 = performance.now();
    const res = await fetch(url + '/healthz');
    await res.text();
    if (res.status === 200) health.push(performance.now() - t0); else health.push(Infinity);
    await pause(20);
  }
}
async function probeCalls() {
  for (let call = 0; performance.now() < stopAt; call++) {
    const callSid = 'v3:load-' + tag + '-' + call;
    const t0 = performance.now();
    const res = await fetch(url + '/telnyx/voice', form({ CallSid: callSid, From: '+15551230000', To: '+13055550177' }));
    const body = await res.text();
    webhooks.push({ ms: performance.now() - t0, status: res.status, body });
    // The caller hangs up at once, so the agent is free for the next call.
    await (await fetch(url + '/telnyx/status/' + victim, form({ CallSid: callSid, CallStatus: 'canceled', From: '+15551230000', To: '+13055550177' }))).text();
    await pause(100);
  }
}
Promise.all([probeHealth(), probeCalls()]).then(() => parentPort.postMessage({ health, webhooks }));
`;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

describe('the whole service stays responsive while one tenant attacks within its limits', async () => {
  const pgUp = await postgresAvailable();
  let db: Awaited<ReturnType<typeof freshPostgres>>;
  let server: SpawnedInstance;

  const gql = async (query: string, variables: Record<string, unknown>, token: string) => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as { data?: any; errors?: { message: string; extensions?: any }[] };
  };
  const admin = async (query: string, variables: Record<string, unknown> = {}) => {
    const result = await gql(query, variables, ADMIN_KEY);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };

  beforeAll(async () => {
    if (!pgUp) return;
    db = await freshPostgres();
    server = await spawnInstance({
      DATABASE_URL: db.url,
      JWT_SECRET: randomBytes(32).toString('hex'),
      WEBHOOK_DEADLINE_MS: String(WEBHOOK_DEADLINE_MS),
      MAX_AGENTS_PER_COMPANY: String(MAX_AGENTS),
    });
  }, 60_000);
  afterAll(async () => {
    server?.process.kill('SIGKILL');
    await db?.drop();
  });

  it.runIf(pgUp)(
    'healthz and another tenant’s calls are answered in time throughout',
    async () => {
      const tag = randomBytes(3).toString('hex');
      // The victim: a company with a number and an agent online.
      const { createCompany: victim } = await admin(
        `mutation { createCompany(input: { name: "Victim", routing: { allowUnregisteredSoftphones: true } }) { id } }`,
      );
      await admin(`mutation($c: ID!) { createPhoneNumber(input: { companyId: $c, e164: "+13055550177" }) { id } }`, { c: victim.id });
      const { createAgent: ana } = await admin(
        `mutation($c: ID!, $s: String!) { createAgent(input: { companyId: $c, displayName: "Ana", sipUsername: $s }) { id } }`,
        { c: victim.id, s: `v${tag}.ana` },
      );
      const { issueAgentToken: anaToken } = await admin(`mutation($a: ID!) { issueAgentToken(agentId: $a) { token } }`, { a: ana.id });
      expect(
        (await gql(`mutation { heartbeat(input: { sipRegistered: true }) { presence { online } } }`, {}, anaToken.token)).data.heartbeat
          .presence.online,
      ).toBe(true);

      // The attacker: a company filled to its agent cap by its own supervisor.
      const { createCompany: attacker } = await admin(
        `mutation { createCompany(input: { name: "Attacker", routing: { allowUnregisteredSoftphones: false } }) { id } }`,
      );
      const { issueSupervisorToken: sup } = await admin(`mutation($c: ID!) { issueSupervisorToken(companyId: $c) { token } }`, {
        c: attacker.id,
      });
      const agentIds: string[] = [];
      for (let start = 0; start < MAX_AGENTS; start += 15) {
        const fields = Array.from(
          { length: Math.min(15, MAX_AGENTS - start) },
          (_, i) => `a${start + i}: createAgent(input: { companyId: $c, displayName: "X", sipUsername: "x${tag}.${start + i}" }) { id }`,
        );
        const created = await gql(`mutation($c: ID!) { ${fields.join(' ')} }`, { c: attacker.id }, sup.token);
        expect(created.errors).toBeUndefined();
        agentIds.push(...Object.values(created.data as Record<string, { id: string }>).map((a) => a.id));
      }
      const overCap = await gql(
        `mutation($c: ID!) { createAgent(input: { companyId: $c, displayName: "One more", sipUsername: "x${tag}.more" }) { id } }`,
        { c: attacker.id },
        sup.token,
      );
      expect(overCap.errors?.[0]?.message).toMatch(/at most 150 agents/);

      // Sockets: as many as the token may open, each asking for one subscription more than a socket
      // may hold: the company's quota admits the first ones, the rest are refused; then more sockets,
      // refused. Raw graphql-transport-ws, so the attacker's own
      // process only counts what it receives instead of parsing it.
      const wsUrl = `${server.url.replace(/^http/, 'ws')}/graphql`;
      const received = { events: 0, refusals: 0 };
      const open = (subscriptions: number) =>
        new Promise<{ socket: WebSocket; code: Promise<number>; send: (op: unknown) => void }>((resolve) => {
          const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
          const code = new Promise<number>((r) => socket.on('close', (c) => r(c)));
          const send = (op: unknown) => socket.readyState === WebSocket.OPEN && socket.send(JSON.stringify(op));

          socket.on('open', () => send({ type: 'connection_init', payload: { authorization: `Bearer ${sup.token}` } }));
          socket.on('message', (data: Buffer) => {
            if (data.includes('RATE_LIMITED')) return void received.refusals++;
            if (data.includes('"type":"next"')) return void received.events++;
            const message = JSON.parse(data.toString());
            if (message.type === 'connection_ack') {
              for (let i = 0; i < subscriptions; i++)
                send({ id: `s${i}`, type: 'subscribe', payload: { query: PRESENCE, variables: { c: attacker.id } } });
              resolve({ socket, code, send });
            }
          });
          void code.then(() => resolve({ socket, code, send }));
        });
      const sockets = [];
      for (let i = 0; i < SOCKETS; i++) sockets.push(await open(SUBSCRIPTIONS_PER_SOCKET + 1));
      const asked = SOCKETS * (SUBSCRIPTIONS_PER_SOCKET + 1);
      await until(
        () => received.refusals === asked - SUBSCRIPTIONS_PER_COMPANY && received.events >= SUBSCRIPTIONS_PER_COMPANY * MAX_AGENTS,
      );
      expect(received.events).toBe(SUBSCRIPTIONS_PER_COMPANY * MAX_AGENTS); // each admitted subscription's snapshot, nothing more
      const extra = await Promise.all(Array.from({ length: 5 }, () => open(0)));
      expect(await Promise.all(extra.map((s) => s.code))).toEqual(Array(5).fill(4429));

      // The probes run in a thread of their own, so the attacker's work here does not delay them.
      const probes = new Worker(PROBES, { eval: true, workerData: { url: server.url, ms: ATTACK_MS, victim: victim.id, tag } });
      const measured = new Promise<{ health: number[]; webhooks: { ms: number; status: number; body: string }[] }>((resolve, reject) => {
        probes.once('message', resolve);
        probes.once('error', reject);
      });

      // The attack, for ATTACK_MS: aliased cycle queries over HTTP and every socket, agents flapping online.
      const stopAt = performance.now() + ATTACK_MS;
      const outcomes = new Map<string, number>();
      const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      const httpAttack = async () => {
        while (performance.now() < stopAt) {
          const r = await gql(attack(15), { c: attacker.id }, sup.token);
          count(r.data ? 'executed' : String(r.errors?.[0]?.extensions?.code));
        }
      };
      const wsAttack = async ({ send }: { send: (op: unknown) => void }) => {
        for (let n = 0; performance.now() < stopAt; n++) {
          send({ id: `q${n}`, type: 'subscribe', payload: { query: attack(15), variables: { c: attacker.id } } });
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      const agentTokens = await Promise.all(
        agentIds
          .slice(0, 30)
          .map(
            async (a) =>
              (await admin(`mutation($a: ID!) { issueAgentToken(agentId: $a) { token } }`, { a })).issueAgentToken.token as string,
          ),
      );
      const flap = async () => {
        for (let registered = true; performance.now() < stopAt; registered = !registered) {
          await Promise.all(
            agentTokens.map((t) =>
              gql(`mutation($r: Boolean!) { heartbeat(input: { sipRegistered: $r }) { nextHeartbeatInMs } }`, { r: registered }, t),
            ),
          );
        }
      };
      await Promise.all([...Array.from({ length: 6 }, httpAttack), ...sockets.map(wsAttack), flap()]);
      const { health, webhooks } = await measured;

      health.sort((a, b) => a - b);
      const hooks = webhooks.map((w) => w.ms).sort((a, b) => a - b);
      const dialed = (body: string) => body.includes(`v${tag}.ana`);
      const summary = {
        attacks: Object.fromEntries(outcomes),
        subscriptionEvents: received.events,
        healthz: {
          n: health.length,
          p50: Math.round(percentile(health, 50)),
          p99: Math.round(percentile(health, 99)),
          max: Math.round(health.at(-1)!),
        },
        webhook: {
          n: hooks.length,
          p50: Math.round(percentile(hooks, 50)),
          p99: Math.round(percentile(hooks, 99)),
          max: Math.round(hooks.at(-1)!),
        },
      };
      console.log(`abuse load: ${JSON.stringify(summary)}`);

      expect(outcomes.get('executed') ?? 0).toBe(0);
      expect(outcomes.get('QUERY_TOO_COMPLEX') ?? 0).toBeGreaterThan(20);
      expect(health.length).toBeGreaterThan(10);
      expect(webhooks.length).toBeGreaterThan(5);
      // Every call of the other tenant was answered with its routing (not a fallback), inside the deadline.
      for (const w of webhooks) {
        expect(w.status).toBe(200);
        expect(dialed(w.body)).toBe(true);
        expect(w.ms).toBeLessThan(WEBHOOK_DEADLINE_MS);
      }
      // Before the limits one such query blocked the event loop for 13 s; now no health check waits long.
      // (Measured here, on 2 busy cores: p99 ~400 ms; the bound leaves room for a loaded CI machine.)
      expect(summary.healthz.p99).toBeLessThan(1_000);
      for (const { socket } of sockets) socket.close();
    },
    120_000,
  );
});
