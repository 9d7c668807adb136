/**
 * The verbs that play to the caller alone: `<Say>`, `<Play>`, `<Pause>`, `<Redirect>`, `<Hangup>`,
 * `<Reject>`, and the two that listen to it, `<Gather>` and `<Record>`. Each takes the call's runtime
 * and answers what the play loop does next.
 *
 * Pages: developers.telnyx.com/docs/voice/programmable-voice/texml-verbs/<verb>. Where Telnyx is silent
 * these follow Twilio's documented behaviour (TeXML is TwiML-compatible) and say so.
 */
import type { CallRuntime } from './call-runtime.js';
import { clip, describeAttrs, round1, type SimCall, sayingSeconds, type VerbResult, verbStep } from './sim-call.js';
import type { TexmlNode } from './texml-reader.js';
import type { HttpMethod } from './webhook-client.js';

/** `<Gather timeout>` default, seconds between digits (gather page). */
const DEFAULT_GATHER_TIMEOUT = 5;
/** `<Record maxLength>` default (record page). */
const DEFAULT_RECORD_MAX = 3600;

/** `<Say>` (say page): speech takes its time (see `sayingSeconds`); the caller hears it unless interrupted. */
export function say(rt: CallRuntime, sim: SimCall, verb: TexmlNode): Promise<VerbResult> {
  rt.answer(sim);
  rt.step(sim, verbStep(verb, `say "${clip(verb.text)}"${describeAttrs(verb, ['voice', 'language', 'loop'])}`));
  return listen(rt, sim, sayingSeconds(verb));
}

/** `<Play>` (play page): an audio URL (as long as its audio), DTMF `digits`, or a `ringTone`. */
export async function play(rt: CallRuntime, sim: SimCall, verb: TexmlNode): Promise<VerbResult> {
  rt.answer(sim);
  const seconds = await rt.playSeconds(sim, verb);
  const what = verb.text || (verb.attrs.digits ? `digits ${verb.attrs.digits}` : `ringTone ${verb.attrs.ringTone}`);
  rt.step(sim, verbStep(verb, `play ${what}${Number.isFinite(seconds) ? ` (${round1(seconds)} s)` : ' (until interrupted)'}`));
  return listen(rt, sim, seconds);
}

/** `<Pause>` (pause page): `length` seconds of silence, default 1. */
export function pause(rt: CallRuntime, sim: SimCall, verb: TexmlNode): Promise<VerbResult> {
  rt.answer(sim);
  const seconds = Number(verb.attrs.length ?? 1);
  rt.step(sim, verbStep(verb, `pause ${seconds} s`));
  return listen(rt, sim, seconds);
}

/** `<Redirect>` (redirect page): the URL's answer replaces the document. */
export function redirect(rt: CallRuntime, sim: SimCall, verb: TexmlNode): Promise<VerbResult> {
  rt.step(sim, verbStep(verb, `redirect to ${verb.text}`));
  return rt.follow(sim, 'Redirect', (verb.attrs.method as HttpMethod) ?? 'POST', verb.text, rt.callParams(sim));
}

/** `<Hangup>` (hangup page): the application ends the call. */
export function hangup(rt: CallRuntime, sim: SimCall, verb: TexmlNode): VerbResult {
  rt.step(sim, verbStep(verb, 'hang up'));
  return { next: 'end', endedBy: 'application' };
}

/** `<Reject>` (reject page): the call ends unanswered. */
export function reject(rt: CallRuntime, sim: SimCall, verb: TexmlNode): VerbResult {
  rt.step(sim, verbStep(verb, `reject (${verb.attrs.reason ?? 'rejected'})`));
  // Reject page: never answered; Twilio reports a rejected call as busy or no-answer.
  sim.status = verb.attrs.reason === 'busy' ? 'busy' : 'no-answer';
  return { next: 'end', endedBy: 'application' };
}

/** The caller hears something for `seconds`; an interrupt cuts it short. */
async function listen(rt: CallRuntime, sim: SimCall, seconds: number): Promise<VerbResult> {
  const outcome = await rt.wait(sim, seconds);
  return outcome === 'interrupted' && sim.ended ? rt.endedByInterrupt(sim) : { next: 'continue' };
}

/**
 * `<Gather>` (gather page): plays its prompts while listening; digits end it at `numDigits`, at
 * `finishOnKey`, or `timeout` seconds after the last key (or after the prompts, with no key). Keys
 * go to `action` as `Digits`, with the application's method ("Same method (GET/POST) as set for the
 * TexML application is used"). No key: on to the next verb (Twilio's documented fall-through;
 * Telnyx does not say). A key outside `validDigits` with no `invalidDigitsAction` counts as no
 * input (inferred: Telnyx documents the attribute, not the default).
 */
