import { describe, it, expect } from 'vitest';
import type { z } from 'zod';
import {
  companyName,
  displayName,
  e164,
  isTimeZone,
  language,
  ringTimeoutSeconds,
  ringTone,
  isDialableSipUsername,
  sipUsername,
  spokenText,
  statusReason,
  telnyxCredentialId,
  timeZone,
  tokenTtlSeconds,
  voicemailMaxSeconds,
} from '../../src/domain/validation.js';
import { RING_TONES } from '../../src/domain/texml.js';

/** Asserts the schema accepts `input` and returns the parsed value. */
function accepts<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  expect(r.success, `expected ${JSON.stringify(input)} to be accepted: ${r.error?.message ?? ''}`).toBe(true);
  return r.data as z.output<S>;
}

/** Asserts the schema rejects `input` and returns the issue messages. */
function rejects(schema: z.ZodType, input: unknown): string[] {
  const r = schema.safeParse(input);
  expect(r.success, `expected ${JSON.stringify(input)} to be rejected, got ${JSON.stringify(r.data)}`).toBe(false);
  return r.error!.issues.map((i) => i.message);
}

describe('e164', () => {
  it.each([
    ['+1 305 555 0100', '+13055550100'],
    ['+13055550100', '+13055550100'],
    ['+1-305-555-0100', '+13055550100'],
    ['+1 (305) 555-0100', '+13055550100'],
    ['  +13055550100  ', '+13055550100'],
    ['+44 20 7946 0958', '+442079460958'],
    ['+34 612 345 678', '+34612345678'],
    ['+52 55 1234 5678', '+525512345678'],
  ])('accepts %j and normalizes it to %s', (input, expected) => {
    expect(accepts(e164, input)).toBe(expected);
  });

  it('normalized output is itself valid and stable (idempotent)', () => {
    const once = accepts(e164, '+1 (305) 555-0100');
    expect(once).toMatch(/^\+[1-9]\d{1,14}$/);
    expect(accepts(e164, once)).toBe(once);
  });

  it.each([
    ['3055550100', 'no leading +'],
    ['003055550100', 'international prefix instead of +'],
    ['+1', 'country code only'],
    ['+', 'plus only'],
    ['abc', 'letters'],
    ['', 'empty'],
    ['   ', 'blank'],
    ['+999999999999999', 'no such country, too long'],
    ['+1 555 555 5555', 'invalid NANP area code'],
    ['+1 305 555 010', 'too short'],
    ['++13055550100', 'double plus'],
  ])('rejects %j (%s) with a message that mentions E.164', (input) => {
    const messages = rejects(e164, input);
    expect(messages.join(' ')).toContain('E.164');
  });

  it.each([13055550100, null, undefined, {}])('rejects the non-string %j', (input) => {
    rejects(e164, input);
  });

  it('quotes at most 40 characters of the bad input in the message', () => {
    const long = 'x'.repeat(500);
    const [message] = rejects(e164, long);
    expect(message).toContain('x'.repeat(40));
    expect(message).not.toContain('x'.repeat(41));
  });

  // libphonenumber-js extracts a number from surrounding text by default; we refuse such input.
  it.each(['+13055550100abc', '+1 305 555 0100 call me', '+13055550100\n<x>'])('rejects %j (trailing text after the number)', (input) => {
    rejects(e164, input);
  });
});

describe('sipUsername', () => {
  it.each(['agent.one_2-x', 'ab', 'A1', 'gencredXXXYYY', 'gencrednCvHU5IYpSBPPsXI2iQsDX', 'x'.repeat(64), 'a1.2.3'])(
    'accepts %j',
    (input) => {
      expect(accepts(sipUsername, input)).toBe(input);
      expect(isDialableSipUsername(input)).toBe(true);
    },
  );

  it('trims surrounding whitespace', () => {
    expect(accepts(sipUsername, '  agent1  ')).toBe('agent1');
  });

  it.each([
    ['a', 'one character'],
    ['has space', 'inner space'],
    ['x@y', 'contains @ (would change the SIP URI)'],
    ['x'.repeat(65), '65 characters'],
    ['', 'empty'],
    ['.agent', 'starts with a dot'],
    ['_agent', 'starts with an underscore'],
    ['-agent', 'starts with a dash'],
    ['sip:agent', 'contains a colon'],
    ['agent;transport=tcp', 'URI parameters'],
    ['ñandu', 'non-ASCII'],
    ['a/b', 'slash'],
    // Telnyx: SIP URI usernames "Must begin with a non-numeric character" (the SIP URI calling page).
    ['1.2.3', 'begins with a digit'],
    ['1001', 'all digits (would pass for an extension or a number)'],
    ['9agent', 'begins with a digit'],
  ])('rejects %j (%s)', (input) => {
    expect(rejects(sipUsername, input).join(' ')).toMatch(/SIP username/);
    expect(isDialableSipUsername(input.trim())).toBe(false);
  });

  it('says why a leading digit is refused', () => {
    expect(rejects(sipUsername, '1001').join(' ')).toMatch(/beginning with a letter.*begin with a digit/);
  });
});

