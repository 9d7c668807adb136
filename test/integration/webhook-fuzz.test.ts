/**
 * Property/fuzz test of the Telnyx webhook routes on a real server: ≥ 10,000 random HTTP requests
 * (methods, routes, company ids, content types, malformed and oversized bodies) must every one be
 * answered with HTTP 200 (404 only for an unknown /telnyx/ route) and a well-formed TeXML document
 * with exactly one <Response> root, and the server must stay healthy afterwards.
 *
 * Reproduce a failure with the seed fast-check prints: FUZZ_SEED=<seed> npx vitest run test/integration/webhook-fuzz.test.ts
 */
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/harness.js';
import { TELNYX_ROUTES } from '../../src/domain/telnyx-routes.js';

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
const SEQUENTIAL_RUNS = 8_000;
const BATCH_RUNS = 250;
const BATCH_SIZE = 8;
const LIMIT_BYTES = 256 * 1024;
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;

const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, parseAttributeValue: false });

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
type KnownRoute = (typeof TELNYX_ROUTES)[number];

/** Where the company id comes from: one of the real companies (resolved at run time), or a literal. */
type IdChoice = { kind: 'real'; index: 0 | 1 } | { kind: 'literal'; value: string; encode: boolean };

type Target = { kind: 'known'; route: KnownRoute; id: IdChoice | null; trailingSlash: boolean } | { kind: 'unknown'; path: string };

type Entries = [string, string][];
type BodyRecipe =
  | { mode: 'empty' }
  | { mode: 'form'; entries: Entries }
  | { mode: 'form-raw'; entries: Entries }
  | { mode: 'junk'; text: string }
  | { mode: 'bytes'; prefix: string; bytes: number[] }
  | { mode: 'json'; entries: Entries }
  | { mode: 'multipart'; boundary: string; junk: string }
  | { mode: 'huge'; entries: Entries; key: string; size: number; fill: string };

type QueryRecipe = { mode: 'none' } | { mode: 'form'; entries: Entries } | { mode: 'raw'; text: string };

interface RequestSpec {
  method: Method;
  target: Target;
  contentType: string | null;
  query: QueryRecipe;
  body: BodyRecipe;
}

const TELNYX_KEYS = [
  'From',
  'To',
  'CallSid',
  'DialCallStatus',
  'RecordingUrl',
  'RecordingDuration',
  'RecordingStatus',
  'CallStatus',
  'step',
  'AccountSid',
  'Direction',
  'CallerName',
  'RecordingSid',
  'CallControlId',
  'QueueResult',
  'QueueTime',
  'Digits',
  'DialCallDuration',
] as const;

const NASTY = [
  '',
  ' ',
  '<Response>',
  '</Response>',
  '<Response><Hangup/></Response>',
  ']]>',
  '<![CDATA[x]]>',
  '&',
  '&amp;',
  '&#0;',
  '&lt;',
  '"',
  "'",
  '<',
  '>',
  '<script>alert(1)</script>',
  "'; DROP TABLE companies; --",
  '\u0000',
  'a\u0000b',
  '%',
  '%zz',
  '%E0%A4%A',
  '%00',
  '%FF',
  '+',
  '=',
  '&&==',
  '\r\n',
  '\uFFFF',
  '\uFEFF',
  '🎉📞',
  'résumé',
  'مرحبا',
  '日本語',
  '<!DOCTYPE x [<!ENTITY a "b">]>',
  '<?xml version="1.0"?>',
  'javascript:alert(1)',
  'x'.repeat(5000),
  '9'.repeat(400),
];

const VALUES_BY_KEY: Record<string, readonly string[]> = {
  From: ['+15551230000', 'anonymous', 'sip:alice@example.com', '+1 (555) 123-0000'],
  To: [
    '+13055550142',
    '13055550142',
    '3055550142',
    'sip:+13055550142@sip.telnyx.com',
    'sips:13055550142@x',
    '+13055550143',
    '+13055550199',
    '+1 305 555 0142',
  ],
  CallSid: ['v3:abc', 'v3:dup', 'CA123', `v3:${'z'.repeat(300)}`],
  DialCallStatus: ['completed', 'busy', 'no-answer', 'canceled', 'failed', 'COMPLETED', 'in-progress'],
  RecordingUrl: ['https://api.telnyx.com/rec.mp3', 'http://x/y.wav', 'not a url', `https://x/${'r'.repeat(3000)}`],
  RecordingDuration: ['0', '1', '30', '-1', '1e309', '-1e309', 'NaN', 'Infinity', '9'.repeat(400), '0x10', '  12  ', '86401', '3.7'],
  RecordingStatus: ['completed', 'in-progress', 'absent', 'failed', ''],
  CallStatus: ['ringing', 'in-progress', 'completed', 'busy'],
  step: ['forward', 'agents', 'FORWARD'],
};

