/**
 * `<Dial>` to phones: every `<Sip>`/`<Number>` leg rings at once on the switchboard, the first to answer
 * is bridged to the caller, and the two talk until one leaves. Also what every kind of Dial shares: the
 * conversation of two bridged calls (`Bridge`, `converse`, used by `<Dial><Queue>` too) and the end of
 * a Dial (`dialEnded`, its `action` with DialCallStatus). `<Dial><Queue>` and `<Dial><Conference>` live
 * in ./queue-verbs.ts and ./conference-verbs.ts; the engine picks by the Dial's noun.
 *
 * Page: developers.telnyx.com/docs/voice/programmable-voice/texml-verbs/dial.
 */
import type { CallRuntime } from './call-runtime.js';
import type { LegEnd, OfferedLeg } from './contracts.js';
import type { Rooms } from './rooms.js';
import { callSidOf, round1, type SimCall, short, type VerbResult, verbStep } from './sim-call.js';
import type { TexmlNode } from './texml-reader.js';
import type { HttpMethod } from './webhook-client.js';

/** `<Dial timeout>` default (dial page). */
export const DEFAULT_DIAL_TIMEOUT = 30;
/** `<Dial timeLimit>` default: 4 hours (dial page). */
export const DEFAULT_TIME_LIMIT = 14_400;

/** A Dial's nouns: its children, or its bare text as one `<Number>`. */
export function dialNouns(verb: TexmlNode): readonly TexmlNode[] {
  return verb.children.length ? verb.children : [{ name: 'Number', attrs: {}, text: verb.text, children: [] } as TexmlNode];
}

/**
 * `<Dial>` to `<Sip>`/`<Number>` nouns (dial page): every `<Sip>`/`<Number>` rings at once; the first to answer is bridged and
 * the others are hung up ("Simultaneous dialing"). Legs send the status callbacks their
 * `statusCallbackEvent` asks for (default `completed`), with ParentCallSid. Unanswered after
 * `timeout` (default 30 s) → no-answer; every leg refused → busy (or failed). When the dial ends,
 * `action` gets DialCallStatus/DialCallSid/DialCallDuration and its answer continues the call;
 * without `action` the next verb plays. The caller hanging up while it rings → canceled, and the
 * action is still requested (Twilio's documented behaviour), its answer ignored.
 */
