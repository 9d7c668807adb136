/**
 * The built-in hold music: what a queue plays while a caller waits when it names no `holdMusicUrl`
 * (docs/QUEUES.md). A soft I–vi–IV–V progression (Cmaj7, Am7, Fmaj7, G6) of sine tones: a pad and a
 * bass that swell in and out with each chord, and a bell-like arpeggio on the beats. Exactly
 * BUILT_IN_MUSIC_SECONDS long, rendered as what telephony plays (16-bit mono PCM WAV at 16 kHz, about
 * 320 KB), and loopable: every note starts and ends at silence on a smooth (raised-cosine) envelope, so
 * the last sample meets the first without a click when `<Play loop>` repeats it.
 *
 * Why here, in the domain: it is pure (a deterministic function of constants: no I/O, no clock), and
 * the queue's wait document, built in the domain, needs its URL and its length (how many loops fill an
 * announcement interval). The HTTP edge (src/http/hold-music.ts) renders it once at start and serves it.
 */

export const BUILT_IN_MUSIC_SECONDS = 10;
/** Wideband telephony's rate (G.722, Opus to softphones); narrowband calls get it resampled to 8 kHz. */
export const HOLD_MUSIC_SAMPLE_RATE = 16_000;
/** Where the service serves it (src/http/hold-music.ts). */
export const HOLD_MUSIC_PATH = '/media/hold-music.wav';
/** Peak level: about -6 dBFS, soft enough not to startle a caller who has the phone at their ear. */
const PEAK = 0.5;

/** The built-in music's absolute URL, for `<Play>`: PUBLIC_URL (or the listening address) and the path. */
export function holdMusicUrl(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${HOLD_MUSIC_PATH}`;
}

/** The whole clip as a WAV file (RIFF, PCM 16-bit mono). */
export function renderHoldMusicWav(): Uint8Array {
  return encodeWav(renderHoldMusicSamples(), HOLD_MUSIC_SAMPLE_RATE);
}

interface Chord {
  bass: number;
  pad: readonly number[];
  /** One bell note per beat. */
  arpeggio: readonly number[];
}

/** Hz, equal temperament (A4 = 440). Pads sit where a phone line carries them best (220–500 Hz). */
const CHORDS: readonly Chord[] = [
  { bass: 130.81, pad: [261.63, 329.63, 392.0, 493.88], arpeggio: [523.25, 783.99, 659.25, 783.99] }, // Cmaj7
  { bass: 110.0, pad: [220.0, 261.63, 329.63, 392.0], arpeggio: [440.0, 659.25, 523.25, 659.25] }, // Am7
  { bass: 174.61, pad: [220.0, 261.63, 329.63, 349.23], arpeggio: [440.0, 523.25, 698.46, 523.25] }, // Fmaj7
  { bass: 196.0, pad: [246.94, 293.66, 329.63, 392.0], arpeggio: [392.0, 587.33, 493.88, 587.33] }, // G6
];

/** The clip's samples: CHORDS in turn, each a quarter of the clip, normalised to PEAK. */
export function renderHoldMusicSamples(): Int16Array {
  const rate = HOLD_MUSIC_SAMPLE_RATE;
  const total = BUILT_IN_MUSIC_SECONDS * rate;
  const mix = new Float64Array(total);
  const chordSeconds = BUILT_IN_MUSIC_SECONDS / CHORDS.length;
  CHORDS.forEach((chord, i) => {
    const start = i * chordSeconds;
    const swell = (t: number) => smoothEdges(t, chordSeconds, 0.6, 0.9);
    for (const hz of chord.pad) addTone(mix, rate, start, chordSeconds, hz, [1, 0.12], 0.12, swell);
    addTone(mix, rate, start, chordSeconds, chord.bass, [1, 0.35], 0.16, swell);
    const beat = chordSeconds / chord.arpeggio.length;
    chord.arpeggio.forEach((hz, b) => {
      // A struck bell: a quick attack, an exponential decay, and silence by the next beat.
      const bell = (t: number) => smoothEdges(t, beat, 0.01, 0.12) * Math.exp(-t / 0.28);
      addTone(mix, rate, start + b * beat, beat, hz, [1, 0.25, 0.08], 0.2, bell);
    });
  });
  let peak = 0;
  for (const s of mix) peak = Math.max(peak, Math.abs(s));
  const gain = peak > 0 ? (PEAK * 32767) / peak : 0;
  return Int16Array.from(mix, (s) => Math.round(s * gain));
}

/**
 * Adds one note, `seconds` long from `start`: harmonics of `hz` (weights), each starting at phase 0,
 * shaped by `envelope(t)` (t seconds into the note), which is 0 at both ends.
 */
function addTone(
  mix: Float64Array,
  rate: number,
  start: number,
  seconds: number,
  hz: number,
  harmonics: readonly number[],
  level: number,
  envelope: (t: number) => number,
): void {
  const first = Math.round(start * rate);
  const count = Math.min(Math.round(seconds * rate), mix.length - first);
  for (let n = 0; n < count; n++) {
    const t = n / rate;
    let wave = 0;
    for (let h = 0; h < harmonics.length; h++) wave += harmonics[h]! * Math.sin(2 * Math.PI * hz * (h + 1) * t);
    mix[first + n]! += level * envelope(t) * wave;
  }
}

/** 1 in the middle, rising over `attack` and falling over `release` seconds on half cosines (no corners, no clicks). */
function smoothEdges(t: number, length: number, attack: number, release: number): number {
  if (t <= 0 || t >= length) return 0;
  if (t < attack) return 0.5 - 0.5 * Math.cos((Math.PI * t) / attack);
  const left = length - t;
  if (left < release) return 0.5 - 0.5 * Math.cos((Math.PI * left) / release);
  return 1;
}

/** A canonical 44-byte RIFF/WAVE header (PCM, 16-bit, mono) and the samples, little-endian. */
export function encodeWav(samples: Int16Array, sampleRate: number): Uint8Array {
  const dataBytes = samples.length * 2;
  const bytes = new Uint8Array(44 + dataBytes);
  const view = new DataView(bytes.buffer);
  const ascii = (at: number, text: string) => {
    for (let i = 0; i < text.length; i++) view.setUint8(at + i, text.charCodeAt(i));
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true); // fmt chunk size
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true); // byte rate
  view.setUint16(32, 2, true); // block align
  view.setUint16(34, 16, true); // bits per sample
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i++) view.setInt16(44 + i * 2, samples[i]!, true);
  return bytes;
}
