import { z } from 'zod';
import { parseTelnyxPublicKey } from './telnyx/signature.js';
import { DEFAULT_RECORDING_URL_ALLOWLIST, parseRecordingAllowList, type RecordingUrlRule } from './telnyx/recording-url.js';
import { WEBHOOK_AUTH_MODES, type WebhookAuthMode } from './telnyx/webhook-auth.js';

/**
 * Environment configuration. Every variable is optional so that `npm start` on a fresh machine runs the
 * embedded default (PGlite in ./.data, in-memory presence and pub/sub, a generated admin key and JWT
 * secret kept in the data folder). README.md documents each knob.
 */
/** A per-principal limit: a whole number from 1 to `max`, with a message naming the variable. */
function limitKnob(name: string, max: number, fallback: number) {
  return z.coerce
    .number({ error: `${name} must be a whole number` })
    .int(`${name} must be a whole number`)
    .min(1, `${name} must be at least 1`)
    .max(max, `${name} must be at most ${max}`)
    .default(fallback);
}

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgresql:// URL (unset it for the embedded PGlite)')
    .optional(),
  DATA_DIR: z.string().default('./.data'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'REDIS_URL must be a redis:// or rediss:// URL (unset it for one instance)')
    .optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'REDIS_KEY_PREFIX must be 1-64 letters, digits or : _ . -')
    .default('curbe-voice'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(500).default(10),
  PUBLIC_URL: z.url({ protocol: /^https?$/, message: 'PUBLIC_URL must be an http(s) URL such as https://voice.example.com' }).optional(),
  PRESENCE_TTL_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(500).max(300_000).default(10_000),
  SOCKET_GRACE_MS: z.coerce.number().int().min(0).max(120_000).default(5_000),
  HEARTBEAT_MAX_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).optional(),
  SOFTPHONE_TOKENS_PER_HOUR: limitKnob('SOFTPHONE_TOKENS_PER_HOUR', 10_000, 30),
  STATUS_CHANGES_PER_MINUTE: limitKnob('STATUS_CHANGES_PER_MINUTE', 10_000, 60),
  AUTH_FAILURES_PER_MINUTE: limitKnob('AUTH_FAILURES_PER_MINUTE', 100_000, 20),
  WS_MAX_SUBSCRIPTIONS_PER_SOCKET: limitKnob('WS_MAX_SUBSCRIPTIONS_PER_SOCKET', 10_000, 50),
  WS_MAX_SOCKETS_PER_AGENT: limitKnob('WS_MAX_SOCKETS_PER_AGENT', 1_000, 5),
  WS_MAX_SOCKETS_PER_SUPERVISOR_TOKEN: limitKnob('WS_MAX_SOCKETS_PER_SUPERVISOR_TOKEN', 10_000, 20),
  WS_MAX_PINGS_PER_MINUTE: limitKnob('WS_MAX_PINGS_PER_MINUTE', 100_000, 60),
  MAX_SUBSCRIPTIONS_PER_COMPANY: limitKnob('MAX_SUBSCRIPTIONS_PER_COMPANY', 100_000, 100),
  TRUST_PROXY: z.coerce
    .number({ error: 'TRUST_PROXY must be the number of proxies in front of the service (0 = none)' })
    .int('TRUST_PROXY must be the number of proxies in front of the service (0 = none)')
    .min(0, 'TRUST_PROXY must be 0 or more')
    .max(10, 'TRUST_PROXY must be at most 10')
    .default(0),
  WEBHOOK_DEADLINE_MS: z.coerce.number().int().min(50).max(10_000).default(2_000),
  WRITE_BEHIND_MAX_WAITING_ROWS: z.coerce
    .number({ message: 'WRITE_BEHIND_MAX_WAITING_ROWS must be a number of rows' })
    .int()
    .min(1_000, 'WRITE_BEHIND_MAX_WAITING_ROWS must be at least 1000')
    .max(10_000_000, 'WRITE_BEHIND_MAX_WAITING_ROWS must be at most 10000000')
    .default(100_000),
  AGENT_CALL_MAX_SECONDS: z.coerce
    .number({ message: 'AGENT_CALL_MAX_SECONDS must be a number of seconds' })
    .int()
    .min(60, 'AGENT_CALL_MAX_SECONDS must be at least 60')
    .max(172_800, 'AGENT_CALL_MAX_SECONDS must be at most 172800 (48 h)')
    .default(14_400),
  WEBHOOK_BODY_TIMEOUT_MS: z.coerce
    .number({ message: 'WEBHOOK_BODY_TIMEOUT_MS must be a number of milliseconds' })
    .int()
    .min(100, 'WEBHOOK_BODY_TIMEOUT_MS must be at least 100')
    .max(60_000, 'WEBHOOK_BODY_TIMEOUT_MS must be at most 60000')
    .default(5_000),
  RECORDING_URL_ALLOWLIST: z.string().default(DEFAULT_RECORDING_URL_ALLOWLIST),
  // Where recordings are kept (docs/RECORDINGS.md): a folder (default DATA_DIR/recordings) or an S3 bucket.
  RECORDINGS_DIR: z.string().optional(),
  RECORDINGS_S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'RECORDINGS_S3_BUCKET must be an S3 bucket name (3-63 lower-case letters, digits, . or -)')
    .optional(),
  RECORDINGS_S3_ENDPOINT: z
    .url({ protocol: /^https?$/, message: 'RECORDINGS_S3_ENDPOINT must be an http(s) URL such as https://s3.eu-central-1.wasabisys.com' })
    .optional(),
  RECORDINGS_S3_REGION: z
    .string()
    .regex(/^[a-z0-9-]{2,32}$/, 'RECORDINGS_S3_REGION must be a region name such as us-east-1')
    .default('us-east-1'),
  RECORDINGS_S3_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9!_.*'()/-]{0,200}$/, "RECORDINGS_S3_PREFIX must be up to 200 characters of A-Z a-z 0-9 ! _ . * ' ( ) / -")
    .default(''),
  RECORDINGS_MAX_BYTES: z.coerce
    .number({ message: 'RECORDINGS_MAX_BYTES must be a number of bytes' })
    .int('RECORDINGS_MAX_BYTES must be a whole number of bytes')
    .min(1_024, 'RECORDINGS_MAX_BYTES must be at least 1024')
    .max(2_147_483_647, 'RECORDINGS_MAX_BYTES must be at most 2147483647')
    .default(256 * 1024 * 1024),
  // E-mail about new voicemails (optional): smtp(s)://user:pass@host:port, and the From address.
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, 'SMTP_URL must be an smtp:// or smtps:// URL such as smtps://user:pass@mail.example.com:465')
    .optional(),
  VOICEMAIL_EMAIL_FROM: z.email({ message: 'VOICEMAIL_EMAIL_FROM must be an e-mail address such as voicemail@example.com' }).optional(),
  ADMIN_API_KEY: z.string().min(16, 'ADMIN_API_KEY must be at least 16 characters').optional(),
  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').optional(),
  JWT_SECRET_PREVIOUS: z.string().min(32, 'JWT_SECRET_PREVIOUS must be at least 32 characters').optional(),
  TELNYX_PUBLIC_KEY: z
    .string()
    .refine(isTelnyxPublicKey, 'TELNYX_PUBLIC_KEY must be the base64 Ed25519 public key from the Telnyx portal (32 bytes)')
    .optional(),
  TELNYX_API_KEY: z.string().min(10, 'TELNYX_API_KEY must be a Telnyx API v2 key (KEY…)').optional(),
  TELNYX_API_BASE_URL: z
    .url({ protocol: /^https?$/, message: 'TELNYX_API_BASE_URL must be an http(s) URL' })
    .default('https://api.telnyx.com/v2'),
  TELNYX_WEBRTC_HOST: z.url({ protocol: /^wss?$/, message: 'TELNYX_WEBRTC_HOST must be a ws:// or wss:// URL' }).optional(),
  TELNYX_CONNECTION_ID: z
    .string()
    .trim()
    .regex(/^\d{1,40}$/, 'TELNYX_CONNECTION_ID must be the numeric id of a Telnyx credential connection (e.g. 1234567890)')
    .optional(),
  TELNYX_TEXML_APPLICATION_ID: z
    .string()
    .trim()
    .regex(/^\d{1,40}$/, 'TELNYX_TEXML_APPLICATION_ID must be the numeric id of a Telnyx TeXML application (e.g. 1293384261075731499)')
    .optional(),
  TELNYX_ACCOUNT_SID: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,128}$/, 'TELNYX_ACCOUNT_SID must be the AccountSid TeXML webhooks carry (letters, digits, - and _)')
    .optional(),
  TELNYX_SIMULATOR: z.enum(['auto', 'on', 'off']).default('auto'),
  TELNYX_SIMULATOR_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NODE_ENV: z.string().default('development'),
  CORS_ORIGINS: z
    .string()
    .transform((value, ctx) => {
      const origins = value
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean);
      for (const origin of origins) {
        if (!isOrigin(origin)) {
          ctx.addIssue({
            code: 'custom',
            message: `"${origin.slice(0, 80)}" is not an origin such as https://crm.example.com (lower-case scheme, host and optional port; no path or trailing slash)`,
          });
          return z.NEVER;
        }
      }
      return origins;
    })
    .optional(),
  GRAPHQL_MAX_COST: z.coerce.number().int().min(100, 'GRAPHQL_MAX_COST must be at least 100').max(10_000_000).default(50_000),
  GRAPHQL_MAX_RESULT_NODES: z.coerce
    .number()
    .int()
    .min(100, 'GRAPHQL_MAX_RESULT_NODES must be at least 100')
    .max(10_000_000)
    .default(100_000),
  GRAPHQL_MAX_RESULT_BYTES: z.coerce
    .number()
    .int()
    .min(10_000, 'GRAPHQL_MAX_RESULT_BYTES must be at least 10000')
    .max(100_000_000)
    .default(4 * 1024 * 1024),
  // At most the largest page of agents the API returns (agents(first: 2000)).
  MAX_AGENTS_PER_COMPANY: z.coerce.number().int().min(1).max(2000, 'MAX_AGENTS_PER_COMPANY must be at most 2000').default(2000),
  // Each <Sip> of a <Dial> is one dial against Telnyx's dials-per-second limit (30/s over a 5 s window).
  MAX_DIAL_TARGETS: z.coerce
    .number({ message: 'MAX_DIAL_TARGETS must be a whole number of agents' })
    .int('MAX_DIAL_TARGETS must be a whole number of agents')
    .min(1, 'MAX_DIAL_TARGETS must be at least 1')
    .max(100, 'MAX_DIAL_TARGETS must be at most 100')
    .default(10),
  WEBHOOKS_ALLOW_PRIVATE_NETWORKS: z
    .enum(['true', 'false', '1', '0'], { message: 'WEBHOOKS_ALLOW_PRIVATE_NETWORKS must be true or false' })
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  WEBHOOK_TIMEOUT_MS: z.coerce
    .number({ message: 'WEBHOOK_TIMEOUT_MS must be a number of milliseconds' })
    .int('WEBHOOK_TIMEOUT_MS must be a whole number of milliseconds')
    .min(100, 'WEBHOOK_TIMEOUT_MS must be at least 100')
    .max(60_000, 'WEBHOOK_TIMEOUT_MS must be at most 60000')
    .default(10_000),
  SEED_DEMO: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1')),
  TELNYX_WEBHOOK_AUTH: z.enum(WEBHOOK_AUTH_MODES, { message: 'TELNYX_WEBHOOK_AUTH must be signature, token or off' }).optional(),
  // URL-safe so it needs no encoding in the URLs Telnyx is given (`openssl rand -hex 32` fits).
  TELNYX_WEBHOOK_TOKEN: z
    .string()
    .regex(/^[A-Za-z0-9_-]{32,256}$/, 'TELNYX_WEBHOOK_TOKEN must be 32-256 characters of A-Z a-z 0-9 - _ (e.g. openssl rand -hex 32)')
    .optional(),
});

