import { generateKeyPairSync } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { ConfigError, loadConfig, type Config } from '../../src/config.js';
import { DEFAULT_RECORDING_URL_ALLOWLIST, parseRecordingAllowList } from '../../src/telnyx/recording-url.js';
import { webhookAuthOf } from '../../src/telnyx/webhook-auth.js';

// A real Ed25519 public key (raw 32 bytes, base64), as the Telnyx portal shows it.
const TELNYX_KEY = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');

const ALL_VARS = [
  'PORT',
  'HOST',
  'DATABASE_URL',
  'DATA_DIR',
  'RECORDINGS_DIR',
  'RECORDINGS_S3_BUCKET',
  'RECORDINGS_S3_ENDPOINT',
  'RECORDINGS_S3_REGION',
  'RECORDINGS_S3_PREFIX',
  'RECORDINGS_MAX_BYTES',
  'SMTP_URL',
  'VOICEMAIL_EMAIL_FROM',
  'REDIS_URL',
  'REDIS_KEY_PREFIX',
  'DATABASE_POOL_MAX',
  'PUBLIC_URL',
  'PRESENCE_TTL_MS',
  'HEARTBEAT_INTERVAL_MS',
  'SOCKET_GRACE_MS',
  'ADMIN_API_KEY',
  'JWT_SECRET',
  'TELNYX_PUBLIC_KEY',
  'TELNYX_API_KEY',
  'TELNYX_API_BASE_URL',
  'TELNYX_WEBRTC_HOST',
  'TELNYX_CONNECTION_ID',
  'TELNYX_TEXML_APPLICATION_ID',
  'TELNYX_ACCOUNT_SID',
  'TELNYX_SIMULATOR',
  'TELNYX_SIMULATOR_PORT',
  'LOG_LEVEL',
  'NODE_ENV',
  'SEED_DEMO',
  'CORS_ORIGINS',
  'SOFTPHONE_TOKENS_PER_HOUR',
  'STATUS_CHANGES_PER_MINUTE',
  'AUTH_FAILURES_PER_MINUTE',
  'WS_MAX_SUBSCRIPTIONS_PER_SOCKET',
  'WS_MAX_SOCKETS_PER_AGENT',
  'WS_MAX_SOCKETS_PER_SUPERVISOR_TOKEN',
  'WS_MAX_PINGS_PER_MINUTE',
  'MAX_SUBSCRIPTIONS_PER_COMPANY',
  'TRUST_PROXY',
  'MAX_DIAL_TARGETS',
  'TELNYX_WEBHOOK_AUTH',
  'TELNYX_WEBHOOK_TOKEN',
  'WEBHOOKS_ALLOW_PRIVATE_NETWORKS',
  'WEBHOOK_TIMEOUT_MS',
] as const;

const ADMIN_KEY = 'k'.repeat(16);
const JWT = 's'.repeat(32);
const PG = 'postgresql://user:pw@db:5432/voice';
const WEBHOOK_TOKEN = 't'.repeat(32);
/** Production needs webhook authentication chosen (TELNYX_PUBLIC_KEY, or TELNYX_WEBHOOK_AUTH): tests not about it say off. */
const UNAUTHENTICATED = { TELNYX_WEBHOOK_AUTH: 'off' };

/** Calls loadConfig and returns the ConfigError it throws (fails the test if it does not throw one). */
function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).name).toBe('ConfigError');
    return err as ConfigError;
  }
  throw new Error(`expected loadConfig(${JSON.stringify(env)}) to throw a ConfigError`);
}

/** The variable names the error lists, one per "  NAME: message" line (or "  NAME (...)"). */
function namedVariables(err: Error): string[] {
  return [...err.message.matchAll(/^ {2}([A-Z_]+)\b/gm)].map((m) => m[1]!);
}

