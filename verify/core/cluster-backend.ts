// Which kind of cluster a kube context points at, and what it can do. Checks declare what
// they need (CheckDefinition.requires); the runner asks the backend instead of each check
// probing the cluster itself, and skips what the backend cannot serve, naming both.
//
// - kind: real kubelets in Docker containers. The learner's cluster (`npm run setup`) and
//   the project's own CI tier. Serves everything; images get onto its nodes with
//   `kind load docker-image`.
// - harness: a real control plane whose nodes kwok simulates (`npm run test:cluster`,
//   `npm run cluster:dev`). Pods turn Ready but no container runs, so nothing listens and
//   no node holds an image.
// - any other cluster with real nodes (named with --context): serves everything, but the
//   workshop cannot put images on its nodes for you.
import { CAPABILITIES, type Capability } from './check.ts';

/** The part of a Node object detection reads. */
export interface NodeFacts {
  metadata?: { name?: string; annotations?: Record<string, string> };
  spec?: { providerID?: string };
}

export type BackendName = 'kind' | 'harness' | 'other';

export interface Command {
  cmd: string;
  args: string[];
}

export interface ClusterBackend {
  readonly name: BackendName;
  /** What its nodes are, finishing "this cluster's nodes are …". */
  readonly nodes: string;
  readonly capabilities: ReadonlySet<Capability>;
  /** The kube context name of its cluster called `cluster`. */
  contextFor(cluster: string): string;
  /** The command that creates a cluster `cluster` from a config file; undefined when the workshop does not create this kind of cluster. */
  createCommand(cluster: string, configFile: string): Command | undefined;
  /**
   * The command that copies images from the local Docker onto every node of the cluster
   * behind `context`, so pods start without a registry. `null`: nothing to do (simulated
   * nodes run no image). `undefined`: this backend cannot do it for you.
   */
  loadCommand(images: string[], context: string): Command | null | undefined;
}

/** kind prefixes its kube contexts with `kind-`; `kind load` wants the cluster name. */
export function kindClusterOf(context: string): string {
  return context.replace(/^kind-/, '');
}

export const KIND: ClusterBackend = {
  name: 'kind',
  nodes: 'real kind nodes (kubelets in Docker containers)',
  capabilities: new Set(CAPABILITIES),
  contextFor: (cluster) => `kind-${cluster}`,
  createCommand: (cluster, configFile) => ({ cmd: 'kind', args: ['create', 'cluster', '--name', cluster, '--config', configFile, '--wait', '3m'] }),
  loadCommand: (images, context) => ({ cmd: 'kind', args: ['load', 'docker-image', '--name', kindClusterOf(context), ...images] }),
};

export const HARNESS: ClusterBackend = {
  name: 'harness',
  nodes: 'simulated by kwok (the test harness: pods turn Ready but no container runs)',
  capabilities: new Set<Capability>(),
  // The harness writes its own kubeconfig with the same name kind would give the context.
  contextFor: (cluster) => `kind-${cluster}`,
  createCommand: () => undefined,
  loadCommand: () => null,
};

const OTHER: ClusterBackend = {
  name: 'other',
  nodes: 'real nodes not made by kind',
  capabilities: new Set(CAPABILITIES),
  contextFor: (cluster) => cluster,
  createCommand: () => undefined,
  loadCommand: () => undefined,
};

const NO_NODES: ClusterBackend = { ...OTHER, nodes: 'none yet (no node has registered)', capabilities: new Set<Capability>() };

/** kwok marks every node it simulates with this annotation. */
const KWOK_ANNOTATION = 'kwok.x-k8s.io/node';

/**
 * Which backend made these nodes: kwok's annotation, kind's `kind://` provider id (or, for
 * real nodes without one, a context named the way kind names its contexts), or neither.
 */
export function detectBackend(nodes: NodeFacts[], context = ''): ClusterBackend {
  if (nodes.length === 0) return NO_NODES;
  if (nodes.every((n) => n.metadata?.annotations?.[KWOK_ANNOTATION] === 'fake')) return HARNESS;
  if (nodes.some((n) => n.metadata?.annotations?.[KWOK_ANNOTATION] === 'fake')) return OTHER;
  if (nodes.every((n) => n.spec?.providerID?.startsWith('kind://')) || context.startsWith('kind-')) return KIND;
  return OTHER;
}

/** How a skip names a capability: "needs <this>". */
const NEEDS: Record<Capability, string> = {
  'real-pods': 'real pods (kubelets running containers that serve traffic)',
  'image-store': 'nodes that hold images (kubelets report which images they have)',
};

/** The capabilities `requires` asks for that `backend` cannot serve. */
export function missingCapabilities(backend: ClusterBackend, requires: readonly Capability[] = []): Capability[] {
  return requires.filter((c) => !backend.capabilities.has(c));
}

/** The skip message for a check whose needs the backend cannot serve: what it needs, what the nodes are, where it runs. */
export function capabilitySkip(backend: ClusterBackend, missing: Capability[]): { message: string; fix: string } {
  return {
    message: `needs ${missing.map((c) => NEEDS[c]).join(' and ')}; this cluster's nodes are ${backend.nodes}: runs on kind`,
    fix: 'npm run verify on the workshop kind cluster (npm run setup creates it)',
  };
}
