import type { Config } from '../config.js';
import { Authenticator } from '../auth/authenticator.js';
import { Sessions } from '../auth/sessions.js';
import { Limits } from '../auth/limits.js';
import { createRevocationBus, type RevocationBus } from '../auth/revocation.js';
import type { TokenService } from '../auth/tokens.js';
import type { Clock } from '../domain/clock.js';
import type { Db } from '../infra/db.js';
import type { SqlRunner } from '../infra/sql.js';
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
import { AuditLog } from './audit-log.js';
import { Directory } from './directory.js';
import { PresenceService, type PresenceEvent } from './presence-service.js';
import { CallService } from './call-service.js';
import { StatsService } from './stats-service.js';
import { QueueService } from './queue-service.js';
import { VoicemailService } from './voicemail-service.js';
import { ReportService } from './report-service.js';
import { VoicemailEmailer } from './voicemail-email.js';
import { createRecordingService } from '../recordings/recording-setup.js';
import type { RecordingService } from '../recordings/recording-service.js';
import { lookupTelephonyCredential } from '../telnyx/credential-lookup.js';
import { createTelephonyCredential, deleteTelephonyCredential } from '../telnyx/credential-provisioning.js';
import { AgentCredentials } from './agent-credentials.js';
import { lookupTexmlCall } from '../telnyx/call-lookup.js';
import { createCall, redirectCall } from '../telnyx/call-control.js';
import {
  dialParticipant,
  removeParticipant,
  startCallRecording,
  updateCall,
  updateCallRecording,
  updateParticipant,
} from '../telnyx/room-control.js';
import type { RoomControl } from '../calls/call-rooms.js';
import { LiveCallService } from './live-calls.js';
import { holdMusicUrl } from '../domain/hold-music.js';
import type { CallLookup } from '../calls/call-reconciler.js';
import { SharedWaitingList, WaitingList } from '../calls/waiting-list.js';
import type { QueueCallControl } from '../calls/queue-dispatcher.js';
import { CrmWebhooks } from './crm-webhooks.js';

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
  /** The queues as supervisors watch them: waiting callers and today's figures (docs/QUEUES.md). */
  queues: QueueService;
  /** The calls in progress and their rooms, as agents and supervisors watch them (docs/IN-CALL.md). */
  liveCalls: LiveCallService;
  configuration: ConfigurationService;
  /** The audit trail's recorder: configuration writes and supervisor actions (src/services/audit-log.ts). */
  audit: AuditLog;
  /** Agents' Telnyx credentials: read, created, revoked (and revocations retried). */
  agentCredentials: AgentCredentials;
  voicemails: VoicemailService;
  /** Recordings copied out of Telnyx into our storage, served by signed links (src/recordings). */
  recordings: RecordingService;
  /** E-mail about new voicemails (SMTP_URL); null when not configured. */
  voicemailEmail: VoicemailEmailer | null;
  /** Call reports and the call log's export, read in pages (README §Reports). */
  reports: ReportService;
  /** The CRM's signed webhooks: events in, endpoints, background delivery (README §CRM events). */
  webhooks: CrmWebhooks;
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
    /** Work in flight outside webhooks (the queue's dispatch): tests on virtual time hold the clock meanwhile. */
    inFlight?: { begin(): void; end(): void };
    /** The database driver's own connection: the write-behind batches run on it (src/services/call-log-writer.ts). */
    sql: SqlRunner;
  },
): Services {
  const { config, db, sql, clock, logger, pubsub, multiInstance: shared, onPresenceTransition, ...rest } = deps;
  // With an API key softphones log in through credentials, so calls dial the credentials' SIP usernames.
  const directory = new Directory(db, config.telnyxApiKey ? 'credential' : 'own');
  if (shared) shareDirectoryInvalidations(directory, shared.redis, logger);
  const audit = new AuditLog({ db, logger });
  const webhooks = new CrmWebhooks({
    db,
    clock,
    logger,
    audit,
    allowPrivateNetworks: config.webhooksAllowPrivateNetworks,
    timeoutMs: config.webhookTimeoutMs,
    maxWaitingRows: config.writeBehindMaxWaitingRows,
  });
  const limits = new Limits(config, shared ? { redis: shared.redis.command, prefix: shared.redis.prefix } : null);
  // Each agent's call activity: the call modules write it, presence reads it (activeCalls).
  const sharedActivity = shared ? new RedisAgentActivityStore(shared.redis) : null;
  const activity = sharedActivity ?? new InMemoryAgentActivityStore();
  let callsOnceBuilt: CallService | undefined;
  let recordingsOnceBuilt: RecordingService | undefined;
  const presence = new PresenceService({
    db,
    sql,
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
    // An agent who frees up (call or wrap-up over, back from a break, logged in) may take a waiting caller.
    onPublish: (event) => {
      callsOnceBuilt?.agentMayBeFree(event.presence.companyId);
      webhooks.onPresence(event);
    },
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
    onCallEvent: webhooks.onCallEvent,
  });
  const waiting = new WaitingList();
  const sharedWaiting = shared ? new SharedWaitingList(shared.redis, waiting) : undefined;
  const calls = new CallService({
    db,
    sql,
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
    maxDialTargets: config.maxDialTargets,
    ...(callbackSigner && { callbackSigner }),
    ...(config.telnyxApiKey && { lookupCall: callLookupFor(config.telnyxApiKey, config.telnyxApiBaseUrl) }),
    ...(webhookAuth.token !== null && { webhookToken: webhookAuth.token }),
    ...(shared &&
      sharedActivity && {
        sharedState: new RedisCallState({
          redis: shared.redis,
          clock,
          logger,
          sessions: callSessions,
          activity: sharedActivity,
          waiting: sharedWaiting,
        }),
      }),
    waiting,
    sharedWaiting,
    queueControl: queueControlFor(config, deps.inFlight),
    roomControl: roomControlFor(config, deps.inFlight),
    // A call recording complete at Telnyx goes to our storage, like a voicemail's (docs/RECORDINGS.md).
    onCallRecording: (company, r) => {
      void recordingsOnceBuilt
        ?.ingest({
          companyId: company.id,
          callSid: r.callSid,
          recordingSid: r.recordingSid,
          url: r.url,
          kind: 'CALL',
          durationSeconds: r.durationSeconds,
          accountSid: r.accountSid,
        })
        .catch((err) => logger.error({ err, companyId: company.id, callSid: r.callSid }, 'call recording not taken into storage'));
    },
    builtInMusicUrl: () => holdMusicUrl(deps.publicUrl()),
    ...(deps.inFlight && { inFlight: deps.inFlight }),
  });
  callsOnceBuilt = calls;
  const agentCredentials = agentCredentialsFor(config, { db, clock, logger });
  const stats = new StatsService({ db, directory, presence, calls, pubsub, clock, logger });
  const recordings = createRecordingService(config, { db, clock, logger, ...(deps.inFlight && { inFlight: deps.inFlight }) });
  recordingsOnceBuilt = recordings;
  const voicemails = new VoicemailService({
    db,
    pubsub,
    clock,
    logger,
    dataDir: config.dataDir,
    recordings,
    audit,
    onReceived: webhooks.onVoicemail,
    onTranscribed: webhooks.onTranscription,
  });
  const voicemailEmail = config.voicemailEmail
    ? new VoicemailEmailer({ ...config.voicemailEmail, db, logger, ...(deps.inFlight && { inFlight: deps.inFlight }) })
    : null;
  if (voicemailEmail) voicemails.onCreated((vm) => voicemailEmail.notify(vm));
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
    stats,
    queues: new QueueService({ directory, calls, stats, pubsub, clock, logger }),
    liveCalls: new LiveCallService({ calls, directory, pubsub, clock, logger }),
    audit,
    configuration: new ConfigurationService({
      db,
      directory,
      presence,
      revocations,
      credentials: agentCredentials,
      audit,
      maxAgentsPerCompany: config.maxAgentsPerCompany,
    }),
    agentCredentials,
    voicemails,
    recordings,
    voicemailEmail,
    reports: new ReportService({ db }),
    webhooks,
  };
}

