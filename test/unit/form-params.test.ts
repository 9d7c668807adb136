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
    expect([...params]).toHaveLength(1);
  });
});