const keyArb = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...TELNYX_KEYS) },
  { weight: 1, arbitrary: fc.constantFrom(...NASTY.filter((s) => s.length < 100)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

const valueArb = (key: string): fc.Arbitrary<string> => {
  // Keys may be random strings such as 'toString': look up own properties only.
  const typical = Object.hasOwn(VALUES_BY_KEY, key) ? VALUES_BY_KEY[key] : undefined;
  return fc.oneof(
    { weight: typical ? 6 : 0, arbitrary: fc.constantFrom(...(typical ?? [''])) },
    { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
    { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) }, // may hold lone surrogates
  );
};

const entryArb: fc.Arbitrary<[string, string]> = keyArb.chain((k) => valueArb(k).map((v): [string, string] => [k, v]));
/** Up to 10 pairs; duplicates of the same key are common because the key set is small. */
const entriesArb = fc.array(entryArb, { maxLength: 10 });
const smallEntriesArb = fc.array(
  entryArb.filter(([k, v]) => k.length + v.length < 600),
  { maxLength: 6 },
);

const junkTextArb = fc.oneof(
  fc
    .array(
      fc.constantFrom(
        '%',
        '%zz',
        '%E0%A4%A',
        '%00',
        '%C3',
        '%FF',
        '%%',
        '&',
        '=',
        '+',
        'a',
        'From=',
        'To=+13055550142',
        '\u0000',
        ';',
        '%ED%A0%80',
      ),
      { maxLength: 40 },
    )
    .map((parts) => parts.join('')),
  fc.string({ unit: 'binary-ascii', maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
);

const INVALID_UTF8 = [
  [0xc3, 0x28],
  [0xff],
  [0xfe, 0xff],
  [0xed, 0xa0, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xe0, 0xa4],
  [0xc0, 0xaf],
  [0x00],
  [0x80],
];
const bytesArb = fc
  .array(
    fc.oneof(
      fc.constantFrom(...INVALID_UTF8),
      fc.uint8Array({ maxLength: 16 }).map((u) => [...u]),
    ),
    { maxLength: 20 },
  )
  .map((chunks) => chunks.flat());

const bodyArb: fc.Arbitrary<BodyRecipe> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ mode: 'empty' } as const) },
  { weight: 10, arbitrary: entriesArb.map((entries) => ({ mode: 'form', entries }) as const) },
  { weight: 4, arbitrary: entriesArb.map((entries) => ({ mode: 'form-raw', entries }) as const) },
  { weight: 3, arbitrary: junkTextArb.map((text) => ({ mode: 'junk', text }) as const) },
  {
    weight: 3,
    arbitrary: fc
      .record({ prefix: fc.constantFrom('', 'From=', 'To=%2B13055550142&CallSid=', 'RecordingUrl='), bytes: bytesArb })
      .map((r) => ({ mode: 'bytes', ...r }) as const),
  },
  { weight: 1, arbitrary: entriesArb.map((entries) => ({ mode: 'json', entries }) as const) },
  {
    weight: 1,
    arbitrary: fc
      .record({ boundary: fc.constantFrom('xyz', '', '--', 'a"b'), junk: junkTextArb })
      .map((r) => ({ mode: 'multipart', ...r }) as const),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        entries: smallEntriesArb,
        key: fc.constantFrom('From', 'To', 'RecordingUrl', 'CallSid', 'junk'),
        // Around the 256 KiB limit: some bodies are read, the larger ones dropped.
        size: fc.oneof(
          fc.integer({ min: 1, max: 8_000 }),
          fc.integer({ min: LIMIT_BYTES - 64, max: LIMIT_BYTES + 64 }),
          fc.integer({ min: 100_000, max: 300 * 1024 }),
        ),
        fill: fc.constantFrom('a', '%', '&', '<', '\u0000', 'é'),
      })
      .map((r) => ({ mode: 'huge', ...r }) as const),
  },
);