describe('loadConfig defaults', () => {
  const DEFAULTS: Config = {
    port: 4000,
    host: '0.0.0.0',
    databaseUrl: undefined,
    dataDir: './.data',
    redisUrl: undefined,
    redisKeyPrefix: 'curbe-voice',
    databasePoolMax: 10,
    // Unset = null: the app falls back to the address the server actually listens on (src/app.ts).
    publicUrl: null,
    presenceTtlMs: 30_000,
    heartbeatIntervalMs: 10_000,
    socketGraceMs: 5_000,
    webhookDeadlineMs: 2_000,
    writeBehindMaxWaitingRows: 100_000,
    agentCallMaxSeconds: 14_400,
    webhookBodyTimeoutMs: 5_000,
    recordingUrlRules: parseRecordingAllowList(DEFAULT_RECORDING_URL_ALLOWLIST, { production: false }),
    recordings: { storage: { kind: 'filesystem', dir: './.data/recordings' }, maxBytes: 256 * 1024 * 1024 },
    voicemailEmail: null,
    heartbeatMaxPerMinute: 30,
    limits: {
      softphoneTokensPerHour: 30,
      statusChangesPerMinute: 60,
      authFailuresPerMinute: 20,
      wsMaxSubscriptionsPerSocket: 50,
      wsMaxSocketsPerAgent: 5,
      wsMaxSocketsPerSupervisorToken: 20,
      wsPingsPerMinute: 60,
      maxSubscriptionsPerCompany: 100,
    },
    trustProxyHops: 0,
    adminApiKey: undefined,
    jwtSecret: undefined,
    jwtSecretPrevious: undefined,
    telnyxPublicKey: undefined,
    telnyxApiKey: undefined,
    telnyxApiBaseUrl: 'https://api.telnyx.com/v2',
    telnyxWebrtcHost: undefined,
    telnyxConnectionId: undefined,
    telnyxTexmlApplicationId: undefined,
    telnyxAccountSid: undefined,
    telnyxSimulator: { enabled: true, port: 0 },
    logLevel: 'info',
    production: false,
    seedDemo: true,
    webhooksAllowPrivateNetworks: false,
    webhookTimeoutMs: 10_000,
    corsOrigins: [],
    graphqlLimits: { maxCost: 50_000, maxResultNodes: 100_000, maxResultBytes: 4 * 1024 * 1024 },
    maxAgentsPerCompany: 2000,
    maxDialTargets: 10,
    telnyxWebhookAuth: undefined,
    telnyxWebhookToken: undefined,
  };

  it('an empty environment gives the documented defaults', () => {
    expect(loadConfig({})).toEqual(DEFAULTS);
  });

  it('every variable set to the empty string counts as unset', () => {
    const env = Object.fromEntries(ALL_VARS.map((k) => [k, '']));
    expect(loadConfig(env)).toEqual(DEFAULTS);
  });

  it('undefined values count as unset', () => {
    const env = Object.fromEntries(ALL_VARS.map((k) => [k, undefined]));
    expect(loadConfig(env)).toEqual(DEFAULTS);
  });

  it('an empty NODE_ENV is not production even when secrets are missing', () => {
    expect(loadConfig({ NODE_ENV: '' }).production).toBe(false);
  });

  it('unrelated variables are ignored', () => {
    expect(loadConfig({ PATH: '/usr/bin', HOME: '/root', SOMETHING_ELSE: 'x' })).toEqual(DEFAULTS);
  });

  it('PORT is read, and without PUBLIC_URL the public URL is left to the listener (null)', () => {
    const c = loadConfig({ PORT: '8080' });
    expect(c.port).toBe(8080);
    expect(c.publicUrl).toBeNull();
  });

  it('reads every variable', () => {
    const c = loadConfig({
      PORT: '5000',
      HOST: '127.0.0.1',
      DATABASE_URL: PG,
      DATA_DIR: '/var/lib/voice',
      REDIS_URL: 'redis://cache:6379',
      REDIS_KEY_PREFIX: 'voice-prod',
      DATABASE_POOL_MAX: '25',
      PUBLIC_URL: 'https://voice.example.com',
      PRESENCE_TTL_MS: '20000',
      HEARTBEAT_INTERVAL_MS: '5000',
      SOCKET_GRACE_MS: '0',
      WEBHOOK_DEADLINE_MS: '800',
      WRITE_BEHIND_MAX_WAITING_ROWS: '5000',
      AGENT_CALL_MAX_SECONDS: '7200',
      HEARTBEAT_MAX_PER_MINUTE: '120',
      SOFTPHONE_TOKENS_PER_HOUR: '10',
      STATUS_CHANGES_PER_MINUTE: '11',
      AUTH_FAILURES_PER_MINUTE: '12',
      WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '13',
      WS_MAX_SOCKETS_PER_AGENT: '14',
      WS_MAX_SOCKETS_PER_SUPERVISOR_TOKEN: '15',
      WS_MAX_PINGS_PER_MINUTE: '16',
      MAX_SUBSCRIPTIONS_PER_COMPANY: '40',
      TRUST_PROXY: '1',
      ADMIN_API_KEY: ADMIN_KEY,
      JWT_SECRET: JWT,
      TELNYX_PUBLIC_KEY: TELNYX_KEY,
      TELNYX_API_KEY: 'KEY0123456789',
      TELNYX_API_BASE_URL: 'http://telnyx.internal/v2/',
      TELNYX_WEBRTC_HOST: 'ws://127.0.0.1:9000',
      TELNYX_CONNECTION_ID: '1567510696929005999',
      TELNYX_TEXML_APPLICATION_ID: '1293384261075731499',
      TELNYX_ACCOUNT_SID: 'AC0123456789abcdef',
      TELNYX_SIMULATOR: 'off',
      TELNYX_SIMULATOR_PORT: '4010',
      LOG_LEVEL: 'debug',
      NODE_ENV: 'production',
      SEED_DEMO: 'false',
      CORS_ORIGINS: 'https://crm.example.com, http://localhost:5173',
      GRAPHQL_MAX_COST: '20000',
      GRAPHQL_MAX_RESULT_NODES: '30000',
      GRAPHQL_MAX_RESULT_BYTES: '1000000',
      MAX_AGENTS_PER_COMPANY: '500',
      MAX_DIAL_TARGETS: '5',
      TELNYX_WEBHOOK_AUTH: 'signature',
      TELNYX_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
      WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true',
      WEBHOOK_TIMEOUT_MS: '2500',
      RECORDINGS_S3_BUCKET: 'voice-recordings',
      RECORDINGS_S3_ENDPOINT: 'https://s3.example.com/',
      RECORDINGS_S3_REGION: 'eu-central-1',
      RECORDINGS_S3_PREFIX: 'prod/',
      RECORDINGS_MAX_BYTES: '1048576',
      SMTP_URL: 'smtps://user:pass@mail.example.com:465',
      VOICEMAIL_EMAIL_FROM: 'voicemail@example.com',
    });
    expect(c).toEqual({
      port: 5000,
      host: '127.0.0.1',
      databaseUrl: PG,
      dataDir: '/var/lib/voice',
      redisUrl: 'redis://cache:6379',
      redisKeyPrefix: 'voice-prod',
      databasePoolMax: 25,
      publicUrl: 'https://voice.example.com',
      presenceTtlMs: 20_000,
      heartbeatIntervalMs: 5_000,
      socketGraceMs: 0,
      webhookDeadlineMs: 800,
      writeBehindMaxWaitingRows: 5_000,
      agentCallMaxSeconds: 7_200,
      webhookBodyTimeoutMs: 5_000,
      recordingUrlRules: parseRecordingAllowList(DEFAULT_RECORDING_URL_ALLOWLIST, { production: true }),
      recordings: {
        storage: { kind: 's3', bucket: 'voice-recordings', region: 'eu-central-1', endpoint: 'https://s3.example.com', prefix: 'prod/' },
        maxBytes: 1_048_576,
      },
      voicemailEmail: { smtpUrl: 'smtps://user:pass@mail.example.com:465', from: 'voicemail@example.com' },
      heartbeatMaxPerMinute: 120,
      limits: {
        softphoneTokensPerHour: 10,
        statusChangesPerMinute: 11,
        authFailuresPerMinute: 12,
        wsMaxSubscriptionsPerSocket: 13,
        wsMaxSocketsPerAgent: 14,
        wsMaxSocketsPerSupervisorToken: 15,
        wsPingsPerMinute: 16,
        maxSubscriptionsPerCompany: 40,
      },
      trustProxyHops: 1,
      adminApiKey: ADMIN_KEY,
      jwtSecret: JWT,
      jwtSecretPrevious: undefined,
      telnyxPublicKey: TELNYX_KEY,
      telnyxApiKey: 'KEY0123456789',
      telnyxApiBaseUrl: 'http://telnyx.internal/v2',
      telnyxWebrtcHost: 'ws://127.0.0.1:9000',
      telnyxConnectionId: '1567510696929005999',
      telnyxTexmlApplicationId: '1293384261075731499',
      telnyxAccountSid: 'AC0123456789abcdef',
      telnyxSimulator: { enabled: false, port: 4010 },
      logLevel: 'debug',
      production: true,
      seedDemo: false,
      webhooksAllowPrivateNetworks: true,
      webhookTimeoutMs: 2_500,
      corsOrigins: ['https://crm.example.com', 'http://localhost:5173'],
      graphqlLimits: { maxCost: 20_000, maxResultNodes: 30_000, maxResultBytes: 1_000_000 },
      maxAgentsPerCompany: 500,
      maxDialTargets: 5,
      telnyxWebhookAuth: 'signature',
      telnyxWebhookToken: WEBHOOK_TOKEN,
    } satisfies Config);
  });
});

