// Static schema validation of manifests against the Kubernetes OpenAPI schema, through
// kubernetes-models 4.x (generated validators; the Node 20 pin, docs/architecture.md). It checks types and required
// fields; unknown fields (a `readinessprobe` typo) are what the server-side dry run
// catches, so the two complement each other.
import type { Manifest } from './manifests.ts';

/** apiVersions the API server no longer serves, with their replacement, for a message that says what to write. */
const REMOVED: Record<string, string> = {
  'extensions/v1beta1': 'apps/v1 (workloads) or networking.k8s.io/v1 (Ingress)',
  'apps/v1beta1': 'apps/v1',
  'apps/v1beta2': 'apps/v1',
  'networking.k8s.io/v1beta1': 'networking.k8s.io/v1',
  'batch/v1beta1': 'batch/v1',
  'policy/v1beta1': 'policy/v1',
  'autoscaling/v2beta1': 'autoscaling/v2',
  'autoscaling/v2beta2': 'autoscaling/v2',
};

export interface SchemaProblem {
  /** Field path inside the object, for `lineOf`. */
  path: Array<string | number>;
  message: string;
}

type Validating = new (data: unknown) => { validate(): void };

/** Problems of one object; empty when valid. Kinds kubernetes-models does not know (CRDs) are not checked here. */
export async function schemaProblems(m: Manifest): Promise<SchemaProblem[]> {
  const problems: SchemaProblem[] = [];
  if (!m.apiVersion || m.apiVersion === 'undefined') problems.push({ path: [], message: 'no apiVersion' });
  if (!m.kind) problems.push({ path: [], message: 'no kind' });
  if (!m.name) problems.push({ path: ['metadata'], message: 'no metadata.name' });
  if (problems.length) return problems;
  const removed = REMOVED[m.apiVersion];
  if (removed) return [{ path: ['apiVersion'], message: `apiVersion ${m.apiVersion} was removed from Kubernetes; use ${removed}` }];
  const Model = await loadModel(m.apiVersion, m.kind);
  if (!Model) return [];
  try {
    new Model(m.object).validate();
    return [];
  } catch (err) {
    const errors = (err as { errors?: Array<{ instancePath: string; message?: string; params?: { missingProperty?: string } }> }).errors;
    if (!errors?.length) return [{ path: [], message: (err as Error).message }];
    return errors.slice(0, 5).map((e) => {
      const path = e.instancePath
        .split('/')
        .filter(Boolean)
        .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
      const field = path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`))
        .join('')
        .replace(/^\./, '');
      const what = e.params?.missingProperty
        ? `${field ? `${field}: ` : ''}required field "${e.params.missingProperty}" is missing`
        : `${field || m.kind}: ${e.message}`;
      return { path, message: what };
    });
  }
}

async function loadModel(apiVersion: string, kind: string): Promise<Validating | undefined> {
  if (!/^[A-Za-z0-9.]+(\/[A-Za-z0-9]+)?$/.test(apiVersion) || !/^[A-Za-z]+$/.test(kind)) return undefined;
  try {
    const mod = (await import(/* @vite-ignore */ `kubernetes-models/${apiVersion}/${kind}`)) as Record<string, Validating>;
    return mod[kind];
  } catch {
    return undefined;
  }
}

/** Whether kubernetes-models knows this apiVersion/kind at all: an unknown pair is a typo or a missing CRD. */
export async function isKnownKind(apiVersion: string, kind: string): Promise<boolean> {
  return (await loadModel(apiVersion, kind)) !== undefined;
}
