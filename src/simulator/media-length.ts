/**
 * How long a `<Play>` URL plays. Telnyx fetches the audio (MP3 or WAV, play page) and plays all of it,
 * so the simulator asks for its first bytes and reads the length from them: a WAV's `fmt ` and `data`
 * chunks, an MP3's Xing/Info frame count or, for a constant-bitrate stream, its size and bitrate.
 * A queue's announcement cadence depends on this (a waitUrl round lasts as long as its music).
 *
 * What it cannot read (unreachable, not audio, a format it does not parse) is not an error here: the
 * play then takes PLAY_ESTIMATE_SECONDS, as every play did before. Telnyx aborts the TeXML on a
 * playback failure (play page: unless `continueOnError`); the simulator does not model that, because
 * a test's placeholder URLs (https://cdn.example/…) are not meant to be fetched.
 * Lengths are remembered per URL for the engine's life (the audio behind a URL is taken as fixed).
 */

/** Seconds a play takes when its audio's length cannot be read. */
export const PLAY_ESTIMATE_SECONDS = 3;
/** Enough for a WAV header with its usual chunks, or an ID3 tag of modest size and the first MP3 frame. */
const PROBE_BYTES = 8192;
const PROBE_TIMEOUT_MS = 1500;
/** A chunked answer without a length is counted up to this size (a long clip); past it the length is unknown. */
const MAX_COUNTED_BYTES = 32 * 1024 * 1024;

export class MediaLengths {
  private readonly known = new Map<string, Promise<number | null>>();

  constructor(private readonly busy?: { begin(): void; end(): void }) {}

  /** The audio's length in seconds, or null when it cannot be read. */
  secondsOf(url: string): Promise<number | null> {
    let length = this.known.get(url);
    if (!length) {
      length = this.probe(url);
      this.known.set(url, length);
    }
    return length;
  }

  private async probe(url: string): Promise<number | null> {
    if (!/^https?:\/\//i.test(url)) return null;
    this.busy?.begin(); // a fetch in flight: virtual time waits for it, as for any request
    try {
      const res = await fetch(url, { headers: { range: `bytes=0-${PROBE_BYTES - 1}` }, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      if (res.status !== 200 && res.status !== 206) {
        await res.body?.cancel();
        return null;
      }
      const { head, total } = await firstBytes(res, PROBE_BYTES);
      return audioSeconds(head, total); // the bytes decide: servers label audio loosely
    } catch {
      return null;
    } finally {
      this.busy?.end();
    }
  }
}

/** The whole file's size as the headers give it: Content-Range's total (206), else Content-Length (200). */
function totalBytesOf(res: Response): number | null {
  const range = /\/(\d+)\s*$/.exec(res.headers.get('content-range') ?? '');
  if (range) return Number(range[1]);
  const length = res.status === 200 ? Number(res.headers.get('content-length')) : Number.NaN;
  return Number.isFinite(length) && length > 0 ? length : null;
}

/**
 * The first `limit` bytes, and the file's size. A server that ignores Range and sends no length
 * (chunked) is read to its end to count the bytes (up to MAX_COUNTED_BYTES), keeping only the head.
 */
async function firstBytes(res: Response, limit: number): Promise<{ head: Uint8Array; total: number | null }> {
  let total = totalBytesOf(res);
  const reader = res.body?.getReader();
  if (!reader) return { head: new Uint8Array(), total };
  const parts: Uint8Array[] = [];
  let size = 0;
  const counting = total === null && res.status === 200;
  while (size < limit || (counting && size <= MAX_COUNTED_BYTES)) {
    const { done, value } = await reader.read();
    if (done) {
      if (counting) total = size;
      break;
    }
    if (size < limit) parts.push(value);
    size += value.length;
  }
  await reader.cancel().catch(() => {});
  const head = new Uint8Array(Math.min(size, limit));
  let at = 0;
  for (const part of parts) {
    const take = part.subarray(0, head.length - at);
    head.set(take, at);
    at += take.length;
    if (at >= head.length) break;
  }
  return { head, total };
}

/**
 * The pure half: seconds of audio in a file whose first bytes are `head` and whole size `total` (null:
 * unknown). WAV (RIFF/WAVE) and MPEG audio Layer III; anything else is null.
 */
export function audioSeconds(head: Uint8Array, total: number | null): number | null {
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'WAVE') return wavSeconds(head, total);
  return mp3Seconds(head, total);
}

function wavSeconds(head: Uint8Array, total: number | null): number | null {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let byteRate: number | null = null;
  for (let at = 12; at + 8 <= head.length; ) {
    const id = ascii(head, at, 4);
    const size = view.getUint32(at + 4, true);
    if (id === 'fmt ' && at + 16 <= head.length) byteRate = view.getUint32(at + 8 + 8, true);
    if (id === 'data') {
      if (!byteRate) return null;
      // A streaming writer leaves the size 0 or 0xFFFFFFFF: the rest of the file is the data.
      const bytes = size === 0 || size === 0xffffffff ? (total === null ? null : total - (at + 8)) : size;
      return bytes === null ? null : round3(bytes / byteRate);
    }
    at += 8 + size + (size % 2);
  }
  return null;
}

const MPEG1_L3_KBPS = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const MPEG2_L3_KBPS = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const MPEG1_RATES = [44100, 48000, 32000];

function mp3Seconds(head: Uint8Array, total: number | null): number | null {
  let start = 0;
  // An ID3v2 tag first: "ID3", version, flags, then a 28-bit syncsafe size (and a 10-byte footer if flagged).
  if (ascii(head, 0, 3) === 'ID3' && head.length >= 10) {
    const size = ((head[6]! & 0x7f) << 21) | ((head[7]! & 0x7f) << 14) | ((head[8]! & 0x7f) << 7) | (head[9]! & 0x7f);
    start = 10 + size + (head[5]! & 0x10 ? 10 : 0);
  }
  for (let at = start; at + 4 <= head.length; at++) {
    if (head[at] !== 0xff || (head[at + 1]! & 0xe0) !== 0xe0) continue;
    const version = (head[at + 1]! >> 3) & 0x03; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
    const layer = (head[at + 1]! >> 1) & 0x03; // 1: Layer III
    const bitrateIndex = head[at + 2]! >> 4;
    const rateIndex = (head[at + 2]! >> 2) & 0x03;
    if (version === 1 || layer !== 1 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) continue;
    const mpeg1 = version === 3;
    const sampleRate = MPEG1_RATES[rateIndex]! / (mpeg1 ? 1 : version === 2 ? 2 : 4);
    const samplesPerFrame = mpeg1 ? 1152 : 576;
    const kbps = (mpeg1 ? MPEG1_L3_KBPS : MPEG2_L3_KBPS)[bitrateIndex]!;
    const mono = head[at + 3]! >> 6 === 3;
    // A Xing/Info header (VBR and many CBR encoders) counts the frames: exact.
    const sideInfo = mpeg1 ? (mono ? 17 : 32) : mono ? 9 : 17;
    const tag = at + 4 + sideInfo;
    const name = ascii(head, tag, 4);
    if ((name === 'Xing' || name === 'Info') && tag + 12 <= head.length && head[tag + 7]! & 0x01) {
      const frames = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(tag + 8);
      return round3((frames * samplesPerFrame) / sampleRate);
    }
    if (total === null) return null;
    return round3(((total - at) * 8) / (kbps * 1000));
  }
  return null;
}

function ascii(bytes: Uint8Array, at: number, length: number): string {
  if (at + length > bytes.length) return '';
  return String.fromCharCode(...bytes.subarray(at, at + length));
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;
