import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Refuses (413) a body over `limit`: up front from Content-Length, or, for a chunked body, by
 * cutting the connection once the bytes read pass the limit.
 */
export function withinBodyLimit(req: IncomingMessage, res: ServerResponse, limit: number): boolean {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
    res.end(
      JSON.stringify({ errors: [{ message: `Request body is larger than ${limit} bytes`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] }),
    );
    req.resume();
    return false;
  }
  if (req.headers['transfer-encoding']) {
    let seen = 0;
    req.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > limit) req.destroy();
    });
  }
  return true;
}
