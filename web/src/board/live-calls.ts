// The board's live calls: a DOM-free controller (liveCallsChanged, the supervisor's chosen softphone kept
// in localStorage, listen/whisper/barge/leave and voicemail call-backs) and the panel that shows who
// talks to whom, since when, in what state, recorded or not, and who supervises.
import type { Api } from '../api.js';
import { h, replace } from '../dom.js';
import { formatDuration, timeOfDay } from '../format.js';
import type { SuperviseMode } from '../gql/graphql.js';
import { LiveCallsChangedSubscription, StartCallMutation, StopSupervisingMutation, SuperviseCallMutation } from '../graphql/operations.js';
import { checkE164 } from '../phone.js';
import { type LiveCall, partyFlags, partyName, ROLE_WORDS, STATE_WORDS } from '../softphone/in-call.js';
import { createStore, Disposer, type Panel, type Store } from '../store.js';
import type { BoardController, BoardVoicemail } from './controller.js';
import type { MissedCallsController, MissedCallsState } from './missed-calls.js';
import { sortRows } from './presence-model.js';

export interface LiveCallsState {
  calls: readonly LiveCall[];
  /** When the first view arrived (0 before): the panel says "No calls" only after it. */
  at: number;
  /** The agent whose softphone the supervisor listens from (remembered in this browser). */
  softphoneAgentId: string | null;
  pending: string;
  message: string;
  error: boolean;
}

export interface LiveCallsController {
  store: Store<LiveCallsState>;
  chooseSoftphone(agentId: string | null): void;
  supervise(callSid: string, mode: SuperviseMode): Promise<void>;
  leave(callSid: string): Promise<void>;
  /** Calls a voicemail's caller back from the number they called, through `agentId`'s softphone. */
  callBack(voicemail: Pick<BoardVoicemail, 'from' | 'to'>, agentId: string): Promise<void>;
  dispose(): void;
}

export const softphoneKey = (companyId: string) => `curbe.board.${companyId}.softphoneAgentId`;

export function createLiveCallsController(deps: {
  api: Pick<Api, 'request' | 'subscribe'>;
  companyId: string;
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null;
  now?: () => number;
}): LiveCallsController {
  const { api, companyId } = deps;
  const storage = deps.storage === undefined ? globalThis.localStorage : deps.storage;
  const now = deps.now ?? Date.now;
  const store = createStore<LiveCallsState>({
    calls: [],
    at: 0,
    softphoneAgentId: storage?.getItem(softphoneKey(companyId)) ?? null,
    pending: '',
    message: '',
    error: false,
  });
  let disposed = false;
  const stop = api.subscribe(
    LiveCallsChangedSubscription,
    { companyId },
    ({ liveCallsChanged }) => !disposed && store.set({ calls: liveCallsChanged.calls, at: now() }),
  );

  async function run(label: string, ok: string, action: () => Promise<unknown>): Promise<void> {
    store.set({ pending: label, message: '', error: false });
    try {
      await action();
      if (!disposed) store.set({ pending: '', message: ok, error: false });
    } catch (err) {
      if (!disposed) store.set({ pending: '', message: `${label} failed: ${(err as Error).message}`, error: true });
    }
  }

  const needSoftphone = () => {
    const id = store.get().softphoneAgentId;
    if (!id) store.set({ message: 'Pick the softphone you listen from first.', error: true });
    return id;
  };

  return {
    store,
    chooseSoftphone(agentId) {
      if (agentId) storage?.setItem(softphoneKey(companyId), agentId);
      else storage?.removeItem(softphoneKey(companyId));
      store.set({ softphoneAgentId: agentId, message: '', error: false });
    },
    async supervise(callSid, mode) {
      const softphoneAgentId = needSoftphone();
      if (!softphoneAgentId) return;
      const word = mode === 'LISTEN' ? 'Listen' : mode === 'WHISPER' ? 'Whisper' : 'Barge';
      await run(word, `${word}: your softphone rings to join the call.`, () =>
        api.request(SuperviseCallMutation, { callSid, mode, softphoneAgentId }),
      );
    },
    async leave(callSid) {
      const softphoneAgentId = needSoftphone();
      if (!softphoneAgentId) return;
      await run('Leave', 'You left the call.', () => api.request(StopSupervisingMutation, { callSid, softphoneAgentId }));
    },
    async callBack(voicemail, agentId) {
      const to = checkE164(voicemail.from);
      if (!to.ok) return store.set({ message: `Call back: ${to.message}`, error: true });
      if (!agentId) return store.set({ message: 'Call back: pick the agent who calls.', error: true });
      await run('Call back', `Calling ${to.number} back: the agent's softphone rings first.`, () =>
        api.request(StartCallMutation, { input: { to: to.number, agentId, callerId: voicemail.to } }),
      );
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      stop();
      store.clear();
    },
  };
}

