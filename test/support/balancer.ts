/**
 * A round-robin HTTP load balancer for multi-instance tests (node:http): every request goes to the next
 * instance in turn, whatever connection it came on, as a load balancer without sticky sessions does, so
 * the webhooks of one call land on any instance. It keeps the Host header (the instances' PUBLIC_URL is
 * the balancer's) and records what each instance served, with the request's CallSid when it has one.
 * `pin` sends the requests it picks to one instance (a scenario that needs a call on a given instance).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedRequest {
  /** Index of the instance (in `upstreams`) that answered. */
  upstream: number;
  method: string;
  /** Path without the query string. */
  path: string;
  /** The CallSid of the query string or form body, if any. */
  callSid: string | null;
  status: number;
}

export interface Balancer {
  url: string;
  /** The instances' base URLs, in order; set once they listen. */
  upstreams: string[];
  readonly served: ServedRequest[];
  /**
   * Requests `rule` returns an index for go to that instance; the others take their turn. `params` are
   * the query string's and the form body's (a webhook's CallSid, ParentCallSid, From…). Null clears it.
   */
  pin(rule: ((req: { method: string; path: string; params: Record<string, string> }) => number | undefined) | null): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1 << 20;

export async function startBalancer(): Promise<Balancer> {
  const upstreams: string[] = [];
  const served: ServedRequest[] = [];
  const agent = new http.Agent({ keepAlive: true });
  let turn = 0;
  let rule: Parameters<Balancer['pin']>[0] = null;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (upstreams.length === 0) return void res.writeHead(503).end('no instances yet');
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://balancer');
      const method = req.method ?? 'GET';
      const params = { ...Object.fromEntries(url.searchParams), ...formOf(body, req.headers['content-type']) };
      const callSid = params.CallSid ?? null;
      const pinned = rule?.({ method, path: url.pathname, params });
      const upstream = pinned ?? turn++ % upstreams.length;
      const target = new URL(req.url ?? '/', upstreams[upstream]);
      const forwarded = http.request(target, { method, headers: req.headers, agent }, (answer) => {
        served.push({ upstream, method, path: url.pathname, callSid, status: answer.statusCode ?? 0 });
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forwarded.on('error', (err) => {
        served.push({ upstream, method, path: url.pathname, callSid, status: 502 });
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`balancer: ${err.message}`);
      });
      forwarded.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    upstreams,
    served,
    pin(given) {
      rule = given;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

function formOf(body: Buffer, contentType: string | undefined): Record<string, string> {
  if (body.length === 0 || !contentType?.startsWith('application/x-www-form-urlencoded')) return {};
  return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
}
