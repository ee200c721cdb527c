// Stages that make kwok stand in for kind's local-path-provisioner (StorageClass `standard`,
// provisioner rancher.io/local-path, WaitForFirstConsumer). Without them PVCs of StatefulSets would stay
// Pending forever and their pods unschedulable, which is not what a learner sees on kind.
//
// The real flow is kept: the scheduler picks a node and annotates the PVC with
// volume.kubernetes.io/selected-node; only then does this "provisioner" create a PV pinned to that node
// (as local-path does); kube-controller-manager's PV controller does the actual binding; on release,
// the PV is deleted (reclaimPolicy Delete), the provisioner's other job.
export const STORAGE_CLASS = 'standard';
export const PROVISIONER = 'rancher.io/local-path';

export const LOCAL_PATH_STAGES = `
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: workshop-local-path-provision
spec:
  resourceRef:
    apiGroup: v1
    kind: PersistentVolumeClaim
  selector:
    matchExpressions:
    - cel:
        expression: >-
          has(self.spec.storageClassName) && self.spec.storageClassName == '${STORAGE_CLASS}'
    - cel:
        expression: >-
          !has(self.metadata.deletionTimestamp)
    - cel:
        expression: >-
          !has(self.spec.volumeName)
    - cel:
        expression: >-
          has(self.metadata.annotations) && 'volume.kubernetes.io/selected-node' in self.metadata.annotations
  steps:
  - apply:
      template: |
        {{ $node := index .metadata.annotations "volume.kubernetes.io/selected-node" }}
        apiVersion: v1
        kind: PersistentVolume
        metadata:
          name: pvc-{{ .metadata.uid }}
          annotations:
            pv.kubernetes.io/provisioned-by: ${PROVISIONER}
            local.path.provisioner/selected-node: {{ $node | Quote }}
        spec:
          accessModes:
          {{ YAML .spec.accessModes 2 }}
          capacity:
            storage: {{ .spec.resources.requests.storage | Quote }}
          persistentVolumeReclaimPolicy: Delete
          storageClassName: ${STORAGE_CLASS}
          volumeMode: {{ default "Filesystem" .spec.volumeMode | Quote }}
          claimRef:
            apiVersion: v1
            kind: PersistentVolumeClaim
            name: {{ .metadata.name | Quote }}
            namespace: {{ .metadata.namespace | Quote }}
            uid: {{ .metadata.uid | Quote }}
          hostPath:
            path: {{ printf "/var/local-path-provisioner/pvc-%s_%s_%s" .metadata.uid .metadata.namespace .metadata.name | Quote }}
            type: DirectoryOrCreate
          nodeAffinity:
            required:
              nodeSelectorTerms:
              - matchExpressions:
                - key: kubernetes.io/hostname
                  operator: In
                  values:
                  - {{ $node | Quote }}
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: workshop-local-path-delete
spec:
  resourceRef:
    apiGroup: v1
    kind: PersistentVolume
  selector:
    matchExpressions:
    - cel:
        expression: >-
          has(self.spec.storageClassName) && self.spec.storageClassName == '${STORAGE_CLASS}'
    - cel:
        expression: >-
          !has(self.metadata.deletionTimestamp)
    - cel:
        expression: >-
          self.spec.persistentVolumeReclaimPolicy == 'Delete'
    - cel:
        expression: >-
          has(self.status.phase) && self.status.phase == 'Released'
  steps:
  - delete: true
`;
