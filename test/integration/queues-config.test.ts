/**
 * Queues as configuration, through the real API (docs/QUEUES.md): every company has exactly one
 * default queue from its creation; queues are created, read, updated, deleted and made the default
 * with clear errors for every bad setting; numbers and language-menu options name a queue of their
 * own company; deleting a queue sends what pointed at it to the default queue (numbers, menu options)
 * or to voicemail (other queues' overflow); and the directory's QueuePolicy follows every write at once.
 * On PGlite and on a real Postgres (each reports unique violations its own way, and the writes that
 * move the default lock the company's row). One file over 300 lines: every case runs against the
 * same server per engine; split up, each file would start its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueOf } from '../../src/services/directory.js';
import type { QueuePolicy } from '../../src/domain/queue.js';
import { openDatabase } from '../../src/infra/db.js';
import { ADMIN_KEY, freshPostgres, postgresAvailable, startServer, type TestServer } from '../support/harness.js';

const hasPostgres = await postgresAvailable();

const QUEUE_FIELDS = `id companyId name isDefault requiredSkills mode ringTimeoutSeconds
  businessHours { timeZone weekly { day open close } closures { date } }
  waitEnabled maxWaitSeconds maxSize overflowKind overflowNumber overflowQueueId holdMusicUrl announceEverySeconds
  waitForAgents serviceLevelSeconds callbackEnabled callbackRetries callbackRetryDelaySeconds recording`;

const CREATE = `mutation($input: CreateQueueInput!) { createQueue(input: $input) { ${QUEUE_FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateQueueInput!) { updateQueue(id: $id, input: $input) { ${QUEUE_FIELDS} } }`;
const DELETE = `mutation($id: ID!) { deleteQueue(id: $id) }`;
const SET_DEFAULT = `mutation($id: ID!) { setDefaultQueue(id: $id) { id isDefault } }`;
const QUEUES = `query($c: ID!) { company(id: $c) { queues { id name isDefault } } }`;

const HOURS = { timeZone: 'America/New_York', weekly: [{ day: 'MON', open: '09:00', close: '17:00' }] };

/** The defaults every new queue has (prisma/schema.prisma). */
const DEFAULTS = {
  requiredSkills: null,
  mode: null,
  ringTimeoutSeconds: null,
  businessHours: null,
  waitEnabled: true,
  maxWaitSeconds: 300,
  maxSize: 50,
  overflowKind: 'VOICEMAIL',
  overflowNumber: null,
  overflowQueueId: null,
  holdMusicUrl: null,
  announceEverySeconds: 30,
  waitForAgents: false,
  serviceLevelSeconds: 20,
  callbackEnabled: true,
  callbackRetries: 2,
  callbackRetryDelaySeconds: 60,
  recording: 'ON_DEMAND',
};

