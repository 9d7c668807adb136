/**
 * Voicemails arrive twice from Telnyx (the <Record action> and the recording status callback), and
 * either may be retried: one row per call, published once, whichever comes first. Its audio is copied
 * into our storage (src/recordings: Telnyx's URL dies 10 minutes after the call), its transcription
 * comes later on its own callback, and supervisors mark it read and handled (audited).
 */
import type { Clock } from '../domain/clock.js';
import type { Mailbox } from '../domain/recordings.js';
import type { Prisma, Voicemail } from '../generated/prisma/client.js';
import { uniqueViolation } from '../infra/db-errors.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import { sourceOf, type SharedFeed } from '../infra/feed.js';
import type { RecordingService } from '../recordings/recording-service.js';
import type { AuditActor, AuditLog } from './audit-log.js';
import { NotFoundError } from './errors.js';
import type { PubSub } from './topics.js';
import { VoicemailOutbox } from './voicemail-outbox.js';

export interface RecordedVoicemail {
  companyId: string;
  callSid: string;
  from: string;
  to: string;
  recordingUrl: string;
  durationSeconds: number;
  /** Telnyx's RecordingSid: the audio is downloaded under it (absent in outbox entries of older versions). */
  recordingSid?: string | null;
  accountSid?: string | null;
  /** The mailbox: the queue the caller was in (null = the default queue). */
  queueId?: string | null;
  /** The language it is transcribed in. */
  language?: string | null;
}

export interface VoicemailListFilter {
  first: number;
  /** Words in the transcription, the caller's or the called number (case-insensitive). */
  search?: string | null;
  mailbox?: Mailbox | null;
  unreadOnly?: boolean;
  unhandledOnly?: boolean;
}

export class VoicemailService {
  /** Voicemails that could not be stored when they came, waiting for the database (durably). */
  readonly outbox: VoicemailOutbox<RecordedVoicemail>;
  private readonly createdListeners: ((vm: Voicemail) => void)[] = [];

  constructor(
    private readonly deps: {
      db: Db;
      pubsub: PubSub;
      clock: Clock;
      logger: Logger;
      dataDir: string;
      /** A voicemail was stored (once per call, on the instance that stored it): the CRM's events. */
      onReceived?: (voicemail: Voicemail) => void;
      /** Its transcription was stored (the CRM's voicemail.transcribed). */
      onTranscribed?: (voicemail: Voicemail) => void;
      recordings?: RecordingService;
      audit?: AuditLog;
    },
  ) {
    this.outbox = new VoicemailOutbox<RecordedVoicemail>({
      dataDir: deps.dataDir,
      clock: deps.clock,
      logger: deps.logger.child({ component: 'voicemail-outbox' }),
      store: (vm) => this.record(vm),
      describe: (vm) => ({ companyId: vm.companyId, callSid: vm.callSid }),
    });
  }

  /** Told of each new voicemail once it is stored (the e-mail notifier). */
  onCreated(listener: (vm: Voicemail) => void): void {
    this.createdListeners.push(listener);
  }

  /** Stores the voicemail; returns it and whether it was new (and so published). */
  async record(vm: RecordedVoicemail): Promise<{ voicemail: Voicemail; created: boolean }> {
    const key = { companyId_callSid: { companyId: vm.companyId, callSid: vm.callSid } };
    const existing = await this.deps.db.voicemail.findUnique({ where: key });
    // One recording per voicemail: the callback that comes second (or a retry) finds it already there.
    if (existing?.recordingId) return { voicemail: await this.fillIn(existing, vm, null), created: false };
    const recordingId = await this.ingestAudio(vm);
    if (existing) return { voicemail: await this.fillIn(existing, vm, recordingId), created: false };
    try {
      const voicemail = await this.deps.db.voicemail.create({
        data: {
          companyId: vm.companyId,
          callSid: vm.callSid,
          from: vm.from,
          to: vm.to,
          recordingUrl: vm.recordingUrl,
          durationSeconds: vm.durationSeconds,
          recordingId,
          queueId: vm.queueId ?? null,
          language: vm.language ?? null,
        },
      });
      this.deps.pubsub.publish('voicemail:received', vm.companyId, voicemail);
      this.deps.onReceived?.(voicemail);
      for (const listener of this.createdListeners) listener(voicemail);
      return { voicemail, created: true };
    } catch (err) {
      // The other callback won the race.
      if (uniqueViolation(err)) {
        const row = await this.deps.db.voicemail.findUniqueOrThrow({ where: key });
        return { voicemail: await this.fillIn(row, vm, recordingId), created: false };
      }
      throw err;
    }
  }

  /**
   * Telnyx's transcription of the call's voicemail. Returns false when there is no voicemail for the
   * call (yet: the transcription may overtake the recording callbacks; Telnyx retries a non-200, but
   * we answer 200 and keep nothing, so a lost race loses only the text).
   */
  async transcribed(companyId: string, callSid: string, text: string): Promise<boolean> {
    const result = await this.deps.db.voicemail.updateMany({
      where: { companyId, callSid },
      data: { transcription: text.slice(0, 20_000) },
    });
    if (result.count > 0 && this.deps.onTranscribed) {
      const voicemail = await this.deps.db.voicemail.findUnique({ where: { companyId_callSid: { companyId, callSid } } });
      if (voicemail) this.deps.onTranscribed(voicemail);
    }
    return result.count > 0;
  }

