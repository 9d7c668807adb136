/**
 * The audit trail through the real API: each kind of configuration change and supervisor action
 * leaves exactly one event with its actor (kind, subject, token fingerprint, never the token) and a
 * before/after diff of what changed; a refused change leaves none; supervisors read their own
 * company's trail only, newest first, page by page.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startServer, type TestServer } from '../support/harness.js';

const fingerprint = (credential: string) => `tok_${createHash('sha256').update(credential).digest('hex').slice(0, 16)}`;

const EVENTS = `query($c: ID!, $first: Int, $after: String, $filter: AuditEventFilter) {
  auditEvents(companyId: $c, first: $first, after: $after, filter: $filter) {
    id action actor actorSubject tokenId agentId targetIds changedFields changes detail cursor createdAt
  }
}`;

describe('audit trail', () => {
  let server: TestServer;
  let a: { companyId: string; supervisor: string; agentId: string; agentToken: string };
  let otherSupervisor: string;
  let otherCompanyId: string;

  /** The events of `companyId`, oldest first, read from the table itself. */
  const rows = (companyId: string) =>
    server.database.prisma.auditEvent.findMany({ where: { companyId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  const count = (companyId: string) => server.database.prisma.auditEvent.count({ where: { companyId } });

  /** Runs `change` and returns the one event it left in company A (fails if it left none or several). */
  async function oneEvent(change: () => Promise<unknown>) {
    const before = await rows(a.companyId);
    await change();
    const after = await rows(a.companyId);
    const added = after.filter((r) => !before.some((b) => b.id === r.id));
    expect(added).toHaveLength(1);
    return added[0]! as { action: string; actor: string; agentId: string | null; detail: any };
  }

  async function asSupervisor(query: string, variables: Record<string, unknown> = {}, token = a.supervisor) {
    const result = await server.gql(query, variables, token);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data;
  }

  beforeAll(async () => {
    server = await startServer();
    const make = async (name: string) => {
      const { createCompany } = await server.admin(`mutation($n: String!) { createCompany(input: { name: $n }) { id } }`, { n: name });
      const { issueSupervisorToken } = await server.admin(`mutation($c: ID!) { issueSupervisorToken(companyId: $c) { token } }`, {
        c: createCompany.id,
      });
      return { companyId: createCompany.id as string, supervisor: issueSupervisorToken.token as string };
    };
    const made = await make('Audited');
    const other = await make('Other');
    otherSupervisor = other.supervisor;
    otherCompanyId = other.companyId;
    const { createAgent } = await server.admin(
      `mutation($c: ID!) { createAgent(input: { companyId: $c, displayName: "Ana", sipUsername: "ana.audit" }) { id } }`,
      { c: made.companyId },
    );
    const { issueAgentToken } = await server.admin(`mutation($a: ID!) { issueAgentToken(agentId: $a) { token } }`, { a: createAgent.id });
    a = { ...made, agentId: createAgent.id, agentToken: issueAgentToken.token };
  });
  afterAll(() => server.close());

  it('creating a company is recorded with the admin as actor and the key fingerprinted, never stored', async () => {
    const [created] = await rows(a.companyId);
    expect(created).toMatchObject({ action: 'company.created', actor: 'admin' });
    const detail = created!.detail as any;
    expect(detail.by).toEqual({ subject: null, tokenId: fingerprint(ADMIN_KEY) });
    expect(detail.changes.name).toEqual({ before: null, after: 'Audited' });
    expect(detail.changes['routing.mode']).toBeDefined();
    const everything = JSON.stringify(await server.database.prisma.auditEvent.findMany());
    expect(everything).not.toContain(ADMIN_KEY);
    expect(everything).not.toContain(a.supervisor);
  });

  it('a supervisor changing routing: one event, its token, and only the changed fields', async () => {
    const event = await oneEvent(() =>
      asSupervisor(`mutation($c: ID!) { updateRoutingConfig(companyId: $c, input: { ringTimeoutSeconds: 27 }) { companyId } }`, {
        c: a.companyId,
      }),
    );
    expect(event).toMatchObject({ action: 'routing.updated', actor: 'supervisor' });
    expect(event.detail.by).toEqual({ subject: a.companyId, tokenId: fingerprint(a.supervisor) });
    expect(Object.keys(event.detail.changes)).toEqual(['ringTimeoutSeconds']);
    expect(event.detail.changes.ringTimeoutSeconds.after).toBe(27);
  });

  it('company, agent, number and queue writes each leave one event with the right diff and target', async () => {
    const company = await oneEvent(() =>
      server.admin(`mutation($c: ID!) { updateCompany(id: $c, input: { name: "Audited Inc" }) { id } }`, { c: a.companyId }),
    );
    expect(company).toMatchObject({ action: 'company.updated', actor: 'admin' });
    expect(company.detail.changes).toEqual({ name: { before: 'Audited', after: 'Audited Inc' } });

    const agent = await oneEvent(() =>
      asSupervisor(`mutation($a: ID!) { updateAgent(id: $a, input: { displayName: "Ana B", tier: 2 }) { id } }`, { a: a.agentId }),
    );
    expect(agent).toMatchObject({ action: 'agent.updated', actor: 'supervisor', agentId: a.agentId });
    expect(agent.detail.changes).toEqual({ displayName: { before: 'Ana', after: 'Ana B' }, tier: { before: 1, after: 2 } });

    let numberId = '';
    const created = await oneEvent(async () => {
      const { createPhoneNumber } = await server.admin(
        `mutation($c: ID!) { createPhoneNumber(input: { companyId: $c, e164: "+13055550123", label: "Main" }) { id } }`,
        { c: a.companyId },
      );
      numberId = createPhoneNumber.id;
    });
    expect(created).toMatchObject({ action: 'number.created', detail: { target: { phoneNumberId: numberId } } });
    const updated = await oneEvent(() =>
      server.admin(`mutation($n: ID!) { updatePhoneNumber(id: $n, input: { label: "Sales" }) { id } }`, { n: numberId }),
    );
    expect(updated.detail.changes).toEqual({ label: { before: 'Main', after: 'Sales' } });
    const deleted = await oneEvent(() => server.admin(`mutation($n: ID!) { deletePhoneNumber(id: $n) }`, { n: numberId }));
    expect(deleted).toMatchObject({ action: 'number.deleted' });
    expect(deleted.detail.changes.e164).toEqual({ before: '+13055550123', after: null });

    let queueId = '';
    const queueCreated = await oneEvent(async () => {
      const { createQueue } = await server.admin(`mutation($c: ID!) { createQueue(input: { companyId: $c, name: "Billing" }) { id } }`, {
        c: a.companyId,
      });
      queueId = createQueue.id;
    });
    expect(queueCreated).toMatchObject({ action: 'queue.created', detail: { target: { queueId } } });
    const queueUpdated = await oneEvent(() =>
      server.admin(`mutation($q: ID!) { updateQueue(id: $q, input: { maxSize: 10 }) { id } }`, { q: queueId }),
    );
    expect(queueUpdated.detail.changes).toEqual({ maxSize: { before: 50, after: 10 } });
    const defaultSet = await oneEvent(() => server.admin(`mutation($q: ID!) { setDefaultQueue(id: $q) { id } }`, { q: queueId }));
    expect(defaultSet).toMatchObject({ action: 'queue.default_set', detail: { target: { queueId } } });
    // The old default back, then the queue deleted.
    const { company: co } = await server.admin(`query($c: ID!) { company(id: $c) { queues { id name } } }`, { c: a.companyId });
    const oldDefault = co.queues.find((q: any) => q.id !== queueId).id;
    await server.admin(`mutation($q: ID!) { setDefaultQueue(id: $q) { id } }`, { q: oldDefault });
    const queueDeleted = await oneEvent(() => server.admin(`mutation($q: ID!) { deleteQueue(id: $q) }`, { q: queueId }));
    expect(queueDeleted).toMatchObject({ action: 'queue.deleted', detail: { target: { queueId } } });
  });

  it("supervisor actions: an agent's status set by a supervisor and token revocations; an agent's own status is not one", async () => {
    const status = await oneEvent(() =>
      asSupervisor(`mutation($a: ID!) { setAgentStatus(input: { agentId: $a, status: ON_BREAK, reason: "Lunch" }) { status } }`, {
        a: a.agentId,
      }),
    );
    expect(status).toMatchObject({ action: 'agent.status_set', actor: 'supervisor', agentId: a.agentId });
    expect(status.detail.changes).toEqual({
      status: { before: 'AVAILABLE', after: 'ON_BREAK' },
      statusReason: { before: null, after: 'Lunch' },
    });

    const before = await count(a.companyId);
    const own = await server.gql(`mutation { setAgentStatus(input: { status: AVAILABLE }) { status } }`, {}, a.agentToken);
    expect(own.errors).toBeUndefined();
    expect(await count(a.companyId)).toBe(before);

    const revoked = await oneEvent(() => asSupervisor(`mutation($a: ID!) { revokeAgentTokens(agentId: $a) }`, { a: a.agentId }));
    expect(revoked).toMatchObject({ action: 'agent.tokens_revoked', agentId: a.agentId });
    expect(revoked.detail.changes.tokenVersion).toEqual({ before: 0, after: 1 });
  });

  it('a refused change leaves no event', async () => {
    const before = await count(a.companyId);
    // Another company's supervisor: FORBIDDEN.
    const forbidden = await server.gql(
      `mutation($c: ID!) { updateRoutingConfig(companyId: $c, input: { ringTimeoutSeconds: 30 }) { companyId } }`,
      { c: a.companyId },
      otherSupervisor,
    );
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // Invalid combination: NUMBER without a number.
    const invalid = await server.gql(
      `mutation($c: ID!) { updateRoutingConfig(companyId: $c, input: { fallbackKind: NUMBER }) { companyId } }`,
      { c: a.companyId },
      a.supervisor,
    );
    expect(invalid.errors).toBeDefined();
    // A name the company already uses.
    const duplicate = await server.gql(
      `mutation($c: ID!) { createQueue(input: { companyId: $c, name: "Twice" }) { id } }`,
      { c: a.companyId },
      ADMIN_KEY,
    );
    expect(duplicate.errors).toBeUndefined();
    const afterFirst = await count(a.companyId);
    const again = await server.gql(
      `mutation($c: ID!) { createQueue(input: { companyId: $c, name: "Twice" }) { id } }`,
      { c: a.companyId },
      ADMIN_KEY,
    );
    expect(again.errors).toBeDefined();
    expect(afterFirst).toBe(before + 1);
    expect(await count(a.companyId)).toBe(afterFirst);
  });

  it("supervisors of another company see nothing of this company's trail", async () => {
    const refused = await server.gql(EVENTS, { c: a.companyId }, otherSupervisor);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(refused.data?.auditEvents ?? null).toBeNull();
    const own = await asSupervisor(EVENTS, { c: otherCompanyId, first: 100 }, otherSupervisor);
    expect(own.auditEvents.length).toBeGreaterThan(0);
    const ofA = new Set((await rows(a.companyId)).map((r) => r.id));
    expect(own.auditEvents.some((e: any) => ofA.has(e.id))).toBe(false);
    const agentRefused = await server.gql(EVENTS, { c: a.companyId }, a.agentToken);
    expect(agentRefused.errors).toBeDefined();
  });

  it('pages newest first by cursor, with filters', async () => {
    const all = (await asSupervisor(EVENTS, { c: a.companyId, first: 100 })).auditEvents as any[];
    const stored = await rows(a.companyId);
    expect(all.map((e) => e.id)).toEqual(stored.map((r) => r.id).reverse());
    const times = all.map((e) => Date.parse(e.createdAt));
    expect(times).toEqual([...times].sort((x, y) => y - x));

    const paged: any[] = [];
    let after: string | null = null;
    for (let page = 0; page < 100; page++) {
      const batch = (await asSupervisor(EVENTS, { c: a.companyId, first: 3, after })).auditEvents as any[];
      if (batch.length === 0) break;
      expect(batch.length).toBeLessThanOrEqual(3);
      paged.push(...batch);
      after = batch.at(-1).cursor;
    }
    expect(paged.map((e) => e.id)).toEqual(all.map((e) => e.id));

    const routing = (await asSupervisor(EVENTS, { c: a.companyId, filter: { action: 'routing.updated' } })).auditEvents as any[];
    expect(routing.map((e) => e.action)).toEqual(['routing.updated']);
    expect(JSON.parse(routing[0].changes).ringTimeoutSeconds.after).toBe(27);
    const bySupervisors = (await asSupervisor(EVENTS, { c: a.companyId, filter: { actor: 'supervisor' } })).auditEvents as any[];
    expect(bySupervisors.length).toBeGreaterThan(0);
    expect(bySupervisors.every((e) => e.actor === 'supervisor' && e.tokenId === fingerprint(a.supervisor))).toBe(true);
    const future = (await asSupervisor(EVENTS, { c: a.companyId, filter: { from: new Date(Date.now() + 3600_000).toISOString() } }))
      .auditEvents;
    expect(future).toEqual([]);

    const tooMany = await server.gql(EVENTS, { c: a.companyId, first: 101 }, a.supervisor);
    expect(tooMany.errors).toBeDefined();
    const badCursor = await server.gql(EVENTS, { c: a.companyId, after: 'nonsense' }, a.supervisor);
    expect(badCursor.errors?.[0]?.message).toContain('after');
  });
});
