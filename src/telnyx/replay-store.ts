/**
 * What each signed webhook request was answered, kept until it leaves the ±300 s signature window,
 * so that the same request again — Telnyx delivering it twice, or someone replaying a captured one —
 * gets the same answer and changes nothing (docs/TELNYX.md §Signatures, "The same request again").
 *
 * Why an answer and not a refusal: Telnyx documents that a webhook may arrive more than once, and a
 * refusal (non-2xx) of a genuine delivery sends the call to the failover URL or an "application
 * error". Acting on it twice is not harmless either (a second `answered` after `completed` would put
 * an agent back on a call; a second missed dial would count the miss twice and skip a hunt step). The
 * first answer is what Telnyx should have got, so a repeat gets exactly that, and no handler runs.
 *
 * The identity of a request is `${telnyx-timestamp}|${signature}`: the same bytes sent again have the
 * same one; a new delivery attempt, stamped when sent, has a new one and is handled as new.
 *
 * - `claim` says what to do with a request: `first` (handle it, then `settle` with the answer),
 *   `repeat` (send the kept answer, nothing else), or `unknown` (seen, but its answer cannot be had
 *   here within the wait: handle it again). A repeat arriving while the first is still being handled
 *   waits for its answer, at most `waitMs`.
 * - `settle` keeps a 2xx answer. Any other answer (a voicemail that could not be stored asks Telnyx to
 *   retry with 429) is forgotten, so the retry is handled afresh.
 * - With Redis (REDIS_URL): one key per request under the deployment's prefix (`SET NX` to claim,
 *   the answer stored in it), so every instance sees every answer. If Redis does not answer, the
 *   local store below decides (one log line per outage).
 * - Without Redis: memory backed by an append-only journal in DATA_DIR (one line per answer:
 *   `<expires-at-ms> <key> <answer as JSON>`), read back at start with expired lines dropped and the
 *   file compacted. DATA_DIR=memory:// keeps it in memory only (tests).
 *
 * Nothing here rejects.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../infra/logger.js';
import type { SharedRedis } from '../infra/redis.js';
import { ExpiringEntries } from './replay-cache.js';

/** A webhook's answer as sent, and the route it was sent on (a repeat on another route is not Telnyx's). */
export interface KeptAnswer {
  route: string;
  status: number;
  body: string;
}

export type Claim = { kind: 'first' } | { kind: 'repeat'; answer: KeptAnswer } | { kind: 'unknown' };

export interface ReplayStore {
  claim(key: string, expiresAt: number): Promise<Claim>;
  settle(key: string, expiresAt: number, answer: KeptAnswer): Promise<void>;
  close(): void;
}

export const REPLAY_JOURNAL_FILE = 'webhook-replay.log';
/** A key is `${digits}|${base64}`: nothing that could break a journal line. */
const JOURNAL_KEY = /^[0-9]{1,12}\|[A-Za-z0-9+/=]{1,100}$/;
/** Requests remembered at most (a few minutes of webhooks at hundreds a second)… */
export const DEFAULT_MAX_REQUESTS = 100_000;
/** …and at most this many bytes of answers (TeXML documents are a few hundred bytes). */
export const DEFAULT_MAX_ANSWER_BYTES = 64 * 1024 * 1024;
/** How long a repeat waits for the first request's answer; past it, it is handled again. */
export const DEFAULT_WAIT_MS = 2_500;

const IN_FLIGHT = 'in-flight';
type Held = KeptAnswer | typeof IN_FLIGHT;

/** Only a 2xx answer is kept: anything else tells Telnyx to try again, and its retry must be handled. */
export function isKept(answer: KeptAnswer): boolean {
  return answer.status >= 200 && answer.status < 300;
}

function parseAnswer(text: string): KeptAnswer | null {
  try {
    const value = JSON.parse(text) as Partial<KeptAnswer> | null;
    if (value && typeof value.route === 'string' && typeof value.body === 'string' && Number.isInteger(value.status)) {
      return { route: value.route, status: value.status!, body: value.body };
    }
  } catch {
    // not an answer
  }
  return null;
}

