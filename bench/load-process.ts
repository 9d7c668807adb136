/**
 * The load generator, in its own process (pinned to the other core when taskset exists) so that
 * sending never competes with the server's event loop inside one process. Closed loop with bounded
 * concurrency over keep-alive sockets: it offers as much as the server absorbs, never an unbounded
 * backlog, and reports its own CPU share so a generator-bound run is visible.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { TokenService } from '../src/auth/tokens.js';
import { LocalTelnyx } from '../src/simulator/local-telnyx.js';
import type { CallResult } from '../src/simulator/transcript.js';
import { CallsTally, kindOf, scenarioText, type CallKind, type CallsTallySummary } from './lib/calls.js';
import { GraphqlSocket, HttpClient, PipelinedHttpClient } from './lib/clients.js';
import { agentId, companyId, companyNumber, companyOfAgent, voiceBody, type Population } from './lib/fixtures.js';
import { serve } from './lib/rpc.js';
import { GENERATOR_LOOP_RESOLUTION_MS, loopLateness, Samples, summarize, type LatencySummary } from './lib/stats.js';
import { QueueScenario, type QueueOffersParams } from './queue-load.js';

export const HEARTBEAT_MUTATION = 'mutation Heartbeat { heartbeat(input: { sipRegistered: true }) { nextHeartbeatInMs } }';
/** What a TeXML voice webhook looks like on the wire (new CallSid each time). */
const HEARTBEAT_BODY = JSON.stringify({ query: HEARTBEAT_MUTATION, operationName: 'Heartbeat' });
/** A heartbeat's answer frame, checked as text: a `next` with the field and no errors. */
const heartbeatFrameOk = (frame: string | undefined) =>
  !!frame && frame.includes('"type":"next"') && frame.includes('"heartbeat"') && !frame.includes('"errors"');
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

/** One fan-out round as the generator saw it: every delivery's delay from its heartbeat's send. */
export interface FanoutLoad extends LoadResult {
  triggers: number;
  /** Per event, its last delivery: how long the whole fan-out took. */
  lastArrivalMs: LatencySummary;
  /** How late the generator's timers ran: a generator that cannot keep up shows here. */
  generatorLoopDelayMs: { p50: number; p99: number; max: number } | null;
}

/** How a TeXML answer begins. */
const XML_DECLARATION = Buffer.from('<?xml');

/** The mixed day's two open loops, as the generator saw them. */
export interface MixedLoad {
  heartbeats: LoadResult;
  texml: LoadResult;
  generatorCpuPercent: number;
  generatorLoopDelayMs: { p50: number; p99: number; max: number } | null;
  /** One answer that rang agents: the bare transports' fixed TeXML body (not kept in the results). */
  sampleAnswer?: string;
}

export interface CallsParams {
  url: string;
  /** 0: heartbeats alone, paced the same way (the window the calls' cost is measured against). */
  callsPerSecond: number;
  durationMs: number;
  /** Companies 0..answering-1 have agents online; the next `voicemailCompanies` have nobody. */
  answeringCompanies: number;
  voicemailCompanies: number;
  heartbeatsPerSecond: number;
}

export interface CallsLoadResult extends CallsTallySummary {
  placed: number;
  /** Placed and not ended within the drain timeout. */
  unfinished: number;
  /** Placed over the placing window (the target is callsPerSecond). */
  placedPerSecond: number;
  /**
   * Ended calls per second of the placing window: placed/s × ended/placed. (Ends spread over each
   * call's own length, so counting them over any wall-clock window would mix in the scripted durations.)
   */
  completedPerSecond: number;
  /** From the last placement to the last call's end: about the longest scripted call (~4 s) unless calls queue. */
  drainMs: number;
  /** Most calls in progress at once. */
  maxConcurrent: number;
  /** The whole window: placing, then waiting for the last call to end; heartbeats flow throughout. */
  durationMs: number;
  heartbeats: LoadResult;
  generatorCpuPercent: number;
  /**
   * How late the generator's timers ran over the window: every latency above is measured here, so a
   * late generator (a shared core) inflates them. Null on a platform without the histogram.
   */
  generatorLoopDelayMs: { p50: number; p99: number; max: number } | null;
  /** [CallSid, kind] of every call, so the orchestrator can compare with the service's call log. */
  callSids: [string, CallKind][];
}

