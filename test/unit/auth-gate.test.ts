import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { AuthGate } from '../../src/auth/auth-gate.js';
import { createLogger } from '../../src/infra/logger.js';

const gate = (trustProxyHops: number) =>
  new AuthGate({
    authenticator: { authenticate: async () => ({ role: 'admin' }) },
    failures: { take: async () => 0 },
    logger: createLogger('silent'),
    trustProxyHops,
  });
const request = (remoteAddress: string, xff?: string) =>
  ({ socket: { remoteAddress }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;

describe('AuthGate.sourceOf', () => {
  it('uses the peer address and ignores X-Forwarded-For unless TRUST_PROXY says there are proxies', () => {
    expect(gate(0).sourceOf(request('10.0.0.5', '1.2.3.4'))).toBe('10.0.0.5');
    expect(gate(0).sourceOf(request('10.0.0.5'))).toBe('10.0.0.5');
  });

  it('with n proxies takes the address n hops from the right (what our own proxies appended), never the client-written left part', () => {
    expect(gate(1).sourceOf(request('10.0.0.5', 'spoofed, 203.0.113.7'))).toBe('203.0.113.7');
    expect(gate(2).sourceOf(request('10.0.0.5', 'spoofed, 203.0.113.7, 10.0.0.9'))).toBe('203.0.113.7');
    expect(gate(1).sourceOf(request('10.0.0.5'))).toBe('10.0.0.5'); // no header: the peer
  });
});

describe('AuthGate.authenticate', () => {
  it('refuses with UNAUTHENTICATED under the limit and RATE_LIMITED past it; no credential is anonymous', async () => {
    let failures = 0;
    const limited = new AuthGate({
      authenticator: { authenticate: async () => Promise.reject(new Error('boom')) },
      failures: { take: async () => (++failures > 1 ? 5000 : 0) },
      logger: createLogger('silent'),
      trustProxyHops: 0,
    });
    expect(await limited.authenticate(null, 'x', 'http')).toBeNull();
    await expect(limited.authenticate('bad', 'x', 'http')).rejects.toMatchObject({
      refusal: { code: 'UNAUTHENTICATED', message: 'invalid credentials' },
    });
    await expect(limited.authenticate('bad', 'x', 'http')).rejects.toMatchObject({ refusal: { code: 'RATE_LIMITED', retryAfterMs: 5000 } });
  });
});

describe('AuthGate blocked-source log', () => {
  it('logs a source crossing the limit once per window, each source on its own', async () => {
    const lines: string[] = [];
    const logger = { warn: (_: unknown, msg: string) => void lines.push(msg) } as unknown as ReturnType<typeof createLogger>;
    const limited = new AuthGate({
      authenticator: { authenticate: async () => Promise.reject(new Error('boom')) },
      failures: { take: async () => 60_000 },
      logger,
      trustProxyHops: 0,
    });
    for (const source of ['10.0.0.1', '10.0.0.1', '10.0.0.1', '10.0.0.2']) {
      await expect(limited.authenticate('bad', source, 'http')).rejects.toMatchObject({ refusal: { code: 'RATE_LIMITED' } });
    }
    expect(lines.filter((l) => l.startsWith('authentication failed: too many failures'))).toHaveLength(2);
  });
});
