/**
 * `npm run telnyx:doctor` against the local Telnyx (src/simulator): the account read over real HTTP
 * through the fake REST API, agents from a real database. Every check passing on a well set-up account,
 * then each setting broken in turn and the doctor naming it with its fix. Twice the script is run as a
 * user runs it (`npm run telnyx:doctor`), checking its output and exit status.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/infra/db.js';
import type { SimAccountSettings } from '../../src/simulator/account-settings.js';
import { LocalTelnyx } from '../../src/simulator/local-telnyx.js';
import { readAccountData, runDoctor } from '../../src/telnyx/doctor.js';
import type { Check, DoctorSettings } from '../../src/telnyx/doctor-checks.js';

const PUBLIC_URL = 'https://voice.example.com';
const GOOD_APPLICATION = {
  voiceUrl: `${PUBLIC_URL}/telnyx/voice`,
  voiceMethod: 'POST',
  statusCallback: `${PUBLIC_URL}/telnyx/status`,
  statusCallbackMethod: 'POST',
} as const;

let telnyx: LocalTelnyx;
let database: Database;
let companyId: string;
let pristine: SimAccountSettings;

/** An account set up as README "With Telnyx" says: the application's failover URL too. */
async function seed(db: Database, t: LocalTelnyx): Promise<string> {
  const company = await db.prisma.company.create({
    data: { name: 'Acme', routing: { create: { fallbackKind: 'NUMBER', fallbackNumber: '+13055550199' } } },
  });
  for (const name of ['Ana', 'Ben']) {
    const credential = t.credentials.create({ connectionId: t.connectionId, name });
    await db.prisma.agent.create({
      data: { companyId: company.id, displayName: name, sipUsername: credential.sipUsername, telnyxCredentialId: credential.id },
    });
  }
  return company.id;
}

beforeAll(async () => {
  telnyx = await LocalTelnyx.start({ application: GOOD_APPLICATION });
  telnyx.settings.texmlApplication.voiceFallbackUrl = 'https://fallback.example.com/sorry.xml';
  pristine = structuredClone(telnyx.settings);
  database = await openDatabase({ dataDir: 'memory://' });
  await database.migrate();
  companyId = await seed(database, telnyx);
});

afterAll(async () => {
  await database?.close();
  await telnyx?.close();
});

afterEach(() => {
  // Each test breaks the account its own way; put it back.
  Object.assign(telnyx.settings.texmlApplication, structuredClone(pristine.texmlApplication));
  Object.assign(telnyx.settings.credentialConnection, structuredClone(pristine.credentialConnection));
  for (const [id, profile] of pristine.outboundVoiceProfiles) telnyx.settings.outboundVoiceProfiles.set(id, structuredClone(profile));
  telnyx.rest.failWith(null);
});

function settings(over: Partial<DoctorSettings> = {}): DoctorSettings {
  return {
    publicUrl: PUBLIC_URL,
    texmlApplicationId: telnyx.connectionId,
    connectionId: telnyx.connectionId,
    publicKey: telnyx.publicKey,
    webhookAuth: undefined,
    webhookToken: undefined,
    ...over,
  };
}

async function doctor(over: Partial<DoctorSettings> = {}, apiKey = telnyx.apiKey) {
  const reported: Check[] = [];
  const result = await runDoctor({
    api: { apiKey, baseUrl: telnyx.apiBaseUrl },
    settings: settings(over),
    loadAccountData: () => readAccountData(database.prisma),
    report: (check) => reported.push(check),
  });
  return { ...result, reported, failures: result.checks.filter((c) => c.status === 'fail') };
}

function failureLike(failures: Check[], title: string): Check {
  const found = failures.find((c) => c.title.includes(title));
  if (!found) throw new Error(`no failure "${title}" among:\n${failures.map((c) => `  ${c.title}`).join('\n')}`);
  return found;
}