let population: Population = { agents: 0, agentsPerCompany: 1 };
/** The local Telnyx of the calls scenario: started before the server, whose TELNYX_PUBLIC_KEY is its key. */
let telnyx: LocalTelnyx | null = null;
/** The calls scenario's heartbeat sockets, opened before its windows so that their handshakes are in neither. */
let callSockets: GraphqlSocket[] = [];
/** The mixed scenario's heartbeat sockets (agent i's on urls[i % urls.length]), opened before its window. */
let mixedSockets: GraphqlSocket[] = [];
/** Longest wait for placed calls to end after the placing window (the longest scripted call lasts a few seconds). */
const CALLS_DRAIN_TIMEOUT_MS = 60_000;

/** The queue scenario (its fake TeXML REST API is started before the server: the server's TELNYX_API_BASE_URL). */
let queue: QueueScenario | null = null;

/** The fan-out's supervisor sockets, between `fanoutOpen` and `fanoutRun`. */
interface FanoutRound {
  url: string;
  company: number;
  sockets: GraphqlSocket[];
  snapshots: number;
  /** Each live (not snapshot) presence frame, as text. */
  onFrame: (frame: string) => void;
}
let fanoutRound: FanoutRound | null = null;

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

/**
 * Open loop: request `seq` is due at `started + seq / perSecond` and is sent then, whether or not
 * earlier ones were answered (a socket may carry several at once); its latency runs from when it
 * was DUE, not from when it left, so a stalled server or a late generator shows in the figures
 * instead of silently sending less (no coordinated omission).
 */