describe.each([
  { engine: 'PGlite', run: true },
  { engine: 'Postgres', run: hasPostgres },
])('queues on $engine: configuration and the directory', ({ engine, run }) => {
  let server: TestServer;
  let seq = 0;
  let dropDatabase: (() => Promise<void>) | undefined;

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
  });
  afterAll(async () => {
    await server?.close();
    await dropDatabase?.();
  });

  async function company(name = `Queue Co ${++seq}`): Promise<string> {
    const { createCompany } = await server.admin(`mutation($n: String!) { createCompany(input: { name: $n }) { id } }`, { n: name });
    return createCompany.id;
  }
  async function queuesOf(companyId: string): Promise<{ id: string; name: string; isDefault: boolean }[]> {
    return (await server.admin(QUEUES, { c: companyId })).company.queues;
  }
  async function createQueue(companyId: string, input: Record<string, unknown> = {}): Promise<any> {
    return (await server.admin(CREATE, { input: { companyId, name: `Queue ${++seq}`, ...input } })).createQueue;
  }
  async function number(companyId: string, e164: string, extra: Record<string, unknown> = {}) {
    return server.gql(
      `mutation($input: CreatePhoneNumberInput!) { createPhoneNumber(input: $input) { id e164 queueId priority queue { id name } } }`,
      { input: { companyId, e164, ...extra } },
      ADMIN_KEY,
    );
  }
  /** What the hot paths read, right after the write (no waiting: the write invalidated it). */
  const directoryCompany = async (companyId: string) => (await server.app.services.directory.company(companyId))!;

  describe.runIf(run)('through the API', () => {
    it('createCompany makes its default queue, Main, with the defaults, in the same write', async () => {
      const c = await company();
      const { company: read } = await server.admin(`query($c: ID!) { company(id: $c) { queues { ${QUEUE_FIELDS} } } }`, { c });
      expect(read.queues).toEqual([{ id: expect.any(String), companyId: c, name: 'Main', isDefault: true, ...DEFAULTS }]);
      const cached = await directoryCompany(c);
      expect(cached.queues).toEqual([
        {
          id: read.queues[0].id,
          name: 'Main',
          isDefault: true,
          requiredSkills: null,
          routing: {},
          waitEnabled: true,
          maxWaitSeconds: 300,
          maxSize: 50,
          overflow: { kind: 'VOICEMAIL' },
          holdMusicUrl: null,
          announceEverySeconds: 30,
          waitForAgents: false,
          serviceLevelSeconds: 20,
          callbackEnabled: true,
          callbackRetries: 2,
          callbackRetryDelaySeconds: 60,
          recording: 'ON_DEMAND',
        } satisfies QueuePolicy,
      ]);
      expect(queueOf(cached, null)).toBe(cached.queues[0]);
      expect(queueOf(cached, 'no-such-queue')).toBe(cached.queues[0]);
    });

    it('creates a queue with every setting, reads it back, and the directory has its QueuePolicy at once', async () => {
      const c = await company();
      await directoryCompany(c); // cached before the write: the write must invalidate it
      const settings = {
        requiredSkills: ' billing>=5 & (en | es) ',
        mode: 'ROUND_ROBIN',
        ringTimeoutSeconds: 30,
        businessHours: HOURS,
        waitEnabled: false,
        maxWaitSeconds: 600,
        maxSize: 10,
        overflowKind: 'NUMBER',
        overflowNumber: '+1 305 555 0999',
        holdMusicUrl: 'https://cdn.example.com/music/hold.MP3',
        announceEverySeconds: 0,
        waitForAgents: true,
        serviceLevelSeconds: 45,
        callbackEnabled: false,
        callbackRetries: 5,
        callbackRetryDelaySeconds: 120,
        recording: 'ALL',
      };
      const created = await createQueue(c, { name: '  Billing  ', ...settings });
      expect(created).toEqual({
        ...DEFAULTS,
        ...settings,
        id: expect.any(String),
        companyId: c,
        name: 'Billing',
        isDefault: false,
        requiredSkills: 'billing>=5 & (en | es)',
        overflowNumber: '+13055550999',
        businessHours: { timeZone: 'America/New_York', weekly: [{ day: 'MON', open: '09:00', close: '17:00' }], closures: [] },
      });
      expect((await server.admin(`query($q: ID!) { queue(id: $q) { ${QUEUE_FIELDS} } }`, { q: created.id })).queue).toEqual(created);
      const [main, billing] = await queuesOf(c);
      expect([main!.name, main!.isDefault, billing!.id]).toEqual(['Main', true, created.id]);

      const cached = await directoryCompany(c);
      expect(cached.queues.map((q) => q.id)).toEqual([main!.id, created.id]);
      expect(queueOf(cached, created.id)).toEqual({
        id: created.id,
        name: 'Billing',
        isDefault: false,
        requiredSkills: {
          op: 'and',
          terms: [
            { op: 'has', skill: 'billing', cmp: '>=', level: 5 },
            {
              op: 'or',
              terms: [
                { op: 'has', skill: 'en', cmp: '>=', level: 1 },
                { op: 'has', skill: 'es', cmp: '>=', level: 1 },
              ],
            },
          ],
        },
        routing: {
          mode: 'ROUND_ROBIN',
          ringTimeoutSeconds: 30,
          businessHours: { timeZone: 'America/New_York', weekly: { MON: [{ open: '09:00', close: '17:00' }] }, closures: [] },
        },
        waitEnabled: false,
        maxWaitSeconds: 600,
        maxSize: 10,
        overflow: { kind: 'NUMBER', number: '+13055550999' },
        holdMusicUrl: 'https://cdn.example.com/music/hold.MP3',
        announceEverySeconds: 0,
        waitForAgents: true,
        serviceLevelSeconds: 45,
        callbackEnabled: false,
        callbackRetries: 5,
        callbackRetryDelaySeconds: 120,
        recording: 'ALL',
      } satisfies QueuePolicy);
    });

    it('updates: changed fields only; clear* inherits the company again; "" removes skills and music; the directory follows', async () => {
      const c = await company();
      const q = await createQueue(c, {
        mode: 'LONGEST_IDLE',
        ringTimeoutSeconds: 40,
        businessHours: HOURS,
        requiredSkills: 'es',
        holdMusicUrl: 'http://localhost:8080/hold.wav',
      });
      await directoryCompany(c);
      const { updateQueue: renamed } = await server.admin(UPDATE, { id: q.id, input: { name: 'Spanish', maxSize: 5 } });
      expect(renamed).toEqual({ ...q, name: 'Spanish', maxSize: 5 });
      expect(queueOf(await directoryCompany(c), q.id)).toMatchObject({ name: 'Spanish', maxSize: 5, routing: { mode: 'LONGEST_IDLE' } });

      const { updateQueue: cleared } = await server.admin(UPDATE, {
        id: q.id,
        input: { clearMode: true, clearRingTimeoutSeconds: true, clearBusinessHours: true, requiredSkills: '', holdMusicUrl: '' },
      });
      expect(cleared).toEqual({
        ...renamed,
        mode: null,
        ringTimeoutSeconds: null,
        businessHours: null,
        requiredSkills: null,
        holdMusicUrl: null,
      });
      expect(queueOf(await directoryCompany(c), q.id)).toMatchObject({ routing: {}, requiredSkills: null, holdMusicUrl: null });

      // Overflow into another queue, then back to HANGUP: the target is dropped with the kind.
      const other = await createQueue(c);
      const { updateQueue: spilling } = await server.admin(UPDATE, {
        id: q.id,
        input: { overflowKind: 'QUEUE', overflowQueueId: other.id },
      });
      expect([spilling.overflowKind, spilling.overflowQueueId]).toEqual(['QUEUE', other.id]);
      expect(queueOf(await directoryCompany(c), q.id).overflow).toEqual({ kind: 'QUEUE', queueId: other.id });
      const { updateQueue: hanging } = await server.admin(UPDATE, { id: q.id, input: { overflowKind: 'HANGUP' } });
      expect([hanging.overflowKind, hanging.overflowQueueId]).toEqual(['HANGUP', null]);
      expect(queueOf(await directoryCompany(c), q.id).overflow).toEqual({ kind: 'HANGUP' });
    });

    describe('every bad setting is refused with an error naming its field, and nothing is saved', () => {
      let c: string;
      let other: string;
      let q: any;
      let otherCompanyQueue: any;
      let before: unknown;

      beforeAll(async () => {
        c = await company('Validation Co');
        other = await company('Other Validation Co');
        q = await createQueue(c, { name: 'Target' });
        otherCompanyQueue = await createQueue(other);
        await server.admin(`mutation($c: ID!) { createPhoneNumber(input: { companyId: $c, e164: "+13055550810" }) { id } }`, { c });
        await server.admin(`mutation($c: ID!) { createPhoneNumber(input: { companyId: $c, e164: "+13055550820" }) { id } }`, { c: other });
        before = await server.admin(`query($c: ID!) { company(id: $c) { queues { ${QUEUE_FIELDS} } } }`, { c });
      });

      const cases: [string, () => Record<string, unknown>, RegExp][] = [
        ['an empty name', () => ({ name: '   ' }), /^Validation error: input\.name: must be 1-80 characters$/],
        ['a name of 81 characters', () => ({ name: 'x'.repeat(81) }), /input\.name: must be 1-80 characters/],
        ['maxWaitSeconds 9', () => ({ maxWaitSeconds: 9 }), /^Validation error: input\.maxWaitSeconds: must be a whole number 10-14400$/],
        ['maxWaitSeconds 14401', () => ({ maxWaitSeconds: 14_401 }), /input\.maxWaitSeconds: must be a whole number 10-14400/],
        ['maxSize 0', () => ({ maxSize: 0 }), /input\.maxSize: must be a whole number 1-1000/],
        ['maxSize 1001', () => ({ maxSize: 1001 }), /input\.maxSize: must be a whole number 1-1000/],
        [
          'announceEverySeconds 5',
          () => ({ announceEverySeconds: 5 }),
          /input\.announceEverySeconds: must be 0 \(never\) or a whole number 10-600/,
        ],
        ['announceEverySeconds 601', () => ({ announceEverySeconds: 601 }), /input\.announceEverySeconds: must be 0 \(never\)/],
        ['serviceLevelSeconds 0', () => ({ serviceLevelSeconds: 0 }), /input\.serviceLevelSeconds: must be a whole number 1-3600/],
        ['serviceLevelSeconds 3601', () => ({ serviceLevelSeconds: 3601 }), /input\.serviceLevelSeconds: must be a whole number 1-3600/],
        ['callbackRetries -1', () => ({ callbackRetries: -1 }), /input\.callbackRetries: must be a whole number 0-5/],
        ['callbackRetries 6', () => ({ callbackRetries: 6 }), /input\.callbackRetries: must be a whole number 0-5/],
        [
          'callbackRetryDelaySeconds 9',
          () => ({ callbackRetryDelaySeconds: 9 }),
          /input\.callbackRetryDelaySeconds: must be a whole number 10-3600/,
        ],
        [
          'callbackRetryDelaySeconds 3601',
          () => ({ callbackRetryDelaySeconds: 3601 }),
          /input\.callbackRetryDelaySeconds: must be a whole number 10-3600/,
        ],
        ['ringTimeoutSeconds 4', () => ({ ringTimeoutSeconds: 4 }), /input\.ringTimeoutSeconds: at least 5 seconds/],
        ['ringTimeoutSeconds 121', () => ({ ringTimeoutSeconds: 121 }), /input\.ringTimeoutSeconds: at most 120 seconds \(Telnyx limit\)/],
        ['hold music that is not a URL', () => ({ holdMusicUrl: 'hold.mp3' }), /input\.holdMusicUrl: must be an absolute URL/],
        [
          'hold music over plain http',
          () => ({ holdMusicUrl: 'http://cdn.example.com/hold.mp3' }),
          /input\.holdMusicUrl: must be an https URL \(http only for localhost or 127\.0\.0\.1\)/,
        ],
        ['hold music over ftp', () => ({ holdMusicUrl: 'ftp://127.0.0.1/hold.mp3' }), /input\.holdMusicUrl: must be an https URL/],
        [
          'hold music Telnyx cannot play',
          () => ({ holdMusicUrl: 'https://cdn.example.com/hold.ogg' }),
          /input\.holdMusicUrl: must name an \.mp3 or \.wav file/,
        ],
        [
          'hold music URL of 2001 characters',
          () => ({ holdMusicUrl: `https://cdn.example.com/${'a'.repeat(1973)}.mp3` }),
          /input\.holdMusicUrl: at most 2000 characters/,
        ],
        [
          'a skill expression that does not parse',
          () => ({ requiredSkills: 'billing >= (' }),
          /^Validation error: input\.requiredSkills: invalid skill expression/,
        ],
        [
          'business hours in an unknown zone',
          () => ({ businessHours: { ...HOURS, timeZone: 'Mars/Olympus' } }),
          /input\.businessHours: .*unknown time zone/,
        ],
        [
          'overflow NUMBER without a number',
          () => ({ overflowKind: 'NUMBER' }),
          /^Validation error: input\.overflowNumber: is required when overflowKind is NUMBER$/,
        ],
        [
          'overflow NUMBER that is not E.164',
          () => ({ overflowKind: 'NUMBER', overflowNumber: '305-555' }),
          /input\.overflowNumber: "305-555" is not a valid E\.164 phone number/,
        ],
        [
          'overflow to a premium-rate number',
          () => ({ overflowKind: 'NUMBER', overflowNumber: '+19005551234' }),
          /^Validation error: input\.overflowNumber: \+19005551234 is a premium-rate number/,
        ],
        [
          "overflow to the company's own number",
          () => ({ overflowKind: 'NUMBER', overflowNumber: '+13055550810' }),
          /input\.overflowNumber: \+13055550810 is one of this company's own numbers/,
        ],
        [
          "overflow to another company's number",
          () => ({ overflowKind: 'NUMBER', overflowNumber: '+13055550820' }),
          /input\.overflowNumber: \+13055550820 cannot be used as a forwarding number/,
        ],
        [
          'an overflow number without overflowKind NUMBER',
          () => ({ overflowNumber: '+13055550999' }),
          /input\.overflowNumber: is used only with overflowKind NUMBER/,
        ],
        [
          'overflow QUEUE without a queue',
          () => ({ overflowKind: 'QUEUE' }),
          /^Validation error: input\.overflowQueueId: is required when overflowKind is QUEUE$/,
        ],
        [
          "overflow into another company's queue",
          () => ({ overflowKind: 'QUEUE', overflowQueueId: otherCompanyQueue.id }),
          /input\.overflowQueueId: ".*" is not a queue of this company/,
        ],
        [
          'overflow into a queue that does not exist',
          () => ({ overflowKind: 'QUEUE', overflowQueueId: 'no-such-queue' }),
          /input\.overflowQueueId: "no-such-queue" is not a queue of this company/,
        ],
        [
          'an overflow queue without overflowKind QUEUE',
          () => ({ overflowQueueId: q.id }),
          /input\.overflowQueueId: is used only with overflowKind QUEUE/,
        ],
        [
          'a name the company already uses',
          () => ({ name: 'Target' }),
          /^Validation error: input\.name: this company already has a queue named "Target"$/,
        ],
      ];

      it.each(cases)('createQueue: %s', async (_what, input, message) => {
        const res = await server.gql(CREATE, { input: { companyId: c, name: 'New', ...input() } }, ADMIN_KEY);
        expect(res.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([['BAD_USER_INPUT', expect.stringMatching(message)]]);
        expect(await server.admin(`query($c: ID!) { company(id: $c) { queues { ${QUEUE_FIELDS} } } }`, { c })).toEqual(before);
      });

      it.each(cases.filter(([what]) => what !== 'a name the company already uses'))('updateQueue: %s', async (_what, input, message) => {
        const res = await server.gql(UPDATE, { id: q.id, input: input() }, ADMIN_KEY);
        expect(res.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([['BAD_USER_INPUT', expect.stringMatching(message)]]);
        expect(await server.admin(`query($c: ID!) { company(id: $c) { queues { ${QUEUE_FIELDS} } } }`, { c })).toEqual(before);
      });

      it('updateQueue: overflow into itself, a name taken by another queue, and a loop of overflows', async () => {
        const main = (await queuesOf(c)).find((x) => x.isDefault)!;
        const self = await server.gql(UPDATE, { id: q.id, input: { overflowKind: 'QUEUE', overflowQueueId: q.id } }, ADMIN_KEY);
        expect(self.errors?.[0]?.message).toBe('Validation error: input.overflowQueueId: a queue cannot overflow into itself');
        const taken = await server.gql(UPDATE, { id: q.id, input: { name: 'Main' } }, ADMIN_KEY);
        expect(taken.errors?.[0]?.message).toBe('Validation error: input.name: this company already has a queue named "Main"');
        // Main → Target is fine; Target → Main would close the loop.
        await server.admin(UPDATE, { id: main.id, input: { overflowKind: 'QUEUE', overflowQueueId: q.id } });
        const loop = await server.gql(UPDATE, { id: q.id, input: { overflowKind: 'QUEUE', overflowQueueId: main.id } }, ADMIN_KEY);
        expect(loop.errors?.[0]?.message).toBe(
          'Validation error: input.overflowQueueId: queue "Main" overflows back into this queue (a loop)',
        );
        await server.admin(UPDATE, { id: main.id, input: { overflowKind: 'VOICEMAIL' } });
        expect(await server.admin(`query($c: ID!) { company(id: $c) { queues { ${QUEUE_FIELDS} } } }`, { c })).toEqual(before);
      });

      it('several problems at once are reported together', async () => {
        const res = await server.gql(CREATE, { input: { companyId: c, name: 'New', maxSize: 0, callbackRetries: 9 } }, ADMIN_KEY);
        expect(res.errors?.[0]?.message).toBe(
          'Validation error: input.maxSize: must be a whole number 1-1000; input.callbackRetries: must be a whole number 0-5',
        );
      });

      it('a company or queue that does not exist is NOT_FOUND', async () => {
        const codes = async (query: string, variables: Record<string, unknown>) =>
          (await server.gql(query, variables, ADMIN_KEY)).errors?.map((e) => e.extensions?.code);
        expect(await codes(CREATE, { input: { companyId: 'no-such-company', name: 'X' } })).toEqual(['NOT_FOUND']);
        expect(await codes(UPDATE, { id: 'no-such-queue', input: { maxSize: 3 } })).toEqual(['NOT_FOUND']);
        expect(await codes(DELETE, { id: 'no-such-queue' })).toEqual(['NOT_FOUND']);
        expect(await codes(SET_DEFAULT, { id: 'no-such-queue' })).toEqual(['NOT_FOUND']);
        expect((await server.admin(`query { queue(id: "no-such-queue") { id } }`)).queue).toBeNull();
      });
    });

    it(`a company has at most 50 queues`, async () => {
      const c = await company();
      for (let i = 1; i < 50; i++) await createQueue(c, { name: `Q${i}` });
      expect(await queuesOf(c)).toHaveLength(50);
      const full = await server.gql(CREATE, { input: { companyId: c, name: 'One too many' } }, ADMIN_KEY);
      expect(full.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
        ['LIMIT_REACHED', 'A company has at most 50 queues: this one is full; delete one first.'],
      ]);
      expect(await queuesOf(c)).toHaveLength(50);
    });

    it('the default queue cannot be deleted; setDefaultQueue moves the flag, after which the old default can be', async () => {
      const c = await company();
      const [main] = await queuesOf(c);
      const sales = await createQueue(c, { name: 'Sales' });
      const refused = await server.gql(DELETE, { id: main!.id }, ADMIN_KEY);
      expect(refused.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
        [
          'BAD_USER_INPUT',
          'Validation error: id: the default queue cannot be deleted; make another queue the default first (setDefaultQueue)',
        ],
      ]);
      await directoryCompany(c);

      expect((await server.admin(SET_DEFAULT, { id: sales.id })).setDefaultQueue).toEqual({ id: sales.id, isDefault: true });
      expect(await queuesOf(c)).toEqual([
        { id: sales.id, name: 'Sales', isDefault: true },
        { id: main!.id, name: 'Main', isDefault: false },
      ]);
      const cached = await directoryCompany(c);
      expect(cached.queues.map((q) => [q.id, q.isDefault])).toEqual([
        [sales.id, true],
        [main!.id, false],
      ]);
      expect(queueOf(cached, null).id).toBe(sales.id);
      // Again: nothing changes.
      expect((await server.admin(SET_DEFAULT, { id: sales.id })).setDefaultQueue).toEqual({ id: sales.id, isDefault: true });
      expect((await queuesOf(c)).filter((q) => q.isDefault)).toHaveLength(1);

      expect((await server.admin(DELETE, { id: main!.id })).deleteQueue).toBe(main!.id);
      expect(await queuesOf(c)).toEqual([{ id: sales.id, name: 'Sales', isDefault: true }]);
      expect((await directoryCompany(c)).queues.map((q) => q.id)).toEqual([sales.id]);
    });

    it('numbers name a queue of their company and a priority; the directory routes them', async () => {
      const c = await company();
      const other = await company();
      const [main] = await queuesOf(c);
      const vip = await createQueue(c, { name: 'VIP' });
      const foreign = await createQueue(other);
      await directoryCompany(c);

      const created = await number(c, '+13055550901', { queueId: vip.id, priority: 7 });
      expect(created.data?.createPhoneNumber).toEqual({
        id: expect.any(String),
        e164: '+13055550901',
        queueId: vip.id,
        priority: 7,
        queue: { id: vip.id, name: 'VIP' },
      });
      const plain = await number(c, '+13055550902');
      expect(plain.data?.createPhoneNumber).toMatchObject({ queueId: null, priority: 0, queue: null });
      let cached = await directoryCompany(c);
      expect([...cached.numberRoutes]).toEqual([['+13055550901', { queueId: vip.id, priority: 7 }]]);
      expect(queueOf(cached, cached.numberRoutes.get('+13055550901')!.queueId).name).toBe('VIP');
      expect(queueOf(cached, cached.numberRoutes.get('+13055550902')?.queueId).id).toBe(main!.id);

      const wrongCompany = await number(c, '+13055550903', { queueId: foreign.id });
      expect(wrongCompany.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
        ['BAD_USER_INPUT', `Validation error: input.queueId: "${foreign.id}" is not a queue of this company`],
      ]);
      const tooHigh = await number(c, '+13055550903', { priority: 101 });
      expect(tooHigh.errors?.[0]?.message).toMatch(/input\.priority.*at most 100/);
      expect(tooHigh.data).toBeNull();

      const UPDATE_NUMBER = `mutation($id: ID!, $input: UpdatePhoneNumberInput!) { updatePhoneNumber(id: $id, input: $input) { companyId queueId priority } }`;
      const id = created.data!.createPhoneNumber.id;
      const badMove = await server.gql(UPDATE_NUMBER, { id, input: { queueId: foreign.id } }, ADMIN_KEY);
      expect(badMove.errors?.[0]?.message).toBe(`Validation error: input.queueId: "${foreign.id}" is not a queue of this company`);
      expect((await server.admin(UPDATE_NUMBER, { id, input: { queueId: '', priority: -3 } })).updatePhoneNumber).toEqual({
        companyId: c,
        queueId: null,
        priority: -3,
      });
      cached = await directoryCompany(c);
      expect(cached.numberRoutes.get('+13055550901')).toEqual({ queueId: null, priority: -3 });
      await server.admin(UPDATE_NUMBER, { id, input: { queueId: vip.id } });
      // Moved to another company without a queue: that company's default queue (a queue of the old one would leak across).
      expect((await server.admin(UPDATE_NUMBER, { id, input: { companyId: other } })).updatePhoneNumber).toEqual({
        companyId: other,
        queueId: null,
        priority: -3,
      });
      expect((await directoryCompany(c)).numberRoutes.has('+13055550901')).toBe(false);
      expect((await server.admin(UPDATE_NUMBER, { id, input: { companyId: c, queueId: vip.id } })).updatePhoneNumber).toMatchObject({
        companyId: c,
        queueId: vip.id,
      });
    });

    it("language-menu options name a queue of the company and a priority; another company's queue is refused", async () => {
      const c = await company();
      const other = await company();
      const spanish = await createQueue(c, { name: 'Spanish' });
      const foreign = await createQueue(other);
      const MENU = `mutation($c: ID!, $menu: [LanguageMenuOptionInput!]) {
      updateRoutingConfig(companyId: $c, input: { languageMenu: $menu }) { languageMenu { digit skill queueId priority } } }`;
      const option = (digit: string, skill: string, extra: Record<string, unknown> = {}) => ({
        digit,
        skill,
        prompt: `Press ${digit}`,
        language: 'en-US',
        ...extra,
      });
      await directoryCompany(c);
      const { updateRoutingConfig } = await server.admin(MENU, {
        c,
        menu: [option('1', 'en'), option('2', 'es', { queueId: spanish.id, priority: 10 })],
      });
      expect(updateRoutingConfig.languageMenu).toEqual([
        { digit: '1', skill: 'en', queueId: null, priority: 0 },
        { digit: '2', skill: 'es', queueId: spanish.id, priority: 10 },
      ]);
      expect((await directoryCompany(c)).policy.languageMenu).toEqual([
        { digit: '1', skill: 'en', prompt: 'Press 1', language: 'en-US' },
        { digit: '2', skill: 'es', prompt: 'Press 2', language: 'en-US', queueId: spanish.id, priority: 10 },
      ]);

      const foreignQueue = await server.gql(MENU, { c, menu: [option('2', 'es', { queueId: foreign.id })] }, ADMIN_KEY);
      expect(foreignQueue.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
        ['BAD_USER_INPUT', `Validation error: input.languageMenu: digit 2: "${foreign.id}" is not a queue of this company`],
      ]);
      const tooHigh = await server.gql(MENU, { c, menu: [option('2', 'es', { priority: 101 })] }, ADMIN_KEY);
      expect(tooHigh.errors?.[0]?.message).toBe(
        'Validation error: input.languageMenu: the priority for digit 2 must be a whole number -100..100',
      );
      expect(
        (await server.admin(`query($c: ID!) { company(id: $c) { routing { languageMenu { queueId } } } }`, { c })).company.routing,
      ).toEqual({
        languageMenu: [{ queueId: null }, { queueId: spanish.id }],
      });

      // A company being created has no queue a menu option could name yet.
      const atCreation = await server.gql(
        `mutation($menu: [LanguageMenuOptionInput!]) { createCompany(input: { name: "Menu Co", routing: { languageMenu: $menu } }) { id } }`,
        { menu: [option('1', 'en', { queueId: spanish.id })] },
        ADMIN_KEY,
      );
      expect(atCreation.errors?.[0]?.message).toBe(
        `Validation error: input.routing.languageMenu: digit 1: "${spanish.id}" is not a queue of this company`,
      );
    });

    it('deleting a queue: its numbers and menu options go to the default queue, overflows into it to voicemail', async () => {
      const c = await company();
      const [main] = await queuesOf(c);
      const doomed = await createQueue(c, { name: 'Doomed' });
      const spill = await createQueue(c, { name: 'Spill', overflowKind: 'QUEUE', overflowQueueId: doomed.id });
      const unrelated = await createQueue(c, { name: 'Unrelated', overflowKind: 'HANGUP' });
      const n = await number(c, '+13055550931', { queueId: doomed.id, priority: 4 });
      await server.admin(
        `mutation($c: ID!, $q: ID!) { updateRoutingConfig(companyId: $c, input: { languageMenu: [
        { digit: "1", skill: "en", prompt: "English", language: "en-US", queueId: $q, priority: 2 },
        { digit: "2", skill: "es", prompt: "Español", language: "es-US" } ] }) { companyId } }`,
        { c, q: doomed.id },
      );
      await directoryCompany(c);

      expect((await server.admin(DELETE, { id: doomed.id })).deleteQueue).toBe(doomed.id);
      const { company: after } = await server.admin(
        `query($c: ID!) { company(id: $c) {
        queues { id name overflowKind overflowQueueId }
        phoneNumbers { e164 queueId priority }
        routing { languageMenu { digit queueId priority } } } }`,
        { c },
      );
      expect(after.queues).toEqual([
        { id: main!.id, name: 'Main', overflowKind: 'VOICEMAIL', overflowQueueId: null },
        { id: spill.id, name: 'Spill', overflowKind: 'VOICEMAIL', overflowQueueId: null },
        { id: unrelated.id, name: 'Unrelated', overflowKind: 'HANGUP', overflowQueueId: null },
      ]);
      expect(after.phoneNumbers).toEqual([{ e164: n.data!.createPhoneNumber.e164, queueId: null, priority: 4 }]);
      expect(after.routing.languageMenu).toEqual([
        { digit: '1', queueId: null, priority: 2 },
        { digit: '2', queueId: null, priority: 0 },
      ]);
      const cached = await directoryCompany(c);
      expect(cached.queues.map((q) => [q.name, q.overflow])).toEqual([
        ['Main', { kind: 'VOICEMAIL' }],
        ['Spill', { kind: 'VOICEMAIL' }],
        ['Unrelated', { kind: 'HANGUP' }],
      ]);
      expect(cached.numberRoutes.get('+13055550931')).toEqual({ queueId: null, priority: 4 });
      expect(queueOf(cached, doomed.id).id).toBe(main!.id);
      expect(cached.policy.languageMenu.map((o) => o.queueId)).toEqual([undefined, undefined]);
      expect((await server.admin(`query($q: ID!) { queue(id: $q) { id } }`, { q: doomed.id })).queue).toBeNull();
    });
  });
});
