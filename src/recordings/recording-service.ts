/**
 * Recordings copied out of Telnyx before their URL dies (10 minutes after the call), kept in our
 * storage, served through signed links, and deleted after the company's retention (docs/RECORDINGS.md).
 *
 * The Recording row is the outbox: `ingest` writes it PENDING before anything is downloaded, the
 * download runs at once in the background and, on failure, again with backoff (src/domain/recordings.ts);
 * `start` resumes every PENDING row a previous run left. Past Telnyx's 10 minutes (or after a 404) the
 * URL is asked again from the TeXML REST API by RecordingSid. Downloading twice is harmless: the key
 * is the row's, and the row turns STORED once.
 *
 * One file on purpose (about 400 lines): scheduling, the attempt, serving and retention each move the
 * same row through PENDING → STORED/FAILED → DELETED, and reading them side by side shows every
 * transition; the pure rules are in src/domain/recordings.ts, the drivers and links beside this file.
 */
import type { Clock, TimerHandle } from '../domain/clock.js';
import {
  isAudioContentType,
  MAX_DOWNLOAD_ATTEMPTS,
  needsFreshUrl,
  nextDownloadAttemptAt,
  recordingStorageKey,
  retentionCutoff,
} from '../domain/recordings.js';
import type { Recording, RecordingKind } from '../generated/prisma/client.js';
import { uniqueViolation } from '../infra/db-errors.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { InFlight } from '../telnyx/call-control.js';
import { checkRecordingUrl, type RecordingUrlRule } from '../telnyx/recording-url.js';
import type { RecordingLookup } from '../telnyx/recording-lookup.js';
import { type RecordingUrlSigner, SIGNED_URL_TTL_SECONDS } from './signed-urls.js';
import type { ByteRange, RecordingStorage, StoredObject } from './storage.js';

/** What a caller of `ingest` knows about a recording Telnyx delivered. */
export interface RecordingIngest {
  companyId: string;
  callSid: string;
  /** Telnyx's RecordingSid (unique per company). */
  recordingSid: string;
  /** Telnyx's RecordingUrl (checked against RECORDING_URL_ALLOWLIST by the caller). */
  url: string;
  kind: RecordingKind;
  durationSeconds: number;
  /** The webhook's AccountSid: the REST API's path needs it to fetch a fresh URL. */
  accountSid?: string | null;
}

export interface RecordingServiceDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  storage: RecordingStorage;
  signer: RecordingUrlSigner;
  /** Where a recording may be downloaded from (RECORDING_URL_ALLOWLIST): also for URLs the REST API returns. */
  urlRules: readonly RecordingUrlRule[];
  /** Fetches a fresh media URL by RecordingSid (TELNYX_API_KEY); null without an API key. */
  lookup: ((accountSid: string, recordingSid: string) => Promise<RecordingLookup>) | null;
  /** A VirtualClock's `busy` in tests: a download counts as work in flight. */
  inFlight?: InFlight;
  /** Largest recording accepted, in bytes (RECORDINGS_MAX_BYTES). */
  maxBytes?: number;
  downloadTimeoutMs?: number;
  /** Downloads at once on this instance (default 4): a flood of callbacks queues instead of opening a connection each. */
  maxConcurrentDownloads?: number;
  /** How often the retention sweep runs (ms); 0 = only when asked. */
  retentionSweepEveryMs?: number;
  fetch?: typeof fetch;
}

export const DEFAULT_MAX_RECORDING_BYTES = 256 * 1024 * 1024;

export class RecordingService {
  private readonly timers = new Map<string, TimerHandle>();
  private readonly running = new Set<string>();
  /** Due downloads waiting for a free slot (maxConcurrentDownloads), oldest first. */
  private readonly ready: string[] = [];
  private active = 0;
  /** Attempts in progress, so `stop` can let them finish before the database closes. */
  private readonly inProgress = new Set<Promise<unknown>>();
  /** The last HTTP status a recording's URL answered (a 404 sends the next attempt to the REST API). */
  private readonly lastStatus = new Map<string, number>();
  private readonly storedListeners: ((recording: Recording) => void | Promise<void>)[] = [];
  private sweepTimer: TimerHandle | undefined;
  private stopped = false;

  constructor(private readonly deps: RecordingServiceDeps) {}

