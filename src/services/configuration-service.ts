/**
 * What the CRM configures: companies, their routing, agents, phone numbers and queues (the queue
 * writes live in queue-config.ts). Every write goes to the database first, then invalidates the
 * directory so the next call or heartbeat sees it.
 *
 * One file over 300 lines on purpose: it is the one entry the API calls for every configuration
 * write, and the writes share the error mapping (write, describeUnique) and the forwarding-number
 * check. Whole aggregates with rules of their own live beside it (agent credentials, queues).
 */
import type { Agent, Company, PhoneNumber, Queue, RoutingConfig } from '../generated/prisma/client.js';
import type { Db } from '../infra/db.js';
import { missingRow, uniqueViolation } from '../infra/db-errors.js';
import type { AgentStatus, FallbackKind, RoutingMode } from '../domain/routing.js';
import type { BusinessHours } from '../domain/business-hours.js';
import { MAX_CALLER_PRIORITY, MIN_CALLER_PRIORITY, type LanguageMenuOption, type Skills } from '../domain/skills.js';
import { Prisma } from '../generated/prisma/client.js';
import type { Directory } from './directory.js';
import { AppError, InputError, NotFoundError } from './errors.js';
import { checkForwardNumber } from '../domain/dial-safety.js';
import type { AgentCredentials, HeldCredential, RevocationOutcome } from './agent-credentials.js';
import type { PresenceService } from './presence-service.js';
import type { RevocationBus } from '../auth/revocation.js';
import { QueueConfiguration } from './queue-config.js';
import type { QueueFields } from './queue-settings.js';
import { DEFAULT_QUEUE_NAME } from './directory-rows.js';
import { type AuditActor, type AuditLog, type Changes, changesBetween, patched, SYSTEM_ACTOR } from './audit-log.js';

export interface RoutingConfigPatch {
  mode?: RoutingMode | null;
  ringTimeoutSeconds?: number | null;
  ringTone?: string | null;
  fallbackKind?: FallbackKind | null;
  fallbackNumber?: string | null;
  voicemailGreeting?: string | null;
  voicemailMaxSeconds?: number | null;
  greetingLanguage?: string | null;
  allowUnregisteredSoftphones?: boolean | null;
  progressiveStepSeconds?: number | null;
  maxHuntSeconds?: number | null;
  wrapUpSeconds?: number | null;
  autoPauseAfterMisses?: number | null;
  businessHours?: BusinessHours | null;
  clearBusinessHours?: boolean | null;
  afterHoursKind?: FallbackKind | null;
  afterHoursGreeting?: string | null;
  /** An empty list removes the menu. */
  languageMenu?: LanguageMenuOption[] | null;
  widenAfterSeconds?: number | null;
  /** Never widen: a skill nobody can meet goes to the fallback. */
  clearWidening?: boolean | null;
}

type CompanyFields = {
  name?: string | null;
  timeZone?: string | null;
  breakReasons?: string[] | null;
  /** Days recordings are kept; 0 = forever (stored as null). */
  recordingRetentionDays?: number | null;
  voicemailEmails?: string[] | null;
};
type AgentFields = {
  displayName?: string | null;
  sipUsername?: string | null;
  enabled?: boolean | null;
  tier?: number | null;
  position?: number | null;
  skills?: Skills | null;
  /** A validated credential id; "" removes the agent's credential. */
  telnyxCredentialId?: string | null;
};
type NumberFields = {
  companyId?: string | null;
  label?: string | null;
  requiredSkills?: string | null;
  /** A queue of the number's company; "" = the default queue. */
  queueId?: string | null;
  /** -100..100; higher is served first. */
  priority?: number | null;
};

/**
 * What became of a deleted agent's Telnyx credential: NO_CREDENTIAL (it had none), REVOKED, PENDING
 * (Telnyx could not be reached: retried automatically), KEPT (linked by hand on a server that does not
 * provision, so the service leaves it on the account).
 */
