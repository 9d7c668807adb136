import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { heartbeatFieldsIn } from '../../src/graphql/observability.js';
import { requestIdFor } from '../../src/infra/logger.js';
import { describeOutcome, routingOutcome, type CallStepOutcome, type WebhookOutcome } from '../../src/domain/webhook-outcome.js';
import { routingOutcomeLabel, type RoutingOutcomeLabel } from '../../src/infra/metrics.js';
import { isRoutingRoute, parseTelnyxPath, TELNYX_ROUTES, telnyxPath, telnyxRouteLabel } from '../../src/domain/telnyx-routes.js';
import { Readiness } from '../../src/infra/readiness.js';

describe('webhook outcomes', () => {
  // Outcomes as the handlers produce them (src/calls/hunting.ts, status-callbacks.ts, src/telnyx/webhooks.ts).
  const ring2: CallStepOutcome = { kind: 'ring', agents: 2, widened: false };
  const exhausted: CallStepOutcome = { kind: 'fallback', fallback: 'VOICEMAIL', reason: 'HUNT_EXHAUSTED' };
  const cases: [WebhookOutcome | undefined, string | undefined, RoutingOutcomeLabel | null][] = [
    [{ kind: 'ring', agents: 3, widened: false }, 'ring:3', 'ring'],
    [{ kind: 'ring', agents: 1, widened: true }, 'ring:1:widened', 'ring'],
    [{ kind: 'hold', seconds: 20, reason: 'SKILL_WIDENING' }, 'hold:20s:SKILL_WIDENING', 'hold'],
    [{ kind: 'fallback', fallback: 'VOICEMAIL', reason: 'NO_AGENTS' }, 'fallback:VOICEMAIL:NO_AGENTS', 'fallback'],
    [{ kind: 'fallback', fallback: 'NUMBER', reason: 'AFTER_HOURS' }, 'fallback:NUMBER:AFTER_HOURS', 'after-hours'],
    [{ kind: 'language-menu' }, 'language-menu', 'language-menu'],
    [{ kind: 'language-chosen', language: 'es', next: ring2 }, 'language-es → ring:2', 'ring'],
    [
      { kind: 'language-chosen', language: null, next: { kind: 'fallback', fallback: 'HANGUP', reason: 'AFTER_HOURS' } },
      'language-none → fallback:HANGUP:AFTER_HOURS',
      'after-hours',
    ],
    [{ kind: 'dial-ended', step: null, status: 'completed', next: { kind: 'answered' } }, 'dial-agents-completed → answered', 'answered'],
    [
      { kind: 'dial-ended', step: null, status: 'no-answer', next: exhausted },
      'dial-agents-no-answer → fallback:VOICEMAIL:HUNT_EXHAUSTED',
      'fallback',
    ],
    [{ kind: 'dial-ended', step: 'forward', status: null, next: { kind: 'hunt-over' } }, 'dial-forward-unknown → fallback', 'fallback'],
    [{ kind: 'call-ended', freed: 2 }, 'call-ended:freed-2', null],
    [{ kind: 'call-ended', freed: 0 }, 'call-ended', null],
    [{ kind: 'agent-completed', freed: true }, 'agent-call-ended', null],
    [{ kind: 'agent-completed', freed: false }, 'agent-completed', null],
    [{ kind: 'agent-status', status: 'ringing' }, 'agent-ringing', null],
    [{ kind: 'agent-status', status: '' }, 'agent-unknown', null],
    [{ kind: 'unknown-agent' }, 'unknown-agent', null],
    [{ kind: 'voicemail', result: 'refused-url' }, 'voicemail-refused-url', null],
    [undefined, undefined, 'unrouted'],
  ];

  it.each(cases)('%j is logged as %s and counted as %s', (outcome, line, label) => {
    if (outcome) expect(describeOutcome(outcome)).toBe(line);
    expect(routingOutcomeLabel(outcome)).toBe(label);
  });

  it('takes the outcome of a routing plan as decided', () => {
    expect(routingOutcome({ kind: 'WAIT', seconds: 5, reason: 'SKILL_WIDENING', skipped: [] })).toEqual({
      kind: 'hold',
      seconds: 5,
      reason: 'SKILL_WIDENING',
    });
    expect(routingOutcome({ kind: 'FALLBACK', fallback: 'NUMBER', reason: 'NO_AGENTS', skipped: [] })).toEqual({
      kind: 'fallback',
      fallback: 'NUMBER',
      reason: 'NO_AGENTS',
    });
  });
});

describe('metric labels', () => {
  it('labels webhook routes from a closed set', () => {
    expect(telnyxRouteLabel('/telnyx/voice')).toBe('voice');
    expect(telnyxRouteLabel('/telnyx/dial-complete/co_1')).toBe('dial-complete');
    expect(telnyxRouteLabel('/telnyx/../etc')).toBe('unknown');
  });

  it('parses and builds Telnyx paths from the one route table', () => {
    expect(parseTelnyxPath('/telnyx/voice')).toEqual({ route: 'voice', companyId: null });
    expect(parseTelnyxPath(telnyxPath('dial-complete', 'co 1/x'))).toEqual({ route: 'dial-complete', companyId: 'co 1/x' });
    // The portal's URLs may leave the company out (one application for every company); our own callbacks never do.
    expect(parseTelnyxPath('/telnyx/status')).toEqual({ route: 'status', companyId: null });
    expect(parseTelnyxPath('/telnyx/voicemail')).toEqual({ route: 'voicemail', companyId: null });
    expect(parseTelnyxPath('/telnyx/dial-complete')).toBeNull();
    expect(parseTelnyxPath('/telnyx/language')).toBeNull();
    expect(parseTelnyxPath('/telnyx/unknown/co_1')).toBeNull();
    expect(['voice', 'language', 'dial-complete'].every(isRoutingRoute)).toBe(true);
    expect(isRoutingRoute('status') || isRoutingRoute('voicemail')).toBe(false);
  });

  it('reads every path as the route pattern it replaced did', () => {
    // The regular expression parseTelnyxPath used to be, kept here as the reference.
    const pattern = new RegExp(`^/telnyx/(${TELNYX_ROUTES.join('|')})(?:/([^/]+))?/?$`);
    const reference = (path: string) => {
      const m = pattern.exec(path);
      if (!m) return null;
      const companyId = m[2] ? decodeURIComponentOr(m[2]) : null;
      if (!companyId && !['voice', 'status', 'voicemail'].includes(m[1]!)) return null;
      return { route: m[1], companyId };
    };
    const tails = ['', '/', '//', '/co_1', '/co_1/', '/co_1//', '/co_1/x', '/co%201', '/%E0%A4%A', '/co_1?x', '//co_1'];
    const heads = [
      '/telnyx/voice',
      '/telnyx/dial-complete',
      '/telnyx/status',
      '/telnyx/voices',
      '/telnyx/',
      '/telnyx',
      '/telnyxvoice',
      '/x/voice',
      '',
    ];
    for (const head of heads) for (const tail of tails) expect(parseTelnyxPath(head + tail), head + tail).toEqual(reference(head + tail));
  });

  it('counts heartbeat root fields of the executed mutation only', () => {
    expect(heartbeatFieldsIn(parse('mutation { heartbeat(input: {sipRegistered: true}) { nextHeartbeatInMs } }'))).toBe(1);
    expect(
      heartbeatFieldsIn(
        parse(
          'mutation { a: heartbeat(input: {sipRegistered: true}) { nextHeartbeatInMs } b: heartbeat(input: {sipRegistered: true}) { nextHeartbeatInMs } }',
        ),
      ),
    ).toBe(2);
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

function decodeURIComponentOr(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
