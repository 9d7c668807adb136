/**
 * Live presence: heartbeat leases, socket grace, online/offline transitions.
 *
 * Expiry is event-driven: all live agents sit in one DeadlineHeap keyed by agentId and a single clock
 * timer is armed for the earliest deadline. A heartbeat only moves the agent's heap key. Agents leave
 * memory when their lease expires, so offline agents cost nothing.
 *
 * One file on purpose (over 300 lines): leases, socket grace and transitions are one state machine per
 * agent; split apart, each half would need the other's private state.
 */
import type { Clock, TimerHandle } from '../domain/clock.js';
import { DeadlineHeap } from './deadline-heap.js';

export interface HeartbeatReport {
  sipRegistered: boolean;
  callState?: string | null;
}

export interface AgentLiveness {
  agentId: string;
  companyId: string;
  /** live && (sipRegistered || allowUnregistered) */
  online: boolean;
  /** lease alive */
  live: boolean;
  sipRegistered: boolean;
  callState: string | null;
  /** epoch ms of the last heartbeat */
  lastSeenAt: number;
  /** the effective deadline (includes a pending socket grace) */
  leaseExpiresAt: number;
  sockets: number;
}

/** What routing reads of a live lease (PresenceLeases.liveState). */
export interface LiveState {
  readonly sipRegistered: boolean;
  readonly callState: string | null;
}

/** What liveStateFor may keep its record of an agent on (the directory's agent, src/services/directory-rows.ts). */
export interface LeaseHolder {
  readonly id: string;
  /** The store's own record of the agent, or undefined; nobody else reads or writes it. */
  leaseRecord?: unknown;
}

export type TransitionCause = 'heartbeat' | 'restored' | 'lease-expired' | 'socket-closed' | 'unregistered' | 'removed';

export interface PresenceTransition {
  agentId: string;
  companyId: string;
  online: boolean;
  sipRegistered: boolean;
  at: number;
  lastSeenAt: number;
  cause: TransitionCause;
}

export interface PresenceTrackerOptions {
  clock: Clock;
  /** lease length */
  ttlMs: number;
  /** default 5000 */
  socketGraceMs?: number;
  /** default 60000 */
  lastSeenPersistIntervalMs?: number;
  onTransition: (t: PresenceTransition) => void;
  persistLastSeen?: (agentId: string, at: number) => unknown;
  onError?: (err: unknown) => void;
}

/** One plain object per known agent; kept small on purpose. */
interface Entry {
  agentId: string;
  companyId: string;
  /** false = only sockets are counted (attached before a heartbeat, or the lease ran out while attached) */
  live: boolean;
  /** the last online value reported to onTransition */
  online: boolean;
  sipRegistered: boolean;
  allowUnregistered: boolean;
  callState: string | null;
  lastSeenAt: number;
  /** lastSeenAt + ttl of the last heartbeat */
  leaseExpiresAt: number;
  /** set while no socket is attached after the last one closed; null = no grace pending */
  graceDeadline: number | null;
  sockets: number;
  /** the lastSeenAt value most recently handed to persistLastSeen (rate limit + final flush) */
  persistedSeenAt: number;
  /** dropped from `agents`: a holder that kept this entry (liveStateFor) must look the agent up again */
  forgotten: boolean;
}

export class PresenceTracker {
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly socketGraceMs: number;
  private readonly persistIntervalMs: number;
  private readonly onTransition: (t: PresenceTransition) => void;
  private readonly persistLastSeen: ((agentId: string, at: number) => unknown) | undefined;
  private readonly onError: ((err: unknown) => void) | undefined;

  private readonly agents = new Map<string, Entry>();
  private readonly byCompany = new Map<string, Set<string>>();
  /** Holds exactly the live agents, keyed by their effective deadline. */
  private readonly heap = new DeadlineHeap<string>();

  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private draining = false;
  private stopped = false;

