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

/** Where the image's Fluent Bit reads its configuration when no -c is given. */
const FLUENT_BIT_DEFAULT_CONFIG = '/fluent-bit/etc/fluent-bit.conf';

/**
 * The configuration file Fluent Bit reads (its -c/--config argument, else the image's
 * default), and whether a key of the agent's ConfigMaps is mounted at exactly that path.
 * What else is correct: any file name and folder, the classic or the YAML format, a subPath
 * mount or the whole ConfigMap as a folder; what is not: a configuration mounted where
 * Fluent Bit does not look, which leaves it running the image's own example pipeline.
 */
export function configFileProblem(a: Workload & { main: ContainerAt }, maps: Manifest[]): string | undefined {
  if (!/fluent-bit/.test(a.main.container.image ?? '') || !maps.length) return undefined;
  const words = [...(a.main.container.command ?? []), ...(a.main.container.args ?? [])];
  const i = words.findIndex((w) => w === '-c' || w === '--config' || w.startsWith('--config=') || /^-c\S/.test(w));
  const path = i < 0 ? FLUENT_BIT_DEFAULT_CONFIG : words[i]!.startsWith('--config=') ? words[i]!.slice('--config='.length) : /^-c\S/.test(words[i]!) ? words[i]!.slice(2) : words[i + 1];
  if (!path) return undefined;
  const keysOf = (name: string) => Object.keys((getIn(maps.find((m) => m.name === name)?.object, ['data']) ?? {}) as Record<string, string>);
  const volumes = new Map((a.tpl.spec.volumes ?? []).filter((v) => v.configMap?.name).map((v) => [v.name, v.configMap!]));
  const provided = (a.main.container.volumeMounts ?? []).some((vm) => {
    const cm = volumes.get(vm.name);
    if (!cm) return false;
    const mount = vm.mountPath.replace(/\/+$/, '');
    if (vm.subPath) return mount === path && (cm.items ? cm.items.some((it) => it.path === vm.subPath) : keysOf(cm.name!).includes(vm.subPath));
    if (!path.startsWith(`${mount}/`)) return false;
    const file = path.slice(mount.length + 1);
    return cm.items ? cm.items.some((it) => it.path === file) : keysOf(cm.name!).includes(file);
  });
  if (provided) return undefined;
  return `Fluent Bit reads ${path}${i < 0 ? ' (the image\'s default: no -c argument)' : ''}, but no key of your ConfigMap is mounted at that path: it runs the image's own example configuration, not yours`;
}