export type Env = z.infer<typeof EnvSchema>;

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  /** Set: several instances share presence, events, reservations and calls through this Redis. */
  redisUrl: string | undefined;
  /** Every Redis key and channel starts with it; instances of one deployment must agree. */
  redisKeyPrefix: string;
  /** Postgres connections this instance may open (pg pool max). */
  databasePoolMax: number;
  /** Base for TeXML action URLs; null = the address the server listens on. */
  publicUrl: string | null;
  presenceTtlMs: number;
  heartbeatIntervalMs: number;
  socketGraceMs: number;
  /** Heartbeats one agent may send per minute (all instances together) before getting RATE_LIMITED. */
  heartbeatMaxPerMinute: number;
  /** Per-principal limits (src/auth/limits.ts); the socket caps hold per instance. */
  limits: {
    softphoneTokensPerHour: number;
    statusChangesPerMinute: number;
    /** Failed authentications per source address before its attempts get RATE_LIMITED. */
    authFailuresPerMinute: number;
    wsMaxSubscriptionsPerSocket: number;
    wsMaxSocketsPerAgent: number;
    wsMaxSocketsPerSupervisorToken: number;
    wsPingsPerMinute: number;
    /** Live subscriptions one company's supervisors may hold open on this instance (both transports). */
    maxSubscriptionsPerCompany: number;
  };
  /** Proxies in front of the service: the source address is taken that many hops from the right of X-Forwarded-For (0 = the socket's address). */
  trustProxyHops: number;
  /** A Telnyx webhook answers within this long, from what is known, whatever the database does. */
  webhookDeadlineMs: number;
  /** Call-log / last-seen rows kept per writer while the database is away; past it the oldest are dropped. */
  writeBehindMaxWaitingRows: number;
  /** An agent on a call with no leg event for this long is freed by the sweep. */
  agentCallMaxSeconds: number;
  /** A webhook whose body has not fully arrived this long after its headers is cut (408). */
  webhookBodyTimeoutMs: number;
  /** Where a voicemail's RecordingUrl may point (https on Telnyx's recording hosts by default). */
  recordingUrlRules: RecordingUrlRule[];
  /** Where recordings are kept and how large one may be (docs/RECORDINGS.md). */
  recordings: { storage: RecordingStorageConfig; maxBytes: number };
  /** Voicemail e-mails (SMTP_URL, VOICEMAIL_EMAIL_FROM); null = none are sent. */
  voicemailEmail: { smtpUrl: string; from: string } | null;
  adminApiKey: string | undefined;
  jwtSecret: string | undefined;
  /** The secret before the last rotation: its tokens are still accepted, never issued. */
  jwtSecretPrevious: string | undefined;
  telnyxPublicKey: string | undefined;
  /** Mints softphone login tokens; without it softphones run unregistered (demo mode). */
  telnyxApiKey: string | undefined;
  telnyxApiBaseUrl: string;
  /** Overrides the SDK's signalling server (wss://rtc.telnyx.com); tests point it at a fake. */
  telnyxWebrtcHost: string | undefined;
  /** The credential connection agents' telephony credentials are created on; with telnyxApiKey, agents are provisioned. */
  telnyxConnectionId: string | undefined;
  /** The TeXML application the numbers use; `npm run telnyx:doctor` checks its settings. */
  telnyxTexmlApplicationId: string | undefined;
  /**
   * The account's AccountSid (every TeXML webhook carries it): the TeXML REST paths of calls the service
   * places before any webhook names it (outbound calls). Unset: the AccountSid of a call in progress.
   */
  telnyxAccountSid: string | undefined;
  /**
   * Run the local Telnyx (src/simulator) in this process and point the Telnyx settings at it: on by
   * default without a Telnyx account outside production (the demo), never in production.
   */
  telnyxSimulator: { enabled: boolean; port: number };
  logLevel: Env['LOG_LEVEL'];
  production: boolean;
  /** Seed the demo company on start (default: only for the embedded database, never in production). */
  seedDemo: boolean;
  /** CRM webhooks may reach loopback/private/link-local addresses (tests, on-premises); off by default (SSRF). */
  webhooksAllowPrivateNetworks: boolean;
  /** One CRM webhook attempt's time limit. */
  webhookTimeoutMs: number;
  /** Browser origins allowed to call the API cross-origin (with credentials); empty = same-origin only. */
  corsOrigins: string[];
  /** Per GraphQL operation: estimated cost, and the size of its result (values, JSON bytes). */
  graphqlLimits: { maxCost: number; maxResultNodes: number; maxResultBytes: number };
  /** Agents one company may have (createAgent refuses past it). */
  maxAgentsPerCompany: number;
  /** The most `<Sip>`/`<Number>` nouns one `<Dial>` carries (MAX_DIAL_TARGETS); more agents ring in later steps. */
  maxDialTargets: number;
  /**
   * TELNYX_WEBHOOK_AUTH as set; unset = `signature` with TELNYX_PUBLIC_KEY, else `token` with
   * TELNYX_WEBHOOK_TOKEN, else `off` (resolved by webhookAuthOf in src/telnyx/webhook-auth.ts).
   */
  telnyxWebhookAuth: WebhookAuthMode | undefined;
  /** The secret `token=` query parameter every /telnyx URL must carry (a second factor with signatures). */
  telnyxWebhookToken: string | undefined;
}

