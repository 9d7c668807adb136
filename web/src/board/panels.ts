// The board's panels: each renders the board controller's state into its own element, and its
// dispose() unsubscribes from the store and clears its timers and listeners.
import { h, replace } from '../dom.js';
import { formatDuration, statusLabel, timeOfDay } from '../format.js';
import type { AgentStatus } from '../gql/graphql.js';
import { serverLabel } from '../softphone/state.js';
import { statusOptions, statusOptionValue } from '../status-choice.js';
import { Disposer, type Panel } from '../store.js';
import type { BoardController, BoardState, BoardVoicemail, RoutePreview } from './controller.js';
import { sortRows, type AgentRow } from './presence-model.js';
import { FALLBACKS, ROUTING_MODES, validateRoutingForm, type RoutingFormValues } from './routing-form.js';
import { DEFAULT_CALLER, type SimulatedResult, type SimulatorController } from './simulator.js';
import { renderStats } from './stats.js';
import { queueCards, renderWaiting, waitedText } from './waiting.js';

const SKIP_LABELS: Record<string, string> = {
  OFFLINE: 'offline',
  ON_BREAK: 'on break',
  ON_CALL: 'on a call',
  WRAP_UP: 'wrap-up',
  NOT_REGISTERED: 'not registered',
  DISABLED: 'disabled',
  NO_SIP_TARGET: 'no SIP target',
  RESERVED: 'reserved',
  ALREADY_OFFERED: 'already offered',
  DIAL_LIMIT: 'rings in a later step',
};

/** Runs `render` when the slice of state `pick` returns changes (by identity). */
function watch<T>(c: BoardController, pick: (s: BoardState) => T, render: (value: T, s: BoardState) => void): () => void {
  let last: { value: T } | null = null;
  return c.store.subscribe((s) => {
    const value = pick(s);
    if (last && last.value === value) return;
    last = { value };
    render(value, s);
  });
}

/** Brand, the company's name, the live pill, sign out. */
export function topbarPanel(c: BoardController, signOut: () => void): Panel {
  const d = new Disposer();
  const companyName = h('span', { class: 'who' }, 'Supervisor board');
  const livePill = h('span', { class: 'pill warn', id: 'live-state' });
  const element = h(
    'header',
    { class: 'topbar' },
    h('div', { class: 'brand' }, h('span', { class: 'logo' }, 'C'), 'Curbe Voice'),
    companyName,
    h('div', { class: 'pills' }, livePill),
    h('button', { type: 'button', class: 'ghost', onclick: signOut }, 'Sign out'),
  );
  d.add(
    watch(
      c,
      (s) => s.server,
      (server) => {
        const label = server === 'connected' ? { text: 'Live', tone: 'ok' } : serverLabel(server);
        livePill.className = `pill ${label.tone}`;
        replace(livePill, h('span', { class: 'dot' }), label.text);
      },
    ),
  );
  d.add(
    watch(
      c,
      (s) => s.company?.name,
      (name) => {
        if (!name) return;
        companyName.textContent = name;
        document.title = `${name} · Curbe Voice`;
      },
    ),
  );
  return { element, dispose: () => d.dispose() };
}

/** The company's live figures, hidden until the first arrive. */
export function statsPanel(c: BoardController): Panel {
  const element = h('section', { class: 'stats', id: 'company-stats', 'aria-label': 'Company statistics', hidden: true });
  return {
    element,
    dispose: watch(
      c,
      (s) => s.stats,
      (stats) => stats && renderStats(element, stats),
    ),
  };
}

/**
 * The queues' waiting callers, hidden until the first view arrives; rebuilt on each view (or when an
 * agent offered a caller gets a name), the waits ticking each second in between.
 */
