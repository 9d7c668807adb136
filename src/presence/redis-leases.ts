/**
 * Presence leases shared by every instance through Redis (REDIS_URL).
 * One file on purpose (over 300 lines): its Lua scripts and the TypeScript that calls them must change
 * together; most of the length is the scripts.
 *
 * State: one hash per agent (`lease:<id>`: company, live, last reported online, SIP, call state,
 * last seen, lease end, socket grace, and one socket count per instance) and one sorted set
 * (`deadlines`) of live agents by effective deadline. Every change is one Lua script, so each
 * transition is decided exactly once, by the instance whose script saw it; that instance publishes
 * the presenceChanged event. Every instance runs the "claim" script at the earliest deadline (and at
 * least every CLAIM_INTERVAL_MS): it removes the due members and reports their expiry, so whoever
 * runs it first wins the ZREM and the others find nothing. A killed instance's leases still expire
 * on time, claimed by the survivors.
 *
 * Each script also PUBLISHes the agent's resulting state (with a global version) on `sync`; every
 * instance applies those to its LeaseMirror, which serves the synchronous reads routing needs.
 *
 * Degraded mode (Redis unreachable): reads keep coming from the mirror (leases end at their known
 * deadline); a heartbeat is answered from the mirror and remembered; no transition events are
 * published. When Redis returns, remembered heartbeats are replayed (the scripts then emit the
 * transitions, once), socket counts are re-asserted and the mirror is resynchronised.
 */
import type { SharedRedis } from '../infra/redis.js';
import { RedisScript } from '../infra/redis.js';
import type { Logger } from '../infra/logger.js';
import type { TimerHandle } from '../domain/clock.js';
import type { AgentPolicyRef, PresenceLeases } from './leases.js';
import { LeaseMirror, type LeaseState } from './lease-mirror.js';
import type { AgentLiveness, HeartbeatReport, PresenceTrackerOptions, PresenceTransition, TransitionCause } from './tracker.js';

/** Claims run at least this often even when no deadline is known (another instance may add one). */
const CLAIM_INTERVAL_MS = 500;
/** An instance that stops claiming for this long counts as dead: its socket counts stop holding leases. */
const INSTANCE_TTL_MS = 5000;
/** Lease hashes left behind (sockets of a dead instance) disappear after a day. */
const HASH_TTL_MS = 24 * 3600_000;
const CLAIM_BATCH = 500;

// ARGV[1] prefix, ARGV[2] now, ARGV[3] instance id; script arguments start at ARGV[4].
const PRELUDE = `
local P, now, inst = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local DL = P .. 'deadlines'
local out = { t = {}, s = {}, p = {} }
local function hkey(id) return P .. 'lease:' .. id end
local function load(id)
  local f = redis.call('HGETALL', hkey(id))
  if #f == 0 then return nil end
  local e = {}
  for i = 1, #f, 2 do e[f[i]] = f[i + 1] end
  return e
end
-- Sockets held on live instances; counts of instances that stopped claiming are dropped.
local function sockets(id)
  local h, total = hkey(id), 0
  local f = redis.call('HGETALL', h)
  for i = 1, #f, 2 do
    if string.sub(f[i], 1, 5) == 'sock:' then
      local owner = string.sub(f[i], 6)
      if owner == inst or redis.call('EXISTS', P .. 'instance:' .. owner) == 1 then
        total = total + tonumber(f[i + 1])
      else
        redis.call('HDEL', h, f[i])
      end
    end
  end
  return total
end
local function graced(e) return e.grace ~= nil and e.grace ~= '' end
local function deadline(e, socks)
  local exp = tonumber(e.exp)
  if socks == 0 and graced(e) then return math.min(exp, tonumber(e.grace)) end
  return exp
end
local function stateOf(id, e, socks)
  local st = { a = id }
  if e ~= nil and e.live == '1' then
    st.c = e.c; st.on = e.on == '1'; st.sip = e.sip == '1'; st.cs = e.cs or ''
    st.seen = tonumber(e.seen); st.dl = deadline(e, socks); st.n = socks
  end
  return st
end
local function publish(id, e, socks)
  local st = stateOf(id, e, socks)
  st.v = redis.call('INCR', P .. 'seq')
  redis.call('PUBLISH', P .. 'sync', cjson.encode(st))
  table.insert(out.s, st)
end
local function transition(id, e, online, cause)
  e.on = online and '1' or '0'
  e.pers = e.seen
  redis.call('HSET', hkey(id), 'on', e.on, 'pers', e.pers)
  table.insert(out.t, { a = id, c = e.c, on = online, sip = e.sip == '1', at = now, seen = tonumber(e.seen), cause = cause })
end
-- The lease ran out: offline exactly once (the ZREM and the report are one atomic step).
local function expire(id, e, socks)
  local cause = 'lease-expired'
  if graced(e) and tonumber(e.grace) < tonumber(e.exp) then cause = 'socket-closed' end
  redis.call('ZREM', DL, id)
  if e.on == '1' then transition(id, e, false, cause)
  elseif e.pers ~= e.seen then table.insert(out.p, { a = id, seen = tonumber(e.seen) }) end
  e.live = '0'
  if socks == 0 then redis.call('DEL', hkey(id))
  else redis.call('HSET', hkey(id), 'live', '0', 'on', '0', 'grace', '') end
  publish(id, nil, 0)
end
-- The agent's entry, after expiring it if its deadline has passed and nobody has claimed it yet.
local function current(id)
  local e = load(id)
  if e ~= nil and e.live == '1' then
    local socks = sockets(id)
    if deadline(e, socks) <= now then
      expire(id, e, socks)
      e = load(id)
    end
  end
  return e
end
`;