  get storage(): RecordingStorage {
    return this.deps.storage;
  }

  /** Called once a recording is STORED (a voicemail's e-mail waits for its audio). */
  onStored(listener: (recording: Recording) => void | Promise<void>): void {
    this.storedListeners.push(listener);
  }

  /**
   * Records that Telnyx has a recording for us and starts its download. Idempotent per
   * (companyId, recordingSid): Telnyx delivers a recording twice (action and status callback) and
   * retries; the first row stands. Resolves once the row is written (the download goes on).
   */
  async ingest(input: RecordingIngest): Promise<Recording> {
    const key = { companyId_recordingSid: { companyId: input.companyId, recordingSid: input.recordingSid } };
    let row = await this.deps.db.recording.findUnique({ where: key });
    if (!row) {
      try {
        row = await this.deps.db.recording.create({
          data: {
            companyId: input.companyId,
            callSid: input.callSid,
            recordingSid: input.recordingSid,
            accountSid: input.accountSid ?? null,
            kind: input.kind,
            sourceUrl: input.url,
            durationSeconds: Math.max(0, Math.round(input.durationSeconds)),
            nextAttemptAt: new Date(this.deps.clock.now()),
            createdAt: new Date(this.deps.clock.now()),
          },
        });
      } catch (err) {
        if (!uniqueViolation(err)) throw err;
        row = await this.deps.db.recording.findUniqueOrThrow({ where: key });
      }
    }
    if (row.status === 'PENDING') this.schedule(row.id, this.deps.clock.now());
    return row;
  }

  /** Resumes the downloads a previous run left PENDING (the outbox), and starts the retention sweep. */
  async start(): Promise<void> {
    this.stopped = false;
    const pending = await this.deps.db.recording.findMany({
      where: { status: 'PENDING' },
      select: { id: true, nextAttemptAt: true },
      orderBy: { createdAt: 'asc' },
    });
    for (const row of pending) this.schedule(row.id, row.nextAttemptAt?.getTime() ?? this.deps.clock.now());
    if (pending.length > 0) this.deps.logger.info({ pending: pending.length }, 'recordings: resuming downloads a previous run left');
    const every = this.deps.retentionSweepEveryMs ?? 0;
    if (every > 0) this.scheduleSweep(every);
  }

