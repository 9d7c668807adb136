/**
 * The checklist of `npm run telnyx:doctor`, as pure functions: each takes what was read from Telnyx's
 * API (or the database) and says, per setting, whether it is right and how to fix it. The reads and
 * the printing are in doctor.ts and doctor-cli.ts.
 *
 * What each check requires, with the Telnyx page it follows, is in docs/TELNYX.md ("Account setup").
 */
import type {
  ApiRead,
  CredentialConnectionResource,
  OutboundVoiceProfileResource,
  TelephonyCredentialResource,
  TexmlApplicationResource,
} from './account-api.js';

/** `manual`: the doctor cannot tell from the API; a person must look (the check says where). */
export type CheckStatus = 'pass' | 'warn' | 'manual' | 'fail';

export interface Check {
  status: CheckStatus;
  title: string;
  /** Further lines: what was found, what was expected. */
  detail?: string[];
  /** What to change, and where. */
  fix?: string;
}

export interface DoctorSettings {
  /** PUBLIC_URL without a trailing slash (config.publicUrl). */
  publicUrl: string | null;
  /** TELNYX_TEXML_APPLICATION_ID. */
  texmlApplicationId: string | undefined;
  /** TELNYX_CONNECTION_ID: the credential connection agents' credentials live on. */
  connectionId: string | undefined;
  /** TELNYX_PUBLIC_KEY (already validated by the config as a 32-byte Ed25519 key). */
  publicKey: string | undefined;
  /** TELNYX_WEBHOOK_AUTH as set (signature | token | off), if it is. */
  webhookAuth: string | undefined;
  /** TELNYX_WEBHOOK_TOKEN: when set, the URLs Telnyx is given must carry it as `token=`. */
  webhookToken: string | undefined;
}

/** An enabled agent as the database has it. */
export interface DoctorAgent {
  id: string;
  displayName: string;
  companyName: string;
  sipUsername: string;
  /** The credential's generated SIP username, stored when it was provisioned or linked (when the schema has it). */
  telnyxSipUsername: string | null;
  telnyxCredentialId: string | null;
}

/** A number a company forwards calls to (its fallback), which the outbound voice profile must allow. */
export interface ForwardNumber {
  companyName: string;
  number: string;
  /** ISO alpha-2 country of the number, when it can be told. */
  country: string | undefined;
}

/** What the database says, or why it could not be read. */
export type AccountData =
  | { ok: true; agents: DoctorAgent[]; companyIds: ReadonlySet<string>; forwardNumbers: ForwardNumber[] }
  | { ok: false; message: string };

/**
 * Where each setting is in the Mission Control Portal: the pages Telnyx's call-center tutorial and
 * "Receiving webhooks" link to (developers.telnyx.com/docs/voice/programmable-voice/call-center,
 * developers.telnyx.com/development/api-fundamentals/webhooks/receiving-webhooks).
 */
const PORTAL_TEXML = "the portal's TeXML Applications (portal.telnyx.com/#/app/call-control/texml)";
const PORTAL_CONNECTIONS = "the portal's SIP Connections (portal.telnyx.com/#/app/connections)";
const PORTAL_PROFILES = "the portal's Outbound Voice Profiles (portal.telnyx.com/#/app/outbound-profiles)";
const PORTAL_PUBLIC_KEY = "the portal's Public Key page (portal.telnyx.com/#/app/account/public-key)";
const PORTAL_API_KEYS = "the portal's API Keys (portal.telnyx.com/#/app/api-keys)";

// ---------------------------------------------------------------------------------------------------
// Settings of this service.

