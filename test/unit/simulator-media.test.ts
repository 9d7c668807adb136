import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import type { SimRecording } from '../../src/simulator/contracts.js';
import {
  audioOf,
  audioSize,
  MemoryMediaStore,
  MP3_SAMPLE_RATE,
  MP3_SAMPLES_PER_FRAME,
  mp3Bytes,
  parseRange,
  wavBytes,
} from '../../src/simulator/media.js';

/** MPEG-1 Layer III bitrates (kbps) by index, and sample rates (Hz) by index (ISO 11172-3). */
const BITRATES = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const SAMPLE_RATES = [44100, 48000, 32000];

interface Mp3Frame {
  offset: number;
  length: number;
  bitrate: number;
  sampleRate: number;
  channelMode: number;
}

/** Walks an MP3 stream frame by frame the way a decoder finds them: sync word, header, computed length. */
function parseMp3(bytes: Buffer): Mp3Frame[] {
  const frames: Mp3Frame[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const header = bytes.readUInt32BE(offset);
    expect(header >>> 21).toBe(0x7ff); // 11 sync bits
    expect((header >>> 19) & 0b11).toBe(0b11); // MPEG-1
    expect((header >>> 17) & 0b11).toBe(0b01); // Layer III
    expect((header >>> 16) & 1).toBe(1); // no CRC
    const bitrate = BITRATES[(header >>> 12) & 0xf]! * 1000;
    const sampleRate = SAMPLE_RATES[(header >>> 10) & 0b11]!;
    const padding = (header >>> 9) & 1;
    const length = Math.floor((144 * bitrate) / sampleRate) + padding;
    frames.push({ offset, length, bitrate, sampleRate, channelMode: (header >>> 6) & 0b11 });
    offset += length;
  }
  expect(offset).toBe(bytes.length); // the last frame ends exactly at the end of the stream
  return frames;
}

describe('WAV audio', () => {
  it('is RIFF PCM 16-bit 8 kHz mono of exactly the duration, with a quiet tone', () => {
    const wav = wavBytes(2.5, 1);
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
    expect(wav.toString('ascii', 8, 12)).toBe('WAVE');
    expect(wav.toString('ascii', 12, 16)).toBe('fmt ');
    expect(wav.readUInt32LE(16)).toBe(16); // fmt chunk size
    expect(wav.readUInt16LE(20)).toBe(1); // PCM
    expect(wav.readUInt16LE(22)).toBe(1); // channels
    expect(wav.readUInt32LE(24)).toBe(8000); // sample rate
    expect(wav.readUInt32LE(28)).toBe(16000); // byte rate
    expect(wav.readUInt16LE(32)).toBe(2); // block align
    expect(wav.readUInt16LE(34)).toBe(16); // bits per sample
    expect(wav.toString('ascii', 36, 40)).toBe('data');
    const dataBytes = wav.readUInt32LE(40);
    expect(dataBytes).toBe(wav.length - 44);
    expect(dataBytes / wav.readUInt32LE(28)).toBe(2.5); // seconds

    const samples = Array.from({ length: dataBytes / 2 }, (_, i) => wav.readInt16LE(44 + i * 2));
    const peak = Math.max(...samples.map(Math.abs));
    expect(peak).toBeGreaterThan(500); // audible
    expect(peak).toBeLessThanOrEqual(1000); // quiet: at most about -30 dBFS
  });

  it('has two interleaved channels with different tones for a dual-channel recording', () => {
    const wav = wavBytes(1, 2);
    expect(wav.readUInt16LE(22)).toBe(2);
    expect(wav.readUInt32LE(28)).toBe(32000);
    expect(wav.readUInt16LE(32)).toBe(4);
    expect(wav.readUInt32LE(40)).toBe(8000 * 4);
    let differing = 0;
    for (let frame = 0; frame < 8000; frame++) {
      if (wav.readInt16LE(44 + frame * 4) !== wav.readInt16LE(44 + frame * 4 + 2)) differing++;
    }
    expect(differing).toBeGreaterThan(4000);
  });

  it('is a bare header for a zero-length recording', () => {
    const wav = wavBytes(0, 1);
    expect(wav.length).toBe(44);
    expect(wav.readUInt32LE(40)).toBe(0);
  });
});

