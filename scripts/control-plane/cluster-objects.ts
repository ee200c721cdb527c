// The objects kind creates that our workshop relies on: nodes with kind's names, labels and taint,
// and the default StorageClass `standard`. Nodes carry kwok's annotation so kwok (and only kwok) runs them.
import type { V1Node, V1StorageClass } from '@kubernetes/client-node';
import { KUBE_VERSION } from './versions.ts';
import { PROVISIONER, STORAGE_CLASS } from './kwok-stages.ts';

export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
export const CONTROL_PLANE_TAINT = 'node-role.kubernetes.io/control-plane';

function kubeArch(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch;
}

/** kind's node names for cluster `workshop`: workshop-control-plane, workshop-worker, workshop-worker2, … */
export function nodeNames(cluster: string, workers: number): string[] {
  const names = [`${cluster}-control-plane`];
  for (let i = 1; i <= workers; i++) names.push(i === 1 ? `${cluster}-worker` : `${cluster}-worker${i}`);
  return names;
}

export function nodeManifest(name: string, controlPlane: boolean): V1Node {
  const arch = kubeArch();
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': arch,
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': arch,
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
  };
  if (controlPlane) {
    labels[CONTROL_PLANE_TAINT] = '';
    labels['node.kubernetes.io/exclude-from-external-load-balancers'] = '';
    // kind-config.yaml puts this label on the control-plane node, where host ports 80/443
    // are mapped: lesson 10's ingress controller selects it.
    labels['ingress-ready'] = 'true';
  }
  // Modest, kind-like capacity (a laptop's), so resource requests in lessons behave plausibly.
  const resources = { cpu: '4', memory: '8Gi', pods: '110', 'ephemeral-storage': '100Gi' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels,
      annotations: { [KWOK_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: controlPlane ? { taints: [{ key: CONTROL_PLANE_TAINT, effect: 'NoSchedule' }] } : {},
    status: {
      allocatable: resources,
      capacity: resources,
      nodeInfo: {
        architecture: arch,
        operatingSystem: 'linux',
        kubeletVersion: KUBE_VERSION,
        kubeProxyVersion: '',
        containerRuntimeVersion: 'kwok://fake',
        osImage: 'kwok (workshop harness)',
        kernelVersion: '',
        bootID: '',
        machineID: '',
        systemUUID: '',
      },
    },
  };
}

/** The same StorageClass kind installs; kwok stages (kwok-stages.ts) play its provisioner. */
export function storageClassManifest(): V1StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: {
      name: STORAGE_CLASS,
      annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
    },
    provisioner: PROVISIONER,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  };
}