export function settingsChecks(s: DoctorSettings): Check[] {
  const checks: Check[] = [];
  if (!s.publicUrl) {
    checks.push({
      status: 'fail',
      title: 'PUBLIC_URL is not set',
      detail: ['Telnyx needs the https address it reaches this service at; the URLs below are checked against it.'],
      fix: 'Set PUBLIC_URL to that address, e.g. PUBLIC_URL=https://voice.example.com',
    });
  } else {
    const local = isLocalAddress(s.publicUrl);
    if (local) {
      checks.push({
        status: 'fail',
        title: `PUBLIC_URL ${s.publicUrl} is a local address Telnyx cannot reach`,
        fix: 'Set PUBLIC_URL to the public https address (a domain, or a tunnel such as ngrok while testing).',
      });
    } else if (s.publicUrl.startsWith('http://')) {
      checks.push({
        status: 'warn',
        title: `PUBLIC_URL ${s.publicUrl} is plain http`,
        detail: ["Telnyx would post callers' numbers and recordings' URLs in clear text."],
        fix: 'Serve the service over https and set PUBLIC_URL to the https address.',
      });
    } else {
      checks.push({ status: 'pass', title: `PUBLIC_URL is ${s.publicUrl}` });
    }
  }
  if (!s.texmlApplicationId) {
    checks.push({
      status: 'fail',
      title: 'TELNYX_TEXML_APPLICATION_ID is not set',
      detail: ['Queue callbacks place their call to the agent through this application (docs/QUEUES.md): without it they cannot be made.'],
      fix: `Set it to the id of the TeXML application your numbers use (${PORTAL_TEXML}: the application's ID).`,
    });
  }
  if (!s.connectionId) {
    checks.push({
      status: 'fail',
      title: 'TELNYX_CONNECTION_ID is not set',
      fix: `Set it to the id of the credential connection agents' credentials are created on (${PORTAL_CONNECTIONS}: the connection's ID).`,
    });
  }
  return checks;
}

function isLocalAddress(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return /^(localhost|.*\.localhost|127(\.\d+){3}|0\.0\.0\.0|::1?)$/i.test(host);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------
// The TeXML application.

/** The company-less route (one application for every company) and the per-company form `/<route>/<companyId>`. */
export type WebhookRoute = 'voice' | 'status';

export interface UrlContext {
  publicUrl: string;
  companyIds: ReadonlySet<string>;
  webhookToken: string | undefined;
}

/** The URL Telnyx should be given for `route`, as printed: the URL token (a secret) only by name. */
export function expectedWebhookUrl(route: WebhookRoute, ctx: Pick<UrlContext, 'publicUrl' | 'webhookToken'>): string {
  const url = `${ctx.publicUrl}/telnyx/${route}`;
  return ctx.webhookToken ? `${url}?token=<TELNYX_WEBHOOK_TOKEN>` : url;
}

/** A URL as printed: a `token=` value (the URL token, a secret) is not shown. */
export function shownUrl(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/g, '$1…');
}

/** Why `actual` is not a URL of ours for `route`, or null when it is. */
export function webhookUrlProblem(actual: string | null | undefined, route: WebhookRoute, ctx: UrlContext): string | null {
  if (!actual) return 'it is empty';
  let url: URL;
  let base: URL;
  try {
    url = new URL(actual);
    base = new URL(`${ctx.publicUrl}/telnyx/${route}`);
  } catch {
    return 'it is not a URL';
  }
  const path = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  const expected = `${base.origin}${base.pathname}`;
  if (path !== expected) {
    const companyId = path.startsWith(`${expected}/`) ? safeDecode(path.slice(expected.length + 1)) : null;
    if (companyId === null || companyId.includes('/')) return `it does not point at ${expected}`;
    if (!ctx.companyIds.has(companyId)) return `it names company ${companyId}, which is not in the database`;
  }
  if (ctx.webhookToken && url.searchParams.get('token') !== ctx.webhookToken)
    return 'it does not carry TELNYX_WEBHOOK_TOKEN as its token= parameter';
  return null;
}

function safeDecode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** The application as the printout names it. */
function appLabel(app: TexmlApplicationResource, id: string): string {
  return app.friendly_name ? `"${app.friendly_name}" (${id})` : id;
}

