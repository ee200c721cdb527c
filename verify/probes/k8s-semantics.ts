// Kubernetes semantics that trip people up, encoded once and exactly: subset selector matching against *template* labels, named
// vs numeric ports, the effective image pull policy, element-wise Ingress path matching,
// how rolling-update percentages round, and where a container's environment comes from.
// Pure functions over plain manifest objects: usable on files (static checks) and on
// objects read from the cluster (live checks) alike. No lesson knowledge here.
import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
import type { Manifest } from './manifests.ts';

export type FieldPath = Array<string | number>;
export type Labels = Record<string, string>;

export interface PodTemplate {
  labels: Labels;
  spec: V1PodSpec;
  /** Path of the pod spec inside the object: `['spec', 'template', 'spec']`. */
  specPath: FieldPath;
  /** Path of the pod template's labels. */
  labelsPath: FieldPath;
}

const TEMPLATE_PATHS: Record<string, FieldPath> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

export function getIn(obj: unknown, path: FieldPath): unknown {
  let cur = obj;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur;
}

/** The pod template of a workload (or the pod itself), with the paths messages point at. */
export function podTemplateOf(kind: string, object: Record<string, unknown>): PodTemplate | undefined {
  const base = kind === 'Pod' ? [] : TEMPLATE_PATHS[kind];
  if (!base) return undefined;
  const spec = getIn(object, [...base, 'spec']) as V1PodSpec | undefined;
  if (!spec || typeof spec !== 'object') return undefined;
  return {
    labels: stringMap(getIn(object, [...base, 'metadata', 'labels'])),
    spec,
    specPath: [...base, 'spec'],
    labelsPath: [...base, 'metadata', 'labels'],
  };
}

export interface ContainerAt {
  container: V1Container;
  path: FieldPath;
  init: boolean;
}

export function containersOf(tpl: PodTemplate): ContainerAt[] {
  const list = (key: 'containers' | 'initContainers', init: boolean) =>
    (Array.isArray(tpl.spec[key]) ? tpl.spec[key]! : []).map((container, i) => ({ container, path: [...tpl.specPath, key, i], init }));
  return [...list('initContainers', true), ...list('containers', false)];
}

