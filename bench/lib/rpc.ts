/**
 * Request/response over a child process's IPC channel: the orchestrator drives the server and the
 * load generator, each in its own process, with `call(child, 'method', params)`.
 */
import type { ChildProcess } from 'node:child_process';

type Handler = (params: any) => unknown;
interface Request {
  rpc: number;
  method: string;
  params: unknown;
}
interface Reply {
  rpc: number;
  result?: unknown;
  error?: string;
}

/** In a child: answer the orchestrator's calls with `handlers`. */
export function serve(handlers: Record<string, Handler>): void {
  if (!process.send) throw new Error('bench child processes are started by bench/run.ts (no IPC channel)');
  process.on('message', async (msg: Request) => {
    let reply: Reply;
    try {
      const handler = handlers[msg.method];
      if (!handler) throw new Error(`unknown method ${msg.method}`);
      reply = { rpc: msg.rpc, result: await handler(msg.params) };
    } catch (err) {
      reply = { rpc: msg.rpc, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    }
    process.send!(reply);
  });
  process.send({ rpc: 0, result: 'ready' } satisfies Reply);
}

/** In the orchestrator: a typed-enough handle on one child. */
export class Peer {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  readonly ready: Promise<void>;

  constructor(
    readonly child: ChildProcess,
    readonly name: string,
  ) {
    let markReady!: () => void;
    this.ready = new Promise((resolve, reject) => {
      markReady = resolve;
      child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready`)));
    });
    child.on('message', (msg: Reply) => {
      if (msg.rpc === 0) return markReady();
      const waiter = this.pending.get(msg.rpc);
      if (!waiter) return;
      this.pending.delete(msg.rpc);
      if (msg.error) waiter.reject(new Error(`${name}: ${msg.error}`));
      else waiter.resolve(msg.result);
    });
    child.on('exit', (code) => {
      for (const w of this.pending.values()) w.reject(new Error(`${name} exited (${code})`));
      this.pending.clear();
    });
  }

  call<T = any>(method: string, params: unknown = {}): Promise<T> {
    const rpc = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(rpc, { resolve, reject });
      this.child.send({ rpc, method, params } satisfies Request);
    });
  }

  /** After its own `stop` call: give it time to exit by itself (a CPU profile is written then), then signal. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    const term = setTimeout(() => this.child.kill('SIGTERM'), 10_000);
    const kill = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(term);
    clearTimeout(kill);
  }
}
