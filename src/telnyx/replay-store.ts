/**
 * Where accepted webhook signatures are remembered until they leave the ±300 s window, so a captured
 * request cannot be played again: not on this instance, not on another one, not after a restart.
 *
 * - With Redis (REDIS_URL): one `SET key NX PX ttl` per request under the deployment's key prefix,
 *   so every instance sees every claim. If Redis does not answer, the local store below decides
 *   (one log line per outage): a replay aimed at another instance during an outage is the price of
 *   still answering Telnyx.
 * - Without Redis: memory backed by a small append-only journal in DATA_DIR (one line per accepted
 *   request: `<expires-at-ms> <key>`), read back at start with expired lines dropped and the file
 *   compacted. DATA_DIR=memory:// keeps it in memory only (tests).
 *
 * `claim` resolves true the first time a key is seen (and remembers it until `expiresAt`), false for
 * a replay. It never rejects.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../infra/logger.js';
import type { SharedRedis } from '../infra/redis.js';
import { ExpiringKeys } from './replay-cache.js';
import { DEFAULT_REPLAY_CACHE_SIZE } from './signature.js';

export interface ReplayStore {
  claim(key: string, expiresAt: number): Promise<boolean>;
  close(): void;
}

export const REPLAY_JOURNAL_FILE = 'webhook-replay.log';
/** A key is `${digits}|${base64}`: nothing that could break a journal line. */
const JOURNAL_KEY = /^[0-9]{1,12}\|[A-Za-z0-9+/=]{1,100}$/;

/** Keys in memory until they expire; bounded (the least recently added evicted first). */
export class MemoryReplayCache implements ReplayStore {
  private readonly seen: ExpiringKeys;

  constructor(
    private readonly clock: Clock,
    maxEntries = DEFAULT_REPLAY_CACHE_SIZE,
  ) {
    this.seen = new ExpiringKeys(maxEntries);
  }

  get size(): number {
    return this.seen.size;
  }

  entries(): IterableIterator<[string, number]> {
    return this.seen.entries();
  }

  /** Synchronous claim (the journal and the Redis fallback build on it). */
  claimNow(key: string, expiresAt: number): boolean {
    const now = this.clock.now();
    this.seen.forgetExpired(now);
    if (expiresAt < now) return false; // already out of the window: the signature check refuses it anyway
    if (this.seen.holds(key, now)) return false;
    this.seen.remember(key, expiresAt);
    return true;
  }

  claim(key: string, expiresAt: number): Promise<boolean> {
    return Promise.resolve(this.claimNow(key, expiresAt));
  }

  close(): void {}
}

/**
 * The memory cache plus an append-only journal, so a restart (or a crash: each line is written
 * before the request is answered) does not forget what was accepted within the window.
 */
export class JournaledReplayCache implements ReplayStore {
  private readonly memory: MemoryReplayCache;
  private fd: number | null = null;
  private linesSinceCompaction = 0;

  constructor(
    private readonly file: string,
    private readonly deps: { clock: Clock; logger: Logger },
  ) {
    this.memory = new MemoryReplayCache(deps.clock);
    try {
      mkdirSync(path.dirname(file), { recursive: true });
    } catch (err) {
      deps.logger.warn({ err, file }, 'webhook replay journal unavailable: replays are remembered in memory only');
    }
    this.load();
    this.compact();
  }

  get size(): number {
    return this.memory.size;
  }

  claimNow(key: string, expiresAt: number): boolean {
    if (!this.memory.claimNow(key, expiresAt)) return false;
    if (!JOURNAL_KEY.test(key)) return true; // cannot happen for verifier keys; never corrupt the journal
    try {
      this.fd ??= openSync(this.file, 'a', 0o600);
      writeSync(this.fd, `${expiresAt} ${key}\n`);
      // Expired lines pile up; rewrite the file once they outnumber the live ones.
      if (++this.linesSinceCompaction > Math.max(1000, 2 * this.memory.size)) this.compact();
    } catch (err) {
      // Memory still refuses the replay here; only a restart within the window would forget it.
      this.deps.logger.warn({ err, file: this.file }, 'webhook replay journal not written');
    }
    return true;
  }

  claim(key: string, expiresAt: number): Promise<boolean> {
    return Promise.resolve(this.claimNow(key, expiresAt));
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private load(): void {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return; // no journal yet
    }
    const now = this.deps.clock.now();
    for (const line of text.split('\n')) {
      const space = line.indexOf(' ');
      if (space <= 0) continue;
      const expiresAt = Number(line.slice(0, space));
      const key = line.slice(space + 1);
      if (Number.isFinite(expiresAt) && expiresAt >= now && JOURNAL_KEY.test(key)) this.memory.claimNow(key, expiresAt);
    }
  }

  /** Rewrites the journal with the live entries only (a new file renamed over the old one). */
  private compact(): void {
    try {
      if (this.fd !== null) closeSync(this.fd);
      this.fd = null;
      const now = this.deps.clock.now();
      const live = [...this.memory.entries()].filter(([, until]) => until >= now).map(([key, until]) => `${until} ${key}\n`);
      const tmp = `${this.file}.tmp`;
      writeFileSync(tmp, live.join(''), { mode: 0o600 });
      renameSync(tmp, this.file);
      this.linesSinceCompaction = 0;
    } catch (err) {
      this.deps.logger.warn({ err, file: this.file }, 'webhook replay journal not compacted');
    }
  }
}

/** A claim waits at most this long for Redis (the webhook's answer is due within WEBHOOK_DEADLINE_MS). */
const REDIS_CLAIM_WAIT_MS = 250;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** Claims in Redis, shared by every instance; the local store when Redis does not answer (in time). */
export class RedisReplayStore implements ReplayStore {
  private degraded = false;

  constructor(
    private readonly deps: { redis: SharedRedis; fallback: MemoryReplayCache | JournaledReplayCache; clock: Clock; logger: Logger },
  ) {}

  async claim(key: string, expiresAt: number): Promise<boolean> {
    const { redis, clock } = this.deps;
    const ttl = Math.max(1, Math.ceil(expiresAt - clock.now()));
    if (redis.healthy()) {
      try {
        const set = await withTimeout(redis.command.set(`${redis.prefix}webhook-replay:${key}`, '1', 'PX', ttl, 'NX'), REDIS_CLAIM_WAIT_MS);
        if (this.degraded) this.deps.logger.info('webhook replay cache: back on redis');
        this.degraded = false;
        return set === 'OK';
      } catch (err) {
        this.fellBack(err);
      }
    } else this.fellBack(new Error('redis not connected'));
    return this.deps.fallback.claimNow(key, expiresAt);
  }

  close(): void {
    this.deps.fallback.close();
  }

  private fellBack(err: unknown): void {
    if (this.degraded) return;
    this.degraded = true;
    this.deps.logger.warn(
      { err: (err as Error)?.message ?? String(err) },
      "webhook replay cache: redis unavailable, using this instance's local cache (replays sent to another instance are not seen until redis returns)",
    );
  }
}

export function createReplayStore(deps: { dataDir: string; redis: SharedRedis | null; clock: Clock; logger: Logger }): ReplayStore {
  const logger = deps.logger.child({ component: 'webhook-replay' });
  const local =
    deps.dataDir === 'memory://'
      ? new MemoryReplayCache(deps.clock)
      : new JournaledReplayCache(path.resolve(deps.dataDir, REPLAY_JOURNAL_FILE), { clock: deps.clock, logger });
  return deps.redis ? new RedisReplayStore({ redis: deps.redis, fallback: local, clock: deps.clock, logger }) : local;
}