describe('recordings and voicemail e-mail', () => {
  it('keeps recordings in DATA_DIR/recordings, RECORDINGS_DIR, memory (DATA_DIR=memory://) or an S3 bucket', () => {
    expect(loadConfig({ DATA_DIR: '/srv/voice/' }).recordings.storage).toEqual({ kind: 'filesystem', dir: '/srv/voice/recordings' });
    expect(loadConfig({ RECORDINGS_DIR: '/mnt/audio' }).recordings.storage).toEqual({ kind: 'filesystem', dir: '/mnt/audio' });
    expect(loadConfig({ DATA_DIR: 'memory://' }).recordings.storage).toEqual({ kind: 'memory' });
    expect(loadConfig({ RECORDINGS_S3_BUCKET: 'rec-bucket' }).recordings.storage).toEqual({
      kind: 's3',
      bucket: 'rec-bucket',
      region: 'us-east-1',
      endpoint: undefined,
      prefix: '',
    });
  });

  it.each<[Record<string, string>, RegExp]>([
    [{ RECORDINGS_S3_BUCKET: 'No_Such' }, /RECORDINGS_S3_BUCKET must be an S3 bucket name/],
    [{ RECORDINGS_S3_ENDPOINT: 'http://127.0.0.1:9000' }, /RECORDINGS_S3_ENDPOINT is set but RECORDINGS_S3_BUCKET is not/],
    [{ RECORDINGS_S3_BUCKET: 'rec', RECORDINGS_S3_ENDPOINT: 'ftp://x' }, /RECORDINGS_S3_ENDPOINT must be an http\(s\) URL/],
    [{ RECORDINGS_S3_REGION: 'EU WEST' }, /RECORDINGS_S3_REGION must be a region name/],
    [{ RECORDINGS_S3_PREFIX: 'a b' }, /RECORDINGS_S3_PREFIX must be/],
    [{ RECORDINGS_MAX_BYTES: '10' }, /RECORDINGS_MAX_BYTES must be at least 1024/],
    [{ SMTP_URL: 'http://mail' }, /SMTP_URL must be an smtp:\/\/ or smtps:\/\/ URL/],
    [{ SMTP_URL: 'smtp://mail:25', VOICEMAIL_EMAIL_FROM: 'nobody' }, /VOICEMAIL_EMAIL_FROM must be an e-mail address/],
    [{ VOICEMAIL_EMAIL_FROM: 'vm@example.com' }, /VOICEMAIL_EMAIL_FROM is set but SMTP_URL is not/],
  ])('refuses %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('sends voicemail e-mail only with SMTP_URL, from a default address when VOICEMAIL_EMAIL_FROM is unset', () => {
    expect(loadConfig({}).voicemailEmail).toBeNull();
    expect(loadConfig({ SMTP_URL: 'smtp://127.0.0.1:2525' }).voicemailEmail).toEqual({
      smtpUrl: 'smtp://127.0.0.1:2525',
      from: 'voicemail@localhost',
    });
  });
});

