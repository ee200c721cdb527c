// What lessons 07+ know about Teamnotes in Kubernetes: its namespace, how to find its
// Deployment among the learner's manifests, and the live lookups several lessons share.
// Generic Kubernetes semantics live in verify/probes/k8s-semantics.ts.
import type { KubernetesObject, V1Container, V1Deployment, V1Pod } from '@kubernetes/client-node';
import {
  containersOf,
  envReferences,
  envSource,
  fail,
  fieldDifferences,
  findingLine,
  formatPath,
  getIn,
  imageName,
  locateSteps,
  missingResources,
  parseEnvFile,
  pass,
  podTemplateOf,
  selectorQuery,
  type CheckContext,
  type ContainerAt,
  type FieldDifference,
  type FieldPath,
  type Finding,
  type KeysOf,
  type LabelSelector,
  type Manifest,
  type ObjectOf,
  type Outcome,
  type PodTemplate,
} from '../../verify/lesson-api.ts';

export const NAMESPACE = 'teamnotes';
export const APP_IMAGE = 'teamnotes';
export const APPLY = 'kubectl apply -R -f k8s/';
/** The Secret made from .env.cluster (lesson 07 on). */
export const SECRET_TEMPLATE = '.env.cluster.example';

/** `k8s/deployment.yaml:23 › spec.template.spec.containers[0].image` */
export function at(m: Manifest, path: FieldPath): string {
  return `${m.file}:${m.lineOf(path)}${path.length ? ` › ${formatPath(path)}` : ''}`;
}

/** A workload of k8s/ with its pod template; `T` is its kind's shape when the kinds asked for say it. */
export interface Workload<T = unknown> {
  m: Manifest<T>;
  tpl: PodTemplate;
  containers: ContainerAt[];
}

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'CronJob' | 'Job';
const WORKLOAD_KINDS: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob', 'Job'];

export function workloads<K extends WorkloadKind = WorkloadKind>(ctx: CheckContext, kinds?: readonly K[]): Array<Workload<ObjectOf<K>>> {
  const wanted: readonly string[] = kinds ?? WORKLOAD_KINDS;
  // One of the kinds asked for, so it has one of their shapes (kept in file order across kinds).
  const asked = (m: Manifest): m is Manifest<ObjectOf<K>> => wanted.includes(m.kind);
  return ctx.manifests
    .load()
    .filter(asked)
    .flatMap((m) => {
      const tpl = podTemplateOf(m.kind, m.object);
      return tpl ? [{ m, tpl, containers: containersOf(tpl) }] : [];
    });
}

/** What a container runs instead of its image's CMD: command and args joined, '' when it runs the CMD. */
export function entryOf(c: ContainerAt): string {
  return [...(c.container.command ?? []), ...(c.container.args ?? [])].join(' ').trim();
}

/** Every Deployment running the Teamnotes image (the web, and from lesson 13 the email worker), with that container. */
export function teamnotesDeployments(ctx: CheckContext): Array<Workload<ObjectOf<'Deployment'>> & { web: ContainerAt }> {
  return workloads(ctx, ['Deployment']).flatMap((w) => {
    const web = w.containers.find((c) => !c.init && imageName(c.container.image ?? '') === APP_IMAGE);
    return web ? [{ ...w, web }] : [];
  });
}

/**
 * The Deployment serving Teamnotes' web traffic, and that container: the one running the
 * image's CMD (or a command naming the server), so a worker Deployment of the same image
 * (lesson 13) is never mistaken for it; the first one when none looks like the web.
 */
export function appDeployment(ctx: CheckContext): (Workload<ObjectOf<'Deployment'>> & { web: ContainerAt }) | undefined {
  const all = teamnotesDeployments(ctx);
  return all.find((d) => entryOf(d.web) === '' || /server/.test(entryOf(d.web))) ?? all[0];
}

/** Workloads whose containers run an image named `name` (postgres, redis). */
export function workloadsRunning<K extends WorkloadKind = WorkloadKind>(
  ctx: CheckContext,
  name: string,
  kinds?: readonly K[],
): Array<Workload<ObjectOf<K>> & { main: ContainerAt }> {
  return workloads(ctx, kinds).flatMap((w) => {
    const main = w.containers.find((c) => !c.init && imageName(c.container.image ?? '') === name);
    return main ? [{ ...w, main }] : [];
  });
}