  constructor(opts: PresenceTrackerOptions) {
    const grace = opts.socketGraceMs ?? 5000;
    const interval = opts.lastSeenPersistIntervalMs ?? 60_000;
    if (!(opts.ttlMs > 0) || !Number.isFinite(opts.ttlMs)) throw new RangeError('ttlMs must be a positive finite number');
    if (!(grace >= 0) || !Number.isFinite(grace)) throw new RangeError('socketGraceMs must be >= 0');
    if (!(interval >= 0)) throw new RangeError('lastSeenPersistIntervalMs must be >= 0');
    this.clock = opts.clock;
    this.ttlMs = opts.ttlMs;
    this.socketGraceMs = grace;
    this.persistIntervalMs = interval;
    this.onTransition = opts.onTransition;
    this.persistLastSeen = opts.persistLastSeen;
    this.onError = opts.onError;
  }

  heartbeat(agent: { agentId: string; companyId: string; allowUnregistered: boolean }, report: HeartbeatReport): AgentLiveness {
    this.drain();
    const now = this.clock.now();
    let e = this.agents.get(agent.agentId);
    if (e === undefined) {
      e = this.create(agent.agentId, agent.companyId);
    } else if (e.companyId !== agent.companyId) {
      // Should not happen (agents do not change company), but keep the index truthful if it does.
      this.unindex(e);
      e.companyId = agent.companyId;
      this.index(e);
    }
    const wasOnline = e.online;
    e.live = true;
    e.sipRegistered = report.sipRegistered;
    e.allowUnregistered = agent.allowUnregistered;
    if (report.callState !== undefined) e.callState = report.callState;
    e.lastSeenAt = now;
    e.leaseExpiresAt = now + this.ttlMs;
    // A heartbeat proves the agent is alive even with no socket (e.g. heartbeating over HTTP).
    e.graceDeadline = null;
    this.heap.set(e.agentId, e.leaseExpiresAt);

    const online = this.computeOnline(e);
    if (online !== wasOnline) {
      this.transition(e, online, online ? 'heartbeat' : 'unregistered', now);
    } else if (now - e.persistedSeenAt >= this.persistIntervalMs) {
      this.persist(e);
    }
    const view = this.view(e);
    this.rearm();
    return view;
  }

  /**
   * Re-creates a lease that a previous process held at shutdown: live until `leaseExpiresAt` unless a
   * heartbeat renews it, so a restart neither drops online agents nor keeps ghosts past their lease.
   * Ignored when the lease has already ended or the agent is already known.
   */
  restore(
    agent: { agentId: string; companyId: string; allowUnregistered: boolean },
    state: { sipRegistered: boolean; lastSeenAt: number; leaseExpiresAt: number },
  ): void {
    this.drain();
    const now = this.clock.now();
    if (state.leaseExpiresAt <= now || this.agents.has(agent.agentId)) return;
    const e = this.create(agent.agentId, agent.companyId);
    e.live = true;
    e.sipRegistered = state.sipRegistered;
    e.allowUnregistered = agent.allowUnregistered;
    e.lastSeenAt = state.lastSeenAt;
    e.persistedSeenAt = state.lastSeenAt; // already in the database
    e.leaseExpiresAt = state.leaseExpiresAt;
    this.heap.set(e.agentId, e.leaseExpiresAt);
    if (this.computeOnline(e)) this.transition(e, true, 'restored', now);
    this.rearm();
  }

  /** Every live agent, for a graceful shutdown that hands the leases to the next process. */
  liveAgents(): AgentLiveness[] {
    this.drain();
    const out: AgentLiveness[] = [];
    for (const e of this.agents.values()) if (e.live) out.push(this.view(e));
    return out;
  }

  attachSocket(agentId: string, companyId: string): void {
    this.drain();
    const e = this.agents.get(agentId) ?? this.create(agentId, companyId);
    e.sockets++;
    if (e.graceDeadline !== null) {
      // A reattach within the grace (page reload) cancels it: back to the plain lease, no flap.
      e.graceDeadline = null;
      if (e.live) this.heap.set(agentId, e.leaseExpiresAt);
    }
    this.rearm();
  }

