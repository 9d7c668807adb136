import { describe, expect, it } from 'vitest';
import { FormParams } from '../../src/telnyx/form-params.js';

/** What the webhook handler did before FormParams: the query, then every body pair set() over it. */
function urlSearchParamsMerge(query: string, body: string): Map<string, string | null> {
  const params = new URLSearchParams(query);
  for (const [k, v] of new URLSearchParams(body)) params.set(k, v);
  return new Map([...params.keys()].map((k) => [k, params.get(k)]));
}

const FORMS = [
  '',
  '?',
  'CallSid=v3%3Aabc&From=%2B15550001111&To=%2B15550002222&CallStatus=ringing',
  '?step=forward&token=t0k',
  'a=1&a=2&b=3',
  'a&b=&=c&&d==e',
  'Greeting=hello+world%21+%C3%A9t%C3%A9',
  'bad=%zz&half=%4&end=%',
  'notutf8=%FF%FE&ok=%E2%82%AC',
  'emoji=%F0%9F%93%9E&raw=caf\u00e9',
  'plus=%2B%2B+&space=a%20b',
  'FriendlyName=room-CA123&ParticipantLabel=agent%3Aab-12',
  'Call%53id=encoded-name&CallSid=plain&a+b=space&a%2Bb=plus',
  'CallSid=plain&Call%53id=encoded-later',
];

describe('FormParams', () => {
  it('reads every form as URLSearchParams does (the first value of a name)', () => {
    for (const form of FORMS) {
      const ours = FormParams.parse(form);
      const theirs = new URLSearchParams(form);
      for (const name of new Set(theirs.keys())) expect(ours.get(name), `${form} → ${name}`).toBe(theirs.get(name));
      expect(
        [...ours].map(([k]) => k),
        form,
      ).toEqual([...new Set(theirs.keys())]);
    }
    expect(FormParams.parse('a=1').get('missing')).toBeNull();
  });

  it("merges a query and a body as the handler's set() over the query did", () => {
    for (const query of FORMS) {
      for (const body of FORMS) {
        const ours = FormParams.merged(query, body);
        const expected = urlSearchParamsMerge(query, body);
        for (const [name, value] of expected) expect(ours.get(name), `${query} + ${body} → ${name}`).toBe(value);
        expect(new Set([...ours].map(([k]) => k))).toEqual(new Set(expected.keys()));
      }
    }
  });

  it('stays linear on a large body of pairs without values', () => {
    const body = 'a&'.repeat(128 * 1024);
    const params = FormParams.parse(body);
    expect(params.get('a')).toBe('');
    expect(params.get('missing'), 'a name not there: one pass').toBeNull();
    expect(FormParams.merged('', body).get('missing')).toBeNull();
    expect([...params]).toHaveLength(1);
  });

  it('finds a name written encoded by its decoded name, and a plain name wherever it is', () => {
    const params = FormParams.merged('?To=%2B15550002222&CallSid=from-query', 'Call%53id=first&From=x&CallSid=last&a+b=1');
    expect(params.get('CallSid')).toBe('last');
    expect(params.get('To')).toBe('+15550002222');
    expect(params.get('a b')).toBe('1');
    expect(params.get('a+b')).toBeNull();
    expect(FormParams.parse('Call%53id=first&CallSid=second').get('CallSid')).toBe('first');
    expect(FormParams.parse('CallSid=first&Call%53id=second').get('CallSid')).toBe('first');
  });

  it('answers as URLSearchParams for random forms of names, values, escapes and separators, asked by every name and some absent', () => {
    const pieces = ['CallSid', 'To', 'a', 'b', '', '=', '&', '&&', '%', '%2', '%41', '%2B', '+', 'x', '%C3%A9', '%FF', '?', 'é'];
    let seed = 12345;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const form = () => Array.from({ length: random(12) }, () => pieces[random(pieces.length)]).join('');
    for (let i = 0; i < 2_000; i++) {
      const query = form();
      const body = form();
      const parsed = FormParams.parse(query);
      const theirs = new URLSearchParams(query);
      const merged = FormParams.merged(query, body);
      const expected = urlSearchParamsMerge(query, body);
      for (const name of [...new Set([...theirs.keys(), ...expected.keys()]), 'absent', 'CallSid', 'a b']) {
        expect(parsed.get(name), `parse ${JSON.stringify(query)} → ${name}`).toBe(theirs.get(name));
        expect(merged.get(name), `merged ${JSON.stringify(query)} + ${JSON.stringify(body)} → ${name}`).toBe(expected.get(name) ?? null);
      }
    }
  });
});
