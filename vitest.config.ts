import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['verify/**/*.test.ts', 'test/**/*.test.ts', 'scripts/**/*.test.ts', 'lessons/**/*.test.ts'],
    exclude: ['test/cluster/**', 'test/kind/**', 'node_modules/**', 'lessons/*/fixtures/**'],
    // Real Postgres, Redis and an SMTP sink for the whole run (see test/global-setup.ts).
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default', './test/reporters/summary-line.ts'],
    // Tests start real apps and servers: generous, bounded budgets instead of mocks.
    testTimeout: 90_000,
    // describe.concurrent blocks run this many tests at once per file (2 cores: mostly waiting on apps).
    maxConcurrency: 3,
    hookTimeout: 60_000,
    // Keep tests away from a maintainer's own progress file and backups.
    env: {
      WORKSHOP_STATE_FILE: path.join(os.tmpdir(), `l2k-vitest-state-${process.pid}.json`),
      WORKSHOP_HOME: path.join(os.tmpdir(), `l2k-vitest-home-${process.pid}`),
      NO_COLOR: '1',
    },
  },
});
