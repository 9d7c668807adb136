import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { migrate, type MigrationResult } from './migrator.js';
import { pgliteRunner, pgPoolRunner, type SqlRunner } from './sql.js';

export type Db = PrismaClient;

export interface Database {
  prisma: PrismaClient;
  sql: SqlRunner;
  kind: 'pglite' | 'postgres';
  /** Where the data lives, for the startup banner (a folder or a redacted URL). */
  location: string;
  migrate(log?: (line: string) => void): Promise<MigrationResult>;
  close(): Promise<void>;
}

/**
 * One schema, two engines: a real Postgres when DATABASE_URL is set, otherwise PGlite (Postgres
 * compiled to WASM) in `dataDir/pglite`, or purely in memory when dataDir is `memory://`.
 */
export async function openDatabase(opts: {
  databaseUrl?: string | undefined;
  dataDir: string;
  databasePoolMax?: number;
}): Promise<Database> {
  if (opts.databaseUrl) {
    // Per instance: N instances open up to N × DATABASE_POOL_MAX connections (mind Postgres' max_connections).
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.databasePoolMax ?? 10 });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    pool.on('error', () => {});
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    const sql = pgPoolRunner(pool);
    return {
      prisma,
      sql,
      kind: 'postgres',
      location: redact(opts.databaseUrl),
      migrate: (log) => migrate(sql, { log }),
      async close() {
        await prisma.$disconnect();
        await pool.end();
      },
    };
  }
  const memory = opts.dataDir === 'memory://';
  const dir = memory ? undefined : path.resolve(opts.dataDir, 'pglite');
  if (dir) await mkdir(dir, { recursive: true });
  const pglite = new PGlite(dir);
  await pglite.waitReady;
  // pglite-prisma-adapter 0.6 is typed against an older @prisma/driver-adapter-utils; the runtime contract is the same.
  const adapter = new PrismaPGlite(pglite) as unknown as PrismaPg;
  const prisma = new PrismaClient({ adapter });
  const sql = pgliteRunner(pglite);
  return {
    prisma,
    sql,
    kind: 'pglite',
    location: dir ?? 'memory',
    migrate: (log) => migrate(sql, { log }),
    async close() {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres';
  }
}
