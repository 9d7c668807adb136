// The supervisor board: live agent grid (presenceChanged), who would ring now (routePreview),
// routing form (updateRoutingConfig) and voicemails arriving live (voicemailReceived).
import { connect, type ConnectionState } from '../api.js';
import { h, replace } from '../dom.js';
import { formatDuration, statusLabel, timeOfDay } from '../format.js';
import type { RoutePreviewQuery as PreviewData, VoicemailsQuery as VoicemailsData } from '../gql/graphql.js';
import {
  BoardCompanyQuery,
  CompanyStatsChangedSubscription,
  PresenceChangedSubscription,
  RoutePreviewQuery,
  UpdateRoutingConfigMutation,
  VoicemailReceivedSubscription,
  VoicemailsQuery,
} from '../graphql/operations.js';
import { serverLabel } from '../softphone/state.js';
import { applyPresenceEvent, sortRows, type AgentRow } from './presence-model.js';
import { renderStats } from './stats.js';
import { FALLBACKS, ROUTING_MODES, validateRoutingForm, type RoutingFormValues } from './routing-form.js';

type Voicemail = VoicemailsData['voicemails'][number];

const SKIP_LABELS: Record<string, string> = {
  OFFLINE: 'offline',
  ON_BREAK: 'on break',
  ON_CALL: 'on a call',
  WRAP_UP: 'wrap-up',
  NOT_REGISTERED: 'not registered',
  DISABLED: 'disabled',
  RESERVED: 'reserved',
  ALREADY_OFFERED: 'already offered',
};

