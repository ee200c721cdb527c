// PodDisruptionBudgets and the HorizontalPodAutoscaler, judged by what they do to the pods
// they select: how many evictions a budget allows with the replicas there really are (the
// HPA's minimum when one scales the workload), and whether the autoscaler can compute CPU
// utilization at all. Findings carry `where` and one line each.
import { getIn, type CheckContext, type Finding, type Manifest, type ObjectOf } from '../../verify/lesson-api.ts';
import { at, namespaceOf, workloads, type Workload } from '../shared/k8s.ts';
import { selects } from './network-policy.ts';

/** An int-or-percent of `replicas`, rounded up as the disruption controller does for both fields. */
function scaled(value: unknown, replicas: number): number {
  return typeof value === 'string' && value.endsWith('%') ? Math.ceil((Number(value.slice(0, -1)) / 100) * replicas) : Number(value);
}

export interface Budget {
  m: Manifest;
  selected: Workload[];
  replicas: number;
  /** Evictions it allows while every selected pod is healthy. */
  allowed: number;
}

/** The replicas a workload has at its lowest: an HPA's minReplicas when one targets it. */
export function lowestReplicas(ctx: CheckContext, w: Workload): number {
  const hpa = ctx.manifests
    .find('HorizontalPodAutoscaler')
    .find(
      (h) =>
        namespaceOf(h) === namespaceOf(w.m) &&
        getIn(h.object, ['spec', 'scaleTargetRef', 'kind']) === w.m.kind &&
        getIn(h.object, ['spec', 'scaleTargetRef', 'name']) === w.m.name,
    );
  if (hpa) return Number(getIn(hpa.object, ['spec', 'minReplicas']) ?? 1);
  return w.m.kind === 'DaemonSet' ? 1 : Number(getIn(w.m.object, ['spec', 'replicas']) ?? 1);
}

export function budgets(ctx: CheckContext): Budget[] {
  const all = workloads(ctx, ['Deployment', 'StatefulSet']);
  return ctx.manifests.find('PodDisruptionBudget').map((m) => {
    // policy/v1: an empty selector ({}) selects every pod of the namespace, a missing one none.
    const selector = m.object.spec?.selector;
    const selected = all.filter((w) => namespaceOf(w.m) === namespaceOf(m) && selects(selector, w.tpl.labels));
    const replicas = selected.reduce((n, w) => n + lowestReplicas(ctx, w), 0);
    const min = getIn(m.object, ['spec', 'minAvailable']);
    const max = getIn(m.object, ['spec', 'maxUnavailable']);
    const allowed =
      max !== undefined ? Math.min(replicas, scaled(max, replicas)) : min !== undefined ? Math.max(0, replicas - scaled(min, replicas)) : replicas;
    return { m, selected, replicas, allowed };
  });
}

/** What is wrong with the budgets: one that selects nothing, one that allows no eviction, two on one pod. */
export function budgetFindings(all: Budget[]): Finding[] {
  const out: Finding[] = [];
  for (const b of all) {
    const field = getIn(b.m.object, ['spec', 'minAvailable']) !== undefined ? 'minAvailable' : 'maxUnavailable';
    if (!b.selected.length) {
      out.push({ where: at(b.m, ['spec', 'selector']), message: `PodDisruptionBudget ${b.m.name} selects no pod of k8s/: it protects nothing` });
    } else if (b.allowed < 1) {
      const names = b.selected.map((w) => `${w.m.kind} ${w.m.name}`).join(', ');
      out.push({
        where: at(b.m, ['spec', field]),
        message: `PodDisruptionBudget ${b.m.name} allows 0 evictions of ${names} (${b.replicas} replica${b.replicas === 1 ? '' : 's'}, ${field}: ${String(getIn(b.m.object, ['spec', field]))}): \`kubectl drain\` of its node waits forever`,
      });
    }
  }
  const owners = new Map<Workload['m'], string[]>();
  for (const b of all) for (const w of b.selected) owners.set(w.m, [...(owners.get(w.m) ?? []), b.m.name]);
  for (const [m, names] of owners) {
    if (names.length > 1)
      out.push({
        where: at(all.find((b) => b.m.name === names[1])!.m, ['spec', 'selector']),
        message: `the pods of ${m.kind} ${m.name} have ${names.length} PodDisruptionBudgets (${names.join(', ')}): the Eviction API refuses to evict a pod with more than one`,
      });
  }
  return out;
}

