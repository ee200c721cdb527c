// The real-kind tier's one cluster: check the disk, start the private dockerd, build or load the node
// image, create the cluster of kind-config.yaml (node image swapped), and hand its coordinates to the
// tests through provide/inject. Teardown deletes the cluster by name and stops the daemon by PID; a
// hard death of this process is covered by the daemon's watchdog (scripts/kind/dockerd-reaper.mjs).
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { artifactPath, fmtMs } from '../../scripts/kind/cache.ts';
import { createKindCluster } from '../../scripts/kind/cluster.ts';
import { prepare, stepSummary } from '../../scripts/kind/prepare.ts';
import { runTeardown } from '../../scripts/kind/teardown.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kind: {
      kubeconfig: string;
      context: string;
      cluster: string;
      dockerHost: string;
      kindBin: string;
      kubectlBin: string;
      nodeImage: string;
    };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const t0 = Date.now();
  try {
    const { dockerd, kind, nodeImage } = await prepare();
    const t1 = Date.now();
    const cluster = await createKindCluster(dockerd, {
      kind,
      nodeImage,
      kubeconfig: path.join(dockerd.runDir, 'kubeconfig'),
      configOut: path.join(dockerd.runDir, 'kind-config.yaml'),
    });
    console.error(`[kind tests] artifacts:\n${stepSummary()}`);
    console.error(`[kind tests] ready: build/load ${fmtMs(t1 - t0)}, cluster ${fmtMs(Date.now() - t1)}`);
    project.provide('kind', {
      kubeconfig: cluster.kubeconfig,
      context: cluster.context,
      cluster: cluster.name,
      dockerHost: dockerd.host,
      kindBin: kind,
      kubectlBin: path.join(artifactPath('node-bin'), 'kubectl'),
      nodeImage,
    });
    return async () => {
      const t = Date.now();
      await cluster.delete();
      await dockerd.stop();
      console.error(`[kind tests] cluster deleted and private dockerd stopped in ${fmtMs(Date.now() - t)}`);
    };
  } catch (err) {
    await runTeardown();
    throw err;
  }
}
