import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // Two cores in CI: keep workers to what the machine has.
    maxWorkers: 2,
  },
});
