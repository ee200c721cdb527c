// Tests against a real control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok).
// Run with `npm run test:cluster`. The globalSetup builds the binaries if missing (slow when cold) and
// starts one control plane for the whole run; each test works in its own random namespace.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    globalSetup: ['test/cluster/global-setup.ts'],
    // Controllers, scheduler and kwok each add a hop; a busy 2-core machine needs generous budgets.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    // One cluster, shared: files may run in parallel since each test has its own namespace.
    pool: 'forks',
    reporters: ['default', './test/reporters/summary-line.ts'],
  },
});
