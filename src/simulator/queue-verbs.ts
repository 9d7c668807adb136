/**
 * The queue verbs: `<Enqueue>` (the caller waits in a named queue, playing its waitUrl documents),
 * `<Leave>`, and `<Dial><Queue>` (a call takes the first waiting caller, the Queue's url plays to that
 * caller, then the two are bridged). The queues' state and their waitUrl fields are ./call-queues.ts's;
 * this plays them on the calls.
 *
 * Pages: developers.telnyx.com/docs/voice/programmable-voice/texml-verbs/enqueue, .../leave and
 * .../dial (nouns). Where Telnyx is silent these follow Twilio's documented behaviour and say so.
 * One file (about 400 lines): the three verbs hand one queued call between them (QueuedCall, Dequeue).
 */
import { ANNOUNCEMENT_VERBS, type CallRuntime, MAX_ANNOUNCEMENT_REDIRECTS } from './call-runtime.js';
import { CallQueue, type QueueMember, type QueueResult } from './call-queues.js';
import { WAIT_URL_VERBS } from './dialect.js';
import { Bridge, converse, DEFAULT_DIAL_TIMEOUT, DEFAULT_TIME_LIMIT, dialEnded } from './dial-verb.js';
import type { Rooms } from './rooms.js';
import { describeAttrs, endpointOf, resolveUrl, type SimCall, short, type VerbResult, verbStep } from './sim-call.js';
import type { TexmlNode } from './texml-reader.js';
import type { HttpMethod } from './webhook-client.js';

/** `<Enqueue maxWaitTimeSecs>` default: 4 hours (enqueue page). */
const DEFAULT_MAX_QUEUE_WAIT = 14_400;

/** A `<Dial><Queue>` taking a waiting caller: the caller plays the Queue's url, then both are bridged. */
interface Dequeue {
  dequeuer: SimCall;
  noun: TexmlNode;
  /** The dequeuing call left before the bridge: the caller goes back to waiting. */
  canceled: boolean;
  /** The bridge, or null when the caller left before it (the dequeuer tries the next one). */
  ready: (bridge: Bridge | null) => void;
}

interface QueuedCall extends QueueMember {
  call: SimCall;
  dequeue: Dequeue | null;
  /** maxWaitTimeSecs passed. */
  timedOut: boolean;
}

/** How a caller left a queue, before it is told to the Enqueue's action as QueueResult. */
type QueueExit = { how: 'hangup' | 'redirected' | 'leave' | 'timeout' | 'wait-hangup' | 'error' } | { how: 'bridged'; waited: number };

/**
 * Wait documents fetched in a row without any time passing before the wait counts as a hot loop (a
 * document of nothing but a `<Redirect>`, say): Telnyx would spin; the simulator reports it.
 */
const MAX_IDLE_WAIT_DOCUMENTS = 20;

export class QueueVerbs {
  /** The queues by name, each created by the first `<Enqueue>` that names it. */
  private readonly queues = new Map<string, CallQueue<QueuedCall>>();

  constructor(
    private readonly rt: CallRuntime,
    private readonly rooms: Rooms,
  ) {}

