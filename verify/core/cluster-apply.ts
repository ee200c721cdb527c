// Bringing the cluster in line with a workspace's k8s/ folder, as a learner would with
// `kubectl apply -R -f k8s/` plus the Secret commands of the lessons. Used by
// `npm run solution N -- --apply` (code and cluster) and by `npm run rehearse`.
//
// Conventions (CONTRIBUTING.md, "Manifests and secrets"):
// - Secrets are never files in k8s/. A Secret that the workloads reference but k8s/ does
//   not define is created from the workspace's `.env.cluster` (ignored by git), exactly
//   like `kubectl create secret generic NAME --from-env-file=.env.cluster`.
// - `.env.cluster.example` is its committed template: `<generate>` marks a value any
//   random string will do for; any other `<…>` must come from the person running it.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { EnvironmentError } from './errors.ts';
import { changedAt, containersOf, envReferences, podTemplateOf, startedBefore } from '../probes/k8s-semantics.ts';
import type { KubeProbe } from '../probes/kube.ts';
import { ManifestsProbe, type Manifest } from '../probes/manifests.ts';

export const CLUSTER_ENV_FILE = '.env.cluster';
export const CLUSTER_ENV_TEMPLATE = '.env.cluster.example';
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

export interface ApplySummary {
  /** `Kind/name` of every object of k8s/. */
  applied: string[];
  /** Names of the Secrets made from .env.cluster. */
  secrets: string[];
  restarted: string[];
}

/** `KEY=value` lines of a dotenv file (no expansion, optional quotes), as kubectl's --from-env-file reads them. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    let value = line.slice(eq + 1).trim();
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    out[line.slice(0, eq).trim()] = value;
  }
  return out;
}

/**
 * `.env.cluster` text from its template: `<generate>` values become random hex, other
 * `<…>` placeholders take `values[KEY]`; a placeholder nobody filled is an error naming it.
 */
export function renderEnvTemplate(template: string, values: Record<string, string> = {}): string {
  const missing: string[] = [];
  const text = template
    .split('\n')
    .map((line) => {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
      if (!m) return line;
      const [, key, value] = m as unknown as [string, string, string];
      if (key in values) return `${key}=${values[key]}`;
      if (value === '<generate>') return `${key}=${randomBytes(24).toString('hex')}`;
      if (/<[^>]+>/.test(value)) missing.push(key);
      return line;
    })
    .join('\n');
  if (missing.length) {
    throw new EnvironmentError(
      `${CLUSTER_ENV_TEMPLATE} leaves ${missing.join(', ')} for you to fill in, and no value was given.`,
      `cp ${CLUSTER_ENV_TEMPLATE} ${CLUSTER_ENV_FILE}, replace every <…>, then run it again`,
    );
  }
  return text;
}

/**
 * `.env.cluster` for one lesson, as a learner keeps it from lesson to lesson: the values of
 * `<generate>` keys stay the ones generated before (Postgres keeps the password it was
 * initialised with, lesson 09), `given` fills the other placeholders, and a value the
 * template writes out is the lesson's own. `generated` is updated with the new values.
 */
export function renderClusterEnv(template: string, given: Record<string, string>, generated: Record<string, string>): string {
  const entries = Object.entries(parseEnvFile(template));
  const toGenerate = new Set(entries.filter(([, v]) => v === '<generate>').map(([k]) => k));
  const keys = new Set(entries.map(([k]) => k));
  const values = Object.fromEntries(
    Object.entries({ ...Object.fromEntries(Object.entries(generated).filter(([k]) => toGenerate.has(k))), ...given }).filter(([k]) => keys.has(k)),
  );
  const rendered = renderEnvTemplate(template, values);
  for (const [k, v] of Object.entries(parseEnvFile(rendered))) if (toGenerate.has(k)) generated[k] = v;
  return rendered;
}

/** Secrets the workloads read that k8s/ does not define: they come from .env.cluster. */
export function secretsToCreate(manifests: Manifest[]): Array<{ name: string; namespace: string }> {
  const defined = new Set(manifests.filter((m) => m.kind === 'Secret').map((m) => `${m.namespace ?? 'default'}/${m.name}`));
  const wanted = new Map<string, { name: string; namespace: string }>();
  for (const m of manifests) {
    const tpl = podTemplateOf(m.kind, m.object);
    if (!tpl) continue;
    for (const c of containersOf(tpl)) {
      for (const ref of envReferences(c)) {
        const namespace = m.namespace ?? 'default';
        const id = `${namespace}/${ref.name}`;
        if (ref.kind === 'Secret' && !defined.has(id)) wanted.set(id, { name: ref.name, namespace });
      }
    }
  }
  return [...wanted.values()];
}

/** Namespaces first (everything else lands in them), then Secrets and ConfigMaps (pods read them at start), then the rest. */
function applyOrder(kind: string): number {
  return kind === 'Namespace' ? 0 : kind === 'ConfigMap' || kind === 'Secret' ? 1 : 2;
}

/**
 * Apply `workspace/k8s` to the cluster, create the Secrets it expects from `.env.cluster`,
 * and restart the workloads whose ConfigMaps or Secrets changed (their env is read only
 * at start, lesson 08). Refusals are an EnvironmentError naming the object and reason.
 */