export type RecordingStorageConfig =
  | { kind: 'memory' }
  | { kind: 'filesystem'; dir: string }
  | { kind: 's3'; bucket: string; region: string; endpoint: string | undefined; prefix: string };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(stripEmpty(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.HEARTBEAT_INTERVAL_MS >= e.PRESENCE_TTL_MS) {
    throw new ConfigError(
      `Invalid configuration:\n  HEARTBEAT_INTERVAL_MS (${e.HEARTBEAT_INTERVAL_MS}) must be shorter than PRESENCE_TTL_MS (${e.PRESENCE_TTL_MS})`,
    );
  }
  const production = e.NODE_ENV === 'production';
  let recordingUrlRules: RecordingUrlRule[];
  try {
    recordingUrlRules = parseRecordingAllowList(e.RECORDING_URL_ALLOWLIST, { production });
  } catch (err) {
    throw new ConfigError(`Invalid configuration:\n  RECORDING_URL_ALLOWLIST: ${(err as Error).message}`);
  }
  if (production && (!e.ADMIN_API_KEY || !e.JWT_SECRET)) {
    throw new ConfigError('Invalid configuration:\n  ADMIN_API_KEY and JWT_SECRET are required when NODE_ENV=production');
  }
  // The demo prints the admin key and long-lived tokens to the log: never in production.
  if (production && e.SEED_DEMO) {
    throw new ConfigError(
      'Invalid configuration:\n  SEED_DEMO must not be true when NODE_ENV=production (the demo prints the admin key and tokens); unset it',
    );
  }
  if (e.TELNYX_SIMULATOR === 'on' && production) {
    throw new ConfigError(
      'Invalid configuration:\n  TELNYX_SIMULATOR=on is not allowed when NODE_ENV=production (it would fake Telnyx); unset it',
    );
  }
  if (e.TELNYX_CONNECTION_ID && !e.TELNYX_API_KEY) {
    throw new ConfigError(
      "Invalid configuration:\n  TELNYX_CONNECTION_ID is set but TELNYX_API_KEY is not: agents' credentials are created with the API key; set both or neither",
    );
  }
  if (e.TELNYX_SIMULATOR === 'on' && e.TELNYX_API_KEY) {
    throw new ConfigError(
      'Invalid configuration:\n  TELNYX_SIMULATOR=on replaces the Telnyx account, but TELNYX_API_KEY is set: unset one of them',
    );
  }
  if (e.RECORDINGS_S3_ENDPOINT && !e.RECORDINGS_S3_BUCKET) {
    throw new ConfigError('Invalid configuration:\n  RECORDINGS_S3_ENDPOINT is set but RECORDINGS_S3_BUCKET is not: set the bucket too');
  }
  if (e.VOICEMAIL_EMAIL_FROM && !e.SMTP_URL) {
    throw new ConfigError('Invalid configuration:\n  VOICEMAIL_EMAIL_FROM is set but SMTP_URL is not: e-mails need an SMTP server');
  }
  const webhookAuthProblem = telnyxWebhookAuthProblem(e, production);
  if (webhookAuthProblem) throw new ConfigError(`Invalid configuration:\n  ${webhookAuthProblem}`);
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    databasePoolMax: e.DATABASE_POOL_MAX,
    publicUrl: e.PUBLIC_URL ? e.PUBLIC_URL.replace(/\/+$/, '') : null,
    presenceTtlMs: e.PRESENCE_TTL_MS,
    heartbeatIntervalMs: e.HEARTBEAT_INTERVAL_MS,
    socketGraceMs: e.SOCKET_GRACE_MS,
    webhookDeadlineMs: e.WEBHOOK_DEADLINE_MS,
    writeBehindMaxWaitingRows: e.WRITE_BEHIND_MAX_WAITING_ROWS,
    agentCallMaxSeconds: e.AGENT_CALL_MAX_SECONDS,
    webhookBodyTimeoutMs: e.WEBHOOK_BODY_TIMEOUT_MS,
    recordingUrlRules,
    recordings: { storage: recordingStorageOf(e), maxBytes: e.RECORDINGS_MAX_BYTES },
    voicemailEmail: e.SMTP_URL ? { smtpUrl: e.SMTP_URL, from: e.VOICEMAIL_EMAIL_FROM ?? 'voicemail@localhost' } : null,
    // Default: three times the advertised rate (a softphone reconnecting or reporting call state), at least 30.
    heartbeatMaxPerMinute: e.HEARTBEAT_MAX_PER_MINUTE ?? Math.max(30, Math.ceil((3 * 60_000) / e.HEARTBEAT_INTERVAL_MS)),
    limits: {
      softphoneTokensPerHour: e.SOFTPHONE_TOKENS_PER_HOUR,
      statusChangesPerMinute: e.STATUS_CHANGES_PER_MINUTE,
      authFailuresPerMinute: e.AUTH_FAILURES_PER_MINUTE,
      wsMaxSubscriptionsPerSocket: e.WS_MAX_SUBSCRIPTIONS_PER_SOCKET,
      wsMaxSocketsPerAgent: e.WS_MAX_SOCKETS_PER_AGENT,
      wsMaxSocketsPerSupervisorToken: e.WS_MAX_SOCKETS_PER_SUPERVISOR_TOKEN,
      wsPingsPerMinute: e.WS_MAX_PINGS_PER_MINUTE,
      maxSubscriptionsPerCompany: e.MAX_SUBSCRIPTIONS_PER_COMPANY,
    },
    trustProxyHops: e.TRUST_PROXY,
    adminApiKey: e.ADMIN_API_KEY,
    jwtSecret: e.JWT_SECRET,
    jwtSecretPrevious: e.JWT_SECRET_PREVIOUS,
    telnyxPublicKey: e.TELNYX_PUBLIC_KEY,
    telnyxApiKey: e.TELNYX_API_KEY,
    telnyxApiBaseUrl: e.TELNYX_API_BASE_URL.replace(/\/+$/, ''),
    telnyxWebrtcHost: e.TELNYX_WEBRTC_HOST,
    telnyxConnectionId: e.TELNYX_CONNECTION_ID,
    telnyxTexmlApplicationId: e.TELNYX_TEXML_APPLICATION_ID,
    telnyxAccountSid: e.TELNYX_ACCOUNT_SID,
    telnyxSimulator: {
      enabled: e.TELNYX_SIMULATOR === 'on' || (e.TELNYX_SIMULATOR === 'auto' && !production && !e.TELNYX_API_KEY),
      port: e.TELNYX_SIMULATOR_PORT,
    },
    logLevel: e.LOG_LEVEL,
    production,
    seedDemo: e.SEED_DEMO ?? (!e.DATABASE_URL && !production),
    webhooksAllowPrivateNetworks: e.WEBHOOKS_ALLOW_PRIVATE_NETWORKS,
    webhookTimeoutMs: e.WEBHOOK_TIMEOUT_MS,
    corsOrigins: e.CORS_ORIGINS ?? [],
    graphqlLimits: { maxCost: e.GRAPHQL_MAX_COST, maxResultNodes: e.GRAPHQL_MAX_RESULT_NODES, maxResultBytes: e.GRAPHQL_MAX_RESULT_BYTES },
    maxAgentsPerCompany: e.MAX_AGENTS_PER_COMPANY,
    maxDialTargets: e.MAX_DIAL_TARGETS,
    telnyxWebhookAuth: e.TELNYX_WEBHOOK_AUTH,
    telnyxWebhookToken: e.TELNYX_WEBHOOK_TOKEN,
  };
}

