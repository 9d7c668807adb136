import { describe, it, expect } from 'vitest';
import { seededRandom } from '../support/random.js';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  ATTRIBUTES,
  RING_TONES,
  TEXML_CONTENT_TYPE,
  dial,
  dialConference,
  enqueue,
  gather,
  hangup,
  leave,
  number,
  pause,
  play,
  record,
  redirect,
  reject,
  renderTexml,
  response,
  say,
  sip,
  type ElementName,
  type TexmlDocument,
} from '../../src/domain/texml.js';

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

type Parsed = { name: string; attrs: Record<string, string>; text: string; children: Parsed[] };

// htmlEntities decodes numeric char refs (&#10;); trimValues/parse*Value off so strings come back untouched.
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  htmlEntities: true,
});

function toTree(nodes: Record<string, unknown>[]): Parsed[] {
  const out: Parsed[] = [];
  for (const node of nodes) {
    const name = Object.keys(node).find((k) => k !== ':@')!;
    if (name === '#text') continue;
    const content = node[name] as Record<string, unknown>[];
    const text = content.map((c) => (typeof c['#text'] === 'string' ? c['#text'] : '')).join('');
    out.push({ name, attrs: (node[':@'] ?? {}) as Record<string, string>, text, children: toTree(content) });
  }
  return out;
}

/** Renders, asserts well-formedness, and returns the single <Response> element. */
function renderAndParse(doc: TexmlDocument): { xml: string; root: Parsed } {
  const xml = renderTexml(doc);
  expect(XMLValidator.validate(xml)).toBe(true);
  expect(findIllegalChar(xml)).toBeUndefined();
  const top = toTree(parser.parse(xml) as Record<string, unknown>[]).filter((n) => n.name !== '?xml');
  expect(top.map((n) => n.name)).toEqual(['Response']);
  return { xml, root: top[0]! };
}

// Written independently of the module's regex: XML 1.0 `Char`, checked code point by code point.
function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}
function findIllegalChar(s: string): number | undefined {
  for (const ch of s) if (!isXmlChar(ch.codePointAt(0)!)) return ch.codePointAt(0);
  return undefined;
}
function stripIllegal(s: string): string {
  let out = '';
  for (const ch of s) if (isXmlChar(ch.codePointAt(0)!)) out += ch;
  return out;
}

function walk(node: Parsed, visit: (n: Parsed) => void): void {
  visit(node);
  for (const child of node.children) walk(child, visit);
}

describe('document structure', () => {
  it('starts with the XML declaration at byte 0 and has a single <Response> root', () => {
    const { xml, root } = renderAndParse(response(say('Hello'), hangup()));
    expect(xml.startsWith(`${DECLARATION}<Response>`)).toBe(true);
    expect(xml.endsWith('</Response>')).toBe(true);
    expect(root.children.map((c) => c.name)).toEqual(['Say', 'Hangup']);
  });

  it('renders an empty response as a valid document', () => {
    const { root } = renderAndParse(response());
    expect(root.children).toEqual([]);
  });

  it('exposes the content type for the HTTP layer', () => {
    expect(TEXML_CONTENT_TYPE).toBe('application/xml; charset=utf-8');
  });

  it('is deterministic: attributes follow the whitelist order, not the caller key order', () => {
    const a = renderTexml(response(dial({ timeout: 20, action: 'https://x/a', callerId: '+15550001111' }, number('+15550002222'))));
    const b = renderTexml(response(dial({ callerId: '+15550001111', action: 'https://x/a', timeout: 20 }, number('+15550002222'))));
    expect(a).toBe(b);
    expect(a).toContain('<Dial action="https://x/a" callerId="+15550001111" timeout="20">');
  });
});

