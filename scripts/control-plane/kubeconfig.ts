// Kubeconfig files for the harness: one for people/tests (admin), one per component identity.
// Paths to cert files rather than embedded data, so a person can inspect what is in use.
import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

export interface KubeconfigSpec {
  server: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  /** Used as the context, cluster and user name, as kind does (`kind-<cluster>` for all three). */
  name: string;
}

export function renderKubeconfig(s: KubeconfigSpec): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: s.name, cluster: { server: s.server, 'certificate-authority': s.caFile } }],
    users: [{ name: s.name, user: { 'client-certificate': s.certFile, 'client-key': s.keyFile } }],
    contexts: [{ name: s.name, context: { cluster: s.name, user: s.name } }],
    'current-context': s.name,
    preferences: {},
  });
}

export async function writeKubeconfig(file: string, s: KubeconfigSpec): Promise<void> {
  await writeFile(file, renderKubeconfig(s), { mode: 0o600 });
}
