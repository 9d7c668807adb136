/**
 * The rules of keeping recordings (docs/RECORDINGS.md). Pure: time is an argument.
 *
 * Telnyx's RecordingUrl is valid for 10 minutes after the call (texml-verbs/record), so the first
 * download attempts come fast and close together; past that the URL is fetched again through the
 * TeXML REST API by RecordingSid, so later attempts may wait longer.
 */

/** Delays before attempts 2, 3, …: fast inside Telnyx's 10 minutes, then spread out. */
export const DOWNLOAD_BACKOFF_MS: readonly number[] = [
  1_000, 2_000, 4_000, 8_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000,
];

/** Attempts before a recording is marked FAILED (about 2 h 40 min of trying in all). */
export const MAX_DOWNLOAD_ATTEMPTS = DOWNLOAD_BACKOFF_MS.length + 1;

/**
 * When the next attempt is due after `attempts` failed ones (1 = the first failed), or null when
 * none is left. `jitter` in [0, 1) spreads instances' retries (0.2 of the delay at most).
 */
export function nextDownloadAttemptAt(attempts: number, now: number, jitter = 0): number | null {
  if (attempts >= MAX_DOWNLOAD_ATTEMPTS) return null;
  const delay = DOWNLOAD_BACKOFF_MS[Math.max(0, Math.min(attempts - 1, DOWNLOAD_BACKOFF_MS.length - 1))]!;
  return now + Math.round(delay * (1 + 0.2 * Math.min(Math.max(jitter, 0), 0.999)));
}

/** Telnyx's documented life of a RecordingUrl after the call. */
export const TELNYX_RECORDING_URL_LIFETIME_MS = 10 * 60_000;

/**
 * Whether to ask the REST API for a fresh URL instead of using the one delivered: once it has
 * answered "gone" (404/403), or once it is older than Telnyx's 10 minutes.
 */
export function needsFreshUrl(input: { receivedAt: number; now: number; lastStatus: number | null }): boolean {
  if (input.lastStatus === 404 || input.lastStatus === 403 || input.lastStatus === 410) return true;
  return input.now - input.receivedAt >= TELNYX_RECORDING_URL_LIFETIME_MS;
}

/** Retention is whole days, 1 to 3650 (ten years); null keeps recordings forever. */
export const MAX_RETENTION_DAYS = 3650;

/** Recordings stored before this instant are past retention; null = keep forever. */
export function retentionCutoff(retentionDays: number | null | undefined, now: number): Date | null {
  if (retentionDays === null || retentionDays === undefined) return null;
  return new Date(now - retentionDays * 86_400_000);
}

/**
 * The object key of a recording: per company, so a company's objects can be listed and removed
 * together, with the recording's id (never Telnyx's sid, which comes from a webhook) and an extension
 * from its content type.
 */
export function recordingStorageKey(companyId: string, recordingId: string, contentType: string | null): string {
  return `recordings/${safeSegment(companyId)}/${safeSegment(recordingId)}${extensionOf(contentType)}`;
}

export function extensionOf(contentType: string | null): string {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'audio/mpeg' || type === 'audio/mp3') return '.mp3';
  if (type === 'audio/wav' || type === 'audio/x-wav' || type === 'audio/wave') return '.wav';
  return '.bin';
}

function safeSegment(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 100) || '_';
}

/** Content types stored as sent; anything else (an HTML error page answered 200) is refused. */
export function isAudioContentType(contentType: string | null): boolean {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return type.startsWith('audio/') || type === 'application/octet-stream';
}

/** A voicemail's mailbox filter: a queue's, an agent's, or the company's default queue's (queueId null). */
export type Mailbox = { kind: 'queue'; queueId: string } | { kind: 'agent'; agentId: string };

/** `queue:<id>` or `agent:<id>`, as the GraphQL `mailbox` argument takes it; null when malformed. */
export function parseMailbox(value: string): Mailbox | null {
  const match = /^(queue|agent):([A-Za-z0-9_-]{1,64})$/.exec(value.trim());
  if (!match) return null;
  return match[1] === 'queue' ? { kind: 'queue', queueId: match[2]! } : { kind: 'agent', agentId: match[2]! };
}

/**
 * The language a voicemail is transcribed in: the language of the menu option the caller chose
 * (the session keeps its skill, e.g. `es`), else the company's greeting language.
 */
export function transcriptionLanguageOf(
  policy: { greetingLanguage: string; languageMenu: readonly { skill: string; language: string }[] },
  callerLanguage: string | null | undefined,
): string {
  const option = callerLanguage ? policy.languageMenu.find((o) => o.skill === callerLanguage) : undefined;
  return option?.language ?? policy.greetingLanguage;
}