  detachSocket(agentId: string): void {
    this.drain();
    const e = this.agents.get(agentId);
    if (e === undefined || e.sockets === 0) return; // unknown or already forgotten (e.g. remove())
    e.sockets--;
    if (e.sockets > 0) return;
    if (!e.live) {
      this.forget(e);
      return;
    }
    const now = this.clock.now();
    e.graceDeadline = now + this.socketGraceMs;
    const deadline = this.deadlineOf(e);
    this.heap.set(agentId, deadline);
    // With a zero grace the agent is already not live (live means now < deadline): expire right away.
    if (deadline <= now) this.drain();
    this.rearm();
  }

  setPolicy(agentId: string, allowUnregistered: boolean): void {
    this.drain();
    const e = this.agents.get(agentId);
    if (e === undefined) return;
    e.allowUnregistered = allowUnregistered;
    if (!e.live) return;
    const online = this.computeOnline(e);
    // The cause type has no 'policy' member; going online is reported as 'heartbeat' (the last report stands).
    if (online !== e.online) this.transition(e, online, online ? 'heartbeat' : 'unregistered', this.clock.now());
    this.rearm();
  }

  remove(agentId: string): void {
    this.drain();
    const e = this.agents.get(agentId);
    if (e === undefined) return;
    const wasLive = e.live;
    const wasOnline = e.online;
    this.heap.delete(agentId);
    this.forget(e);
    e.live = false;
    if (wasOnline) this.transition(e, false, 'removed', this.clock.now());
    else if (wasLive) this.flush(e);
    this.rearm();
  }

  get(agentId: string): AgentLiveness | undefined {
    this.drain();
    const e = this.agents.get(agentId);
    const view = e?.live ? this.view(e) : undefined;
    this.rearm();
    return view;
  }

  /** See PresenceLeases.liveState: the entry itself, read-only, while its deadline is ahead. */
  liveState(agentId: string): LiveState | undefined {
    const e = this.agents.get(agentId);
    return e?.live && this.deadlineOf(e) > this.clock.now() ? e : undefined;
  }

  /**
   * See PresenceLeases.liveStateFor: the entry is kept on the holder until it is forgotten. An entry
   * not forgotten is the one `agents` holds (one is created only where none is held).
   */
  liveStateFor(holder: LeaseHolder, now: number): LiveState | undefined {
    let e = holder.leaseRecord as Entry | undefined;
    if (e === undefined || e.forgotten) {
      e = this.agents.get(holder.id);
      holder.leaseRecord = e;
      if (e === undefined) return undefined;
    }
    return e.live && this.deadlineOf(e) > now ? e : undefined;
  }

  snapshot(companyId: string): AgentLiveness[] {
    this.drain();
    const out: AgentLiveness[] = [];
    const ids = this.byCompany.get(companyId);
    if (ids !== undefined) {
      for (const id of ids) {
        const e = this.agents.get(id);
        if (e?.live) out.push(this.view(e));
      }
    }
    this.rearm();
    return out;
  }

  liveCount(): number {
    this.drain();
    this.rearm();
    return this.heap.size; // the heap holds exactly the live agents
  }