/**
 * With an API key, a credential linked to an agent must exist on the Telnyx account (its SIP username
 * is read), and credentials can be revoked; with TELNYX_CONNECTION_ID too, agents are provisioned.
 */
function agentCredentialsFor(config: Config, deps: Pick<Services, 'db' | 'clock' | 'logger'>): AgentCredentials {
  const apiKey = config.telnyxApiKey;
  if (!apiKey) return new AgentCredentials(deps);
  const account = { apiKey, baseUrl: config.telnyxApiBaseUrl };
  const connectionId = config.telnyxConnectionId;
  return new AgentCredentials({
    ...deps,
    lookup: (credentialId) => lookupTelephonyCredential({ ...account, credentialId }),
    revoke: (credentialId) => deleteTelephonyCredential(account, credentialId),
    ...(connectionId && { create: (name: string) => createTelephonyCredential(account, { connectionId, name }) }),
  });
}

/** With an API key, a call gone silent is looked up with the TeXML REST API's "Get call". */
/**
 * The REST calls the queue's dispatcher makes (docs/QUEUES.md): with TELNYX_API_KEY only, and a
 * callback also needs the TeXML application to place its call from (TELNYX_TEXML_APPLICATION_ID).
 */
function queueControlFor(config: Config, inFlight?: { begin(): void; end(): void }): QueueCallControl | null {
  const apiKey = config.telnyxApiKey;
  if (!apiKey) return null;
  const baseUrl = config.telnyxApiBaseUrl;
  return {
    redirect: async ({ accountSid, callSid, url }) => {
      if (!accountSid) return { ok: false, gone: false, message: 'the call has no AccountSid to address it under' };
      return redirectCall({ apiKey, baseUrl, accountSid, callSid, url, ...(inFlight && { inFlight }) });
    },
    callAgent: async ({ accountSid, to, from, url, statusCallback, timeoutSeconds }) => {
      const applicationSid = config.telnyxTexmlApplicationId;
      if (!accountSid || !applicationSid) return { ok: false, message: 'callbacks need the AccountSid and TELNYX_TEXML_APPLICATION_ID' };
      return createCall({
        apiKey,
        baseUrl,
        accountSid,
        applicationSid,
        to,
        from,
        url,
        statusCallback,
        statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
        timeoutSeconds,
        ...(inFlight && { inFlight }),
      });
    },
  };
}

