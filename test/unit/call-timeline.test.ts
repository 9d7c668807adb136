/**
 * The call history's pure parts: the bounded timeline (src/domain/call-timeline.ts), local dates as
 * instants in a company's zone and the page cursor (src/domain/call-history.ts).
 */
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, localDateRange, startOfLocalDate } from '../../src/domain/call-history.js';
import {
  appendEvent,
  appendStep,
  expandTimeline,
  MAX_TIMELINE_EVENTS,
  parseTimeline,
  type LiveTimelineEvent,
  type TimelineEvent,
} from '../../src/domain/call-timeline.js';

describe('call timeline', () => {
  it('keeps events in order, without empty fields', () => {
    const timeline: TimelineEvent[] = [];
    appendEvent(timeline, { at: 1, kind: 'arrived' });
    appendEvent(timeline, { at: 2, kind: 'offered', agentId: 'a1', detail: '' });
    expect(timeline).toEqual([
      { at: 1, kind: 'arrived' },
      { at: 2, kind: 'offered', agentId: 'a1' },
    ]);
  });

  it('stops at the bound but never loses the end', () => {
    const timeline: TimelineEvent[] = [];
    for (let i = 0; i < MAX_TIMELINE_EVENTS + 50; i++) appendEvent(timeline, { at: i, kind: 'offered', agentId: `a${i}` });
    expect(timeline).toHaveLength(MAX_TIMELINE_EVENTS);
    expect(timeline.at(-1)).toEqual({ at: MAX_TIMELINE_EVENTS - 1, kind: 'offered', agentId: `a${MAX_TIMELINE_EVENTS - 1}` });
    appendEvent(timeline, { at: 999, kind: 'ended', detail: 'VOICEMAIL' });
    expect(timeline).toHaveLength(MAX_TIMELINE_EVENTS);
    expect(timeline.at(-1)).toEqual({ at: 999, kind: 'ended', detail: 'VOICEMAIL' });
  });

  it('keeps a ring step as one event and gives it back one event per agent, in order', () => {
    const timeline: LiveTimelineEvent[] = [{ at: 1, kind: 'arrived' }];
    const step = ['a1', 'a2', 'a3'];
    appendStep(timeline, 2, 'offered', step);
    appendStep(timeline, 3, 'offered', []); // a step that rang nobody leaves no event
    appendStep(timeline, 27, 'missed', step);
    appendEvent(timeline, { at: 28, kind: 'offered', agentId: 'a4' }); // a session stored before: one event per agent
    appendEvent(timeline, { at: 40, kind: 'ended', detail: 'VOICEMAIL' });
    expect(timeline).toHaveLength(5);
    expect(timeline[1]).toEqual({ at: 2, kind: 'offered', agentIds: step });
    expect(expandTimeline(timeline)).toEqual([
      { at: 1, kind: 'arrived' },
      { at: 2, kind: 'offered', agentId: 'a1' },
      { at: 2, kind: 'offered', agentId: 'a2' },
      { at: 2, kind: 'offered', agentId: 'a3' },
      { at: 27, kind: 'missed', agentId: 'a1' },
      { at: 27, kind: 'missed', agentId: 'a2' },
      { at: 27, kind: 'missed', agentId: 'a3' },
      { at: 28, kind: 'offered', agentId: 'a4' },
      { at: 40, kind: 'ended', detail: 'VOICEMAIL' },
    ]);
  });

  it('expands within the same bound: the first events, and the end', () => {
    const agents = Array.from({ length: 30 }, (_, i) => `a${i}`);
    const timeline: LiveTimelineEvent[] = [{ at: 0, kind: 'arrived' }];
    for (let step = 1; step <= 10; step++) appendStep(timeline, step, 'offered', agents);
    const open = expandTimeline(timeline);
    expect(open).toHaveLength(MAX_TIMELINE_EVENTS);
    expect(open.at(-1)).toEqual({ at: 7, kind: 'offered', agentId: 'a18' }); // 1 + 6 × 30 + 19
    appendEvent(timeline, { at: 99, kind: 'ended', detail: 'VOICEMAIL' });
    const ended = expandTimeline(timeline);
    expect(ended).toHaveLength(MAX_TIMELINE_EVENTS);
    expect(ended.at(-2)).toEqual({ at: 7, kind: 'offered', agentId: 'a17' });
    expect(ended.at(-1)).toEqual({ at: 99, kind: 'ended', detail: 'VOICEMAIL' });
    // A step's event past the live bound is dropped like any other; the end still replaces the last.
    const full: LiveTimelineEvent[] = [];
    for (let i = 0; i < MAX_TIMELINE_EVENTS + 5; i++) appendStep(full, i, 'missed', ['x']);
    appendEvent(full, { at: 999, kind: 'ended', detail: 'ABANDONED' });
    expect(full).toHaveLength(MAX_TIMELINE_EVENTS);
    expect(expandTimeline(full).at(-1)).toEqual({ at: 999, kind: 'ended', detail: 'ABANDONED' });
  });

  it('reads back only well-formed events', () => {
    expect(parseTimeline(null)).toEqual([]);
    expect(
      parseTimeline([{ at: 5, kind: 'answered', agentId: 'x' }, { at: 'x', kind: 'arrived' }, { at: 6, kind: 'bogus' }, 7, null]),
    ).toEqual([{ at: 5, kind: 'answered', agentId: 'x' }]);
  });
});

describe('local dates', () => {
  it.each([
    ['2026-03-08', 'America/New_York', '2026-03-08T05:00:00.000Z'], // the DST day starts at EST midnight
    ['2026-03-09', 'America/New_York', '2026-03-09T04:00:00.000Z'],
    ['2026-01-01', 'Pacific/Kiritimati', '2025-12-31T10:00:00.000Z'], // UTC+14
    ['2026-01-01', 'Pacific/Pago_Pago', '2026-01-01T11:00:00.000Z'], // UTC-11
    ['2026-06-15', 'UTC', '2026-06-15T00:00:00.000Z'],
    ['2018-11-04', 'America/Sao_Paulo', '2018-11-04T03:00:00.000Z'], // no midnight that day: the gap's end (01:00 −02)
  ])('%s starts in %s at %s', (date, zone, iso) => {
    expect(new Date(startOfLocalDate(date, zone)).toISOString()).toBe(iso);
  });

  it('makes an inclusive range of dates half-open, 23 h on a spring-forward day', () => {
    const r = localDateRange({ from: '2026-03-08', to: '2026-03-08' }, 'America/New_York');
    expect((r.toMs! - r.fromMs!) / 3600_000).toBe(23);
    expect(localDateRange({}, 'UTC')).toEqual({ fromMs: null, toMs: null });
  });

  it.each(['2026-02-30', '2026-1-01', 'yesterday', ''])('refuses %j', (date) => {
    expect(() => startOfLocalDate(date, 'UTC')).toThrow(RangeError);
  });
});

describe('history cursor', () => {
  it('round-trips and refuses what is not one', () => {
    const c = { startedAt: 1_780_000_000_123, id: 'clx1' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    for (const bad of ['', 'abc', Buffer.from('[1]').toString('base64url'), Buffer.from('["x","y"]').toString('base64url')])
      expect(decodeCursor(bad)).toBeNull();
  });
});
