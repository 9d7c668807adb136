/**
 * The prepared heartbeat (src/graphql/prepared-heartbeat.ts, src/http/heartbeat-fast-path.ts) answers
 * exactly as the general path does, over real HTTP and a real graphql-ws client: each request is sent
 * as an eligible document (the prepared path) and as the same operation followed by a second one,
 * which the prepared path never takes (the general path), and the answers are compared: status,
 * headers, body, frames, log lines and the heartbeats counter. `run` is watched to know which path
 * answered. The clock stands still, so leases and last-seen times are the same on both paths.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { PreparedHeartbeats } from '../../src/graphql/prepared-heartbeat.js';
import { createLogger } from '../../src/infra/logger.js';
import { NotFoundError } from '../../src/services/errors.js';
import { startServer, type TestServer } from '../support/harness.js';

const SOFTPHONE = `mutation Heartbeat($input: HeartbeatInput!) {
  heartbeat(input: $input) {
    nextHeartbeatInMs
    leaseExpiresAt
    presence { agentId online sipRegistered status statusReason callState }
  }
}`;
const BENCH = 'mutation Heartbeat { heartbeat(input: { sipRegistered: true }) { nextHeartbeatInMs } }';
const ALIASED = `mutation Beat { beat: heartbeat(input: { sipRegistered: false, callState: "idle" }) {
  __typename every: nextHeartbeatInMs presence { __typename id: agentId companyId displayName sipUsername online lastSeen leaseExpiresAt activeCalls status }
} }`;
/** The same operation in a document the prepared path does not take (two operations): the general path's answer. */
const general = (doc: string) => `${doc}\nquery Other { __typename }`;
const CORS_ORIGIN = 'https://crm.example.com';

const lines: Record<string, any>[] = [];
const capture = new Writable({
  write(chunk, _enc, done) {
    for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
    done();
  },
});

let server: TestServer;
let run: ReturnType<typeof vi.spyOn>;
let nextSource = 1;

beforeAll(async () => {
  server = await startServer({
    clock: new ManualClock(Date.now()),
    logger: createLogger('debug', {}, capture),
    env: {
      HEARTBEAT_MAX_PER_MINUTE: '6',
      AUTH_FAILURES_PER_MINUTE: '4',
      WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '1',
      TRUST_PROXY: '1',
      CORS_ORIGINS: CORS_ORIGIN,
    },
  });
  run = vi.spyOn(PreparedHeartbeats.prototype, 'run');
});
afterAll(async () => {
  run?.mockRestore();
  await server?.close();
});
beforeEach(() => {
  run.mockClear();
  lines.length = 0;
});

async function company() {
  const { createCompany } = await server.admin(
    `mutation { createCompany(input: { name: "Prepared", routing: { allowUnregisteredSoftphones: true } }) { id } }`,
  );
  const agent = async (name: string) => {
    const { createAgent } = await server.admin(`mutation($i: CreateAgentInput!) { createAgent(input: $i) { id } }`, {
      i: { companyId: createCompany.id, displayName: name, sipUsername: `${name}.${randomBytes(4).toString('hex')}` },
    });
    const { issueAgentToken } = await server.admin(`mutation($a: ID!) { issueAgentToken(agentId: $a) { token } }`, { a: createAgent.id });
    return { id: createAgent.id as string, token: issueAgentToken.token as string };
  };
  const { issueSupervisorToken } = await server.admin(`mutation($c: ID!) { issueSupervisorToken(companyId: $c) { token } }`, {
    c: createCompany.id,
  });
  return { companyId: createCompany.id as string, agent, supervisor: issueSupervisorToken.token as string };
}

/** Everything an HTTP client sees of an answer but its date. */
async function overHttp(
  query: string,
  opts: {
    token?: string;
    variables?: Record<string, unknown>;
    operationName?: string;
    source?: string;
    headers?: Record<string, string>;
  } = {},
) {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-request-id': 'prepared-heartbeat-test',
      'x-forwarded-for': opts.source ?? '10.0.0.1',
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...opts.headers,
    },
    body: JSON.stringify({ query, variables: opts.variables, operationName: opts.operationName }),
  });
  const headers = Object.fromEntries([...res.headers].filter(([name]) => name !== 'date'));
  return { status: res.status, headers, body: await res.json() };
}

