/**
 * Lean clients for the load generator: node:http with a bounded keep-alive pool, a bare pipelined
 * HTTP/1.1 client for the open loops, and a minimal
 * graphql-transport-ws client on `ws` (the graphql-ws client's retry and lazy machinery cost CPU the
 * generator needs for sending).
 */
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
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

/** An answer read by PipelinedHttpClient: the status and the body's bytes (a view of what was read). */
export interface RawAnswer {
  status: number;
  body: Buffer;
}

interface Waiting {
  resolve: (answer: RawAnswer) => void;
  reject: (err: Error) => void;
}

const HEADERS_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i;
const CHUNKED = /\r\ntransfer-encoding:[ \t]*chunked/i;

/**
 * A bare HTTP/1.1 keep-alive client for the open loops: each request written as one string, on `sockets`
 * connections in turn, several in flight on one connection (pipelined: node:http answers them in order),
 * each answer read to its end (Content-Length or chunks). With node:http's client (about 23 KB collected
 * a request), the TeXML open loop's generator spent 29% of its window in young-generation collections
 * (10 ms every 30 ms) and sent requests up to 62 ms late, which the figures counted as the server's
 * latency. An answer it cannot delimit fails every request waiting on that connection.
 */
export class PipelinedHttpClient {
  private readonly lanes: Lane[];
  private readonly hostHeader: string;
  private turn = 0;

  constructor(baseUrl: string, sockets: number) {
    const url = new URL(baseUrl);
    const host = url.hostname;
    const port = Number(url.port);
    this.hostHeader = `Host: ${url.host}\r\n`;
    this.lanes = Array.from({ length: Math.max(1, sockets) }, () => new Lane(host, port));
  }

  post(path: string, contentType: string, body: string): Promise<RawAnswer> {
    const lane = this.lanes[this.turn]!;
    this.turn = (this.turn + 1) % this.lanes.length;
    return lane.send(
      `POST ${path} HTTP/1.1\r\n${this.hostHeader}Content-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  close(): void {
    for (const lane of this.lanes) lane.close(new Error('client closed'));
  }
}

/** One connection of PipelinedHttpClient: opened on first use (and again after the server closed it). */
class Lane {
  private socket: Socket | null = null;
  private readonly waiting: Waiting[] = [];
  private unread: Buffer | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  send(request: string): Promise<RawAnswer> {
    return new Promise<RawAnswer>((resolve, reject) => {
      const socket = this.socket ?? this.open();
      this.waiting.push({ resolve, reject });
      socket.write(request, 'latin1');
    });
  }

  close(err: Error): void {
    const socket = this.socket;
    this.socket = null;
    this.unread = null;
    for (const w of this.waiting.splice(0)) w.reject(err);
    socket?.destroy();
  }

  private open(): Socket {
    const socket = connect({ host: this.host, port: this.port, noDelay: true });
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', () => {}); // 'close' follows and fails what waits
    socket.on('close', () => {
      if (this.socket === socket) this.close(new Error('the server closed the connection'));
    });
    return socket;
  }

  private read(chunk: Buffer): void {
    let data = this.unread ? Buffer.concat([this.unread, chunk]) : chunk;
    while (data.length > 0) {
      let answer: { status: number; body: Buffer; end: number } | null;
      try {
        answer = readAnswer(data);
      } catch (err) {
        this.close(err as Error);
        return;
      }
      if (answer === null) break;
      this.waiting.shift()?.resolve({ status: answer.status, body: answer.body });
      data = data.subarray(answer.end);
    }
    this.unread = data.length > 0 ? data : null;
  }
}

/**
 * The first answer in `data`: its status, body and where it ends; null while it has not all arrived.
 * Bodies are delimited by Content-Length or by chunks (node:http chunks an answer whose head was written
 * before its body, as the service's and the bare servers' are).
 */
function readAnswer(data: Buffer): { status: number; body: Buffer; end: number } | null {
  const headersEnd = data.indexOf(HEADERS_END);
  if (headersEnd === -1) return null;
  const headers = data.toString('latin1', 0, headersEnd);
  const status = Number(headers.slice(9, 12));
  const bodyStart = headersEnd + HEADERS_END.length;
  const length = CONTENT_LENGTH.exec(headers);
  if (length) {
    const end = bodyStart + Number(length[1]);
    return data.length < end ? null : { status, body: data.subarray(bodyStart, end), end };
  }
  if (!CHUNKED.test(headers)) throw new Error(`an answer with neither Content-Length nor chunks: ${headers.split('\r\n')[0]}`);
  const chunks: Buffer[] = [];
  for (let at = bodyStart; ; ) {
    const lineEnd = data.indexOf(CRLF, at);
    if (lineEnd === -1) return null;
    const size = Number.parseInt(data.toString('latin1', at, lineEnd), 16);
    if (!Number.isFinite(size)) throw new Error('a malformed chunk size');
    if (size === 0) {
      const end = lineEnd + 2 * CRLF.length; // no trailers
      if (data.length < end) return null;
      return { status, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), end };
    }
    const chunkEnd = lineEnd + CRLF.length + size;
    if (data.length < chunkEnd + CRLF.length) return null;
    chunks.push(data.subarray(lineEnd + CRLF.length, chunkEnd));
    at = chunkEnd + CRLF.length;
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