export async function dialPhones(
  rt: CallRuntime,
  rooms: Rooms,
  sim: SimCall,
  verb: TexmlNode,
  nouns: readonly TexmlNode[],
): Promise<VerbResult> {
  if (verb.attrs.answerOnBridge !== 'true') rt.answer(sim);
  const timeout = Number(verb.attrs.timeout ?? DEFAULT_DIAL_TIMEOUT);
  const timeLimit = Number(verb.attrs.timeLimit ?? DEFAULT_TIME_LIMIT);
  const callerId = verb.attrs.callerId ?? sim.from;
  rt.step(
    sim,
    verbStep(
      verb,
      `dial ${nouns.map((n) => n.text).join(', ')} (timeout ${timeout} s${verb.attrs.ringTone ? `, ringTone ${verb.attrs.ringTone}` : ''})`,
    ),
  );
  if (nouns.some((n) => n.name === 'Number')) sim.forwarded = true;

  type LegState = {
    node: TexmlNode;
    sid: string;
    offered: OfferedLeg | null;
    status: 'ringing' | 'answered' | 'busy' | 'failed' | 'over';
    answeredAt: number | null;
  };
  const events: { leg: LegState; event: 'ringing' | 'answered' | 'busy' | 'failed' | 'hung-up' }[] = [];
  let notify: (() => void) | null = null;
  const push = (leg: LegState, event: (typeof events)[number]['event']) => {
    events.push({ leg, event });
    notify?.();
  };
  const legStep = (leg: LegState, status: string, what: string) =>
    rt.step(sim, {
      kind: 'leg',
      at: 0,
      legSid: leg.sid,
      to: leg.node.text,
      status,
      line: `leg ${short(leg.sid)} → ${leg.node.text}: ${what}`,
    });
  const legs: LegState[] = nouns.map((node) => ({ node, sid: callSidOf(), offered: null, status: 'ringing', answeredAt: null }));
  const startedAt = rt.now();
  for (const leg of legs) {
    legStep(leg, 'initiated', 'initiated');
    await rt.legCallback(sim, leg.node, leg.sid, callerId, 'initiated');
    let done = false;
    leg.offered = (sim.switchboard ?? rt.deps.switchboard).offer(
      { legSid: leg.sid, parentCallSid: sim.sid, from: callerId, to: leg.node.text, callerName: verb.attrs.fromDisplayName },
      {
        ringing: () => !done && push(leg, 'ringing'),
        answered: () => !done && push(leg, 'answered'),
        rejected: (reason) => {
          if (done) return;
          done = true;
          push(leg, reason);
        },
        hungUp: () => {
          if (done) return;
          done = true;
          push(leg, 'hung-up');
        },
      },
    );
    if (!leg.offered) legStep(leg, 'unreachable', 'nothing registered there; it rings unanswered');
  }
  const nextEvent = (seconds: number) =>
    new Promise<'event' | 'timeout' | 'interrupted'>((resolve) => {
      if (events.length) return resolve('event');
      // Raised while the last event's callback was awaited (the caller hung up then): onInterrupt would
      // call `finish` at once, before `stop` exists.
      if (sim.interrupt) return resolve('interrupted');
      const finish = (why: 'event' | 'timeout' | 'interrupted') => {
        notify = null;
        if (timer) rt.deps.clock.clearTimer(timer);
        stop();
        resolve(why);
      };
      const timer = rt.after(seconds, () => finish('timeout'));
      notify = () => finish('event');
      const stop = sim.onInterrupt(() => finish('interrupted'));
    });

  let winner: LegState | null = null;
  let dialStatus: 'completed' | 'busy' | 'no-answer' | 'canceled' | 'failed' = 'no-answer';
  // Ringing until someone answers, everyone refuses, the timeout, or the caller leaves.
  while (!winner) {
    const left = timeout - (rt.now() - startedAt) / 1000;
    const why = left <= 0 ? 'timeout' : await nextEvent(left);
    if (why === 'timeout') break;
    if (why === 'interrupted') {
      dialStatus = 'canceled';
      break;
    }
    const { leg, event } = events.shift()!;
    if (event === 'ringing') {
      legStep(leg, 'ringing', 'ringing');
      await rt.legCallback(sim, leg.node, leg.sid, callerId, 'ringing');
    } else if (event === 'answered') {
      winner = leg;
      leg.status = 'answered';
      leg.answeredAt = rt.now();
    } else if (event === 'busy' || event === 'failed' || event === 'hung-up') {
      leg.status = event === 'failed' ? 'failed' : 'busy';
      legStep(leg, leg.status, leg.status === 'busy' ? 'declined (busy)' : 'failed');
      await rt.legCallback(sim, leg.node, leg.sid, callerId, leg.status);
      if (legs.every((l) => l.status === 'busy' || l.status === 'failed')) {
        dialStatus = legs.some((l) => l.status === 'busy') ? 'busy' : 'failed';
        break;
      }
    }
  }
  // Every leg still ringing is ended: canceled when another answered or the caller left, no-answer at the timeout.
  for (const leg of legs) {
    if (leg === winner || leg.status !== 'ringing') continue;
    const end: LegEnd = winner || dialStatus === 'canceled' ? 'canceled' : 'no-answer';
    leg.offered?.end(end);
    leg.status = 'over';
    legStep(leg, end, end);
    await rt.legCallback(sim, leg.node, leg.sid, callerId, end);
  }

  let talked = 0;
  if (winner) {
    rt.answer(sim);
    dialStatus = 'completed';
    sim.bridgedTo = { kind: winner.node.name === 'Sip' ? 'sip' : 'number', target: winner.node.text };
    const bridgeRoom = rooms.openBridge([sim.sid, winner.sid]);
    legStep(winner, 'in-progress', 'answered; bridged to the caller');
    await rt.legCallback(sim, winner.node, winner.sid, callerId, 'answered');
    // The conversation: until one side hangs up or timeLimit.
    const talk = Math.min(sim.caller.talkSeconds, timeLimit);
    const farEndLeft = events.some((e) => e.leg === winner && e.event === 'hung-up') ? 'event' : await nextEvent(talk);
    talked = (rt.now() - winner.answeredAt!) / 1000;
    if (farEndLeft === 'event') {
      rt.step(sim, {
        kind: 'leg',
        at: rt.elapsed(sim),
        legSid: winner.sid,
        to: winner.node.text,
        status: 'completed',
        line: `${winner.node.text} hangs up after ${round1(talked)} s`,
      });
    } else if (farEndLeft === 'timeout') {
      if (talk >= timeLimit) rt.step(sim, verbStep(verb, `dial: timeLimit ${timeLimit} s reached`));
      else {
        rt.step(sim, {
          kind: 'caller',
          at: rt.elapsed(sim),
          action: 'hang-up',
          line: `caller hangs up after talking ${round1(talked)} s`,
        });
        rt.callerHangsUp(sim);
      }
      winner.offered?.end('completed');
    } else {
      winner.offered?.end('completed');
    }
    rooms.close(bridgeRoom);
    await rt.legCallback(sim, winner.node, winner.sid, callerId, 'completed', { CallDuration: String(Math.round(talked)) });
    if (verb.attrs.record && verb.attrs.record !== 'do-not-record' && verb.attrs.recordingStatusCallback && talked >= 1) {
      const recording = rt.storeRecording(sim, Math.round(talked), verb.attrs.record.endsWith('dual') ? 2 : 1, 'mp3', 'DialVerb');
      await rt.recordingStatus(sim, verb, recording);
    }
  } else {
    rt.step(sim, verbStep(verb, `dial ended: ${dialStatus}`));
  }

  const endedByCaller = sim.ended;
  if (verb.attrs.action) {
    const followed = await requestAction(rt, sim, verb, verb.attrs.action, dialStatus, talked, winner?.sid ?? null);
    return endedByCaller ? rt.endedByInterrupt(sim) : followed;
  }
  return endedByCaller ? rt.endedByInterrupt(sim) : { next: 'continue' };
}

