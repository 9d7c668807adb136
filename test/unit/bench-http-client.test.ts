/**
 * The load generator's HTTP client against a real node:http server: an idle keep-alive socket is
 * closed by the client before the server's announced timeout, so no request is ever sent on a socket
 * the server is closing (the ECONNRESET that counted as errors in the bench's windows).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../../bench/lib/clients.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

describe("the bench's HttpClient", () => {
  it("closes an idle keep-alive socket a second before the server's Keep-Alive timeout, and answers a slow request past it", async () => {
    const closedAfterMs: number[] = [];
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => (req.url === '/slow' ? setTimeout(() => res.end('slow'), 1_500) : res.end('ok')));
    });
    server.keepAliveTimeout = 2_000; // announced as `Keep-Alive: timeout=2`
    server.on('connection', (socket: Socket) => {
      const opened = performance.now();
      socket.on('close', () => closedAfterMs.push(performance.now() - opened));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const client = new HttpClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 4);
    try {
      expect(await client.post('/', {}, 'x')).toEqual({ status: 200, body: 'ok' });
      await new Promise((resolve) => setTimeout(resolve, 1_600));
      // Closed by the client at about 1 s idle, not by the server at 2 s.
      expect(closedAfterMs).toHaveLength(1);
      expect(closedAfterMs[0]).toBeLessThan(1_600);
      // A socket whose idle limit is now 1 s still waits 1.5 s for an answer in flight.
      expect(await client.post('/', {}, 'x')).toEqual({ status: 200, body: 'ok' });
      expect(await client.post('/slow', {}, 'x')).toEqual({ status: 200, body: 'slow' });
    } finally {
      client.close();
    }
  });
});
