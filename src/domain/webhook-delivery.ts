/**
 * How a CRM webhook is signed and retried (README §CRM events). Pure: time is an argument.
 *
 * Signature: `Curbe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`; during a
 * secret rotation one `v1=` per secret (the new one first), so a receiver holding either verifies.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'Curbe-Signature';
export const EVENT_ID_HEADER = 'Curbe-Event-Id';
export const EVENT_TYPE_HEADER = 'Curbe-Event-Type';
/** A receiver should refuse a signature older than this (replay of a captured request). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export const RETRY = {
  /** The first retry's delay; each next one doubles… */
  baseMs: 10_000,
  /** …up to an hour. */
  capMs: 3_600_000,
  /** Retries go on until a failure comes this long after the first attempt (or a replay). */
  windowMs: 24 * 3_600_000,
  /** ± this share of the delay, so a fleet of failures spreads out. */
  jitter: 0.1,
} as const;

/** The delay before retry number `failures` (1 = after the first failure); `random` in [0, 1). */
export function retryDelayMs(failures: number, random: number): number {
  const plain = Math.min(RETRY.capMs, RETRY.baseMs * 2 ** Math.min(Math.max(failures - 1, 0), 30));
  return Math.round(plain * (1 - RETRY.jitter + 2 * RETRY.jitter * random));
}

/**
 * After a failed attempt at `now`: the next attempt, or give up when the window (started at
 * `windowStartedAt`) is over, so every event is tried for at least 24 h.
 */
export function afterFailure(
  failures: number,
  now: number,
  windowStartedAt: number,
  random: number,
): { kind: 'retry'; at: number } | { kind: 'give-up' } {
  if (now - windowStartedAt >= RETRY.windowMs) return { kind: 'give-up' };
  return { kind: 'retry', at: now + retryDelayMs(failures, random) };
}

/** A 2xx answer is a delivery; anything else (3xx included: redirects are not followed) is retried. */
export function delivered(statusCode: number | null): boolean {
  return statusCode !== null && statusCode >= 200 && statusCode < 300;
}

export function sign(secret: string, timestampSeconds: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
}

/** The header's value: `t=…,v1=…[,v1=…]`, one v1 per secret (the current one first). */
export function signatureHeader(secrets: readonly string[], timestampSeconds: number, body: string): string {
  return [`t=${timestampSeconds}`, ...secrets.map((s) => `v1=${sign(s, timestampSeconds, body)}`)].join(',');
}

/** The secrets that sign at `now`: the current one, and the previous one during its grace period. */
export function signingSecrets(
  endpoint: { secret: string; previousSecret: string | null; previousSecretExpiresAt: Date | null },
  now: number,
): string[] {
  const previous =
    endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt.getTime() > now
      ? [endpoint.previousSecret]
      : [];
  return [endpoint.secret, ...previous];
}

/**
 * A receiver's check (the README's recipe, here for tests and SDKs): some v1 matches for `secret`
 * and the timestamp is within the tolerance of `nowSeconds`.
 */
export function verifySignature(header: string, body: string, secret: string, nowSeconds: number): boolean {
  const parts = header.split(',').map((p) => p.trim());
  const t = Number(parts.find((p) => p.startsWith('t='))?.slice(2));
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > SIGNATURE_TOLERANCE_SECONDS) return false;
  const expected = Buffer.from(sign(secret, t, body), 'hex');
  return parts
    .filter((p) => p.startsWith('v1='))
    .some((p) => {
      const given = Buffer.from(p.slice(3), 'hex');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}

/** The attempt log kept on a delivery: the last ATTEMPT_LOG_SIZE attempts, oldest first. */
export const ATTEMPT_LOG_SIZE = 10;

export interface AttemptRecord {
  /** ISO time of the attempt. */
  at: string;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

export function appendAttempt(log: unknown, attempt: AttemptRecord): AttemptRecord[] {
  return [...parseAttemptLog(log), attempt].slice(-ATTEMPT_LOG_SIZE);
}

/** A stored attempt log read back (JSON from the database): malformed entries are dropped. */
export function parseAttemptLog(log: unknown): AttemptRecord[] {
  if (!Array.isArray(log)) return [];
  return log
    .filter((a): a is AttemptRecord => typeof a === 'object' && a !== null && typeof (a as AttemptRecord).at === 'string')
    .map((a) => ({
      at: a.at,
      statusCode: typeof a.statusCode === 'number' ? a.statusCode : null,
      durationMs: typeof a.durationMs === 'number' ? a.durationMs : 0,
      error: typeof a.error === 'string' ? a.error : null,
    }))
    .slice(-ATTEMPT_LOG_SIZE);
}
