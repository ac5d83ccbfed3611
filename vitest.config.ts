import { defineConfig } from 'vitest/config';

// Two projects, as Lodestar splits them: fast pure tests in parallel, and
// multi-node tests one file at a time (the machine has 2 cores) with real
// processes on loopback.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
