/**
 * Multi-instance mode: the per-call hunt state (who was offered, how long it rang, the language
 * chosen), the company's reservations and its agents' call activity live in Redis, because Telnyx's
 * voice, dial-complete and status webhooks for one call may each land on a different instance.
 *
 * Each webhook runs under the company's lock: load the call and the company's reservations and
 * activity into this instance's CallSessions, decide exactly as one instance would (the pure
 * routing, unchanged), store what changed, unlock. Two calls racing on two instances are thereby
 * serialised per company, so one agent is never reserved for both. The lock is short (two round
 * trips) and expires by itself if its holder dies.
 *
 * Degraded mode: when Redis does not answer, or the lock is not had within LOCK_WAIT_MS, the webhook
 * is decided from this instance's local copy (it always answers valid TeXML; a reservation made then
 * is not seen by the other instances), and a log line says so.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../infra/logger.js';
import { RedisScript, type SharedRedis } from '../infra/redis.js';
import type { SharedAgentActivity } from './agent-activity-store.js';
import type { CallSession, CallSessions } from './call-sessions.js';
import type { SharedWaitingList } from './waiting-list.js';

/** The lock outlives any sane webhook; if its holder dies the next call waits at most this long. */
const LOCK_TTL_MS = 3000;
/** Inside the default 2 s webhook deadline, leaving time to decide and answer. */
const LOCK_WAIT_MS = 1200;

const UNLOCK = new RedisScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`);

export interface CallStateScope {
  companyId: string;
  /** The call the webhook is about; null when only agent state moves (a wrap-up ending). */
  callSid: string | null;
  /** The company's agents: their reservations and activity come along. */
  agentIds: string[];
}

export interface SharedCallState {
  /** Runs `work` with the call's and company's shared state loaded, then stores what it changed. */
  run<T>(scope: CallStateScope, work: () => T): Promise<T>;
  /** The company a call belongs to, from the shared copy (no lock: a read), or null if unknown or unreachable. */
  companyOfCall(callSid: string): Promise<string | null>;
}

export class RedisCallState implements SharedCallState {
  private readonly log: Logger;

  constructor(
    private readonly deps: {
      redis: SharedRedis;
      clock: Clock;
      logger: Logger;
      /** This instance's calls and reservations, loaded from and stored to Redis around each webhook. */
      sessions: CallSessions;
      /** The agents' call activity (src/calls/agent-activity-store.ts), loaded and stored alongside. */
      activity: SharedAgentActivity;
      /** The company's queues (src/calls/waiting-list.ts), loaded and stored alongside. */
      waiting?: SharedWaitingList;
    },
  ) {
    this.log = deps.logger.child({ component: 'call-state' });
  }

  async run<T>(scope: CallStateScope, work: () => T): Promise<T> {
    const lock = this.key(`lock:${scope.companyId}`);
    let token: string | null = null;
    try {
      token = await this.acquire(lock);
      if (token === null)
        this.log.warn(
          { companyId: scope.companyId, callSid: scope.callSid, waitedMs: LOCK_WAIT_MS },
          'company call lock not had in time: decided from the local view',
        );
      else await this.load(scope);
    } catch (err) {
      this.degraded(err, scope, 'call state not loaded: decided from the local view');
    }
    try {
      const result = work();
      if (token !== null) await this.save(scope).catch((err) => this.degraded(err, scope, 'call state not stored'));
      return result;
    } finally {
      if (token !== null) await UNLOCK.run(this.deps.redis.command, [lock], [token]).catch(() => {}); // else it lapses by itself
    }
  }

  async companyOfCall(callSid: string): Promise<string | null> {
    try {
      const call = await this.deps.redis.command.get(this.key(`call:${callSid}`));
      return call ? ((JSON.parse(call) as { session: CallSession }).session.companyId ?? null) : null;
    } catch {
      return null;
    }
  }

  private key(name: string): string {
    return this.deps.redis.prefix + name;
  }

  private async acquire(lock: string): Promise<string | null> {
    const token = randomUUID();
    const giveUpAt = Date.now() + LOCK_WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      if ((await this.deps.redis.command.set(lock, token, 'PX', LOCK_TTL_MS, 'NX')) === 'OK') return token;
      if (Date.now() >= giveUpAt) return null;
      await new Promise((resolve) => setTimeout(resolve, Math.min(2 + attempt * 2, 20) + Math.random() * 5));
    }
  }

  private async load(scope: CallStateScope): Promise<void> {
    const { command } = this.deps.redis;
    const { sessions } = this.deps;
    const [call, reservations] = await Promise.all([
      scope.callSid ? command.get(this.key(`call:${scope.callSid}`)) : Promise.resolve(null),
      command.hgetall(this.key(`reservations:${scope.companyId}`)),
      this.deps.activity.load(scope.companyId),
      this.deps.waiting?.load(scope.companyId),
    ]);
    if (call) {
      const stored = JSON.parse(call) as { session: CallSession; until: number };
      sessions.importSession(stored.session, stored.until);
    }
    sessions.importReservations(
      scope.agentIds,
      Object.entries(reservations).map(([agentId, value]) => ({ agentId, ...(JSON.parse(value) as { callSid: string; until: number }) })),
    );
  }

  private async save(scope: CallStateScope): Promise<void> {
    const now = this.deps.clock.now();
    const tx = this.deps.redis.command.multi();
    const { sessions } = this.deps;
    const call = scope.callSid ? sessions.exportSession(scope.callSid) : undefined;
    if (call) tx.set(this.key(`call:${call.session.callSid}`), JSON.stringify(call), 'PX', Math.max(1, call.until - now));
    const reservationsKey = this.key(`reservations:${scope.companyId}`);
    const reservations = sessions.exportReservations(scope.agentIds);
    tx.del(reservationsKey);
    if (reservations.length > 0) {
      tx.hset(
        reservationsKey,
        Object.fromEntries(reservations.map((r) => [r.agentId, JSON.stringify({ callSid: r.callSid, until: r.until })])),
      );
      tx.pexpire(reservationsKey, Math.max(1, Math.max(...reservations.map((r) => r.until)) - now));
    }
    this.deps.activity.stage(tx, scope.companyId, scope.agentIds);
    this.deps.waiting?.stage(tx, scope.companyId);
    const results = await tx.exec();
    const failed = results?.find(([err]) => err);
    if (failed) throw failed[0];
  }

  private degraded(err: unknown, scope: CallStateScope, what: string): void {
    const fields = { err: (err as Error)?.message ?? String(err), companyId: scope.companyId, callSid: scope.callSid };
    if (this.deps.redis.healthy()) this.log.warn(fields, what);
    else this.log.info(fields, `redis unavailable: ${what}`);
  }
}
