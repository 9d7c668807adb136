/**
 * `<Dial>` to phones: every `<Sip>`/`<Number>` leg rings at once on the switchboard, the first to answer
 * is bridged to the caller, and the two talk until one leaves. Also what every kind of Dial shares: the
 * conversation of two bridged calls (`Bridge`, `converse`, used by `<Dial><Queue>` too) and the end of
 * a Dial (`dialEnded`, its `action` with DialCallStatus). `<Dial><Queue>` and `<Dial><Conference>` live
 * in ./queue-verbs.ts and ./conference-verbs.ts; the engine picks by the Dial's noun.
 *
 * Each leg is a call of its own that the TeXML REST API can fetch, hang up, or redirect out of the
 * bridge (`runMovedLeg` plays the rest of its life). One file over 300 lines: ringing, the bridge and
 * the move all read and change the same per-Dial leg state.
 *
 * Page: developers.telnyx.com/docs/voice/programmable-voice/texml-verbs/dial.
 */
import type { CallRuntime } from './call-runtime.js';
import type { LegEnd, OfferedLeg } from './contracts.js';
import type { Rooms } from './rooms.js';
import {
  type CallerScript,
  DEFAULT_CALLER,
  type EndedBy,
  round1,
  SimCall,
  short,
  type TexmlApplication,
  type VerbResult,
  verbStep,
} from './sim-call.js';
import type { TexmlNode } from './texml-reader.js';
import type { Step } from './transcript.js';
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
 * What a `<Dial>` leg moved out of its bridge plays: the engine runs the document the REST API's
 * "Update call" pointed it to, and answers how the leg's call ended.
 */
export type LegContinuation = (leg: SimCall) => Promise<EndedBy>;

/** A leg's far end plays the caller's part: it talks until it hangs up itself (like a REST-created call's). */
const LEG_FAR_END: CallerScript = { ...DEFAULT_CALLER, talkSeconds: Infinity, message: { seconds: 0, ending: 'hang-up' } };

type LegEvent = 'ringing' | 'answered' | 'busy' | 'failed' | 'hung-up' | 'api';

/**
 * `<Dial>` to `<Sip>`/`<Number>` nouns (dial page): every `<Sip>`/`<Number>` rings at once; the first to answer is bridged and
 * the others are hung up ("Simultaneous dialing"). Legs send the status callbacks their
 * `statusCallbackEvent` asks for (default `completed`), with ParentCallSid. Unanswered after
 * `timeout` (default 30 s) → no-answer; every leg refused → busy (or failed). When the dial ends,
 * `action` gets DialCallStatus/DialCallSid/DialCallDuration and its answer continues the call;
 * without `action` the next verb plays. The caller hanging up while it rings → canceled, and the
 * action is still requested (Twilio's documented behaviour), its answer ignored.
 *
 * Each leg is a call of its own (direction outbound-dial, ParentCallSid the dialing call), which the
 * TeXML REST API can fetch and update while it lives (api-reference/texml-rest-commands/update-call;
 * Telnyx says nothing of child legs, so this is Twilio's documented behaviour for a `<Dial>`'s child
 * call): a redirect (`Url`/`Texml`) takes the answered leg out of the bridge to play the new document,
 * its far end still connected, and the parent's Dial ends `completed` (its action requested, whose
 * answer continues the parent); `Status=completed` hangs up only the leg, and the parent's Dial ends the
 * same way. Redirecting or ending the parent while bridged hangs the leg up.
 */
