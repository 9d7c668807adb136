// The company's live figures (companyStatsChanged: the figures now, then on every change).
import { h, replace } from '../dom.js';
import { formatDuration } from '../format.js';
import type { CompanyStatsFieldsFragment } from '../gql/graphql.js';

export function statsTiles(s: CompanyStatsFieldsFragment): { key: string; label: string; value: string; tone?: string }[] {
  const a = s.agents;
  return [
    { key: 'available', label: 'Available', value: `${a.available}/${a.total}`, tone: 'ok' },
    { key: 'on-call', label: 'Ringing · on call', value: String(a.onCall + a.ringing), tone: 'call' },
    { key: 'on-break', label: 'Break · wrap-up', value: String(a.onBreak + a.wrapUp), tone: 'break' },
    { key: 'offline', label: 'Offline', value: String(a.offline) },
    {
      key: 'waiting',
      label: 'Calls waiting',
      value: String(s.callsWaiting + s.callsRinging),
      tone: s.callsWaiting + s.callsRinging > 0 ? 'warn' : undefined,
    },
    { key: 'longest-wait', label: 'Longest wait', value: s.longestWaitSeconds > 0 ? formatDuration(s.longestWaitSeconds * 1000) : '—' },
    { key: 'active', label: 'Active calls', value: String(s.callsActive) },
    { key: 'answered', label: 'Answered today', value: String(s.answeredToday) },
    { key: 'missed', label: 'Missed today', value: String(s.missedToday), tone: s.missedToday > 0 ? 'bad' : undefined },
    { key: 'avg-answer', label: 'Avg. answer', value: s.averageAnswerSeconds == null ? '—' : `${Math.round(s.averageAnswerSeconds)} s` },
  ];
}

export function renderStats(el: HTMLElement, s: CompanyStatsFieldsFragment): void {
  el.hidden = false;
  replace(
    el,
    ...statsTiles(s).map((t) =>
      h(
        'div',
        { class: `tile ${t.tone ?? ''}`, 'data-stat': t.key },
        h('span', { class: 'tile-value' }, t.value),
        h('span', { class: 'tile-label' }, t.label),
      ),
    ),
  );
}
