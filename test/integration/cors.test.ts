/**
 * CORS against a real server with real fetch requests: only the configured origins get CORS headers
 * (preflight and the request itself); any other origin gets none, so a browser keeps it out. Without
 * CORS_ORIGINS the API is same-origin only (Yoga's default used to reflect every origin with credentials).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startServer, type TestServer } from '../support/harness.js';

const CRM = 'https://crm.example.com';
const ATTACKER = 'https://evil.example.net';

function preflight(server: TestServer, origin: string) {
  return fetch(`${server.url}/graphql`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });
}

function query(server: TestServer, origin: string) {
  return fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
}

describe('CORS with CORS_ORIGINS set', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: { CORS_ORIGINS: `${CRM}, http://localhost:5173` } });
  });
  afterAll(() => server.close());

  it('a configured origin passes the preflight, with credentials, and reads the answer', async () => {
    const pre = await preflight(server, CRM);
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(CRM);
    expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
    expect(pre.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');

    const res = await query(server, CRM);
    expect(res.headers.get('access-control-allow-origin')).toBe(CRM);
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
    expect((await preflight(server, 'http://localhost:5173')).headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });

  it('another origin gets no CORS headers at all, on the preflight and on the request', async () => {
    const pre = await preflight(server, ATTACKER);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(pre.headers.get('access-control-allow-credentials')).toBeNull();
    const res = await query(server, ATTACKER);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    // A look-alike of a configured origin is another origin.
    for (const lookalike of [`${CRM}.evil.example.net`, 'http://crm.example.com', `${CRM}:8443`, 'null']) {
      expect((await preflight(server, lookalike)).headers.get('access-control-allow-origin')).toBeNull();
    }
  });
});

describe('CORS without CORS_ORIGINS (the default)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('no foreign origin is reflected; same-origin requests work as before', async () => {
    const pre = await preflight(server, ATTACKER);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(pre.headers.get('access-control-allow-credentials')).toBeNull();
    expect((await query(server, ATTACKER)).headers.get('access-control-allow-origin')).toBeNull();
    // The web app is served from the server's own origin: its requests carry that Origin and succeed.
    const own = await query(server, server.url);
    expect(own.status).toBe(200);
    expect(await own.json()).toEqual({ data: { __typename: 'Query' } });
  });
});