/** The HPA's problems, against the Deployment it should scale. */
export function autoscalerFindings(hpa: Manifest<ObjectOf<'HorizontalPodAutoscaler'>>, target: Workload): Finding[] {
  const out: Finding[] = [];
  const spec = ['spec'];
  if (!/^autoscaling\/v(1|2)$/.test(hpa.apiVersion)) {
    out.push({
      where: at(hpa, ['apiVersion']),
      message: `apiVersion ${hpa.apiVersion} is no longer served (removed in Kubernetes 1.25 and 1.26): use autoscaling/v2`,
    });
  }
  const ref: { kind?: string; name?: string } = hpa.object.spec?.scaleTargetRef ?? {};
  if (ref.kind !== target.m.kind || ref.name !== target.m.name) {
    out.push({
      where: at(hpa, [...spec, 'scaleTargetRef']),
      message: `scaleTargetRef is ${ref.kind ?? '?'} ${ref.name ?? '?'}, not ${target.m.kind} ${target.m.name}: the HPA scales nothing Teamnotes serves from`,
    });
  }
  const min = Number(getIn(hpa.object, [...spec, 'minReplicas']) ?? 1);
  const max = Number(getIn(hpa.object, [...spec, 'maxReplicas']) ?? 0);
  if (min < 2)
    out.push({
      where: at(hpa, [...spec, 'minReplicas']),
      message: `minReplicas ${getIn(hpa.object, [...spec, 'minReplicas']) === undefined ? 'is not set (it defaults to 1)' : min}: at night the HPA scales the web to one pod, and a drain or crash is an outage`,
    });
  if (!(max > min))
    out.push({ where: at(hpa, [...spec, 'maxReplicas']), message: `maxReplicas ${max} is not above minReplicas ${min}: the HPA can never add a pod` });
  const cpu = cpuTarget(hpa);
  if (!cpu)
    out.push({
      where: at(hpa, [...spec, hpa.apiVersion === 'autoscaling/v1' ? 'targetCPUUtilizationPercentage' : 'metrics']),
      message: 'no CPU target (a Resource metric cpu with a target averageUtilization)',
    });
  // Utilization is usage ÷ request: the request of every container of the pod, or of the one a
  // ContainerResource metric names. An AverageValue target divides by nothing and needs none.
  if (cpu?.utilization) {
    const main = target.containers.filter((c) => !c.init);
    const divided = cpu.container ? main.filter((c) => c.container.name === cpu.container) : main;
    if (cpu.container && !divided.length)
      out.push({
        where: at(hpa, [...spec, 'metrics']),
        message: `the ContainerResource metric names container ${cpu.container}, which the pods of ${target.m.kind} ${target.m.name} do not have (they have ${main.map((c) => c.container.name).join(', ')})`,
      });
    for (const c of divided.filter((c) => getIn(c.container, ['resources', 'requests', 'cpu']) === undefined))
      out.push({
        where: at(target.m, [...c.path, 'resources']),
        message: `container ${c.container.name} has no CPU request: utilization is usage ÷ request, so the HPA reports "missing request for cpu" and never scales`,
      });
  }
  return out;
}

export interface CpuTarget {
  /** `70%`, `200m`, `80% (the default)` */
  label: string;
  /** A percentage of the CPU request (Utilization), rather than an average value. */
  utilization: boolean;
  /** The one container a ContainerResource metric measures. */
  container?: string;
}

/** The API server's default when an HPA names no metric (no metrics in v2, no target in v1): 80% CPU. */
const DEFAULT_CPU: CpuTarget = { label: '80% (the default)', utilization: true };

/** The HPA's CPU target, as the API server reads it: undefined when it scales on other metrics only. */
export function cpuTarget(hpa: Manifest): CpuTarget | undefined {
  if (hpa.apiVersion === 'autoscaling/v1') {
    const pct = getIn(hpa.object, ['spec', 'targetCPUUtilizationPercentage']);
    return pct === undefined ? DEFAULT_CPU : { label: `${String(pct)}%`, utilization: true };
  }
  const metrics = getIn(hpa.object, ['spec', 'metrics']);
  if (!Array.isArray(metrics) || !metrics.length) return DEFAULT_CPU;
  for (const m of metrics as Array<Record<string, unknown>>) {
    const res = (m.type === 'Resource' ? m.resource : m.type === 'ContainerResource' ? m.containerResource : undefined) as
      { name?: string; container?: string; target?: { type?: string; averageUtilization?: number; averageValue?: string } } | undefined;
    if (res?.name !== 'cpu' || !res.target) continue;
    const container = m.type === 'ContainerResource' ? res.container : undefined;
    if (res.target.type === 'Utilization' && res.target.averageUtilization)
      return { label: `${res.target.averageUtilization}%`, utilization: true, ...(container ? { container } : {}) };
    if (res.target.type === 'AverageValue' && res.target.averageValue) return { label: String(res.target.averageValue), utilization: false };
  }
  return undefined;
}
