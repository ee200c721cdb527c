// Runs the `cluster:` steps of a fixture.yaml (verify/core/fixtures.ts) against the live
// cluster: what a known-wrong cluster state does to the cluster (`make`) and how it is put back
// (`undo`). The steps are data so that a cluster state lives in its lesson's folder, next to
// the static fixtures, instead of in a table in this test.
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { expect } from 'vitest';
import { installAddon } from '../../verify/core/addons.ts';
import { applyWorkspace } from '../../verify/core/cluster-apply.ts';
import type { ClusterStep } from '../../verify/core/fixtures.ts';
import type { KubeProbe } from '../../verify/probes/kube.ts';
import { ManifestsProbe } from '../../verify/probes/manifests.ts';

export interface StepWorkspaces {
  /** The fixture's workspace (the solution with the fixture's edits, its .env.cluster). */
  fixture: string;
  /** The lesson's solution as applied before the state was made. */
  solution: string;
}

/** Wait until a Deployment's rollout has finished: every replica updated and available. */
export async function rolledOut(kube: KubeProbe, name = 'teamnotes', namespace = 'teamnotes'): Promise<void> {
  const done = await kube.waitFor(
    async () => {
      const d = await kube.get<V1Deployment>('apps/v1', 'Deployment', name, namespace);
      const s = d?.status;
      const want = d?.spec?.replicas ?? 1;
      return s &&
        (s.observedGeneration ?? 0) >= (d!.metadata?.generation ?? 0) &&
        s.updatedReplicas === want &&
        s.availableReplicas === want &&
        s.replicas === want
        ? d
        : undefined;
    },
    { timeoutMs: 60_000 },
  );
  expect(done, `the ${name} rollout in ${namespace} finished`).toBeDefined();
}

const ref = (o: { apiVersion: string; kind: string; name: string; namespace?: string }): KubernetesObject => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  metadata: { name: o.name, ...(o.namespace ? { namespace: o.namespace } : {}) },
});

/** One step; fixture.yaml's schema holds each step to exactly one key. */
export async function runStep(kube: KubeProbe, step: ClusterStep, dirs: StepWorkspaces): Promise<void> {
  if (step.apply) {
    await applyWorkspace(kube, dirs[step.apply]);
  } else if (step.apply_object) {
    const { kind, name } = step.apply_object;
    const manifest = new ManifestsProbe(dirs.fixture).find(kind).find((m) => m.name === name);
    expect(manifest, `k8s/ of the fixture defines ${kind} ${name}`).toBeDefined();
    const [result] = await kube.apply([manifest!.object as KubernetesObject]);
    expect(result?.ok, `${kind} ${name} applied: ${result && !result.ok ? result.message : ''}`).toBe(true);
  } else if (step.delete) {
    await kube.delete(ref(step.delete));
  } else if (step.patch) {
    const { merge, ...target } = step.patch;
    await kube.mergePatch(ref(target), merge);
  } else if (step.restart) {
    const { name, namespace } = step.restart;
    await kube.mergePatch(ref({ apiVersion: 'apps/v1', kind: 'Deployment', name, namespace }), {
      spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } } },
    });
  } else if (step.install_addon) {
    await installAddon(kube, step.install_addon);
  } else if (step.rolled_out) {
    await rolledOut(kube, step.rolled_out.name, step.rolled_out.namespace);
  } else if (step.wait_ms) {
    await new Promise((r) => setTimeout(r, step.wait_ms));
  } else {
    throw new Error(`a cluster step this harness does not know: ${JSON.stringify(step)}`);
  }
}

export async function runSteps(kube: KubeProbe, steps: ClusterStep[], dirs: StepWorkspaces): Promise<void> {
  for (const step of steps) await runStep(kube, step, dirs);
}
