// The one place where the real-kind tier's versions are pinned. Kubernetes itself (KUBE_VERSION) and
// etcd come from scripts/control-plane/versions.ts, so the node image and the harness run the same build.
// Image tags are not pinned here: they are read from the tools that ask for them (kubeadm's image list,
// the kind module's constants and its containerd config), so a bump cannot leave them out of step.

/** kind CLI and node-image builder (the learners use v0.32; v0.33's node image also works with it). */
export const KIND_VERSION = 'v0.33.0';
/** The node's container runtime; 2.x has the CRI RuntimeConfig the 1.36 kubelet prefers. */
export const CONTAINERD_VERSION = 'v2.4.2';
/** kind's `load docker-image` calls `crictl inspecti` inside the node. */
export const CRICTL_VERSION = 'v1.37.0';
/** Exactly the CoreDNS kubeadm 1.36 deploys. */
export const COREDNS_VERSION = 'v1.14.2';
/** kind's default StorageClass provisioner (the only version the Go module proxy serves). */
export const LOCAL_PATH_VERSION = 'v0.0.30';
/** The pause source version in the k8s.io/kubernetes module (build/pause/linux/pause.c). */
export const PAUSE_SOURCE_VERSION = 'v3.10.2';
/** The node image we build, named without a registry host (kind pulls it first; a bare name fails fast). */
export const NODE_IMAGE_REPO = 'workshop-kindnode';
