/**
 * The audit recorder's pure parts: the diff keeps only changed fields (dates and JSON by value),
 * secrets keep only the fact that they changed, a Prisma update's data is applied as the row it
 * makes, and an actor is named by its token's subject and fingerprint, never by the token.
 */
import { describe, expect, it } from 'vitest';
import { actorOf, changesBetween, patched } from '../../src/services/audit-log.js';

describe('changesBetween', () => {
  it('keeps only the fields that changed, dates and JSON compared by value', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    const before = { id: 'q1', name: 'A', hours: { weekly: [1, 2] }, at, updatedAt: new Date(1) };
    const after = { id: 'q1', name: 'B', hours: { weekly: [1, 2] }, at: new Date(at), updatedAt: new Date(2) };
    expect(changesBetween(before, after)).toEqual({ name: { before: 'A', after: 'B' } });
  });

  it('a created row shows every field after, a deleted one every field before', () => {
    expect(changesBetween(null, { name: 'A', label: null })).toEqual({ name: { before: null, after: 'A' } });
    expect(changesBetween({ name: 'A', n: 2 }, null)).toEqual({ name: { before: 'A', after: null }, n: { before: 2, after: null } });
  });

  it.each(['webhookSecret', 'sipPassword', 'apiKey', 'token'])('%s is redacted, but its change is recorded', (key) => {
    expect(changesBetween({ [key]: 'old-value' }, { [key]: 'new-value' })).toEqual({
      [key]: { before: '[redacted]', after: '[redacted]' },
    });
  });

  it('token versions and credential ids are not secrets', () => {
    expect(changesBetween({ tokenVersion: 1, telnyxCredentialId: 'a' }, { tokenVersion: 2, telnyxCredentialId: 'b' })).toEqual({
      tokenVersion: { before: 1, after: 2 },
      telnyxCredentialId: { before: 'a', after: 'b' },
    });
  });
});

describe('patched', () => {
  it('applies set fields and increments, and leaves the rest', () => {
    expect(patched({ a: 1, b: 'x', v: 3 }, { b: 'y', v: { increment: 1 }, c: undefined })).toEqual({ a: 1, b: 'y', v: 4 });
  });
});

describe('actorOf', () => {
  it('names each kind by its subject and a fingerprint of the credential', () => {
    const sup = actorOf({ role: 'supervisor', companyId: 'c1', expiresAt: 0 }, 'secret.jwt.value', 'r1');
    expect(sup).toMatchObject({ kind: 'supervisor', subject: 'c1', requestId: 'r1' });
    expect(sup.tokenId).toMatch(/^tok_[0-9a-f]{16}$/);
    expect(JSON.stringify(sup)).not.toContain('secret.jwt.value');
    expect(actorOf({ role: 'supervisor', companyId: 'c1', expiresAt: 0 }, 'another.jwt').tokenId).not.toBe(sup.tokenId);
    expect(actorOf({ role: 'agent', companyId: 'c1', agentId: 'a1', expiresAt: 0 }, 't')).toMatchObject({ kind: 'agent', subject: 'a1' });
    expect(actorOf({ role: 'admin' }, 'key')).toMatchObject({ kind: 'admin', subject: null });
    expect(actorOf(null)).toMatchObject({ kind: 'system', subject: null, tokenId: null });
  });
});
