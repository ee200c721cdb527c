// The real-kind tier's one cluster: check the disk, start the private dockerd, build or load the node
// image and the stand-in images, then create the cluster the learner's way, with `npm run setup`
// (only the node image swapped), and hand its coordinates to the tests through provide/inject. Teardown deletes the cluster by name and stops the daemon by PID; a
// hard death of this process is covered by the daemon's watchdog (scripts/kind/dockerd-reaper.mjs).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { artifactPath, fmtMs } from '../../scripts/kind/cache.ts';
import { createClusterThroughSetup } from '../../scripts/kind/cluster.ts';
import { ensureStandInImages, standInImages } from '../../scripts/kind/images/build.ts';
import { prepare, stepSummary } from '../../scripts/kind/prepare.ts';
import { runTeardown } from '../../scripts/kind/teardown.ts';
import { TEST_ONLY_IMAGES } from '../../scripts/kind/images/stand-ins.ts';
import { repoRoot } from '../../scripts/kind/paths.ts';
import { run } from '../../scripts/kind/run.ts';

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
      /** setup's WORKSHOP_HOME (services.env lives there). */
      workshopHome: string;
    };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const t0 = Date.now();
  try {
    const { dockerd, kind, nodeImage } = await prepare();
    // Every image of images.yaml that can be built here (Postgres, Redis, Mailpit, the Node base, the
    // add-ons' Traefik and Prometheus…): no registry here, so they are built (or loaded from the cache)
    // into the private daemon *before* setup, where a learner's `docker pull` would have put them. Setup
    // then loads them onto the nodes itself, as it does for a learner. What cannot be built (see
    // UNBUILDABLE) stays missing, and the tests assert that exactly those are reported as missing.
    await ensureStandInImages({ dockerd, images: standInImages(), log: (l: string) => console.error(`[kind images] ${l}`) });
    const t1 = Date.now();
    const workshopHome = mkdtempSync(path.join(os.tmpdir(), 'kind-tier-home-'));
    const kubectlDir = artifactPath('node-bin');
    const cluster = await createClusterThroughSetup(dockerd, {
      kind,
      kubectlDir,
      nodeImage,
      kubeconfig: path.join(dockerd.runDir, 'kubeconfig'),
      workshopHome,
    });
    await startPolicyEnforcer(dockerd.env, kind, path.join(kubectlDir, 'kubectl'), cluster);
    console.error(`[kind tests] artifacts:\n${stepSummary()}`);
    console.error(`[kind tests] ready: build/load ${fmtMs(t1 - t0)}, npm run setup ${fmtMs(Date.now() - t1)}`);
    project.provide('kind', {
      kubeconfig: cluster.kubeconfig,
      context: cluster.context,
      cluster: cluster.name,
      dockerHost: dockerd.host,
      kindBin: kind,
      kubectlBin: path.join(kubectlDir, 'kubectl'),
      nodeImage,
      workshopHome,
    });
    return async () => {
      const t = Date.now();
      await cluster.delete();
      await dockerd.stop();
      rmSync(workshopHome, { recursive: true, force: true });
      console.error(`[kind tests] cluster deleted and private dockerd stopped in ${fmtMs(Date.now() - t)}`);
    };
  } catch (err) {
    await runTeardown();
    throw err;
  }
}

/**
 * NetworkPolicy enforcement, which a learner's kind (v0.24 on) has inside kindnetd and our kindnetd
 * stand-in lacks: the same enforcer, kube-network-policies, as its own DaemonSet (docs/kind-tier.md).
 * Added after setup, because it replaces part of the node image's CNI, not anything setup does;
 * without it lesson 14's "a stranger cannot reach Postgres" would fail on a cluster that allows
 * everything, which is not the learner's cluster.
 */
async function startPolicyEnforcer(
  env: NodeJS.ProcessEnv,
  kind: string,
  kubectl: string,
  cluster: { name: string; context: string; kubeconfig: string },
): Promise<void> {
  const image = TEST_ONLY_IMAGES.find((i) => i.includes('kube-network-policies'))!;
  const manifest = path.join(repoRoot, 'scripts/kind/images/files/kube-network-policies/daemonset.yaml');
  const k = ['--context', cluster.context, '--kubeconfig', cluster.kubeconfig];
  await run(kind, ['load', 'docker-image', image, '--name', cluster.name], { env });
  await run(kubectl, [...k, 'apply', '-f', manifest], { env });
  await run(kubectl, [...k, '-n', 'kube-system', 'rollout', 'status', 'daemonset/kube-network-policies', '--timeout=180s'], { env });
  console.error(`[kind tests] NetworkPolicy enforcer ${image} running on every node`);
}
