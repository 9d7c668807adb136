/**
 * Calls in progress, in memory: the hunt state each inbound call needs between Telnyx's webhooks
 * (who was offered, how long it has rung, who answered) and the reservations that keep one agent
 * from being offered two calls at once. Every reservation ends with its call's outcome or by its own
 * deadline, whichever comes first, so an agent can never stay stuck "reserved" (mod_callcenter's
 * failure mode, docs/ROUTING.md §Reservations).
 */
import type { Clock, TimerHandle } from '../domain/clock.js';
import { appendEvent, appendStep, type LiveTimelineEvent, type TimelineEvent } from '../domain/call-timeline.js';
import type { Room } from '../domain/live-call.js';
import { DeadlineHeap } from '../presence/deadline-heap.js';

/** How long an ended call stays here: late webhooks still find it, and live statistics count it. */
export const ENDED_SESSION_RETENTION_MS = 60_000;

/**
 * How a call ended. UNKNOWN: it went silent and was ended by the reconcile without Telnyx saying how
 * (src/domain/call-reconcile.ts); it counts neither as answered nor as missed.
 */
export type CallOutcome =
  | 'ANSWERED'
  | 'VOICEMAIL'
  | 'FORWARDED'
  | 'AFTER_HOURS'
  | 'ABANDONED'
  | 'HUNG_UP'
  | 'UNKNOWN'
  /** The caller left the queue asking to be called back: the call log gets the callback's outcome later. */
  | 'CALLBACK_PENDING'
  /** A callback the customer never answered, after its retries. */
  | 'CALLBACK_FAILED'
  /** An outbound call (startCall) the agent or the customer did not answer. */
  | 'NO_ANSWER';

export interface CallSession {
  callSid: string;
  companyId: string;
  from: string;
  to: string;
  startedAt: number;
  /** The Telnyx account the call belongs to (every TeXML webhook's `AccountSid`): Get call is asked under it. */
  accountSid: string | null;
  /** When Telnyx last sent a webhook about the call (epoch ms): the reconcile's clock. */
  heardAt: number;
  /** A look-up of the silent call is pending (src/calls/call-reconciler.ts); null once Telnyx calls back. */
  reconcile: { nextAt: number; attempts: number } | null;
  /** Every agent offered so far, in order. Replaced, never changed in place: a step's list is shared (ring()). */
  offered: readonly string[];
  /** The agents the current step is ringing (the step's list, shared with its timeline event). */
  ringing: readonly string[];
  /** Seconds rung in completed steps. */
  elapsedSeconds: number;
  /** When the current step started ringing (epoch ms), or null between steps. */
  stepStartedAt: number | null;
  /** Seconds the current step rings. */
  stepTimeoutSeconds: number;
  answeredBy: string | null;
  answeredAt: number | null;
  /** Caller language chosen in the IVR (or from the called number), e.g. 'es'. */
  language: string | null;
  /** The language menu was played (or skipped); it is never asked twice. */
  menuDone: boolean;
  endedAt: number | null;
  outcome: CallOutcome | null;
  /** The queue the call belongs to (its number's, or its menu option's); null = the company's default. */
  queueId: string | null;
  /** Served before lower priorities when it waits (the number's plus the menu option's). */
  priority: number;
  /** When the call first waited in a queue (epoch ms), or null if it never waited. */
  queuedAt: number | null;
  /** The caller asked to be called back. */
  callbackRequested: boolean;
  /** Queues the call overflowed from (so an overflow never goes round in a circle). */
  queuesVisited?: string[];
  /**
   * What happened to the call, in order, a ring step as one event (src/domain/call-timeline.ts); the
   * call log stores it expanded (expandTimeline) at the end.
   */
  timeline: LiveTimelineEvent[];
  /** Once answered: the call's conference and who is in it (src/calls/call-rooms.ts, docs/IN-CALL.md). */
  room?: Room;
  /** outbound: a call the service placed (startCall); absent: an inbound call. */
  direction?: 'outbound';
}

