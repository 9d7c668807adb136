/**
 * The pure halves of the TeXML REST call commands (src/telnyx/call-control.ts): what each answer of
 * Telnyx means for the queue, above all whether a failed redirect means the caller is gone (never
 * retry) or may be retried; and that the requests keep ids inside their path segment.
 */
import { describe, expect, it } from 'vitest';
import { createCall, interpretCreateCall, interpretRedirect, redirectCall, telnyxErrors } from '../../src/telnyx/call-control.js';

const envelope = (code: string, title: string, detail: string) => JSON.stringify({ errors: [{ code, title, detail }] });

describe('interpretRedirect', () => {
  it.each<[string, number, string, { ok: boolean; gone?: boolean }]>([
    ['the call resource (200)', 200, '{"sid":"v3:x","status":"in-progress"}', { ok: true }],
    ['no such call (404)', 404, envelope('10005', 'Resource not found', 'No call v3:x'), { ok: false, gone: true }],
    ['a 404 without a body', 404, '', { ok: false, gone: true }],
    [
      'a call that has hung up (422, 90018)',
      422,
      envelope('90018', 'Call has already ended', "This call is no longer active and can't receive commands."),
      { ok: false, gone: true },
    ],
    ['another 422 (a bad Url)', 422, envelope('10015', 'Bad Request', 'Url is not valid'), { ok: false, gone: false }],
    [
      'a refused key (401)',
      401,
      envelope('10009', 'Authentication failed', 'Could not understand the provided credentials.'),
      { ok: false, gone: false },
    ],
    ['rate limited (429)', 429, '', { ok: false, gone: false }],
    ['a server error (503)', 503, '<html>bad gateway</html>', { ok: false, gone: false }],
  ])('%s', (_name, status, body, expected) => {
    const result = interpretRedirect(status, body);
    expect(result).toMatchObject(expected);
    if (!result.ok) expect(result.status).toBe(status);
  });

  it('says what Telnyx said, and points at the key when it is refused', () => {
    expect(interpretRedirect(422, envelope('90018', 'Call has already ended', 'No longer active'))).toMatchObject({
      message: 'Telnyx could not redirect the call (HTTP 422): Call has already ended: No longer active (90018)',
    });
    expect(interpretRedirect(403, '')).toMatchObject({ message: expect.stringContaining('check TELNYX_API_KEY') });
    expect(interpretRedirect(500, 'oops')).toMatchObject({ message: 'Telnyx could not redirect the call (HTTP 500)' });
  });
});

describe('interpretCreateCall', () => {
  it('reads call_sid, or sid, with or without a data envelope', () => {
    expect(interpretCreateCall(200, '{"call_sid":"v3:a","from":"+1","to":"sip:x","status":"queued"}')).toEqual({
      ok: true,
      callSid: 'v3:a',
    });
    expect(interpretCreateCall(200, '{"sid":"v3:b","status":"queued"}')).toEqual({ ok: true, callSid: 'v3:b' });
    expect(interpretCreateCall(201, '{"data":{"call_sid":"v3:c"}}')).toEqual({ ok: true, callSid: 'v3:c' });
  });

  it('fails without a CallSid, with a body that is not JSON, and on errors', () => {
    expect(interpretCreateCall(200, '{"from":"+1","status":"queued"}')).toMatchObject({
      ok: false,
      message: 'Telnyx answered without a call_sid',
    });
    expect(interpretCreateCall(200, 'queued')).toMatchObject({ ok: false, message: 'Telnyx answered a body that is not JSON' });
    expect(interpretCreateCall(422, envelope('10032', 'Missing required parameter', 'Url or Texml is required'))).toEqual({
      ok: false,
      status: 422,
      message: 'Telnyx could not place the call (HTTP 422): Missing required parameter: Url or Texml is required (10032)',
    });
  });
});

describe('telnyxErrors', () => {
  it('reads the envelope and nothing else', () => {
    expect(telnyxErrors('{"errors":[{"code":90018,"title":"T"}]}')).toEqual([{ code: '90018', title: 'T', detail: '' }]);
    expect(telnyxErrors('{"errors":"no"}')).toEqual([]);
    expect(telnyxErrors('[1,2]')).toEqual([]);
    expect(telnyxErrors('')).toEqual([]);
  });
});