export type CredentialFate = RevocationOutcome | 'NO_CREDENTIAL' | 'KEPT';

const NO_CREDENTIAL = { telnyxCredentialId: null, telnyxSipUsername: null } as const;
type CredentialFields = { telnyxCredentialId: string | null; telnyxSipUsername: string | null };

export class ConfigurationService {
  private readonly queues: QueueConfiguration;

  constructor(
    private readonly deps: {
      db: Db;
      directory: Directory;
      presence: PresenceService;
      revocations: RevocationBus;
      /** Agents' Telnyx credentials: checked when linked (TELNYX_API_KEY), created and revoked (with TELNYX_CONNECTION_ID). */
      credentials: AgentCredentials;
      /** Every write below leaves an AuditEvent (src/services/audit-log.ts). */
      audit: AuditLog;
      maxAgentsPerCompany?: number;
    },
  ) {
    this.queues = new QueueConfiguration({
      db: deps.db,
      directory: deps.directory,
      audit: deps.audit,
      checkForwardNumber: (companyId, number, field) => this.checkForwardNumber(companyId, number, field),
    });
  }

  /** The company, its routing row and its default queue, in one write. */
  async createCompany(
    input: CompanyFields & { name: string; routing?: RoutingConfigPatch | null },
    actor: AuditActor = SYSTEM_ACTOR,
  ): Promise<Company> {
    const { routing: patch, ...fields } = input;
    // A new company has no queue a menu option could name yet (its default is created below).
    if (patch?.languageMenu?.some((o) => o.queueId !== undefined)) await this.checkMenuQueues(null, patch.languageMenu, 'input.routing');
    const routing = routingData(patch ?? {});
    checkFallback(routing);
    if (routing.fallbackNumber) await this.checkForwardNumber(null, routing.fallbackNumber, 'input.routing.fallbackNumber');
    const company = await this.deps.db.company.create({
      data: {
        ...definedOnly(fields),
        name: input.name,
        routing: { create: routing },
        queues: { create: { name: DEFAULT_QUEUE_NAME, isDefault: true } },
      },
      include: { routing: true },
    });
    const { routing: created, ...row } = company;
    const changes = { ...changesBetween(null, row), ...prefixed('routing.', changesBetween(null, created)) };
    await this.deps.audit.record(actor, { companyId: company.id, action: 'company.created', changes });
    return row;
  }

  async updateCompany(id: string, input: CompanyFields, actor: AuditActor = SYSTEM_ACTOR): Promise<Company> {
    const before = await this.deps.db.company.findUnique({ where: { id } });
    const { recordingRetentionDays, ...rest } = input;
    const data = {
      ...definedOnly(rest),
      ...(recordingRetentionDays != null && { recordingRetentionDays: recordingRetentionDays === 0 ? null : recordingRetentionDays }),
    };
    const company = await this.write(() => this.deps.db.company.update({ where: { id }, data }), 'company');
    this.deps.directory.invalidateCompany(id);
    await this.deps.audit.record(actor, { companyId: id, action: 'company.updated', changes: changesBetween(before, company) });
    return company;
  }

