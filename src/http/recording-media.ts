/**
 * Serves recordings' audio at `GET /media/recordings/<id>?exp=…&sig=…` (src/recordings/signed-urls.ts):
 * no bearer token (an <audio> element cannot send one), the signed link is the permission. Answers
 * HEAD and single byte ranges (players seek with them); private, never cached by shared caches.
 * A bad or expired link is 403, a recording that is not (or no longer) stored 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../infra/logger.js';
import type { RecordingService } from '../recordings/recording-service.js';
import { MEDIA_RECORDINGS_PATH } from '../recordings/signed-urls.js';
import { byteRange } from './hold-music.js';
import { sendText } from './operations.js';
import type { HttpRoute } from './router.js';

const ID = /^[A-Za-z0-9_-]{1,64}$/;

export function recordingMediaRoute(deps: { recordings: RecordingService; logger: Logger }): HttpRoute {
  return {
    name: 'recordings (signed links)',
    matches: (path, method) => path.startsWith(MEDIA_RECORDINGS_PATH) && (method === 'GET' || method === 'HEAD'),
    serve: (req, res, { path }) => serveRecording(deps, req, res, path),
  };
}

async function serveRecording(
  deps: { recordings: RecordingService; logger: Logger },
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const id = path.slice(MEDIA_RECORDINGS_PATH.length);
  if (!ID.test(id)) return sendText(res, 404, 'not found\n');
  const query = new URL(req.url ?? '/', 'http://x').searchParams;
  try {
    const opened = await deps.recordings.open(id, { exp: query.get('exp'), sig: query.get('sig') }, (size) => {
      const range = byteRange(req.headers.range, size);
      if (range.kind === 'unsatisfiable') return 'unsatisfiable';
      return range.kind === 'partial' ? [range.start, range.end] : null;
    });
    if (opened.kind === 'refused') return sendText(res, 403, `recording link refused: ${opened.reason}\n`);
    if (opened.kind === 'missing') return sendText(res, 404, 'no such recording\n');
    const headers: Record<string, string> = { 'accept-ranges': 'bytes', 'cache-control': 'private, no-store' };
    if (opened.kind === 'unsatisfiable') {
      res.writeHead(416, { ...headers, 'content-range': `bytes */${opened.size}` }).end();
      return;
    }
    const { object, recording } = opened;
    headers['content-type'] = recording.contentType ?? object.contentType ?? 'application/octet-stream';
    const [start, end] = object.range ?? [0, object.size - 1];
    headers['content-length'] = String(Math.max(0, end - start + 1));
    if (object.range) headers['content-range'] = `bytes ${start}-${end}/${object.size}`;
    res.writeHead(object.range ? 206 : 200, headers);
    if (req.method === 'HEAD') {
      object.body.destroy();
      res.end();
      return;
    }
    await pipeline(object.body, res);
  } catch (err) {
    deps.logger.error({ err, recordingId: id }, 'recording could not be served');
    if (!res.headersSent) sendText(res, 500, 'the recording could not be read\n');
    else res.destroy();
  }
}
