/**
 * `npm run bench [-- --quick | --profile | --db pglite|postgres | --phases queue,presence | --report-only]`: every scenario of issue 6, each with the
 * service under test in one process and the load generator in another (pinned to separate cores
 * when taskset exists), so all figures are ratios measured on the same machine in the same run.
 * Prints a table, writes bench/results/latest.json and regenerates docs/BENCHMARKS.md from it. With
 * `--phases`, only those phases run and their figures replace theirs in the saved results (the other
 * phases' figures stay as they were measured).
 *
 * One file on purpose (over 300 lines): every phase is a few dozen lines of the same orchestration
 * (servers started and stopped, measured windows, the generator's calls), which lives here.
 */
import { spawn, spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freshPostgres, PG_URL } from '../test/support/harness.js';
import { openDatabase } from '../src/infra/db.js';
import { DEFAULT_RECORDING_URL_ALLOWLIST } from '../src/telnyx/recording-url.js';
import { loggedOutcomes } from './lib/calls.js';
import { TokenService } from '../src/auth/tokens.js';
import { measureHistory, seedHistory, type HistoryRow, type HistorySeed } from './history.js';
import { CEILING_TEXML, companyCount, companyId, seedPopulation, type Population } from './lib/fixtures.js';
import { assertMergeable, mergePhaseResults, parsePhases, type BenchPhase } from './lib/phases.js';
import { canPin, databaseCpuMs, describeMachine, loadAverage, moveHelperThreads, raisePriority } from './lib/machine.js';
import { networkDelta, raiseLoopbackBacklog, readNetworkCounters } from './lib/network.js';
import {
  renderMarkdown,
  renderTable,
  type BenchResults,
  type CallsRow,
  type HeartbeatRow,
  type InstancesRow,
  type MixedRow,
  type PerOperation,
  type QueueRow,
  type ServerWindow,
} from './lib/report.js';
import { Peer } from './lib/rpc.js';
import { buildBench, compiledScript, productionNodeFlags } from './build.js';
import { settingsFor, THROUGHPUT_ENV, type BenchSettings } from './lib/settings.js';
import { ratio, round2 } from './lib/stats.js';
import type { CallsLoadResult, CallsParams, FanoutLoad, LoadResult, MixedLoad } from './load-process.js';
import type { QueueFillResult, QueueOffersLoad, QueueSetupResult } from './queue-load.js';
import type { StartParams } from './server-process.js';

const NOTES = new URL('./notes.md', import.meta.url);
const DOC = new URL('../docs/BENCHMARKS.md', import.meta.url);

interface Memory {
  heapUsed: number;
  rss: number;
  liveAgents: number | null;
  /** The app built, before start() (and its directory preload): nothing of any agent in memory yet. */
  beforeStart: { heapUsed: number; rss: number } | null;
}

export interface BenchOptions {
  settings: BenchSettings;
  database: 'postgres' | 'pglite';
  pin: boolean;
  /** Write a V8 CPU profile of the server for each measured window into bench/results/profiles. */
  profile?: boolean;
  /** Only these parts (default: all); the smoke tests run parts alone. */
  phases?: BenchPhase[];
  log?: (line: string) => void;
}

export type { BenchPhase } from './lib/phases.js';

/** The generator's nice value where the bench may raise it (root): see Machine.generatorNice. */
const GENERATOR_NICE = -10;

/** The loopback input queue the bench runs with where it may set it (root); Linux's default is 1,000. */
const LOOPBACK_BACKLOG = 10_000;

/** The calls phase's closed-loop heartbeat window, which sets its heartbeats' pace. */
const CALLS_PACE_WINDOW_MS = 3_000;

/** The Redis the multi-instance rows share (a unique key prefix per run, deleted after). */
const REDIS_BENCH_URL = process.env.REDIS_BENCH_URL ?? 'redis://127.0.0.1:6379';

const PROFILES = fileURLToPath(new URL('./results/profiles/', import.meta.url));

/** One process per role; server on core 0, generator on core 1 when pinning. */
function spawnPeer(script: string, name: string, core: number | null): Peer {
  return spawnPinned(script, name, core === null ? null : String(core));
}

/** Moves a running process (all its threads) to `cores` ("0,1"): the generator shares both cores with two servers. */
function repin(peer: Peer, cores: string): void {
  if (peer.child.pid) spawnSync('taskset', ['-a', '-p', '-c', cores, String(peer.child.pid)], { stdio: 'ignore' });
}

/** Runs the compiled script (bench/build.ts): the bench measures what `npm run start:prod` runs. */
function spawnPinned(script: string, name: string, cores: string | null): Peer {
  const server = script === './server-process.ts';
  // The servers start with start:prod's node flags; BENCH_SERVER_NODE_FLAGS and BENCH_GENERATOR_NODE_FLAGS
  // add node or V8 flags to try on one side (e.g. "--trace-gc").
  const tried = ((server ? process.env.BENCH_SERVER_NODE_FLAGS : process.env.BENCH_GENERATOR_NODE_FLAGS) ?? '')
    .split(/\s+/)
    .filter(Boolean);
  const flags = [...new Set(['--enable-source-maps', ...(server ? productionNodeFlags() : []), ...tried])];
  const node = [process.execPath, ...flags, '--expose-gc', '--max-old-space-size=8192', compiledScript(script)];
  const [command, ...args] = cores === null ? node : ['taskset', '-c', cores, ...node];
  return new Peer(spawn(command!, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }), name);
}

async function withDatabase<T>(kind: BenchOptions['database'], work: (databaseUrl: string | undefined) => Promise<T>): Promise<T> {
  if (kind === 'pglite') return work(undefined);
  const fresh = await freshPostgres();
  try {
    return await work(fresh.url);
  } finally {
    await fresh.drop();
  }
}

/** Starts a server process in `mode`, runs `work` against it, always stops it. */
async function withServer<T>(
  opts: BenchOptions,
  params: Omit<StartParams, 'databaseUrl'>,
  work: (server: Peer, url: string, seedMs: number) => Promise<T>,
  seedMore?: (databaseUrl: string) => Promise<void>,
): Promise<T> {
  return withServers(opts, 1, params, (servers, urls, seedMs) => work(servers[0]!, urls[0]!, seedMs), seedMore);
}

