/**
 * `npm run bench [-- --quick | --profile | --db pglite|postgres | --report-only]`: every scenario of issue 6, each with the
 * service under test in one process and the load generator in another (pinned to separate cores
 * when taskset exists), so all figures are ratios measured on the same machine in the same run.
 * Prints a table, writes bench/results/latest.json and regenerates docs/BENCHMARKS.md from it.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freshPostgres, PG_URL } from '../test/support/harness.js';
import { openDatabase } from '../src/infra/db.js';
import { DEFAULT_RECORDING_URL_ALLOWLIST } from '../src/telnyx/recording-url.js';
import { loggedOutcomes } from './lib/calls.js';
import { companyCount, seedPopulation, type Population } from './lib/fixtures.js';
import { canPin, describeMachine, loadAverage } from './lib/machine.js';
import { renderMarkdown, renderTable, type BenchResults, type CallsRow, type HeartbeatRow, type ServerWindow } from './lib/report.js';
import { Peer } from './lib/rpc.js';
import { settingsFor, THROUGHPUT_ENV, type BenchSettings } from './lib/settings.js';
import { ratio, round2 } from './lib/stats.js';
import type { CallsLoadResult, CallsParams, LoadResult } from './load-process.js';
import type { StartParams } from './server-process.js';

const NOTES = new URL('./notes.md', import.meta.url);
const DOC = new URL('../docs/BENCHMARKS.md', import.meta.url);

interface Memory {
  heapUsed: number;
  rss: number;
  liveAgents: number | null;
}

export interface BenchOptions {
  settings: BenchSettings;
  database: 'postgres' | 'pglite';
  pin: boolean;
  /** Write a V8 CPU profile of the server for each measured window into bench/results/profiles. */
  profile?: boolean;
  log?: (line: string) => void;
}

const PROFILES = fileURLToPath(new URL('./results/profiles/', import.meta.url));

/** One process per role; server on core 0, generator on core 1 when pinning. */
function spawnPeer(script: string, name: string, core: number | null): Peer {
  const node = [
    process.execPath,
    '--expose-gc',
    '--max-old-space-size=8192',
    '--import',
    'tsx',
    fileURLToPath(new URL(script, import.meta.url)),
  ];
  const [command, ...args] = core === null ? node : ['taskset', '-c', String(core), ...node];
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
): Promise<T> {
  return withDatabase(params.mode === 'ceiling' ? 'pglite' : opts.database, async (databaseUrl) => {
    // Seeded from here when the database is a server of its own, so the service's heap holds no
    // leftovers of 100k inserted rows when memory per agent is measured.
    let seededMs: number | null = null;
    if (databaseUrl && params.population) {
      const started = performance.now();
      const database = await openDatabase({ databaseUrl, dataDir: 'memory://' });
      await database.migrate();
      await seedPopulation(database.prisma, params.population);
      await database.close();
      seededMs = Math.round(performance.now() - started);
    }
    const server = spawnPeer('./server-process.ts', `server(${params.mode})`, opts.pin ? 0 : null);
    try {
      await server.ready;
      const { url, seedMs } = await server.call<{ url: string; seedMs: number }>('start', {
        ...params,
        databaseUrl,
        seeded: seededMs !== null,
      });
      return await work(server, url, seededMs ?? seedMs);
    } finally {
      await server.call('stop').catch(() => {});
      await server.stop();
    }
  });
}

/** Runs `load` while the server measures its own CPU and database writes (and profiles, when `profileAs`). */
async function measured<L = LoadResult>(
  server: Peer,
  load: () => Promise<L>,
  profileAs?: string,
): Promise<{ load: L; server: ServerWindow }> {
  await server.call('mark', profileAs ? { profileTo: `${PROFILES}${profileAs}.cpuprofile` } : {});
  const result = await load();
  return { load: result, server: await server.call<ServerWindow>('measure') };
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
  };
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
  heartbeatsPerSecond: number,
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
      const params: CallsParams = {
        url,
        callsPerSecond: c.perSecond,
        durationMs: c.durationMs,
        answeringCompanies,
        voicemailCompanies: c.voicemailCompanies,
        heartbeatsPerSecond,
      };
      await generator.call('openCallSockets', { url, sockets: Math.min(onlineAgents, settings.wsSockets) });
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
        logged: loggedOutcomes(callSids, logged),
        serverCpuMsPerCall: load.completed ? round2((withCalls.server.cpuMs - heartbeatCpuMs) / load.completed) : null,
        dbWritesPerCall: load.completed ? round2(withCalls.server.writes / load.completed) : null,
      };
    });
  } finally {
    await generator.call('stopTelnyx');
  }
}

