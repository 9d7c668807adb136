/**
 * One POST of a CRM webhook, guarded against SSRF: the host is resolved here, every address it
 * resolves to must be public (unless private networks are allowed), and the connection goes to the
 * address that was checked (a `lookup` that answers with it), so a DNS answer that changes between
 * the check and the connect (rebinding) cannot slip a private address in. TLS still checks the
 * certificate against the URL's host name. Redirects are not followed. Never throws: failures are
 * results.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { addressRange, isPublicAddress, literalAddress } from '../domain/network-address.js';

/** A host's addresses (dns.lookup, every family); tests pass their own. */
export type ResolveHost = (hostname: string) => Promise<string[]>;

export const resolveWithDns: ResolveHost = async (hostname) => (await dnsLookup(hostname, { all: true })).map((a) => a.address);

export interface WebhookPostResult {
  statusCode: number | null;
  durationMs: number;
  /** Why no status: refused (private address), DNS, connection, timeout. */
  error: string | null;
}

/** Refused before connecting: the reason, or null when `hostname` may be reached (with the address to use). */
export async function vetHost(
  hostname: string,
  opts: { allowPrivate: boolean; resolve: ResolveHost },
): Promise<{ address: string; refused: null } | { address: null; refused: string }> {
  const literal = literalAddress(hostname);
  let addresses: string[];
  if (literal) addresses = [literal];
  else {
    try {
      addresses = await opts.resolve(hostname);
    } catch (err) {
      return { address: null, refused: `the host does not resolve (${(err as NodeJS.ErrnoException).code ?? 'DNS error'})` };
    }
  }
  if (addresses.length === 0) return { address: null, refused: 'the host does not resolve' };
  if (!opts.allowPrivate) {
    // Every address: a name with one public and one private address would reach the private one half the time.
    const bad = addresses.find((a) => !isPublicAddress(a));
    if (bad)
      return { address: null, refused: `the host resolves to a ${addressRange(bad)} address (${bad}); private networks are not allowed` };
  }
  return { address: addresses[0]!, refused: null };
}

export async function postWebhook(opts: {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  allowPrivate: boolean;
  resolve: ResolveHost;
  /** Real time: durations are measured, not simulated. */
  now?: () => number;
}): Promise<WebhookPostResult> {
  const now = opts.now ?? (() => performance.now());
  const started = now();
  const took = () => Math.round(now() - started);
  const url = new URL(opts.url);
  const vetted = await vetHost(url.hostname, opts);
  if (vetted.refused !== null) return { statusCode: null, durationMs: took(), error: `refused: ${vetted.refused}` };
  const address = vetted.address;
  const family = address.includes(':') ? 6 : 4;
  const pinned: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all)
      (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<WebhookPostResult>((resolve) => {
    let done = false;
    const finish = (result: Omit<WebhookPostResult, 'durationMs'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ ...result, durationMs: took() });
    };
    const req = request(
      url,
      {
        method: 'POST',
        lookup: pinned,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(opts.body), ...opts.headers },
        agent: false, // one connection per attempt: no pooled socket to an address checked long ago
      },
      (res) => {
        // The status is the answer: the body is not read (a receiver streaming one forever holds nothing).
        finish({ statusCode: res.statusCode ?? null, error: null });
        req.destroy();
      },
    );
    const timer = setTimeout(() => {
      finish({ statusCode: null, error: `timeout after ${opts.timeoutMs} ms` });
      req.destroy();
    }, opts.timeoutMs);
    // After finish (the status came, or the timeout), the destroy's own error changes nothing.
    req.on('error', (err: NodeJS.ErrnoException) => finish({ statusCode: null, error: err.code ?? err.message }));
    req.end(opts.body);
  });
}
