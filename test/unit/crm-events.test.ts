/**
 * The pure parts of the CRM webhooks: the retry schedule (at least 24 h, doubling to an hour, with
 * jitter), the signature and its verification (rotation: two v1), the attempt log, each event's
 * payload, and which addresses and URLs an endpoint may use (SSRF).
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  agentPresenceChanged,
  agentStatusChanged,
  callAnswered,
  callEnded,
  callRinging,
  callStarted,
  CRM_EVENT_TYPES,
  type CallFacts,
  eventBody,
  isCrmEventType,
  voicemailReceived,
  voicemailTranscribed,
} from '../../src/domain/crm-events.js';
import { addressRange, isPublicAddress, literalAddress, webhookUrlProblem } from '../../src/domain/network-address.js';
import {
  afterFailure,
  appendAttempt,
  ATTEMPT_LOG_SIZE,
  delivered,
  parseAttemptLog,
  RETRY,
  retryDelayMs,
  sign,
  signatureHeader,
  signingSecrets,
  verifySignature,
} from '../../src/domain/webhook-delivery.js';

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);

describe('retry schedule', () => {
  it('doubles from 10 s to an hour (no jitter at random = 0.5)', () => {
    expect(Array.from({ length: 12 }, (_, i) => retryDelayMs(i + 1, 0.5) / 1000)).toEqual([
      10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600, 3600,
    ]);
  });

  it('jitter stays within ±10 %', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (failures, random) => {
        const plain = retryDelayMs(failures, 0.5);
        const d = retryDelayMs(failures, random);
        return d >= plain * 0.9 - 1 && d <= plain * 1.1 + 1;
      }),
    );
  });

  it('retries for at least 24 h, then gives up at the first failure past the window', () => {
    // Play a delivery that always fails, each retry at its time (worst-case jitter: the shortest delays).
    let now = T0;
    let failures = 0;
    const attempts: number[] = [];
    for (;;) {
      attempts.push(now);
      failures++;
      const next = afterFailure(failures, now, T0, 0);
      if (next.kind === 'give-up') break;
      expect(next.at).toBeGreaterThan(now);
      now = next.at;
    }
    const last = attempts.at(-1)!;
    expect(last - T0).toBeGreaterThanOrEqual(RETRY.windowMs);
    expect(last - T0).toBeLessThan(RETRY.windowMs + RETRY.capMs * 1.1);
    expect(attempts.length).toBeGreaterThan(25); // ~10 quick ones, then hourly
    expect(attempts.length).toBeLessThan(45);
    expect(afterFailure(3, T0 + RETRY.windowMs - 1, T0, 0.5)).toEqual({ kind: 'retry', at: T0 + RETRY.windowMs - 1 + 40_000 });
    expect(afterFailure(3, T0 + RETRY.windowMs, T0, 0.5)).toEqual({ kind: 'give-up' });
  });

  it('only 2xx is delivered', () => {
    expect([200, 201, 204, 299].map(delivered)).toEqual([true, true, true, true]);
    expect([null, 100, 301, 302, 400, 410, 429, 500, 503].map(delivered)).toEqual(Array(9).fill(false));
  });
});

describe('signature', () => {
  const body = '{"id":"evt_1","type":"call.ended"}';

  it('is HMAC-SHA256 over "<t>.<body>" in hex', () => {
    const expected = createHmac('sha256', 'whsec_a').update(`1767625200.${body}`).digest('hex');
    expect(sign('whsec_a', 1767625200, body)).toBe(expected);
    expect(signatureHeader(['whsec_a'], 1767625200, body)).toBe(`t=1767625200,v1=${expected}`);
  });

  it('carries one v1 per secret during a rotation, the current first; either verifies', () => {
    const header = signatureHeader(['whsec_new', 'whsec_old'], 1767625200, body);
    expect(header).toBe(`t=1767625200,v1=${sign('whsec_new', 1767625200, body)},v1=${sign('whsec_old', 1767625200, body)}`);
    expect(verifySignature(header, body, 'whsec_new', 1767625200)).toBe(true);
    expect(verifySignature(header, body, 'whsec_old', 1767625200)).toBe(true);
    expect(verifySignature(header, body, 'whsec_other', 1767625200)).toBe(false);
  });

  it('refuses a changed body, a forged or truncated v1, and a timestamp out of tolerance', () => {
    const header = signatureHeader(['s'], 1000, body);
    expect(verifySignature(header, `${body} `, 's', 1000)).toBe(false);
    expect(verifySignature(`t=1000,v1=${sign('other', 1000, body)}`, body, 's', 1000)).toBe(false);
    expect(verifySignature(`t=1001,v1=${sign('s', 1000, body)}`, body, 's', 1000)).toBe(false); // t is signed too
    expect(verifySignature(header.slice(0, -2), body, 's', 1000)).toBe(false);
    expect(verifySignature(`v1=${sign('s', 1000, body)}`, body, 's', 1000)).toBe(false); // no t=
    expect(verifySignature(header, body, 's', 1300)).toBe(true);
    expect(verifySignature(header, body, 's', 1301)).toBe(false);
    expect(verifySignature(header, body, 's', 699)).toBe(false);
  });

  it('any body and secret round-trips', () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1 }), fc.integer({ min: 0, max: 2 ** 31 }), (b, secret, t) =>
        verifySignature(signatureHeader([secret], t, b), b, secret, t),
      ),
    );
  });

  it('the previous secret signs only until its grace period ends', () => {
    const endpoint = { secret: 'new', previousSecret: 'old', previousSecretExpiresAt: new Date(T0 + 3_600_000) };
    expect(signingSecrets(endpoint, T0)).toEqual(['new', 'old']);
    expect(signingSecrets(endpoint, T0 + 3_600_000)).toEqual(['new']);
    expect(signingSecrets({ secret: 'new', previousSecret: null, previousSecretExpiresAt: null }, T0)).toEqual(['new']);
  });
});

describe('attempt log', () => {
  it(`keeps the last ${ATTEMPT_LOG_SIZE}, oldest first, and drops malformed stored entries`, () => {
    let log: unknown = [{ junk: true }, 'x', null];
    for (let i = 0; i < 15; i++)
      log = appendAttempt(log, {
        at: `2026-01-05T15:00:${String(i).padStart(2, '0')}.000Z`,
        statusCode: 500,
        durationMs: i,
        error: 'HTTP 500',
      });
    const parsed = parseAttemptLog(log);
    expect(parsed).toHaveLength(ATTEMPT_LOG_SIZE);
    expect(parsed.map((a) => a.durationMs)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(parseAttemptLog('nope')).toEqual([]);
    expect(parseAttemptLog([{ at: 'x', statusCode: '200' }])).toEqual([{ at: 'x', statusCode: null, durationMs: 0, error: null }]);
  });
});

describe('event payloads', () => {
  const call: CallFacts = {
    callSid: 'v3:abc',
    from: '+15550001111',
    to: '+13055550100',
    startedAt: T0,
    answeredAt: T0 + 18_000,
    answeredBy: 'agent-ben',
    endedAt: T0 + 38_400,
    outcome: 'ANSWERED',
    offered: ['agent-ana', 'agent-ben'],
    queueId: null,
    timeline: [
      { at: T0, kind: 'arrived' },
      { at: T0, kind: 'offered', agentId: 'agent-ana' },
      { at: T0 + 15_000, kind: 'missed', agentId: 'agent-ana' },
      { at: T0 + 15_000, kind: 'offered', agentId: 'agent-ben' },
      { at: T0 + 18_000, kind: 'answered', agentId: 'agent-ben' },
      { at: T0 + 38_400, kind: 'ended', detail: 'ANSWERED' },
    ],
  };
  const base = { callSid: 'v3:abc', from: '+15550001111', to: '+13055550100', direction: 'inbound', startedAt: '2026-01-05T15:00:00.000Z' };

  it('the catalogue', () => {
    expect(CRM_EVENT_TYPES).toEqual([
      'call.started',
      'call.ringing',
      'call.answered',
      'call.ended',
      'voicemail.received',
      'voicemail.transcribed',
      'agent.presence_changed',
      'agent.status_changed',
    ]);
    expect(isCrmEventType('call.ended')).toBe(true);
    expect(isCrmEventType('call.exploded')).toBe(false);
  });

  it('call events: subject is the CallSid; ended carries outcome, talk time and the timeline', () => {
    expect(callStarted(call)).toEqual({ type: 'call.started', subject: 'v3:abc', data: { ...base, queueId: null } });
    expect(callRinging(call, ['agent-ben'], T0 + 15_000)).toEqual({
      type: 'call.ringing',
      subject: 'v3:abc',
      data: { ...base, ringingAt: '2026-01-05T15:00:15.000Z', agentIds: ['agent-ben'] },
    });
    expect(callAnswered(call).data).toEqual({ ...base, answeredAt: '2026-01-05T15:00:18.000Z', agentId: 'agent-ben' });
    const ended = callEnded(call);
    expect(ended.subject).toBe('v3:abc');
    expect(ended.data).toEqual({
      ...base,
      answeredAt: '2026-01-05T15:00:18.000Z',
      endedAt: '2026-01-05T15:00:38.400Z',
      outcome: 'ANSWERED',
      answeredAgentId: 'agent-ben',
      offeredAgentIds: ['agent-ana', 'agent-ben'],
      queueId: null,
      talkSeconds: 20,
      timeline: [
        { at: '2026-01-05T15:00:00.000Z', kind: 'arrived', agentId: null, detail: null },
        { at: '2026-01-05T15:00:00.000Z', kind: 'offered', agentId: 'agent-ana', detail: null },
        { at: '2026-01-05T15:00:15.000Z', kind: 'missed', agentId: 'agent-ana', detail: null },
        { at: '2026-01-05T15:00:15.000Z', kind: 'offered', agentId: 'agent-ben', detail: null },
        { at: '2026-01-05T15:00:18.000Z', kind: 'answered', agentId: 'agent-ben', detail: null },
        { at: '2026-01-05T15:00:38.400Z', kind: 'ended', agentId: null, detail: 'ANSWERED' },
      ],
    });
    // An unanswered call has no talk time; the payload is a copy (the session goes on changing).
    const unanswered = callEnded({ ...call, answeredAt: null, answeredBy: null, outcome: 'VOICEMAIL' });
    expect(unanswered.data).toMatchObject({ talkSeconds: null, answeredAt: null, outcome: 'VOICEMAIL' });
    const offered = ['a'];
    const copy = callEnded({ ...call, offered }).data;
    offered.push('b');
    expect(copy.offeredAgentIds).toEqual(['a']);
  });

  it('voicemail.received: transcription null; voicemail.transcribed: the same voicemail with its text', () => {
    const facts = {
      id: 'vm1',
      callSid: 'v3:abc',
      from: '+15550001111',
      to: '+13055550100',
      recordingUrl: 'https://api.telnyx.com/v2/recordings/r.mp3',
      durationSeconds: 12,
      createdAt: new Date(T0),
    };
    const vm = voicemailReceived(facts);
    expect(voicemailTranscribed({ ...facts, transcription: 'Call me back', language: 'es-US' })).toEqual({
      type: 'voicemail.transcribed',
      subject: 'v3:abc',
      data: { ...vm.data, transcription: 'Call me back', language: 'es-US' },
    });
    expect(vm).toEqual({
      type: 'voicemail.received',
      subject: 'v3:abc',
      data: {
        voicemailId: 'vm1',
        callSid: 'v3:abc',
        from: '+15550001111',
        to: '+13055550100',
        recordingUrl: 'https://api.telnyx.com/v2/recordings/r.mp3',
        durationSeconds: 12,
        receivedAt: '2026-01-05T15:00:00.000Z',
        transcription: null,
      },
    });
  });

  it('agent events: subject is the agent', () => {
    const agent = {
      agentId: 'agent-ana',
      displayName: 'Ana',
      sipUsername: 'ana',
      online: true,
      sipRegistered: true,
      status: 'ON_BREAK',
      statusReason: 'Lunch',
      lastSeen: new Date(T0),
    };
    expect(agentPresenceChanged(agent, 'heartbeat', T0)).toEqual({
      type: 'agent.presence_changed',
      subject: 'agent-ana',
      data: {
        agentId: 'agent-ana',
        displayName: 'Ana',
        sipUsername: 'ana',
        online: true,
        sipRegistered: true,
        cause: 'heartbeat',
        lastSeen: '2026-01-05T15:00:00.000Z',
        at: '2026-01-05T15:00:00.000Z',
      },
    });
    expect(agentStatusChanged(agent, T0)).toEqual({
      type: 'agent.status_changed',
      subject: 'agent-ana',
      data: { agentId: 'agent-ana', displayName: 'Ana', status: 'ON_BREAK', reason: 'Lunch', online: true, at: '2026-01-05T15:00:00.000Z' },
    });
  });

  it('the body is the envelope around the data', () => {
    const body = eventBody({ ...callStarted(call), id: 'evt_1', companyId: 'co1', createdAt: T0 });
    expect(JSON.parse(body)).toEqual({
      id: 'evt_1',
      type: 'call.started',
      createdAt: '2026-01-05T15:00:00.000Z',
      companyId: 'co1',
      data: { ...base, queueId: null },
    });
  });
});

describe('SSRF: addresses and URLs', () => {
  it.each([
    ['8.8.8.8', 'unicast'],
    ['93.184.215.14', 'unicast'],
    ['2606:4700:4700::1111', 'unicast'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['100.100.100.200', 'carrierGradeNat'],
    ['fd00:ec2::254', 'uniqueLocal'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['64:ff9b::7f00:1', 'rfc6052'],
    ['2002:7f00:1::', '6to4'],
    ['2001::1', 'teredo'],
    ['not-an-ip', 'invalid'],
  ])('%s is %s', (address, range) => {
    expect(addressRange(address)).toBe(range);
    expect(isPublicAddress(address)).toBe(range === 'unicast');
  });

  it('reads IP literals from URL hosts (as WHATWG URL writes them), names otherwise', () => {
    expect(literalAddress(new URL('http://2130706433/').hostname)).toBe('127.0.0.1');
    expect(literalAddress(new URL('http://0x7f.1/').hostname)).toBe('127.0.0.1');
    expect(literalAddress(new URL('http://[::1]:80/').hostname)).toBe('::1');
    expect(literalAddress(new URL('http://crm.example.com/').hostname)).toBeNull();
    expect(literalAddress(new URL('http://1.example/').hostname)).toBeNull();
  });

  it.each([
    ['https://crm.example.com/hooks', null],
    ['http://crm.example.com:8080/hooks?x=1', null],
    ['ftp://crm.example.com/hooks', 'must be an http(s) URL'],
    ['javascript:alert(1)', 'must be an http(s) URL'],
    ['/relative', 'must be an absolute http(s) URL'],
    ['https://u:p@crm.example.com/', 'must not carry a user name or password'],
    [`https://crm.example.com/${'a'.repeat(2048)}`, 'must be at most 2048 characters'],
  ])('URL %s → %s', (url, problem) => {
    expect(webhookUrlProblem(url)).toBe(problem);
  });
});