/**
 * Webhooks must be authenticated as configured (docs/TELNYX.md §Signatures): a mode needs what it
 * checks, and production never runs unauthenticated by default — without TELNYX_PUBLIC_KEY it starts
 * only with TELNYX_WEBHOOK_AUTH set explicitly (token, or off on purpose).
 */
function telnyxWebhookAuthProblem(e: Env, production: boolean): string | null {
  const mode = e.TELNYX_WEBHOOK_AUTH;
  if (mode === 'signature' && !e.TELNYX_PUBLIC_KEY) return 'TELNYX_WEBHOOK_AUTH: signature needs TELNYX_PUBLIC_KEY';
  if (mode === 'token' && !e.TELNYX_WEBHOOK_TOKEN) return 'TELNYX_WEBHOOK_AUTH: token needs TELNYX_WEBHOOK_TOKEN';
  if (mode === 'off' && e.TELNYX_WEBHOOK_TOKEN) {
    return 'TELNYX_WEBHOOK_AUTH: off checks nothing, yet TELNYX_WEBHOOK_TOKEN is set: unset one of them';
  }
  if (production && mode === undefined && !e.TELNYX_PUBLIC_KEY) {
    return (
      'TELNYX_PUBLIC_KEY is required when NODE_ENV=production: without it anyone who knows the /telnyx URLs can forge ' +
      "calls' events. Set it (Telnyx portal → Keys & Credentials → Public Key); where the key cannot be used, set " +
      'TELNYX_WEBHOOK_AUTH=token and TELNYX_WEBHOOK_TOKEN; to run unauthenticated on purpose, TELNYX_WEBHOOK_AUTH=off'
    );
  }
  return null;
}

