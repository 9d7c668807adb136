/**
 * Telnyx signs only the body of a webhook, never its path or query string. The callback URLs our
 * TeXML hands to Telnyx (`<Dial action>`, `<Gather action>`, `<Record action>`, statusCallback, the
 * hold redirect) carry the route, the company and the hunt step in the path and query, so with a
 * signature required each of them also carries `mac=`: an HMAC-SHA256 over (route, company, step),
 * keyed from JWT_SECRET. A URL with a valid MAC is one this deployment emitted, so its route, company
 * and step may be used; without one (a URL set in the Telnyx portal, or an edited one) they come from
 * the signed body instead (src/telnyx/webhooks.ts).
 *
 * The MAC covers the canonical values, not the URL's spelling, so percent-encoding variants cannot
 * dodge it; every other query parameter is ignored in signed mode (parameters come from the body).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const CALLBACK_MAC_PARAM = 'mac';
/** 128 bits, base64url: 22 characters in each URL. */
const MAC_BYTES = 16;
const KEY_LABEL = 'curbe-voice/telnyx-callback-url/v1';

export class CallbackUrlSigner {
  private readonly keys: Buffer[];

  /** secrets: the current JWT_SECRET first (it signs); older ones (JWT_SECRET_PREVIOUS) still verify. */
  constructor(secrets: readonly (string | undefined)[]) {
    const present = secrets.filter((s): s is string => typeof s === 'string' && s.length > 0);
    if (present.length === 0) throw new Error('CallbackUrlSigner needs a secret');
    // A key of its own for URLs, derived once, so a URL MAC can never be mistaken for a token signature.
    this.keys = present.map((secret) => createHmac('sha256', secret).update(KEY_LABEL).digest());
  }

  mac(route: string, companyId: string, step: string | null): string {
    return this.macWith(this.keys[0]!, route, companyId, step).toString('base64url');
  }

  verify(route: string, companyId: string | null, step: string | null, mac: string | null): boolean {
    if (!companyId || !mac || mac.length > 64) return false;
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== MAC_BYTES) return false;
    return this.keys.some((key) => timingSafeEqual(this.macWith(key, route, companyId, step), given));
  }

  private macWith(key: Buffer, route: string, companyId: string, step: string | null): Buffer {
    // NUL never occurs in a route, an id or a step we emit, so the fields cannot run into each other.
    return createHmac('sha256', key)
      .update(`${route}\u0000${companyId}\u0000${step ?? ''}`)
      .digest()
      .subarray(0, MAC_BYTES);
  }
}
