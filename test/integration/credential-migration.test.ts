/**
 * The migration that makes telnyxCredentialId unique, applied to data written before it (PGlite,
 * the embedded engine; the migrations test runs every migration on Postgres too): ids are lower-cased,
 * a credential shared by several agents stays with the agent created first, the index then holds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/infra/db.js';
import { migrate, readMigrations } from '../../src/infra/migrator.js';

const UNIQUE_MIGRATION = /_agent_credential_unique$/;
const SHARED = '6a09cdc3-8948-47f0-aa62-74ac943d6c58';

describe('migration: telnyxCredentialId unique', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openDatabase({ dataDir: 'memory://' });
  });
  afterAll(() => database.close());

  it('keeps a shared credential with the first agent, lower-cases ids, then refuses duplicates', async () => {
    const migrations = await readMigrations();
    const at = migrations.findIndex((m) => UNIQUE_MIGRATION.test(m.name));
    expect(at).toBeGreaterThan(0);
    await migrate(database.sql, { migrations: migrations.slice(0, at) });

    await database.sql.exec(
      `INSERT INTO "Company" ("id", "name", "updatedAt") VALUES ('c-victim', 'Victim', now()), ('c-intruder', 'Intruder', now())`,
    );
    await database.sql.exec(`INSERT INTO "Agent" ("id", "companyId", "displayName", "sipUsername", "telnyxCredentialId", "createdAt", "updatedAt") VALUES
      ('a-owner', 'c-victim', 'Owner', 'owner.sip', '${SHARED}', now() - interval '2 days', now()),
      ('a-copy', 'c-intruder', 'Copy', 'copy.sip', '${SHARED.toUpperCase()}', now() - interval '1 day', now()),
      ('a-legacy', 'c-intruder', 'Legacy', 'legacy.sip', 'cred-legacy', now(), now()),
      ('a-none', 'c-intruder', 'None', 'none.sip', NULL, now(), now())`);

    await migrate(database.sql, { migrations });
    const rows = await database.sql.query<{ id: string; telnyxCredentialId: string | null }>(
      `SELECT "id", "telnyxCredentialId" FROM "Agent" ORDER BY "id"`,
    );
    expect(Object.fromEntries(rows.map((r) => [r.id, r.telnyxCredentialId]))).toEqual({
      'a-owner': SHARED,
      'a-copy': null,
      'a-legacy': 'cred-legacy', // left for the minting path to refuse by format
      'a-none': null,
    });
    await expect(database.sql.exec(`UPDATE "Agent" SET "telnyxCredentialId" = '${SHARED}' WHERE "id" = 'a-copy'`)).rejects.toThrow(
      /unique|duplicate/i,
    );
  });
});
