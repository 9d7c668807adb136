/**
 * A call ended (the caller or the REST API hanging up) while a ringing leg's status callback is still
 * being answered: the Dial must end, not fail the engine. Found by the benchmark's calls scenario,
 * where a loaded service answers callbacks slowly and callers hang up mid-ring.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalTelnyx } from '../../src/simulator/local-telnyx.js';

describe('the local Telnyx, a call ended during a leg callback', () => {
  let telnyx: LocalTelnyx;
  let app: Server;
  let base = '';

  beforeAll(async () => {
    telnyx = await LocalTelnyx.start();
    app = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        // The ringing leg's callback: the call is hung up (REST API) before this callback is answered.
        if (req.url === '/status') telnyx.engine.update(new URLSearchParams(body).get('ParentCallSid')!, { status: 'completed' });
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.end(
          req.url === '/voice'
            ? '<?xml version="1.0" encoding="UTF-8"?><Response><Dial timeout="20"><Sip statusCallback="/status" statusCallbackEvent="ringing">sip:ana@sip.telnyx.com</Sip></Dial></Response>'
            : '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
        );
      });
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await telnyx.close();
    await new Promise((resolve) => app.close(resolve));
  });

  it('ends the call where it was, without an engine failure', async () => {
    const result = await telnyx.scenario('call from +15551230000 to +15550000001; agent ana does not answer', {
      application: { voiceUrl: `${base}/voice`, voiceMethod: 'POST' },
    });
    expect(result.steps.some((s) => s.kind === 'callback' && s.exchange.url.endsWith('/status'))).toBe(true);
    expect(result.errors).toEqual([]);
    expect(result.steps.at(-1)).toMatchObject({ kind: 'end', endedBy: 'api' });
  });
});
