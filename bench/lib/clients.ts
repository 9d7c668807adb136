/**
 * Lean clients for the load generator: node:http with a bounded keep-alive pool, and a minimal
 * graphql-transport-ws client on `ws` (the graphql-ws client's retry and lazy machinery cost CPU the
 * generator needs for sending).
 */
import { Agent, request } from 'node:http';
import WebSocket from 'ws';

export interface HttpAnswer {
  status: number;
  body: string;
}

export class HttpClient {
  private readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(baseUrl: string, maxSockets: number) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
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

/** One graphql-transport-ws connection: requests (query/mutation) and subscriptions. */
export class GraphqlSocket {
  private readonly socket: WebSocket;
  private nextId = 1;
  private readonly operations = new Map<string, { next: (payload: any) => void; done: () => void }>();
  private readonly acknowledged: Promise<void>;

  constructor(url: string, token: string) {
    this.socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    this.acknowledged = new Promise((resolve, reject) => {
      this.socket.once('open', () => this.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
      this.socket.once('error', reject);
      this.socket.once('close', (code) => reject(new Error(`socket closed (${code}) before connection_ack`)));
      this.socket.on('message', (data) => {
        const msg = JSON.parse(String(data)) as Message;
        if (msg.type === 'connection_ack') return resolve();
        if (msg.type === 'ping') return this.send({ type: 'pong' });
        const op = msg.id ? this.operations.get(msg.id) : undefined;
        if (!op) return;
        if (msg.type === 'next') op.next(msg.payload);
        else if (msg.type === 'error') op.next({ errors: msg.payload }), op.done();
        else if (msg.type === 'complete') op.done();
      });
    });
  }

  ready(): Promise<void> {
    return this.acknowledged;
  }

  /** A query or mutation: its single result. */
  request(query: string, variables: Record<string, unknown> = {}): Promise<any> {
    return new Promise((resolve) => {
      let result: any;
      this.start(
        query,
        variables,
        (payload) => (result = payload),
        () => resolve(result),
      );
    });
  }

  subscribe(query: string, variables: Record<string, unknown>, onNext: (payload: any) => void): void {
    this.start(query, variables, onNext, () => {});
  }

  close(): void {
    this.socket.close();
  }

  private start(query: string, variables: Record<string, unknown>, next: (payload: any) => void, done: () => void) {
    const id = String(this.nextId++);
    this.operations.set(id, { next, done: () => (this.operations.delete(id), done()) });
    this.send({ id, type: 'subscribe', payload: { query, variables } });
  }

  private send(msg: Message) {
    this.socket.send(JSON.stringify(msg));
  }
}
