// E.164 numbers checked in the browser as the server checks them (src/domain/validation.ts's e164, same
// library), so a typo gets a clear message before any request; the server still validates.
import { parsePhoneNumberFromString } from 'libphonenumber-js';

export type PhoneCheck = { ok: true; number: string } | { ok: false; message: string };

export function checkE164(value: string): PhoneCheck {
  const text = value.trim();
  if (!text) return { ok: false, message: 'Enter a phone number in E.164 form, e.g. +13055550100.' };
  if (!text.startsWith('+'))
    return { ok: false, message: `"${text.slice(0, 40)}" must start with + and the country code, e.g. +13055550100.` };
  const parsed = parsePhoneNumberFromString(text, { extract: false });
  if (!parsed?.isValid()) return { ok: false, message: `"${text.slice(0, 40)}" is not a valid E.164 phone number (e.g. +13055550100).` };
  return { ok: true, number: parsed.number };
}