describe('escaping hostile input', () => {
  const hostile = [
    'a&b<"x">',
    "'; DROP TABLE --",
    ']]>',
    '<![CDATA[x]]>',
    '&amp; &#60; &lt;',
    'nul\u0000bell\u0007esc\u001b',
    'emoji 😀 and 𝄞',
    'lone \ud800 high, lone \udfff low',
    'non-chars \ufffe\uffff',
    'line\r\nbreaks\tand\ttabs\n',
    '   ',
  ];

  it.each(hostile)('round-trips %j through text and attributes', (value) => {
    const expected = stripIllegal(value);
    const { root } = renderAndParse(
      response(
        say(value, { voice: value }),
        dial({ fromDisplayName: value, action: value }, sip(value, { username: value }), number(value)),
        redirect(value),
      ),
    );
    const [sayNode, dialNode, redirectNode] = root.children;
    expect(sayNode!.text).toBe(expected);
    expect(sayNode!.attrs.voice).toBe(expected);
    expect(dialNode!.attrs.fromDisplayName).toBe(expected);
    expect(dialNode!.attrs.action).toBe(expected);
    expect(dialNode!.children[0]!.text).toBe(expected);
    expect(dialNode!.children[0]!.attrs.username).toBe(expected);
    expect(dialNode!.children[1]!.text).toBe(expected);
    expect(redirectNode!.text).toBe(expected);
  });

  it('escapes all five XML specials and never emits raw control characters', () => {
    const xml = renderTexml(response(say(`a&b<"x">'\u0000`, { voice: `a&b<"x">'` })));
    expect(xml).toContain('<Say voice="a&amp;b&lt;&quot;x&quot;&gt;&apos;">a&amp;b&lt;&quot;x&quot;&gt;&apos;</Say>');
    expect(xml).not.toContain('\u0000');
  });
});

describe('attribute whitelist', () => {
  it('drops attributes Telnyx does not define, even through a cast', () => {
    const xml = renderTexml(response(dial({ ringback: 'us-ring', timeout: 20 } as any, sip('sip:a@sip.telnyx.com'))));
    expect(xml).not.toContain('ringback');
    expect(xml).not.toContain('us-ring');
    expect(xml).toContain('<Dial timeout="20">');
  });

  it('rejects misspelled attributes at compile time', () => {
    // @ts-expect-error ringback is not a Dial attribute
    const verb = dial({ ringback: 'us-ring' }, sip('sip:a@sip.telnyx.com'));
    // @ts-expect-error Twilio's transcribe is not a TeXML attribute
    const rec = record({ transcribe: true });
    expect(renderTexml(response(verb, rec))).not.toMatch(/ringback|transcribe=/);
  });

  it('spells ringTone with a capital T and drops tones Telnyx does not document', () => {
    expect(renderTexml(response(dial({ ringTone: 'uk' }, sip('sip:a@sip.telnyx.com'))))).toContain('<Dial ringTone="uk">');
    const bogus = renderTexml(response(dial({ ringTone: 'us-ring' as any }, sip('sip:a@sip.telnyx.com'))));
    expect(bogus).toContain('<Dial>');
  });

  it('lists exactly the documented ring tones', () => {
    expect([...RING_TONES].sort()).toEqual(
      'at au bg br be ch cl cn cz de dk ee es fi fr gr hu il in it lt jp mx my nl no nz ph pl pt ru se sg th tw ve za us us-old uk'
        .split(' ')
        .sort(),
    );
  });

  it('emits every whitelisted attribute, in whitelist order, and nothing else, for every element', () => {
    // Every whitelisted name gets a value (plus junk keys); ranged numbers accept numeric strings.
    const all = <N extends ElementName>(name: N): any => {
      const attrs: Record<string, unknown> = { junk: 'x', Timeout: '9', 'bad"name': 'y' };
      for (const key of ATTRIBUTES[name]) attrs[key] = key === 'ringTone' ? 'us' : '7';
      return attrs;
    };
    const doc = response(
      dial(all('Dial'), sip('sip:a@sip.telnyx.com', all('Sip')), number('+15550001111', all('Number'))),
      say('hi', all('Say')),
      play('https://x/a.mp3', all('Play')),
      record(all('Record')),
      gather(all('Gather'), say('press 1', all('Say')), play('https://x/b.mp3', all('Play'))),
      hangup(),
      reject(all('Reject')),
      pause(all('Pause')),
      redirect('https://x/next', all('Redirect')),
      enqueue('support', all('Enqueue')),
      leave(),
      dialConference(all('Dial'), 'call-v3:abc', all('Conference')),
    );
    const { root } = renderAndParse(doc);
    const seen = new Set<string>();
    for (const verb of root.children) {
      walk(verb, (n) => {
        seen.add(n.name);
        expect(Object.keys(n.attrs), n.name).toEqual([...ATTRIBUTES[n.name as ElementName]]);
      });
    }
    expect([...seen].sort()).toEqual(Object.keys(ATTRIBUTES).sort());
  });
});

