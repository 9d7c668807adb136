/**
 * The benchmark's results, as JSON (bench/results/latest.json), a console table and docs/BENCHMARKS.md.
 * One file on purpose (over 300 lines): each figure's type and its rows in both renderings sit together.
 */
import type { CallsLoadResult, FanoutLoad, LoadResult, MixedLoad } from '../load-process.js';
import type { QueueOffersLoad, QueueSetupResult } from '../queue-load.js';
import { HISTORY_PAGE_GOAL_MS, type HistoryRow } from '../history.js';
import { CALL_KINDS, type CallKind } from './calls.js';
import type { Machine } from './machine.js';
import type { NetworkCounters } from './network.js';
import type { BenchSettings } from './settings.js';
import { ratio, type LatencySummary } from './stats.js';

export const HEARTBEAT_GOAL_PER_SECOND = 10_000;

export interface HeartbeatRow {
  agents: number;
  design: 'ours' | 'baseline';
  transport: 'http' | 'ws';
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  serverCpuPercent: number;
  generatorCpuPercent: number;
  dbWritesPer1000: number | null;
  /** Absent in results saved before allocation was measured. */
  cpuUsPerOp?: number;
  allocatedBytesPerOp?: number | null;
  gcPercent?: number | null;
}

/** What one operation of a window cost the server. */
export interface PerOperation {
  cpuUsPerOp: number;
  /** Bytes the server allocated per operation (v8's GC profiler: freed by collections + heap growth). */
  allocatedBytesPerOp: number | null;
  /** Garbage collection's share of the server's CPU time over the window. */
  gcPercent: number | null;
  /** CPU of the PostgreSQL server on this machine per operation (ServerWindow.databaseCpuMs); absent in results saved before. */
  databaseCpuUsPerOp?: number | null;
}

type ServerSide = { server: ServerWindow };

/** A fan-out to `notes.subscribers` supervisors: the service, and the raw `ws` broadcast on the same generator. */
export type FanoutRow = LoadResult &
  Partial<Omit<FanoutLoad, keyof LoadResult>> & {
    /** The server over the events alone (sockets opened before); absent in results saved before. */
    server?: ServerWindow;
    serverCpuMsPerEvent?: number;
    /** A raw `ws` server writing one fixed frame of the same size to every socket (the ceiling). */
    ceiling?: (FanoutLoad & { server: ServerWindow; serverCpuMsPerEvent: number }) | null;
  };

/** The real day: heartbeats and voice webhooks together, open loop, on one instance (memory) or two (Redis). */
export interface MixedRow extends MixedLoad {
  instances: number;
  /** `ceiling`: the bare transports (server-process.ts) under the same load, the floor of goals 1 and 2c on this machine. */
  mode: 'memory' | 'redis' | 'ceiling';
  agents: number;
  sockets: number;
  server: ServerWindow;
  /** What the loopback lost over the window (bench/lib/network.ts); absent in results saved before it was counted. */
  network?: NetworkCounters | null;
  /**
   * Where the server's threads other than its event loop ran (bench/lib/machine.ts moveHelperThreads):
   * on the generator's core at its priority, or pinned with the event loop (and in results saved before).
   */
  serverHelpers?: 'beside-generator' | 'with-main-thread';
}

/** Multi-instance mode: graphql-ws heartbeats closed loop on `instances` processes sharing Redis. */
export interface InstancesRow {
  instances: number;
  agents: number;
  heartbeats: LoadResult & ServerSide & PerOperation;
  redisCpuUsPerHeartbeat: number | null;
  redisCommandsPerHeartbeat: number | null;
  mixed: MixedRow | null;
}

/** What the server process reports for a measured window. */
export interface ServerWindow {
  wallMs: number;
  cpuMs: number;
  cpuPercent: number;
  /** Event-loop utilization over the window (absent in results saved before it was measured). */
  loopBusyPercent?: number;
  writes: number;
  /** Prisma operations, reads included (absent in results saved before they were counted). */
  dbOperations?: number;
  /** Absent in results saved before they were measured. */
  allocatedBytes?: number;
  gcMs?: number;
  /**
   * How late the server's own event loop ran a timer due every millisecond (ms beyond it): a latency
   * tail with no stall here did not wait on this process. Absent in results saved before it was measured.
   */
  loopDelayMs?: { p50: number; p99: number; max: number } | null;
  /** Online → offline transitions the service published over the window. */
  offlineTransitions?: number;
  /**
   * CPU the PostgreSQL server on this machine used over the window (all its processes; bench/lib/machine.ts
   * databaseCpuMs), when the run's database is one. Absent with PGlite (inside the server, counted in
   * cpuMs) and in results saved before.
   */
  databaseCpuMs?: number;
}

/** The calls scenario: calls and heartbeats together, and the same heartbeats alone for comparison. */
export interface CallsRow {
  answeringCompanies: number;
  voicemailCompanies: number;
  agents: number;
  withCalls: Omit<CallsLoadResult, 'callSids'> & { server: ServerWindow };
  heartbeatsAlone: { heartbeats: LoadResult; server: ServerWindow };
  /** What the calls' server did closed loop over graphql-ws just before (the heartbeats' pace is a share of it); absent in results saved before. */
  closedLoopHeartbeatsPerSecond?: number;
  /** The service's call log for the same calls, per kind. */
  logged: Record<CallKind, { outcomes: Record<string, number>; asExpected: number }>;
  /** Server CPU of the calls window beyond what the heartbeats alone cost over as long, per ended call. */
  serverCpuMsPerCall: number | null;
  dbWritesPerCall: number | null;
}

/** Callers waiting in queues: "agent free → offer sent" and the heap per waiting caller. */
export interface QueueRow {
  /** Measured at its own time (a `--phases queue` run merges into results measured earlier). */
  measuredAt: string;
  loadAverage: { atStart: number[]; atEnd: number[] };
  companies: number;
  callersPerCompany: number;
  setup: QueueSetupResult;
  offers: QueueOffersLoad & { server: ServerWindow };
  /** Server CPU over the window per round (each round: 7 webhooks and an Update call, plus its share of the waitUrl rounds). */
  serverCpuMsPerRound: number | null;
  dbWritesPerRound: number | null;
  /** Prisma operations (reads too) per round. */
  dbOperationsPerRound?: number | null;
  memory: {
    /** Callers already waiting when the heap was first read. */
    waitingBefore: number;
    callersAdded: number;
    fillErrors: number;
    /** Their voice webhooks → `<Enqueue>`, with every queue that much longer. */
    enqueueMs: LatencySummary;
    heapBytesPerCaller: number | null;
    rssBytesPerCaller: number | null;
  };
}

/** The issue's goal for a queue: from an agent freed to the offer's REST call, at the 99th percentile. */
export const QUEUE_OFFER_GOAL_P99_MS = 50;

