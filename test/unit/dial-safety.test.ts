import { describe, expect, it } from 'vitest';
import {
  checkForwardNumber,
  DENIED_NUMBER_TYPES,
  IRSF_CALLING_CODES,
  IRSF_REGIONS,
  type ForwardNumberFacts,
} from '../../src/domain/dial-safety.js';

const NONE: ForwardNumberFacts = { ownNumbers: [], belongsToAnotherTenant: false };

describe('checkForwardNumber: numbers calls may be forwarded to', () => {
  it.each([
    ['+13055550100', 'US geographic'],
    ['+34911234567', 'Spain fixed line'],
    ['+442079460000', 'London fixed line'],
    ['+33612345678', 'France mobile'],
    ['+4530303030', 'Denmark'],
    ['+18005550100', 'US toll-free (free for the caller, no revenue share)'],
    ['+18765551234', 'Jamaica (contact-centre traffic; not on the list)'],
    ['+18095551234', 'Dominican Republic (contact-centre traffic; not on the list)'],
    ['+447624123456', 'Isle of Man mobile'],
  ])('%s (%s) is allowed', (number) => {
    expect(checkForwardNumber(number, NONE)).toEqual({ ok: true });
  });
});

describe('checkForwardNumber: premium-rate, shared-cost and similar types', () => {
  it.each([
    ['+19005551234', 'PREMIUM_RATE', /a premium-rate number/],
    ['+449098790000', 'PREMIUM_RATE', /a premium-rate number/],
    ['+448435551234', 'PREMIUM_RATE', /a premium-rate number/],
    ['+33899123456', 'PREMIUM_RATE', /a premium-rate number/],
    ['+4590123456', 'PREMIUM_RATE', /a premium-rate number/],
    ['+979123456789', 'PREMIUM_RATE', /a premium-rate number/],
    ['+33810123456', 'SHARED_COST', /a shared-cost number/],
    ['+80812345678', 'SHARED_COST', /a shared-cost number/],
    ['+447012345678', 'PERSONAL_NUMBER', /personal \(follow-me\) number charged at premium rates/],
  ])('%s (%s) is refused', (number, type, message) => {
    expect(DENIED_NUMBER_TYPES.has(type as never)).toBe(true);
    const check = checkForwardNumber(number, NONE);
    expect(check).toMatchObject({ ok: false, problem: 'DENIED_TYPE' });
    if (!check.ok) {
      expect(check.message).toMatch(message);
      expect(check.message).toContain(number);
      expect(check.message).toMatch(/calls cannot be forwarded to premium-rate, shared-cost or similar numbers/);
    }
  });
});

describe('checkForwardNumber: destinations known for international revenue share fraud', () => {
  it.each([
    ['+5372345678', 'Cuba (+53)'],
    ['+25261234567', 'Somalia (+252)'],
    ['+6767123456', 'Tonga (+676)'],
    ['+68221234', 'Cook Islands (+682)'],
    ['+29022345', 'Saint Helena (+290)'],
    ['+24741234', 'Ascension Island (+247)'],
    ['+12684601234', 'Antigua and Barbuda (+1)'],
    ['+14734031234', 'Grenada (+1)'],
    ['+870773123456', 'Inmarsat (satellite) (+870)'],
    ['+881612345678', 'Global Mobile Satellite System (Iridium, Globalstar…) (+881)'],
  ])('%s → %s', (number, destination) => {
    const check = checkForwardNumber(number, NONE);
    expect(check).toEqual({
      ok: false,
      problem: 'HIGH_RISK_DESTINATION',
      message: `calls cannot be forwarded to ${destination}: a destination known for international revenue share fraud`,
    });
  });

  it('the lists are well-formed: ISO region codes and bare calling codes', () => {
    for (const region of Object.keys(IRSF_REGIONS)) expect(region).toMatch(/^[A-Z]{2}$/);
    for (const code of Object.keys(IRSF_CALLING_CODES)) expect(code).toMatch(/^[0-9]{1,3}$/);
  });
});

describe('checkForwardNumber: the company and the other tenants', () => {
  const own = ['+13055550100', '+13055550101'];

  it.each([
    ['+13055550101', 'stored form'],
    ['+1 305 555 0101', 'formatted differently'],
  ])("one of the company's own numbers (%s, %s) is a loop", (number) => {
    expect(checkForwardNumber(number, { ownNumbers: own, belongsToAnotherTenant: false })).toEqual({
      ok: false,
      problem: 'OWN_NUMBER',
      message: "+13055550101 is one of this company's own numbers; forwarding to it would call the company again (a loop)",
    });
  });

  it("another tenant's number is refused with a message that does not say so", () => {
    const check = checkForwardNumber('+13055550199', { ownNumbers: own, belongsToAnotherTenant: true });
    expect(check).toEqual({ ok: false, problem: 'OTHER_TENANT', message: '+13055550199 cannot be used as a forwarding number' });
    if (!check.ok) expect(check.message).not.toMatch(/tenant|company|another|in use/i);
  });

  it('a number of neither is allowed', () => {
    expect(checkForwardNumber('+13055550199', { ownNumbers: own, belongsToAnotherTenant: false })).toEqual({ ok: true });
  });

  it('the type and destination rules come first (the clearest reason)', () => {
    expect(checkForwardNumber('+19005551234', { ownNumbers: ['+19005551234'], belongsToAnotherTenant: true })).toMatchObject({
      problem: 'DENIED_TYPE',
    });
  });

  it('text that is not a number is refused', () => {
    expect(checkForwardNumber('not a number', NONE)).toMatchObject({ ok: false });
  });
});
