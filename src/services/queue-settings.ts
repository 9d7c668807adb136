/**
 * What a queue's settings may be (docs/QUEUES.md), checked without the database: ranges, names,
 * skill expressions, schedules, hold music URLs, the overflow number's format. Pure; the checks
 * that need the company (the overflow's target, forwarding rules, unique names, the cap) are made by
 * src/services/queue-config.ts.
 */
import { validateHours, type BusinessHours } from '../domain/business-hours.js';
import type { RoutingMode } from '../domain/routing.js';
import { parseSkillExpression } from '../domain/skills.js';
import { e164, ringTimeoutSeconds } from '../domain/validation.js';

/** Queues one company may have (each is a row every load of the company reads, and a list the API returns whole). */
export const MAX_QUEUES_PER_COMPANY = 50;
export const MAX_QUEUE_NAME_LENGTH = 80;
export const MAX_HOLD_MUSIC_URL_LENGTH = 2000;

export type QueueOverflowKind = 'VOICEMAIL' | 'NUMBER' | 'QUEUE' | 'HANGUP';

/** A queue's settings as the API gives them; absent (or null) = unchanged on update, the default on create. */
export interface QueueFields {
  name?: string | null;
  /** A skill expression; "" removes the requirement. */
  requiredSkills?: string | null;
  mode?: RoutingMode | null;
  ringTimeoutSeconds?: number | null;
  businessHours?: BusinessHours | null;
  /** Inherit the company's mode / ring timeout / business hours again. */
  clearMode?: boolean | null;
  clearRingTimeoutSeconds?: boolean | null;
  clearBusinessHours?: boolean | null;
  waitEnabled?: boolean | null;
  maxWaitSeconds?: number | null;
  maxSize?: number | null;
  overflowKind?: QueueOverflowKind | null;
  overflowNumber?: string | null;
  overflowQueueId?: string | null;
  /** "" removes it (the built-in music). */
  holdMusicUrl?: string | null;
  announceEverySeconds?: number | null;
  waitForAgents?: boolean | null;
  serviceLevelSeconds?: number | null;
  callbackEnabled?: boolean | null;
  callbackRetries?: number | null;
  callbackRetryDelaySeconds?: number | null;
  recording?: 'OFF' | 'ALL' | 'ON_DEMAND' | null;
  /** Addresses told of this mailbox's voicemails (replaces the list). */
  voicemailEmails?: string[] | null;
}

/** An e-mail address, loosely (the SMTP server is the judge); no spaces, one @, a dot in the domain. */
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;

/** Whole-number settings and their ranges (announceEverySeconds also accepts 0: never). */
const RANGES = {
  maxWaitSeconds: [10, 14_400],
  maxSize: [1, 1000],
  announceEverySeconds: [10, 600],
  serviceLevelSeconds: [1, 3600],
  callbackRetries: [0, 5],
  callbackRetryDelaySeconds: [10, 3600],
} as const satisfies Partial<Record<keyof QueueFields, readonly [number, number]>>;

/**
 * Why a hold-music URL cannot be played, or null: Telnyx fetches it from the internet and plays MP3
 * and WAV (texml-verbs/play), so it must be an absolute https URL of such a file; plain http only for
 * a server on this machine (development).
 */
export function holdMusicUrlProblem(text: string): string | null {
  if (text.length > MAX_HOLD_MUSIC_URL_LENGTH) return `at most ${MAX_HOLD_MUSIC_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute URL, e.g. https://example.com/hold.mp3';
  }
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local))
    return 'must be an https URL (http only for localhost or 127.0.0.1)';
  if (!/\.(mp3|wav)$/i.test(url.pathname)) return 'must name an .mp3 or .wav file (Telnyx plays MP3 and WAV)';
  return null;
}

/**
 * The problems of the settings given, each naming its field (`input.maxSize: …`); empty = valid.
 * The overflow's target and the forwarding rules for its number are checked by QueueConfiguration.
 */
export function queueFieldProblems(fields: QueueFields): string[] {
  const problems: string[] = [];
  const add = (field: string, message: string) => problems.push(`input.${field}: ${message}`);
  if (fields.voicemailEmails != null) {
    if (fields.voicemailEmails.length > 20) add('voicemailEmails', 'at most 20 addresses');
    const bad = fields.voicemailEmails.find((a) => !EMAIL.test(a));
    if (bad !== undefined) add('voicemailEmails', `"${bad.slice(0, 80)}" is not an e-mail address`);
  }
  if (fields.name != null) {
    const name = fields.name.trim();
    if (name.length < 1 || name.length > MAX_QUEUE_NAME_LENGTH) add('name', `must be 1-${MAX_QUEUE_NAME_LENGTH} characters`);
  }
  for (const [field, [min, max]] of Object.entries(RANGES) as [keyof typeof RANGES, readonly [number, number]][]) {
    const value = fields[field];
    if (value == null) continue;
    const ok = Number.isInteger(value) && ((value >= min && value <= max) || (field === 'announceEverySeconds' && value === 0));
    if (!ok)
      add(
        field,
        field === 'announceEverySeconds' ? `must be 0 (never) or a whole number ${min}-${max}` : `must be a whole number ${min}-${max}`,
      );
  }
  if (fields.ringTimeoutSeconds != null) {
    const checked = ringTimeoutSeconds.safeParse(fields.ringTimeoutSeconds);
    if (!checked.success) add('ringTimeoutSeconds', checked.error.issues.map((i) => i.message).join('; '));
  }
  if (fields.requiredSkills != null && fields.requiredSkills.trim() !== '') {
    const parsed = parseSkillExpression(fields.requiredSkills.trim());
    if (!parsed.ok) add('requiredSkills', parsed.error);
  }
  if (fields.businessHours != null) {
    const hours = validateHours(fields.businessHours);
    if (hours.length > 0) add('businessHours', hours.join('; '));
  }
  if (fields.holdMusicUrl != null && fields.holdMusicUrl.trim() !== '') {
    const problem = holdMusicUrlProblem(fields.holdMusicUrl.trim());
    if (problem) add('holdMusicUrl', problem);
  }
  if (fields.overflowNumber != null && fields.overflowNumber.trim() !== '' && !e164.safeParse(fields.overflowNumber).success) {
    add('overflowNumber', `"${fields.overflowNumber.slice(0, 40)}" is not a valid E.164 phone number (e.g. +13055550100)`);
  }
  return problems;
}
