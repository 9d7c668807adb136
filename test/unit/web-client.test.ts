/** The pure decisions behind the softphone, the board and Telnyx token minting. */
import { describe, expect, it } from 'vitest';
import { describeSoftphone } from '../../src/telnyx/softphone-setup.js';
import { interpretTokenResponse } from '../../src/telnyx/credentials.js';
import { retryDelayMs } from '../../web/src/api.js';
import { applyPresenceEvent, sortRows, type AgentRow, type PresenceEventData } from '../../web/src/board/presence-model.js';
import { validateRoutingForm } from '../../web/src/board/routing-form.js';
import { formatDuration } from '../../web/src/format.js';
import { heartbeatPlan, reportedCallState, serverLabel } from '../../web/src/softphone/state.js';

describe('heartbeatPlan', () => {
  it.each([
    [{ serverConnected: false, telnyx: 'ready', registrationRequired: false }, { send: false }],
    [
      { serverConnected: true, telnyx: 'ready', registrationRequired: true },
      { send: true, sipRegistered: true },
    ],
    [{ serverConnected: true, telnyx: 'connecting', registrationRequired: true }, { send: false }],
    [{ serverConnected: true, telnyx: 'reconnecting', registrationRequired: true }, { send: false }],
    [
      { serverConnected: true, telnyx: 'off', registrationRequired: false },
      { send: true, sipRegistered: false },
    ],
    [
      { serverConnected: true, telnyx: 'failed', registrationRequired: false },
      { send: true, sipRegistered: false },
    ],
  ] as const)('%j → %j', (inputs, plan) => {
    expect(heartbeatPlan(inputs)).toEqual(plan);
  });
});

describe('serverLabel', () => {
  it('tells an expired session (sign in again) apart from a refused one and from reconnecting', () => {
    expect(serverLabel('expired')).toEqual({ text: 'Session expired — sign in again', tone: 'bad' });
    expect(serverLabel('refused')).toEqual({ text: 'Sign-in refused', tone: 'bad' });
    expect(serverLabel('reconnecting').text).toMatch(/reconnecting/);
  });
});

describe('reportedCallState', () => {
  it.each([
    [undefined, 'idle'],
    ['new', 'ringing'],
    ['ringing', 'ringing'],
    ['active', 'active'],
    ['hangup', 'idle'],
    ['destroy', 'idle'],
  ])('%s → %s', (sdk, reported) => expect(reportedCallState(sdk)).toBe(reported));
});

describe('validateRoutingForm', () => {
  const base = { mode: 'AUTO', ringTimeoutSeconds: '20', fallbackKind: 'VOICEMAIL', fallbackNumber: '', allowUnregisteredSoftphones: true };
  it('accepts a valid form and normalises the number', () => {
    expect(validateRoutingForm({ ...base, fallbackKind: 'NUMBER', fallbackNumber: '+1 (305) 555-0123' })).toEqual({
      ok: true,
      input: {
        mode: 'AUTO',
        ringTimeoutSeconds: 20,
        fallbackKind: 'NUMBER',
        fallbackNumber: '+13055550123',
        allowUnregisteredSoftphones: true,
      },
    });
  });
  it.each([
    [{ ringTimeoutSeconds: '4' }, 'ringTimeoutSeconds', /At least 5/],
    [{ ringTimeoutSeconds: '121' }, 'ringTimeoutSeconds', /At most 120/],
    [{ ringTimeoutSeconds: '1.5' }, 'ringTimeoutSeconds', /whole seconds/],
    [{ fallbackKind: 'NUMBER' }, 'fallbackNumber', /Enter the number/],
    [{ fallbackKind: 'NUMBER', fallbackNumber: '3055550123' }, 'fallbackNumber', /international format/],
    [{ mode: 'LOUDEST' }, 'mode', /Pick a routing mode/],
  ])('%j → %s: %s', (patch, field, message) => {
    const result = validateRoutingForm({ ...base, ...patch });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors[field as keyof typeof result.errors]).toMatch(message);
  });
});

