import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SqlRunner } from './sql.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations/', import.meta.url));

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

const LOCK_ID = 727274; // any constant shared by every instance of this service

const BOOKKEEPING_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** prisma/migrations/<timestamp>_<name>/migration.sql, in name order (as `prisma migrate deploy` reads them). */
export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  entries.sort();
  return Promise.all(
    entries.map(async (name) => {
      const sql = await readFile(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

/**
 * Applies pending migrations, each in its own transaction, recording them in Prisma's own
 * `_prisma_migrations` table so `prisma migrate status` and `deploy` agree with us. A migration that
 * was applied and then edited is refused (checksum mismatch) rather than silently skipped.
 */
export async function migrate(
  db: SqlRunner,
  opts: { migrations?: Migration[]; log?: (line: string) => void } = {},
): Promise<MigrationResult> {
  const log = opts.log ?? (() => {});
  const migrations = opts.migrations ?? (await readMigrations());
  // Instances starting together race on CREATE TABLE IF NOT EXISTS too: serialize on an advisory lock.
  await db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${LOCK_ID})`);
    await tx.exec(BOOKKEEPING_TABLE);
  });
  const rows = await db.query<{ migration_name: string; checksum: string; finished_at: unknown }>(
    `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
  );
  const done = new Map(rows.filter((r) => r.finished_at !== null).map((r) => [r.migration_name, r.checksum]));
  const applied: string[] = [];
  for (const m of migrations) {
    const previous = done.get(m.name);
    if (previous !== undefined) {
      if (previous !== m.checksum) {
        throw new MigrationError(`migration ${m.name} was changed after it was applied (checksum differs)`);
      }
      continue;
    }
    log(`applying migration ${m.name}`);
    try {
      await db.transaction(async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock(${LOCK_ID})`);
        const again = await tx.query(
          `SELECT 1 FROM "_prisma_migrations" WHERE migration_name = $1 AND finished_at IS NOT NULL AND rolled_back_at IS NULL`,
          [m.name],
        );
        if (again.length > 0) return;
        await tx.exec(m.sql);
        await tx.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), 1)`,
          [randomUUID(), m.checksum, m.name],
        );
        applied.push(m.name);
      });
    } catch (err) {
      throw new MigrationError(`migration ${m.name} failed: ${(err as Error).message}`);
    }
  }
  return { applied, alreadyApplied: migrations.length - applied.length };
}
