import { describe, expect, it, vi } from 'vitest';
import { createLogger, freshRequestId, requestIdFor, requestLogger } from '../../src/infra/logger.js';

/** A logger writing into an array of parsed lines, at `level`. */
function capturing(level: string) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(level, {}, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

/** A line without its timestamp (two loggers never write in the same millisecond by design). */
const withoutTime = ({ time: _time, ...rest }: Record<string, unknown>) => rest;

describe('requestLogger: a pino child made on the first line', () => {
  it("writes the lines pino's child writes, the request id bound, whatever the arguments", () => {
    const ours = capturing('info');
    const theirs = capturing('info');
    const deferred = requestLogger(ours.logger, 'req-1');
    const child = theirs.logger.child({ requestId: 'req-1' });
    const err = new Error('db down');
    deferred.info({ route: 'voice', ms: 1.5 }, 'telnyx webhook');
    child.info({ route: 'voice', ms: 1.5 }, 'telnyx webhook');
    deferred.warn('plain message %s', 'formatted');
    child.warn('plain message %s', 'formatted');
    deferred.error({ err }, 'webhook transport error');
    child.error({ err }, 'webhook transport error');
    expect(ours.lines.map(withoutTime)).toEqual(theirs.lines.map(withoutTime));
    expect(ours.lines[0]).toMatchObject({ requestId: 'req-1', route: 'voice', msg: 'telnyx webhook', level: 30 });
    expect(ours.lines[2]).toMatchObject({ err: { message: 'db down', type: 'Error' } });
  });

  it('makes no child while nothing is written at an enabled level, and one for all the lines after', () => {
    const { logger, lines } = capturing('warn');
    const children = vi.spyOn(logger, 'child');
    const log = requestLogger(logger, 'req-2');
    log.info({ route: 'voice' }, 'telnyx webhook');
    expect(log.isLevelEnabled('info')).toBe(false);
    expect(children).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
    log.warn({ reason: 'token' }, 'refused');
    log.error('again');
    expect(children).toHaveBeenCalledTimes(1);
    expect(lines.map((l) => [l.requestId, l.msg])).toEqual([
      ['req-2', 'refused'],
      ['req-2', 'again'],
    ]);
  });
});

describe('request ids', () => {
  it("keeps a caller's sane X-Request-Id and makes a fresh id otherwise, in a UUID's form, never the same twice", () => {
    expect(requestIdFor('call-trace-42')).toBe('call-trace-42');
    expect(requestIdFor(['first-id', 'second-id'])).toBe('first-id');
    const fresh = [requestIdFor(undefined), requestIdFor('has spaces'), requestIdFor('x'.repeat(129)), requestIdFor('')];
    for (const id of fresh) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const many = new Set(Array.from({ length: 10_000 }, () => freshRequestId()));
    expect(many.size).toBe(10_000);
  });
});
