/**
 * The pure parts of keeping recordings: the download backoff, when a fresh URL is needed, retention's
 * cutoff, object keys, mailboxes, the signed links, and reading Telnyx's "fetch recording" answer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DOWNLOAD_BACKOFF_MS,
  extensionOf,
  isAudioContentType,
  MAX_DOWNLOAD_ATTEMPTS,
  needsFreshUrl,
  nextDownloadAttemptAt,
  parseMailbox,
  recordingStorageKey,
  retentionCutoff,
  TELNYX_RECORDING_URL_LIFETIME_MS,
  transcriptionLanguageOf,
} from '../../src/domain/recordings.js';
import { RecordingUrlSigner } from '../../src/recordings/signed-urls.js';
import { interpretRecordingLookup } from '../../src/telnyx/recording-lookup.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);

describe('download backoff', () => {
  it('retries fast inside Telnyx’s 10 minutes, then spreads out, then gives up', () => {
    const delays = Array.from({ length: MAX_DOWNLOAD_ATTEMPTS }, (_, i) => nextDownloadAttemptAt(i + 1, NOW));
    expect(delays.map((at) => (at === null ? null : at - NOW))).toEqual([...DOWNLOAD_BACKOFF_MS, null]);
    // The attempts inside the URL's life: at least six in its first 10 minutes.
    let elapsed = 0;
    let inside = 1;
    for (const delay of DOWNLOAD_BACKOFF_MS) {
      elapsed += delay;
      if (elapsed < TELNYX_RECORDING_URL_LIFETIME_MS) inside++;
    }
    expect(inside).toBeGreaterThanOrEqual(6);
  });

  it('never shrinks, and jitter adds at most a fifth', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: MAX_DOWNLOAD_ATTEMPTS - 1 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempts, jitter) => {
          const base = nextDownloadAttemptAt(attempts, NOW)! - NOW;
          const jittered = nextDownloadAttemptAt(attempts, NOW, jitter)! - NOW;
          expect(jittered).toBeGreaterThanOrEqual(base);
          expect(jittered).toBeLessThanOrEqual(Math.round(base * 1.2));
          if (attempts > 1) expect(base).toBeGreaterThanOrEqual(nextDownloadAttemptAt(attempts - 1, NOW)! - NOW);
        },
      ),
    );
    expect(nextDownloadAttemptAt(MAX_DOWNLOAD_ATTEMPTS + 5, NOW)).toBeNull();
  });
});

describe('needsFreshUrl', () => {
  it.each<[string, number, number | null, boolean]>([
    ['a fresh URL', 60_000, null, false],
    ['a URL that failed with 503', 60_000, 503, false],
    ['a URL that answered 404', 60_000, 404, true],
    ['a URL that answered 403', 1_000, 403, true],
    ['a URL just under 10 minutes old', TELNYX_RECORDING_URL_LIFETIME_MS - 1, null, false],
    ['a URL 10 minutes old', TELNYX_RECORDING_URL_LIFETIME_MS, null, true],
  ])('%s', (_what, age, lastStatus, expected) => {
    expect(needsFreshUrl({ receivedAt: NOW - age, now: NOW, lastStatus })).toBe(expected);
  });
});

describe('retention', () => {
  it('null keeps forever; otherwise the cutoff is that many days before now', () => {
    expect(retentionCutoff(null, NOW)).toBeNull();
    expect(retentionCutoff(undefined, NOW)).toBeNull();
    expect(retentionCutoff(30, NOW)!.toISOString()).toBe('2026-10-28T12:00:00.000Z');
    expect(retentionCutoff(1, NOW)!.getTime()).toBe(NOW - 86_400_000);
  });
});

describe('storage keys and content types', () => {
  it('keys are per company, by our id, with an extension from the content type; nothing from outside gets through', () => {
    expect(recordingStorageKey('co_1', 'rec1', 'audio/mpeg')).toBe('recordings/co_1/rec1.mp3');
    expect(recordingStorageKey('co_1', 'rec1', 'audio/wav; codecs=1')).toBe('recordings/co_1/rec1.wav');
    expect(recordingStorageKey('../../etc', 'a/b', null)).toBe('recordings/______etc/a_b.bin');
    fc.assert(
      fc.property(fc.string(), fc.string(), (company, id) => {
        const key = recordingStorageKey(company, id, 'audio/mpeg');
        expect(key).toMatch(/^recordings\/[A-Za-z0-9_-]{1,100}\/[A-Za-z0-9_-]{1,100}\.mp3$/);
      }),
    );
  });

  it.each<[string | null, string, boolean]>([
    ['audio/mpeg', '.mp3', true],
    ['audio/x-wav', '.wav', true],
    ['application/octet-stream', '.bin', true],
    ['text/html; charset=utf-8', '.bin', false],
    [null, '.bin', false],
  ])('%s → %s, audio %s', (type, extension, audio) => {
    expect(extensionOf(type)).toBe(extension);
    expect(isAudioContentType(type)).toBe(audio);
  });
});

describe('mailboxes and transcription language', () => {
  it.each<[string, ReturnType<typeof parseMailbox>]>([
    ['queue:q1', { kind: 'queue', queueId: 'q1' }],
    [' agent:cm_abc-1 ', { kind: 'agent', agentId: 'cm_abc-1' }],
    ['queue:', null],
    ['desk:1', null],
    ['queue:a b', null],
    [`queue:${'x'.repeat(65)}`, null],
  ])('%j', (text, expected) => {
    expect(parseMailbox(text)).toEqual(expected);
  });

  it("the caller's menu option's language, else the company's", () => {
    const policy = { greetingLanguage: 'en-US', languageMenu: [{ skill: 'es', language: 'es-MX' }] };
    expect(transcriptionLanguageOf(policy, 'es')).toBe('es-MX');
    expect(transcriptionLanguageOf(policy, 'fr')).toBe('en-US');
    expect(transcriptionLanguageOf(policy, null)).toBe('en-US');
  });
});

describe('signed links', () => {
  const signer = new RecordingUrlSigner(['s'.repeat(32)]);
  const link = (url: string) => {
    const parsed = new URL(url, 'http://x');
    return { exp: parsed.searchParams.get('exp'), sig: parsed.searchParams.get('sig') };
  };

  it('a link is good for its recording and company until it expires', () => {
    const url = signer.sign('co_a', 'rec_1', NOW + 60_000);
    expect(url).toMatch(/^\/media\/recordings\/rec_1\?exp=\d+&sig=[\w-]{43}$/);
    const ok = { companyId: 'co_a', recordingId: 'rec_1', ...link(url) };
    expect(signer.refusal({ ...ok, now: NOW })).toBeNull();
    expect(signer.refusal({ ...ok, now: NOW + 59_999 })).toBeNull();
    expect(signer.refusal({ ...ok, now: NOW + 60_000 })).toBe('expired');
    expect(signer.refusal({ ...ok, companyId: 'co_b', now: NOW })).toBe('bad signature');
    expect(signer.refusal({ ...ok, recordingId: 'rec_2', now: NOW })).toBe('bad signature');
    expect(signer.refusal({ ...ok, exp: String(Number(ok.exp) + 1), now: NOW })).toBe('bad signature');
    expect(signer.refusal({ ...ok, sig: `${ok.sig}x`, now: NOW })).toBe('bad signature');
    expect(signer.refusal({ ...ok, sig: null, now: NOW })).toBe('missing or malformed exp/sig');
    expect(signer.refusal({ ...ok, exp: '1e9', now: NOW })).toBe('missing or malformed exp/sig');
  });

  it('another secret refuses it; the previous secret still accepts it after a rotation', () => {
    const url = signer.sign('co_a', 'rec_1', NOW + 60_000);
    const input = { companyId: 'co_a', recordingId: 'rec_1', ...link(url), now: NOW };
    expect(new RecordingUrlSigner(['t'.repeat(32)]).refusal(input)).toBe('bad signature');
    expect(new RecordingUrlSigner(['t'.repeat(32), 's'.repeat(32)]).refusal(input)).toBeNull();
    expect(() => new RecordingUrlSigner([undefined, ''])).toThrow(/needs a secret/);
  });
});

describe("Telnyx's fetch recording answer", () => {
  it.each<[number, string, ReturnType<typeof interpretRecordingLookup>]>([
    [
      200,
      JSON.stringify({ sid: 'r1', media_url: 'https://s3.amazonaws.com/telephony-recorder-prod/r1.mp3' }),
      { ok: true, mediaUrl: 'https://s3.amazonaws.com/telephony-recorder-prod/r1.mp3' },
    ],
    [200, JSON.stringify({ data: { media_url: 'https://api.telnyx.com/r.mp3' } }), { ok: true, mediaUrl: 'https://api.telnyx.com/r.mp3' }],
    [200, JSON.stringify({ sid: 'r1' }), { ok: false, status: 200, message: 'the recording resource has no media_url' }],
    [200, '<html>', { ok: false, status: 200, message: 'Telnyx answered a body that is not JSON' }],
    [404, '{}', { ok: false, status: 404, message: 'Telnyx has no such recording (deleted?)' }],
    [401, '{}', { ok: false, status: 401, message: 'Telnyx refused the API key (HTTP 401); check TELNYX_API_KEY' }],
    [500, '{}', { ok: false, status: 500, message: 'Telnyx answered HTTP 500' }],
  ])('HTTP %i %s', (status, body, expected) => {
    expect(interpretRecordingLookup(status, body)).toEqual(expected);
  });
});
