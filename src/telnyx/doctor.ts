/**
 * `npm run telnyx:doctor`: reads the Telnyx account through its REST API, and the agents from the
 * database, and reports each check as soon as it is known (doctor-checks.ts judges; this only reads
 * in order and hands each result to `report`). Read-only on both sides.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { Config } from '../config.js';
import { type Db, openDatabase } from '../infra/db.js';
import {
  getCredentialConnection,
  getOutboundVoiceProfile,
  getTexmlApplication,
  listTelephonyCredentials,
  type TelnyxApi,
} from './account-api.js';
import {
  type AccountData,
  agentChecks,
  type Check,
  credentialConnectionChecks,
  type DoctorAgent,
  type DoctorSettings,
  type ForwardNumber,
  outboundVoiceProfileChecks,
  publicKeyCheck,
  settingsChecks,
  texmlApplicationChecks,
} from './doctor-checks.js';

export interface DoctorDeps {
  api: TelnyxApi;
  settings: DoctorSettings;
  /** The agents, companies and fallback numbers (from the database). */
  loadAccountData(): Promise<AccountData>;
  /** Called once per check, in order, as soon as it is decided. */
  report(check: Check): void;
}

export interface DoctorResult {
  checks: Check[];
  failed: number;
}

export async function runDoctor(deps: DoctorDeps): Promise<DoctorResult> {
  const checks: Check[] = [];
  const report = (found: Check[]) => {
    for (const check of found) {
      checks.push(check);
      deps.report(check);
    }
  };
  const { settings, api } = deps;
  report(settingsChecks(settings));

  const data = await deps.loadAccountData();
  const companyIds = data.ok ? data.companyIds : new Set<string>();
  const forwardNumbers = data.ok ? data.forwardNumbers : [];
  const urls = settings.publicUrl ? { publicUrl: settings.publicUrl, companyIds, webhookToken: settings.webhookToken } : null;

  const profilesChecked = new Set<string>();
  const checkProfile = async (id: string | null, usedBy: string) => {
    if (!id || profilesChecked.has(id)) return;
    profilesChecked.add(id);
    report(outboundVoiceProfileChecks(await getOutboundVoiceProfile(api, id), id, usedBy, forwardNumbers));
  };

  if (settings.texmlApplicationId) {
    const app = texmlApplicationChecks(await getTexmlApplication(api, settings.texmlApplicationId), settings.texmlApplicationId, urls);
    report(app.checks);
    await checkProfile(app.outboundVoiceProfileId, 'TeXML application');
  }
  if (settings.connectionId) {
    const connection = credentialConnectionChecks(await getCredentialConnection(api, settings.connectionId), settings.connectionId);
    report(connection.checks);
    await checkProfile(connection.outboundVoiceProfileId, 'credential connection');
  }
  report([publicKeyCheck(settings)]);

  // Listed only when there is an agent to match (agentChecks does not look at them otherwise).
  const credentials: Awaited<ReturnType<typeof listTelephonyCredentials>> =
    data.ok && data.agents.length > 0 ? await listTelephonyCredentials(api) : { ok: true, data: { credentials: [], complete: true } };
  report(agentChecks(data, credentials, settings.connectionId));

  return { checks, failed: checks.filter((c) => c.status === 'fail').length };
}

/** Opens the service's database (read-only use, no migration), reads what the doctor needs, and closes it. */
export async function loadAccountData(config: Pick<Config, 'databaseUrl' | 'dataDir'>): Promise<AccountData> {
  let database: Awaited<ReturnType<typeof openDatabase>> | undefined;
  try {
    database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, databasePoolMax: 2 });
    return await readAccountData(database.prisma);
  } catch (err) {
    return { ok: false, message: describeDatabaseError(err) };
  } finally {
    await database?.close().catch(() => {});
  }
}

/** The enabled agents, the company ids and the numbers companies forward to, as the service stores them. */
export async function readAccountData(prisma: Db): Promise<AccountData> {
  const [agents, companies] = await Promise.all([
    prisma.agent.findMany({ where: { enabled: true }, include: { company: { select: { name: true } } }, orderBy: { createdAt: 'asc' } }),
    prisma.company.findMany({
      select: { id: true, name: true, routing: { select: { fallbackKind: true, afterHoursKind: true, fallbackNumber: true } } },
    }),
  ]);
  // The after-hours fallback forwards to the same number (src/domain/call-flow.ts fallbackDocument).
  const forwardNumbers: ForwardNumber[] = companies.flatMap((c) => {
    const routing = c.routing;
    const forwards = routing && (routing.fallbackKind === 'NUMBER' || routing.afterHoursKind === 'NUMBER');
    if (!forwards || !routing.fallbackNumber) return [];
    return [{ companyName: c.name, number: routing.fallbackNumber, country: parsePhoneNumberFromString(routing.fallbackNumber)?.country }];
  });
  return {
    ok: true,
    agents: agents.map(
      (a): DoctorAgent => ({
        id: a.id,
        displayName: a.displayName,
        companyName: a.company.name,
        sipUsername: a.sipUsername,
        // Stored by agent provisioning where the schema has the column; without it the free-text sipUsername is dialed.
        telnyxSipUsername: (a as { telnyxSipUsername?: string | null }).telnyxSipUsername ?? null,
        telnyxCredentialId: a.telnyxCredentialId,
      }),
    ),
    companyIds: new Set(companies.map((c) => c.id)),
    forwardNumbers,
  };
}

function describeDatabaseError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  // P2021 (or the driver's own words): no such table, a database the service never migrated.
  if (e?.code === 'P2021' || /relation "[^"]*" does not exist/.test(e?.message ?? ''))
    return 'the database has no tables yet (start the service once, or run npm run db:migrate)';
  const lines = (e?.message ?? String(err)).split('\n').filter((l) => l.trim() !== '');
  return (lines.at(-1) ?? 'unknown error').slice(0, 300);
}
