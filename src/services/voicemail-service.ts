/**
 * Voicemails arrive twice from Telnyx (the <Record action> and the recording status callback), and
 * either may be retried: one row per call, published once, whichever comes first.
 */
import type { Clock } from '../domain/clock.js';
import type { Voicemail } from '../generated/prisma/client.js';
import { uniqueViolation } from '../infra/db-errors.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import { sourceOf, type SharedFeed } from '../infra/feed.js';
import type { PubSub } from './topics.js';
import { VoicemailOutbox } from './voicemail-outbox.js';

export interface RecordedVoicemail {
  companyId: string;
  callSid: string;
  from: string;
  to: string;
  recordingUrl: string;
  durationSeconds: number;
}

export class VoicemailService {
  /** Voicemails that could not be stored when they came, waiting for the database (durably). */
  readonly outbox: VoicemailOutbox<RecordedVoicemail>;

  constructor(
    private readonly deps: {
      db: Db;
      pubsub: PubSub;
      clock: Clock;
      logger: Logger;
      dataDir: string;
      /** A voicemail was stored (once per call, on the instance that stored it): the CRM's events. */
      onReceived?: (voicemail: Voicemail) => void;
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

  /** Stores the voicemail; returns it and whether it was new (and so published). */
  async record(vm: RecordedVoicemail): Promise<{ voicemail: Voicemail; created: boolean }> {
    const key = { companyId_callSid: { companyId: vm.companyId, callSid: vm.callSid } };
    const existing = await this.deps.db.voicemail.findUnique({ where: key });
    if (existing) return { voicemail: await this.fillIn(existing, vm), created: false };
    try {
      const voicemail = await this.deps.db.voicemail.create({ data: vm });
      this.deps.pubsub.publish('voicemail:received', vm.companyId, voicemail);
      this.deps.onReceived?.(voicemail);
      return { voicemail, created: true };
    } catch (err) {
      // The other callback won the race.
      if (uniqueViolation(err)) {
        const row = await this.deps.db.voicemail.findUniqueOrThrow({ where: key });
        return { voicemail: await this.fillIn(row, vm), created: false };
      }
      throw err;
    }
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

  /** The second callback may know what the first did not (the status callback carries no From/To). */
  private async fillIn(row: Voicemail, vm: RecordedVoicemail): Promise<Voicemail> {
    const patch: Partial<Voicemail> = {};
    if (!row.from && vm.from) patch.from = vm.from;
    if (!row.to && vm.to) patch.to = vm.to;
    if (!row.durationSeconds && vm.durationSeconds) patch.durationSeconds = vm.durationSeconds;
    if (Object.keys(patch).length === 0) return row;
    return this.deps.db.voicemail.update({ where: { id: row.id }, data: patch });
  }
}
