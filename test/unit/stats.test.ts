import { describe, expect, it } from 'vitest';
import { companyStats, type AgentStateInput, type CallInput, type LoggedCall } from '../../src/domain/stats.js';
import { startOfLocalDay } from '../../src/domain/business-hours.js';

const NOW = Date.UTC(2026, 10, 24, 15, 0, 0);
const agent = (agentId: string, o: Partial<AgentStateInput> = {}): AgentStateInput => ({
  agentId,
  online: true,
  status: 'AVAILABLE',
  onCall: false,
  ...o,
});
const call = (o: Partial<CallInput> = {}): CallInput => ({ startedAt: NOW - 10_000, ringing: [], answeredAt: null, endedAt: null, ...o });

describe('companyStats: agents by state', () => {
  it('counts each agent once, in order: offline, on a call, ringing, on break, wrap-up, available', () => {
    const agents = [
      agent('off', { online: false, onCall: true, status: 'ON_BREAK' }),
      agent('busy', { onCall: true, status: 'WRAP_UP' }),
      agent('ring', { status: 'AVAILABLE' }),
      agent('brk', { status: 'ON_BREAK' }),
      agent('wrap', { status: 'WRAP_UP' }),
      agent('free'),
      agent('free2'),
    ];
    const s = companyStats(agents, [call({ ringing: ['ring'] })], [], NOW);
    expect(s.agents).toEqual({ offline: 1, onCall: 1, ringing: 1, onBreak: 1, wrapUp: 1, available: 2, total: 7 });
  });
});

describe('companyStats: calls in progress', () => {
  it('splits waiting, ringing and active; ended calls are not in progress; the oldest unanswered wait is reported', () => {
    const calls = [
      call({ startedAt: NOW - 42_000 }), // in the menu / on hold
      call({ startedAt: NOW - 5_000, ringing: ['a'] }),
      call({ startedAt: NOW - 90_000, answeredAt: NOW - 80_000 }), // active: not a wait
      call({ startedAt: NOW - 300_000, endedAt: NOW - 1_000 }),
    ];
    const s = companyStats([], calls, [], NOW);
    expect([s.callsWaiting, s.callsRinging, s.callsActive, s.longestWaitSeconds]).toEqual([1, 1, 1, 42]);
  });

  it('nothing in progress → zeros', () => {
    const s = companyStats([], [], [], NOW);
    expect([s.callsWaiting, s.callsRinging, s.callsActive, s.longestWaitSeconds, s.averageAnswerSeconds]).toEqual([0, 0, 0, 0, null]);
  });
});

describe("companyStats: today's totals", () => {
  const logged = (startedAt: number, answeredAfterSeconds: number | null, outcome: string | null): LoggedCall => ({
    startedAt,
    answeredAt: answeredAfterSeconds === null ? null : startedAt + answeredAfterSeconds * 1000,
    outcome,
  });
  it('answered vs missed vs after hours, and the mean answer time of answered calls', () => {
    const today = [
      logged(NOW - 600_000, 4, 'ANSWERED'),
      logged(NOW - 500_000, 11, 'ANSWERED'),
      logged(NOW - 400_000, 6, null), // answered, still going
      logged(NOW - 300_000, null, 'VOICEMAIL'),
      logged(NOW - 200_000, null, 'FORWARDED'),
      logged(NOW - 100_000, null, 'ABANDONED'),
      logged(NOW - 50_000, null, 'AFTER_HOURS'),
      logged(NOW - 10_000, null, null), // still ringing: neither yet
    ];
    const s = companyStats([], [], today, NOW);
    expect([s.answeredToday, s.missedToday, s.afterHoursToday, s.averageAnswerSeconds]).toEqual([3, 3, 1, 7]);
  });

  it('a failed queue callback is missed; one still pending is neither missed nor answered', () => {
    const today = [logged(NOW - 300_000, null, 'CALLBACK_FAILED'), logged(NOW - 200_000, null, 'CALLBACK_PENDING')];
    const s = companyStats([], [], today, NOW);
    expect([s.answeredToday, s.missedToday]).toEqual([0, 1]);
  });
});

describe('startOfLocalDay', () => {
  it.each([
    // [instant, zone, local midnight as UTC]
    ['2026-11-24T15:00:00Z', 'UTC', '2026-11-24T00:00:00Z'],
    ['2026-11-24T03:00:00Z', 'America/New_York', '2026-11-23T05:00:00Z'], // still the 23rd in New York
    ['2026-11-24T23:30:00Z', 'Asia/Tokyo', '2026-11-24T15:00:00Z'], // already the 25th in Tokyo
    ['2026-03-08T12:00:00Z', 'America/New_York', '2026-03-08T05:00:00Z'], // DST starts that day at 02:00: midnight is still EST
    ['2026-11-01T12:00:00Z', 'America/New_York', '2026-11-01T04:00:00Z'], // DST ends that day: midnight is EDT
    ['2026-09-06T12:00:00Z', 'America/Santiago', '2026-09-06T04:00:00Z'], // Chile skips 00:00-01:00: the day starts at 01:00 local
  ])('%s in %s → %s', (instant, zone, midnight) => {
    expect(new Date(startOfLocalDay(Date.parse(instant), zone)).toISOString()).toBe(new Date(midnight).toISOString());
  });
});