export async function mountBoard(root: HTMLElement, token: string, companyId: string, signOut: () => void): Promise<void> {
  const api = connect(token);
  let rows = new Map<string, AgentRow>();
  const renderedAt = new Map<string, number>();

  const companyName = h('span', { class: 'who' }, 'Supervisor board');
  const livePill = h('span', { class: 'pill warn', id: 'live-state' });
  const grid = h('div', { class: 'agent-grid', id: 'agent-grid' });
  const counts = h('span', { class: 'muted', id: 'agent-counts' });
  const preview = h('div', { class: 'preview', id: 'route-preview' }, h('p', { class: 'muted' }, 'Loading…'));
  const voicemailList = h('ul', { class: 'voicemails', id: 'voicemails' });
  const form = routingForm();
  const stats = h('section', { class: 'stats', id: 'company-stats', 'aria-label': 'Company statistics', hidden: true });

  replace(
    root,
    h('header', { class: 'topbar' }, h('div', { class: 'brand' }, h('span', { class: 'logo' }, 'C'), 'Curbe Voice'), companyName, h('div', { class: 'pills' }, livePill), h('button', { type: 'button', class: 'ghost', onclick: signOut }, 'Sign out')),
    h(
      'main',
      { class: 'board' },
      stats,
      h('section', { class: 'card agents-card' }, h('div', { class: 'card-head' }, h('h2', {}, 'Agents'), counts), grid),
      h(
        'div',
        { class: 'side' },
        h('section', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', {}, 'Who would ring now'), h('button', { type: 'button', class: 'ghost small', onclick: () => void refreshPreview() }, 'Refresh')), preview),
        h('section', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', {}, 'Routing')), form.element),
      ),
      h('section', { class: 'card voicemail-card' }, h('div', { class: 'card-head' }, h('h2', {}, 'Voicemail')), voicemailList),
    ),
  );

  api.onState((state: ConnectionState) => {
    const label = state === 'connected' ? { text: 'Live', tone: 'ok' } : serverLabel(state);
    livePill.className = `pill ${label.tone}`;
    replace(livePill, h('span', { class: 'dot' }), label.text);
    // After a reconnect the subscriptions restart with a snapshot; refresh what is not pushed.
    if (state === 'connected') void refreshPreview();
  });

  // --- agents
  function renderAgents() {
    const sorted = sortRows(rows.values());
    const online = sorted.filter((r) => r.online).length;
    counts.textContent = `${online} online · ${sorted.length} total`;
    replace(grid, ...sorted.map(agentCard));
    if (sorted.length === 0) replace(grid, h('p', { class: 'muted' }, 'No agents yet.'));
  }

  function agentCard(r: AgentRow) {
    const state = !r.online ? 'offline' : r.onCall ? 'oncall' : r.status === 'AVAILABLE' ? 'available' : r.status === 'ON_BREAK' ? 'break' : 'wrapup';
    const initials = r.displayName.split(/\s+/).map((w) => w[0] ?? '').join('').slice(0, 2).toUpperCase();
    return h(
      'article',
      { class: `agent ${state}`, 'data-agent-id': r.agentId, 'data-online': String(r.online), 'data-rendered-at': renderedAt.get(r.agentId) ?? '' },
      h('div', { class: 'avatar' }, initials),
      h('div', { class: 'agent-main' }, h('div', { class: 'agent-name' }, r.displayName), h('div', { class: 'agent-sip muted' }, r.sipUsername)),
      h(
        'div',
        { class: 'agent-state' },
        h('span', { class: 'state-badge' }, r.online ? (r.onCall ? 'On call' : statusLabel(r.status, r.statusReason)) : 'Offline'),
        h('span', { class: 'since muted', 'data-since': r.since, 'data-approx': String(r.sinceApprox) }, sinceText(r)),
      ),
      h('div', { class: 'agent-flags muted' }, r.online ? (r.sipRegistered ? 'registered' : 'unregistered') : ''),
    );
  }

  function sinceText(r: Pick<AgentRow, 'since' | 'sinceApprox'>) {
    return `${r.sinceApprox ? '≥ ' : ''}${formatDuration(Date.now() - r.since)}`;
  }

  let previewTimer: ReturnType<typeof setTimeout> | undefined;
  api.subscribe(PresenceChangedSubscription, { companyId }, ({ presenceChanged: e }) => {
    rows = applyPresenceEvent(rows, e);
    renderedAt.set(e.presence.agentId, Date.now());
    renderAgents();
    // Presence decides who rings: refresh the preview once a burst of events settles.
    clearTimeout(previewTimer);
    previewTimer = setTimeout(() => void refreshPreview(), 250);
  });
  setInterval(() => {
    for (const el of grid.querySelectorAll<HTMLElement>('.since')) {
      el.textContent = sinceText({ since: Number(el.dataset.since), sinceApprox: el.dataset.approx === 'true' });
    }
  }, 1000);

  // --- company figures (hidden until the first arrives)
  api.subscribe(CompanyStatsChangedSubscription, { companyId }, ({ companyStatsChanged }) => renderStats(stats, companyStatsChanged));

  // --- who would ring now
  async function refreshPreview() {
    try {
      const { routePreview } = await api.request(RoutePreviewQuery, { companyId });
      renderPreview(routePreview);
    } catch (err) {
      replace(preview, h('p', { class: 'error' }, `Preview unavailable: ${(err as Error).message}`));
    }
  }

  function renderPreview(p: PreviewData['routePreview']) {
    const head =
      p.decision === 'RING'
        ? h('p', { class: 'decision ring' }, `Rings ${p.targets.length === 1 ? '1 agent' : `${p.targets.length} agents`}${p.ringTimeoutSeconds ? ` for ${p.ringTimeoutSeconds} s` : ''}`)
        : h('p', { class: 'decision fallback' }, `Nobody rings → ${(p.fallback ?? 'fallback').toLowerCase()}${p.fallbackReason ? ` (${p.fallbackReason.toLowerCase().replace(/_/g, ' ')})` : ''}`);
    replace(
      preview,
      head,
      p.targets.length ? h('ol', { class: 'targets' }, ...p.targets.map((t) => h('li', { 'data-agent-id': t.agentId }, t.displayName))) : null,
      p.skipped.length
        ? h('ul', { class: 'skipped' }, ...p.skipped.map((s) => h('li', {}, h('span', {}, s.agent.displayName), h('span', { class: 'muted' }, SKIP_LABELS[s.reason] ?? s.reason.toLowerCase()))))
        : null,
    );
  }

  // --- routing form
  function routingForm() {
    const mode = h('select', { name: 'mode', id: 'routing-mode' }, ...ROUTING_MODES.map((m) => h('option', { value: m.value }, m.label)));
    const ring = h('input', { name: 'ringTimeoutSeconds', id: 'ring-timeout', type: 'number', inputmode: 'numeric', min: 5, max: 120 });
    const fallback = h('select', { name: 'fallbackKind', id: 'fallback-kind' }, ...FALLBACKS.map((f) => h('option', { value: f.value }, f.label)));
    const number = h('input', { name: 'fallbackNumber', id: 'fallback-number', type: 'tel', placeholder: '+13055550123' });
    const unregistered = h('input', { name: 'allowUnregisteredSoftphones', id: 'allow-unregistered', type: 'checkbox' });
    const errors: Record<string, HTMLElement> = {};
    const field = (label: string, input: HTMLElement, key: string) => {
      errors[key] = h('span', { class: 'field-error', id: `${key}-error` });
      return h('label', { class: 'field', 'data-field': key }, h('span', {}, label), input, errors[key]);
    };
    const formError = h('p', { class: 'form-message', id: 'routing-message', role: 'status' });
    const numberField = field('Fallback number', number, 'fallbackNumber');
    const element = h(
      'form',
      { class: 'routing-form', id: 'routing-form', novalidate: true },
      field('Mode', mode, 'mode'),
      field('Ring timeout (seconds)', ring, 'ringTimeoutSeconds'),
      field('When nobody answers', fallback, 'fallbackKind'),
      numberField,
      h('label', { class: 'check' }, unregistered, h('span', {}, 'Ring softphones not registered with Telnyx (demo)')),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save routing'), formError),
    );
    const syncNumber = () => (numberField.hidden = fallback.value !== 'NUMBER' && number.value.trim() === '');
    fallback.addEventListener('change', syncNumber);
    element.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const values: RoutingFormValues = { mode: mode.value, ringTimeoutSeconds: ring.value, fallbackKind: fallback.value, fallbackNumber: number.value, allowUnregisteredSoftphones: unregistered.checked };
      for (const el of Object.values(errors)) el.textContent = '';
      formError.className = 'form-message';
      const checked = validateRoutingForm(values);
      if (!checked.ok) {
        for (const [key, message] of Object.entries(checked.errors)) errors[key]!.textContent = message ?? '';
        formError.textContent = 'Fix the highlighted fields.';
        formError.classList.add('error');
        return;
      }
      try {
        await api.request(UpdateRoutingConfigMutation, { companyId, input: checked.input as never });
        formError.textContent = 'Saved.';
        formError.classList.add('ok');
        void refreshPreview();
      } catch (err) {
        formError.textContent = (err as Error).message;
        formError.classList.add('error');
      }
    });
    return {
      element,
      fill(r: { mode: string; ringTimeoutSeconds: number; fallbackKind: string; fallbackNumber?: string | null; allowUnregisteredSoftphones: boolean }) {
        mode.value = r.mode;
        ring.value = String(r.ringTimeoutSeconds);
        fallback.value = r.fallbackKind;
        number.value = r.fallbackNumber ?? '';
        unregistered.checked = r.allowUnregisteredSoftphones;
        syncNumber();
      },
    };
  }

  // --- voicemails
  const shown = new Set<string>();
  function voicemailItem(v: Voicemail, fresh: boolean) {
    return h(
      'li',
      { class: fresh ? 'voicemail fresh' : 'voicemail', 'data-voicemail-id': v.id },
      h('div', { class: 'vm-main' }, h('strong', {}, v.from || 'Unknown caller'), h('span', { class: 'muted' }, ` → ${v.to} · ${timeOfDay(v.createdAt)} · ${formatDuration(v.durationSeconds * 1000)}`)),
      h('audio', { controls: true, preload: 'none', src: v.recordingUrl }),
      h('a', { href: v.recordingUrl, target: '_blank', rel: 'noopener noreferrer' }, 'Open recording'),
    );
  }
  function addVoicemail(v: Voicemail, fresh: boolean) {
    if (shown.has(v.id)) return;
    shown.add(v.id);
    voicemailList.querySelector('.empty')?.remove();
    if (fresh) voicemailList.prepend(voicemailItem(v, true));
    else voicemailList.append(voicemailItem(v, false));
  }
  api.subscribe(VoicemailReceivedSubscription, { companyId }, ({ voicemailReceived }) => addVoicemail(voicemailReceived, true));

  // --- initial data
  try {
    const [{ company }, { voicemails }] = await Promise.all([api.request(BoardCompanyQuery, { companyId }), api.request(VoicemailsQuery, { companyId })]);
    if (company) {
      companyName.textContent = company.name;
      document.title = `${company.name} · Curbe Voice`;
      form.fill(company.routing);
    }
    for (const v of voicemails) addVoicemail(v, false);
    if (shown.size === 0) voicemailList.append(h('li', { class: 'empty muted' }, 'No voicemail yet. New messages appear here as they arrive.'));
  } catch (err) {
    replace(voicemailList, h('li', { class: 'error' }, `Could not load: ${(err as Error).message}`));
  }
}
