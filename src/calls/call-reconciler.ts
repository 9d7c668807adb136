/**
 * Calls that stopped hearing from Telnyx (the rules: src/domain/call-reconcile.ts). Every sweep finds
 * this instance's calls in progress that are past their next expected callback plus a grace, asks
 * Telnyx's "Get call" where they stand (or, without an API key, ends them as UNKNOWN), and ends
 * those Telnyx has ended, freeing their reservations and agents, so live statistics never count a
 * call Telnyx has ended.
 *
 * Several instances: each look-up is claimed first under the call's shared state (the company lock
 * of src/calls/shared-call-state.ts, which also loads the freshest copy of the call): the claim, a
 * `reconcile.nextAt` in the shared session, makes every other instance's sweep skip the call until
 * the look-up is done, so Telnyx is asked once per call whichever instances hold a copy. The answer
 * is applied under the lock again, and only if Telnyx did not call back meanwhile. (If the lock
 * cannot be had, the shared state's degraded mode decides from the local copy, and two instances
 * may then both ask: a second look-up is harmless.) A copy whose shared state has expired (the call
 * ended on another instance over a minute ago) is recognised by the call log already holding the
 * call's end, which is then not written again.
 */
import { RECONCILE_CLAIM_MS, reconcileDecision, reconcileDueAt, retryDelayMs, type TelnyxCallLookup } from '../domain/call-reconcile.js';
import type { Clock } from '../domain/clock.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { Directory, DirectoryCompany } from '../services/directory.js';
import type { AgentActivityKeeper } from './agent-activity-keeper.js';
import type { AgentActivityStore } from './agent-activity-store.js';
import type { CallLedger } from './call-ledger.js';
import type { CallScope } from './call-scope.js';
import type { CallOutcome, CallSession, CallSessions } from './call-sessions.js';

/** Asks Telnyx where a call stands (src/telnyx/call-lookup.ts). */
export type CallLookup = (accountSid: string, callSid: string) => Promise<TelnyxCallLookup>;

/** Look-ups in flight at once per sweep: a backlog after an outage does not flood Telnyx. */
const SWEEP_CONCURRENCY = 4;

export class CallReconciler {
  private sweeping = false;

  constructor(
    private readonly deps: {
      db: Db;
      directory: Directory;
      clock: Clock;
      logger: Logger;
      sessions: CallSessions;
      scope: CallScope;
      ledger: CallLedger;
      agents: AgentActivityKeeper;
      activity: AgentActivityStore;
      /** Telnyx's "Get call"; absent without TELNYX_API_KEY (silent calls then end as UNKNOWN). */
      lookupCall?: CallLookup;
      /** Slack past a step's deadline (default RECONCILE_GRACE_MS). */
      graceMs?: number;
    },
  ) {}