/** One operation over a graphql-ws client: the payloads of its `next` frames, and its error, if any. */
function overWs(client: Client, query: string, variables?: Record<string, unknown>, operationName?: string) {
  return new Promise<{ next: any[]; error?: unknown }>((resolve) => {
    const next: any[] = [];
    client.subscribe(
      { query, variables, operationName },
      { next: (p) => void next.push(p), error: (error) => resolve({ next, error }), complete: () => resolve({ next }) },
    );
  });
}

/** The prepared path's and the general path's answers to one request, and whether each took the prepared path. */
async function bothOverHttp(query: string, opts: Parameters<typeof overHttp>[1] & { operationName: string }) {
  run.mockClear();
  lines.length = 0;
  const prepared = await overHttp(query, opts);
  const preparedRan = run.mock.calls.length;
  const generalAnswer = await overHttp(general(query), opts);
  return { prepared, general: generalAnswer, preparedRan, generalRan: run.mock.calls.length - preparedRan };
}

async function bothOverWs(client: Client, query: string, operationName: string, variables?: Record<string, unknown>) {
  run.mockClear();
  lines.length = 0;
  const prepared = await overWs(client, query, variables, operationName);
  const preparedRan = run.mock.calls.length;
  const generalAnswer = await overWs(client, general(query), variables, operationName);
  return { prepared, general: generalAnswer, preparedRan, generalRan: run.mock.calls.length - preparedRan };
}

const heartbeatsCounted = async (transport: 'http' | 'ws') =>
  (await server.app.metrics.heartbeats.get()).values.find((v) => v.labels.transport === transport)?.value ?? 0;

/** The operation log lines, without what differs between two requests (time, duration, graphql-ws' fresh request id). */
const operationLines = () =>
  lines
    .filter((l) => l.msg?.startsWith('graphql operation'))
    .map(({ time: _t, ms: _ms, pid: _p, hostname: _h, requestId, ...line }) => ({
      ...line,
      requestId: line.transport === 'ws' ? 'fresh' : requestId,
    }));

