/** Sizes and durations of a run: the figures, or a quick smoke run (< 1 minute). */
export interface BenchSettings {
  quick: boolean;
  /** Agent populations for the heartbeat scenarios (10 agents per company). */
  sizes: number[];
  agentsPerCompany: number;
  durationMs: number;
  /** Requests in flight at once from the generator (closed loop). */
  concurrency: number;
  /** graphql-ws heartbeat load: this many agent sockets (the first agents) carry it. */
  wsSockets: number;
  fanoutSubscribers: number;
  fanoutTriggers: number;
  offlineAgents: number;
  offlineTtlMs: number;
  calls: CallsSettings;
}

/**
 * Whole calls through a local Telnyx (src/simulator) in the generator process, placed open loop at
 * `perSecond` for `durationMs` to `companies` companies (each with a number), while agents heartbeat
 * over graphql-ws at a fixed pace: `heartbeatShare` of the graphql-ws heartbeats/s this run measured
 * at its largest population, so the server is busy but not saturated on any machine (a saturated one
 * would only measure its queue). The last `voicemailCompanies` have nobody online.
 */
export interface CallsSettings {
  perSecond: number;
  durationMs: number;
  companies: number;
  voicemailCompanies: number;
  heartbeatShare: number;
}

export function settingsFor(quick: boolean): BenchSettings {
  return quick
    ? {
        quick,
        sizes: [500, 2_000],
        agentsPerCompany: 10,
        durationMs: 1_500,
        concurrency: 32,
        wsSockets: 100,
        fanoutSubscribers: 100,
        fanoutTriggers: 5,
        offlineAgents: 20,
        offlineTtlMs: 1_000,
        calls: { perSecond: 10, durationMs: 3_000, companies: 50, voicemailCompanies: 10, heartbeatShare: 0.5 },
      }
    : {
        quick,
        sizes: [10_000, 100_000],
        agentsPerCompany: 10,
        durationMs: 10_000,
        concurrency: 32,
        wsSockets: 2_000,
        fanoutSubscribers: 1_000,
        fanoutTriggers: 20,
        offlineAgents: 50,
        offlineTtlMs: 2_000,
        calls: { perSecond: 50, durationMs: 20_000, companies: 500, voicemailCompanies: 100, heartbeatShare: 0.5 },
      };
}

/**
 * The service's environment in throughput runs: a 10-minute lease so the whole warmed-up population
 * stays live across phases, and no per-agent rate limit (the closed loop heartbeats each agent far
 * more often than a softphone would). Logs at warn: per-request info lines are not what is measured.
 */
export const THROUGHPUT_ENV = { PRESENCE_TTL_MS: '600000', HEARTBEAT_MAX_PER_MINUTE: '1000000', LOG_LEVEL: 'warn' };
