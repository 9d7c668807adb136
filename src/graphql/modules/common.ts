import type { Context } from '../context.js';
import { NotFoundError } from '../../services/errors.js';
import type { DirectoryCompany } from '../../services/directory.js';
import { type AuditActor, actorOf } from '../../services/audit-log.js';

/** The company an agent belongs to, for scope checks ('' when unknown, which no scope admits). */
export async function companyOfAgent(ctx: Context, agentId: string): Promise<string> {
  const found = await ctx.services.directory.agent(agentId);
  return found?.company.id ?? '';
}

export async function requireCompany(ctx: Context, companyId: string): Promise<DirectoryCompany> {
  const company = await ctx.services.directory.company(companyId);
  if (!company) throw new NotFoundError('company not found');
  return company;
}

/** Who the request acts as, for the audit trail: its viewer and a fingerprint of its credential. */
export function actorIn(ctx: Context): AuditActor {
  return actorOf(ctx.viewer, ctx.credential, ctx.requestId);
}
