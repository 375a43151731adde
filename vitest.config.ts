import { defineConfig } from 'vitest/config';

/**
 * Two projects. `unit` needs nothing but Node. `cassandra` holds every test that talks to a real
 * Cassandra: by convention those files are named *.cassandra.test.ts, anywhere under test/, and
 * its global setup starts (or finds) the cluster they share.
 *
 *   npx vitest run                      both projects
 *   npx vitest run --project unit       no Cassandra needed
 *   npx vitest run --project cassandra  CASSANDRA_CONTACT_POINTS=h1,h2 to use a cluster of your own
 */
const CASSANDRA_TESTS = 'test/**/*.cassandra.test.ts';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 600_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [CASSANDRA_TESTS, '**/node_modules/**'],
          // Tests spawn their own worker threads; two cores are shared by the suite and its workers.
          maxWorkers: 2,
        },
      },
      {
        extends: true,
        test: {
          name: 'cassandra',
          include: [CASSANDRA_TESTS],
          globalSetup: ['test/setup/cassandra.ts'],
          // One file at a time: the files share one cluster, and the cluster shares two cores.
          fileParallelism: false,
          maxWorkers: 1,
          // Starting JVMs can take minutes on a loaded machine.
          testTimeout: 120_000,
        },
      },
    ],
  },
});
