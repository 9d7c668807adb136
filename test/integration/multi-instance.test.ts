/**
 * Several real instances on one Redis and one Postgres, as behind a load balancer that does not
 * stick: presence made on one instance routes calls on another and reaches supervisors on a third,
 * exactly once; a killed instance's leases still expire on time, once; two calls racing on two
 * instances never reserve the same agent; a hunt continues on whichever instance Telnyx calls back.
 */
import { randomBytes } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgres, postgresAvailable, startServer, subscribe, waitFor, type TestServer } from '../support/harness.js';
import { dropRedisKeys, REDIS_URL, redisAvailable, uniqueKeyPrefix } from '../support/redis.js';
import { hostAndPort, tcpProxy } from '../support/tcp-proxy.js';
import { spawnInstance } from '../support/spawn-instance.js';

const TTL_MS = 3000;
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'Sip' });
const dialed = (body: string): string[] =>
  parser.parse(body).Response.Dial?.Sip?.map((s: any) => String(s['#text']).replace(/^sip:|@sip\.telnyx\.com$/g, '')) ?? [];

const PRESENCE_CHANGED = `subscription($c: ID!) { presenceChanged(companyId: $c) { cause snapshot presence { agentId online } } }`;
const HEARTBEAT = `mutation { heartbeat(input: { sipRegistered: true }) { presence { online } leaseExpiresAt } }`;

const ready = (await postgresAvailable()) && (await redisAvailable());

