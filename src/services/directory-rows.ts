/**
 * What the directory holds (DirectoryCompany, DirectoryAgent) and how it is read from the database:
 * whole companies for a batch of ids with one query per table (companies with their routing row,
 * agents, numbers, queues), the companies of a batch of agents, and keyset pages of company ids for the
 * preload. Every path turns rows into a DirectoryCompany here, so an on-demand load and the preload
 * build the same object. The cache that uses them is src/services/directory.ts.
 */
import type { Db } from '../infra/db.js';
import { compareDisplayOrder, type AgentStatus, type RoutingPolicy } from '../domain/routing.js';
import type { BusinessHours } from '../domain/business-hours.js';
import { parseSkillExpression, type LanguageMenuOption, type SkillExpression, type Skills } from '../domain/skills.js';
import type { Prisma, Queue, RoutingConfig } from '../generated/prisma/client.js';
import { sipTargetOf, type SipTarget, type SipTargetSource } from '../domain/sip-target.js';
import type { QueueOverflow, QueuePolicy, QueueRoutingOverrides } from '../domain/queue.js';

export interface DirectoryAgent {
  id: string;
  companyId: string;
  displayName: string;
  sipUsername: string;
  enabled: boolean;
  status: AgentStatus;
  statusReason: string | null;
  /** Epoch ms of the last heartbeat known here (a number: a Date per agent costs ~100 bytes at 100k agents). */
  lastSeenAt: number | null;
  tokenVersion: number;
  tier: number;
  position: number;
  lastCallEndedAt: Date | null;
  skills: Skills;
  telnyxCredentialId: string | null;
  telnyxSipUsername: string | null;
  /** What calls to the agent dial, or why nothing can be (src/domain/sip-target.ts). */
  sipTarget: SipTarget;
  /** The agent's place in its company's display order (compareDisplayOrder): ring-all sorts by it. */
  displayRank: number;
  /**
   * Presence's and the call activity's records of the agent, kept here so routing reads them without a
   * look-up (src/presence/leases.ts liveStateFor, src/calls/agent-activity-store.ts getFor).
   */
  leaseRecord?: unknown;
  activityRecord?: unknown;
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
  /** Skill requirements of the company's numbers that have one, by E.164 (read-only: an empty one is shared). */
  numberSkills: ReadonlyMap<string, SkillExpression>;
  /** The company's queues, the default first (there is always one: see queuesOf); at most MAX_QUEUES_PER_COMPANY. */
  queues: QueuePolicy[];
  /** The queue and priority of the company's numbers that set either, by E.164; others: the default queue, priority 0 (read-only: an empty one is shared). */
  numberRoutes: ReadonlyMap<string, NumberRoute>;
  /**
   * What routing keeps of this company between calls (its callback URLs, its queues' policies: src/calls/hunting.ts),
   * kept here so a decision reads it without a look-up; a reload starts without it.
   */
  huntingRecord?: unknown;
}

/** Where calls to one number wait: its queue (null = the default) and its callers' priority. */
export interface NumberRoute {
  queueId: string | null;
  priority: number;
}

/** The defaults of a new queue (prisma/schema.prisma says the same). */
export const QUEUE_DEFAULTS = {
  waitEnabled: true,
  maxWaitSeconds: 300,
  maxSize: 50,
  overflow: { kind: 'VOICEMAIL' },
  holdMusicUrl: null,
  announceEverySeconds: 30,
  waitForAgents: false,
  serviceLevelSeconds: 20,
  callbackEnabled: true,
  callbackRetries: 2,
  callbackRetryDelaySeconds: 60,
  recording: 'ON_DEMAND',
} as const satisfies Partial<QueuePolicy>;

/** The name of the queue every company starts with. */
export const DEFAULT_QUEUE_NAME = 'Main';

/** The queue a company without any queue row waits in (in memory only; the queues migration gives every company one). */
export function fallbackDefaultQueue(companyId: string): QueuePolicy {
  return {
    id: `default:${companyId}`,
    name: DEFAULT_QUEUE_NAME,
    isDefault: true,
    requiredSkills: null,
    routing: {},
    ...QUEUE_DEFAULTS,
  };
}