  async updateRoutingConfig(companyId: string, patch: RoutingConfigPatch, actor: AuditActor = SYSTEM_ACTOR): Promise<RoutingConfig> {
    if (patch.languageMenu) await this.checkMenuQueues(companyId, patch.languageMenu, 'input');
    const data = routingData(patch);
    const current = await this.deps.db.routingConfig.findUnique({ where: { companyId } });
    if (!current && !(await this.deps.db.company.findUnique({ where: { id: companyId }, select: { id: true } }))) {
      throw new NotFoundError('company not found');
    }
    // Validate the combination the company would end up with, not just the patch.
    const fallbackNumber = data.fallbackNumber ?? current?.fallbackNumber;
    checkFallback({ fallbackKind: data.fallbackKind ?? current?.fallbackKind, fallbackNumber });
    // The number calls would be forwarded to, checked whenever what forwards to it changes.
    const forwardingChanged = data.fallbackNumber !== undefined || data.fallbackKind !== undefined || data.afterHoursKind !== undefined;
    if (fallbackNumber && forwardingChanged) await this.checkForwardNumber(companyId, fallbackNumber, 'input.fallbackNumber');
    const routing = await this.deps.db.routingConfig.upsert({ where: { companyId }, create: { companyId, ...data }, update: data });
    this.deps.directory.invalidateCompany(companyId);
    await this.deps.audit.record(actor, { companyId, action: 'routing.updated', changes: changesBetween(current, routing) });
    const company = await this.deps.directory.company(companyId);
    if (company) this.deps.presence.applyPolicy(company);
    return routing;
  }

  /**
   * Refused past MAX_AGENTS_PER_COMPANY: every agent is a row each listing, preview and routing decision walks.
   * The agent's Telnyx credential is settled first (the one named, read on Telnyx; or, when the
   * server provisions, a new one), so a Telnyx failure saves nothing.
   */
  async createAgent(
    input: AgentFields & { companyId: string; displayName: string; sipUsername: string },
    actor: AuditActor = SYSTEM_ACTOR,
  ): Promise<Agent> {
    const max = this.deps.maxAgentsPerCompany ?? Infinity;
    const count = () => this.deps.db.agent.count({ where: { companyId: input.companyId } });
    const full = () => new AppError(`A company has at most ${max} agents (MAX_AGENTS_PER_COMPANY): this one is full.`, 'LIMIT_REACHED');
    if ((await count()) >= max) throw full();
    const { credentials } = this.deps;
    let created: HeldCredential | null = null;
    let credential: CredentialFields = NO_CREDENTIAL;
    if (input.telnyxCredentialId) credential = await this.linked(input.telnyxCredentialId, 'input.telnyxCredentialId');
    else if (credentials.provisions) {
      // A taken SIP username would make the create fail after Telnyx made a credential for nothing.
      if (await this.deps.db.agent.findUnique({ where: { sipUsername: input.sipUsername }, select: { id: true } })) {
        throw new InputError(describeUnique(['sipUsername']));
      }
      created = await credentials.provision(input.sipUsername);
      credential = created;
    }
    const data = { ...agentData(input), ...credential } as Prisma.AgentUncheckedCreateInput;
    let agent: Agent;
    try {
      agent = await this.write(() => this.deps.db.agent.create({ data }), 'company');
    } catch (err) {
      if (created) await credentials.discard(created.telnyxCredentialId, { companyId: input.companyId });
      throw err;
    }
    // Creates racing past the check above: the ones that overshoot are undone (no transaction needed).
    if ((await count()) > max) {
      await this.deps.db.agent.delete({ where: { id: agent.id } }).catch(() => undefined);
      if (created) await credentials.discard(created.telnyxCredentialId, { companyId: input.companyId });
      throw full();
    }
    this.deps.directory.invalidateCompany(input.companyId);
    // After the overshoot check: a create that is undone leaves no event.
    await this.deps.audit.record(actor, {
      companyId: agent.companyId,
      action: 'agent.created',
      agentId: agent.id,
      changes: changesBetween(null, agent),
    });
    return agent;
  }