export function namespaceOf(m: Manifest): string {
  return m.namespace ?? 'default';
}

/** The keys of the file a Secret not defined in k8s/ is made from: .env.cluster, else its committed template. */
function secretFileKeys(ctx: CheckContext): string[] | undefined {
  for (const file of ['.env.cluster', SECRET_TEMPLATE]) {
    const text = ctx.files.read(file);
    if (text !== undefined) return Object.keys(parseEnvFile(text));
  }
  return undefined;
}

/**
 * The keys each ConfigMap and Secret holds as far as the files show: a ConfigMap's keys in
 * k8s/, and a Secret's in the file it is made from (.env.cluster, else its template). So
 * envFrom of a ConfigMap and a Secret resolves each variable to the source holding its key.
 */
export function keysInFiles(ctx: CheckContext): KeysOf {
  return (kind, name) => {
    const m = ctx.manifests.find(kind).find((x) => x.name === name);
    if (m) return Object.keys({ ...(getIn(m.object, ['data']) ?? {}), ...(getIn(m.object, kind === 'Secret' ? ['stringData'] : ['binaryData']) ?? {}) });
    return kind === 'Secret' ? secretFileKeys(ctx) : undefined;
  };
}

/**
 * A container's variable as far as files show it: a literal, a ConfigMap in k8s/, or the
 * source of the Secret it comes from (.env.cluster, else its committed template).
 */
export function valueInFiles(ctx: CheckContext, m: Manifest, c: ContainerAt, variable: string): { value?: string; from: string } {
  const src = envSource(c, variable, keysInFiles(ctx));
  if (src.from === 'literal') return { value: src.value, from: at(m, src.path) };
  if (src.from === 'ConfigMap') {
    const cm = ctx.manifests.find('ConfigMap').find((x) => x.name === src.name);
    return { value: cm?.object.data?.[src.key], from: `ConfigMap ${src.name}` };
  }
  if (src.from === 'Secret') {
    for (const file of ['.env.cluster', SECRET_TEMPLATE]) {
      const text = ctx.files.read(file);
      const value = text === undefined ? undefined : parseEnvFile(text)[src.key];
      if (value !== undefined) return { value, from: `${file} (Secret ${src.name})` };
    }
  }
  return { from: `${variable} is not set` };
}

/**
 * A container's CPU and memory requests and its memory limit (the web in 07, the log agent in
 * 12): a fail naming what is missing, at its resources field, or a pass naming the values.
 */
export function resourcesOutcome(m: Manifest, c: ContainerAt, details: { expected: string; why: string; fix: string }): Outcome {
  const missing = missingResources(c.container);
  const r = c.container.resources ?? {};
  return missing.length
    ? fail(`no ${missing.join(', ')}`, { where: at(m, [...c.path, 'resources']), ...details })
    : pass(`requests ${r.requests!.cpu}/${r.requests!.memory}, memory limit ${r.limits!.memory}`);
}

/** The live copy of a manifest's object, or undefined. */
export async function live<T extends KubernetesObject>(ctx: CheckContext, m: Manifest): Promise<T | undefined> {
  return ctx.kube.get<T>(m.apiVersion, m.kind, m.name, namespaceOf(m));
}

/**
 * Waits (bounded) until every Deployment and StatefulSet of k8s/ in the app's namespace has rolled
 * out (the add-ons' namespaces are not the app's path); returns those
 * still rolling when the wait ran out (empty when all are done). For checks that send traffic
 * through the whole app right after an apply: the apply restarts what changed (a new Secret
 * restarts Redis too, and a headless Service has no DNS record while its one pod is not Ready),
 * and a learner who verifies at once must be judged on the rolled-out app, not on the gap.
 */