describe('presence model', () => {
  const event = (over: Partial<PresenceEventData['presence']>, at: string, snapshot = false): PresenceEventData => ({
    at,
    snapshot,
    cause: snapshot ? 'SNAPSHOT' : 'HEARTBEAT',
    presence: {
      agentId: 'a1',
      displayName: 'Ana',
      sipUsername: 'ana',
      online: true,
      sipRegistered: true,
      status: 'AVAILABLE',
      statusReason: null,
      lastSeen: null,
      callState: null,
      activeCalls: 0,
      ...over,
    },
  });
  it('an offline snapshot counts from last seen; an online one only "at least" from the snapshot', () => {
    const offline = applyPresenceEvent(
      new Map(),
      event({ online: false, lastSeen: '2026-01-01T10:00:00Z' }, '2026-01-01T10:05:00Z', true),
    ).get('a1')!;
    expect([offline.since, offline.sinceApprox]).toEqual([Date.parse('2026-01-01T10:00:00Z'), false]);
    const online = applyPresenceEvent(new Map(), event({}, '2026-01-01T10:05:00Z', true)).get('a1')!;
    expect([online.since, online.sinceApprox]).toEqual([Date.parse('2026-01-01T10:05:00Z'), true]);
  });
  it('the time in state restarts only when the state changes', () => {
    let rows = applyPresenceEvent(new Map(), event({}, '2026-01-01T10:00:00Z'));
    rows = applyPresenceEvent(rows, event({}, '2026-01-01T10:01:00Z'));
    expect(rows.get('a1')!.since).toBe(Date.parse('2026-01-01T10:00:00Z'));
    rows = applyPresenceEvent(rows, event({ callState: 'active' }, '2026-01-01T10:02:00Z'));
    expect(rows.get('a1')).toMatchObject({ onCall: true, since: Date.parse('2026-01-01T10:02:00Z') });
  });
  it('sorts on call, available, break, wrap-up, offline', () => {
    const row = (id: string, over: Partial<AgentRow>): AgentRow => ({
      agentId: id,
      displayName: id,
      sipUsername: id,
      online: true,
      sipRegistered: true,
      status: 'AVAILABLE',
      statusReason: null,
      onCall: false,
      since: 0,
      sinceApprox: false,
      ...over,
    });
    const sorted = sortRows([
      row('off', { online: false }),
      row('wrap', { status: 'WRAP_UP' }),
      row('brk', { status: 'ON_BREAK' }),
      row('av', {}),
      row('call', { onCall: true }),
    ]);
    expect(sorted.map((r) => r.agentId)).toEqual(['call', 'av', 'brk', 'wrap', 'off']);
  });
});

describe('formatDuration and retryDelayMs', () => {
  it.each([
    [0, '0:00'],
    [7_400, '0:07'],
    [245_000, '4:05'],
    [3_723_000, '1:02:03'],
  ])('%d ms → %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
  it('reconnect delays grow and stay under ~10 s with jitter', () => {
    expect(retryDelayMs(0, () => 0.5)).toBe(500);
    expect(retryDelayMs(3, () => 0.5)).toBe(4000);
    expect(retryDelayMs(30, () => 1)).toBe(12_500);
  });
});

describe('Telnyx token minting, the pure half', () => {
  it.each([
    [201, 'eyJ.abc.def', { ok: true, token: 'eyJ.abc.def' }],
    [200, '"eyJ.abc.def"\n', { ok: true, token: 'eyJ.abc.def' }],
    [201, '<html>oops</html>', { ok: false }],
    [401, '', { ok: false }],
    [429, '', { ok: false }],
  ])('HTTP %d %j → %j', (status, body, expected) => {
    expect(interpretTokenResponse(status, body, 'cred-1')).toMatchObject(expected);
  });

  const config = {
    telnyxApiKey: 'KEY0123456789',
    telnyxApiBaseUrl: 'https://api.telnyx.com/v2',
    telnyxWebrtcHost: undefined,
    heartbeatIntervalMs: 10_000,
  };
  const agent = {
    id: 'a1',
    companyId: 'c1',
    displayName: 'Ana',
    sipUsername: 'ana',
    telnyxCredentialId: '6a09cdc3-8948-47f0-aa62-74ac943d6c58',
  };
  it('a minted token is handed over with no message', () => {
    const setup = describeSoftphone(config, agent, false, { ok: true, token: 'jwt' });
    expect(setup).toMatchObject({
      telnyxConfigured: true,
      loginToken: 'jwt',
      websocketHost: null,
      registrationRequired: true,
      message: null,
    });
  });
  it('no API key: not configured, and the message says what presence does', () => {
    const demo = describeSoftphone({ ...config, telnyxApiKey: undefined }, agent, true, null);
    expect(demo).toMatchObject({ telnyxConfigured: false, loginToken: null });
    expect(demo.message).toMatch(/not configured.*You still show as online/);
    expect(describeSoftphone({ ...config, telnyxApiKey: undefined }, agent, false, null).message).toMatch(/show as offline/);
  });
});