/**
 * Starts `count` server processes in `mode` on one seeded database (several share it, and Redis
 * through REDIS_URL in `params.env`), runs `work` against them, always stops them. One process is
 * pinned to core 0 (the generator has core 1); two are left to the scheduler, with the generator
 * moved onto both cores for as long, as on a 2-core box running two instances.
 */
async function withServers<T>(
  opts: BenchOptions,
  count: number,
  params: Omit<StartParams, 'databaseUrl'>,
  work: (servers: Peer[], urls: string[], seedMs: number) => Promise<T>,
  /** More rows after the population, before any server starts (PostgreSQL only). */
  seedMore?: (databaseUrl: string) => Promise<void>,
): Promise<T> {
  return withDatabase(params.mode === 'ceiling' ? 'pglite' : opts.database, async (databaseUrl) => {
    if (count > 1 && !databaseUrl) throw new Error('several instances need a database server of their own (PostgreSQL)');
    // Seeded from here when the database is a server of its own, so the service's heap holds no
    // leftovers of 100k inserted rows when memory per agent is measured.
    let seededMs: number | null = null;
    if (databaseUrl && params.population) {
      const started = performance.now();
      const database = await openDatabase({ databaseUrl, dataDir: 'memory://' });
      await database.migrate();
      await seedPopulation(database.prisma, params.population);
      await database.close();
      if (seedMore) await seedMore(databaseUrl);
      seededMs = Math.round(performance.now() - started);
    }
    const servers = Array.from({ length: count }, (_, k) =>
      spawnPeer(
        './server-process.ts',
        `server(${params.mode}${count > 1 ? ` ${k + 1}/${count}` : ''})`,
        opts.pin && count === 1 ? 0 : null,
      ),
    );
    try {
      const urls: string[] = [];
      let seedMs = 0;
      for (const server of servers) {
        await server.ready;
        const started = await server.call<{ url: string; seedMs: number }>('start', {
          ...params,
          databaseUrl,
          seeded: seededMs !== null,
        });
        urls.push(started.url);
        seedMs = started.seedMs;
      }
      return await work(servers, urls, seededMs ?? seedMs);
    } finally {
      await Promise.all(servers.map((s) => s.call('stop').catch(() => {})));
      await Promise.all(servers.map((s) => s.stop()));
    }
  });
}

/**
 * Runs `load` while the server measures its own CPU and database writes (and profiles, when
 * `profileAs`; and its event loop's stalls, when `loopDelay`).
 */
async function measured<L = LoadResult>(
  server: Peer | Peer[],
  load: () => Promise<L>,
  profileAs?: string,
  loopDelay = false,
): Promise<{ load: L; server: ServerWindow }> {
  const servers = Array.isArray(server) ? server : [server];
  await Promise.all(
    servers.map((s, k) =>
      s.call('mark', {
        ...(profileAs && { profileTo: `${PROFILES}${profileAs}${k ? `-${k + 1}` : ''}.cpuprofile` }),
        loopDelay,
      }),
    ),
  );
  const databaseBefore = databaseWatched ? databaseCpuMs() : null;
  const result = await load();
  const databaseAfter = databaseBefore === null ? null : databaseCpuMs();
  const windows = await Promise.all(servers.map((s) => s.call<ServerWindow>('measure')));
  const window = sumWindows(windows);
  if (databaseBefore === null || databaseAfter === null) return { load: result, server: window };
  return { load: result, server: { ...window, databaseCpuMs: Math.round(databaseAfter - databaseBefore) } };
}

/** The run's database is PostgreSQL on this machine: each window also reads its CPU (machine.ts databaseCpuMs). */
let databaseWatched = false;

function withoutSample<L extends { sampleAnswer?: string }>(load: L): Omit<L, 'sampleAnswer'> {
  const { sampleAnswer: _, ...rest } = load;
  return rest;
}

/** Several instances' windows as one: CPU and work added up, wall time the longest. */
function sumWindows(windows: ServerWindow[]): ServerWindow {
  if (windows.length === 1) return windows[0]!;
  const sum = (f: (w: ServerWindow) => number | undefined) => windows.reduce((a, w) => a + (f(w) ?? 0), 0);
  return {
    wallMs: Math.max(...windows.map((w) => w.wallMs)),
    cpuMs: sum((w) => w.cpuMs),
    cpuPercent: sum((w) => w.cpuPercent),
    loopBusyPercent: Math.round(sum((w) => w.loopBusyPercent) / windows.length),
    writes: sum((w) => w.writes),
    dbOperations: sum((w) => w.dbOperations),
    allocatedBytes: sum((w) => w.allocatedBytes),
    gcMs: sum((w) => w.gcMs),
    offlineTransitions: sum((w) => w.offlineTransitions),
    // The worst instance's stalls (a request waits on the instance it reached).
    loopDelayMs: windows.every((w) => w.loopDelayMs)
      ? {
          p50: Math.max(...windows.map((w) => w.loopDelayMs!.p50)),
          p99: Math.max(...windows.map((w) => w.loopDelayMs!.p99)),
          max: Math.max(...windows.map((w) => w.loopDelayMs!.max)),
        }
      : null,
  };
}

function heartbeatRow(
  agents: number,
  design: HeartbeatRow['design'],
  transport: HeartbeatRow['transport'],
  m: { load: LoadResult; server: ServerWindow },
): HeartbeatRow {
  return {
    agents,
    design,
    transport,
    perSecond: m.load.perSecond,
    p50Ms: m.load.latencyMs.p50,
    p99Ms: m.load.latencyMs.p99,
    errors: m.load.errors,
    serverCpuPercent: m.server.cpuPercent,
    generatorCpuPercent: m.load.generatorCpuPercent,
    dbWritesPer1000: m.load.count ? round2((m.server.writes / m.load.count) * 1000) : null,
    ...perOperation(m),
  };
}

