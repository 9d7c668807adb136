import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import {
  isStaleCall,
  newActivity,
  onActivity,
  onDay,
  type ActivityEffect,
  type ActivityEvent,
  type ActivityRules,
  type AgentActivity,
} from '../../src/domain/agent-activity.js';

/**
 * The call service's loop in miniature: events go through the pure reducer; a wrap-up effect sets a
 * timer on a manual clock that feeds `wrap-up-due` back. Returns what a supervisor would see.
 */
function agentOnAFakeClock(rules: ActivityRules) {
  const clock = new ManualClock();
  let state: AgentActivity = newActivity('2026-1-5');
  let status: 'AVAILABLE' | 'ON_BREAK' | 'WRAP_UP' = 'AVAILABLE';
  let reason: string | null = null;
  const log: string[] = [];
  const send = (event: ActivityEvent) => {
    const result = onActivity(state, event, rules, clock.now());
    state = result.state;
    for (const effect of result.effects) carryOut(effect);
  };
  const carryOut = (effect: ActivityEffect) => {
    log.push(effect.kind);
    if (effect.kind === 'pause') [status, reason] = ['ON_BREAK', effect.reason];
    if (effect.kind === 'start-wrap-up') {
      status = 'WRAP_UP';
      clock.setTimer(effect.until, () => send({ kind: 'wrap-up-due', until: effect.until }));
    }
    if (effect.kind === 'end-wrap-up' && status === 'WRAP_UP') status = 'AVAILABLE';
  };
  return {
    clock,
    send,
    log,
    setStatus: (s: typeof status) => (status = s),
    get view() {
      return { status, reason, onCall: state.onCallSid !== null, callsToday: state.callsToday, misses: state.consecutiveMisses };
    },
  };
}

describe('wrap-up on a fake clock', () => {
  it('a call that ends puts the agent in wrap-up for exactly wrapUpSeconds, then available by itself', () => {
    const a = agentOnAFakeClock({ autoPauseAfterMisses: 0, wrapUpSeconds: 30 });
    a.send({ kind: 'answered', callSid: 'c1' });
    expect(a.view).toMatchObject({ onCall: true, status: 'AVAILABLE' });
    a.clock.advance(120_000);
    a.send({ kind: 'ended' });
    expect(a.view).toMatchObject({ onCall: false, status: 'WRAP_UP', callsToday: 1 });
    a.clock.advance(29_999);
    expect(a.view.status).toBe('WRAP_UP');
    a.clock.advance(1);
    expect(a.view.status).toBe('AVAILABLE');
    expect(a.log).toEqual(['presence-changed', 'call-ended', 'start-wrap-up', 'end-wrap-up']);
  });

  it('no wrap-up configured: free at once', () => {
    const a = agentOnAFakeClock({ autoPauseAfterMisses: 0, wrapUpSeconds: 0 });
    a.send({ kind: 'answered', callSid: 'c1' });
    a.send({ kind: 'ended' });
    expect(a.view).toMatchObject({ onCall: false, status: 'AVAILABLE', callsToday: 1 });
    expect(a.log).toEqual(['presence-changed', 'call-ended', 'presence-changed']);
  });

  it('a second call during wrap-up: the first timer does not end the second wrap-up early', () => {
    const a = agentOnAFakeClock({ autoPauseAfterMisses: 0, wrapUpSeconds: 30 });
    a.send({ kind: 'answered', callSid: 'c1' });
    a.send({ kind: 'ended' }); // wrap-up until t+30 s
    a.clock.advance(10_000);
    a.send({ kind: 'answered', callSid: 'c2' }); // a supervisor pushed a call through
    a.clock.advance(10_000);
    a.send({ kind: 'ended' }); // new wrap-up until t+50 s
    a.clock.advance(15_000); // t+35 s: the first timer has fired
    expect(a.view.status).toBe('WRAP_UP');
    a.clock.advance(15_000); // t+50 s
    expect(a.view.status).toBe('AVAILABLE');
    expect(a.view.callsToday).toBe(2);
  });

  it('a break taken during wrap-up is not undone when the wrap-up ends', () => {
    const a = agentOnAFakeClock({ autoPauseAfterMisses: 0, wrapUpSeconds: 30 });
    a.send({ kind: 'answered', callSid: 'c1' });
    a.send({ kind: 'ended' });
    a.setStatus('ON_BREAK');
    a.clock.advance(60_000);
    expect(a.view.status).toBe('ON_BREAK');
  });

  it('a completed leg that was never answered changes nothing', () => {
    const a = agentOnAFakeClock({ autoPauseAfterMisses: 0, wrapUpSeconds: 30 });
    a.send({ kind: 'ended' });
    expect(a.view).toMatchObject({ status: 'AVAILABLE', callsToday: 0 });
    expect(a.log).toEqual([]);
  });
});