const queryArb: fc.Arbitrary<QueryRecipe> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ mode: 'none' } as const) },
  { weight: 3, arbitrary: smallEntriesArb.map((entries) => ({ mode: 'form', entries }) as const) },
  { weight: 1, arbitrary: junkTextArb.map((text) => ({ mode: 'raw', text }) as const) },
);

const LITERAL_IDS = [
  '',
  '..',
  '.',
  '%',
  '%00',
  '%E0%A4%A',
  '%2F',
  '%2e%2e',
  'x'.repeat(5000),
  'ünïcødé-日本-🎉',
  '<script>alert(1)</script>',
  "'; DROP TABLE companies; --",
  'unknown-company',
  'cl0000000000000000000000',
  ' ',
  '&',
  ']]>',
];

const idArb: fc.Arbitrary<IdChoice> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(0 as const, 1 as const).map((index) => ({ kind: 'real', index }) as const) },
  {
    weight: 4,
    arbitrary: fc.record({ value: fc.constantFrom(...LITERAL_IDS), encode: fc.boolean() }).map((r) => ({ kind: 'literal', ...r }) as const),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ value: fc.string({ unit: 'grapheme', maxLength: 30 }), encode: fc.boolean() })
      .map((r) => ({ kind: 'literal', ...r }) as const),
  },
);

const UNKNOWN_PATHS = [
  '/telnyx',
  '/telnyx/',
  '/telnyx/foo',
  '/telnyx/VOICE',
  '/telnyx/Voice/abc',
  '/telnyx/voice/a/b',
  '/telnyx/language',
  '/telnyx/dial-complete',
  '/telnyx/dial-complete/',
  '/telnyx/voicemail//x',
  '/telnyx/%',
  '/telnyx/%zz/voice',
  '/telnyx/voice%2Fx',
  '/telnyx/../telnyx/voice',
  '/telnyx/./status/x',
  `/telnyx/${'y'.repeat(5000)}`,
  '/telnyx/<Response>',
  '/telnyx/recording',
];

const targetArb: fc.Arbitrary<Target> = fc.oneof(
  {
    weight: 9,
    arbitrary: fc
      .record({
        route: fc.constantFrom<KnownRoute>(...TELNYX_ROUTES),
        id: fc.option(idArb, { freq: 8, nil: null }),
        trailingSlash: fc.boolean(),
      })
      .map((r) => ({ kind: 'known', ...r }) as const),
  },
  { weight: 1, arbitrary: fc.constantFrom(...UNKNOWN_PATHS).map((path) => ({ kind: 'unknown', path }) as const) },
);

const CONTENT_TYPES = [
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=utf-8',
  'application/x-www-form-urlencoded; charset=latin1',
  'APPLICATION/X-WWW-FORM-URLENCODED',
  'application/json',
  'text/plain',
  'text/plain;charset=UTF-8',
  'multipart/form-data; boundary=xyz',
  'multipart/form-data',
  'application/xml',
  'application/octet-stream',
  '',
  'garbage',
  ';;;',
];

const specArb: fc.Arbitrary<RequestSpec> = fc.record({
  method: fc.constantFrom<Method>('GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH'),
  target: targetArb,
  contentType: fc.option(fc.constantFrom(...CONTENT_TYPES), { freq: 6, nil: null }),
  query: queryArb,
  body: bodyArb,
});

// ---------------------------------------------------------------------------------------------
// Building and checking one request
// ---------------------------------------------------------------------------------------------

const utf8 = new TextEncoder();
const rawJoin = (entries: Entries) => entries.map(([k, v]) => `${k}=${v}`).join('&');