describe('the requests', () => {
  /** A fetch that records what it was asked and answers `status` with `body`. */
  function recorder(status: number, body: string) {
    const seen: { url: string; init: RequestInit }[] = [];
    const fake = (async (url: string | URL | Request, init?: RequestInit) => {
      seen.push({ url: String(url), init: init ?? {} });
      return new Response(body, { status });
    }) as typeof fetch;
    return { seen, fake };
  }
  const base = { apiKey: 'KEY1', baseUrl: 'https://api.example/v2', accountSid: 'acc/../x' };

  it('redirect: a form with Url and Method, ids encoded, bearer auth, counted in flight until read', async () => {
    const { seen, fake } = recorder(200, '{}');
    const marks: string[] = [];
    const inFlight = { begin: () => marks.push('begin'), end: () => marks.push('end') };
    const result = await redirectCall({ ...base, callSid: 'v3:a/b?c', url: 'https://svc/offer?x=1', fetch: fake, inFlight });
    expect(result).toEqual({ ok: true });
    expect(marks).toEqual(['begin', 'end']);
    const [req] = seen;
    expect(req!.url).toBe('https://api.example/v2/texml/Accounts/acc%2F..%2Fx/Calls/v3%3Aa%2Fb%3Fc');
    expect(req!.init.method).toBe('POST');
    expect(new Headers(req!.init.headers).get('authorization')).toBe('Bearer KEY1');
    expect(new Headers(req!.init.headers).get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(String(req!.init.body)))).toEqual({ Url: 'https://svc/offer?x=1', Method: 'POST' });
  });

  it('create: JSON with the spec names, the events space-separated, Timeout clamped to 5–120', async () => {
    const { seen, fake } = recorder(200, '{"call_sid":"v3:new"}');
    const result = await createCall({
      ...base,
      accountSid: 'AC1',
      applicationSid: '1293384261075731499',
      to: 'sip:gencredX@sip.telnyx.com',
      from: '+13055550100',
      url: 'https://svc/callback',
      statusCallback: 'https://svc/status',
      statusCallbackEvent: ['initiated', 'answered', 'completed'],
      timeoutSeconds: 300,
      fetch: fake,
    });
    expect(result).toEqual({ ok: true, callSid: 'v3:new' });
    expect(seen[0]!.url).toBe('https://api.example/v2/texml/Accounts/AC1/Calls');
    expect(new Headers(seen[0]!.init.headers).get('content-type')).toBe('application/json');
    expect(JSON.parse(String(seen[0]!.init.body))).toEqual({
      ApplicationSid: '1293384261075731499',
      To: 'sip:gencredX@sip.telnyx.com',
      From: '+13055550100',
      Url: 'https://svc/callback',
      UrlMethod: 'POST',
      StatusCallback: 'https://svc/status',
      StatusCallbackMethod: 'POST',
      StatusCallbackEvent: 'initiated answered completed',
      Timeout: 120,
    });
  });

  it('never throws: an unreachable Telnyx is a failure to retry, and the in-flight mark is released', async () => {
    const marks: string[] = [];
    const failing = (async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    }) as typeof fetch;
    const inFlight = { begin: () => marks.push('begin'), end: () => marks.push('end') };
    await expect(redirectCall({ ...base, callSid: 'v3:a', url: 'https://svc/x', fetch: failing, inFlight })).resolves.toEqual({
      ok: false,
      gone: false,
      status: null,
      message: 'Telnyx cannot be reached (ECONNREFUSED)',
    });
    await expect(createCall({ ...base, applicationSid: '1', to: '+1', from: '+2', url: 'https://svc/y', fetch: failing })).resolves.toEqual(
      {
        ok: false,
        status: null,
        message: 'Telnyx cannot be reached (ECONNREFUSED)',
      },
    );
    expect(marks).toEqual(['begin', 'end']);
  });
});
