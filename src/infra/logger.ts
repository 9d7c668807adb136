import { randomUUID } from 'node:crypto';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout (or `destination`, e.g. a test capturing lines); `LOG_LEVEL=silent` for tests. */
export function createLogger(level: string, base: Record<string, unknown> = {}, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'curbe-voice', ...base } };
  return destination ? pino(options, destination) : pino(options);
}

/** What a request's code writes its lines through: pino's info, warn and error, and its level check. */
export type RequestLogger = Pick<Logger, 'info' | 'warn' | 'error' | 'isLevelEnabled'>;

/**
 * The request's logger, its request id bound as a child's would be, the pino child made only when a
 * line at an enabled level is written. A child per request (its bindings serialized) was over a
 * percent of a TeXML answer, and a decision writes no line at LOG_LEVEL=warn.
 */
export function requestLogger(root: Logger, requestId: string): RequestLogger {
  return new DeferredChild(root, requestId) as unknown as RequestLogger;
}

type LineWriter = (...args: unknown[]) => void;

class DeferredChild {
  private child: Logger | undefined;

  constructor(
    private readonly root: Logger,
    private readonly requestId: string,
  ) {}

  info(...args: unknown[]): void {
    this.write('info', args);
  }

  warn(...args: unknown[]): void {
    this.write('warn', args);
  }

  error(...args: unknown[]): void {
    this.write('error', args);
  }

  isLevelEnabled(level: string): boolean {
    return this.root.isLevelEnabled(level);
  }

  private write(level: 'info' | 'warn' | 'error', args: unknown[]): void {
    if (!this.root.isLevelEnabled(level)) return;
    const child = (this.child ??= this.root.child({ requestId: this.requestId }));
    (child[level] as LineWriter).apply(child, args); // pino's level methods read `this`
  }
}

/** Ids we accept from a caller's X-Request-Id: short and log-safe; anything else gets a fresh id. */
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request id for a request: the caller's X-Request-Id when it is sane, else a fresh one (freshRequestId). */
export function requestIdFor(header: string | string[] | undefined): string {
  const given = Array.isArray(header) ? header[0] : header;
  return given && ACCEPTED_REQUEST_ID.test(given) ? given : freshRequestId();
}

/** The first 24 characters of a random UUID (8-4-4-4-): 74 random bits, this process's own. */
const REQUEST_ID_PREFIX = randomUUID().slice(0, 24);
let requestIdCounter = 0;

/**
 * A new request id in a UUID's form: this process's random prefix, then a counter in the last twelve
 * hex digits. As unique as a random UUID across instances (74 random bits each), and a fraction of its
 * cost per request: node builds each randomUUID() from twenty string pieces (about 0.6 KB of garbage).
 */
export function freshRequestId(): string {
  requestIdCounter = requestIdCounter === 0xffffffffffff ? 1 : requestIdCounter + 1;
  return REQUEST_ID_PREFIX + requestIdCounter.toString(16).padStart(12, '0');
}