export interface BenchResults {
  generatedAt: string;
  settings: BenchSettings;
  machine: Machine;
  heartbeats: HeartbeatRow[];
  memory: { agents: number; liveAgents: number | null; heapBytesPerAgent: number; rssBytesPerAgent: number }[];
  warmup: {
    agents: number;
    seedMs: number;
    perSecond: number;
    errors: number;
    dbWritesPer1000: number;
    durationMs?: number;
    /** First heartbeats answered in each second after the start (a cold start). */
    perSecondBuckets?: number[];
  }[];
  texml:
    | ({
        companies: number;
        agents: number;
        /** Requests in flight, for the service and its ceiling alike (absent in results saved before: the heartbeats' depth). */
        concurrency?: number;
        ours: LoadResult & ServerSide;
        /** The bare node:http server answering the same TeXML body the service answered (`bodyBytes`; absent in results saved before). */
        ceiling: (LoadResult & ServerSide & { bodyBytes?: number }) | null;
        ratioToCeiling: number | null;
        dbWritesPer1000: number;
        /**
         * The handler alone, called in the server's process (settings.texmlInProcess; absent in results saved before);
         * `keptBytesPerCall`: what the heap, after a full collection, grew by per call these decisions left ringing.
         */
        inProcess?: ({ count: number; rang: number; keptBytesPerCall?: number } & PerOperation) | null;
      } & Partial<PerOperation>)
    | null;
  offline: (LoadResult & { ttlMs: number; overshootMs: LatencySummary }) | null;
  /** The first fan-out row (kept for results saved before there were several). */
  fanout: LoadResult | null;
  fanouts?: FanoutRow[];
  /** The bare transports with fixed answers, on the same generator. */
  ceilings?: {
    /** Results saved before the TeXML phase measured its own ceiling (now `texml.ceiling`). */
    texml?: (LoadResult & ServerSide & { bodyBytes: number }) | null;
    httpHeartbeat: LoadResult & ServerSide;
    wsHeartbeat: LoadResult & ServerSide;
  } | null;
  /** TeXML decisions open loop at a share of the ceiling's rate. */
  texmlOpen?:
    | (LoadResult &
        ServerSide & {
          targetPerSecond: number;
          share: number;
          /**
           * The bare node:http server under the same open loop (same rate, same client): goal 5b's floor on this
           * machine, and its CPU per request at that rate. Absent in results saved before.
           */
          floor?: (LoadResult & ServerSide) | null;
        })
    | null;
  mixed?: MixedRow[];
  instances?: InstancesRow[];
  /** Absent in results saved before the calls scenario existed. */
  calls?: CallsRow | null;
  /** Absent in results saved before the queue scenario existed. */
  queue?: QueueRow | null;
  /** Absent in results saved before the history scenario existed. */
  history?: HistoryRow | null;
}

/** Our heartbeats/s over the seed design's, per population (HTTP against HTTP). */
export function baselineRatios(r: BenchResults): { agents: number; transport: string; ratio: number | null }[] {
  return r.heartbeats
    .filter((h) => h.design === 'ours')
    .map((h) => ({
      agents: h.agents,
      transport: h.transport,
      ratio: ratio(h.perSecond, r.heartbeats.find((b) => b.design === 'baseline' && b.agents === h.agents)?.perSecond),
    }));
}

const n = (x: number | null | undefined) => (x == null || Number.isNaN(x) ? '–' : x.toLocaleString('en-US'));
const x = (r: number | null) => (r == null ? '–' : `${r}×`);