export function texmlApplicationChecks(
  read: ApiRead<TexmlApplicationResource>,
  id: string,
  ctx: UrlContext | null,
): { checks: Check[]; outboundVoiceProfileId: string | null } {
  if (!read.ok) {
    const notFound = read.status === 404;
    return {
      checks: [
        {
          status: 'fail',
          title: `TeXML application ${id}: ${read.message}`,
          fix: notFound
            ? `TELNYX_TEXML_APPLICATION_ID must be the id of a TeXML application of this account (${PORTAL_TEXML}); the id of a SIP connection or a number will not do.`
            : readFix(read),
        },
      ],
      outboundVoiceProfileId: null,
    };
  }
  const app = read.data;
  const label = appLabel(app, id);
  const patch = (field: string, value: string) => `(API: PATCH /v2/texml_applications/${id} with {"${field}": "${value}"})`;
  const checks: Check[] = [];
  checks.push(
    app.active === false
      ? {
          status: 'fail',
          title: `TeXML application ${label} is not active`,
          fix: `In ${PORTAL_TEXML}, open ${label} and activate it (API: PATCH /v2/texml_applications/${id} with {"active": true}).`,
        }
      : { status: 'pass', title: `TeXML application ${label} exists and is active` },
  );
  if (ctx) {
    for (const [route, field, portalName] of [
      ['voice', 'voice_url', 'Webhook URL'],
      ['status', 'status_callback', 'Call progress events URL'],
    ] as const) {
      const actual = app[field];
      const problem = webhookUrlProblem(actual, route, ctx);
      const expected = expectedWebhookUrl(route, ctx);
      checks.push(
        problem === null
          ? { status: 'pass', title: `${portalName} (${field}) is ${shownUrl(actual!)}` }
          : {
              status: 'fail',
              title: `${portalName} (${field}) is ${actual ? shownUrl(actual) : 'not set'}: ${problem}`,
              detail: [`expected ${expected}`],
              fix: `In ${PORTAL_TEXML}, open ${label} and set ${portalName} to ${expected} ${patch(field, expected)}.`,
            },
      );
    }
  }
  for (const [field, portalName, note] of [
    ['voice_method', 'Voice Method', " (Telnyx's default is GET)"],
    ['status_callback_method', 'Status Callback Method', ''],
  ] as const) {
    const actual = app[field];
    checks.push(
      actual?.toLowerCase() === 'post'
        ? { status: 'pass', title: `${portalName} (${field}) is POST` }
        : {
            status: 'fail',
            title: `${portalName} (${field}) is ${actual ? actual.toUpperCase() : 'not set'}${note}`,
            detail: ['Signed webhooks cover the body only: with GET the parameters would arrive unsigned in the query string.'],
            fix: `In ${PORTAL_TEXML}, open ${label} and set ${portalName} to POST ${patch(field, 'post')}.`,
          },
    );
  }
  checks.push(
    app.voice_fallback_url
      ? { status: 'pass', title: `Webhook Failover URL (voice_fallback_url) is ${shownUrl(app.voice_fallback_url)}` }
      : {
          status: 'warn',
          title: 'Webhook Failover URL (voice_fallback_url) is not set',
          detail: ['Telnyx uses it when the Webhook URL answers with an error; without it such callers hear an error message.'],
          fix: `In ${PORTAL_TEXML}, open ${label} and point it at a TeXML bin that apologises and hangs up.`,
        },
  );
  const profileId = app.outbound?.outbound_voice_profile_id || null;
  checks.push(
    profileId
      ? { status: 'pass', title: `An outbound voice profile (${profileId}) is attached to the TeXML application` }
      : {
          status: 'fail',
          title: 'No outbound voice profile is attached to the TeXML application',
          detail: ['Without one, the <Dial> legs to agents and the forwards to a fallback number cannot be placed.'],
          fix: `In ${PORTAL_PROFILES}, create a profile (or open yours), choose "Add connections/apps to profile" and pick ${label} (API: outbound.outbound_voice_profile_id on the application).`,
        },
  );
  return { checks, outboundVoiceProfileId: profileId };
}

// ---------------------------------------------------------------------------------------------------
// Outbound voice profiles.

