/**
 * The simulator holds TeXML to Telnyx's documented dialect: what Telnyx would silently ignore (a
 * misspelt or mis-cased attribute, a value outside its range) fails here, so a drift in what the
 * service emits fails a scenario instead of degrading real calls.
 */
import { describe, expect, it } from 'vitest';
import { callbackUrls, languageMenuDocument, voicemailDocument } from '../../src/domain/call-flow.js';
import { dial, hangup, pause, redirect, renderTexml, response, say, sip } from '../../src/domain/texml.js';
import { readTexml } from '../../src/simulator/texml-reader.js';

const doc = (inner: string) => `<?xml version="1.0" encoding="UTF-8"?><Response>${inner}</Response>`;
const errorsOf = (xml: string) => {
  const read = readTexml(xml);
  return read.ok ? [] : read.errors;
};

describe('readTexml: documents Telnyx plays', () => {
  it('reads verbs in order with attributes, text and children', () => {
    const read = readTexml(
      doc(
        '<Say voice="alice" language="es-MX">Hola &amp; adiós</Say><Dial action="/next?a=1&amp;b=2" timeout="20"><Sip statusCallback="/s" statusCallbackEvent="initiated ringing answered completed">sip:ana@sip.telnyx.com</Sip><Number>+13055550100</Number></Dial><Hangup/>',
      ),
    );
    expect(read).toEqual({
      ok: true,
      verbs: [
        { name: 'Say', attrs: { voice: 'alice', language: 'es-MX' }, text: 'Hola & adiós', children: [] },
        {
          name: 'Dial',
          attrs: { action: '/next?a=1&b=2', timeout: '20' },
          text: '',
          children: [
            {
              name: 'Sip',
              attrs: { statusCallback: '/s', statusCallbackEvent: 'initiated ringing answered completed' },
              text: 'sip:ana@sip.telnyx.com',
              children: [],
            },
            { name: 'Number', attrs: {}, text: '+13055550100', children: [] },
          ],
        },
        { name: 'Hangup', attrs: {}, text: '', children: [] },
      ],
    });
  });

  it("reads every document shape the service's renderer makes, escaped values included", () => {
    const urls = callbackUrls('https://voice.example.com', 'acme&co', () => 'mac"<>');
    const policy = {
      voicemailGreeting: 'Leave a "message"\nafter the <tone>',
      greetingLanguage: 'en-US',
      voicemailMaxSeconds: 120,
    } as never;
    const documents = [
      voicemailDocument(policy, urls),
      languageMenuDocument(
        [
          { digit: '1', skill: 'en', language: 'en-US', prompt: 'For English, press 1' },
          { digit: '2', skill: 'es', language: 'es-MX', prompt: 'Para español, oprima 2' },
        ] as never,
        urls,
      ),
      response(say('Hold on'), pause({ length: 20 }), redirect(urls.voice, { method: 'POST' })),
      response(
        dial({ action: urls.dialComplete, timeout: 20, ringTone: 'uk' }, sip('sip:a@sip.telnyx.com', { statusCallback: urls.status })),
        hangup(),
      ),
    ];
    for (const d of documents) expect(errorsOf(renderTexml(d))).toEqual([]);
  });
});

describe('readTexml: drift from the dialect fails, naming the problem', () => {
  it.each<[string, string, RegExp]>([
    ["the draft's ringback attribute", '<Dial ringback="us-ring"><Sip>sip:a@b</Sip></Dial>', /unknown attribute ringback="us-ring"/],
    ['a mis-cased attribute, with the right spelling', '<Dial ringtone="us"><Sip>sip:a@b</Sip></Dial>', /\(Telnyx spells it ringTone\)/],
    ["Twilio's transcribe instead of transcription", '<Record transcribe="true"/>', /unknown attribute transcribe/],
    ["Gather's undocumented method", '<Gather method="POST" action="/x"><Say>Hi</Say></Gather>', /unknown attribute method/],
    ['a ring tone Telnyx does not have', '<Dial ringTone="us-ring"><Sip>sip:a@b</Sip></Dial>', /ringTone="us-ring" is not one of/],
    ['a timeout out of range', '<Dial timeout="300"><Sip>sip:a@b</Sip></Dial>', /timeout="300" is outside 5–120/],
    ['a non-number where a number goes', '<Pause length="soon"/>', /length="soon" is not a number/],
    [
      'an unknown status callback event',
      '<Dial><Sip statusCallbackEvent="ringing bridged">sip:a@b</Sip></Dial>',
      /"bridged" is not one of/,
    ],
    ["a verb Telnyx does not support (Twilio's Client)", '<Dial><Client>ana</Client></Dial>', /<Client> is not a TeXML verb or noun/],
    ['a verb the simulator does not play', '<Stream url="wss://x"/>', /<Stream> is not a TeXML verb or noun the simulator plays/],
    ['a noun outside its verb', '<Sip>sip:a@b</Sip>', /<Sip> may not stand inside <Response>/],
    ['a Dial with nothing to dial', '<Dial timeout="20"></Dial>', /<Dial> has nothing to dial/],
    ['a Say with nothing to say', '<Say voice="alice"></Say>', /<Say> needs text/],
    ['text where none goes', '<Hangup>now</Hangup>', /<Hangup> takes no text/],
  ])('%s', (_name, inner, problem) => {
    const errors = errorsOf(doc(inner));
    expect(errors.join('\n')).toMatch(problem);
  });

  it.each<[string, string, RegExp]>([
    ['not XML', 'Thanks for calling', /not well-formed XML/],
    ['unclosed tags', '<Response><Say>Hi</Response>', /not well-formed XML/],
    ['another root', '<Document><Say>Hi</Say></Document>', /the root must be one <Response>/],
    ['an empty answer', '', /the root must be one <Response>|not well-formed/],
  ])('refuses %s', (_name, xml, problem) => {
    expect(errorsOf(xml).join('\n')).toMatch(problem);
  });

  it('reports every problem of a document at once', () => {
    const errors = errorsOf(doc('<Say volume="11">Hi</Say><Dial ringback="x" timeout="1"><Sip>sip:a@b</Sip></Dial>'));
    expect(errors).toHaveLength(3);
  });

  it('an Enqueue wait document may use only the verbs Telnyx allows there', () => {
    const read = readTexml(doc('<Say>Please hold</Say><Dial><Sip>sip:a@b</Sip></Dial>'), [
      'Play',
      'Say',
      'Gather',
      'Pause',
      'Hangup',
      'Redirect',
      'Leave',
    ]);
    expect(read.ok ? [] : read.errors).toEqual(['<Dial> is not allowed here (only Play, Say, Gather, Pause, Hangup, Redirect, Leave)']);
  });
});
