/**
 * The board's reports controller without a DOM: its local-day windows agree with the server's
 * startOfLocalDay (DST days included), and it fetches only while open, again when the live figures
 * say a call changed (not on presence), at most once per REPORT_REFRESH_MS however busy, and stops
 * on close and dispose. The chart panel's tables: hour labels name the repeated hour of a fall-back day.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startOfLocalDay as serverStartOfLocalDay } from '../../src/domain/business-hours.js';
import { hourLabels } from '../../web/src/board/report-charts.js';
import { createReportsController, REPORT_REFRESH_MS, reportWindows, startOfLocalDay } from '../../web/src/board/reports.js';
import type { BoardState } from '../../web/src/board/controller.js';
import { createStore } from '../../web/src/store.js';
import { seededRandom } from '../support/random.js';

const iso = (ms: number) => new Date(ms).toISOString();

describe('reportWindows: the company’s yesterday, today and tomorrow', () => {
  it.each([
    // Spring forward in New York: today is 23 hours long.
    ['America/New_York', '2026-03-08T18:00:00Z', ['2026-03-07T05:00:00.000Z', '2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z']],
    // Fall back: 25 hours; just after midnight too.
    ['America/New_York', '2026-11-01T12:00:00Z', ['2026-10-31T04:00:00.000Z', '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z']],
    ['America/New_York', '2026-11-01T04:00:00Z', ['2026-10-31T04:00:00.000Z', '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z']],
    ['Europe/Madrid', '2026-03-29T23:30:00Z', ['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z', '2026-03-30T22:00:00.000Z']],
    ['Asia/Kolkata', '2026-03-08T20:00:00Z', ['2026-03-07T18:30:00.000Z', '2026-03-08T18:30:00.000Z', '2026-03-09T18:30:00.000Z']],
  ])('%s at %s', (zone, now, expected) => {
    const w = reportWindows(Date.parse(now), zone);
    expect([iso(w.yesterdayFrom), iso(w.todayFrom), iso(w.todayTo)]).toEqual(expected);
  });

  it('the browser’s local midnight is the server’s, for 2,000 instants over 2026 in five zones', () => {
    const random = seededRandom(2026);
    const from = Date.parse('2026-01-01T00:00:00Z');
    for (const zone of ['America/New_York', 'Europe/Madrid', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/Santiago']) {
      for (let i = 0; i < 400; i++) {
        const t = from + Math.floor(random() * 365 * 86_400_000);
        expect([zone, iso(startOfLocalDay(t, zone))]).toEqual([zone, iso(serverStartOfLocalDay(t, zone))]);
      }
    }
  });
});

describe('hourLabels', () => {
  it('labels an hour by its local time, adding the offset where a fall-back day repeats it', () => {
    const row = (label: string) => ({
      key: label,
      label,
      start: null,
      figures: { offered: 0, answered: 0, abandoned: 0, serviceLevel: null },
    });
    expect(
      hourLabels([
        row('2026-11-01 00:00 UTC-04:00'),
        row('2026-11-01 01:00 UTC-04:00'),
        row('2026-11-01 01:00 UTC-05:00'),
        row('2026-11-01 02:00 UTC-05:00'),
      ]),
    ).toEqual(['00:00', '01:00 UTC-04:00', '01:00 UTC-05:00', '02:00']);
  });
});

describe('reports controller', () => {
  beforeEach(() => void vi.useFakeTimers({ now: Date.parse('2026-11-27T15:00:00Z') }));
  afterEach(() => void vi.useRealTimers());

  const stats = (o: Partial<{ answeredToday: number; missedToday: number; callsActive: number; available: number }> = {}) => ({
    at: '',
    agents: { available: o.available ?? 1, total: 2, onCall: 0, ringing: 0, onBreak: 0, wrapUp: 0, offline: 1 },
    callsWaiting: 0,
    callsRinging: 0,
    callsActive: o.callsActive ?? 0,
    longestWaitSeconds: 0,
    answeredToday: o.answeredToday ?? 0,
    missedToday: o.missedToday ?? 0,
    averageAnswerSeconds: null,
  });

  function setup() {
    const board = createStore({ company: { timeZone: 'Europe/Madrid' }, stats: stats() } as unknown as BoardState);
    const requests: any[] = [];
    let answer: () => unknown = () => ({ today: {}, yesterday: {}, agents: {} });
    const api = {
      request: async (_doc: unknown, variables: any) => {
        requests.push(variables);
        const result = answer();
        if (result instanceof Error) throw result;
        return result as never;
      },
    };
    const c = createReportsController({ api, companyId: 'c1', board });
    return { board, requests, c, fail: (err: Error) => (answer = () => err) };
  }

  it('fetches only while open, with the company’s local day', async () => {
    const { c, requests } = setup();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(requests).toEqual([]);
    c.setActive(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(requests).toEqual([
      {
        companyId: 'c1',
        todayFrom: '2026-11-26T23:00:00.000Z',
        todayTo: '2026-11-27T23:00:00.000Z',
        yesterdayFrom: '2026-11-25T23:00:00.000Z',
      },
    ]);
    expect(c.store.get().fetchedAt).toBe(Date.now());
    c.dispose();
  });

  it('refetches when a call changes the live figures, at most once per REPORT_REFRESH_MS; presence alone does not', async () => {
    const { c, board, requests } = setup();
    c.setActive(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(requests).toHaveLength(1);

    board.set({ stats: stats({ available: 2 }) }); // presence only
    await vi.advanceTimersByTimeAsync(REPORT_REFRESH_MS * 2);
    expect(requests).toHaveLength(1);

    // A burst of calls: one request at once (the last was long ago), then one trailing for the rest.
    for (let i = 1; i <= 5; i++) {
      board.set({ stats: stats({ answeredToday: i }) });
      await vi.advanceTimersByTimeAsync(500);
    }
    expect(requests).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(REPORT_REFRESH_MS);
    expect(requests).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(REPORT_REFRESH_MS * 3);
    expect(requests).toHaveLength(3);

    // Closed: a change schedules nothing; dispose leaves no timer.
    c.setActive(false);
    board.set({ stats: stats({ missedToday: 1 }) });
    await vi.advanceTimersByTimeAsync(REPORT_REFRESH_MS * 2);
    expect(requests).toHaveLength(3);
    c.setActive(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(requests).toHaveLength(4);
    board.set({ stats: stats({ missedToday: 2 }) });
    expect(vi.getTimerCount()).toBe(1);
    c.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('says when the report cannot be fetched, and keeps the last one shown', async () => {
    const { c, board, fail } = setup();
    c.setActive(true);
    await vi.advanceTimersByTimeAsync(0);
    const shown = c.store.get().report;
    expect(shown).not.toBeNull();
    fail(new Error('Not authorized'));
    board.set({ stats: stats({ answeredToday: 9 }) });
    await vi.advanceTimersByTimeAsync(REPORT_REFRESH_MS);
    expect(c.store.get().error).toBe('Reports unavailable: Not authorized');
    expect(c.store.get().report).toBe(shown);
    c.dispose();
  });
});