export async function workloadsRolledOut(ctx: CheckContext, timeout: number): Promise<string[]> {
  const app = appDeployment(ctx);
  const all = workloads(ctx, ['Deployment', 'StatefulSet']).filter((w) => !app || namespaceOf(w.m) === namespaceOf(app.m));
  const rolling = async () => {
    const states = await Promise.all(all.map(async (w) => (rolledOut(await live(ctx, w.m)) ? undefined : `${w.m.kind}/${w.m.name}`)));
    return states.filter((x): x is string => !!x);
  };
  const r = await ctx.poll('the workloads of k8s/ to finish rolling out', rolling, {
    until: (r) => r.length === 0,
    timeout,
    interval: 2000,
    describe: (r) => `still rolling: ${r.join(', ')}`,
  });
  return r.value;
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
export async function unresolvedEnv(ctx: CheckContext, w: Workload): Promise<Finding[]> {
  const ns = namespaceOf(w.m);
  const problems: Finding[] = [];
  const cache = new Map<string, Promise<KubernetesObject | undefined>>();
  for (const c of w.containers) {
    for (const ref of envReferences(c)) {
      if (ref.optional) continue;
      const id = `${ref.kind}/${ref.name}`;
      if (!cache.has(id)) cache.set(id, ctx.kube.get(`v1`, ref.kind, ref.name, ns));
      const obj = (await cache.get(id)) as
        { data?: Record<string, string>; binaryData?: Record<string, string>; stringData?: Record<string, string> } | undefined;
      if (!obj) {
        problems.push({ where: at(w.m, ref.path), message: `${ref.kind} ${ref.name} does not exist in namespace ${ns}` });
        continue;
      }
      const keys = Object.keys({ ...obj.data, ...obj.binaryData });
      if (ref.key && !keys.includes(ref.key)) {
        const near = keys.find((k) => k.toLowerCase() === ref.key!.toLowerCase());
        problems.push({
          where: at(w.m, ref.path),
          message: `${ref.kind} ${ref.name} has no key ${ref.key}${near ? ` (it has ${near}: keys are case-sensitive)` : ` (it has: ${keys.join(', ') || 'no keys'})`}`,
        });
      }
    }
  }
  return problems;
}

/** A workload: its full label selector is `spec.selector`. */
type Selecting = { spec?: { selector?: LabelSelector } };

/** The pods in the cluster that a workload's own full selector picks (matchExpressions included), in its namespace. */
export async function podsOf(ctx: CheckContext, m: Manifest<Selecting>): Promise<V1Pod[]> {
  return ctx.kube.list<V1Pod>('v1', 'Pod', { namespace: namespaceOf(m), labelSelector: selectorQuery(m.object.spec?.selector ?? {}) });
}

/** The pods in `namespace` carrying every label of `labels` (a Service's selector map). */
export async function podsMatching(ctx: CheckContext, namespace: string, labels: Record<string, string>): Promise<V1Pod[]> {
  const labelSelector = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return ctx.kube.list<V1Pod>('v1', 'Pod', { namespace, labelSelector });
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

/**
 * An add-on's Deployment (npm run addon …) is there and rolled out, waiting up to 30 s;
 * undefined when it is, else the failure naming the command that installs it.
 */
export async function addonDeploymentProblem(
  ctx: CheckContext,
  name: string,
  namespace: string,
  addon: { install: string; why: string },
): Promise<Outcome | undefined> {
  if (!(await ctx.kube.get<V1Deployment>('apps/v1', 'Deployment', name, namespace))) {
    return fail(`there is no ${name} in namespace ${namespace}`, { expected: 'the add-on installed', why: addon.why, fix: addon.install });
  }
  const ready = await ctx.kube.waitFor(
    async () => {
      const cur = await ctx.kube.get<V1Deployment>('apps/v1', 'Deployment', name, namespace);
      return rolledOut(cur) ? cur : undefined;
    },
    { timeoutMs: 30_000, signal: ctx.signal },
  );
  if (ready) return undefined;
  const pods = await ctx.kube.list<V1Pod>('v1', 'Pod', { namespace, labelSelector: `app.kubernetes.io/name=${name}` });
  return fail(`${name} is not ready`, {
    where: `deployment/${name} (namespace ${namespace})`,
    expected: 'a Ready pod',
    why: addon.why,
    fix: `kubectl -n ${namespace} describe pod -l app.kubernetes.io/name=${name}`,
    evidence: await podEvidence(ctx, pods),
  });
}

/** The live Deployment has rolled out: current generation observed, every replica updated and available. */
export function rolledOut(
  dep:
    | {
        metadata?: { generation?: number };
        spec?: { replicas?: number };
        status?: { observedGeneration?: number; updatedReplicas?: number; readyReplicas?: number; availableReplicas?: number; replicas?: number };
      }
    | undefined,
): boolean {
  const s = dep?.status;
  const want = dep?.spec?.replicas ?? 1;
  return (
    !!s &&
    (s.observedGeneration ?? 0) >= (dep!.metadata?.generation ?? 0) &&
    s.updatedReplicas === want &&
    s.readyReplicas === want &&
    s.availableReplicas === want &&
    (s.replicas ?? 0) === want
  );
}

/**
 * Every field the file sets that the live object has otherwise: the API server applies the
 * file in a dry run (server-side apply, its own field manager, so only what the file sets
 * counts) and the result is compared with the live object. Defaults and spellings of
 * quantities are the server's on both sides, so `cpu: 0.1` and `100m` are the same.
 * Undefined when the server refused the dry run (07.server-dry-run reports that).
 */
export async function unappliedFields(ctx: CheckContext, m: Manifest, current: KubernetesObject): Promise<FieldDifference[] | undefined> {
  const [dry] = await ctx.kube.apply([m.object], { dryRun: true, fieldManager: 'legacy-to-k8s-verify' });
  if (!dry?.ok || !dry.applied) return undefined;
  const compared = (o: KubernetesObject & { spec?: unknown }) => ({
    metadata: { labels: o.metadata?.labels ?? {}, annotations: o.metadata?.annotations ?? {} },
    spec: o.spec,
  });
  return fieldDifferences(compared(current), compared(dry.applied as KubernetesObject & { spec?: unknown }));
}

const show = (v: unknown) => (v === undefined ? '(not set)' : JSON.stringify(v));

/**
 * 07.rollout-complete for any Deployment of k8s/: the live one is what applying the file
 * would make of it, every field the file sets (probes and resources as much as the image
 * and replicas), and within 45 s every pod is updated and Ready.
 */
export async function rolloutComplete(ctx: CheckContext, m: Manifest<ObjectOf<'Deployment'>>, container: V1Container): Promise<Outcome> {
  const current = await live<V1Deployment>(ctx, m);
  if (!current) return notApplied(m);
  const wantReplicas = Number(m.object.spec?.replicas ?? 1);
  const diffs = await unappliedFields(ctx, m, current as KubernetesObject);
  if (diffs?.length) {
    return fail(
      `the Deployment in the cluster differs from ${m.file} in ${diffs.length} field(s): ${diffs
        .slice(0, 3)
        .map((d) => d.label)
        .join(', ')}`,
      {
        where: at(m, locateSteps(m.object, diffs[0]!.steps)),
        expected: `the cluster running what ${m.file} says`,
        why: 'Editing a file changes nothing until it is applied: the pods still run with the old settings.',
        fix: APPLY,
        evidence: diffs
          .slice(0, 8)
          .map((d) => findingLine({ where: at(m, locateSteps(m.object, d.steps)), message: `${d.label}: cluster ${show(d.have)}, k8s/ ${show(d.want)}` })),
      },
    );
  }
  const liveImage = current.spec?.template.spec?.containers.find((c) => c.name === container.name)?.image;
  if (!diffs && (liveImage !== container.image || current.spec?.replicas !== wantReplicas)) {
    return fail(`the Deployment in the cluster differs from k8s/`, {
      where: m.file,
      observed: `cluster: image ${liveImage}, replicas ${current.spec?.replicas}`,
      expected: `k8s/: image ${container.image}, replicas ${wantReplicas}`,
      why: 'Editing a file changes nothing until it is applied.',
      fix: APPLY,
    });
  }
  const finished = await ctx.kube.waitFor(
    async () => {
      const dep = await live<V1Deployment>(ctx, m);
      return dep && rolledOut(dep) ? dep : undefined;
    },
    { timeoutMs: 45_000, signal: ctx.signal },
  );
  if (finished) return pass(`${wantReplicas}/${wantReplicas} pods updated and Ready`);
  const latest = (await live<V1Deployment>(ctx, m)) ?? current;
  const query = selectorQuery(m.object.spec?.selector ?? {});
  const pods = await podsOf(ctx, m);
  const s = latest.status ?? {};
  return fail(`rollout not complete after 45 s: ${s.readyReplicas ?? 0}/${wantReplicas} Ready, ${s.updatedReplicas ?? 0} updated`, {
    where: `deployment/${m.name} (namespace ${namespaceOf(m)})`,
    expected: `${wantReplicas} updated, Ready pods`,
    why: 'Pods that are not Ready get no traffic; a rollout that never finishes leaves old and new versions side by side.',
    fix: `kubectl -n ${namespaceOf(m)} describe pod -l '${query}'`,
    evidence: await podEvidence(ctx, pods),
  });
}

export { changedAt } from '../../verify/lesson-api.ts';
