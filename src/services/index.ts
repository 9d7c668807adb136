import type { Config } from '../config.js';
import { Authenticator } from '../auth/authenticator.js';
import { Sessions } from '../auth/sessions.js';
import { Limits } from '../auth/limits.js';
import { createRevocationBus, type RevocationBus } from '../auth/revocation.js';
import type { TokenService } from '../auth/tokens.js';
import type { Clock } from '../domain/clock.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { PubSub, SharedInstances } from './topics.js';
import { RedisPresenceLeases } from '../presence/redis-leases.js';
import { RedisCallState } from '../calls/shared-call-state.js';
import { InMemoryAgentActivityStore, RedisAgentActivityStore } from '../calls/agent-activity-store.js';
import { CallSessions } from '../calls/call-sessions.js';
import { CallbackUrlSigner } from '../telnyx/callback-mac.js';
import { webhookAuthOf } from '../telnyx/webhook-auth.js';
import { shareDirectoryInvalidations } from './directory-sync.js';
import { ConfigurationService } from './configuration-service.js';
import { Directory } from './directory.js';
import { PresenceService, type PresenceEvent } from './presence-service.js';
import { CallService } from './call-service.js';
import { StatsService } from './stats-service.js';
import { VoicemailService } from './voicemail-service.js';
import { lookupTelephonyCredential, type CredentialLookup } from '../telnyx/credential-lookup.js';

/** Everything a resolver or webhook handler may use; built once per app instance. */
export interface Services {
  config: Config;
  /** Base URL Telnyx reaches us at (PUBLIC_URL, else the listening address). */
  publicUrl(): string;
  db: Db;
  clock: Clock;
  logger: Logger;
  pubsub: PubSub;
  tokens: TokenService;
  directory: Directory;
  presence: PresenceService;
  calls: CallService;
  /** Set when webhooks must be signed (TELNYX_PUBLIC_KEY): MACs our callback URLs, since Telnyx signs only bodies. */
  callbackSigner: CallbackUrlSigner | null;
  stats: StatsService;
  configuration: ConfigurationService;
  voicemails: VoicemailService;
  authenticator: Authenticator;
  /** Open graphql-ws sockets and SSE streams of token viewers (closed on revocation and at expiry). */
  sessions: Sessions;
  /** Ends the connections of revoked tokens on every instance. */
  revocations: RevocationBus;
  /** Per-principal rate limits, shared through Redis in multi-instance mode. */
  limits: Limits;
}

export function createServices(
  deps: Pick<Services, 'config' | 'publicUrl' | 'db' | 'clock' | 'logger' | 'pubsub' | 'tokens'> & {
    multiInstance?: SharedInstances | null;
    /** Every presence transition this instance publishes (for metrics). */
    onPresenceTransition?: (event: PresenceEvent) => void;
  },
): Services {
  const { config, db, clock, logger, pubsub, multiInstance: shared, onPresenceTransition, ...rest } = deps;
  const directory = new Directory(db);
  if (shared) shareDirectoryInvalidations(directory, shared.redis, logger);
  const limits = new Limits(config, shared ? { redis: shared.redis.command, prefix: shared.redis.prefix } : null);
  // Each agent's call activity: the call modules write it, presence reads it (activeCalls).
  const sharedActivity = shared ? new RedisAgentActivityStore(shared.redis) : null;
  const activity = sharedActivity ?? new InMemoryAgentActivityStore();
  const presence = new PresenceService({
    db,
    directory,
    pubsub,
    clock,
    logger,
    ttlMs: config.presenceTtlMs,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    socketGraceMs: config.socketGraceMs,
    heartbeatLimit: limits.heartbeat,
    maxWaitingRows: config.writeBehindMaxWaitingRows,
    callActivity: activity,
    ...(onPresenceTransition && { onTransition: onPresenceTransition }),
    ...(shared && {
      sharedLeases: (options) => new RedisPresenceLeases({ ...options, redis: shared.redis, logger }),
      subscribed: shared.subscribed,
    }),
  });
  const sessions = new Sessions();
  const authenticator = new Authenticator({ tokens: deps.tokens, directory });
  const revocations = createRevocationBus({
    sessions,
    forgetAgent: (agentId) => presence.forget(agentId),
    admits: (credential) =>
      authenticator.authenticate(credential).then(
        () => true,
        () => false,
      ),
    logger,
    redis: shared?.redis,
  });
  const webhookAuth = webhookAuthOf(config);
  // Signed mode: our callback URLs carry a MAC over what the signature does not cover (the URL).
  const callbackSigner =
    webhookAuth.mode === 'signature' && config.jwtSecret ? new CallbackUrlSigner([config.jwtSecret, config.jwtSecretPrevious]) : null;
  const callSessions = new CallSessions({
    clock,
    onReservationExpired: (agentId, callSid) => logger.info({ agentId, callSid }, 'reservation expired'),
  });
  const calls = new CallService({
    db,
    directory,
    presence,
    clock,
    logger,
    pubsub,
    publicUrl: deps.publicUrl,
    sessions: callSessions,
    activity,
    agentCallMaxMs: config.agentCallMaxSeconds * 1000,
    maxWaitingRows: config.writeBehindMaxWaitingRows,
    ...(callbackSigner && { callbackSigner }),
    ...(webhookAuth.token !== null && { webhookToken: webhookAuth.token }),
    ...(shared &&
      sharedActivity && {
        sharedState: new RedisCallState({ redis: shared.redis, clock, logger, sessions: callSessions, activity: sharedActivity }),
      }),
  });
  return {
    ...rest,
    config,
    db,
    clock,
    logger,
    pubsub,
    sessions,
    revocations,
    limits,
    authenticator,
    directory,
    presence,
    calls,
    callbackSigner,
    stats: new StatsService({ db, directory, presence, calls, pubsub, clock, logger }),
    configuration: new ConfigurationService({
      db,
      directory,
      presence,
      revocations,
      lookupCredential: credentialLookupFor(config),
      maxAgentsPerCompany: config.maxAgentsPerCompany,
    }),
    voicemails: new VoicemailService({ db, pubsub, clock, logger, dataDir: config.dataDir }),
  };
}

/** With an API key, a credential linked to an agent must exist on the Telnyx account. */
function credentialLookupFor(config: Config): ((credentialId: string) => Promise<CredentialLookup>) | undefined {
  const apiKey = config.telnyxApiKey;
  if (!apiKey) return undefined;
  return (credentialId) => lookupTelephonyCredential({ apiKey, baseUrl: config.telnyxApiBaseUrl, credentialId });
}
