/**
 * The load generator's HTTP client against a real node:http server: an idle keep-alive socket is
 * closed by the client before the server's announced timeout, so no request is ever sent on a socket
 * the server is closing (the ECONNRESET that counted as errors in the bench's windows).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient, PipelinedHttpClient } from '../../bench/lib/clients.js';

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

describe("the bench's PipelinedHttpClient", () => {
  const listen = async (handler: Parameters<typeof createServer>[1]) => {
    server = createServer(handler);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  it('answers many requests pipelined on a few sockets, each with its own status and body, whatever order they finish in', async () => {
    const sockets = new Set<Socket>();
    const url = await listen((req, res) => {
      sockets.add(req.socket);
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        const n = Number(body);
        // Later requests of a socket may be ready first: node:http still answers in order.
        setTimeout(
          () => res.writeHead(n % 7 === 0 ? 404 : 200, { 'content-type': 'text/plain' }).end(`${req.url}:${body}:${'x'.repeat(n * 50)}`),
          (n * 7) % 5,
        );
      });
    });
    const client = new PipelinedHttpClient(url, 3);
    try {
      const answers = await Promise.all(Array.from({ length: 60 }, (_, n) => client.post(`/r/${n}`, 'text/plain', String(n))));
      answers.forEach((a, n) => {
        expect(a.status).toBe(n % 7 === 0 ? 404 : 200);
        expect(a.body.toString('latin1')).toBe(`/r/${n}:${n}:${'x'.repeat(n * 50)}`);
      });
      expect(sockets.size).toBe(3);
    } finally {
      client.close();
    }
  });

  it('fails what waits on a socket the server closes, and opens a new one for the next request', async () => {
    const url = await listen((req, res) => {
      req.resume();
      req.on('end', () => (req.url === '/drop' ? req.socket.destroy() : res.end('ok')));
    });
    const client = new PipelinedHttpClient(url, 1);
    try {
      await expect(client.post('/drop', 'text/plain', '')).rejects.toThrow(/closed the connection/);
      const again = await client.post('/', 'text/plain', '');
      expect([again.status, again.body.toString()]).toEqual([200, 'ok']);
    } finally {
      client.close();
    }
  });

  it('reads chunked answers (split across reads) and refuses one it cannot delimit', async () => {
    const url = await listen((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.url === '/raw') {
          // Neither a length nor chunks: the body would run to the connection's end.
          req.socket.end('HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\nbody');
          return;
        }
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first,');
        setTimeout(() => res.end('second'), 20);
      });
    });
    const client = new PipelinedHttpClient(url, 1);
    try {
      const [a, b] = await Promise.all([client.post('/', 'text/plain', ''), client.post('/', 'text/plain', '')]);
      expect([a.body.toString(), b.body.toString()]).toEqual(['first,second', 'first,second']);
      await expect(client.post('/raw', 'text/plain', '')).rejects.toThrow(/neither Content-Length nor chunks/);
    } finally {
      client.close();
    }
  });
});