export function outboundVoiceProfileChecks(
  read: ApiRead<OutboundVoiceProfileResource>,
  id: string,
  usedBy: string,
  forwardNumbers: readonly ForwardNumber[],
): Check[] {
  if (!read.ok) {
    return [
      {
        status: 'fail',
        title: `Outbound voice profile ${id} of the ${usedBy}: ${read.message}`,
        fix: read.status === 404 ? `Attach an existing profile to the ${usedBy} (${PORTAL_PROFILES}).` : readFix(read),
      },
    ];
  }
  const profile = read.data;
  const label = profile.name ? `"${profile.name}" (${id})` : id;
  const checks: Check[] = [
    profile.enabled === false
      ? {
          status: 'fail',
          title: `Outbound voice profile ${label} is disabled`,
          detail: ['A disabled profile blocks every outbound call of its connections.'],
          fix: `In ${PORTAL_PROFILES}, open ${label} and enable it.`,
        }
      : { status: 'pass', title: `Outbound voice profile ${label} of the ${usedBy} is enabled` },
  ];
  const allowed = profile.whitelisted_destinations?.map((c) => c.toUpperCase());
  if (allowed && forwardNumbers.length > 0) {
    const blocked = forwardNumbers.filter((f) => f.country !== undefined && !allowed.includes(f.country));
    checks.push(
      blocked.length === 0
        ? { status: 'pass', title: `Outbound voice profile ${label} allows the fallback numbers' countries` }
        : {
            status: 'fail',
            title: `Outbound voice profile ${label} does not allow calls to ${[...new Set(blocked.map((b) => b.country))].join(', ')}`,
            detail: blocked.map((b) => `${b.companyName} forwards to ${b.number}`),
            fix: `In ${PORTAL_PROFILES}, open ${label} and add the countries under "International Allowed Destinations".`,
          },
    );
  }
  return checks;
}

// ---------------------------------------------------------------------------------------------------
// The credential connection agents' credentials live on.

export function credentialConnectionChecks(
  read: ApiRead<CredentialConnectionResource>,
  id: string,
): { checks: Check[]; outboundVoiceProfileId: string | null } {
  if (!read.ok) {
    return {
      checks: [
        {
          status: 'fail',
          title: `Credential connection ${id}: ${read.message}`,
          fix:
            read.status === 404
              ? `TELNYX_CONNECTION_ID must be the id of a credential SIP connection of this account (${PORTAL_CONNECTIONS}, type Credentials); a TeXML application's id will not do.`
              : readFix(read),
        },
      ],
      outboundVoiceProfileId: null,
    };
  }
  const connection = read.data;
  const label = connection.connection_name ? `"${connection.connection_name}" (${id})` : id;
  const patch = `PATCH /v2/credential_connections/${id}`;
  const checks: Check[] = [
    connection.active === false
      ? {
          status: 'fail',
          title: `Credential connection ${label} is not active`,
          fix: `In ${PORTAL_CONNECTIONS}, open ${label} and activate it (API: ${patch} with {"active": true}).`,
        }
      : { status: 'pass', title: `Credential connection ${label} exists and is active` },
  ];
  // "internal" is what Telnyx's WebRTC docs prescribe when a call from outside (PSTN) is processed by TeXML
  // and a second leg rings the client (developers.telnyx.com/docs/voice/webrtc/auth/credential-connections,
  // "Pattern 2"): our flow exactly. "unrestricted" works too (the call-center tutorial's "From anyone").
  const preference = connection.sip_uri_calling_preference;
  const fixSipUri = `In ${PORTAL_CONNECTIONS}, open ${label}, Inbound: set "Receive SIP URI Calls" to "Only my connections" (API: ${patch} with {"sip_uri_calling_preference": "internal"}).`;
  if (preference === 'internal') {
    checks.push({
      status: 'pass',
      title: "Receive SIP URI Calls (sip_uri_calling_preference) is internal: this account's connections may ring agents",
    });
  } else if (preference === 'unrestricted') {
    checks.push({
      status: 'warn',
      title: 'Receive SIP URI Calls (sip_uri_calling_preference) is unrestricted (from anyone)',
      detail: ["Calls ring agents, but anyone on the internet who learns a credential's SIP username can ring that softphone directly."],
      fix: fixSipUri,
    });
  } else {
    checks.push({
      status: 'fail',
      title: `Receive SIP URI Calls (sip_uri_calling_preference) is ${preference ?? 'not set'}`,
      detail: ['Agents are dialed as sip:<username>@sip.telnyx.com, and SIP URI calls are disabled by default: no softphone rings.'],
      fix: fixSipUri,
    });
  }
  const profileId = connection.outbound?.outbound_voice_profile_id || null;
  checks.push(
    profileId
      ? { status: 'pass', title: `An outbound voice profile (${profileId}) is attached to the credential connection` }
      : {
          status: 'fail',
          title: 'No outbound voice profile is attached to the credential connection',
          detail: ["Telnyx's call-center tutorial associates the profile with the agents' connections so calls can be forwarded to them."],
          fix: `In ${PORTAL_PROFILES}, open the profile, choose "Add connections/apps to profile" and pick ${label}.`,
        },
  );
  return { checks, outboundVoiceProfileId: profileId };
}

