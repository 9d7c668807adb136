// The board's live picture of the agents, folded from presenceChanged events (pure).
import { isOnCall } from '../format.js';
import type { PresenceChangedSubscription } from '../gql/graphql.js';

export interface AgentRow {
  agentId: string;
  displayName: string;
  sipUsername: string;
  online: boolean;
  sipRegistered: boolean;
  status: string;
  statusReason: string | null;
  onCall: boolean;
  /** When the agent entered its current state, as far as the board knows. */
  since: number;
  /** True when `since` is only "no later than" (the state began before the board opened). */
  sinceApprox: boolean;
}

export type PresenceEventData = PresenceChangedSubscription['presenceChanged'];

const stateKey = (r: Pick<AgentRow, 'online' | 'status' | 'statusReason' | 'onCall'>) =>
  `${r.online}|${r.status}|${r.statusReason ?? ''}|${r.onCall}`;

export function applyPresenceEvent(rows: ReadonlyMap<string, AgentRow>, e: PresenceEventData): Map<string, AgentRow> {
  const p = e.presence;
  const at = Date.parse(e.at);
  const next: Omit<AgentRow, 'since' | 'sinceApprox'> = {
    agentId: p.agentId,
    displayName: p.displayName,
    sipUsername: p.sipUsername,
    online: p.online,
    sipRegistered: p.sipRegistered,
    status: p.status,
    statusReason: p.statusReason ?? null,
    onCall: isOnCall(p.callState, p.activeCalls),
  };
  const before = rows.get(p.agentId);
  let since = before?.since ?? at;
  let sinceApprox = before?.sinceApprox ?? false;
  if (e.snapshot) {
    // Offline agents went offline when they were last seen; for the others the board only knows "since at least now".
    const lastSeen = p.lastSeen ? Date.parse(p.lastSeen) : NaN;
    since = !p.online && Number.isFinite(lastSeen) ? lastSeen : at;
    sinceApprox = p.online || !Number.isFinite(lastSeen);
  } else if (!before || stateKey(before) !== stateKey(next)) {
    since = at;
    sinceApprox = false;
  }
  const out = new Map(rows);
  out.set(p.agentId, { ...next, since, sinceApprox });
  return out;
}

/** On a call first, then available, break, wrap-up, offline; by name inside each group. */
export function sortRows(rows: Iterable<AgentRow>): AgentRow[] {
  const rank = (r: AgentRow) => (!r.online ? 4 : r.onCall ? 0 : r.status === 'AVAILABLE' ? 1 : r.status === 'ON_BREAK' ? 2 : 3);
  return [...rows].sort((a, b) => rank(a) - rank(b) || a.displayName.localeCompare(b.displayName));
}