  /**
   * `<Enqueue>` (enqueue page): the caller waits in the named queue (created on demand). `waitUrl` is
   * fetched with the queue fields (AccountSid, CallSid, CallSidLegacy, QueueSid, QueuePosition,
   * CurrentQueueSize, QueueTime, AvgQueueTime), its document played (Play, Say, Gather, Pause, Hangup,
   * Redirect, Leave only), "once all the commands from the flow are executed, the waitUrl is
   * re-requested". The request also carries From, To and ConnectionId (the TexmlQueueWebhook schema,
   * api-reference/callbacks/texml-queue). Without waitUrl the caller waits in silence (inferred: Telnyx
   * names no default music). The wait ends with `<Leave>` (on after the Enqueue), `maxWaitTimeSecs`
   * (default 14400: "removed from the queue and the action URL will be called"), a `<Dial><Queue>`
   * taking the caller, the caller hanging up, or the REST API. `action` "will be sent right away when
   * the call is dequeued using `<Leave>`"; after a `<Dial>` "once the bridged calls disconnect"; it
   * carries Twilio's QueueResult, QueueSid and QueueTime. Its answer continues the call; without action
   * the next verb plays (Twilio's documented fall-through). When the call is over or was redirected,
   * the action is still requested and its answer ignored (Twilio's documented behaviour).
   */
  async enqueue(sim: SimCall, verb: TexmlNode): Promise<VerbResult> {
    this.rt.answer(sim);
    const now = this.rt.now();
    let queue = this.queues.get(verb.text);
    if (!queue) {
      queue = new CallQueue<QueuedCall>(verb.text, now);
      this.queues.set(verb.text, queue);
    }
    const member: QueuedCall = { callSid: sim.sid, enqueuedAt: now, call: sim, dequeue: null, timedOut: false };
    const maxWait = Number(verb.attrs.maxWaitTimeSecs ?? DEFAULT_MAX_QUEUE_WAIT);
    const timer = this.rt.after(maxWait, () => {
      member.timedOut = true;
      sim.raise({ kind: 'wake' });
    });
    const documentUrl = sim.documentUrl;
    queue.add(member);
    this.rt.step(
      sim,
      verbStep(verb, `enqueue in "${queue.name}": position ${queue.position(sim.sid)} of ${queue.size}${describeAttrs(verb, ['waitUrl'])}`),
    );
    let exit: QueueExit;
    try {
      exit = await this.waitInQueue(sim, verb, queue, member);
    } finally {
      if (timer) this.rt.deps.clock.clearTimer(timer);
      queue.remove(sim.sid);
      sim.allowedVerbs = null;
      sim.documentUrl = documentUrl;
      sim.clearWake();
    }
    const waited = exit.how === 'bridged' ? exit.waited : queue.waitedSeconds(member, this.rt.now());
    const result: QueueResult = exit.how === 'wait-hangup' ? 'hangup' : exit.how;
    this.rt.step(sim, verbStep(verb, `left queue "${queue.name}" after ${waited} s: ${result}`));
    const params = { ...this.rt.callParams(sim), QueueResult: result, QueueSid: queue.sid, QueueTime: String(waited) };
    const method = (verb.attrs.method as HttpMethod | undefined) ?? 'POST';
    const action = verb.attrs.action;
    // The action is always requested; its answer only counts when the call is still here to play it.
    const answered = action ? await this.rt.follow(sim, 'Enqueue action', method, action, params) : null;
    if (sim.ended) return this.rt.endedByInterrupt(sim);
    switch (exit.how) {
      case 'wait-hangup':
        return { next: 'end', endedBy: 'application' };
      case 'error':
        return { next: 'end', endedBy: 'error' };
      case 'redirected':
        return { next: 'continue' }; // `play` takes the REST API's redirect
      default:
        if (sim.redirected) return { next: 'continue' };
        return answered ?? { next: 'continue' };
    }
  }

  /**
   * `<Leave>` played as a verb of its own (leave page): it ends a wait in a queue, which a waitUrl document
   * plays (see `waitInQueue`). Outside a queue there is nothing to leave: on to the next verb (inferred;
   * Telnyx does not say).
   */
  leave(sim: SimCall, verb: TexmlNode): VerbResult {
    this.rt.step(sim, verbStep(verb, 'leave: the call waits in no queue; on to the next verb'));
    return { next: 'continue' };
  }