export interface CallSessionsOptions {
  clock: Clock;
  /** A session nobody hears about for this long is dropped (a call cannot outlive Telnyx's 4 h limit). */
  sessionTtlMs?: number;
  /** Extra seconds a reservation outlives its step's ring timeout, for Telnyx's webhook latency. */
  reservationGraceMs?: number;
  onReservationExpired?: (agentId: string, callSid: string) => void;
  onSessionExpired?: (session: CallSession) => void;
  /**
   * A call started, rang (a step's agents), was answered or ended: once each, on the instance that
   * handled it (the CRM's events listen, src/services/crm-events.ts). Called synchronously with the
   * live session: copy what is kept. Must not throw.
   */
  onCallEvent?: (event: CallSessionEvent) => void;
}

export type CallSessionEvent =
  | { kind: 'started' | 'answered' | 'ended'; session: CallSession }
  | { kind: 'ringing'; session: CallSession; agentIds: readonly string[] };

export class CallSessions {
  private readonly sessions = new Map<string, CallSession>();
  private readonly reservations = new Reservations();
  /**
   * When each reservation (by agent) and each session (by CallSid) is due, in two heaps keyed by the
   * ids themselves: one heap with prefixed keys made a new string, and hashed it, for every agent a
   * ring step reserved.
   */
  private readonly reservationDeadlines = new DeadlineHeap<string>();
  private readonly sessionDeadlines = new DeadlineHeap<string>();
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private readonly sessionTtlMs: number;
  private readonly reservationGraceMs: number;

  constructor(private readonly opts: CallSessionsOptions) {
    this.sessionTtlMs = opts.sessionTtlMs ?? 4 * 3600_000;
    this.reservationGraceMs = opts.reservationGraceMs ?? 10_000;
  }

  start(init: { callSid: string; companyId: string; from: string; to: string; accountSid?: string | null }): CallSession {
    this.expireDue();
    const existing = this.sessions.get(init.callSid);
    if (existing) return existing; // Telnyx retried the voice webhook
    const now = this.opts.clock.now();
    const session: CallSession = {
      callSid: keptCopy(init.callSid),
      companyId: init.companyId,
      from: keptCopy(init.from),
      to: keptCopy(init.to),
      startedAt: now,
      accountSid: init.accountSid ? keptCopy(init.accountSid) : null,
      heardAt: now,
      reconcile: null,
      offered: [],
      ringing: [],
      elapsedSeconds: 0,
      stepStartedAt: null,
      stepTimeoutSeconds: 0,
      answeredBy: null,
      answeredAt: null,
      language: null,
      menuDone: false,
      endedAt: null,
      outcome: null,
      queueId: null,
      priority: 0,
      queuedAt: null,
      callbackRequested: false,
      timeline: [{ at: now, kind: 'arrived' }],
    };
    this.sessions.set(session.callSid, session);
    this.scheduleSession(session.callSid, session.startedAt + this.sessionTtlMs);
    this.opts.onCallEvent?.({ kind: 'started', session });
    return session;
  }

  get(callSid: string): CallSession | undefined {
    this.expireDue();
    return this.sessions.get(callSid);
  }

  /** Calls in progress known here, of every company (the reconcile's sweep). */
  inProgress(): CallSession[] {
    this.expireDue();
    return [...this.sessions.values()].filter((s) => s.endedAt === null);
  }

  /**
   * Telnyx sent a webhook about the call: it is alive and on track, so no look-up is pending. The
   * AccountSid is learnt from it if the call did not have one yet.
   */
  heard(callSid: string, accountSid?: string | null): void {
    const session = this.sessions.get(callSid);
    if (!session) return;
    session.heardAt = this.opts.clock.now();
    session.reconcile = null;
    if (accountSid && !session.accountSid) session.accountSid = keptCopy(accountSid);
  }

  /** The next look-up of a silent call: not before `nextAt`, counting `attempts` so far. */
  setReconcile(callSid: string, reconcile: { nextAt: number; attempts: number }): void {
    const session = this.sessions.get(callSid);
    if (session && session.endedAt === null) session.reconcile = reconcile;
  }

