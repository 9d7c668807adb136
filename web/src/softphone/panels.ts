// The softphone's panels: each renders the controller's state into its own element, and its
// dispose() unsubscribes from the store and clears its timers and listeners.
import { h, replace } from '../dom.js';
import { formatDuration, statusLabel } from '../format.js';
import type { AgentStatus } from '../gql/graphql.js';
import { Disposer, type Panel } from '../store.js';
import type { SoftphoneController, SoftphoneState } from './controller.js';
import { serverLabel, telnyxLabel } from './state.js';

function pill(text: string, tone: string, id: string) {
  return h('span', { class: `pill ${tone}`, id }, h('span', { class: 'dot' }), text);
}

/** Brand, who is signed in, the server and Telnyx pills, sign out. */
export function topbarPanel(c: SoftphoneController, signOut: () => void): Panel {
  const d = new Disposer();
  const agentName = h('span', { class: 'who' }, 'Softphone');
  const pills = h('div', { class: 'pills' });
  const element = h(
    'header',
    { class: 'topbar' },
    h('div', { class: 'brand' }, h('span', { class: 'logo' }, 'C'), 'Curbe Voice'),
    agentName,
    pills,
    h('button', { type: 'button', class: 'ghost', onclick: signOut }, 'Sign out'),
  );
  d.add(
    c.store.subscribe((s) => {
      const server = serverLabel(s.server);
      const telnyx = telnyxLabel(s.telnyx, s.setup?.telnyxConfigured ?? false);
      replace(pills, pill(server.text, server.tone, 'server-state'), pill(telnyx.text, telnyx.tone, 'telnyx-state'));
      agentName.textContent = s.setup ? `${s.setup.displayName} · ${s.setup.sipUsername}` : 'Softphone';
    }),
  );
  return { element, dispose: () => d.dispose() };
}

export function noticeMessages(s: SoftphoneState): string[] {
  const serverMessage =
    s.server === 'expired'
      ? 'Your session expired: sign in again with a new link from your supervisor.'
      : s.server === 'refused'
        ? 'This sign-in link is no longer valid. Ask your supervisor for a new one.'
        : s.server === 'reconnecting'
          ? 'The Curbe server cannot be reached. Reconnecting automatically; calls are not routed to you until it is back.'
          : '';
  return [serverMessage, s.setup?.message ?? '', s.telnyxDetail, s.error].filter(Boolean);
}

/** Plain sentences about what is wrong (server, Telnyx, the last failed request). */
export function noticePanel(c: SoftphoneController): Panel {
  const element = h('div', { class: 'notice', role: 'status', hidden: true });
  const stop = c.store.subscribe((s) => {
    const messages = noticeMessages(s);
    element.hidden = messages.length === 0;
    replace(element, ...messages.map((m) => h('p', {}, m)));
  });
  return { element, dispose: stop };
}

/** Presence, heartbeat age (ticking each second) and the status picker with the company's break reasons. */
export function presencePanel(c: SoftphoneController): Panel {
  const d = new Disposer();
  const dot = h('span', { class: 'dot' });
  const text = h('strong', { id: 'presence-state' }, 'Offline');
  const beatText = h('span', { class: 'muted', id: 'heartbeat-info' });
  const reasonSelect = h('select', { id: 'break-reason', 'aria-label': 'Break reason', hidden: true });
  const pick = (status: AgentStatus) => void c.setStatus(status, status === 'ON_BREAK' ? reasonSelect.value || null : null);
  const available = h('button', { type: 'button', 'data-status': 'AVAILABLE', onclick: () => pick('AVAILABLE') }, 'Available');
  const onBreak = h('button', { type: 'button', 'data-status': 'ON_BREAK', onclick: () => pick('ON_BREAK') }, 'Break');
  const onReasonChange = () => c.store.get().status === 'ON_BREAK' && pick('ON_BREAK');
  reasonSelect.addEventListener('change', onReasonChange);
  d.add(() => reasonSelect.removeEventListener('change', onReasonChange));
  const element = h(
    'section',
    { class: 'card presence-card' },
    h('div', { class: 'presence-line' }, dot, text, beatText),
    h(
      'div',
      { class: 'status-row' },
      h('label', {}, 'Status'),
      h('div', { class: 'segmented', role: 'group', 'aria-label': 'Status' }, available, onBreak),
      reasonSelect,
    ),
  );

  let reasonsShown = '';
  const renderClock = () => {
    const s = c.store.get();
    const ageMs = Date.now() - s.lastBeatAt;
    const last = ageMs < 1500 ? 'just now' : `${formatDuration(ageMs)} ago`;
    beatText.textContent = s.lastBeatAt ? `heartbeat every ${Math.round(s.intervalMs / 1000)} s · last ${last}` : 'no heartbeat yet';
  };
  d.add(
    c.store.subscribe((s) => {
      // Without the server the last known presence is stale: say so instead of showing it.
      const connected = s.server === 'connected';
      dot.className = `dot ${!connected ? 'warn' : s.online ? 'ok' : 'off'}`;
      text.textContent = !connected
        ? 'Presence unknown'
        : s.online
          ? `Online · ${s.call?.state === 'active' ? 'On call' : statusLabel(s.status, s.statusReason)}`
          : 'Offline';
      available.classList.toggle('active', s.status === 'AVAILABLE');
      onBreak.classList.toggle('active', s.status === 'ON_BREAK');
      // Exactly the company's reasons, from the server; none defined: a break without a reason.
      const reasons = s.setup?.breakReasons ?? [];
      if (reasons.join('\n') !== reasonsShown) {
        reasonsShown = reasons.join('\n');
        replace(reasonSelect, ...reasons.map((r) => h('option', { value: r }, r)));
      }
      if (s.status === 'ON_BREAK' && s.statusReason && reasons.includes(s.statusReason)) reasonSelect.value = s.statusReason;
      reasonSelect.hidden = s.status !== 'ON_BREAK' || reasons.length === 0;
      renderClock();
    }),
  );
  d.interval(renderClock, 1000);
  return { element, dispose: () => d.dispose() };
}

