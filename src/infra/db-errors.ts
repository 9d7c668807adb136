import { Prisma } from '../generated/prisma/client.js';

/**
 * The columns of a violated unique constraint, or null if `err` is something else. Prisma reports
 * P2002 through adapter-pg, while the PGlite adapter (typed against older driver utils) surfaces the
 * raw Postgres error 23505: both mean the same thing to callers.
 */
export function uniqueViolation(err: unknown): string[] | null {
  if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
    const target = err.meta?.target;
    if (Array.isArray(target)) return target.map(String);
    if (typeof target === 'string') return [target];
    const fields = (err.meta?.driverAdapterError as { cause?: { constraint?: { fields?: string[] } } } | undefined)?.cause?.constraint
      ?.fields;
    return fields ?? [];
  }
  const cause = (err as { name?: string; cause?: { code?: string; detail?: string } } | null)?.cause;
  if ((err as Error | null)?.name === 'DriverAdapterError' && cause?.code === '23505') {
    const columns = /Key \(([^)]*)\)=/.exec(cause.detail ?? '')?.[1] ?? '';
    return columns
      .split(',')
      .map((c) => c.trim().replace(/"/g, ''))
      .filter(Boolean);
  }
  return null;
}

/** A write that needed a row that is not there (update/delete of a missing id, or a dangling foreign key). */
export function missingRow(err: unknown): boolean {
  if (err instanceof Prisma.PrismaClientKnownRequestError) return err.code === 'P2025' || err.code === 'P2003';
  const cause = (err as { name?: string; cause?: { code?: string } } | null)?.cause;
  return (err as Error | null)?.name === 'DriverAdapterError' && cause?.code === '23503';
}
