import { describe, expect, it } from 'vitest';
import { type AgentSipIdentity, type SipTargetProblem, sipTargetOf } from '../../src/domain/sip-target.js';

const CREDENTIAL = '6a09cdc3-8948-47f0-aa62-74ac943d6c58';
const agent = (overrides: Partial<AgentSipIdentity> = {}): AgentSipIdentity => ({
  sipUsername: 'ana.garcia',
  telnyxCredentialId: null,
  telnyxSipUsername: null,
  ...overrides,
});

describe("sipTargetOf without a Telnyx account: the agent's own SIP username, as given", () => {
  it.each([
    ['no credential', agent()],
    [
      'a credential (ignored: no softphone logs in through it)',
      agent({ telnyxCredentialId: CREDENTIAL, telnyxSipUsername: 'gencredAbc123' }),
    ],
  ])('%s → sipUsername', (_name, a) => {
    expect(sipTargetOf(a, 'own')).toEqual({ ok: true, sipUsername: 'ana.garcia' });
  });

  it('a stored username Telnyx cannot dial (a leading digit, from before validation) is no target', () => {
    expect(sipTargetOf(agent({ sipUsername: '1001' }), 'own')).toMatchObject({ ok: false, problem: 'NOT_DIALABLE' });
  });
});

describe("sipTargetOf with a Telnyx account: exactly the credential's generated SIP username", () => {
  it('credential and its username known → that username, never the free-text sipUsername', () => {
    const target = sipTargetOf(agent({ telnyxCredentialId: CREDENTIAL, telnyxSipUsername: 'gencrednCvHU5IYpSBPPsXI2iQsDX' }), 'credential');
    expect(target).toEqual({ ok: true, sipUsername: 'gencrednCvHU5IYpSBPPsXI2iQsDX' });
  });

  it.each<[string, Partial<AgentSipIdentity>, SipTargetProblem, RegExp]>([
    ['no credential', {}, 'NO_CREDENTIAL', /no Telnyx credential.*reprovisionAgentCredential/],
    ['a credential whose username was never read', { telnyxCredentialId: CREDENTIAL }, 'SIP_USERNAME_UNKNOWN', /link the credential again/],
    ['a username without its credential', { telnyxSipUsername: 'gencredAbc123' }, 'INCONSISTENT', /without its credential/],
    [
      'a credential username Telnyx cannot dial',
      { telnyxCredentialId: CREDENTIAL, telnyxSipUsername: '5551234' },
      'NOT_DIALABLE',
      /"5551234" cannot be dialed: Telnyx SIP URIs must begin with a letter/,
    ],
  ])('%s → not routable (%s)', (_name, overrides, problem, detail) => {
    const target = sipTargetOf(agent(overrides), 'credential');
    expect(target).toMatchObject({ ok: false, problem });
    if (!target.ok) expect(target.detail).toMatch(detail);
  });

  it('a matching free-text sipUsername does not stand in for an unknown credential username', () => {
    expect(sipTargetOf(agent({ sipUsername: 'gencredAbc123', telnyxCredentialId: CREDENTIAL }), 'credential').ok).toBe(false);
  });
});
