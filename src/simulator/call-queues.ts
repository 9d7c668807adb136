/**
 * The named call queues of `<Enqueue>` and `<Dial><Queue>`: who waits where, in order, for how long.
 * State only (no I/O, no timers): the engine plays the waiting and the bridging.
 *
 * https://developers.telnyx.com/docs/voice/programmable-voice/texml-verbs/enqueue: the waitUrl request
 * carries QueueSid, QueuePosition, CurrentQueueSize, QueueTime and AvgQueueTime. Telnyx does not define
 * them further; these follow Twilio's documented meanings: positions count from 1 in arrival order,
 * QueueTime is the seconds this caller has waited, AvgQueueTime the average wait of the callers waiting now.
 * A queue is created by the first `<Enqueue>` that names it (Twilio: "created on demand").
 */
import { randomUUID } from 'node:crypto';

export interface QueueMember {
  readonly callSid: string;
  /** Epoch ms. */
  readonly enqueuedAt: number;
}

export interface QueueStats {
  QueueSid: string;
  QueuePosition: string;
  CurrentQueueSize: string;
  QueueTime: string;
  AvgQueueTime: string;
}

export class CallQueue<M extends QueueMember = QueueMember> {
  /** Telnyx's QueueSid is a UUID (enqueue page example). */
  readonly sid = randomUUID();
  private readonly members: M[] = [];
  private readonly arrivals = new Set<() => void>();

  constructor(
    readonly name: string,
    readonly createdAt: number,
  ) {}

  add(member: M): void {
    this.members.push(member);
    for (const arrived of [...this.arrivals]) arrived();
  }

  remove(callSid: string): void {
    const at = this.members.findIndex((m) => m.callSid === callSid);
    if (at >= 0) this.members.splice(at, 1);
  }

  /** The first member (in arrival order) that `available` accepts. */
  first(available: (member: M) => boolean = () => true): M | undefined {
    return this.members.find(available);
  }

  get size(): number {
    return this.members.length;
  }

  /** 1-based; 0 when not waiting here. */
  position(callSid: string): number {
    return this.members.findIndex((m) => m.callSid === callSid) + 1;
  }

  /** Calls `fn` whenever someone is enqueued; returns the unsubscribe. */
  onArrival(fn: () => void): () => void {
    this.arrivals.add(fn);
    return () => this.arrivals.delete(fn);
  }

  /** Whole seconds, as the wait request carries them. */
  waitedSeconds(member: QueueMember, now: number): number {
    return Math.max(0, Math.round((now - member.enqueuedAt) / 1000));
  }

  averageWaitSeconds(now: number): number {
    if (this.members.length === 0) return 0;
    const total = this.members.reduce((sum, m) => sum + (now - m.enqueuedAt), 0);
    return Math.max(0, Math.round(total / this.members.length / 1000));
  }

  /** The queue fields of a waitUrl request for `member`. */
  statsFor(member: QueueMember, now: number): QueueStats {
    return {
      QueueSid: this.sid,
      QueuePosition: String(this.position(member.callSid)),
      CurrentQueueSize: String(this.size),
      QueueTime: String(this.waitedSeconds(member, now)),
      AvgQueueTime: String(this.averageWaitSeconds(now)),
    };
  }
}

/**
 * Why a caller left the queue: Twilio's documented QueueResult values (Telnyx's enqueue page names the
 * action request but not its fields). `bridged` once dequeued by a `<Dial><Queue>` and the bridge is over,
 * `leave` for `<Leave>`, `hangup` when the caller hung up (or a `<Hangup>` in the wait document),
 * `redirected` when the REST API took the call out, `error` when the wait document could not be played.
 * `timeout` for maxWaitTimeSecs, which Twilio does not have: inferred from Telnyx's own queue, whose
 * `call.dequeued` event gives the reason `timeout` for it (telnyx-node, CallDequeued `reason`:
 * bridged | bridging-in-process | hangup | leave | timeout).
 */
export type QueueResult = 'bridged' | 'leave' | 'timeout' | 'hangup' | 'redirected' | 'error' | 'system-error' | 'queue-full';
