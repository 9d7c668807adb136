/**
 * The local Telnyx's account setup over its REST API (what `npm run telnyx:doctor` reads):
 * `GET /v2/texml_applications/:id`, `/v2/credential_connections/:id`, `/v2/outbound_voice_profiles/:id`,
 * shaped as Telnyx's OpenAPI says, and changed in place by tests. The application's settings are also
 * what a call to a number without its own route plays.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalTelnyx } from '../../src/simulator/local-telnyx.js';

let telnyx: LocalTelnyx;
/** Serves the TeXML the calls fetch, and remembers each fetch. */
let app: Server;
let appUrl: string;
const fetched: { method: string; path: string }[] = [];

beforeAll(async () => {
  app = createServer((req: IncomingMessage, res) => {
    fetched.push({ method: req.method ?? '', path: (req.url ?? '').split('?')[0]! });
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/xml' }).end('<Response><Hangup/></Response>'));
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  telnyx = await LocalTelnyx.start({
    application: { voiceUrl: `${appUrl}/voice`, voiceMethod: 'POST', statusCallback: `${appUrl}/status`, statusCallbackMethod: 'POST' },
  });
});

afterAll(async () => {
  await telnyx?.close();
  await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()));
});

async function get(path: string, apiKey: string | null = telnyx.apiKey) {
  const res = await fetch(`${telnyx.apiBaseUrl}${path}`, { headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} });
  return { status: res.status, body: (await res.json()) as any };
}

describe('the account setup over the REST API', () => {
  it('GET /v2/texml_applications/:id: the TeXML application, methods in lower case, the profile under outbound', async () => {
    const { status, body } = await get(`/texml_applications/${telnyx.connectionId}`);
    expect(status).toBe(200);
    expect(body.data).toMatchObject({
      id: telnyx.connectionId,
      record_type: 'texml_application',
      active: true,
      friendly_name: 'local-telnyx',
      voice_url: `${appUrl}/voice`,
      voice_method: 'post',
      voice_fallback_url: null,
      status_callback: `${appUrl}/status`,
      status_callback_method: 'post',
      outbound: { outbound_voice_profile_id: telnyx.settings.texmlApplication.outboundVoiceProfileId },
    });
    expect(body.data.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('GET /v2/credential_connections/:id: SIP URI calls from the account’s connections, the same profile', async () => {
    const { status, body } = await get(`/credential_connections/${telnyx.connectionId}`);
    expect(status).toBe(200);
    expect(body.data).toMatchObject({
      id: telnyx.connectionId,
      record_type: 'credential_connection',
      active: true,
      sip_uri_calling_preference: 'internal',
      outbound: { outbound_voice_profile_id: telnyx.settings.texmlApplication.outboundVoiceProfileId },
    });
    expect(body.data).not.toHaveProperty('password');
  });

  it('GET /v2/outbound_voice_profiles/:id: enabled, the United States and Canada allowed', async () => {
    const id = telnyx.settings.texmlApplication.outboundVoiceProfileId!;
    const { status, body } = await get(`/outbound_voice_profiles/${id}`);
    expect(status).toBe(200);
    expect(body.data).toMatchObject({ id, record_type: 'outbound_voice_profile', enabled: true, whitelisted_destinations: ['US', 'CA'] });
  });

  it('changes made to the settings are what the API answers', async () => {
    const connection = telnyx.settings.credentialConnection;
    connection.sipUriCallingPreference = 'disabled';
    try {
      expect((await get(`/credential_connections/${connection.id}`)).body.data.sip_uri_calling_preference).toBe('disabled');
    } finally {
      connection.sipUriCallingPreference = 'internal';
    }
  });

  it.each(['/texml_applications/404404', '/credential_connections/404404', '/outbound_voice_profiles/404404'])(
    'GET %s (no such id): 404 in Telnyx’s error envelope',
    async (path) => {
      const { status, body } = await get(path);
      expect(status).toBe(404);
      expect(body.errors[0]).toMatchObject({ code: '10005', title: 'Resource not found' });
    },
  );

  it('without the API key: 401', async () => {
    expect((await get(`/texml_applications/${telnyx.connectionId}`, null)).status).toBe(401);
    expect((await get(`/credential_connections/${telnyx.connectionId}`, 'KEYnotthisone')).status).toBe(401);
  });
});

describe('the application a call plays is the account’s', () => {
  it('a call fetches the voice URL with the voice method the settings say, before and after a change', async () => {
    fetched.length = 0;
    const first = await telnyx.call({ from: '+13055550100', to: '+13055550111' });
    expect(first.errors).toEqual([]);
    expect(fetched[0]).toEqual({ method: 'POST', path: '/voice' });

    const application = telnyx.settings.texmlApplication;
    application.voiceUrl = `${appUrl}/elsewhere`;
    application.voiceMethod = 'GET';
    try {
      fetched.length = 0;
      await telnyx.call({ from: '+13055550100', to: '+13055550111' });
      expect(fetched[0]).toEqual({ method: 'GET', path: '/elsewhere' });
    } finally {
      application.voiceUrl = `${appUrl}/voice`;
      application.voiceMethod = 'POST';
    }
  });
});
