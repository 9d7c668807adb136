/**
 * The reconcile of calls gone silent, its pure rules (src/domain/call-reconcile.ts), the reading of
 * Telnyx's "Get call" answer (src/telnyx/call-lookup.ts), and what a call session keeps for it.
 */
import { describe, expect, it } from 'vitest';
import {
  ANSWERED_CHECK_MS,
  NOT_FOUND_LOOKUPS,
  QUIET_STEP_MS,
  RECONCILE_GRACE_MS,
  reconcileDecision,
  reconcileDueAt,
  retryDelayMs,
  type ReconcilableCall,
} from '../../src/domain/call-reconcile.js';
import { CallSessions } from '../../src/calls/call-sessions.js';
import { ManualClock } from '../../src/domain/clock.js';
import { interpretCallLookup } from '../../src/telnyx/call-lookup.js';

const T0 = 1_700_000_000_000;

function call(overrides: Partial<ReconcilableCall> = {}): ReconcilableCall {
  return {
    startedAt: T0,
    heardAt: T0,
    stepStartedAt: null,
    stepTimeoutSeconds: 0,
    answeredAt: null,
    endedAt: null,
    reconcile: null,
    ...overrides,
  };
}

describe('reconcileDueAt: when a silent call is looked up', () => {
  const withTelnyx = { canAskTelnyx: true };

  it('a ringing step: its ring deadline plus the grace', () => {
    expect(reconcileDueAt(call({ stepStartedAt: T0, stepTimeoutSeconds: 20 }), withTelnyx)).toBe(T0 + 20_000 + RECONCILE_GRACE_MS);
  });

  it('a later callback (a leg ringing) does not bring the deadline forward, one after the deadline pushes it back', () => {
    const ringing = { stepStartedAt: T0, stepTimeoutSeconds: 20 };
    expect(reconcileDueAt(call({ ...ringing, heardAt: T0 + 3_000 }), withTelnyx)).toBe(T0 + 20_000 + RECONCILE_GRACE_MS);
    expect(reconcileDueAt(call({ ...ringing, heardAt: T0 + 25_000 }), withTelnyx)).toBe(T0 + 25_000 + RECONCILE_GRACE_MS);
  });

  it('between steps (the language menu, a hold): a quiet minute plus the grace after the last callback', () => {
    expect(reconcileDueAt(call({ heardAt: T0 + 5_000 }), withTelnyx)).toBe(T0 + 5_000 + QUIET_STEP_MS + RECONCILE_GRACE_MS);
  });

  it('an answered call: every ANSWERED_CHECK_MS with Telnyx to ask, never without (a long talk is not a lost call)', () => {
    const answered = call({ stepStartedAt: null, answeredAt: T0 + 4_000, heardAt: T0 + 4_000 });
    expect(reconcileDueAt(answered, withTelnyx)).toBe(T0 + 4_000 + ANSWERED_CHECK_MS);
    expect(reconcileDueAt(answered, { canAskTelnyx: false })).toBeNull();
  });

  it('an ended call never; a pending look-up not before its time', () => {
    expect(reconcileDueAt(call({ endedAt: T0 }), withTelnyx)).toBeNull();
    expect(reconcileDueAt(call({ reconcile: { nextAt: T0 + 999_999, attempts: 1 } }), withTelnyx)).toBe(T0 + 999_999);
  });

  it('the grace is configurable', () => {
    expect(reconcileDueAt(call({ stepStartedAt: T0, stepTimeoutSeconds: 10 }), { canAskTelnyx: false, graceMs: 0 })).toBe(T0 + 10_000);
  });
});

describe('reconcileDecision: what Telnyx says, and what the call becomes', () => {
  const NOW = T0 + 60_000;

  it.each(['completed', 'canceled', 'no-answer', 'busy', 'failed'])(
    'Telnyx says %s: unanswered → ABANDONED, answered → ANSWERED (as the lost status callback would have logged it)',
    (status) => {
      const lookup = { kind: 'found', status, endedAt: T0 + 20_000 } as const;
      expect(reconcileDecision(call(), lookup, 1, NOW)).toMatchObject({ kind: 'end', outcome: 'ABANDONED', endedAt: T0 + 20_000 });
      expect(reconcileDecision(call({ answeredAt: T0 + 5_000 }), lookup, 1, NOW)).toMatchObject({ kind: 'end', outcome: 'ANSWERED' });
    },
  );

  it.each([null, T0 - 1, NOW + 1])('an implausible end_time (%s) is replaced by now', (endedAt) => {
    expect(reconcileDecision(call(), { kind: 'found', status: 'completed', endedAt }, 1, NOW)).toMatchObject({ endedAt: NOW });
  });

  it.each(['queued', 'ringing', 'in-progress', 'IN-PROGRESS'])('Telnyx says %s: still live, asked again later', (status) => {
    const d = reconcileDecision(call(), { kind: 'found', status, endedAt: null }, 1, NOW);
    expect(d).toMatchObject({ kind: 'retry', nextAt: NOW + retryDelayMs(1) });
    // A live conversation is asked about again at the answered pace.
    expect(reconcileDecision(call({ answeredAt: T0 }), { kind: 'found', status, endedAt: null }, 3, NOW)).toMatchObject({
      kind: 'retry',
      nextAt: NOW + ANSWERED_CHECK_MS,
    });
  });

  it('Telnyx unavailable: retried with a growing wait, nothing ended', () => {
    const waits = [1, 2, 3, 4, 5, 6, 50].map((attempt) => {
      const d = reconcileDecision(call(), { kind: 'unavailable', reason: 'down' }, attempt, NOW);
      expect(d.kind).toBe('retry');
      return d.kind === 'retry' ? d.nextAt - NOW : 0;
    });
    expect(waits).toEqual([30_000, 60_000, 120_000, 240_000, 300_000, 300_000, 300_000]);
  });

  it('a 404 is believed only on the second look-up (Get call is eventually consistent), then UNKNOWN', () => {
    expect(NOT_FOUND_LOOKUPS).toBe(2);
    expect(reconcileDecision(call(), { kind: 'not-found' }, 1, NOW)).toMatchObject({ kind: 'retry' });
    expect(reconcileDecision(call({ answeredAt: T0 }), { kind: 'not-found' }, 2, NOW)).toMatchObject({
      kind: 'end',
      outcome: 'UNKNOWN',
      endedAt: NOW,
    });
  });

  it('nobody to ask (no API key, no AccountSid): ended as UNKNOWN now', () => {
    expect(reconcileDecision(call(), null, 1, NOW)).toMatchObject({ kind: 'end', outcome: 'UNKNOWN', endedAt: NOW });
  });
});

