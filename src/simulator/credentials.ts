/**
 * The simulated account's telephony credentials and the login tokens minted for them.
 *
 * Follows https://developers.telnyx.com/api-reference/credentials/create-a-credential (generated
 * `gencred…` SIP usernames, 32-hex-digit passwords, the creation time as the default name) and
 * https://developers.telnyx.com/docs/voice/webrtc/auth/jwt (a token is "valid until 24 hours after its
 * creation or the parent telephony credential is expired"; removing the credential revokes it, per
 * https://developers.telnyx.com/development/webrtc/auth/telephony-credentials).
 *
 * Tokens are JWT-shaped (`header.payload.signature`, base64url, HS512 like the example on
 * https://developers.telnyx.com/api-reference/access-tokens/create-an-access-token) and signed with
 * the store's own secret: only this store can tell whether one is genuine.
 */
import { createHmac, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { type Clock, systemClock } from '../domain/clock.js';
import type { CredentialStore, SimCredential } from './contracts.js';

const TOKEN_TTL_MS = 24 * 60 * 60 * 1000;
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** The documented example `gencrednCvHU5IYpSBPPsXI2iQsDX` has 22 characters after the prefix. */
const GENERATED_USERNAME_CHARS = 22;

export interface CredentialStoreOptions {
  clock?: Clock;
  /** HMAC key for login tokens; random per store unless given (tests may pin it). */
  secret?: string | Buffer;
}

/** The claims of a login token, as Telnyx's example token carries them. */
export interface LoginTokenClaims {
  aud: 'telnyx_telephony';
  iss: 'telnyx_telephony';
  typ: 'access';
  /** The credential's id. */
  sub: string;
  jti: string;
  /** Seconds since the epoch. */
  iat: number;
  nbf: number;
  exp: number;
  tel_token: string;
}

export class MemoryCredentialStore implements CredentialStore {
  private readonly clock: Clock;
  private readonly secret: Buffer;
  private readonly credentials = new Map<string, SimCredential>();
  /** Live tokens by jti → credential id; removing a credential deletes its entries (revocation). */
  private readonly tokens = new Map<string, string>();

  constructor(options: CredentialStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.secret = options.secret === undefined ? randomBytes(32) : Buffer.from(options.secret);
  }

  create(input: { id?: string; name?: string; connectionId: string; sipUsername?: string }): SimCredential {
    const sipUsername = input.sipUsername ?? this.freshUsername();
    if (this.list().some((c) => c.sipUsername === sipUsername)) throw new Error(`SIP username ${sipUsername} is taken`);
    if (input.id !== undefined && this.credentials.has(input.id)) throw new Error(`credential ${input.id} exists`);
    const createdAt = new Date(this.clock.now()).toISOString();
    const credential: SimCredential = {
      id: input.id ?? randomUUID(),
      // Telnyx names an unnamed credential after its creation time ("2020-06-18 21:32:38.917732Z").
      name: input.name ?? createdAt.replace('T', ' '),
      sipUsername,
      sipPassword: randomBytes(16).toString('hex'),
      connectionId: input.connectionId,
      createdAt,
      expired: false,
    };
    this.credentials.set(credential.id, credential);
    return credential;
  }

  get(id: string): SimCredential | undefined {
    return this.credentials.get(id);
  }

  /** In creation order. */
  list(): SimCredential[] {
    return [...this.credentials.values()];
  }

  remove(id: string): boolean {
    if (!this.credentials.delete(id)) return false;
    for (const [jti, owner] of this.tokens) if (owner === id) this.tokens.delete(jti);
    return true;
  }

  mintToken(id: string): string | undefined {
    const credential = this.credentials.get(id);
    if (!credential) return undefined;
    const iat = Math.floor(this.clock.now() / 1000);
    const claims: LoginTokenClaims = {
      aud: 'telnyx_telephony',
      exp: iat + TOKEN_TTL_MS / 1000,
      iat,
      iss: 'telnyx_telephony',
      jti: randomUUID(),
      nbf: iat - 1,
      sub: credential.id,
      tel_token: randomBytes(48).toString('base64url'),
      typ: 'access',
    };
    this.tokens.set(claims.jti, credential.id);
    const unsigned = `${base64url({ alg: 'HS512', typ: 'JWT' })}.${base64url(claims)}`;
    return `${unsigned}.${this.sign(unsigned)}`;
  }

  byToken(token: string): SimCredential | undefined {
    const claims = this.verify(token);
    if (!claims) return undefined;
    if (this.tokens.get(claims.jti) !== claims.sub) return undefined;
    if (this.clock.now() >= claims.exp * 1000) return undefined;
    const credential = this.credentials.get(claims.sub);
    return credential && !credential.expired ? credential : undefined;
  }

  /** The claims of a token this store signed (whether or not it is still valid), else undefined. */
  verify(token: string): LoginTokenClaims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [header, payload, signature] = parts as [string, string, string];
    const expected = Buffer.from(this.sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as LoginTokenClaims;
    } catch {
      return undefined;
    }
  }

  private sign(unsigned: string): string {
    return createHmac('sha512', this.secret).update(unsigned).digest('base64url');
  }

  private freshUsername(): string {
    for (;;) {
      let suffix = '';
      for (let i = 0; i < GENERATED_USERNAME_CHARS; i++) suffix += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
      const username = `gencred${suffix}`;
      if (!this.list().some((c) => c.sipUsername === username)) return username;
    }
  }
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