/** Requests and their answers in memory until they expire; bounded (the least recently added evicted first). */
export class MemoryReplayCache implements ReplayStore {
  private readonly held: ExpiringEntries<Held>;
  /** Repeats waiting for a request still being handled on this instance. */
  private readonly waiters = new Map<string, { done: Promise<KeptAnswer | null>; resolve: (answer: KeptAnswer | null) => void }>();
  private readonly waitMs: number;

  constructor(
    private readonly clock: Clock,
    opts: { waitMs?: number; maxRequests?: number; maxAnswerBytes?: number } = {},
  ) {
    this.waitMs = opts.waitMs ?? DEFAULT_WAIT_MS;
    this.held = new ExpiringEntries<Held>({
      max: opts.maxRequests ?? DEFAULT_MAX_REQUESTS,
      maxSize: opts.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES,
      size: (held) => (held === IN_FLIGHT ? 16 : held.body.length + held.route.length + 32),
    });
  }

  get size(): number {
    return this.held.size;
  }

  /** The kept answers, oldest first (the journal's compaction). */
  *answers(): IterableIterator<[key: string, until: number, answer: KeptAnswer]> {
    for (const [key, until, held] of this.held.list()) if (held !== IN_FLIGHT) yield [key, until, held];
  }

  /** The synchronous part of a claim: `in-flight` when the first request is still being handled here. */
  claimNow(key: string, expiresAt: number): Claim | { kind: 'in-flight' } {
    const now = this.clock.now();
    this.held.forgetExpired(now);
    const held = this.held.get(key, now);
    if (held === undefined) {
      // Out of the window already (the signature check refuses such a request): nothing to remember.
      if (expiresAt >= now) this.held.set(key, IN_FLIGHT, expiresAt);
      return { kind: 'first' };
    }
    return held === IN_FLIGHT ? { kind: 'in-flight' } : { kind: 'repeat', answer: held };
  }

  async claim(key: string, expiresAt: number): Promise<Claim> {
    const claimed = this.claimNow(key, expiresAt);
    if (claimed.kind !== 'in-flight') return claimed;
    const answer = await this.answerOf(key);
    if (answer) return { kind: 'repeat', answer };
    // Its answer was not kept (the retry is due) or is late: claim again, or handle it as well.
    const again = this.claimNow(key, expiresAt);
    return again.kind === 'in-flight' ? { kind: 'unknown' } : again;
  }

  /** Keeps a 2xx answer until `expiresAt`, forgets anything else; wakes the repeats waiting for it. */
  settleNow(key: string, expiresAt: number, answer: KeptAnswer): void {
    const kept = isKept(answer);
    if (kept && expiresAt >= this.clock.now()) this.held.set(key, answer, expiresAt);
    else this.held.delete(key);
    const waiter = this.waiters.get(key);
    this.waiters.delete(key);
    waiter?.resolve(kept ? answer : null);
  }

  settle(key: string, expiresAt: number, answer: KeptAnswer): Promise<void> {
    this.settleNow(key, expiresAt, answer);
    return Promise.resolve();
  }

  close(): void {
    for (const waiter of this.waiters.values()) waiter.resolve(null);
    this.waiters.clear();
  }

  /** Restores an answer read back from the journal. */
  restore(key: string, expiresAt: number, answer: KeptAnswer): void {
    if (expiresAt >= this.clock.now()) this.held.set(key, answer, expiresAt);
  }

  /** The answer of a request in flight here, or null if it is not kept or not there within waitMs. */
  private answerOf(key: string): Promise<KeptAnswer | null> {
    let waiter = this.waiters.get(key);
    if (!waiter) {
      let resolve!: (answer: KeptAnswer | null) => void;
      const done = new Promise<KeptAnswer | null>((r) => (resolve = r));
      waiter = { done, resolve };
      this.waiters.set(key, waiter);
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.waitMs);
    });
    return Promise.race([waiter.done, late]).finally(() => clearTimeout(timer));
  }
}

