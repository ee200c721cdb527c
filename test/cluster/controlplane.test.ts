// Proof that the harness is a real control plane, not a fake API: controllers create objects, the
// scheduler places pods, kwok runs them, and the API server validates and applies like on kind.
import type { V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import { PatchStrategy, VersionApi } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { apiError, clients, eventually, inNamespace } from './helpers.ts';

const c = clients();
const WORKERS = ['workshop-worker', 'workshop-worker2'];
const CONTROL_PLANE = 'workshop-control-plane';

const isReady = (p: V1Pod): boolean => p.status?.phase === 'Running' && p.status.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') === true;

const container = { name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }] };

describe('harness control plane', () => {
  it('has the three kind-like nodes, workers untainted, control-plane tainted', async () => {
    const nodes = (await c.core.listNode()).items;
    const byName = new Map(nodes.map((n) => [n.metadata?.name, n]));
    expect([...byName.keys()].sort()).toEqual([CONTROL_PLANE, ...WORKERS].sort());
    const cp = byName.get(CONTROL_PLANE);
    expect(cp?.metadata?.labels?.['node-role.kubernetes.io/control-plane']).toBe('');
    expect(cp?.spec?.taints).toContainEqual(expect.objectContaining({ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }));
    for (const w of WORKERS) {
      const n = byName.get(w);
      expect(n?.metadata?.labels).toMatchObject({ 'kubernetes.io/hostname': w, 'kubernetes.io/os': 'linux' });
      expect(n?.spec?.taints ?? []).toEqual([]);
      expect(n?.status?.conditions?.find((x) => x.type === 'Ready')?.status).toBe('True');
    }
    const version = await c.kc.makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toBe('v1.36.1');
  });

  it('Deployment(2) + Service → ReplicaSet, two Running/Ready pods on workers, EndpointSlice with 2 addresses', async () => {
    await inNamespace(c, 'deploy', async (ns) => {
      const labels = { app: 'web' };
      await c.apps.createNamespacedDeployment({
        namespace: ns,
        body: {
          metadata: { name: 'web', labels },
          spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [container] } } },
        },
      });
      await c.core.createNamespacedService({
        namespace: ns,
        body: { metadata: { name: 'web' }, spec: { selector: labels, ports: [{ port: 80, targetPort: 80 }] } },
      });

      // The deployment controller (KCM) made a ReplicaSet owned by the Deployment.
      const rs = await eventually('a ReplicaSet owned by deployment/web', async () => {
        const items = (await c.apps.listNamespacedReplicaSet({ namespace: ns })).items;
        return items.find((r) => r.metadata?.ownerReferences?.some((o) => o.kind === 'Deployment' && o.name === 'web'));
      });
      expect(rs.spec?.replicas).toBe(2);

      // The ReplicaSet controller made the pods, the scheduler placed them, kwok made them Running/Ready.
      const pods = await eventually('2 Running/Ready pods', async () => {
        const items = (await c.core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' })).items;
        return items.length === 2 && items.every(isReady) ? items : undefined;
      });
      for (const p of pods) {
        expect(p.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicaSet', name: rs.metadata?.name });
        expect(WORKERS).toContain(p.spec?.nodeName); // never the tainted control-plane node
        expect(p.status?.podIP).toMatch(/^10\.244\./);
      }

      await eventually('deployment status readyReplicas=2', async () => {
        const d = await c.apps.readNamespacedDeployment({ name: 'web', namespace: ns });
        return d.status?.readyReplicas === 2 && d.status.availableReplicas === 2 ? d : undefined;
      });

      // The EndpointSlice controller published both pod IPs behind the Service.
      const podIPs = pods.map((p) => p.status?.podIP).sort();
      await eventually('EndpointSlice for service/web with the 2 pod IPs, ready', async () => {
        const slices = (await c.discovery.listNamespacedEndpointSlice({ namespace: ns, labelSelector: 'kubernetes.io/service-name=web' })).items;
        const ready = slices.flatMap((s) => s.endpoints.filter((e) => e.conditions?.ready === true).flatMap((e) => e.addresses));
        return JSON.stringify(ready.sort()) === JSON.stringify(podIPs) ? ready : undefined;
      });
    });
  });

  it('StatefulSet with volumeClaimTemplates → PVCs on the default StorageClass, bound, pods Running', async () => {
    await inNamespace(c, 'sts', async (ns) => {
      const labels = { app: 'db' };
      await c.core.createNamespacedService({
        namespace: ns,
        body: { metadata: { name: 'db' }, spec: { clusterIP: 'None', selector: labels, ports: [{ port: 5432 }] } },
      });
      await c.apps.createNamespacedStatefulSet({
        namespace: ns,
        body: {
          metadata: { name: 'db' },
          spec: {
            serviceName: 'db',
            replicas: 2,
            selector: { matchLabels: labels },
            template: {
              metadata: { labels },
              spec: { containers: [{ name: 'pg', image: 'postgres:17', volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }] }] },
            },
            // No storageClassName: the DefaultStorageClass admission plugin must fill in `standard`, as on kind.
            volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
          },
        },
      });

      const pvcs = await eventually('PVCs data-db-0 and data-db-1 Bound', async () => {
        const items = (await c.core.listNamespacedPersistentVolumeClaim({ namespace: ns })).items;
        const names = items.map((p) => p.metadata?.name).sort();
        if (JSON.stringify(names) !== JSON.stringify(['data-db-0', 'data-db-1'])) return undefined;
        return items.every((p) => p.status?.phase === 'Bound') ? items : undefined;
      });
      for (const pvc of pvcs) {
        expect(pvc.spec?.storageClassName).toBe('standard');
        // WaitForFirstConsumer: the scheduler chose the node before the volume was provisioned there.
        expect(WORKERS).toContain(pvc.metadata?.annotations?.['volume.kubernetes.io/selected-node']);
        const pv = await c.core.readPersistentVolume({ name: pvc.spec?.volumeName ?? '' });
        expect(pv.spec?.claimRef?.name).toBe(pvc.metadata?.name);
        expect(pv.metadata?.annotations?.['pv.kubernetes.io/provisioned-by']).toBe('rancher.io/local-path');
      }
      await eventually('statefulset readyReplicas=2', async () => {
        const s = await c.apps.readNamespacedStatefulSet({ name: 'db', namespace: ns });
        return s.status?.readyReplicas === 2 ? s : undefined;
      });
      const pods = (await c.core.listNamespacedPod({ namespace: ns })).items;
      expect(pods.map((p) => p.metadata?.name).sort()).toEqual(['db-0', 'db-1']);
      expect(pods.every(isReady)).toBe(true);
    });
  });

  it('DaemonSet → exactly one pod per untainted node (2), none on the control-plane', async () => {
    await inNamespace(c, 'ds', async (ns) => {
      const labels = { app: 'agent' };
      await c.apps.createNamespacedDaemonSet({
        namespace: ns,
        body: {
          metadata: { name: 'agent' },
          spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'agent', image: 'busybox:1.37' }] } } },
        },
      });
      const ds = await eventually('daemonset numberReady=2', async () => {
        const d = await c.apps.readNamespacedDaemonSet({ name: 'agent', namespace: ns });
        return d.status?.numberReady === 2 ? d : undefined;
      });
      expect(ds.status?.desiredNumberScheduled).toBe(2);
      const pods = (await c.core.listNamespacedPod({ namespace: ns, labelSelector: 'app=agent' })).items;
      expect(pods.map((p) => p.spec?.nodeName).sort()).toEqual(WORKERS);
      expect(pods.every(isReady)).toBe(true);
    });
  });

  it('server-side apply: creates, records the field manager, detects conflicts, and force-applies', async () => {
    await inNamespace(c, 'ssa', async (ns) => {
      const cm = (data: Record<string, string>): V1ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data });
      const apply = (data: Record<string, string>, manager: string, force = false) =>
        c.objects.patch(cm(data), undefined, undefined, manager, force, PatchStrategy.ServerSideApply);

      const created = await apply({ LOG_LEVEL: 'info' }, 'workshop-a');
      expect(created.metadata?.managedFields).toContainEqual(expect.objectContaining({ manager: 'workshop-a', operation: 'Apply' }));

      // Another manager claiming the same field without force is a 409 Conflict, as with `kubectl apply --server-side`.
      const conflict = await apply({ LOG_LEVEL: 'debug' }, 'workshop-b').then(
        () => undefined,
        (e: unknown) => apiError(e),
      );
      expect(conflict?.code).toBe(409);
      expect(conflict?.reason).toBe('Conflict');

      await apply({ LOG_LEVEL: 'debug' }, 'workshop-b', true);
      const read = await c.core.readNamespacedConfigMap({ name: 'settings', namespace: ns });
      expect(read.data).toEqual({ LOG_LEVEL: 'debug' });
    });
  });

  it('dryRun=All: an invalid object is rejected with a validation error and nothing is stored', async () => {
    await inNamespace(c, 'dry', async (ns) => {
      const labels = { app: 'bad' };
      const err = await c.apps
        .createNamespacedDeployment({
          namespace: ns,
          dryRun: 'All',
          body: {
            metadata: { name: 'bad' },
            // Negative replicas and a selector that does not match the template: both invalid.
            spec: { replicas: -1, selector: { matchLabels: labels }, template: { metadata: { labels: { app: 'other' } }, spec: { containers: [container] } } },
          },
        })
        .then(
          () => undefined,
          (e: unknown) => apiError(e),
        );
      expect(err?.code).toBe(422);
      expect(err?.reason).toBe('Invalid');
      const fields = (err?.causes ?? []).map((x) => x.field);
      expect(fields).toContain('spec.replicas');
      expect(fields).toContain('spec.template.metadata.labels');

      // A valid object under dryRun=All is fully admitted but not persisted.
      const ok = await c.apps.createNamespacedDeployment({
        namespace: ns,
        dryRun: 'All',
        body: {
          metadata: { name: 'good' },
          spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [container] } } },
        },
      });
      expect(ok.metadata?.uid).toBeTruthy();
      const notStored = await c.apps.readNamespacedDeployment({ name: 'good', namespace: ns }).then(
        () => undefined,
        (e: unknown) => apiError(e),
      );
      expect(notStored?.code).toBe(404);
    });
  });
});