export function waitingPanel(c: BoardController): Panel {
  const d = new Disposer();
  const total = h('span', { class: 'muted', id: 'waiting-total' });
  const list = h('div', { class: 'queue-list', id: 'queue-waiting' });
  const element = h(
    'section',
    { class: 'card waiting-card', 'aria-label': 'Callers waiting in the queues', hidden: true },
    h('div', { class: 'card-head' }, h('h2', {}, 'Waiting'), total),
    list,
  );
  d.add(
    watch(
      c,
      // Names come from presence: a caller offered to an agent the board has not heard of yet is named once it has.
      (s) =>
        s.queues ? `${s.queues.at}|${s.queues.waiting.map((w) => s.rows.get(w.offeredToAgentId ?? '')?.displayName ?? '').join('|')}` : '',
      (_key, s) => {
        if (!s.queues) return;
        element.hidden = false;
        const waiting = s.queues.queues.reduce((sum, q) => sum + q.waiting, 0);
        total.textContent = waiting === 1 ? '1 caller in line' : `${waiting} callers in line`;
        renderWaiting(
          list,
          queueCards(s.queues, (id) => s.rows.get(id)?.displayName),
          Date.now(),
          s.queuesClockSkewMs,
        );
      },
    ),
  );
  d.interval(() => {
    const skew = c.store.get().queuesClockSkewMs;
    for (const el of list.querySelectorAll<HTMLElement>('[data-since]'))
      el.textContent = waitedText(Number(el.dataset.since), Date.now(), skew);
  }, 1000);
  return { element, dispose: () => d.dispose() };
}

const sinceText = (r: Pick<AgentRow, 'since' | 'sinceApprox'>) => `${r.sinceApprox ? '≥ ' : ''}${formatDuration(Date.now() - r.since)}`;

/**
 * The agent grid: one card per agent, kept by id and updated in place (a status picker stays put
 * while it is used), "since" ticking each second, and each card's status picker for the supervisor.
 */
export function agentsPanel(c: BoardController): Panel {
  const d = new Disposer();
  const counts = h('span', { class: 'muted', id: 'agent-counts' });
  const message = h('p', { class: 'form-message', id: 'agent-status-message', role: 'status' });
  const grid = h('div', { class: 'agent-grid', id: 'agent-grid' });
  const element = h(
    'section',
    { class: 'card agents-card' },
    h('div', { class: 'card-head' }, h('h2', {}, 'Agents'), counts),
    message,
    grid,
  );
  const cards = new Map<string, { el: HTMLElement; update(r: AgentRow, s: BoardState): void }>();

  function card(agentId: string) {
    const avatar = h('div', { class: 'avatar' });
    const name = h('div', { class: 'agent-name' });
    const sip = h('div', { class: 'agent-sip muted' });
    const badge = h('span', { class: 'state-badge' });
    const since = h('span', { class: 'since muted' });
    const flags = h('div', { class: 'agent-flags muted' });
    const picker = h('select', { class: 'status-select', 'data-agent-id': agentId });
    let options = '';
    const onChange = async () => {
      const option = statusOptions(c.store.get().company?.breakReasons ?? []).find((o) => o.value === picker.value);
      if (!option) return;
      message.className = 'form-message';
      message.textContent = '';
      const result = await c.setAgentStatus(agentId, option.status as AgentStatus, option.reason);
      if (!result.ok) {
        message.textContent = `Could not change the status: ${result.message}`;
        message.classList.add('error');
      }
      // The picker shows the agent's status as the server has it, whatever happened.
      const row = c.store.get().rows.get(agentId);
      if (row) picker.value = statusOptionValue(row.status, row.statusReason, c.store.get().company?.breakReasons ?? []);
    };
    picker.addEventListener('change', onChange);
    d.add(() => picker.removeEventListener('change', onChange));
    const el = h(
      'article',
      { class: 'agent', 'data-agent-id': agentId },
      avatar,
      h('div', { class: 'agent-main' }, name, sip),
      h('div', { class: 'agent-state' }, badge, since),
      flags,
      h('label', { class: 'agent-control' }, picker),
    );
    return {
      el,
      update(r: AgentRow, s: BoardState) {
        const state = !r.online
          ? 'offline'
          : r.onCall
            ? 'oncall'
            : r.status === 'AVAILABLE'
              ? 'available'
              : r.status === 'ON_BREAK'
                ? 'break'
                : 'wrapup';
        el.className = `agent ${state}`;
        el.dataset.online = String(r.online);
        el.dataset.renderedAt = String(s.renderedAt.get(r.agentId) ?? '');
        avatar.textContent = r.displayName
          .split(/\s+/)
          .map((w) => w[0] ?? '')
          .join('')
          .slice(0, 2)
          .toUpperCase();
        name.textContent = r.displayName;
        sip.textContent = r.sipUsername;
        badge.textContent = r.online ? (r.onCall ? 'On call' : statusLabel(r.status, r.statusReason)) : 'Offline';
        since.dataset.since = String(r.since);
        since.dataset.approx = String(r.sinceApprox);
        since.textContent = sinceText(r);
        flags.textContent = r.online ? (r.sipRegistered ? 'registered' : 'unregistered') : '';
        picker.setAttribute('aria-label', `Status of ${r.displayName}`);
        const reasons = s.company?.breakReasons ?? [];
        const current = statusOptionValue(r.status, r.statusReason, reasons);
        const list = statusOptions(reasons);
        const key = `${list.map((o) => o.value).join('\n')}|${current}`;
        if (key !== options) {
          options = key;
          // A status the list does not hold (a reason since removed) still shows, but cannot be picked.
          const extra = list.some((o) => o.value === current)
            ? []
            : [h('option', { value: current, disabled: true }, statusLabel(r.status, r.statusReason))];
          replace(picker, ...list.map((o) => h('option', { value: o.value }, o.label)), ...extra);
        }
        picker.value = current;
      },
    };
  }

  d.add(
    c.store.subscribe((s) => {
      const sorted = sortRows(s.rows.values());
      counts.textContent = `${sorted.filter((r) => r.online).length} online · ${sorted.length} total`;
      if (sorted.length === 0) return replace(grid, h('p', { class: 'muted' }, 'No agents yet.'));
      grid.querySelector(':scope > p')?.remove();
      sorted.forEach((r, i) => {
        let entry = cards.get(r.agentId);
        if (!entry) cards.set(r.agentId, (entry = card(r.agentId)));
        entry.update(r, s);
        if (grid.children[i] !== entry.el) grid.insertBefore(entry.el, grid.children[i] ?? null);
      });
    }),
  );
  d.interval(() => {
    for (const el of grid.querySelectorAll<HTMLElement>('.since'))
      el.textContent = sinceText({ since: Number(el.dataset.since), sinceApprox: el.dataset.approx === 'true' });
  }, 1000);
  return { element, dispose: () => d.dispose() };
}

