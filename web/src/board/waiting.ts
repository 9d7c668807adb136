// The queues' waiting callers (queuesChanged: the view now, then on every change): one card per queue
// with its figures for today and its callers in serving order. `queueCards` is pure; `renderWaiting`
// draws it, and the panel (panels.ts) ticks the waits each second from the `data-since` instants.
import { h, replace } from '../dom.js';
import { formatDuration } from '../format.js';
import type { CompanyQueuesFieldsFragment } from '../gql/graphql.js';

export interface WaitingRow {
  callSid: string;
  /** Place in line; null while offered to an agent. */
  position: number | null;
  from: string;
  state: string;
  /** When the caller joined the queue (server clock, epoch ms): the wait counts up from it. */
  since: number;
  estimate: string;
  language: string;
  callback: boolean;
  /** "offering to <agent>" while an agent is being offered the caller. */
  offering: string | null;
}

export interface QueueCard {
  queueId: string;
  name: string;
  waiting: number;
  /** The longest wait on the line counts up from here (server clock, epoch ms); null when nobody is on the line. */
  longestSince: number | null;
  serviceLevel: string;
  abandonRate: string;
  rows: WaitingRow[];
}

/** 0.5 → "50%"; null (no call today yet) → "—". */
export const percent = (value: number | null | undefined): string => (value == null ? '—' : `${Math.round(value * 100)}%`);

/** What the caller is told, as "~3:00"; "—" when unknown (offered, or nobody able logged in). */
export const estimateText = (seconds: number | null | undefined): string => (seconds == null ? '—' : `~${formatDuration(seconds * 1000)}`);

/** Each queue with its callers in serving order; `agentName` names the agent being offered a caller. */
export function queueCards(view: CompanyQueuesFieldsFragment, agentName: (agentId: string) => string | undefined): QueueCard[] {
  const at = Date.parse(view.at);
  return view.queues.map((q) => {
    const rows = view.waiting
      .filter((w) => w.queueId === q.queueId)
      .map(
        (w): WaitingRow => ({
          callSid: w.callSid,
          position: w.position ?? null,
          from: w.from,
          state: w.state,
          since: Date.parse(w.enqueuedAt),
          estimate: estimateText(w.estimatedWaitSeconds),
          language: w.language ? w.language.toUpperCase() : '',
          callback: w.callbackRequested,
          offering: w.offeredToAgentId ? `offering to ${agentName(w.offeredToAgentId) ?? 'an agent'}` : null,
        }),
      );
    // Callers still on the line (a callback keeps its place off the line); the server's figure covers those past the list's end.
    const onLine = rows.filter((r) => !r.callback).map((r) => r.since);
    const longestSince = onLine.length > 0 || q.longestWaitSeconds > 0 ? Math.min(at - q.longestWaitSeconds * 1000, ...onLine) : null;
    return {
      queueId: q.queueId,
      name: q.name,
      waiting: q.waiting,
      longestSince,
      serviceLevel: percent(q.serviceLevel),
      abandonRate: percent(q.abandonRate),
      rows,
    };
  });
}

/** A wait so far, counting up from `since` (server clock) with this browser's `skewMs`. */
export const waitedText = (since: number, nowMs: number, skewMs: number): string => formatDuration(nowMs - skewMs - since);

export function renderWaiting(el: HTMLElement, cards: QueueCard[], nowMs: number, skewMs: number): void {
  const ticking = (since: number, cls: string) => h('span', { class: cls, 'data-since': since }, waitedText(since, nowMs, skewMs));
  const figure = (key: string, label: string, value: Node | string) =>
    h(
      'span',
      { class: 'queue-figure', 'data-figure': key },
      h('span', { class: 'muted' }, label),
      h('span', { class: 'queue-figure-value' }, value),
    );
  replace(
    el,
    ...cards.map((q) =>
      h(
        'article',
        { class: q.rows.length > 0 ? 'queue busy' : 'queue', 'data-queue-id': q.queueId },
        h(
          'div',
          { class: 'queue-head' },
          h('strong', { class: 'queue-name' }, q.name),
          h(
            'div',
            { class: 'queue-figures' },
            figure('waiting', 'Waiting', String(q.waiting)),
            figure('longest-wait', 'Longest', q.longestSince === null ? '—' : ticking(q.longestSince, 'waited')),
            figure('service-level', 'Service level', q.serviceLevel),
            figure('abandon-rate', 'Abandoned', q.abandonRate),
          ),
        ),
        q.rows.length === 0
          ? h('p', { class: 'muted queue-empty' }, 'Nobody waiting.')
          : h(
              'ol',
              { class: 'waiting-list' },
              ...q.rows.map((r) =>
                h(
                  'li',
                  { class: `waiting-caller ${r.offering ? 'offered' : ''}`, 'data-call-sid': r.callSid, 'data-state': r.state },
                  h('span', { class: 'waiting-position', title: 'Place in line' }, r.position === null ? '—' : String(r.position)),
                  h('span', { class: 'waiting-from' }, r.from),
                  ticking(r.since, 'waited'),
                  h('span', { class: 'waiting-estimate', title: 'Estimated wait' }, r.estimate),
                  h('span', { class: 'waiting-language' }, r.language),
                  r.callback ? h('span', { class: 'waiting-badge callback' }, 'callback') : null,
                  r.offering ? h('span', { class: 'waiting-badge offering' }, r.offering) : null,
                ),
              ),
            ),
      ),
    ),
  );
}
