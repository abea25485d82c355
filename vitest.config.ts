import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/globalSetup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests each start servers on ephemeral ports; two workers match the 2-core machines.
    maxWorkers: 2,
  },
});