describe('attribute values', () => {
  it('omits undefined and null, renders booleans as true/false', () => {
    const xml = renderTexml(
      response(dial({ action: undefined, callerId: null as any, hangupOnStar: true, answerOnBridge: false }, sip('sip:a@sip.telnyx.com'))),
    );
    expect(xml).toContain('<Dial hangupOnStar="true" answerOnBridge="false">');
  });

  it('renders numbers without exponents and drops NaN/Infinity', () => {
    // speechTimeout has no documented range, so the number is rendered as given.
    const timeouts = (speechTimeout: number) => renderTexml(response(gather({ speechTimeout })));
    expect(timeouts(1e21)).toContain('speechTimeout="1000000000000000000000"');
    expect(timeouts(1e-7)).toContain('speechTimeout="0.0000001"');
    expect(timeouts(2.5)).toContain('speechTimeout="2.5"');
    expect(timeouts(NaN)).toContain('<Gather/>');
    expect(timeouts(Infinity)).toContain('<Gather/>');
    expect(renderTexml(response(say('x', { loop: -Infinity })))).toContain('<Say>');
  });

  it('drops values of non-scalar types instead of throwing', () => {
    const weird = { voice: Object.create(null), language: Symbol('x'), loop: 10n } as any;
    const { root } = renderAndParse(response(say('ok', weird)));
    expect(root.children[0]!.attrs).toEqual({});
  });

  it('copies attributes so later mutation does not change a built verb', () => {
    const attrs = { timeout: 20 };
    const verb = dial(attrs, sip('sip:a@sip.telnyx.com'));
    attrs.timeout = 90;
    expect(renderTexml(response(verb))).toContain('timeout="20"');
  });

  it('renders a frozen attribute object shared by several elements as each would be rendered with its own copy', () => {
    const shared = Object.freeze({ statusCallback: 'https://x.test/s?a=1&b="2"', statusCallbackMethod: 'POST' as const, timeout: 300 });
    const own = () => ({ ...shared });
    const targets = (attrs: () => object) =>
      dial(
        { timeout: 20 },
        sip('sip:a@sip.telnyx.com', attrs() as never),
        sip('sip:b@sip.telnyx.com', attrs() as never),
        number('+15550001111', attrs() as never),
      );
    const expected = renderTexml(response(targets(own)));
    // Twice: the second rendering comes from the first (the same text), for the Sip and the Number element alike.
    expect(renderTexml(response(targets(() => shared)))).toBe(expected);
    expect(renderTexml(response(targets(() => shared)))).toBe(expected);
    expect(expected).toContain('statusCallback="https://x.test/s?a=1&amp;b=&quot;2&quot;"');
  });
});

describe('clamping documented ranges', () => {
  const dialTimeout = (timeout: number) => renderTexml(response(dial({ timeout }, sip('sip:a@sip.telnyx.com'))));

  it.each([
    [1, '5'],
    [500, '120'],
    [25.6, '26'],
    [5, '5'],
    [120, '120'],
  ])('Dial timeout %d renders as %s', (input, rendered) => {
    expect(dialTimeout(input)).toContain(`<Dial timeout="${rendered}">`);
  });

  it('clamps numeric strings too and drops non-numeric ones', () => {
    expect(dialTimeout('500' as any)).toContain('timeout="120"');
    expect(dialTimeout('soon' as any)).toContain('<Dial>');
    expect(dialTimeout(NaN)).toContain('<Dial>');
  });

  it.each([
    ['Dial timeLimit', () => dial({ timeLimit: 10 }, sip('sip:a@x')), 'timeLimit="60"'],
    ['Dial timeLimit', () => dial({ timeLimit: 1e9 }, sip('sip:a@x')), 'timeLimit="14400"'],
    ['Record maxLength', () => record({ maxLength: -5 }), 'maxLength="0"'],
    ['Record maxLength', () => record({ maxLength: 20000 }), 'maxLength="14400"'],
    ['Say loop', () => say('x', { loop: 11 }), 'loop="10"'],
    ['Say loop', () => say('x', { loop: -1 }), 'loop="0"'],
    ['Pause length', () => pause({ length: 0 }), 'length="1"'],
    ['Pause length', () => pause({ length: 999.4 }), 'length="180"'],
    ['Gather timeout', () => gather({ timeout: 0 }), 'timeout="1"'],
    ['Gather timeout', () => gather({ timeout: 121 }), 'timeout="120"'],
    ['Play loop', () => play('https://x/a.mp3', { loop: 11 }), 'loop="10"'],
    ['Play loop', () => play('https://x/a.mp3', { loop: 2.5 }), 'loop="3"'],
    ['Play loop', () => play('https://x/a.mp3', { loop: -1 }), 'loop="0"'],
    ['Enqueue maxWaitTimeSecs', () => enqueue('q', { maxWaitTimeSecs: 0 }), 'maxWaitTimeSecs="1"'],
    ['Enqueue maxWaitTimeSecs', () => enqueue('q', { maxWaitTimeSecs: 20000 }), 'maxWaitTimeSecs="14400"'],
  ] as const)('%s: %s', (_label, build, expected) => {
    expect(renderTexml(response(build()))).toContain(expected);
  });
});

