/**
 * Cross-origin access to the API. Yoga's default reflects any Origin with credentials, which lets any
 * web page a supervisor visits call the API in the supervisor's name if a browser ever holds a
 * credential for it. Only the configured origins (CORS_ORIGINS) get CORS headers; every other
 * origin gets none, so browsers keep it same-origin. The web app is served from the same origin and
 * needs no entry.
 */
import type { CORSOptions } from 'graphql-yoga';

export function corsFor(allowedOrigins: readonly string[]): (request: Request) => CORSOptions {
  const allowed = corsOriginFor(allowedOrigins);
  return (request) => {
    const origin = request.headers.get('origin');
    if (!allowed(origin)) return false;
    return { origin: [origin], credentials: true, methods: ['GET', 'POST', 'OPTIONS'], maxAge: 600 };
  };
}

/** Whether a request's Origin gets CORS headers (the prepared heartbeat leaves those requests to Yoga). */
export function corsOriginFor(allowedOrigins: readonly string[]): (origin: string | null | undefined) => origin is string {
  const allowed = new Set(allowedOrigins);
  return (origin): origin is string => !!origin && allowed.has(origin);
}