/** What one operation of a window cost the server: CPU, bytes allocated, and the GC's share of the CPU. */
function perOperation(m: { load: Pick<LoadResult, 'count'>; server: ServerWindow }): PerOperation {
  const count = Math.max(1, m.load.count);
  return {
    cpuUsPerOp: Math.round((m.server.cpuMs * 1000) / count),
    allocatedBytesPerOp: m.server.allocatedBytes == null ? null : Math.round(m.server.allocatedBytes / count),
    gcPercent: m.server.gcMs == null ? null : Math.round((m.server.gcMs / Math.max(1, m.server.cpuMs)) * 100),
    databaseCpuUsPerOp: m.server.databaseCpuMs == null ? null : Math.round((m.server.databaseCpuMs * 1000) / count),
  };
}

/** Redis's own CPU and commands between two readings (INFO), for the multi-instance rows. */
async function redisCounters(redis: Redis | null): Promise<{ cpuMs: number; commands: number } | null> {
  if (!redis) return null;
  const info = await redis.info();
  const read = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  return { cpuMs: (read('used_cpu_user') + read('used_cpu_sys')) * 1000, commands: read('total_commands_processed') };
}

/**
 * Whole calls through a local Telnyx in the generator process while heartbeats flow: its own server,
 * started with the simulator's public key (signed webhooks verified) and its recording host allowed.
 */
async function runCalls(
  opts: BenchOptions,
  generator: Peer,
  jwtSecret: string,
  profileAs: (name: string) => string | undefined,
  log: (line: string) => void,
): Promise<CallsRow> {
  const { settings } = opts;
  const c = settings.calls;
  const answeringCompanies = c.companies - c.voicemailCompanies;
  const population: Population = {
    agents: c.companies * settings.agentsPerCompany,
    agentsPerCompany: settings.agentsPerCompany,
    telephony: true,
  };
  await generator.call('prepare', { jwtSecret, population, agentTokens: true });
  const telnyx = await generator.call<{ url: string; publicKey: string }>('startTelnyx');
  const env = {
    ...THROUGHPUT_ENV,
    TELNYX_PUBLIC_KEY: telnyx.publicKey,
    RECORDING_URL_ALLOWLIST: `${DEFAULT_RECORDING_URL_ALLOWLIST},${telnyx.url}`,
  };
  try {
    return await withServer(opts, { mode: 'app', population, jwtSecret, env }, async (server, url) => {
      const onlineAgents = answeringCompanies * settings.agentsPerCompany;
      await generator.call('warmup', { url, concurrency: settings.concurrency, agentCount: onlineAgents });
      // The heartbeats' pace: a share of what this server does closed loop over graphql-ws, measured
      // here, so that the phase keeps the server busy but not saturated on whatever host it runs.
      const sockets = Math.min(onlineAgents, settings.wsSockets);
      const closedLoop = await generator.call<LoadResult>('wsHeartbeats', {
        url,
        sockets,
        concurrency: settings.concurrency,
        durationMs: Math.min(CALLS_PACE_WINDOW_MS, settings.durationMs),
      });
      const heartbeatsPerSecond = Math.max(10, Math.round((c.heartbeatShare * closedLoop.perSecond) / 10) * 10);
      log(
        `· calls: whole simulated calls while ${heartbeatsPerSecond} heartbeats/s flow (${c.heartbeatShare * 100}% of ${closedLoop.perSecond}/s closed loop)`,
      );
      const params: CallsParams = {
        url,
        callsPerSecond: c.perSecond,
        durationMs: c.durationMs,
        answeringCompanies,
        voicemailCompanies: c.voicemailCompanies,
        heartbeatsPerSecond,
      };
      await generator.call('openCallSockets', { url, sockets });
      const alone = await measured(server, () => generator.call<CallsLoadResult>('calls', { ...params, callsPerSecond: 0 }));
      const withCalls = await measured(server, () => generator.call<CallsLoadResult>('calls', params), profileAs('calls'));
      await generator.call('closeCallSockets');
      const { callSids, ...load } = withCalls.load;
      const logged = await server.call<Record<string, string | null>>('callOutcomes', { callSids: callSids.map(([sid]) => sid) });
      // The heartbeats run at the same pace in both windows: what the calls window costs beyond them is the calls'.
      const heartbeatCpuMs = (alone.server.cpuMs / Math.max(1, alone.server.wallMs)) * withCalls.server.wallMs;
      return {
        answeringCompanies,
        voicemailCompanies: c.voicemailCompanies,
        agents: population.agents,
        withCalls: { ...load, server: withCalls.server },
        heartbeatsAlone: { heartbeats: alone.load.heartbeats, server: alone.server },
        closedLoopHeartbeatsPerSecond: closedLoop.perSecond,
        logged: loggedOutcomes(callSids, logged),
        serverCpuMsPerCall: load.completed ? round2((withCalls.server.cpuMs - heartbeatCpuMs) / load.completed) : null,
        dbWritesPerCall: load.completed ? round2(withCalls.server.writes / load.completed) : null,
      };
    });
  } finally {
    await generator.call('stopTelnyx');
  }
}

/**
 * Callers waiting in queues (bench/queue-load.ts): a server of its own with TELNYX_API_KEY and its
 * REST base URL on the generator's fake TeXML REST API; every company's agent online (one HTTP
 * heartbeat each) and kept on a call, `callersPerCompany` callers waiting behind it; then the measured
 * window of "agent free → offer sent"; then the heap per waiting caller, from `memoryCallers` more.
 */
