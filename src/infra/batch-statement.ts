/**
 * How the write-behind writers (src/infra/write-behind.ts) run their one statement per batch: with the
 * driver's own connection when the app has one (src/infra/sql.ts), else through Prisma.
 *
 * Why not always Prisma: with the JS engine, a raw statement goes through Prisma's query compiler
 * (WebAssembly) with its parameters, and a batch's parameter is one JSON document of up to a thousand
 * calls. Compiling that for every batch was ~6% of a TeXML decision's CPU in the bench's profile;
 * the driver sends the same text and parameter as they are.
 */
import type { Db } from './db.js';
import type { SqlRunner } from './sql.js';

/** One parameterized statement ($1, $2…) whose result is not read. */
export type BatchStatement = (text: string, params: unknown[]) => Promise<unknown>;

export function batchStatement(db: Db, sql: SqlRunner | undefined): BatchStatement {
  if (sql) return (text, params) => sql.query(text, params);
  return (text, params) => db.$executeRawUnsafe(text, ...params);
}
