/**
 * Builder and renderer for Telnyx TeXML documents (docs/TELNYX.md §TeXML). Pure: no I/O.
 *
 * Telnyx silently ignores unknown or mis-cased attributes, so a typo (the draft's `ringback="us-ring"`)
 * degrades a call without any error. The renderer therefore emits only attribute names from the
 * ATTRIBUTES table below, escapes every value, and clamps documented numeric ranges, so any input
 * (including casts that bypass the types) renders to well-formed XML Telnyx understands.
 *
 * One file on purpose (over 300 lines): the attribute table, the builders and the renderer must agree
 * name for name; most of its length is that table.
 */

export const TEXML_CONTENT_TYPE = 'application/xml; charset=utf-8';

/** Ringback tones `<Dial ringTone>` accepts; anything else would silently fall back to `us`. */
export const RING_TONES = [
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
] as const;
export type RingTone = (typeof RING_TONES)[number];

const CALL_TARGET_ATTRIBUTES = ['statusCallback', 'statusCallbackEvent', 'statusCallbackMethod', 'url', 'method'] as const;
const MACHINE_DETECTION_ATTRIBUTES = ['machineDetection', 'detectionMode', 'machineDetectionTimeout'] as const;

/** The runtime whitelist, per element, in rendering order. The TS attribute types are checked against it below. */
export const ATTRIBUTES = {
  Dial: [
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
    'sendRecordingUrl',
    'ringTone',
    'audioUrl',
    'answerOnBridge',
    'passDiversionHeader',
  ],
  Sip: ['username', 'password', ...CALL_TARGET_ATTRIBUTES, ...MACHINE_DETECTION_ATTRIBUTES],
  Conference: [
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
    'trim',
    'sendRecordingUrl',
    'statusCallback',
    'statusCallbackMethod',
    'statusCallbackEvent',
    'waitUrl',
    'waitMethod',
  ],
  Number: [...CALL_TARGET_ATTRIBUTES, 'sendDigits', ...MACHINE_DETECTION_ATTRIBUTES],
  Say: ['voice', 'language', 'loop'],
  Play: ['loop', 'digits'],
  Record: [
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
  Gather: [
    'action',
    'input',
    'timeout',
    'finishOnKey',
    'numDigits',
    'minDigits',
    'maxDigits',
    'validDigits',
    'language',
    'speechTimeout',
    'hints',
  ],
  Hangup: [],
  Reject: ['reason'],
  Pause: ['length'],
  Redirect: ['method'],
  Enqueue: ['action', 'method', 'waitUrl', 'waitUrlMethod', 'maxWaitTimeSecs'],
  Leave: [],
} as const;

export type ElementName = keyof typeof ATTRIBUTES;
export type VerbName = Exclude<ElementName, 'Sip' | 'Number' | 'Conference'>;
type AttributeName<N extends ElementName> = (typeof ATTRIBUTES)[N][number];

/** Documented ranges; values are rounded and clamped into them rather than emitted out of range. */
const RANGES: { readonly [N in ElementName]?: { readonly [A in AttributeName<N>]?: readonly [min: number, max: number] } } = {
  Dial: { timeout: [5, 120], timeLimit: [60, 14400], recordMaxLength: [0, 14400] },
  Sip: { machineDetectionTimeout: [500, 60000] },
  Conference: { maxParticipants: [2, 250] },
  Number: { machineDetectionTimeout: [500, 60000] },
  Say: { loop: [0, 10] },
  // Telnyx's page gives no bound; the simulator holds Play to Say's 0–10, and we never need more.
  Play: { loop: [0, 10] },
  Record: { maxLength: [0, 14400] },
  Gather: { timeout: [1, 120], minDigits: [1, 128], maxDigits: [1, 128] },
  Pause: { length: [1, 180] },
  Enqueue: { maxWaitTimeSecs: [1, 14400] },
};

/** Which elements may nest where; anything else (only reachable through casts) is dropped when rendering. */
const CHILDREN: { readonly [parent: string]: readonly ElementName[] } = {
  Response: ['Dial', 'Say', 'Play', 'Record', 'Gather', 'Hangup', 'Reject', 'Pause', 'Redirect', 'Enqueue', 'Leave'],
  Dial: ['Sip', 'Number', 'Conference'],
  Gather: ['Say', 'Play'],
};

type HttpMethod = 'GET' | 'POST';
type MachineDetection = {
  machineDetection?: 'Enable' | 'DetectMessageEnd' | 'Disable';
  detectionMode?: 'Regular' | 'Premium';
  /** Milliseconds, 500–60000. */
  machineDetectionTimeout?: number;
};
type CallTarget = {
  statusCallback?: string;
  /** Space-separated subset of `initiated ringing answered amd dtmf completed`. */
  statusCallbackEvent?: string;
  statusCallbackMethod?: HttpMethod;
  /** Whisper/screening document run on the called party before bridging. */
  url?: string;
  method?: HttpMethod;
};

export type DialAttributes = {
  action?: string;
  method?: HttpMethod;
  callerId?: string;
  fromDisplayName?: string;
  hangupOnStar?: boolean;
  /** Seconds, 5–120. */
  timeout?: number;
  /** Seconds, 60–14400. */
  timeLimit?: number;
  record?: 'do-not-record' | 'record-from-answer' | 'record-from-ringing' | 'record-from-answer-dual' | 'record-from-ringing-dual';
  recordingChannels?: 'single' | 'dual';
  recordMaxLength?: number;
  recordingStatusCallback?: string;
  recordingStatusCallbackMethod?: HttpMethod;
  /** Space-separated subset of `in-progress completed absent`. */
  recordingStatusCallbackEvent?: string;
  sendRecordingUrl?: boolean;
  ringTone?: RingTone;
  audioUrl?: string;
  /** Documented, but Telnyx tooling claims the runtime ignores it (research §1.1): verify on a live call. */
  answerOnBridge?: boolean;
  passDiversionHeader?: boolean;
};
export type SipAttributes = { username?: string; password?: string } & CallTarget & MachineDetection;
export type NumberAttributes = CallTarget & { sendDigits?: string } & MachineDetection;
/** `<Conference>` inside `<Dial>` (conference page): the room a call joins, named by the element's text. */
export type ConferenceAttributes = {
  muted?: boolean;
  /** Default true: the room starts (music stops) when this participant enters. */
  startConferenceOnEnter?: boolean;
  /** Default false: the room ends for everyone when this participant leaves. */
  endConferenceOnExit?: boolean;
  maxParticipants?: number;
  beep?: 'true' | 'false' | 'onEnter' | 'onExit';
  participantLabel?: string;
  record?: 'do-not-record' | 'record-from-start';
  recordBeep?: boolean;
  recordingStatusCallback?: string;
  /** Space-separated subset of `in-progress completed absent`. */
  recordingStatusCallbackEvent?: string;
  recordingStatusCallbackMethod?: HttpMethod;
  trim?: 'trim-silence' | 'do-not-trim';
  sendRecordingUrl?: boolean;
  statusCallback?: string;
  statusCallbackMethod?: HttpMethod;
  /** Space-separated subset of `start end join leave speaker`. */
  statusCallbackEvent?: string;
  /** Music (MP3/WAV) or a TeXML document played while the room has not started. */
  waitUrl?: string;
  waitMethod?: HttpMethod;
};
export type SayAttributes = { voice?: string; language?: string /** 0–10, 0 = forever. */; loop?: number };
/** `loop`: 0–10; 0 = forever (never used for hold music: the waitUrl must end for the next announcement). */
export type PlayAttributes = { loop?: number; digits?: string };
export type RecordAttributes = {
  action?: string;
  method?: HttpMethod;
  finishOnKey?: string;
  /** Silence timeout in seconds; Telnyx's default 0 means none. */
  timeout?: number;
  maxLength?: number;
  playBeep?: boolean;
  trim?: 'trim-silence' | 'do-not-trim';
  channels?: 'single' | 'dual';
  recordingStatusCallback?: string;
  recordingStatusCallbackMethod?: HttpMethod;
  recordingStatusCallbackEvent?: string;
  format?: 'mp3' | 'wav';
  transcription?: boolean;
  transcriptionCallback?: string;
  transcriptionEngine?: 'A' | 'B';
  transcriptionLanguage?: string;
};
export type GatherAttributes = {
  /** Requested with the TeXML application's voice method: Gather has no `method` of its own (gather page). */
  action?: string;
  input?: 'dtmf' | 'speech' | 'dtmf speech';
  timeout?: number;
  finishOnKey?: string;
  numDigits?: number;
  minDigits?: number;
  maxDigits?: number;
  validDigits?: string;
  language?: string;
  speechTimeout?: number;
  hints?: string;
};
export type RejectAttributes = { reason?: 'rejected' | 'busy' };
export type PauseAttributes = { length?: number };
export type RedirectAttributes = { method?: HttpMethod };
export type HangupAttributes = Record<never, never>;
export type EnqueueAttributes = {
  /** Requested when the caller leaves the queue: at once after `<Leave>`, after the bridge after a `<Dial><Queue>`. */
  action?: string;
  method?: HttpMethod;
  /** The document played while waiting, re-requested each time it ends (only Play, Say, Gather, Pause, Hangup, Redirect, Leave). */
  waitUrl?: string;
  waitUrlMethod?: HttpMethod;
  /** Seconds, 1–14400; Telnyx's default (absent) is 14400 (4 h). */
  maxWaitTimeSecs?: number;
};
export type LeaveAttributes = Record<never, never>;

export type AttributeMap = {
  Dial: DialAttributes;
  Sip: SipAttributes;
  Number: NumberAttributes;
  Conference: ConferenceAttributes;
  Say: SayAttributes;
  Play: PlayAttributes;
  Record: RecordAttributes;
  Gather: GatherAttributes;
  Hangup: HangupAttributes;
  Reject: RejectAttributes;
  Pause: PauseAttributes;
  Redirect: RedirectAttributes;
  Enqueue: EnqueueAttributes;
  Leave: LeaveAttributes;
};

// Compile-time guard: each attribute type has exactly the names of its runtime whitelist entry.
type SameNames<N extends ElementName> = [keyof AttributeMap[N]] extends [AttributeName<N>]
  ? [AttributeName<N>] extends [keyof AttributeMap[N]]
    ? true
    : false
  : false;
type AssertAll<T extends { [N in ElementName]: true }> = T;
export type AttributeTypesMatchWhitelist = AssertAll<{ [N in ElementName]: SameNames<N> }>;

type ChildMap = { Dial: DialTarget | ConferenceRoom; Gather: SayVerb | PlayVerb };
export interface TexmlElement<N extends ElementName> {
  readonly verb: N;
  readonly attrs: Readonly<AttributeMap[N]>;
  /** Text content: the URL, SIP URI, number or words to speak. */
  readonly text?: string;
  readonly children: readonly (N extends keyof ChildMap ? ChildMap[N] : never)[];
}
export type TexmlNode = { [N in ElementName]: TexmlElement<N> }[ElementName];
export type TexmlVerb = { [N in VerbName]: TexmlElement<N> }[VerbName];
export type DialTarget = TexmlElement<'Sip'> | TexmlElement<'Number'>;
export type ConferenceRoom = TexmlElement<'Conference'>;
export type SayVerb = TexmlElement<'Say'>;
export type PlayVerb = TexmlElement<'Play'>;
export type TexmlDocument = { readonly verbs: readonly TexmlVerb[] };

/**
 * Attributes are copied so later mutation by the caller cannot change a built document, except a
 * frozen attribute object, which cannot change: it is kept as it is, and rendered once (see
 * renderAttributes). Shared by every `<Sip>` of a company's ring groups, for instance.
 */
function element<N extends ElementName>(
  verb: N,
  attrs: AttributeMap[N] | undefined,
  text?: string,
  children: TexmlElement<N>['children'] = NO_CHILDREN,
): TexmlElement<N> {
  const kept = (attrs !== undefined && Object.isFrozen(attrs) ? attrs : { ...attrs }) as AttributeMap[N];
  // Most elements (each `<Sip>` of a ring group) have none: they share one frozen empty list.
  const own = children.length === 0 ? NO_CHILDREN : [...children];
  return text === undefined ? { verb, attrs: kept, children: own } : { verb, attrs: kept, children: own, text: toText(text) };
}

const NO_CHILDREN: readonly never[] = Object.freeze([]);

export function response(...verbs: TexmlVerb[]): TexmlDocument {
  return { verbs };
}

/**
 * A `<Dial>` with no `<Sip>`/`<Number>` is a routing bug (e.g. an empty ring group): throwing here lets the
 * caller choose a fallback (voicemail) instead of sending Telnyx a Dial that can only fail.
 */
export function dial(attrs: DialAttributes, ...targets: DialTarget[]): TexmlVerb {
  if (targets.length === 0) throw new TypeError('dial() needs at least one sip() or number() target');
  if (!targets.every((t) => isElement(t, ['Sip', 'Number']))) throw new TypeError('dial() targets must be sip() or number()');
  return element('Dial', attrs, undefined, targets);
}
/** `<Dial><Conference>`: joins the room named `name` (created when none is live). */
export function dialConference(attrs: DialAttributes, name: string, room?: ConferenceAttributes): TexmlVerb {
  if (typeof name !== 'string' || name.trim() === '') throw new TypeError('dialConference() needs a room name');
  return element('Dial', attrs, undefined, [element('Conference', room, name)]);
}
export function sip(uri: string, attrs?: SipAttributes): DialTarget {
  return element('Sip', attrs, uri);
}
export function number(e164: string, attrs?: NumberAttributes): DialTarget {
  return element('Number', attrs, e164);
}
/** Returns the narrower SayVerb (still a TexmlVerb) so it can be passed to gather() without a cast. */
export function say(text: string, attrs?: SayAttributes): SayVerb {
  return element('Say', attrs, text);
}
export function play(url: string, attrs?: PlayAttributes): PlayVerb {
  return element('Play', attrs, url);
}
export function record(attrs: RecordAttributes): TexmlVerb {
  return element('Record', attrs);
}
export function gather(attrs: GatherAttributes, ...prompts: (SayVerb | PlayVerb)[]): TexmlVerb {
  return element('Gather', attrs, undefined, prompts);
}
export function hangup(): TexmlVerb {
  return element('Hangup', {});
}
export function reject(attrs?: RejectAttributes): TexmlVerb {
  return element('Reject', attrs);
}
export function pause(attrs?: PauseAttributes): TexmlVerb {
  return element('Pause', attrs);
}
export function redirect(url: string, attrs?: RedirectAttributes): TexmlVerb {
  return element('Redirect', attrs, url);
}
/**
 * `<Enqueue>`: the caller waits in the Telnyx queue named by the body (created on demand). An empty
 * name is a bug in the caller (Telnyx needs one), so it throws like a `<Dial>` with no target.
 */
export function enqueue(queueName: string, attrs?: EnqueueAttributes): TexmlVerb {
  if (typeof queueName !== 'string' || queueName.trim() === '') throw new TypeError('enqueue() needs a queue name');
  return element('Enqueue', attrs, queueName);
}
/** `<Leave/>`: ends the caller's wait; the call goes on with the `<Enqueue action>`'s answer. */
export function leave(): TexmlVerb {
  return element('Leave', {});
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/**
 * The document as text. Its pieces are collected and joined once: a ring group's `<Dial>` is some 60
 * pieces, and concatenating them one by one built (then flattened) a string per step.
 */
export function renderTexml(doc: TexmlDocument): string {
  const parts = [XML_DECLARATION, '<Response>'];
  renderChildren(parts, 'Response', doc?.verbs);
  parts.push('</Response>');
  return parts.join('');
}

function renderChildren(parts: string[], parent: string, nodes: unknown): void {
  const allowed = CHILDREN[parent];
  if (!allowed || !Array.isArray(nodes)) return;
  for (const node of nodes) if (isElement(node, allowed)) renderElement(parts, node);
}

function renderElement(parts: string[], node: TexmlNode): void {
  const name = node.verb;
  parts.push(TAGS[name].open, renderAttributes(name, node.attrs));
  const end = parts.length;
  parts.push('>');
  const text = escapeXml(toText(node.text), false);
  if (text !== '') parts.push(text);
  renderChildren(parts, name, node.children);
  // Nothing inside: `<Hangup/>`.
  if (parts.length === end + 1) parts[end] = '/>';
  else parts.push(TAGS[name].close);
}

/** Each element's opening and closing tag text, made once. */
const TAGS = Object.fromEntries(Object.keys(ATTRIBUTES).map((name) => [name, { open: `<${name}`, close: `</${name}>` }])) as Readonly<
  Record<ElementName, { open: string; close: string }>
>;

/** Frozen attribute objects as rendered, per element name (frozen: they cannot change). */
const renderedAttributes = new WeakMap<object, { name: ElementName; text: string }>();

function renderAttributes(name: ElementName, attrs: unknown): string {
  if (typeof attrs !== 'object' || attrs === null) return '';
  if (!Object.isFrozen(attrs)) return attributesText(name, attrs);
  const rendered = renderedAttributes.get(attrs);
  if (rendered?.name === name) return rendered.text;
  const text = attributesText(name, attrs);
  renderedAttributes.set(attrs, { name, text });
  return text;
}

function attributesText(name: ElementName, attrs: object): string {
  const values = attrs as Record<string, unknown>;
  const ranges = RANGES[name] as Readonly<Record<string, readonly [number, number]>> | undefined;
  let out = '';
  for (const key of ATTRIBUTES[name] as readonly string[]) {
    const value = formatAttribute(key, values[key], ranges?.[key]);
    if (value !== undefined) out += ` ${key}="${escapeXml(value, true)}"`;
  }
  return out;
}

/** The string to emit for one attribute, or undefined to omit it. */
function formatAttribute(key: string, value: unknown, range: readonly [number, number] | undefined): string | undefined {
  if (range) {
    // Numeric strings (e.g. from config) are clamped too, so an out-of-range value can never be emitted.
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isFinite(n)) return undefined;
    return formatNumber(Math.min(range[1], Math.max(range[0], Math.round(n))));
  }
  switch (typeof value) {
    case 'boolean':
      return String(value);
    case 'number':
      return formatNumber(value);
    case 'string':
      // An unknown tone is as silently ignored as an unknown attribute, so it is dropped the same way.
      return key === 'ringTone' && !(RING_TONES as readonly string[]).includes(value) ? undefined : value;
    default:
      return undefined;
  }
}

/** Plain decimal notation; String() would give `1e+21` or `1e-7`. */
function formatNumber(n: number): string | undefined {
  if (!Number.isFinite(n)) return undefined;
  if (Number.isInteger(n)) return BigInt(n).toString();
  const plain = String(n);
  if (!plain.includes('e')) return plain;
  // Only |n| < 1e-6 gets here (non-integers are below 2^53); 20 decimals is as far as doubles mean anything.
  const fixed = n.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
  return fixed === '-0' ? '0' : fixed;
}

function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean' ? String(value) : '';
}

