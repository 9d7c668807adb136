/**
 * The TeXML dialect the simulator understands: each verb and noun Telnyx documents, with the exact
 * attribute names (case-sensitive) and where it may appear. Written from Telnyx's pages, not from
 * our renderer (src/domain/texml.ts), so that a document of ours using a name Telnyx does not know
 * fails a scenario instead of being silently ignored as Telnyx would ignore it.
 *
 * Sources (developers.telnyx.com/docs/voice/programmable-voice/texml-verbs/<verb>): dial, enqueue,
 * gather, hangup, leave, pause, play, record, redirect, reject, say; the nouns sip, number, queue and
 * conference are on the dial and conference pages. Verbs Telnyx has but the simulator does not play
 * (Refer, Stream, Start, Siprec, AIGather, …) are refused too: a scenario cannot vouch for them.
 */

export interface ElementRule {
  /** Attribute names exactly as Telnyx spells them. */
  readonly attributes: readonly string[];
  /** Child elements allowed; absent = none. */
  readonly children?: readonly string[];
  /** Whether the element carries text (a URL, SIP URI, number, words to speak, queue name). */
  readonly text: 'required' | 'optional' | 'none';
  /** Documented numeric ranges: a value outside is a dialect error (Telnyx would reject or clamp it). */
  readonly ranges?: Readonly<Record<string, readonly [number, number]>>;
  /** Attributes with a closed set of values. */
  readonly values?: Readonly<Record<string, readonly string[]>>;
}

const METHODS = ['GET', 'POST'] as const;
const BOOLEAN = ['true', 'false'] as const;
const CALL_PROGRESS_EVENTS = ['initiated', 'ringing', 'answered', 'amd', 'dtmf', 'completed'];
const RING_TONES = [
  'at',
  'au',
  'bg',
  'br',
  'be',
  'ch',
  'cl',
  'cn',
  'cz',
  'de',
  'dk',
  'ee',
  'es',
  'fi',
  'fr',
  'gr',
  'hu',
  'il',
  'in',
  'it',
  'lt',
  'jp',
  'mx',
  'my',
  'nl',
  'no',
  'nz',
  'ph',
  'pl',
  'pt',
  'ru',
  'se',
  'sg',
  'th',
  'tw',
  've',
  'za',
  'us',
  'us-old',
  'uk',
];

/** Attributes a `<Sip>` and a `<Number>` share (dial page, "Nouns"). */
const CALL_TARGET = [
  'statusCallback',
  'statusCallbackEvent',
  'statusCallbackMethod',
  'url',
  'method',
  'machineDetection',
  'detectionMode',
  'machineDetectionTimeout',
];

