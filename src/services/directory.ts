/**
 * The read model the hot paths use: each company's routing policy, agents and queues, cached in memory.
 * Heartbeats and inbound calls read it without touching the database in steady state; every write
 * through the API invalidates the company it changed.
 *
 * Filling it: after a restart every agent reconnects within seconds, so `preload()` loads every
 * company in the background from start, a page of companies at a time (one query per table per
 * page). Until it is done, misses load in batches: the misses of many agents and companies that
 * arrive while the database is busy go out together, one query per table (src/infra/batch-loader.ts),
 * never one per agent.
 *
 * Staleness: a company's entry (a promise) is in the cache from the moment it is asked for, by a
 * request or by the preload, and an invalidation drops it. So a load that an invalidation overtook
 * hands its result only to those already waiting (nothing newer existed when they asked) and is not
 * kept; the next request loads afresh. The number → company map is filled by company loads only if
 * no invalidation of it happened while they ran (a generation count).
 */
import { LRUCache } from 'lru-cache';
import type { Db } from '../infra/db.js';
import { BatchLoader } from '../infra/batch-loader.js';
import type { SipTargetSource } from '../domain/sip-target.js';
import { companiesOfAgents, companyIdsAfter, loadCompanies, type DirectoryAgent, type DirectoryCompany } from './directory-rows.js';

export {
  DEFAULT_POLICY,
  defaultQueueOf,
  policyOf,
  queueOf,
  type DirectoryAgent,
  type DirectoryCompany,
  type NumberRoute,
} from './directory-rows.js';

/** Bounds on what the directory holds; past them the least recently used go (they reload on demand). */
export const MAX_CACHED_COMPANIES = 50_000;
export const MAX_CACHED_NUMBERS = 200_000;

/**
 * Companies per preload page and per batch of misses (with 10 agents each, 5,000 agent rows), and
 * batches of each kind running at once: a few of the pool's connections (DATABASE_POOL_MAX, default
 * 10), the rest left to writes.
 */
export const LOAD_BATCH = 500;
const LOADS_IN_FLIGHT = 3;

/** What a configuration write makes stale: one company, or the number → company map. */
export type DirectoryChange = { company: string } | { numbers: true };

/** How far the preload got: companies and agents in the directory when it ended, and its duration. */
export interface PreloadReport {
  companies: number;
  agents: number;
  ms: number;
  /** False when it stopped early: at the cache bound, on stop(), or on a database error. */
  complete: boolean;
}

export class Directory {
  private companies = new LRUCache<string, Promise<DirectoryCompany | null>>({ max: MAX_CACHED_COMPANIES });
  private agentCompany = new Map<string, string>();
  private lastLoaded = new LRUCache<string, DirectoryCompany>({ max: MAX_CACHED_COMPANIES });
  /** What each settled load of `companies` gave (cached()); forgotten with the entry. */
  private readonly settled = new WeakMap<Promise<DirectoryCompany | null>, DirectoryCompany | null>();
  private numbers = new LRUCache<string, Promise<string | null>>({ max: MAX_CACHED_NUMBERS });
  /** Bumped each time the number map is dropped: a load begun before must not refill it. */
  private numbersGeneration = 0;
  private readonly changeListeners: ((change: DirectoryChange) => void)[] = [];
  private readonly companyLoader: BatchLoader<string, DirectoryCompany>;
  private readonly agentLoader: BatchLoader<string, string>;
  private preloadStopped = false;

  private readonly pageSize: number;

  /**
   * `sipTargets`: 'credential' when softphones log in through Telnyx (TELNYX_API_KEY), else 'own'.
   * `loadBatch`: companies per preload page and per batch of misses (tests use small pages).
   */
  constructor(
    private readonly db: Db,
    private readonly sipTargets: SipTargetSource = 'own',
    { loadBatch = LOAD_BATCH }: { loadBatch?: number } = {},
  ) {
    this.pageSize = loadBatch;
    const batching = { maxBatch: loadBatch, maxInFlight: LOADS_IN_FLIGHT };
    this.companyLoader = new BatchLoader({ ...batching, load: (ids) => this.loadCompanyBatch(ids) });
    this.agentLoader = new BatchLoader({ ...batching, load: (ids) => companiesOfAgents(this.db, ids) });
  }

  /** The company with its policy and agents, or null if there is no such company. */
  company(companyId: string): Promise<DirectoryCompany | null> {
    let entry = this.companies.get(companyId);
    if (!entry) {
      const loading: Promise<DirectoryCompany | null> = this.companyLoader
        .load(companyId)
        .then((company) => this.settle(companyId, loading, company ?? null));
      this.companies.set(companyId, (entry = loading));
      // Neither a failure (database down) nor a miss is kept: a stranger's made-up ids must not fill memory.
      const forget = () => this.companies.peek(companyId) === loading && this.companies.delete(companyId);
      loading.then((c) => c === null && forget(), forget);
    }
    return entry;
  }

  /**
   * The company as `company()` would give it, when that is already known without waiting (its load
   * has settled); undefined otherwise. The webhooks' hot path skips a deadline race with it.
   */
  cached(companyId: string): DirectoryCompany | null | undefined {
    const entry = this.companies.get(companyId);
    return entry ? this.settled.get(entry) : undefined;
  }

  /**
   * The last successfully loaded version of a company, without waiting: what the webhooks route with
   * when the database is down or slow. Kept across invalidations on purpose (stale beats nothing).
   */
  lastKnown(companyId: string): DirectoryCompany | undefined {
    return this.lastLoaded.get(companyId);
  }

