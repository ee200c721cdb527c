// Who Teamnotes' pods are, who talks to whom, and who must not: the lesson's knowledge of the
// app's traffic, turned into endpoints and connections network-policy.ts can judge. Pods of
// k8s/ are read from their templates (labels, named ports); the add-ons' pods and CoreDNS are
// described here with the labels their manifests give them (scripts/addons/, kind's CoreDNS).
import { getIn, imageName, stringMap, type CheckContext, type ContainerAt, type LabelSelector, type Labels } from '../../verify/lesson-api.ts';
import { appDeployment, NAMESPACE, namespaceOf, teamnotesDeployments, workloads, workloadsRunning, type Workload } from '../shared/k8s.ts';
import type { Endpoint, Policy } from './network-policy.ts';

const nsLabels = (ns: string, extra: Labels = {}): Labels => ({ ...extra, 'kubernetes.io/metadata.name': ns });

/** Traefik, the ingress controller of lesson 10 (npm run addon ingress). */
export const TRAEFIK: Endpoint = {
  name: 'Traefik (namespace traefik)',
  namespace: 'traefik',
  labels: { 'app.kubernetes.io/name': 'traefik' },
  namespaceLabels: nsLabels('traefik', { 'app.kubernetes.io/part-of': 'workshop-addons' }),
  namedPorts: { web: 8000 },
};
/** Prometheus of lesson 11 (npm run addon monitoring). */
export const PROMETHEUS: Endpoint = {
  name: 'Prometheus (namespace monitoring)',
  namespace: 'monitoring',
  labels: { 'app.kubernetes.io/name': 'prometheus' },
  namespaceLabels: nsLabels('monitoring', { 'app.kubernetes.io/part-of': 'workshop-addons' }),
  namedPorts: { http: 9090 },
};
/** Grafana of lesson 11, beside Prometheus: Teamnotes needs nothing from it, but a rule may name it. */
export const GRAFANA: Endpoint = {
  name: 'Grafana (namespace monitoring)',
  namespace: 'monitoring',
  labels: { 'app.kubernetes.io/name': 'grafana' },
  namespaceLabels: nsLabels('monitoring', { 'app.kubernetes.io/part-of': 'workshop-addons' }),
  namedPorts: { http: 3000 },
};
/** Every pod the add-ons run in their own namespaces (traefik, monitoring): nothing else runs there. */
export const ADDON_PODS: readonly Endpoint[] = [TRAEFIK, PROMETHEUS, GRAFANA];

/**
 * The namespaces a namespaceSelector can pick, when it names them (kubernetes.io/metadata.name,
 * which the API server sets on every namespace, in matchLabels or an In expression); undefined
 * when it may pick namespaces by other labels, which any namespace may carry.
 */
export function namespacesNamed(selector: LabelSelector | undefined): string[] | undefined {
  const key = 'kubernetes.io/metadata.name';
  const lists: string[][] = [];
  const exact = stringMap(selector?.matchLabels)[key];
  if (exact !== undefined) lists.push([exact]);
  for (const e of selector?.matchExpressions ?? []) if (e.key === key && e.operator === 'In') lists.push(e.values ?? []);
  if (!lists.length) return undefined;
  return lists.reduce((a, b) => a.filter((n) => b.includes(n)));
}

/** CoreDNS as kind (and kubeadm) runs it: Deployment coredns in kube-system, pods labelled k8s-app: kube-dns. */
export const KUBE_DNS: Endpoint = {
  name: 'CoreDNS (kube-system, k8s-app: kube-dns)',
  namespace: 'kube-system',
  labels: { 'k8s-app': 'kube-dns' },
  namespaceLabels: nsLabels('kube-system'),
  namedPorts: { dns: 53, 'dns-tcp': 53, metrics: 9153 },
};

/** A pod nobody wrote a rule for: `kubectl run debug --image=…` in the namespace (its only label is run: debug). */
export function stranger(namespace = NAMESPACE): Endpoint {
  return {
    name: `a pod without Teamnotes' labels in ${namespace} (kubectl run debug)`,
    namespace,
    labels: { run: 'debug' },
    namespaceLabels: nsLabels(namespace),
    namedPorts: {},
  };
}

export interface Connection {
  from: Endpoint;
  to: Endpoint;
  port: number;
  protocol: 'TCP' | 'UDP';
  /** Why Teamnotes needs it (or must not have it). */
  why: string;
}

export interface TrafficMap {
  endpoints: Endpoint[];
  /** Connections Teamnotes needs. */
  needed: Connection[];
  /** Connections that must stay closed. */
  closed: Connection[];
}

/** The labels of a namespace as far as k8s/ shows them, plus the one the API server always sets. */
function namespaceLabelsOf(ctx: CheckContext, ns: string): Labels {
  const m = ctx.manifests.find('Namespace').find((x) => x.name === ns);
  return nsLabels(ns, stringMap(getIn(m?.object, ['metadata', 'labels'])));
}

