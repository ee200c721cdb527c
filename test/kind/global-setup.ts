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
import { kubeRouterLastSync, policyEnforcer, type EnforcerName, type PolicyEnforcer } from '../../scripts/kind/policy-enforcer.ts';
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
      /** The NetworkPolicy enforcer running on the nodes (scripts/kind/policy-enforcer.ts). */
      policyEnforcer: EnforcerName;
    };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const t0 = Date.now();
  try {
    // Chosen first: only its image is built and loaded (standInImages).
    const enforcer = policyEnforcer();
    console.error(`[kind tests] NetworkPolicy enforcer: ${enforcer.name}, because ${enforcer.why}`);
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
    await startPolicyEnforcer(dockerd.env, kind, path.join(kubectlDir, 'kubectl'), cluster, enforcer);
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
      policyEnforcer: enforcer.name,
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
 * stand-in lacks: as its own DaemonSet, the same enforcer, kube-network-policies, or where the kernel
 * cannot run it, kube-router's policy controller (scripts/kind/policy-enforcer.ts, docs/kind-tier.md).
 * Added after setup, because it replaces part of the node image's CNI, not anything setup does;
 * without it lesson 14's "a stranger cannot reach Postgres" would fail on a cluster that allows
 * everything, which is not the learner's cluster.
 */
async function startPolicyEnforcer(
  env: NodeJS.ProcessEnv,
  kind: string,
  kubectl: string,
  cluster: { name: string; context: string; kubeconfig: string },
  enforcer: PolicyEnforcer,
): Promise<void> {
  const k = ['--context', cluster.context, '--kubeconfig', cluster.kubeconfig];
  await run(kind, ['load', 'docker-image', enforcer.image, '--name', cluster.name], { env });
  await run(kubectl, [...k, 'apply', '-f', enforcer.manifest], { env });
  await run(kubectl, [...k, '-n', 'kube-system', 'rollout', 'status', `daemonset/${enforcer.daemonset}`, '--timeout=180s'], { env });
  if (enforcer.name === 'kube-router') await waitForFirstSync(env, kubectl, k);
  console.error(`[kind tests] NetworkPolicy enforcer ${enforcer.image} running on every node`);
}

/**
 * kube-router's pods are Ready as soon as they start; its rules are in place only once a full sync
 * has gone through. Wait (up to 2 minutes) until each pod's latest finished sync did not abort, so
 * rules kube-router cannot install (an ipset type or match the kernel lacks, iptables backend
 * trouble) fail here, in its own words, and not later as "a stranger reached Postgres".
 */
async function waitForFirstSync(env: NodeJS.ProcessEnv, kubectl: string, k: string[]): Promise<void> {
  const ns = [...k, '-n', 'kube-system'];
  const deadline = Date.now() + 120_000;
  for (;;) {
    const pods = (await run(kubectl, [...ns, 'get', 'pods', '-l', 'app.kubernetes.io/name=kube-router', '-o', 'name'], { env, capture: true }))
      .split('\n')
      .filter(Boolean);
    const notYet: string[] = [];
    const aborted: string[] = [];
    for (const pod of pods) {
      const state = kubeRouterLastSync(await run(kubectl, [...ns, 'logs', pod, '--tail=-1'], { env, capture: true }));
      if (state === 'none') notYet.push(pod);
      else if (state !== 'ok') aborted.push(`${pod}: ${state}`);
    }
    if (pods.length > 0 && notYet.length === 0 && aborted.length === 0) return;
    if (Date.now() > deadline) {
      const what = aborted.length
        ? `its latest sync aborted on ${aborted.join('; ')}`
        : `no sync finished within 120 s on ${notYet.join(', ') || 'any node (no kube-router pod found)'}`;
      throw new Error(
        `kube-router has not installed its NetworkPolicy rules: ${what}. Expected each pod's latest "sync iptables took" without "Aborting sync" before it. ` +
          `Look: kubectl ${ns.join(' ')} logs ${(aborted[0] ?? notYet[0] ?? 'ds/kube-router').split(':')[0]}`,
      );
    }
    await new Promise((r) => setTimeout(r, 3000));
  }
}
