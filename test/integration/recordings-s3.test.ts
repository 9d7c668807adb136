/**
 * Recordings in S3-compatible storage, against a local S3 server (s3rver, test/support/s3.ts; this
 * suite fails in CI if it cannot start): the driver's put/get/ranges/exists/delete under a prefix,
 * then whole voicemails through the local Telnyx stored in the bucket, played through signed links
 * after Telnyx's URL has expired, and deleted from the bucket by retention.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3RecordingStorage } from '../../src/recordings/s3-storage.js';
import { bufferOf } from '../../src/recordings/storage.js';
import { waitFor } from '../support/harness.js';
import { type LocalS3, S3RVER_CREDENTIALS, startLocalS3 } from '../support/s3.js';
import { type Simulation, startSimulation } from '../support/simulation.js';

/** Polls until `read` gives a value (waitFor, typed without the null it polls through). */
const settle = async <T>(read: () => Promise<T | null | undefined>): Promise<T> => (await waitFor(read)) as T;

let s3: LocalS3 | null = null;
let sim: Simulation | undefined;
const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

beforeAll(async () => {
  s3 = await startLocalS3();
  if (!s3) return;
  // The service reads credentials through the SDK's default chain, as in production (and Node 20 is known).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
  sim = await startSimulation({
    env: {
      RECORDINGS_S3_BUCKET: s3.bucket,
      RECORDINGS_S3_ENDPOINT: s3.endpoint,
      RECORDINGS_S3_REGION: s3.region,
      RECORDINGS_S3_PREFIX: 'voice/',
    },
  });
});

afterAll(async () => {
  await sim?.close();
  await s3?.close();
  process.env.AWS_ACCESS_KEY_ID = saved.id;
  process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
  if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
  if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
});

describe('S3 recording storage', () => {
  it('puts, reads whole and in ranges, knows what exists, deletes (under its prefix)', async (ctx) => {
    if (!s3) return ctx.skip();
    const storage = new S3RecordingStorage({
      bucket: s3.bucket,
      region: s3.region,
      endpoint: s3.endpoint,
      prefix: 'unit/',
      credentials: S3RVER_CREDENTIALS,
    });
    const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
    expect(await storage.put('recordings/co/r1.mp3', bytes, 'audio/mpeg')).toEqual({ sizeBytes: 5000 });
    expect(await storage.exists('recordings/co/r1.mp3')).toBe(true);
    expect(await storage.exists('recordings/co/none.mp3')).toBe(false);
    const whole = (await storage.get('recordings/co/r1.mp3'))!;
    expect([whole.size, whole.range, whole.contentType]).toEqual([5000, null, 'audio/mpeg']);
    expect((await bufferOf(whole.body)).equals(bytes)).toBe(true);
    const part = (await storage.get('recordings/co/r1.mp3', [1000, 1099]))!;
    expect([part.size, part.range]).toEqual([5000, [1000, 1099]]);
    expect((await bufferOf(part.body)).equals(bytes.subarray(1000, 1100))).toBe(true);
    // The prefix is part of the object's real key.
    const raw = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
    const direct = await raw.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'unit/recordings/co/r1.mp3' }));
    expect(direct.ContentLength).toBe(5000);
    raw.destroy();
    expect(await storage.get('recordings/co/none.mp3')).toBeNull();
    await storage.delete('recordings/co/r1.mp3');
    await storage.delete('recordings/co/r1.mp3'); // twice is fine
    expect(await storage.exists('recordings/co/r1.mp3')).toBe(false);
    storage.close();
  });

  it('a voicemail lands in the bucket, plays after Telnyx’s URL expired, and retention removes the object', async (ctx) => {
    if (!s3 || !sim) return ctx.skip();
    const c = await sim.company({ number: '+13055558801', agents: [] });
    const r = await sim.call(`call from +15557651111 to ${c.number}; caller leaves a 6 s message`);
    expect(r.outcome).toBe('VOICEMAIL');
    const recording = await settle(async () => {
      const row = await sim!.server.database.prisma.recording.findFirst({ where: { callSid: r.callSid } });
      return row?.status === 'STORED' ? row : null;
    });
    const storage = new S3RecordingStorage({
      bucket: s3.bucket,
      region: s3.region,
      endpoint: s3.endpoint,
      prefix: 'voice/',
      credentials: S3RVER_CREDENTIALS,
    });
    expect(await storage.exists(recording.storageKey!)).toBe(true);
    const step = r.steps.find((s) => s.kind === 'recording')!;
    const telnyxUrl = step.kind === 'recording' ? step.url : '';
    const original = Buffer.from(await (await fetch(telnyxUrl)).arrayBuffer());
    sim.clock!.advance(11 * 60_000);
    expect((await fetch(telnyxUrl)).status).toBe(404);
    const res = await sim.server.gql(`query($c: ID!) { voicemails(companyId: $c) { audioUrl } }`, { c: c.companyId }, c.supervisor);
    const audioUrl = (res.data as any).voicemails[0].audioUrl as string;
    const audio = await fetch(`${sim.server.url}${audioUrl}`);
    expect([audio.status, audio.headers.get('content-type')]).toEqual([200, 'audio/mpeg']);
    expect(Buffer.from(await audio.arrayBuffer()).equals(original)).toBe(true);
    const part = await fetch(`${sim.server.url}${audioUrl}`, { headers: { range: 'bytes=-100' } });
    expect([part.status, part.headers.get('content-range')]).toEqual([
      206,
      `bytes ${original.length - 100}-${original.length - 1}/${original.length}`,
    ]);
    expect(Buffer.from(await part.arrayBuffer()).equals(original.subarray(original.length - 100))).toBe(true);

    await sim.server.admin(`mutation($c: ID!) { updateCompany(id: $c, input: { recordingRetentionDays: 1 }) { id } }`, { c: c.companyId });
    await sim.server.database.prisma.recording.update({
      where: { id: recording.id },
      data: { storedAt: new Date(sim.clock!.now() - 2 * 86_400_000) },
    });
    expect(await sim.server.app.services.recordings.sweepRetention()).toBe(1);
    expect(await storage.exists(recording.storageKey!)).toBe(false);
    storage.close();
  });
});