async function runQueue(
  opts: BenchOptions,
  generator: Peer,
  jwtSecret: string,
  profileAs: (name: string) => string | undefined,
  log: (line: string) => void,
): Promise<QueueRow> {
  const q = opts.settings.queue;
  if (!q) throw new Error('the queue phase needs settings.queue');
  const population: Population = { agents: q.companies, agentsPerCompany: 1, telephony: true, queues: true };
  const measuredAt = new Date().toISOString();
  const loadAtStart = loadAverage();
  await generator.call('prepare', { jwtSecret, population, agentTokens: true });
  const rest = await generator.call<{ baseUrl: string; apiKey: string }>('startQueueRest');
  const env = { ...THROUGHPUT_ENV, TELNYX_API_KEY: rest.apiKey, TELNYX_API_BASE_URL: rest.baseUrl };
  try {
    return await withServer(opts, { mode: 'app', population, jwtSecret, env }, async (server, url) => {
      await generator.call('warmup', { url, concurrency: 8 });
      log(`· queue: ${q.companies} agents on a call, ${q.companies * q.callersPerCompany} callers waiting behind them`);
      const setup = await generator.call<QueueSetupResult>('queueSetup', { url, callersPerCompany: q.callersPerCompany, concurrency: 8 });
      log(`· queue: agents freed at ${q.freesPerSecond}/s, ${q.warmupOffers} + ${q.offers} offers${q.burst ? ', then all at once' : ''}`);
      const window = await measured(
        server,
        () =>
          generator.call<QueueOffersLoad>('queueOffers', {
            warmup: q.warmupOffers,
            offers: q.offers,
            perSecond: q.freesPerSecond,
            burst: q.burst,
            waitRoundSeconds: q.waitRoundSeconds,
          }),
        profileAs('queue'),
      );
      log(`· queue: ${q.memoryCallers} more callers waiting, for the heap per waiting caller`);
      const before = await server.call<Memory>('memory', { flushCallLog: true });
      const fill = await generator.call<QueueFillResult>('queueFill', {
        url,
        perCompany: Math.ceil(q.memoryCallers / q.companies),
        maxSize: q.memoryMaxSize,
        concurrency: 16,
      });
      const after = await server.call<Memory>('memory', { flushCallLog: true });
      const rounds = window.load.agentFreeToOfferMs.count + window.load.warmupMs.count + (window.load.burstMs?.count ?? 0);
      return {
        measuredAt,
        loadAverage: { atStart: loadAtStart, atEnd: loadAverage() },
        companies: q.companies,
        callersPerCompany: q.callersPerCompany,
        setup,
        offers: { ...window.load, server: window.server },
        serverCpuMsPerRound: rounds ? round2(window.server.cpuMs / rounds) : null,
        dbWritesPerRound: rounds ? round2(window.server.writes / rounds) : null,
        dbOperationsPerRound: rounds ? round2((window.server.dbOperations ?? 0) / rounds) : null,
        memory: {
          waitingBefore: window.load.waitingAtEnd,
          callersAdded: fill.callers,
          fillErrors: fill.errors,
          enqueueMs: fill.enqueueMs,
          heapBytesPerCaller: fill.callers ? Math.round((after.heapUsed - before.heapUsed) / fill.callers) : null,
          rssBytesPerCaller: fill.callers ? Math.round((after.rss - before.rss) / fill.callers) : null,
        },
      };
    });
  } finally {
    await generator.call('stopQueueRest');
  }
}

/**
 * The call history on millions of seeded calls (bench/history.ts), PostgreSQL only: the log seeded
 * by SQL before the server starts, then pages, reports and the CSV timed from this process (the
 * generator process is idle meanwhile) with a supervisor's token, one request at a time.
 */
async function runHistory(opts: BenchOptions, jwtSecret: string, log: (line: string) => void): Promise<HistoryRow | null> {
  const h = opts.settings.history;
  if (!h) throw new Error('the history phase needs settings.history');
  if (opts.database !== 'postgres') {
    log('· history: skipped (it seeds millions of calls by SQL into PostgreSQL; this run uses PGlite)');
    return null;
  }
  const measuredAt = new Date().toISOString();
  const population: Population = { agents: (h.smallCompanies + 1) * h.agents, agentsPerCompany: h.agents, telephony: true };
  log(
    `· history: seeding ${h.calls.toLocaleString('en-US')} calls of one company over ${h.days} days, and ${h.smallCompanies} × ${h.smallCalls.toLocaleString('en-US')}`,
  );
  let seed: HistorySeed | null = null;
  return withServer(
    opts,
    { mode: 'app', population, jwtSecret, env: THROUGHPUT_ENV },
    async (_server, url) => {
      const tokens = new TokenService({ jwtSecret, adminApiKey: undefined });
      const token = (await tokens.issue({ role: 'supervisor', companyId: companyId(0) }, 3600)).token;
      return { measuredAt, seed: seed!, ...(await measureHistory(url, token, h, seed!, log)) };
    },
    async (databaseUrl) => {
      seed = await seedHistory(databaseUrl, h, log);
    },
  );
}