describe('MP3 audio', () => {
  it('is a stream of MPEG-1 Layer III 128 kbps 44.1 kHz mono frames lasting the duration', () => {
    const mp3 = mp3Bytes(3, 1);
    const frames = parseMp3(mp3);
    for (const frame of frames) {
      expect(frame.bitrate).toBe(128_000);
      expect(frame.sampleRate).toBe(44_100);
      expect(frame.channelMode).toBe(0b11); // single channel
      expect([417, 418]).toContain(frame.length);
      // Side info (17 bytes for mono) and main data are zero: a silent frame.
      expect(mp3.subarray(frame.offset + 4, frame.offset + frame.length).every((b) => b === 0)).toBe(true);
    }
    const seconds = (frames.length * MP3_SAMPLES_PER_FRAME) / MP3_SAMPLE_RATE;
    expect(Math.abs(seconds - 3)).toBeLessThanOrEqual(MP3_SAMPLES_PER_FRAME / MP3_SAMPLE_RATE / 2);
    // Padding spreads so the stream averages 128 kbps: a size-based duration estimate is also right.
    expect(Math.abs((mp3.length * 8) / 128_000 - seconds)).toBeLessThan(0.01);
  });

  it('marks a two-channel recording as stereo', () => {
    const frames = parseMp3(mp3Bytes(1, 2));
    expect(frames.length).toBe(38); // 1 s × 44100 / 1152, rounded
    expect(frames.every((f) => f.channelMode === 0b00)).toBe(true);
  });

  it('audioSize matches the bytes audioOf builds, for both formats', () => {
    for (const format of ['mp3', 'wav'] as const) {
      for (const channels of [1, 2] as const) {
        for (const duration of [0, 0.4, 7, 61.3]) {
          expect(audioSize({ format, channels, duration })).toBe(audioOf({ format, channels, duration }).length);
        }
      }
    }
  });
});

describe('parseRange', () => {
  it('reads one byte range, and refuses or ignores what it cannot serve', () => {
    expect(parseRange(undefined, 100)).toBeNull();
    expect(parseRange('bytes=0-9', 100)).toEqual([0, 9]);
    expect(parseRange('bytes=90-', 100)).toEqual([90, 99]);
    expect(parseRange('bytes=-10', 100)).toEqual([90, 99]);
    expect(parseRange('bytes=50-500', 100)).toEqual([50, 99]);
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=9-1', 100)).toBeNull(); // invalid: ignored
    expect(parseRange('bytes=0-1,5-6', 100)).toBeNull(); // several ranges: the whole body instead
    expect(parseRange('items=0-1', 100)).toBeNull();
  });
});

const recording = (over: Partial<SimRecording> = {}): SimRecording => ({
  sid: 'rec-1',
  callSid: 'v3:call-1',
  conferenceSid: null,
  duration: 2,
  channels: 1,
  format: 'wav',
  source: 'RecordVerb',
  status: 'completed',
  startedAt: '2026-01-05T15:00:00.000Z',
  expiresAt: null,
  ...over,
});

