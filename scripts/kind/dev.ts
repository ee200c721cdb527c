// `npm run kind:dev`: the private dockerd plus the cluster of kind-config.yaml on the locally built
// node image, until Ctrl-C (which deletes the cluster and stops the daemon). Prints how to reach it.
import path from 'node:path';
import { createKindCluster } from './cluster.ts';
import { fmtMs } from './cache.ts';
import { KindEnvironmentError } from './dockerd.ts';
import { prepare, stepSummary } from './prepare.ts';
import { runTeardown } from './teardown.ts';

const started = Date.now();
try {
  const { dockerd, kind, nodeImage } = await prepare();
  const kubeconfig = path.join(dockerd.runDir, 'kubeconfig');
  const cluster = await createKindCluster(dockerd, { kind, nodeImage, kubeconfig, configOut: path.join(dockerd.runDir, 'kind-config.yaml') });
  console.log(`
${stepSummary()}

Cluster "${cluster.name}" is up after ${fmtMs(Date.now() - started)} (context ${cluster.context}), in a private Docker daemon.
Its kubeconfig is a file of its own; your ~/.kube/config is untouched. In another terminal:

  export DOCKER_HOST=${dockerd.host}
  export KUBECONFIG=${kubeconfig}
  kubectl get nodes
  ${kind} load docker-image <image> --name ${cluster.name}

Press Ctrl-C to delete the cluster and stop the daemon (its data root is removed too).`);
  setInterval(() => {}, 1 << 30);
} catch (err) {
  await runTeardown();
  const e = err as Error;
  console.error(`\n[kind dev] ${e instanceof KindEnvironmentError ? '' : 'failed: '}${e.message}`);
  process.exit(2);
}