/** The REST commands of answered calls' rooms (docs/IN-CALL.md): with TELNYX_API_KEY only. */
function roomControlFor(config: Config, inFlight?: { begin(): void; end(): void }): RoomControl | null {
  const apiKey = config.telnyxApiKey;
  if (!apiKey) return null;
  const rest = (accountSid: string) => ({ apiKey, baseUrl: config.telnyxApiBaseUrl, accountSid, ...(inFlight && { inFlight }) });
  return {
    accountSid: config.telnyxAccountSid ?? null,
    placeCall: async (accountSid, call) => {
      const applicationSid = config.telnyxTexmlApplicationId;
      if (!applicationSid)
        return { ok: false, message: 'Outbound calls need TELNYX_TEXML_APPLICATION_ID (the TeXML application to place them from).' };
      return createCall({
        ...rest(accountSid),
        applicationSid,
        to: call.to,
        from: call.from,
        url: call.url,
        statusCallback: call.statusCallback,
        statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
        timeoutSeconds: call.timeoutSeconds,
      });
    },
    updateCall: (accountSid, callSid, update) => updateCall(rest(accountSid), callSid, update),
    dialParticipant: (accountSid, conferenceSid, dial) => dialParticipant(rest(accountSid), conferenceSid, dial),
    updateParticipant: (accountSid, conferenceSid, callSid, update) => updateParticipant(rest(accountSid), conferenceSid, callSid, update),
    removeParticipant: (accountSid, conferenceSid, callSid) => removeParticipant(rest(accountSid), conferenceSid, callSid),
    startRecording: (accountSid, callSid, opts) => startCallRecording(rest(accountSid), callSid, opts),
    updateRecording: (accountSid, callSid, recordingSid, status) => updateCallRecording(rest(accountSid), callSid, recordingSid, status),
  };
}

function callLookupFor(apiKey: string, baseUrl: string): CallLookup {
  return (accountSid, callSid) => lookupTexmlCall({ apiKey, baseUrl, accountSid, callSid });
}
