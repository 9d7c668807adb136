import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';

/**
 * The two SQL calls the migrator and health checks need, over either engine. Prisma is not used for
 * migrations: with the JS engine its Postgres adapter cannot run them (prisma/orm#27403).
 */
export interface SqlRunner {
  /** Run a script of one or more statements. */
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Run `fn` in one transaction; a throw rolls back. */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
}

export function pgliteRunner(db: PGlite): SqlRunner {
  const runner: SqlRunner = {
    async exec(sql) {
      await db.exec(sql);
    },
    async query<T>(sql: string, params?: unknown[]) {
      return (await db.query<T>(sql, params)).rows;
    },
    transaction(fn) {
      return db.transaction((tx) =>
        fn({
          exec: async (sql) => void (await tx.exec(sql)),
          query: async <T>(sql: string, params?: unknown[]) => (await tx.query<T>(sql, params)).rows,
          transaction: () => Promise.reject(new Error('nested transactions are not supported')),
        }),
      );
    },
  };
  return runner;
}

export function pgPoolRunner(pool: pg.Pool): SqlRunner {
  const clientRunner = (client: pg.PoolClient | pg.Pool): SqlRunner => ({
    async exec(sql) {
      await client.query(sql);
    },
    async query<T>(sql: string, params?: unknown[]) {
      return (await client.query(sql, params)).rows as T[];
    },
    async transaction<T>(fn: (tx: SqlRunner) => Promise<T>) {
      if (!(client instanceof pg.Pool)) throw new Error('nested transactions are not supported');
      const conn = await client.connect();
      try {
        await conn.query('BEGIN');
        const result = await fn(clientRunner(conn));
        await conn.query('COMMIT');
        return result;
      } catch (err) {
        await conn.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        conn.release();
      }
    },
  });
  return clientRunner(pool);
}