describe('seedDemo', () => {
  it.each<[string, Record<string, string>, boolean]>([
    ['no DATABASE_URL (embedded PGlite)', {}, true],
    ['DATABASE_URL postgresql://', { DATABASE_URL: PG }, false],
    ['DATABASE_URL postgres://', { DATABASE_URL: 'postgres://db/voice' }, false],
    ['empty DATABASE_URL counts as unset', { DATABASE_URL: '' }, true],
    ['SEED_DEMO=true overrides a DATABASE_URL', { DATABASE_URL: PG, SEED_DEMO: 'true' }, true],
    ['SEED_DEMO=1 overrides a DATABASE_URL', { DATABASE_URL: PG, SEED_DEMO: '1' }, true],
    ['SEED_DEMO=false overrides the embedded default', { SEED_DEMO: 'false' }, false],
    ['SEED_DEMO=0 overrides the embedded default', { SEED_DEMO: '0' }, false],
    ['empty SEED_DEMO falls back to the default', { DATABASE_URL: PG, SEED_DEMO: '' }, false],
    [
      'production with the embedded database does not seed by default',
      { NODE_ENV: 'production', ADMIN_API_KEY: ADMIN_KEY, JWT_SECRET: JWT, ...UNAUTHENTICATED },
      false,
    ],
    [
      'SEED_DEMO=false is accepted in production',
      { NODE_ENV: 'production', ADMIN_API_KEY: ADMIN_KEY, JWT_SECRET: JWT, SEED_DEMO: 'false', ...UNAUTHENTICATED },
      false,
    ],
  ])('%s → %s', (_name, env, expected) => {
    expect(loadConfig(env).seedDemo).toBe(expected);
  });
});

describe('the demo seed refuses production', () => {
  it.each(['true', '1'])('SEED_DEMO=%s with NODE_ENV=production → ConfigError naming SEED_DEMO (it prints the admin key)', (value) => {
    const err = configError({ NODE_ENV: 'production', ADMIN_API_KEY: ADMIN_KEY, JWT_SECRET: JWT, SEED_DEMO: value, DATABASE_URL: PG });
    expect(namedVariables(err)).toEqual(['SEED_DEMO']);
    expect(err.message).toMatch(/SEED_DEMO must not be true when NODE_ENV=production/);
  });
});

