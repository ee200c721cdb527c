// Where the built control-plane binaries live: outside the repo (they are ~300 MB and never committed),
// keyed by Kubernetes version so a version bump builds into a fresh directory.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KUBE_VERSION } from './versions.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'] as const;
export type BinaryName = (typeof BINARIES)[number];

export function cacheRoot(): string {
  return process.env.LEGACY_TO_K8S_CACHE || path.join(os.homedir(), '.cache', 'legacy-to-k8s');
}

export function versionDir(kubeVersion: string = KUBE_VERSION): string {
  return path.join(cacheRoot(), `k8s-${kubeVersion}`);
}

export function binDir(kubeVersion: string = KUBE_VERSION): string {
  return path.join(versionDir(kubeVersion), 'bin');
}

export function binPath(name: BinaryName, kubeVersion: string = KUBE_VERSION): string {
  return path.join(binDir(kubeVersion), name);
}

/** kwok's Stage objects (node/pod lifecycle), copied next to the binaries at build time. */
export function kwokStagesPath(kubeVersion: string = KUBE_VERSION): string {
  return path.join(versionDir(kubeVersion), 'kwok-stages.yaml');
}