  /** The due calls of this instance, each looked up (or ended) once; returns how many ended. A sweep still running is not doubled. */
  async sweep(): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = true;
    try {
      const now = this.deps.clock.now();
      const due = this.deps.sessions
        .inProgress()
        .filter((s) => (this.dueAt(s) ?? Infinity) <= now)
        .map((s) => ({ callSid: s.callSid, companyId: s.companyId }));
      let ended = 0;
      const work = async () => {
        for (let next = due.shift(); next; next = due.shift()) {
          const done = await this.reconcile(next.callSid, next.companyId).catch((err) => {
            this.deps.logger.warn({ err, callSid: next.callSid }, 'could not reconcile a silent call');
            return false;
          });
          if (done) ended++;
        }
      };
      await Promise.all(Array.from({ length: Math.min(SWEEP_CONCURRENCY, due.length) }, work));
      return ended;
    } finally {
      this.sweeping = false;
    }
  }

  /** One call: claimed, looked up, decided. True if it was ended. */
  private async reconcile(callSid: string, companyId: string): Promise<boolean> {
    const { sessions, scope, clock, logger, lookupCall } = this.deps;
    let company: DirectoryCompany | null | undefined;
    try {
      company = await this.deps.directory.company(companyId);
    } catch {
      // The database away: the last known configuration will do (nothing here needs it fresh).
      company = this.deps.directory.lastKnown(companyId);
      if (!company) return false; // the next sweep tries again
    }
    if (!company) {
      sessions.end(callSid, 'UNKNOWN'); // the company is gone, and the call with it
      return true;
    }
    const claim = await scope.run(company, callSid, () => {
      const s = sessions.get(callSid);
      const now = clock.now();
      if (!s || (this.dueAt(s) ?? Infinity) > now) return null; // another instance has it, or Telnyx called back
      const attempt = (s.reconcile?.attempts ?? 0) + 1;
      sessions.setReconcile(callSid, { nextAt: now + RECONCILE_CLAIM_MS, attempts: attempt });
      return { attempt, heardAt: s.heardAt, accountSid: s.accountSid, startedAt: s.startedAt, answeredAt: s.answeredAt };
    });
    if (!claim) return false;

    const lookup = lookupCall && claim.accountSid ? await lookupCall(claim.accountSid, callSid) : null;
    if (lookupCall && !claim.accountSid)
      logger.warn({ callSid, companyId }, 'silent call has no AccountSid: Telnyx cannot be asked about it');
    const decision = reconcileDecision(claim, lookup, claim.attempt, clock.now());

    let logged: { outcome: string | null } | null = null;
    if (decision.kind === 'end' && scope.shared) {
      try {
        logged = await this.loggedEnd(companyId, callSid);
      } catch {
        // The call log cannot tell whether another instance ended the call: ask again later.
        const nextAt = clock.now() + retryDelayMs(claim.attempt);
        await scope.run(
          company,
          callSid,
          () => this.stillClaimed(callSid, claim.heardAt) && sessions.setReconcile(callSid, { nextAt, attempts: claim.attempt }),
        );
        return false;
      }
    }

    return scope.run(company, callSid, () => {
      const s = sessions.get(callSid);
      if (!s || !this.stillClaimed(callSid, claim.heardAt)) return false;
      const fields = { callSid, companyId, attempt: claim.attempt, why: decision.why };
      if (decision.kind === 'retry') {
        sessions.setReconcile(callSid, { nextAt: decision.nextAt, attempts: claim.attempt });
        if (lookup?.kind === 'unavailable')
          logger.warn({ ...fields, retryAt: new Date(decision.nextAt).toISOString() }, 'silent call not reconciled');
        else logger.info({ ...fields, retryAt: new Date(decision.nextAt).toISOString() }, 'silent call still open: asked again later');
        return false;
      }
      if (logged) {
        // Ended and logged on another instance: only this stale copy goes, the log is not written again.
        sessions.end(callSid, (logged.outcome as CallOutcome | null) ?? 'UNKNOWN');
        this.deps.ledger.changed(s);
        return true;
      }
      logger.info({ ...fields, outcome: decision.outcome }, 'silent call reconciled: ended');
      this.deps.ledger.finish(s, decision.outcome, decision.endedAt);
      freeAgentsOnCall(company, callSid, this.deps);
      return true;
    });
  }

  /** When the call is due; Telnyx can be asked only with an API key and the call's AccountSid. */
  private dueAt(s: CallSession): number | null {
    return reconcileDueAt(s, { canAskTelnyx: !!this.deps.lookupCall && !!s.accountSid, graceMs: this.deps.graceMs });
  }

  /** The claim still stands: the call is in progress and Telnyx has not called back since it was made. */
  private stillClaimed(callSid: string, heardAt: number): boolean {
    const s = this.deps.sessions.get(callSid);
    return !!s && s.endedAt === null && s.reconcile !== null && s.heardAt === heardAt;
  }

  /** The call's end as the call log holds it, or null if it has none. */
  private async loggedEnd(companyId: string, callSid: string): Promise<{ outcome: string | null } | null> {
    const row = await this.deps.db.callLog.findFirst({ where: { companyId, callSid }, select: { endedAt: true, outcome: true } });
    return row?.endedAt ? { outcome: row.outcome } : null;
  }
}

/** The agents of the company on `callSid` end that call (as if their legs completed); how many were. */
export function freeAgentsOnCall(
  company: DirectoryCompany,
  callSid: string,
  deps: { activity: AgentActivityStore; agents: AgentActivityKeeper },
): number {
  let freed = 0;
  for (const agent of company.agents) {
    if (deps.activity.get(agent.id)?.onCallSid !== callSid) continue;
    if (deps.agents.apply(company, agent.id, { kind: 'ended', callSid })) freed++;
  }
  return freed;
}
