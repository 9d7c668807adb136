/**
 * Who is calling. The CRM uses the admin API key; agents and supervisors use signed tokens (JWT,
 * HS256 via `jose`) that carry their role, company and, for agents, their own id.
 */
import { createHash, hash, timingSafeEqual } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { LRUCache } from 'lru-cache';

/** Who a credential belongs to. */
export type Principal =
  | { role: 'admin' }
  | { role: 'supervisor'; companyId: string }
  | { role: 'agent'; companyId: string; agentId: string };

/**
 * The principal a request or connection acts for. Token viewers carry their token's expiry (epoch
 * ms): open sockets and streams end then. The admin API key does not expire.
 */
export type Viewer = { role: 'admin' } | (Exclude<Principal, { role: 'admin' }> & { expiresAt: number });

/** What a token is issued for; both roles carry a token version (revocation: agent's or company's). */
export type TokenClaims = Exclude<Principal, { role: 'admin' }> & { tokenVersion?: number };

/** What a verified token says: its claims and its expiry. */
export type VerifiedToken = TokenClaims & { expiresAt: number };

export type TokenRole = 'agent' | 'supervisor';

const ISSUER = 'curbe-voice';
const AUDIENCE = 'curbe-voice-api';

export class AuthError extends Error {
  override name = 'AuthError';
}

/** Verified tokens remembered (digest of the full token → claims and expiry); past it the least recently used are forgotten. */
export const MAX_VERIFIED_TOKENS = 250_000;

/**
 * The key a verified token is remembered under: the SHA-256 of the whole token (never a part of it),
 * as 32 one-byte characters. ~50 bytes per agent instead of the token itself (~250, and over HTTP the
 * whole Authorization header it is a slice of), for a hash of ~1 µs per request.
 */
export function verifiedKeyOf(credential: string): string {
  return hash('sha256', credential, 'binary');
}

export class TokenService {
  /**
   * Checking an HS256 signature costs about a third of a heartbeat's CPU; a token seen before is
   * looked up instead, keyed by a digest of the whole token and only until it expires. Revocation is
   * unaffected: the Authenticator checks the agent's token version on every request. Expiry is
   * checked against the wall clock on each look-up (as jose does), so no per-entry ttl is kept.
   */
  private readonly verified = new LRUCache<string, VerifiedToken>({ max: MAX_VERIFIED_TOKENS });
  private readonly key: Uint8Array;
  /** Still accepted, never used to sign: rotating JWT_SECRET keeps tokens alive until they expire. */
  private readonly previousKey: Uint8Array | null;
  private readonly adminKeyDigest: Buffer | null;

  constructor(opts: { jwtSecret: string; previousJwtSecret?: string | undefined; adminApiKey: string | undefined }) {
    this.key = new TextEncoder().encode(opts.jwtSecret);
    this.previousKey = opts.previousJwtSecret ? new TextEncoder().encode(opts.previousJwtSecret) : null;
    this.adminKeyDigest = opts.adminApiKey ? digest(opts.adminApiKey) : null;
  }

  async issue(viewer: TokenClaims, ttlSeconds: number, now = Date.now()): Promise<{ token: string; expiresAt: Date }> {
    const iat = Math.floor(now / 1000);
    const exp = iat + ttlSeconds;
    const claims: Record<string, unknown> = { role: viewer.role, cid: viewer.companyId };
    claims.ver = viewer.tokenVersion ?? 0;
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setSubject(viewer.role === 'agent' ? viewer.agentId : viewer.companyId);
    return { token: await jwt.sign(this.key), expiresAt: new Date(exp * 1000) };
  }

  /**
   * A token verified before and not yet expired, without waiting (the heartbeat's hot path): the
   * remembered entry itself, to read only. Undefined for anything else, which authenticate() decides.
   */
  remembered(credential: string): Readonly<VerifiedToken> | undefined {
    const known = this.verified.get(verifiedKeyOf(credential));
    return known && Date.now() < known.expiresAt ? known : undefined;
  }

  /**
   * The claims of a credential: the admin API key or a token signed with the current or previous
   * secret. Throws AuthError when it is invalid. Tokens still need the revocation check
   * (Authenticator), which knows the agent's or company's current token version.
   */
  async authenticate(credential: string): Promise<{ role: 'admin' } | VerifiedToken> {
    const key = verifiedKeyOf(credential);
    // A token verified before is not the admin key: no admin digest on the steady path (heartbeats).
    const known = this.verified.get(key);
    if (!known && this.adminKeyDigest && timingSafeEqual(digest(credential), this.adminKeyDigest)) return { role: 'admin' };
    if (known && Date.now() < known.expiresAt) return { ...known };
    if (known) this.verified.delete(key);
    const verified = await this.verify(credential); // past its expiry: AuthError('token expired')
    this.verified.set(key, verified);
    return { ...verified };
  }

  private async verify(credential: string): Promise<VerifiedToken> {
    try {
      const options = { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] };
      const { payload } = await jwtVerify(credential, this.key, options).catch((err) => {
        if (this.previousKey && err instanceof joseErrors.JWSSignatureVerificationFailed)
          return jwtVerify(credential, this.previousKey, options);
        throw err;
      });
      const cid = payload.cid;
      if (typeof cid !== 'string' || typeof payload.sub !== 'string' || typeof payload.exp !== 'number')
        throw new AuthError('malformed token');
      const expiresAt = payload.exp * 1000;
      // Tokens issued before versions existed carry none: version 0, the column's default.
      const tokenVersion = typeof payload.ver === 'number' ? payload.ver : 0;
      if (payload.role === 'agent') return { role: 'agent', companyId: cid, agentId: payload.sub, tokenVersion, expiresAt };
      if (payload.role === 'supervisor') return { role: 'supervisor', companyId: cid, tokenVersion, expiresAt };
      throw new AuthError('malformed token');
    } catch (err) {
      if (err instanceof AuthError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw new AuthError('token expired');
      throw new AuthError('invalid credentials');
    }
  }
}

/** `Authorization: Bearer x`, or the bare value; graphql-ws sends it in connectionParams. */
export function credentialFrom(header: unknown): string | null {
  if (typeof header !== 'string' || header.trim() === '') return null;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  return (m ? m[1]! : header).trim();
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