describe('routing documents', () => {
  it('renders a ring group as ordered <Sip> children with their status callbacks', () => {
    const status = {
      statusCallback: 'https://api.example.com/status?tenant=t1&leg=1',
      statusCallbackEvent: 'initiated answered completed',
    };
    const { root } = renderAndParse(
      response(
        dial(
          { action: 'https://api.example.com/dial-done', timeout: 25, ringTone: 'us', answerOnBridge: true },
          sip('sip:alice@sip.telnyx.com', status),
          sip('sip:bob@sip.telnyx.com', { ...status, statusCallbackMethod: 'POST' }),
        ),
      ),
    );
    const dialNode = root.children[0]!;
    expect(dialNode.name).toBe('Dial');
    expect(dialNode.attrs).toEqual({ action: 'https://api.example.com/dial-done', timeout: '25', ringTone: 'us', answerOnBridge: 'true' });
    expect(dialNode.children.map((c) => [c.name, c.text])).toEqual([
      ['Sip', 'sip:alice@sip.telnyx.com'],
      ['Sip', 'sip:bob@sip.telnyx.com'],
    ]);
    for (const target of dialNode.children) {
      expect(target.attrs.statusCallback).toBe(status.statusCallback);
      expect(target.attrs.statusCallbackEvent).toBe(status.statusCallbackEvent);
    }
    expect(dialNode.children[1]!.attrs.statusCallbackMethod).toBe('POST');
  });

  it('renders a voicemail document whose action URL survives escaping', () => {
    const action = 'https://api.example.com/voicemail?tenant=t1&queue=sales&x="1"';
    const { xml, root } = renderAndParse(
      response(
        say('Leave a message after the tone.', { voice: 'alice', language: 'es-MX' }),
        record({ action, maxLength: 120, playBeep: true }),
      ),
    );
    expect(xml).toContain('action="https://api.example.com/voicemail?tenant=t1&amp;queue=sales&amp;x=&quot;1&quot;"');
    expect(root.children.map((c) => c.name)).toEqual(['Say', 'Record']);
    expect(root.children[1]!.attrs).toEqual({ action, maxLength: '120', playBeep: 'true' });
  });

  it('nests Say and Play prompts inside Gather in order', () => {
    const { root } = renderAndParse(
      response(gather({ input: 'dtmf', numDigits: 1, action: 'https://x/menu' }, say('Press 1'), play('https://x/b.mp3'))),
    );
    expect(root.children[0]!.children.map((c) => [c.name, c.text])).toEqual([
      ['Say', 'Press 1'],
      ['Play', 'https://x/b.mp3'],
    ]);
  });

  it('renders reject, pause, redirect and hangup', () => {
    const xml = renderTexml(
      response(reject({ reason: 'busy' }), pause({ length: 2 }), redirect('https://x/next', { method: 'GET' }), hangup()),
    );
    expect(xml).toBe(
      `${DECLARATION}<Response><Reject reason="busy"/><Pause length="2"/><Redirect method="GET">https://x/next</Redirect><Hangup/></Response>`,
    );
  });
});

describe('queue documents', () => {
  it('renders an Enqueue whose body is the queue name, with its attributes in whitelist order', () => {
    const xml = renderTexml(
      response(
        enqueue('acme sales & support', {
          maxWaitTimeSecs: 600,
          waitUrlMethod: 'POST',
          waitUrl: 'https://x/wait?a=1&b=2',
          method: 'POST',
          action: 'https://x/exit',
        }),
      ),
    );
    expect(xml).toBe(
      `${DECLARATION}<Response><Enqueue action="https://x/exit" method="POST" waitUrl="https://x/wait?a=1&amp;b=2" waitUrlMethod="POST" maxWaitTimeSecs="600">acme sales &amp; support</Enqueue></Response>`,
    );
  });

  it('leaves maxWaitTimeSecs out when not given (Telnyx then waits its 4 h default)', () => {
    expect(renderTexml(response(enqueue('q')))).toBe(`${DECLARATION}<Response><Enqueue>q</Enqueue></Response>`);
  });

  it('renders Leave with no attributes, even through a cast', () => {
    const forged = { ...leave(), attrs: { action: 'https://x' } } as any;
    expect(renderTexml(response(leave(), forged))).toBe(`${DECLARATION}<Response><Leave/><Leave/></Response>`);
  });

  it('nests a looping Play after a Say inside a Gather', () => {
    const { root } = renderAndParse(
      response(gather({ action: 'https://x/key', numDigits: 1 }, say('You are next in line.'), play('https://x/m.mp3', { loop: 4 }))),
    );
    const gatherNode = root.children[0]!;
    expect(gatherNode.children.map((c) => [c.name, c.text, c.attrs])).toEqual([
      ['Say', 'You are next in line.', {}],
      ['Play', 'https://x/m.mp3', { loop: '4' }],
    ]);
  });
});