/** Who would ring now, refreshed by the controller as presence settles, or by hand. */
export function previewPanel(c: BoardController): Panel {
  const body = h('div', { class: 'preview', id: 'route-preview' }, h('p', { class: 'muted' }, 'Loading…'));
  const element = h(
    'section',
    { class: 'card' },
    h(
      'div',
      { class: 'card-head' },
      h('h2', {}, 'Who would ring now'),
      h('button', { type: 'button', class: 'ghost small', onclick: () => void c.refreshPreview() }, 'Refresh'),
    ),
    body,
  );
  const render = (p: RoutePreview) => {
    const queue = p.queue;
    const head =
      p.decision === 'RING'
        ? h(
            'p',
            { class: 'decision ring' },
            `Rings ${p.targets.length === 1 ? '1 agent' : `${p.targets.length} agents`}${p.ringTimeoutSeconds ? ` for ${p.ringTimeoutSeconds} s` : ''}`,
          )
        : p.decision === 'QUEUE' && queue
          ? h(
              'p',
              { class: 'decision queue' },
              `Nobody free → waits in ${queue.queueName}, place ${queue.position ?? '?'}${
                queue.estimatedWaitSeconds == null ? '' : `, about ${Math.max(1, Math.ceil(queue.estimatedWaitSeconds / 60))} min`
              }`,
            )
          : h(
              'p',
              { class: 'decision fallback' },
              `Nobody rings → ${(p.fallback ?? 'fallback').toLowerCase()}${p.fallbackReason ? ` (${p.fallbackReason.toLowerCase().replace(/_/g, ' ')})` : ''}`,
            );
    replace(
      body,
      head,
      p.targets.length
        ? h('ol', { class: 'targets' }, ...p.targets.map((t) => h('li', { 'data-agent-id': t.agentId }, t.displayName)))
        : null,
      p.skipped.length
        ? h(
            'ul',
            { class: 'skipped' },
            ...p.skipped.map((s) =>
              h(
                'li',
                {},
                h('span', {}, s.agent.displayName),
                h('span', { class: 'muted' }, SKIP_LABELS[s.reason] ?? s.reason.toLowerCase()),
              ),
            ),
          )
        : null,
    );
  };
  const stop = watch(
    c,
    (s) => (s.previewError ? s.previewError : s.preview),
    (value) => {
      if (typeof value === 'string') replace(body, h('p', { class: 'error' }, value));
      else if (value) render(value);
    },
  );
  return { element, dispose: stop };
}

