/**
 * Lean clients for the load generator: node:http with a bounded keep-alive pool, and a minimal
 * graphql-transport-ws client on `ws` (the graphql-ws client's retry and lazy machinery cost CPU the
 * generator needs for sending).
 */
import { Agent, request } from 'node:http';
import WebSocket from 'ws';
import { keepFragmentsYoung } from '../../src/http/ws-fragments.js';

export interface HttpAnswer {
  status: number;
  body: string;
}

/** The agent's own idle limit, above any server's hint (node:http announces 5 s): the hint decides. */
const IDLE_SOCKET_TIMEOUT_MS = 60_000;

export class HttpClient {
  private readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(baseUrl: string, maxSockets: number) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
    // `timeout` makes node's agent honour the server's `Keep-Alive: timeout=N` (it closes an idle socket a
    // second before the server would); without it Node 20 keeps the socket until the server closes it, and
    // a request sent on it just then fails with ECONNRESET (the stray errors of the mixed days' windows,
    // the bare servers' too). A request in flight is not cut by it.
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, timeout: IDLE_SOCKET_TIMEOUT_MS });
  }

  post(path: string, headers: Record<string, string>, body: string): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.host,
          port: this.port,
          path,
          method: 'POST',
          agent: this.agent,
          headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

type Message = { id?: string; type: string; payload?: any };

/** `{"id":"…","type":"…"`: how this server's frames begin, so most are routed without JSON.parse. */
const FRAME_HEAD = /^\{"id":"([^"\\]*)","type":"(next|error|complete)"/;

/** An operation's listener: parsed payloads, or (raw) each frame's text as it came. */
type Operation = { raw: boolean; next: (payload: any) => void; done: () => void };

/**
 * One graphql-transport-ws connection: requests (query/mutation) and subscriptions. The raw variants
 * hand over each frame's text unparsed: the generator checks what it needs with string tests, so its
 * own CPU goes to sending (a parse per frame was most of its work at 10k+ frames/s).
 */
export class GraphqlSocket {
  private readonly socket: WebSocket;
  private nextId = 1;
  private readonly operations = new Map<string, Operation>();
  private readonly acknowledged: Promise<void>;

  constructor(url: string, token: string) {
    this.socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    this.acknowledged = new Promise((resolve, reject) => {
      this.socket.once('open', () => {
        keepFragmentsYoung(this.socket); // the generator's GC is part of every latency it measures
        this.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
      });
      this.socket.once('error', reject);
      this.socket.once('close', (code) => reject(new Error(`socket closed (${code}) before connection_ack`)));
      this.socket.on('message', (data) => {
        const text = String(data);
        const head = FRAME_HEAD.exec(text);
        if (head) return this.deliver(head[1]!, head[2]!, text, null);
        const msg = JSON.parse(text) as Message;
        if (msg.type === 'connection_ack') return resolve();
        if (msg.type === 'ping') return this.send({ type: 'pong' });
        if (msg.id) this.deliver(msg.id, msg.type, text, msg);
      });
    });
  }

  ready(): Promise<void> {
    return this.acknowledged;
  }

  /** A query or mutation: its single result. */
  request(query: string, variables: Record<string, unknown> = {}): Promise<any> {
    return this.requestAs(false, query, variables);
  }

  /** A query or mutation: the text of its `next` (or `error`) frame, unparsed. */
  requestRaw(query: string, variables: Record<string, unknown> = {}): Promise<string> {
    return this.requestAs(true, query, variables);
  }

  subscribe(query: string, variables: Record<string, unknown>, onNext: (payload: any) => void): void {
    this.start(false, query, variables, onNext, () => {});
  }

  /** A subscription whose events arrive as the frames' text, unparsed. */
  subscribeRaw(query: string, variables: Record<string, unknown>, onFrame: (frame: string) => void): void {
    this.start(true, query, variables, onFrame, () => {});
  }

  close(): void {
    this.socket.close();
  }

  private requestAs(raw: boolean, query: string, variables: Record<string, unknown>): Promise<any> {
    return new Promise((resolve) => {
      let result: any;
      this.start(
        raw,
        query,
        variables,
        (payload) => (result = payload),
        () => resolve(result),
      );
    });
  }

  private deliver(id: string, type: string, text: string, parsed: Message | null) {
    const op = this.operations.get(id);
    if (!op) return;
    if (type === 'complete') return op.done();
    if (op.raw) op.next(text);
    else {
      const msg = parsed ?? (JSON.parse(text) as Message);
      op.next(type === 'error' ? { errors: msg.payload } : msg.payload);
    }
    if (type === 'error') op.done();
  }

  private start(raw: boolean, query: string, variables: Record<string, unknown>, next: (payload: any) => void, done: () => void) {
    const id = String(this.nextId++);
    this.operations.set(id, { raw, next, done: () => (this.operations.delete(id), done()) });
    this.send({ id, type: 'subscribe', payload: { query, variables } });
  }

  private send(msg: Message) {
    this.socket.send(JSON.stringify(msg));
  }
}
