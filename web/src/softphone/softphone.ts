// The agent's softphone: sign-in by token, Telnyx registration, heartbeats from a Worker clock over
// the open graphql-ws socket, status picker and the call card.
import { connect, GraphQLRequestError, type ConnectionState } from '../api.js';
import { h, replace } from '../dom.js';
import { formatDuration, statusLabel } from '../format.js';
import type { SoftphoneQuery as SoftphoneData } from '../gql/graphql.js';
import { HeartbeatMutation, ReportCallStateMutation, SetAgentStatusMutation, SoftphoneQuery } from '../graphql/operations.js';
import { heartbeatPlan, reportedCallState, serverLabel, telnyxLabel, type TelnyxState } from './state.js';
import { openLine, type CallView, type Line } from './telnyx-line.js';

type Setup = SoftphoneData['softphone'];

const BREAK_REASONS = ['Lunch', 'Meeting', 'Training', 'Personal'];
/** After a failed mint or an exhausted SDK, ask the server for a fresh token this much later. */
const TELNYX_RETRY_MS = 15_000;

export function mountSoftphone(root: HTMLElement, token: string, signOut: () => void): void {
  const api = connect(token);
  const remoteAudio = h('audio', { id: 'remote-audio', autoplay: true });
  const s = {
    server: 'connecting' as ConnectionState,
    setup: null as Setup | null,
    telnyx: 'off' as TelnyxState,
    telnyxDetail: '' as string,
    online: false,
    status: 'AVAILABLE',
    statusReason: null as string | null,
    lastBeatAt: 0,
    beats: 0,
    intervalMs: 10_000,
    beatError: '' as string,
    call: null as CallView | null,
    callStartedAt: 0,
  };
  let line: Line | null = null;
  let telnyxRetry: ReturnType<typeof setTimeout> | undefined;

  // --- skeleton (built once; parts are updated in place so buttons stay put while clicked)
  const agentName = h('span', { class: 'who' }, 'Softphone');
  const pills = h('div', { class: 'pills' });
  const notice = h('div', { class: 'notice', role: 'status', hidden: true });
  const presenceDot = h('span', { class: 'dot' });
  const presenceText = h('strong', { id: 'presence-state' }, 'Offline');
  const beatText = h('span', { class: 'muted', id: 'heartbeat-info' });
  const statusButtons = h('div', { class: 'segmented', role: 'group', 'aria-label': 'Status' });
  const reasonSelect = h('select', { id: 'break-reason', 'aria-label': 'Break reason' }, ...BREAK_REASONS.map((r) => h('option', { value: r }, r)));
  const callCard = h('section', { class: 'card call-card', id: 'call-card', hidden: true });
  const idleCard = h('section', { class: 'card idle-card' }, h('div', { class: 'idle-icon', 'aria-hidden': 'true' }, '☎'), h('p', {}, 'No calls right now.'), h('p', { class: 'muted' }, 'Incoming calls ring here while you are available.'));

  const available = h('button', { type: 'button', 'data-status': 'AVAILABLE', onclick: () => void setStatus('AVAILABLE') }, 'Available');
  const onBreak = h('button', { type: 'button', 'data-status': 'ON_BREAK', onclick: () => void setStatus('ON_BREAK') }, 'Break');
  statusButtons.append(available, onBreak);
  reasonSelect.addEventListener('change', () => s.status === 'ON_BREAK' && void setStatus('ON_BREAK'));

  replace(
    root,
    h('header', { class: 'topbar' }, h('div', { class: 'brand' }, h('span', { class: 'logo' }, 'C'), 'Curbe Voice'), agentName, pills, h('button', { type: 'button', class: 'ghost', onclick: signOut }, 'Sign out')),
    h(
      'main',
      { class: 'softphone' },
      notice,
      h(
        'section',
        { class: 'card presence-card' },
        h('div', { class: 'presence-line' }, presenceDot, presenceText, beatText),
        h('div', { class: 'status-row' }, h('label', {}, 'Status'), statusButtons, reasonSelect),
      ),
      callCard,
      idleCard,
      remoteAudio,
    ),
  );

  // --- rendering
  function render() {
    const server = serverLabel(s.server);
    const telnyx = telnyxLabel(s.telnyx, s.setup?.telnyxConfigured ?? false);
    replace(pills, pill(server.text, server.tone, 'server-state'), pill(telnyx.text, telnyx.tone, 'telnyx-state'));
    agentName.textContent = s.setup ? `${s.setup.displayName} · ${s.setup.sipUsername}` : 'Softphone';
    const serverMessage =
      s.server === 'expired'
        ? 'Your session expired: sign in again with a new link from your supervisor.'
        : s.server === 'refused'
        ? 'This sign-in link is no longer valid. Ask your supervisor for a new one.'
        : s.server === 'reconnecting'
          ? 'The Curbe server cannot be reached. Reconnecting automatically; calls are not routed to you until it is back.'
          : '';
    const messages = [serverMessage, s.setup?.message ?? '', s.telnyxDetail, s.beatError].filter(Boolean);
    notice.hidden = messages.length === 0;
    replace(notice, ...messages.map((m) => h('p', {}, m)));
    // Without the server the last known presence is stale: say so instead of showing it.
    const connected = s.server === 'connected';
    presenceDot.className = `dot ${!connected ? 'warn' : s.online ? 'ok' : 'off'}`;
    presenceText.textContent = !connected
      ? 'Presence unknown'
      : s.online
        ? `Online · ${s.call?.state === 'active' ? 'On call' : statusLabel(s.status, s.statusReason)}`
        : 'Offline';
    root.dataset.online = String(s.online);
    root.dataset.heartbeats = String(s.beats);
    root.dataset.telnyx = s.telnyx;
    available.classList.toggle('active', s.status === 'AVAILABLE');
    onBreak.classList.toggle('active', s.status === 'ON_BREAK');
    reasonSelect.hidden = s.status !== 'ON_BREAK';
    renderClock();
    renderCall();
  }

  function renderClock() {
    const ageMs = Date.now() - s.lastBeatAt;
    const last = ageMs < 1500 ? 'just now' : `${formatDuration(ageMs)} ago`;
    beatText.textContent = s.lastBeatAt ? `heartbeat every ${Math.round(s.intervalMs / 1000)} s · last ${last}` : 'no heartbeat yet';
    const timer = callCard.querySelector('.call-timer');
    if (timer && s.callStartedAt) timer.textContent = formatDuration(Date.now() - s.callStartedAt);
  }

  let renderedCall = '';
  function renderCall() {
    const c = s.call;
    callCard.hidden = !c;
    idleCard.hidden = !!c;
    const key = c ? `${c.id}:${c.state}:${c.muted}` : '';
    if (key === renderedCall) return;
    renderedCall = key;
    if (!c) return replace(callCard);
    const ringing = c.direction === 'inbound' && ['ringing', 'new'].includes(c.state);
    const caller = c.callerName && c.callerName !== c.callerNumber ? c.callerName : 'Unknown caller';
    replace(
      callCard,
      h('div', { class: 'call-kind' }, ringing ? 'Incoming call' : c.state === 'active' ? 'On call' : c.state),
      h('div', { class: 'caller', id: 'caller-name' }, caller),
      h('div', { class: 'caller-number', id: 'caller-number' }, c.callerNumber || 'number withheld'),
      h('div', { class: 'call-timer', id: 'call-timer' }, ringing ? 'ringing…' : formatDuration(Date.now() - s.callStartedAt)),
      ringing
        ? h('div', { class: 'call-actions' }, h('button', { type: 'button', class: 'answer', onclick: () => void line?.answer() }, 'Answer'), h('button', { type: 'button', class: 'decline', onclick: () => void line?.hangup() }, 'Decline'))
        : h('div', { class: 'call-actions' }, h('button', { type: 'button', class: c.muted ? 'mute on' : 'mute', 'aria-pressed': String(c.muted), onclick: () => line?.toggleMute() }, c.muted ? 'Unmute' : 'Mute'), h('button', { type: 'button', class: 'decline', onclick: () => void line?.hangup() }, 'Hang up')),
    );
  }

  // --- heartbeats: the Worker ticks; the page sends over the open socket
  const clock = new Worker(new URL('./heartbeat-worker.ts', import.meta.url), { type: 'module' });
  clock.onmessage = () => void beat();
  let inFlight = false;
  let again = false;
  let reportedState = 'idle';

  function applyPresence(p: { online: boolean; status: string; statusReason?: string | null }) {
    s.online = p.online;
    s.status = p.status;
    s.statusReason = p.statusReason ?? null;
  }

  async function beat(force = false) {
    const plan = heartbeatPlan({ serverConnected: s.server === 'connected', telnyx: s.telnyx, registrationRequired: s.setup?.registrationRequired ?? true });
    if (!s.setup) return;
    // One request at a time; a change that arrives meanwhile is sent right after.
    if (inFlight) return void (again ||= force);
    // Losing the registration is reported once, so routing stops at once instead of at lease expiry.
    const send = plan.send ? plan : force && s.server === 'connected' ? { send: true as const, sipRegistered: false } : null;
    if (!send) return;
    inFlight = true;
    const callState = reportedCallState(s.call?.state);
    try {
      if (callState !== reportedState) {
        // A call state change also reaches the board and routing at once, not only at the next beat.
        const { reportCallState: p } = await api.request(ReportCallStateMutation, { input: { sipRegistered: send.sipRegistered, callState } });
        reportedState = callState;
        applyPresence(p);
      } else {
        const { heartbeat } = await api.request(HeartbeatMutation, { input: { sipRegistered: send.sipRegistered, callState } });
        applyPresence(heartbeat.presence);
        if (heartbeat.nextHeartbeatInMs !== s.intervalMs) {
          s.intervalMs = heartbeat.nextHeartbeatInMs;
          clock.postMessage({ intervalMs: s.intervalMs });
        }
      }
      s.beats++;
      s.lastBeatAt = Date.now();
      s.beatError = '';
    } catch (err) {
      s.beatError = err instanceof GraphQLRequestError && err.code === 'RATE_LIMITED' ? '' : `Heartbeat failed: ${(err as Error).message}`;
    } finally {
      inFlight = false;
      render();
      if (again) {
        again = false;
        void beat(true);
      }
    }
  }

  async function setStatus(status: 'AVAILABLE' | 'ON_BREAK') {
    try {
      const reason = status === 'ON_BREAK' ? reasonSelect.value : null;
      const { setAgentStatus } = await api.request(SetAgentStatusMutation, { input: { status, reason } });
      s.status = setAgentStatus.status;
      s.statusReason = setAgentStatus.statusReason ?? null;
      s.online = setAgentStatus.online;
    } catch (err) {
      s.beatError = `Could not change status: ${(err as Error).message}`;
    }
    render();
  }

  // --- Telnyx
  async function startTelnyx() {
    clearTimeout(telnyxRetry);
    let setup: Setup;
    try {
      setup = (await api.request(SoftphoneQuery, {})).softphone;
    } catch (err) {
      s.telnyxDetail = `Could not load the softphone setup: ${(err as Error).message}`;
      telnyxRetry = setTimeout(() => void startTelnyx(), TELNYX_RETRY_MS);
      return render();
    }
    s.setup = setup;
    s.intervalMs = setup.heartbeatIntervalMs;
    clock.postMessage({ intervalMs: s.intervalMs });
    s.telnyxDetail = '';
    render();
    if (!setup.loginToken) {
      s.telnyx = 'off';
      // Telnyx configured but minting failed (Telnyx down): try again; demo mode needs nothing more.
      if (setup.telnyxConfigured) telnyxRetry = setTimeout(() => void startTelnyx(), TELNYX_RETRY_MS);
      return void beat();
    }
    await line?.disconnect().catch(() => {});
    line = await openLine(
      { loginToken: setup.loginToken, host: setup.websocketHost ?? null, remoteAudio },
      {
        onState(state, detail) {
          const wasReady = s.telnyx === 'ready';
          s.telnyx = state;
          s.telnyxDetail = state === 'ready' ? '' : detail ? `Telnyx: ${detail}` : '';
          if (state === 'failed') {
            clearTimeout(telnyxRetry);
            telnyxRetry = setTimeout(() => void startTelnyx(), TELNYX_RETRY_MS);
          }
          render();
          if (state === 'ready' || wasReady) void beat(true);
        },
        onCall(call) {
          const before = s.call?.state;
          if (call && call.state === 'active' && before !== 'active') s.callStartedAt = Date.now();
          if (!call) s.callStartedAt = 0;
          s.call = call;
          render();
          // Call state goes to the server at once: routing must not offer this agent another call.
          if (reportedCallState(before) !== reportedCallState(call?.state)) void beat(true);
        },
      },
    );
  }

  api.onState((state) => {
    s.server = state;
    render();
    if (state === 'connected') {
      if (!s.setup) void startTelnyx();
      else void beat();
    }
    // A revoked or expired sign-in: stop ringing and heartbeating this browser altogether.
    if (state === 'refused' || state === 'expired') {
      clearTimeout(telnyxRetry);
      clock.postMessage({ stop: true });
      void line?.disconnect().catch(() => {});
    }
  });
  setInterval(renderClock, 1000);
  render();
}

function pill(text: string, tone: string, id: string) {
  return h('span', { class: `pill ${tone}`, id }, h('span', { class: 'dot' }), text);
}

