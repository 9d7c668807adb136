/**
 * Input rules shared by the API and the webhook routes. Zod schemas so the GraphQL validation plugin
 * reports every problem at once with the field's path.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { z } from 'zod';
import { RING_TONES } from './texml.js';

/** A dialable E.164 number, normalized (spaces and dashes removed). */
export const e164 = z.string().transform((value, ctx) => {
  // extract: false — text around a number is an error, not something to drop silently.
  const parsed = parsePhoneNumberFromString(value.trim(), { extract: false });
  if (!parsed?.isValid() || !value.trim().startsWith('+')) {
    ctx.addIssue({ code: 'custom', message: `"${value.slice(0, 40)}" is not a valid E.164 phone number (e.g. +13055550100)` });
    return z.NEVER;
  }
  return parsed.number;
});

/**
 * A SIP username calls can dial as sip:<username>@sip.telnyx.com: 2-64 letters, digits, dots,
 * underscores or dashes, beginning with a letter. Telnyx's SIP URI calling page
 * (https://developers.telnyx.com/docs/voice/sip-trunking/features/sip-uri-calling) requires usernames
 * to "begin with a non-numeric character" (so a URI cannot pass for a phone number); a leading
 * . _ or - is refused as before.
 */
const DIALABLE_SIP_USERNAME = /^[A-Za-z][A-Za-z0-9._-]{1,63}$/;

export function isDialableSipUsername(value: string): boolean {
  return DIALABLE_SIP_USERNAME.test(value);
}

export const sipUsername = z
  .string()
  .trim()
  .regex(
    DIALABLE_SIP_USERNAME,
    'SIP username must be 2-64 letters, digits, dots, underscores or dashes, beginning with a letter (Telnyx refuses SIP URIs that begin with a digit)',
  );

/**
 * Telnyx telephony credential ids are UUIDs. Checked before any id is stored or put into a Telnyx
 * API path, so a crafted value ("../../numbers", "x?y") can never reach another endpoint.
 */
const TELNYX_CREDENTIAL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isTelnyxCredentialId(value: string): boolean {
  return TELNYX_CREDENTIAL_ID.test(value);
}

/** Lower-cased (ids compare equal however they were typed); "" means "remove the credential". */
export const telnyxCredentialId = z
  .string()
  .trim()
  .toLowerCase()
  .refine(
    (v) => v === '' || isTelnyxCredentialId(v),
    'must be a Telnyx telephony credential id: a UUID such as 6a09cdc3-8948-47f0-aa62-74ac943d6c58 ("" removes it)',
  );

/**
 * An IANA time zone, kept as given: ICU's "canonical" names are the legacy ones (Asia/Kolkata →
 * Asia/Calcutta), so normalizing would rename what the CRM sent.
 */
export const timeZone = z.string().refine(isTimeZone, { message: 'not an IANA time zone (e.g. America/New_York)' });

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return value.length > 0;
  } catch {
    return false;
  }
}

export const displayName = z.string().trim().min(1, 'must not be empty').max(120, 'at most 120 characters');
export const companyName = z.string().trim().min(1, 'must not be empty').max(200, 'at most 200 characters');
/** Telnyx accepts 5-120 seconds for <Dial timeout>. */
export const ringTimeoutSeconds = z.number().int().min(5, 'at least 5 seconds').max(120, 'at most 120 seconds (Telnyx limit)');
export const ringTone = z.enum(RING_TONES as unknown as [string, ...string[]], { message: `one of ${RING_TONES.join(', ')}` });
export const spokenText = z.string().trim().min(1, 'must not be empty').max(1000, 'at most 1000 characters');
export const language = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a BCP-47 language tag such as en-US or es-MX');
export const voicemailMaxSeconds = z.number().int().min(5, 'at least 5 seconds').max(3600, 'at most 3600 seconds');
export const statusReason = z.string().trim().min(1, 'must not be empty').max(60, 'at most 60 characters');
export const tokenTtlSeconds = z
  .number()
  .int()
  .min(60, 'at least 60 seconds')
  .max(90 * 24 * 3600, 'at most 90 days');