describe('CORS_ORIGINS', () => {
  it.each<[string, string[]]>([
    ['https://crm.example.com', ['https://crm.example.com']],
    [' https://a.example.com ,https://b.example.com:8443,, ', ['https://a.example.com', 'https://b.example.com:8443']],
    ['http://localhost:5173', ['http://localhost:5173']],
  ])('%j → %j', (value, expected) => {
    expect(loadConfig({ CORS_ORIGINS: value }).corsOrigins).toEqual(expected);
  });

  it.each([
    '*',
    'crm.example.com',
    'https://crm.example.com/',
    'https://crm.example.com/app',
    'ftp://crm.example.com',
    'https://CRM.example.com',
    'https://ok.example.com,null',
  ])('%j → ConfigError naming CORS_ORIGINS', (value) => {
    const err = configError({ CORS_ORIGINS: value });
    expect(namedVariables(err)).toEqual(['CORS_ORIGINS']);
    expect(err.message).toMatch(/is not an origin such as https:\/\/crm\.example\.com/);
  });
});

describe('PUBLIC_URL', () => {
  it.each([
    ['https://voice.example.com', 'https://voice.example.com'],
    ['https://voice.example.com/', 'https://voice.example.com'],
    ['https://voice.example.com///', 'https://voice.example.com'],
    ['https://example.com/voice/', 'https://example.com/voice'],
    ['http://10.0.0.5:4000/', 'http://10.0.0.5:4000'],
  ])('%s → %s', (input, expected) => {
    expect(loadConfig({ PUBLIC_URL: input }).publicUrl).toBe(expected);
  });

  it('is independent of PORT', () => {
    expect(loadConfig({ PORT: '9000', PUBLIC_URL: 'https://voice.example.com/' }).publicUrl).toBe('https://voice.example.com');
  });
});

describe('invalid values', () => {
  it.each<[Record<string, string>, string]>([
    [{ WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'yes' }, 'WEBHOOKS_ALLOW_PRIVATE_NETWORKS'],
    [{ WEBHOOK_TIMEOUT_MS: '50' }, 'WEBHOOK_TIMEOUT_MS'],
    [{ WEBHOOK_TIMEOUT_MS: '60001' }, 'WEBHOOK_TIMEOUT_MS'],
    [{ WEBHOOK_TIMEOUT_MS: 'soon' }, 'WEBHOOK_TIMEOUT_MS'],
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: '-1' }, 'PORT'],
    [{ PORT: '80.5' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'localhost:5432' }, 'DATABASE_URL'],
    [{ PUBLIC_URL: 'not a url' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'voice.example.com' }, 'PUBLIC_URL'],
    [{ PRESENCE_TTL_MS: '5' }, 'PRESENCE_TTL_MS'],
    [{ PRESENCE_TTL_MS: 'abc' }, 'PRESENCE_TTL_MS'],
    [{ PRESENCE_TTL_MS: '600001' }, 'PRESENCE_TTL_MS'],
    [{ HEARTBEAT_INTERVAL_MS: '499' }, 'HEARTBEAT_INTERVAL_MS'],
    [{ SOCKET_GRACE_MS: '-5' }, 'SOCKET_GRACE_MS'],
    [{ ADMIN_API_KEY: 'short' }, 'ADMIN_API_KEY'],
    [{ JWT_SECRET: 'x'.repeat(31) }, 'JWT_SECRET'],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL'],
    [{ TELNYX_API_BASE_URL: 'api.telnyx.com/v2' }, 'TELNYX_API_BASE_URL'],
    [{ TELNYX_WEBRTC_HOST: 'https://rtc.telnyx.com' }, 'TELNYX_WEBRTC_HOST'],
    [{ TELNYX_API_KEY: 'short' }, 'TELNYX_API_KEY'],
    [{ TELNYX_API_KEY: 'KEY0123456789', TELNYX_CONNECTION_ID: 'my-connection' }, 'TELNYX_CONNECTION_ID'],
    [{ TELNYX_API_KEY: 'KEY0123456789', TELNYX_CONNECTION_ID: '12 34' }, 'TELNYX_CONNECTION_ID'],
    [{ TELNYX_TEXML_APPLICATION_ID: '1293 384' }, 'TELNYX_TEXML_APPLICATION_ID'],
    [{ TELNYX_ACCOUNT_SID: 'AC 123' }, 'TELNYX_ACCOUNT_SID'],
    [{ SEED_DEMO: 'yes' }, 'SEED_DEMO'],
    [{ TELNYX_SIMULATOR: 'yes' }, 'TELNYX_SIMULATOR'],
    [{ TELNYX_SIMULATOR_PORT: '70000' }, 'TELNYX_SIMULATOR_PORT'],
    [{ WRITE_BEHIND_MAX_WAITING_ROWS: '10' }, 'WRITE_BEHIND_MAX_WAITING_ROWS'],
    [{ WRITE_BEHIND_MAX_WAITING_ROWS: 'lots' }, 'WRITE_BEHIND_MAX_WAITING_ROWS'],
    [{ AGENT_CALL_MAX_SECONDS: '59' }, 'AGENT_CALL_MAX_SECONDS'],
    [{ AGENT_CALL_MAX_SECONDS: '172801' }, 'AGENT_CALL_MAX_SECONDS'],
    [{ SOFTPHONE_TOKENS_PER_HOUR: '0' }, 'SOFTPHONE_TOKENS_PER_HOUR'],
    [{ STATUS_CHANGES_PER_MINUTE: 'many' }, 'STATUS_CHANGES_PER_MINUTE'],
    [{ AUTH_FAILURES_PER_MINUTE: '2.5' }, 'AUTH_FAILURES_PER_MINUTE'],
    [{ WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '10001' }, 'WS_MAX_SUBSCRIPTIONS_PER_SOCKET'],
    [{ WS_MAX_SOCKETS_PER_AGENT: '-1' }, 'WS_MAX_SOCKETS_PER_AGENT'],
    [{ WS_MAX_SOCKETS_PER_SUPERVISOR_TOKEN: 'abc' }, 'WS_MAX_SOCKETS_PER_SUPERVISOR_TOKEN'],
    [{ WS_MAX_PINGS_PER_MINUTE: '0' }, 'WS_MAX_PINGS_PER_MINUTE'],
    [{ MAX_SUBSCRIPTIONS_PER_COMPANY: '0' }, 'MAX_SUBSCRIPTIONS_PER_COMPANY'],
    [{ TRUST_PROXY: 'yes' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '11' }, 'TRUST_PROXY'],
    [{ MAX_DIAL_TARGETS: '0' }, 'MAX_DIAL_TARGETS'],
    [{ MAX_DIAL_TARGETS: '101' }, 'MAX_DIAL_TARGETS'],
    [{ MAX_DIAL_TARGETS: '2.5' }, 'MAX_DIAL_TARGETS'],
    [{ MAX_DIAL_TARGETS: 'all' }, 'MAX_DIAL_TARGETS'],
  ])('%j → ConfigError naming %s', (env, variable) => {
    const err = configError(env);
    expect(err.message).toContain(variable);
    expect(namedVariables(err)).toEqual([variable]);
  });

  it('reports every invalid variable at once', () => {
    const err = configError({ PORT: 'abc', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
    expect(namedVariables(err).sort()).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'PORT']);
  });

  it('does not echo secret values in the error message', () => {
    const err = configError({ ADMIN_API_KEY: 'tooShortSecret', JWT_SECRET: 'alsoTooShortSecret' });
    expect(err.message).not.toContain('tooShortSecret');
    expect(err.message).not.toContain('alsoTooShortSecret');
  });
});

