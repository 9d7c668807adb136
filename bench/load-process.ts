/**
 * The load generator, in its own process (pinned to the other core when taskset exists) so that
 * sending never competes with the server's event loop inside one process. Closed loop with bounded
 * concurrency over keep-alive sockets: it offers as much as the server absorbs, never an unbounded
 * backlog, and reports its own CPU share so a generator-bound run is visible.
 */
import { TokenService } from '../src/auth/tokens.js';
import { GraphqlSocket, HttpClient } from './lib/clients.js';
import { agentId, companyId, companyOfAgent, type Population } from './lib/fixtures.js';
import { serve } from './lib/rpc.js';
import { Samples, summarize, type LatencySummary } from './lib/stats.js';

export const HEARTBEAT_MUTATION = 'mutation Heartbeat { heartbeat(input: { sipRegistered: true }) { nextHeartbeatInMs } }';
const HEARTBEAT_BODY = JSON.stringify({ query: HEARTBEAT_MUTATION, operationName: 'Heartbeat' });
const PRESENCE_SUBSCRIPTION = 'subscription($c: ID!) { presenceChanged(companyId: $c) { agentId online snapshot } }';

export interface LoadResult {
  count: number;
  errors: number;
  durationMs: number;
  perSecond: number;
  latencyMs: LatencySummary;
  generatorCpuPercent: number;
  /** Scenario-specific extras (e.g. how many TeXML answers rang agents). */
  notes?: Record<string, number>;
}

let population: Population = { agents: 0, agentsPerCompany: 1 };
let tokens = new TokenService({ jwtSecret: 'x'.repeat(32), adminApiKey: undefined });
let agentTokens: string[] = [];

