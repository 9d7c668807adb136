/**
 * The read model the hot paths use: each company's routing policy and agents, cached in memory and
 * loaded from the database on a miss. Heartbeats and inbound calls read it without touching the
 * database in steady state; every write through the API invalidates the company it changed.
 */
import { LRUCache } from 'lru-cache';
import type { Db } from '../infra/db.js';
import type { AgentStatus, RoutingPolicy } from '../domain/routing.js';
import type { BusinessHours } from '../domain/business-hours.js';
import { parseSkillExpression, type LanguageMenuOption, type SkillExpression, type Skills } from '../domain/skills.js';
import type { RoutingConfig } from '../generated/prisma/client.js';
import { sipTargetOf, type SipTarget, type SipTargetSource } from '../domain/sip-target.js';

export interface DirectoryAgent {
  id: string;
  companyId: string;
  displayName: string;
  sipUsername: string;
  enabled: boolean;
  status: AgentStatus;
  statusReason: string | null;
  lastSeenAt: Date | null;
  tokenVersion: number;
  tier: number;
  position: number;
  lastCallEndedAt: Date | null;
  skills: Skills;
  telnyxCredentialId: string | null;
  telnyxSipUsername: string | null;
  /** What calls to the agent dial, or why nothing can be (src/domain/sip-target.ts). */
  sipTarget: SipTarget;
}

export interface DirectoryCompany {
  id: string;
  name: string;
  timeZone: string;
  policy: RoutingPolicy;
  agents: DirectoryAgent[];
  /** Break reasons agents may pick; empty = any. */
  breakReasons: string[];
  /** Supervisor tokens carry the version they were issued with; a bump revokes them all. */
  supervisorTokenVersion: number;
  /** Skill requirements of the company's numbers that have one, by E.164. */
  numberSkills: Map<string, SkillExpression>;
}

export const DEFAULT_POLICY: RoutingPolicy = {
  mode: 'AUTO',
  ringTimeoutSeconds: 25,
  ringTone: 'us',
  fallbackKind: 'VOICEMAIL',
  fallbackNumber: null,
  voicemailGreeting: 'Sorry, nobody can take your call right now. Please leave a message after the tone.',
  voicemailMaxSeconds: 120,
  greetingLanguage: 'en-US',
  allowUnregisteredSoftphones: false,
  progressiveStepSeconds: 10,
  maxHuntSeconds: 120,
  wrapUpSeconds: 0,
  autoPauseAfterMisses: 0,
  businessHours: null,
  afterHoursKind: 'VOICEMAIL',
  afterHoursGreeting: 'We are closed right now. Please leave a message after the tone.',
  roundRobinLast: null,
  languageMenu: [],
  widenAfterSeconds: null,
};

export function policyOf(routing: RoutingConfig | null): RoutingPolicy {
  if (!routing) return DEFAULT_POLICY;
  const { companyId: _c, updatedAt: _u, businessHours, languageMenu, ...policy } = routing;
  // Stored only through updateRoutingConfig, which validates both (validateHours, validateLanguageMenu).
  return {
    ...policy,
    businessHours: (businessHours ?? null) as unknown as BusinessHours | null,
    languageMenu: (languageMenu ?? []) as unknown as LanguageMenuOption[],
  };
}

/** Bounds on what the directory holds; past them the least recently used go (they reload on demand). */
export const MAX_CACHED_COMPANIES = 50_000;
export const MAX_CACHED_NUMBERS = 200_000;

/** What a configuration write makes stale: one company, or the number → company map. */
export type DirectoryChange = { company: string } | { numbers: true };

export class Directory {
  private companies = new LRUCache<string, Promise<DirectoryCompany | null>>({ max: MAX_CACHED_COMPANIES });
  private agentCompany = new Map<string, string>();
  private lastLoaded = new LRUCache<string, DirectoryCompany>({ max: MAX_CACHED_COMPANIES });
  private numbers = new LRUCache<string, Promise<string | null>>({ max: MAX_CACHED_NUMBERS });
  private readonly changeListeners: ((change: DirectoryChange) => void)[] = [];

  /** `sipTargets`: 'credential' when softphones log in through Telnyx (TELNYX_API_KEY), else 'own'. */
  constructor(
    private readonly db: Db,
    private readonly sipTargets: SipTargetSource = 'own',
  ) {}

