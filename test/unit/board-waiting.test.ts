/**
 * The board's Waiting panel, its pure half (web/src/board/waiting.ts): each queue's figures as the
 * supervisor reads them, the callers in serving order with "offering to <agent>", the longest wait
 * counting up from the right instant; and the board controller keeping the latest queuesChanged view
 * with this browser's clock skew.
 */
import { describe, expect, it } from 'vitest';
import { createBoardController } from '../../web/src/board/controller.js';
import { estimateText, percent, queueCards, waitedText } from '../../web/src/board/waiting.js';
import type { CompanyQueuesFieldsFragment } from '../../web/src/gql/graphql.js';

const AT = '2026-11-27T10:00:00.000Z';
const at = Date.parse(AT);
const ago = (seconds: number) => new Date(at - seconds * 1000).toISOString();

const queue = (over: Partial<CompanyQueuesFieldsFragment['queues'][number]> = {}): CompanyQueuesFieldsFragment['queues'][number] => ({
  queueId: 'q1',
  name: 'Main',
  waiting: 0,
  callbacks: 0,
  longestWaitSeconds: 0,
  estimatedWaitSeconds: 180,
  offered: 0,
  serviceLevel: null,
  abandonRate: null,
  ...over,
});

const caller = (over: Partial<CompanyQueuesFieldsFragment['waiting'][number]> = {}): CompanyQueuesFieldsFragment['waiting'][number] => ({
  callSid: 'c1',
  queueId: 'q1',
  from: '+15551230001',
  state: 'WAITING',
  position: 1,
  estimatedWaitSeconds: 180,
  language: null,
  callbackRequested: false,
  offeredToAgentId: null,
  enqueuedAt: ago(30),
  ...over,
});

describe('queueCards', () => {
  it('gives every queue, its callers in the order served, and its figures as percentages', () => {
    const view: CompanyQueuesFieldsFragment = {
      at: AT,
      queues: [
        queue({ waiting: 2, longestWaitSeconds: 95, serviceLevel: 0.8, abandonRate: 0.125 }),
        queue({ queueId: 'q2', name: 'Billing' }),
      ],
      waiting: [
        caller({
          callSid: 'offered',
          state: 'OFFERED',
          position: null,
          estimatedWaitSeconds: null,
          offeredToAgentId: 'a1',
          enqueuedAt: ago(95),
        }),
        caller({ callSid: 'next', position: 1, language: 'es', enqueuedAt: ago(40) }),
        caller({ callSid: 'later', position: 2, estimatedWaitSeconds: 360, callbackRequested: true, enqueuedAt: ago(20) }),
      ],
    };
    const [main, billing] = queueCards(view, (id) => (id === 'a1' ? 'Ana Ruiz' : undefined));
    expect(main).toMatchObject({ name: 'Main', waiting: 2, serviceLevel: '80%', abandonRate: '13%', longestSince: at - 95_000 });
    expect(main!.rows.map((r) => [r.callSid, r.position, r.estimate, r.language, r.callback, r.offering])).toEqual([
      ['offered', null, '—', '', false, 'offering to Ana Ruiz'],
      ['next', 1, '~3:00', 'ES', false, null],
      ['later', 2, '~6:00', '', true, null],
    ]);
    expect(billing).toEqual({
      queueId: 'q2',
      name: 'Billing',
      waiting: 0,
      longestSince: null,
      serviceLevel: '—',
      abandonRate: '—',
      rows: [],
    });
  });

  it('an agent the board has no name for yet is "an agent"', () => {
    const view = { at: AT, queues: [queue()], waiting: [caller({ state: 'OFFERED', position: null, offeredToAgentId: 'ghost' })] };
    expect(queueCards(view, () => undefined)[0]!.rows[0]!.offering).toBe('offering to an agent');
  });

  it('the longest wait counts from the oldest caller on the line: callbacks are off the line, and a caller past the list counts through the figure', () => {
    const onlyCallback = { at: AT, queues: [queue({ waiting: 1 })], waiting: [caller({ callbackRequested: true, enqueuedAt: ago(300) })] };
    expect(queueCards(onlyCallback, () => undefined)[0]!.longestSince).toBeNull();
    // A caller who joined this very second: the figure says 0 s, the list knows the instant.
    const justJoined = { at: AT, queues: [queue({ waiting: 1 })], waiting: [caller({ enqueuedAt: ago(0.4) })] };
    expect(queueCards(justJoined, () => undefined)[0]!.longestSince).toBe(at - 400);
    // The oldest caller is beyond the list's `first`: the server's figure still counts them.
    const truncated = { at: AT, queues: [queue({ waiting: 200, longestWaitSeconds: 600 })], waiting: [caller({ enqueuedAt: ago(30) })] };
    expect(queueCards(truncated, () => undefined)[0]!.longestSince).toBe(at - 600_000);
  });
});

describe('formatting', () => {
  it('percent, estimate and a wait that counts up with the clock skew taken out', () => {
    expect([percent(null), percent(0), percent(0.5), percent(1 / 3), percent(1)]).toEqual(['—', '0%', '50%', '33%', '100%']);
    expect([estimateText(null), estimateText(45), estimateText(3600)]).toEqual(['—', '~0:45', '~1:00:00']);
    // This browser runs 2 s ahead of the server: 12 s after the join by the server's clock.
    expect(waitedText(at, at + 14_000, 2_000)).toBe('0:12');
  });
});

describe('board controller', () => {
  it('keeps the latest queuesChanged view and how far this clock is from the server', () => {
    const subscriptions = new Map<string, (data: unknown) => void>();
    const api = {
      request: () => new Promise<never>(() => {}),
      subscribe: (doc: { toString(): string }, _v: unknown, onData: (data: any) => void) => {
        subscriptions.set(/subscription (\w+)/.exec(doc.toString())![1]!, onData);
        return () => void subscriptions.delete(/subscription (\w+)/.exec(doc.toString())![1]!);
      },
      onState: () => () => {},
      dispose: () => {},
    };
    const c = createBoardController({ api: api as never, companyId: 'c1', now: () => at + 1500 });
    expect(c.store.get().queues).toBeNull();
    const view = { at: AT, queues: [queue({ waiting: 1 })], waiting: [caller()] };
    subscriptions.get('QueuesChanged')!({ queuesChanged: view });
    expect(c.store.get()).toMatchObject({ queues: view, queuesClockSkewMs: 1500 });
    c.dispose();
    expect(subscriptions.has('QueuesChanged')).toBe(false);
  });
});