  /**
   * When the server provisions: disabling revokes the agent's credential (after the change is saved:
   * the change never waits on Telnyx), enabling an agent without one provisions it first (a Telnyx
   * failure saves nothing). Linking another credential (or "" to remove it) revokes the one replaced.
   */
  async updateAgent(id: string, input: AgentFields, actor: AuditActor = SYSTEM_ACTOR): Promise<Agent> {
    const { telnyxCredentialId: requested, ...fields } = agentData(input);
    const current = await this.currentAgent(id);
    const { credentials } = this.deps;
    const provisions = credentials.provisions;
    const disabling = fields.enabled === false && current.enabled;
    const enabledAfter = fields.enabled ?? current.enabled;
    let credential: CredentialFields = { telnyxCredentialId: current.telnyxCredentialId, telnyxSipUsername: current.telnyxSipUsername };
    if (requested !== undefined && requested !== current.telnyxCredentialId) {
      if (requested && provisions && !enabledAfter) throw new InputError(DISABLED_HOLDS_NO_CREDENTIAL('input.telnyxCredentialId'));
      credential = requested ? await this.linked(requested, 'input.telnyxCredentialId') : NO_CREDENTIAL;
    }
    let created: HeldCredential | null = null;
    if (provisions && disabling) credential = NO_CREDENTIAL;
    else if (provisions && fields.enabled === true && !current.enabled && !credential.telnyxCredentialId) {
      created = await credentials.provision(fields.sipUsername ?? current.sipUsername);
      credential = created;
    }
    const dropped = provisions && current.telnyxCredentialId && current.telnyxCredentialId !== credential.telnyxCredentialId;
    const reason = disabling ? 'disabled' : credential.telnyxCredentialId ? 'replaced' : 'removed';
    // Disabling revokes every token the agent holds: re-enabling does not bring them back.
    const revokeTokens = fields.enabled === false ? { tokenVersion: { increment: 1 } } : {};
    const agent = await this.saveAgent(
      current,
      { ...fields, ...credential, ...revokeTokens },
      dropped ? credentials.revocation(current.telnyxCredentialId!, current, reason) : null,
      created,
      actor,
      'agent.updated',
    );
    this.deps.directory.invalidateCompany(agent.companyId);
    if (!agent.enabled) this.endSessions(agent.id);
    if (dropped) await credentials.revokeNow([current.telnyxCredentialId!]);
    return agent;
  }

  /**
   * Links the agent to an existing credential, read on Telnyx (it must exist, and its SIP username is
   * what calls will dial); the same id again re-reads its SIP username. When the server provisions, the
   * credential it replaces is revoked.
   */
  async linkAgentCredential(id: string, credentialId: string, actor: AuditActor = SYSTEM_ACTOR): Promise<Agent> {
    const { credentials } = this.deps;
    if (!credentials.checks) {
      throw new AppError('Telnyx is not configured on this server (TELNYX_API_KEY): no credential can be read.', 'TELNYX_NOT_CONFIGURED');
    }
    const current = await this.currentAgent(id);
    if (credentials.provisions && !current.enabled) throw new InputError(DISABLED_HOLDS_NO_CREDENTIAL('credentialId'));
    const credential = await this.linked(credentialId, 'credentialId');
    const dropped = credentials.provisions && current.telnyxCredentialId && current.telnyxCredentialId !== credentialId;
    const agent = await this.saveAgent(
      current,
      credential,
      dropped ? credentials.revocation(current.telnyxCredentialId!, current, 'replaced') : null,
      null,
      actor,
      'agent.credential_linked',
    );
    this.deps.directory.invalidateCompany(agent.companyId);
    if (dropped) await credentials.revokeNow([current.telnyxCredentialId!]);
    return agent;
  }

  /** A new credential for the agent on TELNYX_CONNECTION_ID; the one it replaces is revoked. */
  async reprovisionAgentCredential(id: string, actor: AuditActor = SYSTEM_ACTOR): Promise<Agent> {
    const { credentials } = this.deps;
    if (!credentials.provisions) {
      throw new AppError(
        'Telnyx provisioning is not configured on this server: it needs TELNYX_API_KEY and TELNYX_CONNECTION_ID.',
        'TELNYX_NOT_CONFIGURED',
      );
    }
    const current = await this.currentAgent(id);
    if (!current.enabled) throw new InputError('Validation error: agentId: the agent is disabled; enable it (which provisions it) instead');
    const created = await credentials.provision(current.sipUsername);
    const old = current.telnyxCredentialId;
    const revocation = old ? credentials.revocation(old, current, 'replaced') : null;
    const agent = await this.saveAgent(current, created, revocation, created, actor, 'agent.credential_reprovisioned');
    this.deps.directory.invalidateCompany(agent.companyId);
    if (old) await credentials.revokeNow([old]);
    return agent;
  }

