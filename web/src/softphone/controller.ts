// The softphone without a DOM: the heartbeat loop, the Telnyx line's lifecycle with its retries, the
// status picker's rules and the call, as one plain state object that panels subscribe to.
import { GraphQLRequestError, type Api, type ConnectionState } from '../api.js';
import type { AgentStatus, SoftphoneQuery as SoftphoneData } from '../gql/graphql.js';
import { HeartbeatMutation, ReportCallStateMutation, SetAgentStatusMutation, SoftphoneQuery } from '../graphql/operations.js';
import { chooseStatus } from '../status-choice.js';
import { createStore, type Store } from '../store.js';
import type { HeartbeatClock } from './heartbeat-clock.js';
import { heartbeatPlan, reportedCallState, type TelnyxState } from './state.js';
import type { CallView, Line, LineEvents } from './telnyx-line.js';

export type SoftphoneSetup = SoftphoneData['softphone'];

/** After a failed setup load, a failed mint or an exhausted SDK, ask the server again this much later. */
export const TELNYX_RETRY_MS = 15_000;

export interface SoftphoneState {
  server: ConnectionState;
  setup: SoftphoneSetup | null;
  telnyx: TelnyxState;
  telnyxDetail: string;
  online: boolean;
  status: string;
  statusReason: string | null;
  lastBeatAt: number;
  beats: number;
  intervalMs: number;
  /** The last heartbeat or status change that failed, in a sentence; '' when all is well. */
  error: string;
  call: CallView | null;
  callStartedAt: number;
}

export interface SoftphoneDeps {
  api: Pick<Api, 'request' | 'onState' | 'dispose'>;
  /** Builds the heartbeat clock that calls `onTick` every interval. */
  clock: (onTick: () => void) => HeartbeatClock;
  /** Opens the Telnyx line (the shell binds the audio element). */
  openLine: (opts: { loginToken: string; host: string | null }, events: LineEvents) => Promise<Line>;
  now?: () => number;
}

export interface SoftphoneController {
  store: Store<SoftphoneState>;
  /** Changes the agent's own status; a break takes one of the company's reasons. */
  setStatus(status: AgentStatus, reason?: string | null): Promise<void>;
  answer(): Promise<void>;
  hangup(): Promise<void>;
  toggleMute(): void;
  /** Stops the heartbeat loop and the retries, closes the line and the connection. */
  dispose(): void;
}