async function openLoop(
  perSecond: number,
  durationMs: number,
  started: number,
  op: (seq: number) => Promise<boolean>,
): Promise<LoadResult> {
  const samples = new Samples();
  const inFlight = new Set<Promise<void>>();
  let errors = 0;
  let lateMs = 0;
  const cpu = process.cpuUsage();
  const total = Math.round((perSecond * durationMs) / 1000);
  for (let seq = 0; seq < total; ) {
    const now = performance.now();
    for (; seq < total; seq++) {
      const due = started + (seq * 1000) / perSecond;
      if (due > now) break;
      lateMs = Math.max(lateMs, now - due);
      const one: Promise<void> = op(seq).then(
        (ok) => {
          samples.push(performance.now() - due);
          if (!ok) errors++;
        },
        () => {
          samples.push(performance.now() - due);
          errors++;
        },
      );
      inFlight.add(one);
      void one.finally(() => inFlight.delete(one));
    }
    if (seq < total) await sleep(Math.min(2, Math.max(0, started + (seq * 1000) / perSecond - performance.now())));
  }
  await Promise.all(inFlight);
  return finish(samples, errors, performance.now() - started, cpu, { targetPerSecond: perSecond, latestSendMs: round1(lateMs) });
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

/** `count` sockets, socket i with tokenOf(i) on urls[i % urls.length] (one url: all there). */
async function openSockets(urls: string | string[], count: number, tokenOf: (i: number) => string): Promise<GraphqlSocket[]> {
  const list = typeof urls === 'string' ? [urls] : urls;
  const sockets: GraphqlSocket[] = [];
  for (let start = 0; start < count; start += 100) {
    const batch = Array.from(
      { length: Math.min(100, count - start) },
      (_, k) => new GraphqlSocket(list[(start + k) % list.length]!, tokenOf(start + k)),
    );
    await Promise.all(batch.map((s) => s.ready()));
    sockets.push(...batch);
  }
  return sockets;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Heartbeats over `sockets` at a fixed rate (open loop) until `stopped()`: every few ms, the
 * heartbeats that fell due since the last turn go to the next sockets in turn. Like a softphone, a
 * socket has at most one heartbeat in flight: one falling due while its previous one is unanswered is
 * skipped and counted (notes.skipped), never queued. Latency is from each send.
 */
async function pacedHeartbeats(sockets: GraphqlSocket[], perSecond: number, stopped: () => boolean): Promise<LoadResult> {
  const samples = new Samples();
  const waiting = new Set<number>();
  const inFlight = new Set<Promise<void>>();
  let errors = 0;
  let sent = 0;
  let skipped = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  while (!stopped()) {
    const due = Math.floor(((performance.now() - started) * perSecond) / 1000);
    for (; sent < due; sent++) {
      const index = sent % sockets.length;
      if (waiting.has(index)) {
        skipped++;
        continue;
      }
      waiting.add(index);
      const at = performance.now();
      const one: Promise<void> = sockets[index]!.requestRaw(HEARTBEAT_MUTATION).then(
        (frame) => {
          samples.push(performance.now() - at);
          if (!heartbeatFrameOk(frame)) errors++;
        },
        () => void errors++,
      );
      inFlight.add(one);
      void one.finally(() => {
        waiting.delete(index);
        inFlight.delete(one);
      });
    }
    await sleep(5);
  }
  await Promise.all(inFlight);
  return finish(samples, errors, performance.now() - started, cpu, { targetPerSecond: perSecond, skipped });
}

/** The SIP usernames of a company's agents (fixtures: `bench.ag.<index>`). */
function sipUsernamesOf(company: number): string[] {
  const first = company * population.agentsPerCompany;
  return Array.from({ length: population.agentsPerCompany }, (_, k) => `bench.ag.${first + k}`);
}

serve({
  /** The calls scenario's local Telnyx (real time), before the server starts: it needs the public key. */
  async startTelnyx() {
    await telnyx?.close();
    telnyx = await LocalTelnyx.start({ host: '127.0.0.1' });
    return { url: telnyx.url, publicKey: telnyx.publicKey };
  },

  async stopTelnyx() {
    await telnyx?.close();
    telnyx = null;
    return null;
  },

  /** The first `sockets` agents' graphql-ws sockets (one each), which carry the calls scenario's heartbeats. */
  async openCallSockets(params: { url: string; sockets: number }) {
    callSockets = await openSockets(params.url, params.sockets, (i) => agentTokens[i]!);
    return { sockets: callSockets.length };
  },

  closeCallSockets() {
    for (const s of callSockets) s.close();
    callSockets = [];
    return null;
  },

  /**
   * Whole calls through the local Telnyx, placed open loop (call i is due at i / callsPerSecond,
   * whether or not earlier calls have ended) for `durationMs`, each played to its end, while the
   * agents of `openCallSockets` heartbeat at a paced rate until the last call has ended.
   */
  async calls(params: CallsParams): Promise<CallsLoadResult> {
    if (!telnyx) throw new Error('calls: startTelnyx first');
    const local = telnyx;
    const application = {
      voiceUrl: `${params.url}/telnyx/voice`,
      voiceMethod: 'POST' as const,
      statusCallbackMethod: 'POST' as const,
    };
    if (!callSockets.length) throw new Error('calls: openCallSockets first');
    const tally = new CallsTally();
    const callSids: [string, CallKind][] = [];
    let callsDone = false;
    const loopDelay = monitorEventLoopDelay({ resolution: GENERATOR_LOOP_RESOLUTION_MS });
    loopDelay.enable();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const heartbeats = pacedHeartbeats(callSockets, params.heartbeatsPerSecond, () => callsDone);
    const total = Math.round((params.callsPerSecond * params.durationMs) / 1000);
    const playing: Promise<void>[] = [];
    let concurrent = 0;
    let maxConcurrent = 0;
    let lastEnd = started;
    let answering = 0;
    let voicemail = 0;
    const place = async (seq: number, dueAt: number) => {
      const kind = kindOf(seq);
      // Callers spread over the companies: answered and abandoned calls to those with agents online.
      const company =
        kind === 'voicemail'
          ? params.answeringCompanies + (voicemail++ % params.voicemailCompanies)
          : answering++ % params.answeringCompanies;
      const text = scenarioText(kind, {
        from: `+1202${String(5_000_000 + (seq % 5_000_000)).padStart(7, '0')}`,
        to: companyNumber(company),
        agents: kind === 'voicemail' ? [] : sipUsernamesOf(company),
      });
      let setupMs: number | null = null;
      tally.placed(kind);
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      try {
        const result: CallResult = await local.scenario(text, {
          application: { ...application, statusCallback: `${params.url}/telnyx/status/${encodeURIComponent(companyId(company))}` },
          observe: (step) => {
            if (setupMs === null && step.kind === 'fetch' && step.purpose === 'voice URL') setupMs = performance.now() - dueAt;
          },
        });
        callSids.push([result.callSid, kind]);
        tally.finished(kind, result, setupMs);
      } catch (err) {
        tally.failed(`call ${seq} (${kind}) failed: ${(err as Error).message}`);
      } finally {
        concurrent--;
        lastEnd = performance.now();
      }
    };
    let lastPlacedAt = started;
    for (let seq = 0; seq < total; seq++) {
      const dueAt = started + (seq * 1000) / params.callsPerSecond;
      const wait = dueAt - performance.now();
      if (wait > 1) await sleep(wait);
      lastPlacedAt = performance.now();
      playing.push(place(seq, dueAt));
    }
    let ended = true;
    if (total) {
      const allEnded = Promise.all(playing).then(() => true);
      ended = await Promise.race([allEnded, sleep(CALLS_DRAIN_TIMEOUT_MS).then(() => false)]);
    } else {
      await sleep(params.durationMs); // heartbeats alone, for as long as the calls are placed
    }
    callsDone = true;
    const heartbeatResult = await heartbeats;
    const wallMs = performance.now() - started;
    loopDelay.disable();
    const summary = tally.summary();
    const placedPerSecond = total > 1 ? ((total - 1) / (lastPlacedAt - started)) * 1000 : total;
    const used = process.cpuUsage(cpu);
    return {
      ...summary,
      placed: total,
      unfinished: ended === false ? total - summary.completed : 0,
      // Achieved pace: the gaps between the first and the last placement.
      placedPerSecond: round1(placedPerSecond),
      completedPerSecond: total ? round1((placedPerSecond * summary.completed) / total) : 0,
      drainMs: total ? Math.round(lastEnd - lastPlacedAt) : 0,
      maxConcurrent,
      durationMs: Math.round(wallMs),
      heartbeats: heartbeatResult,
      generatorCpuPercent: Math.round(((used.user + used.system) / 1000 / wallMs) * 100),
      generatorLoopDelayMs: loopLateness(loopDelay, GENERATOR_LOOP_RESOLUTION_MS),
      callSids,
    };
  },

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
  async warmup(params: { url: string; urls?: string[]; concurrency: number; agentCount?: number }) {
    const clients = (params.urls ?? [params.url]).map((u) => new HttpClient(u, params.concurrency));
    const total = params.agentCount ?? population.agents;
    const samples = new Samples();
    /** Heartbeats answered in each second since the start: how soon a cold server reaches full speed. */
    const perSecond: number[] = [];
    let errors = 0;
    let next = 0;
    const cpu = process.cpuUsage();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: params.concurrency }, async () => {
        for (let i = next++; i < total; i = next++) {
          const sent = performance.now();
          if (!(await heartbeatOverHttp(clients[i % clients.length]!, i).catch(() => false))) errors++;
          const done = performance.now();
          samples.push(done - sent);
          const second = Math.floor((done - started) / 1000);
          perSecond[second] = (perSecond[second] ?? 0) + 1;
        }
      }),
    );
    for (const c of clients) c.close();
    return { ...finish(samples, errors, performance.now() - started, cpu), perSecondBuckets: Array.from(perSecond, (v) => v ?? 0) };
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
  async wsHeartbeats(params: { url: string; urls?: string[]; sockets: number; concurrency: number; durationMs: number }) {
    const sockets = await openSockets(params.urls ?? params.url, params.sockets, (i) => agentTokens[i]!);
    try {
      return await closedLoop(params.concurrency, params.durationMs, async (seq) => {
        return heartbeatFrameOk(await sockets[seq % sockets.length]!.requestRaw(HEARTBEAT_MUTATION));
      });
    } finally {
      for (const s of sockets) s.close();
    }
  },

  /** Inbound calls as Telnyx sends them, spread over every company; counts answers that ring agents. */
  async texml(params: { url: string; concurrency: number; durationMs: number; companies: number }) {
    const client = new HttpClient(params.url, params.concurrency);
    const notes = { rang: 0 };
    /** One answer that rang agents, as the ceiling's fixed body: the same bytes to write. */
    let sampleAnswer = '';
    const run = `${process.pid}-${Date.now()}`;
    try {
      return await closedLoop(
        params.concurrency,
        params.durationMs,
        async (seq) => {
          const answer = await client.post(
            `/telnyx/voice/${companyId(seq % params.companies)}`,
            { 'content-type': 'application/x-www-form-urlencoded' },
            voiceBody(run, seq),
          );
          if (answer.body.includes('<Dial')) notes.rang++;
          if (sampleAnswer === '' && answer.body.includes('<Dial')) sampleAnswer = answer.body;
          return answer.status === 200 && answer.body.startsWith('<?xml');
        },
        notes,
      ).then((result) => ({ ...result, sampleAnswer }));
    } finally {
      client.close();
    }
  },

  /** TeXML decisions open loop at `perSecond` (latency from when each was due), spread over every company. */
  async texmlOpen(params: { url: string; perSecond: number; durationMs: number; companies: number; maxSockets: number }) {
    // The bare client: node:http's, at this rate, kept the generator in garbage collection for a third of the window.
    const client = new PipelinedHttpClient(params.url, params.maxSockets);
    const run = `${process.pid}-${Date.now()}-open`;
    try {
      return await openLoop(params.perSecond, params.durationMs, performance.now(), async (seq) => {
        const answer = await client.post(
          `/telnyx/voice/${companyId(seq % params.companies)}`,
          'application/x-www-form-urlencoded',
          voiceBody(run, seq),
        );
        return answer.status === 200 && XML_DECLARATION.equals(answer.body.subarray(0, XML_DECLARATION.length));
      });
    } finally {
      client.close();
    }
  },

  /** The mixed scenario's sockets: the first `sockets` agents, agent i's on urls[i % urls.length] (as a load balancer would spread them). */
  async openMixedSockets(params: { urls: string[]; sockets: number }) {
    mixedSockets = await openSockets(params.urls, params.sockets, (i) => agentTokens[i]!);
    return { sockets: mixedSockets.length };
  },

  closeMixedSockets() {
    for (const s of mixedSockets) s.close();
    mixedSockets = [];
    return null;
  },

  /**
   * The real day, open loop: heartbeats at `heartbeatsPerSecond` over the mixed sockets (heartbeat k
   * on socket k % sockets, due at k / rate) and inbound calls' voice webhooks at `callsPerSecond`
   * (call j to company j % companies, on urls[j % urls.length]), together for `durationMs`. Every
   * latency runs from when the request was due.
   */
  async mixed(params: {
    urls: string[];
    heartbeatsPerSecond: number;
    callsPerSecond: number;
    durationMs: number;
    companies: number;
  }): Promise<MixedLoad> {
    if (!mixedSockets.length) throw new Error('mixed: openMixedSockets first');
    const clients = params.urls.map((u) => new HttpClient(u, 64));
    const run = `${process.pid}-${Date.now()}-mixed`;
    const loopDelay = monitorEventLoopDelay({ resolution: GENERATOR_LOOP_RESOLUTION_MS });
    loopDelay.enable();
    const cpu = process.cpuUsage();
    const started = performance.now() + 20; // both loops share one start
    const notes = { rang: 0 };
    let sampleAnswer = '';
    try {
      const [heartbeats, texml] = await Promise.all([
        openLoop(params.heartbeatsPerSecond, params.durationMs, started, async (seq) => {
          return heartbeatFrameOk(await mixedSockets[seq % mixedSockets.length]!.requestRaw(HEARTBEAT_MUTATION));
        }),
        openLoop(params.callsPerSecond, params.durationMs, started, async (seq) => {
          const answer = await clients[seq % clients.length]!.post(
            `/telnyx/voice/${companyId(seq % params.companies)}`,
            { 'content-type': 'application/x-www-form-urlencoded' },
            voiceBody(run, seq),
          );
          if (answer.body.includes('<Dial')) {
            notes.rang++;
            if (sampleAnswer === '') sampleAnswer = answer.body;
          }
          return answer.status === 200 && answer.body.startsWith('<?xml');
        }),
      ]);
      loopDelay.disable();
      const used = process.cpuUsage(cpu);
      const wallMs = performance.now() - started;
      return {
        heartbeats,
        texml: { ...texml, notes: { ...texml.notes, ...notes } },
        generatorCpuPercent: Math.round(((used.user + used.system) / 1000 / wallMs) * 100),
        sampleAnswer,
        generatorLoopDelayMs: loopLateness(loopDelay, GENERATOR_LOOP_RESOLUTION_MS),
      };
    } finally {
      for (const c of clients) c.close();
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
   * `subscribers` supervisor sockets watch one company (opened here, their snapshots received), ready
   * for `fanoutRun`: opening is kept out of the window the server's CPU is measured over.
   */
  async fanoutOpen(params: { url: string; company: number; subscribers: number }) {
    const supervisor = (await tokens.issue({ role: 'supervisor', companyId: companyId(params.company) }, 3600)).token;
    const sockets = await openSockets(params.url, params.subscribers, () => supervisor);
    const round: FanoutRound = { url: params.url, company: params.company, sockets, snapshots: 0, onFrame: () => {} };
    for (const s of sockets) {
      // As text: one process receives every supervisor's frame, and a parse each would be its queue, not the server's.
      s.subscribeRaw(PRESENCE_SUBSCRIPTION, { c: companyId(params.company) }, (frame) => {
        if (!frame.includes('"presenceChanged"')) return;
        if (frame.includes('"snapshot":true')) return void round.snapshots++;
        round.onFrame(frame);
      });
    }
    const expectedSnapshots = params.subscribers * population.agentsPerCompany;
    for (let waited = 0; round.snapshots < expectedSnapshots && waited < 30_000; waited += 20) await sleep(20);
    fanoutRound = round;
    return { snapshotsReceived: round.snapshots };
  },

  /**
   * Agents of the company `fanoutOpen` watches come online one at a time; each event's delay is
   * measured from the heartbeat's send to its arrival at every supervisor. Closes the sockets.
   */
  async fanoutRun(params: { triggers: number }): Promise<FanoutLoad> {
    const round = fanoutRound;
    if (!round) throw new Error('fanoutRun: fanoutOpen first');
    fanoutRound = null;
    const { sockets } = round;
    const firstAgent = round.company * population.agentsPerCompany;
    const samples = new Samples();
    /** Per event, the last arrival: how long the whole fan-out took. */
    const lastArrivals = new Samples();
    let sentAt = 0;
    let waitingFor = '';
    let arrived = 0;
    let frameBytes = 0;
    let onAll: () => void = () => {};
    round.onFrame = (frame) => {
      if (!frame.includes(`"agentId":"${waitingFor}"`) || !frame.includes('"online":true')) return;
      frameBytes ||= Buffer.byteLength(frame);
      const delay = performance.now() - sentAt;
      samples.push(delay);
      if (++arrived === sockets.length) lastArrivals.push(delay), onAll();
    };
    const client = new HttpClient(round.url, 1);
    const loopDelay = monitorEventLoopDelay({ resolution: GENERATOR_LOOP_RESOLUTION_MS });
    loopDelay.enable();
    const cpu = process.cpuUsage();
    const started = performance.now();
    let missing = 0;
    const triggers = Math.min(params.triggers, population.agentsPerCompany);
    for (let k = 0; k < triggers; k++) {
      arrived = 0;
      waitingFor = agentId(firstAgent + k);
      const all = new Promise<void>((resolve) => (onAll = resolve));
      sentAt = performance.now();
      await heartbeatOverHttp(client, firstAgent + k);
      const timedOut = await Promise.race([all.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 10_000))]);
      if (timedOut) missing += sockets.length - arrived;
    }
    loopDelay.disable();
    client.close();
    for (const s of sockets) s.close();
    return {
      ...finish(samples, missing, performance.now() - started, cpu, {
        subscribers: sockets.length,
        snapshotsReceived: round.snapshots,
        frameBytes,
      }),
      triggers,
      lastArrivalMs: summarize(lastArrivals.values()),
      generatorLoopDelayMs: loopLateness(loopDelay, GENERATOR_LOOP_RESOLUTION_MS),
    };
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

  /** The queue scenario's fake TeXML REST API (./lib/fake-telnyx-rest.ts), for the population prepared. */
  async startQueueRest() {
    await queue?.close();
    queue = await QueueScenario.start(population);
    return { baseUrl: queue.rest.baseUrl, apiKey: queue.apiKey };
  },

  async stopQueueRest() {
    await queue?.close();
    queue = null;
    return null;
  },

  /** Every company's agent on a call and `callersPerCompany` callers waiting in each company's queue. */
  queueSetup(params: { url: string; callersPerCompany: number; concurrency: number }) {
    if (!queue) throw new Error('queueSetup: startQueueRest first');
    return queue.setup(params);
  },

  /** The measured window: agents freed one round after another, each timed to the offer's Update call. */
  queueOffers(params: QueueOffersParams) {
    if (!queue) throw new Error('queueOffers: startQueueRest and queueSetup first');
    return queue.offers(params);
  },

  /** More callers waiting (every queue's maxSize raised first), for the memory per waiting caller. */
  queueFill(params: { url: string; perCompany: number; maxSize: number; concurrency: number }) {
    if (!queue) throw new Error('queueFill: startQueueRest and queueSetup first');
    return queue.fill(params);
  },

  stop() {
    setImmediate(() => process.exit(0));
    return null;
  },
});