function namedPorts(containers: ContainerAt[]): Record<string, number> {
  return Object.fromEntries(containers.flatMap((c) => (c.container.ports ?? []).filter((p) => p.name).map((p) => [p.name!, p.containerPort])));
}

export function endpointOf(ctx: CheckContext, w: Workload): Endpoint {
  const ns = namespaceOf(w.m);
  return {
    name: `${w.m.kind} ${w.m.name}`,
    namespace: ns,
    labels: w.tpl.labels,
    namespaceLabels: namespaceLabelsOf(ctx, ns),
    namedPorts: namedPorts(w.containers),
  };
}

/** The port a main container serves on: the one with `name`, else the first declared, else `fallback`. */
function portOf(c: ContainerAt | undefined, name: string, fallback: number): number {
  const ports = c?.container.ports ?? [];
  return (
    ports.find((p) => p.name === name)?.containerPort ?? ports.find((p) => p.containerPort === fallback)?.containerPort ?? ports[0]?.containerPort ?? fallback
  );
}

export function trafficMap(ctx: CheckContext): TrafficMap {
  const web = appDeployment(ctx);
  const workers = teamnotesDeployments(ctx).filter((d) => d.m !== web?.m);
  const jobs = workloadsRunning(ctx, 'teamnotes', ['CronJob', 'Job']);
  const [postgres] = workloadsRunning(ctx, 'postgres', ['StatefulSet', 'Deployment']);
  const [redis] = workloadsRunning(ctx, 'redis', ['StatefulSet', 'Deployment']);
  const mailpit = workloads(ctx, ['Deployment', 'StatefulSet'])
    .map((w) => ({ ...w, main: w.containers.find((c) => !c.init && imageName(c.container.image ?? '') === 'mailpit') }))
    .find((w) => w.main);
  const e = (w: Workload | undefined) => (w ? endpointOf(ctx, w) : undefined);
  const webE = e(web);
  const pgE = e(postgres);
  const redisE = e(redis);
  const mailE = e(mailpit);
  const needed: Connection[] = [];
  const add = (from: Endpoint | undefined, to: Endpoint | undefined, port: number, why: string, protocol: 'TCP' | 'UDP' = 'TCP') => {
    if (from && to) needed.push({ from, to, port, protocol, why });
  };
  if (web && webE) {
    const http = portOf(web.web, 'http', 3000);
    add(TRAEFIK, webE, http, 'every request from your users comes through the ingress controller');
    const scrape = Number(stringMap(getIn(web.m.object, ['spec', 'template', 'metadata', 'annotations']))['prometheus.io/port'] ?? http);
    add(PROMETHEUS, webE, Number.isInteger(scrape) ? scrape : http, 'Prometheus scrapes /metrics (lesson 11)');
  }
  const callers = [webE, ...workers.map(e), ...jobs.map(e)].filter((x): x is Endpoint => !!x);
  for (const from of callers) {
    add(from, pgE, portOf(postgres?.main, 'postgres', 5432), 'notes, users and attachments live in Postgres');
    add(from, redisE, portOf(redis?.main, 'redis', 6379), 'sessions, the cache and the email queue live in Redis');
    add(from, KUBE_DNS, 53, 'every Service name (postgres.teamnotes.svc.cluster.local) is looked up first', 'UDP');
    add(from, KUBE_DNS, 53, 'long DNS answers are retried over TCP', 'TCP');
  }
  for (const w of workers.map(e)) add(w, mailE, portOf(mailpit?.main, 'smtp', 1025), 'the worker sends every mail over SMTP (lesson 13)');
  const closed: Connection[] = [];
  for (const [db, port] of [
    [pgE, portOf(postgres?.main, 'postgres', 5432)],
    [redisE, portOf(redis?.main, 'redis', 6379)],
  ] as const) {
    if (!db) continue;
    closed.push({
      from: stranger(),
      to: db,
      port,
      protocol: 'TCP',
      why: 'a pod with no business there (a debug pod, a compromised sidecar) must not reach the data',
    });
    closed.push({ from: stranger('default'), to: db, port, protocol: 'TCP', why: "pods of other namespaces must not reach Teamnotes' data" });
  }
  const endpoints = [webE, ...workers.map(e), ...jobs.map(e), pgE, redisE, mailE].filter((x): x is Endpoint => !!x);
  return { endpoints, needed, closed };
}

/** The NetworkPolicies of k8s/, with their namespace. */
export function policiesOf(ctx: CheckContext): Array<Policy & { m: ReturnType<CheckContext['manifests']['find']>[number] }> {
  return ctx.manifests.find('NetworkPolicy').map((m) => ({ name: m.name, namespace: namespaceOf(m), object: m.object, m }));
}
