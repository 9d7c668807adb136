import { describe, it, expect } from 'vitest';
import { AGENT_DEFAULTS, POLICY_DEFAULTS } from '../support/fixtures.js';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  DEFAULT_APOLOGY,
  HOLD_STEP_SECONDS,
  MENU_TIMEOUT_SECONDS,
  TELNYX_SIP_DOMAIN,
  calledNumber,
  holdDocument,
  languageMenuDocument,
  apologyDocument,
  callbackUrls,
  dialCompleteDocument,
  fallbackDocument,
  forwardCallerId,
  sipUri,
  voiceDocument,
  voicemailStoredDocument,
  type CallbackUrls,
} from '../../src/domain/call-flow.js';
import { decideRoute, type AgentSnapshot, type FallbackKind, type RoutePlan, type RoutingPolicy } from '../../src/domain/routing.js';
import { renderTexml, type TexmlDocument } from '../../src/domain/texml.js';

// ---------------------------------------------------------------------------------------------
// Parsing helpers
// ---------------------------------------------------------------------------------------------

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
const PUBLIC_URL = 'https://voice.example.com';
const COMPANY = 'co_123';

// preserveOrder keeps sibling order (Say before Record, nothing after Dial); values stay strings.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  preserveOrder: true,
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  // Decode numeric character references (&#13; for CR) so text compares verbatim.
  htmlEntities: true,
});

interface Node {
  name: string;
  attrs: Record<string, string>;
  text: string;
  children: Node[];
}

function toTree(nodes: Record<string, unknown>[]): Node[] {
  const out: Node[] = [];
  for (const node of nodes) {
    const name = Object.keys(node).find((k) => k !== ':@')!;
    if (name === '#text') continue;
    const content = (node[name] ?? []) as Record<string, unknown>[];
    const text = content.map((c) => (typeof c['#text'] === 'string' ? c['#text'] : '')).join('');
    out.push({ name, attrs: (node[':@'] ?? {}) as Record<string, string>, text, children: toTree(content) });
  }
  return out;
}

/** Renders, checks the declaration and well-formedness, and returns the XML and the <Response> element. */
function parse(doc: TexmlDocument): { xml: string; root: Node } {
  const xml = renderTexml(doc);
  expect(xml.startsWith(`${DECLARATION}<Response>`)).toBe(true);
  expect(XMLValidator.validate(xml)).toBe(true);
  const top = toTree(parser.parse(xml) as Record<string, unknown>[]).filter((n) => n.name !== '?xml');
  expect(top.map((n) => n.name)).toEqual(['Response']);
  return { xml, root: top[0]! };
}

const names = (nodes: Node[]) => nodes.map((n) => n.name);

function walk(node: Node, visit: (n: Node) => void): void {
  visit(node);
  for (const c of node.children) walk(c, visit);
}