  /**
   * Stops scheduling; resolves once the downloads in progress have finished (at most `waitMs`): a
   * download cut short stays PENDING and the next start resumes it.
   */
  async stop(waitMs = 5_000): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) this.deps.clock.clearTimer(timer);
    this.timers.clear();
    this.ready.length = 0;
    if (this.sweepTimer) this.deps.clock.clearTimer(this.sweepTimer);
    this.sweepTimer = undefined;
    if (this.inProgress.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inProgress]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, waitMs);
        timer.unref?.();
      }),
    ]);
    clearTimeout(timer);
  }

  /** Downloads waiting for their next attempt on this instance. */
  get scheduled(): number {
    return this.timers.size + this.ready.length + this.running.size;
  }

  /** A fresh link to the audio of a STORED recording, or null (not stored, deleted, or another company's). */
  signedUrl(
    companyId: string,
    recording: Pick<Recording, 'id' | 'companyId' | 'status'>,
    ttlSeconds = SIGNED_URL_TTL_SECONDS,
  ): string | null {
    if (recording.companyId !== companyId || recording.status !== 'STORED') return null;
    return this.deps.signer.sign(companyId, recording.id, this.deps.clock.now() + ttlSeconds * 1000);
  }

  /**
   * The audio behind a signed link: the recording when the link is good now, else why not
   * (`refused`: bad or expired link; `missing`: no such stored recording).
   */
  async open(
    recordingId: string,
    link: { exp: string | null; sig: string | null },
    range: (size: number) => ByteRange | null | 'unsatisfiable',
  ): Promise<
    | { kind: 'refused'; reason: string }
    | { kind: 'missing' }
    | { kind: 'unsatisfiable'; size: number }
    | { kind: 'audio'; object: StoredObject; recording: Recording }
  > {
    const recording = await this.deps.db.recording.findUnique({ where: { id: recordingId } });
    // The company the link was signed for is the recording's: another company's link, or an id
    // swapped into a link, fails the MAC.
    const refusal = this.deps.signer.refusal({
      companyId: recording?.companyId ?? '',
      recordingId,
      exp: link.exp,
      sig: link.sig,
      now: this.deps.clock.now(),
    });
    if (refusal) return { kind: 'refused', reason: refusal };
    if (recording?.status !== 'STORED' || !recording.storageKey) return { kind: 'missing' };
    const size = recording.sizeBytes ?? 0;
    const wanted = range(size);
    if (wanted === 'unsatisfiable') return { kind: 'unsatisfiable', size };
    const object = await this.deps.storage.get(recording.storageKey, wanted);
    if (!object) return { kind: 'missing' };
    return { kind: 'audio', object, recording };
  }

  /** One download attempt now (tests, and the timers). Resolves with the row as it then is. */
  async attempt(recordingId: string): Promise<Recording | null> {
    if (this.running.has(recordingId)) return null;
    this.running.add(recordingId);
    this.deps.inFlight?.begin();
    try {
      const row = await this.deps.db.recording.findUnique({ where: { id: recordingId } });
      if (row?.status !== 'PENDING') return row;
      const attempts = row.attempts + 1;
      try {
        const { bytes, contentType } = await this.download(row);
        const storageKey = recordingStorageKey(row.companyId, row.id, contentType);
        const { sizeBytes } = await this.deps.storage.put(storageKey, bytes, contentType);
        const stored = await this.deps.db.recording.update({
          where: { id: row.id },
          data: {
            status: 'STORED',
            storageKey,
            contentType,
            sizeBytes,
            attempts,
            lastError: null,
            nextAttemptAt: null,
            storedAt: new Date(this.deps.clock.now()),
          },
        });
        this.lastStatus.delete(row.id);
        this.deps.logger.info(
          {
            recordingId: row.id,
            companyId: row.companyId,
            callSid: row.callSid,
            sizeBytes,
            contentType,
            attempts,
            driver: this.deps.storage.driver,
          },
          'recording stored',
        );
        for (const listener of this.storedListeners) {
          try {
            await listener(stored);
          } catch (err) {
            this.deps.logger.warn({ err, recordingId: row.id }, 'recordings: a stored-recording listener failed');
          }
        }
        return stored;
      } catch (err) {
        const message = ((err as Error)?.message ?? String(err)).slice(0, 500);
        const nextAt = nextDownloadAttemptAt(attempts, this.deps.clock.now(), Math.random());
        const failed = await this.deps.db.recording.update({
          where: { id: row.id },
          data:
            nextAt === null
              ? { status: 'FAILED', attempts, lastError: message, nextAttemptAt: null }
              : { attempts, lastError: message, nextAttemptAt: new Date(nextAt) },
        });
        this.deps.logger.warn(
          {
            recordingId: row.id,
            companyId: row.companyId,
            callSid: row.callSid,
            recordingSid: row.recordingSid,
            attempt: attempts,
            of: MAX_DOWNLOAD_ATTEMPTS,
            nextAttemptInMs: nextAt === null ? null : nextAt - this.deps.clock.now(),
            error: message,
          },
          nextAt === null ? 'recording download failed for good' : 'recording download failed; retrying',
        );
        if (nextAt !== null) this.schedule(row.id, nextAt);
        return failed;
      }
    } finally {
      this.running.delete(recordingId);
      this.deps.inFlight?.end();
    }
  }

  /**
   * Deletes every stored recording past its company's retention: the object first, then the row is
   * marked DELETED (a crash between the two deletes the missing object again, harmlessly).
   * Returns how many were deleted.
   */
  async sweepRetention(batch = 500): Promise<number> {
    const now = this.deps.clock.now();
    const companies = await this.deps.db.company.findMany({
      where: { recordingRetentionDays: { not: null } },
      select: { id: true, recordingRetentionDays: true },
    });
    let deleted = 0;
    for (const company of companies) {
      const cutoff = retentionCutoff(company.recordingRetentionDays, now);
      if (!cutoff) continue;
      for (;;) {
        const due = await this.deps.db.recording.findMany({
          where: { companyId: company.id, status: 'STORED', storedAt: { lt: cutoff } },
          select: { id: true, storageKey: true },
          take: batch,
        });
        if (due.length === 0) break;
        for (const row of due) {
          try {
            if (row.storageKey) await this.deps.storage.delete(row.storageKey);
            await this.deps.db.recording.update({
              where: { id: row.id },
              data: { status: 'DELETED', deletedAt: new Date(now) },
            });
            deleted++;
          } catch (err) {
            this.deps.logger.warn(
              { err, recordingId: row.id, companyId: company.id },
              'recordings: retention could not delete a recording; next sweep retries',
            );
            return deleted;
          }
        }
        if (due.length < batch) break;
      }
    }
    if (deleted > 0) this.deps.logger.info({ deleted }, 'recordings past retention deleted');
    return deleted;
  }

  private scheduleSweep(every: number): void {
    if (this.stopped) return;
    this.sweepTimer = this.deps.clock.setTimer(this.deps.clock.now() + every, () => {
      void this.sweepRetention()
        .catch((err) => this.deps.logger.warn({ err }, 'recordings: retention sweep failed'))
        .finally(() => this.scheduleSweep(every));
    });
  }

  private schedule(recordingId: string, at: number): void {
    if (this.stopped) return;
    const existing = this.timers.get(recordingId);
    if (existing) this.deps.clock.clearTimer(existing);
    const run = () => {
      this.timers.delete(recordingId);
      if (!this.ready.includes(recordingId)) this.ready.push(recordingId);
      this.pump();
    };
    // Due now: start at once (inside the webhook's turn, so virtual time holds for it).
    if (at <= this.deps.clock.now()) {
      queueMicrotask(run);
      return;
    }
    this.timers.set(recordingId, this.deps.clock.setTimer(at, run));
  }

  /** Starts due downloads while slots are free. */
  private pump(): void {
    const max = this.deps.maxConcurrentDownloads ?? 4;
    while (!this.stopped && this.active < max && this.ready.length > 0) {
      const recordingId = this.ready.shift()!;
      this.active++;
      const attempt = this.attempt(recordingId)
        .catch((err) =>
          this.deps.logger.error({ err, recordingId }, 'recordings: download attempt crashed; the row stays PENDING for the next start'),
        )
        .finally(() => {
          this.active--;
          this.inProgress.delete(attempt);
          this.pump();
        });
      this.inProgress.add(attempt);
    }
  }

  /** The bytes and content type of a recording: its delivered URL while fresh, else a fresh one from the REST API. */
  private async download(row: Recording): Promise<{ bytes: Buffer; contentType: string }> {
    let url = row.sourceUrl;
    const fresh = needsFreshUrl({
      receivedAt: row.createdAt.getTime(),
      now: this.deps.clock.now(),
      lastStatus: this.lastStatus.get(row.id) ?? null,
    });
    if (fresh && this.deps.lookup && row.accountSid) {
      const found = await this.deps.lookup(row.accountSid, row.recordingSid);
      if (!found.ok) throw new Error(`fetching a fresh URL by RecordingSid: ${found.message}`);
      url = found.mediaUrl;
    }
    const verdict = checkRecordingUrl(url, this.deps.urlRules);
    if (!verdict.ok) throw new Error(`recording URL refused: ${verdict.reason}`);
    const timeoutMs = this.deps.downloadTimeoutMs ?? 30_000;
    const res = await (this.deps.fetch ?? fetch)(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    this.lastStatus.set(row.id, res.status);
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => {});
      throw new Error(`the recording URL answered HTTP ${res.status}`);
    }
    const contentType = (res.headers.get('content-type') ?? 'application/octet-stream').split(';')[0]!.trim();
    if (!isAudioContentType(contentType)) {
      await res.body?.cancel().catch(() => {});
      throw new Error(`the recording URL answered ${contentType}, not audio`);
    }
    const max = this.deps.maxBytes ?? DEFAULT_MAX_RECORDING_BYTES;
    const declared = Number(res.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(declared) && declared > max) {
      await res.body?.cancel().catch(() => {});
      throw new Error(`the recording is ${declared} bytes, more than RECORDINGS_MAX_BYTES (${max})`);
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    if (bytes.length > max) throw new Error(`the recording is ${bytes.length} bytes, more than RECORDINGS_MAX_BYTES (${max})`);
    if (bytes.length === 0) throw new Error('the recording URL answered an empty body');
    return { bytes, contentType };
  }
}
