import { defineConfig } from 'vitest/config';

/**
 * The end-to-end flows in Firefox and WebKitGTK (e2e-engines/): `npm run test:engines`, part of `npm test`.
 * One file at a time and no retries: both engines share one demo server whose counters the tests read.
 */
export default defineConfig({
  test: {
    include: ['e2e-engines/**/*.test.ts'],
    globalSetup: ['e2e-engines/server.ts'],
    environment: 'node',
    fileParallelism: false,
    retry: 0,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
