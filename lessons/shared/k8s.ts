// What lessons 07+ know about Teamnotes in Kubernetes: its namespace, how to find its
// Deployment among the learner's manifests, and the live lookups several lessons share.
// Generic Kubernetes semantics live in verify/probes/k8s-semantics.ts.
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { fail, skip, type CheckContext, type Outcome } from '../../verify/core/check.ts';
import { containersOf, envReferences, imageName, podTemplateOf, type ContainerAt, type FieldPath, type PodTemplate } from '../../verify/probes/k8s-semantics.ts';
import { formatPath, type Manifest } from '../../verify/probes/manifests.ts';

export const NAMESPACE = 'teamnotes';
export const APP_IMAGE = 'teamnotes';
export const APPLY = 'kubectl apply -f k8s/';
/** The Secret made from .env.cluster (lesson 07 on). */
export const SECRET_TEMPLATE = '.env.cluster.example';

/** `k8s/deployment.yaml:23 › spec.template.spec.containers[0].image` */
export function at(m: Manifest, path: FieldPath): string {
  return `${m.file}:${m.lineOf(path)}${path.length ? ` › ${formatPath(path)}` : ''}`;
}

export interface Workload {
  m: Manifest;
  tpl: PodTemplate;
  containers: ContainerAt[];
}

export function workloads(ctx: CheckContext, kinds = ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob', 'Job']): Workload[] {
  return ctx.manifests
    .load()
    .filter((m) => kinds.includes(m.kind))
    .flatMap((m) => {
      const tpl = podTemplateOf(m.kind, m.object);
      return tpl ? [{ m, tpl, containers: containersOf(tpl) }] : [];
    });
}

/** The Deployment running the Teamnotes image, and that container. */
export function appDeployment(ctx: CheckContext): (Workload & { web: ContainerAt }) | undefined {
  for (const w of workloads(ctx, ['Deployment'])) {
    const web = w.containers.find((c) => !c.init && imageName(c.container.image ?? '') === APP_IMAGE);
    if (web) return { ...w, web };
  }
  return undefined;
}

/** Workloads whose containers run an image named `name` (postgres, redis). */
export function workloadsRunning(ctx: CheckContext, name: string, kinds?: string[]): Array<Workload & { main: ContainerAt }> {
  return workloads(ctx, kinds).flatMap((w) => {
    const main = w.containers.find((c) => !c.init && imageName(c.container.image ?? '') === name);
    return main ? [{ ...w, main }] : [];
  });
}

export function namespaceOf(m: Manifest): string {
  return m.namespace ?? 'default';
}

/** The live copy of a manifest's object, or undefined. */
export async function live<T extends KubernetesObject>(ctx: CheckContext, m: Manifest): Promise<T | undefined> {
  return ctx.kube.get<T>(m.apiVersion, m.kind, m.name, namespaceOf(m));
}

export function notApplied(m: Manifest): Outcome {
  return fail(`${m.kind} ${m.name} is not in the cluster (namespace ${namespaceOf(m)})`, {
    where: m.file,
    expected: `the objects of k8s/ applied to the cluster`,
    why: 'The manifests describe what you want; nothing runs until the API server has them.',
    fix: APPLY,
  });
}

/**
 * Every ConfigMap/Secret reference of a workload's pods, resolved against the cluster.
 * A missing object or key leaves the pod in CreateContainerConfigError; `optional` ones are skipped.
 */
export async function unresolvedEnv(ctx: CheckContext, w: Workload): Promise<string[]> {
  const ns = namespaceOf(w.m);
  const problems: string[] = [];
  const cache = new Map<string, Promise<KubernetesObject | undefined>>();
  for (const c of w.containers) {
    for (const ref of envReferences(c)) {
      if (ref.optional) continue;
      const id = `${ref.kind}/${ref.name}`;
      if (!cache.has(id)) cache.set(id, ctx.kube.get(`v1`, ref.kind, ref.name, ns));
      const obj = (await cache.get(id)) as { data?: Record<string, string>; binaryData?: Record<string, string>; stringData?: Record<string, string> } | undefined;
      if (!obj) {
        problems.push(`${at(w.m, ref.path)}: ${ref.kind} ${ref.name} does not exist in namespace ${ns}`);
        continue;
      }
      const keys = Object.keys({ ...obj.data, ...obj.binaryData });
      if (ref.key && !keys.includes(ref.key)) {
        const near = keys.find((k) => k.toLowerCase() === ref.key!.toLowerCase());
        problems.push(
          `${at(w.m, ref.path)}: ${ref.kind} ${ref.name} has no key ${ref.key}${near ? ` (it has ${near}: keys are case-sensitive)` : ` (it has: ${keys.join(', ') || 'no keys'})`}`,
        );
      }
    }
  }
  return problems;
}

/** The pods of a workload in the cluster, by its selector. */
export async function podsOf(ctx: CheckContext, m: Manifest, selector: Record<string, string>): Promise<V1Pod[]> {
  const labelSelector = Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return ctx.kube.list<V1Pod>('v1', 'Pod', { namespace: namespaceOf(m), labelSelector });
}

export function podReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Evidence for pods that are not Ready: container reasons and Warning events, prefixed by pod name. */
export async function podEvidence(ctx: CheckContext, pods: V1Pod[], limit = 3): Promise<string[]> {
  const lines: string[] = [];
  for (const pod of pods.filter((p) => !podReady(p)).slice(0, limit)) {
    const why = await ctx.kube.explainPod(pod);
    lines.push(...(why.length ? why : [`${pod.status?.phase ?? 'Pending'}, no events yet`]).map((l) => `${pod.metadata?.name}: ${l}`));
  }
  return lines;
}

/** For checks that need pods really serving traffic: skip on simulated nodes, saying so. */
export async function needsRealPods(ctx: CheckContext): Promise<Outcome | undefined> {
  if (await ctx.kube.podsServeTraffic()) return undefined;
  return skip('needs pods that really serve traffic; this cluster\'s nodes are simulated (kwok), so nothing listens', {
    fix: 'runs on the workshop kind cluster: npm run verify (after npm run setup)',
  });
}

