import { describe, expect, it } from 'vitest';
import { interpretCredentialLookup } from '../../src/telnyx/credential-lookup.js';

describe('interpretCredentialLookup: what Telnyx answering GET /telephony_credentials/{id} means', () => {
  it.each<[number, object]>([
    [200, { ok: true }],
    [404, { ok: false, reason: 'NOT_FOUND', message: 'Telnyx has no telephony credential with this id (HTTP 404)' }],
    [
      401,
      {
        ok: false,
        reason: 'UNAVAILABLE',
        message: expect.stringMatching(
          /nothing was saved: Telnyx refused the server's API key \(HTTP 401\); check TELNYX_API_KEY\. Try again\.$/,
        ),
      },
    ],
    [403, { ok: false, reason: 'UNAVAILABLE', message: expect.stringMatching(/HTTP 403/) }],
    [429, { ok: false, reason: 'UNAVAILABLE', message: expect.stringMatching(/could not be asked \(HTTP 429\)/) }],
    [500, { ok: false, reason: 'UNAVAILABLE', message: expect.stringMatching(/could not be asked \(HTTP 500\)/) }],
    [201, { ok: false, reason: 'UNAVAILABLE' }],
  ])('HTTP %d → %j', (status, expected) => {
    expect(interpretCredentialLookup(status)).toMatchObject(expected);
  });
});
