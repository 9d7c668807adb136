/**
 * Shared graphql-ws delivery (src/graphql/shared-subscriptions.ts): subscribers of one feed get each
 * event executed and serialised once. Raw graphql-transport-ws sockets read the frames byte for byte,
 * and SSE (the general path, one stream per subscriber) says what each payload must be.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgres, postgresAvailable, startServer, waitFor, type TestServer } from '../support/harness.js';
import { sseSubscription } from '../support/sse.js';

const pgUp = await postgresAvailable();

const HEARTBEAT = `mutation { heartbeat(input: { sipRegistered: true }) { presence { online } } }`;
// No `at`: a snapshot's time differs between subscribers; the rest of every payload must not.
const PRESENCE = `subscription($c: ID!) { presenceChanged(companyId: $c) { agentId online status cause snapshot presence { displayName activeCalls } } }`;

/** A graphql-transport-ws connection that keeps every raw `next` frame per subscription id. */
class RawSocket {
  readonly frames = new Map<string, string[]>();
  readonly ended = new Map<string, string>();
  readonly closed: Promise<number>;
  private readonly socket: WebSocket;
  private readonly acked: Promise<void>;

  constructor(url: string, token: string) {
    this.socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    this.closed = new Promise((resolve) => this.socket.on('close', (code) => resolve(code)));
    this.acked = new Promise((resolve, reject) => {
      this.socket.on('open', () =>
        this.socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
      );
      this.socket.on('error', reject);
      this.socket.on('message', (data) => {
        const text = String(data);
        const msg = JSON.parse(text);
        if (msg.type === 'connection_ack') return resolve();
        if (msg.type === 'next') this.frames.get(msg.id)?.push(text);
        if (msg.type === 'complete' || msg.type === 'error') this.ended.set(msg.id, text);
      });
    });
  }

  ready(): Promise<void> {
    return this.acked;
  }

  subscribe(id: string, query: string, variables: Record<string, unknown>): void {
    this.frames.set(id, []);
    this.socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
  }

  complete(id: string): void {
    this.socket.send(JSON.stringify({ id, type: 'complete' }));
  }

  /** The payloads (JSON text) of a subscription's `next` frames, checking each frame's shape. */
  payloads(id: string): string[] {
    const prefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
    return (this.frames.get(id) ?? []).map((frame) => {
      expect(frame.startsWith(prefix) && frame.endsWith('}')).toBe(true);
      return frame.slice(prefix.length, -1);
    });
  }

  close(): void {
    this.socket.close();
  }
}