export function createSoftphoneController(deps: SoftphoneDeps): SoftphoneController {
  const { api } = deps;
  const now = deps.now ?? Date.now;
  const store = createStore<SoftphoneState>({
    server: 'connecting',
    setup: null,
    telnyx: 'off',
    telnyxDetail: '',
    online: false,
    status: 'AVAILABLE',
    statusReason: null,
    lastBeatAt: 0,
    beats: 0,
    intervalMs: 10_000,
    error: '',
    call: null,
    callStartedAt: 0,
  });
  const s = () => store.get();
  let disposed = false;
  let line: Line | null = null;
  let telnyxRetry: ReturnType<typeof setTimeout> | undefined;
  let inFlight = false;
  let again = false;
  let reportedState = 'idle';
  const clock = deps.clock(() => void beat());

  const retryTelnyxLater = () => {
    clearTimeout(telnyxRetry);
    if (!disposed) telnyxRetry = setTimeout(() => void startTelnyx(), TELNYX_RETRY_MS);
  };

  const presenceOf = (p: { online: boolean; status: string; statusReason?: string | null }) => ({
    online: p.online,
    status: p.status,
    statusReason: p.statusReason ?? null,
  });

  async function beat(force = false): Promise<void> {
    const state = s();
    if (disposed || !state.setup) return;
    const plan = heartbeatPlan({
      serverConnected: state.server === 'connected',
      telnyx: state.telnyx,
      registrationRequired: state.setup.registrationRequired,
    });
    // One request at a time; a change that arrives meanwhile is sent right after.
    if (inFlight) return void (again ||= force);
    // Losing the registration is reported once, so routing stops at once instead of at lease expiry.
    const send = plan.send ? plan : force && state.server === 'connected' ? { send: true as const, sipRegistered: false } : null;
    if (!send) return;
    inFlight = true;
    const callState = reportedCallState(state.call?.state);
    let patch: Partial<SoftphoneState> = {};
    try {
      if (callState !== reportedState) {
        // A call state change also reaches the board and routing at once, not only at the next beat.
        const { reportCallState: p } = await api.request(ReportCallStateMutation, {
          input: { sipRegistered: send.sipRegistered, callState },
        });
        reportedState = callState;
        patch = presenceOf(p);
      } else {
        const { heartbeat } = await api.request(HeartbeatMutation, { input: { sipRegistered: send.sipRegistered, callState } });
        patch = presenceOf(heartbeat.presence);
        if (heartbeat.nextHeartbeatInMs !== s().intervalMs) {
          patch.intervalMs = heartbeat.nextHeartbeatInMs;
          if (!disposed) clock.start(heartbeat.nextHeartbeatInMs);
        }
      }
      patch = { ...patch, beats: s().beats + 1, lastBeatAt: now(), error: '' };
    } catch (err) {
      patch = {
        error: err instanceof GraphQLRequestError && err.code === 'RATE_LIMITED' ? '' : `Heartbeat failed: ${(err as Error).message}`,
      };
    } finally {
      inFlight = false;
    }
    if (disposed) return;
    store.set(patch);
    if (again) {
      again = false;
      void beat(true);
    }
  }

  async function setStatus(status: AgentStatus, reason: string | null = null): Promise<void> {
    const choice = chooseStatus(status, reason, s().setup?.breakReasons ?? []);
    if (!choice.ok) return store.set({ error: `Could not change status: ${choice.message}` });
    try {
      const { setAgentStatus: p } = await api.request(SetAgentStatusMutation, { input: { status: choice.status, reason: choice.reason } });
      if (!disposed) store.set({ ...presenceOf(p), error: '' });
    } catch (err) {
      if (!disposed) store.set({ error: `Could not change status: ${(err as Error).message}` });
    }
  }

  const lineEvents: LineEvents = {
    onState(state, detail) {
      if (disposed) return;
      const wasReady = s().telnyx === 'ready';
      if (state === 'failed') retryTelnyxLater();
      store.set({ telnyx: state, telnyxDetail: state === 'ready' ? '' : detail ? `Telnyx: ${detail}` : '' });
      if (state === 'ready' || wasReady) void beat(true);
    },
    onCall(call) {
      if (disposed) return;
      const before = s().call?.state;
      const callStartedAt = !call ? 0 : call.state === 'active' && before !== 'active' ? now() : s().callStartedAt;
      store.set({ call, callStartedAt });
      // Call state goes to the server at once: routing must not offer this agent another call.
      if (reportedCallState(before) !== reportedCallState(call?.state)) void beat(true);
    },
  };

  async function startTelnyx(): Promise<void> {
    clearTimeout(telnyxRetry);
    let setup: SoftphoneSetup;
    try {
      setup = (await api.request(SoftphoneQuery, {})).softphone;
    } catch (err) {
      if (disposed) return;
      store.set({ telnyxDetail: `Could not load the softphone setup: ${(err as Error).message}` });
      return retryTelnyxLater();
    }
    if (disposed) return;
    store.set({ setup, intervalMs: setup.heartbeatIntervalMs, telnyxDetail: '' });
    clock.start(setup.heartbeatIntervalMs);
    if (!setup.loginToken) {
      store.set({ telnyx: 'off' });
      // Telnyx configured but minting failed (Telnyx down): try again; demo mode needs nothing more.
      if (setup.telnyxConfigured) retryTelnyxLater();
      return beat();
    }
    await line?.disconnect().catch(() => {});
    const opened = await deps.openLine({ loginToken: setup.loginToken, host: setup.websocketHost ?? null }, lineEvents);
    if (disposed) return void opened.disconnect().catch(() => {});
    line = opened;
  }

  const stopListening = api.onState((server) => {
    if (disposed) return;
    store.set({ server });
    if (server === 'connected') {
      if (!s().setup) void startTelnyx();
      else void beat();
    }
    // A revoked or expired sign-in: stop ringing and heartbeating this browser altogether.
    if (server === 'refused' || server === 'expired') {
      clearTimeout(telnyxRetry);
      clock.stop();
      void line?.disconnect().catch(() => {});
    }
  });

  return {
    store,
    setStatus,
    answer: async () => void (await line?.answer()),
    hangup: async () => void (await line?.hangup()),
    toggleMute: () => line?.toggleMute(),
    dispose() {
      if (disposed) return;
      disposed = true;
      stopListening();
      clearTimeout(telnyxRetry);
      clock.dispose();
      void line?.disconnect().catch(() => {});
      line = null;
      api.dispose();
      store.clear();
    },
  };
}
