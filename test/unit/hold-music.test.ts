/**
 * The built-in hold music (src/domain/hold-music.ts) and its route (src/http/hold-music.ts): a valid
 * WAV of exactly BUILT_IN_MUSIC_SECONDS that telephony can play, small, audible, free of clicks within
 * and across the loop point; served with the right type, cache headers, HEAD and byte ranges.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUILT_IN_MUSIC_SECONDS,
  HOLD_MUSIC_PATH,
  HOLD_MUSIC_SAMPLE_RATE,
  holdMusicUrl,
  renderHoldMusicSamples,
  renderHoldMusicWav,
} from '../../src/domain/hold-music.js';
import { byteRange, holdMusicRoute } from '../../src/http/hold-music.js';
import { routeRequests } from '../../src/http/router.js';

const FULL_SCALE = 32768;

/** Reads a WAV the way a player does: RIFF header, then the chunks. */
function readWav(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = (at: number, n: number) => String.fromCharCode(...bytes.subarray(at, at + n));
  const chunks = new Map<string, { at: number; size: number }>();
  for (let at = 12; at + 8 <= bytes.length; ) {
    const size = view.getUint32(at + 4, true);
    chunks.set(text(at, 4), { at: at + 8, size });
    at += 8 + size + (size % 2);
  }
  const fmt = chunks.get('fmt ')!;
  const data = chunks.get('data')!;
  return {
    riff: text(0, 4),
    riffSize: view.getUint32(4, true),
    wave: text(8, 4),
    format: view.getUint16(fmt.at, true),
    channels: view.getUint16(fmt.at + 2, true),
    sampleRate: view.getUint32(fmt.at + 4, true),
    byteRate: view.getUint32(fmt.at + 8, true),
    blockAlign: view.getUint16(fmt.at + 12, true),
    bits: view.getUint16(fmt.at + 14, true),
    dataBytes: data.size,
    dataAt: data.at,
  };
}

describe('the built-in hold music', () => {
  const wav = Buffer.from(renderHoldMusicWav());
  const samples = renderHoldMusicSamples();

  it('is a 16-bit mono PCM WAV of exactly 10 s at a telephony rate, under 330 KB', () => {
    const header = readWav(wav);
    expect(header).toMatchObject({
      riff: 'RIFF',
      riffSize: wav.length - 8,
      wave: 'WAVE',
      format: 1,
      channels: 1,
      sampleRate: HOLD_MUSIC_SAMPLE_RATE,
      byteRate: HOLD_MUSIC_SAMPLE_RATE * 2,
      blockAlign: 2,
      bits: 16,
    });
    expect([8000, 16000]).toContain(header.sampleRate);
    expect(BUILT_IN_MUSIC_SECONDS).toBe(10);
    expect(header.dataBytes / header.byteRate).toBe(BUILT_IN_MUSIC_SECONDS);
    expect(header.dataAt + header.dataBytes).toBe(wav.length);
    expect(wav.length).toBeLessThan(330_000);
    // The file's samples are the rendered ones, little-endian.
    const view = new DataView(wav.buffer, wav.byteOffset + header.dataAt, header.dataBytes);
    expect(view.getInt16(2 * 12345, true)).toBe(samples[12345]);
  });

  it('is audible but soft: a real level, peaks well below full scale', () => {
    const rms = Math.sqrt(samples.reduce((sum, s) => sum + s * s, 0) / samples.length);
    const peak = samples.reduce((max, s) => Math.max(max, Math.abs(s)), 0);
    expect(rms / FULL_SCALE).toBeGreaterThan(0.05);
    expect(peak / FULL_SCALE).toBeLessThanOrEqual(0.55);
    // Every second has sound in it (no dead air in the loop).
    for (let second = 0; second < BUILT_IN_MUSIC_SECONDS; second++) {
      const window = samples.subarray(second * HOLD_MUSIC_SAMPLE_RATE, (second + 1) * HOLD_MUSIC_SAMPLE_RATE);
      const level = Math.sqrt(window.reduce((sum, s) => sum + s * s, 0) / window.length);
      expect(level / FULL_SCALE, `second ${second}`).toBeGreaterThan(0.02);
    }
  });

  it('loops without a click: it starts and ends at silence, and no step between samples is a jump', () => {
    const nearZero = FULL_SCALE * 0.002;
    expect(Math.abs(samples[0]!)).toBeLessThanOrEqual(nearZero);
    expect(Math.abs(samples.at(-1)!)).toBeLessThanOrEqual(nearZero);
    // Played in a loop, the last sample is followed by the first: that step is as small as any.
    let largestStep = 0;
    for (let i = 1; i < samples.length; i++) largestStep = Math.max(largestStep, Math.abs(samples[i]! - samples[i - 1]!));
    expect(Math.abs(samples[0]! - samples.at(-1)!)).toBeLessThanOrEqual(nearZero);
    // The fastest partial (a bell's third harmonic, ~2.4 kHz) moves at most ~0.15 of full scale a sample; a click is a jump near full scale.
    expect(largestStep / FULL_SCALE).toBeLessThan(0.2);
  });

  it('is the same clip every time (rendered at start, cacheable)', () => {
    expect(Buffer.from(renderHoldMusicWav()).equals(wav)).toBe(true); // not toEqual: 320 KB compared element by element is slow
  });

  it('has a URL under the public URL', () => {
    expect(holdMusicUrl('https://voice.example.com')).toBe('https://voice.example.com/media/hold-music.wav');
    expect(holdMusicUrl('https://voice.example.com/')).toBe(`https://voice.example.com${HOLD_MUSIC_PATH}`);
  });
});

