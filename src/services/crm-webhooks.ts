/**
 * The CRM's signed webhooks put together (README §CRM events): the events' way in (crm-events.ts),
 * the endpoints (webhook-endpoints.ts) and the background delivery (webhook-dispatcher.ts), plus the
 * listeners the call, presence and voicemail code is given. Each listener builds its event at once
 * (the session it is handed keeps changing) and returns: nothing here can slow or fail a call.
 */
import type { Clock, TimerHandle } from '../domain/clock.js';
import {
  type AgentFacts,
  agentPresenceChanged,
  agentStatusChanged,
  callAnswered,
  callEnded,
  callRinging,
  callStarted,
  type CrmEventDraft,
  voicemailReceived,
  voicemailTranscribed,
} from '../domain/crm-events.js';
import type { Voicemail } from '../generated/prisma/client.js';
import type { CallSessionEvent } from '../calls/call-sessions.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import { postWebhook, type ResolveHost, resolveWithDns } from '../infra/webhook-http.js';
import type { AuditLog } from './audit-log.js';
import { CrmEvents } from './crm-events.js';
import type { PresenceEvent } from './presence-events.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { WebhookEndpoints } from './webhook-endpoints.js';

/**
 * How often each instance re-reads which companies have endpoints: an endpoint created or enabled on
 * another instance gets that instance's events within this long (on its own instance at once).
 */
export const SUBSCRIBERS_REFRESH_MS = 30_000;

export class CrmWebhooks {
  private refreshTimer: TimerHandle | undefined;
  private stopped = false;
  readonly events: CrmEvents;
  readonly endpoints: WebhookEndpoints;
  readonly dispatcher: WebhookDispatcher;

  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      logger: Logger;
      allowPrivateNetworks: boolean;
      timeoutMs: number;
      maxWaitingRows?: number | undefined;
      /** DNS (tests pass their own to play a rebinding). */
      resolve?: ResolveHost;
      audit?: AuditLog;
    },
  ) {
    const logger = deps.logger.child({ component: 'crm-webhooks' });
    const resolve = deps.resolve ?? resolveWithDns;
    this.events = new CrmEvents({ db: deps.db, clock: deps.clock, logger, maxWaitingRows: deps.maxWaitingRows });
    this.dispatcher = new WebhookDispatcher({
      db: deps.db,
      clock: deps.clock,
      logger,
      timeoutMs: deps.timeoutMs,
      post: (req) => postWebhook({ ...req, timeoutMs: deps.timeoutMs, allowPrivate: deps.allowPrivateNetworks, resolve }),
    });
    this.endpoints = new WebhookEndpoints({
      db: deps.db,
      clock: deps.clock,
      allowPrivateNetworks: deps.allowPrivateNetworks,
      resolve,
      onQueued: () => this.dispatcher.kick(),
      onChanged: () => this.refreshSubscribers(),
      ...(deps.audit && { audit: deps.audit }),
    });
    this.events.whenQueued(() => this.dispatcher.kick());
  }

  /** CallSessions' listener: call.started, call.ringing, call.answered, call.ended. */
  readonly onCallEvent = (event: CallSessionEvent): void => {
    const s = event.session;
    if (!this.events.wants(s.companyId)) return;
    const facts = {
      callSid: s.callSid,
      from: s.from,
      to: s.to,
      startedAt: s.startedAt,
      answeredAt: s.answeredAt,
      answeredBy: s.answeredBy,
      endedAt: s.endedAt,
      outcome: s.outcome,
      offered: s.offered,
      queueId: s.queueId,
      timeline: s.timeline,
    };
    this.safely(s.companyId, () => {
      switch (event.kind) {
        case 'started':
          return callStarted(facts);
        case 'ringing':
          return callRinging(facts, event.agentIds, this.deps.clock.now());
        case 'answered':
          return callAnswered(facts);
        case 'ended':
          return callEnded(facts);
      }
    });
  };

  /** PresenceService's listener: online/offline transitions and status changes (not call-state refreshes). */
  readonly onPresence = (event: PresenceEvent): void => {
    if (event.snapshot || event.cause === 'call' || event.cause === 'snapshot') return;
    const p = event.presence;
    const agent: AgentFacts = {
      agentId: p.agentId,
      displayName: p.displayName,
      sipUsername: p.sipUsername,
      online: p.online,
      sipRegistered: p.sipRegistered,
      status: p.status,
      statusReason: p.statusReason,
      lastSeen: p.lastSeen,
    };
    const at = event.at.getTime();
    this.safely(p.companyId, () =>
      event.cause === 'status' ? agentStatusChanged(agent, at) : agentPresenceChanged(agent, event.cause, at),
    );
  };

  /** VoicemailService's listeners: stored, then transcribed. */
  readonly onVoicemail = (voicemail: Voicemail): void => {
    this.safely(voicemail.companyId, () => voicemailReceived(voicemail));
  };

  readonly onTranscription = (voicemail: Voicemail): void => {
    const { transcription } = voicemail;
    if (transcription) this.safely(voicemail.companyId, () => voicemailTranscribed({ ...voicemail, transcription }));
  };

  async start(): Promise<void> {
    this.stopped = false;
    await this.refreshSubscribers();
    this.dispatcher.start();
  }

  /** The events still in memory go to the outbox; attempts in flight end. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.refreshTimer) this.deps.clock.clearTimer(this.refreshTimer);
    this.refreshTimer = undefined;
    await this.events.stop();
    await this.dispatcher.stop();
  }

  /** Re-reads the companies with an enabled endpoint (kept as they were if the database is away). */
  async refreshSubscribers(): Promise<void> {
    try {
      const rows = await this.deps.db.webhookEndpoint.findMany({
        where: { enabled: true },
        distinct: ['companyId'],
        select: { companyId: true },
      });
      this.events.subscribers = new Set(rows.map((r) => r.companyId));
    } catch (err) {
      this.deps.logger.warn({ err }, 'could not read the companies with webhook endpoints; keeping the last known');
    }
    if (this.stopped) return;
    if (this.refreshTimer) this.deps.clock.clearTimer(this.refreshTimer);
    this.refreshTimer = this.deps.clock.setTimer(this.deps.clock.now() + SUBSCRIBERS_REFRESH_MS, () => {
      this.refreshTimer = undefined;
      void this.refreshSubscribers();
    });
  }

  private safely(companyId: string, build: () => CrmEventDraft): void {
    if (!this.events.wants(companyId)) return; // no endpoint: nothing built, nothing kept
    try {
      this.events.emit(companyId, build());
    } catch (err) {
      this.deps.logger.warn({ err, companyId }, 'could not build a CRM event');
    }
  }
}
