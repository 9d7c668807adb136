/**
 * The callers waiting in queues (docs/QUEUES.md), per company, and each queue's recent handle time
 * (the estimate's input). In memory for one instance; in multi-instance mode each company's list is
 * loaded from and stored to Redis with the rest of its call state, under the company's lock
 * (src/calls/shared-call-state.ts), so two instances never offer one caller twice.
 */
import type { WaitingCaller } from '../domain/queue.js';
import { updateHandleAverage } from '../domain/queue.js';
import type { SharedRedis } from '../infra/redis.js';

/** What one company's queues hold: the waiting callers and each queue's average handle seconds. */
export interface CompanyQueues {
  callers: Map<string, WaitingCaller>;
  handleSeconds: Map<string, number>;
}

export class WaitingList {
  private readonly companies = new Map<string, CompanyQueues>();
  /** Companies whose list changed since the shared copy was loaded (multi-instance mode stores only those). */
  private readonly dirty = new Set<string>();

  get(companyId: string, callSid: string): WaitingCaller | undefined {
    return this.companies.get(companyId)?.callers.get(callSid);
  }

  /** The company's waiting callers (callbacks included), in no particular order. */
  of(companyId: string): WaitingCaller[] {
    const queues = this.companies.get(companyId);
    return queues ? [...queues.callers.values()] : [];
  }

  /** How many entries a queue holds (callbacks included): its size against maxSize. */
  sizeOf(companyId: string, queueId: string): number {
    let n = 0;
    for (const c of this.companies.get(companyId)?.callers.values() ?? []) if (c.queueId === queueId) n++;
    return n;
  }

  put(caller: WaitingCaller): void {
    this.company(caller.companyId).callers.set(caller.callSid, caller);
    this.dirty.add(caller.companyId);
  }

  remove(companyId: string, callSid: string): WaitingCaller | undefined {
    const queues = this.companies.get(companyId);
    const caller = queues?.callers.get(callSid);
    if (!queues || !caller) return undefined;
    queues.callers.delete(callSid);
    this.dirty.add(companyId);
    return caller;
  }

  /** Companies with anyone waiting here (the dispatcher's sweep). */
  companiesWaiting(): string[] {
    return [...this.companies].filter(([, q]) => q.callers.size > 0).map(([id]) => id);
  }

  /** The queue's moving average of handle seconds, or null before its first answered call. */
  handleAverage(companyId: string, queueId: string): number | null {
    return this.companies.get(companyId)?.handleSeconds.get(queueId) ?? null;
  }

  recordHandle(companyId: string, queueId: string, seconds: number): void {
    const queues = this.company(companyId);
    const next = updateHandleAverage(queues.handleSeconds.get(queueId) ?? null, seconds);
    if (next !== null) queues.handleSeconds.set(queueId, next);
    this.dirty.add(companyId);
  }

  /** Multi-instance mode: the company's shared copy replaces this instance's. */
  importCompany(companyId: string, shared: StoredQueues | null): void {
    this.dirty.delete(companyId);
    if (!shared) {
      this.companies.delete(companyId);
      return;
    }
    this.companies.set(companyId, {
      callers: new Map(shared.callers.map((c) => [c.callSid, c])),
      handleSeconds: new Map(Object.entries(shared.handleSeconds)),
    });
  }

  /** Multi-instance mode: the company's list to store, or undefined when it did not change. */
  exportCompany(companyId: string): StoredQueues | null | undefined {
    if (!this.dirty.has(companyId)) return undefined;
    this.dirty.delete(companyId);
    const queues = this.companies.get(companyId);
    if (!queues || (queues.callers.size === 0 && queues.handleSeconds.size === 0)) return null;
    return { callers: [...queues.callers.values()], handleSeconds: Object.fromEntries(queues.handleSeconds) };
  }

  private company(companyId: string): CompanyQueues {
    let queues = this.companies.get(companyId);
    if (!queues) {
      queues = { callers: new Map(), handleSeconds: new Map() };
      this.companies.set(companyId, queues);
    }
    return queues;
  }
}

/** A company's queues as Redis holds them (one JSON value per company). */
export interface StoredQueues {
  callers: WaitingCaller[];
  handleSeconds: Record<string, number>;
}

/** Stored past the longest wait Telnyx allows (4 h) plus a callback's retries: then it is stale. */
const STORED_TTL_MS = 6 * 3600_000;

/**
 * The waiting lists in Redis: `queues:<companyId>` (the company's JSON) and the set `queues:waiting` of
 * companies with anyone waiting, which every instance's dispatcher sweeps.
 */
export class SharedWaitingList {
  constructor(
    private readonly redis: SharedRedis,
    private readonly list: WaitingList,
  ) {}

  async load(companyId: string): Promise<void> {
    const value = await this.redis.command.get(this.key(`queues:${companyId}`));
    this.list.importCompany(companyId, value ? (JSON.parse(value) as StoredQueues) : null);
  }

  /** Adds the company's changed list to a transaction (nothing when it did not change). */
  stage(tx: ReturnType<SharedRedis['command']['multi']>, companyId: string): void {
    const stored = this.list.exportCompany(companyId);
    if (stored === undefined) return;
    const key = this.key(`queues:${companyId}`);
    if (stored === null) tx.del(key);
    else tx.set(key, JSON.stringify(stored), 'PX', STORED_TTL_MS);
    if (stored && stored.callers.length > 0) tx.sadd(this.key('queues:waiting'), companyId);
    else tx.srem(this.key('queues:waiting'), companyId);
  }

  /** Companies with anyone waiting, on any instance. */
  async companiesWaiting(): Promise<string[]> {
    return this.redis.command.smembers(this.key('queues:waiting'));
  }

  private key(name: string): string {
    return this.redis.prefix + name;
  }
}
