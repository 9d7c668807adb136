/**
 * A stand-in for the service in tests of the local Telnyx alone: canned answers (TeXML, audio, status
 * codes) per path, and every request recorded with the virtual second it arrived at. Each test says
 * what the application answers at each path, then reads what the simulator asked and did.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { VirtualClock } from '../../src/simulator/virtual-clock.js';

export type CannedAnswer = string | { status?: number; type?: string; body: string | Uint8Array };

export interface Hit {
  method: string;
  path: string;
  params: Record<string, string>;
  /** Virtual seconds since the app's start instant. */
  at: number;
}

export const xml = (inner: string) => `<?xml version="1.0" encoding="UTF-8"?><Response>${inner}</Response>`;

export class CannedApp {
  readonly hits: Hit[] = [];
  private readonly routes = new Map<string, (hit: Hit, nth: number) => CannedAnswer>();
  private server: Server | null = null;
  private base = '';

  constructor(
    private readonly clock: VirtualClock,
    private readonly t0: number,
  ) {}

  static async start(clock: VirtualClock, t0: number): Promise<CannedApp> {
    const app = new CannedApp(clock, t0);
    app.server = createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://app');
      const body = await readAll(req);
      const params = Object.fromEntries(req.method === 'POST' ? new URLSearchParams(body) : url.searchParams);
      const hit: Hit = { method: req.method ?? 'GET', path: url.pathname, params, at: (app.clock.now() - app.t0) / 1000 };
      // Audio fetches (Range requests of <Play> URLs) are not webhooks: kept apart from `hits`.
      const route = app.routes.get(url.pathname);
      if (!req.headers.range) app.hits.push(hit);
      if (!route) return void res.writeHead(404).end('no such path');
      const answer = route(hit, app.to(url.pathname).length - 1);
      const { status = 200, type = 'text/xml', body: content } = typeof answer === 'string' ? { body: answer } : answer;
      res.writeHead(status, { 'content-type': type }).end(content);
    });
    await new Promise<void>((resolve) => app.server!.listen(0, '127.0.0.1', resolve));
    app.base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    return app;
  }

  on(path: string, answer: CannedAnswer | ((hit: Hit, nth: number) => CannedAnswer)): this {
    this.routes.set(path, typeof answer === 'function' ? answer : () => answer);
    return this;
  }

  url(path: string): string {
    return `${this.base}${path}`;
  }

  to(path: string): Hit[] {
    return this.hits.filter((h) => h.path === path);
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (chunk) => {
      data += chunk;
    });
    req.on('end', () => resolve(data));
  });
}