describe("interpretCallLookup: Telnyx's answer to Get call", () => {
  const resource = (fields: Record<string, unknown>) => JSON.stringify({ sid: 'v3:abc', account_sid: 'AC1', ...fields });

  it('the call resource: its status and end time (RFC 2822)', () => {
    expect(interpretCallLookup(200, resource({ status: 'completed', end_time: 'Tue, 14 Nov 2023 22:13:40 +0000' }))).toEqual({
      kind: 'found',
      status: 'completed',
      endedAt: Date.UTC(2023, 10, 14, 22, 13, 40),
    });
    expect(interpretCallLookup(200, resource({ status: 'in-progress', end_time: null }))).toEqual({
      kind: 'found',
      status: 'in-progress',
      endedAt: null,
    });
    expect(interpretCallLookup(200, JSON.stringify({ data: { status: 'canceled' } }))).toEqual({
      kind: 'found',
      status: 'canceled',
      endedAt: null,
    });
  });

  it('404: no such call', () => {
    expect(interpretCallLookup(404, '{"errors":[]}')).toEqual({ kind: 'not-found' });
  });

  it.each<[number, string]>([
    [401, '{}'],
    [403, '{}'],
    [429, '{}'],
    [500, 'oops'],
    [503, ''],
    [200, 'not json'],
    [200, '{"sid":"x"}'],
    [200, '{"status":""}'],
    [200, 'null'],
  ])('HTTP %i %j: unavailable (asked again later), never a verdict', (status, body) => {
    expect(interpretCallLookup(status, body).kind).toBe('unavailable');
  });
});

describe('CallSessions: what a call keeps for the reconcile', () => {
  it('the AccountSid and when Telnyx was last heard; a callback clears a pending look-up', () => {
    const clock = new ManualClock(T0);
    const sessions = new CallSessions({ clock });
    sessions.start({ callSid: 'c1', companyId: 'co', from: '+1', to: '+2', accountSid: 'AC1' });
    expect(sessions.get('c1')).toMatchObject({ accountSid: 'AC1', heardAt: T0, reconcile: null });
    sessions.setReconcile('c1', { nextAt: T0 + 30_000, attempts: 1 });
    clock.advance(5_000);
    sessions.heard('c1', 'AC-other');
    expect(sessions.get('c1')).toMatchObject({ accountSid: 'AC1', heardAt: T0 + 5_000, reconcile: null }); // the first account stays
    expect(sessions.inProgress().map((s) => s.callSid)).toEqual(['c1']);
  });

  it('a call without an AccountSid learns it from a later webhook', () => {
    const sessions = new CallSessions({ clock: new ManualClock(T0) });
    sessions.start({ callSid: 'c1', companyId: 'co', from: '+1', to: '+2' });
    expect(sessions.get('c1')!.accountSid).toBeNull();
    sessions.heard('c1', 'AC9');
    expect(sessions.get('c1')!.accountSid).toBe('AC9');
  });

  it("ends at Telnyx's end time (never in the future), drops the pending look-up, and is kept a minute from now", () => {
    const clock = new ManualClock(T0);
    const sessions = new CallSessions({ clock });
    sessions.start({ callSid: 'c1', companyId: 'co', from: '+1', to: '+2' });
    sessions.ring('c1', ['ag'], 20, { reserve: true });
    sessions.setReconcile('c1', { nextAt: T0, attempts: 1 });
    clock.advance(120_000);
    sessions.end('c1', 'ABANDONED', T0 + 20_000);
    expect(sessions.get('c1')).toMatchObject({ endedAt: T0 + 20_000, outcome: 'ABANDONED', reconcile: null });
    expect(sessions.isReserved('ag')).toBe(false);
    expect(sessions.inProgress()).toEqual([]);
    clock.advance(59_000);
    expect(sessions.get('c1')).toBeDefined(); // late webhooks and live statistics still find it
    clock.advance(1_000);
    expect(sessions.get('c1')).toBeUndefined();
    sessions.start({ callSid: 'c2', companyId: 'co', from: '+1', to: '+2' });
    sessions.end('c2', 'UNKNOWN', clock.now() + 5_000);
    expect(sessions.get('c2')!.endedAt).toBe(clock.now());
  });

  it('a shared copy stored before these fields existed is read with defaults', () => {
    const sessions = new CallSessions({ clock: new ManualClock(T0) });
    const old = { callSid: 'c1', companyId: 'co', from: '+1', to: '+2', startedAt: T0 - 5_000, offered: [], ringing: [] } as never;
    sessions.importSession(old, T0 + 60_000);
    expect(sessions.get('c1')).toMatchObject({ accountSid: null, heardAt: T0 - 5_000, reconcile: null });
  });
});