  /**
   * The caller's time in the queue: the wait documents, verb by verb, until something takes it out.
   * A `<Gather>`'s action answer and a `<Redirect>`'s target play as more of the wait, with the wait's
   * verbs (Twilio's documented behaviour for the Gather action of a waitUrl, so `<Leave>` works there;
   * for `<Redirect>` Telnyx and Twilio only list it among the wait's verbs: inferred, since a wait
   * document is there to hold the caller). When a document has played out, the waitUrl is requested
   * again.
   */
  private async waitInQueue(sim: SimCall, verb: TexmlNode, queue: CallQueue<QueuedCall>, member: QueuedCall): Promise<QueueExit> {
    const waitUrl = verb.attrs.waitUrl ? resolveUrl(verb.attrs.waitUrl, sim.documentUrl) : null;
    const waitMethod = (verb.attrs.waitUrlMethod as HttpMethod | undefined) ?? 'POST';
    let silent = waitUrl === null;
    let pending: TexmlNode[] = [];
    let idle = { since: this.rt.now(), documents: 0 };
    /** Reads the next wait document; false when it cannot be played or the wait spins without time passing. */
    const next = async (purpose: string, method: HttpMethod, url: string, params: Record<string, string>): Promise<boolean> => {
      if (this.rt.now() !== idle.since) idle = { since: this.rt.now(), documents: 0 };
      if (++idle.documents > MAX_IDLE_WAIT_DOCUMENTS) {
        await this.rt.dialectError(sim, purpose, [
          `${MAX_IDLE_WAIT_DOCUMENTS} wait documents in a row played no time: Telnyx would spin in this loop`,
        ]);
        silent = true;
        return true;
      }
      sim.allowedVerbs = WAIT_URL_VERBS;
      sim.documentUrl = url;
      const fetched = await this.rt.fetchDocument(sim, purpose, method, url, params);
      if (!fetched) return false;
      pending = fetched;
      return true;
    };
    for (;;) {
      const exit = await this.queueTurn(sim, queue, member);
      if (exit) return exit;
      if (silent) {
        await this.rt.untilInterrupted(sim);
        continue;
      }
      if (pending.length === 0) {
        const read = await next('Enqueue waitUrl', waitMethod, waitUrl!, {
          AccountSid: this.rt.deps.account.accountSid,
          CallSid: sim.sid,
          CallSidLegacy: sim.legacySid,
          ConnectionId: this.rt.deps.account.connectionId,
          From: sim.from,
          To: sim.to,
          ...queue.statsFor(member, this.rt.now()),
        });
        // A wait document that cannot be played is an application error: Telnyx hangs up (instruction fetching).
        if (!read) return { how: 'error' };
        continue; // look at the queue again: the fetch took time
      }
      const verbNow = pending.shift()!;
      if (verbNow.name === 'Leave') {
        this.rt.step(sim, verbStep(verbNow, `leave queue "${queue.name}"`));
        return { how: 'leave' };
      }
      if (verbNow.name === 'Hangup') {
        this.rt.step(sim, verbStep(verbNow, 'hang up (from the wait document)'));
        return { how: 'wait-hangup' };
      }
      if (verbNow.name === 'Redirect') {
        this.rt.step(sim, verbStep(verbNow, `redirect to ${verbNow.text} (still waiting in "${queue.name}")`));
        const url = resolveUrl(verbNow.text, sim.documentUrl);
        const method = (verbNow.attrs.method as HttpMethod | undefined) ?? 'POST';
        if (!(await next('Redirect', method, url, this.rt.callParams(sim)))) return { how: 'error' };
        continue;
      }
      const result = await this.rt.runVerb(sim, verbNow); // Play, Say, Pause, Gather
      if (result.next === 'end' && result.endedBy === 'error') return { how: 'error' };
      if (result.next === 'document') {
        // A Gather's action answered: its document plays on as part of the wait (the same verbs allowed).
        pending = result.verbs;
        sim.documentUrl = result.url;
      }
    }
  }

  /** Between two wait verbs: has the caller left, been redirected, taken by a Dial, or waited too long? */
  private async queueTurn(sim: SimCall, queue: CallQueue<QueuedCall>, member: QueuedCall): Promise<QueueExit | null> {
    sim.clearWake();
    if (sim.ended) return { how: 'hangup' };
    if (sim.redirected) return { how: 'redirected' };
    if (member.dequeue) {
      const exit = await this.dequeued(sim, queue, member);
      if (exit) return exit;
      sim.clearWake();
    }
    if (member.timedOut) {
      this.queueStep(sim, queue, 'enqueue: maxWaitTimeSecs reached');
      return { how: 'timeout' };
    }
    return null;
  }