export async function runBench(opts: BenchOptions): Promise<BenchResults> {
  const { settings } = opts;
  const log = opts.log ?? ((line: string) => console.error(line));
  const runs = (phase: BenchPhase) => !opts.phases || opts.phases.includes(phase);
  await buildBench(log);
  const jwtSecret = randomBytes(32).toString('hex');
  databaseWatched = opts.database === 'postgres' && databaseCpuMs() !== null;
  const machine = describeMachine(
    opts.database === 'postgres' ? `PostgreSQL (${await postgresVersion()}) on this machine` : 'PGlite (in memory, in the server process)',
    opts.pin,
  );
  const results: BenchResults = {
    generatedAt: new Date().toISOString(),
    settings,
    machine,
    heartbeats: [],
    memory: [],
    warmup: [],
    texml: null,
    offline: null,
    fanout: null,
    fanouts: [],
    calls: null,
    ceilings: null,
    texmlOpen: null,
    mixed: [],
    instances: [],
    queue: null,
    history: null,
  };
  const fanouts = results.fanouts!;
  // Generator and server share the loopback: a burst of small writes past the sending core's input
  // queue is dropped and resent 200 ms later (bench/lib/network.ts). Raised for the run where allowed.
  const backlog = settings.quick ? raiseLoopbackBacklog(0) : raiseLoopbackBacklog(LOOPBACK_BACKLOG); // a smoke run only reads it
  if (backlog.was !== null && backlog.during !== null) results.machine.netdevMaxBacklog = { was: backlog.was, during: backlog.during };
  if (backlog.was !== null && backlog.during !== backlog.was) {
    log(`· net.core.netdev_max_backlog raised from ${backlog.was} to ${backlog.during} for this run`);
    process.once('exit', backlog.restore); // also when the run fails before the end (restoring twice is harmless)
  }
  const generator = spawnPeer('./load-process.ts', 'generator', opts.pin ? 1 : null);
  await generator.ready;
  // Where it shares cores with the servers (two instances), the generator goes first: see Machine.generatorNice.
  if (raisePriority(generator.child.pid, GENERATOR_NICE)) results.machine.generatorNice = GENERATOR_NICE;
  const { concurrency, durationMs } = settings;
  const profileAs = (name: string) => (opts.profile ? name : undefined);
  if (opts.profile) await mkdir(PROFILES, { recursive: true });
  const largest = Math.max(...settings.sizes);
  try {
    for (const agents of runs('heartbeats') ? settings.sizes : []) {
      const population: Population = { agents, agentsPerCompany: settings.agentsPerCompany };
      log(`· ${agents} agents: minting tokens, seeding, warming up (first heartbeats right after the start: a cold start)`);
      await generator.call('prepare', { jwtSecret, population, agentTokens: true });
      await withServer(opts, { mode: 'app', population, jwtSecret, env: THROUGHPUT_ENV }, async (server, url, seedMs) => {
        const warm = await measured(server, () =>
          generator.call<LoadResult & { perSecondBuckets: number[] }>('warmup', { url, concurrency }),
        );
        const full = await server.call<Memory>('memory');
        results.warmup.push({
          agents,
          seedMs,
          perSecond: warm.load.perSecond,
          errors: warm.load.errors,
          dbWritesPer1000: round2((warm.server.writes / Math.max(1, warm.load.count)) * 1000),
          durationMs: warm.load.durationMs,
          perSecondBuckets: warm.load.perSecondBuckets,
        });
        const empty = full.beforeStart ?? full;
        results.memory.push({
          agents,
          liveAgents: full.liveAgents,
          heapBytesPerAgent: Math.round((full.heapUsed - empty.heapUsed) / agents),
          rssBytesPerAgent: Math.round((full.rss - empty.rss) / agents),
        });
        log(`· ${agents} agents: heartbeats over HTTP`);
        results.heartbeats.push(
          heartbeatRow(
            agents,
            'ours',
            'http',
            await measured(
              server,
              () => generator.call('httpHeartbeats', { url, concurrency, durationMs }),
              profileAs(`heartbeats-http-${agents}`),
            ),
          ),
        );
        log(`· ${agents} agents: heartbeats over graphql-ws`);
        const sockets = Math.min(agents, settings.wsSockets);
        results.heartbeats.push(
          heartbeatRow(
            agents,
            'ours',
            'ws',
            await measured(
              server,
              () => generator.call('wsHeartbeats', { url, sockets, concurrency, durationMs }),
              profileAs(`heartbeats-ws-${agents}`),
            ),
          ),
        );
        // The bare transports' heartbeat answers, measured here (warm generator, same population's sockets and tokens).
        if (agents === largest && runs('ceilings')) {
          results.ceilings = await withServer(opts, { mode: 'ceiling', jwtSecret }, async (bare, bareUrl) => {
            log('· ceilings: bare node:http and raw ws, fixed heartbeat answers');
            return {
              httpHeartbeat: await ceilingWindow(generator, bare, 'httpHeartbeats', { url: bareUrl, concurrency, durationMs }),
              wsHeartbeat: await ceilingWindow(generator, bare, 'wsHeartbeats', {
                url: bareUrl,
                sockets: Math.min(agents, settings.wsSockets),
                concurrency,
                durationMs,
              }),
            };
          });
        }
      });
      if (!runs('baseline')) continue;
      log(`· ${agents} agents: the seed's design (one UPDATE per heartbeat)`);
      await generator.call('prepare', { jwtSecret, population, agentTokens: false });
      await withServer(opts, { mode: 'baseline', population, jwtSecret }, async (server, url) => {
        results.heartbeats.push(
          heartbeatRow(
            agents,
            'baseline',
            'http',
            await measured(
              server,
              () => generator.call('baselineHeartbeats', { url, concurrency, durationMs }),
              profileAs(`seed-heartbeats-${agents}`),
            ),
          ),
        );
      });
    }

    const largestRun: LargestPopulationRun = { opts, generator, jwtSecret, agents: largest, log, profileAs };
    if (runs('texml')) Object.assign(results, await runTexml(largestRun));
    if (runs('mixed')) results.mixed = await runMixedDay(largestRun);

    if (runs('instances') && opts.database === 'postgres' && (await redisReachable())) {
      results.instances = await runInstances(largestRun);
    } else if (runs('instances')) {
      log('· instances: skipped (needs PostgreSQL and Redis on this machine)');
    }

    if (runs('presence')) {
      log('· presence: offline detection and fan-out to supervisors');
      const population: Population = { agents: 4 * settings.agentsPerCompany * 5, agentsPerCompany: settings.agentsPerCompany * 5 };
      await generator.call('prepare', { jwtSecret, population, agentTokens: true });
      const ttl = settings.offlineTtlMs;
      // The fan-out opens all its supervisor sockets with one token to one company: lift the per-token socket cap and the company's subscription quota for it.
      const presenceEnv = {
        PRESENCE_TTL_MS: String(ttl),
        HEARTBEAT_INTERVAL_MS: String(ttl / 2),
        HEARTBEAT_MAX_PER_MINUTE: '1000000',
        WS_MAX_SOCKETS_PER_SUPERVISOR_TOKEN: '10000',
        MAX_SUBSCRIPTIONS_PER_COMPANY: '100000',
        LOG_LEVEL: 'warn',
      };
      // One round: sockets opened and their snapshots in first, then the server measured over the events alone.
      const fanoutRound = async (server: Peer, url: string, company: number, subscribers: number, profile?: string) => {
        await generator.call('fanoutOpen', { url, company, subscribers });
        const m = await measured(server, () => generator.call<FanoutLoad>('fanoutRun', { triggers: settings.fanoutTriggers }), profile);
        return { ...m.load, server: m.server, serverCpuMsPerEvent: round2(m.server.cpuMs / Math.max(1, m.load.triggers)) };
      };
      await withServer(opts, { mode: 'app', population, jwtSecret, env: presenceEnv }, async (_server, url) => {
        results.offline = await generator.call('offline', { url, company: 0, agents: settings.offlineAgents, ttlMs: ttl });
      });
      // The fan-outs on a server of their own whose leases outlive the run: with the offline TTL, each agent
      // brought online went offline again seconds later, a second fan-out overlapping the ones measured.
      const fanoutEnv = { ...presenceEnv, PRESENCE_TTL_MS: THROUGHPUT_ENV.PRESENCE_TTL_MS };
      await withServer(opts, { mode: 'app', population, jwtSecret, env: fanoutEnv }, async (server, url) => {
        for (const [k, subscribers] of settings.fanoutSubscribers.entries()) {
          log(`· presence: fan-out to ${subscribers} supervisors`);
          fanouts.push(await fanoutRound(server, url, 1 + k, subscribers, profileAs(`fanout-${subscribers}`)));
        }
        results.fanout = fanouts[0] ?? null;
      });
      // The ceiling: a raw ws server broadcasting one fixed frame of the same size, timed by the same generator code.
      await withServer(opts, { mode: 'ceiling', population, jwtSecret }, async (bare, bareUrl) => {
        for (const [k, subscribers] of settings.fanoutSubscribers.entries()) {
          log(`· presence: fan-out ceiling (raw ws broadcast) to ${subscribers} sockets`);
          fanouts[k]!.ceiling = await fanoutRound(bare, bareUrl, 1 + k, subscribers);
        }
      });
    }

    if (runs('calls')) results.calls = await runCalls(opts, generator, jwtSecret, profileAs, log);

    if (runs('queue')) results.queue = await runQueue(opts, generator, jwtSecret, profileAs, log);
    if (runs('history')) results.history = await runHistory(opts, jwtSecret, log);
  } finally {
    await generator.call('stop').catch(() => {});
    await generator.stop();
    backlog.restore();
  }
  results.machine.loadAverage.atEnd = loadAverage();
  return results;
}

