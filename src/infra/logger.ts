import { randomUUID } from 'node:crypto';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout (or `destination`, e.g. a test capturing lines); `LOG_LEVEL=silent` for tests. */
export function createLogger(level: string, base: Record<string, unknown> = {}, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'curbe-voice', ...base } };
  return destination ? pino(options, destination) : pino(options);
}

/** Ids we accept from a caller's X-Request-Id: short and log-safe; anything else gets a fresh id. */
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request id for a request: the caller's X-Request-Id when it is sane, else a new UUID. */
export function requestIdFor(header: string | string[] | undefined): string {
  const given = Array.isArray(header) ? header[0] : header;
  return given && ACCEPTED_REQUEST_ID.test(given) ? given : randomUUID();
}