// ARGV: 4 agent, 5 company, 6 sip, 7 allow, 8 call state ('' keep, '-' none, '=x' set), 9 seen, 10 lease end,
// 11 last-seen persist interval, 12 hash ttl, 13 '1' = restore (only when the agent is unknown)
const HEARTBEAT = new RedisScript(`${PRELUDE}
local id, restoring = ARGV[4], ARGV[13] == '1'
local e = current(id)
if restoring and (e ~= nil or tonumber(ARGV[10]) <= now) then return cjson.encode(out) end
if e == nil then e = { on = '0', cs = '', pers = '' } end
local h = hkey(id)
local wasOnline = e.live == '1' and e.on == '1'
e.c = ARGV[5]; e.live = '1'; e.sip = ARGV[6]; e.allow = ARGV[7]
local cs = ARGV[8]
if cs == '-' then e.cs = '' elseif string.sub(cs, 1, 1) == '=' then e.cs = string.sub(cs, 2) end
e.seen = ARGV[9]; e.exp = ARGV[10]; e.grace = ''
if restoring then e.pers = e.seen end
redis.call('HSET', h, 'c', e.c, 'live', '1', 'on', wasOnline and '1' or '0', 'sip', e.sip, 'allow', e.allow, 'cs', e.cs or '',
  'seen', e.seen, 'exp', e.exp, 'grace', '', 'pers', e.pers or '')
redis.call('PEXPIRE', h, ARGV[12])
redis.call('ZADD', DL, e.exp, id)
local online = e.sip == '1' or e.allow == '1'
if online ~= wasOnline then
  local cause = 'unregistered'
  if restoring then cause = 'restored' elseif online then cause = 'heartbeat' end
  transition(id, e, online, cause)
elseif e.pers == nil or e.pers == '' or tonumber(e.seen) - tonumber(e.pers) >= tonumber(ARGV[11]) then
  e.pers = e.seen
  redis.call('HSET', h, 'pers', e.pers)
  table.insert(out.p, { a = id, seen = tonumber(e.seen) })
end
publish(id, e, sockets(id))
return cjson.encode(out)
`);