function bodyBytes(recipe: BodyRecipe): Uint8Array<ArrayBuffer> {
  switch (recipe.mode) {
    case 'empty':
      return new Uint8Array();
    case 'form':
      return utf8.encode(new URLSearchParams(recipe.entries).toString());
    case 'form-raw':
      return utf8.encode(rawJoin(recipe.entries));
    case 'junk':
      return utf8.encode(recipe.text);
    case 'bytes':
      return new Uint8Array([...utf8.encode(recipe.prefix), ...recipe.bytes]);
    case 'json':
      return utf8.encode(JSON.stringify(Object.fromEntries(recipe.entries)));
    case 'multipart':
      return utf8.encode(
        `--${recipe.boundary}\r\nContent-Disposition: form-data; name="From"\r\n\r\n${recipe.junk}\r\n--${recipe.boundary}--`,
      );
    case 'huge': {
      const head = new URLSearchParams(recipe.entries).toString();
      return utf8.encode(`${head}${head ? '&' : ''}${recipe.key}=${recipe.fill.repeat(recipe.size)}`);
    }
  }
}

function queryString(recipe: QueryRecipe): string {
  switch (recipe.mode) {
    case 'none':
      return '';
    case 'form':
      return new URLSearchParams(recipe.entries).toString();
    case 'raw':
      return recipe.text;
  }
}

/** The body as query parameters for a GET (fetch refuses a GET body); kept small for the request line. */
function getQueryFrom(recipe: BodyRecipe): string {
  switch (recipe.mode) {
    case 'form':
      return new URLSearchParams(recipe.entries.filter(([k, v]) => k.length + v.length < 600)).toString();
    case 'form-raw':
      return rawJoin(recipe.entries.filter(([k, v]) => k.length + v.length < 600));
    case 'junk':
      return recipe.text;
    case 'huge':
      return new URLSearchParams(recipe.entries).toString();
    default:
      return '';
  }
}

const isTelnyxPath = (p: string) => p === '/telnyx' || p.startsWith('/telnyx/');
const KNOWN = new RegExp(`^/telnyx/(${TELNYX_ROUTES.join('|')})(?:/([^/]+))?/?$`);
/**
 * Whether the path, as the server receives it, names a webhook route. The portal-facing routes
 * (`voice`, `status`, `voicemail`) may omit the company, so one TeXML application serves every company.
 */
function isKnownRoute(pathname: string): boolean {
  const m = KNOWN.exec(pathname);
  return !!m && (m[1] === 'voice' || m[1] === 'status' || m[1] === 'voicemail' || !!m[2]);
}

function buildUrl(base: string, spec: RequestSpec, realIds: readonly [string, string]): URL {
  let path: string;
  if (spec.target.kind === 'unknown') {
    path = spec.target.path;
  } else {
    const { route, id, trailingSlash } = spec.target;
    const segment = (encode: boolean) =>
      id === null ? '' : id.kind === 'real' ? `/${realIds[id.index]}` : `/${encode ? encodeURIComponent(id.value) : id.value}`;
    path = `/telnyx/${route}${segment(id?.kind === 'literal' && id.encode)}${trailingSlash ? '/' : ''}`;
    // A raw literal such as '../..' or '?x' could leave /telnyx/ entirely; then send it encoded.
    if (!isTelnyxPath(new URL(path, base).pathname)) path = `/telnyx/${route}${segment(true)}${trailingSlash ? '/' : ''}`;
  }
  const url = new URL(path, base);
  if (!isTelnyxPath(url.pathname)) throw new Error(`generator bug: ${path} → ${url.pathname}`);
  const query = [queryString(spec.query), spec.method === 'GET' ? getQueryFrom(spec.body) : ''].filter(Boolean).join('&');
  url.search = query;
  // Stay under Node's 16 KiB header limit (a 431 there is Node's, not the app's).
  if (url.search.length > 8_000) url.search = url.search.slice(0, 8_000);
  return url;
}

interface Stats {
  sent: number;
  status200: number;
  status404: number;
  ring: number;
  fallbackNumber: number;
  fallbackVoicemail: number;
  apology: number;
  hangup: number;
  empty: number;
  oversized: number;
}

function describeSpec(spec: RequestSpec, url: URL, body: Uint8Array): string {
  const show = (s: string) => JSON.stringify(s.length > 300 ? `${s.slice(0, 300)}…(${s.length} chars)` : s);
  return `${spec.method} ${show(url.pathname + url.search)} content-type=${JSON.stringify(spec.contentType)} body(${body.length} bytes)=${show(Buffer.from(body.subarray(0, 400)).toString('latin1'))}`;
}