/** Runs `op` from `concurrency` loops until `durationMs` has passed; op resolves true on success. */
async function closedLoop(
  concurrency: number,
  durationMs: number,
  op: (seq: number) => Promise<boolean>,
  notes?: Record<string, number>,
): Promise<LoadResult> {
  const samples = new Samples();
  let errors = 0;
  let seq = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const end = started + durationMs;
  const loop = async () => {
    while (performance.now() < end) {
      const sent = performance.now();
      const ok = await op(seq++).catch(() => false);
      samples.push(performance.now() - sent);
      if (!ok) errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const wallMs = performance.now() - started;
  return finish(samples, errors, wallMs, cpu, notes);
}

function finish(samples: Samples, errors: number, wallMs: number, cpu: NodeJS.CpuUsage, notes?: Record<string, number>): LoadResult {
  const used = process.cpuUsage(cpu);
  return {
    count: samples.length,
    errors,
    durationMs: Math.round(wallMs),
    perSecond: Math.round((samples.length / wallMs) * 1000),
    latencyMs: summarize(samples.values()),
    generatorCpuPercent: Math.round(((used.user + used.system) / 1000 / wallMs) * 100),
    ...(notes ? { notes } : {}),
  };
}

const heartbeatOk = (answer: { status: number; body: string }) => answer.status === 200 && !answer.body.includes('"errors"');

function heartbeatOverHttp(client: HttpClient, agentIndex: number) {
  return client
    .post('/graphql', { 'content-type': 'application/json', authorization: `Bearer ${agentTokens[agentIndex]}` }, HEARTBEAT_BODY)
    .then(heartbeatOk);
}

async function openSockets(url: string, count: number, tokenOf: (i: number) => string): Promise<GraphqlSocket[]> {
  const sockets: GraphqlSocket[] = [];
  for (let start = 0; start < count; start += 100) {
    const batch = Array.from({ length: Math.min(100, count - start) }, (_, k) => new GraphqlSocket(url, tokenOf(start + k)));
    await Promise.all(batch.map((s) => s.ready()));
    sockets.push(...batch);
  }
  return sockets;
}

serve({
  /** Mints every agent's token in-process with the server's secret (no GraphQL round trip per agent). */
  async prepare(params: { jwtSecret: string; population: Population; agentTokens: boolean }) {
    population = params.population;
    tokens = new TokenService({ jwtSecret: params.jwtSecret, adminApiKey: undefined });
    agentTokens = [];
    for (let i = 0; params.agentTokens && i < population.agents; i++) {
      const cid = companyId(companyOfAgent(population, i));
      agentTokens.push((await tokens.issue({ role: 'agent', companyId: cid, agentId: agentId(i) }, 24 * 3600)).token);
    }
    return { tokens: agentTokens.length };
  },

  /** Every agent heartbeats once: all of them live in the tracker, every company in the directory cache. */
  async warmup(params: { url: string; concurrency: number; agentCount?: number }) {
    const client = new HttpClient(params.url, params.concurrency);
    const total = params.agentCount ?? population.agents;
    const samples = new Samples();
    let errors = 0;
    let next = 0;
    const cpu = process.cpuUsage();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: params.concurrency }, async () => {
        for (let i = next++; i < total; i = next++) {
          const sent = performance.now();
          if (!(await heartbeatOverHttp(client, i).catch(() => false))) errors++;
          samples.push(performance.now() - sent);
        }
      }),
    );
    client.close();
    return finish(samples, errors, performance.now() - started, cpu);
  },

  async httpHeartbeats(params: { url: string; concurrency: number; durationMs: number }) {
    const client = new HttpClient(params.url, params.concurrency);
    try {
      return await closedLoop(params.concurrency, params.durationMs, (seq) => heartbeatOverHttp(client, seq % population.agents));
    } finally {
      client.close();
    }
  },

  /** Heartbeats as graphql-ws mutations; each socket is one agent (the first `sockets` agents). */
  async wsHeartbeats(params: { url: string; sockets: number; concurrency: number; durationMs: number }) {
    const sockets = await openSockets(params.url, params.sockets, (i) => agentTokens[i]!);
    try {
      return await closedLoop(params.concurrency, params.durationMs, async (seq) => {
        const result = await sockets[seq % sockets.length]!.request(HEARTBEAT_MUTATION);
        return !!result?.data?.heartbeat && !result.errors;
      });
    } finally {
      for (const s of sockets) s.close();
    }
  },

  /** Inbound calls as Telnyx sends them, spread over every company; counts answers that ring agents. */
  async texml(params: { url: string; concurrency: number; durationMs: number; companies: number }) {
    const client = new HttpClient(params.url, params.concurrency);
    const notes = { rang: 0 };
    const run = `${process.pid}-${Date.now()}`;
    try {
      return await closedLoop(
        params.concurrency,
        params.durationMs,
        async (seq) => {
          const body = `CallSid=bench-${run}-${seq}&From=%2B15550001111&To=%2B15550002222&CallStatus=ringing`;
          const answer = await client.post(
            `/telnyx/voice/${companyId(seq % params.companies)}`,
            { 'content-type': 'application/x-www-form-urlencoded' },
            body,
          );
          if (answer.body.includes('<Dial')) notes.rang++;
          return answer.status === 200 && answer.body.startsWith('<?xml');
        },
        notes,
      );
    } finally {
      client.close();
    }
  },

  /** The seed's endpoint: JSON { agentId, companyId }, no token. */
  async baselineHeartbeats(params: { url: string; concurrency: number; durationMs: number }) {
    const client = new HttpClient(params.url, params.concurrency);
    try {
      return await closedLoop(params.concurrency, params.durationMs, async (seq) => {
        const i = seq % population.agents;
        const body = JSON.stringify({ agentId: agentId(i), companyId: companyId(companyOfAgent(population, i)) });
        const answer = await client.post('/api/agents/heartbeat', { 'content-type': 'application/json' }, body);
        return answer.status === 200;
      });
    } finally {
      client.close();
    }
  },

  /**
   * `subscribers` supervisor sockets watch one company; agents of it come online one at a time and
   * each event's delay is measured from the heartbeat's send to its arrival at every supervisor.
   */
  async fanout(params: { url: string; company: number; subscribers: number; triggers: number }) {
    const supervisor = (await tokens.issue({ role: 'supervisor', companyId: companyId(params.company) }, 3600)).token;
    const sockets = await openSockets(params.url, params.subscribers, () => supervisor);
    const firstAgent = params.company * population.agentsPerCompany;
    const samples = new Samples();
    let sentAt = 0;
    let waitingFor = '';
    let arrived = 0;
    let snapshots = 0;
    let onAll: () => void = () => {};
    for (const s of sockets) {
      s.subscribe(PRESENCE_SUBSCRIPTION, { c: companyId(params.company) }, (payload) => {
        const event = payload?.data?.presenceChanged;
        if (!event) return;
        if (event.snapshot) return void snapshots++;
        if (event.agentId !== waitingFor || !event.online) return;
        samples.push(performance.now() - sentAt);
        if (++arrived === sockets.length) onAll();
      });
    }
    const expectedSnapshots = params.subscribers * population.agentsPerCompany;
    for (let waited = 0; snapshots < expectedSnapshots && waited < 30_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    const client = new HttpClient(params.url, 1);
    const cpu = process.cpuUsage();
    const started = performance.now();
    let missing = 0;
    for (let k = 0; k < Math.min(params.triggers, population.agentsPerCompany); k++) {
      arrived = 0;
      waitingFor = agentId(firstAgent + k);
      const all = new Promise<void>((resolve) => (onAll = resolve));
      sentAt = performance.now();
      await heartbeatOverHttp(client, firstAgent + k);
      const timedOut = await Promise.race([all.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 10_000))]);
      if (timedOut) missing += sockets.length - arrived;
    }
    client.close();
    for (const s of sockets) s.close();
    return finish(samples, missing, performance.now() - started, cpu, { subscribers: sockets.length, snapshotsReceived: snapshots });
  },

  /**
   * Agents of one company heartbeat once and fall silent; a supervisor's socket times the offline
   * event for each, from the heartbeat's send (the lease starts a little later, on the server).
   */
  async offline(params: { url: string; company: number; agents: number; ttlMs: number }) {
    const supervisor = (await tokens.issue({ role: 'supervisor', companyId: companyId(params.company) }, 3600)).token;
    const [socket] = await openSockets(params.url, 1, () => supervisor);
    const firstAgent = params.company * population.agentsPerCompany;
    const count = Math.min(params.agents, population.agentsPerCompany);
    const sentAt = new Map<string, number>();
    const samples = new Samples();
    let done: () => void = () => {};
    const allOffline = new Promise<void>((resolve) => (done = resolve));
    socket!.subscribe(PRESENCE_SUBSCRIPTION, { c: companyId(params.company) }, (payload) => {
      const event = payload?.data?.presenceChanged;
      if (!event || event.snapshot || event.online) return;
      const sent = sentAt.get(event.agentId);
      if (sent === undefined) return;
      sentAt.delete(event.agentId);
      samples.push(performance.now() - sent);
      if (samples.length === count) done();
    });
    await new Promise((r) => setTimeout(r, 200)); // the subscription is live before the first heartbeat
    const client = new HttpClient(params.url, 8);
    const cpu = process.cpuUsage();
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = next++; i < count; i = next++) {
          sentAt.set(agentId(firstAgent + i), performance.now());
          await heartbeatOverHttp(client, firstAgent + i);
        }
      }),
    );
    await Promise.race([allOffline, new Promise((r) => setTimeout(r, params.ttlMs + 15_000))]);
    client.close();
    socket!.close();
    const result = finish(samples, sentAt.size, performance.now() - started, cpu);
    const overshoot = summarize(samples.values().map((d) => d - params.ttlMs));
    return { ...result, ttlMs: params.ttlMs, overshootMs: overshoot };
  },

  stop() {
    setImmediate(() => process.exit(0));
    return null;
  },
});