function table(header: string[], rows: (string | number)[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function heartbeatTable(r: BenchResults): string {
  return table(
    [
      'agents',
      'design',
      'transport',
      'heartbeats/s',
      'p50 ms',
      'p99 ms',
      'errors',
      'server CPU',
      'generator CPU',
      'DB writes / 1,000 hb',
      'server CPU µs / hb',
      'allocated bytes / hb',
      'GC share of CPU',
    ],
    r.heartbeats.map((h) => [
      n(h.agents),
      h.design === 'ours' ? 'ours' : 'seed (1 UPDATE/hb)',
      h.transport === 'ws' ? 'graphql-ws' : 'HTTP',
      n(h.perSecond),
      n(h.p50Ms),
      n(h.p99Ms),
      n(h.errors),
      `${h.serverCpuPercent}%`,
      `${h.generatorCpuPercent}%`,
      n(h.dbWritesPer1000),
      n(h.cpuUsPerOp),
      n(h.allocatedBytesPerOp),
      h.gcPercent == null ? '–' : `${h.gcPercent}%`,
    ]),
  );
}

function summaryRows(r: BenchResults): (string | number)[][] {
  const rows: (string | number)[][] = [];
  for (const b of baselineRatios(r))
    rows.push([
      `heartbeats/s vs the seed design, ${n(b.agents)} agents (${b.transport === 'ws' ? 'graphql-ws' : 'HTTP'} vs its HTTP)`,
      x(b.ratio),
    ]);
  const t = r.texml;
  if (t) {
    rows.push([
      `TeXML decisions/s, ${n(t.companies)} companies / ${n(t.agents)} agents, ${n(t.concurrency ?? r.settings.concurrency)} in flight (p50 / p99 ms)`,
      `${n(t.ours.perSecond)} (${t.ours.latencyMs.p50} / ${t.ours.latencyMs.p99})`,
    ]);
    const bodyBytes = t.ceiling?.bodyBytes ?? r.ceilings?.texml?.bodyBytes;
    if (t.ceiling)
      rows.push([
        `bare node:http, fixed TeXML body${bodyBytes ? ` (the service's answer, ${n(bodyBytes)} bytes)` : ''}, as many in flight: req/s (p50 / p99 ms)`,
        `${n(t.ceiling.perSecond)} (${t.ceiling.latencyMs.p50} / ${t.ceiling.latencyMs.p99})`,
      ]);
    rows.push([
      'TeXML decisions vs the ceiling: throughput / server CPU per request',
      `${x(t.ratioToCeiling)} / ${x(cpuRatio(t.cpuUsPerOp, t.ceiling))}`,
    ]);
    if (t.cpuUsPerOp != null)
      rows.push([
        'server per TeXML decision: CPU µs / allocated bytes / GC share',
        `${n(t.cpuUsPerOp)} / ${n(t.allocatedBytesPerOp)} / ${t.gcPercent ?? '–'}%`,
      ]);
    if (t.databaseCpuUsPerOp != null)
      rows.push([
        "the database server's CPU per TeXML decision (PostgreSQL on this machine: the call log's row, written behind in batches), µs",
        n(t.databaseCpuUsPerOp),
      ]);
    if (t.inProcess)
      rows.push([
        '… the decision alone: the webhook handler called in the server process, one after another, no HTTP (CPU µs / allocated bytes / GC share)',
        `${n(t.inProcess.cpuUsPerOp)} / ${n(t.inProcess.allocatedBytesPerOp)} / ${t.inProcess.gcPercent ?? '–'}% (${n(t.inProcess.rang)} of ${n(t.inProcess.count)} rang agents)`,
      ]);
    if (t.inProcess?.keptBytesPerCall != null)
      rows.push([
        '… what each of those calls keeps while it rings (the heap after a full collection, before and after them), bytes',
        n(t.inProcess.keptBytesPerCall),
      ]);
    const open = r.texmlOpen;
    if (open?.floor) {
      rows.push([
        `TeXML open loop at ${n(open.targetPerSecond)}/s (${open.share * 100}% of the ceiling's rate): p50 / p99 ms, server CPU µs per request`,
        `the service ${open.latencyMs.p50} / ${open.latencyMs.p99} ms, ${n(roundedCpuUs(open))} µs; bare node:http ${open.floor.latencyMs.p50} / ${open.floor.latencyMs.p99} ms, ${n(roundedCpuUs(open.floor))} µs`,
      ]);
      rows.push(['… server CPU per request at that rate, bare / the service', x(cpuRatio(cpuUsPerRequest(open), open.floor))]);
    }
    rows.push([
      'calls that rang agents / DB writes per 1,000 decisions',
      `${n(t.ours.notes?.rang)} of ${n(t.ours.count)} / ${n(t.dbWritesPer1000)}`,
    ]);
  }
  if (r.offline) {
    rows.push([
      `offline detection: last heartbeat → supervisor event, TTL ${n(r.offline.ttlMs)} ms (p50 / p99 / max ms)`,
      `${r.offline.latencyMs.p50} / ${r.offline.latencyMs.p99} / ${r.offline.latencyMs.max} (${n(r.offline.latencyMs.count)} agents, ${r.offline.errors} missed)`,
    ]);
    rows.push([
      '  … beyond the TTL (p50 / p99 / max ms)',
      `${r.offline.overshootMs.p50} / ${r.offline.overshootMs.p99} / ${r.offline.overshootMs.max}`,
    ]);
  }
  for (const f of r.fanouts?.length ? r.fanouts : r.fanout ? [r.fanout] : []) {
    rows.push([
      `fan-out: heartbeat → ${n(f.notes?.subscribers)} supervisors (p50 / p99 / max ms)`,
      `${f.latencyMs.p50} / ${f.latencyMs.p99} / ${f.latencyMs.max} (${n(f.latencyMs.count)} deliveries, ${f.errors} missed)${fanoutCosts(f)}`,
    ]);
    const c = (f as FanoutRow).ceiling;
    if (c)
      rows.push([
        `  … the ceiling: a raw ws broadcast of one fixed frame (p50 / p99 / max ms)`,
        `${c.latencyMs.p50} / ${c.latencyMs.p99} / ${c.latencyMs.max} (${c.errors} missed)${fanoutCosts(c)}; ours ÷ ceiling at p99: ${ratio(f.latencyMs.p99, c.latencyMs.p99) ?? '–'}`,
      ]);
  }
  for (const m of r.memory)
    rows.push([`memory per live agent, ${n(m.agents)} agents (heap / RSS bytes)`, `${n(m.heapBytesPerAgent)} / ${n(m.rssBytesPerAgent)}`]);
  for (const w of r.warmup)
    rows.push([
      `seed ${n(w.agents)} agents / first heartbeat of each, from the start (cold start)`,
      `${n(w.seedMs)} ms / ${n(w.perSecond)} hb/s${w.durationMs ? ` (all answered ${n(w.durationMs)} ms after the start; full speed from second ${fullSpeedAt(w.perSecondBuckets) ?? '–'}; answered per second: ${(w.perSecondBuckets ?? []).map(n).join(', ')})` : ''}, ${n(w.dbWritesPer1000)} DB writes per 1,000`,
    ]);
  return rows;
}

/** A fan-out's cost beside its latency: server CPU per event, last delivery per event, the generator's load. */
function fanoutCosts(f: FanoutRow): string {
  const parts: string[] = [];
  if (f.serverCpuMsPerEvent !== undefined) parts.push(`server CPU ${f.serverCpuMsPerEvent} ms per event`);
  if (f.lastArrivalMs) parts.push(`last delivery p50 ${f.lastArrivalMs.p50} / max ${f.lastArrivalMs.max} ms`);
  if (f.generatorLoopDelayMs && f.triggers)
    parts.push(
      `generator CPU ${Math.round((f.generatorCpuPercent * f.durationMs) / 100 / f.triggers)} ms per event, loop delay p99 ${f.generatorLoopDelayMs.p99} ms`,
    );
  return parts.length ? `; ${parts.join('; ')}` : '';
}

/**
 * When a cold start reached full speed: the first second (0-based, from the start) whose count is at
 * least 80% of the median of its full seconds (the steady rate; the last second is partial). Null
 * without buckets.
 */
export function fullSpeedAt(buckets: number[] | undefined): number | null {
  if (!buckets?.length) return null;
  const full = buckets.length > 1 ? buckets.slice(0, -1) : buckets;
  const sorted = [...full].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const at = full.findIndex((count) => count >= 0.8 * median);
  return at === -1 ? null : at;
}

/** A window's server CPU per request, µs; null when it served none. */
function cpuUsPerRequest(w: LoadResult & ServerSide): number | null {
  return w.count ? (w.server.cpuMs * 1000) / w.count : null;
}

const roundedCpuUs = (w: LoadResult & ServerSide) => {
  const us = cpuUsPerRequest(w);
  return us == null ? null : Math.round(us);
};

/** Ours over the ceiling in server CPU per request: the ratio that holds when the generator, not the server, limits the ceiling. */
function cpuRatio(oursCpuUs: number | null | undefined, ceiling: (LoadResult & ServerSide) | null | undefined): number | null {
  const ceilingUs = ceiling ? cpuUsPerRequest(ceiling) : null;
  return ceilingUs == null || oursCpuUs == null ? null : ratio(ceilingUs, oursCpuUs);
}

const lat = (l: LatencySummary) => `${l.p50} / ${l.p99} / ${l.max}`;

/** The bare transports and what ours does against them. */
function ceilingRows(r: BenchResults): (string | number)[][] {
  const c = r.ceilings;
  if (!c) return [];
  const largest = Math.max(0, ...r.heartbeats.map((h) => h.agents));
  const ours = (transport: 'http' | 'ws') =>
    r.heartbeats.find((h) => h.design === 'ours' && h.transport === transport && h.agents === largest)?.perSecond;
  const row = (transport: 'http' | 'ws') =>
    r.heartbeats.find((h) => h.design === 'ours' && h.transport === transport && h.agents === largest);
  const ceilingLine = (c: LoadResult & ServerSide) =>
    `${n(c.perSecond)} (${c.latencyMs.p50} / ${c.latencyMs.p99}); server CPU ${c.server.cpuPercent}%, ${n(roundedCpuUs(c))} µs per request; generator CPU ${c.generatorCpuPercent}%`;
  return [
    ['raw `ws` server, fixed graphql-ws frames: heartbeats/s (p50 / p99 ms)', ceilingLine(c.wsHeartbeat)],
    [
      'heartbeats over graphql-ws vs the raw ws ceiling: throughput / server CPU per request',
      `${x(ratio(ours('ws'), c.wsHeartbeat.perSecond))} / ${x(cpuRatio(row('ws')?.cpuUsPerOp, c.wsHeartbeat))}`,
    ],
    ['bare node:http, fixed heartbeat answer: req/s (p50 / p99 ms)', ceilingLine(c.httpHeartbeat)],
    [
      'heartbeats over HTTP vs the bare node:http ceiling: throughput / server CPU per request',
      `${x(ratio(ours('http'), c.httpHeartbeat.perSecond))} / ${x(cpuRatio(row('http')?.cpuUsPerOp, c.httpHeartbeat))}`,
    ],
  ];
}

/**
 * Every mixed day of a run: one instance and the bare transports (the mixed phase), two instances (the
 * instances phase; results saved before kept that row in `mixed` too).
 */
export function mixedDays(r: BenchResults): MixedRow[] {
  const rows = [...(r.mixed ?? [])];
  for (const i of r.instances ?? []) if (i.mixed && !rows.some((m) => m.instances === i.instances)) rows.push(i.mixed);
  return rows;
}

function mixedTable(r: BenchResults): string {
  const days = mixedDays(r);
  if (!days.length) return '';
  return table(
    [
      'instances',
      'agents / sockets',
      'heartbeats/s (target)',
      'heartbeat p50 / p99 / max ms',
      'TeXML/s (target)',
      'TeXML p50 / p99 / max ms',
      'errors (hb / TeXML)',
      'offline transitions',
      'server CPU',
      'GC share',
      'server loop delay p99 / max ms',
      'generator CPU / loop delay p99 ms',
      'loopback drops / TCP resends',
    ],
    days.map((m) => [
      m.mode === 'ceiling' ? 'bare transports (ceiling)' : `${m.instances} (${m.mode === 'redis' ? 'Redis' : 'memory'})`,
      `${n(m.agents)} / ${n(m.sockets)}`,
      `${n(m.heartbeats.perSecond)} (${n(m.heartbeats.notes?.targetPerSecond)})`,
      lat(m.heartbeats.latencyMs),
      `${n(m.texml.perSecond)} (${n(m.texml.notes?.targetPerSecond)})`,
      lat(m.texml.latencyMs),
      `${n(m.heartbeats.errors)} / ${n(m.texml.errors)}`,
      n(m.server.offlineTransitions),
      `${m.server.cpuPercent}%`,
      m.server.gcMs == null ? '–' : `${Math.round((m.server.gcMs / Math.max(1, m.server.cpuMs)) * 100)}%`,
      m.server.loopDelayMs ? `${m.server.loopDelayMs.p99} / ${m.server.loopDelayMs.max}` : '–',
      `${m.generatorCpuPercent}% / ${m.generatorLoopDelayMs?.p99 ?? '–'}`,
      m.network ? `${n(m.network.backlogDrops)} / ${n(m.network.retransmits)}` : '–',
    ]),
  );
}

function instancesTable(r: BenchResults): string {
  const memory = r.heartbeats.find(
    (h) => h.design === 'ours' && h.transport === 'ws' && h.agents === Math.max(0, ...r.heartbeats.map((x) => x.agents)),
  );
  if (!r.instances?.length) return '';
  const rows: (string | number)[][] = [];
  if (memory)
    rows.push([
      '1, memory',
      n(memory.perSecond),
      `${memory.p50Ms} / ${memory.p99Ms}`,
      n(memory.errors),
      `${memory.serverCpuPercent}%`,
      n(memory.cpuUsPerOp),
      '–',
      '–',
      '1×',
    ]);
  for (const i of r.instances) {
    const h = i.heartbeats;
    rows.push([
      `${i.instances}, Redis`,
      n(h.perSecond),
      `${h.latencyMs.p50} / ${h.latencyMs.p99}`,
      n(h.errors),
      `${h.server.cpuPercent}%`,
      n(h.cpuUsPerOp),
      n(i.redisCpuUsPerHeartbeat),
      n(i.redisCommandsPerHeartbeat),
      x(ratio(h.perSecond, memory?.perSecond)),
    ]);
  }
  return table(
    [
      'instances',
      'heartbeats/s (graphql-ws, closed loop)',
      'p50 / p99 ms',
      'errors',
      'server CPU (all instances)',
      'server CPU µs / hb',
      'Redis CPU µs / hb',
      'Redis commands / hb',
      'vs one instance in memory',
    ],
    rows,
  );
}

/** Issue 14's goals against this run's figures. */
export function goalsTable(r: BenchResults): string {
  const rows: string[][] = [];
  const verdict = (ok: boolean | null) => (ok == null ? 'not measured' : ok ? 'met' : 'NOT met');
  const le = (v: number | null | undefined, limit: number) => (v == null || Number.isNaN(v) ? null : v <= limit);
  const ge = (v: number | null | undefined, limit: number) => (v == null || Number.isNaN(v) ? null : v >= limit);
  const largest = Math.max(0, ...r.heartbeats.map((h) => h.agents));
  const ours = (t: 'http' | 'ws') => r.heartbeats.find((h) => h.design === 'ours' && h.transport === t && h.agents === largest);
  const days = mixedDays(r);
  const mixedOne = days.find((m) => m.instances === 1 && m.mode === 'memory');
  const mixedTwo = days.find((m) => m.instances === 2);
  const mixedFloor = days.find((m) => m.mode === 'ceiling');
  const mixedOk = (m: MixedRow | undefined) =>
    m
      ? m.texml.latencyMs.p99 <= 10 &&
        m.heartbeats.latencyMs.p99 <= 50 &&
        m.heartbeats.errors + m.texml.errors === 0 &&
        (m.server.offlineTransitions ?? 0) === 0
      : null;
  // The bare transports under the same load: what this machine and generator allow at best.
  const floor = mixedFloor
    ? `; the bare transports under the same load: TeXML p99 ${mixedFloor.texml.latencyMs.p99} ms, heartbeat p99 ${mixedFloor.heartbeats.latencyMs.p99} ms`
    : '';
  const mixedText = (m: MixedRow | undefined) =>
    m
      ? `TeXML p99 ${m.texml.latencyMs.p99} ms, heartbeat p99 ${m.heartbeats.latencyMs.p99} ms at ${n(m.heartbeats.perSecond)} hb/s + ${n(m.texml.perSecond)} calls/s; ${m.heartbeats.errors + m.texml.errors} errors, ${n(m.server.offlineTransitions)} offline transitions${floor}`
      : '–';
  rows.push([
    '1. mixed day, one instance',
    'TeXML p99 ≤ 10 ms, heartbeat p99 ≤ 50 ms, 0 errors, 0 offline',
    mixedText(mixedOne),
    verdict(mixedOk(mixedOne)),
  ]);
  const redisOne = r.instances?.find((i) => i.instances === 1);
  const redisTwo = r.instances?.find((i) => i.instances === 2);
  const scale = ratio(redisTwo?.heartbeats.perSecond, ours('ws')?.perSecond);
  // What two instances would carry with a core each (the generator elsewhere): two cores at the CPU a
  // heartbeat costs with two instances, against one core at its cost alone in memory mode.
  const dedicated = ratio(2 * (ours('ws')?.cpuUsPerOp ?? Number.NaN), redisTwo?.heartbeats.cpuUsPerOp);
  rows.push([
    '2a. two instances (Redis) vs one (memory)',
    '≥ 1.6× heartbeats',
    `${x(scale)} measured, the generator sharing both cores; ${x(dedicated)} from CPU per heartbeat with a core each`,
    verdict(ge(scale, 1.6)),
  ]);
  const redisCost = ratio(redisOne?.heartbeats.cpuUsPerOp, ours('ws')?.cpuUsPerOp);
  rows.push(['2b. CPU per heartbeat, Redis vs memory (one instance)', '≤ 1.2×', x(redisCost), verdict(le(redisCost, 1.2))]);
  rows.push(['2c. mixed day, two instances', 'as 1.', mixedText(mixedTwo), verdict(mixedOk(mixedTwo))]);
  // Two ratios: throughput on the same generator (the issue's), and server CPU per request (what still
  // holds when the generator limits the ceiling); met only if both are.
  const both = (thr: number | null, cpu: number | null, limit: number) => [
    `${x(thr)} throughput, ${x(cpu)} CPU per request`,
    verdict(thr == null || cpu == null ? null : thr >= limit && cpu >= limit),
  ];
  const c = r.ceilings;
  rows.push([
    '3. graphql-ws heartbeats vs raw ws',
    '≥ 0.4×',
    ...both(ratio(ours('ws')?.perSecond, c?.wsHeartbeat.perSecond), cpuRatio(ours('ws')?.cpuUsPerOp, c?.wsHeartbeat), 0.4),
  ]);
  rows.push([
    '4. HTTP heartbeats vs bare node:http',
    '≥ 0.4×',
    ...both(ratio(ours('http')?.perSecond, c?.httpHeartbeat.perSecond), cpuRatio(ours('http')?.cpuUsPerOp, c?.httpHeartbeat), 0.4),
  ]);
  rows.push([
    '5a. TeXML decisions vs bare node:http',
    '≥ 0.5×',
    ...both(r.texml?.ratioToCeiling ?? null, cpuRatio(r.texml?.cpuUsPerOp, r.texml?.ceiling), 0.5),
  ]);
  const open = r.texmlOpen;
  rows.push([
    '5b. TeXML open loop at 50% of the ceiling',
    'p99 ≤ 5 ms',
    open
      ? `p99 ${open.latencyMs.p99} ms at ${n(open.perSecond)}/s (target ${n(open.targetPerSecond)}/s), ${open.errors} errors${open.floor ? `; the bare node:http server at the same rate: p99 ${open.floor.latencyMs.p99} ms` : ''}`
      : '–',
    verdict(open ? open.latencyMs.p99 <= 5 && open.errors === 0 : null),
  ]);
  const fan = (size: number) => r.fanouts?.find((f) => f.notes?.subscribers === size);
  for (const [size, limit] of [
    [1_000, 50],
    [10_000, 500],
  ] as const) {
    const f = fan(size);
    rows.push([
      `6. fan-out to ${n(size)} supervisors`,
      `p99 ≤ ${limit} ms`,
      f ? `p99 ${f.latencyMs.p99} ms, ${f.errors} missed` : '–',
      verdict(f ? f.latencyMs.p99 <= limit && f.errors === 0 : null),
    ]);
  }
  const cold = r.warmup.find((w) => w.agents === largest);
  const coldAt = fullSpeedAt(cold?.perSecondBuckets);
  rows.push([
    `7. cold start, ${n(largest)} agents' first heartbeats from the start`,
    'full speed within 10 s',
    cold ? `full speed from second ${coldAt ?? '–'}; all ${n(largest)} answered in ${n(cold.durationMs)} ms (${n(cold.perSecond)}/s)` : '–',
    verdict(coldAt == null ? null : coldAt < 10),
  ]);
  const memory = r.memory.find((m) => m.agents === largest);
  rows.push([
    '8a. heap per live agent',
    '≤ 1,600 bytes',
    memory ? `${n(memory.heapBytesPerAgent)} bytes` : '–',
    verdict(le(memory?.heapBytesPerAgent, 1600)),
  ]);
  rows.push([
    '8b. offline detection beyond the TTL',
    'p99 ≤ 50 ms',
    r.offline ? `p99 ${r.offline.overshootMs.p99} ms, ${r.offline.errors} missed` : '–',
    verdict(r.offline ? r.offline.overshootMs.p99 <= 50 && r.offline.errors === 0 : null),
  ]);
  const steady = r.heartbeats.filter((h) => h.design === 'ours');
  const writes = Math.max(0, ...steady.map((h) => h.dbWritesPer1000 ?? 0));
  rows.push([
    '8c. DB writes per steady-state heartbeat',
    '0 (batched last-seen only)',
    `${writes} per 1,000 at most`,
    verdict(steady.length ? writes < 1 : null),
  ]);
  const q = r.queue?.offers;
  rows.push([
    `queue: agent free → offer sent, ${q ? `${n(q.waitingAtStart)} waiting over ${n(q.companies)} companies` : '1,000 waiting over 100 companies'}`,
    `p99 ≤ ${QUEUE_OFFER_GOAL_P99_MS} ms, in order, none missed`,
    q
      ? `p99 ${q.agentFreeToOfferMs.p99} ms (${n(q.agentFreeToOfferMs.count)} offers at ${q.perSecond}/s); ${n(q.outOfOrder)} out of order, ${n(q.missed)} missed`
      : '–',
    verdict(q ? q.agentFreeToOfferMs.p99 <= QUEUE_OFFER_GOAL_P99_MS && q.outOfOrder === 0 && q.missed === 0 : null),
  ]);
  const h = r.history;
  const slowest = h ? h.pages.reduce((a, b) => (b.latencyMs.p99 > a.latencyMs.p99 ? b : a)) : null;
  const pageErrors = h ? h.pages.reduce((a, p) => a + p.errors, 0) : 0;
  rows.push([
    `history: a page of ${h ? n(h.seed.rows - (r.settings.history?.smallCompanies ?? 0) * (r.settings.history?.smallCalls ?? 0)) : '10,000,000'} calls' company (first, deep, filtered)`,
    `≤ ${HISTORY_PAGE_GOAL_MS} ms a page`,
    h && slowest
      ? `slowest: ${slowest.name} p50 ${slowest.latencyMs.p50} ms, p99 ${slowest.latencyMs.p99} ms${pageErrors ? `; ${n(pageErrors)} errors` : ''}`
      : '–',
    verdict(h && slowest ? slowest.latencyMs.p99 <= HISTORY_PAGE_GOAL_MS && pageErrors === 0 : null),
  ]);
  return table(['goal', 'target', 'measured', 'verdict'], rows);
}

const KIND_WORDS: Record<CallKind, string> = {
  answered: 'answered (an agent picks up after 1 s, the caller talks 2 s)',
  voicemail: 'voicemail (nobody online; a 2 s message)',
  abandoned: 'abandoned (the caller hangs up at 1.5 s, mid-ring)',
};

const outcomeList = (o: Record<string, number>) =>
  Object.entries(o)
    .map(([k, v]) => `${k} ${n(v)}`)
    .join(', ') || '–';

/** Below zero, the server got less CPU with calls than without: other work took the core, nothing was measured. */
const cpuPerCall = (ms: number | null) =>
  ms == null ? '–' : ms < 0 ? 'not measurable: less CPU than the heartbeats alone, the core was shared' : `${ms} ms per call`;

const latencyRow = (what: string, l: LatencySummary) => [what, n(l.count), l.p50, l.p95 ?? '–', l.p99, l.max];

/** The calls scenario as three tables (figures, outcomes by kind, latencies); empty when it did not run. */
export function callsSection(r: BenchResults): string {
  const c = r.calls;
  if (!c) return '';
  const w = c.withCalls;
  const s = r.settings.calls;
  const hb = w.heartbeats;
  const figures = table(
    ['figure', 'result'],
    [
      ['calls placed / s (target)', `${w.placedPerSecond} (${s?.perSecond ?? '?'}), ${n(w.placed)} calls`],
      [
        'calls ended / s; ended of placed; last end after the last placement',
        `${w.completedPerSecond}; ${n(w.completed)} of ${n(w.placed)} (${n(w.unfinished)} unfinished); ${n(w.drainMs)} ms`,
      ],
      ['most calls in progress at once', n(w.maxConcurrent)],
      ['calls with transcript errors / requests not answered 200', `${n(w.callsWithErrors)} / ${n(w.failedRequests)}`],
      [
        'server CPU: heartbeats alone → with calls (CPU per call)',
        `${c.heartbeatsAlone.server.cpuPercent}% → ${w.server.cpuPercent}% (${cpuPerCall(c.serverCpuMsPerCall)})`,
      ],
      [
        'server event loop busy: heartbeats alone → with calls',
        `${c.heartbeatsAlone.server.loopBusyPercent ?? '–'}% → ${w.server.loopBusyPercent ?? '–'}%`,
      ],
      [
        'generator event-loop delay during the calls (p50 / p99 / max ms)',
        w.generatorLoopDelayMs ? `${w.generatorLoopDelayMs.p50} / ${w.generatorLoopDelayMs.p99} / ${w.generatorLoopDelayMs.max}` : '–',
      ],
      ['DB writes per call / generator CPU', `${n(c.dbWritesPerCall)} / ${w.generatorCpuPercent}%`],
      [
        `heartbeats during the calls (target ${n(hb.notes?.targetPerSecond)}/s, graphql-ws)`,
        `${n(hb.perSecond)}/s, ${n(hb.errors)} errors, ${n(hb.notes?.skipped)} skipped`,
      ],
    ],
  );
  const kinds = table(
    ['kind', 'placed', 'expected', 'simulator says so', "service's call log says so", 'simulator / call log outcomes'],
    CALL_KINDS.map((k) => {
      const t = w.kinds[k];
      return [
        KIND_WORDS[k],
        n(t.placed),
        t.expected,
        n(t.asExpected),
        n(c.logged[k].asExpected),
        `${outcomeList(t.outcomes)} / ${outcomeList(c.logged[k].outcomes)}`,
      ];
    }),
  );
  const latency = table(
    ['latency as the caller side saw it', 'count', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
    [
      latencyRow('voice URL (the routing decision)', w.requests.voiceUrl),
      latencyRow('TeXML actions (Dial, Record)', w.requests.actions),
      latencyRow('callbacks (call, leg and recording status)', w.requests.callbacks),
      latencyRow('call setup: call due → voice URL answered', w.setupMs),
      latencyRow('heartbeats during the calls', hb.latencyMs),
      latencyRow('heartbeats alone, same pace', c.heartbeatsAlone.heartbeats.latencyMs),
    ],
  );
  const errors = w.errorSamples.length
    ? `\n\nTranscript errors (first ${w.errorSamples.length}):\n\n${w.errorSamples.map((e) => `- ${e}`).join('\n')}`
    : '';
  return [figures, kinds, latency].join('\n\n') + errors;
}

/** The history scenario as one table of pages, reports and exports; empty when it did not run. */
export function historySection(r: BenchResults): string {
  const h = r.history;
  if (!h) return '';
  const goal = (ms: number) => (ms <= HISTORY_PAGE_GOAL_MS ? 'yes' : '**no**');
  const pages = table(
    [
      'page of the history (first 50)',
      'what',
      'runs',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'max ms',
      'calls',
      'errors',
      `p99 ≤ ${HISTORY_PAGE_GOAL_MS} ms`,
    ],
    h.pages.map((p) => [
      p.name,
      p.what,
      n(p.latencyMs.count),
      p.latencyMs.p50,
      p.latencyMs.p95,
      p.latencyMs.p99,
      p.latencyMs.max,
      n(p.nodes),
      n(p.errors),
      goal(p.latencyMs.p99),
    ]),
  );
  const reports = table(
    [`a month (${h.month.from.slice(0, 10)} … ${h.month.to.slice(0, 10)})`, 'runs', 'p50 ms', 'max ms', 'rows', 'errors'],
    [
      ...h.reports.map((x) => [
        `${x.name} (${n(x.offered)} calls offered)`,
        n(x.latencyMs.count),
        x.latencyMs.p50,
        x.latencyMs.max,
        n(x.rows),
        n(x.errors),
      ]),
      ...h.csv.map((x) => [
        `${x.name}, to the last byte (${n(x.bytes)} bytes)`,
        n(x.latencyMs.count),
        x.latencyMs.p50,
        x.latencyMs.max,
        n(x.rows),
        n(x.errors),
      ]),
    ],
  );
  const sd = h.seed;
  const seed = `Seeded ${n(sd.rows)} calls in ${n(Math.round(sd.seedMs / 1000))} s, indexes rebuilt in ${n(Math.round(sd.indexMs / 1000))} s, VACUUM ANALYZE ${n(Math.round(sd.analyzeMs / 1000))} s; the table ${n(Math.round(sd.tableBytes / 2 ** 20))} MB, its indexes ${n(Math.round(sd.indexBytes / 2 ** 20))} MB.`;
  return [seed, pages, reports].join('\n\n');
}

/** The queue scenario as two tables (figures, latencies); empty when it did not run. */
export function queueSection(r: BenchResults): string {
  const q = r.queue;
  if (!q) return '';
  const o = q.offers;
  const m = q.memory;
  const figures = table(
    ['figure', 'result'],
    [
      [
        'callers waiting while agents were freed (start → end of the window)',
        `${n(o.waitingAtStart)} → ${n(o.waitingAtEnd)} over ${n(o.companies)} companies of one agent`,
      ],
      ['agents freed per second, counted rounds (target)', `${o.perSecond} (${o.targetPerSecond})`],
      [
        'offers out of order / agents freed without an offer / offer documents wrong / Update calls nobody expected',
        `${n(o.outOfOrder)} / ${n(o.missed)} / ${n(o.offerDocumentErrors)} / ${n(o.unexpectedUpdates)}`,
      ],
      [
        'webhooks not answered 200 (rounds, arrivals) / waitUrl rounds not answered TeXML',
        `${n(o.webhookErrors)} / ${n(o.waitRounds.errors)}`,
      ],
      [
        'fake REST API: Update calls / "Get call" look-ups / anything else',
        `${n(o.rest.updates)} / ${n(o.rest.lookups)} / ${n(o.rest.unexpected)}`,
      ],
      [
        `waitUrl rounds (each waiting caller every ${o.waitRounds.roundSeconds} s)`,
        `${o.waitRounds.perSecond}/s, p50 ${o.waitRounds.latencyMs.p50} / p99 ${o.waitRounds.latencyMs.p99} ms`,
      ],
      [
        'server CPU / event loop busy over the window; its CPU ms ÷ rounds (waitUrl rounds and sweeps included); DB operations (writes) per round',
        `${o.server.cpuPercent}% / ${o.server.loopBusyPercent ?? '–'}%; ${n(q.serverCpuMsPerRound)} ms; ${n(q.dbOperationsPerRound)} (${n(q.dbWritesPerRound)})`,
      ],
      ['generator CPU / event-loop delay p99 ms', `${o.generatorCpuPercent}% / ${o.generatorLoopDelayMs?.p99 ?? '–'}`],
      [
        `heap / RSS per waiting caller (${n(m.callersAdded)} callers added to ${n(m.waitingBefore)} waiting, after a full GC)`,
        `${n(m.heapBytesPerCaller)} / ${n(m.rssBytesPerCaller)} bytes${m.fillErrors ? ` (${n(m.fillErrors)} not enqueued)` : ''}`,
      ],
      [
        'measured at (load average at start / end)',
        `${q.measuredAt} (${q.loadAverage.atStart.join(' ')} / ${q.loadAverage.atEnd.join(' ')})`,
      ],
    ],
  );
  const latency = table(
    ['latency', 'count', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
    [
      latencyRow('agent free → offer sent (the counted rounds)', o.agentFreeToOfferMs),
      ...(o.burstMs ? [latencyRow(`… every company's agent freed at the same instant`, o.burstMs)] : []),
      latencyRow('… the first round of each company (warm-up, not counted)', o.warmupMs),
      latencyRow('webhooks of the rounds (legs, dial actions, queue exits, offers, arrivals)', o.webhookMs),
      latencyRow('waitUrl rounds', o.waitRounds.latencyMs),
      latencyRow(`voice webhook → \`<Enqueue>\`, up to ${n(q.callersPerCompany)} waiting per company`, q.setup.enqueueMs),
      latencyRow(
        `voice webhook → \`<Enqueue>\`, up to ${n(Math.ceil((m.waitingBefore + m.callersAdded) / Math.max(1, o.companies)))} per company`,
        m.enqueueMs,
      ),
    ],
  );
  const errors = o.errorSamples.length
    ? `\n\nErrors (first ${o.errorSamples.length}):\n\n${o.errorSamples.map((e) => `- ${e}`).join('\n')}`
    : '';
  return [figures, latency].join('\n\n') + errors;
}

export function goalVerdict(r: BenchResults): string {
  const largest = Math.max(...r.heartbeats.map((h) => h.agents));
  const best = Math.max(0, ...r.heartbeats.filter((h) => h.design === 'ours' && h.agents === largest).map((h) => h.perSecond));
  const met = best >= HEARTBEAT_GOAL_PER_SECOND;
  return `Goal: ${n(HEARTBEAT_GOAL_PER_SECOND)} heartbeats/s with ${n(largest)} agents per 2-core instance — best measured ${n(best)}/s: ${met ? 'met' : 'not met'}${r.settings.quick ? " (quick run: sizes are not the goal's)" : ''}.`;
}

function machineLine(r: BenchResults): string {
  const m = r.machine;
  return `${m.cpuModel}, ${m.cores} cores, ${m.memoryGb} GB, Node ${m.node}, ${m.platform}; database: ${m.database}; load average ${m.loadAverage.atStart.join(' ')} at start, ${m.loadAverage.atEnd?.join(' ') ?? '?'} at end; server and generator ${m.pinned ? 'pinned to cores 0 and 1 (taskset)' : 'not pinned'}${m.generatorNice != null ? `; generator at nice ${m.generatorNice}, servers at 0` : ''}`;
}

export function renderTable(r: BenchResults): string {
  const calls = callsSection(r);
  const queue = queueSection(r);
  const mixed = mixedTable(r);
  const instances = instancesTable(r);
  return [
    `\n${machineLine(r)}\n`,
    heartbeatTable(r),
    '',
    table(['scenario', 'result'], [...ceilingRows(r), ...summaryRows(r)]),
    ...(mixed ? ['', mixed] : []),
    ...(instances ? ['', instances] : []),
    ...(calls ? ['', calls] : []),
    ...(queue ? ['', queue] : []),
    ...(r.history ? ['', historySection(r)] : []),
    '',
    goalsTable(r),
    '',
    goalVerdict(r),
  ].join('\n');
}

/** The queue section of docs/BENCHMARKS.md: how it is measured, then its tables. */
function queueMarkdown(r: BenchResults): string {
  const q = r.queue!;
  const s = r.settings.queue;
  const o = q.offers;
  return `## Queues: agent free → offer sent

A server of its own with \`TELNYX_API_KEY\` set and \`TELNYX_API_BASE_URL\` on a fake TeXML REST API in the
generator process, which answers "Update call" 200 and notes when each arrives; nothing plays calls, so
what is timed is the service alone. ${n(o.companies)} companies of one agent each (online by one HTTP heartbeat,
registered, wrap-up 0 s); webhooks carry the fields Telnyx sends, posted unsigned as in the TeXML rows.
Each agent answers a first call (voice webhook → \`<Dial>\`, the leg's \`in-progress\` callback) and
${n(q.callersPerCompany)} callers of its company arrive behind it, each answered \`<Enqueue>\`: ${n(q.setup.waiting)} wait. "Agent free" is the
agent leg's \`completed\` callback (then the Dial's action and the call's own \`completed\`); a sample runs
from just before it is sent to the fake REST API receiving the Update call, both on the generator's clock,
and the caller offered must be the one who arrived first in that company. The offered caller then does
what Telnyx does (the Enqueue's action \`redirected\`, the offer's document, which must be a \`<Dial>\` to the
agent, the leg \`in-progress\`), so the agent is busy again, and a new caller arrives: as many wait
throughout. Agents are freed in turn over the companies at ${s ? `${n(s.freesPerSecond)}/s` : 'a set pace'} (a company's next round waits
for its previous one); the first round of each company is not counted; then every company's agent is
freed at the same instant once. Meanwhile each waiting caller's waitUrl is fetched every ${n(o.waitRounds.roundSeconds)} s, as
Telnyx's \`<Enqueue>\` loop does. Then ${n(q.memory.callersAdded)} more callers arrive (every queue's \`maxSize\` raised with
\`updateQueue\`), and the heap after a full GC before and after, divided by them, is the memory per
waiting caller: everything one costs the service, its call session and its waiting-list entry among it.

${queueSection(r)}

`;
}

/** The history section of docs/BENCHMARKS.md: how it is measured, then its tables. */
function historyMarkdown(r: BenchResults): string {
  const h = r.history!;
  const s = r.settings.history;
  return `## Call history on ${s ? n(s.calls) : 'millions of'} calls (issue 17)

PostgreSQL only. One company's call log seeded by SQL (\`INSERT … SELECT … FROM generate_series\`, chunks of
${s ? n(s.chunk) : '?'} rows, the secondary indexes rebuilt after, then \`VACUUM ANALYZE\`): ${s ? n(s.calls) : '?'} calls over ${s ? n(s.days) : '?'} days,
${s ? n(s.agents) : '?'} agents, ${s ? n(s.queues) : '?'} queues, 65% answered, 12% abandoned, 9% voicemail, 5% hung up, 5% forwarded, 4% after
hours; answered calls that waited over 20 s offered to a second agent first; time zone ${'Europe/Madrid'}; plus
${s ? n(s.smallCompanies) : '?'} companies of ${s ? n(s.smallCalls) : '?'} calls. A server of its own on that database; this process sends one request at
a time with a supervisor's token (GraphQL over HTTP, keep-alive), ${s ? `${n(s.warmup)} untimed then ${n(s.repeats)} timed` : 'repeated'} per page kind, each
page ${n(h.pageSize)} calls with the fields the board shows. The reports and the CSV read one local month.

${historySection(r)}

`;
}

export function renderMarkdown(r: BenchResults, notes: string): string {
  const s = r.settings;
  return `# Benchmarks

Generated by \`npm run bench\` from \`bench/results/latest.json\` (${r.generatedAt}). Do not edit by hand:
re-run the benchmark; hand-written analysis lives in \`bench/notes.md\` and is appended below.

**Machine:** ${machineLine(r)}.

${goalVerdict(r)}

## Goals of the performance round two (issue 14)

${goalsTable(r)}

## Heartbeats

Closed loop: ${s.concurrency} requests in flight for ${s.durationMs / 1000} s per row, each heartbeat from the
next agent in turn (over graphql-ws: the first ${n(s.wsSockets)} agents' sockets carry the load; every
agent was made live by one HTTP heartbeat first). "seed" is the original draft's design: a plain
node:http endpoint (standing in for Express) doing one Prisma \`UPDATE\` per heartbeat plus a 30 s
sweep, without authentication (which flatters it), on the same database, measured the same way.

${heartbeatTable(r)}

## Everything else

${table(['scenario', 'result'], [...ceilingRows(r), ...summaryRows(r)])}
${
  mixedDays(r).length
    ? `
## The mixed day (open loop)

Heartbeats over graphql-ws and inbound calls' voice webhooks at fixed rates together, every latency from when
the request was due (a stall shows, it is not hidden by sending less). Every agent of the population is live
(one HTTP heartbeat each first); the first ${n(s.mixed?.sockets)} agents' sockets carry the heartbeats, ${n(s.mixed ? s.mixed.heartbeatsPerSecond / Math.max(1, s.mixed.sockets) : null)} a second each:
100k softphones at their 10 s cadence would be 100k sockets, past this machine's limit of 20,000 open files per
process. Offline transitions must be 0: no live agent may drop out while the service is busy. The bare
transports' row is the ceiling server (a raw \`ws\` server and a bare node:http server answering fixed frames
and the service's own TeXML) under the same load and generator: the best latency this machine can show.
The last column is what the loopback lost over the window: packets dropped because the sending core's input
queue was full (\`net.core.netdev_max_backlog\`${r.machine.netdevMaxBacklog ? `, ${n(r.machine.netdevMaxBacklog.during)} in this run${r.machine.netdevMaxBacklog.during !== r.machine.netdevMaxBacklog.was ? `, raised by the bench from ${n(r.machine.netdevMaxBacklog.was)}` : ''}` : ''}),
and TCP segments sent again. A dropped packet is resent 200 ms or more later: with drops, the tail is the kernel's.
An event loop's delay is how late it came back to a timer, beyond the timer's own interval (1 ms for the servers,
5 ms for the generator): 0 for a loop that is never late.
${
  mixedDays(r).some((m) => m.serverHelpers === 'beside-generator')
    ? `The one-instance rows' servers keep core 0 for their event loop; their other threads (V8's garbage-collection
helpers) share the generator's core at its priority, as on a 2-core box running only the service. Pinned with the
event loop, a major GC's concurrent marking took that core from it for a third of a second.
`
    : ''
}
${mixedTable(r)}
`
    : ''
}${
  r.instances?.length
    ? `
## Several instances (REDIS_URL)

Graphql-ws heartbeats, closed loop (${s.concurrency} in flight per instance), the sockets spread over the instances as a load
balancer would; one instance pinned to its core, two left to the scheduler with the generator sharing both cores.
Redis's CPU and commands are read from its INFO before and after the window.

${instancesTable(r)}
`
    : ''
}
${
  r.calls
    ? `## Whole calls

Calls played end to end by a local Telnyx (\`src/simulator\`, real time) in the generator process, against the
service's voice URL with signed webhooks, placed open loop (call *i* is due at *i* / rate whatever the
earlier ones are doing) while agents heartbeat over graphql-ws at a fixed pace. Outcomes are the
simulator's reading of the wire and, separately, what the service wrote in its call log.

${callsSection(r)}

`
    : ''
}${r.queue ? queueMarkdown(r) : ''}${r.history ? historyMarkdown(r) : ''}## How it is measured

- \`bench/run.ts\` starts the service (\`bench/server-process.ts\`: \`buildApp\` on a freshly seeded database,
  the same code as \`npm start\`) and the load generator (\`bench/load-process.ts\`) as **separate processes**,
  ${r.machine.pinned ? 'pinned to separate cores with `taskset -c 0` and `-c 1`' : 'unpinned (taskset not available)'}; the database server is not pinned.
  The generator runs a closed loop with a bounded number of requests in flight over keep-alive sockets, so
  it never builds an unbounded backlog, and it reports its own CPU share: a generator near 100% means the
  figure is a floor for the server, not its limit. The server reports its own CPU time for each window.
- Population: ${n(s.agentsPerCompany)} agents per company, seeded with multi-row inserts (\`createMany\` in chunks of 5,000);
  agent tokens minted in the generator with the server's JWT secret (HS256), not via GraphQL.
- Throughput runs use \`PRESENCE_TTL_MS=600000\` (the warmed-up population stays live across phases) and
  \`HEARTBEAT_MAX_PER_MINUTE=1000000\` (the loop heartbeats each agent far more often than a softphone's 6 a minute).
- TeXML: on a server of its own at the largest population, every agent online first (one HTTP heartbeat
  each): \`POST /telnyx/voice/<companyId>\` with a new CallSid each time, round-robin over every company,
  against the same generator aimed at a bare node:http server answering the bytes the service answered (the
  ceiling); then open loop on the service at a share of the ceiling's rate.
- Offline detection: ${n(s.offlineAgents)} agents heartbeat once and fall silent with \`PRESENCE_TTL_MS=${s.offlineTtlMs}\`; a
  supervisor's graphql-ws subscription times each offline event from the heartbeat's send. The seed's design
  detects offline 30–60 s after the last heartbeat (30 s TTL checked by a 30 s sweep; not measured).
- Fan-out: ${(Array.isArray(s.fanoutSubscribers) ? s.fanoutSubscribers : [s.fanoutSubscribers]).map(n).join(' or ')} supervisor sockets subscribe to one company's \`presenceChanged\`; ${s.fanoutTriggers} agents come online one at a time;
  each delivery is timed from the heartbeat's send (on a server whose leases outlive the run, so no agent goes offline
  meanwhile); the server's CPU is measured over the events alone. Its ceiling: a raw \`ws\` server writing one fixed
  presence frame of the same size to every socket on each heartbeat, timed by the same generator code.
${
  s.calls && r.calls
    ? `- Calls: a server of its own with ${n(r.calls.answeringCompanies + r.calls.voicemailCompanies)} companies of ${n(s.agentsPerCompany)} agents, each with a number and a
  four-word voicemail greeting; the agents of the first ${n(r.calls.answeringCompanies)} are online (one HTTP heartbeat each, then
  ${n(r.calls.withCalls.heartbeats.notes?.targetPerSecond)} heartbeats/s over graphql-ws, ${Math.round(s.calls.heartbeatShare * 100)}% of ${r.calls.closedLoopHeartbeatsPerSecond ? `the ${n(r.calls.closedLoopHeartbeatsPerSecond)}/s this server did closed loop just before` : 'the graphql-ws rate measured above'}, spread over the first ${n(Math.min(s.wsSockets, r.calls.answeringCompanies * s.agentsPerCompany))} agents' sockets), the last ${n(r.calls.voicemailCompanies)} have nobody.
  The service runs with \`TELNYX_PUBLIC_KEY\` = the simulator's key (every webhook is signed and verified) and the
  simulator's host in \`RECORDING_URL_ALLOWLIST\`. ${s.calls.perSecond} calls/s for ${s.calls.durationMs / 1000} s, in turn: answered, abandoned, answered,
  voicemail, answered; answered calls go round the online companies (every agent scripted to answer; the service
  rings all of them, the first wins), voicemails round the others. Latencies are \`result.requests[].ms\` of the
  simulator's transcripts; call setup runs from when the call was due, so a late generator shows there. Heartbeats
  alone at the same pace for as long give the baseline the calls' CPU is measured against. The server's event loop
  busy well above its CPU share, or a generator event-loop delay of tens of ms, means a shared core, not a slow service.
`
    : ''
}- Memory per agent: heap and RSS after a full GC, from the service built (before its start and directory
  preload) to after every agent's first heartbeat, divided by the agents (directory rows, tracker lease,
  rate-limit bucket, remembered token: all an online agent costs).
- Database writes: Prisma write operations counted by a client extension in the server process.
- Figures are from one run on a machine that other work may share (see the load average): compare
  ratios within a run, not absolute numbers across runs.
${notes ? `\n${notes.trim()}\n` : ''}`;
}
