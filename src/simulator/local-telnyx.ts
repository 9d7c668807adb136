/**
 * The local Telnyx (docs/SIMULATOR.md): one HTTP server with the fake REST API under /v2, recording
 * media, and the WebRTC signalling WebSocket; a call engine that plays TeXML against an application's
 * voice URL; an account (API key, AccountSid, connection) and the Ed25519 key pair it signs webhooks
 * with. Tests, the benchmark, `npm run simulate` and the demo all start it this way.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type Clock, systemClock } from '../domain/clock.js';
import { configuredAccount, type SimAccountSettings } from './account-settings.js';
import { CallEngine, type CallerScript, type InboundOptions, type TexmlApplication } from './call-engine.js';
import { type CallControl, SimApiError, type SimCallView } from './contracts.js';
import { MemoryCredentialStore } from './credentials.js';
import { MemoryMediaStore } from './media.js';
import { createRestApi } from './rest-api.js';
import { parsePhoneBook, parseScenario, resolvePhones } from './scenario.js';
import { type PhoneScript, ScriptedPhones } from './scripted-phones.js';
import type { CallResult, Step } from './transcript.js';
import { WebRtcGateway } from './webrtc-gateway.js';
import { SigningKey, WebhookClient } from './webhook-client.js';

export interface LocalTelnyxOptions {
  /** Default: the system clock. Scenarios pass a VirtualClock's `driving` view (and its `busy`). */
  clock?: Clock;
  busy?: { begin(): void; end(): void };
  port?: number;
  host?: string;
  /** The account's API key (Authorization: Bearer …); random by default. */
  apiKey?: string;
  /** The application every number points at, unless `route()` names another. */
  application?: TexmlApplication;
  log?: (line: string) => void;
}

export interface PlaceCall {
  from: string;
  to: string;
  caller?: CallerScript;
  /** Scripted phones by SIP username or number; any other target rings on the WebRTC gateway. */
  phones?: ReadonlyMap<string, PhoneScript>;
  /** The application to fetch (default: the number's, see `route`). */
  application?: TexmlApplication;
  observe?: (step: Step, callSid: string) => void;
  onStart?: (callSid: string) => void;
}

export class LocalTelnyx {
  readonly apiKey: string;
  readonly accountSid = `AC${randomBytes(16).toString('hex')}`;
  readonly connectionId = String(1_000_000_000 + Math.floor(Math.random() * 1_000_000_000));
  readonly key = new SigningKey();
  readonly credentials: MemoryCredentialStore;
  readonly media: MemoryMediaStore;
  readonly gateway: WebRtcGateway;
  readonly engine: CallEngine;
  readonly rest: ReturnType<typeof createRestApi>;
  /**
   * Standing behaviours of phones, by SIP username or number ("agent ana answers after 1 s and hangs up
   * after 20 s"): they apply to every leg that rings them, REST-created calls included, until changed.
   * A call's own scenario phones come first; anything in neither rings on the WebRTC gateway.
   */
  readonly phoneBook = new Map<string, PhoneScript>();
  /** The phone book in front of the WebRTC gateway: where every leg rings. */
  readonly phones: ScriptedPhones;
  /**
   * The account's TeXML application, credential connection and outbound voice profiles, as the REST API
   * serves them. Tests change them in place; the application's URLs and methods are also what a number
   * without its own `route()` plays.
   */
  readonly settings: SimAccountSettings;
  /** Per-number applications (`route`); others use `application`. */
  private readonly routes = new Map<string, TexmlApplication>();
  private readonly sockets = new Set<Socket>();
  private readonly clock: Clock;
  private base = '';

  private constructor(
    private readonly server: Server,
    private readonly options: LocalTelnyxOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.apiKey = options.apiKey ?? `KEYsim${randomBytes(12).toString('hex')}`;
    this.credentials = new MemoryCredentialStore({ clock: this.clock });
    this.settings = configuredAccount({ connectionId: this.connectionId, clock: this.clock, application: options.application });
    this.media = new MemoryMediaStore({ baseUrl: () => this.base, clock: this.clock });
    this.gateway = new WebRtcGateway({ credentials: this.credentials, log: options.log });
    this.phones = new ScriptedPhones(this.clock, this.phoneBook, this.gateway);
    this.engine = new CallEngine({
      clock: this.clock,
      account: { accountSid: this.accountSid, connectionId: this.connectionId },
      webhooks: new WebhookClient({ key: this.key, clock: this.clock }),
      switchboard: this.phones,
      media: this.media,
      busy: options.busy,
    });
    this.rest = createRestApi({
      account: { apiKey: this.apiKey, accountSid: this.accountSid, connectionId: this.connectionId },
      credentials: this.credentials,
      calls: this.callControl(),
      media: this.media,
      settings: this.settings,
    });
  }

