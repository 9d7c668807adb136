import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthError, MAX_VERIFIED_TOKENS, TokenService, verifiedKeyOf } from '../../src/auth/tokens.js';
import type { LRUCache } from 'lru-cache';

const SECRET = 'unit-test-secret-unit-test-secret-0123';
const tokens = () => new TokenService({ jwtSecret: SECRET, adminApiKey: 'admin-key-0123456789' });
const agent = { role: 'agent' as const, companyId: 'co', agentId: 'ag', tokenVersion: 3 };
/** What authenticate answers: the claims and the token's expiry (epoch ms). */
const withExpiry = { ...agent, expiresAt: expect.any(Number) };

afterEach(() => vi.useRealTimers());

describe('TokenService', () => {
  it('verifies a token once and answers repeats from memory, with the same claims', async () => {
    const service = tokens();
    const { token, expiresAt } = await service.issue(agent, 600);
    expect(await service.authenticate(token)).toEqual({ ...agent, expiresAt: expiresAt.getTime() });
    const again = await service.authenticate(token);
    expect(again).toEqual(withExpiry);
    (again as { agentId: string }).agentId = 'mutated'; // callers get a copy
    expect(await service.authenticate(token)).toEqual(withExpiry);
  });

  it('a remembered token stops working when it expires', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 24, 12, 0, 0), toFake: ['Date'] });
    const service = tokens();
    const { token } = await service.issue(agent, 60);
    await service.authenticate(token);
    vi.setSystemTime(Date.UTC(2026, 10, 24, 12, 0, 59));
    expect(await service.authenticate(token)).toEqual(withExpiry);
    vi.setSystemTime(Date.UTC(2026, 10, 24, 12, 1, 0));
    await expect(service.authenticate(token)).rejects.toThrow(new AuthError('token expired'));
    await expect(service.authenticate(token)).rejects.toThrow(AuthError); // and stays refused
  });

  it("supervisor tokens carry their company's token version (0 when issued without one)", async () => {
    const service = tokens();
    const versioned = await service.issue({ role: 'supervisor', companyId: 'co', tokenVersion: 2 }, 600);
    expect(await service.authenticate(versioned.token)).toEqual({
      role: 'supervisor',
      companyId: 'co',
      tokenVersion: 2,
      expiresAt: versioned.expiresAt.getTime(),
    });
    const plain = await service.issue({ role: 'supervisor', companyId: 'co' }, 600);
    expect(await service.authenticate(plain.token)).toMatchObject({ role: 'supervisor', tokenVersion: 0 });
  });

  it('a token with another payload under a remembered signature is refused', async () => {
    const service = tokens();
    const { token } = await service.issue(agent, 600);
    await service.authenticate(token);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = [header, Buffer.from(JSON.stringify({ ...claims, cid: 'other' })).toString('base64url'), signature].join('.');
    await expect(service.authenticate(forged)).rejects.toThrow(new AuthError('invalid credentials'));
  });

  it('a token signed with another secret is refused; the previous secret is accepted during rotation', async () => {
    const old = new TokenService({ jwtSecret: 'old-secret-old-secret-old-secret-0123', adminApiKey: undefined });
    const { token } = await old.issue(agent, 600);
    await expect(tokens().authenticate(token)).rejects.toThrow(AuthError);
    const rotated = new TokenService({
      jwtSecret: SECRET,
      previousJwtSecret: 'old-secret-old-secret-old-secret-0123',
      adminApiKey: undefined,
    });
    expect(await rotated.authenticate(token)).toEqual(withExpiry);
  });

  it(`remembers at most ${MAX_VERIFIED_TOKENS} tokens, forgetting the least recently used (which still verify)`, async () => {
    const service = tokens();
    const first = (await service.issue(agent, 600)).token;
    await service.authenticate(first);
    const cache = (service as unknown as { verified: LRUCache<string, object> }).verified;
    for (let i = 0; cache.size < MAX_VERIFIED_TOKENS; i++) cache.set(`filler-${i}`, { ...agent, expiresAt: Infinity });
    await service.authenticate((await service.issue({ ...agent, agentId: 'new' }, 600)).token);
    expect(cache.size).toBe(MAX_VERIFIED_TOKENS);
    expect(cache.has(verifiedKeyOf(first))).toBe(false);
    expect(await service.authenticate(first)).toEqual(withExpiry);
  });

  it('remembered() answers a token verified before until it expires, and nothing else', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 24, 12, 0, 0), toFake: ['Date'] });
    const service = tokens();
    const { token } = await service.issue(agent, 60);
    expect(service.remembered(token)).toBeUndefined(); // never verified here
    expect(service.remembered('admin-key-0123456789')).toBeUndefined(); // the admin key is authenticate()'s
    await service.authenticate(token);
    expect(service.remembered(token)).toEqual(await service.authenticate(token));
    vi.setSystemTime(Date.UTC(2026, 10, 24, 12, 1, 0));
    expect(service.remembered(token)).toBeUndefined();
    await expect(service.authenticate(token)).rejects.toThrow(new AuthError('token expired'));
  });

  it('remembers a token under a digest of the whole token, not the token itself', async () => {
    const service = tokens();
    const { token } = await service.issue(agent, 600);
    await service.authenticate(token);
    const cache = (service as unknown as { verified: LRUCache<string, object> }).verified;
    expect([...cache.keys()]).toEqual([verifiedKeyOf(token)]);
    expect(verifiedKeyOf(token)).toHaveLength(32);
    expect(verifiedKeyOf(`${token} `)).not.toBe(verifiedKeyOf(token));
  });
});