/** The company's queue with this id; an unknown id or null gives the default queue. */
export function queueOf(company: Pick<DirectoryCompany, 'queues'>, queueId: string | null | undefined): QueuePolicy {
  return (queueId != null && company.queues.find((q) => q.id === queueId)) || company.queues[0]!;
}

/** The company's default queue. */
export function defaultQueueOf(company: Pick<DirectoryCompany, 'queues'>): QueuePolicy {
  return company.queues[0]!;
}

/** The queue columns a QueuePolicy is made of. */
export type QueueRow = Omit<Queue, 'companyId' | 'createdAt' | 'updatedAt' | 'voicemailEmails'>;

/**
 * A queue row as the domain's QueuePolicy. Rows are validated when written; what could still be off is
 * repaired here rather than trusted: a skill expression that no longer parses means none, and an
 * overflow that names nothing to go to (NUMBER without a number, QUEUE without an existing other
 * queue) is VOICEMAIL.
 */
export function queuePolicyOf(row: QueueRow, queueIds: ReadonlySet<string>): QueuePolicy {
  const parsed = row.requiredSkills === null ? null : parseSkillExpression(row.requiredSkills);
  const routing: QueueRoutingOverrides = {};
  if (row.mode !== null) routing.mode = row.mode;
  if (row.ringTimeoutSeconds !== null) routing.ringTimeoutSeconds = row.ringTimeoutSeconds;
  // Stored only through the configuration service, which validates it (validateHours).
  if (row.businessHours !== null) routing.businessHours = row.businessHours as unknown as BusinessHours;
  return {
    id: row.id,
    name: row.name,
    isDefault: row.isDefault,
    requiredSkills: parsed?.ok ? parsed.expression : null,
    routing,
    waitEnabled: row.waitEnabled,
    maxWaitSeconds: row.maxWaitSeconds,
    maxSize: row.maxSize,
    overflow: overflowOf(row, queueIds),
    holdMusicUrl: row.holdMusicUrl,
    announceEverySeconds: row.announceEverySeconds,
    waitForAgents: row.waitForAgents,
    serviceLevelSeconds: row.serviceLevelSeconds,
    callbackEnabled: row.callbackEnabled,
    callbackRetries: row.callbackRetries,
    callbackRetryDelaySeconds: row.callbackRetryDelaySeconds,
    recording: row.recording,
  };
}

function overflowOf(row: QueueRow, queueIds: ReadonlySet<string>): QueueOverflow {
  switch (row.overflowKind) {
    case 'HANGUP':
      return { kind: 'HANGUP' };
    case 'NUMBER':
      return row.overflowNumber ? { kind: 'NUMBER', number: row.overflowNumber } : { kind: 'VOICEMAIL' };
    case 'QUEUE':
      return row.overflowQueueId !== null && row.overflowQueueId !== row.id && queueIds.has(row.overflowQueueId)
        ? { kind: 'QUEUE', queueId: row.overflowQueueId }
        : { kind: 'VOICEMAIL' };
    default:
      return { kind: 'VOICEMAIL' };
  }
}

/**
 * A company's queues, the default first, then by age (the rows' order). Robust to what the schema
 * cannot forbid: no row at all gives the in-memory default; rows without a default make the first one it.
 */