  /**
   * A `<Dial><Queue>` took the caller: the Queue's `url` document plays to the caller first ("a
   * document executed on the queued call before bridging", dial page; with Twilio's QueueSid, QueueTime
   * and DequeingCallSid), then the two talk until one side leaves. Null: the dequeuing call left first,
   * the caller goes back to waiting (inferred).
   */
  private async dequeued(sim: SimCall, queue: CallQueue<QueuedCall>, member: QueuedCall): Promise<QueueExit | null> {
    const dequeue = member.dequeue!;
    const waited = queue.waitedSeconds(member, this.rt.now());
    this.queueStep(sim, queue, `dequeued from "${queue.name}" by ${short(dequeue.dequeuer.sid)} after ${waited} s`);
    let announced: 'done' | 'interrupted' | 'error' = 'done';
    if (dequeue.noun.attrs.url) {
      announced = await this.announce(
        sim,
        'Queue url',
        (dequeue.noun.attrs.method as HttpMethod | undefined) ?? 'POST',
        resolveUrl(dequeue.noun.attrs.url, dequeue.dequeuer.documentUrl),
        { ...this.rt.callParams(sim), QueueSid: queue.sid, QueueTime: String(waited), DequeingCallSid: dequeue.dequeuer.sid },
      );
    }
    if (sim.ended || sim.redirected || announced === 'error') {
      dequeue.ready(null);
      member.dequeue = null;
      return sim.ended ? { how: 'hangup' } : sim.redirected ? { how: 'redirected' } : { how: 'error' };
    }
    if (dequeue.canceled) {
      member.dequeue = null;
      this.queueStep(sim, queue, 'the dequeuing call left first; waiting again');
      return null;
    }
    queue.remove(sim.sid);
    const dequeuer = dequeue.dequeuer;
    const bridge = new Bridge(this.rt.now());
    const room = this.rooms.openBridge([dequeuer.sid, sim.sid]);
    sim.bridgedTo ??= endpointOf(dequeuer);
    dequeuer.bridgedTo ??= endpointOf(sim);
    dequeue.ready(bridge);
    this.queueStep(sim, queue, `bridged to ${endpointOf(dequeuer).target}`);
    await converse(this.rt, sim, bridge, Infinity);
    this.rooms.close(room);
    return { how: 'bridged', waited };
  }

  /**
   * `<Dial><Queue>` (dial page nouns): bridges this call to the first caller waiting in the queue (its
   * `url` runs on that caller first). Twilio's documented behaviour, Telnyx being silent: "If the queue is
   * empty, Dial will wait until the next person joins the queue or until the timeout"; a queue nobody has
   * created yet is an error (DialCallStatus failed). When the bridge ends the Dial completes with
   * DialCallSid the caller's CallSid; the queued caller's Enqueue ends with QueueResult bridged.
   */
  async dialQueue(sim: SimCall, verb: TexmlNode, noun: TexmlNode): Promise<VerbResult> {
    if (verb.attrs.answerOnBridge !== 'true') this.rt.answer(sim);
    const timeout = Number(verb.attrs.timeout ?? DEFAULT_DIAL_TIMEOUT);
    const timeLimit = Number(verb.attrs.timeLimit ?? DEFAULT_TIME_LIMIT);
    this.rt.step(sim, verbStep(verb, `dial queue "${noun.text}" (timeout ${timeout} s)`));
    const queue = this.queues.get(noun.text);
    if (!queue) {
      this.rt.step(sim, verbStep(verb, `dial: there is no queue "${noun.text}"`));
      return dialEnded(this.rt, sim, verb, 'failed', 0, null);
    }
    const deadline = this.rt.now() + timeout * 1000;
    let status: 'no-answer' | 'canceled' = 'no-answer';
    let bridge: Bridge | null = null;
    let member: QueuedCall | undefined;
    while (!bridge) {
      member = queue.first((m) => m.dequeue === null && !m.call.ended && !m.call.redirected);
      if (!member) {
        const left = (deadline - this.rt.now()) / 1000;
        const why = left <= 0 ? 'timeout' : await this.untilArrival(sim, queue, left);
        if (why === 'timeout') break;
        if (why === 'interrupted') {
          status = 'canceled';
          break;
        }
        continue;
      }
      const taken = member;
      const ready = new Promise<Bridge | null>((resolve) => {
        taken.dequeue = { dequeuer: sim, noun, canceled: false, ready: resolve };
      });
      taken.call.raise({ kind: 'wake' });
      const got = await Promise.race([ready, this.rt.untilInterrupted(sim).then(() => 'interrupted' as const)]);
      if (got === 'interrupted') {
        if (taken.dequeue) taken.dequeue.canceled = true;
        status = 'canceled';
        break;
      }
      bridge = got;
    }
    if (!bridge || !member) {
      this.rt.step(sim, verbStep(verb, `dial ended: ${status}`));
      return dialEnded(this.rt, sim, verb, status, 0, null);
    }
    this.rt.step(sim, verbStep(verb, `bridged to ${endpointOf(member.call).target} from queue "${queue.name}"`));
    const talked = await converse(this.rt, sim, bridge, timeLimit);
    return dialEnded(this.rt, sim, verb, 'completed', talked, member.call.sid);
  }

