/**
 * Turns routing plans into TeXML documents. Pure: the base URL and the policy are arguments.
 *
 * A `<Dial action>` hands control to the action URL when the dial ends, so nothing is ever placed
 * after such a Dial: what follows a missed dial is decided by `dialCompleteDocument`.
 */
import type { RoutePlan, RoutingPolicy } from './routing.js';
import type { LanguageMenuOption } from './skills.js';
import { transcriptionLanguageOf } from './recordings.js';
import { telnyxPath, WEBHOOK_TOKEN_PARAM, type TelnyxRoute } from './telnyx-routes.js';
import {
  dial,
  dialConference,
  gather,
  hangup,
  number,
  pause,
  record,
  redirect,
  response,
  say,
  sip,
  type SipAttributes,
  type TexmlDocument,
  type RingTone,
  RING_TONES,
} from './texml.js';

export const TELNYX_SIP_DOMAIN = 'sip.telnyx.com';

export interface CallbackUrls {
  /** The voice route itself: a held call (WAIT) is redirected back here to be decided again. */
  voice: string;
  /** Where the language menu's `<Gather>` posts the caller's key (or nothing, on timeout). */
  language: string;
  dialComplete: string;
  /** dial-complete for the forward to the fallback number: a miss there goes to voicemail, not round again. */
  forwardComplete: string;
  voicemail: string;
  /** Telnyx's transcription of a voicemail (<Record transcriptionCallback>). */
  voicemailTranscription: string;
  /** Per-agent call progress (<Sip statusCallback>): who answered, when the call ended. */
  status: string;
  /** The queue (docs/QUEUES.md): the Enqueue's waitUrl, its Gather's action, the Enqueue's action, the offer. */
  queueWait: string;
  queueKey: string;
  queueExit: string;
  queueOffer: string;
  /** The URLs of a callback of the call `callSid` (its step): the agent call's document, status and dial action. */
  callbackOf(callSid: string): { answer: string; status: string; complete: string };
  /**
   * The URLs of the room of the call `callSid` (docs/IN-CALL.md): its conference's status callback, a
   * dialed party's status callback (`label` in the step), the caller's Dial action once it leaves the
   * room, and the document a cold transfer sends the caller to (`target` as transferStep makes it).
   */
  /** An outbound call's document once the agent answers, and the status callback of the call to the agent. */
  outbound: string;
  outboundStatus: string;
  roomOf(callSid: string): {
    events: string;
    party: (label: string) => string;
    exit: string;
    transfer: (target: string) => string;
    recording: string;
  };
}

/**
 * A callback URL's MAC (src/telnyx/callback-mac.ts) over its route, company and step; set only when
 * webhooks must be signed, because Telnyx's signature does not cover the URL.
 */
export type CallbackMac = (route: TelnyxRoute, companyId: string, step: string | null) => string;

/**
 * How our callback URLs prove they are ours: `mac` (signed mode: over route, company and step, which
 * the signature does not cover) and `token` (TELNYX_WEBHOOK_TOKEN: the secret every /telnyx request
 * must carry, src/telnyx/webhook-auth.ts). Independent: either, both or neither.
 */
export interface CallbackUrlAuth {
  mac?: CallbackMac | null;
  token?: string | null;
}