// ARGV: 4 agent, 5 company, 6 this instance's socket count (absolute, so a retry is harmless), 7 grace ms, 8 hash ttl
const SOCKETS = new RedisScript(`${PRELUDE}
local id, count = ARGV[4], tonumber(ARGV[6])
local h = hkey(id)
local e = current(id)
local mine = 0
if e ~= nil then mine = tonumber(redis.call('HGET', h, 'sock:' .. inst) or '0') end
if count == mine then return cjson.encode(out) end
if e == nil then
  e = { c = ARGV[5], live = '0', on = '0' }
  redis.call('HSET', h, 'c', e.c, 'live', '0', 'on', '0')
end
if count > 0 then redis.call('HSET', h, 'sock:' .. inst, count) else redis.call('HDEL', h, 'sock:' .. inst) end
redis.call('PEXPIRE', h, ARGV[8])
local socks = sockets(id)
if count > mine then
  -- A reattach within the grace (page reload) cancels it: back to the plain lease, no flap.
  if e.live == '1' and graced(e) then
    e.grace = ''
    redis.call('HSET', h, 'grace', '')
    redis.call('ZADD', DL, e.exp, id)
  end
elseif socks == 0 then
  if e.live ~= '1' then
    redis.call('DEL', h)
    return cjson.encode(out)
  end
  e.grace = tostring(now + tonumber(ARGV[7]))
  redis.call('HSET', h, 'grace', e.grace)
  local dl = deadline(e, 0)
  redis.call('ZADD', DL, dl, id)
  if dl <= now then
    expire(id, e, 0)
    return cjson.encode(out)
  end
end
if e.live == '1' then publish(id, e, socks) end
return cjson.encode(out)
`);

// ARGV: 4 agent, 5 allow unregistered ('1'/'0')
const SET_POLICY = new RedisScript(`${PRELUDE}
local id = ARGV[4]
local e = current(id)
if e == nil then return cjson.encode(out) end
e.allow = ARGV[5]
redis.call('HSET', hkey(id), 'allow', e.allow)
if e.live == '1' then
  local online = e.sip == '1' or e.allow == '1'
  if online ~= (e.on == '1') then
    local cause = 'unregistered'
    if online then cause = 'heartbeat' end
    transition(id, e, online, cause)
    publish(id, e, sockets(id))
  end
end
return cjson.encode(out)
`);

// ARGV: 4 agent
const REMOVE = new RedisScript(`${PRELUDE}
local id = ARGV[4]
local e = current(id)
if e == nil then return cjson.encode(out) end
redis.call('ZREM', DL, id)
if e.live == '1' then
  if e.on == '1' then transition(id, e, false, 'removed')
  elseif e.pers ~= e.seen then table.insert(out.p, { a = id, seen = tonumber(e.seen) }) end
  publish(id, nil, 0)
end
redis.call('DEL', hkey(id))
return cjson.encode(out)
`);

// ARGV: 4 batch size, 5 instance liveness ttl. Also reports the next deadline.
const CLAIM = new RedisScript(`${PRELUDE}
redis.call('SET', P .. 'instance:' .. inst, '1', 'PX', ARGV[5])
local due = redis.call('ZRANGEBYSCORE', DL, '-inf', now, 'LIMIT', 0, tonumber(ARGV[4]))
for _, id in ipairs(due) do
  local e = load(id)
  if e ~= nil and e.live == '1' then
    local socks = sockets(id)
    local dl = deadline(e, socks)
    if dl <= now then expire(id, e, socks) else redis.call('ZADD', DL, dl, id) end
  else
    redis.call('ZREM', DL, id)
  end
end
local first = redis.call('ZRANGE', DL, 0, 0, 'WITHSCORES')
if first[2] then out.next = tonumber(first[2]) end
return cjson.encode(out)
`);

// Every live lease and the version it is current at, read atomically (resync after start or an outage).
const SNAPSHOT = new RedisScript(`${PRELUDE}
local list = {}
for _, id in ipairs(redis.call('ZRANGE', DL, 0, -1)) do
  local e = load(id)
  if e ~= nil and e.live == '1' then table.insert(list, stateOf(id, e, sockets(id))) end
end
return cjson.encode({ v = tonumber(redis.call('GET', P .. 'seq') or '0'), s = list })
`);

interface ScriptResult {
  t: { a: string; c: string; on: boolean; sip: boolean; at: number; seen: number; cause: TransitionCause }[] | Record<string, never>;
  s: LeaseState[] | Record<string, never>;
  p: { a: string; seen: number }[] | Record<string, never>;
  next?: number;
}

const list = <T>(x: T[] | Record<string, never> | undefined): T[] => (Array.isArray(x) ? x : []); // cjson encodes [] as {}

export interface RedisPresenceLeasesOptions extends PresenceTrackerOptions {
  redis: SharedRedis;
  logger: Logger;
}

