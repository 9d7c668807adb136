// The softphone's in-call panels: the live call card (state, parties, badges and the controls the
// server's state allows, all from liveCallsChanged) and the dial pad (DTMF during a call, an outbound
// call with a caller ID when idle). Each dispose() unsubscribes and removes its listeners.
import { h, replace } from '../dom.js';
import { Disposer, type Panel } from '../store.js';
import type { SoftphoneController, SoftphoneState } from './controller.js';
import {
  callControls,
  DIAL_KEYS,
  type LiveCall,
  myParty,
  partyFlags,
  partyName,
  type RecordAction,
  ROLE_WORDS,
  STATE_WORDS,
  targetOf,
} from './in-call.js';

const RECORD_LABELS: Record<RecordAction, string> = {
  START: 'Record',
  PAUSE: 'Pause recording',
  RESUME: 'Resume recording',
  STOP: 'Stop recording',
};

const namesOf = (s: SoftphoneState) => {
  const names = new Map((s.setup?.colleagues ?? []).map((a) => [a.agentId, a.displayName]));
  if (s.setup) names.set(s.setup.agentId, s.setup.displayName);
  return (id: string) => names.get(id);
};

function badges(call: LiveCall): HTMLElement {
  const list: [string, string][] = [[STATE_WORDS[call.state] ?? call.state, `state ${call.state.toLowerCase()}`]];
  if (call.parties.some((p) => p.role === 'CALLER' && p.held)) list.push(['Caller on hold', 'held']);
  if (call.recording === 'RECORDING') list.push(['● Recording', 'rec']);
  if (call.recording === 'PAUSED') list.push(['Recording paused', 'rec paused']);
  const supervising = call.parties.filter((p) => p.role === 'SUPERVISOR');
  if (supervising.length) list.push([`Supervised (${supervising.map((p) => (p.supervise ?? '').toLowerCase()).join(', ')})`, 'supervised']);
  return h(
    'div',
    { class: 'live-badges', id: 'live-call-badges' },
    ...list.map(([text, cls]) => h('span', { class: `badge ${cls}` }, text)),
  );
}

/** The call as the server has it, and the controls it allows; hidden when the agent is on no call. */
export function liveCallPanel(c: SoftphoneController): Panel {
  const d = new Disposer();
  const head = h('div', { class: 'live-head' });
  const parties = h('ul', { class: 'live-parties', id: 'live-parties' });
  const controls = h('div', { class: 'live-controls', id: 'live-controls' });
  const error = h('p', { class: 'form-message error', id: 'live-call-error', role: 'alert', hidden: true });
  // The target picker is built once so a choice survives the card's updates.
  const target = h('select', { id: 'transfer-target', 'aria-label': 'Transfer or consult target' });
  const number = h('input', { id: 'transfer-number', type: 'tel', placeholder: '+13055550100', 'aria-label': 'Number', hidden: true });
  const syncNumber = () => (number.hidden = target.value !== 'number');
  target.addEventListener('change', syncNumber);
  d.add(() => target.removeEventListener('change', syncNumber));
  const chosen = () => targetOf(target.value, number.value);
  const button = (label: string, action: string, onclick: () => void, cls = '') =>
    h('button', { type: 'button', class: `small ${cls}`.trim(), 'data-action': action, onclick }, label);
  const transferRow = h(
    'div',
    { class: 'transfer-row' },
    target,
    number,
    button('Transfer', 'transfer', () => {
      const to = chosen();
      if (to) void c.transfer(to);
    }),
    button('Consult', 'consult', () => {
      const to = chosen();
      if (to) void c.consult(to);
    }),
    button('Add', 'add-participant', () => {
      const to = chosen();
      if (to) void c.addParticipant(to);
    }),
  );
  const element = h(
    'section',
    { class: 'card live-call-card', id: 'live-call', 'aria-label': 'Call in progress', hidden: true },
    head,
    parties,
    controls,
    transferRow,
    error,
  );

  let targetsKey = '';
  let rendered = '';
  let shownCall = '';
  d.add(
    c.store.subscribe((s) => {
      const setup = s.setup;
      const key = setup ? JSON.stringify([setup.colleagues, setup.queues]) : '';
      if (setup && key !== targetsKey) {
        targetsKey = key;
        const was = target.value;
        replace(
          target,
          h('option', { value: '' }, 'Transfer to…'),
          setup.colleagues.length
            ? h(
                'optgroup',
                { label: 'Agents' },
                ...setup.colleagues.map((a) => h('option', { value: `agent:${a.agentId}` }, a.displayName)),
              )
            : null,
          setup.queues.length
            ? h(
                'optgroup',
                { label: 'Queues' },
                ...setup.queues.map((q) => h('option', { value: `queue:${q.queueId}` }, `Queue: ${q.name}`)),
              )
            : null,
          h('option', { value: 'number' }, 'A phone number…'),
        );
        target.value = was;
        syncNumber();
      }
      const live = s.live;
      // A new call starts with no target picked: the last call's choice must not carry over.
      if ((live?.callSid ?? '') !== shownCall) {
        shownCall = live?.callSid ?? '';
        target.value = '';
        number.value = '';
        syncNumber();
      }
      element.hidden = !live;
      error.hidden = !s.actionError;
      error.textContent = s.actionError;
      const renderKey = JSON.stringify([live, s.pending]);
      if (renderKey === rendered) return;
      rendered = renderKey;
      if (!live || !setup) return (replace(controls), replace(parties), replace(head));
      const me = setup.agentId;
      const allowed = callControls(live, me);
      const mine = myParty(live, me);
      const names = namesOf(s);
      element.dataset.state = live.state;
      element.dataset.recording = live.recording;
      replace(
        head,
        h(
          'div',
          { class: 'call-kind' },
          mine?.role === 'SUPERVISOR' ? `Supervising · ${(mine.supervise ?? '').toLowerCase()}` : 'Call in progress',
        ),
        badges(live),
        h('div', { class: 'muted live-route' }, `${live.from} → ${live.to}`),
      );
      replace(
        parties,
        ...live.parties.map((p) =>
          h(
            'li',
            { class: `party role-${p.role.toLowerCase()}`, 'data-label': p.label, 'data-role': p.role },
            h('span', { class: 'party-name' }, partyName(p, names, me)),
            h('span', { class: 'party-role muted' }, ROLE_WORDS[p.role] ?? p.role),
            h('span', { class: 'party-flags' }, partyFlags(p).join(' · ')),
            allowed.drop.includes(p.label) ? button('Drop', 'drop', () => void c.drop(p.label), 'ghost') : null,
          ),
        ),
      );
      const busy = s.pending !== '';
      const buttons = [
        allowed.hold && button('Hold', 'hold', () => void c.hold()),
        allowed.resume && button('Resume', 'resume', () => void c.resume()),
        allowed.complete && button('Complete transfer', 'complete', () => void c.completeTransfer(), 'primary'),
        allowed.merge && button('Merge', 'merge', () => void c.merge()),
        allowed.cancelConsult && button('Cancel consult', 'cancel-consult', () => void c.cancelConsult()),
        ...allowed.record.map((a) => button(RECORD_LABELS[a], `record-${a.toLowerCase()}`, () => void c.record(a))),
        allowed.hangUp && button('End call for all', 'hang-up-call', () => void c.hangUpCall(), 'decline'),
      ].filter((b): b is HTMLButtonElement => !!b);
      for (const b of buttons) b.disabled = busy;
      replace(controls, ...buttons, busy ? h('span', { class: 'muted' }, `${s.pending}…`) : null);
      transferRow.hidden = !(allowed.transfer || allowed.consult || allowed.addParticipant);
      for (const b of transferRow.querySelectorAll('button')) b.disabled = busy;
    }),
  );
  return { element, dispose: () => d.dispose() };
}

