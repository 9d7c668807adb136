/**
 * Telnyx's error envelope, shared by the fake REST API and the media server:
 * `{"errors":[{"code","title","detail","source":{"pointer"},"meta":{"url"}}]}`.
 * Shape and codes from Telnyx's OpenAPI spec (team-telnyx/openapi `spec3.yml`, `ErrorResponse` and its
 * examples) and https://developers.telnyx.com/docs/overview/errors/ (one page per code).
 */
import type { ServerResponse } from 'node:http';
import { SimApiError } from './contracts.js';

export interface TelnyxErrorObject {
  code: string;
  title: string;
  detail: string;
  source?: { pointer: string };
  meta: { url: string };
}

export interface TelnyxErrorBody {
  errors: TelnyxErrorObject[];
}

export function telnyxErrorBody(code: string, title: string, detail: string, pointer?: string): TelnyxErrorBody {
  const error: TelnyxErrorObject = { code, title, detail, meta: { url: `https://developers.telnyx.com/docs/overview/errors/${code}` } };
  if (pointer !== undefined) error.source = { pointer };
  return { errors: [error] };
}

/** An error with its HTTP status, ready to answer. */
export interface TelnyxFailure {
  status: number;
  body: TelnyxErrorBody;
}

/** The spec's `UnauthorizedResponse` examples: a missing header and a wrong key read differently. */
export function authenticationFailed(headerPresent: boolean): TelnyxFailure {
  const detail = headerPresent
    ? 'Could not understand the provided credentials.'
    : 'The required authentication headers were either invalid or not included in the request.';
  return { status: 401, body: telnyxErrorBody('10009', 'Authentication failed', detail) };
}

/** The spec's generic `notFound` example (code 10005, pointer `/`). */
export function resourceNotFound(detail = 'The requested resource or URL could not be found.'): TelnyxFailure {
  return { status: 404, body: telnyxErrorBody('10005', 'Resource not found', detail, '/') };
}

/** A SimApiError thrown by a part of the simulator, as Telnyx would answer it. */
export function fromSimApiError(err: SimApiError): TelnyxFailure {
  return { status: err.status, body: telnyxErrorBody(err.code, err.title, err.message, err.pointer) };
}

/**
 * What Telnyx answers for a status with no more specific error, used when a test makes the API fail on
 * purpose. Codes from the spec's examples: 10015 Bad Request, 10009 Authentication failed, 10010 Not
 * authorized, 10005 Resource not found, 10007 Unexpected error, 10016 Service unavailable; 10011 for 429
 * is inferred (the spec shows no 429 body).
 */
export function failureForStatus(status: number): TelnyxFailure {
  const known: Record<number, [string, string, string]> = {
    400: ['10015', 'Bad Request', 'The request could not be understood.'],
    401: ['10009', 'Authentication failed', 'Could not understand the provided credentials.'],
    403: ['10010', 'Not authorized', 'You are not authorized to access the requested resource.'],
    404: ['10005', 'Resource not found', 'The requested resource or URL could not be found.'],
    422: ['10015', 'Bad Request', 'The request could not be processed.'],
    429: ['10011', 'Too many requests', 'Too many requests; retry later.'],
    500: ['10007', 'Unexpected error', 'An unexpected error occurred.'],
    502: ['10016', 'Service unavailable', 'The service is temporarily unavailable; retry later.'],
    503: ['10016', 'Service unavailable', 'The service is temporarily unavailable; retry later.'],
    504: ['10016', 'Service unavailable', 'The service is temporarily unavailable; retry later.'],
  };
  const [code, title, detail] = known[status] ?? (status >= 500 ? known[500]! : known[400]!);
  return { status, body: telnyxErrorBody(code, title, detail) };
}

/** Validation errors of the TeXML REST API (spec `call-scripting_UnprocessableEntityResponse` examples). */
export const invalid = {
  /** `Can't be blank: ApplicationId`, code 10004. */
  missing: (field: string) => new SimApiError(422, '10004', 'Missing required parameter', `Can't be blank: ${field}`, `/${field}`),
  /** `The 'To' parameter must be of type 'string'`, code 10026. */
  type: (field: string, type: string) =>
    new SimApiError(422, '10026', 'Invalid parameter type', `The '${field}' parameter must be of type '${type}'`, `/${field}`),
  /** `Status must be one of completed`, code 10032. */
  enumerated: (field: string, allowed: readonly string[]) =>
    new SimApiError(422, '10032', 'Invalid enumerated value', `${field} must be one of ${allowed.join(', ')}`, `/${field}`),
  /** Any other rule about a value (a range, two fields that exclude each other); code 10015 is inferred. */
  value: (field: string, detail: string) => new SimApiError(422, '10015', 'Bad Request', detail, `/${field}`),
};

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}