describe('over HTTP', () => {
  it.each([
    ['the softphone document', SOFTPHONE, 'Heartbeat', { input: { sipRegistered: true, callState: 'active' } }],
    ['the bench document', BENCH, 'Heartbeat', undefined],
    ['aliases and __typename', ALIASED, 'Beat', undefined],
  ])('answers %s as the general path does, counts it and logs the same line', async (_name, query, operationName, variables) => {
    const co = await company();
    const ana = await co.agent('ana');
    const counted = await heartbeatsCounted('http');
    const answers = await bothOverHttp(query, { token: ana.token, variables, operationName });
    expect([answers.preparedRan, answers.generalRan]).toEqual([1, 0]);
    expect(answers.prepared.body.errors).toBeUndefined();
    expect(answers.prepared).toEqual(answers.general);
    expect(answers.prepared.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(await heartbeatsCounted('http')).toBe(counted + 2);
    const [preparedLine, generalLine] = operationLines();
    expect(preparedLine).toEqual(generalLine);
    expect(preparedLine).toMatchObject({ msg: 'graphql operation', level: 20, transport: 'http', requestId: 'prepared-heartbeat-test' });
  });

  it.each([
    ['a callState the rule refuses', { input: { sipRegistered: true, callState: 'not valid!' } }],
    ['a missing sipRegistered', { input: { callState: 'idle' } }],
    ['an unknown input field', { input: { sipRegistered: true, extra: 1 } }],
    ['no variables', undefined],
  ])('leaves %s to the general path, which refuses it', async (_name, variables) => {
    const ana = await (await company()).agent('ana');
    const answers = await bothOverHttp(SOFTPHONE, { token: ana.token, variables, operationName: 'Heartbeat' });
    expect([answers.preparedRan, answers.generalRan]).toEqual([0, 0]);
    expect(answers.prepared.body.errors).toHaveLength(1);
    expect(answers.prepared).toEqual(answers.general);
  });

  it('answers RATE_LIMITED as the general path does once the agent is over its heartbeat budget', async () => {
    const ana = await (await company()).agent('ana');
    for (let i = 0; i < 6; i++) expect((await overHttp(BENCH, { token: ana.token })).body.errors).toBeUndefined();
    const answers = await bothOverHttp(BENCH, { token: ana.token, operationName: 'Heartbeat' });
    expect(answers.preparedRan).toBe(1);
    const [error] = answers.prepared.body.errors;
    expect(error.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) });
    // The wait shrinks between the two requests: compare it as a number of ms.
    const same = (a: typeof answers.prepared) =>
      JSON.parse(
        JSON.stringify(a)
          .replace(/\d+ ms/g, 'N ms')
          .replace(/"(retryAfterMs|content-length)":"?\d+"?/g, '"$1":0'),
      );
    expect(same(answers.prepared)).toEqual(same(answers.general));
    const [preparedLine, generalLine] = operationLines();
    expect(preparedLine).toEqual(generalLine);
    expect(preparedLine).toMatchObject({ msg: 'graphql operation failed', level: 30, errors: ['RATE_LIMITED'] });
  });

  it.each([
    ['NOT_FOUND', () => new NotFoundError('agent not found or disabled')],
    ['an unexpected error, masked', () => new Error('database on fire')],
  ])('locates and serialises %s from the service as the general path does', async (_name, error) => {
    const ana = await (await company()).agent('ana');
    const heartbeat = vi.spyOn(server.app.services.presence, 'heartbeat').mockImplementation(() => Promise.reject(error()));
    try {
      const answers = await bothOverHttp(SOFTPHONE, {
        token: ana.token,
        variables: { input: { sipRegistered: true } },
        operationName: 'Heartbeat',
      });
      expect(answers.preparedRan).toBe(1);
      expect(answers.prepared.body.data).toBeNull();
      expect(answers.prepared).toEqual(answers.general);
      expect(lines.filter((l) => l.msg === 'yoga error').length).toBe(error() instanceof NotFoundError ? 0 : 2);
    } finally {
      heartbeat.mockRestore();
    }
  });

  it('leaves a supervisor token and a request without credentials to the general path (FORBIDDEN)', async () => {
    const co = await company();
    for (const token of [co.supervisor, undefined]) {
      const answers = await bothOverHttp(BENCH, { token, operationName: 'Heartbeat' });
      expect([answers.preparedRan, answers.generalRan]).toEqual([0, 0]);
      expect(answers.prepared.body.errors[0].extensions.code).toBe('FORBIDDEN');
      expect(answers.prepared).toEqual(answers.general);
    }
  });

  it('refuses a revoked token, a disabled agent and a bad token as the general path does (401), and counts each failure once', async () => {
    const co = await company();
    const [revoked, disabled] = [await co.agent('rev'), await co.agent('dis')];
    await server.admin(`mutation($a: ID!) { revokeAgentTokens(agentId: $a) }`, { a: revoked.id });
    await server.admin(`mutation($a: ID!) { updateAgent(id: $a, input: { enabled: false }) { enabled } }`, { a: disabled.id });
    const source = `10.1.0.${nextSource++}`;
    const messages: string[] = [];
    for (const token of [revoked.token, disabled.token]) {
      const answers = await bothOverHttp(BENCH, { token, source, operationName: 'Heartbeat' });
      expect(answers.prepared.status).toBe(401);
      expect(answers.prepared).toEqual(answers.general);
      messages.push(answers.prepared.body.errors[0].message);
    }
    expect(messages).toEqual(['token revoked', 'agent disabled or removed']);
    // AUTH_FAILURES_PER_MINUTE=4: the four failures above spent the source's budget, so the next is refused.
    const answers = await bothOverHttp(BENCH, { token: 'not-a-token', source, operationName: 'Heartbeat' });
    expect(answers.prepared.status).toBe(429);
    expect(answers.prepared.headers['retry-after']).toEqual(expect.any(String));
    const same = (a: typeof answers.prepared) =>
      JSON.parse(
        JSON.stringify(a)
          .replace(/retry in \d+ s/g, 'retry in N s')
          .replace(/"(retryAfterMs|retry-after|content-length)":"?\d+"?/g, '"$1":0'),
      );
    expect(same(answers.prepared)).toEqual(same(answers.general));
    expect(answers.prepared.body.errors[0].extensions).toEqual({ code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) });
  });

  it('leaves requests from a CORS origin, and other answer formats, to Yoga', async () => {
    const ana = await (await company()).agent('ana');
    run.mockClear();
    const cors = await overHttp(BENCH, { token: ana.token, headers: { origin: CORS_ORIGIN } });
    expect(cors.headers['access-control-allow-origin']).toBe(CORS_ORIGIN);
    const other = await overHttp(BENCH, { token: ana.token, headers: { accept: 'application/graphql-response+json' } });
    expect(other.headers['content-type']).toContain('application/graphql-response+json');
    expect(run).not.toHaveBeenCalled();
    const sameOrigin = await overHttp(BENCH, { token: ana.token, headers: { origin: server.url } });
    expect(run).toHaveBeenCalledTimes(1);
    expect(sameOrigin.headers['access-control-allow-origin']).toBeUndefined();
    for (const answer of [cors, other, sameOrigin]) expect(answer.body.data.heartbeat.nextHeartbeatInMs).toEqual(expect.any(Number));
  });

  it('hands other operations to Yoga with the body it read', async () => {
    const answer = await overHttp('query Me { __typename }', { token: undefined, operationName: 'Me' });
    expect(answer).toMatchObject({ status: 200, body: { data: { __typename: 'Query' } } });
    const broken = await overHttp('mutation { heartbeat(', {});
    expect(broken.body.errors[0].message).toContain('Syntax Error');
  });
});