export async function runBench(opts: BenchOptions): Promise<BenchResults> {
  const { settings } = opts;
  const log = opts.log ?? ((line: string) => console.error(line));
  const jwtSecret = randomBytes(32).toString('hex');
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
    calls: null,
  };
  const generator = spawnPeer('./load-process.ts', 'generator', opts.pin ? 1 : null);
  await generator.ready;
  const { concurrency, durationMs } = settings;
  const profileAs = (name: string) => (opts.profile ? name : undefined);
  if (opts.profile) await mkdir(PROFILES, { recursive: true });
  try {
    const largest = Math.max(...settings.sizes);
    for (const agents of settings.sizes) {
      const population: Population = { agents, agentsPerCompany: settings.agentsPerCompany };
      log(`· ${agents} agents: minting tokens, seeding, warming up`);
      await generator.call('prepare', { jwtSecret, population, agentTokens: true });
      await withServer(opts, { mode: 'app', population, jwtSecret, env: THROUGHPUT_ENV }, async (server, url, seedMs) => {
        const empty = await server.call<Memory>('memory');
        const warm = await measured(server, () => generator.call('warmup', { url, concurrency }));
        const full = await server.call<Memory>('memory');
        results.warmup.push({
          agents,
          seedMs,
          perSecond: warm.load.perSecond,
          errors: warm.load.errors,
          dbWritesPer1000: round2((warm.server.writes / Math.max(1, warm.load.count)) * 1000),
        });
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
        if (agents === largest) {
          log(`· ${agents} agents: TeXML decisions`);
          const companies = companyCount(population);
          const ours = await measured(
            server,
            () => generator.call('texml', { url, concurrency, durationMs, companies }),
            profileAs(`texml-${agents}`),
          );
          results.texml = {
            companies,
            agents,
            ours: { ...ours.load, server: ours.server },
            ceiling: null,
            ratioToCeiling: null,
            dbWritesPer1000: round2((ours.server.writes / Math.max(1, ours.load.count)) * 1000),
          };
        }
      });
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

    log('· ceiling: bare node:http, fixed TeXML');
    await withServer(opts, { mode: 'ceiling', jwtSecret }, async (server, url) => {
      const ceiling = await measured(server, () =>
        generator.call('texml', { url, concurrency, durationMs, companies: results.texml?.companies ?? 1 }),
      );
      if (results.texml) {
        results.texml.ceiling = { ...ceiling.load, server: ceiling.server };
        results.texml.ratioToCeiling = ratio(results.texml.ours.perSecond, ceiling.load.perSecond);
      }
    });

    log('· presence: offline detection and fan-out to supervisors');
    const population: Population = { agents: 2 * settings.agentsPerCompany * 5, agentsPerCompany: settings.agentsPerCompany * 5 };
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
    await withServer(opts, { mode: 'app', population, jwtSecret, env: presenceEnv }, async (_server, url) => {
      results.offline = await generator.call('offline', { url, company: 0, agents: settings.offlineAgents, ttlMs: ttl });
      results.fanout = await generator.call('fanout', {
        url,
        company: 1,
        subscribers: settings.fanoutSubscribers,
        triggers: settings.fanoutTriggers,
      });
    });

    // The calls' heartbeat pace: a share of what graphql-ws heartbeats reached above (busy, not saturated).
    const wsMeasured = results.heartbeats.find((h) => h.design === 'ours' && h.transport === 'ws' && h.agents === largest)?.perSecond ?? 0;
    const callsHeartbeats = Math.max(10, Math.round((settings.calls.heartbeatShare * wsMeasured) / 10) * 10);
    log(`· calls: whole simulated calls while ${callsHeartbeats} heartbeats/s flow`);
    results.calls = await runCalls(opts, generator, jwtSecret, profileAs, callsHeartbeats);
  } finally {
    await generator.call('stop').catch(() => {});
    await generator.stop();
  }
  results.machine.loadAverage.atEnd = loadAverage();
  return results;
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

async function main() {
  const argv = process.argv.slice(2);
  if (argv.includes('--report-only')) {
    // Re-render docs/BENCHMARKS.md from the last full run (e.g. after editing bench/notes.md).
    const saved = JSON.parse(await readFile(new URL('./results/latest.json', import.meta.url), 'utf8')) as BenchResults;
    await writeFile(DOC, renderMarkdown(saved, await readFile(NOTES, 'utf8').catch(() => '')));
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
  const started = performance.now();
  const profile = argv.includes('--profile');
  const results = await runBench({ settings: settingsFor(quick), database, pin: canPin(), profile });
  if (profile)
    console.error(
      `CPU profiles of the server processes: ${PROFILES} (one per measured window: open in Chrome DevTools, or npx tsx bench/profile-summary.ts FILE)`,
    );
  const notes = await readFile(NOTES, 'utf8').catch(() => '');
  process.stdout.write(`${renderTable(results)}\n`);
  await mkdir(new URL('./results/', import.meta.url), { recursive: true });
  // A quick run never overwrites the committed full-run figures.
  const resultsFile = new URL(quick ? './results/quick.json' : './results/latest.json', import.meta.url);
  await writeFile(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  if (!quick) {
    await mkdir(new URL('../docs/', import.meta.url), { recursive: true });
    await writeFile(DOC, renderMarkdown(results, notes));
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
