/**
 * The process under test, started by bench/run.ts (pinned to its own core when taskset exists):
 *   app      — the real service (buildApp) on a seeded database, LOG_LEVEL=warn;
 *   baseline — the seed's design: a plain node:http endpoint (standing in for Express) doing one
 *              Prisma update per heartbeat, plus the 30 s offline sweep, on the same kind of database;
 *   ceiling  — what the transports alone cost here: a bare node:http server answering a fixed body
 *              (on /telnyx/… a TeXML answer the service gave, on /graphql a heartbeat's JSON answer) and a raw `ws` server on
 *              /graphql answering each graphql-ws message with fixed frames (the acknowledgement, or
 *              the heartbeat's `next` + `complete` with the operation's id spliced in); a `presenceChanged`
 *              subscription gets its company's snapshot frames, and each heartbeat then broadcasts one
 *              fixed presence frame to every such subscription (the fan-out's ceiling).
 * It reports its own CPU time, database writes, bytes allocated and GC time for a window the
 * orchestrator marks.
 */
import { writeFile } from 'node:fs/promises';
import { GCProfiler } from 'node:v8';
import { WebSocketServer, type WebSocket } from 'ws';
import { createServer, type Server } from 'node:http';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase, type Database, type Db } from '../src/infra/db.js';
import { createLogger } from '../src/infra/logger.js';
import { handleTelnyxWebhook } from '../src/telnyx/webhooks.js';
import {
  BENCH_ADMIN_KEY,
  CEILING_HEARTBEAT_JSON,
  CEILING_TEXML,
  companyId,
  countingWrites,
  seedPopulation,
  voiceBody,
  type Population,
} from './lib/fixtures.js';
import { serve } from './lib/rpc.js';
import { loopLateness } from './lib/stats.js';

export type ServerMode = 'app' | 'baseline' | 'ceiling';

export interface StartParams {
  mode: ServerMode;
  databaseUrl?: string;
  population?: Population;
  /** The orchestrator already seeded the population into databaseUrl. */
  seeded?: boolean;
  jwtSecret: string;
  env?: Record<string, string>;
  /** The ceiling's TeXML answer: one the service gave (default CEILING_TEXML, a one-agent Dial). */
  texmlBody?: string;
}

const BASELINE_SWEEP_MS = 30_000;

let database: Database | null = null;
let app: App | null = null;
let plain: Server | null = null;
let writes = () => 0;
let operations = () => 0;
let offlineTransitions = async () => 0;
let beforeStart: { heapUsed: number; rss: number } | null = null;
let window = {
  cpu: process.cpuUsage(),
  at: performance.now(),
  writes: 0,
  operations: 0,
  offline: 0,
  loop: performance.eventLoopUtilization(),
  heapUsed: 0,
  gc: null as GCProfiler | null,
  loopDelay: null as IntervalHistogram | null,
};

async function start(params: StartParams) {
  const seedStarted = performance.now();
  if (params.mode !== 'ceiling') {
    database = await openDatabase({ databaseUrl: params.databaseUrl, dataDir: 'memory://' });
    await database.migrate();
    if (params.population && !params.seeded) await seedPopulation(database.prisma, params.population);
  }
  const seedMs = Math.round(performance.now() - seedStarted);
  let url: string;
  if (params.mode === 'app') {
    const config = loadConfig({
      JWT_SECRET: params.jwtSecret,
      ADMIN_API_KEY: BENCH_ADMIN_KEY,
      DATA_DIR: 'memory://',
      LOG_LEVEL: 'warn',
      ...params.env,
    });
    const counted = countingWrites(database!);
    writes = counted.writes;
    operations = counted.operations;
    app = buildApp({
      config: { ...config, jwtSecret: params.jwtSecret },
      database: counted.database,
      logger: createLogger(config.logLevel),
    });
    // Before start(): the directory preload begins there, so what every agent costs (directory rows included) is measured from here.
    collectGarbage();
    beforeStart = { heapUsed: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss };
    const transitions = app.metrics.presenceTransitions;
    offlineTransitions = () => transitionsTo(transitions, 'offline');
    url = await app.start(0, '127.0.0.1');
  } else {
    const counted = params.mode === 'baseline' ? countingWrites(database!) : null;
    if (counted) ({ writes, operations } = counted);
    plain =
      params.mode === 'baseline'
        ? baselineServer(counted!.database.prisma)
        : ceilingServer(params.texmlBody ?? CEILING_TEXML, params.population?.agentsPerCompany ?? 0);
    url = await listen(plain);
  }
  return { url, seedMs, pid: process.pid };
}