export async function gather(rt: CallRuntime, sim: SimCall, verb: TexmlNode): Promise<VerbResult> {
  rt.answer(sim);
  let press = sim.caller.digits[sim.gathers++];
  const numDigits = verb.attrs.numDigits ? Number(verb.attrs.numDigits) : null;
  const finishOnKey = verb.attrs.finishOnKey ?? '#';
  const timeout = Number(verb.attrs.timeout ?? DEFAULT_GATHER_TIMEOUT);
  let prompts = 0;
  for (const c of verb.children)
    prompts += c.name === 'Say' ? sayingSeconds(c) : c.name === 'Play' ? await rt.playSeconds(sim, c) : Number(c.attrs.length ?? 1);
  rt.step(
    sim,
    verbStep(
      verb,
      `gather ${verb.attrs.input ?? 'dtmf'}${numDigits ? ` (${numDigits} digit${numDigits > 1 ? 's' : ''})` : ''}, timeout ${timeout} s${verb.children.length ? `, prompting: ${verb.children.map((c) => (c.name === 'Say' ? `"${clip(c.text, 40)}"` : `<${c.name}>`)).join(' ')}` : ''}`,
    ),
  );
  for (const prompt of verb.children)
    if (prompt.name === 'Say')
      rt.step(sim, verbStep(prompt, `  say "${clip(prompt.text)}"${describeAttrs(prompt, ['voice', 'language'])}`));
  const heardUntil = prompts + timeout;
  if (!press) press = timedPress(rt, sim, heardUntil);
  const collect = (keys: string) => {
    let collected = '';
    for (const key of keys) {
      if (key === finishOnKey) return { digits: collected, complete: true };
      collected += key;
      if (numDigits !== null && collected.length >= numDigits) return { digits: collected, complete: true };
    }
    return { digits: collected, complete: false };
  };
  // The keys arrive `afterSeconds` into the Gather; a key pressed during the prompts cuts them short.
  const keysAt = press ? press.afterSeconds : Infinity;
  let digits: string;
  if (!press || keysAt > heardUntil) {
    // Keys may still come live from the far end (a softphone's DTMF), one at a time: each waits
    // `timeout` for the next, until finishOnKey or numDigits (gather page).
    let keys = '';
    for (let window = heardUntil; ; window = timeout) {
      const outcome = await listenForKeys(rt, sim, window);
      if (outcome === 'interrupted') return sim.ended ? rt.endedByInterrupt(sim) : { next: 'continue' };
      if (outcome === 'done') break;
      keys += outcome.keys;
      if (collect(keys).complete) break;
    }
    if (keys === '') {
      rt.step(sim, verbStep(verb, 'gather: no input; on to the next verb'));
      return { next: 'continue' };
    }
    digits = collect(keys).digits;
  } else {
    if ((await rt.wait(sim, keysAt)) === 'interrupted') return sim.ended ? rt.endedByInterrupt(sim) : { next: 'continue' };
    digits = collect(press.keys).digits;
    rt.step(sim, { kind: 'caller', at: rt.elapsed(sim), action: 'digits', digits: press.keys, line: `caller presses ${press.keys}` });
  }
  const valid = verb.attrs.validDigits;
  if (valid && [...digits].some((d) => !valid.includes(d))) {
    if (verb.attrs.invalidDigitsAction) {
      return rt.follow(sim, 'Gather invalidDigitsAction', rt.appMethod(sim, verb), verb.attrs.invalidDigitsAction, {
        ...rt.gatherParams(sim),
        Digits: digits,
      });
    }
    rt.step(sim, verbStep(verb, `gather: ${digits} is not among validDigits ${valid}; on to the next verb`));
    return { next: 'continue' };
  }
  if (digits === '') return { next: 'continue' };
  const action = verb.attrs.action ?? sim.documentUrl; // Twilio: no action → the current document's URL
  return rt.follow(sim, 'Gather action', rt.appMethod(sim, verb), action, { ...rt.gatherParams(sim), Digits: digits });
}

/** `seconds` of listening for keys pressed live (CallRuntime.dtmf): the keys, the time up, or an interrupt. */
function listenForKeys(rt: CallRuntime, sim: SimCall, seconds: number): Promise<'done' | 'interrupted' | { keys: string }> {
  if (sim.interrupt) return Promise.resolve('interrupted');
  return new Promise((resolve) => {
    const finish = (outcome: 'done' | 'interrupted' | { keys: string }) => {
      if (timer) rt.deps.clock.clearTimer(timer);
      stop();
      sim.keyListener = null;
      resolve(outcome);
    };
    const timer = rt.after(seconds, () => finish('done'));
    const stop = sim.onInterrupt(() => finish('interrupted'));
    sim.keyListener = (keys) => finish({ keys });
  });
}