describe('HEARTBEAT_INTERVAL_MS must be shorter than PRESENCE_TTL_MS', () => {
  it.each<[Record<string, string>, string]>([
    [{ HEARTBEAT_INTERVAL_MS: '30000' }, 'equal to the default TTL'],
    [{ HEARTBEAT_INTERVAL_MS: '45000' }, 'longer than the default TTL'],
    [{ PRESENCE_TTL_MS: '10000' }, 'default heartbeat equal to a shorter TTL'],
    [{ PRESENCE_TTL_MS: '5000', HEARTBEAT_INTERVAL_MS: '6000' }, 'both set, heartbeat longer'],
  ])('%j (%s) → ConfigError naming both variables', (env) => {
    const err = configError(env);
    expect(err.message).toContain('HEARTBEAT_INTERVAL_MS');
    expect(err.message).toContain('PRESENCE_TTL_MS');
  });

  it('one millisecond shorter is accepted', () => {
    const c = loadConfig({ PRESENCE_TTL_MS: '10000', HEARTBEAT_INTERVAL_MS: '9999' });
    expect(c.presenceTtlMs).toBe(10_000);
    expect(c.heartbeatIntervalMs).toBe(9_999);
  });
});

describe('NODE_ENV=production', () => {
  it.each<[string, Record<string, string>]>([
    ['neither secret', {}],
    ['only ADMIN_API_KEY', { ADMIN_API_KEY: ADMIN_KEY }],
    ['only JWT_SECRET', { JWT_SECRET: JWT }],
    ['both empty strings', { ADMIN_API_KEY: '', JWT_SECRET: '' }],
  ])('fails with %s', (_name, env) => {
    const err = configError({ NODE_ENV: 'production', ...env });
    expect(err.message).toContain('ADMIN_API_KEY');
    expect(err.message).toContain('JWT_SECRET');
  });

  it('fails naming the secret that is too short', () => {
    const err = configError({ NODE_ENV: 'production', ADMIN_API_KEY: 'short', JWT_SECRET: JWT });
    expect(namedVariables(err)).toEqual(['ADMIN_API_KEY']);
  });

  it('succeeds with both secrets and reports production', () => {
    const c = loadConfig({ NODE_ENV: 'production', ADMIN_API_KEY: ADMIN_KEY, JWT_SECRET: JWT, TELNYX_PUBLIC_KEY: TELNYX_KEY });
    expect(c.production).toBe(true);
    expect(c.adminApiKey).toBe(ADMIN_KEY);
    expect(c.jwtSecret).toBe(JWT);
  });

  it.each(['development', 'test', 'staging', 'Production'])('NODE_ENV=%s is not production and needs no secrets', (nodeEnv) => {
    expect(loadConfig({ NODE_ENV: nodeEnv }).production).toBe(false);
  });
});