function isElement(node: unknown, allowed: readonly ElementName[]): node is TexmlNode {
  return typeof node === 'object' && node !== null && allowed.includes((node as { verb?: unknown }).verb as ElementName);
}

// XML 1.0 Char production: everything else (NUL, most C0 controls, lone surrogates, U+FFFE/U+FFFF) is removed.
const ILLEGAL_XML_CHARS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};
// Parsers normalize raw whitespace in attributes to spaces and raw CR in text to LF; char refs survive both.
const ATTRIBUTE_SPECIALS = /[&<>"'\t\n\r]/g;
const TEXT_SPECIALS = /[&<>"'\r]/g;

// Characters neither escaped nor dropped in text or attributes: a string of only these is its own escape.
const PLAIN_XML = /^[\u0020\u0021\u0023-\u0025\u0028-\u003B\u003D\u003F-\uD7FF\uE000-\uFFFD]*$/;

function escapeXml(value: string, inAttribute: boolean): string {
  if (PLAIN_XML.test(value)) return value; // most values (URLs, SIP URIs, numbers): nothing to replace
  return value.replace(ILLEGAL_XML_CHARS, '').replace(inAttribute ? ATTRIBUTE_SPECIALS : TEXT_SPECIALS, (c) => ESCAPES[c]!);
}