  /** Calls of a company known here: in progress, and those ended in the last minute. */
  all(companyId: string): CallSession[] {
    this.expireDue();
    return [...this.sessions.values()].filter((s) => s.companyId === companyId);
  }

  /** Calls of a company still in progress. */
  active(companyId: string): CallSession[] {
    this.expireDue();
    return [...this.sessions.values()].filter((s) => s.companyId === companyId && s.endedAt === null);
  }

  isReserved(agentId: string): boolean {
    this.expireDue();
    return this.reservations.has(agentId);
  }

  reservedFor(agentId: string): string | undefined {
    this.expireDue();
    return this.reservations.get(agentId);
  }

  /** reservedFor for many agents at once (a company's snapshot): what is due expires once, here. */
  reservationReader(): (agentId: string) => string | undefined {
    this.expireDue();
    return this.readReservation;
  }

  private readonly readReservation = (agentId: string) => this.reservations.get(agentId);

  /**
   * Starts a ringing step: the targets are offered and reserved for this call until the step's
   * timeout (plus grace) unless an outcome releases them first. Targets already reserved for another
   * call are dropped (the caller filtered them; this closes the race between two webhooks). The
   * session keeps `targets` itself when none is dropped: the caller hands the list over.
   */
  ring(callSid: string, targets: readonly string[], timeoutSeconds: number, opts: { reserve: boolean }): readonly string[] {
    this.expireDue();
    const session = this.sessions.get(callSid);
    if (!session) return [];
    const now = this.opts.clock.now();
    const granted = opts.reserve ? targets.filter((a) => (this.reservations.get(a) ?? callSid) === callSid) : targets;
    if (opts.reserve) {
      for (const agentId of granted) {
        this.reservations.set(agentId, callSid);
        this.scheduleReservation(agentId, now + timeoutSeconds * 1000 + this.reservationGraceMs);
      }
    }
    // One list for the step: what rings, its timeline event and, on a first step, every agent offered.
    const { offered } = session;
    if (offered.length === 0) session.offered = granted;
    else {
      const fresh = granted.filter((a) => !offered.includes(a));
      if (fresh.length > 0) session.offered = [...offered, ...fresh];
    }
    appendStep(session.timeline, now, 'offered', granted);
    session.ringing = granted;
    session.stepStartedAt = now;
    session.stepTimeoutSeconds = timeoutSeconds;
    if (granted.length > 0) this.opts.onCallEvent?.({ kind: 'ringing', session, agentIds: granted });
    return granted;
  }

  /**
   * Reserves an agent for a call that has no ringing step here (a queue's callback: the caller's call
   * is over, the call to the agent is ours), until the ring timeout plus grace.
   */
  reserve(agentId: string, callSid: string, timeoutSeconds: number): boolean {
    this.expireDue();
    if ((this.reservations.get(agentId) ?? callSid) !== callSid) return false;
    this.reservations.set(agentId, callSid);
    this.scheduleReservation(agentId, this.opts.clock.now() + timeoutSeconds * 1000 + this.reservationGraceMs);
    return true;
  }

  /** Ends every reservation held for the call. */
  release(callSid: string): void {
    this.releaseCall(callSid);
  }

  /** The current step ended unanswered: its seconds count, its reservations end. Returns who it rang. */
  stepMissed(callSid: string): readonly string[] {
    this.expireDue();
    const session = this.sessions.get(callSid);
    if (!session) return [];
    const rang = session.ringing;
    const now = this.opts.clock.now();
    appendStep(session.timeline, now, 'missed', rang);
    if (session.stepStartedAt !== null) {
      const rung = Math.min(session.stepTimeoutSeconds, (now - session.stepStartedAt) / 1000);
      session.elapsedSeconds += Math.max(0, rung);
    }
    session.stepStartedAt = null;
    session.ringing = [];
    this.releaseCall(callSid);
    return rang;
  }

  /** The caller's language menu choice (null: no or unknown key); routing asks for it from now on. */
  chooseLanguage(callSid: string, language: string | null): void {
    const session = this.sessions.get(callSid);
    if (!session) return;
    session.language = language;
    session.menuDone = true;
  }