/** An S3 bucket when one is named, else a folder (RECORDINGS_DIR, else DATA_DIR/recordings), else memory. */
function recordingStorageOf(e: Env): RecordingStorageConfig {
  if (e.RECORDINGS_S3_BUCKET) {
    return {
      kind: 's3',
      bucket: e.RECORDINGS_S3_BUCKET,
      region: e.RECORDINGS_S3_REGION,
      endpoint: e.RECORDINGS_S3_ENDPOINT?.replace(/\/+$/, ''),
      prefix: e.RECORDINGS_S3_PREFIX,
    };
  }
  if (e.RECORDINGS_DIR) return { kind: 'filesystem', dir: e.RECORDINGS_DIR };
  if (e.DATA_DIR === 'memory://') return { kind: 'memory' };
  return { kind: 'filesystem', dir: `${e.DATA_DIR.replace(/\/+$/, '')}/recordings` };
}

/** `FOO=` (or only blanks) in a shell means "not set", not "set to the empty string". */
function stripEmpty(env: Record<string, string | undefined>) {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
}

/** An origin as browsers send it: http(s), host, optional port; no path, query or trailing slash. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

function isTelnyxPublicKey(value: string): boolean {
  try {
    parseTelnyxPublicKey(value);
    return true;
  } catch {
    return false;
  }
}
