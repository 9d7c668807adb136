/**
 * Voicemails people can work with, through whole calls on the local Telnyx: the audio is copied into
 * our storage (a folder here) as soon as Telnyx delivers it, so it still plays after Telnyx's URL has
 * expired (10 minutes after the call); a failed download is retried, and a restart resumes it; the
 * board gets short-lived signed links scoped to the company; Telnyx's transcription is kept and
 * searchable; supervisors mark voicemails read and handled (audited) and filter by mailbox; retention
 * deletes the file.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatedTranscriptionText } from '../../src/simulator/call-runtime.js';
import { MEDIA_PATH_PREFIX } from '../../src/simulator/media.js';
import { startServer, type TestServer, waitFor } from '../support/harness.js';
import { type SimulatedCompany, type Simulation, startSimulation } from '../support/simulation.js';

/** Polls until `read` gives a value (waitFor, typed without the null it polls through). */
const settle = async <T>(read: () => Promise<T | null | undefined>): Promise<T> => (await waitFor(read)) as T;

const CALLER = '+15557650000';
let sim: Simulation;
let dir: string;
let numbers = 0;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'curbe-recordings-'));
  sim = await startSimulation({ env: { RECORDINGS_DIR: dir } });
});

afterAll(async () => {
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

const db = () => sim.server.database.prisma;

async function company(fields: Record<string, unknown> = {}, routing: Record<string, unknown> = {}): Promise<SimulatedCompany> {
  return sim.company({ number: `+1305555${String(7000 + ++numbers)}`, agents: [], fields, routing });
}

/** Plays a call that ends in a voicemail, and waits until our copy of its audio is STORED. */
async function leaveVoicemail(c: SimulatedCompany, seconds: number, scenario = '') {
  const r = await sim.call(`call from ${CALLER} to ${c.number};${scenario} caller leaves a ${seconds} s message`);
  expect(r.outcome).toBe('VOICEMAIL');
  const recording = await settle(async () => {
    const row = await db().recording.findFirst({ where: { callSid: r.callSid } });
    return row?.status === 'STORED' ? row : null;
  });
  return { r, recording };
}

async function voicemailsOf(c: SimulatedCompany, args = '', token = c.supervisor) {
  const res = await sim.server.gql(
    `query($c: ID!) { voicemails(companyId: $c${args}) { id callSid audioUrl recordingStatus transcription language read handled handledBy queueId } }`,
    { c: c.companyId },
    token,
  );
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return (res.data as any).voicemails as any[];
}

/** Whether a download of the recording is in flight on the (first) instance. */
const running = (id: string) => (sim.server.app.services.recordings as any).running.has(id) as boolean;

/** Test hook on the local Telnyx only: its media server answers `status` to the next `times` downloads. */
function failMedia(times: number, status = 503) {
  const media = sim.telnyx.media;
  const serve = media.serveMedia.bind(media);
  let left = times;
  media.serveMedia = (req: IncomingMessage, res: ServerResponse, p: string) => {
    if (left > 0 && p.startsWith(MEDIA_PATH_PREFIX)) {
      left--;
      res.writeHead(status, { 'content-type': 'text/plain' }).end('unavailable');
      return true;
    }
    return serve(req, res, p);
  };
  return { restore: () => void (media.serveMedia = serve), setLeft: (n: number) => void (left = n) };
}

describe('recordings in our storage', () => {
  it('a voicemail whose Telnyx URL has expired still plays from our storage, with byte ranges', async () => {
    const c = await company();
    const { r, recording } = await leaveVoicemail(c, 7);
    const step = r.steps.find((s) => s.kind === 'recording')!;
    const telnyxUrl = step.kind === 'recording' ? step.url : '';
    expect(recording).toMatchObject({
      companyId: c.companyId,
      kind: 'VOICEMAIL',
      contentType: 'audio/mpeg',
      durationSeconds: 7,
      attempts: 1,
    });
    const original = Buffer.from(await (await fetch(telnyxUrl)).arrayBuffer());
    expect(recording.sizeBytes).toBe(original.length);
    // The file is in the folder, under the company.
    const file = path.join(dir, recording.storageKey!);
    expect(recording.storageKey).toBe(`recordings/${c.companyId}/${recording.id}.mp3`);
    expect(readFileSync(file).equals(original)).toBe(true);

    // Eleven minutes later Telnyx's URL is dead…
    sim.clock!.advance(11 * 60_000);
    expect((await fetch(telnyxUrl)).status).toBe(404);
    // …and the board's link plays our copy.
    const [vm] = await voicemailsOf(c);
    expect(vm).toMatchObject({ callSid: r.callSid, recordingStatus: 'STORED' });
    expect(vm.audioUrl).toMatch(new RegExp(`^/media/recordings/${recording.id}\\?exp=\\d+&sig=[\\w-]+$`));
    const audio = await fetch(`${sim.server.url}${vm.audioUrl}`);
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toBe('audio/mpeg');
    expect(audio.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await audio.arrayBuffer()).equals(original)).toBe(true);
    const part = await fetch(`${sim.server.url}${vm.audioUrl}`, { headers: { range: 'bytes=100-499' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-499/${original.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(original.subarray(100, 500))).toBe(true);
    const head = await fetch(`${sim.server.url}${vm.audioUrl}`, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length')]).toEqual([200, String(original.length)]);
  });

  it('signed links are refused for another recording, when tampered with, and once expired', async () => {
    const a = await company();
    const b = await company();
    await leaveVoicemail(a, 2);
    const { recording: bRecording } = await leaveVoicemail(b, 3);
    const [aVm] = await voicemailsOf(a);
    const url = new URL(aVm.audioUrl, sim.server.url);
    expect((await fetch(url)).status).toBe(200);
    // A's signature on B's recording: refused.
    const swapped = new URL(`/media/recordings/${bRecording.id}${url.search}`, sim.server.url);
    const refused = await fetch(swapped);
    expect([refused.status, await refused.text()]).toEqual([403, 'recording link refused: bad signature\n']);
    // A later expiry than signed: refused.
    const stretched = new URL(url);
    stretched.searchParams.set('exp', String(Number(url.searchParams.get('exp')) + 3600));
    expect((await fetch(stretched)).status).toBe(403);
    expect((await fetch(new URL(url.pathname, sim.server.url))).status).toBe(403);
    // B's supervisor cannot ask for A's voicemails (hence links) at all.
    const other = await sim.server.gql(`query($c: ID!) { voicemails(companyId: $c) { audioUrl } }`, { c: a.companyId }, b.supervisor);
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // Sixteen minutes later the link has expired (they live 15).
    sim.clock!.advance(16 * 60_000);
    const expired = await fetch(url);
    expect([expired.status, await expired.text()]).toEqual([403, 'recording link refused: expired\n']);
    // A fresh one plays again.
    const [again] = await voicemailsOf(a);
    expect((await fetch(new URL(again.audioUrl, sim.server.url))).status).toBe(200);
  });

  it('a failed download is retried with backoff, and the retry stores it', async () => {
    const c = await company();
    const media = failMedia(1_000);
    try {
      const r = await sim.call(`call from ${CALLER} to ${c.number}; caller leaves a 4 s message`);
      // The call is over and virtual time stands still: the download has failed at least once.
      const failed = await settle(async () => {
        const row = await db().recording.findFirst({ where: { callSid: r.callSid } });
        return row && row.attempts >= 1 && !running(row.id) ? row : null;
      });
      expect(failed).toMatchObject({ status: 'PENDING', lastError: 'the recording URL answered HTTP 503' });
      const wait = failed.nextAttemptAt!.getTime() - sim.clock!.now();
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(1.2 * 2 ** failed.attempts * 1_000);
      const [pending] = await voicemailsOf(c);
      expect(pending).toMatchObject({ recordingStatus: 'PENDING', audioUrl: null });
      // The media server is back; the next attempt, when it is due, stores the audio.
      media.restore();
      sim.clock!.advance(wait + 10);
      const stored = await settle(async () => {
        const row = await db().recording.findFirst({ where: { callSid: r.callSid } });
        return row?.status === 'STORED' ? row : null;
      });
      expect(stored).toMatchObject({ attempts: failed.attempts + 1, lastError: null });
      const [played] = await voicemailsOf(c);
      expect((await fetch(new URL(played.audioUrl, sim.server.url))).status).toBe(200);
    } finally {
      media.restore();
    }
  });

  it("a dead link (404) is fetched again by RecordingSid through Telnyx's REST API", async () => {
    const c = await company();
    const media = failMedia(1, 404);
    const rest = (sim.telnyx as any).rest as { handle: (req: IncomingMessage, res: ServerResponse) => Promise<void> };
    const handle = rest.handle.bind(rest);
    const asked: string[] = [];
    rest.handle = (req, res) => (asked.push(`${req.method} ${req.url}`), handle(req, res));
    try {
      const r = await sim.call(`call from ${CALLER} to ${c.number}; caller leaves a 3 s message`);
      sim.clock!.advance(5_000); // the retry, if the call's own time has not reached it
      const stored = await settle(async () => {
        const row = await db().recording.findFirst({ where: { callSid: r.callSid } });
        return row?.status === 'STORED' ? row : null;
      });
      expect(stored.attempts).toBe(2);
      expect(stored.accountSid).toEqual(expect.any(String));
      expect(asked).toContain(`GET /v2/texml/Accounts/${stored.accountSid}/Recordings/${stored.recordingSid}.json`);
    } finally {
      rest.handle = handle;
      media.restore();
    }
  });

  it('a restart resumes a download the previous run left pending', async () => {
    const c = await company();
    const media = failMedia(1_000);
    let second: TestServer | undefined;
    try {
      const r = await sim.call(`call from ${CALLER} to ${c.number}; caller leaves a 5 s message`);
      await waitFor(async () => (await db().recording.findFirst({ where: { callSid: r.callSid, attempts: { gte: 1 } } })) ?? null);
      // The instance goes away with the download pending (its row is the outbox)…
      await sim.server.app.services.recordings.stop();
      media.restore();
      // …and the next one, on the same database, picks it up at its next attempt.
      second = await startServer({
        database: sim.server.database,
        clock: sim.clock!,
        inFlight: sim.clock!.busy,
        configure: (config) => sim.host.configure(config),
        env: { RECORDINGS_DIR: dir, PRESENCE_TTL_MS: '600000' },
      });
      sim.clock!.advance(60_000);
      const stored = await settle(async () => {
        const row = await db().recording.findFirst({ where: { callSid: r.callSid } });
        return row?.status === 'STORED' ? row : null;
      });
      expect(stored.attempts).toBeGreaterThanOrEqual(2);
      expect(existsSync(path.join(dir, stored.storageKey!))).toBe(true);
      const [vm] = await voicemailsOf(c, '', c.supervisor);
      expect(vm.recordingStatus).toBe('STORED');
    } finally {
      media.restore();
      await second?.close();
      await sim.server.app.services.recordings.start();
    }
  });

  it('retention deletes the file and marks the recording DELETED; other companies keep theirs', async () => {
    const c = await company();
    const keeper = await company();
    const { recording } = await leaveVoicemail(c, 2);
    const { recording: kept } = await leaveVoicemail(keeper, 2);
    const [before] = await voicemailsOf(c);
    const { updateCompany } = await sim.server.admin(
      `mutation($c: ID!) { updateCompany(id: $c, input: { recordingRetentionDays: 2 }) { recordingRetentionDays } }`,
      { c: c.companyId },
    );
    expect(updateCompany.recordingRetentionDays).toBe(2);
    // Stored a day ago: kept (retention 2 days).
    const daysAgo = (days: number) => new Date(sim.clock!.now() - days * 86_400_000);
    await db().recording.update({ where: { id: recording.id }, data: { storedAt: daysAgo(1) } });
    await sim.server.app.services.recordings.sweepRetention();
    expect((await db().recording.findUniqueOrThrow({ where: { id: recording.id } })).status).toBe('STORED');
    // Stored two days and a minute ago, like the other company's: deleted, the other kept.
    await db().recording.updateMany({ where: { id: { in: [recording.id, kept.id] } }, data: { storedAt: daysAgo(2.001) } });
    sim.clock!.advance(16 * 60_000); // and the link the board had is past its life
    expect(await sim.server.app.services.recordings.sweepRetention()).toBeGreaterThanOrEqual(1);
    expect(await db().recording.findUniqueOrThrow({ where: { id: recording.id } })).toMatchObject({
      status: 'DELETED',
      storageKey: recording.storageKey,
    });
    expect(existsSync(path.join(dir, recording.storageKey!))).toBe(false);
    expect((await fetch(new URL(before.audioUrl, sim.server.url))).status).toBe(403); // expired link, and no audio anyway
    const [after] = await voicemailsOf(c);
    expect(after).toMatchObject({ recordingStatus: 'DELETED', audioUrl: null });
    // The company without retention keeps its recording.
    expect((await db().recording.findUniqueOrThrow({ where: { id: kept.id } })).status).toBe('STORED');
    expect(existsSync(path.join(dir, kept.storageKey!))).toBe(true);
    // 0 = forever again.
    const { updateCompany: forever } = await sim.server.admin(
      `mutation($c: ID!) { updateCompany(id: $c, input: { recordingRetentionDays: 0 }) { recordingRetentionDays } }`,
      { c: c.companyId },
    );
    expect(forever.recordingRetentionDays).toBeNull();
  });
});

describe('voicemail people can work with', () => {
  it("Telnyx's transcription is kept in the caller's language and found by search", async () => {
    const menu = [
      { digit: '1', skill: 'en', prompt: 'For English, press 1.', language: 'en-US' },
      { digit: '2', skill: 'es', prompt: 'Para español, oprima 2.', language: 'es-US' },
    ];
    const c = await company({}, { languageMenu: menu });
    const { r } = await leaveVoicemail(c, 6, ' press 2;');
    const recordVerb = r.steps.find((s) => s.kind === 'verb' && s.verb === 'Record');
    expect(recordVerb?.kind === 'verb' && recordVerb.attrs).toMatchObject({ transcription: 'true', transcriptionLanguage: 'es-US' });
    const text = simulatedTranscriptionText(6, CALLER, 'es-US');
    const vm = await settle(async () => (await voicemailsOf(c)).find((v) => v.transcription) ?? null);
    expect(vm).toMatchObject({ callSid: r.callSid, transcription: text, language: 'es-US' });
    expect((await voicemailsOf(c, ', search: "CALL ME back"')).map((v) => v.callSid)).toEqual([r.callSid]);
    expect((await voicemailsOf(c, ', search: "es-US message of 6"')).map((v) => v.callSid)).toEqual([r.callSid]);
    expect(await voicemailsOf(c, ', search: "never said"')).toEqual([]);
    // Without a menu choice: the company's language.
    const plain = await company();
    const { r: english } = await leaveVoicemail(plain, 3);
    const en = await settle(async () => (await voicemailsOf(plain)).find((v) => v.transcription) ?? null);
    expect(en).toMatchObject({
      callSid: english.callSid,
      language: 'en-US',
      transcription: simulatedTranscriptionText(3, CALLER, 'en-US'),
    });
    const tooLong = await sim.server.gql(
      `query($c: ID!) { voicemails(companyId: $c, search: $s) { id } }`.replace('$s', `"${'x'.repeat(201)}"`),
      { c: plain.companyId },
      plain.supervisor,
    );
    expect(tooLong.errors?.[0]?.message).toMatch(/search is at most 200 characters/);
  });

  it('read and handled are marked by supervisors, audited, and filter the list; mailboxes follow the queue', async () => {
    const c = await company();
    const { company: info } = await sim.server.admin(`query($c: ID!) { company(id: $c) { queues { id isDefault } } }`, { c: c.companyId });
    const defaultQueue = info.queues.find((q: any) => q.isDefault).id;
    const { createQueue } = await sim.server.admin(
      `mutation($c: ID!) { createQueue(input: { companyId: $c, name: "Billing", waitEnabled: false }) { id } }`,
      { c: c.companyId },
    );
    const billingNumber = `+1305555${String(7000 + ++numbers)}`;
    await sim.server.admin(`mutation($i: CreatePhoneNumberInput!) { createPhoneNumber(input: $i) { id } }`, {
      i: { companyId: c.companyId, e164: billingNumber, queueId: createQueue.id },
    });
    const { r: first } = await leaveVoicemail(c, 2);
    const billing = await sim.call(`call from ${CALLER} to ${billingNumber}; caller leaves a 3 s message`);
    expect(billing.outcome).toBe('VOICEMAIL');
    const all = await voicemailsOf(c);
    expect(all.map((v) => v.callSid)).toEqual([billing.callSid, first.callSid]);
    expect(all.map((v) => v.queueId)).toEqual([createQueue.id, null]);
    expect((await voicemailsOf(c, `, mailbox: "queue:${createQueue.id}"`)).map((v) => v.callSid)).toEqual([billing.callSid]);
    expect((await voicemailsOf(c, `, mailbox: "queue:${defaultQueue}"`)).map((v) => v.callSid)).toEqual([first.callSid]);
    const bad = await sim.server.gql(
      `query($c: ID!) { voicemails(companyId: $c, mailbox: "desk 4") { id } }`,
      { c: c.companyId },
      c.supervisor,
    );
    expect(bad.errors?.[0]?.message).toMatch(/mailbox must be queue:<id> or agent:<id>/);

    const target = all[1]!;
    expect(target).toMatchObject({ read: false, handled: false, handledBy: null });
    const mark = (read: boolean | null, handled: boolean | null) =>
      sim.server.gql(
        `mutation($id: ID!, $r: Boolean, $h: Boolean) { markVoicemail(id: $id, read: $r, handled: $h) { id read handled handledBy } }`,
        { id: target.id, r: read, h: handled },
        c.supervisor,
      );
    const marked = await mark(true, true);
    expect(marked.errors).toBeUndefined();
    expect((marked.data as any).markVoicemail).toMatchObject({ read: true, handled: true });
    expect((marked.data as any).markVoicemail.handledBy).toEqual(expect.any(String));
    expect((await voicemailsOf(c, ', unreadOnly: true')).map((v) => v.callSid)).toEqual([billing.callSid]);
    expect((await voicemailsOf(c, ', unhandledOnly: true')).map((v) => v.callSid)).toEqual([billing.callSid]);
    const unread = await mark(false, null);
    expect((unread.data as any).markVoicemail).toMatchObject({ read: false, handled: true });
    const nothing = await mark(null, null);
    expect(nothing.errors?.[0]?.message).toMatch(/give read or handled/);
    const events = await db().auditEvent.findMany({
      where: { companyId: c.companyId, action: 'voicemail.marked' },
      orderBy: { createdAt: 'asc' },
    });
    expect(events.map((e) => (e.detail as any).changes)).toEqual([
      { read: { before: false, after: true }, handled: { before: false, after: true } },
      { read: { before: true, after: false } },
    ]);
    expect(events.map((e) => [e.actor, (e.detail as any).target])).toEqual([
      ['supervisor', { voicemailId: target.id }],
      ['supervisor', { voicemailId: target.id }],
    ]);
  });
});
