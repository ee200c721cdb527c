// Reading the log agent's setup: the Fluent Bit DaemonSet, its configuration (classic
// or YAML format, from a ConfigMap in k8s/), and who it may ask about pods.
import type { CheckContext, ContainerAt, Manifest, ObjectOf } from '../../verify/lesson-api.ts';
import { workloadsRunning, type Workload } from '../shared/k8s.ts';
import { readPipeline, type Pipeline } from './fluent-bit-config.ts';

export const AGENT_IMAGES = ['fluent-bit', 'fluentd', 'fluentd-kubernetes-daemonset', 'vector', 'promtail', 'alloy'];

export function agent(ctx: CheckContext): (Workload & { main: ContainerAt }) | undefined {
  for (const image of AGENT_IMAGES) {
    const found = workloadsRunning(ctx, image, ['DaemonSet'])[0];
    if (found) return found;
  }
  return undefined;
}

/**
 * The agent's configuration: every file (key) of the ConfigMaps its pod mounts, as text and
 * read by meaning as a Fluent Bit pipeline (fluent-bit-config.ts).
 */
export function agentConfig(ctx: CheckContext, a: Workload): { text: string; maps: Array<Manifest<ObjectOf<'ConfigMap'>>>; pipeline: Pipeline } {
  const names = new Set((a.tpl.spec.volumes ?? []).map((v) => v.configMap?.name).filter(Boolean));
  const maps = ctx.manifests.find('ConfigMap').filter((m) => names.has(m.name) && m.namespace === a.m.namespace);
  const files = maps.flatMap((m) => Object.entries(m.object.data ?? {}).map(([file, text]) => ({ file, text: String(text) })));
  return { text: files.map((f) => f.text).join('\n'), maps, pipeline: readPipeline(files) };
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
export function configFileProblem(a: Workload & { main: ContainerAt }, maps: Array<Manifest<ObjectOf<'ConfigMap'>>>): string | undefined {
  if (!/fluent-bit/.test(a.main.container.image ?? '') || !maps.length) return undefined;
  const words = [...(a.main.container.command ?? []), ...(a.main.container.args ?? [])];
  const i = words.findIndex((w) => w === '-c' || w === '--config' || w.startsWith('--config=') || /^-c\S/.test(w));
  const path =
    i < 0
      ? FLUENT_BIT_DEFAULT_CONFIG
      : words[i]!.startsWith('--config=')
        ? words[i]!.slice('--config='.length)
        : /^-c\S/.test(words[i]!)
          ? words[i]!.slice(2)
          : words[i + 1];
  if (!path) return undefined;
  const keysOf = (name: string) => Object.keys(maps.find((m) => m.name === name)?.object.data ?? {});
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
  return `Fluent Bit reads ${path}${i < 0 ? " (the image's default: no -c argument)" : ''}, but no key of your ConfigMap is mounted at that path: it runs the image's own example configuration, not yours`;
}
