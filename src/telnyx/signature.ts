/**
 * Telnyx webhook signature verification (docs/TELNYX.md §Signatures).
 *
 * Telnyx signs the bytes `${telnyx-timestamp}|${raw body}` with Ed25519 and sends
 * `telnyx-signature-ed25519` (base64, 64 bytes) and `telnyx-timestamp` (unix seconds, "when the
 * webhook was sent": each delivery attempt is stamped anew). We check the timestamp window (±300 s,
 * as the official SDKs and Telnyx's own TeXML example do) and the signature. What a valid request
 * seen before gets is not decided here but by the answer store (src/telnyx/replay-store.ts): the
 * same request again is answered as the first time, never refused, since Telnyx may deliver twice.
 *
 * Time is injected: `verify` takes `now` (epoch ms) so tests drive it by hand (see domain/clock.ts).
 */
import { createPublicKey, type KeyObject, verify as cryptoVerify } from 'node:crypto';

export type SignatureFailure = 'missing-headers' | 'malformed-timestamp' | 'stale' | 'future' | 'malformed-signature' | 'bad-signature';

export type SignatureResult = { ok: true } | { ok: false; reason: SignatureFailure };

/**
 * The verdict with what the answer store needs: the request's identity (`${ts}|${canonical
 * signature}`: the same bytes sent again have the same one, a new delivery attempt a new one) and
 * the epoch ms after which it would be refused as stale anyway (so the store may forget it then).
 */
export type SignatureCheck = { ok: true; requestKey: string; expiresAt: number } | { ok: false; reason: SignatureFailure };

export const SIGNATURE_TOLERANCE_SECONDS = 300;

export const SIGNATURE_HEADER = 'telnyx-signature-ed25519';
export const TIMESTAMP_HEADER = 'telnyx-timestamp';

export class InvalidPublicKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidPublicKeyError';
  }
}

export type HeaderSource = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

// DER prefix of an Ed25519 SubjectPublicKeyInfo: SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING (33) }.
// Prepending it to the raw 32-byte key lets node:crypto import it without any extra dependency.
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const ED25519_KEY_BYTES = 32;
const ED25519_SIGNATURE_BYTES = 64;
// 64 bytes encode to 88 base64 chars; anything much longer is rejected before decoding.
const MAX_SIGNATURE_CHARS = 100;
// At most 12 digits keeps ts * 1000 far inside Number's exact-integer range (year ~33658).
const TIMESTAMP_PATTERN = /^[0-9]{1,12}$/;
const BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Strict standard base64: only the base64 alphabet, and the encoding must be the canonical one for
 * the bytes it decodes to. Buffer.from(s, 'base64') silently skips junk and ignores the unused low
 * bits of the last character, so several strings decode to the same signature; without this check a
 * repeated request could pass for a new one (and be acted on again) by re-spelling its signature.
 */
function decodeBase64Strict(value: string): Buffer | null {
  if (!BASE64_PATTERN.test(value)) return null;
  const bytes = Buffer.from(value, 'base64');
  // Comparing an input against its own re-encoding; no secret is involved, so === is fine here.
  if (bytes.toString('base64').replace(/=+$/, '') !== value.replace(/=+$/, '')) return null;
  return bytes;
}

function spkiFromRaw(raw: Buffer): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
}