// ---------------------------------------------------------------------------------------------------
// Webhook signatures.

/**
 * Telnyx's API has no endpoint that returns the account's public key (none in the OpenAPI spec or the
 * SDK generated from it), so the doctor can only check the setting is there and say where to compare it.
 */
export function publicKeyCheck(s: DoctorSettings): Check {
  const auth = s.webhookAuth?.toLowerCase();
  if (auth === 'off') {
    return {
      status: 'warn',
      title: 'TELNYX_WEBHOOK_AUTH=off: webhooks are accepted without any check',
      fix: `Copy the public key from ${PORTAL_PUBLIC_KEY} into TELNYX_PUBLIC_KEY and unset TELNYX_WEBHOOK_AUTH.`,
    };
  }
  if (!s.publicKey) {
    if (auth === 'token') {
      return {
        status: 'warn',
        title: 'TELNYX_PUBLIC_KEY is not set: webhooks are checked by the URL token only',
        fix: `Copy the public key from ${PORTAL_PUBLIC_KEY} into TELNYX_PUBLIC_KEY to check Telnyx's signatures too.`,
      };
    }
    return {
      status: 'fail',
      title: 'TELNYX_PUBLIC_KEY is not set',
      detail: ['Without it, anyone who learns the URLs can post fake calls, statuses and voicemails.'],
      fix: `Copy the public key from ${PORTAL_PUBLIC_KEY} into TELNYX_PUBLIC_KEY.`,
    };
  }
  return {
    status: 'manual',
    title: "TELNYX_PUBLIC_KEY is a well-formed Ed25519 key; Telnyx's API does not expose the account's key to compare",
    detail: [
      `Compare it with ${PORTAL_PUBLIC_KEY}: ${s.publicKey.slice(0, 6)}…${s.publicKey.slice(-6)}.`,
      'A wrong key makes the service refuse every webhook with 403 (each one logged), so callers hear an error.',
    ],
  };
}

// ---------------------------------------------------------------------------------------------------
// Agents and their telephony credentials.

/** Failing agents listed one by one up to this many; the rest are counted. */
const MAX_AGENT_LINES = 50;

/** What the service dials for an agent: the stored credential username when there is one. */
export function dialedUsername(agent: DoctorAgent): string {
  return agent.telnyxSipUsername ?? agent.sipUsername;
}

