// The board's "Simulate a call", without a DOM: whether the server runs the local Telnyx (the demo's
// `/simulator` control room; production has no such route), the company's numbers to call, and one
// simulated call at a time, its NDJSON steps arriving live and its result at the end.
import type { Api } from '../api.js';
import type { BoardPhoneNumbersQuery as NumbersData } from '../gql/graphql.js';
import { BoardPhoneNumbersQuery } from '../graphql/operations.js';
import { createStore, type Store } from '../store.js';

export const SIMULATOR_PATH = '/simulator';
export const DEFAULT_CALLER = '+15551230000';

export type SimulatorNumber = NonNullable<NumbersData['company']>['phoneNumbers'][number];

/** One line of the call's transcript, as the control endpoint streams it. */
export interface SimulatedStep {
  at: number;
  kind: string;
  line: string;
}

/** The stream's last line (src/simulator/control-endpoint.ts SimulatedCallSummary). */
export interface SimulatedResult {
  callSid: string;
  outcome: string;
  heard: string;
  answeredBy: string | null;
  duration: number;
  steps: SimulatedStep[];
  errors: string[];
}

export interface SimulateInput {
  to: string;
  from: string;
  /** Keys pressed at the menu; '' = none. */
  digits: string;
  /** Seconds the caller talks once answered; '' = the simulator's default. */
  talkSeconds: string;
}

export interface SimulatorState {
  /** null until GET /simulator has answered. */
  available: boolean | null;
  numbers: readonly SimulatorNumber[];
  numbersError: string;
  running: boolean;
  steps: readonly SimulatedStep[];
  result: SimulatedResult | null;
  /** A refused request (400/404 `{error}`) or a broken stream, in a sentence. */
  error: string;
  /** Counts calls placed, so a panel can tell a new call from the previous one. */
  calls: number;
}

export interface SimulatorController {
  store: Store<SimulatorState>;
  simulate(input: SimulateInput): Promise<void>;
  dispose(): void;
}

/**
 * Splits a chunk of NDJSON onto what is left of the previous one: complete lines out, the unfinished
 * tail kept (a chunk may end mid-line, even mid-character, which TextDecoder's stream mode handles).
 */
export function splitLines(pending: string, chunk: string): { lines: string[]; rest: string } {
  const parts = (pending + chunk).split('\n');
  const rest = parts.pop() ?? '';
  return { lines: parts.map((l) => l.trim()).filter(Boolean), rest };
}

/**
 * Whether this server runs the local Telnyx. A production server has no /simulator route, but its
 * web app answers unknown paths with index.html (200), so only the control room's JSON counts.
 */
export async function simulatorAvailable(fetchImpl: typeof fetch = fetch): Promise<boolean> {
  try {
    const res = await fetchImpl(SIMULATOR_PATH, { headers: { accept: 'application/json' }, cache: 'no-store' });
    if (res.status !== 200 || !(res.headers.get('content-type') ?? '').includes('application/json')) return false;
    const body = (await res.json()) as { simulator?: unknown };
    return typeof body?.simulator === 'string';
  } catch {
    return false;
  }
}

/** The request body: blank optional fields are left out (the endpoint rejects empty digits). */
export function simulateRequestBody(input: SimulateInput): Record<string, string | number> {
  const body: Record<string, string | number> = { to: input.to.trim(), from: input.from.trim() || DEFAULT_CALLER };
  if (input.digits.trim()) body.digits = input.digits.trim();
  if (input.talkSeconds.trim()) body.talkSeconds = Number(input.talkSeconds);
  return body;
}

/**
 * POSTs one call to /simulator/calls and reads its NDJSON stream: `onStep` for each `{"step":…}`
 * line as it arrives, the `{"result":…}` line returned. Throws with the server's `{error}` when refused.
 */
export async function streamSimulatedCall(
  input: SimulateInput,
  onStep: (step: SimulatedStep) => void,
  opts: { fetch?: typeof fetch; signal?: AbortSignal } = {},
): Promise<SimulatedResult> {
  const res = await (opts.fetch ?? fetch)(`${SIMULATOR_PATH}/calls`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
    body: JSON.stringify(simulateRequestBody(input)),
    signal: opts.signal,
  });
  if (!res.ok || !res.body) {
    const body = (await res.json().catch(() => null)) as { error?: unknown } | null;
    throw new Error(typeof body?.error === 'string' ? body.error : `the simulator answered ${res.status}`);
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  let result: SimulatedResult | null = null;
  const take = (lines: string[]) => {
    for (const line of lines) {
      const message = JSON.parse(line) as { step?: SimulatedStep; result?: SimulatedResult };
      if (message.step) onStep(message.step);
      if (message.result) result = message.result;
    }
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const split = splitLines(pending, decoder.decode(value, { stream: true }));
    pending = split.rest;
    take(split.lines);
  }
  take(splitLines(pending, `${decoder.decode()}\n`).lines);
  if (!result) throw new Error('the simulator ended the call without a result');
  return result;
}

export function createSimulatorController(deps: {
  api: Pick<Api, 'request'>;
  companyId: string;
  fetch?: typeof fetch;
}): SimulatorController {
  const store = createStore<SimulatorState>({
    available: null,
    numbers: [],
    numbersError: '',
    running: false,
    steps: [],
    result: null,
    error: '',
    calls: 0,
  });
  const s = () => store.get();
  let disposed = false;
  const aborter = new AbortController();
  const fetchImpl = deps.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));

  void (async () => {
    const available = await simulatorAvailable(fetchImpl);
    if (disposed) return;
    store.set({ available });
    if (!available) return;
    try {
      const { company } = await deps.api.request(BoardPhoneNumbersQuery, { companyId: deps.companyId });
      if (!disposed) store.set({ numbers: company?.phoneNumbers ?? [] });
    } catch (err) {
      if (!disposed) store.set({ numbersError: `Could not load the numbers: ${(err as Error).message}` });
    }
  })();

  return {
    store,
    async simulate(input) {
      if (s().running || disposed) return;
      store.set({ running: true, steps: [], result: null, error: '', calls: s().calls + 1 });
      try {
        const result = await streamSimulatedCall(input, (step) => !disposed && store.set({ steps: [...s().steps, step] }), {
          fetch: fetchImpl,
          signal: aborter.signal,
        });
        if (!disposed) store.set({ result });
      } catch (err) {
        // fetch rejects with a TypeError when the server cannot be reached at all.
        const message = err instanceof TypeError ? 'the server cannot be reached' : (err as Error).message;
        if (!disposed) store.set({ error: message });
      } finally {
        if (!disposed) store.set({ running: false });
      }
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      aborter.abort();
      store.clear();
    },
  };
}
