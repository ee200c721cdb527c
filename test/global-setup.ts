// Starts the backing services once for the whole test run, with the same code learners
// use (`npm run services`): real Postgres and Redis from local binaries, a real SMTP sink.
import type { TestProject } from 'vitest/node';
import { startBackingServices, type BackingServices } from '../verify/services/backing.ts';
import type { ServiceUrls } from '../verify/probes/services.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    services: ServiceUrls;
  }
}

let services: BackingServices | undefined;

export async function setup(project: TestProject): Promise<void> {
  // Compile the CLI once up front, so parallel CLI tests never race to rebuild it.
  const { ensureBuilt } = await import('../bin/build-cli.mjs');
  await ensureBuilt();
  services = await startBackingServices();
  project.provide('services', services.urls);
}

export async function teardown(): Promise<void> {
  await services?.stop();
}
