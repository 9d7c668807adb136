/**
 * The queue's TeXML documents (docs/QUEUES.md §The routes): putting a caller in the Telnyx queue, each
 * round of the wait (announcement, hold music, "press 1"), the callback key's answers, the goodbye,
 * and the call to the agent that dials the customer back. Pure: the URLs and the words are arguments
 * (the words come from ./queue.ts).
 */
import { dial, enqueue, gather, hangup, leave, number, play, redirect, response, say, type SayVerb, type TexmlDocument } from './texml.js';

/** Where Telnyx asks about a waiting caller: each round of the wait, the key pressed, and the wait's end. */
export interface QueueUrls {
  /** The `<Enqueue waitUrl>`: answered by waitDocument each round. */
  queueWait: string;
  /** The wait's `<Gather action>`: the key the caller pressed. */
  queueKey: string;
  /** The `<Enqueue action>`: the caller left the queue (after `<Leave>`, or `maxWaitTimeSecs`). */
  queueExit: string;
}

/** Length of the built-in hold music clip, in seconds (./hold-music.ts renders it). */
export { BUILT_IN_MUSIC_SECONDS } from './hold-music.js';
/** Loops of one round when the position is never announced: a longer round means fewer waitUrl requests. */
export const UNANNOUNCED_ROUND_LOOPS = 6;
/** Most loops in a round: Play's `loop` goes to 10 (0 would loop forever and stop the rounds). */
const MAX_ROUND_LOOPS = 10;
/** How long the wait's Gather listens for the key after the music ends, before the next round. */
const KEY_TIMEOUT_SECONDS = 1;
/** The voice of every prompt, as in the rest of the call flow (./call-flow.ts). */
const VOICE = 'alice';

/** The caller waits in the Telnyx queue `telnyxQueueName`; Telnyx ends the wait itself after `maxWaitSeconds`. */
export function enqueueDocument(telnyxQueueName: string, maxWaitSeconds: number, urls: QueueUrls): TexmlDocument {
  return response(
    enqueue(telnyxQueueName, {
      action: urls.queueExit,
      method: 'POST',
      waitUrl: urls.queueWait,
      waitUrlMethod: 'POST',
      maxWaitTimeSecs: maxWaitSeconds,
    }),
  );
}

export interface WaitDocumentInput {
  /** What to say this round (./queue.ts announcement), or null for music only. */
  announcement: string | null;
  /** BCP-47 language the announcement is spoken in. */
  speechLanguage: string;
  musicUrl: string;
  /** From musicLoopsFor. */
  musicLoops: number;
  /** Whether pressing 1 asks for a callback (./queue.ts canRequestCallback). */
  callbackKey: boolean;
  urls: QueueUrls;
}

/**
 * One round of the wait: the announcement, then the music. With the callback key both are inside a
 * `<Gather>`, so a key pressed at any moment of the round reaches `queueKey`. When the round ends
 * Telnyx requests the waitUrl again. Only verbs a waitUrl document may hold (enqueue page).
 */
export function waitDocument(input: WaitDocumentInput): TexmlDocument {
  const spoken = spokenText(input.announcement, input.speechLanguage);
  const music = play(input.musicUrl, { loop: input.musicLoops });
  if (!input.callbackKey) return response(...spoken, music);
  return response(
    gather({ action: input.urls.queueKey, input: 'dtmf', numDigits: 1, validDigits: '1', timeout: KEY_TIMEOUT_SECONDS }, ...spoken, music),
  );
}

/** The caller pressed 1: confirm, and leave the queue (the `<Enqueue action>` then says goodbye). */
export function callbackConfirmedDocument(text: string, speechLanguage: string): TexmlDocument {
  return response(...spokenText(text, speechLanguage), leave());
}

/** Any other key (or none): back to the wait, at the same place. */
export function backToWaitDocument(urls: QueueUrls): TexmlDocument {
  return response(redirect(urls.queueWait, { method: 'POST' }));
}

/** The end of a wait that goes nowhere else: a last word, then hang up. */
export function queueGoodbyeDocument(text: string, speechLanguage: string): TexmlDocument {
  return response(...spokenText(text, speechLanguage), hangup());
}

export interface CallbackAgentInput {
  /** ./queue.ts callbackIntro: said to the agent first. */
  intro: string;
  customerNumber: string;
  /** The company number the customer called, presented to them; null = none (Telnyx's default). */
  callerId: string | null;
  /** How long the customer's phone rings, in seconds (5–120). */
  timeoutSeconds: number;
  /** Where the dial's outcome goes (answered or not: the callback's next step). */
  actionUrl: string;
}

/**
 * The document of the call we made to the agent, once they answer: tell them who is being called
 * back, then dial the customer from the company number and bridge them.
 */
export function callbackAgentDocument(input: CallbackAgentInput): TexmlDocument {
  return response(
    ...spokenText(input.intro, 'en-US'),
    dial(
      {
        action: input.actionUrl,
        method: 'POST',
        timeout: input.timeoutSeconds,
        ...(input.callerId && { callerId: input.callerId }),
      },
      number(input.customerNumber),
    ),
  );
}

/** A `<Say>` of the text, or nothing for a blank one (an empty `<Say>` is not valid TeXML). */
function spokenText(text: string | null, language: string): SayVerb[] {
  return text?.trim() ? [say(text, { voice: VOICE, language })] : [];
}

/**
 * How many times to loop the hold music so one round of the wait lasts about `announceEverySeconds`
 * (the announcement is repeated once per round): at least 1, at most 10. Without announcements (0) a
 * round is UNANNOUNCED_ROUND_LOOPS long. A cadence over 10 loops is the shell's to honour, by saying
 * nothing in the rounds between announcements.
 */
export function musicLoopsFor(announceEverySeconds: number, clipSeconds: number): number {
  if (!Number.isFinite(announceEverySeconds) || announceEverySeconds <= 0) return UNANNOUNCED_ROUND_LOOPS;
  if (!Number.isFinite(clipSeconds) || clipSeconds <= 0) return 1;
  return Math.min(MAX_ROUND_LOOPS, Math.max(1, Math.round(announceEverySeconds / clipSeconds)));
}