export function queuesOf(companyId: string, rows: readonly QueueRow[]): QueuePolicy[] {
  if (rows.length === 0) return [fallbackDefaultQueue(companyId)];
  const ids = new Set(rows.map((r) => r.id));
  const queues = rows.map((r) => queuePolicyOf(r, ids));
  const at = Math.max(
    0,
    queues.findIndex((q) => q.isDefault),
  );
  const [first] = queues.splice(at, 1);
  // Exactly one default: a second flagged row (a race the writes prevent) is an ordinary queue here.
  return [{ ...first!, isDefault: true }, ...queues.map((q) => (q.isDefault ? { ...q, isDefault: false } : q))];
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
  numbers: { select: { e164: true, requiredSkills: true, queueId: true, priority: true } },
  // At most MAX_QUEUES_PER_COMPANY rows; the default first, then by age.
  queues: {
    omit: { companyId: true, createdAt: true, updatedAt: true },
    orderBy: [{ isDefault: 'desc' }, { createdAt: 'asc' }, { id: 'asc' }],
  },
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
  const numberRoutes = new Map<string, NumberRoute>();
  for (const n of row.numbers) {
    if (n.queueId !== null || n.priority !== 0) numberRoutes.set(n.e164, { queueId: n.queueId, priority: n.priority });
    if (n.requiredSkills === null) continue;
    const parsed = parseSkillExpression(n.requiredSkills);
    if (parsed.ok) numberSkills.set(n.e164, parsed.expression); // validated on write; a bad one is ignored
  }
  return {
    id: row.id,
    name: row.name,
    timeZone: row.timeZone,
    policy: policyOf(row.routing),
    agents: rankedForDisplay(row.agents.map((a) => directoryAgentOf(a, row.id, sipTargets))),
    breakReasons: row.breakReasons,
    supervisorTokenVersion: row.supervisorTokenVersion,
    numberSkills: numberSkills.size > 0 ? numberSkills : NO_ENTRIES,
    queues: queuesOf(row.id, row.queues),
    numberRoutes: numberRoutes.size > 0 ? numberRoutes : NO_ENTRIES,
    huntingRecord: undefined, // in the literal: the hidden class stays the same when routing sets it
  };
}

type AgentRow = CompanyRow['agents'][number];

/** What most companies' number maps are: one shared empty map instead of two per company. */
const NO_ENTRIES: ReadonlyMap<string, never> = new Map<string, never>();

/** What most agents' skills are: one shared, frozen empty object instead of one per agent. */
const NO_SKILLS: Skills = Object.freeze({});

/** The status strings as constants: the driver gives each row its own copy. */
const STATUSES: Readonly<Record<string, AgentStatus>> = { AVAILABLE: 'AVAILABLE', ON_BREAK: 'ON_BREAK', WRAP_UP: 'WRAP_UP' };

/**
 * One agent as the directory holds it: every field written in one literal, so every agent shares one
 * hidden class with its fields in the object (a spread of Prisma's rows gave each company's agents
 * a class of their own, ~550 bytes per agent at 100k agents). `companyId` is the company's own string.
 */
function directoryAgentOf(a: AgentRow, companyId: string, sipTargets: SipTargetSource): DirectoryAgent {
  return {
    id: a.id,
    companyId,
    displayName: a.displayName,
    sipUsername: a.sipUsername,
    enabled: a.enabled,
    status: STATUSES[a.status] ?? a.status,
    statusReason: a.statusReason,
    lastSeenAt: a.lastSeenAt === null ? null : a.lastSeenAt.getTime(),
    tokenVersion: a.tokenVersion,
    tier: a.tier,
    position: a.position,
    lastCallEndedAt: a.lastCallEndedAt,
    skills: skillsOf(a.skills),
    telnyxCredentialId: a.telnyxCredentialId,
    telnyxSipUsername: a.telnyxSipUsername,
    sipTarget: sipTargetOf(a, sipTargets),
    displayRank: 0, // set once the company's agents are all read (rankedForDisplay)
    // In the literal: the hidden class stays the same when presence and the call activity set them.
    leaseRecord: undefined,
    activityRecord: undefined,
  };
}

/** Gives each of a company's agents its place in the display order; the agents stay in their order. */
function rankedForDisplay(agents: DirectoryAgent[]): DirectoryAgent[] {
  const ordered = [...agents].sort(compareDisplayOrder);
  for (let i = 0; i < ordered.length; i++) ordered[i]!.displayRank = i;
  return agents;
}

function skillsOf(json: AgentRow['skills']): Skills {
  if (json === null || typeof json !== 'object') return NO_SKILLS;
  for (const _ in json) return json as Skills;
  return NO_SKILLS;
}
