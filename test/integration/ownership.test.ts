/**
 * What a supervisor configures cannot reach into another tenant or spend the platform's money:
 * SIP usernames are refused with one neutral message whoever holds them, and the number calls are
 * forwarded to (fallback, also after hours) is checked against premium/IRSF ranges, the company's
 * own numbers and other tenants' numbers, through the real API, on PGlite and on a real Postgres
 * (each reports unique violations its own way).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/infra/db.js';
import { ADMIN_KEY, freshPostgres, postgresAvailable, startServer, type TestServer } from '../support/harness.js';

const hasPostgres = await postgresAvailable();

interface Tenant {
  companyId: string;
  supervisor: string;
  number: string;
  sipUsername: string;
}

const suffix = Math.random().toString(36).slice(2, 8);

describe.each([
  { engine: 'PGlite', run: true },
  { engine: 'Postgres', run: hasPostgres },
])('on $engine', ({ engine, run }) => {
  let server: TestServer;
  let a: Tenant;
  let b: Tenant;
  let dropDatabase: (() => Promise<void>) | undefined;

  async function tenant(name: string, number: string): Promise<Tenant> {
    const { createCompany } = await server.admin(`mutation($n: String!) { createCompany(input: { name: $n }) { id } }`, { n: name });
    const companyId = createCompany.id as string;
    await server.admin(`mutation($c: ID!, $e: String!) { createPhoneNumber(input: { companyId: $c, e164: $e }) { id } }`, {
      c: companyId,
      e: number,
    });
    const sipUsername = `${name.toLowerCase()}.first.${suffix}`;
    await server.admin(
      `mutation($c: ID!, $s: String!) { createAgent(input: { companyId: $c, displayName: "First", sipUsername: $s }) { id } }`,
      { c: companyId, s: sipUsername },
    );
    const { issueSupervisorToken } = await server.admin(`mutation($c: ID!) { issueSupervisorToken(companyId: $c) { token } }`, {
      c: companyId,
    });
    return { companyId, supervisor: issueSupervisorToken.token, number, sipUsername };
  }

  beforeAll(async () => {
    if (!run) return;
    if (engine === 'Postgres') {
      const pg = await freshPostgres();
      const database = await openDatabase({ databaseUrl: pg.url, dataDir: 'memory://' });
      dropDatabase = async () => {
        await database.close();
        await pg.drop();
      };
      server = await startServer({ database });
    } else {
      server = await startServer();
    }
    a = await tenant('Alpha', '+13055550710');
    b = await tenant('Bravo', '+13055550720');
  });
  afterAll(async () => {
    await server?.close();
    await dropDatabase?.();
  });

  describe.runIf(run)('SIP usernames and Telnyx credentials', () => {
    const CREATE = `mutation($c: ID!, $s: String!) { createAgent(input: { companyId: $c, displayName: "Twin", sipUsername: $s }) { id } }`;

    it("the error is the same whether the username is taken in the supervisor's company or in another one", async () => {
      const takenHere = await server.gql(CREATE, { c: a.companyId, s: a.sipUsername }, a.supervisor);
      const takenElsewhere = await server.gql(CREATE, { c: a.companyId, s: b.sipUsername }, a.supervisor);
      expect(takenHere.errors).toHaveLength(1);
      expect(takenElsewhere.errors).toHaveLength(1);
      expect(takenElsewhere.errors).toEqual(takenHere.errors);
      expect(takenHere.errors?.[0]).toMatchObject({
        message: 'Validation error: input.sipUsername: this SIP username is not available; choose another',
        extensions: { code: 'BAD_USER_INPUT' },
      });
      // Renaming an existing agent onto a taken username answers the same.
      const { agents } = (await server.gql(`query($c: ID!) { agents(companyId: $c) { id } }`, { c: a.companyId }, a.supervisor)).data!;
      const rename = await server.gql(
        `mutation($id: ID!, $s: String!) { updateAgent(id: $id, input: { sipUsername: $s }) { id } }`,
        { id: agents[0].id, s: b.sipUsername },
        a.supervisor,
      );
      expect(rename.errors?.[0]?.message).toBe(takenHere.errors?.[0]?.message);
    });

    it('a Telnyx credential linked in one company cannot be linked in another: one neutral message (no API key: the index alone)', async () => {
      const credentialId = randomUUID();
      const LINK = `mutation($c: ID!, $s: String!, $t: String) { createAgent(input: { companyId: $c, displayName: "Linked", sipUsername: $s, telnyxCredentialId: $t }) { id } }`;
      const first = await server.gql(LINK, { c: b.companyId, s: `linked.b.${suffix}`, t: credentialId }, b.supervisor);
      expect(first.errors).toBeUndefined();
      const sameCompany = await server.gql(LINK, { c: b.companyId, s: `linked.b2.${suffix}`, t: credentialId }, b.supervisor);
      const otherCompany = await server.gql(LINK, { c: a.companyId, s: `linked.a.${suffix}`, t: credentialId }, a.supervisor);
      expect(otherCompany.errors).toEqual(sameCompany.errors);
      expect(otherCompany.errors?.[0]).toMatchObject({
        message: 'Validation error: input.telnyxCredentialId: this Telnyx credential is not available',
        extensions: { code: 'BAD_USER_INPUT' },
      });
    });
  });

  describe.runIf(run)('the fallback number', () => {
    const UPDATE = `mutation($c: ID!, $input: RoutingConfigInput!) { updateRoutingConfig(companyId: $c, input: $input) { fallbackKind fallbackNumber afterHoursKind } }`;
    const routingOf = async (t: Tenant) =>
      (
        await server.gql(
          `query($c: ID!) { company(id: $c) { routing { fallbackKind fallbackNumber afterHoursKind } } }`,
          { c: t.companyId },
          t.supervisor,
        )
      ).data!.company.routing;

    it.each([
      [
        'a premium-rate number',
        { fallbackKind: 'NUMBER', fallbackNumber: '+1 900 555 1234' },
        /^Validation error: input\.fallbackNumber: \+19005551234 is a premium-rate number/,
      ],
      [
        'a shared-cost number',
        { fallbackNumber: '+33 810 12 34 56' },
        /^Validation error: input\.fallbackNumber: \+33810123456 is a shared-cost number/,
      ],
      [
        'an IRSF destination',
        { fallbackKind: 'NUMBER', fallbackNumber: '+53 7 234 5678' },
        /^Validation error: input\.fallbackNumber: calls cannot be forwarded to Cuba \(\+53\): a destination known for international revenue share fraud/,
      ],
      [
        'a satellite number',
        { afterHoursKind: 'NUMBER', fallbackNumber: '+870 773 123 456' },
        /^Validation error: input\.fallbackNumber: calls cannot be forwarded to Inmarsat/,
      ],
    ])('%s is refused, naming the field, and nothing changes', async (_name, input, message) => {
      const before = await routingOf(a);
      const res = await server.gql(UPDATE, { c: a.companyId, input }, a.supervisor);
      expect(res.errors?.[0]).toMatchObject({ message: expect.stringMatching(message), extensions: { code: 'BAD_USER_INPUT' } });
      expect(await routingOf(a)).toEqual(before);
    });

    it("the company's own number is refused as a loop", async () => {
      const res = await server.gql(
        UPDATE,
        { c: a.companyId, input: { fallbackKind: 'NUMBER', fallbackNumber: '+1 (305) 555-0710' } },
        a.supervisor,
      );
      expect(res.errors?.[0]?.message).toBe(
        "Validation error: input.fallbackNumber: +13055550710 is one of this company's own numbers; forwarding to it would call the company again (a loop)",
      );
    });

    it("another tenant's number is refused without saying whose it is", async () => {
      const res = await server.gql(UPDATE, { c: a.companyId, input: { fallbackKind: 'NUMBER', fallbackNumber: b.number } }, a.supervisor);
      expect(res.errors?.[0]?.message).toBe(`Validation error: input.fallbackNumber: ${b.number} cannot be used as a forwarding number`);
      expect(JSON.stringify(res)).not.toMatch(/Bravo|another|tenant/i);
      expect(JSON.stringify(res)).not.toContain(b.companyId);
      expect((await routingOf(a)).fallbackNumber).toBeNull();
    });

    it('an ordinary number is accepted; switching the forward on later re-checks the stored number', async () => {
      const ok = await server.gql(
        UPDATE,
        { c: a.companyId, input: { fallbackKind: 'NUMBER', fallbackNumber: '+34 911 23 45 67' } },
        a.supervisor,
      );
      expect(ok.errors).toBeUndefined();
      expect(ok.data.updateRoutingConfig).toMatchObject({ fallbackKind: 'NUMBER', fallbackNumber: '+34911234567' });
      // The number becomes one of the company's own (the admin assigns it): turning after-hours
      // forwarding on now would loop, and is refused.
      await server.admin(`mutation($c: ID!) { createPhoneNumber(input: { companyId: $c, e164: "+34911234567" }) { id } }`, {
        c: a.companyId,
      });
      const loop = await server.gql(UPDATE, { c: a.companyId, input: { afterHoursKind: 'NUMBER' } }, a.supervisor);
      expect(loop.errors?.[0]?.message).toMatch(/input\.fallbackNumber: \+34911234567 is one of this company's own numbers/);
      // Unrelated settings still save.
      const unrelated = await server.gql(UPDATE, { c: a.companyId, input: { ringTimeoutSeconds: 25 } }, a.supervisor);
      expect(unrelated.errors).toBeUndefined();
    });

    it('createCompany checks the fallback number of its routing too (admin)', async () => {
      const res = await server.gql(
        `mutation($n: String) { createCompany(input: { name: "Premium Co", routing: { fallbackKind: NUMBER, fallbackNumber: $n } }) { id } }`,
        { n: '+19005551234' },
        ADMIN_KEY,
      );
      expect(res.errors?.[0]?.message).toMatch(/^Validation error: input\.routing\.fallbackNumber: \+19005551234 is a premium-rate number/);
      const taken = await server.gql(
        `mutation($n: String) { createCompany(input: { name: "Copy Co", routing: { fallbackNumber: $n } }) { id } }`,
        { n: b.number },
        ADMIN_KEY,
      );
      expect(taken.errors?.[0]?.message).toBe(
        `Validation error: input.routing.fallbackNumber: ${b.number} cannot be used as a forwarding number`,
      );
    });
  });
});