export function callbackUrls(publicUrl: string, companyId: string, auth: CallbackMac | CallbackUrlAuth = {}): CallbackUrls {
  const base = publicUrl.replace(/\/+$/, '');
  const { mac, token } = typeof auth === 'function' ? { mac: auth, token: null } : auth;
  // A URL without a step is the same for every call of the company: built once (a ring group's ten
  // `<Sip>` nouns each name the status URL), the MAC included.
  const fixed = new Map<TelnyxRoute, string>();
  const url = (route: TelnyxRoute, step: string | null = null) => {
    if (step === null) {
      let known = fixed.get(route);
      if (known === undefined) fixed.set(route, (known = build(route, null)));
      return known;
    }
    return build(route, step);
  };
  const build = (route: TelnyxRoute, step: string | null) => {
    const query = new URLSearchParams();
    if (step !== null) query.set('step', step);
    if (mac) query.set('mac', mac(route, companyId, step));
    if (token) query.set(WEBHOOK_TOKEN_PARAM, token);
    const search = query.toString();
    return `${base}${telnyxPath(route, companyId)}${search ? `?${search}` : ''}`;
  };
  // Each URL is built when a document asks for it (in signed mode each costs a MAC): a decision uses two or three.
  return {
    get voice() {
      return url('voice');
    },
    get language() {
      return url('language');
    },
    get dialComplete() {
      return url('dial-complete');
    },
    get forwardComplete() {
      return url('dial-complete', FORWARD_STEP);
    },
    get voicemail() {
      return url('voicemail');
    },
    get voicemailTranscription() {
      return url('voicemail-transcription');
    },
    get status() {
      return url('status');
    },
    get queueWait() {
      return url('queue-wait');
    },
    get queueKey() {
      return url('queue-key');
    },
    get queueExit() {
      return url('queue-exit');
    },
    get queueOffer() {
      return url('queue-offer');
    },
    callbackOf: (callSid) => ({
      answer: url('callback', callSid),
      status: url('callback-status', callSid),
      complete: url('callback-complete', callSid),
    }),
    get outbound() {
      return url('outbound');
    },
    get outboundStatus() {
      return url('outbound-status');
    },
    roomOf: (callSid) => ({
      events: url('room-events', callSid),
      party: (label) => url('room-party', `${callSid}${STEP_SEPARATOR}${label}`),
      exit: url('dial-complete', `${ROOM_STEP}${STEP_SEPARATOR}${callSid}`),
      transfer: (target) => url('transfer', `${callSid}${STEP_SEPARATOR}${target}`),
      recording: url('room-recording', callSid),
    }),
  };
}

/** `To` may arrive as +1..., 1..., or a SIP URI's user part; numbers are stored as E.164. */
export function calledNumber(value: string | null): string {
  if (!value) return '';
  const user = value.replace(/^sips?:/i, '').split('@')[0] ?? '';
  const digits = user.replace(/[^\d+]/g, '');
  return digits.startsWith('+') ? digits : `+${digits}`;
}

export const FORWARD_STEP = 'forward';
/** dial-complete's step for the caller's `<Dial><Conference>` (the room) ending. */
export const ROOM_STEP = 'room';
/** Joins the parts of a step (a CallSid never holds a space). */
export const STEP_SEPARATOR = ' ';

/** A step's two parts (`<first> <rest>`), or null when it has no separator. */
export function splitStep(step: string | null): [string, string] | null {
  if (!step) return null;
  const at = step.indexOf(STEP_SEPARATOR);
  return at > 0 ? [step.slice(0, at), step.slice(at + 1)] : null;
}

/**
 * The document that puts one party of a call into the call's room: `<Dial><Conference>` with the
 * room's status callback, the party's label, and (for the caller) the room ending when they leave
 * and the Dial's action afterwards. Everyone starts the room on entering, so nobody hears wait music.
 */
export function roomDocument(
  roomName: string,
  urls: { events: string; exit?: string },
  party: { label: string; endsRoom: boolean },
): TexmlDocument {
  return response(
    dialConference(urls.exit ? { action: urls.exit, method: 'POST' } : {}, roomName, {
      participantLabel: party.label,
      startConferenceOnEnter: true,
      endConferenceOnExit: party.endsRoom,
      beep: 'false',
      statusCallback: urls.events,
      statusCallbackMethod: 'POST',
      statusCallbackEvent: 'start end join leave',
    }),
  );
}

/**
 * The caller ID a forward to the fallback number presents: the company's own number that was
 * called (the call's `To`), never the caller's. Telnyx validates the caller ID of every outbound
 * call and rejects a number that is neither the account's nor a verified one ("403 Caller
 * Origination Number is Invalid", developers.telnyx.com/docs/voice/sip-trunking/configuration/
 * caller-id-policy, /docs/voice/verified-numbers); the caller's number passes only as a matched
 * external transfer with a Diversion header (/docs/voice/sip-trunking/features/external-transfers),
 * which TeXML does not promise. Telnyx's transfer command defaults `from` to "the `to` number of
 * the original call" (/api-reference/call-commands/transfer-call) and its external-transfer page
 * dials `<Dial callerId>` with the Telnyx number. Null when `To` is not an E.164 number (a SIP URI
 * call, a preview without `to`): the Dial then carries no callerId and Telnyx's default applies.
 */