  /**
   * The agent and its company as `agent()` would give them, when that is known without waiting (its
   * company's load has settled); undefined otherwise. The heartbeat's hot path skips two awaits with it.
   */
  cachedAgent(agentId: string): { agent: DirectoryAgent; company: DirectoryCompany } | null | undefined {
    const companyId = this.agentCompany.get(agentId);
    if (companyId === undefined) return undefined;
    const company = this.cached(companyId);
    if (company === undefined) return undefined;
    const agent = company?.agents.find((a) => a.id === agentId);
    return company && agent ? { agent, company } : null;
  }

  async agent(agentId: string): Promise<{ agent: DirectoryAgent; company: DirectoryCompany } | null> {
    const companyId = this.agentCompany.get(agentId) ?? (await this.agentLoader.load(agentId));
    if (!companyId) return null;
    const company = await this.company(companyId);
    const agent = company?.agents.find((a) => a.id === agentId);
    return company && agent ? { agent, company } : null;
  }

  /** The company that owns an E.164 number (Telnyx's `To`), or null. */
  companyIdForNumber(e164: string): Promise<string | null> {
    let entry = this.numbers.get(e164);
    if (!entry) {
      entry = this.db.phoneNumber.findUnique({ where: { e164 }, select: { companyId: true } }).then((r) => r?.companyId ?? null);
      this.numbers.set(e164, entry);
      const forget = () => this.numbers.peek(e164) === entry && this.numbers.delete(e164);
      entry.then((id) => id === null && forget(), forget);
    }
    return entry;
  }

  /**
   * Loads every company into the cache, a page of `loadBatch` at a time in id order, up to the cache
   * bound. Meant to run in the background from start: requests are served meanwhile (a company not
   * yet reached loads in a batch with the other misses). Resolves with how far it got; a database
   * error ends it early (misses still load on demand) and is rethrown for the caller to log.
   */
  async preload(clock: () => number = Date.now): Promise<PreloadReport> {
    const started = clock();
    let after: string | null = null;
    let companies = 0;
    let agents = 0;
    let complete = false;
    while (!this.preloadStopped && companies < MAX_CACHED_COMPANIES) {
      const ids = await companyIdsAfter(this.db, after, Math.min(this.pageSize, MAX_CACHED_COMPANIES - companies));
      if (ids.length === 0) {
        complete = true;
        break;
      }
      after = ids.at(-1)!;
      // Through company(): a page's entries are cached before its query, like a request's (see the header).
      for (const company of await Promise.all(ids.map((id) => this.company(id)))) {
        if (company) companies++, (agents += company.agents.length);
      }
    }
    return { companies, agents, ms: clock() - started, complete };
  }

  /** Ends the preload after the page in flight (shutdown). */
  stopPreload(): void {
    this.preloadStopped = true;
  }

  /** How many entries each cache holds (for tests and metrics). */
  get cacheSizes() {
    return {
      companies: this.companies.size,
      numbers: this.numbers.size,
      lastLoaded: this.lastLoaded.size,
      agents: this.agentCompany.size,
    };
  }

  /** Told of each invalidation made through this instance (src/services/directory-sync.ts shares them). */
  onChange(listener: (change: DirectoryChange) => void): void {
    this.changeListeners.push(listener);
  }

  invalidateCompany(companyId: string): void {
    this.changed({ company: companyId });
  }

  /**
   * An agent's call ended at `at` (written to the database by the caller): the cached company learns
   * it in place instead of being reloaded whole — every call end would otherwise cost the next webhook
   * a full load of its company. Other instances drop their copy as for any change; without a settled
   * copy here, this one is dropped too.
   */
  agentCallEnded(companyId: string, agentId: string, at: Date): void {
    const agent = this.cached(companyId)?.agents.find((a) => a.id === agentId);
    if (!agent) {
      this.invalidateCompany(companyId);
      return;
    }
    agent.lastCallEndedAt = at;
    for (const listener of this.changeListeners) listener({ company: companyId });
  }

  invalidateNumbers(): void {
    this.changed({ numbers: true });
  }

  /** Drops what a change made elsewhere makes stale; listeners are not told (it is not announced again). */
  forget(change: DirectoryChange): void {
    if ('company' in change) this.companies.delete(change.company);
    else this.forgetNumbers();
  }

  /** Drops every cached company and number (after missing other instances' changes); lastKnown stays. */
  forgetAll(): void {
    this.companies.clear();
    this.forgetNumbers();
  }

  private forgetNumbers(): void {
    this.numbersGeneration++;
    this.numbers.clear();
  }

  private changed(change: DirectoryChange): void {
    this.forget(change);
    for (const listener of this.changeListeners) listener(change);
  }

  /** One batch of companies; their numbers fill the number map unless it was dropped meanwhile. */
  private async loadCompanyBatch(ids: string[]): Promise<Map<string, DirectoryCompany>> {
    const generation = this.numbersGeneration;
    const loaded = await loadCompanies(this.db, ids, this.sipTargets);
    if (generation === this.numbersGeneration) {
      for (const [e164, companyId] of loaded.numbers) {
        if (!this.numbers.has(e164)) this.numbers.set(e164, Promise.resolve(companyId));
      }
    }
    return loaded.companies;
  }

  /** A company's load finished: its agents' company, and the version lastKnown() gives. */
  private settle(companyId: string, entry: Promise<DirectoryCompany | null>, company: DirectoryCompany | null) {
    this.settled.set(entry, company);
    if (!company) {
      this.lastLoaded.delete(companyId);
      return null;
    }
    for (const a of company.agents) this.agentCompany.set(a.id, companyId);
    // An invalidated load may still be the only version known (stale beats nothing), never replace a newer one.
    if (this.companies.peek(companyId) === entry || !this.lastLoaded.has(companyId)) this.lastLoaded.set(companyId, company);
    return company;
  }
}
