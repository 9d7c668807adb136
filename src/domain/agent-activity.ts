/**
 * What an agent's calls do to its state, pure: consecutive missed offers (auto-pause, as TaskRouter's
 * TimeoutActivitySid and app_queue's autopause do, docs/ROUTING.md §Agent states), being on a call, calls
 * today (per company-local day, for FEWEST_CALLS), and wrap-up after a call that ends by itself.
 * src/calls/agent-activity-keeper.ts keeps one of these per agent (in the AgentActivityStore), feeds
 * it events with the time, and carries out the effects it returns (status changes, timers).
 */

export interface AgentActivity {
  /** Company-local day the counters belong to (YYYY-M-D). */
  day: string;
  callsToday: number;
  consecutiveMisses: number;
  /** The call the agent is on, per Telnyx's status callbacks; null when free. */
  onCallSid: string | null;
  /**
   * When the last leg event of that call arrived (epoch ms). Absent in state stored by an older
   * version: such a call counts as stale at once.
   */
  callEventAt?: number | null;
  /** When the current wrap-up ends (epoch ms), or null. */
  wrapUpEndsAt: number | null;
}

export interface ActivityRules {
  /** Missed offers in a row that pause the agent (0 = never). */
  autoPauseAfterMisses: number;
  /** Seconds of wrap-up after a call (0 = none). */
  wrapUpSeconds: number;
}

export type ActivityEvent =
  /** The agent was offered a call and did not answer within the step. */
  | { kind: 'missed' }
  /** The agent's leg was answered. */
  | { kind: 'answered'; callSid: string }
  /**
   * The agent's leg ended after being answered, or (with `callSid`) the inbound call it belongs to
   * ended: an agent now on another call is left alone.
   */
  | { kind: 'ended'; callSid?: string }
  /** Freed without a call's end: a supervisor forced it, or no leg event came within the bound. */
  | { kind: 'cleared' }
  /** The wrap-up timer set for `until` fired. */
  | { kind: 'wrap-up-due'; until: number };

export type ActivityEffect =
  | { kind: 'pause'; reason: string }
  | { kind: 'start-wrap-up'; until: number }
  | { kind: 'end-wrap-up' }
  /** The agent's call activity changed: publish its presence. */
  | { kind: 'presence-changed' }
  | { kind: 'call-ended'; at: number };

export function newActivity(day: string): AgentActivity {
  return { day, callsToday: 0, consecutiveMisses: 0, onCallSid: null, callEventAt: null, wrapUpEndsAt: null };
}

/**
 * On a call with no leg event for `maxMs`: nothing live is behind it any more (a lost completed
 * callback, a dead instance). Telnyx's own limit on a call's length is 4 hours.
 */
export function isStaleCall(state: AgentActivity, now: number, maxMs: number): boolean {
  return state.onCallSid !== null && (state.callEventAt ?? 0) + maxMs <= now;
}

/** A new local day resets the day's count (nothing else). */
export function onDay(state: AgentActivity, day: string): AgentActivity {
  return state.day === day ? state : { ...state, day, callsToday: 0 };
}

export function onActivity(
  state: AgentActivity,
  event: ActivityEvent,
  rules: ActivityRules,
  now: number,
): { state: AgentActivity; effects: ActivityEffect[] } {
  switch (event.kind) {
    case 'missed': {
      const misses = state.consecutiveMisses + 1;
      if (rules.autoPauseAfterMisses > 0 && misses >= rules.autoPauseAfterMisses) {
        return { state: { ...state, consecutiveMisses: 0 }, effects: [{ kind: 'pause', reason: `missed ${misses} calls in a row` }] };
      }
      return { state: { ...state, consecutiveMisses: misses }, effects: [] };
    }
    case 'answered':
      return {
        state: { ...state, onCallSid: event.callSid, callEventAt: now, consecutiveMisses: 0, wrapUpEndsAt: null },
        effects: [{ kind: 'presence-changed' }],
      };
    case 'ended': {
      if (state.onCallSid === null) return { state, effects: [] }; // a leg that never connected, or a repeat
      if (event.callSid !== undefined && event.callSid !== state.onCallSid) return { state, effects: [] }; // on another call now
      const ended = { ...state, onCallSid: null, callEventAt: null, callsToday: state.callsToday + 1 };
      if (rules.wrapUpSeconds <= 0) return { state: ended, effects: [{ kind: 'call-ended', at: now }, { kind: 'presence-changed' }] };
      const until = now + rules.wrapUpSeconds * 1000;
      return {
        state: { ...ended, wrapUpEndsAt: until },
        effects: [
          { kind: 'call-ended', at: now },
          { kind: 'start-wrap-up', until },
        ],
      };
    }
    case 'cleared':
      if (state.onCallSid === null) return { state, effects: [] };
      return { state: { ...state, onCallSid: null, callEventAt: null }, effects: [{ kind: 'presence-changed' }] };
    case 'wrap-up-due':
      // Only the timer of the current wrap-up counts (a call answered since then ended it, or started another).
      if (state.wrapUpEndsAt === null || state.wrapUpEndsAt !== event.until) return { state, effects: [] };
      return { state: { ...state, wrapUpEndsAt: null }, effects: [{ kind: 'end-wrap-up' }] };
  }
}