  /** Marks a voicemail read/unread and handled/not handled, recording who did it in the audit trail. */
  async mark(
    companyId: string,
    id: string,
    change: { read?: boolean | null; handled?: boolean | null },
    actor: AuditActor,
  ): Promise<Voicemail> {
    const before = await this.deps.db.voicemail.findFirst({ where: { id, companyId } });
    if (!before) throw new NotFoundError('voicemail not found');
    const now = new Date(this.deps.clock.now());
    const who = actor.subject ?? actor.kind;
    const data: Prisma.VoicemailUpdateInput = {};
    if (change.read === true && !before.readAt) Object.assign(data, { readAt: now, readBy: who });
    if (change.read === false) Object.assign(data, { readAt: null, readBy: null });
    if (change.handled === true && !before.handledAt) Object.assign(data, { handledAt: now, handledBy: who });
    if (change.handled === false) Object.assign(data, { handledAt: null, handledBy: null });
    if (Object.keys(data).length === 0) return before;
    const after = await this.deps.db.voicemail.update({ where: { id }, data });
    await this.deps.audit?.record(actor, {
      companyId,
      action: 'voicemail.marked',
      target: { voicemailId: id },
      changes: {
        ...(change.read != null && { read: { before: before.readAt !== null, after: after.readAt !== null } }),
        ...(change.handled != null && { handled: { before: before.handledAt !== null, after: after.handledAt !== null } }),
      },
    });
    return after;
  }

  /** Voicemails as they are stored, for the company's subscribers (no snapshot: the list query has them). */
  feed(companyId: string): SharedFeed<Voicemail> {
    return {
      key: `voicemail:received:${companyId}`,
      open: (emit) => sourceOf(this.deps.pubsub.subscribe('voicemail:received', companyId), emit),
    };
  }

  list(companyId: string, first: number): Promise<Voicemail[]> {
    return this.deps.db.voicemail.findMany({ where: { companyId }, orderBy: { createdAt: 'desc' }, take: first });
  }

  /** The `where` of a filtered list: the company's, in a mailbox, matching words, unread/unhandled. */
  static whereOf(companyId: string, filter: Omit<VoicemailListFilter, 'first'>, defaultQueueId: string | null): Prisma.VoicemailWhereInput {
    const where: Prisma.VoicemailWhereInput = { companyId };
    const and: Prisma.VoicemailWhereInput[] = [];
    if (filter.mailbox?.kind === 'agent') where.agentId = filter.mailbox.agentId;
    if (filter.mailbox?.kind === 'queue') {
      // Voicemails of calls that named no queue belong to the default queue.
      const queueId = filter.mailbox.queueId;
      if (queueId === defaultQueueId) and.push({ OR: [{ queueId }, { queueId: null, agentId: null }] });
      else where.queueId = queueId;
    }
    if (filter.unreadOnly) where.readAt = null;
    if (filter.unhandledOnly) where.handledAt = null;
    const search = filter.search?.trim();
    if (search) {
      and.push({
        OR: [{ transcription: { contains: search, mode: 'insensitive' } }, { from: { contains: search } }, { to: { contains: search } }],
      });
    }
    if (and.length > 0) where.AND = and;
    return where;
  }

  /** The recording behind a voicemail is downloaded under its RecordingSid; its row id, or null. */
  private async ingestAudio(vm: RecordedVoicemail): Promise<string | null> {
    if (!vm.recordingSid || !this.deps.recordings) return null;
    const recording = await this.deps.recordings.ingest({
      companyId: vm.companyId,
      callSid: vm.callSid,
      recordingSid: vm.recordingSid,
      url: vm.recordingUrl,
      kind: 'VOICEMAIL',
      durationSeconds: vm.durationSeconds,
      accountSid: vm.accountSid ?? null,
    });
    return recording.id;
  }

  /** The second callback may know what the first did not (the status callback carries no From/To). */
  private async fillIn(row: Voicemail, vm: RecordedVoicemail, recordingId: string | null): Promise<Voicemail> {
    const patch: Partial<Voicemail> = {};
    if (!row.from && vm.from) patch.from = vm.from;
    if (!row.to && vm.to) patch.to = vm.to;
    if (!row.durationSeconds && vm.durationSeconds) patch.durationSeconds = vm.durationSeconds;
    if (!row.recordingId && recordingId) patch.recordingId = recordingId;
    if (!row.queueId && vm.queueId) patch.queueId = vm.queueId;
    if (!row.language && vm.language) patch.language = vm.language;
    if (Object.keys(patch).length === 0) return row;
    return this.deps.db.voicemail.update({ where: { id: row.id }, data: patch });
  }
}