/**
 * The real day (settings.mixed): every agent live, `sockets` of them heartbeating over graphql-ws at
 * `heartbeatsPerSecond` in all, and voice webhooks at `callsPerSecond`, both open loop, on `urls`.
 */
async function mixedRow(
  settings: BenchSettings,
  generator: Peer,
  servers: Peer[],
  urls: string[],
  mode: MixedRow['mode'],
  population: Population,
  profileAs: string | undefined,
): Promise<MixedRow> {
  const m = settings.mixed;
  const sockets = Math.min(population.agents, m.sockets);
  await generator.call('openMixedSockets', { urls, sockets });
  try {
    const before = readNetworkCounters();
    const run = await measured(
      servers,
      () =>
        generator.call<MixedLoad>('mixed', {
          urls,
          heartbeatsPerSecond: m.heartbeatsPerSecond,
          callsPerSecond: m.callsPerSecond,
          durationMs: m.durationMs,
          companies: companyCount(population),
        }),
      profileAs,
      true, // the server's own stalls, beside the latencies
    );
    const network = networkDelta(before, readNetworkCounters());
    return { instances: servers.length, mode, agents: population.agents, sockets, ...run.load, server: run.server, network };
  } finally {
    await generator.call('closeMixedSockets');
  }
}

/** A phase on the largest population, with the generator and what it signs tokens with. */
interface LargestPopulationRun {
  opts: BenchOptions;
  generator: Peer;
  jwtSecret: string;
  agents: number;
  log: (line: string) => void;
  profileAs: (name: string) => string | undefined;
}

/** The population, with every agent's token minted in the generator. */
async function agentsWithTokens({ opts, generator, jwtSecret, agents }: LargestPopulationRun): Promise<Population> {
  const population: Population = { agents, agentsPerCompany: opts.settings.agentsPerCompany };
  await generator.call('prepare', { jwtSecret, population, agentTokens: true });
  return population;
}

/**
 * Load sent, unmeasured, before a closed-loop window, to the service and its ceiling alike: V8 compiles
 * a route's code in its first second of load (perf on the TeXML server: a fifth of its CPU in that
 * second, 2% in the next, none after).
 */
const WARMUP_LOAD_MS = 1_000;

/** Connections the TeXML open loop spreads its requests over (the service's and the bare server's alike). */
const OPEN_LOOP_SOCKETS = 256;

/** One closed-loop window against a bare server, after a second of warm-up not counted. */
async function ceilingWindow(generator: Peer, bare: Peer, op: string, params: Record<string, unknown>) {
  await generator.call(op, { ...params, durationMs: WARMUP_LOAD_MS });
  const m = await measured(bare, () => generator.call<LoadResult>(op, params));
  return { ...m.load, server: m.server };
}

/**
 * TeXML decisions (goal 5) on a server of their own, every agent live: closed loop; then the bare
 * node:http ceiling answering the same bytes the service answered (a Dial ringing a company's
 * agents), closed loop, then open loop at a share of that rate (goal 5b's floor); then the same
 * open loop on the service.
 */
