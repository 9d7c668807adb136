// Prisma CLI configuration. Prisma 6.19 runs without native binaries only with the JS engine and a
// driver adapter (see README "Database"). The CLI is used for `generate` and for writing migration
// SQL (`npm run db:new-migration`); migrations are applied by src/infra/migrator.ts on both engines.
import { defineConfig } from 'prisma/config';

const realDatabase = process.env.DATABASE_URL;
// `generate` needs a datasource url to exist, not to be reachable.
process.env.DATABASE_URL ??= 'postgresql://localhost/placeholder';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  async adapter() {
    if (realDatabase) {
      const { PrismaPg } = await import('@prisma/adapter-pg');
      return new PrismaPg({ connectionString: realDatabase });
    }
    // No Postgres at hand: a throwaway in-memory PGlite is enough to compute a diff.
    const { PGlite } = await import('@electric-sql/pglite');
    const { PrismaPGlite } = await import('pglite-prisma-adapter');
    const db = new PGlite();
    const factory = new PrismaPGlite(db);
    // The adapter's dispose() leaves PGlite open, which keeps the CLI alive after it is done.
    const connect = factory.connect.bind(factory);
    factory.connect = async () => {
      const adapter = await connect();
      const dispose = adapter.dispose.bind(adapter);
      adapter.dispose = async () => (await dispose(), await db.close());
      return adapter;
    };
    return factory as never;
  },
});