describe('over graphql-ws', () => {
  it.each([
    ['the softphone document', SOFTPHONE, 'Heartbeat', { input: { sipRegistered: true, callState: 'held' } }],
    ['the bench document', BENCH, 'Heartbeat', undefined],
    ['aliases and __typename', ALIASED, 'Beat', undefined],
  ])('answers %s as graphql-ws does, counts it and logs the same line', async (_name, query, operationName, variables) => {
    const ana = await (await company()).agent('ana');
    const client = server.ws(ana.token);
    const counted = await heartbeatsCounted('ws');
    const answers = await bothOverWs(client, query, operationName, variables);
    expect([answers.preparedRan, answers.generalRan]).toEqual([1, 0]);
    expect(answers.prepared.next).toHaveLength(1);
    expect(answers.prepared.next[0].errors).toBeUndefined();
    expect(answers.prepared).toEqual(answers.general);
    expect(await heartbeatsCounted('ws')).toBe(counted + 2);
    const [preparedLine, generalLine] = operationLines();
    expect(preparedLine).toEqual(generalLine);
    expect(preparedLine).toMatchObject({ msg: 'graphql operation', transport: 'ws' });
  });

  it('leaves refused input to graphql-ws, and answers RATE_LIMITED, NOT_FOUND and masked errors as it does', async () => {
    const ana = await (await company()).agent('ana');
    const client = server.ws(ana.token);
    const bad = await bothOverWs(client, SOFTPHONE, 'Heartbeat', { input: { sipRegistered: true, callState: 'x'.repeat(33) } });
    expect([bad.preparedRan, bad.generalRan]).toEqual([0, 0]);
    expect(bad.prepared.next[0].errors).toHaveLength(1);
    expect(bad.prepared).toEqual(bad.general);

    for (const error of [() => new NotFoundError('agent not found or disabled'), () => new Error('database on fire')]) {
      const heartbeat = vi.spyOn(server.app.services.presence, 'heartbeat').mockImplementation(() => Promise.reject(error()));
      try {
        const answers = await bothOverWs(client, BENCH, 'Heartbeat');
        expect(answers.preparedRan).toBe(1);
        expect(answers.prepared.next[0].data).toBeNull();
        expect(answers.prepared).toEqual(answers.general);
      } finally {
        heartbeat.mockRestore();
      }
    }

    for (let i = 0; i < 6; i++) expect((await overWs(client, BENCH)).next[0].errors).toBeUndefined();
    const limited = await bothOverWs(client, BENCH, 'Heartbeat');
    expect(limited.prepared.next[0].errors[0].extensions.code).toBe('RATE_LIMITED');
    const same = (a: unknown) =>
      JSON.parse(
        JSON.stringify(a)
          .replace(/\d+ ms/g, 'N ms')
          .replace(/"retryAfterMs":\d+/g, '"retryAfterMs":0'),
      );
    expect(same(limited.prepared)).toEqual(same(limited.general));
  });

  it('leaves a supervisor socket to graphql-ws (FORBIDDEN)', async () => {
    const co = await company();
    const answers = await bothOverWs(server.ws(co.supervisor), BENCH, 'Heartbeat');
    expect([answers.preparedRan, answers.generalRan]).toEqual([0, 0]);
    expect(answers.prepared.next[0].errors[0].extensions.code).toBe('FORBIDDEN');
    expect(answers.prepared).toEqual(answers.general);
  });
});