describe('telnyx:doctor against the local Telnyx', () => {
  it('a well set-up account: every check passes; the public key is left to a person; only GETs were sent', async () => {
    const since = telnyx.rest.requests.length;
    const { checks, failed, reported } = await doctor();
    expect(failed).toBe(0);
    expect(reported).toEqual(checks);
    expect(checks.filter((c) => c.status !== 'pass').map((c) => [c.status, c.title])).toEqual([
      ['manual', "TELNYX_PUBLIC_KEY is a well-formed Ed25519 key; Telnyx's API does not expose the account's key to compare"],
    ]);
    expect(checks.map((c) => c.title)).toEqual(
      expect.arrayContaining([
        `Webhook URL (voice_url) is ${PUBLIC_URL}/telnyx/voice`,
        `Call progress events URL (status_callback) is ${PUBLIC_URL}/telnyx/status`,
        'Voice Method (voice_method) is POST',
        'Status Callback Method (status_callback_method) is POST',
        "Receive SIP URI Calls (sip_uri_calling_preference) is internal: this account's connections may ring agents",
        `2 enabled agent(s): each credential exists on connection ${telnyx.connectionId} and its sip_username is the one dialed`,
      ]),
    );
    const sent = telnyx.rest.requests.slice(since).map((r) => `${r.method} ${r.path}`);
    const profileId = telnyx.settings.texmlApplication.outboundVoiceProfileId;
    expect(sent).toEqual([
      `GET /v2/texml_applications/${telnyx.connectionId}`,
      `GET /v2/outbound_voice_profiles/${profileId}`,
      `GET /v2/credential_connections/${telnyx.connectionId}`,
      'GET /v2/telephony_credentials',
    ]);
    expect(telnyx.rest.requests.at(-1)?.query).toMatchObject({ 'page[number]': '1', 'page[size]': '250' });
  });

  it('per-company URLs naming a company of the database pass too', async () => {
    telnyx.settings.texmlApplication.voiceUrl = `${PUBLIC_URL}/telnyx/voice/${companyId}`;
    telnyx.settings.texmlApplication.statusCallback = `${PUBLIC_URL}/telnyx/status/${companyId}`;
    expect((await doctor()).failed).toBe(0);
  });

  it('URLs carrying TELNYX_WEBHOOK_TOKEN pass, and the token is never printed', async () => {
    telnyx.settings.texmlApplication.voiceUrl = `${PUBLIC_URL}/telnyx/voice?token=tok3n`;
    telnyx.settings.texmlApplication.statusCallback = `${PUBLIC_URL}/telnyx/status?token=tok3n`;
    const { failed, checks } = await doctor({ webhookToken: 'tok3n' });
    expect(failed).toBe(0);
    expect(JSON.stringify(checks)).not.toContain('tok3n');
  });

  it('Receive SIP URI Calls "from anyone": agents ring, with a warning that anyone can ring them', async () => {
    telnyx.settings.credentialConnection.sipUriCallingPreference = 'unrestricted';
    const { failed, checks } = await doctor();
    expect(failed).toBe(0);
    expect(checks.find((c) => c.status === 'warn')?.title).toContain('unrestricted');
  });

  type Breakage = [what: string, breakIt: (s: SimAccountSettings) => void, title: string, fix: string, over?: Partial<DoctorSettings>];
  const profileOf = (s: SimAccountSettings) => s.outboundVoiceProfiles.get(s.texmlApplication.outboundVoiceProfileId!)!;
  it.each<Breakage>([
    [
      'the voice URL points elsewhere',
      (s) => (s.texmlApplication.voiceUrl = 'https://old.example.com/telnyx/voice'),
      'Webhook URL (voice_url) is https://old.example.com/telnyx/voice: it does not point at https://voice.example.com/telnyx/voice',
      `set Webhook URL to ${PUBLIC_URL}/telnyx/voice (API: PATCH /v2/texml_applications/`,
    ],
    [
      'the voice method is GET',
      (s) => (s.texmlApplication.voiceMethod = 'GET'),
      'Voice Method (voice_method) is GET',
      'set Voice Method to POST',
    ],
    [
      'no call progress events URL',
      (s) => (s.texmlApplication.statusCallback = null),
      'Call progress events URL (status_callback) is not set',
      `set Call progress events URL to ${PUBLIC_URL}/telnyx/status`,
    ],
    [
      'the status URL names a company that does not exist',
      (s) => (s.texmlApplication.statusCallback = `${PUBLIC_URL}/telnyx/status/cmp_gone`),
      'names company cmp_gone, which is not in the database',
      `${PUBLIC_URL}/telnyx/status`,
    ],
    [
      'the status callback method is GET',
      (s) => (s.texmlApplication.statusCallbackMethod = 'GET'),
      'Status Callback Method (status_callback_method) is GET',
      'set Status Callback Method to POST',
    ],
    ['the application is inactive', (s) => (s.texmlApplication.active = false), 'is not active', 'activate it'],
    [
      'no outbound voice profile on the application',
      (s) => (s.texmlApplication.outboundVoiceProfileId = null),
      'No outbound voice profile is attached to the TeXML application',
      'Add connections/apps to profile',
    ],
    ['the outbound voice profile is disabled', (s) => (profileOf(s).enabled = false), 'is disabled', 'enable it'],
    [
      "the fallback number's country is not allowed",
      (s) => (profileOf(s).whitelistedDestinations = ['CA']),
      'does not allow calls to US',
      'International Allowed Destinations',
    ],
    [
      'SIP URI calls are disabled on the credential connection (Telnyx default)',
      (s) => (s.credentialConnection.sipUriCallingPreference = 'disabled'),
      'Receive SIP URI Calls (sip_uri_calling_preference) is disabled',
      '{"sip_uri_calling_preference": "internal"}',
    ],
    [
      'no outbound voice profile on the credential connection',
      (s) => (s.credentialConnection.outboundVoiceProfileId = null),
      'No outbound voice profile is attached to the credential connection',
      'Add connections/apps to profile',
    ],
    [
      'the credential connection is inactive',
      (s) => (s.credentialConnection.active = false),
      'Credential connection "local-telnyx agents"',
      'activate it',
    ],
    [
      'TELNYX_TEXML_APPLICATION_ID names no application',
      () => {},
      'TeXML application 999: Telnyx has no such TeXML application (HTTP 404)',
      'TELNYX_TEXML_APPLICATION_ID must be the id of a TeXML application',
      { texmlApplicationId: '999' },
    ],
    ['TELNYX_PUBLIC_KEY unset', () => {}, 'TELNYX_PUBLIC_KEY is not set', 'Public Key page', { publicKey: undefined }],
    ['PUBLIC_URL unset', () => {}, 'PUBLIC_URL is not set', 'PUBLIC_URL=https://', { publicUrl: null }],
    [
      'TELNYX_WEBHOOK_TOKEN set but missing from the URLs Telnyx has',
      () => {},
      'does not carry TELNYX_WEBHOOK_TOKEN',
      `${PUBLIC_URL}/telnyx/voice?token=<TELNYX_WEBHOOK_TOKEN>`,
      { webhookToken: 'tok3n' },
    ],
  ])('%s: the check fails and says how to fix it', async (_, breakIt, title, fix, over) => {
    breakIt(telnyx.settings);
    const { failures } = await doctor(over);
    expect(failureLike(failures, title).fix).toContain(fix);
  });

  it('each broken setting is reported alone: the others still pass', async () => {
    telnyx.settings.texmlApplication.voiceMethod = 'GET';
    expect((await doctor()).failures).toHaveLength(1);
  });

  it('TELNYX_CONNECTION_ID names no connection: that check fails, and so do the agents (their credentials are elsewhere)', async () => {
    const { failures } = await doctor({ connectionId: '999' });
    expect(failureLike(failures, 'Credential connection 999: Telnyx has no such credential connection (HTTP 404)').fix).toContain(
      'TELNYX_CONNECTION_ID must be the id of a credential SIP connection',
    );
    expect(failureLike(failures, '2 of 2 enabled agent(s) cannot ring').detail?.[0]).toContain(
      `is on connection:${telnyx.connectionId}, not connection:999`,
    );
  });

  it('a wrong API key: every read fails with the TELNYX_API_KEY fix', async () => {
    const { failures } = await doctor({}, 'KEYwrong0000000000');
    expect(failures.length).toBeGreaterThanOrEqual(3);
    expect(failureLike(failures, 'Telnyx refused the API key (HTTP 401)').fix).toContain('Check TELNYX_API_KEY');
    expect(failures.every((c) => c.fix)).toBe(true);
  });

  it('Telnyx unreachable or failing: said so, with what to do', async () => {
    telnyx.rest.failWith('reset');
    expect(failureLike((await doctor()).failures, 'Telnyx cannot be reached').fix).toContain('Check the network');
    telnyx.rest.failWith(503);
    expect(failureLike((await doctor()).failures, 'could not answer the TeXML application request (HTTP 503)').fix).toContain(
      'Run the doctor again',
    );
  });

  describe('agents whose softphone would not ring', () => {
    const extra: string[] = [];
    afterEach(async () => {
      await database.prisma.agent.deleteMany({ where: { id: { in: extra.splice(0) } } });
    });
    const addAgent = async (name: string, sipUsername: string, telnyxCredentialId: string | null) => {
      const agent = await database.prisma.agent.create({ data: { companyId, displayName: name, sipUsername, telnyxCredentialId } });
      extra.push(agent.id);
      return agent;
    };

    it.each([
      ['no credential', async () => addAgent('Cy', 'cy.free', null), 'no telephony credential'],
      [
        'dialed at a free-text username, not its credential’s',
        async () => {
          const credential = telnyx.credentials.create({ connectionId: telnyx.connectionId });
          return addAgent('Di', 'di.free', credential.id);
        },
        'dialed as sip:di.free@sip.telnyx.com, but its credential registers as gencred',
      ],
      [
        'a credential deleted on Telnyx',
        async () => {
          const credential = telnyx.credentials.create({ connectionId: telnyx.connectionId });
          telnyx.credentials.remove(credential.id);
          return addAgent('Ed', credential.sipUsername, credential.id);
        },
        'does not exist on the account',
      ],
      [
        'a credential on another connection',
        async () => {
          const credential = telnyx.credentials.create({ connectionId: '42' });
          return addAgent('Flo', credential.sipUsername, credential.id);
        },
        `is on connection:42, not connection:`,
      ],
    ])('%s', async (_, add, problem) => {
      const agent = await add();
      const { failures } = await doctor();
      expect(failures).toHaveLength(1);
      const check = failureLike(failures, '1 of 3 enabled agent(s) cannot ring');
      expect(check.detail).toEqual([expect.stringContaining(`${agent.displayName} (Acme, ${agent.id}): `)]);
      expect(check.detail?.[0]).toContain(problem);
      expect(check.fix).toContain('sip_username');
    });

    it('a disabled agent is not checked', async () => {
      const agent = await addAgent('Gus', 'gus.free', null);
      await database.prisma.agent.update({ where: { id: agent.id }, data: { enabled: false } });
      expect((await doctor()).failed).toBe(0);
    });
  });
});

