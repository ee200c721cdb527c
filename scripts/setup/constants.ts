// The facts setup is built on, in one place: names, files, ports, minimum versions and
// where to install each tool. kind-config.yaml, images.yaml and setup/backing-services.yaml
// must agree with these; scripts/setup/config.test.ts keeps them in step.
import path from 'node:path';
import { REPO_ROOT } from '../../verify/core/paths.ts';
import { WORKSHOP_CONTEXT } from '../../verify/probes/kube.ts';

export const CLUSTER_NAME = 'workshop';
/** kind names the kube context `kind-<cluster>`; the verifier only talks to this one. */
export const CONTEXT = WORKSHOP_CONTEXT;
export const SERVICES_NAMESPACE = 'workshop-services';
/** The node that owns the host port mappings (kind names it `<cluster>-control-plane`). */
export const CONTROL_PLANE_CONTAINER = `${CLUSTER_NAME}-control-plane`;

export const KIND_CONFIG_FILE = path.join(REPO_ROOT, 'kind-config.yaml');
export const IMAGES_FILE = path.join(REPO_ROOT, 'images.yaml');
export const BACKING_MANIFEST = path.join(REPO_ROOT, 'setup', 'backing-services.yaml');

export const MIN_NODE = '20.19.0';
/** kind v0.32 is the release the pinned node image (Kubernetes 1.36.1) was built for. */
export const RECOMMENDED_KIND = '0.32.0';
export const MIN_FREE_MEMORY_GIB = 4;
export const MIN_FREE_DISK_GIB = 10;
/** kind's own advice for several nodes on Linux (known issues: "too many open files"). */
export const MIN_INOTIFY_INSTANCES = 512;

export interface PortUse {
  port: number;
  what: string;
  /** The in-cluster port that kind-config.yaml maps this host port to (absent: not kind's). */
  containerPort?: number;
  /** Needed by `kind create cluster` (it fails when the port is taken) or only by a lesson. */
  required: boolean;
}

/** Every localhost port the workshop uses. Only the kind-mapped ones can stop setup. */
export const PORTS: PortUse[] = [
  { port: 3000, what: 'the app (npm start in legacy-app/)', required: false },
  { port: 5432, what: 'Postgres', containerPort: 30432, required: true },
  { port: 6379, what: 'Redis', containerPort: 30379, required: true },
  { port: 1025, what: 'Mailpit SMTP', containerPort: 30025, required: true },
  { port: 8025, what: 'Mailpit web UI', containerPort: 30825, required: true },
  { port: 80, what: 'HTTP into the cluster (lesson 10)', containerPort: 80, required: true },
  { port: 443, what: 'HTTPS into the cluster (lesson 10)', containerPort: 443, required: true },
];

/** Official install pages: the one link a learner needs for each missing tool. */
export const INSTALL = {
  node: 'https://nodejs.org/en/download',
  docker: 'https://docs.docker.com/get-started/get-docker/',
  dockerStart: 'https://docs.docker.com/engine/daemon/start/',
  dockerPermissions: 'https://docs.docker.com/engine/install/linux-postinstall/',
  kind: 'https://kind.sigs.k8s.io/docs/user/quick-start/#installation',
  kubectl: 'https://kubernetes.io/docs/tasks/tools/',
} as const;
