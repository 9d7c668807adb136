// Prisma CLI configuration. Prisma 6.19 runs without native binaries only with the JS engine and a
// driver adapter (see ../shared/STACK.md). The CLI is used here for `generate` alone: migrations are
// applied by src/infra/migrator.ts, which works the same on PGlite and Postgres.
import { defineConfig } from 'prisma/config';

// `generate` needs a datasource url to exist, not to be reachable.
process.env.DATABASE_URL ??= 'postgresql://localhost/placeholder';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  async adapter() {
    const { PrismaPg } = await import('@prisma/adapter-pg');
    return new PrismaPg({ connectionString: process.env.DATABASE_URL });
  },
});