describe('blank and unsafe values', () => {
  // `PORT=" "` would coerce to Number(" ") === 0, a random port.
  it('a whitespace-only PORT is rejected or treated as unset, not port 0', () => {
    let port: number | undefined;
    try {
      port = loadConfig({ PORT: ' ' }).port;
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return;
    }
    expect(port).toBe(4000);
  });

  // z.url() accepts any scheme; PUBLIC_URL becomes the base of every TeXML action URL Telnyx must fetch.
  it('PUBLIC_URL must be http(s)', () => {
    expect(() => loadConfig({ PUBLIC_URL: 'javascript:alert(1)' })).toThrow(ConfigError);
    expect(() => loadConfig({ PUBLIC_URL: 'ftp://voice.example.com' })).toThrow(ConfigError);
  });
});

describe('TELNYX_PUBLIC_KEY', () => {
  it('refuses a value that is not an Ed25519 public key, naming the variable', () => {
    for (const bad of ['pubkey', 'AAAA', Buffer.alloc(31).toString('base64')]) {
      expect(() => loadConfig({ TELNYX_PUBLIC_KEY: bad })).toThrow(/TELNYX_PUBLIC_KEY/);
    }
    expect(loadConfig({ TELNYX_PUBLIC_KEY: TELNYX_KEY }).telnyxPublicKey).toBe(TELNYX_KEY);
  });
});

describe('webhook body timeout and recording URL allow-list', () => {
  it('reads WEBHOOK_BODY_TIMEOUT_MS and refuses nonsense, naming the variable', () => {
    expect(loadConfig({ WEBHOOK_BODY_TIMEOUT_MS: '1500' }).webhookBodyTimeoutMs).toBe(1500);
    expect(namedVariables(configError({ WEBHOOK_BODY_TIMEOUT_MS: '0' }))).toEqual(['WEBHOOK_BODY_TIMEOUT_MS']);
    expect(namedVariables(configError({ WEBHOOK_BODY_TIMEOUT_MS: 'soon' }))).toEqual(['WEBHOOK_BODY_TIMEOUT_MS']);
  });

  it('allows a local simulator host outside production only, and never http in production', () => {
    const local = loadConfig({ RECORDING_URL_ALLOWLIST: 'http://127.0.0.1:9999/media/,*.telnyx.com' });
    expect(local.recordingUrlRules.map((r) => r.text)).toEqual(['http://127.0.0.1:9999/media/', '*.telnyx.com']);
    const prod = { NODE_ENV: 'production', ADMIN_API_KEY: ADMIN_KEY, JWT_SECRET: JWT, ...UNAUTHENTICATED };
    for (const list of ['http://127.0.0.1:9999/media/', 'http://media.example.com', 'localhost:9999', '127.0.0.1', 'ftp://x.example']) {
      const err = configError({ ...prod, RECORDING_URL_ALLOWLIST: list });
      expect(err.message, list).toMatch(/RECORDING_URL_ALLOWLIST: /);
    }
    expect(loadConfig({ ...prod, RECORDING_URL_ALLOWLIST: 'recordings.example.com/voice/' }).recordingUrlRules).toHaveLength(1);
  });
});

describe('TELNYX_SIMULATOR: the local Telnyx in the process', () => {
  const PROD = { NODE_ENV: 'production', ADMIN_API_KEY: ADMIN_KEY, JWT_SECRET: JWT, ...UNAUTHENTICATED };
  it.each<[string, Record<string, string>, boolean]>([
    ['auto without a Telnyx account outside production: on (the demo)', {}, true],
    ['auto with a Telnyx account: off', { TELNYX_API_KEY: 'KEY0123456789' }, false],
    ['auto in production: off', PROD, false],
    ['off: off', { TELNYX_SIMULATOR: 'off' }, false],
    ['on with an external database: on', { TELNYX_SIMULATOR: 'on', DATABASE_URL: PG }, true],
  ])('%s', (_name, env, enabled) => {
    expect(loadConfig(env).telnyxSimulator.enabled).toBe(enabled);
  });

  it('on in production is refused: it would fake Telnyx', () => {
    const err = configError({ ...PROD, TELNYX_SIMULATOR: 'on' });
    expect(err.message).toMatch(/TELNYX_SIMULATOR=on is not allowed when NODE_ENV=production/);
  });

  it('on beside a Telnyx account is refused: one or the other', () => {
    expect(configError({ TELNYX_SIMULATOR: 'on', TELNYX_API_KEY: 'KEY0123456789' }).message).toMatch(/replaces the Telnyx account/);
  });
});

