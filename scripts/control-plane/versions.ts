// The one place where the control-plane versions are pinned.
// KUBE_VERSION matches the node image of the kind release the workshop targets (kind v0.32 → v1.36.1),
// so what learners see on kind and what our tests see here is the same API surface.
export const KUBE_VERSION = 'v1.36.1';
// etcd: the 3.6 line is what Kubernetes 1.36 (kubeadm) runs; Debian's 3.4 is too old (no RequestWatchProgress).
export const ETCD_VERSION = 'v3.6.16';
// kwok v0.8.0 itself is built against k8s.io/* v0.36.1, the same minor as KUBE_VERSION.
export const KWOK_VERSION = 'v0.8.0';

/** v1.36.1 → v0.36.1: the tag the staging repositories (k8s.io/api, …) publish for a Kubernetes release. */
export function stagingVersion(kubeVersion: string): string {
  const m = /^v1\.(\d+\.\d+.*)$/.exec(kubeVersion);
  if (!m) throw new Error(`unexpected Kubernetes version ${kubeVersion}`);
  return `v0.${m[1]}`;
}