async function sendAndCheck(server: TestServer, spec: RequestSpec, realIds: readonly [string, string], stats: Stats): Promise<void> {
  const url = buildUrl(server.url, spec, realIds);
  const body = spec.method === 'GET' ? undefined : bodyBytes(spec.body);
  const headers: Record<string, string> = {};
  if (spec.contentType !== null) headers['content-type'] = spec.contentType;
  const what = describeSpec(spec, url, body ?? new Uint8Array());

  let res: Response;
  let text: string;
  try {
    res = await fetch(url, { method: spec.method, headers, body, signal: AbortSignal.timeout(10_000) });
    text = await res.text();
  } catch (err) {
    throw new Error(`request failed (crash or hang?): ${(err as Error).message}\n  ${what}`);
  }
  stats.sent++;
  if (body && body.length > LIMIT_BYTES) stats.oversized++;

  const known = isKnownRoute(url.pathname);
  const ctx = `${what}\n  → ${res.status} ${res.headers.get('content-type')} ${JSON.stringify(text.slice(0, 400))}`;
  if (known) expect(res.status, ctx).toBe(200);
  else expect([200, 404], ctx).toContain(res.status);
  if (res.status === 404) stats.status404++;
  else stats.status200++;
  expect(res.headers.get('content-type') ?? '', ctx).toMatch(/^application\/xml/);
  expect(text.startsWith(DECLARATION), ctx).toBe(true);
  expect(XMLValidator.validate(text), ctx).toBe(true);
  // XMLValidator accepts two sibling roots (`<Response/><Response/>`), so count them, and nothing may follow the root.
  expect(text.match(/<Response[\s/>]/g)?.length ?? 0, ctx).toBe(1);
  expect(/(<Response\/>|<\/Response>)$/.test(text), ctx).toBe(true);
  const doc = parser.parse(text) as Record<string, unknown>;
  expect(
    Object.keys(doc).filter((k) => k !== '?xml'),
    ctx,
  ).toEqual(['Response']);

  if (text.includes('<Sip ')) stats.ring++;
  else if (text.includes('<Number>')) stats.fallbackNumber++;
  else if (text.includes('<Record')) stats.fallbackVoicemail++;
  else if (text.includes('<Say')) stats.apology++;
  else if (text.includes('<Hangup/>')) stats.hangup++;
  else stats.empty++;
}

// ---------------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------------