/** The call card (ringing, on call, mute, hang up) with its timer, or the idle card. */
export function callPanel(c: SoftphoneController): Panel {
  const d = new Disposer();
  const card = h('section', { class: 'card call-card', id: 'call-card', hidden: true });
  const idle = h(
    'section',
    { class: 'card idle-card' },
    h('div', { class: 'idle-icon', 'aria-hidden': 'true' }, '☎'),
    h('p', {}, 'No calls right now.'),
    h('p', { class: 'muted' }, 'Incoming calls ring here while you are available.'),
  );
  const element = h('div', { class: 'call-area' }, card, idle);
  const renderTimer = () => {
    const timer = card.querySelector('.call-timer');
    const { callStartedAt } = c.store.get();
    if (timer && callStartedAt) timer.textContent = formatDuration(Date.now() - callStartedAt);
  };
  let rendered = '';
  d.add(
    c.store.subscribe((s) => {
      const call = s.call;
      card.hidden = !call;
      idle.hidden = !!call;
      // Rebuilt only when the call changes, so buttons stay put while they are clicked.
      // A consulted or transferred-to agent's phone shows the company's number: the customer is the live call's caller.
      const customer = s.live?.parties.find((p) => p.role === 'CALLER')?.number ?? null;
      // Ringing into a call in progress: say why (a consultation, a party added, a supervision).
      const joining = s.live?.parties.find((p) => p.agentId === s.setup?.agentId && p.status === 'RINGING')?.role;
      const why = joining
        ? ({ CONSULT: ' · consult', PARTICIPANT: ' · join a call', SUPERVISOR: ' · supervise' } as Record<string, string>)[joining]
        : '';
      const key = call ? `${call.id}:${call.state}:${call.muted}:${customer}:${why}` : '';
      if (key === rendered) return;
      rendered = key;
      if (!call) return replace(card);
      const ringing = call.direction === 'inbound' && ['ringing', 'new'].includes(call.state);
      const caller = call.callerName && call.callerName !== call.callerNumber ? call.callerName : 'Unknown caller';
      const button = (label: string, cls: string, onclick: () => void, extra: Record<string, string> = {}) =>
        h('button', { type: 'button', class: cls, onclick, ...extra }, label);
      replace(
        card,
        h('div', { class: 'call-kind' }, ringing ? `Incoming call${why ?? ''}` : call.state === 'active' ? 'On call' : call.state),
        h('div', { class: 'caller', id: 'caller-name' }, caller),
        h('div', { class: 'caller-number', id: 'caller-number' }, (!ringing && customer) || call.callerNumber || 'number withheld'),
        h('div', { class: 'call-timer', id: 'call-timer' }, ringing ? 'ringing…' : formatDuration(Date.now() - s.callStartedAt)),
        ringing
          ? h(
              'div',
              { class: 'call-actions' },
              button('Answer', 'answer', () => void c.answer()),
              button('Decline', 'decline', () => void c.hangup()),
            )
          : h(
              'div',
              { class: 'call-actions' },
              button(call.muted ? 'Unmute' : 'Mute', call.muted ? 'mute on' : 'mute', () => c.toggleMute(), {
                'aria-pressed': String(call.muted),
              }),
              button('Hang up', 'decline', () => void c.hangup()),
            ),
      );
    }),
  );
  d.interval(renderTimer, 1000);
  return { element, dispose: () => d.dispose() };
}