function assertEd25519Public(key: KeyObject): KeyObject {
  if (key.type !== 'public') {
    throw new InvalidPublicKeyError(`Telnyx public key: expected a public key, got a ${key.type} key`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new InvalidPublicKeyError(`Telnyx public key: expected an Ed25519 key, got ${key.asymmetricKeyType ?? 'an unknown key type'}`);
  }
  return key;
}

/**
 * Parses the configured key once, at startup. Accepts the form the Telnyx portal shows (base64 of the
 * raw 32-byte key), base64 of a DER SPKI ('MCowBQYDK2VwAyEA…'), or a PEM 'PUBLIC KEY' block.
 * Throws InvalidPublicKeyError with a message that says what was wrong (never echoing the value).
 */
export function parseTelnyxPublicKey(value: string): KeyObject {
  if (typeof value !== 'string') throw new InvalidPublicKeyError('Telnyx public key: expected a string');
  const trimmed = value.trim();
  if (trimmed === '') throw new InvalidPublicKeyError('Telnyx public key is empty');

  if (trimmed.startsWith('-----BEGIN')) {
    let key: KeyObject;
    try {
      key = createPublicKey({ key: trimmed, format: 'pem' });
    } catch {
      throw new InvalidPublicKeyError('Telnyx public key: PEM block could not be parsed as a public key');
    }
    return assertEd25519Public(key);
  }

  // Env files and copy-paste sometimes wrap long values; internal whitespace is never meaningful here.
  const bytes = decodeBase64Strict(trimmed.replace(/\s+/g, ''));
  if (bytes === null) throw new InvalidPublicKeyError('Telnyx public key: not valid base64');

  if (bytes.length === ED25519_KEY_BYTES) return spkiFromRaw(bytes);
  const spkiBytes = SPKI_ED25519_PREFIX.length + ED25519_KEY_BYTES;
  if (bytes.length === spkiBytes && bytes.subarray(0, SPKI_ED25519_PREFIX.length).equals(SPKI_ED25519_PREFIX)) {
    return spkiFromRaw(bytes.subarray(SPKI_ED25519_PREFIX.length));
  }
  throw new InvalidPublicKeyError(
    `Telnyx public key: expected base64 of a 32-byte Ed25519 key (or its ${spkiBytes}-byte SPKI form), ` + `got ${bytes.length} bytes`,
  );
}

/** Reads one header from either shape; duplicates resolve to the first value. Never throws. */
function readHeader(headers: HeaderSource, name: string): string | undefined {
  try {
    if (headers === null || typeof headers !== 'object') return undefined;
    if (typeof (headers as { get?: unknown }).get === 'function') {
      const value = (headers as { get(name: string): string | null }).get(name);
      if (typeof value !== 'string') return undefined;
      // WHATWG Headers joins repeated headers with ", ". Neither digits nor base64 contain a comma,
      // so splitting gives the first value, matching the array case below.
      const comma = value.indexOf(',');
      return (comma === -1 ? value : value.slice(0, comma)).trim();
    }
    const raw = Object.hasOwn(headers, name) ? (headers as Record<string, unknown>)[name] : undefined;
    const first: unknown = Array.isArray(raw) ? raw[0] : raw;
    return typeof first === 'string' ? first.trim() : undefined;
  } catch {
    // A hostile or broken header object must not make verification throw.
    return undefined;
  }
}

export class TelnyxSignatureVerifier {
  private readonly key: KeyObject;
  private readonly toleranceMs: number;

  constructor(opts: { publicKey: KeyObject | string; toleranceSeconds?: number }) {
    this.key = typeof opts.publicKey === 'string' ? parseTelnyxPublicKey(opts.publicKey) : assertEd25519Public(opts.publicKey);
    const tolerance = opts.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS;
    if (!Number.isFinite(tolerance) || tolerance < 0) {
      throw new RangeError(`toleranceSeconds must be a non-negative finite number, got ${tolerance}`);
    }
    this.toleranceMs = tolerance * 1000;
  }

  /**
   * headers: lower-case names → value (string | string[] | undefined as node gives them) or a
   * WHATWG Headers-like get(). rawBody: the exact bytes received — pass the Buffer when you have it;
   * a string is re-encoded as UTF-8, which only matches if the body was valid UTF-8. now: epoch ms.
   *
   * Never throws for any request input; throws RangeError only if `now` is not a finite number
   * (a caller bug — failing open on NaN would skip the time window).
   */
  verify(rawBody: Buffer | string, headers: HeaderSource, now: number): SignatureResult {
    const checked = this.check(rawBody, headers, now);
    return checked.ok ? { ok: true } : checked;
  }

  /** verify(), with the request's identity and window end for the answer store. Pure, synchronous and fast. */
  check(rawBody: Buffer | string, headers: HeaderSource, now: number): SignatureCheck {
    if (!Number.isFinite(now)) throw new RangeError(`now must be a finite epoch-ms number, got ${now}`);

    const ts = readHeader(headers, TIMESTAMP_HEADER);
    const sigText = readHeader(headers, SIGNATURE_HEADER);
    if (ts === undefined || sigText === undefined) return fail('missing-headers');

    if (!TIMESTAMP_PATTERN.test(ts)) return fail('malformed-timestamp');
    const tsSeconds = Number(ts);
    // Exactly the tolerance is still accepted; one second more is not (matches telnyx-node's `> 300`).
    const age = now - tsSeconds * 1000;
    if (age > this.toleranceMs) return fail('stale');
    if (age < -this.toleranceMs) return fail('future');

    if (sigText.length > MAX_SIGNATURE_CHARS) return fail('malformed-signature');
    const signature = decodeBase64Strict(sigText);
    if (signature === null || signature.length !== ED25519_SIGNATURE_BYTES) return fail('malformed-signature');

    let valid: boolean;
    try {
      const body = Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(String(rawBody), 'utf8');
      // The signed message is the timestamp text exactly as sent (leading zeros included), a pipe, the body.
      // Ed25519 verification in OpenSSL is constant-time; the decision never compares signature bytes.
      valid = cryptoVerify(null, Buffer.concat([Buffer.from(`${ts}|`, 'utf8'), body]), this.key, signature);
    } catch {
      valid = false;
    }
    if (!valid) return fail('bad-signature');

    // Only a valid signature yields a key, so a forged request can neither poison nor probe the store.
    // The canonical re-encoding is the key, so re-spelling the base64 cannot make a new request of an old one.
    return { ok: true, requestKey: `${ts}|${signature.toString('base64')}`, expiresAt: tsSeconds * 1000 + this.toleranceMs };
  }
}

function fail(reason: SignatureFailure): { ok: false; reason: SignatureFailure } {
  return { ok: false, reason };
}