describe('Telnyx webhooks under fuzzing', () => {
  let server: TestServer;
  let ringCompany: string;
  let fallbackCompany: string;

  beforeAll(async () => {
    // A long lease so the heartbeat below keeps the agent online for the whole run.
    server = await startServer({ env: { PRESENCE_TTL_MS: '600000', HEARTBEAT_INTERVAL_MS: '10000' } });
    const createCompany = `mutation($input: CreateCompanyInput!) { createCompany(input: $input) { id } }`;
    ringCompany = (
      await server.admin(createCompany, {
        input: {
          name: 'Fuzz & <Ring> "Co"',
          routing: { allowUnregisteredSoftphones: true, voicemailGreeting: 'Leave a message ]]> <Response> & "quotes" \' </Say>' },
        },
      })
    ).createCompany.id;
    fallbackCompany = (
      await server.admin(createCompany, {
        input: { name: 'Fuzz Fallback', routing: { fallbackKind: 'NUMBER', fallbackNumber: '+13055550199' } },
      })
    ).createCompany.id;
    await server.admin(`mutation($c: ID!) { createPhoneNumber(input: { companyId: $c, e164: "+13055550142" }) { e164 } }`, {
      c: ringCompany,
    });
    await server.admin(`mutation($c: ID!) { createPhoneNumber(input: { companyId: $c, e164: "+13055550143" }) { e164 } }`, {
      c: fallbackCompany,
    });

    const agent = async (companyId: string, displayName: string, sipUsername: string) => {
      const { createAgent } = await server.admin(`mutation($input: CreateAgentInput!) { createAgent(input: $input) { id } }`, {
        input: { companyId, displayName, sipUsername },
      });
      const { issueAgentToken } = await server.admin(`mutation($id: ID!) { issueAgentToken(agentId: $id) { token } }`, {
        id: createAgent.id,
      });
      return issueAgentToken.token as string;
    };
    const heartbeat = async (token: string) => {
      const r = await server.gql('mutation { heartbeat(input: { sipRegistered: false }) { nextHeartbeatInMs } }', {}, token);
      expect(r.errors).toBeUndefined();
    };
    // Ring company: one online agent (unregistered softphones allowed) → RING; one never online.
    await heartbeat(await agent(ringCompany, 'Ana <Fuzz>', 'ana.fuzz'));
    await agent(ringCompany, 'Ben & Co', 'ben.fuzz');
    // Fallback company: its agent is online but unregistered, which this company does not allow → FALLBACK (forward to a number).
    await heartbeat(await agent(fallbackCompany, 'Olga', 'olga.fuzz'));
  });

  afterAll(async () => {
    await server?.close();
  });

  it('answers every one of ≥ 10,000 random requests with 200 (or 404 for an unknown route) and one well-formed <Response>', async () => {
    const realIds = [ringCompany, fallbackCompany] as const;
    const stats: Stats = {
      sent: 0,
      status200: 0,
      status404: 0,
      ring: 0,
      fallbackNumber: 0,
      fallbackVoicemail: 0,
      apology: 0,
      hangup: 0,
      empty: 0,
      oversized: 0,
    };
    const started = performance.now();

    // One request at a time…
    await fc.assert(
      fc.asyncProperty(specArb, async (spec) => {
        await sendAndCheck(server, spec, realIds, stats);
      }),
      { numRuns: SEQUENTIAL_RUNS, seed: SEED, endOnFailure: true },
    );
    // …then batches in flight together (concurrent voicemails with the same CallSid, cache misses racing).
    await fc.assert(
      fc.asyncProperty(fc.array(specArb, { minLength: BATCH_SIZE, maxLength: BATCH_SIZE }), async (specs) => {
        await Promise.all(specs.map((spec) => sendAndCheck(server, spec, realIds, stats)));
      }),
      { numRuns: BATCH_RUNS, seed: SEED + 1, endOnFailure: true },
    );

    const seconds = (performance.now() - started) / 1000;
    console.log(
      `webhook fuzz: seed ${SEED}, ${stats.sent} requests in ${seconds.toFixed(1)} s (${Math.round(stats.sent / seconds)}/s)`,
      stats,
    );
    expect(stats.sent).toBeGreaterThanOrEqual(SEQUENTIAL_RUNS + BATCH_RUNS * BATCH_SIZE);
    // Both routing outcomes and the oversized-body path were exercised.
    expect(stats.ring).toBeGreaterThan(0);
    expect(stats.fallbackNumber).toBeGreaterThan(0);
    expect(stats.fallbackVoicemail).toBeGreaterThan(0);
    expect(stats.oversized).toBeGreaterThan(0);

    // Made-up company ids and numbers leave nothing behind: the caches hold only what exists.
    const sizes = server.app.services.directory.cacheSizes;
    expect(sizes.companies).toBeLessThanOrEqual(2);
    expect(sizes.numbers).toBeLessThanOrEqual(2);

    // Still healthy, and still routing normally.
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    for (const res of [
      await server.webhook(`/telnyx/voice/${ringCompany}`, { From: '+15551230000', To: '+13055550142', CallSid: 'after-fuzz-1' }),
      await server.webhook('/telnyx/voice', { From: '+15551230000', To: '+13055550142', CallSid: 'after-fuzz-2' }),
    ]) {
      expect(res.status).toBe(200);
      expect(res.contentType).toMatch(/^application\/xml/);
      expect(res.body.startsWith(`${DECLARATION}<Response><Dial `)).toBe(true);
      expect(XMLValidator.validate(res.body)).toBe(true);
      expect(res.body).toContain('>sip:ana.fuzz@sip.telnyx.com</Sip>');
      expect(res.body).toContain(`action="${server.url}/telnyx/dial-complete/${ringCompany}"`);
    }
    const fallback = await server.webhook(`/telnyx/voice/${fallbackCompany}`, { From: '+15551230000', To: '+13055550143' });
    expect(fallback.status).toBe(200);
    expect(fallback.body).toContain('<Number>+13055550199</Number>');
    expect(XMLValidator.validate(fallback.body)).toBe(true);
    // What is required is every request answered, not a speed: a slow shared host took 74 s for this
    // alone and more than 120 s beside the other suites (the whole of `npm test` runs in parallel).
  }, 300_000);
});