  /** The company with its policy and agents, or null if there is no such company. */
  company(companyId: string): Promise<DirectoryCompany | null> {
    let entry = this.companies.get(companyId);
    if (!entry) {
      entry = this.load(companyId);
      this.companies.set(companyId, entry);
      // Neither a failure (database down) nor a miss is kept: a stranger's made-up ids must not fill memory.
      const forget = () => this.companies.peek(companyId) === entry && this.companies.delete(companyId);
      entry.then((c) => c === null && forget(), forget);
    }
    return entry;
  }

  /**
   * The last successfully loaded version of a company, without waiting: what the webhooks route with
   * when the database is down or slow. Kept across invalidations on purpose (stale beats nothing).
   */
  lastKnown(companyId: string): DirectoryCompany | undefined {
    return this.lastLoaded.get(companyId);
  }

  async agent(agentId: string): Promise<{ agent: DirectoryAgent; company: DirectoryCompany } | null> {
    let companyId = this.agentCompany.get(agentId);
    if (!companyId) {
      const row = await this.db.agent.findUnique({ where: { id: agentId }, select: { companyId: true } });
      if (!row) return null;
      companyId = row.companyId;
    }
    const company = await this.company(companyId);
    const agent = company?.agents.find((a) => a.id === agentId);
    return company && agent ? { agent, company } : null;
  }

  /** The company that owns an E.164 number (Telnyx's `To`), or null. */
  companyIdForNumber(e164: string): Promise<string | null> {
    let entry = this.numbers.get(e164);
    if (!entry) {
      entry = this.db.phoneNumber.findUnique({ where: { e164 }, select: { companyId: true } }).then((r) => r?.companyId ?? null);
      this.numbers.set(e164, entry);
      const forget = () => this.numbers.peek(e164) === entry && this.numbers.delete(e164);
      entry.then((id) => id === null && forget(), forget);
    }
    return entry;
  }

  /** How many entries each cache holds (for tests and metrics). */
  get cacheSizes() {
    return { companies: this.companies.size, numbers: this.numbers.size, lastLoaded: this.lastLoaded.size };
  }

  /** Told of each invalidation made through this instance (src/services/directory-sync.ts shares them). */
  onChange(listener: (change: DirectoryChange) => void): void {
    this.changeListeners.push(listener);
  }

  invalidateCompany(companyId: string): void {
    this.changed({ company: companyId });
  }

  invalidateNumbers(): void {
    this.changed({ numbers: true });
  }

  /** Drops what a change made elsewhere makes stale; listeners are not told (it is not announced again). */
  forget(change: DirectoryChange): void {
    if ('company' in change) this.companies.delete(change.company);
    else this.numbers.clear();
  }

  /** Drops every cached company and number (after missing other instances' changes); lastKnown stays. */
  forgetAll(): void {
    this.companies.clear();
    this.numbers.clear();
  }

  private changed(change: DirectoryChange): void {
    this.forget(change);
    for (const listener of this.changeListeners) listener(change);
  }

  private async load(companyId: string): Promise<DirectoryCompany | null> {
    const row = await this.db.company.findUnique({
      where: { id: companyId },
      include: {
        routing: true,
        agents: {
          select: {
            id: true,
            companyId: true,
            displayName: true,
            sipUsername: true,
            enabled: true,
            status: true,
            statusReason: true,
            lastSeenAt: true,
            tokenVersion: true,
            tier: true,
            position: true,
            lastCallEndedAt: true,
            skills: true,
            telnyxCredentialId: true,
            telnyxSipUsername: true,
          },
          orderBy: { createdAt: 'asc' },
        },
        numbers: { where: { requiredSkills: { not: null } }, select: { e164: true, requiredSkills: true } },
      },
    });
    if (!row) {
      this.lastLoaded.delete(companyId);
      return null;
    }
    for (const a of row.agents) this.agentCompany.set(a.id, companyId);
    const numberSkills = new Map<string, SkillExpression>();
    for (const n of row.numbers) {
      const parsed = parseSkillExpression(n.requiredSkills ?? '');
      if (parsed.ok) numberSkills.set(n.e164, parsed.expression); // validated on write; a bad one is ignored
    }
    const company: DirectoryCompany = {
      id: row.id,
      name: row.name,
      timeZone: row.timeZone,
      policy: policyOf(row.routing),
      agents: row.agents.map((a) => ({ ...a, skills: (a.skills ?? {}) as Skills, sipTarget: sipTargetOf(a, this.sipTargets) })),
      breakReasons: row.breakReasons,
      supervisorTokenVersion: row.supervisorTokenVersion,
      numberSkills,
    };
    this.lastLoaded.set(companyId, company);
    return company;
  }
}