const MODES: [SuperviseMode, string][] = [
  ['LISTEN', 'Listen'],
  ['WHISPER', 'Whisper'],
  ['BARGE', 'Barge'],
];

/**
 * The live calls panel: one row per call with its parties, state, recording and supervisors, ticking
 * "since"; the softphone picker (the board's agents) and each call's Listen / Whisper / Barge / Leave.
 */
export function liveCallsPanel(live: LiveCallsController, board: BoardController): Panel {
  const d = new Disposer();
  const picker = h('select', { id: 'supervise-softphone', 'aria-label': 'Softphone you listen from' });
  const onPick = () => live.chooseSoftphone(picker.value || null);
  picker.addEventListener('change', onPick);
  d.add(() => picker.removeEventListener('change', onPick));
  const count = h('span', { class: 'muted', id: 'live-calls-count' });
  const message = h('p', { class: 'form-message', id: 'live-calls-message', role: 'status' });
  const list = h('div', { class: 'live-calls', id: 'live-calls' });
  const element = h(
    'section',
    { class: 'card live-calls-card', 'aria-label': 'Live calls' },
    h('div', { class: 'card-head' }, h('h2', {}, 'Live calls'), count),
    h('label', { class: 'field inline' }, h('span', {}, 'Listen from'), picker),
    message,
    list,
  );
  const names = (id: string) => board.store.get().rows.get(id)?.displayName;

  const render = () => {
    const s = live.store.get();
    const rows = sortRows(board.store.get().rows.values());
    const key = rows.map((r) => `${r.agentId}:${r.displayName}`).join('|');
    if (picker.dataset.key !== key || picker.value !== (s.softphoneAgentId ?? '')) {
      picker.dataset.key = key;
      replace(
        picker,
        h('option', { value: '' }, 'Pick your softphone…'),
        ...rows.map((r) => h('option', { value: r.agentId }, r.displayName)),
      );
      picker.value = s.softphoneAgentId ?? '';
    }
    message.className = `form-message${s.error ? ' error' : s.message ? ' ok' : ''}`;
    message.textContent = s.pending ? `${s.pending}…` : s.message;
    count.textContent = s.calls.length === 1 ? '1 call' : `${s.calls.length} calls`;
    if (s.calls.length === 0) return replace(list, h('p', { class: 'muted empty' }, s.at ? 'No calls in progress.' : 'Loading…'));
    replace(
      list,
      ...s.calls.map((call) => {
        const caller = call.parties.find((p) => p.role === 'CALLER');
        const staff = call.parties.filter((p) => p.role !== 'CALLER' && p.role !== 'SUPERVISOR');
        const supervisors = call.parties.filter((p) => p.role === 'SUPERVISOR');
        const mine = supervisors.find((p) => p.agentId === s.softphoneAgentId);
        const talk = `${caller ? partyName(caller, names) : call.from} ↔ ${
          staff.length
            ? staff.map((p) => partyName(p, names)).join(', ')
            : call.agentId
              ? (names(call.agentId) ?? 'an agent')
              : 'nobody yet'
        }`;
        const since = Date.parse(call.answeredAt ?? call.startedAt);
        return h(
          'article',
          { class: `live-call ${call.state.toLowerCase()}`, 'data-call-sid': call.callSid, 'data-state': call.state },
          h(
            'div',
            { class: 'live-call-head' },
            h('strong', { class: 'live-talk' }, talk),
            h('span', { class: `badge state ${call.state.toLowerCase()}` }, STATE_WORDS[call.state] ?? call.state),
            call.recording !== 'OFF'
              ? h('span', { class: 'badge rec' }, call.recording === 'RECORDING' ? '● Recording' : 'Recording paused')
              : null,
            h('span', { class: 'muted live-since', 'data-since': String(since) }, formatDuration(Date.now() - since)),
          ),
          h(
            'ul',
            { class: 'live-parties' },
            ...call.parties.map((p) =>
              h(
                'li',
                { class: `party role-${p.role.toLowerCase()}`, 'data-role': p.role, 'data-label': p.label },
                h('span', { class: 'party-name' }, partyName(p, names)),
                h('span', { class: 'party-role muted' }, ROLE_WORDS[p.role] ?? p.role),
                h('span', { class: 'party-flags' }, partyFlags(p).join(' · ')),
              ),
            ),
          ),
          h(
            'p',
            { class: 'live-supervised muted' },
            supervisors.length
              ? `Supervised by ${supervisors.map((p) => `${partyName(p, names)} (${(p.supervise ?? '').toLowerCase()})`).join(', ')}`
              : `${call.from} → ${call.to}`,
          ),
          call.controllable
            ? h(
                'div',
                { class: 'live-actions' },
                ...MODES.map(([mode, label]) =>
                  h(
                    'button',
                    {
                      type: 'button',
                      class: `small${mine?.supervise === mode ? ' active' : ''}`,
                      'data-action': mode.toLowerCase(),
                      disabled: !!s.pending || mine?.supervise === mode,
                      onclick: () => void live.supervise(call.callSid, mode),
                    },
                    label,
                  ),
                ),
                mine
                  ? h(
                      'button',
                      { type: 'button', class: 'small ghost', 'data-action': 'leave', onclick: () => void live.leave(call.callSid) },
                      'Leave',
                    )
                  : null,
              )
            : null,
        );
      }),
    );
  };
  let last: unknown[] = [];
  const maybeRender = () => {
    const s = live.store.get();
    const next = [s, board.store.get().rows];
    if (next.every((v, i) => v === last[i])) return;
    last = next;
    render();
  };
  d.add(live.store.subscribe(maybeRender));
  d.add(board.store.subscribe(maybeRender));
  d.interval(() => {
    for (const el of list.querySelectorAll<HTMLElement>('.live-since[data-since]'))
      el.textContent = formatDuration(Date.now() - Number(el.dataset.since));
  }, 1000);
  return { element, dispose: () => d.dispose() };
}