export function forwardCallerId(to: string | null | undefined): string | null {
  const number = calledNumber(to ?? null);
  return /^\+[1-9]\d{6,14}$/.test(number) ? number : null;
}

export const sipUri = (sipUsername: string) => `sip:${sipUsername}@${TELNYX_SIP_DOMAIN}`;

/**
 * The answer to an inbound call: ring the plan's agents, or go straight to the fallback. `to`: the
 * number called (the forward's caller ID, see forwardCallerId).
 */
export function voiceDocument(
  plan: RoutePlan,
  policy: RoutingPolicy,
  urls: CallbackUrls,
  to?: string | null,
  callerLanguage?: string | null,
): TexmlDocument {
  if (plan.kind === 'FALLBACK') {
    if (plan.reason === 'AFTER_HOURS') {
      return fallbackDocument(
        { ...policy, fallbackKind: policy.afterHoursKind, voicemailGreeting: policy.afterHoursGreeting },
        urls,
        to,
        callerLanguage,
      );
    }
    return fallbackDocument(policy, urls, to, callerLanguage);
  }
  if (plan.kind === 'WAIT') return holdDocument(plan.seconds, policy, urls);
  const legAttributes = legAttributesOf(urls);
  return response(
    dial(
      {
        action: urls.dialComplete,
        method: 'POST',
        timeout: plan.timeoutSeconds,
        ringTone: ringToneOf(policy.ringTone),
        answerOnBridge: true,
      },
      ...plan.targets.map((t) => sip(sipUri(t.sipUsername), legAttributes)),
    ),
  );
}

/** Each leg's status callbacks: one frozen object per set of URLs, so it is rendered once (src/domain/texml.ts). */
const legAttributes = new WeakMap<CallbackUrls, SipAttributes>();

function legAttributesOf(urls: CallbackUrls): SipAttributes {
  let attrs = legAttributes.get(urls);
  if (attrs === undefined) {
    attrs = Object.freeze({
      statusCallback: urls.status, // one URL for every leg
      statusCallbackEvent: 'initiated ringing answered completed',
      statusCallbackMethod: 'POST',
    });
    legAttributes.set(urls, attrs);
  }
  return attrs;
}

/** Longest single `<Pause>` while holding; the call is decided again after each (Telnyx allows 1-180). */
export const HOLD_STEP_SECONDS = 20;
export const HOLD_PROMPT = 'Please stay on the line; we are finding someone to help you.';

/** Hold the caller (nobody with the right skill yet), then ask the voice route again. */
export function holdDocument(seconds: number, policy: RoutingPolicy, urls: CallbackUrls): TexmlDocument {
  return response(
    say(HOLD_PROMPT, { voice: 'alice', language: policy.greetingLanguage }),
    pause({ length: Math.min(HOLD_STEP_SECONDS, Math.max(1, Math.ceil(seconds))) }),
    redirect(urls.voice, { method: 'POST' }),
  );
}

/** Seconds the language menu waits for a key. */
export const MENU_TIMEOUT_SECONDS = 6;

/**
 * The language menu: every option's prompt in its own language ("For English, press 1", "Para
 * español, oprima 2"). No key within the timeout → the redirect posts without Digits and the call is
 * routed without a language requirement.
 */
export function languageMenuDocument(options: readonly LanguageMenuOption[], urls: CallbackUrls): TexmlDocument {
  return response(
    gather(
      {
        action: urls.language,
        input: 'dtmf',
        numDigits: 1,
        timeout: MENU_TIMEOUT_SECONDS,
        validDigits: options.map((o) => o.digit).join(''),
      },
      ...options.map((o) => say(o.prompt, { voice: 'alice', language: o.language })),
    ),
    redirect(urls.language, { method: 'POST' }),
  );
}