/** Two calls talking: a `<Dial>` leg bridged to its caller, or a queued caller bridged to its dequeuer. */
export class Bridge {
  /** The CallSid of the side that left first (null while both talk). */
  endedBy: string | null = null;
  readonly over: Promise<string>;
  private finish!: (by: string) => void;

  constructor(readonly startedAt: number) {
    this.over = new Promise((resolve) => {
      this.finish = resolve;
    });
  }

  end(by: string): void {
    if (this.endedBy !== null) return;
    this.endedBy = by;
    this.finish(by);
  }
}

/**
 * One side of a bridge talks until the other side leaves, its caller hangs up (`talkSeconds`), the
 * Dial's `timeLimit` passes, or its call is interrupted. Answers the seconds talked.
 */
export async function converse(rt: CallRuntime, sim: SimCall, bridge: Bridge, timeLimit: number): Promise<number> {
  const talk = Math.min(sim.caller.talkSeconds, timeLimit);
  let why: 'other-left' | 'talked' | 'interrupted' = 'interrupted';
  for (;;) {
    sim.clearWake();
    if (bridge.endedBy !== null) {
      why = 'other-left';
      break;
    }
    if (sim.interrupt) break;
    const left = talk - (rt.now() - bridge.startedAt) / 1000;
    why = await new Promise<'other-left' | 'talked' | 'interrupted'>((resolve) => {
      let settled = false;
      const finish = (w: 'other-left' | 'talked' | 'interrupted') => {
        if (settled) return;
        settled = true;
        if (timer) rt.deps.clock.clearTimer(timer);
        stop();
        resolve(w);
      };
      const timer = rt.after(left, () => finish('talked'));
      const stop = sim.onInterrupt(() => finish('interrupted'));
      void bridge.over.then((by) => by !== sim.sid && finish('other-left'));
    });
    if (why !== 'interrupted' || !sim.woken) break; // a wake is no reason to stop talking
  }
  const talked = (rt.now() - bridge.startedAt) / 1000;
  if (why === 'talked') {
    if (talk >= timeLimit)
      rt.step(sim, { kind: 'verb', at: 0, verb: 'Dial', attrs: {}, text: '', line: `dial: timeLimit ${timeLimit} s reached` });
    else {
      rt.step(sim, { kind: 'caller', at: 0, action: 'hang-up', line: `caller hangs up after talking ${round1(talked)} s` });
      rt.callerHangsUp(sim);
    }
  } else if (why === 'other-left') {
    rt.step(sim, { kind: 'verb', at: 0, verb: 'Dial', attrs: {}, text: '', line: `the other side left after ${round1(talked)} s` });
  }
  bridge.end(sim.sid);
  return talked;
}

/** The end of a `<Dial>` to a queue or conference: `action` with DialCallStatus, or the next verb. */
export async function dialEnded(
  rt: CallRuntime,
  sim: SimCall,
  verb: TexmlNode,
  dialStatus: 'completed' | 'no-answer' | 'canceled' | 'failed',
  talked: number,
  dialCallSid: string | null,
): Promise<VerbResult> {
  const over = sim.ended;
  const redirected = !over && sim.redirected;
  if (verb.attrs.action) {
    const followed = await requestAction(rt, sim, verb, verb.attrs.action, dialStatus, talked, dialCallSid);
    // Requested even then; the answer is not played (Twilio's documented behaviour).
    if (over) return rt.endedByInterrupt(sim);
    return redirected ? { next: 'continue' } : followed;
  }
  return over ? rt.endedByInterrupt(sim) : { next: 'continue' };
}

type DialStatus = 'completed' | 'busy' | 'no-answer' | 'canceled' | 'failed';

/** Requests the Dial's `action` with the dial's outcome (dial page: DialCallStatus, DialCallSid, DialCallDuration). */
function requestAction(
  rt: CallRuntime,
  sim: SimCall,
  verb: TexmlNode,
  action: string,
  dialStatus: DialStatus,
  talked: number,
  dialCallSid: string | null,
): Promise<VerbResult> {
  return rt.follow(sim, 'Dial action', (verb.attrs.method as HttpMethod) ?? 'POST', action, {
    ...rt.callParams(sim),
    CallbackSource: 'call-progress-events',
    DialCallStatus: dialStatus,
    DialCallDuration: String(Math.round(talked)),
    ...(dialCallSid ? { DialCallSid: dialCallSid } : {}),
    Timestamp: new Date(rt.now()).toISOString(),
    SequenceNumber: String(++sim.sequence),
  });
}
