/**
 * Authentication at the edge (HTTP header, graphql-ws connectionParams) with failed attempts
 * rate-limited per source address and logged with their reason and source, never the credential.
 *
 * Only failures are counted and only failures are refused: a successful authentication is never
 * turned away by this limit, so one misconfigured softphone behind an office NAT cannot lock its
 * colleagues out. A source past its budget gets RATE_LIMITED (with a retry hint) instead of
 * UNAUTHENTICATED, and its failures are logged once when it crosses the limit, not one by one.
 */
import type { IncomingMessage } from 'node:http';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../infra/logger.js';
import type { Authenticator } from './authenticator.js';
import type { Limit } from './limits.js';
import { AuthError, type Viewer } from './tokens.js';

export type AuthRefusal = { code: 'UNAUTHENTICATED'; message: string } | { code: 'RATE_LIMITED'; message: string; retryAfterMs: number };

export class AuthRefused extends Error {
  override name = 'AuthRefused';
  constructor(readonly refusal: AuthRefusal) {
    super(refusal.message);
  }
}

/** Sources whose crossing of the limit was logged, until their window ends (one line per window). */
const MAX_REMEMBERED_SOURCES = 10_000;

export class AuthGate {
  /** Each entry lives until its source's window ends (ttl); the least recently blocked go past the bound. */
  private readonly loggedBlocks = new LRUCache<string, true>({ max: MAX_REMEMBERED_SOURCES });

  constructor(
    private readonly deps: {
      authenticator: Pick<Authenticator, 'authenticate'>;
      failures: Pick<Limit, 'take'>;
      logger: Logger;
      trustProxyHops: number;
    },
  ) {}

  /**
   * The client's address: the socket's peer, or with TRUST_PROXY=n the address n hops from the
   * right of X-Forwarded-For (the one our own proxy appended; entries further left are the client's say).
   */
  sourceOf(req: IncomingMessage | undefined): string {
    const peer = req?.socket?.remoteAddress ?? 'unknown';
    const hops = this.deps.trustProxyHops;
    const header = req?.headers['x-forwarded-for'];
    if (hops === 0 || !header) return peer;
    const chain = (Array.isArray(header) ? header.join(',') : header)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    return chain[chain.length - hops] ?? chain[0] ?? peer;
  }

  /**
   * The viewer for a credential (null when there is none), or AuthRefused. `source` is the client's
   * address, or the request to read it from, only when an attempt fails (successes are the hot path).
   */
  async authenticate(
    credential: string | null,
    from: string | IncomingMessage | undefined,
    via: 'http' | 'graphql-ws',
  ): Promise<Viewer | null> {
    if (!credential) return null;
    try {
      return await this.deps.authenticator.authenticate(credential);
    } catch (err) {
      const source = typeof from === 'string' ? from : this.sourceOf(from);
      const reason = err instanceof AuthError ? err.message : 'invalid credentials';
      if (!(err instanceof AuthError)) this.deps.logger.warn({ err, source, via }, 'authentication error');
      const retryAfterMs = await this.deps.failures.take(source);
      if (retryAfterMs > 0) {
        this.logBlocked(source, via, reason, retryAfterMs);
        throw new AuthRefused({
          code: 'RATE_LIMITED',
          message: `too many failed authentications; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
          retryAfterMs,
        });
      }
      this.deps.logger.warn({ source, via, reason }, 'authentication failed');
      throw new AuthRefused({ code: 'UNAUTHENTICATED', message: reason });
    }
  }

  private logBlocked(source: string, via: string, reason: string, retryAfterMs: number): void {
    if (this.loggedBlocks.has(source)) return;
    this.loggedBlocks.set(source, true, { ttl: Math.max(1, retryAfterMs) });
    this.deps.logger.warn(
      { source, via, reason, retryAfterMs },
      'authentication failed: too many failures from this source, refused until its window ends',
    );
  }
}
