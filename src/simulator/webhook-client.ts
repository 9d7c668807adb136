/**
 * How the simulator calls the application, as Telnyx does: form-encoded POST bodies (GET puts the
 * fields in the query string), signed with Ed25519 over `${telnyx-timestamp}|${raw body}` in the
 * headers `telnyx-signature-ed25519` and `telnyx-timestamp` ("Receiving webhooks",
 * developers.telnyx.com/development/api-fundamentals/webhooks/receiving-webhooks). The key pair is the
 * simulator's own; its public half is what TELNYX_PUBLIC_KEY would hold.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { Clock } from '../domain/clock.js';

export type HttpMethod = 'GET' | 'POST';

export interface WebhookExchange {
  /** Seconds since the call started (set by the engine). */
  at: number;
  method: HttpMethod;
  url: string;
  params: Record<string, string>;
  /** 0 when no answer came (connection refused, timeout). */
  status: number;
  contentType: string | null;
  body: string;
  error?: string;
  ms: number;
}

export class SigningKey {
  readonly publicKeyBase64: string;
  private readonly privateKey: KeyObject;

  constructor() {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    this.privateKey = privateKey;
    // The raw 32 bytes are the last 32 of the DER SubjectPublicKeyInfo, as Telnyx's portal shows them.
    this.publicKeyBase64 = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
  }

  headers(body: string, nowMs: number): Record<string, string> {
    const timestamp = String(Math.floor(nowMs / 1000));
    const signature = sign(null, Buffer.from(`${timestamp}|${body}`), this.privateKey).toString('base64');
    return { 'telnyx-signature-ed25519': signature, 'telnyx-timestamp': timestamp };
  }
}

/** Telnyx does not document its fetch timeout; its JSON webhooks are retried after 2 s. We wait longer and report it. */
export const DEFAULT_FETCH_TIMEOUT_MS = 10_000;

export class WebhookClient {
  constructor(private readonly deps: { key: SigningKey; clock: Clock; timeoutMs?: number; userAgent?: string }) {}

  async send(method: HttpMethod, url: string, params: Record<string, string>): Promise<Omit<WebhookExchange, 'at'>> {
    const started = performance.now();
    const body = method === 'POST' ? new URLSearchParams(params).toString() : '';
    const target = method === 'GET' ? withQuery(url, params) : url;
    const headers: Record<string, string> = {
      ...this.deps.key.headers(body, this.deps.clock.now()),
      'user-agent': this.deps.userAgent ?? 'curbe-local-telnyx',
      accept: 'application/xml, text/xml',
    };
    if (method === 'POST') headers['content-type'] = 'application/x-www-form-urlencoded';
    try {
      const res = await fetch(target, {
        method,
        headers,
        body: method === 'POST' ? body : undefined,
        signal: AbortSignal.timeout(this.deps.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS),
        redirect: 'manual',
      });
      const text = await res.text();
      return { method, url, params, status: res.status, contentType: res.headers.get('content-type'), body: text, ms: elapsed(started) };
    } catch (err) {
      const error = (err as Error).name === 'TimeoutError' ? 'no answer within the fetch timeout' : (err as Error).message;
      return { method, url, params, status: 0, contentType: null, body: '', error, ms: elapsed(started) };
    }
  }
}

function withQuery(url: string, params: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

const elapsed = (started: number) => Math.round((performance.now() - started) * 10) / 10;