  /** Deletes the agent (its tokens stop working, its sockets close); when the server provisions, its credential is revoked. */
  async deleteAgent(id: string, actor: AuditActor = SYSTEM_ACTOR): Promise<{ agent: Agent; credential: CredentialFate }> {
    const { credentials, db, audit } = this.deps;
    const current = await this.currentAgent(id);
    const revoke = credentials.provisions && current.telnyxCredentialId !== null;
    const event = { companyId: current.companyId, action: 'agent.deleted', agentId: id, changes: changesBetween(current, null) };
    const agent = await this.write(async () => {
      if (!revoke) {
        const deleted = await db.agent.delete({ where: { id } });
        await audit.record(actor, event);
        return deleted;
      }
      const [deleted] = await db.$transaction([
        db.agent.delete({ where: { id } }),
        db.credentialRevocation.createMany({
          data: [credentials.revocation(current.telnyxCredentialId!, current, 'deleted')],
          skipDuplicates: true,
        }),
        audit.entry(actor, event),
      ]);
      return deleted;
    }, 'agent');
    this.deps.directory.invalidateCompany(agent.companyId);
    this.endSessions(agent.id);
    if (!current.telnyxCredentialId) return { agent, credential: 'NO_CREDENTIAL' };
    if (!revoke) return { agent, credential: 'KEPT' };
    const outcomes = await credentials.revokeNow([current.telnyxCredentialId]);
    return { agent, credential: outcomes[current.telnyxCredentialId] ?? 'PENDING' };
  }

  /** Whether a credential the agent held is still waiting to be deleted on Telnyx. */
  credentialRevocationPending(agentId: string): Promise<boolean> {
    return this.deps.credentials.pendingFor(agentId);
  }

  private async currentAgent(id: string) {
    // The whole row: the audit trail diffs it.
    const current = await this.deps.db.agent.findUnique({ where: { id } });
    if (!current) throw new NotFoundError('agent not found');
    return current;
  }

  /**
   * A credential linked by hand: read on Telnyx when the server has an API key. Without one there is
   * nothing to ask, and calls dial the agent's own SIP username anyway (src/domain/sip-target.ts).
   */
  private async linked(credentialId: string, field: string): Promise<CredentialFields> {
    if (!this.deps.credentials.checks) return { telnyxCredentialId: credentialId, telnyxSipUsername: null };
    return this.deps.credentials.link(credentialId, field);
  }

  /**
   * The agent's update, with the row remembering the credential it drops and its audit event (one
   * transaction); a credential created for it is discarded if the update is refused. Without a
   * revocation there is no transaction and the event is written right after the update.
   */
  private async saveAgent(
    current: Agent,
    data: Prisma.AgentUncheckedUpdateInput,
    revocation: Prisma.CredentialRevocationCreateManyInput | null,
    created: HeldCredential | null,
    actor: AuditActor,
    action: string,
  ): Promise<Agent> {
    const { db, audit } = this.deps;
    // Diffed from the data so that it can ride in the transaction, before the update returns.
    const changes = changesBetween(current, patched(current, data as Record<string, unknown>));
    const event = { companyId: current.companyId, action, agentId: current.id, changes };
    try {
      return await this.write(async () => {
        if (!revocation) {
          const agent = await db.agent.update({ where: { id: current.id }, data });
          await audit.record(actor, event);
          return agent;
        }
        const [agent] = await db.$transaction([
          db.agent.update({ where: { id: current.id }, data }),
          db.credentialRevocation.createMany({ data: [revocation], skipDuplicates: true }),
          audit.entry(actor, event),
        ]);
        return agent;
      }, 'agent');
    } catch (err) {
      if (created) await this.deps.credentials.discard(created.telnyxCredentialId, current);
      throw err;
    }
  }

