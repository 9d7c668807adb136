/**
 * The queue's TeXML documents (src/domain/queue-flow.ts): each rendered and checked, and each read
 * back by the local Telnyx's own reader (src/simulator/texml-reader.ts), which holds documents to
 * Telnyx's dialect, so a scenario will accept every verb and attribute; the wait rounds also use only
 * the verbs Telnyx allows in a waitUrl document.
 */
import { describe, expect, it } from 'vitest';
import {
  BUILT_IN_MUSIC_SECONDS,
  backToWaitDocument,
  callbackAgentDocument,
  callbackConfirmedDocument,
  enqueueDocument,
  musicLoopsFor,
  type QueueUrls,
  queueGoodbyeDocument,
  UNANNOUNCED_ROUND_LOOPS,
  type WaitDocumentInput,
  waitDocument,
} from '../../src/domain/queue-flow.js';
import { announcement, callbackConfirmation, callbackIntro } from '../../src/domain/queue.js';
import { renderTexml, type TexmlDocument } from '../../src/domain/texml.js';
import { WAIT_URL_VERBS } from '../../src/simulator/dialect.js';
import { readTexml, type TexmlNode } from '../../src/simulator/texml-reader.js';

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
const URLS: QueueUrls = {
  queueWait: 'https://voice.example.com/telnyx/queue-wait/acme?token=t&q=1',
  queueKey: 'https://voice.example.com/telnyx/queue-key/acme?token=t',
  queueExit: 'https://voice.example.com/telnyx/queue-exit/acme?token=t',
};
const MUSIC = 'https://voice.example.com/media/hold.mp3';

/** Rendered, then read by the simulator: fails the test with the simulator's own words on any drift. */
function read(doc: TexmlDocument, allowedVerbs?: readonly string[]): { xml: string; verbs: TexmlNode[] } {
  const xml = renderTexml(doc);
  const result = readTexml(xml, allowedVerbs);
  if (!result.ok) throw new Error(`the local Telnyx refuses ${xml}:\n${result.errors.join('\n')}`);
  return { xml, verbs: result.verbs };
}

const shape = (nodes: readonly TexmlNode[]): unknown[] =>
  nodes.map((n) => (n.children.length ? [n.name, n.attrs, n.text, shape(n.children)] : [n.name, n.attrs, n.text]));

describe('enqueueDocument', () => {
  it('puts the caller in the named Telnyx queue, with our wait and exit routes and the maximum wait', () => {
    const { xml, verbs } = read(enqueueDocument('acme:q-sales', 600, URLS));
    expect(xml).toBe(
      `${DECLARATION}<Response><Enqueue action="https://voice.example.com/telnyx/queue-exit/acme?token=t" method="POST" ` +
        'waitUrl="https://voice.example.com/telnyx/queue-wait/acme?token=t&amp;q=1" waitUrlMethod="POST" maxWaitTimeSecs="600">acme:q-sales</Enqueue></Response>',
    );
    expect(shape(verbs)).toEqual([
      [
        'Enqueue',
        { action: URLS.queueExit, method: 'POST', waitUrl: URLS.queueWait, waitUrlMethod: 'POST', maxWaitTimeSecs: '600' },
        'acme:q-sales',
      ],
    ]);
  });

  it.each([
    [0, '1'],
    [0.4, '1'],
    [59.6, '60'],
    [20_000, '14400'],
  ])('keeps a maximum wait of %d s inside Telnyx range (%s)', (seconds, rendered) => {
    expect(read(enqueueDocument('q', seconds, URLS)).verbs[0]!.attrs.maxWaitTimeSecs).toBe(rendered);
  });
});

describe('waitDocument', () => {
  const input = (overrides: Partial<WaitDocumentInput> = {}): WaitDocumentInput => ({
    announcement: 'You are number 2 in line.',
    speechLanguage: 'en-US',
    musicUrl: MUSIC,
    musicLoops: 3,
    callbackKey: true,
    urls: URLS,
    ...overrides,
  });

  it('with the callback key: the announcement and the music inside a Gather listening for 1', () => {
    const { verbs } = read(waitDocument(input()), WAIT_URL_VERBS);
    expect(shape(verbs)).toEqual([
      [
        'Gather',
        { action: URLS.queueKey, input: 'dtmf', timeout: '1', numDigits: '1', validDigits: '1' },
        '',
        [
          ['Say', { voice: 'alice', language: 'en-US' }, 'You are number 2 in line.'],
          ['Play', { loop: '3' }, MUSIC],
        ],
      ],
    ]);
  });

  it('without the callback key: the announcement and the music, bare', () => {
    const { verbs } = read(
      waitDocument(input({ callbackKey: false, speechLanguage: 'es-MX', announcement: 'Usted es el siguiente.' })),
      WAIT_URL_VERBS,
    );
    expect(shape(verbs)).toEqual([
      ['Say', { voice: 'alice', language: 'es-MX' }, 'Usted es el siguiente.'],
      ['Play', { loop: '3' }, MUSIC],
    ]);
  });

  it.each([null, '', '   '])('with no announcement (%j): music only', (text) => {
    expect(shape(read(waitDocument(input({ announcement: text, callbackKey: false })), WAIT_URL_VERBS).verbs)).toEqual([
      ['Play', { loop: '3' }, MUSIC],
    ]);
    const gathered = read(waitDocument(input({ announcement: text })), WAIT_URL_VERBS).verbs;
    expect(gathered.map((v) => v.name)).toEqual(['Gather']);
    expect(gathered[0]!.children.map((c) => c.name)).toEqual(['Play']);
  });

  it('speaks a real announcement, escaped, in Spanish', () => {
    const text = announcement({ position: 3, estimateSeconds: 240, language: 'es', callbackOffered: true });
    const { verbs } = read(waitDocument(input({ announcement: text, speechLanguage: 'es-US' })), WAIT_URL_VERBS);
    expect(verbs[0]!.children[0]!.text).toBe(text);
    expect(verbs[0]!.children[0]!.attrs.language).toBe('es-US');
  });

  it('never loops the music forever (0) nor past what Telnyx accepts', () => {
    for (const musicLoops of [0, 1, 10, 11, 99]) {
      const loop = Number(read(waitDocument(input({ musicLoops })), WAIT_URL_VERBS).verbs[0]!.children[1]!.attrs.loop);
      expect(loop).toBeLessThanOrEqual(10);
    }
  });

  it('uses only verbs a waitUrl document may hold, in every variant', () => {
    for (const callbackKey of [true, false]) {
      for (const text of ['Hi', null]) {
        const { verbs } = read(waitDocument(input({ callbackKey, announcement: text })));
        for (const verb of verbs) expect(WAIT_URL_VERBS).toContain(verb.name);
      }
    }
  });
});

