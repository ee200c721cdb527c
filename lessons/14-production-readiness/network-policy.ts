// NetworkPolicy semantics, evaluated the way an enforcing network plugin does, so the checks
// judge what the policies allow rather than how they are written:
// - a pod is isolated for ingress (egress) once any policy of its namespace with that policy
//   type selects it; until then everything is allowed in that direction;
// - policies add up: a connection is allowed when any rule of any policy selecting the pod
//   allows it, and it needs both the caller's egress and the callee's ingress;
// - a `from`/`to` entry with podSelector only means pods of the policy's own namespace; with
//   namespaceSelector only, every pod of those namespaces; with both, pods matching both;
// - an empty or missing `from`/`to` matches everyone, missing `ports` every port; a named
//   port is resolved on the destination pod's containers.
// ipBlock is about addresses outside the pod network (pod addresses change): only a block
// covering every address (0.0.0.0/0) is taken to match pods. Pure, no lesson objects here.
import { getIn, selectorMisses, stringMap, type LabelSelector, type Labels } from '../../verify/lesson-api.ts';

export interface Endpoint {
  /** How messages name it: `web (Deployment teamnotes)`, `Traefik`. */
  name: string;
  namespace: string;
  labels: Labels;
  /** The labels of its namespace (kubernetes.io/metadata.name at least). */
  namespaceLabels: Labels;
  /** Its containers' named ports, for rules that name a port. */
  namedPorts: Record<string, number>;
}

export interface Policy {
  name: string;
  namespace: string;
  object: Record<string, unknown>;
}

type Direction = 'Ingress' | 'Egress';

interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr?: string };
}

interface PortRule {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}

interface Rule {
  peers?: Peer[];
  ports?: PortRule[];
}

export function policyTypes(p: Policy): Direction[] {
  const declared = getIn(p.object, ['spec', 'policyTypes']);
  if (Array.isArray(declared) && declared.length) return declared.filter((t): t is Direction => t === 'Ingress' || t === 'Egress');
  // Left out (or empty), the API server fills it in: Ingress always, Egress only when the policy
  // has at least one egress rule. So `egress: []` alone isolates nothing for egress.
  const egress = getIn(p.object, ['spec', 'egress']);
  return Array.isArray(egress) && egress.length ? ['Ingress', 'Egress'] : ['Ingress'];
}

export function podSelectorOf(p: Policy): LabelSelector {
  return (getIn(p.object, ['spec', 'podSelector']) ?? {}) as LabelSelector;
}

export function selects(selector: LabelSelector | undefined, labels: Labels): boolean {
  return !!selector && selectorMisses(selector, labels).length === 0;
}

export function isEmptySelector(selector: LabelSelector | undefined): boolean {
  return !!selector && !Object.keys(stringMap(selector.matchLabels)).length && !(selector.matchExpressions ?? []).length;
}

/** The policies isolating `e` in one direction (an empty list: not isolated, all allowed). */
export function isolating(policies: Policy[], e: Endpoint, dir: Direction): Policy[] {
  return policies.filter((p) => p.namespace === e.namespace && policyTypes(p).includes(dir) && selects(podSelectorOf(p), e.labels));
}

function rulesOf(p: Policy, dir: Direction): Rule[] {
  const raw = getIn(p.object, ['spec', dir === 'Ingress' ? 'ingress' : 'egress']);
  if (!Array.isArray(raw)) return [];
  return raw.map((r: Record<string, unknown>) => ({
    peers: (dir === 'Ingress' ? r.from : r.to) as Peer[] | undefined,
    ports: r.ports as PortRule[] | undefined,
  }));
}

function peerMatches(peer: Peer, policyNs: string, other: Endpoint): boolean {
  if (peer.ipBlock) return peer.ipBlock.cidr === '0.0.0.0/0';
  if (!peer.podSelector && !peer.namespaceSelector) return false;
  const nsOk = peer.namespaceSelector ? selects(peer.namespaceSelector, other.namespaceLabels) : other.namespace === policyNs;
  const podOk = peer.podSelector ? selects(peer.podSelector, other.labels) : true;
  return nsOk && podOk;
}

function portMatches(rule: PortRule, port: number, protocol: string, dest: Endpoint): boolean {
  if ((rule.protocol ?? 'TCP') !== protocol) return false;
  if (rule.port === undefined) return true;
  const n = typeof rule.port === 'string' && !/^\d+$/.test(rule.port) ? dest.namedPorts[rule.port] : Number(rule.port);
  if (n === undefined) return false;
  return rule.endPort ? port >= n && port <= rule.endPort : port === n;
}

function ruleAllows(rule: Rule, policyNs: string, other: Endpoint, port: number, protocol: string, dest: Endpoint): boolean {
  const peerOk = !rule.peers?.length || rule.peers.some((p) => peerMatches(p, policyNs, other));
  const portOk = !rule.ports?.length || rule.ports.some((r) => portMatches(r, port, protocol, dest));
  return peerOk && portOk;
}

export interface Verdict {
  allowed: boolean;
  /** Which side stops it, in words, when it is not allowed. */
  blockedBy?: string;
}

/** Whether `from` may open a connection to `to` on `port`/`protocol`, under `policies`. */
export function connection(policies: Policy[], from: Endpoint, to: Endpoint, port: number, protocol = 'TCP'): Verdict {
  const egress = isolating(policies, from, 'Egress');
  const egressOk = !egress.length || egress.some((p) => rulesOf(p, 'Egress').some((r) => ruleAllows(r, p.namespace, to, port, protocol, to)));
  const ingress = isolating(policies, to, 'Ingress');
  const ingressOk = !ingress.length || ingress.some((p) => rulesOf(p, 'Ingress').some((r) => ruleAllows(r, p.namespace, from, port, protocol, to)));
  if (egressOk && ingressOk) return { allowed: true };
  const names = (ps: Policy[]) => ps.map((p) => p.name).join(', ');
  const sides = [
    ...(egressOk ? [] : [`no egress rule of the policies selecting ${from.name} (${names(egress)}) allows it`]),
    ...(ingressOk ? [] : [`no ingress rule of the policies selecting ${to.name} (${names(ingress)}) allows it`]),
  ];
  return { allowed: false, blockedBy: sides.join('; ') };
}

/** Every podSelector inside a policy's rules, with its path, the namespace it picks pods in (undefined: chosen by a namespaceSelector). */
export function rulePeers(p: Policy): Array<{ path: Array<string | number>; podSelector?: LabelSelector; namespaceSelector?: LabelSelector }> {
  const out: Array<{ path: Array<string | number>; podSelector?: LabelSelector; namespaceSelector?: LabelSelector }> = [];
  for (const dir of ['ingress', 'egress'] as const) {
    const rules = getIn(p.object, ['spec', dir]);
    if (!Array.isArray(rules)) continue;
    rules.forEach((r: Record<string, unknown>, i) => {
      const key = dir === 'ingress' ? 'from' : 'to';
      const peers = r[key];
      if (!Array.isArray(peers)) return;
      peers.forEach((peer: Peer, j) => {
        if (peer.podSelector || peer.namespaceSelector)
          out.push({ path: ['spec', dir, i, key, j], podSelector: peer.podSelector, namespaceSelector: peer.namespaceSelector });
      });
    });
  }
  return out;
}