/**
 * The memory store plus an append-only journal, so a restart (or a crash: each line is written
 * before the request is answered) does not forget what was answered within the window.
 */
export class JournaledReplayCache implements ReplayStore {
  private readonly memory: MemoryReplayCache;
  private fd: number | null = null;
  private linesSinceCompaction = 0;

  constructor(
    private readonly file: string,
    private readonly deps: { clock: Clock; logger: Logger; waitMs?: number },
  ) {
    this.memory = new MemoryReplayCache(deps.clock, { waitMs: deps.waitMs });
    try {
      mkdirSync(path.dirname(file), { recursive: true });
    } catch (err) {
      deps.logger.warn({ err, file }, 'webhook answer journal unavailable: answers are remembered in memory only');
    }
    this.load();
    this.compact();
  }

  get size(): number {
    return this.memory.size;
  }

  claimNow(key: string, expiresAt: number) {
    return this.memory.claimNow(key, expiresAt);
  }

  claim(key: string, expiresAt: number): Promise<Claim> {
    return this.memory.claim(key, expiresAt);
  }

  settleNow(key: string, expiresAt: number, answer: KeptAnswer): void {
    this.memory.settleNow(key, expiresAt, answer);
    if (!isKept(answer) || !JOURNAL_KEY.test(key)) return; // verifier keys always match; never corrupt the journal
    try {
      this.fd ??= openSync(this.file, 'a', 0o600);
      // JSON escapes every line break, so one answer is one line.
      writeSync(this.fd, `${expiresAt} ${key} ${JSON.stringify(answer)}\n`);
      // Expired lines pile up; rewrite the file once they outnumber the live ones.
      if (++this.linesSinceCompaction > Math.max(1000, 2 * this.memory.size)) this.compact();
    } catch (err) {
      // Memory still answers repeats; only a restart within the window would forget this answer.
      this.deps.logger.warn({ err, file: this.file }, 'webhook answer journal not written');
    }
  }

  settle(key: string, expiresAt: number, answer: KeptAnswer): Promise<void> {
    this.settleNow(key, expiresAt, answer);
    return Promise.resolve();
  }

  close(): void {
    this.memory.close();
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
    for (const line of text.split('\n')) {
      const [expires, key, ...rest] = line.split(' ');
      const expiresAt = Number(expires);
      const answer = parseAnswer(rest.join(' '));
      // Lines of an older format (no answer) or damaged ones are skipped: such a request is handled as new.
      if (Number.isFinite(expiresAt) && key && JOURNAL_KEY.test(key) && answer) this.memory.restore(key, expiresAt, answer);
    }
  }

  /** Rewrites the journal with the live answers only (a new file renamed over the old one). */
  private compact(): void {
    try {
      if (this.fd !== null) closeSync(this.fd);
      this.fd = null;
      const now = this.deps.clock.now();
      const live = [...this.memory.answers()]
        .filter(([, until]) => until >= now)
        .map(([key, until, answer]) => `${until} ${key} ${JSON.stringify(answer)}\n`);
      const tmp = `${this.file}.tmp`;
      writeFileSync(tmp, live.join(''), { mode: 0o600 });
      renameSync(tmp, this.file);
      this.linesSinceCompaction = 0;
    } catch (err) {
      this.deps.logger.warn({ err, file: this.file }, 'webhook answer journal not compacted');
    }
  }
}

/** A Redis command waits at most this long (the webhook's answer is due within WEBHOOK_DEADLINE_MS). */
const REDIS_WAIT_MS = 250;
/** How often a repeat looks for the answer of a request being handled on another instance. */
const POLL_MS = 25;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** Requests and answers in Redis, shared by every instance; the local store when Redis does not answer (in time). */
export class RedisReplayStore implements ReplayStore {
  private degraded = false;
  /** Requests claimed in the local store (Redis was away): settled there too. */
  private readonly claimedLocally = new Set<string>();
  private readonly waitMs: number;

