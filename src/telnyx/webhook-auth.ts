/**
 * How the service knows a request on /telnyx/* comes from Telnyx (docs/TELNYX.md §Signatures):
 *
 * - `signature`: Telnyx's Ed25519 signature over `timestamp|raw body` (src/telnyx/signature.ts),
 *   with TELNYX_PUBLIC_KEY. The default whenever the key is set.
 * - `token`: a secret query parameter `token=` (TELNYX_WEBHOOK_TOKEN) on every URL Telnyx is given
 *   and every callback URL our TeXML emits, for deployments that cannot use the key. It proves the
 *   sender was given the URL, nothing more: a captured request can be replayed, so `signature` is
 *   preferred. With `signature`, a token set as well is a second factor.
 * - `off`: nothing is checked (development, the local simulator without a key). Logged at start
 *   and shown on /readyz; in production only when set explicitly (src/config.ts).
 *
 * Pure, but for the constant-time comparison.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export { WEBHOOK_TOKEN_PARAM } from '../domain/telnyx-routes.js';

export const WEBHOOK_AUTH_MODES = ['signature', 'token', 'off'] as const;
export type WebhookAuthMode = (typeof WEBHOOK_AUTH_MODES)[number];

/** What a webhook must prove: the mode, and the token every request must carry (null = none). */
export interface WebhookAuth {
  mode: WebhookAuthMode;
  token: string | null;
}

/**
 * The mode in force: TELNYX_WEBHOOK_AUTH when set; else `signature` with a public key, `token` with
 * a token, `off` with neither. Resolved from the configuration as it is finally used, so the demo's
 * local Telnyx (which supplies its own key after loading) gets `signature`.
 */
export function webhookAuthOf(config: {
  telnyxWebhookAuth?: WebhookAuthMode | undefined;
  telnyxPublicKey?: string | undefined;
  telnyxWebhookToken?: string | undefined;
}): WebhookAuth {
  const mode = config.telnyxWebhookAuth ?? (config.telnyxPublicKey ? 'signature' : config.telnyxWebhookToken ? 'token' : 'off');
  return { mode, token: mode === 'off' ? null : (config.telnyxWebhookToken ?? null) };
}

/** What `off` means, for the start-up warning and /readyz. */
export const UNAUTHENTICATED_WARNING =
  'Telnyx webhooks are not authenticated (TELNYX_WEBHOOK_AUTH=off): anyone who knows the /telnyx URLs can put agents on calls, end hunts or inject voicemails. Set TELNYX_PUBLIC_KEY (or TELNYX_WEBHOOK_AUTH=token with TELNYX_WEBHOOK_TOKEN).';

/**
 * Whether the request's token is the configured one, in constant time: both sides are hashed first,
 * so neither the content nor the length of the secret leaks through timing.
 */
export function tokenMatches(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
