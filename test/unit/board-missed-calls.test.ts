/**
 * The board's missed calls without a DOM (web/src/board/missed-calls.ts): today's abandoned calls in
 * the company's own day, fetched again only when the live figures say another call was missed.
 */
import { describe, expect, it } from 'vitest';
import type { Api } from '../../web/src/api.js';
import type { BoardState } from '../../web/src/board/controller.js';
import { createMissedCallsController, localDate } from '../../web/src/board/missed-calls.js';
import { createStore } from '../../web/src/store.js';

const NOW = Date.parse('2026-11-27T03:30:00Z');

function board(timeZone: string) {
  return createStore<BoardState>({ company: { timeZone }, stats: null } as unknown as BoardState);
}

function fakeApi(nodes: unknown[]) {
  const requests: Record<string, unknown>[] = [];
  return {
    requests,
    api: {
      request: (async (_doc: unknown, variables: Record<string, unknown>) => {
        requests.push(variables);
        return { calls: { nodes } };
      }) as unknown as Pick<Api, 'request'>['request'],
    },
  };
}

const stats = (missedToday: number) => ({ missedToday }) as unknown as BoardState['stats'];
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('missed calls on the board', () => {
  it('asks for the company’s local day, not the browser’s or UTC’s', () => {
    expect(localDate(NOW, 'America/Los_Angeles')).toBe('2026-11-26');
    expect(localDate(NOW, 'Europe/Madrid')).toBe('2026-11-27');
    expect(localDate(Date.parse('2026-03-08T07:59:59Z'), 'America/New_York')).toBe('2026-03-08');
  });

  it('fetches when today’s missed count is known and each time it changes, never for the same count', async () => {
    const b = board('America/Los_Angeles');
    const call = { callSid: 'v3:a', from: '+13055551212', to: '+13055550100', startedAt: '2026-11-27T03:00:00Z', waitSeconds: 12 };
    const { api, requests } = fakeApi([call]);
    const missed = createMissedCallsController({ api, companyId: 'co_1', board: b, now: () => NOW });
    expect(requests).toEqual([]);
    b.set({ stats: stats(1) });
    await settle();
    expect(requests).toEqual([{ companyId: 'co_1', from: '2026-11-26' }]);
    expect(missed.store.get().calls).toEqual([call]);
    b.set({ stats: stats(1) });
    await settle();
    expect(requests).toHaveLength(1);
    b.set({ stats: stats(2) });
    await settle();
    expect(requests).toHaveLength(2);
    missed.dispose();
    b.set({ stats: stats(3) });
    await settle();
    expect(requests).toHaveLength(2);
  });

  it('waits for the company’s zone when the figures come first', async () => {
    const b = createStore<BoardState>({ company: null, stats: null } as unknown as BoardState);
    const { api, requests } = fakeApi([]);
    createMissedCallsController({ api, companyId: 'co_1', board: b, now: () => NOW });
    b.set({ stats: stats(0) });
    await settle();
    expect(requests).toEqual([]);
    b.set({ company: { timeZone: 'Europe/Madrid' } as BoardState['company'] });
    await settle();
    expect(requests).toEqual([{ companyId: 'co_1', from: '2026-11-27' }]);
  });

  it('says why when the list cannot be read', async () => {
    const b = board('UTC');
    const missed = createMissedCallsController({
      api: { request: (async () => Promise.reject(new Error('offline'))) as unknown as Pick<Api, 'request'>['request'] },
      companyId: 'co_1',
      board: b,
      now: () => NOW,
    });
    b.set({ stats: stats(1) });
    await settle();
    expect(missed.store.get().error).toBe('Missed calls unavailable: offline');
  });
});