describe('MemoryMediaStore', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  /** A real HTTP server: media URLs first, anything else 418 so a test sees what serveMedia declined. */
  async function serve(store: MemoryMediaStore): Promise<string> {
    server = createServer((req, res) => {
      if (!store.serveMedia(req, res, req.url ?? '/')) res.writeHead(418).end();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  function world() {
    const clock = new ManualClock();
    let base = 'http://unset';
    const store = new MemoryMediaStore({ baseUrl: () => base, clock });
    return { clock, store, setBase: (url: string) => (base = url) };
  }

  it('keeps recordings, lists them by call or conference, and hands out copies', () => {
    const { store } = world();
    store.add(recording());
    store.add(recording({ sid: 'rec-2', callSid: 'v3:call-2', conferenceSid: 'conf-1', format: 'mp3' }));
    expect(store.list().map((r) => r.sid)).toEqual(['rec-1', 'rec-2']);
    expect(store.list({ callSid: 'v3:call-2' }).map((r) => r.sid)).toEqual(['rec-2']);
    expect(store.list({ conferenceSid: 'conf-1' }).map((r) => r.sid)).toEqual(['rec-2']);
    store.get('rec-1')!.duration = 99;
    expect(store.get('rec-1')!.duration).toBe(2);
    expect(store.get('nope')).toBeUndefined();
  });

  it('URLs name the recording and its format, with the expiry once the engine sets it', () => {
    const { store, setBase } = world();
    setBase('http://127.0.0.1:4010');
    expect(store.add(recording({ format: 'mp3' }))).toBe('http://127.0.0.1:4010/v2/media/recordings/rec-1.mp3');
    store.expireAt('rec-1', Date.UTC(2026, 0, 5, 15, 10, 0));
    expect(store.urlOf('rec-1')).toBe(
      `http://127.0.0.1:4010/v2/media/recordings/rec-1.mp3?expires=${Date.UTC(2026, 0, 5, 15, 10, 0) / 1000}`,
    );
    expect(() => store.urlOf('nope')).toThrow();
  });

  it('serves the audio over HTTP (GET, HEAD, ranges) until the URL expires, then 404s in Telnyx format', async () => {
    const { clock, store, setBase } = world();
    setBase(await serve(store));
    const url = store.add(recording({ duration: 3, channels: 2 }));
    const expected = audioOf({ format: 'wav', duration: 3, channels: 2 });

    const got = await fetch(url);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('audio/wav');
    expect(Buffer.from(await got.arrayBuffer()).equals(expected)).toBe(true);

    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(expected.length));

    const part = await fetch(url, { headers: { range: 'bytes=0-43' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-43/${expected.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(expected.subarray(0, 44))).toBe(true);

    expect((await fetch(url, { headers: { range: `bytes=${expected.length}-` } })).status).toBe(416);
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);

    // Telnyx: valid for 10 minutes after the call has ended.
    store.expireAt('rec-1', clock.now() + 10 * 60_000);
    clock.advance(10 * 60_000 - 1);
    expect((await fetch(store.urlOf('rec-1'))).status).toBe(200);
    clock.advance(1);
    const expired = await fetch(store.urlOf('rec-1'));
    expect(expired.status).toBe(404);
    expect(await expired.json()).toMatchObject({ errors: [{ code: '10005', title: 'Resource not found' }] });
    expect(store.get('rec-1')).toBeDefined(); // the recording is still known; only its audio is gone
  });

  it('serves MP3 as audio/mpeg, and 404s an unknown sid or the wrong format', async () => {
    const { store, setBase } = world();
    const base = await serve(store);
    setBase(base);
    const url = store.add(recording({ format: 'mp3', duration: 1 }));
    const got = await fetch(url);
    expect(got.headers.get('content-type')).toBe('audio/mpeg');
    const bytes = Buffer.from(await got.arrayBuffer());
    expect(parseMp3(bytes)).toHaveLength(38);

    expect((await fetch(`${base}/v2/media/recordings/rec-1.wav`)).status).toBe(404);
    expect((await fetch(`${base}/v2/media/recordings/other.mp3`)).status).toBe(404);
    expect((await fetch(`${base}/v2/media/recordings/%E0%A4%A.mp3`)).status).toBe(404);
    expect((await fetch(`${base}/v2/calls`)).status).toBe(418); // not a media URL: declined
  });
});
