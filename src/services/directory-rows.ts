/**
 * What the directory holds (DirectoryCompany, DirectoryAgent) and how it is read from the database:
 * whole companies for a batch of ids with one query per table (companies with their routing row,
 * agents, numbers), the companies of a batch of agents, and keyset pages of company ids for the
 * preload. Every path turns rows into a DirectoryCompany here, so an on-demand load and the preload
 * build the same object. The cache that uses them is src/services/directory.ts.
 */
import type { Db } from '../infra/db.js';
import type { AgentStatus, RoutingPolicy } from '../domain/routing.js';
import type { BusinessHours } from '../domain/business-hours.js';
import { parseSkillExpression, type LanguageMenuOption, type SkillExpression, type Skills } from '../domain/skills.js';
import type { Prisma, RoutingConfig } from '../generated/prisma/client.js';
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

const COMPANY_INCLUDE = {
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
    // The id breaks ties: agents inserted by one statement share their createdAt.
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  },
  // Every number, not only those with skills: their owner fills the number → company cache too.
  numbers: { select: { e164: true, requiredSkills: true } },
} satisfies Prisma.CompanyInclude;

type CompanyRow = Prisma.CompanyGetPayload<{ include: typeof COMPANY_INCLUDE }>;

export interface LoadedCompanies {
  /** The companies found, by id; an id missing here has no company. */
  companies: Map<string, DirectoryCompany>;
  /** Every number of those companies: E.164 → company id. */
  numbers: Map<string, string>;
}

/** Whole companies by id: one query per table however many ids (Prisma loads relations with IN lists). */
export async function loadCompanies(db: Db, ids: string[], sipTargets: SipTargetSource): Promise<LoadedCompanies> {
  const rows = await db.company.findMany({ where: { id: { in: ids } }, include: COMPANY_INCLUDE });
  const loaded: LoadedCompanies = { companies: new Map(), numbers: new Map() };
  for (const row of rows) {
    loaded.companies.set(row.id, companyOf(row, sipTargets));
    for (const n of row.numbers) loaded.numbers.set(n.e164, row.id);
  }
  return loaded;
}

/** The company of each agent that exists, by agent id. */
export async function companiesOfAgents(db: Db, agentIds: string[]): Promise<Map<string, string>> {
  const rows = await db.agent.findMany({ where: { id: { in: agentIds } }, select: { id: true, companyId: true } });
  return new Map(rows.map((r) => [r.id, r.companyId]));
}

/** Up to `take` company ids after `after` (keyset order by id: stable while companies come and go). */
export async function companyIdsAfter(db: Db, after: string | null, take: number): Promise<string[]> {
  const rows = await db.company.findMany({
    ...(after !== null && { where: { id: { gt: after } } }),
    select: { id: true },
    orderBy: { id: 'asc' },
    take,
  });
  return rows.map((r) => r.id);
}

function companyOf(row: CompanyRow, sipTargets: SipTargetSource): DirectoryCompany {
  const numberSkills = new Map<string, SkillExpression>();
  for (const n of row.numbers) {
    if (n.requiredSkills === null) continue;
    const parsed = parseSkillExpression(n.requiredSkills);
    if (parsed.ok) numberSkills.set(n.e164, parsed.expression); // validated on write; a bad one is ignored
  }
  return {
    id: row.id,
    name: row.name,
    timeZone: row.timeZone,
    policy: policyOf(row.routing),
    // companyId: the company's own string, not one copy per agent row (memory per agent).
    agents: row.agents.map((a) => ({
      ...a,
      companyId: row.id,
      skills: (a.skills ?? {}) as Skills,
      sipTarget: sipTargetOf(a, sipTargets),
    })),
    breakReasons: row.breakReasons,
    supervisorTokenVersion: row.supervisorTokenVersion,
    numberSkills,
  };
}