/**
 * The caller's next key press by the clock (`keysAt`) that this Gather hears: one pressed within its
 * `listening` seconds from now. Presses whose moment passed with no Gather listening are lost; a later
 * one waits for a later Gather.
 */
function timedPress(rt: CallRuntime, sim: SimCall, listening: number): { keys: string; afterSeconds: number } | undefined {
  const elapsed = (rt.now() - sim.startedAt) / 1000;
  const presses = sim.caller.keysAt;
  while (sim.keysPressed < presses.length && presses[sim.keysPressed]!.atSeconds < elapsed) sim.keysPressed++;
  const next = presses[sim.keysPressed];
  if (!next || next.atSeconds - elapsed > listening) return undefined;
  sim.keysPressed++;
  return { keys: next.keys, afterSeconds: next.atSeconds - elapsed };
}

/**
 * `<Record>` (record page): a beep, then the caller's message until `finishOnKey`, `maxLength`,
 * silence (`timeout`, default 0 = none) or hang-up. The recording is stored (its URL valid for
 * 10 minutes after the call ends), `action` gets RecordingUrl/RecordingSid/RecordingDuration, and
 * `recordingStatusCallback` gets the recording-completed callback. An empty recording requests no
 * action and goes on (Twilio's documented behaviour). Without `action`: the next verb (inferred).
 */
export async function record(rt: CallRuntime, sim: SimCall, verb: TexmlNode): Promise<VerbResult> {
  rt.answer(sim);
  const maxLength = Number(verb.attrs.maxLength ?? DEFAULT_RECORD_MAX) || DEFAULT_RECORD_MAX;
  const beep = verb.attrs.playBeep !== 'false';
  rt.step(
    sim,
    verbStep(
      verb,
      `record${beep ? ' after a beep' : ''}, at most ${maxLength} s${verb.attrs.finishOnKey ? `, finish on ${verb.attrs.finishOnKey}` : ''}`,
    ),
  );
  if (beep && (await rt.wait(sim, 0.5)) === 'interrupted' && sim.ended) return rt.endedByInterrupt(sim);
  const startedAt = rt.now();
  const { seconds, ending } = sim.caller.message;
  let length = Math.min(seconds, maxLength);
  if ((await rt.wait(sim, length)) === 'interrupted') {
    length = (rt.now() - startedAt) / 1000;
    if (!sim.ended) return { next: 'continue' }; // redirected by the REST API mid-recording
  } else if (length >= maxLength) {
    rt.step(sim, verbStep(verb, `record: maxLength ${maxLength} s reached`));
  } else if (ending === 'hang-up') {
    rt.step(sim, {
      kind: 'caller',
      at: 0,
      action: 'message',
      seconds: length,
      line: `caller leaves a ${round1(length)} s message and hangs up`,
    });
    rt.callerHangsUp(sim);
  } else {
    const key = (verb.attrs.finishOnKey ?? '#')[0] ?? '#';
    rt.step(sim, {
      kind: 'caller',
      at: 0,
      action: 'digits',
      digits: key,
      line: `caller leaves a ${round1(length)} s message and presses ${key}`,
    });
  }
  const duration = Math.round(length);
  if (duration <= 0) {
    rt.step(sim, verbStep(verb, 'record: nothing recorded'));
    return sim.ended ? rt.endedByInterrupt(sim) : { next: 'continue' };
  }
  sim.recorded = true;
  const recording = rt.storeRecording(
    sim,
    duration,
    verb.attrs.channels === 'single' ? 1 : 2,
    verb.attrs.format === 'wav' ? 'wav' : 'mp3',
    'RecordVerb',
  );
  const recordingParams = { RecordingUrl: recording.url, RecordingSid: recording.sid, RecordingDuration: String(duration) };
  let result: VerbResult = sim.ended ? rt.endedByInterrupt(sim) : { next: 'continue' };
  if (verb.attrs.action) {
    // Twilio requests the action even when the caller has hung up, and ignores its answer then.
    const followed = await rt.follow(sim, 'Record action', (verb.attrs.method as HttpMethod) ?? 'POST', verb.attrs.action, {
      ...rt.callParams(sim),
      ...recordingParams,
      RecordingStatus: 'completed',
    });
    if (!sim.ended) result = followed;
  }
  await rt.recordingStatus(sim, verb, recording);
  await rt.transcription(sim, verb, recording);
  return result;
}
