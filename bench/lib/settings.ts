/** Sizes and durations of a run: the figures, or a quick smoke run (about 90 s, compiling included). */

import type { HistorySettings } from '../history.js';

/** Every phase's sizes. */
export interface BenchSettings {
  quick: boolean;
  /** Agent populations for the heartbeat scenarios (10 agents per company). */
  sizes: number[];
  agentsPerCompany: number;
  durationMs: number;
  /** Requests in flight at once from the generator (closed loop). */
  concurrency: number;
  /**
   * Requests in flight in the TeXML phase's closed loops (the service's and its ceiling's). A decision
   * takes the service about four times the bare server's time, so at the heartbeats' depth its loop sat
   * idle about an eighth of the time while the answers made their way round the generator; at this
   * depth it is kept busy, and the ceiling is still bounded by the generator. Absent in results saved
   * before: `concurrency` then.
   */
  texmlConcurrency?: number;
  /**
   * Decisions made in the TeXML server's own process, the webhook handler called directly (no HTTP, one
   * after another): what a decision costs apart from the transport. Absent in results saved before.
   */
  texmlInProcess?: number;
  /** graphql-ws heartbeat load: this many agent sockets (the first agents) carry it. */
  wsSockets: number;
  /** One fan-out row per size: supervisors watching one company. */
  fanoutSubscribers: number[];
  /** The TeXML open-loop rate, as a share of the bare node:http ceiling's closed-loop rate. */
  texmlOpenShare: number;
  mixed: MixedSettings;
  fanoutTriggers: number;
  offlineAgents: number;
  offlineTtlMs: number;
  calls: CallsSettings;
  /** Absent in results saved before the queue scenario existed. */
  queue?: QueueSettings;
  /** The call history on millions of calls (bench/history.ts); absent in results saved before it existed. */
  history?: HistorySettings;
}

/**
 * The real day at the largest population, open loop: every agent live; `sockets` agents' graphql-ws
 * sockets carry `heartbeatsPerSecond` (100k agents at a softphone's 10 s cadence = 10k/s; this
 * machine's open-file limit of 20,000 per process caps the sockets, so 10,000 sockets at 1/s carry
 * it), with inbound calls' voice webhooks at `callsPerSecond`.
 */
export interface MixedSettings {
  sockets: number;
  heartbeatsPerSecond: number;
  callsPerSecond: number;
  durationMs: number;
}

/**
 * Whole calls through a local Telnyx (src/simulator) in the generator process, placed open loop at
 * `perSecond` for `durationMs` to `companies` companies (each with a number), while agents heartbeat
 * over graphql-ws at a fixed pace: `heartbeatShare` of the graphql-ws heartbeats/s the same server does
 * closed loop (measured first, over 3 s), so the server is busy but not saturated on any machine (a
 * saturated one would only measure its queue). The last `voicemailCompanies` have nobody online.
 */
export interface CallsSettings {
  perSecond: number;
  durationMs: number;
  companies: number;
  voicemailCompanies: number;
  heartbeatShare: number;
}

/**
 * Callers waiting in queues (bench/queue-load.ts): `companies` companies of one agent each, the agent
 * kept on a call and `callersPerCompany` callers waiting behind it. Agents are freed one company after
 * another at `freesPerSecond` (each freeing offers the head of that company's line and a new caller
 * joins, so as many wait throughout); the first `warmupOffers` are not counted, then `offers` are,
 * then one round of every company at once. Meanwhile each waiting caller's waitUrl is fetched every
 * `waitRoundSeconds` (the service's wait document lasts about 30 s). Then `memoryCallers` more
 * callers join (every queue's maxSize raised to `memoryMaxSize`) for the heap per waiting caller.
 */
export interface QueueSettings {
  companies: number;
  callersPerCompany: number;
  warmupOffers: number;
  offers: number;
  freesPerSecond: number;
  burst: boolean;
  waitRoundSeconds: number;
  memoryCallers: number;
  memoryMaxSize: number;
}

export function settingsFor(quick: boolean): BenchSettings {
  return quick
    ? {
        quick,
        sizes: [500, 2_000],
        agentsPerCompany: 10,
        durationMs: 1_500,
        concurrency: 32,
        texmlConcurrency: 32,
        texmlInProcess: 2_000,
        wsSockets: 100,
        fanoutSubscribers: [100, 500],
        fanoutTriggers: 5,
        texmlOpenShare: 0.5,
        mixed: { sockets: 200, heartbeatsPerSecond: 1_000, callsPerSecond: 20, durationMs: 2_000 },
        offlineAgents: 20,
        offlineTtlMs: 1_000,
        calls: { perSecond: 10, durationMs: 3_000, companies: 50, voicemailCompanies: 10, heartbeatShare: 0.5 },
        queue: {
          companies: 20,
          callersPerCompany: 10,
          warmupOffers: 20,
          offers: 200,
          freesPerSecond: 40,
          burst: true,
          waitRoundSeconds: 30,
          memoryCallers: 2_000,
          memoryMaxSize: 1_000,
        },
        history: {
          calls: 200_000,
          days: 365,
          agents: 50,
          queues: 5,
          smallCompanies: 3,
          smallCalls: 5_000,
          repeats: 20,
          warmup: 3,
          reportRuns: 2,
          chunk: 100_000,
        },
      }
    : {
        quick,
        sizes: [10_000, 100_000],
        agentsPerCompany: 10,
        durationMs: 10_000,
        concurrency: 32,
        texmlConcurrency: 128,
        texmlInProcess: 50_000,
        wsSockets: 2_000,
        fanoutSubscribers: [1_000, 10_000],
        fanoutTriggers: 20,
        texmlOpenShare: 0.5,
        mixed: { sockets: 10_000, heartbeatsPerSecond: 10_000, callsPerSecond: 200, durationMs: 20_000 },
        offlineAgents: 50,
        offlineTtlMs: 2_000,
        // A third of the graphql-ws rate: 50 calls/s cost a quarter to a third of a core by themselves (each call ~10 ms,
        // its voicemail's database work included), and at half the rate they tipped the server into its queue.
        calls: { perSecond: 50, durationMs: 20_000, companies: 500, voicemailCompanies: 100, heartbeatShare: 0.33 },
        queue: {
          companies: 100,
          callersPerCompany: 10,
          warmupOffers: 100,
          offers: 1_000,
          freesPerSecond: 20,
          burst: true,
          waitRoundSeconds: 30,
          memoryCallers: 10_000,
          memoryMaxSize: 1_000,
        },
        history: {
          calls: 10_000_000,
          days: 365,
          agents: 50,
          queues: 5,
          smallCompanies: 3,
          smallCalls: 50_000,
          repeats: 50,
          warmup: 5,
          reportRuns: 3,
          chunk: 1_000_000,
        },
      };
}

/**
 * The service's environment in throughput runs: a 10-minute lease so the whole warmed-up population
 * stays live across phases, and no per-agent rate limit (the closed loop heartbeats each agent far
 * more often than a softphone would). Logs at warn: per-request info lines are not what is measured.
 */
export const THROUGHPUT_ENV = { PRESENCE_TTL_MS: '600000', HEARTBEAT_MAX_PER_MINUTE: '1000000', LOG_LEVEL: 'warn' };