  /** Clear the timer for shutdown; emits nothing and arms nothing afterwards. */
  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  // ---------------------------------------------------------------------------------------------

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    this.drain();
    this.rearm();
  };

  /**
   * Expire every agent whose deadline has passed. Also run at the top of every public method, so the
   * answer is exact even if a real timer fires late. Guarded against re-entry from listeners.
   */
  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      const now = this.clock.now();
      // earliest(), not peek(): this runs at the top of every heartbeat, and peek() allocates.
      for (let deadline = this.heap.earliest(); deadline !== undefined && deadline <= now; deadline = this.heap.earliest()) {
        const top = this.heap.pop()!;
        const e = this.agents.get(top.key);
        if (e !== undefined) this.expire(e, now);
      }
    } finally {
      this.draining = false;
    }
  }

  private expire(e: Entry, now: number): void {
    const cause: TransitionCause = e.graceDeadline !== null && e.graceDeadline < e.leaseExpiresAt ? 'socket-closed' : 'lease-expired';
    const wasOnline = e.online;
    e.live = false;
    e.graceDeadline = null;
    // Sockets still attached (e.g. a throttled hidden tab): keep only the count so detach stays balanced.
    if (e.sockets === 0) this.forget(e);
    if (wasOnline) this.transition(e, false, cause, now);
    else this.flush(e);
  }

  /** Keep one timer armed no later than the earliest deadline. */
  private rearm(): void {
    if (this.stopped) return;
    const deadline = this.heap.earliest();
    if (deadline === undefined) {
      this.clearTimer();
      return;
    }
    // An earlier timer is left in place: renewals push deadlines later, and one early wake-up that
    // re-arms is cheaper than clear+set on every heartbeat.
    if (this.timer !== undefined && this.timerAt <= deadline) return;
    this.clearTimer();
    this.timerAt = deadline;
    this.timer = this.clock.setTimer(deadline, this.onTimer);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private create(agentId: string, companyId: string): Entry {
    const e: Entry = {
      agentId,
      companyId,
      live: false,
      online: false,
      sipRegistered: false,
      allowUnregistered: false,
      callState: null,
      lastSeenAt: 0,
      leaseExpiresAt: 0,
      graceDeadline: null,
      sockets: 0,
      persistedSeenAt: -Infinity,
      forgotten: false,
    };
    this.agents.set(agentId, e);
    this.index(e);
    return e;
  }

  private forget(e: Entry): void {
    e.forgotten = true;
    this.agents.delete(e.agentId);
    this.unindex(e);
  }

  private index(e: Entry): void {
    let set = this.byCompany.get(e.companyId);
    if (set === undefined) this.byCompany.set(e.companyId, (set = new Set()));
    set.add(e.agentId);
  }

  private unindex(e: Entry): void {
    const set = this.byCompany.get(e.companyId);
    if (set === undefined) return;
    set.delete(e.agentId);
    if (set.size === 0) this.byCompany.delete(e.companyId);
  }

  private computeOnline(e: Entry): boolean {
    return e.live && (e.sipRegistered || e.allowUnregistered);
  }

  private deadlineOf(e: Entry): number {
    return e.sockets === 0 && e.graceDeadline !== null ? Math.min(e.leaseExpiresAt, e.graceDeadline) : e.leaseExpiresAt;
  }

  private transition(e: Entry, online: boolean, cause: TransitionCause, at: number): void {
    e.online = online;
    const t: PresenceTransition = {
      agentId: e.agentId,
      companyId: e.companyId,
      online,
      sipRegistered: e.sipRegistered,
      at,
      lastSeenAt: e.lastSeenAt,
      cause,
    };
    // A throwing listener must not abort a drain loop and leave the timer unarmed.
    try {
      this.onTransition(t);
    } catch (err) {
      this.reportError(err);
    }
    this.persist(e);
  }

  /** When a live agent leaves memory without a transition, write its final last-seen if not yet written. */
  private flush(e: Entry): void {
    if (e.persistedSeenAt !== e.lastSeenAt) this.persist(e);
  }

  /** Fire-and-forget: the tracker never awaits, and a failed write only reaches onError. */
  private persist(e: Entry): void {
    e.persistedSeenAt = e.lastSeenAt;
    const fn = this.persistLastSeen;
    if (fn === undefined) return;
    try {
      const r = fn(e.agentId, e.lastSeenAt);
      if (r !== null && typeof r === 'object' && typeof (r as PromiseLike<unknown>).then === 'function') {
        (r as PromiseLike<unknown>).then(undefined, (err: unknown) => this.reportError(err));
      }
    } catch (err) {
      this.reportError(err);
    }
  }

  private reportError(err: unknown): void {
    try {
      this.onError?.(err);
    } catch {
      // An error handler that throws has nowhere left to report to.
    }
  }

  private view(e: Entry): AgentLiveness {
    return {
      agentId: e.agentId,
      companyId: e.companyId,
      online: e.online,
      live: e.live,
      sipRegistered: e.sipRegistered,
      callState: e.callState,
      lastSeenAt: e.lastSeenAt,
      leaseExpiresAt: this.deadlineOf(e),
      sockets: e.sockets,
    };
  }
}