/** The seed's heartbeat route and cron, as written in its draft (no auth there; that flatters it). */
function baselineServer(db: Db): Server {
  const sweep = setInterval(() => {
    const cutoff = new Date(Date.now() - BASELINE_SWEEP_MS);
    void db.agent.updateMany({ where: { lastSeenAt: { lt: cutoff } }, data: { presenceSipRegistered: false } }).catch(() => {});
  }, BASELINE_SWEEP_MS);
  sweep.unref();
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      try {
        const { agentId, companyId } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { agentId: string; companyId: string };
        await db.agent.update({ where: { id: agentId, companyId }, data: { presenceSipRegistered: true, lastSeenAt: new Date() } });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      } catch {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"ok":false}');
      }
    });
  });
}

function ceilingServer(texml: string, agentsPerCompany: number): Server {
  /** The presence subscriptions: socket → its operation id. */
  const watching = new Map<WebSocket, string>();
  const server = createServer((req, res) => {
    req.resume();
    const graphql = req.url === '/graphql';
    req.on('end', () => {
      if (graphql && watching.size > 0) broadcastPresence(watching, agentOfBearer(req.headers.authorization));
      res
        .writeHead(200, { 'content-type': graphql ? 'application/json; charset=utf-8' : 'application/xml; charset=utf-8' })
        .end(graphql ? CEILING_HEARTBEAT_JSON : texml);
    });
  });
  const wss = new WebSocketServer({ server, path: '/graphql' });
  const ack = '{"type":"connection_ack"}';
  wss.on('connection', (socket) => {
    const raw = (socket as unknown as { _socket: import('node:net').Socket })._socket;
    socket.on('close', () => watching.delete(socket));
    socket.on('message', (data: Buffer) => {
      const text = data.toString();
      if (!text.includes('"subscribe"')) return socket.send(ack);
      // The operation's id, as any server must read it; everything else of the answer is fixed.
      const at = text.indexOf('"id":"') + 6;
      const id = text.slice(at, text.indexOf('"', at));
      if (text.includes('presenceChanged')) {
        watching.set(socket, id);
        for (let k = 0; k < agentsPerCompany; k++) socket.send(presenceFrame(id, `bench-ag-${k}`, true, true));
        return;
      }
      raw.cork(); // both frames in one write, as the service does
      socket.send(`{"id":"${id}","type":"next","payload":${CEILING_HEARTBEAT_JSON}}`);
      socket.send(`{"id":"${id}","type":"complete"}`);
      process.nextTick(() => raw.uncork());
    });
  });
  return server;
}

/** The service's `presenceChanged` frame for the bench's selection (agentId online snapshot), byte for byte. */
function presenceFrame(id: string, agentId: string, online: boolean, snapshot: boolean): string {
  return `{"id":"${id}","type":"next","payload":{"data":{"presenceChanged":{"agentId":"${agentId}","online":${online},"snapshot":${snapshot}}}}}`;
}

/** A raw broadcast: one frame per distinct operation id (the bench's sockets share one), written to every socket. */
function broadcastPresence(watching: Map<WebSocket, string>, agentId: string): void {
  const frames = new Map<string, string>();
  for (const [socket, id] of watching) {
    let frame = frames.get(id);
    if (frame === undefined) frames.set(id, (frame = presenceFrame(id, agentId, true, false)));
    socket.send(frame);
  }
}

/** The agent a bearer token names (its `sub`), read without checking the signature: the ceiling trusts the bench. */
function agentOfBearer(header: string | undefined): string {
  const payload = header?.split('.')[1];
  if (!payload) return '';
  return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: string }).sub ?? '';
}

/** The presence transitions counter's series with label `to`, summed over its other labels. */
async function transitionsTo(counter: App['metrics']['presenceTransitions'], to: string): Promise<number> {
  const { values } = await counter.get();
  return values.reduce((sum, v) => (v.labels.to === to ? sum + v.value : sum), 0);
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

let profiler: { session: Session; file: string } | null = null;

async function startProfile(file: string) {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 16_384,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  } as never);
  profiler = { session, file };
}

async function stopProfile() {
  if (!profiler) return;
  const { profile } = await profiler.session.post('Profiler.stop');
  await writeFile(profiler.file, JSON.stringify(profile));
  // Beside it, where the window's bytes were allocated (collected objects included).
  const { profile: heap } = await profiler.session.post('HeapProfiler.stopSampling');
  await writeFile(profiler.file.replace(/\.cpuprofile$/, '.heapprofile'), JSON.stringify(heap));
  profiler.session.disconnect();
  profiler = null;
}

function collectGarbage() {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('start the server process with --expose-gc');
  gc();
  gc();
}

/** The server's event-loop delay is sampled every millisecond in open-loop windows (see mark). */
const LOOP_DELAY_RESOLUTION_MS = 1;

