/**
 * A CRM's webhook receiver for tests: a real node:http server that records every request (headers,
 * raw body) and answers each with the next scripted reply: a status code, or 'hang' (never answers,
 * until the receiver closes). Unscripted requests get 200.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from './harness.js';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  json: { id: string; type: string; createdAt: string; companyId: string; data: Record<string, any> };
  /** The reply it got. */
  reply: number | 'hang';
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Replies for the next requests, in order. */
  script(...replies: (number | 'hang')[]): void;
  /** Every later request hangs (a dead endpoint). */
  hangAll(): void;
  waitForCount(n: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const replies: (number | 'hang')[] = [];
  let hangAll = false;
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const reply = hangAll ? 'hang' : (replies.shift() ?? 200);
      let json: ReceivedWebhook['json'];
      try {
        json = JSON.parse(body);
      } catch {
        json = { id: '', type: '', createdAt: '', companyId: '', data: {} };
      }
      received.push({ headers: req.headers, body, json, reply });
      if (reply === 'hang') hanging.add(res);
      else res.writeHead(reply, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/curbe`,
    received,
    script: (...r) => void replies.push(...r),
    hangAll: () => void (hangAll = true),
    async waitForCount(n, timeoutMs = 10_000) {
      await waitFor(
        () => received.length,
        (count) => count >= n,
        { timeoutMs, what: `${n} webhooks received` },
      );
      return received;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