describe('the callback key and the end of the wait', () => {
  it('confirms the callback, then leaves the queue', () => {
    const text = callbackConfirmation('es');
    const { verbs } = read(callbackConfirmedDocument(text, 'es-MX'), WAIT_URL_VERBS);
    expect(shape(verbs)).toEqual([
      ['Say', { voice: 'alice', language: 'es-MX' }, text],
      ['Leave', {}, ''],
    ]);
  });

  it('leaves even when there is nothing to say', () => {
    expect(shape(read(callbackConfirmedDocument('', 'en-US'), WAIT_URL_VERBS).verbs)).toEqual([['Leave', {}, '']]);
  });

  it('sends any other key back to the wait', () => {
    const { xml, verbs } = read(backToWaitDocument(URLS), WAIT_URL_VERBS);
    expect(shape(verbs)).toEqual([['Redirect', { method: 'POST' }, URLS.queueWait]]);
    expect(xml).toContain('<Redirect method="POST">https://voice.example.com/telnyx/queue-wait/acme?token=t&amp;q=1</Redirect>');
  });

  it('says goodbye and hangs up', () => {
    const { verbs } = read(queueGoodbyeDocument('We will call you back. Goodbye.', 'en-US'));
    expect(shape(verbs)).toEqual([
      ['Say', { voice: 'alice', language: 'en-US' }, 'We will call you back. Goodbye.'],
      ['Hangup', {}, ''],
    ]);
  });
});

describe('callbackAgentDocument', () => {
  it('tells the agent whom they call back, then dials the customer from the company number', () => {
    const intro = callbackIntro('+13055550100');
    const { verbs } = read(
      callbackAgentDocument({
        intro,
        customerNumber: '+13055550100',
        callerId: '+13055550199',
        timeoutSeconds: 30,
        actionUrl: 'https://voice.example.com/telnyx/callback/acme?step=cb&token=t',
      }),
    );
    expect(shape(verbs)).toEqual([
      ['Say', { voice: 'alice', language: 'en-US' }, intro],
      [
        'Dial',
        {
          action: 'https://voice.example.com/telnyx/callback/acme?step=cb&token=t',
          method: 'POST',
          callerId: '+13055550199',
          timeout: '30',
        },
        '',
        [['Number', {}, '+13055550100']],
      ],
    ]);
  });

  it('presents no caller ID when there is none, and keeps the ring timeout in Telnyx range', () => {
    const { verbs } = read(
      callbackAgentDocument({ intro: '', customerNumber: '+13055550100', callerId: null, timeoutSeconds: 500, actionUrl: 'https://x/cb' }),
    );
    expect(shape(verbs)).toEqual([
      ['Dial', { action: 'https://x/cb', method: 'POST', timeout: '120' }, '', [['Number', {}, '+13055550100']]],
    ]);
  });
});

describe('musicLoopsFor', () => {
  it.each<[number, number, number]>([
    [30, 10, 3],
    [45, 10, 5], // 4.5 rounds to 5: about the cadence
    [44, 10, 4],
    [5, 10, 1], // at least the clip once
    [1, 10, 1],
    [60, 10, 6],
    [100, 10, 10],
    [300, 10, 10], // at most 10 (longer cadences skip announcements between rounds)
    [60, 30, 2],
    [60, 7.5, 8],
    [30, 0, 1], // an unusable clip length: once
    [30, Number.NaN, 1],
  ])('cadence %d s, clip %d s → %d loops', (cadence, clip, loops) => {
    expect(musicLoopsFor(cadence, clip)).toBe(loops);
  });

  it.each([0, -5, Number.NaN])('cadence %d (never announced) → a long round', (cadence) => {
    expect(musicLoopsFor(cadence, BUILT_IN_MUSIC_SECONDS)).toBe(UNANNOUNCED_ROUND_LOOPS);
    expect(UNANNOUNCED_ROUND_LOOPS).toBeGreaterThan(1);
  });

  it('the built-in clip is 10 s long', () => {
    expect(BUILT_IN_MUSIC_SECONDS).toBe(10);
  });
});