describe('auto-pause after missed offers', () => {
  it.each([
    // [limit, events, expected status, expected misses left]
    [2, 'M', 'AVAILABLE', 1],
    [2, 'MM', 'ON_BREAK', 0],
    [2, 'MAEM', 'AVAILABLE', 1], // an answered call resets the count
    [3, 'MMAEMM', 'AVAILABLE', 2],
    [3, 'MMAEMMM', 'ON_BREAK', 0],
    [0, 'MMMMMMMMMM', 'AVAILABLE', 10], // 0 = never
    [1, 'M', 'ON_BREAK', 0],
  ] as const)('limit %i, events %s → %s', (limit, events, status, misses) => {
    const a = agentOnAFakeClock({ autoPauseAfterMisses: limit, wrapUpSeconds: 0 });
    let call = 0;
    for (const e of events)
      a.send(e === 'M' ? { kind: 'missed' } : e === 'A' ? { kind: 'answered', callSid: `c${++call}` } : { kind: 'ended' });
    expect(a.view.status).toBe(status);
    expect(a.view.misses).toBe(misses);
    if (status === 'ON_BREAK') expect(a.view.reason).toBe(`missed ${limit} calls in a row`);
  });
});

describe('calls today', () => {
  it('resets on a new local day and keeps the rest', () => {
    const s = { ...newActivity('2026-1-5'), callsToday: 7, consecutiveMisses: 2 };
    expect(onDay(s, '2026-1-5')).toBe(s);
    expect(onDay(s, '2026-1-6')).toEqual({ ...s, day: '2026-1-6', callsToday: 0 });
  });
});

describe('stuck "on call" states', () => {
  const rules: ActivityRules = { autoPauseAfterMisses: 0, wrapUpSeconds: 0 };
  const onCall = (callSid: string, at: number) => onActivity(newActivity('2026-1-5'), { kind: 'answered', callSid }, rules, at).state;

  it("the inbound call's end frees an agent on that call, counted as a call; one now on another call is left alone", () => {
    const ended = onActivity(onCall('c1', 1_000), { kind: 'ended', callSid: 'c1' }, rules, 2_000);
    expect(ended.state).toMatchObject({ onCallSid: null, callEventAt: null, callsToday: 1 });
    expect(ended.effects.map((e) => e.kind)).toEqual(['call-ended', 'presence-changed']);
    const other = onCall('c2', 1_000);
    expect(onActivity(other, { kind: 'ended', callSid: 'c1' }, rules, 2_000)).toEqual({ state: other, effects: [] });
  });

  it('clearing frees the agent without counting a call or starting a wrap-up; a free agent is unchanged', () => {
    const cleared = onActivity(onCall('c1', 1_000), { kind: 'cleared' }, { ...rules, wrapUpSeconds: 30 }, 2_000);
    expect(cleared.state).toMatchObject({ onCallSid: null, callEventAt: null, callsToday: 0, wrapUpEndsAt: null });
    expect(cleared.effects).toEqual([{ kind: 'presence-changed' }]);
    const free = newActivity('2026-1-5');
    expect(onActivity(free, { kind: 'cleared' }, rules, 2_000)).toEqual({ state: free, effects: [] });
  });

  it('a call is stale once no leg event came for the bound (state from an older version: at once)', () => {
    const t0 = Date.UTC(2026, 0, 5, 15, 0, 0);
    const s = onCall('c1', t0);
    expect(isStaleCall(s, t0 + 59_999, 60_000)).toBe(false);
    expect(isStaleCall(s, t0 + 60_000, 60_000)).toBe(true);
    expect(isStaleCall(newActivity('2026-1-5'), t0 + 1e9, 60_000)).toBe(false);
    const { callEventAt: _, ...older } = s;
    expect(isStaleCall(older, t0 + 1, 60_000)).toBe(true);
  });
});
