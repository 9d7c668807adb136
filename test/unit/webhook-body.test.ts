import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { readBody } from '../../src/http/webhook-endpoint.js';

type Body = Awaited<ReturnType<typeof readBody>>;

/** A real server reading one request's body with readBody, sent raw over a socket in these parts (20 ms apart). */
async function bodyOf(raw: string[], opts: { limit?: number; timeoutMs?: number; closeAfter?: boolean } = {}): Promise<Body> {
  let read!: (body: Body) => void;
  const result = new Promise<Body>((resolve) => (read = resolve));
  const server: Server = createServer((req, res) => {
    void readBody(req, opts.limit ?? 1024, opts.timeoutMs ?? 2_000).then((body) => {
      read(body);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  socket.on('error', () => {});
  for (const part of raw) {
    socket.write(part);
    await new Promise((r) => setTimeout(r, 20));
  }
  if (opts.closeAfter) socket.destroy();
  try {
    return await result;
  } finally {
    socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const head = (length: number) =>
  `POST /telnyx/voice HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${length}\r\n\r\n`;

describe('readBody', () => {
  it('reads a body in one chunk or in several, whole', async () => {
    const one = await bodyOf([`${head(9)}CallSid=1`]);
    expect(one.kind === 'ok' && one.bytes.toString()).toBe('CallSid=1');
    const several = await bodyOf([head(14), 'CallSid', '=', 'v3:abc']);
    expect(several.kind === 'ok' && several.bytes.toString()).toBe('CallSid=v3:abc');
  });

  it('an empty body is ok and empty', async () => {
    const empty = await bodyOf([head(0)]);
    expect(empty.kind === 'ok' && empty.bytes.length).toBe(0);
  });

  it('drops a body past the limit', async () => {
    expect((await bodyOf([head(20), 'a'.repeat(10), 'b'.repeat(10)], { limit: 15 })).kind).toBe('too-large');
  });

  it('gives up on a body that does not arrive in time', async () => {
    expect((await bodyOf([head(100), 'To='], { timeoutMs: 150 })).kind).toBe('timeout');
  });

  it('a request aborted before its body is complete is an error, not a hang', async () => {
    expect((await bodyOf([head(100), 'To='], { closeAfter: true })).kind).toBe('error');
  });
});
