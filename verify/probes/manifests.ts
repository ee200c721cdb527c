// Kubernetes manifests in the workspace (k8s/ by default), parsed with positions so a
// message can say `k8s/deployment.yaml:23 › spec.template.spec.containers[0].image`.
// YAML that cannot be parsed at all is the learner's to fix (exit 1): the first check
// that reads it fails with the parser's line and a code frame, the others wait on it.
import fs from 'node:fs';
import path from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { IDaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { ICronJob } from 'kubernetes-models/batch/v1/CronJob';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IHorizontalPodAutoscaler as IHorizontalPodAutoscalerV1 } from 'kubernetes-models/autoscaling/v1/HorizontalPodAutoscaler';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IIngressClass } from 'kubernetes-models/networking.k8s.io/v1/IngressClass';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import type { IClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import type { IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import type { IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { isMap, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import { syntaxError } from '../core/code-frame.ts';

/**
 * The object types (kubernetes-models 4.x) of the kinds lessons read, by kind. apiVersion
 * and kind are left out: a learner may write a removed apiVersion, which the schema check
 * reports, and the object is still read by its kind.
 */
type Shape<T> = Omit<T, 'apiVersion' | 'kind'>;
export interface KnownKinds {
  ConfigMap: Shape<IConfigMap>;
  Secret: Shape<ISecret>;
  Service: Shape<IService>;
  ServiceAccount: Shape<IServiceAccount>;
  Namespace: Shape<INamespace>;
  PersistentVolumeClaim: Shape<IPersistentVolumeClaim>;
  Deployment: Shape<IDeployment>;
  StatefulSet: Shape<IStatefulSet>;
  DaemonSet: Shape<IDaemonSet>;
  Job: Shape<IJob>;
  CronJob: Shape<ICronJob>;
  Ingress: Shape<IIngress>;
  IngressClass: Shape<IIngressClass>;
  Role: Shape<IRole>;
  ClusterRole: Shape<IClusterRole>;
  RoleBinding: Shape<IRoleBinding>;
  ClusterRoleBinding: Shape<IClusterRoleBinding>;
  NetworkPolicy: Shape<INetworkPolicy>;
  PodDisruptionBudget: Shape<IPodDisruptionBudget>;
  /** Both served versions: v1 (a CPU target) and v2 (metrics); scaleTargetRef and the replica bounds are common. */
  HorizontalPodAutoscaler: Shape<IHorizontalPodAutoscaler> | Shape<IHorizontalPodAutoscalerV1>;
}
export type KnownKind = keyof KnownKinds;
/** The object type of `kind`: its kubernetes-models shape for a known kind, else only plain JSON. */
export type ObjectOf<K extends string> = K extends KnownKind ? KnownKinds[K] : unknown;

/**
 * One object of the learner's manifests. `T` is the shape its kind promises (see `find`).
 * It is a promise about the kind, not a validation: a learner's file may still put a string
 * where a list belongs (the schema check reports that), so read fields with `?.` and `??`.
 */
export interface Manifest<T = unknown> {
  /** Relative to the workspace: `k8s/deployment.yaml`. */
  file: string;
  kind: string;
  apiVersion: string;
  name: string;
  namespace?: string;
  /** The object as plain JSON, typed by its kind when `find` picked it. */
  object: Record<string, unknown> & T;
  /** 1-based line of a field path in its file (the nearest existing parent when the field is absent). */
  lineOf(fieldPath: Array<string | number>): number;
}

/** Narrows a manifest to its kind's shape: `isKind(m, 'Service')` types `m.object.spec?.ports`. */
export function isKind<K extends KnownKind>(m: Manifest, kind: K): m is Manifest<KnownKinds[K]> {
  return m.kind === kind;
}

/** Which object a manifest is (apiVersion, kind, name, namespace): what a patch, a delete or an events lookup needs. */
export function refOf(m: Manifest): KubernetesObject {
  return { apiVersion: m.apiVersion, kind: m.kind, metadata: { name: m.name, namespace: m.namespace } };
}

/** The manifests of one kind among `manifests`, typed by it. */
export function ofKind<K extends string>(manifests: readonly Manifest[], kind: K): Array<Manifest<ObjectOf<K>>> {
  // The one place a parsed object is taken to have its kind's shape (see Manifest).
  return manifests.filter((m) => m.kind === kind) as Array<Manifest<ObjectOf<K>>>;
}

export class ManifestsProbe {
  private cache = new Map<string, Manifest[]>();

  constructor(private readonly workspace: string) {}

  /** Every object in `dir`'s *.yaml / *.yml files (recursively), in file order. Empty when the folder is missing. */
  load(dir = 'k8s'): Manifest[] {
    const cached = this.cache.get(dir);
    if (cached) return cached;
    const root = path.join(this.workspace, dir);
    const files = fs.existsSync(root)
      ? walk(root)
          .filter((f) => /\.ya?ml$/.test(f))
          .sort()
      : [];
    const out = files.flatMap((abs) => parseFile(abs, path.relative(this.workspace, abs).split(path.sep).join('/')));
    this.cache.set(dir, out);
    return out;
  }

  /** The objects of one kind, typed by it (`find('Service')[0].object.spec?.ports`). */
  find<K extends string>(kind: K, dir?: string): Array<Manifest<ObjectOf<K>>> {
    return ofKind(this.load(dir), kind);
  }
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

function parseFile(abs: string, rel: string): Manifest[] {
  const counter = new LineCounter();
  const text = fs.readFileSync(abs, 'utf8');
  const docs = parseAllDocuments(text, { lineCounter: counter });
  const list = Array.isArray(docs) ? docs : [docs];
  const out: Manifest[] = [];
  for (const doc of list as Document[]) {
    const error = doc.errors[0];
    if (error) {
      // The learner's file, not the machine: the first check that reads it fails with the line (exit 1).
      const pos = error.linePos?.[0] ?? { line: 1, col: 1 };
      throw syntaxError(rel, text, { line: pos.line, column: pos.col }, 'YAML', error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''));
    }
    const object = doc.toJS() as Record<string, unknown> | null;
    if (!object || typeof object !== 'object') continue;
    const meta = (object.metadata ?? {}) as { name?: string; namespace?: string };
    out.push({
      file: rel,
      kind: String(object.kind ?? ''),
      apiVersion: String(object.apiVersion ?? ''),
      name: String(meta.name ?? ''),
      namespace: meta.namespace,
      object,
      lineOf: (fieldPath) => {
        for (let n = fieldPath.length; n >= 0; n--) {
          const node = doc.getIn(fieldPath.slice(0, n), true) as { range?: [number, number, number] } | undefined;
          const pair = n > 0 ? keyNode(doc, fieldPath.slice(0, n)) : undefined;
          const offset = pair ?? node?.range?.[0];
          if (offset !== undefined) return counter.linePos(offset).line;
        }
        return 1;
      },
    });
  }
  return out;
}

/** Offset of the key of the last path element (so a line points at `replicas:`, not its value). */
function keyNode(doc: Document, fieldPath: Array<string | number>): number | undefined {
  const parent = fieldPath.length > 1 ? doc.getIn(fieldPath.slice(0, -1), true) : doc.contents;
  const last = fieldPath.at(-1);
  if (isMap(parent)) {
    const item = parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === last);
    return (item?.key as { range?: [number, number, number] } | undefined)?.range?.[0];
  }
  if (isSeq(parent) && typeof last === 'number') return (parent.items[last] as { range?: [number, number, number] } | undefined)?.range?.[0];
  return undefined;
}

/** `spec.template.spec.containers[0].image` for messages. */
export function formatPath(fieldPath: Array<string | number>): string {
  return fieldPath.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
