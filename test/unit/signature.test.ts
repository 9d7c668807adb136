import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  InvalidPublicKeyError,
  parseTelnyxPublicKey,
  SIGNATURE_TOLERANCE_SECONDS,
  TelnyxSignatureVerifier,
  type SignatureResult,
} from '../../src/telnyx/signature.js';
import { seededRandom } from '../support/random.js';

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

const NOW = Date.UTC(2026, 0, 5, 15, 0, 0);
const NOW_S = NOW / 1000;

function keyPair(): { publicKey: KeyObject; privateKey: KeyObject; rawB64: string; spkiB64: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return { publicKey, privateKey, rawB64: spki.subarray(-32).toString('base64'), spkiB64: spki.toString('base64') };
}

const telnyx = keyPair();
const other = keyPair();

const BODY = 'CallSid=v3%3Aabc&From=%2B15551230000&To=%2B15559870000&CallStatus=ringing';

function signed(body: Buffer | string, ts: number | string, privateKey: KeyObject = telnyx.privateKey) {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const sig = sign(null, Buffer.concat([Buffer.from(`${ts}|`), bytes]), privateKey).toString('base64');
  return { 'telnyx-timestamp': String(ts), 'telnyx-signature-ed25519': sig };
}

function verifier() {
  return new TelnyxSignatureVerifier({ publicKey: telnyx.rawB64 });
}

const OK: SignatureResult = { ok: true };
const failed = (reason: string) => ({ ok: false, reason });

// ---------------------------------------------------------------------------------------------
// Signature
// ---------------------------------------------------------------------------------------------

describe('TelnyxSignatureVerifier: signature', () => {
  it('accepts a correctly signed request', () => {
    expect(verifier().verify(BODY, signed(BODY, NOW_S), NOW)).toEqual(OK);
  });

  it('rejects a body with one byte changed', () => {
    const headers = signed(BODY, NOW_S);
    const tampered = Buffer.from(BODY);
    tampered[10] = tampered[10]! ^ 0x01;
    expect(verifier().verify(tampered, headers, NOW)).toEqual(failed('bad-signature'));
  });

  it('rejects a request whose timestamp was changed after signing', () => {
    const headers = { ...signed(BODY, NOW_S), 'telnyx-timestamp': String(NOW_S - 1) };
    expect(verifier().verify(BODY, headers, NOW)).toEqual(failed('bad-signature'));
  });

  it('rejects a request signed by another key', () => {
    expect(verifier().verify(BODY, signed(BODY, NOW_S, other.privateKey), NOW)).toEqual(failed('bad-signature'));
  });

  it('rejects when the wrong public key is configured', () => {
    const v = new TelnyxSignatureVerifier({ publicKey: other.rawB64 });
    expect(v.verify(BODY, signed(BODY, NOW_S), NOW)).toEqual(failed('bad-signature'));
  });

  it('verifies a Buffer body with non-UTF-8 bytes signed over the same bytes', () => {
    const body = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x7c, 0x0a]);
    const headers = signed(body, NOW_S);
    expect(verifier().verify(body, headers, NOW)).toEqual(OK);
    // Decoding to a string first is lossy for such bytes, which is why callers should pass the Buffer.
    expect(verifier().verify(body.toString('utf8'), headers, NOW)).toEqual(failed('bad-signature'));
  });

  it('accepts an empty body', () => {
    expect(verifier().verify('', signed('', NOW_S), NOW)).toEqual(OK);
  });

  it('accepts a KeyObject as the configured key', () => {
    const v = new TelnyxSignatureVerifier({ publicKey: telnyx.publicKey });
    expect(v.verify(BODY, signed(BODY, NOW_S), NOW)).toEqual(OK);
  });
});

// ---------------------------------------------------------------------------------------------
// Timestamp window
// ---------------------------------------------------------------------------------------------