  /** Adds an event to the call's timeline (the menu's answer, the queue's events). */
  record(callSid: string, event: Omit<TimelineEvent, 'at'>): void {
    const session = this.sessions.get(callSid);
    if (session) appendEvent(session.timeline, { ...event, at: this.opts.clock.now() });
  }

  answered(callSid: string, agentId: string | null): void {
    const session = this.sessions.get(callSid);
    if (!session || session.answeredAt !== null) return;
    session.answeredBy = agentId;
    session.answeredAt = this.opts.clock.now();
    appendEvent(session.timeline, { at: session.answeredAt, kind: 'answered', ...(agentId ? { agentId } : {}) });
    session.ringing = [];
    this.releaseCall(callSid);
    this.opts.onCallEvent?.({ kind: 'answered', session });
  }

  /** Ends the call (once) with `outcome`, at `endedAt` (default now; the reconcile passes Telnyx's end time). */
  end(callSid: string, outcome: CallOutcome, endedAt?: number): CallSession | undefined {
    const session = this.sessions.get(callSid);
    if (!session) return undefined;
    this.releaseCall(callSid);
    const now = this.opts.clock.now();
    if (session.endedAt === null) {
      session.endedAt = Math.min(endedAt ?? now, now);
      session.outcome = outcome;
      session.reconcile = null;
      appendEvent(session.timeline, { at: session.endedAt, kind: 'ended', detail: outcome });
      this.opts.onCallEvent?.({ kind: 'ended', session });
    }
    // Keep the ended session briefly: late webhooks (recording, status) still find it.
    this.scheduleSession(callSid, Math.max(session.endedAt, now) + ENDED_SESSION_RETENTION_MS);
    return session;
  }

  stop(): void {
    if (this.timer) this.opts.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  // Multi-instance mode moves one call and one company's reservations in from Redis before a webhook
  // is handled and back out after it (src/calls/shared-call-state.ts).

  /** A copy of the call's session and when it may be forgotten (epoch ms), or undefined. */
  exportSession(callSid: string): { session: CallSession; until: number } | undefined {
    this.expireDue();
    const session = this.sessions.get(callSid);
    const until = this.sessionDeadlines.deadlineOf(callSid);
    return session && until !== undefined ? { session: structuredClone(session), until } : undefined;
  }

  /** Replaces this instance's copy of a call with the shared one. */
  importSession(session: CallSession, until: number): void {
    // A copy stored by an older version lacks the reconcile's fields.
    session.accountSid ??= null;
    session.heardAt ??= session.startedAt;
    session.reconcile ??= null;
    // …and the queue's.
    session.queueId ??= null;
    session.priority ??= 0;
    session.queuedAt ??= null;
    session.callbackRequested ??= false;
    // …and the timeline's.
    session.timeline ??= [];
    this.sessions.set(session.callSid, session);
    this.scheduleSession(session.callSid, until);
  }

  /** The reservations of these agents, each with its deadline. */
  exportReservations(agentIds: Iterable<string>): { agentId: string; callSid: string; until: number }[] {
    this.expireDue();
    const out: { agentId: string; callSid: string; until: number }[] = [];
    for (const agentId of agentIds) {
      const callSid = this.reservations.get(agentId);
      const until = this.reservationDeadlines.deadlineOf(agentId);
      if (callSid !== undefined && until !== undefined) out.push({ agentId, callSid, until });
    }
    return out;
  }

  /** Makes these agents' reservations exactly `shared` (others' reservations are untouched). */
  importReservations(agentIds: Iterable<string>, shared: { agentId: string; callSid: string; until: number }[]): void {
    for (const agentId of agentIds) {
      this.reservations.delete(agentId);
      this.reservationDeadlines.delete(agentId);
    }
    const now = this.opts.clock.now();
    for (const r of shared) {
      if (r.until <= now) continue;
      this.reservations.set(r.agentId, r.callSid);
      this.scheduleReservation(r.agentId, r.until);
    }
  }

  private releaseCall(callSid: string): void {
    for (const agentId of this.reservations.releaseCall(callSid)) this.reservationDeadlines.delete(agentId);
  }

  private scheduleReservation(agentId: string, at: number): void {
    this.reservationDeadlines.set(agentId, at);
    this.rearm();
  }

  private scheduleSession(callSid: string, at: number): void {
    this.sessionDeadlines.set(callSid, at);
    this.rearm();
  }

  /** The earlier of the two heaps' first deadlines. */
  private earliest(): number | undefined {
    const reservation = this.reservationDeadlines.earliest();
    const session = this.sessionDeadlines.earliest();
    if (reservation === undefined) return session;
    return session === undefined || reservation <= session ? reservation : session;
  }

  private expireDue(): void {
    const now = this.opts.clock.now();
    // earliest(), not peek(): this runs in nearly every method (ten times a decision), and peek() allocates.
    for (let deadline = this.earliest(); deadline !== undefined && deadline <= now; deadline = this.earliest()) {
      if (this.reservationDeadlines.earliest() === deadline) {
        const agentId = this.reservationDeadlines.pop()!.key;
        const callSid = this.reservations.get(agentId);
        this.reservations.delete(agentId);
        if (callSid) this.opts.onReservationExpired?.(agentId, callSid);
      } else {
        const callSid = this.sessionDeadlines.pop()!.key;
        const session = this.sessions.get(callSid);
        this.sessions.delete(callSid);
        this.releaseCall(callSid);
        if (session && session.endedAt === null) this.opts.onSessionExpired?.(session);
      }
    }
  }

  private rearm(): void {
    const deadline = this.earliest();
    if (deadline === undefined) return;
    if (this.timer && this.timerAt <= deadline) return;
    if (this.timer) this.opts.clock.clearTimer(this.timer);
    this.timerAt = deadline;
    this.timer = this.opts.clock.setTimer(deadline, () => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.expireDue();
      this.rearm();
    });
  }
}