  constructor(
    private readonly deps: {
      redis: SharedRedis;
      fallback: MemoryReplayCache | JournaledReplayCache;
      clock: Clock;
      logger: Logger;
      waitMs?: number;
    },
  ) {
    this.waitMs = deps.waitMs ?? DEFAULT_WAIT_MS;
  }

  async claim(key: string, expiresAt: number): Promise<Claim> {
    const { redis } = this.deps;
    if (redis.healthy()) {
      try {
        const claim = await this.claimInRedis(`${redis.prefix}webhook-replay:${key}`, expiresAt);
        if (this.degraded) this.deps.logger.info('webhook answer store: back on redis');
        this.degraded = false;
        return claim;
      } catch (err) {
        this.fellBack(err);
      }
    } else this.fellBack(new Error('redis not connected'));
    this.claimedLocally.add(key);
    return this.deps.fallback.claim(key, expiresAt);
  }

  async settle(key: string, expiresAt: number, answer: KeptAnswer): Promise<void> {
    if (this.claimedLocally.delete(key)) return this.deps.fallback.settle(key, expiresAt, answer);
    const { redis } = this.deps;
    const redisKey = `${redis.prefix}webhook-replay:${key}`;
    try {
      if (isKept(answer))
        await withTimeout(redis.command.set(redisKey, JSON.stringify(answer), 'PX', this.ttl(expiresAt), 'XX'), REDIS_WAIT_MS);
      else await withTimeout(redis.command.del(redisKey), REDIS_WAIT_MS);
    } catch (err) {
      // A repeat then finds the request in flight until its wait runs out, and is handled again.
      this.fellBack(err);
    }
  }

  close(): void {
    this.deps.fallback.close();
  }

  /** SET NX claims; a request already there is answered from its stored answer, waiting while it is in flight. */
  private async claimInRedis(redisKey: string, expiresAt: number): Promise<Claim> {
    const { redis } = this.deps;
    const waitUntil = performance.now() + this.waitMs;
    for (;;) {
      const set = await withTimeout(redis.command.set(redisKey, IN_FLIGHT, 'PX', this.ttl(expiresAt), 'NX'), REDIS_WAIT_MS);
      if (set === 'OK') return { kind: 'first' };
      const value = await withTimeout(redis.command.get(redisKey), REDIS_WAIT_MS);
      if (value !== null && value !== IN_FLIGHT) {
        const answer = parseAnswer(value);
        return answer ? { kind: 'repeat', answer } : { kind: 'unknown' };
      }
      // In flight (or just released: then the next SET NX claims it).
      if (performance.now() >= waitUntil) return { kind: 'unknown' };
      if (value === IN_FLIGHT) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  private ttl(expiresAt: number): number {
    return Math.max(1, Math.ceil(expiresAt - this.deps.clock.now()));
  }

  private fellBack(err: unknown): void {
    if (this.degraded) return;
    this.degraded = true;
    this.deps.logger.warn(
      { err: (err as Error)?.message ?? String(err) },
      "webhook answer store: redis unavailable, using this instance's local store (repeats sent to another instance are handled again until redis returns)",
    );
  }
}

export function createReplayStore(deps: {
  dataDir: string;
  redis: SharedRedis | null;
  clock: Clock;
  logger: Logger;
  waitMs?: number;
}): ReplayStore {
  const logger = deps.logger.child({ component: 'webhook-answers' });
  const local =
    deps.dataDir === 'memory://'
      ? new MemoryReplayCache(deps.clock, { waitMs: deps.waitMs })
      : new JournaledReplayCache(path.resolve(deps.dataDir, REPLAY_JOURNAL_FILE), { clock: deps.clock, logger, waitMs: deps.waitMs });
  return deps.redis ? new RedisReplayStore({ redis: deps.redis, fallback: local, clock: deps.clock, logger, waitMs: deps.waitMs }) : local;
}