  /** A step about the caller's place in `queue`. */
  private queueStep(sim: SimCall, queue: CallQueue<QueuedCall>, line: string): void {
    this.rt.step(sim, { kind: 'verb', at: 0, verb: 'Enqueue', attrs: {}, text: queue.name, line });
  }

  /** Until someone is enqueued, `seconds` pass, or the call is interrupted. */
  private untilArrival(sim: SimCall, queue: CallQueue<QueuedCall>, seconds: number): Promise<'arrived' | 'timeout' | 'interrupted'> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (why: 'arrived' | 'timeout' | 'interrupted') => {
        if (settled) return;
        settled = true;
        if (timer) this.rt.deps.clock.clearTimer(timer);
        off();
        stop();
        resolve(why);
      };
      const timer = this.rt.after(seconds, () => finish('timeout'));
      const off = queue.onArrival(() => finish('arrived'));
      const stop = sim.onInterrupt(() => finish('interrupted'));
    });
  }

  /**
   * Plays a short document to the call (a `<Queue url>`): Play, Say, Pause and Redirect (Twilio's list).
   * 'interrupted' when the call hung up or was redirected meanwhile; 'error' when it cannot be played.
   */
  private async announce(
    sim: SimCall,
    purpose: string,
    method: HttpMethod,
    url: string,
    params: Record<string, string>,
  ): Promise<'done' | 'interrupted' | 'error'> {
    let verbs = await this.rt.fetchDocument(sim, purpose, method, url, params, ANNOUNCEMENT_VERBS);
    let base = url;
    for (let redirects = 0; verbs; redirects++) {
      if (redirects > MAX_ANNOUNCEMENT_REDIRECTS) {
        await this.rt.dialectError(sim, purpose, [`more than ${MAX_ANNOUNCEMENT_REDIRECTS} redirects: a loop`]);
        return 'error';
      }
      let redirect: TexmlNode | null = null;
      for (const verb of verbs) {
        if (sim.ended || sim.redirected) return 'interrupted';
        sim.clearWake();
        if (verb.name === 'Redirect') {
          redirect = verb;
          break;
        }
        await this.rt.runVerb(sim, verb);
      }
      if (sim.ended || sim.redirected) return 'interrupted';
      if (!redirect) return 'done';
      this.rt.step(sim, verbStep(redirect, `redirect to ${redirect.text}`));
      base = resolveUrl(redirect.text, base);
      verbs = await this.rt.fetchDocument(
        sim,
        purpose,
        (redirect.attrs.method as HttpMethod | undefined) ?? 'POST',
        base,
        this.rt.callParams(sim),
        ANNOUNCEMENT_VERBS,
      );
    }
    return 'error';
  }
}
