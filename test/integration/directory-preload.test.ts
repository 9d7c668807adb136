/**
 * The directory after a restart: the preload fills it with the same companies an on-demand load
 * gives, never over a change made while it ran; misses meanwhile load in batches (few queries for
 * many agents); companies created or deleted later are seen. On PGlite, counting Prisma operations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database, type Db } from '../../src/infra/db.js';
import { Directory } from '../../src/services/directory.js';
import { startServer, waitFor } from '../support/harness.js';

/** Small pages, and enough companies for three of them (and for 100 companies' misses). */
const PAGE = 50;
const COMPANIES = PAGE * 2 + 7;
const AGENTS_PER_COMPANY = 3;
const companyId = (i: number) => `co-${String(i).padStart(5, '0')}`;
const agentId = (c: number, k: number) => `ag-${String(c).padStart(5, '0')}-${k}`;
const numberOf = (c: number) => `+1555${String(c).padStart(7, '0')}`;

async function seed(db: Db): Promise<void> {
  const indexes = Array.from({ length: COMPANIES }, (_, i) => i);
  await db.company.createMany({
    data: indexes.map((i) => ({ id: companyId(i), name: `Company ${i}`, breakReasons: i % 2 ? ['Lunch'] : [], timeZone: 'Europe/Madrid' })),
  });
  // Every other company has a routing row (the others route with DEFAULT_POLICY), some with hours and a menu.
  await db.routingConfig.createMany({
    data: indexes
      .filter((i) => i % 2 === 0)
      .map((i) => ({
        companyId: companyId(i),
        mode: i % 4 === 0 ? ('SEQUENTIAL' as const) : ('AUTO' as const),
        ringTimeoutSeconds: 10 + (i % 20),
        ...(i % 6 === 0 && {
          businessHours: { timeZone: 'Europe/Madrid', weekly: { mon: [{ from: '09:00', to: '17:00' }] }, closures: [] },
          languageMenu: [{ digit: '1', skill: 'es', prompt: 'Para español, pulse 1', language: 'es-US' }],
        }),
      })),
  });
  // Agents inserted by one statement share createdAt: the directory orders them by id after it.
  await db.agent.createMany({
    data: indexes.flatMap((c) =>
      [2, 0, 1].map((k) => ({
        id: agentId(c, k),
        companyId: companyId(c),
        displayName: `Agent ${c}.${k}`,
        sipUsername: `sip.${c}.${k}`,
        enabled: k !== 1,
        status: k === 2 ? ('ON_BREAK' as const) : ('AVAILABLE' as const),
        statusReason: k === 2 ? 'Lunch' : null,
        tier: 1 + k,
        position: k,
        skills: k === 0 ? { es: 8, billing: 3 } : {},
        ...(c % 5 === 0 && k === 0 && { telnyxCredentialId: `cred-${c}`, telnyxSipUsername: `gencred${c}` }),
      })),
    ),
  });
  await db.phoneNumber.createMany({
    data: indexes.map((c) => ({ e164: numberOf(c), companyId: companyId(c), requiredSkills: c % 3 === 0 ? 'es>=5' : null })),
  });
}