describe('graphql-ws protocol rules on the prepared path', () => {
  /** A raw graphql-transport-ws socket: every frame the server sends, and how it closed. */
  async function rawSocket(token: string, init = true) {
    const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    const frames: any[] = [];
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    const waiters: (() => void)[] = [];
    socket.on('message', (data) => {
      frames.push(JSON.parse(String(data)));
      for (const w of waiters.splice(0)) w();
    });
    await new Promise((resolve) => socket.once('open', resolve));
    const until = async (done: () => boolean) => {
      while (!done()) await new Promise<void>((resolve) => waiters.push(resolve));
    };
    if (init) {
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
      await until(() => frames.some((f) => f.type === 'connection_ack'));
    }
    const subscribe = (id: string, query: string, operationName?: string) =>
      socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, operationName } }));
    return { socket, frames, closed, until, subscribe };
  }

  it('refuses a second operation past the per-socket cap with the same error frame, and keeps answering', async () => {
    const ana = await (await company()).agent('ana');
    const errorFrames: any[] = [];
    for (const query of [BENCH, general(BENCH)]) {
      const raw = await rawSocket(ana.token);
      raw.subscribe('1', query, 'Heartbeat');
      raw.subscribe('2', query, 'Heartbeat'); // while 1 is in flight: WS_MAX_SUBSCRIPTIONS_PER_SOCKET=1
      await raw.until(() => raw.frames.some((f) => f.id === '1' && f.type === 'complete'));
      expect(raw.frames.filter((f) => f.id === '2').map((f) => f.type)).toEqual(['error']);
      errorFrames.push(raw.frames.find((f) => f.id === '2'));
      expect(raw.frames.filter((f) => f.id === '1').map((f) => f.type)).toEqual(['next', 'complete']);
      raw.socket.close();
    }
    expect(errorFrames[0]).toEqual(errorFrames[1]);
    expect(errorFrames[0].payload[0].extensions.code).toBe('RATE_LIMITED');
  });

  it('closes with 4409 for an id already in flight, and with 4401 before the connection is acknowledged', async () => {
    const ana = await (await company()).agent('ana');
    const raw = await rawSocket(ana.token);
    raw.subscribe('same', BENCH, 'Heartbeat');
    raw.subscribe('same', BENCH, 'Heartbeat');
    expect(await raw.closed).toBe(4409);

    const early = await rawSocket(ana.token, false);
    early.subscribe('1', BENCH, 'Heartbeat');
    expect(await early.closed).toBe(4401);
  });

  it('escapes the operation id in its frames', async () => {
    const ana = await (await company()).agent('ana');
    const raw = await rawSocket(ana.token);
    const id = 'a "quoted" \\ id \u2028';
    raw.subscribe(id, BENCH);
    await raw.until(() => raw.frames.some((f) => f.type === 'complete'));
    expect(raw.frames.filter((f) => f.type !== 'connection_ack').map((f) => [f.id, f.type])).toEqual([
      [id, 'next'],
      [id, 'complete'],
    ]);
    raw.socket.close();
  });
});