describe('npm run telnyx:doctor, as a user runs it', () => {
  let dataDir: string;

  beforeAll(async () => {
    // Its own on-disk database: the script opens it itself (the embedded one admits one process at a time).
    dataDir = await mkdtemp(path.join(tmpdir(), 'telnyx-doctor-'));
    const db = await openDatabase({ dataDir });
    await db.migrate();
    await seed(db, telnyx);
    await db.close();
  }, 120_000);

  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  function runScript(): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(TELNYX_|DATABASE_URL$|PUBLIC_URL$|REDIS_URL$|DATA_DIR$)/.test(k)),
    );
    const child = spawn('npm', ['run', '-s', 'telnyx:doctor'], {
      env: {
        ...inherited,
        TELNYX_API_KEY: telnyx.apiKey,
        TELNYX_API_BASE_URL: telnyx.apiBaseUrl,
        TELNYX_TEXML_APPLICATION_ID: telnyx.connectionId,
        TELNYX_CONNECTION_ID: telnyx.connectionId,
        TELNYX_PUBLIC_KEY: telnyx.publicKey,
        PUBLIC_URL,
        DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  }

  it('all green: a line per check, the summary, exit 0', async () => {
    const { code, stdout, stderr } = await runScript();
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe(`Telnyx doctor: the account behind TELNYX_API_KEY at ${telnyx.apiBaseUrl}`);
    expect(lines).toContain(`ok    Webhook URL (voice_url) is ${PUBLIC_URL}/telnyx/voice`);
    expect(lines).toContain(
      `ok    2 enabled agent(s): each credential exists on connection ${telnyx.connectionId} and its sip_username is the one dialed`,
    );
    expect(lines.filter((l) => /^(FAIL|warn)/.test(l))).toEqual([]);
    expect(lines.at(-1)).toMatch(/^All \d+ checks passed \(1 to check by hand\)\.$/);
  }, 180_000);

  it('a broken account: FAIL lines with their fixes, exit 1', async () => {
    telnyx.settings.texmlApplication.voiceMethod = 'GET';
    telnyx.settings.credentialConnection.sipUriCallingPreference = 'disabled';
    const { code, stdout } = await runScript();
    expect(code).toBe(1);
    const lines = stdout.trim().split('\n');
    const failIndex = lines.findIndex((l) => l.startsWith('FAIL  Voice Method (voice_method) is GET'));
    expect(failIndex).toBeGreaterThan(0);
    expect(lines.slice(failIndex + 1, failIndex + 3).some((l) => l.startsWith('      fix: ') && l.includes('POST'))).toBe(true);
    expect(lines).toContain('FAIL  Receive SIP URI Calls (sip_uri_calling_preference) is disabled');
    expect(lines.at(-1)).toMatch(/^2 of \d+ checks failed \(1 to check by hand\): fix them and run npm run telnyx:doctor again\.$/);
  }, 180_000);
});