  /** Every token issued to the agent stops working now; its open connections are closed on every instance. */
  async revokeAgentTokens(id: string, actor: AuditActor = SYSTEM_ACTOR): Promise<Agent> {
    const agent = await this.write(() => this.deps.db.agent.update({ where: { id }, data: { tokenVersion: { increment: 1 } } }), 'agent');
    this.deps.directory.invalidateCompany(agent.companyId);
    this.endSessions(agent.id);
    await this.deps.audit.record(actor, {
      companyId: agent.companyId,
      action: 'agent.tokens_revoked',
      agentId: id,
      changes: { tokenVersion: { before: agent.tokenVersion - 1, after: agent.tokenVersion } },
    });
    return agent;
  }

  /** Every supervisor token of the company stops working now; their open connections are closed on every instance. */
  async revokeSupervisorTokens(companyId: string, actor: AuditActor = SYSTEM_ACTOR): Promise<Company> {
    const company = await this.write(
      () => this.deps.db.company.update({ where: { id: companyId }, data: { supervisorTokenVersion: { increment: 1 } } }),
      'company',
    );
    this.deps.directory.invalidateCompany(companyId); // published before the revocation: see RevocationBus
    this.deps.revocations.revokeSupervisors(companyId);
    const version = company.supervisorTokenVersion;
    await this.deps.audit.record(actor, {
      companyId,
      action: 'company.supervisor_tokens_revoked',
      changes: { supervisorTokenVersion: { before: version - 1, after: version } },
    });
    return company;
  }

  /** After the directory invalidation, so every instance refuses the tokens before their sockets close. */
  private endSessions(agentId: string) {
    this.deps.revocations.revokeAgent(agentId);
  }

  async createPhoneNumber(
    input: NumberFields & { companyId: string; e164: string },
    actor: AuditActor = SYSTEM_ACTOR,
  ): Promise<PhoneNumber> {
    checkPriority(input.priority);
    if (input.queueId) await this.checkQueueOf(input.companyId, input.queueId, 'input.queueId');
    const number = await this.write(
      () => this.deps.db.phoneNumber.create({ data: numberData(input) as Prisma.PhoneNumberUncheckedCreateInput }),
      input.queueId ? 'company or queue' : 'company',
    );
    this.numbersChanged(number.companyId);
    await this.deps.audit.record(actor, {
      companyId: number.companyId,
      action: 'number.created',
      target: { phoneNumberId: number.id },
      changes: changesBetween(null, number),
    });
    return number;
  }

  /** A number moved to another company without a queue named goes to that company's default queue. */
  async updatePhoneNumber(id: string, input: NumberFields, actor: AuditActor = SYSTEM_ACTOR): Promise<PhoneNumber> {
    checkPriority(input.priority);
    const before = await this.deps.db.phoneNumber.findUnique({ where: { id } });
    if (!before) throw new NotFoundError('phone number not found');
    const companyId = input.companyId ?? before.companyId;
    if (input.queueId) await this.checkQueueOf(companyId, input.queueId, 'input.queueId');
    const moved = companyId !== before.companyId && input.queueId == null ? { queueId: null } : {};
    const number = await this.write(
      () => this.deps.db.phoneNumber.update({ where: { id }, data: { ...numberData(input), ...moved } }),
      'phone number',
    );
    this.numbersChanged(number.companyId, before.companyId);
    // A number moved between companies leaves an event in each: both sets of supervisors see it.
    const changes = changesBetween(before, number);
    for (const companyId of new Set([before.companyId, number.companyId])) {
      await this.deps.audit.record(actor, { companyId, action: 'number.updated', target: { phoneNumberId: id }, changes });
    }
    return number;
  }

