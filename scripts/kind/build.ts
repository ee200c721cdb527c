// `npm run kind:build`: build or refresh everything the real-kind tier caches (kind CLI, node
// binaries, containerd, crictl, CoreDNS, local-path-provisioner, pause, two Debian rootfs, the node
// image), then stop. Prints what was cached and what was built, with times. Exit 2 when the machine
// lacks something (disk, docker.io, debootstrap, root).
import { fmtMs } from './cache.ts';
import { KindEnvironmentError } from './dockerd.ts';
import { artifactDir } from './paths.ts';
import { prepare, stepSummary } from './prepare.ts';
import { runTeardown } from './teardown.ts';

const started = Date.now();
try {
  const { dockerd } = await prepare();
  await dockerd.stop();
  console.log(`\nReal-kind artifacts ready in ${artifactDir()} after ${fmtMs(Date.now() - started)}:\n${stepSummary()}`);
  console.log('\nNext: npm run kind:dev (a cluster to poke at) or npm run test:kind.');
} catch (err) {
  await runTeardown();
  const e = err as Error;
  console.error(`\n[kind build] ${e instanceof KindEnvironmentError ? '' : 'failed: '}${e.message}`);
  process.exitCode = 2;
}