describe.runIf(pgUp)('shared graphql-ws subscriptions', () => {
  let server: TestServer;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const pg = await freshPostgres();
    drop = pg.drop;
    server = await startServer({ env: { DATABASE_URL: pg.url } });
  });
  afterAll(async () => {
    await server?.close();
    await drop?.();
  });

  async function company(names: string[]) {
    const { createCompany } = await server.admin(
      `mutation { createCompany(input: { name: "Fan-out", routing: { allowUnregisteredSoftphones: true } }) { id } }`,
    );
    const companyId: string = createCompany.id;
    const agents: { id: string; token: string }[] = [];
    for (const name of names) {
      const { createAgent } = await server.admin(`mutation($i: CreateAgentInput!) { createAgent(input: $i) { id } }`, {
        i: { companyId, displayName: name, sipUsername: `${name}.${randomBytes(4).toString('hex')}` },
      });
      const { issueAgentToken } = await server.admin(`mutation($a: ID!) { issueAgentToken(agentId: $a) { token } }`, { a: createAgent.id });
      agents.push({ id: createAgent.id, token: issueAgentToken.token });
    }
    const { issueSupervisorToken } = await server.admin(`mutation($c: ID!) { issueSupervisorToken(companyId: $c) { token } }`, {
      c: companyId,
    });
    return { companyId, agents, supervisor: issueSupervisorToken.token as string };
  }

  async function sockets(count: number, token: string): Promise<RawSocket[]> {
    const opened = Array.from({ length: count }, () => new RawSocket(server.url, token));
    await Promise.all(opened.map((s) => s.ready()));
    return opened;
  }

  const received = (s: RawSocket, id: string, n: number) =>
    waitFor(
      () => s.payloads(id).length,
      (got) => got >= n,
      { what: `${n} payloads on ${id}` },
    );

  it('many subscribers of one company get the same events in order, byte-equal to the general path (SSE) apart from the id', async () => {
    const co = await company(['ana', 'ben']);
    // Three sockets of two subscriptions each (the ids differ), all one selection: one group.
    const board = await sockets(3, co.supervisor);
    for (const [i, s] of board.entries()) {
      s.subscribe(`a${i}`, PRESENCE, { c: co.companyId });
      s.subscribe(`b-${i}-${randomBytes(4).toString('hex')}`, PRESENCE, { c: co.companyId });
    }
    const stream = await sseSubscription(server.url, PRESENCE, { c: co.companyId }, co.supervisor);
    for (const s of board) for (const id of s.frames.keys()) await received(s, id, 2);
    await waitFor(() => stream.texts.length >= 2);
    expect(server.app.sharedSubscriptions()).toMatchObject({ groups: 1, members: 6 });

    await server.gql(HEARTBEAT, {}, co.agents[0]!.token);
    await server.gql(`mutation { setAgentStatus(input: { status: ON_BREAK }) { status } }`, {}, co.agents[1]!.token);
    await server.gql(HEARTBEAT, {}, co.agents[1]!.token);

    await waitFor(() => stream.texts.length >= 5, Boolean, { what: 'five SSE events' });
    for (const s of board) for (const id of s.frames.keys()) await received(s, id, 5);
    const expected = stream.texts.slice(0, 5);
    expect(expected.slice(2).map((p) => JSON.parse(p).data.presenceChanged)).toMatchObject([
      { agentId: co.agents[0]!.id, online: true, cause: 'HEARTBEAT' },
      { agentId: co.agents[1]!.id, status: 'ON_BREAK', cause: 'STATUS' },
      { agentId: co.agents[1]!.id, online: true, cause: 'HEARTBEAT' },
    ]);
    for (const s of board) for (const id of s.frames.keys()) expect(s.payloads(id)).toEqual(expected);
    await stream.cancel();
    for (const s of board) s.close();
  });

  it('subscribers with different selections or variables each get their own; the viewer scope splits groups', async () => {
    const co = await company(['cy']);
    const other = await company(['dee']);
    const [short, long] = await sockets(2, co.supervisor);
    short!.subscribe('1', `subscription($c: ID!) { presenceChanged(companyId: $c) { agentId online } }`, { c: co.companyId });
    long!.subscribe('1', `subscription($c: ID!) { presenceChanged(companyId: $c) { agentId presence { displayName online } } }`, {
      c: co.companyId,
    });
    const [theirs] = await sockets(1, other.supervisor);
    theirs!.subscribe('1', `subscription($c: ID!) { presenceChanged(companyId: $c) { agentId online } }`, { c: other.companyId });
    await received(short!, '1', 1);
    await received(long!, '1', 1);
    await received(theirs!, '1', 1);
    await server.gql(HEARTBEAT, {}, co.agents[0]!.token);
    await received(short!, '1', 2);
    await received(long!, '1', 2);
    expect(JSON.parse(short!.payloads('1')[1]!)).toEqual({ data: { presenceChanged: { agentId: co.agents[0]!.id, online: true } } });
    expect(JSON.parse(long!.payloads('1')[1]!)).toEqual({
      data: { presenceChanged: { agentId: co.agents[0]!.id, presence: { displayName: 'cy', online: true } } },
    });
    for (const s of [short!, long!, theirs!]) s.close();
  });

  it('two companies are isolated: a supervisor of B never sees A, and cannot subscribe to A', async () => {
    const a = await company(['eve']);
    const b = await company(['fay']);
    const [boardA] = await sockets(1, a.supervisor);
    const [boardB] = await sockets(1, b.supervisor);
    const q = `subscription($c: ID!) { presenceChanged(companyId: $c) { agentId online snapshot } }`;
    boardA!.subscribe('1', q, { c: a.companyId });
    boardB!.subscribe('1', q, { c: b.companyId });
    boardB!.subscribe('2', q, { c: a.companyId });
    await received(boardA!, '1', 1);
    await received(boardB!, '1', 1);
    await waitFor(() => boardB!.ended.get('2'));
    // Refused at subscribe, as before: one result carrying the error, then complete.
    expect(boardB!.payloads('2').map((p) => JSON.parse(p))).toMatchObject([{ errors: [{ extensions: { code: 'FORBIDDEN' } }] }]);
    expect(JSON.parse(boardB!.ended.get('2')!)).toEqual({ id: '2', type: 'complete' });
    await server.gql(HEARTBEAT, {}, a.agents[0]!.token);
    await server.gql(HEARTBEAT, {}, b.agents[0]!.token); // the marker: B's own event comes after A's
    await received(boardA!, '1', 2);
    await received(boardB!, '1', 2);
    const seenByB = boardB!.payloads('1').map((p) => JSON.parse(p).data.presenceChanged.agentId);
    expect(seenByB).toEqual([b.agents[0]!.id, b.agents[0]!.id]);
    expect(boardB!.payloads('2')).toHaveLength(1);
    boardA!.close();
    boardB!.close();
  });

  it('a subscriber that leaves (complete, or its socket closes) stops receiving and leaves nothing behind', async () => {
    const co = await company(['gus', 'hal']);
    const before = server.app.sharedSubscriptions().members;
    const gauge = async () =>
      Number(/curbe_active_subscriptions\{transport="ws"\} (\d+)/.exec(await (await fetch(`${server.url}/metrics`)).text())![1]);
    const openBefore = await gauge();
    const [stays, completes, closes] = await sockets(3, co.supervisor);
    for (const s of [stays!, completes!, closes!]) s.subscribe('1', PRESENCE, { c: co.companyId });
    for (const s of [stays!, completes!, closes!]) await received(s, '1', 2);
    expect(server.app.sharedSubscriptions().members).toBe(before + 3);
    completes!.complete('1');
    closes!.close();
    await closes!.closed;
    await waitFor(
      () => server.app.sharedSubscriptions().members,
      (n) => n === before + 1,
      { what: 'two members gone' },
    );
    await server.gql(HEARTBEAT, {}, co.agents[0]!.token);
    await received(stays!, '1', 3);
    await server.gql(HEARTBEAT, {}, co.agents[1]!.token);
    await received(stays!, '1', 4);
    expect(completes!.payloads('1')).toHaveLength(2);
    expect(closes!.payloads('1')).toHaveLength(2);
    stays!.close();
    await stays!.closed;
    await waitFor(
      () => server.app.sharedSubscriptions(),
      (s) => s.members === before,
      { what: 'all members gone' },
    );
    // The quota's and the metrics' end hooks ran for each of them.
    await waitFor(gauge, (n) => n === openBefore, { what: 'the open-subscriptions gauge back' });
  });

  it("a revoked supervisor token's socket closes and its subscriptions leave", async () => {
    const co = await company(['ivy']);
    const before = server.app.sharedSubscriptions().members;
    const [board] = await sockets(1, co.supervisor);
    board!.subscribe('1', PRESENCE, { c: co.companyId });
    await received(board!, '1', 1);
    await server.admin(`mutation($c: ID!) { revokeSupervisorTokens(companyId: $c) }`, { c: co.companyId });
    expect(await board!.closed).toBe(4403);
    await waitFor(
      () => server.app.sharedSubscriptions().members,
      (n) => n === before,
      { what: 'the member gone' },
    );
  });

  it('companyStatsChanged: one computation for every socket, equal to the general path', async () => {
    const co = await company(['jo']);
    const q = `subscription($c: ID!) { companyStatsChanged(companyId: $c) { companyId agents { available offline total } callsWaiting } }`;
    const board = await sockets(3, co.supervisor);
    for (const s of board) s.subscribe('1', q, { c: co.companyId });
    const stream = await sseSubscription(server.url, q, { c: co.companyId }, co.supervisor);
    for (const s of board) await received(s, '1', 1);
    await waitFor(() => stream.texts.length >= 1);
    await server.gql(HEARTBEAT, {}, co.agents[0]!.token);
    const online = (p: string) => JSON.parse(p).data.companyStatsChanged.agents.available === 1;
    await waitFor(() => stream.texts.some(online), Boolean, { what: 'SSE stats with the agent available' });
    for (const s of board) await waitFor(() => s.payloads('1').some(online), Boolean, { what: 'ws stats with the agent available' });
    const expected = stream.texts.find(online);
    for (const s of board) expect(s.payloads('1').find(online)).toBe(expected);
    await stream.cancel();
    for (const s of board) s.close();
  });

  it('voicemailReceived: every socket gets the voicemail, equal to the general path', async () => {
    const co = await company(['kim']);
    const q = `subscription($c: ID!) { voicemailReceived(companyId: $c) { companyId callSid from to durationSeconds } }`;
    const board = await sockets(2, co.supervisor);
    for (const s of board) s.subscribe('1', q, { c: co.companyId });
    const stream = await sseSubscription(server.url, q, { c: co.companyId }, co.supervisor);
    // No snapshot says when the subscriptions are live: their members are counted first.
    await waitFor(
      () => server.app.sharedSubscriptions().members,
      (n) => n >= 2,
    );
    await new Promise((r) => setTimeout(r, 200)); // the SSE stream has no such count
    await server.app.services.voicemails.record({
      companyId: co.companyId,
      callSid: `v-${randomBytes(4).toString('hex')}`,
      from: '+15550001111',
      to: '+15550002222',
      recordingUrl: 'https://example.com/r.mp3',
      durationSeconds: 7,
    });
    await waitFor(() => stream.texts.length >= 1, Boolean, { what: 'the voicemail over SSE' });
    for (const s of board) await received(s, '1', 1);
    for (const s of board) expect(s.payloads('1')).toEqual(stream.texts);
    await stream.cancel();
    for (const s of board) s.close();
  });
});
