/**
 * One migration history for both engines: applied to a real Postgres and to PGlite, idempotent,
 * safe against concurrent starters, and refusing an edited migration. Also checks that the
 * migrations produce exactly the schema prisma/schema.prisma describes, and that data written
 * before a migration comes through it (every company gets its default queue).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/infra/db.js';
import { migrate, readMigrations } from '../../src/infra/migrator.js';
import { freshPostgres, postgresAvailable } from '../support/harness.js';

const run = promisify(execFile);
const hasPostgres = await postgresAvailable();

describe.runIf(hasPostgres)('migrations on the real Postgres', () => {
  let pgdb: Awaited<ReturnType<typeof freshPostgres>>;
  let database: Database;

  beforeAll(async () => {
    pgdb = await freshPostgres();
    database = await openDatabase({ databaseUrl: pgdb.url, dataDir: 'memory://' });
  });
  afterAll(async () => {
    await database?.close();
    await pgdb?.drop();
  });

  it('applies every migration once, even when two instances start together', async () => {
    const migrations = await readMigrations();
    expect(migrations.length).toBeGreaterThan(0);
    const other = await openDatabase({ databaseUrl: pgdb.url, dataDir: 'memory://' });
    try {
      const [a, b] = await Promise.all([database.migrate(), other.migrate()]);
      expect(a.applied.length + b.applied.length).toBe(migrations.length);
    } finally {
      await other.close();
    }
    const again = await database.migrate();
    expect(again).toEqual({ applied: [], alreadyApplied: migrations.length });
    const rows = await database.sql.query<{ migration_name: string }>(
      `SELECT migration_name FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(rows.map((r) => r.migration_name)).toEqual(migrations.map((m) => m.name));
  });

  it('serves the Prisma client through the pg adapter', async () => {
    const company = await database.prisma.company.create({
      data: { name: 'PG Co', routing: { create: { ringTimeoutSeconds: 30 } } },
      include: { routing: true },
    });
    expect(company.routing?.ringTimeoutSeconds).toBe(30);
    await database.prisma.company.delete({ where: { id: company.id } });
  });

  it('refuses a migration that was edited after it was applied', async () => {
    const migrations = await readMigrations();
    const edited = migrations.map((m, i) => (i === 0 ? { ...m, checksum: 'edited' } : m));
    await expect(migrate(database.sql, { migrations: edited })).rejects.toThrow(/changed after it was applied/);
  });

  it('matches prisma/schema.prisma exactly (no drift between the schema and the migrations)', async () => {
    // With a driver adapter Prisma cannot diff against a live database, so compare catalogs instead:
    // our migrations in one database, Prisma's own SQL for schema.prisma in another, pg_dump both.
    const reference = await freshPostgres();
    try {
      const { stdout: sql } = await run(
        'npx',
        ['prisma', 'migrate', 'diff', '--from-empty', '--to-schema-datamodel', 'prisma/schema.prisma', '--script'],
        { env: { ...process.env, DATABASE_URL: reference.url }, timeout: 60_000 },
      );
      const ref = await openDatabase({ databaseUrl: reference.url, dataDir: 'memory://' });
      await ref.sql.exec(sql);
      await ref.close();
      const dump = async (url: string) => {
        const { stdout } = await run('pg_dump', [
          '--schema-only',
          '--no-owner',
          '--no-privileges',
          '--exclude-table=_prisma_migrations',
          url,
        ]);
        // Columns added by a later migration come last in the table, so compare lines, not their order.
        return stdout
          .split('\n')
          .filter((l) => l.trim() !== '' && !l.startsWith('--') && !/^SET |^SELECT pg_catalog|^\\(un)?restrict /.test(l))
          .map((l) => l.replace(/,$/, ''))
          .sort()
          .join('\n');
      };
      const [ours, theirs] = await Promise.all([dump(pgdb.url), dump(reference.url)]);
      expect(ours).toContain('CREATE TABLE public."Agent"');
      expect(ours).toEqual(theirs);
    } finally {
      await reference.drop();
    }
  }, 90_000);
});

describe('migrations on the embedded PGlite', () => {
  it('applies the same history and rolls back a failing migration whole', async () => {
    const database = await openDatabase({ dataDir: 'memory://' });
    try {
      const first = await database.migrate();
      expect(first.applied.length).toBeGreaterThan(0);
      const broken = [
        ...(await readMigrations()),
        { name: '99990101000000_broken', sql: 'CREATE TABLE "Half" (id int); SELECT * FROM missing_table;', checksum: 'x' },
      ];
      await expect(migrate(database.sql, { migrations: broken })).rejects.toThrow(/99990101000000_broken failed/);
      const half = await database.sql.query(`SELECT to_regclass('"Half"') AS t`);
      expect(half[0]).toEqual({ t: null });
      const recorded = await database.sql.query(`SELECT 1 FROM "_prisma_migrations" WHERE migration_name = '99990101000000_broken'`);
      expect(recorded).toHaveLength(0);
    } finally {
      await database.close();
    }
  });
});

describe('migration: queues', () => {
  it('gives every existing company exactly one default queue, named Main, with the defaults', async () => {
    const database = await openDatabase({ dataDir: 'memory://' });
    try {
      const migrations = await readMigrations();
      const at = migrations.findIndex((m) => /_queues$/.test(m.name));
      expect(at).toBeGreaterThan(0);
      await migrate(database.sql, { migrations: migrations.slice(0, at) });
      await database.sql.exec(`INSERT INTO "Company" ("id", "name", "updatedAt") VALUES ('c-one', 'One', now()), ('c-two', 'Two', now())`);
      await database.sql.exec(`INSERT INTO "PhoneNumber" ("id", "e164", "companyId") VALUES ('n-one', '+13055550101', 'c-one')`);

      await migrate(database.sql, { migrations });
      const queues = await database.prisma.queue.findMany({ orderBy: { companyId: 'asc' } });
      expect(queues.map((q) => [q.companyId, q.id, q.name, q.isDefault])).toEqual([
        ['c-one', 'dq_c-one', 'Main', true],
        ['c-two', 'dq_c-two', 'Main', true],
      ]);
      expect(queues[0]).toMatchObject({ waitEnabled: true, maxWaitSeconds: 300, maxSize: 50, overflowKind: 'VOICEMAIL', mode: null });
      // The number follows the default queue; its callers have the ordinary priority.
      expect(await database.prisma.phoneNumber.findUnique({ where: { id: 'n-one' } })).toMatchObject({ queueId: null, priority: 0 });
      // Applying the history again adds nothing.
      await migrate(database.sql, { migrations });
      expect(await database.prisma.queue.count()).toBe(2);
    } finally {
      await database.close();
    }
  });
});