/** A voicemail's "Call back": the supervisor picks the agent whose softphone places the call. */
export function callBackControl(live: LiveCallsController, board: BoardController, v: Pick<BoardVoicemail, 'from' | 'to'>): HTMLElement {
  const agent = h('select', { class: 'callback-agent', 'aria-label': 'Agent who calls back' });
  // Filled when used: the voicemail may be listed before the agents are known.
  const fill = () => {
    const was = agent.value;
    replace(agent, ...sortRows(board.store.get().rows.values()).map((r) => h('option', { value: r.agentId }, r.displayName)));
    if (was) agent.value = was;
  };
  fill();
  agent.addEventListener('focus', fill);
  agent.addEventListener('pointerdown', fill);
  return h(
    'span',
    { class: 'vm-callback' },
    agent,
    h(
      'button',
      { type: 'button', class: 'small', 'data-action': 'call-back', onclick: () => void live.callBack(v, agent.value) },
      'Call back',
    ),
  );
}

/** Today's missed calls (the caller hung up before an answer), each with Call back. */
export function missedCallsPanel(missed: MissedCallsController, live: LiveCallsController, board: BoardController): Panel {
  const list = h('ul', { class: 'missed-calls', id: 'missed-calls' });
  const note = h('p', { class: 'muted' });
  const element = h(
    'section',
    { class: 'card missed-card' },
    h('div', { class: 'card-head' }, h('h2', {}, 'Missed calls today')),
    note,
    list,
  );
  const render = (s: MissedCallsState) => {
    note.textContent = s.error || (s.calls.length === 0 ? 'No missed calls today.' : '');
    replace(
      list,
      ...s.calls.map((c) =>
        h(
          'li',
          { class: 'missed-call', 'data-call-sid': c.callSid },
          h('strong', {}, c.from || 'Unknown caller'),
          h('span', { class: 'muted' }, ` → ${c.to} · ${timeOfDay(c.startedAt)}${c.waitSeconds ? ` · waited ${c.waitSeconds} s` : ''}`),
          callBackControl(live, board, c),
        ),
      ),
    );
  };
  render(missed.store.get());
  const unsubscribe = missed.store.subscribe(render);
  return { element, dispose: unsubscribe };
}