export async function applyWorkspace(kube: KubeProbe, workspace: string, log: (line: string) => void = () => {}): Promise<ApplySummary> {
  const manifests = new ManifestsProbe(workspace).load();
  const summary: ApplySummary = { applied: [], secrets: [], restarted: [] };
  if (!manifests.length) return summary;

  const secrets = secretsToCreate(manifests);
  let env: Record<string, string> = {};
  if (secrets.length) {
    const file = path.join(workspace, CLUSTER_ENV_FILE);
    if (!fs.existsSync(file)) {
      throw new EnvironmentError(
        `k8s/ expects the Secret ${secrets.map((s) => s.name).join(', ')}, made from ${CLUSTER_ENV_FILE}, and ${path.join(path.basename(workspace), CLUSTER_ENV_FILE)} does not exist.`,
        `cp ${CLUSTER_ENV_TEMPLATE} ${CLUSTER_ENV_FILE} in your workspace, replace every <…>, then run it again`,
      );
    }
    env = parseEnvFile(fs.readFileSync(file, 'utf8'));
  }

  const before = await configVersions(kube, manifests, secrets);
  const objects: KubernetesObject[] = [
    ...manifests.map((m) => m.object as KubernetesObject),
    ...secrets.map(
      (s) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: s.name, namespace: s.namespace }, type: 'Opaque', stringData: env }) as KubernetesObject,
    ),
  ].sort((a, b) => applyOrder(a.kind ?? '') - applyOrder(b.kind ?? ''));

  const results = await kube.apply(objects);
  const refused = results.filter((r) => !r.ok);
  if (refused.length) {
    const r = refused[0]!;
    throw new EnvironmentError(
      `The cluster refused ${r.object.kind} ${r.object.metadata?.name}: ${r.message}`,
      'kubectl apply --dry-run=server -f k8s/   (shows every refusal)',
    );
  }
  for (const r of results) {
    const name = `${r.object.kind}/${r.object.metadata?.name}`;
    if (r.object.kind === 'Secret' && secrets.some((s) => s.name === r.object.metadata?.name)) summary.secrets.push(r.object.metadata!.name!);
    else summary.applied.push(name);
    log(`applied ${name}`);
  }

  // Env (and most apps' config files) are read at start: a changed ConfigMap or Secret means a
  // rollout restart of every workload that reads it, as lesson 08 teaches. That includes
  // workloads k8s/ does not define (an add-on's Grafana mounting the learner's dashboards).
  const after = await configVersions(kube, manifests, secrets);
  // Created counts as changed: a workload that was already running (an add-on's Grafana
  // with an optional ConfigMap volume) started without it.
  const changed = [...after.keys()].filter((id) => before.get(id)?.metadata?.resourceVersion !== after.get(id)?.metadata?.resourceVersion);
  const namespaces = new Set(changed.map((id) => id.split('/')[1]!));
  for (const namespace of namespaces) {
    for (const kind of ['Deployment', 'StatefulSet', 'DaemonSet']) {
      for (const w of await kube.list<KubernetesObject & { spec?: { selector?: { matchLabels?: Record<string, string> } } }>('apps/v1', kind, { namespace })) {
        const tpl = podTemplateOf(kind, w as unknown as Record<string, unknown>);
        const reads = tpl
          ? configReads(tpl)
              .map((r) => r.replace('%NS%', namespace))
              .filter((id) => changed.includes(id))
          : [];
        if (!reads.length) continue;
        // Only if a pod of it started before the change (the same rule as 08.pods-use-current-config):
        // a workload created by this apply already starts with the new configuration.
        const newest = Math.max(...reads.map((id) => changedAt(after.get(id) ?? {})));
        const selector = Object.entries(w.spec?.selector?.matchLabels ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(',');
        const pods = selector ? await kube.list<KubernetesObject>('v1', 'Pod', { namespace, labelSelector: selector }) : [];
        if (!pods.some((p) => startedBefore(p, newest))) continue;
        await kube.mergePatch(
          { ...w, apiVersion: 'apps/v1', kind },
          { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: new Date().toISOString() } } } } },
        );
        summary.restarted.push(`${kind}/${w.metadata?.name}`);
        log(`restarted ${kind}/${w.metadata?.name} (its configuration changed)`);
      }
    }
  }
  return summary;
}

/** `Kind/%NS%/name` of every ConfigMap and Secret a pod template reads: env, envFrom and volumes. */
function configReads(tpl: NonNullable<ReturnType<typeof podTemplateOf>>): string[] {
  const refs = containersOf(tpl)
    .flatMap(envReferences)
    .map((r) => `${r.kind}/%NS%/${r.name}`);
  for (const v of tpl.spec.volumes ?? []) {
    if (v.configMap?.name) refs.push(`ConfigMap/%NS%/${v.configMap.name}`);
    if (v.secret?.secretName) refs.push(`Secret/%NS%/${v.secret.secretName}`);
    for (const src of v.projected?.sources ?? []) {
      if (src.configMap?.name) refs.push(`ConfigMap/%NS%/${src.configMap.name}`);
      if (src.secret?.name) refs.push(`Secret/%NS%/${src.secret.name}`);
    }
  }
  return refs;
}

async function configVersions(
  kube: KubeProbe,
  manifests: Manifest[],
  secrets: Array<{ name: string; namespace: string }>,
): Promise<Map<string, KubernetesObject | undefined>> {
  const ids = [
    ...manifests.filter((m) => m.kind === 'ConfigMap' || m.kind === 'Secret').map((m) => ({ kind: m.kind, name: m.name, namespace: m.namespace ?? 'default' })),
    ...secrets.map((s) => ({ kind: 'Secret', ...s })),
  ];
  const out = new Map<string, KubernetesObject | undefined>();
  for (const id of ids) out.set(`${id.kind}/${id.namespace}/${id.name}`, await kube.get('v1', id.kind, id.name, id.namespace));
  return out;
}