async function runTexml(run: LargestPopulationRun): Promise<Pick<BenchResults, 'texml' | 'texmlOpen'>> {
  const { opts, generator, jwtSecret, agents, log, profileAs } = run;
  const { concurrency: warmupConcurrency, durationMs, texmlOpenShare } = opts.settings;
  const concurrency = opts.settings.texmlConcurrency ?? warmupConcurrency;
  const population = await agentsWithTokens(run);
  const companies = companyCount(population);
  return withServer(opts, { mode: 'app', population, jwtSecret, env: THROUGHPUT_ENV }, async (server, url) => {
    log(`· ${agents} agents: every agent online, then TeXML decisions (${concurrency} in flight)`);
    await generator.call('warmup', { url, concurrency: warmupConcurrency });
    // The same unmeasured second of decisions as the ceiling gets (ceilingWindow).
    await generator.call('texml', { url, concurrency, durationMs: WARMUP_LOAD_MS, companies });
    const ours = await measured(
      server,
      () => generator.call<LoadResult & { sampleAnswer: string }>('texml', { url, concurrency, durationMs, companies }),
      profileAs(`texml-${agents}`),
    );
    /** The open loop's rate: a share of the ceiling's closed-loop rate. */
    const openRate = (ceilingPerSecond: number) => Math.max(10, Math.round((ceilingPerSecond * texmlOpenShare) / 10) * 10);
    const { ceiling, floor } = await withServer(
      opts,
      { mode: 'ceiling', jwtSecret, texmlBody: ours.load.sampleAnswer || undefined },
      async (bare, bareUrl) => {
        log('· ceilings: bare node:http answering the same TeXML');
        const closed = await ceilingWindow(generator, bare, 'texml', { url: bareUrl, concurrency, durationMs, companies });
        // Goal 5b's floor: the bare server under the open loop the service gets next, at the same rate (and what a
        // request costs it there, beside the service's cost at that rate).
        log(`· ceilings: bare node:http, open loop at ${openRate(closed.perSecond)}/s`);
        const open = await measured(bare, () =>
          generator.call<LoadResult>('texmlOpen', {
            url: bareUrl,
            perSecond: openRate(closed.perSecond),
            durationMs,
            companies,
            maxSockets: OPEN_LOOP_SOCKETS,
          }),
        );
        return { ceiling: closed, floor: { ...open.load, server: open.server } };
      },
    );
    const texml: BenchResults['texml'] = {
      companies,
      agents,
      concurrency,
      ours: { ...withoutSample(ours.load), server: ours.server },
      ceiling: { ...ceiling, bodyBytes: Buffer.byteLength(ours.load.sampleAnswer || CEILING_TEXML) },
      ratioToCeiling: ratio(ours.load.perSecond, ceiling.perSecond),
      dbWritesPer1000: round2((ours.server.writes / Math.max(1, ours.load.count)) * 1000),
      ...perOperation(ours),
    };
    const perSecond = openRate(ceiling.perSecond);
    log(`· ${agents} agents: TeXML decisions open loop at ${perSecond}/s (${texmlOpenShare * 100}% of the ceiling)`);
    const open = await measured(
      server,
      () => generator.call<LoadResult>('texmlOpen', { url, perSecond, durationMs, companies, maxSockets: OPEN_LOOP_SOCKETS }),
      profileAs(`texml-open-${agents}`),
    );
    // Last, so the calls it leaves ringing weigh on no other window.
    const inProcessCount = opts.settings.texmlInProcess;
    if (inProcessCount) {
      log(`· ${agents} agents: ${inProcessCount} TeXML decisions in the server process, without HTTP`);
      // The heap after a full collection around them (outside the window): what each of these calls keeps while it rings.
      const before = await server.call<Memory>('memory', { flushCallLog: true });
      const alone = await measured(server, () =>
        server.call<{ count: number; rang: number }>('decisions', { count: inProcessCount, companies }),
      );
      const after = await server.call<Memory>('memory', { flushCallLog: true });
      texml.inProcess = {
        ...alone.load,
        ...perOperation(alone),
        keptBytesPerCall: Math.round((after.heapUsed - before.heapUsed) / inProcessCount),
      };
    }
    return { texml, texmlOpen: { ...open.load, targetPerSecond: perSecond, share: texmlOpenShare, server: open.server, floor } };
  });
}

/**
 * The real day on one instance (goal 1), then the same load against the bare transports (its floor on
 * this machine), each on a server of its own. Not on the TeXML phases' server: those leave ~180k calls
 * ringing in memory (a call is kept 4 h unless Telnyx says it ended, and theirs never do), a heap no
 * real day carries. The bare server answers the TeXML the service answered for the same company.
 */
async function runMixedDay(run: LargestPopulationRun): Promise<MixedRow[]> {
  const { opts, generator, jwtSecret, agents, log, profileAs } = run;
  const { settings } = opts;
  const population = await agentsWithTokens(run);
  log(`· ${agents} agents: the mixed day, on a server of its own`);
  // Latency windows: each server's event loop keeps core 0, its other threads (GC helpers) share the
  // generator's core at the generator's priority, as on a 2-core box running only the service (machine.ts).
  const placeHelpers = (server: Peer): MixedRow['serverHelpers'] =>
    opts.pin && moveHelperThreads(server.child.pid, 1, GENERATOR_NICE) ? 'beside-generator' : 'with-main-thread';
  let sampleAnswer: string | undefined;
  const rows: MixedRow[] = [];
  await withServer(opts, { mode: 'app', population, jwtSecret, env: THROUGHPUT_ENV }, async (server, url) => {
    const serverHelpers = placeHelpers(server);
    await generator.call('warmup', { url, concurrency: settings.concurrency });
    const { sampleAnswer: answer, ...row } = await mixedRow(settings, generator, [server], [url], 'memory', population, profileAs('mixed'));
    rows.push({ ...row, serverHelpers });
    sampleAnswer = answer || undefined;
  });
  log('· the mixed day against the bare transports (its floor on this machine)');
  await withServer(opts, { mode: 'ceiling', jwtSecret, texmlBody: sampleAnswer }, async (bare, bareUrl) => {
    const serverHelpers = placeHelpers(bare);
    const row = withoutSample(await mixedRow(settings, generator, [bare], [bareUrl], 'ceiling', population, undefined));
    rows.push({ ...row, serverHelpers });
  });
  return rows;
}

/**
 * Multi-instance mode (REDIS_URL), on the largest population: one instance with Redis, then two on
 * the same Redis and database with the load split between them (graphql-ws heartbeats closed loop,
 * then the mixed day). Compared with one instance in memory mode from the heartbeat rows.
 */