export async function dialPhones(
  rt: CallRuntime,
  rooms: Rooms,
  sim: SimCall,
  verb: TexmlNode,
  nouns: readonly TexmlNode[],
  continueLeg: LegContinuation,
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
    call: SimCall;
    sid: string;
    offered: OfferedLeg | null;
    status: 'ringing' | 'answered' | 'busy' | 'failed' | 'over';
    answeredAt: number | null;
    /** Out of the bridge, playing its own TeXML: its far end hanging up ends its own call. */
    moved: boolean;
  };
  const events: { leg: LegState; event: LegEvent }[] = [];
  let notify: (() => void) | null = null;
  const push = (leg: LegState, event: LegEvent) => {
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
  const legs: LegState[] = nouns.map((node) => {
    const call = new SimCall(callerId, node.text, 'outbound-dial', LEG_APP, LEG_FAR_END, sim.sid, rt.now());
    call.switchboard = sim.switchboard;
    call.documentUrl = sim.documentUrl;
    rt.calls.set(call.sid, call);
    return { node, call, sid: call.sid, offered: null, status: 'ringing', answeredAt: null, moved: false };
  });
  // The REST API acting on a leg (update call): one event per interrupt, for whoever waits on the Dial.
  const watchApi = (leg: LegState) => leg.call.onInterrupt(() => leg.call.interrupt?.kind !== 'wake' && !leg.moved && push(leg, 'api'));
  const startedAt = rt.now();
  for (const leg of legs) {
    legStep(leg, 'initiated', 'initiated');
    await rt.legCallback(sim, leg.node, leg.sid, callerId, 'initiated');
    let done = false;
    watchApi(leg);
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
          // Moved out of the bridge, the leg is a call of its own: its far end hanging up ends it.
          if (leg.moved) rt.callerHangsUp(leg.call);
          else push(leg, 'hung-up');
        },
        // Keys from the far end: the leg's own input once it plays TeXML of its own; while bridged,
        // a step of the dialing call's transcript and nothing more (the bridge carries them as audio).
        digits: (keys) => {
          if (done || leg.status !== 'answered') return;
          if (leg.moved) rt.dtmf(leg.call, keys, leg.node.text);
          else
            rt.step(sim, {
              kind: 'leg',
              at: 0,
              legSid: leg.sid,
              to: leg.node.text,
              status: 'dtmf',
              line: `dtmf ${keys} from ${leg.node.text} (bridged: audio only)`,
            });
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
  /** A leg that will not be bridged is over: its call ends with `status` (no status callback of the application's). */
  const endLegCall = async (leg: LegState, status: string) => {
    leg.call.status = status;
    await rt.finish(leg.call, 'far-end');
  };

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
    if (leg.status !== 'ringing') continue;
    if (event === 'ringing') {
      legStep(leg, 'ringing', 'ringing');
      await rt.legCallback(sim, leg.node, leg.sid, callerId, 'ringing');
    } else if (event === 'answered') {
      winner = leg;
      leg.status = 'answered';
      leg.answeredAt = rt.now();
    } else if (event === 'api' && leg.call.redirected) {
      // Inferred: only an answered leg has a document to leave; the REST API refuses a redirect before (see CallEngine.update).
      leg.call.interrupt = null;
      watchApi(leg);
    } else {
      // Declined, failed, or ended through the REST API while ringing (Status: Twilio's "canceled" for a call not yet answered).
      const end = event === 'api' ? 'canceled' : event === 'failed' ? 'failed' : 'busy';
      leg.status = end === 'failed' ? 'failed' : 'busy';
      if (end === 'canceled') leg.offered?.end('canceled');
      legStep(leg, end, end === 'busy' ? 'declined (busy)' : end === 'canceled' ? 'canceled through the REST API' : 'failed');
      await rt.legCallback(sim, leg.node, leg.sid, callerId, end);
      await endLegCall(leg, end);
      if (legs.every((l) => l.status === 'busy' || l.status === 'failed')) {
        dialStatus = legs.some((l) => l.call.status === 'busy')
          ? 'busy'
          : legs.some((l) => l.call.status === 'failed')
            ? 'failed'
            : 'no-answer';
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
    await endLegCall(leg, end);
  }

  let talked = 0;
  if (winner) {
    const leg = winner;
    rt.answer(sim);
    rt.answer(leg.call);
    dialStatus = 'completed';
    sim.bridgedTo = { kind: leg.node.name === 'Sip' ? 'sip' : 'number', target: leg.node.text };
    const bridgeRoom = rooms.openBridge([sim.sid, leg.sid]);
    legStep(leg, 'in-progress', 'answered; bridged to the caller');
    await rt.legCallback(sim, leg.node, leg.sid, callerId, 'answered');
    // The conversation: until one side hangs up, timeLimit, or the REST API acts on either call.
    const talk = Math.min(sim.caller.talkSeconds, timeLimit);
    let why: 'far-end' | 'talked' | 'parent' | 'leg-redirected' | 'leg-ended';
    for (;;) {
      const pending = events.findIndex((e) => e.leg === leg && (e.event === 'hung-up' || e.event === 'api'));
      const waited = pending >= 0 ? 'event' : await nextEvent(talk - (rt.now() - leg.answeredAt!) / 1000);
      if (waited === 'timeout') why = 'talked';
      else if (waited === 'interrupted') why = 'parent';
      else {
        const index = events.findIndex((e) => e.leg === leg && (e.event === 'hung-up' || e.event === 'api'));
        if (index < 0) {
          events.splice(0); // late news of legs already over
          continue;
        }
        const { event } = events.splice(index, 1)[0]!;
        why = event === 'hung-up' ? 'far-end' : leg.call.redirected ? 'leg-redirected' : 'leg-ended';
      }
      break;
    }
    talked = (rt.now() - leg.answeredAt!) / 1000;
    if (why === 'far-end') {
      rt.step(sim, {
        kind: 'leg',
        at: rt.elapsed(sim),
        legSid: leg.sid,
        to: leg.node.text,
        status: 'completed',
        line: `${leg.node.text} hangs up after ${round1(talked)} s`,
      });
      leg.call.callerHungUp = true;
    } else if (why === 'talked') {
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
      leg.offered?.end('completed');
    } else if (why === 'leg-ended') {
      legStep(leg, 'completed', `hung up through the REST API after ${round1(talked)} s`);
      leg.offered?.end('completed');
    } else if (why === 'leg-redirected') {
      // Twilio's documented behaviour: the child leaves the bridge for its new TeXML; the parent's Dial ends completed.
      legStep(leg, 'redirected', `leaves the bridge after ${round1(talked)} s: redirected through the REST API`);
      leg.moved = true;
    } else {
      // The parent redirected or hung up: its child leg is hung up (Twilio's documented behaviour).
      leg.offered?.end('completed');
    }
    rooms.close(bridgeRoom);
    if (leg.moved) void runMovedLeg(rt, sim, leg.call, leg.node, callerId, continueLeg, leg.offered);
    else {
      await rt.legCallback(sim, leg.node, leg.sid, callerId, 'completed', { CallDuration: String(Math.round(talked)) });
      await rt.finish(leg.call, why === 'far-end' ? 'far-end' : why === 'leg-ended' ? 'api' : 'caller');
    }
    if (verb.attrs.record && verb.attrs.record !== 'do-not-record' && verb.attrs.recordingStatusCallback && talked >= 1) {
      const recording = rt.storeRecording(sim, Math.round(talked), verb.attrs.record.endsWith('dual') ? 2 : 1, 'mp3', 'DialVerb');
      await rt.recordingStatus(sim, verb, recording);
    }
  } else {
    rt.step(sim, verbStep(verb, `dial ended: ${dialStatus}`));
  }

  const endedByCaller = sim.ended;
  const redirected = !endedByCaller && sim.redirected;
  if (verb.attrs.action) {
    const followed = await requestAction(rt, sim, verb, verb.attrs.action, dialStatus, talked, winner?.sid ?? null);
    if (endedByCaller) return rt.endedByInterrupt(sim);
    // Redirected through the REST API: the action is requested, its answer not played; the new TeXML is (as dialEnded does).
    return redirected ? { next: 'continue' } : followed;
  }
  return endedByCaller ? rt.endedByInterrupt(sim) : { next: 'continue' };
}

/** A leg's own call has no application: its TeXML comes from the REST API's update, its status callbacks from its noun. */
const LEG_APP: TexmlApplication = { voiceUrl: '', voiceMethod: 'POST', statusCallbackEvents: [] };

/**
 * A leg out of its bridge plays the document it was redirected to, its far end still on the line
 * (a softphone's call is not hung up). When that is over it ends like any call: the far end is hung up
 * unless it left itself, and its noun's `completed` status callback carries the whole call's duration.
 * Its steps show in the parent's transcript while the parent lives, and its errors in the parent's.
 */
async function runMovedLeg(
  rt: CallRuntime,
  parent: SimCall,
  leg: SimCall,
  noun: TexmlNode,
  callerId: string,
  continueLeg: LegContinuation,
  offered: OfferedLeg | null,
): Promise<void> {
  leg.observe = (step) => {
    if (parent.endedAt !== null) return;
    rt.step(parent, { ...step, line: `leg ${short(leg.sid)}: ${step.line}` } as Step);
  };
  let endedBy: EndedBy;
  try {
    endedBy = await continueLeg(leg);
  } catch (err) {
    leg.errors.push(`engine failure: ${(err as Error).stack ?? err}`);
    endedBy = 'error';
  }
  if (!leg.callerHungUp) offered?.end('completed');
  const duration = Math.round((rt.now() - leg.answeredAt!) / 1000);
  await rt.legCallback(parent, noun, leg.sid, callerId, 'completed', { CallDuration: String(duration) }, leg);
  await rt.finish(leg, endedBy === 'caller' ? 'far-end' : endedBy);
  parent.errors.push(...leg.errors.map((e) => `leg ${short(leg.sid)}: ${e}`));
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