/** The same client, counting Prisma operations by model and action (e.g. "Company.findMany"). */
function counted(db: Db, onOperation?: (model: string, operation: string, result: unknown) => Promise<void> | void) {
  const counts = new Map<string, number>();
  const client = db.$extends({
    query: {
      $allModels: {
        async $allOperations({ model, operation, args, query }) {
          const key = `${model}.${operation}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
          const result = await query(args);
          await onOperation?.(model, operation, result);
          return result;
        },
      },
    },
  });
  const total = () => [...counts.values()].reduce((a, b) => a + b, 0);
  return { db: client as unknown as Db, counts, total };
}

describe('Directory preload and batched loading', () => {
  let database: Database;
  let db: Db;

  beforeAll(async () => {
    database = await openDatabase({ dataDir: 'memory://' });
    await database.migrate(() => {});
    db = database.prisma;
    await seed(db);
  });
  afterAll(() => database?.close());

  it("ranks each company's agents in display order (name, then id), leaving them in the directory's order", async () => {
    await db.company.create({ data: { id: 'co-ranked', name: 'Ranked' } });
    // Created in this order; ids break the name tie of the two Alices.
    for (const [id, displayName] of [
      ['r-3', 'bob'],
      ['r-2', 'alice'],
      ['r-1', 'Alice'],
      ['r-4', 'Ángela'],
      ['r-5', 'carl'],
    ]) {
      await db.agent.create({ data: { id: id!, companyId: 'co-ranked', displayName: displayName!, sipUsername: `sip.${id}` } });
    }
    const company = (await new Directory(db).company('co-ranked'))!;
    expect(company.agents.map((a) => a.id)).toEqual(['r-3', 'r-2', 'r-1', 'r-4', 'r-5']);
    const byRank = [...company.agents].sort((a, b) => a.displayRank - b.displayRank).map((a) => a.displayName);
    expect(byRank).toEqual(['Alice', 'alice', 'Ángela', 'bob', 'carl']);
    await db.company.delete({ where: { id: 'co-ranked' } });
  });

  it('preloads every company equal to what loading it alone gives, in a few queries, and then serves from memory', async () => {
    const queries = counted(db);
    const preloaded = new Directory(queries.db, 'own', { loadBatch: PAGE });
    const report = await preloaded.preload();
    expect(report).toMatchObject({ companies: COMPANIES, agents: COMPANIES * AGENTS_PER_COMPANY, complete: true });
    // One id page and one company load (which Prisma makes one query per table) per page, plus the empty last page.
    expect(Object.fromEntries(queries.counts)).toEqual({ 'Company.findMany': 3 + 3 + 1 });

    // Every combination of the seed's variations (i mod 2, 3, 4, 5, 6), and each page's edges.
    for (const c of [...Array.from({ length: 13 }, (_, i) => i), PAGE - 1, PAGE, COMPANIES - 1]) {
      const alone = await new Directory(db).company(companyId(c));
      expect(alone).not.toBeNull();
      expect(await preloaded.company(companyId(c))).toEqual(alone);
    }
    const before = queries.total();
    for (let c = 0; c < COMPANIES; c++) {
      expect((await preloaded.company(companyId(c)))?.agents).toHaveLength(AGENTS_PER_COMPANY);
      expect((await preloaded.agent(agentId(c, 1)))?.company.id).toBe(companyId(c));
      expect(await preloaded.companyIdForNumber(numberOf(c))).toBe(companyId(c));
    }
    expect(queries.total()).toBe(before); // everything was in memory

    // What a company holds, spelled out once (the comparison above is only as good as the loader).
    const c0 = (await preloaded.company(companyId(0)))!;
    expect(c0.agents.map((a) => a.id)).toEqual([agentId(0, 0), agentId(0, 1), agentId(0, 2)]);
    expect(c0.agents[0]).toMatchObject({ companyId: companyId(0), skills: { es: 8, billing: 3 }, telnyxCredentialId: 'cred-0', tier: 1 });
    expect(c0.agents[2]).toMatchObject({ status: 'ON_BREAK', statusReason: 'Lunch', enabled: true });
    expect(c0.policy).toMatchObject({ mode: 'SEQUENTIAL', ringTimeoutSeconds: 10, businessHours: { timeZone: 'Europe/Madrid' } });
    expect(c0.policy.languageMenu).toEqual([{ digit: '1', skill: 'es', prompt: 'Para español, pulse 1', language: 'es-US' }]);
    expect([...c0.numberSkills.keys()]).toEqual([numberOf(0)]);
    const c1 = (await preloaded.company(companyId(1)))!;
    expect(c1).toMatchObject({ breakReasons: ['Lunch'], timeZone: 'Europe/Madrid', policy: { mode: 'AUTO', ringTimeoutSeconds: 25 } });
    expect(c1.numberSkills.size).toBe(0);
    expect(preloaded.lastKnown(companyId(1))).toBe(c1);
  });

  it('never keeps preload data read before a change that was invalidated while the preload ran', async () => {
    const target = companyId(PAGE + 3); // on the second page
    const remote = companyId(PAGE + 4); // invalidated by another instance (directory-sync's forget)
    let directory!: Directory;
    let changed = false;
    // Right after the second page's companies are read (old names), they change and are invalidated.
    const queries = counted(db, async (model, operation, result) => {
      const rows = result as { id: string; agents?: unknown }[];
      if (changed || model !== 'Company' || operation !== 'findMany' || !rows.some((r) => r.id === target && r.agents)) return;
      changed = true;
      await db.company.update({ where: { id: target }, data: { name: 'Renamed during the preload' } });
      directory.invalidateCompany(target);
      await db.company.update({ where: { id: remote }, data: { name: 'Renamed elsewhere' } });
      directory.forget({ company: remote });
      await db.phoneNumber.update({ where: { e164: numberOf(PAGE + 5) }, data: { companyId: companyId(0) } });
      directory.invalidateNumbers();
    });
    directory = new Directory(queries.db, 'own', { loadBatch: PAGE });
    try {
      const report = await directory.preload();
      expect(changed).toBe(true);
      expect(report.complete).toBe(true);
      expect((await directory.company(target))?.name).toBe('Renamed during the preload');
      expect(directory.lastKnown(target)?.name).toBe('Renamed during the preload');
      expect((await directory.company(remote))?.name).toBe('Renamed elsewhere');
      expect(await directory.companyIdForNumber(numberOf(PAGE + 5))).toBe(companyId(0));
      // The number map filled by the later (third) page is kept.
      const before = queries.total();
      expect(await directory.companyIdForNumber(numberOf(COMPANIES - 1))).toBe(companyId(COMPANIES - 1));
      expect(queries.total()).toBe(before);
    } finally {
      await db.company.update({ where: { id: target }, data: { name: `Company ${PAGE + 3}` } });
      await db.company.update({ where: { id: remote }, data: { name: `Company ${PAGE + 4}` } });
      await db.phoneNumber.update({ where: { e164: numberOf(PAGE + 5) }, data: { companyId: companyId(PAGE + 5) } });
    }
  });

  it('after the preload: an invalidated company reloads, a new one loads on demand, a deleted one is gone', async () => {
    const directory = new Directory(db, 'own', { loadBatch: PAGE });
    await directory.preload();
    await db.agent.update({ where: { id: agentId(7, 0) }, data: { status: 'WRAP_UP' } });
    directory.invalidateCompany(companyId(7));
    expect((await directory.agent(agentId(7, 0)))?.agent.status).toBe('WRAP_UP');

    await db.company.create({ data: { id: 'co-later', name: 'Created after the preload' } });
    await db.agent.create({ data: { id: 'ag-later', companyId: 'co-later', displayName: 'Late', sipUsername: 'sip.late' } });
    expect((await directory.agent('ag-later'))?.company.name).toBe('Created after the preload');

    await db.company.delete({ where: { id: 'co-later' } });
    directory.invalidateCompany('co-later');
    expect(await directory.company('co-later')).toBeNull();
    expect(await directory.agent('ag-later')).toBeNull();
    expect(directory.lastKnown('co-later')).toBeUndefined();
  });

  it('cachedAgent answers as agent() without waiting once its company has settled, and undefined before', async () => {
    const directory = new Directory(db, 'own', { loadBatch: PAGE });
    expect(directory.cachedAgent(agentId(3, 0))).toBeUndefined(); // nothing loaded: agent() must wait
    const loaded = await directory.agent(agentId(3, 0));
    expect(directory.cachedAgent(agentId(3, 0))).toEqual(loaded);
    expect(directory.cachedAgent(agentId(3, 0))?.agent).toBe(loaded?.agent); // the cached objects themselves
    directory.invalidateCompany(companyId(3));
    expect(directory.cachedAgent(agentId(3, 0))).toBeUndefined(); // dropped: agent() reloads
    await db.agent.update({ where: { id: agentId(3, 1) }, data: { companyId: companyId(4) } });
    try {
      await directory.company(companyId(3));
      expect(directory.cachedAgent(agentId(3, 1))).toBeNull(); // no longer in the company it was known in
      expect(await directory.agent(agentId(3, 1))).toBeNull();
    } finally {
      await db.agent.update({ where: { id: agentId(3, 1) }, data: { companyId: companyId(3) } });
    }
  });

  it('holds every agent in one shape, skills without any sharing one empty object, times as epoch ms', async () => {
    const directory = new Directory(db, 'own', { loadBatch: PAGE });
    await directory.preload();
    const agents = (await Promise.all([companyId(0), companyId(PAGE + 1)].map((id) => directory.company(id)))).flatMap((c) => c!.agents);
    for (const a of agents) expect(Object.keys(a)).toEqual(Object.keys(agents[0]!));
    const empty = agents.filter((a) => Object.keys(a.skills).length === 0);
    expect(empty.length).toBeGreaterThan(1);
    for (const a of empty) expect(a.skills).toBe(empty[0]!.skills);
    expect(Object.isFrozen(empty[0]!.skills)).toBe(true);
    const [c1, c2] = await Promise.all([companyId(1), companyId(PAGE + 2)].map((id) => directory.company(id)));
    expect(c1!.numberSkills.size).toBe(0); // companies without number skills or routes share one empty map
    expect(c1!.numberSkills).toBe(c2!.numberSkills);
    expect(c1!.numberRoutes).toBe(c2!.numberSkills);
    const seenAt = new Date('2026-11-27T10:00:00.000Z');
    await db.agent.update({ where: { id: agentId(0, 0) }, data: { lastSeenAt: seenAt } });
    directory.invalidateCompany(companyId(0));
    expect((await directory.agent(agentId(0, 0)))?.agent.lastSeenAt).toBe(seenAt.getTime());
    await db.agent.update({ where: { id: agentId(0, 0) }, data: { lastSeenAt: null } });
  });

  it('turns 300 concurrent misses of 100 companies into a few queries', async () => {
    const queries = counted(db);
    const directory = new Directory(queries.db); // batches of up to LOAD_BATCH (500) companies;
    const agents = Array.from({ length: 100 }, (_, c) => [0, 1, 2].map((k) => agentId(c, k))).flat();
    const found = await Promise.all(agents.map((id) => directory.agent(id)));
    expect(found.map((f) => f?.agent.id)).toEqual(agents);
    expect(found.map((f) => f?.company.id)).toEqual(agents.map((id) => `co-${id.slice(3, 8)}`));
    // Before: 300 agent lookups and 100 company loads. Now: a batch of each (a second if one was still running).
    expect(queries.counts.get('Agent.findMany')).toBeLessThanOrEqual(2);
    expect(queries.counts.get('Company.findMany')).toBeLessThanOrEqual(2);
    expect(queries.total()).toBeLessThanOrEqual(4);
    expect(await Promise.all(['no-such-agent', 'no-such-agent-2'].map((id) => directory.agent(id)))).toEqual([null, null]);
    expect(await directory.company('no-such-company')).toBeNull();
    expect(directory.cacheSizes.companies).toBe(100); // misses are not kept
  });

  it("an agent's call end is learnt in place: no reload of the company, and other instances are told", async () => {
    const queries = counted(db);
    const directory = new Directory(queries.db);
    const changes: unknown[] = [];
    directory.onChange((change) => changes.push(change));
    const before = await directory.company(companyId(3));
    const loads = queries.counts.get('Company.findMany');
    const at = new Date('2026-11-27T10:00:00Z');
    directory.agentCallEnded(companyId(3), agentId(3, 0), at);
    const after = await directory.company(companyId(3));
    expect(after).toBe(before); // the same cached object: nothing reloaded
    expect(queries.counts.get('Company.findMany')).toBe(loads);
    expect(after!.agents.find((a) => a.id === agentId(3, 0))!.lastCallEndedAt).toEqual(at);
    expect(changes).toEqual([{ company: companyId(3) }]);
    // Not loaded here: dropped (and announced) as any change.
    directory.agentCallEnded(companyId(4), agentId(4, 0), at);
    expect(changes).toEqual([{ company: companyId(3) }, { company: companyId(4) }]);
  });

  it('the app preloads after listening and reports it under /readyz details', async () => {
    const server = await startServer({ database, env: { LOG_LEVEL: 'silent' } });
    try {
      const details = await waitFor(
        async () =>
          ((await (await fetch(`${server.url}/readyz`)).json()) as { details?: { directoryPreload?: { state: string } } }).details,
        (d) => d?.directoryPreload?.state === 'done',
        { what: 'the directory preload to finish' },
      );
      expect(details?.directoryPreload).toMatchObject({ companies: COMPANIES, agents: COMPANIES * AGENTS_PER_COMPANY, complete: true });
      expect(server.app.services.directory.cacheSizes).toMatchObject({ companies: COMPANIES, numbers: COMPANIES });
    } finally {
      await server.close();
    }
  });
});