describe.runIf(ready)('several instances on one Redis and one Postgres', () => {
  const keyPrefix = uniqueKeyPrefix();
  let pg: Awaited<ReturnType<typeof freshPostgres>>;
  let env: Record<string, string>;
  let a: TestServer;
  let b: TestServer;
  let c: TestServer;

  beforeAll(async () => {
    pg = await freshPostgres();
    env = {
      DATABASE_URL: pg.url,
      DATABASE_POOL_MAX: '4',
      REDIS_URL,
      REDIS_KEY_PREFIX: keyPrefix,
      JWT_SECRET: randomBytes(32).toString('hex'),
      PRESENCE_TTL_MS: String(TTL_MS),
      HEARTBEAT_INTERVAL_MS: '1000',
      SOCKET_GRACE_MS: '1000',
    };
    a = await startServer({ env });
    [b, c] = await Promise.all([startServer({ env }), startServer({ env })]);
  });
  afterAll(async () => {
    await Promise.allSettled([a?.close(), b?.close(), c?.close()]);
    await pg?.drop();
    await dropRedisKeys(keyPrefix);
  });

  async function company(routing: Record<string, unknown>, names: string[]) {
    const { createCompany } = await a.admin(
      `mutation($r: RoutingConfigInput) { createCompany(input: { name: "Multi", routing: $r }) { id } }`,
      {
        r: { allowUnregisteredSoftphones: false, ...routing },
      },
    );
    const companyId: string = createCompany.id;
    const agents: Record<string, { id: string; token: string; sip: string }> = {};
    for (const name of names) {
      const sip = `${name}.${companyId.slice(-6)}`;
      const { createAgent } = await a.admin(`mutation($i: CreateAgentInput!) { createAgent(input: $i) { id } }`, {
        i: { companyId, displayName: name, sipUsername: sip, position: names.indexOf(name) },
      });
      const { issueAgentToken } = await a.admin(`mutation($a: ID!) { issueAgentToken(agentId: $a) { token } }`, { a: createAgent.id });
      agents[name] = { id: createAgent.id, token: issueAgentToken.token, sip };
    }
    const { issueSupervisorToken } = await a.admin(`mutation($c: ID!) { issueSupervisorToken(companyId: $c) { token } }`, { c: companyId });
    return { companyId, agents, supervisor: issueSupervisorToken.token as string };
  }

  const transitions = (events: any[], agentId: string, online: boolean) =>
    events.filter(
      (e) =>
        !e.presenceChanged.snapshot &&
        e.presenceChanged.presence.agentId === agentId &&
        e.presenceChanged.presence.online === online &&
        e.presenceChanged.cause !== 'STATUS' &&
        e.presenceChanged.cause !== 'CALL',
    );

  it('a heartbeat on one instance routes a call on another; a supervisor on a third sees it once', async () => {
    const co = await company({ mode: 'AUTO' }, ['ana']);
    const board = subscribe(
      c.ws(co.supervisor),
      `subscription($c: ID!) { presenceChanged(companyId: $c) { cause snapshot presence { agentId online statusReason } } }`,
      { c: co.companyId },
    );
    await board.next((e) => e.presenceChanged.snapshot && e.presenceChanged.presence.agentId === co.agents.ana!.id);

    const before = await b.webhook(`/telnyx/voice/${co.companyId}`, { CallSid: 'mi-1-before', From: '+15551230000', To: '+13055550100' });
    expect(dialed(before.body)).toEqual([]);

    const hb = await a.gql(HEARTBEAT, {}, co.agents.ana!.token);
    expect(hb.data.heartbeat.presence.online).toBe(true);
    const call = await b.webhook(`/telnyx/voice/${co.companyId}`, { CallSid: 'mi-1', From: '+15551230000', To: '+13055550100' });
    expect(dialed(call.body)).toEqual([co.agents.ana!.sip]);

    await board.next((e) => !e.presenceChanged.snapshot && e.presenceChanged.presence.online);
    // Renewals on every instance are not transitions.
    for (const server of [a, b, c, a]) expect((await server.gql(HEARTBEAT, {}, co.agents.ana!.token)).errors).toBeUndefined();
    // Then a status change through each instance: what a renewal there published would have arrived before it.
    for (const [name, server] of [
      ['a', a],
      ['b', b],
      ['c', c],
    ] as const) {
      const reason = `after renewals on ${name}`;
      await server.gql(
        `mutation($a: ID!, $r: String) { setAgentStatus(input: { agentId: $a, status: ON_BREAK, reason: $r }) { status } }`,
        { a: co.agents.ana!.id, r: reason },
        co.supervisor,
      );
      await board.next((e) => e.presenceChanged.cause === 'STATUS' && e.presenceChanged.presence.statusReason === reason);
    }
    expect(transitions(board.events, co.agents.ana!.id, true)).toHaveLength(1);
    expect(board.events.filter((e) => !e.presenceChanged.snapshot && e.presenceChanged.cause !== 'STATUS')).toHaveLength(1);
    expect(board.events.filter((e) => e.presenceChanged.cause === 'STATUS')).toHaveLength(3); // the markers only

    // Every instance answers the presence query from the same shared lease.
    for (const server of [a, b, c]) {
      const p = await server.gql(`query($c: ID!) { presence(companyId: $c) { agentId online } }`, { c: co.companyId }, co.supervisor);
      expect(p.data.presence).toEqual([{ agentId: co.agents.ana!.id, online: true }]);
    }
  });

  it('a killed instance still lets its agents expire on time, with exactly one offline event', async () => {
    const co = await company({ mode: 'AUTO' }, ['kim', 'lou']);
    const kim = co.agents.kim!;
    const child = await spawnInstance(env);
    const board = subscribe(a.ws(co.supervisor), PRESENCE_CHANGED, { c: co.companyId });
    const boardB = subscribe(b.ws(co.supervisor), PRESENCE_CHANGED, { c: co.companyId });
    await Promise.all([board.next((e) => e.presenceChanged.snapshot), boardB.next((e) => e.presenceChanged.snapshot)]);
    try {
      // The agent's softphone: socket and heartbeats on the instance about to die.
      const socket = createClient({
        url: `${child.url.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${kim.token}` },
        lazy: false,
        retryAttempts: 0,
        onNonLazyError: () => {},
      });
      await new Promise<void>((resolve) => socket.on('connected', () => resolve()));
      await postGql(child.url, HEARTBEAT, kim.token);
      await board.next((e) => !e.presenceChanged.snapshot && e.presenceChanged.presence.online);
      // A plain renewal, batched on the instance about to die: once flushed, its lease end is the shared one.
      const hb = await postGql(child.url, HEARTBEAT, kim.token);
      const leaseEnd = Date.parse(hb.data.heartbeat.leaseExpiresAt);
      await waitFor(
        async () =>
          (await b.gql(`query($c: ID!) { presence(companyId: $c) { agentId leaseExpiresAt } }`, { c: co.companyId }, co.supervisor)).data
            .presence,
        (list: any[]) => list.some((p) => p.agentId === kim.id && Date.parse(p.leaseExpiresAt) === leaseEnd),
        { what: "b seeing the dying instance's last renewal" },
      );
      expect(dialed((await b.webhook(`/telnyx/voice/${co.companyId}`, { CallSid: 'mi-2-live', To: '+1' })).body)).toEqual([kim.sip]);

      child.process.kill('SIGKILL');
      await new Promise((resolve) => child.process.once('exit', resolve));
      void socket.dispose();

      const offline = await board.next((e) => !e.presenceChanged.snapshot && !e.presenceChanged.presence.online, TTL_MS + 3000);
      const seenAt = Date.now();
      expect(offline.presenceChanged.cause).toBe('LEASE_EXPIRED');
      expect(seenAt).toBeGreaterThanOrEqual(leaseEnd - 50);
      expect(seenAt).toBeLessThanOrEqual(leaseEnd + 1000); // offline within PRESENCE_TTL_MS + 1 s of the last heartbeat
      await boardB.next((e) => !e.presenceChanged.snapshot && !e.presenceChanged.presence.online, 2000);
      // A later lease, ended through the same claims: every surviving instance has claimed many times since kim's.
      const lou = co.agents.lou!;
      await a.gql(HEARTBEAT, {}, lou.token);
      const louOffline = (e: any) =>
        !e.presenceChanged.snapshot && e.presenceChanged.presence.agentId === lou.id && !e.presenceChanged.presence.online;
      await Promise.all([board.next(louOffline, TTL_MS + 3000), boardB.next(louOffline, TTL_MS + 3000)]);
      for (const events of [board.events, boardB.events]) expect(transitions(events, kim.id, false)).toHaveLength(1);
      expect(dialed((await c.webhook(`/telnyx/voice/${co.companyId}`, { CallSid: 'mi-2-dead', To: '+1' })).body)).toEqual([]);
    } finally {
      child.process.kill('SIGKILL');
    }
  });

  it('renewals answered locally reach every instance in one batch; when they stop, the agent goes offline at its last lease end, seen on another instance', async () => {
    const co = await company({ mode: 'AUTO' }, ['ren']);
    const ren = co.agents.ren!;
    const boardB = subscribe(b.ws(co.supervisor), PRESENCE_CHANGED, { c: co.companyId });
    await boardB.next((e) => e.presenceChanged.snapshot);
    await a.gql(HEARTBEAT, {}, ren.token); // the first runs the script: a transition
    await boardB.next((e) => !e.presenceChanged.snapshot && e.presenceChanged.presence.online);
    // Plain renewals (nothing but the lease end changes) are queued on a and flushed in batches.
    let last: any;
    for (let i = 0; i < 3; i++) last = await a.gql(HEARTBEAT, {}, ren.token);
    const leaseEnd = Date.parse(last.data.heartbeat.leaseExpiresAt);
    const presenceOnB = `query($c: ID!) { presence(companyId: $c) { agentId online leaseExpiresAt } }`;
    await waitFor(
      async () => (await b.gql(presenceOnB, { c: co.companyId }, co.supervisor)).data.presence[0],
      (p: any) => p?.online && Date.parse(p.leaseExpiresAt) === leaseEnd,
      { what: "b seeing a's last renewal" },
    );
    const offline = await boardB.next((e) => !e.presenceChanged.snapshot && !e.presenceChanged.presence.online, TTL_MS + 3000);
    const seenAt = Date.now();
    expect(offline.presenceChanged.cause).toBe('LEASE_EXPIRED');
    expect(seenAt).toBeGreaterThanOrEqual(leaseEnd - 50);
    expect(seenAt).toBeLessThanOrEqual(leaseEnd + 1000);
    expect(transitions(boardB.events, ren.id, true)).toHaveLength(1);
    expect(transitions(boardB.events, ren.id, false)).toHaveLength(1);
  });

  it("an agent's socket moving from one instance to another within the grace keeps it online; closing the last one ends it after the grace", async () => {
    const co = await company({ mode: 'AUTO' }, ['mov']);
    const mov = co.agents.mov!;
    const softphone = (server: TestServer) => {
      const client = createClient({
        url: `${server.url.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${mov.token}` },
        lazy: false,
        retryAttempts: 0,
        onNonLazyError: () => {},
      });
      return new Promise<typeof client>((resolve) => client.on('connected', () => resolve(client)));
    };
    const board = subscribe(c.ws(co.supervisor), PRESENCE_CHANGED, { c: co.companyId });
    await board.next((e) => e.presenceChanged.snapshot);
    const onA = await softphone(a);
    for (let i = 0; i < 3; i++) await a.gql(HEARTBEAT, {}, mov.token);
    await board.next((e) => !e.presenceChanged.snapshot && e.presenceChanged.presence.online);
    await onA.dispose(); // the page reloads onto another instance: a socket grace starts...
    const graceEnd = Date.now() + Number(env.SOCKET_GRACE_MS);
    await waitFor(
      async () => a.app.services.presence.tracker.get(mov.id)?.sockets,
      (n) => n === 0,
      { what: "a counting mov's socket closed" },
    );
    const onB = await softphone(b); // ...and ends here, within it
    await waitFor(
      async () => b.app.services.presence.tracker.get(mov.id)?.sockets,
      (n) => n === 1,
      { what: "b counting mov's new socket" },
    );
    for (let i = 0; i < 3; i++) await b.gql(HEARTBEAT, {}, mov.token);
    // Past the grace, then a marker: an offline event would have arrived before it.
    await waitFor(
      async () => Date.now(),
      (now) => now > graceEnd + 500,
      { what: 'the end of the grace a started' },
    );
    await b.gql(
      `mutation($a: ID!) { setAgentStatus(input: { agentId: $a, status: ON_BREAK, reason: "moved" }) { status } }`,
      { a: mov.id },
      co.supervisor,
    );
    await board.next((e) => e.presenceChanged.cause === 'STATUS');
    expect(transitions(board.events, mov.id, false)).toHaveLength(0);
    await onB.dispose();
    const offline = await board.next((e) => !e.presenceChanged.snapshot && !e.presenceChanged.presence.online, TTL_MS + 3000);
    expect(offline.presenceChanged.cause).toBe('SOCKET_CLOSED');
  });

  it('a supervisor whose instance restarts its subscription gets the current state first (snapshot), then live events', async () => {
    const co = await company({ mode: 'AUTO' }, ['sam']);
    await b.gql(HEARTBEAT, {}, co.agents.sam!.token);
    const board = subscribe(c.ws(co.supervisor), PRESENCE_CHANGED, { c: co.companyId });
    const first = await board.next(() => true);
    expect(first.presenceChanged).toMatchObject({ snapshot: true, presence: { agentId: co.agents.sam!.id, online: true } });
    await a.gql(
      `mutation($a: ID!) { setAgentStatus(input: { agentId: $a, status: ON_BREAK, reason: "lunch" }) { status } }`,
      { a: co.agents.sam!.id },
      co.supervisor,
    );
    await board.next((e) => e.presenceChanged.cause === 'STATUS');
    // The status change made on one instance is what routing sees on the others.
    expect(dialed((await b.webhook(`/telnyx/voice/${co.companyId}`, { CallSid: 'mi-3', To: '+1' })).body)).toEqual([]);
  });

  it('two calls racing on two instances never reserve the same agent (one agent, one call at a time)', async () => {
    const co = await company({ mode: 'SEQUENTIAL', ringTimeoutSeconds: 20 }, ['solo']);
    await a.gql(HEARTBEAT, {}, co.agents.solo!.token);
    for (let round = 0; round < 8; round++) {
      const [one, two] = await Promise.all([
        a.webhook(`/telnyx/voice/${co.companyId}`, { CallSid: `race-${round}-a`, From: '+15551230000', To: '+13055550100' }),
        b.webhook(`/telnyx/voice/${co.companyId}`, { CallSid: `race-${round}-b`, From: '+15551230001', To: '+13055550100' }),
      ]);
      const rang = [dialed(one.body), dialed(two.body)];
      expect(
        rang.filter((r) => r.length > 0),
        `round ${round}`,
      ).toEqual([[co.agents.solo!.sip]]);
      // A third call on the third instance finds the agent reserved too.
      expect(dialed((await c.webhook(`/telnyx/voice/${co.companyId}`, { CallSid: `race-${round}-c`, To: '+13055550100' })).body)).toEqual(
        [],
      );
      // The caller who got the agent hangs up (on yet another instance): the reservation ends with the call.
      const winner = rang[0]!.length > 0 ? `race-${round}-a` : `race-${round}-b`;
      await c.webhook(`/telnyx/dial-complete/${co.companyId}`, { CallSid: winner, DialCallStatus: 'canceled' });
    }
  });

  it('a hunt continues on whichever instance Telnyx calls back: dial-complete on another instance offers the next agent, never the same one twice', async () => {
    const co = await company({ mode: 'SEQUENTIAL', ringTimeoutSeconds: 15 }, ['ana', 'ben', 'cy']);
    for (const name of ['ana', 'ben', 'cy']) await c.gql(HEARTBEAT, {}, co.agents[name]!.token);
    const call = { CallSid: 'hunt-across', From: '+15551230000', To: '+13055550100' };
    const first = await a.webhook(`/telnyx/voice/${co.companyId}`, call);
    expect(dialed(first.body)).toEqual([co.agents.ana!.sip]);
    const second = await b.webhook(`/telnyx/dial-complete/${co.companyId}`, { ...call, DialCallStatus: 'no-answer' });
    expect(dialed(second.body)).toEqual([co.agents.ben!.sip]);
    // While ben rings for this call, a new call on another instance does not get ben.
    const other = await a.webhook(`/telnyx/voice/${co.companyId}`, { CallSid: 'hunt-other', To: '+13055550100' });
    expect(dialed(other.body)).toEqual([co.agents.ana!.sip]);
    const third = await c.webhook(`/telnyx/dial-complete/${co.companyId}`, { ...call, DialCallStatus: 'busy' });
    expect(dialed(third.body)).toEqual([co.agents.cy!.sip]);
    const last = await a.webhook(`/telnyx/dial-complete/${co.companyId}`, { ...call, DialCallStatus: 'no-answer' });
    expect(dialed(last.body)).toEqual([]);
    expect(last.body).toContain('<Record'); // every agent offered once → voicemail
    await a.app.services.calls.log.flush();
    const log = await a.database.prisma.callLog.findFirst({ where: { companyId: co.companyId, callSid: 'hunt-across' } });
    expect(log).toMatchObject({ outcome: 'VOICEMAIL', offeredAgentIds: [co.agents.ana!.id, co.agents.ben!.id, co.agents.cy!.id] });
  });

  it('status callbacks on another instance put the agent on a call for every instance', async () => {
    const co = await company({ mode: 'AUTO' }, ['eve']);
    await a.gql(HEARTBEAT, {}, co.agents.eve!.token);
    const call = { CallSid: 'status-across', From: '+15551230000', To: '+13055550100' };
    expect(dialed((await a.webhook(`/telnyx/voice/${co.companyId}`, call)).body)).toEqual([co.agents.eve!.sip]);
    await b.webhook(`/telnyx/status/${co.companyId}`, {
      ParentCallSid: call.CallSid,
      To: `sip:${co.agents.eve!.sip}@sip.telnyx.com`,
      CallStatus: 'answered',
    });
    await c.webhook(`/telnyx/dial-complete/${co.companyId}`, { ...call, DialCallStatus: 'completed' });
    // On a call (learned on b): a new call on c does not ring eve.
    expect(dialed((await c.webhook(`/telnyx/voice/${co.companyId}`, { CallSid: 'status-next', To: '+13055550100' })).body)).toEqual([]);
    await a.webhook(`/telnyx/status/${co.companyId}`, {
      ParentCallSid: call.CallSid,
      To: `sip:${co.agents.eve!.sip}@sip.telnyx.com`,
      CallStatus: 'completed',
    });
    expect(dialed((await b.webhook(`/telnyx/voice/${co.companyId}`, { CallSid: 'status-after', To: '+13055550100' })).body)).toEqual([
      co.agents.eve!.sip,
    ]);
  });

  it("an agent whose leg's completed callback never comes is freed for every instance: by the call's end, or by a supervisor on any instance", async () => {
    const co = await company({ mode: 'AUTO' }, ['fay']);
    const fay = co.agents.fay!;
    await a.gql(HEARTBEAT, {}, fay.token);
    const answered = async (callSid: string) => {
      expect(dialed((await a.webhook(`/telnyx/voice/${co.companyId}`, { CallSid: callSid, To: '+13055550100' })).body)).toEqual([fay.sip]);
      await b.webhook(`/telnyx/status/${co.companyId}`, {
        ParentCallSid: callSid,
        To: `sip:${fay.sip}@sip.telnyx.com`,
        CallStatus: 'answered',
      });
      await a.webhook(`/telnyx/dial-complete/${co.companyId}`, { CallSid: callSid, DialCallStatus: 'completed' });
      expect(dialed((await c.webhook(`/telnyx/voice/${co.companyId}`, { CallSid: `${callSid}-busy`, To: '+13055550100' })).body)).toEqual(
        [],
      );
    };
    await answered('stuck-across-1');
    // The inbound call's own status callback, on a third instance: fay is free everywhere.
    await c.webhook(`/telnyx/status/${co.companyId}`, { CallSid: 'stuck-across-1', To: '+13055550100', CallStatus: 'completed' });
    expect(
      dialed((await a.webhook(`/telnyx/voice/${co.companyId}`, { CallSid: 'stuck-across-1-after', To: '+13055550100' })).body),
    ).toEqual([fay.sip]);
    await a.webhook(`/telnyx/dial-complete/${co.companyId}`, { CallSid: 'stuck-across-1-after', DialCallStatus: 'no-answer' });

    await answered('stuck-across-2');
    const cleared = await postGql(c.url, `mutation { clearAgentCall(agentId: "${fay.id}") { activeCalls } }`, co.supervisor);
    expect(cleared).toEqual({ data: { clearAgentCall: { activeCalls: 0 } } });
    expect(
      dialed((await b.webhook(`/telnyx/voice/${co.companyId}`, { CallSid: 'stuck-across-2-after', To: '+13055550100' })).body),
    ).toEqual([fay.sip]);
  });

  it('an instance that loses Redis keeps answering from its local view, and catches up by itself when Redis returns', async () => {
    const proxy = await tcpProxy(hostAndPort(REDIS_URL, 6379));
    // A longer lease on this instance (8 s), so the outage and the reconnect fit well inside it.
    const x = await startServer({ env: { ...env, REDIS_URL: `redis://127.0.0.1:${proxy.port}`, PRESENCE_TTL_MS: '8000' } });
    try {
      const co = await company({ mode: 'AUTO' }, ['dee']);
      const dee = co.agents.dee!;
      // Markers in a company of their own (they never ring dee's calls): pip's lease on a (3 s) ends
      // part-way through dee's first one; mo's, taken on x just after dee's, ends just after it.
      const marks = await company({ mode: 'AUTO' }, ['pip', 'mo']);
      const board = subscribe(a.ws(co.supervisor), PRESENCE_CHANGED, { c: co.companyId });
      const marksBoard = subscribe(a.ws(marks.supervisor), PRESENCE_CHANGED, { c: marks.companyId });
      await Promise.all([board.next((e) => e.presenceChanged.snapshot), marksBoard.next((e) => e.presenceChanged.snapshot)]);
      const leaseEnded = (agentId: string) => (e: any) =>
        !e.presenceChanged.snapshot && e.presenceChanged.presence.agentId === agentId && !e.presenceChanged.presence.online;
      await x.gql(HEARTBEAT, {}, dee.token);
      await board.next((e) => !e.presenceChanged.snapshot && e.presenceChanged.presence.online);
      await x.gql(HEARTBEAT, {}, marks.agents.mo!.token);
      await a.gql(HEARTBEAT, {}, marks.agents.pip!.token);

      proxy.cut();
      await waitFor(
        async () => (await fetch(`${x.url}/readyz`)).status,
        (status) => status === 503,
        { what: 'x noticing the outage' },
      );
      await marksBoard.next(leaseEnded(marks.agents.pip!.id), TTL_MS + 3000);
      // Degraded: the heartbeat is still accepted, calls are still routed from what this instance knows.
      const hb = await x.gql(HEARTBEAT, {}, dee.token);
      expect(hb.errors).toBeUndefined();
      expect(hb.data.heartbeat.presence.online).toBe(true);
      const during = await x.webhook(`/telnyx/voice/${co.companyId}`, { CallSid: 'outage-1', To: '+13055550100' });
      expect(during.status).toBe(200);
      expect(during.body.startsWith('<?xml')).toBe(true);
      expect(dialed(during.body)).toEqual([dee.sip]);
      const notReady = await fetch(`${x.url}/readyz`);
      expect(notReady.status).toBe(503); // a load balancer prefers the instances that still have Redis
      expect(await notReady.text()).toContain('redis');

      proxy.restore();
      // Past dee's first lease (mo's ended after it): alive only because the heartbeat made during the outage was replayed.
      await marksBoard.next(leaseEnded(marks.agents.mo!.id), 15_000);
      expect(dialed((await b.webhook(`/telnyx/voice/${co.companyId}`, { CallSid: 'outage-2', To: '+13055550100' })).body)).toEqual([
        dee.sip,
      ]);
      expect(transitions(board.events, dee.id, false)).toHaveLength(0); // no flap
      expect((await fetch(`${x.url}/readyz`)).status).toBe(200);
      // And this instance hears the others again: a status change made on a reaches routing on x.
      await a.gql(
        `mutation($a: ID!) { setAgentStatus(input: { agentId: $a, status: ON_BREAK, reason: "coffee" }) { status } }`,
        { a: dee.id },
        co.supervisor,
      );
      const preview = `query($c: ID!) { routePreview(companyId: $c) { skipped { reason } } }`;
      await waitFor(
        async () => (await x.gql(preview, { c: co.companyId }, co.supervisor)).data?.routePreview.skipped,
        (skipped: any[]) => skipped?.some((s) => s.reason === 'ON_BREAK'),
        { what: "x seeing a's status change" },
      );
      expect(dialed((await x.webhook(`/telnyx/voice/${co.companyId}`, { CallSid: 'outage-3', To: '+13055550100' })).body)).toEqual([]);
    } finally {
      await x.close();
      proxy.close();
    }
  });
});

async function postGql(url: string, query: string, token: string): Promise<any> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return res.json();
}