/** The dial pad: digits go out as DTMF while a call is active; when idle they build a number to call. */
export function dialPadPanel(c: SoftphoneController): Panel {
  const d = new Disposer();
  const input = h('input', {
    id: 'dial-input',
    type: 'tel',
    placeholder: '+13055550100',
    autocomplete: 'off',
    'aria-label': 'Number to call',
  });
  const callerId = h('select', { id: 'caller-id', 'aria-label': 'Caller ID' });
  const sent = h('div', { class: 'dtmf-sent muted', id: 'dtmf-sent' });
  const message = h('p', { class: 'form-message', id: 'dial-message', role: 'status' });
  const callButton = h('button', { type: 'submit', class: 'answer', id: 'dial-call' }, 'Call');
  const inCall = () => c.store.get().call?.state === 'active';
  const press = (key: string) => {
    if (inCall()) {
      c.dtmf(key);
      sent.textContent = `Sent: ${(sent.dataset.digits = `${sent.dataset.digits ?? ''}${key}`)}`;
    } else input.value += key;
  };
  const keys = h(
    'div',
    { class: 'dial-keys' },
    ...DIAL_KEYS.map((k) => h('button', { type: 'button', class: 'dial-key', 'data-key': k, onclick: () => press(k) }, k)),
  );
  const idleRow = h('div', { class: 'dial-idle' }, input, h('label', { class: 'field' }, h('span', {}, 'Caller ID'), callerId), callButton);
  const form = h('form', { class: 'dial-form', id: 'dial-form', novalidate: true }, idleRow, keys, sent, message);
  const element = h('section', { class: 'card dialpad-card', id: 'dial-pad', 'aria-label': 'Dial pad' }, h('h2', {}, 'Dial pad'), form);
  const onSubmit = (ev: Event) => {
    ev.preventDefault();
    void c.startCall(input.value, callerId.value || null);
  };
  form.addEventListener('submit', onSubmit);
  d.add(() => form.removeEventListener('submit', onSubmit));
  let numbersKey = '';
  let wasInCall = false;
  d.add(
    c.store.subscribe((s) => {
      const numbers = s.setup?.callerIds ?? [];
      if (numbers.join(',') !== numbersKey) {
        numbersKey = numbers.join(',');
        replace(callerId, ...numbers.map((n) => h('option', { value: n }, n)));
      }
      const active = s.call?.state === 'active';
      if (active !== wasInCall) {
        wasInCall = active;
        delete sent.dataset.digits;
        sent.textContent = '';
      }
      idleRow.hidden = active;
      element.dataset.mode = active ? 'dtmf' : 'dial';
      callButton.disabled = !!s.call || s.pending === 'Call' || numbers.length === 0;
      // Only the dial pad's own messages: in-call refusals show on the call card.
      const own = s.actionError.startsWith('Call');
      message.className = `form-message${own ? ' error' : ''}`;
      message.textContent = own
        ? s.actionError
        : s.pending === 'Call'
          ? 'Calling… your softphone rings first.'
          : numbers.length === 0 && s.setup
            ? 'The company has no number to call from.'
            : '';
    }),
  );
  return { element, dispose: () => d.dispose() };
}
