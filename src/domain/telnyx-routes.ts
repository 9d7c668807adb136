/**
 * The Telnyx webhook routes, in one place: the router parses request paths with it, the metrics label
 * requests by it, and the TeXML builder makes callback URLs from it. Pure.
 *
 * `/telnyx/<route>/<companyId>`. The routes a TeXML application's portal settings point at may come
 * without a company, so one application serves every company: `voice` (Voice URL), `status` (Call
 * progress events URL) and `voicemail` (a recording callback); the company is then found from the
 * call's session or the called number (src/telnyx/webhooks.ts). The others are only ever the URLs
 * our own TeXML emits, which always name the company.
 */
export const TELNYX_ROUTES = [
  'voice',
  'language',
  'dial-complete',
  'voicemail',
  // Telnyx's transcription of a voicemail (<Record transcriptionCallback>); our TeXML names the company.
  'voicemail-transcription',
  'status',
  // Queues (docs/QUEUES.md): the wait's document, its key, the Enqueue's action, the offer to an agent.
  'queue-wait',
  'queue-key',
  'queue-exit',
  'queue-offer',
  // Callbacks: the call we place to the agent (its document, its status) and its dial to the customer.
  'callback',
  'callback-status',
  'callback-complete',
  // An answered call's room (docs/IN-CALL.md): its conference's events, a dialed party's progress, a
  // cold transfer's document for the caller, and an on-demand recording's status.
  'room-events',
  'room-party',
  'transfer',
  'room-recording',
  // An outbound call (startCall): its document once the agent answers, and the agent call's progress.
  'outbound',
  'outbound-status',
] as const;

export type TelnyxRoute = (typeof TELNYX_ROUTES)[number];

export const TELNYX_PATH_PREFIX = '/telnyx';

/** The query parameter carrying TELNYX_WEBHOOK_TOKEN on every /telnyx URL (src/telnyx/webhook-auth.ts). */
export const WEBHOOK_TOKEN_PARAM = 'token';

/** Routes that may come without a company in the path (one application for every company). */
const ROUTES_WITHOUT_COMPANY: ReadonlySet<TelnyxRoute> = new Set<TelnyxRoute>(['voice', 'status', 'voicemail']);

/** Routes whose answer is a routing decision; status callbacks and voicemails are bookkeeping. */
const ROUTING_ROUTES: ReadonlySet<TelnyxRoute> = new Set<TelnyxRoute>([
  'voice',
  'language',
  'dial-complete',
  'queue-wait',
  'queue-key',
  'queue-exit',
  'queue-offer',
  'callback',
  'callback-complete',
  'transfer',
  'outbound',
]);

const ROUTE_NAMES: ReadonlySet<string> = new Set<string>(TELNYX_ROUTES);
/** What every route's path starts with, and where its route's name begins. */
const ROUTES_PREFIX = `${TELNYX_PATH_PREFIX}/`;
const ROUTES_AT = ROUTES_PREFIX.length;

export function isTelnyxPath(path: string): boolean {
  return path === TELNYX_PATH_PREFIX || path.startsWith(ROUTES_PREFIX);
}

/**
 * The route and company a path names, or null for a path that is no Telnyx route: /telnyx/<route>,
 * optionally /<company> (one segment, percent-decoded), optionally a trailing slash. Read by hand, not
 * by a regular expression: its match array was a thirtieth of what a decision allocated.
 */
export function parseTelnyxPath(path: string): { route: TelnyxRoute; companyId: string | null } | null {
  if (!path.startsWith(ROUTES_PREFIX)) return null;
  const end = path.endsWith('/') ? path.length - 1 : path.length;
  const slash = path.indexOf('/', ROUTES_AT);
  const routeEnd = slash === -1 || slash >= end ? end : slash;
  const route = path.slice(ROUTES_AT, routeEnd);
  if (!ROUTE_NAMES.has(route)) return null;
  let companyId: string | null = null;
  if (routeEnd < end) {
    // One segment after the route: never empty, never with a '/' of its own.
    const another = path.indexOf('/', routeEnd + 1);
    if (routeEnd + 1 === end || (another !== -1 && another < end)) return null;
    companyId = safeDecode(path.slice(routeEnd + 1, end));
  }
  if (!companyId && !ROUTES_WITHOUT_COMPANY.has(route as TelnyxRoute)) return null;
  return { route: route as TelnyxRoute, companyId };
}

/** The path of a route for a company, e.g. /telnyx/dial-complete/acme. */
export function telnyxPath(route: TelnyxRoute, companyId: string): string {
  return `${TELNYX_PATH_PREFIX}/${route}/${encodeURIComponent(companyId)}`;
}

/** The metrics label of a path: its route (with or without a company), else "unknown". */
export function telnyxRouteLabel(path: string): TelnyxRoute | 'unknown' {
  if (!path.startsWith(ROUTES_PREFIX)) return 'unknown';
  const slash = path.indexOf('/', ROUTES_AT);
  const segment = path.slice(ROUTES_AT, slash === -1 ? path.length : slash);
  return ROUTE_NAMES.has(segment) ? (segment as TelnyxRoute) : 'unknown';
}

export function isRoutingRoute(route: string): route is TelnyxRoute {
  return ROUTING_ROUTES.has(route as TelnyxRoute);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