describe('byteRange', () => {
  it.each<[string | undefined, ReturnType<typeof byteRange>]>([
    [undefined, { kind: 'full' }],
    ['bytes=0-43', { kind: 'partial', start: 0, end: 43 }],
    ['bytes=100-', { kind: 'partial', start: 100, end: 999 }],
    ['bytes=-100', { kind: 'partial', start: 900, end: 999 }],
    ['bytes=-5000', { kind: 'partial', start: 0, end: 999 }],
    ['bytes=990-5000', { kind: 'partial', start: 990, end: 999 }],
    ['bytes=1000-', { kind: 'unsatisfiable' }],
    ['bytes=50-10', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    ['bytes=0-1,5-9', { kind: 'full' }],
    ['items=0-5', { kind: 'full' }],
  ])('%s of 1000 bytes', (header, expected) => {
    expect(byteRange(header, 1000)).toEqual(expected);
  });
});

describe('GET /media/hold-music.wav', () => {
  let server: Server;
  let url = '';
  const wav = Buffer.from(renderHoldMusicWav());

  beforeAll(async () => {
    server = createServer(routeRequests([holdMusicRoute()]));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = holdMusicUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('serves the clip as audio/wav, cacheable, with an ETag that revalidates to 304', async () => {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+/);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await res.arrayBuffer()).equals(wav)).toBe(true);
    const again = await fetch(url, { headers: { 'if-none-match': res.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('answers HEAD with the length and no body, and single ranges with 206 or 416', async () => {
    const head = await fetch(url, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length'), (await head.arrayBuffer()).byteLength]).toEqual([200, String(wav.length), 0]);
    const header = await fetch(url, { headers: { range: 'bytes=0-43' } });
    expect([header.status, header.headers.get('content-range')]).toEqual([206, `bytes 0-43/${wav.length}`]);
    expect(Buffer.from(await header.arrayBuffer()).equals(wav.subarray(0, 44))).toBe(true);
    const beyond = await fetch(url, { headers: { range: `bytes=${wav.length}-` } });
    expect([beyond.status, beyond.headers.get('content-range')]).toEqual([416, `bytes */${wav.length}`]);
    // A Range for other bytes than these (If-Range with another ETag) gets the whole file.
    const stale = await fetch(url, { headers: { range: 'bytes=0-9', 'if-range': '"old"' } });
    expect([stale.status, (await stale.arrayBuffer()).byteLength]).toEqual([200, wav.length]);
  });

  it('is not a POST route', async () => {
    expect((await fetch(url, { method: 'POST' })).status).toBe(404);
  });
});
