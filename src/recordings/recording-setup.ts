/** Builds the recording service from the configuration: its storage driver, link signer and REST look-up. */
import type { Config } from '../config.js';
import type { Clock } from '../domain/clock.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { InFlight } from '../telnyx/call-control.js';
import { lookupRecordingMediaUrl } from '../telnyx/recording-lookup.js';
import { FileRecordingStorage } from './fs-storage.js';
import { MemoryRecordingStorage } from './memory-storage.js';
import { RecordingService } from './recording-service.js';
import { S3RecordingStorage } from './s3-storage.js';
import { RecordingUrlSigner } from './signed-urls.js';
import type { RecordingStorage } from './storage.js';

/** The retention sweep runs hourly: retention is counted in days. */
const RETENTION_SWEEP_EVERY_MS = 3_600_000;

export function storageFor(config: Pick<Config, 'recordings'>): RecordingStorage {
  const storage = config.recordings.storage;
  switch (storage.kind) {
    case 'memory':
      return new MemoryRecordingStorage();
    case 'filesystem':
      return new FileRecordingStorage(storage.dir);
    case 's3':
      return new S3RecordingStorage({ bucket: storage.bucket, region: storage.region, endpoint: storage.endpoint, prefix: storage.prefix });
  }
}

export function createRecordingService(
  config: Config,
  deps: { db: Db; clock: Clock; logger: Logger; inFlight?: InFlight },
): RecordingService {
  if (config.redisUrl && config.recordings.storage.kind !== 's3') {
    // Each instance would serve only what it downloaded itself.
    deps.logger.warn(
      { recordingsStorage: config.recordings.storage.kind },
      'several instances (REDIS_URL) keep recordings in a local folder: set RECORDINGS_S3_BUCKET, or point RECORDINGS_DIR at a volume they share',
    );
  }
  const apiKey = config.telnyxApiKey;
  const baseUrl = config.telnyxApiBaseUrl;
  return new RecordingService({
    ...deps,
    logger: deps.logger.child({ component: 'recordings' }),
    storage: storageFor(config),
    // JWT_SECRET is always set by the time services are built (generated and kept in DATA_DIR otherwise).
    signer: new RecordingUrlSigner([config.jwtSecret, config.jwtSecretPrevious]),
    urlRules: config.recordingUrlRules,
    lookup: apiKey
      ? (accountSid, recordingSid) =>
          lookupRecordingMediaUrl({ apiKey, baseUrl, accountSid, recordingSid, ...(deps.inFlight && { inFlight: deps.inFlight }) })
      : null,
    maxBytes: config.recordings.maxBytes,
    retentionSweepEveryMs: RETENTION_SWEEP_EVERY_MS,
  });
}