  static async start(options: LocalTelnyxOptions = {}): Promise<LocalTelnyx> {
    let telnyx: LocalTelnyx | undefined;
    const server = createServer((req, res) => void telnyx!.serve(req, res));
    telnyx = new LocalTelnyx(server, options);
    telnyx.gateway.attach(server);
    server.on('connection', (socket) => {
      telnyx!.sockets.add(socket);
      socket.on('close', () => telnyx!.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    telnyx.base = `http://${options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1'}:${port}`;
    return telnyx;
  }

  /** http://host:port, where recordings are served from. */
  get url(): string {
    return this.base;
  }

  /** For TELNYX_API_BASE_URL. */
  get apiBaseUrl(): string {
    return `${this.base}/v2`;
  }

  /** For TELNYX_WEBRTC_HOST. */
  get websocketUrl(): string {
    return this.base.replace(/^http/, 'ws');
  }

  /** For TELNYX_PUBLIC_KEY: the base64 Ed25519 key webhooks are signed with. */
  get publicKey(): string {
    return this.key.publicKeyBase64;
  }

  /** Points a number at its own TeXML application (what buying a number and assigning it does). */
  route(number: string, application: TexmlApplication): void {
    this.routes.set(number, application);
  }

  applicationFor(number: string): TexmlApplication | undefined {
    return this.routes.get(number) ?? this.accountApplication();
  }

  /** The account's TeXML application as the engine plays it (its current settings), once it has a voice URL. */
  private accountApplication(): TexmlApplication | undefined {
    const app = this.settings.texmlApplication;
    if (!app.voiceUrl) return undefined;
    return {
      ...this.options.application,
      voiceUrl: app.voiceUrl,
      voiceMethod: app.voiceMethod,
      statusCallback: app.statusCallback ?? undefined,
      statusCallbackMethod: app.statusCallbackMethod,
    };
  }

  /** An inbound call from the PSTN to `to`, played to its end. */
  call(input: PlaceCall): Promise<CallResult> {
    const application = input.application ?? this.applicationFor(input.to);
    if (!application) throw new Error(`no TeXML application for ${input.to}: pass one to LocalTelnyx.start or route()`);
    const phones = input.phones?.size ? new ScriptedPhones(this.clock, input.phones, this.phones) : undefined;
    const opts: InboundOptions = { caller: input.caller, phones, observe: input.observe, onStart: input.onStart };
    return this.engine.inbound({ from: input.from, to: input.to }, application, opts);
  }

  /** A call described in the scenario language (src/simulator/scenario.ts); `agents` maps names to SIP usernames. */
  scenario(
    text: string,
    opts: { agents?: Readonly<Record<string, string>>; application?: TexmlApplication; observe?: PlaceCall['observe'] } = {},
  ): Promise<CallResult> {
    const scenario = parseScenario(text);
    return this.call({
      from: scenario.from,
      to: scenario.to,
      caller: scenario.caller,
      phones: resolvePhones(scenario.phones, opts.agents ?? {}),
      application: opts.application,
      observe: opts.observe,
    });
  }

  /**
   * Sets standing behaviours in the phone book, in the scenario language's phone statements
   * (`agent ana answers after 1 s and hangs up after 20 s; number +15551230000 answers after 2 s`);
   * `agents` maps names to SIP usernames. `agent ana is not scripted` forgets ana's.
   */
  script(text: string, agents: Readonly<Record<string, string>> = {}): void {
    for (const [name, script] of resolvePhones(parsePhoneBook(text), agents)) {
      if (script === null) this.phoneBook.delete(name);
      else this.phoneBook.set(name, script);
    }
  }

  /** A credential whose softphone can log in here; `sipUsername` pins its SIP username (the demo's agents). */
  ensureCredential(input: { id?: string; sipUsername: string; name?: string }) {
    const existing = this.credentials.list().find((c) => c.sipUsername === input.sipUsername);
    if (existing) return existing;
    const id = input.id && !this.credentials.get(input.id) ? input.id : undefined;
    return this.credentials.create({ id, name: input.name, connectionId: this.connectionId, sipUsername: input.sipUsername });
  }

  async close(): Promise<void> {
    await this.gateway.close();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server.listening ? this.server.close(() => resolve()) : resolve()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '/';
    // A request being served is work in flight: virtual time waits for its answer. The service calls
    // the REST API from its own timers too (a redirect when an agent frees up), outside any webhook.
    const busy = this.options.busy;
    if (busy) {
      busy.begin();
      let done = false;
      const end = () => {
        if (!done) (done = true), busy.end();
      };
      res.once('finish', end);
      res.once('close', end);
    }
    try {
      if (this.media.serveMedia(req, res, path)) return;
      if (path === '/v2' || path.startsWith('/v2/')) return await this.rest.handle(req, res);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('local Telnyx: nothing here (REST API under /v2)\n');
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`local Telnyx failed: ${(err as Error).message}\n`);
    }
  }

  /** What the REST API may do to calls, conferences and participants: the engine plays them. */
  private callControl(): CallControl {
    const engine = this.engine;
    const mustExist = (callSid: string): SimCallView => {
      const view = engine.view(callSid);
      if (!view) throw new SimApiError(404, '10005', 'Resource not found', `No call ${callSid}`);
      return view;
    };
    return {
      createCall: (input) => {
        // A supervising call joins another call's audio; it plays no TeXML of its own (see CallEngine.superviseCall).
        if (input.superviseCallSid) return engine.superviseCall(input, input.superviseCallSid, input.supervisingRole ?? 'barge');
        if (!input.url && !input.texml)
          throw new SimApiError(422, '10032', 'Missing required parameter', 'Url or Texml is required', '/Url');
        return engine.outbound(input);
      },
      updateCall: (callSid, change) => {
        mustExist(callSid);
        if (!engine.update(callSid, change)) throw new SimApiError(422, '90018', 'Call has already ended', `Call ${callSid} is not live`);
        return mustExist(callSid);
      },
      getCall: (callSid) => engine.view(callSid),
      listCalls: () => engine.list(),
      startRecording: (callSid, input) => engine.recordings.start(callSid, input),
      updateRecording: (callSid, recordingSid, status) => engine.recordings.update(callSid, recordingSid, status),
      conferences: engine.conferenceControl,
    };
  }
}
