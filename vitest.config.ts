import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/** Measures the service's latency under attack: it runs last and alone, so no other suite shares the cores. */
const LOAD_TESTS = ['test/integration/abuse-load.test.ts'];

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (main) and ESM (module) copies. Node loads the CJS one for Yoga and Pothos;
    // Vite would hand our sources the ESM one, and two GraphQLError classes break error masking.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    // Integration suites start real servers and databases; two files at a time fits a 2-core machine.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'suites', include: ['test/**/*.test.ts'], exclude: LOAD_TESTS, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'load', include: LOAD_TESTS, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