export function agentChecks(
  data: AccountData,
  credentials: ApiRead<{ credentials: TelephonyCredentialResource[]; complete: boolean }>,
  connectionId: string | undefined,
): Check[] {
  if (!data.ok) {
    return [
      {
        status: 'fail',
        title: `Agents could not be read from the database: ${data.message}`,
        fix: "Run the doctor with the service's DATABASE_URL (or DATA_DIR). The embedded database admits one process at a time: stop the service first, or use Postgres.",
      },
    ];
  }
  if (data.agents.length === 0) return [{ status: 'pass', title: 'No enabled agents yet: nothing to match against credentials' }];
  if (!credentials.ok) {
    return [{ status: 'fail', title: `Telephony credentials could not be listed: ${credentials.message}`, fix: readFix(credentials) }];
  }
  const byId = new Map(credentials.data.credentials.filter((c) => c.id).map((c) => [c.id!, c]));
  const problems: string[] = [];
  for (const agent of data.agents) {
    const problem = agentProblem(agent, agent.telnyxCredentialId ? byId.get(agent.telnyxCredentialId) : undefined, connectionId);
    if (problem) problems.push(`${agent.displayName} (${agent.companyName}, ${agent.id}): ${problem}`);
  }
  const checks: Check[] = [];
  if (!credentials.data.complete)
    checks.push({
      status: 'warn',
      title: 'The account has more telephony credentials than the doctor lists; agents past them show as missing',
    });
  if (problems.length === 0) {
    checks.push({
      status: 'pass',
      title: `${data.agents.length} enabled agent(s): each credential exists${connectionId ? ` on connection ${connectionId}` : ''} and its sip_username is the one dialed`,
    });
    return checks;
  }
  const shown = problems.slice(0, MAX_AGENT_LINES);
  if (problems.length > shown.length) shown.push(`… and ${problems.length - shown.length} more`);
  checks.push({
    status: 'fail',
    title: `${problems.length} of ${data.agents.length} enabled agent(s) cannot ring`,
    detail: shown,
    fix: "Give each its own credential on TELNYX_CONNECTION_ID (reprovisionAgentCredential, or linkAgentCredential for an existing one): the agent must be dialed at exactly its credential's sip_username.",
  });
  return checks;
}

/** Why this agent's softphone would not ring when dialed, or null. */
export function agentProblem(
  agent: DoctorAgent,
  credential: TelephonyCredentialResource | undefined,
  connectionId: string | undefined,
): string | null {
  if (!agent.telnyxCredentialId) return 'no telephony credential (its softphone cannot register)';
  if (!credential) return `credential ${agent.telnyxCredentialId} does not exist on the account`;
  if (credential.expired) return `credential ${agent.telnyxCredentialId} has expired`;
  if (connectionId && credential.resource_id !== `connection:${connectionId}`)
    return `credential ${agent.telnyxCredentialId} is on ${credential.resource_id ?? 'no connection'}, not connection:${connectionId}`;
  const dialed = dialedUsername(agent);
  if (credential.sip_username !== dialed)
    return `dialed as sip:${dialed}@sip.telnyx.com, but its credential registers as ${credential.sip_username ?? '(no sip_username)'}`;
  return null;
}

// ---------------------------------------------------------------------------------------------------
// Reading failures and the printout.

function readFix(read: { status: number | null }): string {
  if (read.status === 401 || read.status === 403) return `Check TELNYX_API_KEY: a current API v2 key of this account (${PORTAL_API_KEYS}).`;
  if (read.status === null) return 'Check the network, and TELNYX_API_BASE_URL if it is set; then run the doctor again.';
  return 'Run the doctor again; if it persists, see status.telnyx.com.';
}

const MARK: Record<CheckStatus, string> = { pass: 'ok    ', warn: 'warn  ', manual: 'check ', fail: 'FAIL  ' };

/** The lines printed for one check. */
export function formatCheck(check: Check): string[] {
  const lines = [`${MARK[check.status]}${check.title}`];
  for (const line of check.detail ?? []) lines.push(`      ${line}`);
  if (check.fix) lines.push(`      fix: ${check.fix}`);
  return lines;
}

export function summary(checks: readonly Check[]): string {
  const count = (status: CheckStatus) => checks.filter((c) => c.status === status).length;
  const failed = count('fail');
  const extras = [count('warn') ? `${count('warn')} warning(s)` : '', count('manual') ? `${count('manual')} to check by hand` : ''].filter(
    Boolean,
  );
  const tail = extras.length ? ` (${extras.join(', ')})` : '';
  return failed === 0
    ? `All ${checks.length} checks passed${tail}.`
    : `${failed} of ${checks.length} checks failed${tail}: fix them and run npm run telnyx:doctor again.`;
}
