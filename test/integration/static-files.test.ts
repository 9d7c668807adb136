/**
 * The built web app served by the API server over real HTTP: content types, cache headers for
 * hashed assets, the app-shell fallback, and no way out of the root.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy, resolveStaticPath } from '../../src/http/static-files.js';
import { startServer, type TestServer } from '../support/harness.js';

/** A raw GET: fetch() would normalise `..` and encoded slashes before sending them. */
function rawGet(
  base: string,
  path: string,
  method = 'GET',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static web app', () => {
  let server: TestServer;
  let parent: string;

  beforeAll(async () => {
    parent = mkdtempSync(join(tmpdir(), 'curbe-static-'));
    const root = join(parent, 'dist');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>app shell</title>');
    writeFileSync(join(root, 'assets', 'main-AbC123.js'), 'console.log(1)');
    writeFileSync(join(root, 'assets', 'main-AbC123.css'), 'body{}');
    writeFileSync(join(root, 'favicon.svg'), '<svg/>');
    writeFileSync(join(root, '.env'), 'SECRET=1');
    writeFileSync(join(parent, 'secret.txt'), 'outside the root');
    server = await startServer({ webRoot: root });
  });
  afterAll(() => server.close());

  it('serves index.html at / with revalidation', async () => {
    const res = await rawGet(server.url, '/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body).toContain('app shell');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    // No http recording host is allowed by default: recordings play from https only.
    expect(res.headers['content-security-policy']).toContain("media-src 'self' https: blob:;");
  });

  it("lets voicemail players load from the http recording hosts the allowlist names (the demo's local Telnyx), and only those", () => {
    expect(contentSecurityPolicy(['http://127.0.0.1:4010'])).toContain("media-src 'self' https: blob: http://127.0.0.1:4010;");
  });

  it.each([
    ['/assets/main-AbC123.js', 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable'],
    ['/assets/main-AbC123.css', 'text/css; charset=utf-8', 'public, max-age=31536000, immutable'],
    ['/favicon.svg', 'image/svg+xml', 'no-cache'],
  ])('%s → %s, %s', async (path, type, cache) => {
    const res = await rawGet(server.url, path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.headers['cache-control']).toBe(cache);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('HEAD answers the headers without a body', async () => {
    const res = await rawGet(server.url, '/assets/main-AbC123.js', 'HEAD');
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(String('console.log(1)'.length));
    expect(res.body).toBe('');
  });

  it('an app route without an extension gets the app shell; a missing file is a 404', async () => {
    expect((await rawGet(server.url, '/board')).body).toContain('app shell');
    const missing = await rawGet(server.url, '/assets/nope-123.js');
    expect(missing.status).toBe(404);
  });

  it.each([
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/assets%2f..%2f..%2fsecret.txt',
    '/..%5csecret.txt',
    '/%00index.html',
    '/.env',
    '/%E0%A4%A',
  ])('refuses %s without reading outside the root', async (path) => {
    const res = await rawGet(server.url, path);
    expect([400, 404]).toContain(res.status);
    expect(res.body).not.toContain('outside the root');
    expect(res.body).not.toContain('SECRET');
  });

  it('leaves the API, GraphQL and webhooks where they were', async () => {
    expect((await rawGet(server.url, '/healthz')).body).toBe('ok\n');
    const gql = await server.gql('{ viewer { role } }');
    expect(gql).toEqual({ data: { viewer: null } });
    expect((await server.webhook('/telnyx/status/unknown', {})).status).toBe(200);
  });
});

describe('resolveStaticPath', () => {
  it.each([
    ['/', { kind: 'file', relative: 'index.html', fallback: false }],
    ['/agent', { kind: 'file', relative: 'index.html', fallback: true }],
    ['/assets/a-1.js', { kind: 'file', relative: 'assets/a-1.js', fallback: false }],
    ['//assets//a-1.js', { kind: 'file', relative: 'assets/a-1.js', fallback: false }],
    ['/a/../b.js', { kind: 'refused', status: 400 }],
    ['/%2E%2E/b.js', { kind: 'refused', status: 400 }],
    ['/.git/config', { kind: 'refused', status: 404 }],
  ])('%s → %j', (path, expected) => {
    expect(resolveStaticPath(path)).toEqual(expected);
  });
});

describe('without a build', () => {
  it('answers 503 with a hint to build, and the API still works', async () => {
    const server = await startServer({ webRoot: join(tmpdir(), 'curbe-no-such-build') });
    try {
      const res = await rawGet(server.url, '/');
      expect(res.status).toBe(503);
      expect(res.body).toContain('npm run build:web');
      expect((await rawGet(server.url, '/healthz')).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
