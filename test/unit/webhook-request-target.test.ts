import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { requestTarget } from '../../src/http/webhook-endpoint.js';

/** What the endpoint used to do for every request: the WHATWG URL parser. */
function parsedByUrl(url: string) {
  let parsed: URL;
  try {
    parsed = new URL(url || '/', 'http://localhost');
  } catch {
    return 'throws';
  }
  return { path: parsed.pathname, query: new URLSearchParams(parsed.search).toString() };
}

const same = (url: string) => {
  let fast: { path: string; query: string };
  try {
    fast = requestTarget(url);
  } catch {
    return 'throws';
  }
  return { path: fast.path, query: new URLSearchParams(fast.query).toString() };
};

describe('requestTarget (the webhook path and query without a URL object)', () => {
  it.each([
    '/telnyx/voice/acme',
    '/telnyx/voice/acme?step=forward&mac=abc&token=t',
    '/telnyx/voice/a%2Fb',
    '/telnyx/voice/../status/acme',
    '/telnyx/voice/./acme',
    '/telnyx/voice/%2e%2e/acme',
    '/telnyx/voice/ac me?x=a b',
    '/telnyx/voice/acme#frag?x=1',
    '/telnyx/voice/acmé?q=é',
    '/telnyx\\voice\\acme',
    '/telnyx/voice/acme?',
    '/telnyx/voice/"<acme>"',
    '//telnyx/voice/acme',
  ])('%s: the same path and parameters as the URL parser', (url) => {
    expect(same(url)).toEqual(parsedByUrl(url));
  });

  it('agrees with the URL parser on any request target', () => {
    const chars = fc.constantFrom(...'/telnyxvoice0123-._~%2e?&=#+ \\"<>é!$\'()*,;:@'.split(''));
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 40 }), (parts) => {
        const url = `/${parts.join('')}`;
        expect(same(url)).toEqual(parsedByUrl(url));
      }),
      { numRuns: 2000 },
    );
  });
});
