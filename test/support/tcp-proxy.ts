import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * A TCP proxy the test can cut (every connection dropped, new ones refused) and restore: a real
 * outage of whatever is behind it (Postgres, Redis) without touching the server itself.
 */
export async function tcpProxy(target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    /** `url` with its host and port replaced by the proxy's. */
    through(url: string): string {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    cut() {
      server.close();
      for (const s of sockets) s.destroy();
    },
    restore() {
      server.listen(port, '127.0.0.1');
    },
    close() {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

/** Host and port of a postgres:// or redis:// URL. */
export function hostAndPort(url: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || defaultPort) };
}
