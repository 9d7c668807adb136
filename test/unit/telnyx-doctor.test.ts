/**
 * The doctor's checklist rules (src/telnyx/doctor-checks.ts), pure: what counts as our webhook URL,
 * which agents cannot ring and why, the public-key rule, the printout. The same rules against Telnyx's
 * API (the local Telnyx) are in test/integration/telnyx-doctor.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  type AccountData,
  agentChecks,
  agentProblem,
  type Check,
  type DoctorAgent,
  type DoctorSettings,
  expectedWebhookUrl,
  formatCheck,
  publicKeyCheck,
  settingsChecks,
  shownUrl,
  summary,
  webhookUrlProblem,
} from '../../src/telnyx/doctor-checks.js';

const PUBLIC_URL = 'https://voice.example.com';
const COMPANY = 'cmp_acme';
const ctx = { publicUrl: PUBLIC_URL, companyIds: new Set([COMPANY]), webhookToken: undefined };

const SETTINGS: DoctorSettings = {
  publicUrl: PUBLIC_URL,
  texmlApplicationId: '1293384261075731499',
  connectionId: '1567510696929005999',
  publicKey: `${'A'.repeat(43)}=`,
  webhookAuth: undefined,
  webhookToken: undefined,
};

describe('webhookUrlProblem: is this the URL Telnyx should be given', () => {
  it.each([
    ['the shared route', `${PUBLIC_URL}/telnyx/voice`],
    ['with a trailing slash', `${PUBLIC_URL}/telnyx/voice/`],
    ['a host in capitals and the default port', 'https://VOICE.example.com:443/telnyx/voice'],
    ['a known company', `${PUBLIC_URL}/telnyx/voice/${COMPANY}`],
  ])('%s: accepted', (_, url) => {
    expect(webhookUrlProblem(url, 'voice', ctx)).toBeNull();
  });

  it.each([
    ['empty', '', 'it is empty'],
    ['not a URL', 'voice.example.com/telnyx/voice', 'it is not a URL'],
    ['another host', 'https://old.example.com/telnyx/voice', 'does not point at https://voice.example.com/telnyx/voice'],
    ['http instead of https', 'http://voice.example.com/telnyx/voice', 'does not point at'],
    ['another route', `${PUBLIC_URL}/telnyx/status`, 'does not point at'],
    ['an unknown company', `${PUBLIC_URL}/telnyx/voice/cmp_gone`, 'company cmp_gone, which is not in the database'],
    ['a deeper path', `${PUBLIC_URL}/telnyx/voice/${COMPANY}/x`, 'does not point at'],
    ['a malformed company segment', `${PUBLIC_URL}/telnyx/voice/%E0%A4%A`, 'does not point at'],
  ])('%s: refused with the reason', (_, url, reason) => {
    expect(webhookUrlProblem(url, 'voice', ctx)).toContain(reason);
  });

  it('with TELNYX_WEBHOOK_TOKEN the URL must carry it as token= (printed by name only)', () => {
    const withToken = { ...ctx, webhookToken: 's3cr3t/+' };
    expect(expectedWebhookUrl('status', withToken)).toBe(`${PUBLIC_URL}/telnyx/status?token=<TELNYX_WEBHOOK_TOKEN>`);
    const given = `${PUBLIC_URL}/telnyx/status?token=s3cr3t%2F%2B`;
    expect(webhookUrlProblem(given, 'status', withToken)).toBeNull();
    expect(shownUrl(given)).toBe(`${PUBLIC_URL}/telnyx/status?token=…`);
    expect(webhookUrlProblem(`${PUBLIC_URL}/telnyx/status`, 'status', withToken)).toContain('TELNYX_WEBHOOK_TOKEN');
    expect(webhookUrlProblem(`${PUBLIC_URL}/telnyx/status?token=wrong`, 'status', withToken)).toContain('TELNYX_WEBHOOK_TOKEN');
  });

  it('PUBLIC_URL with a path prefix: the routes are under it', () => {
    const prefixed = { ...ctx, publicUrl: 'https://example.com/voice' };
    expect(webhookUrlProblem('https://example.com/voice/telnyx/voice', 'voice', prefixed)).toBeNull();
    expect(webhookUrlProblem('https://example.com/telnyx/voice', 'voice', prefixed)).toContain('does not point at');
  });
});

describe('settingsChecks', () => {
  const statuses = (s: Partial<DoctorSettings>) => settingsChecks({ ...SETTINGS, ...s }).map((c) => [c.status, c.title]);

  it('all set: PUBLIC_URL passes, nothing else is said', () => {
    expect(statuses({})).toEqual([['pass', `PUBLIC_URL is ${PUBLIC_URL}`]]);
  });

  it.each([
    [{ publicUrl: null }, 'fail', 'PUBLIC_URL is not set'],
    [{ publicUrl: 'http://localhost:4000' }, 'fail', 'a local address Telnyx cannot reach'],
    [{ publicUrl: 'http://127.0.0.1:4000' }, 'fail', 'a local address'],
    [{ publicUrl: 'http://[::1]:4000' }, 'fail', 'a local address'],
    [{ publicUrl: 'http://voice.example.com' }, 'warn', 'plain http'],
    [{ texmlApplicationId: undefined }, 'fail', 'TELNYX_TEXML_APPLICATION_ID is not set'],
    [{ connectionId: undefined }, 'fail', 'TELNYX_CONNECTION_ID is not set'],
  ] as const)('%o → %s', (change, status, title) => {
    const found = settingsChecks({ ...SETTINGS, ...change });
    expect(found.some((c) => c.status === status && c.title.includes(title) && (status !== 'fail' || c.fix))).toBe(true);
  });
});

describe('publicKeyCheck: Telnyx has no API for the key, so a person compares it', () => {
  it('set: a hand check naming the portal page and the key’s ends', () => {
    const check = publicKeyCheck(SETTINGS);
    expect(check.status).toBe('manual');
    expect(check.detail?.join(' ')).toContain('portal.telnyx.com/#/app/account/public-key');
    expect(check.detail?.join(' ')).toContain('AAAAAA…AAAAA=');
  });
  it('unset: a failure with the fix', () => {
    const check = publicKeyCheck({ ...SETTINGS, publicKey: undefined });
    expect(check).toMatchObject({ status: 'fail', title: 'TELNYX_PUBLIC_KEY is not set' });
    expect(check.fix).toContain('TELNYX_PUBLIC_KEY');
  });
  it('unset with TELNYX_WEBHOOK_AUTH=token: a warning (the URL token is the only check)', () => {
    expect(publicKeyCheck({ ...SETTINGS, publicKey: undefined, webhookAuth: 'token' }).status).toBe('warn');
  });
  it('TELNYX_WEBHOOK_AUTH=off: a warning, key or not', () => {
    expect(publicKeyCheck({ ...SETTINGS, webhookAuth: 'off' }).status).toBe('warn');
    expect(publicKeyCheck({ ...SETTINGS, publicKey: undefined, webhookAuth: 'OFF' }).status).toBe('warn');
  });
});

describe('agents and their credentials', () => {
  const CONNECTION = '1567510696929005999';
  const agent = (over: Partial<DoctorAgent> = {}): DoctorAgent => ({
    id: 'agt_1',
    displayName: 'Ana',
    companyName: 'Acme',
    sipUsername: 'gencredAna',
    telnyxSipUsername: null,
    telnyxCredentialId: 'c0ffee00-0000-4000-8000-000000000001',
    ...over,
  });
  const credential = {
    id: 'c0ffee00-0000-4000-8000-000000000001',
    sip_username: 'gencredAna',
    resource_id: `connection:${CONNECTION}`,
    expired: false,
  };

  it('a credential on the connection whose sip_username is the one dialed: no problem', () => {
    expect(agentProblem(agent(), credential, CONNECTION)).toBeNull();
  });

  it.each([
    ['no credential', agent({ telnyxCredentialId: null }), credential, 'no telephony credential'],
    ['credential gone', agent(), undefined, 'does not exist on the account'],
    ['expired', agent(), { ...credential, expired: true }, 'has expired'],
    ['another connection', agent(), { ...credential, resource_id: 'connection:42' }, `is on connection:42, not connection:${CONNECTION}`],
    [
      'free-text username',
      agent({ sipUsername: 'ana' }),
      credential,
      'dialed as sip:ana@sip.telnyx.com, but its credential registers as gencredAna',
    ],
  ])('%s', (_, a, c, problem) => {
    expect(agentProblem(a, c, CONNECTION)).toContain(problem);
  });

  it('the stored credential username is what is dialed when there is one', () => {
    expect(agentProblem(agent({ sipUsername: 'ana', telnyxSipUsername: 'gencredAna' }), credential, CONNECTION)).toBeNull();
    expect(agentProblem(agent({ sipUsername: 'gencredAna', telnyxSipUsername: 'gencredOld' }), credential, CONNECTION)).toContain(
      'dialed as sip:gencredOld@',
    );
  });

  const data = (agents: DoctorAgent[]): AccountData => ({ ok: true, agents, companyIds: new Set(), forwardNumbers: [] });
  const listed = (credentials: (typeof credential)[]) => ({ ok: true as const, data: { credentials, complete: true } });

  it('every agent fine: one passing line with the count', () => {
    expect(agentChecks(data([agent()]), listed([credential]), CONNECTION)).toEqual([
      {
        status: 'pass',
        title: `1 enabled agent(s): each credential exists on connection ${CONNECTION} and its sip_username is the one dialed`,
      },
    ]);
  });

  it('failing agents: one failure listing each (capped at 50) with the fix', () => {
    const agents = Array.from({ length: 60 }, (_, i) => agent({ id: `agt_${i}`, telnyxCredentialId: null }));
    const [check] = agentChecks(data(agents), listed([]), CONNECTION);
    expect(check).toMatchObject({ status: 'fail', title: '60 of 60 enabled agent(s) cannot ring' });
    expect(check!.detail).toHaveLength(51);
    expect(check!.detail!.at(-1)).toBe('… and 10 more');
    expect(check!.fix).toContain('sip_username');
  });

  it('no agents: passes without listing credentials; the database unreadable: fails with the fix', () => {
    expect(agentChecks(data([]), { ok: false, status: 401, message: 'refused' }, CONNECTION)[0]!.status).toBe('pass');
    const [check] = agentChecks({ ok: false, message: 'connection refused' }, listed([]), CONNECTION);
    expect(check).toMatchObject({ status: 'fail', title: 'Agents could not be read from the database: connection refused' });
    expect(check!.fix).toContain('DATABASE_URL');
  });

  it('credentials not listable: fails with the API-key fix on 401', () => {
    const [check] = agentChecks(data([agent()]), { ok: false, status: 401, message: 'Telnyx refused the API key (HTTP 401)' }, CONNECTION);
    expect(check!.status).toBe('fail');
    expect(check!.fix).toContain('TELNYX_API_KEY');
  });
});

describe('the printout', () => {
  it('a failure prints its mark, title, detail and fix', () => {
    const check: Check = { status: 'fail', title: 'Voice Method is GET', detail: ['why'], fix: 'set POST' };
    expect(formatCheck(check)).toEqual(['FAIL  Voice Method is GET', '      why', '      fix: set POST']);
    expect(formatCheck({ status: 'pass', title: 'fine' })).toEqual(['ok    fine']);
  });

  it('the summary counts failures, warnings and hand checks', () => {
    const pass: Check = { status: 'pass', title: 'a' };
    expect(summary([pass, { status: 'manual', title: 'b' }])).toBe('All 2 checks passed (1 to check by hand).');
    expect(summary([pass, { status: 'fail', title: 'c' }, { status: 'warn', title: 'd' }])).toBe(
      '1 of 3 checks failed (1 warning(s)): fix them and run npm run telnyx:doctor again.',
    );
  });
});