serve({
  start,
  /** Starts a measurement window; with `profileTo`, a V8 CPU profile of just this window is written there. */
  async mark(params: { profileTo?: string; loopDelay?: boolean } = {}) {
    if (params.profileTo) await startProfile(params.profileTo);
    window.gc?.stop();
    window.loopDelay?.disable();
    const gc = new GCProfiler();
    gc.start();
    // The server's own stalls, at 1 ms, for open-loop windows (a timer every millisecond is not free, so
    // throughput windows go without): a latency tail with no stall here did not wait on this process.
    const loopDelay = params.loopDelay ? monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS }) : null;
    loopDelay?.enable();
    window = {
      cpu: process.cpuUsage(),
      at: performance.now(),
      writes: writes(),
      operations: operations(),
      offline: await offlineTransitions(),
      loop: performance.eventLoopUtilization(),
      heapUsed: process.memoryUsage().heapUsed,
      gc,
      loopDelay,
    };
    return null;
  },
  /** CPU share, database writes, allocation and GC since mark(). */
  async measure() {
    await stopProfile();
    const heapUsed = process.memoryUsage().heapUsed;
    const gc = window.gc?.stop();
    window.gc = null;
    const loopDelay = window.loopDelay;
    loopDelay?.disable();
    window.loopDelay = null;
    // Allocated = what the collections freed + what the heap grew by (v8's GC profiler: heap sizes around each GC).
    let freed = 0;
    let gcMs = 0;
    for (const s of gc?.statistics ?? []) {
      freed += s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize;
      gcMs += s.cost / 1000;
    }
    const cpu = process.cpuUsage(window.cpu);
    const wallMs = performance.now() - window.at;
    const cpuMs = (cpu.user + cpu.system) / 1000;
    return {
      wallMs: Math.round(wallMs),
      cpuMs: Math.round(cpuMs),
      cpuPercent: Math.round((cpuMs / wallMs) * 100),
      // Busy share of the event loop's wall time: well above cpuPercent, the process was runnable but not running (a shared core).
      loopBusyPercent: Math.round(performance.eventLoopUtilization(window.loop).utilization * 100),
      writes: writes() - window.writes,
      dbOperations: operations() - window.operations,
      allocatedBytes: Math.max(0, Math.round(freed + heapUsed - window.heapUsed)),
      gcMs: Math.round(gcMs),
      // Beyond the 1 ms resolution: how late the loop came back to a timer due every millisecond.
      loopDelayMs: loopDelay ? loopLateness(loopDelay, LOOP_DELAY_RESOLUTION_MS) : null,
      offlineTransitions: (await offlineTransitions()) - window.offline,
    };
  },
  /**
   * `count` inbound calls decided in this process, one after another, by the webhook handler itself (no
   * HTTP: the transport's cost apart), round-robin over `companies`; the orchestrator's mark/measure
   * window around it gives the CPU. Returns how many rang agents.
   */
  async decisions(params: { count: number; companies: number }) {
    if (!app) throw new Error('decisions: only the app mode decides calls');
    const run = `in-process-${process.pid}-${Date.now()}`;
    let rang = 0;
    for (let seq = 0; seq < params.count; seq++) {
      const handled = handleTelnyxWebhook(app.services, {
        method: 'POST',
        path: `/telnyx/voice/${companyId(seq % params.companies)}`,
        query: '',
        contentType: 'application/x-www-form-urlencoded',
        body: voiceBody(run, seq),
      });
      const answer = handled instanceof Promise ? await handled : handled;
      if (answer.body.includes('<Dial')) rang++;
    }
    return { count: params.count, rang };
  },
  /** Memory after a full collection; with `flushCallLog`, the call-log rows waiting to be written are written first (not counted). */
  async memory(params: { flushCallLog?: boolean } = {}) {
    if (params.flushCallLog) await app?.services.calls.log.flush();
    collectGarbage();
    const m = process.memoryUsage();
    return {
      heapUsed: m.heapUsed,
      rss: m.rss,
      external: m.external,
      liveAgents: app?.services.presence.tracker.liveAgents().length ?? null,
      beforeStart,
    };
  },
  /** The service's own call log for these calls (written behind: flushed first). */
  async callOutcomes(params: { callSids: string[] }) {
    if (!app || !database) throw new Error('callOutcomes: only the app mode keeps a call log');
    await app.services.calls.log.flush();
    const rows = await database.prisma.callLog.findMany({
      where: { callSid: { in: params.callSids } },
      select: { callSid: true, outcome: true },
    });
    return Object.fromEntries(rows.map((r) => [r.callSid, r.outcome]));
  },
  /** Exits without the presence hand-over (it would write every live lease: 100k updates). */
  stop() {
    setImmediate(() => process.exit(0));
    return null;
  },
});
