/**
 * Joins the directory (who the agents are, the company's policy) with live presence and asks the
 * pure decision what to do. Used by the voice webhook and by `routePreview`, so both agree.
 */
import { callbackUrls, voiceDocument } from '../domain/call-flow.js';
import { decideRoute, type AgentSnapshot, type CallContext, type RoutePlan } from '../domain/routing.js';
import { renderTexml } from '../domain/texml.js';
import type { DirectoryCompany } from './directory.js';
import type { PresenceService } from './presence-service.js';

export interface RoutingDecision {
  company: DirectoryCompany;
  plan: RoutePlan;
  texml: string;
}

export class RoutingService {
  constructor(private readonly deps: { presence: PresenceService; publicUrl: () => string }) {}

  snapshot(company: DirectoryCompany): AgentSnapshot[] {
    return company.agents.map((a) => ({
      id: a.id,
      displayName: a.displayName,
      sipUsername: a.sipUsername,
      enabled: a.enabled,
      status: a.status,
      statusReason: a.statusReason,
      liveness: this.deps.presence.liveness(a.id),
    }));
  }

  decide(company: DirectoryCompany, call: CallContext, now: number): RoutingDecision {
    const plan = decideRoute(company.policy, this.snapshot(company), call, now);
    const texml = renderTexml(voiceDocument(plan, company.policy, callbackUrls(this.deps.publicUrl(), company.id)));
    return { company, plan, texml };
  }
}