export function stringMap(value: unknown): Labels {
  if (!value || typeof value !== 'object') return {};
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

/** A workload's `spec.selector.matchLabels` (or a Service's `spec.selector`). */
export function selectorOf(kind: string, object: Record<string, unknown>): Labels | undefined {
  const raw = kind === 'Service' ? getIn(object, ['spec', 'selector']) : getIn(object, ['spec', 'selector', 'matchLabels']);
  return raw && typeof raw === 'object' ? stringMap(raw) : undefined;
}

/**
 * A selector matches when *every* key/value is on the labels (a subset), not when one
 * of them is (kube-score's old bug). Returns the selector pairs the labels lack.
 */
export function missingLabels(selector: Labels, labels: Labels): string[] {
  return Object.entries(selector)
    .filter(([k, v]) => labels[k] !== v)
    .map(([k, v]) => (k in labels ? `${k}=${v} (the pods have ${k}=${labels[k]})` : `${k}=${v}`));
}

/** A workload's full label selector: matchLabels and matchExpressions, every term must hold. */
export interface LabelSelector {
  matchLabels?: Record<string, unknown>;
  matchExpressions?: Array<{ key?: string; operator?: string; values?: string[] }>;
}

/**
 * The terms of a full label selector that `labels` fail, as Kubernetes evaluates them:
 * matchLabels pairs, and expressions In, NotIn, Exists, DoesNotExist. Empty: it selects them.
 */
export function selectorMisses(selector: LabelSelector, labels: Labels): string[] {
  const misses = missingLabels(stringMap(selector.matchLabels), labels);
  for (const e of selector.matchExpressions ?? []) {
    const key = e.key ?? '';
    const values = e.values ?? [];
    const has = key in labels;
    const ok =
      e.operator === 'In'
        ? has && values.includes(labels[key]!)
        : e.operator === 'NotIn'
          ? !has || !values.includes(labels[key]!)
          : e.operator === 'Exists'
            ? has
            : e.operator === 'DoesNotExist'
              ? !has
              : false;
    if (!ok) misses.push(`${key} ${e.operator ?? '?'}${values.length ? ` (${values.join(', ')})` : ''}${has ? ` (the pods have ${key}=${labels[key]})` : ''}`);
  }
  return misses;
}

/** A full label selector as a `labelSelector` query string (`a=b,c in (d,e),!f`). */
export function selectorQuery(selector: LabelSelector): string {
  return [
    ...Object.entries(stringMap(selector.matchLabels)).map(([k, v]) => `${k}=${v}`),
    ...(selector.matchExpressions ?? []).map((e) =>
      e.operator === 'In'
        ? `${e.key} in (${(e.values ?? []).join(',')})`
        : e.operator === 'NotIn'
          ? `${e.key} notin (${(e.values ?? []).join(',')})`
          : e.operator === 'DoesNotExist'
            ? `!${e.key}`
            : `${e.key}`,
    ),
  ].join(',');
}

export function formatLabels(labels: Labels): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}: ${v}`);
  return pairs.length ? `{${pairs.join(', ')}}` : '{}';
}

/** The workload whose pods a selector selects, or the closest one with the labels it lacks. */
export function matchWorkload(selector: Labels, workloads: Manifest[]): { match?: Manifest; closest?: Manifest; missing: string[] } {
  let closest: Manifest | undefined;
  let missing: string[] = Object.entries(selector).map(([k, v]) => `${k}=${v}`);
  for (const w of workloads) {
    const tpl = podTemplateOf(w.kind, w.object);
    if (!tpl) continue;
    const lack = missingLabels(selector, tpl.labels);
    if (lack.length === 0) return { match: w, missing: [] };
    if (!closest || lack.length < missing.length) {
      closest = w;
      missing = lack;
    }
  }
  return { closest, missing };
}

export interface PortResolution {
  ok: boolean;
  /** The container port number it resolves to, when known. */
  port?: number;
  problem?: string;
}

/**
 * Resolve a probe port or a Service targetPort against a container. A name must match a
 * `ports[].name` of that container, or the probe (or Service) fails at run time though the
 * API server accepts it. A number need not be declared (containerPort is informational),
 * but `expectListening` lets a caller insist it is the port the app listens on.
 */
export function resolvePort(container: V1Container, port: unknown): PortResolution {
  const ports = container.ports ?? [];
  if (typeof port === 'string' && !/^\d+$/.test(port)) {
    const named = ports.find((p) => p.name === port);
    if (named) return { ok: true, port: named.containerPort };
    const names = ports.map((p) => p.name).filter(Boolean);
    return {
      ok: false,
      problem: `port "${port}" is not a port name of container ${container.name}${names.length ? ` (it has: ${names.join(', ')})` : ' (it names no ports)'}`,
    };
  }
  const n = Number(port);
  if (!Number.isInteger(n) || n < 1 || n > 65535) return { ok: false, problem: `port ${String(port)} is not a port number or name` };
  return { ok: true, port: n };
}

export interface ImageRef {
  repository: string;
  tag?: string;
  digest?: string;
}

export function parseImage(image: string): ImageRef {
  const [nameTag, digest] = image.split('@') as [string, string | undefined];
  const lastSlash = nameTag.lastIndexOf('/');
  const colon = nameTag.indexOf(':', lastSlash + 1);
  return colon === -1 ? { repository: nameTag, digest } : { repository: nameTag.slice(0, colon), tag: nameTag.slice(colon + 1), digest };
}

/** The last path segment of a repository without registry or owner: `teamnotes` for `docker.io/me/teamnotes`. */
export function imageName(image: string): string {
  return parseImage(image).repository.split('/').at(-1) ?? '';
}

/** What the kubelet will do: the default is `Always` for no tag or `:latest`, else `IfNotPresent`. */
export function effectivePullPolicy(container: V1Container): { policy: string; defaulted: boolean } {
  if (container.imagePullPolicy) return { policy: container.imagePullPolicy, defaulted: false };
  const { tag, digest } = parseImage(container.image ?? '');
  return { policy: !digest && (!tag || tag === 'latest') ? 'Always' : 'IfNotPresent', defaulted: true };
}

/** Rolling update budget as the controller computes it: maxUnavailable rounds down, maxSurge up. */
export function rollingBudget(object: Record<string, unknown>): { type: string; maxUnavailable: number; maxSurge: number; replicas: number } {
  const replicas = Number(getIn(object, ['spec', 'replicas']) ?? 1);
  const type = String(getIn(object, ['spec', 'strategy', 'type']) ?? 'RollingUpdate');
  const value = (raw: unknown, round: (x: number) => number) => {
    const v = raw ?? '25%';
    return typeof v === 'string' && v.endsWith('%') ? round((Number(v.slice(0, -1)) / 100) * replicas) : Number(v);
  };
  const ru = getIn(object, ['spec', 'strategy', 'rollingUpdate']);
  const maxSurge = value(getIn(ru, ['maxSurge']), Math.ceil);
  let maxUnavailable = value(getIn(ru, ['maxUnavailable']), Math.floor);
  // Both zero is invalid; the controller would refuse. Treat as 1 unavailable, as it would be rejected anyway.
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { type, maxUnavailable, maxSurge, replicas };
}

export interface EnvReference {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  /** Undefined for `envFrom` (every key). */
  key?: string;
  /** The variable it sets (keyRef only). */
  variable?: string;
  optional: boolean;
  path: FieldPath;
}

/** Every ConfigMap and Secret a container reads its environment from. */
export function envReferences(c: ContainerAt): EnvReference[] {
  const out: EnvReference[] = [];
  (c.container.envFrom ?? []).forEach((src, i) => {
    if (src.configMapRef?.name)
      out.push({ kind: 'ConfigMap', name: src.configMapRef.name, optional: !!src.configMapRef.optional, path: [...c.path, 'envFrom', i] });
    if (src.secretRef?.name) out.push({ kind: 'Secret', name: src.secretRef.name, optional: !!src.secretRef.optional, path: [...c.path, 'envFrom', i] });
  });
  (c.container.env ?? []).forEach((e, i) => {
    const cm = e.valueFrom?.configMapKeyRef;
    const sec = e.valueFrom?.secretKeyRef;
    if (cm?.name) out.push({ kind: 'ConfigMap', name: cm.name, key: cm.key, variable: e.name, optional: !!cm.optional, path: [...c.path, 'env', i] });
    if (sec?.name) out.push({ kind: 'Secret', name: sec.name, key: sec.key, variable: e.name, optional: !!sec.optional, path: [...c.path, 'env', i] });
  });
  return out;
}

/** Where a variable's value comes from in a container. */
export type EnvSource =
  | { from: 'literal'; value: string; path: FieldPath }
  | { from: 'ConfigMap' | 'Secret'; name: string; key: string; path: FieldPath }
  | { from: 'field'; path: FieldPath }
  | { from: 'unset' };

/**
 * The keys a ConfigMap or Secret holds, when the caller knows them (from files or from the
 * cluster); undefined when it cannot know, and then that source is assumed to hold the key.
 */
export type KeysOf = (kind: 'ConfigMap' | 'Secret', name: string) => readonly string[] | undefined;

/**
 * Where a variable's value comes from, as the kubelet resolves it: an explicit `env` entry
 * wins over every `envFrom` source (the last entry of that name when there are several);
 * among `envFrom` sources the last one that *holds the key* wins, and a source without the
 * key sets nothing. So a ConfigMap and a Secret both read with envFrom, in either order,
 * each give the variables whose keys they hold. Without `keysOf` every source is assumed
 * to hold every key (the last one wins).
 */
export function envSource(c: ContainerAt, variable: string, keysOf?: KeysOf): EnvSource {
  const env = c.container.env ?? [];
  for (let i = env.length - 1; i >= 0; i--) {
    const e = env[i]!;
    if (e.name !== variable) continue;
    const path = [...c.path, 'env', i];
    if (e.valueFrom?.secretKeyRef) return { from: 'Secret', name: e.valueFrom.secretKeyRef.name ?? '', key: e.valueFrom.secretKeyRef.key, path };
    if (e.valueFrom?.configMapKeyRef) return { from: 'ConfigMap', name: e.valueFrom.configMapKeyRef.name ?? '', key: e.valueFrom.configMapKeyRef.key, path };
    if (e.valueFrom) return { from: 'field', path };
    return { from: 'literal', value: e.value ?? '', path };
  }
  const from = c.container.envFrom ?? [];
  for (let i = from.length - 1; i >= 0; i--) {
    const src = from[i]!;
    const prefix = src.prefix ?? '';
    if (!variable.startsWith(prefix)) continue;
    const key = variable.slice(prefix.length);
    const ref = src.configMapRef?.name
      ? { kind: 'ConfigMap' as const, name: src.configMapRef.name }
      : src.secretRef?.name
        ? { kind: 'Secret' as const, name: src.secretRef.name }
        : undefined;
    if (!ref) continue;
    const keys = keysOf?.(ref.kind, ref.name);
    if (keys && !keys.includes(key)) continue;
    return { from: ref.kind, name: ref.name, key, path: [...c.path, 'envFrom', i] };
  }
  return { from: 'unset' };
}

/** `$(NAME)` references in a value (Kubernetes expands them from variables defined earlier). */
export function variableReferences(value: string): string[] {
  return [...value.matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)].map((m) => m[1]!);
}

/**
 * Does an Ingress path send `request` to its backend? Exact: equal. Prefix: element-wise
 * on `/`-separated segments (`/notes` matches `/notes/42`, not `/notesx`).
 * ImplementationSpecific is treated as Prefix, the common behaviour (Traefik's too).
 */
export function ingressPathMatches(path: string, pathType: string, request: string): boolean {
  if (pathType === 'Exact') return path === request;
  const segments = (p: string) => p.split('/').filter(Boolean);
  const want = segments(path);
  const got = segments(request);
  return want.length <= got.length && want.every((s, i) => s === got[i]);
}

const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;

/**
 * Why a literal name/value pair looks like a secret written in plain text, or undefined.
 * `$(VAR)` references and empty values are not literals; a URL counts when it carries a password.
 */
export function secretLiteral(name: string, value: string): string | undefined {
  const v = value.trim();
  if (!v || /^\$\([A-Za-z_][A-Za-z0-9_]*\)$/.test(v) || /^<[^>]*>$/.test(v)) return undefined;
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(v)) return 'a private key';
  const url = /^[a-z][a-z0-9+.-]*:\/\/([^/@\s]*)@/i.exec(v);
  if (url) {
    const userinfo = url[1]!;
    const password = userinfo.includes(':') ? userinfo.slice(userinfo.indexOf(':') + 1) : '';
    if (password && variableReferences(password).length === 0) return 'a URL with a password in it';
  }
  if (SECRET_NAME.test(name) && !/_(FILE|PATH|DIR)$/i.test(name)) return `a value for ${name}`;
  return undefined;
}

/**
 * The field path in an API server message (`.spec.template.spec.containers[name="web"].readinessprobe`)
 * as a path into `object` (list items found by their name), for `lineOf`.
 */
export function serverFieldPath(object: Record<string, unknown>, message: string): FieldPath | undefined {
  const m = /((?:\.[A-Za-z0-9_-]+(?:\[[^\]]+\])?)+): field not declared|((?:\.[A-Za-z0-9_-]+(?:\[[^\]]+\])?)+)/.exec(message);
  const text = m?.[1] ?? m?.[2];
  if (!text) return undefined;
  const path: FieldPath = [];
  for (const [, key, selector] of text.matchAll(/\.([A-Za-z0-9_-]+)(?:\[([^\]]+)\])?/g)) {
    path.push(key!);
    if (selector) {
      const list = getIn(object, path);
      const byName = /name="([^"]+)"/.exec(selector)?.[1];
      const index = Array.isArray(list) ? (byName ? list.findIndex((x) => (x as { name?: string })?.name === byName) : Number(selector)) : -1;
      if (index < 0 || Number.isNaN(index)) break;
      path.push(index);
    }
  }
  return path;
}

/** Field names learners mistype most, for "did you mean" (the API server's own message never says). */
const COMMON_FIELDS = [
  'readinessProbe',
  'livenessProbe',
  'startupProbe',
  'containerPort',
  'containers',
  'imagePullPolicy',
  'envFrom',
  'valueFrom',
  'secretKeyRef',
  'configMapKeyRef',
  'configMapRef',
  'secretRef',
  'matchLabels',
  'targetPort',
  'volumeMounts',
  'mountPath',
  'resources',
  'requests',
  'limits',
  'securityContext',
  'runAsNonRoot',
  'runAsUser',
  'terminationGracePeriodSeconds',
  'serviceName',
  'volumeClaimTemplates',
  'accessModes',
  'storageClassName',
  'ingressClassName',
  'pathType',
  'httpGet',
  'tcpSocket',
  'initialDelaySeconds',
  'periodSeconds',
  'timeoutSeconds',
  'failureThreshold',
  'selector',
  'template',
  'replicas',
  'strategy',
  'rollingUpdate',
  'maxSurge',
  'maxUnavailable',
  'labels',
  'annotations',
  'namespace',
];

export function didYouMean(field: string): string | undefined {
  const lower = field.toLowerCase().replace(/[-_]/g, '');
  return COMMON_FIELDS.find((f) => f.toLowerCase() === lower && f !== field);
}

/** When an object last changed: its newest managed-field time (one-second resolution), else its creation. */
export function changedAt(obj: { metadata?: { creationTimestamp?: unknown; managedFields?: Array<{ time?: unknown }> } }): number {
  const times = (obj.metadata?.managedFields ?? []).map((f) => (f.time ? new Date(f.time as string).getTime() : 0));
  return Math.max(new Date((obj.metadata?.creationTimestamp as string) ?? 0).getTime(), ...times);
}

/** Started before `when`, at one-second resolution (a pod started in the same second as a change counts as after it). */
export function startedBefore(obj: { metadata?: { creationTimestamp?: unknown } }, when: number): boolean {
  return Math.floor(new Date((obj.metadata?.creationTimestamp as string) ?? 0).getTime() / 1000) < Math.floor(when / 1000);
}

/** What a container lacks of the resources a workload on a shared node should declare (a CPU limit is optional: throttling). */
export function missingResources(container: V1Container): string[] {
  const r = container.resources ?? {};
  return [!r.requests?.cpu && 'requests.cpu', !r.requests?.memory && 'requests.memory', !r.limits?.memory && 'limits.memory'].filter((x): x is string => !!x);
}

/** A step into an object: a key, a list position, or the list item with that name. */
export type FieldStep = string | number | { name: string };

export interface FieldDifference {
  steps: FieldStep[];
  /** `spec.template.spec.containers[web].readinessProbe.periodSeconds` */
  label: string;
  have: unknown;
  want: unknown;
}

/**
 * Where two API objects differ, field by field: lists of named items (containers, ports,
 * env) are matched by name, as server-side apply merges them; other lists by position.
 * Used to compare a live object with what applying the file would make of it (a
 * server-side dry run), so defaults and quantity spellings (0.5Gi vs 512Mi) never count.
 */
export function fieldDifferences(have: unknown, want: unknown, steps: FieldStep[] = []): FieldDifference[] {
  if (JSON.stringify(have) === JSON.stringify(want)) return [];
  const named = (x: unknown): x is Array<{ name: string }> =>
    Array.isArray(x) && x.length > 0 && x.every((i) => !!i && typeof i === 'object' && typeof (i as { name?: unknown }).name === 'string');
  const isObj = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x);
  if (named(want) && named(have)) {
    const names = [...new Set([...want, ...have].map((i) => i.name))];
    return names.flatMap((name) =>
      fieldDifferences(
        have.find((i) => i.name === name),
        want.find((i) => i.name === name),
        [...steps, { name }],
      ),
    );
  }
  if (Array.isArray(want) && Array.isArray(have) && want.length === have.length) return want.flatMap((w, i) => fieldDifferences(have[i], w, [...steps, i]));
  if (isObj(want) && isObj(have)) {
    return [...new Set([...Object.keys(want), ...Object.keys(have)])].flatMap((k) => fieldDifferences(have[k], want[k], [...steps, k]));
  }
  return [{ steps, label: formatSteps(steps), have, want }];
}

function formatSteps(steps: FieldStep[]): string {
  return steps.map((s, i) => (typeof s === 'object' ? `[${s.name}]` : typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/** The field path of `steps` in `obj` (a named item becomes its index there), as far as `obj` has it. */
export function locateSteps(obj: unknown, steps: FieldStep[]): FieldPath {
  const path: FieldPath = [];
  let cur = obj;
  for (const s of steps) {
    if (typeof s === 'object') {
      const i = Array.isArray(cur) ? cur.findIndex((x) => (x as { name?: unknown })?.name === s.name) : -1;
      if (i < 0) break;
      path.push(i);
      cur = (cur as unknown[])[i];
    } else {
      path.push(s);
      cur = getIn(cur, [s]);
    }
  }
  return path;
}

/**
 * `$(NAME)` references in `env` values that Kubernetes leaves as they are, because NAME is
 * not defined before that entry: the kubelet expands a value with the envFrom variables and
 * the `env` entries above it only, so a reference to a later entry stays literal text.
 */
export function unexpandedReferences(c: ContainerAt, keysOf?: KeysOf): Array<{ path: FieldPath; variable: string; ref: string }> {
  const env = c.container.env ?? [];
  const out: Array<{ path: FieldPath; variable: string; ref: string }> = [];
  env.forEach((e, i) => {
    if (e.value === undefined || e.valueFrom) return;
    for (const ref of variableReferences(String(e.value))) {
      const earlier = env.slice(0, i).some((x) => x.name === ref);
      const before = { ...c, container: { ...c.container, env: [] } };
      if (!earlier && envSource(before, ref, keysOf).from === 'unset') out.push({ path: [...c.path, 'env', i, 'value'], variable: e.name, ref });
    }
  });
  return out;
}
