// Starts one control plane for the whole cluster test run and hands its kubeconfig to the tests
// through vitest's provide/inject (globalSetup runs in the main process, tests in workers).
import type { TestProject } from 'vitest/node';
import { startControlPlane } from '../../scripts/control-plane/control-plane.ts';
import type { ServiceUrls } from '../../verify/probes/services.ts';
import { startBackingServices } from '../../verify/services/backing.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfigPath: string;
    kubeContext: string;
    services: ServiceUrls;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The CLI tests run the compiled entry point; build it once before parallel files start.
  const { ensureBuilt } = await import('../../bin/build-cli.mjs');
  await ensureBuilt();
  const t0 = Date.now();
  // The rehearsal verifies lessons 00–05 too, whose behaviour checks run the app against
  // real Postgres and Redis: the same backing services as npm test.
  const [cp, services] = await Promise.all([startControlPlane(), startBackingServices()]);
  console.error(`[cluster tests] control plane ready in ${((Date.now() - t0) / 1000).toFixed(1)}s (${cp.server})`);
  project.provide('kubeconfigPath', cp.kubeconfigPath);
  project.provide('kubeContext', cp.contextName);
  project.provide('services', services.urls);
  return async () => {
    await Promise.all([cp.stop(), services.stop()]);
    console.error('[cluster tests] control plane stopped');
  };
}