/** The routing form: the schema's modes and fallbacks, checked before sending, filled once the company loads. */
export function routingPanel(c: BoardController): Panel {
  const d = new Disposer();
  const mode = h('select', { name: 'mode', id: 'routing-mode' }, ...ROUTING_MODES.map((m) => h('option', { value: m.value }, m.label)));
  const ring = h('input', { name: 'ringTimeoutSeconds', id: 'ring-timeout', type: 'number', inputmode: 'numeric', min: 5, max: 120 });
  const fallback = h(
    'select',
    { name: 'fallbackKind', id: 'fallback-kind' },
    ...FALLBACKS.map((f) => h('option', { value: f.value }, f.label)),
  );
  const number = h('input', { name: 'fallbackNumber', id: 'fallback-number', type: 'tel', placeholder: '+13055550123' });
  const unregistered = h('input', { name: 'allowUnregisteredSoftphones', id: 'allow-unregistered', type: 'checkbox' });
  const errors: Record<string, HTMLElement> = {};
  const field = (label: string, input: HTMLElement, key: string) => {
    errors[key] = h('span', { class: 'field-error', id: `${key}-error` });
    return h('label', { class: 'field', 'data-field': key }, h('span', {}, label), input, errors[key]);
  };
  const formMessage = h('p', { class: 'form-message', id: 'routing-message', role: 'status' });
  const numberField = field('Fallback number', number, 'fallbackNumber');
  const form = h(
    'form',
    { class: 'routing-form', id: 'routing-form', novalidate: true },
    field('Mode', mode, 'mode'),
    field('Ring timeout (seconds)', ring, 'ringTimeoutSeconds'),
    field('When nobody answers', fallback, 'fallbackKind'),
    numberField,
    h('label', { class: 'check' }, unregistered, h('span', {}, 'Ring softphones not registered with Telnyx (demo)')),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save routing'), formMessage),
  );
  const element = h('section', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', {}, 'Routing')), form);
  const syncNumber = () => (numberField.hidden = fallback.value !== 'NUMBER' && number.value.trim() === '');
  const say = (text: string, tone: 'ok' | 'error') => {
    formMessage.className = `form-message ${tone}`;
    formMessage.textContent = text;
  };
  const onSubmit = async (ev: Event) => {
    ev.preventDefault();
    const values: RoutingFormValues = {
      mode: mode.value,
      ringTimeoutSeconds: ring.value,
      fallbackKind: fallback.value,
      fallbackNumber: number.value,
      allowUnregisteredSoftphones: unregistered.checked,
    };
    for (const el of Object.values(errors)) el.textContent = '';
    formMessage.className = 'form-message';
    const checked = validateRoutingForm(values);
    if (!checked.ok) {
      for (const [key, text] of Object.entries(checked.errors)) errors[key]!.textContent = text ?? '';
      return say('Fix the highlighted fields.', 'error');
    }
    const saved = await c.saveRouting(checked.input);
    say(saved.ok ? 'Saved.' : saved.message, saved.ok ? 'ok' : 'error');
  };
  fallback.addEventListener('change', syncNumber);
  form.addEventListener('submit', onSubmit);
  d.add(() => {
    fallback.removeEventListener('change', syncNumber);
    form.removeEventListener('submit', onSubmit);
  });
  // Filled once, when the company first loads: later saves must not overwrite what is being typed.
  let filled = false;
  d.add(
    watch(
      c,
      (s) => s.company,
      (company) => {
        if (!company || filled) return;
        filled = true;
        const r = company.routing;
        mode.value = r.mode;
        ring.value = String(r.ringTimeoutSeconds);
        fallback.value = r.fallbackKind;
        number.value = r.fallbackNumber ?? '';
        unregistered.checked = r.allowUnregisteredSoftphones;
        syncNumber();
      },
    ),
  );
  return { element, dispose: () => d.dispose() };
}

/**
 * Voicemails, newest first, live ones marked fresh, unread ones bold. Play asks for a fresh signed
 * link to our copy of the audio (Telnyx's own URL dies 10 minutes after the call; ours live 15 minutes),
 * and marks the voicemail read; Handled toggles who dealt with it. `actions` adds controls to each (the call-back).
 */
export function voicemailsPanel(c: BoardController, actions?: (v: BoardVoicemail) => Node): Panel {
  const list = h('ul', { class: 'voicemails', id: 'voicemails' });
  const element = h('section', { class: 'card voicemail-card' }, h('div', { class: 'card-head' }, h('h2', {}, 'Voicemail')), list);
  const shown = new Map<string, { li: HTMLElement; sync: (v: BoardVoicemail) => void }>();
  const item = (v: BoardVoicemail) => {
    const audio = h('audio', { controls: true, preload: 'none' }) as HTMLAudioElement;
    const note = h('span', { class: 'muted vm-note' });
    const transcript = h('p', { class: 'vm-transcript' });
    const play = h('button', { type: 'button', class: 'vm-play' }, 'Play') as HTMLButtonElement;
    const handled = h('button', { type: 'button', class: 'vm-handled' }) as HTMLButtonElement;
    let current = v;
    play.addEventListener('click', async () => {
      play.disabled = true;
      try {
        const url = await c.voicemailAudio(current.id);
        if (!url) {
          note.textContent = 'The audio is still being saved; try again in a moment.';
          return;
        }
        note.textContent = '';
        audio.src = url;
        await audio.play().catch(() => {}); // autoplay may be refused: the controls are there
        if (!current.read) void c.markVoicemail(current.id, { read: true });
      } catch (err) {
        note.textContent = `Could not load the audio: ${(err as Error).message}`;
      } finally {
        play.disabled = false;
      }
    });
    handled.addEventListener('click', () => void c.markVoicemail(current.id, { handled: !current.handled }));
    const li = h(
      'li',
      { class: v.fresh ? 'voicemail fresh' : 'voicemail', 'data-voicemail-id': v.id },
      h(
        'div',
        { class: 'vm-main' },
        h('strong', {}, v.from || 'Unknown caller'),
        h('span', { class: 'muted' }, ` → ${v.to} · ${timeOfDay(v.createdAt)} · ${formatDuration(v.durationSeconds * 1000)}`),
      ),
      transcript,
      h('div', { class: 'vm-actions' }, play, handled, actions?.(v), note),
      audio,
    );
    const sync = (next: BoardVoicemail) => {
      current = next;
      li.classList.toggle('unread', !next.read);
      li.classList.toggle('handled', next.handled);
      transcript.textContent = next.transcription ?? '';
      handled.textContent = next.handled ? 'Handled ✓' : 'Mark handled';
      if (next.recordingStatus === 'DELETED') note.textContent = 'The audio was deleted (retention).';
    };
    sync(v);
    return { li, sync };
  };
  const stop = watch(
    c,
    (s) =>
      `${s.loaded}|${s.loadError}|${s.voicemails.map((v) => `${v.id}:${v.read}:${v.handled}:${v.transcription?.length ?? 0}`).join(',')}`,
    (_key, s) => {
      if (s.loadError) return replace(list, h('li', { class: 'error' }, s.loadError));
      // Items already shown stay (an audio element mid-playback is not rebuilt); their state follows.
      const items = s.voicemails.map((v) => {
        const existing = shown.get(v.id);
        if (existing) {
          existing.sync(v);
          return existing.li;
        }
        const made = item(v);
        shown.set(v.id, made);
        return made.li;
      });
      if (items.length === 0 && s.loaded)
        return replace(list, h('li', { class: 'empty muted' }, 'No voicemail yet. New messages appear here as they arrive.'));
      replace(list, ...items);
    },
  );
  return { element, dispose: stop };
}

const OUTCOME_TONES: Record<string, string> = { ANSWERED: 'ok', VOICEMAIL: 'warn', FORWARDED: 'call' };

function outcomeLine(r: SimulatedResult): HTMLElement {
  const details = [
    r.answeredBy ? `answered by ${r.answeredBy}` : null,
    `lasted ${formatDuration(r.duration * 1000)}`,
    // The call log's word differs from the wire's only for after-hours calls: say both then.
    r.heard !== r.outcome ? `heard as ${r.heard}` : null,
  ].filter(Boolean);
  return h(
    'p',
    { class: 'sim-outcome-line', 'data-call-sid': r.callSid },
    h('strong', { class: `outcome ${OUTCOME_TONES[r.outcome] ?? 'bad'}`, 'data-outcome': r.outcome }, r.outcome),
    h('span', { class: 'muted' }, details.join(' · ')),
  );
}

/** A step as a supervisor reads it: the webhooks' per-call signature (`?mac=…`) says nothing to them. */
const readableLine = (line: string) => line.replace(/([?&]mac=)[\w-]+/g, '$1…');

/**
 * "Simulate a call": only where the server runs the local Telnyx (the demo). Places a call to one of
 * the company's numbers and shows its steps live, then its outcome; one call at a time.
 */
export function simulatorPanel(sim: SimulatorController): Panel {
  const d = new Disposer();
  const to = h('select', { id: 'sim-to', name: 'to', required: true });
  const from = h('input', { id: 'sim-from', name: 'from', type: 'tel', value: DEFAULT_CALLER, autocomplete: 'off', required: true });
  const digits = h('input', { id: 'sim-digits', name: 'digits', inputmode: 'numeric', placeholder: 'optional', autocomplete: 'off' });
  const talk = h('input', {
    id: 'sim-talk',
    name: 'talkSeconds',
    type: 'number',
    inputmode: 'numeric',
    min: 1,
    max: 3600,
    placeholder: '30',
  });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'simulate-call' }, 'Simulate a call');
  const outcome = h('div', { class: 'sim-outcome', id: 'simulate-outcome', role: 'status' });
  const log = h('ol', {
    class: 'sim-log',
    id: 'simulate-log',
    role: 'log',
    'aria-live': 'polite',
    'aria-label': 'Steps of the simulated call',
  });
  const field = (label: string, input: HTMLElement) => h('label', { class: 'field' }, h('span', {}, label), input);
  const form = h(
    'form',
    { class: 'sim-form', id: 'simulate-form', novalidate: true },
    field('Number called', to),
    field("Caller's number", from),
    h('div', { class: 'sim-row' }, field('Menu keys', digits), field('Talk time (s)', talk)),
    h('div', { class: 'form-actions' }, submit),
  );
  const element = h(
    'section',
    { class: 'card sim-card', id: 'simulator', 'aria-labelledby': 'simulator-title', hidden: true },
    h(
      'div',
      { class: 'card-head' },
      h('h2', { id: 'simulator-title' }, 'Simulate a call'),
      h('span', { class: 'muted small-note' }, 'local Telnyx'),
    ),
    form,
    outcome,
    log,
  );
  const onSubmit = (ev: Event) => {
    ev.preventDefault();
    void sim.simulate({ to: to.value, from: from.value, digits: digits.value, talkSeconds: talk.value });
  };
  form.addEventListener('submit', onSubmit);
  d.add(() => form.removeEventListener('submit', onSubmit));

  let numbersKey = '';
  let shownSteps = 0;
  let shownCall = -1;
  d.add(
    sim.store.subscribe((s) => {
      element.hidden = s.available !== true;
      if (!s.available) return;
      const key = s.numbers.map((n) => n.e164).join(',');
      if (key !== numbersKey) {
        numbersKey = key;
        const chosen = to.value;
        replace(to, ...s.numbers.map((n) => h('option', { value: n.e164 }, n.label ? `${n.e164} · ${n.label}` : n.e164)));
        if (s.numbers.some((n) => n.e164 === chosen)) to.value = chosen;
      }
      submit.disabled = s.running || s.numbers.length === 0;
      submit.textContent = s.running ? 'Calling…' : 'Simulate a call';
      form.setAttribute('aria-busy', String(s.running));
      // A new call starts a new log; within a call only the new steps are appended (the log is live).
      if (s.calls !== shownCall) {
        shownCall = s.calls;
        shownSteps = 0;
        replace(log);
      }
      for (const step of s.steps.slice(shownSteps)) {
        log.append(
          h(
            'li',
            { 'data-kind': step.kind },
            h('span', { class: 'sim-at' }, `${step.at.toFixed(1)} s`),
            h('span', { title: step.line }, readableLine(step.line)),
          ),
        );
      }
      if (s.steps.length > shownSteps) log.scrollTop = log.scrollHeight;
      shownSteps = s.steps.length;
      const problems = s.result?.errors ?? [];
      replace(
        outcome,
        s.numbersError ? h('p', { class: 'error' }, s.numbersError) : null,
        !s.numbersError && s.numbers.length === 0 ? h('p', { class: 'muted' }, 'This company has no phone number to call yet.') : null,
        s.running && s.steps.length === 0 ? h('p', { class: 'muted' }, 'Placing the call…') : null,
        s.error ? h('p', { class: 'error' }, `The call could not be simulated: ${s.error}`) : null,
        s.result ? outcomeLine(s.result) : null,
        problems.length ? h('ul', { class: 'sim-errors error' }, ...problems.map((p) => h('li', {}, p))) : null,
      );
    }),
  );
  return { element, dispose: () => d.dispose() };
}
