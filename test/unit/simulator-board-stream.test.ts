/**
 * The board's client of the simulator's control room (web/src/board/simulator.ts) over a real socket:
 * NDJSON split anywhere (mid-line, mid-character) still yields each step as it arrives and the result;
 * a refusal's `{error}` is said as is; only the control room's JSON counts as "the simulator is here".
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type SimulatedStep,
  simulateRequestBody,
  simulatorAvailable,
  splitLines,
  streamSimulatedCall,
} from '../../web/src/board/simulator.js';

let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

/** A server answering with `handle`, and a fetch that resolves the board's relative paths against it. */
async function serve(handle: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<typeof fetch> {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => handle(req, res, body));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return ((input: string, init?: RequestInit) => fetch(`${base}${input}`, init)) as typeof fetch;
}

const input = { to: '+13055550100', from: '+15557654321', digits: '', talkSeconds: '' };
const result = {
  callSid: 'v3:abc',
  outcome: 'ANSWERED',
  heard: 'ANSWERED',
  answeredBy: 'ana',
  duration: 4,
  steps: [],
  errors: [],
};

describe('the board\'s "Simulate a call" client', () => {
  it('splitLines keeps an unfinished tail and drops blank lines', () => {
    expect(splitLines('', '{"a":1}\n{"b"')).toEqual({ lines: ['{"a":1}'], rest: '{"b"' });
    expect(splitLines('{"b"', ':2}\n\n')).toEqual({ lines: ['{"b":2}'], rest: '' });
  });

  it('leaves blank optional fields out of the request', () => {
    expect(simulateRequestBody({ to: ' +13055550100 ', from: '', digits: ' ', talkSeconds: '' })).toEqual({
      to: '+13055550100',
      from: '+15551230000',
    });
    expect(simulateRequestBody({ ...input, digits: '2', talkSeconds: '5' })).toEqual({
      ...simulateRequestBody(input),
      digits: '2',
      talkSeconds: 5,
    });
  });

  it('reads steps as they arrive, even split mid-line and mid-character, then the result', async () => {
    let received: unknown = null;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const fetchAt = await serve(async (req, res, body) => {
      received = { method: req.method, url: req.url, type: req.headers['content-type'], body: JSON.parse(body) };
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      const first = `${JSON.stringify({ step: { at: 0, kind: 'call', line: 'call from +15557654321 → señal' } })}\n`;
      const bytes = Buffer.from(first + JSON.stringify({ step: { at: 1.5, kind: 'leg', line: 'ringing' } }));
      const cut = bytes.indexOf(Buffer.from('ñ')) + 1; // inside the two bytes of ñ
      res.write(bytes.subarray(0, cut));
      // The first line complete, and a few bytes of the second.
      const midSecond = Buffer.byteLength(first) + 5;
      res.write(bytes.subarray(cut, midSecond));
      // The second step stays unfinished until the test has seen the first one arrive.
      await gate;
      res.write(bytes.subarray(midSecond));
      res.end(`\n${JSON.stringify({ result })}`);
    });
    const steps: SimulatedStep[] = [];
    const done = streamSimulatedCall(input, (s) => steps.push(s), { fetch: fetchAt });
    await expect.poll(() => steps.length).toBe(1);
    expect(steps[0]).toEqual({ at: 0, kind: 'call', line: 'call from +15557654321 → señal' });
    release();
    expect(await done).toEqual(result);
    expect(steps.map((s) => s.line)).toEqual(['call from +15557654321 → señal', 'ringing']);
    expect(received).toEqual({
      method: 'POST',
      url: '/simulator/calls',
      type: 'application/json',
      body: { to: '+13055550100', from: '+15557654321' },
    });
  });

  it("says the server's error when the call is refused, and fails a stream without a result", async () => {
    let answer = (res: ServerResponse) =>
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"+13055550100 is not a number of any company here"}\n');
    const fetchAt = await serve((_req, res) => answer(res));
    await expect(streamSimulatedCall(input, () => {}, { fetch: fetchAt })).rejects.toThrow(
      '+13055550100 is not a number of any company here',
    );
    answer = (res) => res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end('{"step":{"at":0,"kind":"call","line":"x"}}\n');
    await expect(streamSimulatedCall(input, () => {}, { fetch: fetchAt })).rejects.toThrow('without a result');
  });

  it("counts only the control room's JSON as the simulator, not the web app's index.html fallback", async () => {
    let answer = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Curbe</title>');
    const fetchAt = await serve((_req, res) => answer(res));
    expect(await simulatorAvailable(fetchAt)).toBe(false);
    answer = (res) => res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no"}');
    expect(await simulatorAvailable(fetchAt)).toBe(false);
    answer = (res) =>
      res
        .writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
        .end('{"simulator":"local Telnyx","calls":"/simulator/calls"}');
    expect(await simulatorAvailable(fetchAt)).toBe(true);
  });
});