  // ----- Queues (src/services/queue-config.ts) ---------------------------------------------------

  createQueue(input: QueueFields & { companyId: string; name: string }, actor: AuditActor = SYSTEM_ACTOR): Promise<Queue> {
    return this.queues.createQueue(input, actor);
  }

  updateQueue(id: string, input: QueueFields, actor: AuditActor = SYSTEM_ACTOR): Promise<Queue> {
    return this.queues.updateQueue(id, input, actor);
  }

  /** Refused for the default queue; its numbers and menu options go to the default queue, overflows into it to voicemail. */
  deleteQueue(id: string, actor: AuditActor = SYSTEM_ACTOR): Promise<Queue> {
    return this.queues.deleteQueue(id, actor);
  }

  setDefaultQueue(id: string, actor: AuditActor = SYSTEM_ACTOR): Promise<Queue> {
    return this.queues.setDefaultQueue(id, actor);
  }

  private async checkQueueOf(companyId: string, queueId: string, field: string): Promise<void> {
    const queue = await this.deps.db.queue.findFirst({ where: { id: queueId, companyId }, select: { id: true } });
    if (!queue) throw new InputError(`Validation error: ${field}: "${queueId.slice(0, 64)}" is not a queue of this company`);
  }

  /** Every queue a menu option names must be one of the company's (none exist yet for a company being created). */
  private async checkMenuQueues(companyId: string | null, menu: readonly LanguageMenuOption[], path: string): Promise<void> {
    const named = [...new Set(menu.flatMap((o) => (o.queueId !== undefined ? [o.queueId] : [])))];
    if (named.length === 0) return;
    const found = companyId ? await this.deps.db.queue.findMany({ where: { companyId, id: { in: named } }, select: { id: true } }) : [];
    const known = new Set(found.map((q) => q.id));
    const option = menu.find((o) => o.queueId !== undefined && !known.has(o.queueId));
    if (option) {
      throw new InputError(
        `Validation error: ${path}.languageMenu: digit ${option.digit}: "${option.queueId!.slice(0, 64)}" is not a queue of this company`,
      );
    }
  }

  async deletePhoneNumber(id: string, actor: AuditActor = SYSTEM_ACTOR): Promise<PhoneNumber> {
    const number = await this.write(() => this.deps.db.phoneNumber.delete({ where: { id } }), 'phone number');
    this.numbersChanged(number.companyId);
    await this.deps.audit.record(actor, {
      companyId: number.companyId,
      action: 'number.deleted',
      target: { phoneNumberId: id },
      changes: changesBetween(number, null),
    });
    return number;
  }

  /** The company's own numbers and whether another tenant owns `number` are looked up; the rule is pure. */
  private async checkForwardNumber(companyId: string | null, number: string, field: string): Promise<void> {
    const numbers = await this.deps.db.phoneNumber.findMany({
      where: { OR: [{ e164: number }, ...(companyId ? [{ companyId }] : [])] },
      select: { e164: true, companyId: true },
    });
    const check = checkForwardNumber(number, {
      ownNumbers: numbers.filter((n) => n.companyId === companyId).map((n) => n.e164),
      belongsToAnotherTenant: numbers.some((n) => n.e164 === number && n.companyId !== companyId),
    });
    if (!check.ok) throw new InputError(`Validation error: ${field}: ${check.message}`);
  }

  /** Numbers route calls (the number map) and carry skill requirements (the company's cache). */
  private numbersChanged(...companyIds: (string | undefined)[]) {
    this.deps.directory.invalidateNumbers();
    for (const id of companyIds) if (id) this.deps.directory.invalidateCompany(id);
  }

  /** Turns Prisma's constraint errors into messages a CRM developer can act on. */
  private async write<T>(fn: () => Promise<T>, what: string): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const unique = uniqueViolation(err);
      if (unique) throw new InputError(describeUnique(unique));
      if (missingRow(err)) throw new NotFoundError(`${what} not found`);
      throw err;
    }
  }
}

