// Reading the log agent's setup: the Fluent Bit DaemonSet, its configuration (classic
// or YAML format, from a ConfigMap in k8s/), and who it may ask about pods.
import { getIn, type ContainerAt } from '../../verify/probes/k8s-semantics.ts';
import type { Manifest } from '../../verify/probes/manifests.ts';
import { workloadsRunning, type Workload } from '../shared/k8s.ts';
import type { CheckContext } from '../../verify/core/check.ts';

export const AGENT_IMAGES = ['fluent-bit', 'fluentd', 'fluentd-kubernetes-daemonset', 'vector', 'promtail', 'alloy'];

export function agent(ctx: CheckContext): (Workload & { main: ContainerAt }) | undefined {
  for (const image of AGENT_IMAGES) {
    const found = workloadsRunning(ctx, image, ['DaemonSet'])[0];
    if (found) return found;
  }
  return undefined;
}

/** The agent's configuration text: every value of the ConfigMaps its pod mounts. */
export function agentConfig(ctx: CheckContext, a: Workload): { text: string; maps: Manifest[] } {
  const names = new Set((a.tpl.spec.volumes ?? []).map((v) => v.configMap?.name).filter(Boolean));
  const maps = ctx.manifests.find('ConfigMap').filter((m) => names.has(m.name) && m.namespace === a.m.namespace);
  return { text: maps.flatMap((m) => Object.values((getIn(m.object, ['data']) ?? {}) as Record<string, string>)).join('\n'), maps };
}

/** Where the agent tails from, and which format it expects, from a Fluent Bit (classic or YAML) configuration. */
export function inputProblems(text: string): string[] {
  const problems: string[] = [];
  const paths = [...text.matchAll(/^\s*-?\s*path\s*[:=\s]\s*(\S+)/gim)].map((m) => m[1]!).filter((p) => p.startsWith('/'));
  if (!paths.some((p) => p.startsWith('/var/log/containers') || p.startsWith('/var/log/pods'))) {
    problems.push(paths.length ? `tails ${paths.join(', ')}, not the container logs under /var/log/containers (or /var/log/pods)` : 'no tail input path for /var/log/containers/*.log');
  }
  if (paths.some((p) => p.startsWith('/var/lib/docker'))) problems.push('tails /var/lib/docker/containers: kind\'s nodes run containerd, there is no Docker there');
  const parsers = [...text.matchAll(/^\s*-?\s*(multiline\.parser|parser)\s*[:=\s]\s*([\w, -]+)/gim)].map((m) => m[2]!.toLowerCase());
  if (parsers.some((p) => /\bdocker\b/.test(p)) && !parsers.some((p) => /\bcri\b/.test(p))) problems.push('parses the lines as Docker JSON; containerd writes the CRI format (use the cri parser)');
  else if (!parsers.some((p) => /\bcri\b/.test(p))) problems.push('no cri parser: each line keeps its "time stream flag" prefix and long lines stay split');
  return problems;
}

export function outputProblems(text: string): string[] {
  const hosts = [...text.matchAll(/^\s*-?\s*host\s*[:=\s]\s*(\S+)/gim)].map((m) => m[1]!);
  if (!hosts.length) return ['no output host: the lines go nowhere (or to stdout only)'];
  const local = hosts.filter((h) => ['localhost', '127.0.0.1', '0.0.0.0'].includes(h));
  if (local.length) return [`output host ${local[0]} is the agent's own pod, not the store`];
  if (!hosts.some((h) => /^loki(\.logging(\.svc(\.cluster\.local)?)?)?$/.test(h))) return [`output host ${hosts.join(', ')} is not the Loki Service (loki.logging.svc.cluster.local)`];
  return labelProblems(text);
}

/**
 * Loki labels taken from the log line itself (`$req['id']`, `$msg`, `$userId`): every distinct
 * value is a stream of its own. What else is correct: any static label, any of the kubernetes
 * filter's fields (namespace, pod, container, host, the pod's labels), the stream and the level,
 * written as Labels, label_keys or in the YAML format.
 */
export function labelProblems(text: string): string[] {
  const values = [...text.matchAll(/^\s*-?\s*(labels|label_keys)\s*[:=\s]\s*(.+)$/gim)].map((m) => m[2]!);
  const bounded = /^\$(kubernetes\b|stream\b|level\b)/;
  const unbounded = values.flatMap((v) => [...v.matchAll(/\$[A-Za-z_][\w.]*(\[[^\]]*\])*/g)].map((m) => m[0]).filter((acc) => !bounded.test(acc)));
  return unbounded.length
    ? [`the Loki label${unbounded.length > 1 ? 's' : ''} ${unbounded.join(', ')} come${unbounded.length > 1 ? '' : 's'} from the log line itself: one stream per distinct value (per request, per user), which Loki's index is not built for; keep labels to namespace, pod and container, and search the text with |=`]
    : [];
}
