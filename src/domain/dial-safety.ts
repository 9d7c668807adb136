/**
 * Which external numbers a company may have its calls forwarded to (the fallback number, also used
 * after hours). Every forward is a second call leg the platform pays for, so a number a tenant can
 * set is a way to spend the platform's money: premium-rate and shared-cost numbers pay their owner
 * per minute, and international revenue share fraud (IRSF) pumps calls to high-cost destinations
 * whose operators share the termination fee. A forward to one of the company's own numbers calls
 * the company back (a loop that rings until the hunt limits stop it); a forward to another tenant's
 * number pushes calls into that tenant's queue.
 *
 * Pure: the caller supplies the company's numbers and whether another tenant owns the number.
 */
import { parsePhoneNumberFromString, type NumberType } from 'libphonenumber-js/max';

/**
 * Number types that charge the caller a premium or share the call's revenue with the number's owner,
 * from libphonenumber's full metadata: premium rate (e.g. US 1-900, UK 09), shared cost (e.g. FR 081x,
 * UK 084x), "personal numbers" (UK 070, charged like premium and a known fraud vehicle), universal
 * access numbers (charged at special rates in several countries) and pagers.
 */
export const DENIED_NUMBER_TYPES: ReadonlySet<NumberType> = new Set<NumberType>([
  'PREMIUM_RATE',
  'SHARED_COST',
  'PERSONAL_NUMBER',
  'UAN',
  'PAGER',
]);

/**
 * Destinations known for international revenue share fraud. Carriers and the fraud reports of
 * telecom industry bodies (e.g. the CFCA's loss surveys and the GSMA's fraud working group) publish
 * "high-risk destination" lists built from where pumped traffic terminates; voice platforms block
 * these by default for outbound calls. This is the part of such lists where a business fallback line
 * is implausible: small territories with very high termination rates, and the non-geographic
 * satellite and international-network codes. Destinations that carry much legitimate contact-centre
 * traffic (e.g. the Dominican Republic, Jamaica, the Philippines) are deliberately not listed; their
 * premium ranges are still refused by type above.
 *
 * Geographic entries are ISO 3166 region codes (North American Numbering Plan islands share +1,
 * so the region, not the calling code, tells them apart).
 */
export const IRSF_REGIONS: Readonly<Record<string, string>> = {
  // Caribbean islands on +1 commonly targeted by "one ring" and call-pumping schemes
  AG: 'Antigua and Barbuda',
  DM: 'Dominica',
  GD: 'Grenada',
  KN: 'Saint Kitts and Nevis',
  MS: 'Montserrat',
  TC: 'Turks and Caicos Islands',
  VG: 'British Virgin Islands',
  CU: 'Cuba',
  // Africa
  CF: 'Central African Republic',
  ER: 'Eritrea',
  GM: 'Gambia',
  GN: 'Guinea',
  GW: 'Guinea-Bissau',
  KM: 'Comoros',
  LR: 'Liberia',
  SL: 'Sierra Leone',
  SO: 'Somalia',
  ST: 'São Tomé and Príncipe',
  TD: 'Chad',
  // Atlantic and Indian Ocean territories
  AC: 'Ascension Island',
  SH: 'Saint Helena',
  TA: 'Tristan da Cunha',
  FK: 'Falkland Islands',
  IO: 'British Indian Ocean Territory (Diego Garcia)',
  // Pacific
  CK: 'Cook Islands',
  KI: 'Kiribati',
  NR: 'Nauru',
  NU: 'Niue',
  PG: 'Papua New Guinea',
  SB: 'Solomon Islands',
  TK: 'Tokelau',
  TO: 'Tonga',
  TV: 'Tuvalu',
  VU: 'Vanuatu',
  WF: 'Wallis and Futuna',
};

/** Non-geographic country calling codes (no region) on the same lists. */
export const IRSF_CALLING_CODES: Readonly<Record<string, string>> = {
  '808': 'International Shared Cost Service',
  '870': 'Inmarsat (satellite)',
  '881': 'Global Mobile Satellite System (Iridium, Globalstar…)',
  '882': 'International Networks',
  '883': 'International Networks',
  '979': 'International Premium Rate Service',
};

export interface ForwardNumberFacts {
  /** The company's own inbound numbers (E.164). */
  ownNumbers: readonly string[];
  /** The number is an inbound number of another company on this platform. */
  belongsToAnotherTenant: boolean;
}

export type ForwardNumberProblem = 'DENIED_TYPE' | 'HIGH_RISK_DESTINATION' | 'OWN_NUMBER' | 'OTHER_TENANT';

export type ForwardNumberCheck = { ok: true } | { ok: false; problem: ForwardNumberProblem; message: string };

const TYPE_NAMES: Partial<Record<NonNullable<NumberType>, string>> = {
  PREMIUM_RATE: 'a premium-rate number',
  SHARED_COST: 'a shared-cost number',
  PERSONAL_NUMBER: 'a personal (follow-me) number charged at premium rates',
  UAN: 'a universal access number charged at special rates',
  PAGER: 'a pager number',
};

/** Whether calls may be forwarded to `number` (E.164), and if not, a sentence saying why. */
export function checkForwardNumber(number: string, facts: ForwardNumberFacts): ForwardNumberCheck {
  const parsed = parsePhoneNumberFromString(number);
  if (!parsed) return { ok: false, problem: 'DENIED_TYPE', message: `"${number.slice(0, 40)}" is not a valid E.164 phone number` };
  const e164 = parsed.number;

  const type = parsed.getType();
  if (type && DENIED_NUMBER_TYPES.has(type)) {
    return {
      ok: false,
      problem: 'DENIED_TYPE',
      message: `${e164} is ${TYPE_NAMES[type]}; calls cannot be forwarded to premium-rate, shared-cost or similar numbers`,
    };
  }
  const destination =
    (parsed.country && IRSF_REGIONS[parsed.country]) || (!parsed.country && IRSF_CALLING_CODES[parsed.countryCallingCode]);
  if (destination) {
    return {
      ok: false,
      problem: 'HIGH_RISK_DESTINATION',
      message: `calls cannot be forwarded to ${destination} (+${parsed.countryCallingCode}): a destination known for international revenue share fraud`,
    };
  }
  if (facts.ownNumbers.some((own) => sameNumber(own, e164))) {
    return {
      ok: false,
      problem: 'OWN_NUMBER',
      message: `${e164} is one of this company's own numbers; forwarding to it would call the company again (a loop)`,
    };
  }
  // Neutral on purpose: it must not tell a supervisor that another company uses the number.
  if (facts.belongsToAnotherTenant) return { ok: false, problem: 'OTHER_TENANT', message: `${e164} cannot be used as a forwarding number` };
  return { ok: true };
}

function sameNumber(a: string, b: string): boolean {
  return (parsePhoneNumberFromString(a)?.number ?? a) === b;
}
