// Lesson 14 on the cluster: the namespace's label as the API server has it, the admission
// controller's own verdict on every pod template (a dry-run create of the pod it would
// make), and the policies, budget and autoscaler as applied.
import type { KubernetesObject, V1Namespace } from '@kubernetes/client-node';
import { fail, getIn, isKind, pass, type CheckContext, type Finding, type Outcome } from '../../verify/lesson-api.ts';
import { APPLY, at, live, NAMESPACE, namespaceOf, unappliedFields, type Workload } from '../shared/k8s.ts';

const ENFORCE = 'pod-security.kubernetes.io/enforce';

export async function liveNamespaceProblem(ctx: CheckContext): Promise<Outcome> {
  const ns = await ctx.kube.get<V1Namespace>('v1', 'Namespace', NAMESPACE);
  if (!ns)
    return fail(`there is no namespace ${NAMESPACE} in the cluster`, {
      expected: `namespace ${NAMESPACE} with ${ENFORCE}: restricted`,
      why: 'Nothing of Teamnotes runs without it.',
      fix: APPLY,
    });
  const value = ns.metadata?.labels?.[ENFORCE];
  if (value === 'restricted') return pass(`namespace ${NAMESPACE}: ${ENFORCE}=restricted`);
  return fail(`namespace ${NAMESPACE} in the cluster has ${value ? `${ENFORCE}=${value}` : `no ${ENFORCE} label`}`, {
    where: `namespace/${NAMESPACE}`,
    expected: `${ENFORCE}=restricted, as k8s/ says`,
    why: 'The admission controller reads the label from the namespace in the cluster, not from your file: until it is applied, any pod is admitted. Pods already running are never evicted by a new label; it judges the next pod created.',
    fix: `kubectl label --dry-run=server --overwrite ns ${NAMESPACE} ${ENFORCE}=restricted   (lists running pods that would be refused), then ${APPLY}`,
  });
}

/**
 * The Pod a workload's controller would create, to be judged by the API server: the pod
 * template with the volumes a StatefulSet adds for its claim templates (without them the
 * pod is refused for a missing volume, not for its security).
 */
function podFor(w: Workload): KubernetesObject {
  const base = w.tpl.specPath.slice(0, -1);
  const metadata = (getIn(w.m.object, [...base, 'metadata']) ?? {}) as Record<string, unknown>;
  const spec = structuredClone(w.tpl.spec) as unknown as Record<string, unknown> & { volumes?: Array<Record<string, unknown>> };
  const claims = isKind(w.m, 'StatefulSet') ? (w.m.object.spec?.volumeClaimTemplates ?? []) : [];
  for (const c of claims) {
    const name = c.metadata?.name;
    if (name && !(spec.volumes ?? []).some((v) => v.name === name))
      spec.volumes = [...(spec.volumes ?? []), { name, persistentVolumeClaim: { claimName: `${name}-${w.m.name}-0` } }];
  }
  const name = `${w.m.name}`.slice(0, 40) + '-admission-check';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      labels: metadata.labels as Record<string, string>,
      annotations: metadata.annotations as Record<string, string>,
      name,
      namespace: namespaceOf(w.m),
    },
    spec,
  } as KubernetesObject;
}

export async function admittedFindings(ctx: CheckContext, all: Workload[]): Promise<{ findings: Finding[]; admitted: number }> {
  const results = await ctx.kube.apply(all.map(podFor), { dryRun: true, fieldManager: 'legacy-to-k8s-verify' });
  const findings: Finding[] = [];
  results.forEach((r, i) => {
    if (r.ok) return;
    const w = all[i]!;
    // The API server's own words: `pods "…" is forbidden: violates PodSecurity "restricted:latest": …`.
    findings.push({ where: at(w.m, w.tpl.specPath), message: `${w.m.kind} ${w.m.name}'s pod refused: ${r.message ?? `HTTP ${r.code}`}` });
  });
  return { findings, admitted: results.filter((r) => r.ok).length };
}

const KINDS = ['NetworkPolicy', 'PodDisruptionBudget', 'HorizontalPodAutoscaler'];

export async function unappliedPolicies(ctx: CheckContext): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const m of ctx.manifests.load().filter((x) => KINDS.includes(x.kind))) {
    const current = await live(ctx, m);
    if (!current) {
      findings.push({ where: m.file, message: `${m.kind} ${m.name} is not in the cluster (namespace ${namespaceOf(m)})` });
      continue;
    }
    const diffs = await unappliedFields(ctx, m, current);
    if (diffs?.length)
      findings.push({
        where: at(m, ['spec']),
        message: `${m.kind} ${m.name} in the cluster differs from ${m.file}: ${diffs
          .slice(0, 3)
          .map((d) => d.label)
          .join(', ')}`,
      });
  }
  return findings;
}
