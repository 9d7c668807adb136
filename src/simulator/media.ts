/**
 * The recordings the simulator made, and the audio behind their URLs.
 *
 * Telnyx: "Recording URLs are valid for 10 minutes after the call has ended"
 * (https://developers.telnyx.com/docs/voice/programmable-voice/texml-verbs/record); the engine sets that
 * instant with `expireAt` when the call ends, and from then on the URL answers 404. Telnyx hands out
 * pre-signed storage URLs; here they live under `${baseUrl}/v2/media/recordings/` and carry no API key,
 * like the real ones. The `expires` query parameter is informational: the store's `expiresAt` decides.
 *
 * The audio is real: WAV is RIFF PCM 16-bit at 8 kHz with a quiet tone (one per channel, so a dual-channel
 * recording's legs can be told apart); MP3 is an MPEG-1 Layer III stream of silent 128 kbps 44.1 kHz frames
 * (`<Record format>` is mp3 or wav, mp3 by default, per the Record page above).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../domain/clock.js';
import type { MediaStore, SimRecording } from './contracts.js';
import { resourceNotFound, sendJson } from './telnyx-errors.js';

export const MEDIA_PATH_PREFIX = '/v2/media/recordings/';

export const WAV_SAMPLE_RATE = 8000;
const WAV_HEADER_BYTES = 44;
/** About -30 dBFS: audible in a player, quiet enough not to startle. */
const TONE_AMPLITUDE = 1000;
/** Hz per channel: A4 for the first (the caller's leg), C#5 for the second. */
const TONE_HZ = [440, 554.37] as const;

export const MP3_SAMPLE_RATE = 44100;
export const MP3_BITRATE = 128_000;
export const MP3_SAMPLES_PER_FRAME = 1152;
/** A Layer III frame holds 144 × bitrate / sample rate bytes: 417 and a remainder that padding slots repay. */
const MP3_FRAME_BYTES = Math.floor((144 * MP3_BITRATE) / MP3_SAMPLE_RATE);
const MP3_FRAME_REMAINDER = (144 * MP3_BITRATE) % MP3_SAMPLE_RATE;

export interface MediaStoreOptions {
  /** Where the simulator is reachable (no trailing slash), e.g. http://127.0.0.1:4010. */
  baseUrl: () => string;
  clock: Clock;
}

export class MemoryMediaStore implements MediaStore {
  private readonly recordings = new Map<string, SimRecording>();

  constructor(private readonly options: MediaStoreOptions) {}

  /** Stores (or replaces, e.g. when an in-progress recording completes) a recording; returns its URL. */
  add(recording: SimRecording): string {
    this.recordings.set(recording.sid, { ...recording });
    return this.urlOf(recording.sid);
  }

  get(sid: string): SimRecording | undefined {
    const recording = this.recordings.get(sid);
    return recording && { ...recording };
  }

  /** In the order they were added. */
  list(filter: { callSid?: string; conferenceSid?: string } = {}): SimRecording[] {
    return [...this.recordings.values()]
      .filter((r) => filter.callSid === undefined || r.callSid === filter.callSid)
      .filter((r) => filter.conferenceSid === undefined || r.conferenceSid === filter.conferenceSid)
      .map((r) => ({ ...r }));
  }

  urlOf(sid: string): string {
    const recording = this.recordings.get(sid);
    if (!recording) throw new Error(`no recording ${sid}`);
    const expires = recording.expiresAt === null ? '' : `?expires=${Math.floor(recording.expiresAt / 1000)}`;
    return `${this.options.baseUrl()}${MEDIA_PATH_PREFIX}${encodeURIComponent(sid)}.${recording.format}${expires}`;
  }

  /** A recording that does not exist (any more) has nothing to expire. */
  expireAt(sid: string, at: number): void {
    const recording = this.recordings.get(sid);
    if (recording) recording.expiresAt = at;
  }

  isExpired(sid: string): boolean {
    const recording = this.recordings.get(sid);
    return recording?.expiresAt != null && this.options.clock.now() >= recording.expiresAt;
  }

  /**
   * Answers GET/HEAD of a media URL (with single-range support, which <audio> elements use). Returns
   * false when `path` is not a media URL, so the caller can route it elsewhere.
   */
  serveMedia(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const pathname = path.split('?')[0] ?? '';
    if (!pathname.startsWith(MEDIA_PATH_PREFIX)) return false;
    const match = /^([^/]+)\.(mp3|wav)$/.exec(pathname.slice(MEDIA_PATH_PREFIX.length));
    let sid: string | undefined;
    try {
      sid = match ? decodeURIComponent(match[1]!) : undefined;
    } catch {
      sid = undefined;
    }
    const recording = sid === undefined ? undefined : this.recordings.get(sid);
    if (!recording || recording.format !== match?.[2] || this.isExpired(recording.sid)) {
      const notFound = resourceNotFound(
        'The recording could not be found; recording URLs are valid for 10 minutes after the call has ended.',
      );
      sendJson(res, notFound.status, notFound.body);
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return true;
    }
    const size = audioSize(recording);
    const headers: Record<string, string> = { 'content-type': contentTypeOf(recording.format), 'accept-ranges': 'bytes' };
    const range = parseRange(req.headers.range, size);
    if (range === 'unsatisfiable') {
      res.writeHead(416, { ...headers, 'content-range': `bytes */${size}` }).end();
      return true;
    }
    const [start, end] = range ?? [0, size - 1];
    const status = range ? 206 : 200;
    if (range) headers['content-range'] = `bytes ${start}-${end}/${size}`;
    headers['content-length'] = String(Math.max(0, end - start + 1));
    res.writeHead(status, headers);
    if (req.method === 'HEAD' || size === 0) res.end();
    else res.end(audioOf(recording).subarray(start, end + 1));
    return true;
  }
}