/**
 * A copy of a webhook's parameter that a session can keep for the call's length. The parameters are
 * read out of the webhook's body, and V8 makes a substring of 13 characters or more a slice that keeps
 * the whole body alive: a CallSid or an AccountSid kept by the session would keep a body of Telnyx's
 * two dozen parameters for hours. The JSON round trip makes a string of its own, whatever it holds.
 */
function keptCopy(value: string): string {
  return value.length < 13 ? value : (JSON.parse(JSON.stringify(value)) as string);
}

/**
 * agentId → the call it is reserved for, indexed both ways: a call's end releases its own agents
 * without walking every reservation (up to one per agent of the deployment).
 */
class Reservations {
  private readonly byAgent = new Map<string, string>();
  private readonly byCall = new Map<string, Set<string>>();

  get(agentId: string): string | undefined {
    return this.byAgent.get(agentId);
  }

  has(agentId: string): boolean {
    return this.byAgent.has(agentId);
  }

  set(agentId: string, callSid: string): void {
    const held = this.byAgent.get(agentId);
    if (held === callSid) return;
    if (held !== undefined) this.unlink(agentId, held);
    this.byAgent.set(agentId, callSid);
    const agents = this.byCall.get(callSid);
    if (agents) agents.add(agentId);
    else this.byCall.set(callSid, new Set([agentId]));
  }

  delete(agentId: string): void {
    const held = this.byAgent.get(agentId);
    if (held === undefined) return;
    this.byAgent.delete(agentId);
    this.unlink(agentId, held);
  }

  /** Ends every reservation held for the call; returns the agents released. */
  releaseCall(callSid: string): Iterable<string> {
    const agents = this.byCall.get(callSid);
    if (!agents) return [];
    this.byCall.delete(callSid);
    for (const agentId of agents) this.byAgent.delete(agentId);
    return agents;
  }

  private unlink(agentId: string, callSid: string): void {
    const agents = this.byCall.get(callSid);
    if (!agents) return;
    agents.delete(agentId);
    if (agents.size === 0) this.byCall.delete(callSid);
  }
}