export type { AgentStatus };

/**
 * SIP usernames and Telnyx credentials are unique across all companies (sip:<username>@sip.telnyx.com
 * is global): the message is the same whoever holds the value, so it reveals nothing about other tenants.
 */
function describeUnique(columns: string[]): string {
  const fields = columns.join(', ') || 'value';
  // A credential's SIP username is its own: taken means the credential is linked elsewhere.
  if (fields.includes('telnyxSipUsername') || fields.includes('telnyxCredentialId'))
    return 'Validation error: input.telnyxCredentialId: this Telnyx credential is not available';
  if (fields.includes('sipUsername')) return 'Validation error: input.sipUsername: this SIP username is not available; choose another';
  if (fields.includes('e164')) return 'this phone number is already in use';
  return `this ${fields.replace(/"/g, '')} is already in use`;
}

const DISABLED_HOLDS_NO_CREDENTIAL = (field: string) =>
  `Validation error: ${field}: a disabled agent holds no Telnyx credential (disabling revokes it); enable the agent, which provisions one, then link`;

/** Agent fields for Prisma: unset ones left out, "" for the credential removes it. */
function agentData(input: AgentFields) {
  const { telnyxCredentialId, ...rest } = definedOnly(input);
  return { ...rest, ...(telnyxCredentialId !== undefined ? { telnyxCredentialId: telnyxCredentialId || null } : {}) };
}

function checkPriority(priority: number | null | undefined) {
  if (priority == null) return;
  if (!Number.isInteger(priority) || priority < MIN_CALLER_PRIORITY || priority > MAX_CALLER_PRIORITY) {
    throw new InputError(`Validation error: input.priority: must be a whole number ${MIN_CALLER_PRIORITY}..${MAX_CALLER_PRIORITY}`);
  }
}

function checkFallback(c: { fallbackKind?: FallbackKind | null | undefined; fallbackNumber?: string | null | undefined }) {
  if (c.fallbackKind === 'NUMBER' && !c.fallbackNumber) {
    throw new InputError('fallbackNumber is required when fallbackKind is NUMBER');
  }
}

/** The routing row's fields in a company's diff, named `routing.<field>`. */
function prefixed(prefix: string, changes: Changes): Changes {
  return Object.fromEntries(Object.entries(changes).map(([k, v]) => [`${prefix}${k}`, v]));
}

/** GraphQL sends null for "not given" on optional input fields; Prisma needs them left out. */
function definedOnly<T extends object>(input: T): { [K in keyof T]?: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null && v !== undefined)) as never;
}

/** An empty requiredSkills removes the requirement; an empty queueId sends the number to the default queue. */
function numberData<T extends NumberFields>(input: T) {
  const { requiredSkills, queueId, ...rest } = definedOnly(input);
  return {
    ...rest,
    ...(requiredSkills !== undefined ? { requiredSkills: requiredSkills.trim() || null } : {}),
    ...(queueId !== undefined ? { queueId: queueId.trim() || null } : {}),
  };
}

/** The Prisma data for a routing patch: unset fields left out, JSON fields stored (or cleared). */
function routingData(patch: RoutingConfigPatch) {
  const { businessHours, clearBusinessHours, languageMenu, clearWidening, ...rest } = definedOnly(patch);
  return {
    ...rest,
    ...(clearBusinessHours
      ? { businessHours: Prisma.DbNull }
      : businessHours
        ? { businessHours: businessHours as unknown as Prisma.InputJsonValue }
        : {}),
    ...(languageMenu ? { languageMenu: languageMenu.length > 0 ? (languageMenu as unknown as Prisma.InputJsonValue) : Prisma.DbNull } : {}),
    ...(clearWidening ? { widenAfterSeconds: null } : {}),
  };
}
