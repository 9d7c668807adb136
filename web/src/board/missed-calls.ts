// The board's missed calls without a DOM: today's calls whose caller hung up before anyone answered
// (calls, outcome ABANDONED), newest first, fetched again when the live figures say another was missed,
// so each can be called back (startCall, through the live calls' controller).
import type { Api } from '../api.js';
import type { BoardMissedCallsQuery as MissedData } from '../gql/graphql.js';
import { BoardMissedCallsQuery } from '../graphql/operations.js';
import { createStore, type Store } from '../store.js';
import type { BoardState } from './controller.js';

export type MissedCall = MissedData['calls']['nodes'][number];

export interface MissedCallsState {
  calls: readonly MissedCall[];
  error: string;
}

export interface MissedCallsController {
  store: Store<MissedCallsState>;
  refresh(): Promise<void>;
  dispose(): void;
}

/** The company's local date of `instant` (YYYY-MM-DD), as the history's date filter takes it. */
export function localDate(instant: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(instant));
}

export function createMissedCallsController(deps: {
  api: Pick<Api, 'request'>;
  companyId: string;
  /** The board's state: the company's time zone, and today's missed count that says when to fetch again. */
  board: Store<BoardState>;
  now?: () => number;
}): MissedCallsController {
  const { api, companyId, board } = deps;
  const now = deps.now ?? Date.now;
  const store = createStore<MissedCallsState>({ calls: [], error: '' });
  let disposed = false;
  /** What the last fetch was for: the company's zone and today's missed count (either changing fetches again). */
  let fetchedFor: string | null = null;

  async function refresh(): Promise<void> {
    const timeZone = board.get().company?.timeZone;
    if (disposed || !timeZone) return;
    try {
      const data = await api.request(BoardMissedCallsQuery, { companyId, from: localDate(now(), timeZone) });
      if (!disposed) store.set({ calls: data.calls.nodes, error: '' });
    } catch (err) {
      if (!disposed) store.set({ error: `Missed calls unavailable: ${(err as Error).message}` });
    }
  }

  const unsubscribe = board.subscribe((s) => {
    const count = s.stats?.missedToday;
    const timeZone = s.company?.timeZone;
    if (count === undefined || !timeZone) return;
    const key = `${timeZone}|${count}`;
    if (key === fetchedFor) return;
    fetchedFor = key;
    void refresh();
  });
  return {
    store,
    refresh,
    dispose() {
      disposed = true;
      unsubscribe();
      store.clear();
    },
  };
}