async function runInstances(run: LargestPopulationRun): Promise<InstancesRow[]> {
  const { opts, generator, jwtSecret, agents, log, profileAs } = run;
  const { settings } = opts;
  const population = await agentsWithTokens(run);
  const redis = new Redis(REDIS_BENCH_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const rows: InstancesRow[] = [];
  try {
    for (const count of [1, 2]) {
      const prefix = `curbe-bench-${randomBytes(4).toString('hex')}`;
      const env = { ...THROUGHPUT_ENV, REDIS_URL: REDIS_BENCH_URL, REDIS_KEY_PREFIX: prefix };
      log(
        `· ${count} instance${count > 1 ? 's' : ''} on Redis, ${agents} agents: warming up, heartbeats over graphql-ws${count > 1 ? ', the mixed day' : ''}`,
      );
      if (count > 1) repin(generator, '0,1');
      try {
        rows.push(
          await withServers(opts, count, { mode: 'app', population, jwtSecret, env }, async (servers, urls) => {
            await generator.call('warmup', { url: urls[0], urls, concurrency: settings.concurrency });
            const before = await redisCounters(redis);
            const ws = await measured(
              servers,
              () =>
                generator.call<LoadResult>('wsHeartbeats', {
                  url: urls[0],
                  urls,
                  sockets: Math.min(agents, settings.wsSockets),
                  concurrency: settings.concurrency * count,
                  durationMs: settings.durationMs,
                }),
              profileAs(`instances-${count}-ws`),
            );
            const after = await redisCounters(redis);
            const count_ = Math.max(1, ws.load.count);
            return {
              instances: count,
              agents,
              heartbeats: { ...ws.load, server: ws.server, ...perOperation(ws) },
              redisCpuUsPerHeartbeat: before && after ? Math.round(((after.cpuMs - before.cpuMs) * 1000) / count_) : null,
              redisCommandsPerHeartbeat: before && after ? round2((after.commands - before.commands) / count_) : null,
              mixed:
                count > 1
                  ? withoutSample(await mixedRow(settings, generator, servers, urls, 'redis', population, profileAs('instances-2-mixed')))
                  : null,
            };
          }),
        );
      } finally {
        if (count > 1 && opts.pin) repin(generator, '1');
        await dropKeys(redis, prefix);
      }
    }
  } finally {
    redis.disconnect();
  }
  return rows;
}

async function dropKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

async function redisReachable(): Promise<boolean> {
  const redis = new Redis(REDIS_BENCH_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
    return true;
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

async function postgresVersion(): Promise<string> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    const { rows } = await c.query<{ server_version: string }>('SHOW server_version');
    return rows[0]?.server_version ?? 'unknown';
  } finally {
    await c.end();
  }
}

async function postgresReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

/** docs/BENCHMARKS.md, formatted as `npm test`'s lint wants it (biome formats Markdown tables too). */
async function writeDoc(markdown: string): Promise<void> {
  await writeFile(DOC, markdown);
  const biome = fileURLToPath(new URL('../node_modules/@biomejs/biome/bin/biome', import.meta.url));
  spawnSync(process.execPath, [biome, 'format', '--write', fileURLToPath(DOC)], { stdio: 'ignore' });
}

async function main() {
  const argv = process.argv.slice(2);
  if (argv.includes('--report-only')) {
    // Re-render docs/BENCHMARKS.md from the last full run (e.g. after editing bench/notes.md).
    const saved = JSON.parse(await readFile(new URL('./results/latest.json', import.meta.url), 'utf8')) as BenchResults;
    await writeDoc(renderMarkdown(saved, await readFile(NOTES, 'utf8').catch(() => '')));
    process.stdout.write(`${renderTable(saved)}\n`);
    return;
  }
  const quick = argv.includes('--quick');
  const dbArg = argv[argv.indexOf('--db') + 1];
  const database = argv.includes('--db')
    ? dbArg === 'pglite'
      ? 'pglite'
      : 'postgres'
    : (await postgresReachable())
      ? 'postgres'
      : 'pglite';
  if (database === 'pglite')
    console.error(`PostgreSQL is not reachable at ${PG_URL}: using PGlite (the baseline's per-heartbeat UPDATE suffers most from that).`);
  const phases = argv.includes('--phases') ? parsePhases(argv[argv.indexOf('--phases') + 1] ?? '') : undefined;
  if (phases) assertMergeable(phases); // before minutes of measuring, not after
  const started = performance.now();
  const profile = argv.includes('--profile');
  const resultsFile = new URL(quick ? './results/quick.json' : './results/latest.json', import.meta.url);
  const saved = phases ? await readFile(resultsFile, 'utf8').catch(() => null) : null;
  const savedResults = saved ? (JSON.parse(saved) as BenchResults) : null;
  const measuredNow = await runBench({
    settings: settingsFor(quick),
    database,
    pin: canPin(),
    profile,
    ...(phases && { phases }),
  });
  if (profile)
    console.error(
      `CPU profiles of the server processes: ${PROFILES} (one per measured window: open in Chrome DevTools, or npx tsx bench/profile-summary.ts FILE)`,
    );
  const notes = await readFile(NOTES, 'utf8').catch(() => '');
  await mkdir(new URL('./results/', import.meta.url), { recursive: true });
  // A quick run never overwrites the committed full-run figures (resultsFile above).
  // Some phases only: their figures replace theirs in the saved results, the other phases' stay.
  const results = savedResults && phases ? mergePhaseResults(savedResults, measuredNow, phases) : measuredNow;
  process.stdout.write(`${renderTable(results)}\n`);
  await writeFile(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  if (!quick) {
    await mkdir(new URL('../docs/', import.meta.url), { recursive: true });
    await writeDoc(renderMarkdown(results, notes));
  }
  console.error(
    `done in ${Math.round((performance.now() - started) / 1000)} s: ${fileURLToPath(resultsFile)}${quick ? ' (quick run: docs/BENCHMARKS.md left as it is)' : ' and docs/BENCHMARKS.md'}`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