export class RedisPresenceLeases implements PresenceLeases {
  private readonly mirror = new LeaseMirror();
  private readonly redis: SharedRedis;
  private readonly log: Logger;
  private readonly socketGraceMs: number;
  private readonly persistIntervalMs: number;
  /** This instance's graphql-ws sockets per agent: the truth its Redis socket counts are set from. */
  private readonly sockets = new Map<string, { companyId: string; count: number }>();
  /** Socket counts that could not be written (Redis away); re-asserted on recovery. */
  private readonly unsyncedSockets = new Set<string>();
  /** Heartbeats answered locally while Redis was away, replayed on recovery (latest per agent). */
  private readonly unsyncedHeartbeats = new Map<
    string,
    { agent: AgentPolicyRef; report: HeartbeatReport; seenAt: number; expiresAt: number }
  >();
  private timer: TimerHandle | undefined;
  private stopped = false;
  private started = false;
  private syncing: Promise<void> | null = null;

  constructor(private readonly opts: RedisPresenceLeasesOptions) {
    this.redis = opts.redis;
    this.log = opts.logger.child({ component: 'presence-leases' });
    this.socketGraceMs = opts.socketGraceMs ?? 5000;
    this.persistIntervalMs = opts.lastSeenPersistIntervalMs ?? 60_000;
    const channel = `${this.redis.prefix}sync`;
    this.redis.subscriber.on('message', (ch: string, message: string) => {
      if (ch !== channel) return;
      try {
        this.mirror.apply(JSON.parse(message) as LeaseState, this.now());
      } catch (err) {
        this.log.warn({ err }, 'unreadable lease sync message dropped');
      }
    });
    // Either connection coming back means messages may have been missed: resync.
    this.redis.onRecovered(() => void (this.started && this.recover()));
  }

  /** Subscribe to lease sync, load the shared leases, start claiming. Starts degraded if Redis is away. */
  async start(): Promise<void> {
    this.started = true;
    if (await this.redis.whenReady(3000)) await this.recover();
    else this.log.warn('redis not reachable at start: presence starts in degraded mode (local view)');
    this.arm(this.now());
  }

  async heartbeat(agent: AgentPolicyRef, report: HeartbeatReport): Promise<AgentLiveness> {
    const now = this.now();
    const expiresAt = now + this.opts.ttlMs;
    try {
      const out = await this.run(HEARTBEAT, heartbeatArgs(agent, report, now, expiresAt, this.persistIntervalMs, false));
      const view = this.mirror.get(agent.agentId, this.now());
      if (view) return view;
      this.log.warn({ out, agentId: agent.agentId }, 'heartbeat script returned no live state');
    } catch (err) {
      this.degraded(err, 'heartbeat answered from the local view');
    }
    // Degraded: extend the lease here only; replayed to Redis on recovery.
    this.unsyncedHeartbeats.delete(agent.agentId); // re-insert: replay in arrival order
    this.unsyncedHeartbeats.set(agent.agentId, { agent, report, seenAt: now, expiresAt });
    const previous = this.mirror.get(agent.agentId, now);
    this.mirror.applyLocal(
      {
        a: agent.agentId,
        c: agent.companyId,
        on: report.sipRegistered || agent.allowUnregistered,
        sip: report.sipRegistered,
        cs: report.callState === undefined ? (previous?.callState ?? '') : (report.callState ?? ''),
        seen: now,
        dl: expiresAt,
        n: previous?.sockets ?? 0,
      },
      now,
    );
    return this.mirror.get(agent.agentId, now)!;
  }

  async restore(agent: AgentPolicyRef, state: { sipRegistered: boolean; lastSeenAt: number; leaseExpiresAt: number }): Promise<void> {
    try {
      await this.run(
        HEARTBEAT,
        heartbeatArgs(agent, { sipRegistered: state.sipRegistered }, state.lastSeenAt, state.leaseExpiresAt, this.persistIntervalMs, true),
      );
    } catch (err) {
      this.degraded(err, 'a handed-over lease was not restored');
    }
  }

  attachSocket(agentId: string, companyId: string): void {
    const entry = this.sockets.get(agentId) ?? { companyId, count: 0 };
    entry.count++;
    this.sockets.set(agentId, entry);
    this.writeSockets(agentId);
  }

