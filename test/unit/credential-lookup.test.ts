import { describe, expect, it } from 'vitest';
import { nextRevocationAttempt } from '../../src/services/agent-credentials.js';
import { interpretCredentialLookup } from '../../src/telnyx/credential-lookup.js';
import { interpretCreatedCredential, interpretCredentialDeletion } from '../../src/telnyx/credential-provisioning.js';

/** A credential as Telnyx answers it (the example of https://developers.telnyx.com/api-reference/credentials/create-a-credential). */
const credential = (overrides: Record<string, unknown> = {}) => ({
  data: {
    id: 'c215ade3-0d39-418e-94be-c5f780760199',
    record_type: 'credential',
    name: '2020-06-18 21:32:38.917732Z',
    expired: false,
    resource_id: 'connection:804252963366242252',
    sip_password: 'a92dbcfb60184a8cb330b0acb2f7617b',
    sip_username: 'gencrednCvHU5IYpSBPPsXI2iQsDX',
    ...overrides,
  },
});

describe('interpretCredentialLookup: what Telnyx answering GET /telephony_credentials/{id} means', () => {
  it.each<[number, unknown, object]>([
    [200, credential(), { ok: true, sipUsername: 'gencrednCvHU5IYpSBPPsXI2iQsDX' }],
    [200, null, { ok: false, reason: 'UNAVAILABLE', message: expect.stringMatching(/answered without the credential's SIP username/) }],
    [200, credential({ sip_username: 42 }), { ok: false, reason: 'UNAVAILABLE' }],
    [200, credential({ expired: true }), { ok: false, reason: 'UNUSABLE', message: expect.stringMatching(/has expired/) }],
    // Telnyx SIP URIs "Must begin with a non-numeric character" (the SIP URI calling page).
    [
      200,
      credential({ sip_username: '1001' }),
      { ok: false, reason: 'UNUSABLE', message: expect.stringMatching(/"1001" cannot be dialed/) },
    ],
    [404, null, { ok: false, reason: 'NOT_FOUND', message: 'Telnyx has no telephony credential with this id (HTTP 404)' }],
    [
      401,
      null,
      {
        ok: false,
        reason: 'UNAVAILABLE',
        message: expect.stringMatching(
          /nothing was saved: Telnyx refused the server's API key \(HTTP 401\); check TELNYX_API_KEY\. Try again\.$/,
        ),
      },
    ],
    [403, null, { ok: false, reason: 'UNAVAILABLE', message: expect.stringMatching(/HTTP 403/) }],
    [429, null, { ok: false, reason: 'UNAVAILABLE', message: expect.stringMatching(/could not be asked \(HTTP 429\)/) }],
    [500, null, { ok: false, reason: 'UNAVAILABLE', message: expect.stringMatching(/could not be asked \(HTTP 500\)/) }],
    [201, credential(), { ok: false, reason: 'UNAVAILABLE' }],
  ])('HTTP %d (%j) → %j', (status, body, expected) => {
    expect(interpretCredentialLookup(status, body)).toMatchObject(expected);
  });
});

describe('interpretCreatedCredential: what Telnyx answering POST /telephony_credentials means', () => {
  it('201 with the credential: its id (lower-cased, as stored) and generated SIP username', () => {
    expect(interpretCreatedCredential(201, credential({ id: 'C215ADE3-0D39-418E-94BE-C5F780760199' }))).toEqual({
      ok: true,
      credentialId: 'c215ade3-0d39-418e-94be-c5f780760199',
      sipUsername: 'gencrednCvHU5IYpSBPPsXI2iQsDX',
    });
  });

  it.each<[string, number, unknown, object]>([
    ['no body', 201, null, { reason: 'UNAVAILABLE', message: /without the credential id or its SIP username/ }],
    ['an id that is not a UUID', 201, credential({ id: '../numbers' }), { reason: 'UNAVAILABLE' }],
    ['an undialable username', 201, credential({ sip_username: '12345' }), { reason: 'REFUSED', message: /cannot be dialed/ }],
    ['a bad key', 401, null, { reason: 'UNAVAILABLE', message: /refused the server's API key \(HTTP 401\); check TELNYX_API_KEY/ }],
    [
      "a connection that is not the account's",
      422,
      { errors: [{ code: '10015', title: 'Bad Request', detail: 'connection_id is invalid' }] },
      { reason: 'REFUSED', message: /HTTP 422: connection_id is invalid\); check TELNYX_CONNECTION_ID/ },
    ],
    ['rate limited', 429, null, { reason: 'UNAVAILABLE', message: /could not be asked \(HTTP 429\)/ }],
    ['down', 503, null, { reason: 'UNAVAILABLE', message: /HTTP 503/ }],
  ])('%s (HTTP %d) → not created, nothing saved', (_name, status, body, expected) => {
    const { message, ...rest } = expected as { message?: RegExp; reason: string };
    const result = interpretCreatedCredential(status, body);
    expect(result).toMatchObject({ ok: false, ...rest });
    if (!result.ok) {
      expect(result.message).toMatch(/^the agent's Telnyx credential could not be created, so nothing was saved: /);
      if (message) expect(result.message).toMatch(message);
    }
  });
});

describe('interpretCredentialDeletion: what Telnyx answering DELETE /telephony_credentials/{id} means', () => {
  it.each<[number, object]>([
    [200, { ok: true, alreadyGone: false }],
    [204, { ok: true, alreadyGone: false }],
    [404, { ok: true, alreadyGone: true }],
    [401, { ok: false, message: expect.stringMatching(/check TELNYX_API_KEY/) }],
    [429, { ok: false, message: 'Telnyx could not delete it (HTTP 429)' }],
    [500, { ok: false, message: 'Telnyx could not delete it (HTTP 500)' }],
  ])('HTTP %d → %j', (status, expected) => {
    expect(interpretCredentialDeletion(status)).toMatchObject(expected);
  });
});

describe('nextRevocationAttempt: backoff of a revocation Telnyx has refused', () => {
  it('doubles from the base and stops at the cap', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 100].map((attempts) => nextRevocationAttempt(1000, attempts, 30_000, 600_000) - 1000);
    expect(delays).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 600_000, 600_000, 600_000]);
  });
});