export const DIALECT: Readonly<Record<string, ElementRule>> = {
  Response: {
    attributes: [],
    text: 'none',
    children: ['Dial', 'Enqueue', 'Gather', 'Hangup', 'Leave', 'Pause', 'Play', 'Record', 'Redirect', 'Reject', 'Say'],
  },
  Dial: {
    attributes: [
      'action',
      'method',
      'callerId',
      'fromDisplayName',
      'hangupOnStar',
      'timeout',
      'timeLimit',
      'record',
      'recordingChannels',
      'recordMaxLength',
      'recordingStatusCallback',
      'recordingStatusCallbackMethod',
      'recordingStatusCallbackEvent',
      'recordingTimeout',
      'sendRecordingUrl',
      'ringTone',
      'audioUrl',
      'answerOnBridge',
      'passDiversionHeader',
      'machineDetectionSpeechThreshold',
      'machineDetectionSpeechEndThreshold',
      'machineDetectionSilenceTimeout',
    ],
    text: 'optional', // Twilio-style `<Dial>+1555…</Dial>` dials a number
    children: ['Sip', 'Number', 'Queue', 'Conference'],
    ranges: { timeout: [5, 120], timeLimit: [60, 14400], recordMaxLength: [0, 14400] },
    values: {
      method: METHODS,
      hangupOnStar: BOOLEAN,
      answerOnBridge: BOOLEAN,
      sendRecordingUrl: BOOLEAN,
      passDiversionHeader: BOOLEAN,
      record: ['do-not-record', 'record-from-answer', 'record-from-ringing', 'record-from-answer-dual', 'record-from-ringing-dual'],
      recordingChannels: ['single', 'dual'],
      recordingStatusCallbackMethod: METHODS,
      ringTone: RING_TONES,
    },
  },
  Sip: {
    attributes: ['username', 'password', ...CALL_TARGET],
    text: 'required',
    ranges: { machineDetectionTimeout: [500, 60000] },
    values: { statusCallbackMethod: METHODS, method: METHODS, machineDetection: ['Enable', 'DetectMessageEnd', 'Disable'] },
  },
  Number: {
    attributes: [...CALL_TARGET, 'sendDigits'],
    text: 'required',
    ranges: { machineDetectionTimeout: [500, 60000] },
    values: { statusCallbackMethod: METHODS, method: METHODS, machineDetection: ['Enable', 'DetectMessageEnd', 'Disable'] },
  },
  Queue: { attributes: ['url', 'method'], text: 'required', values: { method: METHODS } },
  Conference: {
    attributes: [
      'muted',
      'startConferenceOnEnter',
      'endConferenceOnExit',
      'maxParticipants',
      'beep',
      'participantLabel',
      'record',
      'recordBeep',
      'recordingStatusCallback',
      'recordingStatusCallbackEvent',
      'recordingStatusCallbackMethod',
      'recordingTimeout',
      'trim',
      'sendRecordingUrl',
      'statusCallback',
      'statusCallbackMethod',
      'statusCallbackEvent',
      'waitUrl',
      'waitMethod',
    ],
    text: 'required',
    ranges: { maxParticipants: [2, 250] },
    values: {
      muted: BOOLEAN,
      startConferenceOnEnter: BOOLEAN,
      endConferenceOnExit: BOOLEAN,
      beep: ['true', 'false', 'onEnter', 'onExit'],
      record: ['do-not-record', 'record-from-start'],
      recordBeep: BOOLEAN,
      trim: ['trim-silence', 'do-not-trim'],
      statusCallbackMethod: METHODS,
      waitMethod: METHODS,
    },
  },
  Enqueue: {
    attributes: ['action', 'method', 'waitUrl', 'waitUrlMethod', 'maxWaitTimeSecs'],
    text: 'required',
    ranges: { maxWaitTimeSecs: [1, 14400] },
    values: { method: METHODS, waitUrlMethod: METHODS },
  },
  Leave: { attributes: [], text: 'none' },
  Gather: {
    // No `method`: "Same method (GET/POST) as set for the TexML application is used" (gather page).
    attributes: [
      'action',
      'input',
      'timeout',
      'finishOnKey',
      'numDigits',
      'minDigits',
      'maxDigits',
      'validDigits',
      'invalidDigitsAction',
      'language',
      'speechTimeout',
      'hints',
      'transcriptionEngine',
      'profanityFilter',
      'useEnhanced',
      'partialResultCallback',
      'partialResultCallbackMethod',
    ],
    text: 'none',
    children: ['Say', 'Play', 'Pause'],
    ranges: { timeout: [1, 120], minDigits: [1, 128], maxDigits: [1, 128], numDigits: [1, 128] },
    values: { input: ['dtmf', 'speech', 'dtmf speech', 'speech dtmf'] },
  },
  Say: {
    attributes: ['voice', 'language', 'loop'],
    text: 'required',
    ranges: { loop: [0, 10] },
  },
  Play: {
    attributes: ['loop', 'digits', 'mediaStorage', 'ringTone', 'continueOnError', 'failoverUrl'],
    text: 'optional', // `digits` or `ringTone` alone needs no URL
    ranges: { loop: [0, 10] },
    values: { mediaStorage: BOOLEAN, continueOnError: BOOLEAN, ringTone: RING_TONES },
  },
  Pause: { attributes: ['length'], text: 'none', ranges: { length: [1, 180] } },
  Record: {
    attributes: [
      'action',
      'method',
      'finishOnKey',
      'timeout',
      'maxLength',
      'playBeep',
      'trim',
      'channels',
      'recordingStatusCallback',
      'recordingStatusCallbackMethod',
      'recordingStatusCallbackEvent',
      'format',
      'transcription',
      'transcriptionCallback',
      'transcriptionEngine',
      'transcriptionLanguage',
    ],
    text: 'none',
    ranges: { maxLength: [0, 14400], timeout: [0, 3600] },
    values: {
      method: METHODS,
      playBeep: BOOLEAN,
      trim: ['trim-silence', 'do-not-trim'],
      channels: ['single', 'dual'],
      recordingStatusCallbackMethod: METHODS,
      format: ['mp3', 'wav'],
      transcription: BOOLEAN,
      transcriptionEngine: ['A', 'B'],
    },
  },
  Redirect: { attributes: ['method'], text: 'required', values: { method: METHODS } },
  Hangup: { attributes: [], text: 'none' },
  Reject: { attributes: ['reason'], text: 'none', values: { reason: ['rejected', 'busy'] } },
};

/** Values of `statusCallbackEvent` on `<Sip>`/`<Number>` (space-separated). */
export const LEG_STATUS_EVENTS: readonly string[] = CALL_PROGRESS_EVENTS;
/** Verbs allowed in an `<Enqueue waitUrl>` document (enqueue page). */
export const WAIT_URL_VERBS: readonly string[] = ['Play', 'Say', 'Gather', 'Pause', 'Hangup', 'Redirect', 'Leave'];