describe('TELNYX_CONNECTION_ID (agent provisioning)', () => {
  it('is kept as given beside TELNYX_API_KEY (trimmed)', () => {
    expect(loadConfig({ TELNYX_API_KEY: 'KEY0123456789', TELNYX_CONNECTION_ID: ' 1684641123236054244 ' }).telnyxConnectionId).toBe(
      '1684641123236054244',
    );
  });

  it('without TELNYX_API_KEY is refused: credentials are created with the key', () => {
    expect(configError({ TELNYX_CONNECTION_ID: '1684641123236054244' }).message).toMatch(
      /TELNYX_CONNECTION_ID is set but TELNYX_API_KEY is not/,
    );
  });
});

describe('TELNYX_WEBHOOK_AUTH and TELNYX_WEBHOOK_TOKEN: how webhooks are authenticated', () => {
  const PROD = { NODE_ENV: 'production', ADMIN_API_KEY: ADMIN_KEY, JWT_SECRET: JWT };

  it.each<[string, Record<string, string>, string, string | null]>([
    ['nothing set, outside production: off', {}, 'off', null],
    ['a public key: signature', { TELNYX_PUBLIC_KEY: TELNYX_KEY }, 'signature', null],
    [
      'a key and a token: signature, the token a second factor',
      { TELNYX_PUBLIC_KEY: TELNYX_KEY, TELNYX_WEBHOOK_TOKEN: WEBHOOK_TOKEN },
      'signature',
      WEBHOOK_TOKEN,
    ],
    ['only a token, outside production: token', { TELNYX_WEBHOOK_TOKEN: WEBHOOK_TOKEN }, 'token', WEBHOOK_TOKEN],
    [
      'token explicit in production',
      { ...PROD, TELNYX_WEBHOOK_AUTH: 'token', TELNYX_WEBHOOK_TOKEN: WEBHOOK_TOKEN },
      'token',
      WEBHOOK_TOKEN,
    ],
    ['off explicit in production (beside a key)', { ...PROD, TELNYX_WEBHOOK_AUTH: 'off', TELNYX_PUBLIC_KEY: TELNYX_KEY }, 'off', null],
    ['a key in production', { ...PROD, TELNYX_PUBLIC_KEY: TELNYX_KEY }, 'signature', null],
  ])('%s', (_name, env, mode, token) => {
    expect(webhookAuthOf(loadConfig(env))).toEqual({ mode, token });
  });

  it('production without a public key and without an explicit choice refuses to start, saying what to set', () => {
    for (const env of [PROD, { ...PROD, TELNYX_WEBHOOK_TOKEN: WEBHOOK_TOKEN }]) {
      const err = configError(env);
      expect(namedVariables(err)).toEqual(['TELNYX_PUBLIC_KEY']);
      expect(err.message).toMatch(/TELNYX_PUBLIC_KEY is required when NODE_ENV=production/);
      expect(err.message).toMatch(/TELNYX_WEBHOOK_AUTH=token/);
      expect(err.message).toMatch(/TELNYX_WEBHOOK_AUTH=off/);
    }
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['signature without a key', { TELNYX_WEBHOOK_AUTH: 'signature' }, /signature needs TELNYX_PUBLIC_KEY/],
    ['token without a token', { TELNYX_WEBHOOK_AUTH: 'token' }, /token needs TELNYX_WEBHOOK_TOKEN/],
    ['off beside a token', { TELNYX_WEBHOOK_AUTH: 'off', TELNYX_WEBHOOK_TOKEN: WEBHOOK_TOKEN }, /off checks nothing/],
    ['an unknown mode', { TELNYX_WEBHOOK_AUTH: 'none' }, /must be signature, token or off/],
  ])('%s → ConfigError naming TELNYX_WEBHOOK_AUTH', (_name, env, message) => {
    const err = configError(env);
    expect(namedVariables(err)).toEqual(['TELNYX_WEBHOOK_AUTH']);
    expect(err.message).toMatch(message);
  });

  it.each(['short', 't'.repeat(31), `${'t'.repeat(32)}/`, `${'t'.repeat(32)}=`, 't'.repeat(257)])(
    'token %j → ConfigError naming TELNYX_WEBHOOK_TOKEN, without echoing it',
    (token) => {
      const err = configError({ TELNYX_WEBHOOK_TOKEN: token });
      expect(namedVariables(err)).toEqual(['TELNYX_WEBHOOK_TOKEN']);
      expect(err.message).not.toContain(token);
    },
  );
});
