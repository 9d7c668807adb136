/**
 * Agents' Telnyx telephony credentials: reading one that is linked by hand, creating one per agent
 * (TELNYX_API_KEY + TELNYX_CONNECTION_ID: provisioning), and revoking the ones agents no longer hold.
 *
 * Revocation never holds up the agent change that caused it (disabling is a security action, and
 * must not wait on Telnyx): the change and a CredentialRevocation row are written together, then
 * Telnyx is asked at once. A failure is logged, the row stays, and it is retried with backoff (also
 * after a restart, by any instance) until Telnyx deletes the credential or says it is gone (404).
 */
import type { Clock, TimerHandle } from '../domain/clock.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { CredentialLookup } from '../telnyx/credential-lookup.js';
import type { CreatedCredential, CredentialRevocation } from '../telnyx/credential-provisioning.js';
import { AppError, InputError } from './errors.js';

/** A credential an agent holds: its id and the SIP username Telnyx gave it (what calls dial). */
export interface HeldCredential {
  telnyxCredentialId: string;
  telnyxSipUsername: string;
}

/** disabled, deleted, replaced (linked or provisioned anew), removed ("" as the id), orphaned (created, never stored). */
export type RevocationReason = 'disabled' | 'deleted' | 'replaced' | 'removed' | 'orphaned';

/** REVOKED: Telnyx deleted it (or had no such credential); PENDING: Telnyx could not be reached, retried automatically. */
export type RevocationOutcome = 'REVOKED' | 'PENDING';

export interface AgentCredentialsDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  /** With TELNYX_API_KEY: reads a credential (does it exist, and its SIP username). */
  lookup?: (credentialId: string) => Promise<CredentialLookup>;
  /** With TELNYX_API_KEY and TELNYX_CONNECTION_ID: creates a credential on that connection. */
  create?: (name: string) => Promise<CreatedCredential>;
  /** With TELNYX_API_KEY: deletes a credential. */
  revoke?: (credentialId: string) => Promise<CredentialRevocation>;
  /** First retry after this long, doubling up to retryMaxMs. */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

export const REVOCATION_RETRY_BASE_MS = 30_000;
export const REVOCATION_RETRY_MAX_MS = 30 * 60_000;
/** Rows one retry pass takes on (the rest wait for the next pass). */
const RETRY_BATCH = 100;

/** When the next attempt at a revocation that has failed `attempts` times is due. */
export function nextRevocationAttempt(now: number, attempts: number, baseMs: number, maxMs: number): number {
  return now + Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempts - 1, 20)));
}

export class AgentCredentials {
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private stopped = true;

  constructor(private readonly deps: AgentCredentialsDeps) {}

  /** Linked credentials are checked on Telnyx (and their SIP username read): TELNYX_API_KEY is set. */
  get checks(): boolean {
    return this.deps.lookup !== undefined;
  }

  /** The service creates and revokes agents' credentials: TELNYX_API_KEY and TELNYX_CONNECTION_ID are set. */
  get provisions(): boolean {
    return this.deps.create !== undefined && this.deps.revoke !== undefined;
  }

  /**
   * The credential `credentialId`, as Telnyx has it: refused with a clear error when Telnyx does not
   * know it or it cannot be used, and when Telnyx cannot be asked (nothing is saved then). `field`
   * names the input in messages.
   */
  async link(credentialId: string, field: string): Promise<HeldCredential> {
    if (!this.deps.lookup) throw notConfigured('reading a credential needs TELNYX_API_KEY');
    const found = await this.deps.lookup(credentialId);
    if (found.ok) return { telnyxCredentialId: credentialId, telnyxSipUsername: found.sipUsername };
    const message = `Validation error: ${field}: ${found.message}`;
    throw found.reason === 'UNAVAILABLE' ? new AppError(message, 'TELNYX_UNAVAILABLE') : new InputError(message);
  }

  /** A new credential on TELNYX_CONNECTION_ID, named `name` (the agent's SIP username, so the portal shows whose it is). */
  async provision(name: string): Promise<HeldCredential> {
    if (!this.deps.create) throw notConfigured('provisioning needs TELNYX_API_KEY and TELNYX_CONNECTION_ID');
    const created = await this.deps.create(name);
    if (created.ok) {
      this.deps.logger.info({ credentialId: created.credentialId, sipUsername: created.sipUsername, name }, 'Telnyx credential created');
      return { telnyxCredentialId: created.credentialId, telnyxSipUsername: created.sipUsername };
    }
    throw new AppError(created.message, created.reason === 'REFUSED' ? 'TELNYX_REFUSED' : 'TELNYX_UNAVAILABLE');
  }

  /** The row that remembers a credential to revoke; written in the same transaction as the change that drops it. */
  revocation(
    credentialId: string,
    agent: { id?: string; companyId: string },
    reason: RevocationReason,
  ): Prisma.CredentialRevocationCreateManyInput {
    return { credentialId, agentId: agent.id ?? null, companyId: agent.companyId, reason, nextAttemptAt: new Date(this.deps.clock.now()) };
  }

  /** Asks Telnyx to delete each credential now (their rows are written); what became of each. */
  async revokeNow(credentialIds: readonly string[]): Promise<Record<string, RevocationOutcome>> {
    const outcomes: Record<string, RevocationOutcome> = {};
    for (const id of credentialIds) outcomes[id] = await this.attempt(id);
    return outcomes;
  }