/** A `<Dial action>` hands control to the action URL: anything after it at the same level is dead. */
function expectNothingAfterDialAction(root: Node): void {
  root.children.forEach((verb, i) => {
    if (verb.name === 'Dial' && verb.attrs.action !== undefined) {
      expect(i, `verbs after <Dial action>: ${names(root.children.slice(i + 1)).join(', ')}`).toBe(root.children.length - 1);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

function policy(overrides: Partial<RoutingPolicy> = {}): RoutingPolicy {
  return {
    ...POLICY_DEFAULTS,
    mode: 'AUTO',
    ringTimeoutSeconds: 22,
    ringTone: 'uk',
    fallbackKind: 'VOICEMAIL',
    fallbackNumber: null,
    voicemailGreeting: 'Sorry we missed you. Leave a message after the tone.',
    voicemailMaxSeconds: 90,
    greetingLanguage: 'es-MX',
    allowUnregisteredSoftphones: false,
    ...overrides,
  };
}

const URLS: CallbackUrls = callbackUrls(PUBLIC_URL, COMPANY);

function ringPlan(usernames: string[], timeoutSeconds = 22): RoutePlan {
  return {
    kind: 'RING',
    targets: usernames.map((u, i) => ({ agentId: `agent-${i}`, sipUsername: u })),
    timeoutSeconds,
    tier: 1,
    reserve: false,
    widened: false,
    skipped: [],
  };
}

const DIAL_STATUSES_NOT_ANSWERED: (string | undefined)[] = [
  'busy',
  'no-answer',
  'canceled',
  'failed',
  undefined,
  '',
  'COMPLETED',
  'completed ',
  'in-progress',
  'garbage<&>',
];
const FALLBACK_KINDS: FallbackKind[] = ['VOICEMAIL', 'NUMBER', 'HANGUP'];

// ---------------------------------------------------------------------------------------------
// callbackUrls
// ---------------------------------------------------------------------------------------------

describe('callbackUrls', () => {
  it('builds every route URL under the public URL', () => {
    const { callbackOf, roomOf, ...urls } = callbackUrls(PUBLIC_URL, COMPANY);
    expect(urls).toEqual({
      voice: 'https://voice.example.com/telnyx/voice/co_123',
      language: 'https://voice.example.com/telnyx/language/co_123',
      dialComplete: 'https://voice.example.com/telnyx/dial-complete/co_123',
      forwardComplete: 'https://voice.example.com/telnyx/dial-complete/co_123?step=forward',
      voicemail: 'https://voice.example.com/telnyx/voicemail/co_123',
      voicemailTranscription: 'https://voice.example.com/telnyx/voicemail-transcription/co_123',
      status: 'https://voice.example.com/telnyx/status/co_123',
      queueWait: 'https://voice.example.com/telnyx/queue-wait/co_123',
      queueKey: 'https://voice.example.com/telnyx/queue-key/co_123',
      queueExit: 'https://voice.example.com/telnyx/queue-exit/co_123',
      queueOffer: 'https://voice.example.com/telnyx/queue-offer/co_123',
      outbound: 'https://voice.example.com/telnyx/outbound/co_123',
      outboundStatus: 'https://voice.example.com/telnyx/outbound-status/co_123',
    });
    // A callback's routes name the caller's original call in their step.
    expect(callbackOf('v3:abc')).toEqual({
      answer: 'https://voice.example.com/telnyx/callback/co_123?step=v3%3Aabc',
      status: 'https://voice.example.com/telnyx/callback-status/co_123?step=v3%3Aabc',
      complete: 'https://voice.example.com/telnyx/callback-complete/co_123?step=v3%3Aabc',
    });
    // A room's routes name the call too; a party's and a transfer's add what they are about.
    const room = roomOf('v3:abc');
    expect(room.events).toBe('https://voice.example.com/telnyx/room-events/co_123?step=v3%3Aabc');
    expect(room.exit).toBe('https://voice.example.com/telnyx/dial-complete/co_123?step=room+v3%3Aabc');
    expect(room.party('consult-2')).toBe('https://voice.example.com/telnyx/room-party/co_123?step=v3%3Aabc+consult-2');
    expect(room.transfer('queue:q1')).toBe('https://voice.example.com/telnyx/transfer/co_123?step=v3%3Aabc+queue%3Aq1');
    expect(room.recording).toBe('https://voice.example.com/telnyx/room-recording/co_123?step=v3%3Aabc');
  });

  it.each(['https://voice.example.com/', 'https://voice.example.com///'])('strips trailing slashes from %s', (base) => {
    expect(callbackUrls(base, COMPANY).dialComplete).toBe('https://voice.example.com/telnyx/dial-complete/co_123');
  });

  it('keeps a path prefix of the public URL', () => {
    expect(callbackUrls('https://example.com/voice/', 'c1').voicemail).toBe('https://example.com/voice/telnyx/voicemail/c1');
  });

  it.each(['a b/c?d&e', 'x#frag', '../../admin', 'ñandú', '100%', 'a+b=c;d', '😀'])(
    'encodes company id %j so the URL parses back to exactly that id',
    (companyId) => {
      const urls = callbackUrls(PUBLIC_URL, companyId);
      for (const [url, route] of [
        [urls.dialComplete, 'dial-complete'],
        [urls.voicemail, 'voicemail'],
      ] as const) {
        const parsed = new URL(url);
        expect(parsed.origin).toBe(PUBLIC_URL);
        expect(parsed.search).toBe('');
        expect(parsed.hash).toBe('');
        const segments = parsed.pathname.split('/');
        expect(segments.slice(0, 3)).toEqual(['', 'telnyx', route]);
        expect(segments).toHaveLength(4);
        expect(decodeURIComponent(segments[3]!)).toBe(companyId);
      }
    },
  );
});

// ---------------------------------------------------------------------------------------------
// voiceDocument
// ---------------------------------------------------------------------------------------------

describe('voiceDocument: ringing agents', () => {
  it('one agent → one <Dial> with one <Sip> and the documented attributes', () => {
    const { root } = parse(voiceDocument(ringPlan(['alice']), policy(), URLS));
    expect(names(root.children)).toEqual(['Dial']);
    const dialNode = root.children[0]!;
    expect(dialNode.attrs).toEqual({
      action: `${PUBLIC_URL}/telnyx/dial-complete/${COMPANY}`,
      method: 'POST',
      timeout: '22',
      ringTone: 'uk',
      answerOnBridge: 'true',
    });
    expect(names(dialNode.children)).toEqual(['Sip']);
    expect(dialNode.children[0]!.text).toBe('sip:alice@sip.telnyx.com');
  });

  it('two agents → one <Dial> with two <Sip> in plan order', () => {
    const { root } = parse(voiceDocument(ringPlan(['zed', 'amy']), policy(), URLS));
    expect(names(root.children)).toEqual(['Dial']);
    expect(root.children[0]!.children.map((c) => [c.name, c.text])).toEqual([
      ['Sip', 'sip:zed@sip.telnyx.com'],
      ['Sip', 'sip:amy@sip.telnyx.com'],
    ]);
  });

  it('many agents → still a single <Dial> (simultaneous ring) with one <Sip> each', () => {
    const users = Array.from({ length: 12 }, (_, i) => `agent.${i}_x-y`);
    const { root } = parse(voiceDocument(ringPlan(users), policy(), URLS));
    expect(names(root.children)).toEqual(['Dial']);
    expect(root.children[0]!.children.map((c) => c.text)).toEqual(users.map((u) => `sip:${u}@${TELNYX_SIP_DOMAIN}`));
  });

  it('the timeout comes from the plan', () => {
    const { root } = parse(voiceDocument(ringPlan(['a'], 45), policy({ ringTimeoutSeconds: 10 }), URLS));
    expect(root.children[0]!.attrs.timeout).toBe('45');
  });

  it.each(['us', 'uk', 'de', 'us-old', 'mx', 'es'])('uses the policy ring tone %s', (tone) => {
    const { root } = parse(voiceDocument(ringPlan(['a']), policy({ ringTone: tone }), URLS));
    expect(root.children[0]!.attrs.ringTone).toBe(tone);
  });

  it.each(['us-ring', 'US', '', 'ringback'])('an invalid policy ring tone %j becomes the default "us"', (tone) => {
    const { xml, root } = parse(voiceDocument(ringPlan(['a']), policy({ ringTone: tone }), URLS));
    expect(root.children[0]!.attrs.ringTone).toBe('us');
    expect(xml).not.toMatch(/ringback|us-ring/);
  });

  it('the <Dial action> is the last verb: nothing is placed after it', () => {
    for (const count of [1, 2, 5]) {
      const { root } = parse(voiceDocument(ringPlan(Array.from({ length: count }, (_, i) => `u${i}`)), policy(), URLS));
      expect(root.children.at(-1)!.name).toBe('Dial');
      expectNothingAfterDialAction(root);
    }
  });

  it('renders the targets decideRoute chose, in its order, with the URL for the company', () => {
    const agent = (id: string, displayName: string, extra: Partial<AgentSnapshot> = {}): AgentSnapshot => ({
      id,
      displayName,
      sipUsername: `${displayName.toLowerCase()}.sip`,
      enabled: true,
      status: 'AVAILABLE',
      statusReason: null,
      liveness: { sipRegistered: true, onCall: false },
      ...AGENT_DEFAULTS,
      ...extra,
    });
    const p = policy();
    const plan = decideRoute(p, [agent('3', 'Cy'), agent('2', 'Bo', { liveness: null }), agent('1', 'Al')], {}, 0);
    const { root } = parse(voiceDocument(plan, p, callbackUrls(PUBLIC_URL, 'acme')));
    const dialNode = root.children[0]!;
    expect(dialNode.attrs.action).toBe(`${PUBLIC_URL}/telnyx/dial-complete/acme`);
    expect(dialNode.children.map((c) => c.text)).toEqual(['sip:al.sip@sip.telnyx.com', 'sip:cy.sip@sip.telnyx.com']);
  });

  it('a company id needing URL-encoding yields an action URL that parses back to the id', () => {
    const companyId = 'a b/c?d&e';
    const { xml, root } = parse(voiceDocument(ringPlan(['a']), policy(), callbackUrls(PUBLIC_URL, companyId)));
    const action = new URL(root.children[0]!.attrs.action!);
    expect(action.pathname.startsWith('/telnyx/dial-complete/')).toBe(true);
    expect(action.search).toBe('');
    expect(decodeURIComponent(action.pathname.slice('/telnyx/dial-complete/'.length))).toBe(companyId);
    expect(xml).not.toContain('a b/c?d&e');
  });
});

describe('voiceDocument: FALLBACK plans', () => {
  it.each(FALLBACK_KINDS)('a FALLBACK plan renders the %s fallback directly', (kind) => {
    const p = policy({ fallbackKind: kind, fallbackNumber: '+13055550100' });
    const plan: RoutePlan = { kind: 'FALLBACK', fallback: kind, reason: 'NO_AGENTS', skipped: [] };
    expect(renderTexml(voiceDocument(plan, p, URLS))).toBe(renderTexml(fallbackDocument(p, URLS)));
  });
});

describe('voiceDocument: WAIT plans (holding for a skill)', () => {
  it.each([
    [1, 1],
    [12.2, 13],
    [HOLD_STEP_SECONDS, HOLD_STEP_SECONDS],
    [600, HOLD_STEP_SECONDS],
  ])('%s s to wait → a prompt, a <Pause length=%i>, then a <Redirect> back to the voice route', (seconds, length) => {
    const plan: RoutePlan = { kind: 'WAIT', seconds, reason: 'SKILL_WIDENING', skipped: [] };
    const { root } = parse(voiceDocument(plan, policy({ greetingLanguage: 'es-US' }), URLS));
    expect(names(root.children)).toEqual(['Say', 'Pause', 'Redirect']);
    expect(root.children[0]!.attrs.language).toBe('es-US');
    expect(Number(root.children[1]!.attrs.length)).toBe(length);
    expect(root.children[2]!.text).toBe(URLS.voice);
    expect(root.children[2]!.attrs.method).toBe('POST');
    expect(renderTexml(holdDocument(seconds, policy({ greetingLanguage: 'es-US' }), URLS))).toBe(
      renderTexml(voiceDocument(plan, policy({ greetingLanguage: 'es-US' }), URLS)),
    );
  });
});

describe('languageMenuDocument', () => {
  const menu = [
    { digit: '1', skill: 'en', prompt: 'For English, press 1.', language: 'en-US' },
    { digit: '2', skill: 'es', prompt: 'Para español, oprima 2.', language: 'es-US' },
  ];

  it('one <Gather> with each prompt in its own language, then a <Redirect> for no input', () => {
    const { root } = parse(languageMenuDocument(menu, URLS));
    expect(names(root.children)).toEqual(['Gather', 'Redirect']);
    const g = root.children[0]!;
    // No `method`: Gather has none (its action uses the TeXML application's method).
    expect(g.attrs).toEqual({
      action: URLS.language,
      input: 'dtmf',
      numDigits: '1',
      timeout: String(MENU_TIMEOUT_SECONDS),
      validDigits: '12',
    });
    expect(g.children.map((c) => [c.name, c.attrs.language, c.text])).toEqual([
      ['Say', 'en-US', 'For English, press 1.'],
      ['Say', 'es-US', 'Para español, oprima 2.'],
    ]);
    expect(root.children[1]!.text).toBe(URLS.language);
  });

  it('escapes prompts', () => {
    const { xml } = parse(languageMenuDocument([{ ...menu[0]!, prompt: 'Press 1 <now> & "smile"' }], URLS));
    expect(xml).toContain('Press 1 &lt;now&gt; &amp; ');
  });
});

describe('calledNumber', () => {
  it.each([
    ['+13055550100', '+13055550100'],
    ['13055550100', '+13055550100'],
    ['sip:+13055550100@sip.telnyx.com', '+13055550100'],
    ['+1 (305) 555-0100', '+13055550100'],
    [null, ''],
  ])('%j → %j', (raw, e164) => expect(calledNumber(raw)).toBe(e164));
});

// ---------------------------------------------------------------------------------------------
// dialCompleteDocument
// ---------------------------------------------------------------------------------------------

describe('dialCompleteDocument', () => {
  it.each(FALLBACK_KINDS)("'completed' → only <Hangup/> (fallback %s is not used)", (kind) => {
    const { xml, root } = parse(dialCompleteDocument('completed', policy({ fallbackKind: kind, fallbackNumber: '+13055550100' }), URLS));
    expect(names(root.children)).toEqual(['Hangup']);
    expect(xml).toBe(`${DECLARATION}<Response><Hangup/></Response>`);
  });

  const matrix = DIAL_STATUSES_NOT_ANSWERED.flatMap((status) => FALLBACK_KINDS.map((kind) => [status, kind] as const));
  it.each(matrix)('status %j → the %s fallback', (status, kind) => {
    const p = policy({ fallbackKind: kind, fallbackNumber: '+13055550100' });
    const xml = renderTexml(dialCompleteDocument(status, p, URLS));
    expect(xml).toBe(renderTexml(fallbackDocument(p, URLS)));
    const { root } = parse(dialCompleteDocument(status, p, URLS));
    expect(names(root.children)).not.toEqual(['Hangup']);
  });
});

// ---------------------------------------------------------------------------------------------
// fallbackDocument
// ---------------------------------------------------------------------------------------------

describe('fallbackDocument', () => {
  it('VOICEMAIL → <Say> greeting with voice and language, then <Record> to the voicemail URL', () => {
    const p = policy({ voicemailMaxSeconds: 75, greetingLanguage: 'es-MX', voicemailGreeting: 'Deje su mensaje.' });
    const { root } = parse(fallbackDocument(p, URLS));
    expect(names(root.children)).toEqual(['Say', 'Record']);
    const [sayNode, recordNode] = root.children;
    expect(sayNode!.text).toBe('Deje su mensaje.');
    expect(sayNode!.attrs).toEqual({ voice: 'alice', language: 'es-MX' });
    expect(recordNode!.attrs.action).toBe(`${PUBLIC_URL}/telnyx/voicemail/${COMPANY}`);
    expect(recordNode!.attrs.method).toBe('POST');
    expect(recordNode!.attrs.maxLength).toBe('75');
    expect(recordNode!.attrs.playBeep).toBe('true');
    // The status callback delivers the recording even if the caller hangs up first.
    expect(recordNode!.attrs.recordingStatusCallback).toBe(URLS.voicemail);
    // Telnyx transcribes the message, in the company's language when the caller chose none.
    expect(recordNode!.attrs.transcription).toBe('true');
    expect(recordNode!.attrs.transcriptionCallback).toBe(`${PUBLIC_URL}/telnyx/voicemail-transcription/${COMPANY}`);
    expect(recordNode!.attrs.transcriptionLanguage).toBe('es-MX');
    expect(recordNode!.children).toEqual([]);
  });

  it("VOICEMAIL is transcribed in the language of the caller's menu choice; an unknown choice falls back to the company's", () => {
    const menu = [
      { digit: '1', skill: 'en', prompt: 'For English, press 1.', language: 'en-GB' },
      { digit: '2', skill: 'es', prompt: 'Para español, oprima 2.', language: 'es-US' },
    ];
    const p = policy({ greetingLanguage: 'en-US', languageMenu: menu });
    const languageOf = (chosen: string | null) =>
      parse(fallbackDocument(p, URLS, null, chosen)).root.children[1]!.attrs.transcriptionLanguage;
    expect([languageOf('es'), languageOf('en'), languageOf('fr'), languageOf(null)]).toEqual(['es-US', 'en-GB', 'en-US', 'en-US']);
    const afterForward = parse(dialCompleteDocument('busy', p, URLS, 'forward', null, 'es')).root;
    expect(afterForward.children[1]!.attrs.transcriptionLanguage).toBe('es-US');
  });

  it.each([5, 300, 3600])('VOICEMAIL maxLength follows the policy (%i s)', (seconds) => {
    const { root } = parse(fallbackDocument(policy({ voicemailMaxSeconds: seconds }), URLS));
    expect(root.children[1]!.attrs.maxLength).toBe(String(seconds));
  });

  it('NUMBER with a number → <Dial><Number> with that number, and a miss there goes to voicemail', () => {
    const p = policy({ fallbackKind: 'NUMBER', fallbackNumber: '+13055550100', ringTimeoutSeconds: 40 });
    const { root } = parse(fallbackDocument(p, URLS));
    expect(names(root.children)).toEqual(['Dial']);
    const dialNode = root.children[0]!;
    expect(dialNode.attrs.action).toBe(URLS.forwardComplete);
    // The forward's own dial-complete must not forward again (a loop): voicemail instead.
    for (const status of DIAL_STATUSES_NOT_ANSWERED) {
      const after = parse(dialCompleteDocument(status, p, URLS, 'forward')).root;
      expect(names(after.children)).toEqual(['Say', 'Record']);
      expect(after.children[1]!.attrs.action).toBe(URLS.voicemail);
    }
    expect(names(parse(dialCompleteDocument('completed', p, URLS, 'forward')).root.children)).toEqual(['Hangup']);
    expect(dialNode.attrs.timeout).toBe('40');
    expect(dialNode.attrs.ringTone).toBe('uk');
    expect(dialNode.children.map((c) => [c.name, c.text])).toEqual([['Number', '+13055550100']]);
    expectNothingAfterDialAction(root);
  });

  it.each([null, ''])('NUMBER without a number (%j) → voicemail, never losing the caller', (fallbackNumber) => {
    const p = policy({ fallbackKind: 'NUMBER', fallbackNumber });
    const { xml, root } = parse(fallbackDocument(p, URLS));
    expect(names(root.children)).toEqual(['Say', 'Record']);
    expect(root.children[1]!.attrs.action).toBe(URLS.voicemail);
    expect(xml).toBe(renderTexml(fallbackDocument(policy({ fallbackKind: 'VOICEMAIL' }), URLS)));
  });

  it('HANGUP → <Say> then <Hangup/>', () => {
    const p = policy({ fallbackKind: 'HANGUP', voicemailGreeting: 'We are closed.', greetingLanguage: 'en-US' });
    const { root } = parse(fallbackDocument(p, URLS));
    expect(names(root.children)).toEqual(['Say', 'Hangup']);
    expect(root.children[0]!.text).toBe('We are closed.');
    expect(root.children[0]!.attrs).toEqual({ voice: 'alice', language: 'en-US' });
  });

  it('HANGUP ignores a configured fallback number', () => {
    const { xml } = parse(fallbackDocument(policy({ fallbackKind: 'HANGUP', fallbackNumber: '+13055550100' }), URLS));
    expect(xml).not.toContain('+13055550100');
    expect(xml).not.toContain('<Dial');
  });

  it.each(['a&b<"x">', "it's <b>bold</b> & ]]> done", 'line1\nline2\r\n\ttab', '&amp; &lt;'])(
    'a hostile greeting %j stays well-formed and is spoken verbatim',
    (greeting) => {
      for (const kind of ['VOICEMAIL', 'HANGUP'] as const) {
        const { root } = parse(fallbackDocument(policy({ fallbackKind: kind, voicemailGreeting: greeting }), URLS));
        expect(root.children[0]!.name).toBe('Say');
        expect(root.children[0]!.text).toBe(greeting);
        expect(root.children).toHaveLength(2);
      }
    },
  );

  it('a hostile language attribute cannot break out of its attribute', () => {
    const { root } = parse(fallbackDocument(policy({ greetingLanguage: 'en" injected="1' }), URLS));
    expect(root.children[0]!.attrs).toEqual({ voice: 'alice', language: 'en" injected="1' });
  });
});

// ---------------------------------------------------------------------------------------------
// apology and voicemail-stored documents
// ---------------------------------------------------------------------------------------------

describe('apologyDocument and voicemailStoredDocument', () => {
  it('apologyDocument() says the default apology in en-US and hangs up', () => {
    const { root } = parse(apologyDocument());
    expect(names(root.children)).toEqual(['Say', 'Hangup']);
    expect(root.children[0]!.text).toBe(DEFAULT_APOLOGY);
    expect(root.children[0]!.attrs).toEqual({ voice: 'alice', language: 'en-US' });
  });

  it('apologyDocument(text, language) uses both', () => {
    const { root } = parse(apologyDocument('Lo sentimos <mucho> & adiós', 'es-MX'));
    expect(root.children[0]!.text).toBe('Lo sentimos <mucho> & adiós');
    expect(root.children[0]!.attrs.language).toBe('es-MX');
    expect(root.children[1]!.name).toBe('Hangup');
  });

  it('voicemailStoredDocument is a bare hangup', () => {
    expect(renderTexml(voicemailStoredDocument())).toBe(`${DECLARATION}<Response><Hangup/></Response>`);
  });

  it('sipUri dials the username at the Telnyx SIP domain', () => {
    expect(TELNYX_SIP_DOMAIN).toBe('sip.telnyx.com');
    expect(sipUri('agent.one_2-x')).toBe('sip:agent.one_2-x@sip.telnyx.com');
  });
});

// ---------------------------------------------------------------------------------------------
// Invariants over every document the call flow can produce
// ---------------------------------------------------------------------------------------------

describe('every call-flow document', () => {
  function allDocuments(): [string, TexmlDocument][] {
    const docs: [string, TexmlDocument][] = [];
    const companies = [COMPANY, 'a b/c?d&e', '"><Hangup/>'];
    const policies = FALLBACK_KINDS.flatMap((kind) =>
      [null, '+13055550100'].flatMap((fallbackNumber) =>
        ['us', 'us-ring', 'uk'].map((ringTone) => policy({ fallbackKind: kind, fallbackNumber, ringTone, voicemailGreeting: 'a&b<"x">' })),
      ),
    );
    for (const companyId of companies) {
      const urls = callbackUrls(PUBLIC_URL, companyId);
      for (const p of policies) {
        const label = `${companyId}/${p.fallbackKind}/${p.fallbackNumber}/${p.ringTone}`;
        for (const users of [['a'], ['a', 'b'], ['a', 'b', 'c', 'd']])
          docs.push([`voice ring ${users.length} ${label}`, voiceDocument(ringPlan(users), p, urls)]);
        docs.push([
          `voice fallback ${label}`,
          voiceDocument({ kind: 'FALLBACK', fallback: p.fallbackKind, reason: 'NO_AGENTS', skipped: [] }, p, urls),
        ]);
        for (const status of ['completed', ...DIAL_STATUSES_NOT_ANSWERED])
          docs.push([`dial-complete ${status} ${label}`, dialCompleteDocument(status, p, urls)]);
        docs.push([`fallback ${label}`, fallbackDocument(p, urls)]);
      }
    }
    docs.push(['apology', apologyDocument()], ['apology custom', apologyDocument('x&y', 'es-MX')], ['stored', voicemailStoredDocument()]);
    return docs;
  }

  const docs = allDocuments();

  it(`has the XML declaration at byte 0, is well-formed, and never uses ringback (${docs.length} documents)`, () => {
    expect(docs.length).toBeGreaterThan(100);
    for (const [label, doc] of docs) {
      const xml = renderTexml(doc);
      expect(xml.indexOf(DECLARATION), label).toBe(0);
      expect(xml.charCodeAt(0), label).toBe('<'.charCodeAt(0));
      expect(XMLValidator.validate(xml), label).toBe(true);
      expect(xml, label).not.toMatch(/ringback/i);
      const { root } = parse(doc);
      walk(root, (n) => {
        for (const key of Object.keys(n.attrs)) expect(key.toLowerCase(), label).not.toBe('ringback');
        if (n.attrs.ringTone !== undefined) expect(n.attrs.ringTone, label).not.toBe('us-ring');
      });
    }
  });

  it('never places a verb after a <Dial action>, and every Dial has at least one target', () => {
    for (const [label, doc] of docs) {
      const { root } = parse(doc);
      expectNothingAfterDialAction(root);
      for (const verb of root.children) {
        if (verb.name === 'Dial') {
          expect(verb.children.length, label).toBeGreaterThan(0);
          for (const c of verb.children) expect(['Sip', 'Number'], label).toContain(c.name);
        }
      }
    }
  });

  it('every action and callback URL is absolute, under the public URL, and names the company', () => {
    for (const [label, doc] of docs) {
      const { root } = parse(doc);
      walk(root, (n) => {
        for (const key of ['action', 'recordingStatusCallback'] as const) {
          const value = n.attrs[key];
          if (value === undefined) continue;
          const url = new URL(value);
          expect(url.origin, label).toBe(PUBLIC_URL);
          expect(url.pathname, label).toMatch(/^\/telnyx\/(dial-complete|voicemail)\/[^/]+$/);
        }
      });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Telnyx specifics (issue 13, D8 and D13)
// ---------------------------------------------------------------------------------------------

describe('voicemail is recorded mono (D8)', () => {
  it('<Record channels="single">: Telnyx would record dual by default (texml-verbs/record)', () => {
    for (const p of [policy(), policy({ fallbackKind: 'NUMBER', fallbackNumber: null })]) {
      const record = parse(fallbackDocument(p, URLS)).root.children[1]!;
      expect(record.name).toBe('Record');
      expect(record.attrs.channels).toBe('single');
    }
    // The voicemail after a missed forward too.
    const after = parse(
      dialCompleteDocument('no-answer', policy({ fallbackKind: 'NUMBER', fallbackNumber: '+13055550100' }), URLS, 'forward'),
    );
    expect(after.root.children[1]!.attrs.channels).toBe('single');
  });
});

describe('the forward presents the number called as its caller ID (D13)', () => {
  const forwarding = policy({ fallbackKind: 'NUMBER', fallbackNumber: '+13055550100' });

  it.each<[string | null | undefined, string | null]>([
    ['+13055550199', '+13055550199'],
    ['13055550199', '+13055550199'],
    ['sip:+13055550199@sip.telnyx.com', '+13055550199'],
    ['+44 20 7946 0958', '+442079460958'],
    [null, null],
    [undefined, null],
    ['', null],
    ['sip:support@example.com', null],
    ['+0123', null],
    ['+1234567890123456', null],
  ])('To %j → callerId %j', (to, expected) => {
    expect(forwardCallerId(to)).toBe(expected);
  });

  it('<Dial callerId> is the company number the caller dialled, never the caller', () => {
    const dialNode = parse(fallbackDocument(forwarding, URLS, '+13055550199')).root.children[0]!;
    expect(dialNode.name).toBe('Dial');
    expect(dialNode.attrs.callerId).toBe('+13055550199');
    expect(dialNode.children.map((c) => c.text)).toEqual(['+13055550100']);
  });

  it('without a number called (or a SIP URI) the Dial carries no callerId: Telnyx picks its default', () => {
    expect(parse(fallbackDocument(forwarding, URLS)).root.children[0]!.attrs).not.toHaveProperty('callerId');
    expect(parse(fallbackDocument(forwarding, URLS, 'sip:someone@example.com')).root.children[0]!.attrs).not.toHaveProperty('callerId');
  });

  it('every path to the forward passes the number through: the voice answer (also after hours) and a missed hunt', () => {
    const fallbackPlan: RoutePlan = { kind: 'FALLBACK', fallback: 'NUMBER', reason: 'NO_AGENTS', skipped: [] };
    const afterHours: RoutePlan = { kind: 'FALLBACK', fallback: 'NUMBER', reason: 'AFTER_HOURS', skipped: [] };
    const closed = policy({ afterHoursKind: 'NUMBER', fallbackNumber: '+13055550100' });
    const docs = [
      voiceDocument(fallbackPlan, forwarding, URLS, '+13055550199'),
      voiceDocument(afterHours, closed, URLS, '+13055550199'),
      dialCompleteDocument('no-answer', forwarding, URLS, null, '+13055550199'),
    ];
    for (const doc of docs) expect(parse(doc).root.children[0]!.attrs.callerId).toBe('+13055550199');
  });

  it('only the forward sets a callerId: the Dial that rings agents is left as it was', () => {
    const plan: RoutePlan = {
      kind: 'RING',
      targets: [{ agentId: 'a', sipUsername: 'ana' }],
      timeoutSeconds: 20,
      tier: 1,
      reserve: true,
      widened: false,
      skipped: [],
    };
    expect(renderTexml(voiceDocument(plan, forwarding, URLS, '+13055550199'))).not.toContain('callerId');
  });
});
