/**
 * Live statistics of one company, pure: agents by state from their presence and the calls in
 * progress, and today's totals (company time zone) from the call log. The service feeds it and
 * pushes the result to supervisors whenever presence or a call changes.
 */

export interface AgentStateInput {
  agentId: string;
  online: boolean;
  status: 'AVAILABLE' | 'ON_BREAK' | 'WRAP_UP';
  onCall: boolean;
}

export interface CallInput {
  startedAt: number;
  /** Agents the current step is ringing. */
  ringing: readonly string[];
  answeredAt: number | null;
  endedAt: number | null;
}

/** One finished or ongoing call of today, from the call log. */
export interface LoggedCall {
  startedAt: number;
  answeredAt: number | null;
  outcome: string | null;
  /** The queue the call belonged to (null: the default queue, or logged before queues existed). */
  queueId?: string | null;
}

export interface AgentsByState {
  available: number;
  ringing: number;
  onCall: number;
  wrapUp: number;
  onBreak: number;
  offline: number;
  total: number;
}

export interface CompanyStats {
  agents: AgentsByState;
  /** In the language menu or on hold, not ringing anyone. */
  callsWaiting: number;
  callsRinging: number;
  callsActive: number;
  /** Seconds the longest-waiting unanswered call has been in (0 when none). */
  longestWaitSeconds: number;
  answeredToday: number;
  /** Ended without an agent answering while open: voicemail, forwarded, abandoned. */
  missedToday: number;
  afterHoursToday: number;
  /** Mean seconds from arrival to answer over today's answered calls; null when none. */
  averageAnswerSeconds: number | null;
}

/**
 * Call log outcomes that count as missed. UNKNOWN (a call that went silent and was ended without
 * Telnyx saying how, src/domain/call-reconcile.ts) is deliberately neither missed nor answered, and so
 * is CALLBACK_PENDING (a queue's callback not made yet: it ends ANSWERED or CALLBACK_FAILED).
 */
const MISSED = new Set(['VOICEMAIL', 'FORWARDED', 'ABANDONED', 'HUNG_UP', 'CALLBACK_FAILED']);

export function companyStats(
  agents: readonly AgentStateInput[],
  calls: readonly CallInput[],
  today: readonly LoggedCall[],
  now: number,
): CompanyStats {
  const ringingAgents = new Set<string>();
  let callsWaiting = 0;
  let callsRinging = 0;
  let callsActive = 0;
  let longestWait = 0;
  for (const call of calls) {
    if (call.endedAt !== null) continue;
    if (call.answeredAt !== null) {
      callsActive++;
      continue;
    }
    longestWait = Math.max(longestWait, (now - call.startedAt) / 1000);
    if (call.ringing.length > 0) {
      callsRinging++;
      for (const a of call.ringing) ringingAgents.add(a);
    } else callsWaiting++;
  }
  const byState: AgentsByState = { available: 0, ringing: 0, onCall: 0, wrapUp: 0, onBreak: 0, offline: 0, total: agents.length };
  for (const a of agents) {
    if (!a.online) byState.offline++;
    else if (a.onCall) byState.onCall++;
    else if (ringingAgents.has(a.agentId)) byState.ringing++;
    else if (a.status === 'ON_BREAK') byState.onBreak++;
    else if (a.status === 'WRAP_UP') byState.wrapUp++;
    else byState.available++;
  }
  let answered = 0;
  let missed = 0;
  let afterHours = 0;
  let answerSeconds = 0;
  for (const c of today) {
    if (c.answeredAt !== null) {
      answered++;
      answerSeconds += Math.max(0, c.answeredAt - c.startedAt) / 1000;
    } else if (c.outcome === 'AFTER_HOURS') afterHours++;
    else if (c.outcome !== null && MISSED.has(c.outcome)) missed++;
  }
  return {
    agents: byState,
    callsWaiting,
    callsRinging,
    callsActive,
    longestWaitSeconds: Math.floor(longestWait),
    answeredToday: answered,
    missedToday: missed,
    afterHoursToday: afterHours,
    averageAnswerSeconds: answered > 0 ? Math.round((answerSeconds / answered) * 10) / 10 : null,
  };
}
