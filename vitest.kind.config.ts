// Tests on a real kind cluster (real kubelets, containerd, CNI, pods) in a private Docker daemon.
// Run with `npm run test:kind`. The globalSetup builds what the cache lacks (cold: tens of minutes,
// see docs/kind-tier.md), starts the private dockerd and creates the cluster of kind-config.yaml on the
// locally built node image; teardown deletes it and stops the daemon.
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files share one cluster, so their order matters: the curriculum walk (test/kind/curriculum.test.ts)
 * leaves every lesson's images and objects behind, and lesson06.test.ts needs nodes without a teamnotes
 * image for its "before" state. Everything else first, by path; the curriculum last.
 */
class CurriculumLast extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const last = (f: TestSpecification) => (f.moduleId.endsWith('curriculum.test.ts') ? 1 : 0);
    return [...files].sort((a, b) => last(a) - last(b) || a.moduleId.localeCompare(b.moduleId));
  }
}

export default defineConfig({
  test: {
    include: ['test/kind/**/*.test.ts'],
    globalSetup: ['test/kind/global-setup.ts'],
    // Real pods: image pulls from the node's store, probes, a busy 2-core machine.
    testTimeout: 300_000,
    // The setup may build the node image from scratch (Go builds, debootstrap).
    hookTimeout: 120 * 60_000,
    teardownTimeout: 120_000,
    // One cluster; files run one after another so they do not fight over its 3 small nodes.
    pool: 'forks',
    fileParallelism: false,
    sequence: { sequencer: CurriculumLast },
    reporters: ['default', './test/reporters/summary-line.ts'],
  },
});