  detachSocket(agentId: string): void {
    const entry = this.sockets.get(agentId);
    if (!entry || entry.count === 0) return; // unknown or already forgotten (remove())
    entry.count--;
    this.writeSockets(agentId);
  }

  setPolicy(agentId: string, allowUnregistered: boolean): void {
    this.fireAndForget(SET_POLICY, [agentId, allowUnregistered ? '1' : '0'], 'policy change not shared');
  }

  remove(agentId: string): void {
    this.sockets.delete(agentId);
    this.unsyncedHeartbeats.delete(agentId);
    this.fireAndForget(REMOVE, [agentId], 'agent removal not shared');
  }

  get(agentId: string): AgentLiveness | undefined {
    return this.mirror.get(agentId, this.now());
  }

  snapshot(companyId: string): AgentLiveness[] {
    return this.mirror.snapshot(companyId, this.now());
  }

  liveAgents(): AgentLiveness[] {
    return this.mirror.live(this.now());
  }

  liveCount(): number {
    return this.mirror.live(this.now()).length;
  }

  /**
   * Graceful stop of this instance: its socket counts go (clients reconnect elsewhere) without
   * starting a socket grace, and the leases stay in Redis for the other instances to keep or expire.
   */
  async handOver(): Promise<number> {
    this.stop();
    const live = this.liveAgents().length;
    const agents = [...this.sockets.keys()];
    this.sockets.clear(); // the sockets closing after this must not write counts back
    try {
      const pipeline = this.redis.command.pipeline();
      for (const agentId of agents) pipeline.hdel(`${this.redis.prefix}lease:${agentId}`, `sock:${this.redis.instanceId}`);
      pipeline.del(`${this.redis.prefix}instance:${this.redis.instanceId}`);
      await pipeline.exec();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not withdraw socket counts at stop; they lapse with this instance');
    }
    return live;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.opts.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  // ---------------------------------------------------------------------------------------------

  private now(): number {
    return this.opts.clock.now();
  }

  private async run(script: RedisScript, args: (string | number)[]): Promise<ScriptResult> {
    const raw = await script.run(
      this.redis.command,
      [`${this.redis.prefix}deadlines`],
      [this.redis.prefix, this.now(), this.redis.instanceId, ...args],
    );
    const out = JSON.parse(String(raw)) as ScriptResult;
    this.absorb(out);
    return out;
  }

  /** Mirror first (listeners read it), then the transitions this instance won, then last-seen writes. */
  private absorb(out: ScriptResult): void {
    const now = this.now();
    for (const s of list(out.s)) this.mirror.apply(s, now);
    for (const t of list(out.t)) {
      const transition: PresenceTransition = {
        agentId: t.a,
        companyId: t.c,
        online: t.on,
        sipRegistered: t.sip,
        at: t.at,
        lastSeenAt: t.seen,
        cause: t.cause,
      };
      try {
        this.opts.onTransition(transition);
      } catch (err) {
        this.reportError(err);
      }
      this.persist(t.a, t.seen);
    }
    for (const p of list(out.p)) this.persist(p.a, p.seen);
  }

  private persist(agentId: string, at: number): void {
    const fn = this.opts.persistLastSeen;
    if (!fn) return;
    try {
      Promise.resolve(fn(agentId, at)).catch((err) => this.reportError(err));
    } catch (err) {
      this.reportError(err);
    }
  }

  private reportError(err: unknown): void {
    try {
      this.opts.onError?.(err);
    } catch {
      // nowhere left to report to
    }
  }

  private writeSockets(agentId: string): void {
    const entry = this.sockets.get(agentId);
    if (!entry) return;
    const args = [agentId, entry.companyId, entry.count, this.socketGraceMs, HASH_TTL_MS];
    if (entry.count === 0) this.sockets.delete(agentId);
    this.run(SOCKETS, args).then(
      () => this.unsyncedSockets.delete(agentId),
      (err) => {
        this.unsyncedSockets.add(agentId);
        this.degraded(err, 'socket count not shared; re-asserted on recovery');
      },
    );
  }

  private fireAndForget(script: RedisScript, args: (string | number)[], what: string): void {
    this.run(script, args).catch((err) => this.degraded(err, what));
  }

  /** Loud when Redis looks healthy (unexpected); quiet during a known outage, already logged once by the connection. */
  private degraded(err: unknown, what: string): void {
    const fields = { err: (err as Error)?.message ?? String(err) };
    if (this.redis.healthy()) this.log.warn(fields, `presence: redis command failed: ${what}`);
    else this.log.debug(fields, `presence degraded: ${what}`);
  }

  /** After start or an outage: replay local heartbeats, re-assert socket counts, resync the mirror. */
  private recover(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.syncing ??= (async () => {
      try {
        const replayed = await this.replayHeartbeats();
        // Other instances drop the socket counts of an instance they stopped hearing from: re-assert all of ours.
        await this.redis.command.set(`${this.redis.prefix}instance:${this.redis.instanceId}`, '1', 'PX', INSTANCE_TTL_MS);
        for (const agentId of new Set([...this.unsyncedSockets, ...this.sockets.keys()])) {
          const entry = this.sockets.get(agentId);
          await this.run(SOCKETS, [agentId, entry?.companyId ?? '', entry?.count ?? 0, this.socketGraceMs, HASH_TTL_MS]);
          this.unsyncedSockets.delete(agentId);
        }
        // Ordered after the subscriber's own resubscribe: from here on no sync message is missed.
        await this.redis.subscriber.subscribe(`${this.redis.prefix}sync`);
        const snap = JSON.parse(
          String(
            await SNAPSHOT.run(
              this.redis.command,
              [`${this.redis.prefix}deadlines`],
              [this.redis.prefix, this.now(), this.redis.instanceId],
            ),
          ),
        ) as {
          v: number;
          s: LeaseState[] | Record<string, never>;
        };
        this.mirror.resync(snap.v, list(snap.s), this.now());
        this.log.info({ leases: list(snap.s).length, replayed }, 'presence leases synchronised from redis');
      } catch (err) {
        this.degraded(err, 'presence resync failed; retried when redis is back');
      } finally {
        this.syncing = null;
      }
    })();
    return this.syncing;
  }

  private async replayHeartbeats(): Promise<number> {
    let replayed = 0;
    for (const [agentId, hb] of [...this.unsyncedHeartbeats]) {
      if (hb.expiresAt > this.now()) {
        await this.run(HEARTBEAT, heartbeatArgs(hb.agent, hb.report, hb.seenAt, hb.expiresAt, this.persistIntervalMs, false));
        replayed++;
      }
      this.unsyncedHeartbeats.delete(agentId);
    }
    return replayed;
  }

  private arm(at: number): void {
    if (this.stopped) return;
    if (this.timer) this.opts.clock.clearTimer(this.timer);
    this.timer = this.opts.clock.setTimer(at, () => void this.claim());
  }

  private async claim(): Promise<void> {
    this.timer = undefined;
    const now = this.now();
    let next = now + CLAIM_INTERVAL_MS;
    try {
      if (this.unsyncedHeartbeats.size > 0 || this.unsyncedSockets.size > 0) await this.recover();
      const out = await this.run(CLAIM, [CLAIM_BATCH, INSTANCE_TTL_MS]);
      // A full batch means more are due right away.
      if (list(out.s).length >= CLAIM_BATCH) next = now;
      else if (out.next !== undefined) next = Math.min(next, out.next);
    } catch (err) {
      if (this.redis.healthy()) this.degraded(err, 'lease claim failed');
    }
    this.mirror.prune(now - 30_000);
    this.arm(next);
  }
}

function heartbeatArgs(
  agent: AgentPolicyRef,
  report: HeartbeatReport,
  seenAt: number,
  expiresAt: number,
  persistIntervalMs: number,
  restore: boolean,
) {
  const callState = report.callState === undefined ? '' : report.callState === null ? '-' : `=${report.callState}`;
  return [
    agent.agentId,
    agent.companyId,
    report.sipRegistered ? '1' : '0',
    agent.allowUnregistered ? '1' : '0',
    callState,
    seenAt,
    expiresAt,
    persistIntervalMs,
    HASH_TTL_MS,
    restore ? '1' : '0',
  ];
}
