/**
 * Serves the built web app (web/dist) on the same port as the API. Hashed files under /assets/ are
 * cached for a year (a new build has new names); index.html is revalidated every time so a deploy
 * shows at once. Paths without an extension fall back to index.html (the app routes by hash, but a
 * bookmarked /board still opens). Nothing outside the root is ever read.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.txt': 'text/plain; charset=utf-8',
};

const IMMUTABLE = 'public, max-age=31536000, immutable';
/**
 * The app's own scripts only (tokens live in sessionStorage: no XSS foothold); WebSockets to this
 * server and to Telnyx's signalling host (any, so TELNYX_WEBRTC_HOST works); voicemail recordings
 * from Telnyx's https storage, and from the http origins the recording allowlist names (the local
 * Telnyx of the demo; never in production, where http entries are refused).
 */
export function contentSecurityPolicy(httpMediaOrigins: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    ["media-src 'self' https: blob:", ...httpMediaOrigins].join(' '),
    "connect-src 'self' ws: wss: https:",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
const REVALIDATE = 'no-cache';

export type StaticTarget = { kind: 'file'; relative: string; fallback: boolean } | { kind: 'refused'; status: 400 | 404 };

/**
 * The pure half: which file under the root a URL path names. Rejects encoded separators, NUL and
 * any `..` segment instead of normalising them away, so a traversal attempt is a plain 400/404.
 */
export function resolveStaticPath(urlPath: string): StaticTarget {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { kind: 'refused', status: 400 };
  }
  if (decoded.includes('\0') || decoded.includes('\\') || /%2f|%5c/i.test(urlPath)) return { kind: 'refused', status: 400 };
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.')) return { kind: 'refused', status: 400 };
  if (segments.length === 0) return { kind: 'file', relative: 'index.html', fallback: false };
  // Dotfiles are never part of a build.
  if (segments.some((s) => s.startsWith('.'))) return { kind: 'refused', status: 404 };
  const relative = segments.join('/');
  // No extension: an app route, answered by the app shell.
  if (extname(relative) === '') return { kind: 'file', relative: 'index.html', fallback: true };
  return { kind: 'file', relative, fallback: false };
}

export function cacheControlFor(relative: string): string {
  return relative.startsWith('assets/') ? IMMUTABLE : REVALIDATE;
}

export function contentTypeFor(relative: string): string {
  return CONTENT_TYPES[extname(relative).toLowerCase()] ?? 'application/octet-stream';
}

/** Returns a handler for GET/HEAD requests; `notBuilt` answers when the root has no index.html. */
export function createStaticHandler(opts: { root: string; notBuilt: string; httpMediaOrigins?: readonly string[] }) {
  const root = resolve(opts.root);
  const policy = contentSecurityPolicy(opts.httpMediaOrigins);
  return async function serveStatic(req: IncomingMessage, res: ServerResponse, urlPath: string): Promise<void> {
    const target = resolveStaticPath(urlPath);
    if (target.kind === 'refused')
      return void send(res, target.status, 'text/plain; charset=utf-8', target.status === 400 ? 'bad request\n' : 'not found\n');
    const file = join(root, target.relative);
    // Belt and braces: the resolved path must still be inside the root.
    if (file !== root && !file.startsWith(root + sep)) return void send(res, 400, 'text/plain; charset=utf-8', 'bad request\n');
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) {
      if (target.relative === 'index.html') return void send(res, 503, 'text/html; charset=utf-8', opts.notBuilt);
      return void send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    }
    res.writeHead(200, {
      'content-type': contentTypeFor(target.relative),
      'content-length': info.size,
      'cache-control': cacheControlFor(target.relative),
      'x-content-type-options': 'nosniff',
      ...(target.relative === 'index.html' ? { 'referrer-policy': 'no-referrer', 'content-security-policy': policy } : {}),
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  };
}

function send(res: ServerResponse, status: number, type: string, body: string) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
}