export function contentTypeOf(format: SimRecording['format']): string {
  return format === 'mp3' ? 'audio/mpeg' : 'audio/wav';
}

/** The bytes of a recording's audio: exactly `duration` seconds in its format and channel count. */
export function audioOf(recording: Pick<SimRecording, 'format' | 'duration' | 'channels'>): Buffer {
  return recording.format === 'mp3' ? mp3Bytes(recording.duration, recording.channels) : wavBytes(recording.duration, recording.channels);
}

/** The length of `audioOf(recording)` without building it (for HEAD and ranges). */
export function audioSize(recording: Pick<SimRecording, 'format' | 'duration' | 'channels'>): number {
  if (recording.format === 'wav') return WAV_HEADER_BYTES + wavFrameCount(recording.duration) * recording.channels * 2;
  let total = 0;
  for (const bytes of mp3FrameSizes(recording.duration)) total += bytes;
  return total;
}

export function wavFrameCount(durationSeconds: number): number {
  return Math.max(0, Math.round(durationSeconds * WAV_SAMPLE_RATE));
}

/** RIFF/WAVE, PCM (format 1), 16-bit little-endian, 8000 Hz, interleaved channels. */
export function wavBytes(durationSeconds: number, channels: 1 | 2): Buffer {
  const frames = wavFrameCount(durationSeconds);
  const blockAlign = channels * 2;
  const dataBytes = frames * blockAlign;
  const wav = Buffer.alloc(WAV_HEADER_BYTES + dataBytes);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + dataBytes, 4);
  wav.write('WAVE', 8, 'ascii');
  wav.write('fmt ', 12, 'ascii');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(channels, 22);
  wav.writeUInt32LE(WAV_SAMPLE_RATE, 24);
  wav.writeUInt32LE(WAV_SAMPLE_RATE * blockAlign, 28);
  wav.writeUInt16LE(blockAlign, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < frames; i++) {
    for (let channel = 0; channel < channels; channel++) {
      const sample = Math.round(TONE_AMPLITUDE * Math.sin((2 * Math.PI * TONE_HZ[channel]! * i) / WAV_SAMPLE_RATE));
      wav.writeInt16LE(sample, WAV_HEADER_BYTES + i * blockAlign + channel * 2);
    }
  }
  return wav;
}

export function mp3FrameCount(durationSeconds: number): number {
  return Math.max(0, Math.round((durationSeconds * MP3_SAMPLE_RATE) / MP3_SAMPLES_PER_FRAME));
}

/**
 * Each frame's length: 417 bytes, or 418 with the padding bit set, spread the way encoders do so the
 * stream averages exactly 128 kbps (players that estimate duration from file size get it right).
 */
export function mp3FrameSizes(durationSeconds: number): number[] {
  const sizes: number[] = [];
  let owed = 0;
  for (let i = 0; i < mp3FrameCount(durationSeconds); i++) {
    owed += MP3_FRAME_REMAINDER;
    const padded = owed >= MP3_SAMPLE_RATE;
    if (padded) owed -= MP3_SAMPLE_RATE;
    sizes.push(MP3_FRAME_BYTES + (padded ? 1 : 0));
  }
  return sizes;
}

/**
 * Silent MPEG-1 Layer III frames. Header: sync (11 bits set), MPEG-1, Layer III, no CRC, bitrate index 9
 * (128 kbps), sample-rate index 0 (44.1 kHz), the padding bit, then channel mode 11 (single channel) or
 * 00 (stereo). Side info and main data are zero: main_data_begin 0 and part2_3_length 0 in every granule,
 * so a decoder finds no spectral data and plays silence.
 */
export function mp3Bytes(durationSeconds: number, channels: 1 | 2): Buffer {
  const sizes = mp3FrameSizes(durationSeconds);
  const mp3 = Buffer.alloc(sizes.reduce((sum, n) => sum + n, 0));
  let offset = 0;
  for (const size of sizes) {
    mp3[offset] = 0xff;
    mp3[offset + 1] = 0xfb;
    mp3[offset + 2] = 0x90 | (size > MP3_FRAME_BYTES ? 0x02 : 0);
    mp3[offset + 3] = channels === 1 ? 0xc0 : 0x00;
    offset += size;
  }
  return mp3;
}

/** One `bytes=` range (RFC 9110 §14.1.2); null for no/unsupported Range header (answer the whole body). */
export function parseRange(header: string | undefined, size: number): [number, number] | null | 'unsatisfiable' {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === '' && match[2] === '')) return null;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(match[1]);
  const last = match[2] === '' ? Number.POSITIVE_INFINITY : Number(match[2]);
  // A last position before the first makes the header invalid, and an invalid Range is ignored.
  if (last < start) return null;
  if (start >= size) return 'unsatisfiable';
  return [start, Math.min(last, size - 1)];
}