/**
 * How a call or a dial ended: Telnyx's `DialCallStatus` for a `<Dial action>`, and the final
 * `CallStatus` of a status callback (docs/TELNYX.md §Webhooks).
 */
export const CALL_END_STATUSES = ['completed', 'busy', 'no-answer', 'canceled', 'failed'] as const;
export type DialCallStatus = (typeof CALL_END_STATUSES)[number];

/**
 * After the dial: answered → hang up (the conversation happened); anything else → the fallback, or,
 * when the dial that missed was already the forward to the fallback number, voicemail.
 */
export function dialCompleteDocument(
  status: string | undefined,
  policy: RoutingPolicy,
  urls: CallbackUrls,
  step?: string | null,
  to?: string | null,
  callerLanguage?: string | null,
): TexmlDocument {
  if (status === 'completed') return response(hangup());
  if (step === FORWARD_STEP) return voicemailDocument(policy, urls, callerLanguage);
  return fallbackDocument(policy, urls, to, callerLanguage);
}

/**
 * Nobody could take the call: voicemail, an external number, or a message and a hangup. `to`: the
 * number called, presented as the forward's caller ID (forwardCallerId).
 */
export function fallbackDocument(
  policy: RoutingPolicy,
  urls: CallbackUrls,
  to?: string | null,
  callerLanguage?: string | null,
): TexmlDocument {
  if (policy.fallbackKind === 'NUMBER' && policy.fallbackNumber) {
    const callerId = forwardCallerId(to);
    return response(
      dial(
        {
          action: urls.forwardComplete,
          method: 'POST',
          timeout: policy.ringTimeoutSeconds,
          ringTone: ringToneOf(policy.ringTone),
          ...(callerId && { callerId }),
        },
        number(policy.fallbackNumber),
      ),
    );
  }
  if (policy.fallbackKind === 'HANGUP') return response(greetingOf(policy), hangup());
  // VOICEMAIL, and NUMBER without a number (a misconfiguration must not lose the caller).
  return voicemailDocument(policy, urls, callerLanguage);
}

/** `callerLanguage`: the caller's menu choice (a skill such as `es`); the message is transcribed in its language. */
export function voicemailDocument(policy: RoutingPolicy, urls: CallbackUrls, callerLanguage?: string | null): TexmlDocument {
  return response(
    greetingOf(policy),
    record({
      action: urls.voicemail,
      method: 'POST',
      maxLength: policy.voicemailMaxSeconds,
      playBeep: true,
      finishOnKey: '#',
      // Telnyx records dual (stereo: first leg on one channel, the rest on the other) unless told
      // otherwise (texml-verbs/record, `channels`); a voicemail has one speaker, so mono.
      channels: 'single',
      // The status callback delivers the recording even if the caller hangs up before `action` runs.
      recordingStatusCallback: urls.voicemail,
      recordingStatusCallbackMethod: 'POST',
      // Telnyx transcribes the message itself and posts the text (texml-verbs/record; docs/RECORDINGS.md).
      transcription: true,
      transcriptionCallback: urls.voicemailTranscription,
      transcriptionLanguage: transcriptionLanguageOf(policy, callerLanguage),
    }),
  );
}

/** After a voicemail is recorded there is nothing more to do. */
export function voicemailStoredDocument(): TexmlDocument {
  return response(hangup());
}

export const DEFAULT_APOLOGY = 'We are sorry, we cannot take your call right now. Please try again later.';

/** The answer when nothing is known (unknown number or company, no configuration reachable). */
export function apologyDocument(text = DEFAULT_APOLOGY, language = 'en-US'): TexmlDocument {
  return response(say(text, { voice: 'alice', language }), hangup());
}

function greetingOf(policy: RoutingPolicy) {
  return say(policy.voicemailGreeting, { voice: 'alice', language: policy.greetingLanguage });
}

function ringToneOf(value: string): RingTone {
  return (RING_TONES as readonly string[]).includes(value) ? (value as RingTone) : 'us';
}
