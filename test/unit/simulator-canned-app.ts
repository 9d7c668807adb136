/**
 * The canned application the call engine's unit tests play against: canned TeXML per path, served over
 * a real socket and recorded with the virtual time each request came at, and a harness that wires a
 * CallEngine to it on virtual time with scripted phones. Shared by the simulator's live-call suites.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import type { Audibility } from '../../src/simulator/audibility.js';
import { CallEngine, type CallerScript, DEFAULT_CALLER } from '../../src/simulator/call-engine.js';
import { MemoryMediaStore } from '../../src/simulator/media.js';
import { type PhoneScript, ScriptedPhones } from '../../src/simulator/scripted-phones.js';
import type { CallResult, Step } from '../../src/simulator/transcript.js';
import { VirtualClock } from '../../src/simulator/virtual-clock.js';
import { SigningKey, WebhookClient } from '../../src/simulator/webhook-client.js';

export const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);

export type Answer = string | { status?: number; type?: string; body: string };
export interface Hit {
  method: string;
  path: string;
  params: Record<string, string>;
  /** Virtual seconds since T0. */
  at: number;
}

/** The application: canned TeXML per path; records every request with the virtual time it came at. */
export class CannedApp {
  readonly hits: Hit[] = [];
  private readonly routes = new Map<string, (hit: Hit, nth: number) => Answer>();
  private server: Server | null = null;
  private base = '';

  constructor(private readonly clock: VirtualClock) {}

  on(path: string, answer: Answer | ((hit: Hit, nth: number) => Answer)): this {
    this.routes.set(path, typeof answer === 'function' ? answer : () => answer);
    return this;
  }

  url(path: string): string {
    return `${this.base}${path}`;
  }

  to(path: string): Hit[] {
    return this.hits.filter((h) => h.path === path);
  }

  async start(): Promise<void> {
    this.server = createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://app');
      const body = await readAll(req);
      const params = Object.fromEntries(req.method === 'POST' ? new URLSearchParams(body) : url.searchParams);
      const hit: Hit = { method: req.method ?? 'GET', path: url.pathname, params, at: (this.clock.now() - T0) / 1000 };
      this.hits.push(hit);
      const route = this.routes.get(url.pathname);
      if (!route) return void res.writeHead(404).end('no such path');
      const answer = route(hit, this.to(url.pathname).length - 1);
      const { status = 200, type = 'text/xml', body: text } = typeof answer === 'string' ? { body: answer } : answer;
      res.writeHead(status, { 'content-type': type }).end(text);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (chunk) => {
      data += chunk;
    });
    req.on('end', () => resolve(data));
  });
}

export const xml = (inner: string) => `<?xml version="1.0" encoding="UTF-8"?><Response>${inner}</Response>`;
export const EMPTY = xml('');

export interface Harness {
  clock: VirtualClock;
  app: CannedApp;
  engine: CallEngine;
  media: MemoryMediaStore;
  phones: Map<string, PhoneScript>;
  /** An inbound call `at` virtual seconds from T0 to a number whose voice URL is `voice`. */
  call(input: {
    from: string;
    voice: string;
    at?: number;
    caller?: Partial<CallerScript>;
    onStart?: (sid: string) => void;
  }): Promise<CallResult>;
  /** Runs `fn` at `at` virtual seconds from T0. */
  at(seconds: number, fn: () => void): void;
}

export let open: CannedApp[] = [];
afterEach(async () => {
  await Promise.all(open.map((a) => a.close()));
  open = [];
});

export async function harness(): Promise<Harness> {
  const clock = new VirtualClock(T0);
  const app = new CannedApp(clock);
  await app.start();
  open.push(app);
  const phones = new Map<string, PhoneScript>();
  const media = new MemoryMediaStore({ baseUrl: () => 'http://media.local', clock: clock.driving });
  const engine = new CallEngine({
    clock: clock.driving,
    account: { accountSid: 'AC-test', connectionId: '1700000000' },
    webhooks: new WebhookClient({ key: new SigningKey(), clock: clock.driving }),
    switchboard: new ScriptedPhones(clock.driving, phones),
    media,
    busy: clock.busy,
  });
  const at = (seconds: number, fn: () => void) => void clock.driving.setTimer(T0 + seconds * 1000, fn);
  const call: Harness['call'] = ({ from, voice, at: start = 0, caller, onStart }) =>
    new Promise<void>((resolve) => at(start, resolve)).then(() =>
      engine.inbound(
        { from, to: '+13055550100' },
        { voiceUrl: app.url(voice), voiceMethod: 'POST' },
        { caller: { ...DEFAULT_CALLER, ...caller }, onStart },
      ),
    );
  return { clock, app, engine, media, phones, call, at };
}

/** Polls (in real time, while the virtual clock runs) until `check` holds. */
export async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`never: ${what}`);
}

export const lines = (r: CallResult) => r.steps.map((s) => s.line);
export const said = (r: CallResult) =>
  r.steps.filter((s): s is Extract<Step, { kind: 'verb' }> => s.kind === 'verb' && s.verb === 'Say').map((s) => s.text);
/** An audibility table with readable names and sorted sets. */
export const named = (heard: Audibility | undefined, names: Record<string, string>) =>
  heard && Object.fromEntries([...heard].map(([who, hears]) => [names[who] ?? who, [...hears].map((s) => names[s] ?? s).sort()]));
