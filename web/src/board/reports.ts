// The board's reports view without a DOM: today's and yesterday's figures, today by the local hour and by
// agent (callReport), fetched while the view is open and fetched again when the live figures say a call
// arrived, was answered or ended — at most once per REPORT_REFRESH_MS.
//
// Why re-query on companyStatsChanged rather than poll: the board already holds that subscription, and
// it changes exactly when a report could (a call's arrival, answer or end), so a quiet company costs no
// requests and a busy one costs at most one report every few seconds however many calls it takes.
import type { Api } from '../api.js';
import type { BoardReportQuery as ReportData, CompanyStatsFieldsFragment } from '../gql/graphql.js';
import { BoardReportQuery } from '../graphql/operations.js';
import { createStore, type Store } from '../store.js';
import type { BoardState } from './controller.js';

/** The shortest time between two report requests while calls keep changing (the trailing change is always fetched). */
export const REPORT_REFRESH_MS = 5_000;

export type BoardReport = ReportData;

export interface ReportWindows {
  yesterdayFrom: number;
  todayFrom: number;
  todayTo: number;
}

export interface ReportsState {
  /** The view is open (only then does it fetch). */
  active: boolean;
  loading: boolean;
  error: string;
  report: BoardReport | null;
  windows: ReportWindows | null;
  /** When the shown report was received (browser clock). */
  fetchedAt: number | null;
}

export interface ReportsController {
  store: Store<ReportsState>;
  /** Opens or closes the view: opening fetches at once. */
  setActive(active: boolean): void;
  refresh(): Promise<void>;
  dispose(): void;
}

/** Local − UTC of `zone` at `instant`, ms (whole seconds). */
export function zoneOffsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(instant));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) - Math.floor(instant / 1000) * 1000;
}

/** The first instant of the local day holding `instant` in `timeZone` (a DST day is 23 or 25 hours long). */
export function startOfLocalDay(instant: number, timeZone: string): number {
  const offset = zoneOffsetMs(instant, timeZone);
  const localMidnight = Math.floor((instant + offset) / 86_400_000) * 86_400_000;
  // The offset at midnight may differ from now's (a DST change earlier today).
  return localMidnight - zoneOffsetMs(localMidnight - offset, timeZone);
}

/** Yesterday's start, today's start and tomorrow's start in the company's zone, around `now`. */
export function reportWindows(now: number, timeZone: string): ReportWindows {
  const todayFrom = startOfLocalDay(now, timeZone);
  return {
    yesterdayFrom: startOfLocalDay(todayFrom - 3_600_000, timeZone),
    todayFrom,
    todayTo: startOfLocalDay(todayFrom + 26 * 3_600_000, timeZone),
  };
}

/** The live figures that change when a call does (not presence's): a change means the report may have. */
export function callsSignature(s: CompanyStatsFieldsFragment | null): string {
  return s ? [s.answeredToday, s.missedToday, s.callsActive, s.callsWaiting, s.callsRinging].join('|') : '';
}

export function createReportsController(deps: {
  api: Pick<Api, 'request'>;
  companyId: string;
  /** The board's state: the company's time zone, and the live figures that signal call changes. */
  board: Store<BoardState>;
  now?: () => number;
  refreshMs?: number;
}): ReportsController {
  const { api, companyId, board } = deps;
  const now = deps.now ?? Date.now;
  const refreshMs = deps.refreshMs ?? REPORT_REFRESH_MS;
  const store = createStore<ReportsState>({ active: false, loading: false, error: '', report: null, windows: null, fetchedAt: null });
  let disposed = false;
  let inFlight = false;
  let again = false;
  let lastStarted = Number.NEGATIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function refresh(): Promise<void> {
    const timeZone = board.get().company?.timeZone;
    if (disposed || !store.get().active || !timeZone) return;
    if (inFlight) {
      again = true; // a change arrived mid-request: fetch once more after it
      return;
    }
    inFlight = true;
    again = false;
    lastStarted = now();
    const windows = reportWindows(now(), timeZone);
    const iso = (ms: number) => new Date(ms).toISOString();
    store.set({ loading: true });
    try {
      const report = await api.request(BoardReportQuery, {
        companyId,
        todayFrom: iso(windows.todayFrom),
        todayTo: iso(windows.todayTo),
        yesterdayFrom: iso(windows.yesterdayFrom),
      });
      if (!disposed) store.set({ report, windows, loading: false, error: '', fetchedAt: now() });
    } catch (err) {
      if (!disposed) store.set({ loading: false, error: `Reports unavailable: ${(err as Error).message}` });
    } finally {
      inFlight = false;
      if (again) schedule();
    }
  }

  /** Fetches now if the last request started over refreshMs ago, else once that much time has passed. */
  function schedule(): void {
    if (disposed || !store.get().active || timer !== undefined) return;
    const wait = Math.max(0, lastStarted + refreshMs - now());
    timer = setTimeout(() => {
      timer = undefined;
      void refresh();
    }, wait);
  }

  let signature = callsSignature(board.get().stats);
  let hadCompany = board.get().company !== null;
  const unsubscribe = board.subscribe((s) => {
    const next = callsSignature(s.stats);
    const companyArrived = !hadCompany && s.company !== null;
    hadCompany = s.company !== null;
    if (next === signature && !companyArrived) return;
    signature = next;
    if (companyArrived) void refresh();
    else schedule();
  });

  return {
    store,
    setActive(active) {
      if (store.get().active === active) return;
      store.set({ active });
      if (active) void refresh();
      else clearTimeout(timer), (timer = undefined);
    },
    refresh,
    dispose() {
      if (disposed) return;
      disposed = true;
      clearTimeout(timer);
      unsubscribe();
      store.clear();
    },
  };
}
