/**
 * Feeds each agent's call events (missed, answered, ended, cleared, wrap-up due) to the pure
 * reducer of src/domain/agent-activity.ts, keeps the result in the activity store, and carries out
 * what it asks for: auto-pause, wrap-up and its timer, the last call's end, presence updates.
 */
import { onActivity, type ActivityEffect, type ActivityEvent } from '../domain/agent-activity.js';
import type { Clock, TimerHandle } from '../domain/clock.js';
import type { AgentStatus } from '../domain/routing.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { Directory, DirectoryCompany } from '../services/directory.js';
import type { AgentActivityStore } from './agent-activity-store.js';
import { dayOf, type CallScope } from './call-scope.js';

/** What the call modules ask of presence: status changes and "publish this agent again". */
export interface AgentStatusWriter {
  setStatus(agentId: string, status: AgentStatus, reason: string | null): Promise<unknown>;
  refresh(agentId: string): void;
}

export class AgentActivityKeeper {
  /** This instance's wrap-up timers, by agent. */
  private readonly wrapUps = new Map<string, TimerHandle>();

  constructor(
    private readonly deps: {
      db: Db;
      directory: Directory;
      presence: AgentStatusWriter;
      clock: Clock;
      logger: Logger;
      activity: AgentActivityStore;
      scope: CallScope;
      /** Work in flight outside webhooks (a wrap-up's end): tests on virtual time hold the clock meanwhile. */
      inFlight?: { begin(): void; end(): void };
    },
  ) {}

  /** Each agent's latest effects being carried out (a wrap-up's end waits for its own). */
  private readonly carrying = new Map<string, Promise<void>>();

  /** Feeds one event to the agent's activity and carries out what it asks for. True if anything changed. */
  apply(company: DirectoryCompany, agentId: string, event: ActivityEvent): boolean {
    const now = this.deps.clock.now();
    const before = this.deps.scope.activityOf(agentId, dayOf(company, now));
    const { state, effects } = onActivity(before, event, company.policy, now);
    this.deps.activity.set(agentId, state);
    if (effects.length > 0) {
      const done = Promise.all(effects.map((effect) => this.carryOut(company, agentId, effect))).then(() => undefined);
      this.carrying.set(agentId, done);
      void done.finally(() => this.carrying.get(agentId) === done && this.carrying.delete(agentId));
    }
    return state !== before;
  }

  /** True while this instance's own timer will end the agent's wrap-up. */
  hasWrapUpTimer(agentId: string): boolean {
    return this.wrapUps.has(agentId);
  }

  stop(): void {
    for (const t of this.wrapUps.values()) this.deps.clock.clearTimer(t);
    this.wrapUps.clear();
  }

  private async carryOut(company: DirectoryCompany, agentId: string, effect: ActivityEffect): Promise<void> {
    const { presence, logger, clock } = this.deps;
    try {
      switch (effect.kind) {
        case 'pause':
          logger.info({ agentId, reason: effect.reason }, 'agent auto-paused after missed offers');
          await presence.setStatus(agentId, 'ON_BREAK', effect.reason);
          break;
        case 'call-ended': {
          const at = new Date(effect.at);
          await this.deps.db.agent.update({ where: { id: agentId }, data: { lastCallEndedAt: at } });
          this.deps.directory.agentCallEnded(company.id, agentId, at);
          break;
        }
        case 'start-wrap-up': {
          await presence.setStatus(agentId, 'WRAP_UP', null);
          const previous = this.wrapUps.get(agentId);
          if (previous) clock.clearTimer(previous);
          this.wrapUps.set(
            agentId,
            clock.setTimer(effect.until, () => {
              this.wrapUps.delete(agentId);
              // The agent becomes free once its status is written and published (a waiting caller is offered then).
              const { inFlight } = this.deps;
              inFlight?.begin();
              void this.deps.scope
                .run(company, null, () => this.apply(company, agentId, { kind: 'wrap-up-due', until: effect.until }))
                .then(() => this.carrying.get(agentId))
                .catch(() => undefined)
                .finally(() => inFlight?.end());
            }),
          );
          break;
        }
        case 'end-wrap-up': {
          // Back to AVAILABLE unless someone changed the status meanwhile (a break is not undone).
          const found = await this.deps.directory.agent(agentId);
          if (found?.agent.status === 'WRAP_UP') await presence.setStatus(agentId, 'AVAILABLE', null);
          break;
        }
        case 'presence-changed':
          presence.refresh(agentId);
          break;
      }
    } catch (err) {
      logger.error({ err, agentId, effect: effect.kind }, 'could not apply an agent activity change');
    }
  }
}
