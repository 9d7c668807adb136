/**
 * Serves the built-in hold music (src/domain/hold-music.ts) at `GET /media/hold-music.wav`: rendered
 * once when the route is made, then the same bytes for every caller. Telnyx fetches it for `<Play>`;
 * it is public (music, nothing of a company), cacheable for a day under a content ETag, and answers
 * HEAD and single byte ranges (players and media fetchers ask for parts; a multi-range request gets
 * the whole file, as RFC 9110 allows).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HOLD_MUSIC_PATH, renderHoldMusicWav } from '../domain/hold-music.js';
import type { HttpRoute } from './router.js';

const CACHE_CONTROL = 'public, max-age=86400';

export type ByteRange = { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

/** The pure half: which bytes of a `size`-byte body a Range header asks for (end inclusive). */
export function byteRange(header: string | undefined, size: number): ByteRange {
  if (!header) return { kind: 'full' };
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'full' }; // not one range we understand: the whole body
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end };
}

/** The route for the app's table (before the web app's catch-all). */
export function holdMusicRoute(): HttpRoute {
  const { wav, etag } = (rendered ??= render());
  return {
    name: 'built-in hold music',
    matches: (path, method) => path === HOLD_MUSIC_PATH && (method === 'GET' || method === 'HEAD'),
    serve: (req, res) => serveBytes(req, res, wav, etag),
  };
}

/** Rendered once per process (the clip is a constant; each app instance of a test run shares it). */
let rendered: { wav: Buffer; etag: string } | undefined;

function render(): { wav: Buffer; etag: string } {
  const wav = Buffer.from(renderHoldMusicWav());
  return { wav, etag: `"${createHash('sha256').update(wav).digest('base64url').slice(0, 22)}"` };
}

function serveBytes(req: IncomingMessage, res: ServerResponse, body: Buffer, etag: string): void {
  const common = {
    'content-type': 'audio/wav',
    'cache-control': CACHE_CONTROL,
    etag,
    'accept-ranges': 'bytes',
    'x-content-type-options': 'nosniff',
  };
  if (req.headers['if-none-match'] === etag) return void res.writeHead(304, common).end();
  // A Range is honoured only for the current bytes (If-Range with another validator: the whole body).
  const ifRange = req.headers['if-range'];
  const range = ifRange && ifRange !== etag ? ({ kind: 'full' } as const) : byteRange(req.headers.range, body.length);
  if (range.kind === 'unsatisfiable') {
    return void res.writeHead(416, { ...common, 'content-range': `bytes */${body.length}`, 'content-length': 0 }).end();
  }
  const [status, part, extra] =
    range.kind === 'partial'
      ? [206, body.subarray(range.start, range.end + 1), { 'content-range': `bytes ${range.start}-${range.end}/${body.length}` }]
      : [200, body, {}];
  res.writeHead(status, { ...common, ...extra, 'content-length': part.length });
  res.end(req.method === 'HEAD' ? undefined : part);
}
