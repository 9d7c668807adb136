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
 * Plain renewals stay off the per-heartbeat path. A heartbeat that changes nothing but the lease end
 * (same company, SIP registration, online value and call state, no socket grace pending) while the
 * lease Redis holds still has more than a third of the TTL left is answered from the mirror and
 * queued; every RENEW_FLUSH_MS the queue goes to Redis in one RENEW script per RENEW_BATCH agents
 * (exact last-seen and lease end of each agent's latest heartbeat, so expiry keeps its precision)
 * and reaches the other mirrors as one sync message. Anything else (a first heartbeat, a transition,
 * a call-state change, a lease near its end) runs the HEARTBEAT script at once, as before. Costs of
 * the trade: an instance that dies loses at most RENEW_FLUSH_MS of renewals (its agents may expire
 * one heartbeat interval early, never late); other instances see last-seen up to RENEW_FLUSH_MS late.
 * A queued renewal whose lease Redis no longer holds (it ran out during an outage) is replayed
 * through the HEARTBEAT script, which emits the transitions.
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
import { LeaseMirror, type LeaseRenewals, type LeaseState } from './lease-mirror.js';
import type {
  AgentLiveness,
  HeartbeatReport,
  LeaseHolder,
  LiveState,
  PresenceTrackerOptions,
  PresenceTransition,
  TransitionCause,
} from './tracker.js';

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
    if socks == 0 and graced(e) then st.g = true end
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

// Plain renewals, batched. ARGV: 4 last-seen persist interval, 5 hash ttl; from 6, triples of agent,
// last seen, lease end. Renews only a lease that is live, not yet due and not in a socket grace; the
// others come back in out.x for the full HEARTBEAT script. out.r: flat triples of what Redis now holds.
const RENEW = new RedisScript(`${PRELUDE}
local interval, ttl = tonumber(ARGV[4]), ARGV[5]
local r, x = {}, {}
for i = 6, #ARGV, 3 do
  local id, seen, exp = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local h = hkey(id)
  local f = redis.call('HMGET', h, 'live', 'exp', 'grace', 'seen', 'pers')
  if f[1] ~= '1' or tonumber(f[2]) <= now or (f[3] and f[3] ~= '') then
    table.insert(x, id)
  elseif tonumber(f[4]) >= tonumber(seen) then
    table.insert(r, id); table.insert(r, tonumber(f[4])); table.insert(r, tonumber(f[2]))
  else
    redis.call('HSET', h, 'seen', seen, 'exp', exp)
    if not f[5] or f[5] == '' or tonumber(seen) - tonumber(f[5]) >= interval then
      redis.call('HSET', h, 'pers', seen)
      table.insert(out.p, { a = id, seen = tonumber(seen) })
    end
    redis.call('PEXPIRE', h, ttl)
    redis.call('ZADD', DL, exp, id)
    table.insert(r, id); table.insert(r, tonumber(seen)); table.insert(r, tonumber(exp))
  end
end
if #r > 0 then
  out.v = redis.call('INCR', P .. 'seq')
  -- Prefixed with the instance id, so the instance that sent it skips it without parsing it.
  redis.call('PUBLISH', P .. 'sync', inst .. cjson.encode({ v = out.v, r = r }))
end
out.r = r
out.x = x
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
  /** RENEW: the batch's version, what Redis holds for each renewed agent, and the agents it did not renew */
  v?: number;
  r?: (string | number)[] | Record<string, never>;
  x?: string[] | Record<string, never>;
}

/** A heartbeat answered from the mirror, waiting for the next RENEW batch. */
interface PendingRenewal {
  agent: AgentPolicyRef;
  report: HeartbeatReport;
  seenAt: number;
  expiresAt: number;
  /** The lease end Redis holds meanwhile: the renewal must land before it. */
  sharedDeadline: number;
}

/** How often queued renewals go to Redis: the most a killed instance loses, and how late other instances see last-seen. */
const RENEW_FLUSH_MS = 250;
/** Agents per RENEW script: a script blocks Redis while it runs, so big batches are split. */
const RENEW_BATCH = 1000;

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
  /** Plain renewals answered locally, latest per agent, sent every RENEW_FLUSH_MS. */
  private readonly renewals = new Map<string, PendingRenewal>();
  /** A renewal is queued only while Redis' lease has more than this left (a third of the TTL). */
  private readonly renewMarginMs: number;
  private flushTimer: TimerHandle | undefined;
  /** When the last claim succeeded: the others hold our socket counts only while we claim. */
  private lastClaimAt = 0;
  private flushing: Promise<void> | null = null;
  private timer: TimerHandle | undefined;
  private stopped = false;
  private started = false;
  private syncing: Promise<void> | null = null;

  constructor(private readonly opts: RedisPresenceLeasesOptions) {
    this.redis = opts.redis;
    this.log = opts.logger.child({ component: 'presence-leases' });
    this.socketGraceMs = opts.socketGraceMs ?? 5000;
    this.persistIntervalMs = opts.lastSeenPersistIntervalMs ?? 60_000;
    this.renewMarginMs = opts.ttlMs / 3;
    const channel = `${this.redis.prefix}sync`;
    const self = this.redis.instanceId;
    this.redis.subscriber.on('message', (ch: string, message: string) => {
      if (ch !== channel) return;
      try {
        if (message.charCodeAt(0) === 123 /* { */) this.mirror.apply(JSON.parse(message) as LeaseState, this.now());
        // A renewal batch, after its sender's instance id; ours were applied from the script's result.
        else if (!message.startsWith(self)) this.mirror.renew(JSON.parse(message.slice(message.indexOf('{'))) as LeaseRenewals, this.now());
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
    this.lastClaimAt = this.now();
    if (await this.redis.whenReady(3000)) await this.recover();
    else this.log.warn('redis not reachable at start: presence starts in degraded mode (local view)');
    this.arm(this.now());
  }

  /** A plain renewal is answered at once (no promise); anything else runs the script. */
  heartbeat(agent: AgentPolicyRef, report: HeartbeatReport): AgentLiveness | Promise<AgentLiveness> {
    const now = this.now();
    const expiresAt = now + this.opts.ttlMs;
    return this.renewLocally(agent, report, now, expiresAt) ?? this.heartbeatInRedis(agent, report, now, expiresAt);
  }

  private async heartbeatInRedis(agent: AgentPolicyRef, report: HeartbeatReport, now: number, expiresAt: number): Promise<AgentLiveness> {
    this.renewals.delete(agent.agentId); // the script records this heartbeat, newer than any queued renewal
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

  /**
   * A heartbeat that changes nothing but the lease end, while Redis' lease is far from its end:
   * answered from the mirror and queued for the next RENEW batch. Undefined when the script must run.
   */
  private renewLocally(agent: AgentPolicyRef, report: HeartbeatReport, now: number, expiresAt: number): AgentLiveness | undefined {
    const s = this.mirror.state(agent.agentId);
    if (!s || s.g || s.c !== agent.companyId || s.sip !== report.sipRegistered) return undefined;
    if (s.on !== (report.sipRegistered || agent.allowUnregistered)) return undefined;
    if (report.callState !== undefined && (report.callState ?? '') !== (s.cs ?? '')) return undefined;
    const sharedDeadline = this.renewals.get(agent.agentId)?.sharedDeadline ?? s.dl ?? 0;
    if (sharedDeadline - now <= this.renewMarginMs) return undefined;
    this.renewals.set(agent.agentId, { agent, report, seenAt: now, expiresAt, sharedDeadline });
    this.mirror.renewLocal(agent.agentId, now, expiresAt);
    this.scheduleFlush();
    return this.mirror.get(agent.agentId, now);
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
    this.renewals.delete(agentId);
    this.unsyncedHeartbeats.delete(agentId);
    this.fireAndForget(REMOVE, [agentId], 'agent removal not shared');
  }

  get(agentId: string): AgentLiveness | undefined {
    return this.mirror.get(agentId, this.now());
  }

  liveState(agentId: string): LiveState | undefined {
    return this.mirror.liveState(agentId, this.now());
  }

  /** The mirror's records are replaced as other instances write them: nothing is kept on the holder. */
  liveStateFor(holder: LeaseHolder, now: number): LiveState | undefined {
    return this.mirror.liveState(holder.id, now);
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
    await this.flushRenewals(); // the leases the others keep running end where the last heartbeats put them
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
    if (this.flushTimer) this.opts.clock.clearTimer(this.flushTimer);
    this.flushTimer = undefined;
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
    // A queued renewal goes first (same connection, so Redis runs it first): a socket grace started
    // after that heartbeat must not be cancelled by it.
    const pending = this.renewals.get(agentId);
    if (pending) void this.sendRenewals([pending]);
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
        await this.flushRenewals();
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

  /** Writes that failed while this instance still counted as alive (timeouts): retried alone, no full resync. */
  private async retryUnsynced(): Promise<void> {
    await this.replayHeartbeats();
    for (const agentId of [...this.unsyncedSockets]) {
      const entry = this.sockets.get(agentId);
      await this.run(SOCKETS, [agentId, entry?.companyId ?? '', entry?.count ?? 0, this.socketGraceMs, HASH_TTL_MS]);
      this.unsyncedSockets.delete(agentId);
    }
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

  private scheduleFlush(): void {
    if (this.flushTimer || this.flushing || this.stopped) return;
    this.flushTimer = this.opts.clock.setTimer(this.now() + RENEW_FLUSH_MS, () => {
      this.flushTimer = undefined;
      void this.flushRenewals();
    });
  }

  /** Sends every queued renewal; while Redis is away they wait (recover() flushes them). */
  private flushRenewals(): Promise<void> {
    if (this.flushing || !this.redis.healthy() || this.renewals.size === 0) return this.flushing ?? Promise.resolve();
    const queued = [...this.renewals.values()];
    const batches: Promise<void>[] = [];
    for (let i = 0; i < queued.length; i += RENEW_BATCH) batches.push(this.sendRenewals(queued.slice(i, i + RENEW_BATCH)));
    const flushing = Promise.all(batches).then(() => {
      this.flushing = null;
      if (this.renewals.size > 0) this.scheduleFlush(); // newer ones, or failed ones retried
    });
    this.flushing = flushing;
    return flushing;
  }

  /** One RENEW script; a failed one leaves its renewals queued for the next flush. */
  private async sendRenewals(batch: PendingRenewal[]): Promise<void> {
    const args: (string | number)[] = [this.persistIntervalMs, HASH_TTL_MS];
    for (const p of batch) args.push(p.agent.agentId, p.seenAt, p.expiresAt);
    let out: ScriptResult;
    try {
      out = await this.run(RENEW, args);
    } catch (err) {
      this.degraded(err, 'lease renewals not shared yet; retried');
      return;
    }
    const now = this.now();
    if (out.v !== undefined) this.mirror.renew({ v: out.v, r: list(out.r) }, now);
    const notRenewed = new Set(list(out.x));
    for (const p of batch) {
      const id = p.agent.agentId;
      const latest = this.renewals.get(id);
      if (latest === p) this.renewals.delete(id);
      else if (latest) this.mirror.renewLocal(id, latest.seenAt, latest.expiresAt); // a newer one is queued
      // Redis holds no live lease for it any more: the full script decides (and emits the transitions).
      if (notRenewed.has(id) && latest === p && p.expiresAt > now)
        this.run(HEARTBEAT, heartbeatArgs(p.agent, p.report, p.seenAt, p.expiresAt, this.persistIntervalMs, false)).catch((err) =>
          this.degraded(err, 'a renewal Redis no longer held was not replayed'),
        );
    }
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
      if (this.unsyncedHeartbeats.size > 0 || this.unsyncedSockets.size > 0) {
        // Claims failing for longer than INSTANCE_TTL_MS: the others dropped our socket counts, re-assert them all.
        if (now - this.lastClaimAt >= INSTANCE_TTL_MS) await this.recover();
        else await this.retryUnsynced();
      }
      const out = await this.run(CLAIM, [CLAIM_BATCH, INSTANCE_TTL_MS]);
      this.lastClaimAt = now;
      if (this.renewals.size > 0) this.scheduleFlush(); // renewals left over from an outage or a failed flush
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