  /**
   * A credential created for a change that was then not saved (the database refused it): deleted at
   * once, or remembered and retried so it does not linger on the account.
   */
  async discard(credentialId: string, agent: { id?: string; companyId: string }): Promise<void> {
    try {
      await this.deps.db.credentialRevocation.createMany({
        data: [this.revocation(credentialId, agent, 'orphaned')],
        skipDuplicates: true,
      });
    } catch (err) {
      // The database is what failed: try Telnyx anyway, and say which credential to delete by hand if that fails too.
      this.deps.logger.error({ err, credentialId }, 'could not remember an unused Telnyx credential to revoke');
    }
    await this.attempt(credentialId);
  }

  /** Whether a credential the agent held is still waiting to be deleted on Telnyx. */
  async pendingFor(agentId: string): Promise<boolean> {
    return (await this.deps.db.credentialRevocation.count({ where: { agentId } })) > 0;
  }

  /** Retries what earlier runs (or other instances) left; from then on failures are retried on a timer. */
  async start(): Promise<void> {
    this.stopped = false;
    const waiting = await this.deps.db.credentialRevocation.count().catch(() => 0);
    if (waiting === 0) return;
    if (!this.deps.revoke) {
      this.deps.logger.warn({ waiting }, 'Telnyx credentials wait to be revoked, but TELNYX_API_KEY is unset: delete them in the portal');
      return;
    }
    this.schedule(this.deps.clock.now());
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.deps.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  /** Tries every waiting revocation now, due or not (tests, an operator); how many were revoked. */
  async retryAll(): Promise<number> {
    return this.retry({});
  }

  private async retryDue(): Promise<void> {
    await this.retry({ nextAttemptAt: { lte: new Date(this.deps.clock.now()) } });
    const next = await this.deps.db.credentialRevocation
      .findFirst({ orderBy: { nextAttemptAt: 'asc' }, select: { nextAttemptAt: true } })
      .catch(() => null);
    if (next) this.schedule(next.nextAttemptAt.getTime());
  }

  private async retry(where: Prisma.CredentialRevocationWhereInput): Promise<number> {
    let rows: { credentialId: string }[];
    try {
      rows = await this.deps.db.credentialRevocation.findMany({
        where,
        orderBy: { nextAttemptAt: 'asc' },
        take: RETRY_BATCH,
        select: { credentialId: true },
      });
    } catch (err) {
      this.deps.logger.warn({ err }, 'could not read the Telnyx credentials waiting to be revoked; retrying later');
      this.schedule(this.deps.clock.now() + (this.deps.retryBaseMs ?? REVOCATION_RETRY_BASE_MS));
      return 0;
    }
    let revoked = 0;
    for (const row of rows) if ((await this.attempt(row.credentialId)) === 'REVOKED') revoked++;
    return revoked;
  }

  /** One DELETE; the row goes on success, else it records the failure and the next attempt. */
  private async attempt(credentialId: string): Promise<RevocationOutcome> {
    const { db, logger, clock } = this.deps;
    const result: CredentialRevocation = this.deps.revoke
      ? await this.deps.revoke(credentialId)
      : { ok: false, message: 'TELNYX_API_KEY is unset' };
    if (result.ok) {
      await db.credentialRevocation.deleteMany({ where: { credentialId } }).catch((err: unknown) => {
        logger.warn({ err, credentialId }, 'Telnyx credential revoked, but its row could not be removed (the next retry finds it gone)');
      });
      logger.info({ credentialId, alreadyGone: result.alreadyGone }, 'Telnyx credential revoked');
      return 'REVOKED';
    }
    const row = await db.credentialRevocation.findUnique({ where: { credentialId }, select: { attempts: true } }).catch(() => null);
    const attempts = (row?.attempts ?? 0) + 1;
    const at = nextRevocationAttempt(
      clock.now(),
      attempts,
      this.deps.retryBaseMs ?? REVOCATION_RETRY_BASE_MS,
      this.deps.retryMaxMs ?? REVOCATION_RETRY_MAX_MS,
    );
    await db.credentialRevocation
      .update({ where: { credentialId }, data: { attempts, lastError: result.message.slice(0, 500), nextAttemptAt: new Date(at) } })
      .catch(() => undefined); // no row (it could not be written): the log line below is what is left
    const log = { credentialId, attempts, error: result.message, retryAt: new Date(at).toISOString() };
    if (attempts >= 5) logger.error(log, 'Telnyx credential still not revoked; retrying (delete it in the portal if this persists)');
    else logger.warn(log, 'Telnyx credential not revoked yet; retrying');
    this.schedule(at);
    return 'PENDING';
  }

  /** One timer, at the earliest time anything is due. */
  private schedule(at: number): void {
    if (this.stopped || !this.deps.revoke || at >= this.timerAt) return;
    if (this.timer) this.deps.clock.clearTimer(this.timer);
    this.timerAt = at;
    this.timer = this.deps.clock.setTimer(at, () => {
      this.timer = undefined;
      this.timerAt = Infinity;
      void this.retryDue().catch((err: unknown) => this.deps.logger.warn({ err }, 'Telnyx credential revocation retry failed'));
    });
  }
}

function notConfigured(what: string): AppError {
  return new AppError(`Telnyx is not configured on this server: ${what}.`, 'TELNYX_NOT_CONFIGURED');
}