describe('programming errors', () => {
  it.each(['', '   ', null, undefined])('enqueue() with no queue name (%j) throws a TypeError', (name) => {
    expect(() => enqueue(name as any)).toThrow(TypeError);
  });

  it('dial() with no targets throws a TypeError', () => {
    expect(() => dial({ timeout: 20 })).toThrow(TypeError);
  });

  it('dial() with a target that is not sip()/number() throws a TypeError', () => {
    expect(() => dial({}, say('hi') as any)).toThrow(TypeError);
  });

  it('renderTexml drops hand-made nodes that are not TeXML elements instead of emitting them', () => {
    const forged = { verb: 'Say"><Evil', attrs: {}, children: [] };
    const misplaced = sip('sip:a@x'); // a noun at the top level
    const { root } = renderAndParse({ verbs: [forged, misplaced, null, hangup()] as any });
    expect(root.children.map((c) => c.name)).toEqual(['Hangup']);
  });
});

describe('property: any string renders to well-formed XML', () => {
  const random = seededRandom(0xc0ffee);
  const int = (max: number) => Math.floor(random() * max);
  const pools: (() => string)[] = [
    () => String.fromCharCode(0x20 + int(0x5f)), // printable ASCII
    () => '&<>"\'];'[int(7)]!,
    () => String.fromCharCode(int(0x20)), // C0 controls incl. \t \n \r
    () => String.fromCharCode(0x7f + int(0x21)), // DEL and C1 controls
    () => String.fromCharCode(0xd800 + int(0x800)), // lone surrogate (high or low)
    () => String.fromCodePoint(0x10000 + int(0x100000)), // astral
    () => ['\ufffe', '\uffff', '\ufeff', '\u2028'][int(4)]!,
    () => String.fromCharCode(0xa0 + int(0xd000)), // BMP
  ];
  const randomString = () => {
    let s = '';
    for (let i = int(24); i > 0; i--) s += pools[int(pools.length)]!();
    return s;
  };

  it('validates and round-trips 3000 random strings through say() and sip()', () => {
    for (let i = 0; i < 3000; i++) {
      const text = randomString();
      const uri = randomString();
      const xml = renderTexml(response(say(text), dial({ fromDisplayName: uri }, sip(uri, { password: text }))));
      if (XMLValidator.validate(xml) !== true || findIllegalChar(xml) !== undefined) {
        throw new Error(`case ${i} produced invalid XML for ${JSON.stringify([text, uri])}`);
      }
      const root = toTree(parser.parse(xml) as Record<string, unknown>[]).find((n) => n.name === 'Response')!;
      const [sayNode, dialNode] = root.children;
      expect(sayNode!.text).toBe(stripIllegal(text));
      expect(dialNode!.attrs.fromDisplayName ?? '').toBe(stripIllegal(uri));
      expect(dialNode!.children[0]!.text).toBe(stripIllegal(uri));
      expect(dialNode!.children[0]!.attrs.password ?? '').toBe(stripIllegal(text));
    }
  });
});

describe('<Dial><Conference>', () => {
  it('renders the room with its attributes; a room needs a name; dial() takes no conference', () => {
    const xml = renderTexml(
      response(
        dialConference({ action: 'https://x/exit' }, 'call-v3:a&b', {
          participantLabel: 'caller',
          endConferenceOnExit: true,
          beep: 'false',
        }),
      ),
    );
    expect(xml).toContain(
      '<Dial action="https://x/exit"><Conference endConferenceOnExit="true" beep="false" participantLabel="caller">call-v3:a&amp;b</Conference></Dial>',
    );
    expect(() => dialConference({}, ' ')).toThrow(/needs a room name/);
  });
});