describe('timeZone', () => {
  it.each(['America/New_York', 'Europe/Madrid', 'UTC', 'America/Mexico_City', 'Asia/Kolkata', 'Australia/Lord_Howe'])(
    'accepts %s',
    (tz) => {
      expect(accepts(timeZone, tz)).toBe(tz);
      expect(isTimeZone(tz)).toBe(true);
    },
  );

  it.each(['Mars/Olympus', '', 'America/Springfield', 'New York', 'GMT+25'])('rejects %j', (tz) => {
    expect(rejects(timeZone, tz).join(' ')).toContain('IANA');
    expect(isTimeZone(tz)).toBe(false);
  });
});

describe('ringTimeoutSeconds (Telnyx <Dial timeout> 5–120)', () => {
  it.each([5, 6, 30, 119, 120])('accepts %i', (n) => {
    expect(accepts(ringTimeoutSeconds, n)).toBe(n);
  });

  it.each([4, 121, 0, -5, 10.5, 4.999, 120.001, Number.NaN, Number.POSITIVE_INFINITY, '30', null])('rejects %j', (n) => {
    rejects(ringTimeoutSeconds, n);
  });
});

describe('ringTone', () => {
  it.each([...RING_TONES])('accepts %s', (tone) => {
    expect(accepts(ringTone, tone)).toBe(tone);
  });

  it.each(['us-ring', 'US', 'Us', '', 'ringback', 'usa', ' us'])('rejects %j', (tone) => {
    rejects(ringTone, tone);
  });
});

describe('language (BCP-47 tag for <Say language>)', () => {
  it.each(['en-US', 'es-MX', 'es-ES', 'en', 'es-419', 'zh-Hant-TW'])('accepts %s', (tag) => {
    expect(accepts(language, tag)).toBe(tag);
  });

  it.each(['english', 'EN-US', 'en_US', '', 'e', 'en-', 'en US', 'en-US-'])('rejects %j', (tag) => {
    expect(rejects(language, tag).join(' ')).toContain('BCP-47');
  });
});

describe('other shared rules', () => {
  it.each<[string, z.ZodType, unknown[], unknown[]]>([
    ['voicemailMaxSeconds', voicemailMaxSeconds, [5, 60, 3600], [4, 3601, 30.5, '60']],
    ['tokenTtlSeconds', tokenTtlSeconds, [60, 3600, 90 * 24 * 3600], [59, 90 * 24 * 3600 + 1, 120.5]],
    ['displayName', displayName, ['Ana', 'x'.repeat(120)], ['', '   ', 'x'.repeat(121)]],
    ['companyName', companyName, ['Acme', 'x'.repeat(200)], ['', '  ', 'x'.repeat(201)]],
    ['statusReason', statusReason, ['lunch', 'x'.repeat(60)], ['', ' ', 'x'.repeat(61)]],
    ['spokenText', spokenText, ['Hola', 'x'.repeat(1000)], ['', '\n\t', 'x'.repeat(1001)]],
  ])('%s accepts its valid examples and rejects the invalid ones', (_name, schema, good, bad) => {
    for (const v of good) accepts(schema, v);
    for (const v of bad) rejects(schema, v);
  });

  it.each<[string, z.ZodType]>([
    ['displayName', displayName],
    ['companyName', companyName],
    ['statusReason', statusReason],
    ['spokenText', spokenText],
  ])('%s trims surrounding whitespace', (_name, schema) => {
    expect(accepts(schema, '  hello  ')).toBe('hello');
  });
});

describe('telnyxCredentialId', () => {
  it.each([
    ['6a09cdc3-8948-47f0-aa62-74ac943d6c58', '6a09cdc3-8948-47f0-aa62-74ac943d6c58'],
    ['  6A09CDC3-8948-47F0-AA62-74AC943D6C58 ', '6a09cdc3-8948-47f0-aa62-74ac943d6c58'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(accepts(telnyxCredentialId, input)).toBe(expected);
  });

  it.each([
    'cred-dana',
    '../../phone_numbers',
    '6a09cdc3-8948-47f0-aa62-74ac943d6c58/../x',
    '6a09cdc3-8948-47f0-aa62-74ac943d6c58?x',
    '6a09cdc38948-47f0-aa62-74ac943d6c58',
    'g a09cdc3-8948-47f0-aa62-74ac943d6c58',
    '%2e%2e',
  ])('%j is refused with a message saying what an id looks like', (input) => {
    expect(rejects(telnyxCredentialId, input)).toEqual([expect.stringMatching(/^must be a Telnyx telephony credential id: a UUID/)]);
  });
});
