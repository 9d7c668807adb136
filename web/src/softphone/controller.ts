// The softphone without a DOM: the heartbeat loop, the Telnyx line's lifecycle with its retries, the
// status picker's rules and the call, as one plain state object that panels subscribe to.
import { GraphQLRequestError, type Api, type ConnectionState } from '../api.js';
import type { AgentStatus, SoftphoneQuery as SoftphoneData } from '../gql/graphql.js';
import {
  AddParticipantMutation,
  CancelConsultMutation,
  CompleteTransferMutation,
  ConsultCallMutation,
  DropParticipantMutation,
  HangUpCallMutation,
  HeartbeatMutation,
  HoldCallMutation,
  LiveCallsChangedSubscription,
  MergeCallMutation,
  RecordCallMutation,
  ReportCallStateMutation,
  ResumeCallMutation,
  SetAgentStatusMutation,
  SoftphoneQuery,
  StartCallMutation,
  TransferCallMutation,
} from '../graphql/operations.js';
import { checkE164 } from '../phone.js';
import { chooseStatus } from '../status-choice.js';
import { createStore, type Store } from '../store.js';
import type { HeartbeatClock } from './heartbeat-clock.js';
import { type LiveCall, myLiveCall, type RecordAction, type TargetChoice } from './in-call.js';
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
  /** The call this agent is on as the server has it (liveCallsChanged): state, parties, recording. */
  live: LiveCall | null;
  /** The in-call command being sent (its button label), '' when none. */
  pending: string;
  /** The last in-call command's refusal or failure, in the server's words; '' when all is well. */
  actionError: string;
}

/** A click-to-call rings the agent's own softphone first: a call ringing this soon after is answered for them. */
export const OUTBOUND_AUTO_ANSWER_MS = 30_000;

export interface SoftphoneDeps {
  api: Pick<Api, 'request' | 'subscribe' | 'onState' | 'dispose'>;
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
  /** Sends a dial-pad digit on the call in progress (DTMF through the SDK). */
  dtmf(digit: string): void;
  hold(): Promise<void>;
  resume(): Promise<void>;
  /** Cold transfer: the caller goes to the target and this agent leaves the call. */
  transfer(to: TargetChoice): Promise<void>;
  /** Warm transfer: the caller holds while the target is rung into the call. */
  consult(to: TargetChoice): Promise<void>;
  completeTransfer(): Promise<void>;
  cancelConsult(): Promise<void>;
  merge(): Promise<void>;
  addParticipant(to: TargetChoice): Promise<void>;
  drop(label: string): Promise<void>;
  /** Ends the call for everyone (the room), not only this agent's leg. */
  hangUpCall(): Promise<void>;
  record(action: RecordAction): Promise<void>;
  /** Click-to-call: the softphone rings first (answered automatically), then the customer is dialed. */
  startCall(to: string, callerId: string | null): Promise<void>;
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
    live: null,
    pending: '',
    actionError: '',
  });
  const s = () => store.get();
  let disposed = false;
  let line: Line | null = null;
  let telnyxRetry: ReturnType<typeof setTimeout> | undefined;
  let inFlight = false;
  let again = false;
  let reportedState = 'idle';
  let stopLive: (() => void) | null = null;
  let outboundAt = 0;
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
      // The agent just placed a call from the dial pad: its own softphone ringing is that call.
      // (The SDK can answer once its call is `ringing`, not while `new`; the agent was on no other call.)
      const ringing = call?.direction === 'inbound' && call.state === 'ringing';
      if (ringing && (!before || before === 'new') && outboundAt && now() - outboundAt < OUTBOUND_AUTO_ANSWER_MS) {
        outboundAt = 0;
        void line?.answer();
      }
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
    // The calls this agent is on, pushed on every change (graphql-ws subscribes again after a reconnect).
    stopLive ??= api.subscribe(LiveCallsChangedSubscription, { companyId: setup.companyId }, ({ liveCallsChanged }) => {
      if (disposed) return;
      const live = myLiveCall(liveCallsChanged.calls, setup.agentId);
      store.set({ live, ...(live ? {} : { pending: '', actionError: '' }) });
    });
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

  /**
   * Sends one in-call command on the live call; the card follows from the subscription's next view,
   * never from a guess. A refusal shows in the server's words.
   */
  async function command(label: string, run: (callSid: string) => Promise<unknown>, okWhen?: (message: string) => boolean) {
    const live = s().live;
    if (!live) return store.set({ actionError: 'There is no call in progress to act on.' });
    store.set({ pending: label, actionError: '' });
    try {
      await run(live.callSid);
      if (!disposed) store.set({ pending: '' });
    } catch (err) {
      const message = (err as Error).message;
      if (!disposed) store.set({ pending: '', actionError: okWhen?.(message) ? '' : `${label} failed: ${message}` });
    }
  }

  const checkedTarget = (to: TargetChoice): TargetChoice | string => {
    if (!('number' in to)) return to;
    const checked = checkE164(to.number);
    return checked.ok ? { number: checked.number } : checked.message;
  };
  const withTarget = (label: string, to: TargetChoice, run: (callSid: string, to: TargetChoice) => Promise<unknown>) => {
    const target = checkedTarget(to);
    if (typeof target === 'string') return Promise.resolve(store.set({ actionError: `${label}: ${target}` }));
    return command(label, (callSid) => run(callSid, target));
  };

  return {
    store,
    setStatus,
    answer: async () => void (await line?.answer()),
    hangup: async () => void (await line?.hangup()),
    toggleMute: () => line?.toggleMute(),
    dtmf: (digit) => line?.dtmf(digit),
    hold: () => command('Hold', (callSid) => api.request(HoldCallMutation, { callSid })),
    resume: () => command('Resume', (callSid) => api.request(ResumeCallMutation, { callSid })),
    transfer: (to) => withTarget('Transfer', to, (callSid, t) => api.request(TransferCallMutation, { callSid, to: t })),
    consult: (to) => withTarget('Consult', to, (callSid, t) => api.request(ConsultCallMutation, { callSid, to: t })),
    completeTransfer: () => command('Complete transfer', (callSid) => api.request(CompleteTransferMutation, { callSid })),
    cancelConsult: () => command('Cancel consult', (callSid) => api.request(CancelConsultMutation, { callSid })),
    merge: () => command('Merge', (callSid) => api.request(MergeCallMutation, { callSid })),
    addParticipant: (to) => withTarget('Add participant', to, (callSid, t) => api.request(AddParticipantMutation, { callSid, to: t })),
    drop: (label) => command('Drop', (callSid) => api.request(DropParticipantMutation, { callSid, label })),
    // The call is over once hung up: "has ended" is the success the answer cannot show.
    hangUpCall: () =>
      command(
        'Hang up',
        (callSid) => api.request(HangUpCallMutation, { callSid }),
        (m) => /has ended/.test(m),
      ),
    record: (action) => command(`Record (${action.toLowerCase()})`, (callSid) => api.request(RecordCallMutation, { callSid, action })),
    async startCall(to, callerId) {
      const checked = checkE164(to);
      if (!checked.ok) return store.set({ actionError: `Call: ${checked.message}` });
      store.set({ pending: 'Call', actionError: '' });
      outboundAt = now();
      try {
        await api.request(StartCallMutation, { input: { to: checked.number, ...(callerId ? { callerId } : {}) } });
        if (!disposed) store.set({ pending: '' });
      } catch (err) {
        outboundAt = 0;
        if (!disposed) store.set({ pending: '', actionError: `Call failed: ${(err as Error).message}` });
      }
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      stopLive?.();
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
