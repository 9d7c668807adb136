import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { heartbeatFieldsIn } from '../../src/graphql/observability.js';
import { requestIdFor } from '../../src/infra/logger.js';
import { routingOutcomeLabel, webhookRouteLabel } from '../../src/infra/metrics.js';
import { Readiness } from '../../src/infra/readiness.js';

describe('metric labels', () => {
  it.each([
    ['ring:3', 'ring'],
    ['ring:1:widened', 'ring'],
    ['hold:20s:SKILL_WIDENING', 'hold'],
    ['fallback:voicemail:NO_AGENTS', 'fallback'],
    ['fallback:forward:AFTER_HOURS', 'after-hours'],
    ['language-menu', 'language-menu'],
    ['language-es → ring:2', 'ring'],
    ['dial-agents-completed → answered', 'answered'],
    ['dial-agents-no-answer → fallback:voicemail:HUNT_EXHAUSTED', 'fallback'],
    [undefined, 'unrouted'],
    ['Weird Outcome!', 'other'],
  ])('routing outcome %s → %s', (outcome, label) => {
    expect(routingOutcomeLabel(outcome)).toBe(label);
  });

  it('labels webhook routes from a closed set', () => {
    expect(webhookRouteLabel('/telnyx/voice')).toBe('voice');
    expect(webhookRouteLabel('/telnyx/dial-complete/co_1')).toBe('dial-complete');
    expect(webhookRouteLabel('/telnyx/../etc')).toBe('unknown');
  });

  it('counts heartbeat root fields of the executed mutation only', () => {
    expect(heartbeatFieldsIn(parse('mutation { heartbeat(input: {sipRegistered: true}) { nextHeartbeatInMs } }'))).toBe(1);
    expect(heartbeatFieldsIn(parse('mutation { a: heartbeat(input: {sipRegistered: true}) { nextHeartbeatInMs } b: heartbeat(input: {sipRegistered: true}) { nextHeartbeatInMs } }'))).toBe(2);
    expect(heartbeatFieldsIn(parse('query { heartbeat }'))).toBe(0);
    const two = parse('query Q { x } mutation M { heartbeat(input: {sipRegistered: true}) { nextHeartbeatInMs } }');
    expect(heartbeatFieldsIn(two, 'Q')).toBe(0);
    expect(heartbeatFieldsIn(two, 'M')).toBe(1);
  });
});

describe('request ids', () => {
  it('keeps a sane caller id and replaces a missing or unsafe one', () => {
    expect(requestIdFor('abc-123.x:y')).toBe('abc-123.x:y');
    expect(requestIdFor(['first', 'second'])).toBe('first');
    for (const bad of [undefined, '', 'has space', 'x'.repeat(129), 'line\nbreak']) expect(requestIdFor(bad)).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('Readiness', () => {
  it('is ready with no checks, names the first failure, and treats a hung check as not ready', async () => {
    const readiness = new Readiness(20);
    expect(await readiness.report()).toEqual({ ready: true, checks: [] });
    readiness.register('ok', () => undefined);
    const unregister = readiness.register('hung', () => new Promise(() => {}));
    const hung = await readiness.report();
    expect(hung).toMatchObject({ ready: false, reason: 'hung: no answer within 20 ms' });
    unregister();
    readiness.register('db', async () => {
      throw new Error('Invalid `prisma.$queryRaw()` invocation:\n\n\nconnection refused');
    });
    expect(await readiness.report()).toMatchObject({ ready: false, reason: 'db: connection refused' });
  });
});