describe('TelnyxSignatureVerifier: timestamp window', () => {
  it('uses a 300 s tolerance', () => {
    expect(SIGNATURE_TOLERANCE_SECONDS).toBe(300);
  });

  it('accepts a timestamp exactly 300 s old', () => {
    expect(verifier().verify(BODY, signed(BODY, NOW_S - 300), NOW)).toEqual(OK);
  });

  it('rejects a timestamp 301 s old as stale', () => {
    expect(verifier().verify(BODY, signed(BODY, NOW_S - 301), NOW)).toEqual(failed('stale'));
  });

  it('accepts a timestamp exactly 300 s in the future', () => {
    expect(verifier().verify(BODY, signed(BODY, NOW_S + 300), NOW)).toEqual(OK);
  });

  it('rejects a timestamp 301 s in the future', () => {
    expect(verifier().verify(BODY, signed(BODY, NOW_S + 301), NOW)).toEqual(failed('future'));
  });

  it('honours a custom tolerance', () => {
    const v = new TelnyxSignatureVerifier({ publicKey: telnyx.rawB64, toleranceSeconds: 10 });
    expect(v.verify(BODY, signed(BODY, NOW_S - 10), NOW)).toEqual(OK);
    expect(v.verify(BODY, signed(BODY, NOW_S - 11), NOW)).toEqual(failed('stale'));
  });

  it.each(['12a', '-5', '1.5', '', '+1767625200', ' 1 2', '1e9', '0x10', '1234567890123', '１２３'])(
    'rejects timestamp %j as malformed',
    (ts) => {
      const headers = { ...signed(BODY, NOW_S), 'telnyx-timestamp': ts };
      expect(verifier().verify(BODY, headers, NOW)).toEqual(failed('malformed-timestamp'));
    },
  );

  it('checks the window before the signature (a stale forgery is stale, not bad-signature)', () => {
    const headers = { ...signed(BODY, NOW_S - 1000), 'telnyx-signature-ed25519': `${'A'.repeat(86)}==` };
    expect(verifier().verify(BODY, headers, NOW)).toEqual(failed('stale'));
  });

  it('throws only for a non-finite now (a caller bug, never fail open)', () => {
    expect(() => verifier().verify(BODY, signed(BODY, NOW_S), Number.NaN)).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------
// Headers
// ---------------------------------------------------------------------------------------------

describe('TelnyxSignatureVerifier: headers', () => {
  it('reports missing headers', () => {
    const v = verifier();
    const headers = signed(BODY, NOW_S);
    expect(v.verify(BODY, {}, NOW)).toEqual(failed('missing-headers'));
    expect(v.verify(BODY, { 'telnyx-timestamp': headers['telnyx-timestamp'] }, NOW)).toEqual(failed('missing-headers'));
    expect(v.verify(BODY, { 'telnyx-signature-ed25519': headers['telnyx-signature-ed25519'] }, NOW)).toEqual(failed('missing-headers'));
    expect(v.verify(BODY, { 'telnyx-timestamp': [], 'telnyx-signature-ed25519': [] }, NOW)).toEqual(failed('missing-headers'));
    expect(v.verify(BODY, new Headers(), NOW)).toEqual(failed('missing-headers'));
  });

  it('does not read X- prefixed or differently named headers', () => {
    const headers = signed(BODY, NOW_S);
    const prefixed = {
      'x-telnyx-timestamp': headers['telnyx-timestamp'],
      'x-telnyx-signature-ed25519': headers['telnyx-signature-ed25519'],
    };
    expect(verifier().verify(BODY, prefixed, NOW)).toEqual(failed('missing-headers'));
  });

  it('accepts node-style headers with arrays, taking the first value', () => {
    const good = signed(BODY, NOW_S);
    const bad = signed(BODY, NOW_S - 5, other.privateKey);
    const headers = {
      host: 'example.test',
      'telnyx-timestamp': [good['telnyx-timestamp'], bad['telnyx-timestamp']],
      'telnyx-signature-ed25519': [good['telnyx-signature-ed25519'], bad['telnyx-signature-ed25519']],
    };
    expect(verifier().verify(BODY, headers, NOW)).toEqual(OK);
    const reversed = {
      'telnyx-timestamp': [bad['telnyx-timestamp']],
      'telnyx-signature-ed25519': [bad['telnyx-signature-ed25519'], good['telnyx-signature-ed25519']],
    };
    expect(verifier().verify(BODY, reversed, NOW)).toEqual(failed('bad-signature'));
  });

  it('accepts a WHATWG Headers object (names are case-insensitive there)', () => {
    const h = signed(BODY, NOW_S);
    const headers = new Headers({
      'Telnyx-Timestamp': h['telnyx-timestamp'],
      'Telnyx-Signature-Ed25519': h['telnyx-signature-ed25519'],
    });
    expect(verifier().verify(BODY, headers, NOW)).toEqual(OK);
  });

  it('takes the first value of a repeated header in WHATWG Headers', () => {
    const good = signed(BODY, NOW_S);
    const headers = new Headers();
    headers.append('telnyx-timestamp', good['telnyx-timestamp']);
    headers.append('telnyx-timestamp', '1');
    headers.append('telnyx-signature-ed25519', good['telnyx-signature-ed25519']);
    headers.append('telnyx-signature-ed25519', 'AAAA');
    expect(verifier().verify(BODY, headers, NOW)).toEqual(OK);
  });
});

// ---------------------------------------------------------------------------------------------
// Malformed signatures
// ---------------------------------------------------------------------------------------------

describe('TelnyxSignatureVerifier: malformed signatures', () => {
  const withSig = (sig: string) => ({ 'telnyx-timestamp': String(NOW_S), 'telnyx-signature-ed25519': sig });

  it('rejects a signature that decodes to 63 bytes', () => {
    const sig = Buffer.from(signed(BODY, NOW_S)['telnyx-signature-ed25519'], 'base64').subarray(0, 63);
    expect(verifier().verify(BODY, withSig(sig.toString('base64')), NOW)).toEqual(failed('malformed-signature'));
  });

  it('rejects a signature that decodes to 65 bytes', () => {
    const good = Buffer.from(signed(BODY, NOW_S)['telnyx-signature-ed25519'], 'base64');
    const sig = Buffer.concat([good, Buffer.from([0])]);
    expect(verifier().verify(BODY, withSig(sig.toString('base64')), NOW)).toEqual(failed('malformed-signature'));
  });

  it.each(['', 'not base64 at all!', '!'.repeat(88), '****', 'A'.repeat(5000)])('rejects %j', (sig) => {
    expect(verifier().verify(BODY, withSig(sig), NOW)).toEqual(failed('malformed-signature'));
  });

  it('rejects a valid signature with junk characters mixed in (lenient decoding would accept it)', () => {
    const good = signed(BODY, NOW_S)['telnyx-signature-ed25519'];
    const junk = `${good.slice(0, 20)}!?${good.slice(20)}`;
    expect(verifier().verify(BODY, withSig(junk), NOW)).toEqual(failed('malformed-signature'));
  });

  it('rejects a non-canonical base64 spelling of a valid signature', () => {
    const good = signed(BODY, NOW_S)['telnyx-signature-ed25519'];
    // 64 bytes = 86 chars + '=='; the 86th char carries 4 unused low bits. Setting one keeps the
    // decoded bytes identical, so it must be rejected or a repeat could pass for a new request.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const last = alphabet.indexOf(good[85]!);
    const respelled = `${good.slice(0, 85) + alphabet[last | 0x01]}==`;
    expect(respelled).not.toBe(good);
    expect(Buffer.from(respelled, 'base64').equals(Buffer.from(good, 'base64'))).toBe(true);
    expect(verifier().verify(BODY, withSig(respelled), NOW)).toEqual(failed('malformed-signature'));
  });

  it('accepts an unpadded but otherwise canonical signature', () => {
    const good = signed(BODY, NOW_S)['telnyx-signature-ed25519'];
    expect(verifier().verify(BODY, withSig(good.replace(/=+$/, '')), NOW)).toEqual(OK);
  });
});

// ---------------------------------------------------------------------------------------------
// Replay
// ---------------------------------------------------------------------------------------------

describe('TelnyxSignatureVerifier: the same request again', () => {
  // Refusing a repeat is not the verifier's business: the answer store (src/telnyx/replay-store.ts)
  // answers it as the first time. The verifier only says whether it is Telnyx's, and names it.
  it('verifies a repeat of an accepted request again, within the window, with the same request key', () => {
    const v = verifier();
    const headers = signed(BODY, NOW_S);
    const first = v.check(BODY, headers, NOW);
    const again = v.check(BODY, headers, NOW + 1000);
    expect(first.ok && again.ok).toBe(true);
    expect(first.ok && again.ok && first.requestKey === again.requestKey).toBe(true);
    expect(v.verify(BODY, headers, NOW + 300_000)).toEqual(OK);
    expect(v.verify(BODY, headers, NOW + 301_000)).toEqual(failed('stale'));
  });

  it('names a new delivery attempt (a new timestamp) differently: Telnyx stamps each attempt when it sends it', () => {
    const v = verifier();
    const first = v.check(BODY, signed(BODY, NOW_S), NOW);
    const retried = v.check(BODY, signed(BODY, NOW_S + 2), NOW + 2000);
    expect(first.ok && retried.ok && first.requestKey !== retried.requestKey).toBe(true);
  });

  it('gives the key the canonical spelling of the signature and the window end', () => {
    const headers = signed(BODY, NOW_S);
    const checked = verifier().check(
      BODY,
      { ...headers, 'telnyx-signature-ed25519': headers['telnyx-signature-ed25519'].replace(/=+$/, '') },
      NOW,
    );
    expect(checked).toEqual({ ok: true, requestKey: `${NOW_S}|${headers['telnyx-signature-ed25519']}`, expiresAt: NOW + 300_000 });
  });

  it('yields no key for a forged request (it can neither poison nor probe the answer store)', () => {
    const genuine = signed(BODY, NOW_S);
    expect(verifier().check(`${BODY}&x=1`, genuine, NOW)).toEqual(failed('bad-signature'));
    expect(verifier().check(BODY, signed(BODY, NOW_S, other.privateKey), NOW)).toEqual(failed('bad-signature'));
  });
});

// ---------------------------------------------------------------------------------------------
// Key parsing
// ---------------------------------------------------------------------------------------------

describe('parseTelnyxPublicKey', () => {
  it('accepts base64 of the raw 32-byte key', () => {
    const key = parseTelnyxPublicKey(telnyx.rawB64);
    expect(key.asymmetricKeyType).toBe('ed25519');
    expect(key.export({ format: 'der', type: 'spki' }).toString('base64')).toBe(telnyx.spkiB64);
  });

  it('accepts base64 of the DER SPKI form', () => {
    expect(telnyx.spkiB64.startsWith('MCowBQYDK2VwAyEA')).toBe(true);
    const key = parseTelnyxPublicKey(telnyx.spkiB64);
    expect(key.export({ format: 'der', type: 'spki' }).toString('base64')).toBe(telnyx.spkiB64);
    const v = new TelnyxSignatureVerifier({ publicKey: telnyx.spkiB64 });
    expect(v.verify(BODY, signed(BODY, NOW_S), NOW)).toEqual(OK);
  });

  it('accepts a PEM block and surrounding whitespace', () => {
    const pem = telnyx.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expect(parseTelnyxPublicKey(pem).asymmetricKeyType).toBe('ed25519');
    expect(parseTelnyxPublicKey(`  ${telnyx.rawB64}\n`).asymmetricKeyType).toBe('ed25519');
  });

  it.each([
    ['garbage', 'this is not a key'],
    ['empty', ''],
    ['whitespace', '   '],
    ['31 bytes', Buffer.alloc(31, 7).toString('base64')],
    ['33 bytes', Buffer.alloc(33, 7).toString('base64')],
    ['a PEM that is not a key', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'],
  ])('rejects %s with InvalidPublicKeyError', (_label, value) => {
    expect(() => parseTelnyxPublicKey(value)).toThrow(InvalidPublicKeyError);
  });

  it('rejects a non-Ed25519 SPKI key', () => {
    const { publicKey } = generateKeyPairSync('x25519');
    const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const der = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    expect(() => parseTelnyxPublicKey(pem)).toThrow(InvalidPublicKeyError);
    expect(() => parseTelnyxPublicKey(der)).toThrow(InvalidPublicKeyError);
  });

  it('makes the constructor reject a bad key or a private KeyObject', () => {
    expect(() => new TelnyxSignatureVerifier({ publicKey: 'nope' })).toThrow(InvalidPublicKeyError);
    expect(() => new TelnyxSignatureVerifier({ publicKey: telnyx.privateKey })).toThrow(InvalidPublicKeyError);
  });

  it('has a clear message', () => {
    expect(() => parseTelnyxPublicKey(Buffer.alloc(31).toString('base64'))).toThrow(/32-byte Ed25519.*got 31 bytes/);
  });
});

// ---------------------------------------------------------------------------------------------
// Robustness
// ---------------------------------------------------------------------------------------------

describe('TelnyxSignatureVerifier: robustness', () => {
  it('never throws for random headers and bodies', () => {
    const rand = seededRandom(0x7e1);
    const randomBytes = (max: number, min = 0) => {
      const out = Buffer.alloc(min + Math.floor(rand() * (max - min + 1)));
      for (let i = 0; i < out.length; i++) out[i] = Math.floor(rand() * 256);
      return out;
    };
    const v = verifier();
    const good = signed(BODY, NOW_S);
    const counts = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const pick = rand();
      // Mix fully random values with near-valid ones, so every stage of the check is reached.
      const ts =
        pick < 0.3
          ? randomBytes(16).toString('latin1')
          : pick < 0.6
            ? String(NOW_S - 400 + Math.floor(rand() * 800))
            : good['telnyx-timestamp'];
      // Half the signatures are exactly 64 bytes, so they reach the Ed25519 check itself.
      const sigBytes = rand() < 0.5 ? randomBytes(100) : randomBytes(64, 64);
      const sig = rand() < 0.5 ? sigBytes.toString('base64') : sigBytes.toString('latin1');
      const body: Buffer | string = rand() < 0.5 ? randomBytes(200) : randomBytes(200).toString('latin1');
      const headers =
        rand() < 0.5
          ? { 'telnyx-timestamp': [ts], 'telnyx-signature-ed25519': sig }
          : { 'telnyx-timestamp': ts, 'telnyx-signature-ed25519': [sig, ts] };
      let result: SignatureResult | undefined;
      expect(() => {
        result = v.verify(body, headers, NOW + Math.floor(rand() * 1000));
      }).not.toThrow();
      expect(result?.ok).toBe(false);
      const reason = result && !result.ok ? result.reason : 'ok';
      counts.set(reason, (counts.get(reason) ?? 0) + 1);
    }
    expect(counts.get('malformed-timestamp')).toBeGreaterThan(0);
    expect(counts.get('stale')).toBeGreaterThan(0);
    expect(counts.get('future')).toBeGreaterThan(0);
    expect(counts.get('malformed-signature')).toBeGreaterThan(0);
    expect(counts.get('bad-signature')).toBeGreaterThan(0);
  });

  it('never throws for hostile header objects or runtime-mistyped inputs', () => {
    const v = verifier();
    const boom = (): never => {
      throw new Error('boom');
    };
    const hostile = [
      null,
      undefined,
      42,
      'string',
      { get: boom },
      { get: () => 123 },
      { 'telnyx-timestamp': 123, 'telnyx-signature-ed25519': {} },
      new Proxy({}, { get: boom, has: boom, getOwnPropertyDescriptor: boom }),
      Object.create({ 'telnyx-timestamp': String(NOW_S), 'telnyx-signature-ed25519': 'AAAA' }),
    ];
    for (const h of hostile) {
      const result = v.verify(BODY, h as never, NOW);
      expect(result).toEqual(failed('missing-headers'));
    }
    const headers = signed(BODY, NOW_S);
    for (const body of [undefined, null, 42, {}, []]) {
      expect(() => v.verify(body as never, headers, NOW)).not.toThrow();
    }
  });
});
