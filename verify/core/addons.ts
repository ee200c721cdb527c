// Cluster add-ons: pinned manifests under scripts/addons/<name>.yaml (an ingress
// controller, later monitoring and logging), applied with server-side apply like the
// learner's own manifests. Their images are in images.yaml, so setup preloads them.
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubernetesObject } from '@kubernetes/client-node';
import { EnvironmentError, UsageError } from './errors.ts';
import { REPO_ROOT } from './paths.ts';
import type { KubeProbe } from '../probes/kube.ts';

export const ADDONS_DIR = path.join(REPO_ROOT, 'scripts', 'addons');

export function listAddons(): string[] {
  return fs.existsSync(ADDONS_DIR)
    ? fs
        .readdirSync(ADDONS_DIR)
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => f.slice(0, -5))
        .sort()
    : [];
}

export function addonObjects(name: string): KubernetesObject[] {
  const file = path.join(ADDONS_DIR, `${name}.yaml`);
  if (!fs.existsSync(file)) throw new UsageError(`There is no add-on "${name}". Known add-ons: ${listAddons().join(', ') || 'none'}.`);
  return parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => !!o && typeof o === 'object');
}

export async function installAddon(kube: KubeProbe, name: string, log: (line: string) => void = () => {}): Promise<string[]> {
  const objects = addonObjects(name);
  const results = await kube.apply(objects, { fieldManager: 'legacy-to-k8s-addons' });
  const refused = results.find((r) => !r.ok);
  if (refused)
    throw new EnvironmentError(
      `The cluster refused ${refused.object.kind} ${refused.object.metadata?.name} of add-on ${name}: ${refused.message}`,
      `npm run addon ${name}   (after npm run setup, if the cluster was recreated)`,
    );
  const names = results.map((r) => `${r.object.kind}/${r.object.metadata?.name}`);
  for (const n of names) log(`applied ${n}`);
  return names;
}
