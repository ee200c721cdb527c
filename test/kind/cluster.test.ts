// The real-kind tier's own proof that the cluster is real: kubelets Ready, pods of an image built
// here serving HTTP, `kind load docker-image` reaching every node, and a volume bound by the real
// local-path provisioner. Everything is reached through 127.0.0.1 (a kind port mapping) or the API
// server's service proxy; nothing sends traffic to pod or node addresses from the host.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TOOLS_IMAGE } from '../../scripts/kind/base-images.ts';
import { CONTAINERD_VERSION } from '../../scripts/kind/versions.ts';
import { KUBE_VERSION } from '../../scripts/control-plane/versions.ts';
import { docker, eventually, kubectl, must } from './helpers.ts';

const NS = `kind-tier-${process.pid}`;
const IMAGE = 'kind-tier-hello:1.0.0';
// kind-config.yaml maps 127.0.0.1:8025 to this NodePort on the control-plane node (Mailpit's UI port,
// free here because this test cluster runs no backing services).
const NODE_PORT = 30825;
const HOST_PORT = 8025;

interface NodeList {
  items: {
    metadata: { name: string; labels: Record<string, string> };
    status: { conditions: { type: string; status: string }[]; nodeInfo: { kubeletVersion: string; containerRuntimeVersion: string } };
  }[];
}

const ready = (n: NodeList['items'][number]): boolean => n.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True');

beforeAll(async () => {
  await kubectl(['create', 'namespace', NS]);
});

afterAll(async () => {
  await kubectl(['delete', 'namespace', NS, '--wait=false']).catch(() => {});
});

describe('real kind cluster', () => {
  it('has three Ready nodes running the kubelet and containerd built here', async () => {
    const nodes = await eventually('3 Ready nodes', async () => {
      const list = JSON.parse(await kubectl(['get', 'nodes', '-o', 'json'])) as NodeList;
      return list.items.length === 3 && list.items.every(ready) ? list : undefined;
    });
    expect(nodes.items.map((n) => n.metadata.name).sort()).toEqual([`${inject('kind').cluster}-control-plane`, `${inject('kind').cluster}-worker`, `${inject('kind').cluster}-worker2`]);
    for (const n of nodes.items) {
      expect(n.status.nodeInfo.kubeletVersion).toBe(KUBE_VERSION);
      expect(n.status.nodeInfo.containerRuntimeVersion).toBe(`containerd://${CONTAINERD_VERSION.replace(/^v/, '')}`);
    }
  });

  it('runs a Deployment of an image built here, answering through 127.0.0.1 and the API server proxy', async () => {
    const k = inject('kind');
    // Build: the tools base + this machine's Node binary + a 20-line server.
    const ctx = mkdtempSync(path.join(os.tmpdir(), 'kind-hello-'));
    try {
      cpSync(process.execPath, path.join(ctx, 'node'));
      cpSync(path.join(import.meta.dirname, 'fixtures/hello/server.js'), path.join(ctx, 'server.js'));
      writeFileSync(
        path.join(ctx, 'Dockerfile'),
        `FROM ${TOOLS_IMAGE}\nCOPY node /usr/local/bin/node\nCOPY server.js /app/server.js\nUSER 1000\nCMD ["node", "/app/server.js"]\n`,
      );
      await docker(['build', '-q', '-t', IMAGE, ctx]);
    } finally {
      rmSync(ctx, { recursive: true, force: true });
    }
    await must(k.kindBin, ['load', 'docker-image', IMAGE, '--name', k.cluster]);

    await kubectl(['apply', '-n', NS, '-f', '-'], helloManifests());
    await kubectl(['rollout', 'status', '-n', NS, 'deployment/hello', '--timeout=180s']);

    // Through kind's extraPortMapping on 127.0.0.1 (kube-proxy may need a moment after rollout).
    const pods = new Set<string>();
    await eventually('both pods answering on 127.0.0.1', async () => {
      const res = await fetch(`http://127.0.0.1:${HOST_PORT}/`, { signal: AbortSignal.timeout(3000) });
      const body = (await res.json()) as { pod: string; uid: number };
      expect(body.uid).toBe(1000);
      pods.add(body.pod);
      return pods.size === 2 ? true : undefined;
    }, 90_000, 250);

    // Through the API server's service proxy (what a check uses when no port is mapped).
    const viaProxy = JSON.parse(await kubectl(['get', '--raw', `/api/v1/namespaces/${NS}/services/hello:80/proxy/`])) as { pod: string };
    expect([...pods]).toContain(viaProxy.pod);
  });

  it('has the kind-loaded image on every node (crictl inside each node container)', async () => {
    const k = inject('kind');
    const nodes = (await must(k.kindBin, ['get', 'nodes', '--name', k.cluster])).split('\n').filter(Boolean);
    expect(nodes).toHaveLength(3);
    for (const node of nodes) {
      const out = await docker(['exec', node, 'crictl', 'images', '-o', 'json']);
      const tags = (JSON.parse(out) as { images: { repoTags: string[] }[] }).images.flatMap((i) => i.repoTags);
      expect(tags, node).toContain(`docker.io/library/${IMAGE}`);
    }
  });

  it('binds a PVC of the default class and keeps its data across pods', async () => {
    await kubectl(['apply', '-n', NS, '-f', '-'], pvcManifests('writer', 'echo kept-$(date +%s) > /data/marker && cat /data/marker'));
    await kubectl(['wait', '-n', NS, '--for=jsonpath={.status.phase}=Bound', 'pvc/data', '--timeout=120s']);
    await kubectl(['wait', '-n', NS, '--for=jsonpath={.status.phase}=Succeeded', 'pod/writer', '--timeout=120s']);
    const written = (await kubectl(['logs', '-n', NS, 'writer'])).trim();
    expect(written).toMatch(/^kept-\d+$/);
    await kubectl(['delete', 'pod', '-n', NS, 'writer']);
    await kubectl(['apply', '-n', NS, '-f', '-'], pvcManifests('reader', 'cat /data/marker'));
    await kubectl(['wait', '-n', NS, '--for=jsonpath={.status.phase}=Succeeded', 'pod/reader', '--timeout=120s']);
    expect((await kubectl(['logs', '-n', NS, 'reader'])).trim()).toBe(written);
    const sc = await kubectl(['get', 'pvc', '-n', NS, 'data', '-o', 'jsonpath={.spec.storageClassName}']);
    expect(sc).toBe('standard');
  });
});

function helloManifests(): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata: { name: hello }
spec:
  replicas: 2
  selector: { matchLabels: { app: hello } }
  template:
    metadata: { labels: { app: hello } }
    spec:
      securityContext: { runAsNonRoot: true, runAsUser: 1000 }
      # One pod per worker, so the answers prove traffic crosses nodes.
      topologySpreadConstraints:
        - { maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: { matchLabels: { app: hello } } }
      containers:
        - name: hello
          image: ${IMAGE}
          imagePullPolicy: IfNotPresent
          ports: [{ containerPort: 8080 }]
          readinessProbe: { httpGet: { path: /readyz, port: 8080 }, periodSeconds: 2 }
---
apiVersion: v1
kind: Service
metadata: { name: hello }
spec:
  type: NodePort
  selector: { app: hello }
  ports: [{ port: 80, targetPort: 8080, nodePort: ${NODE_PORT} }]
`;
}

function pvcManifests(pod: string, script: string): string {
  return `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: data }
spec:
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 64Mi } }
---
apiVersion: v1
kind: Pod
metadata: { name: ${pod} }
spec:
  restartPolicy: Never
  containers:
    - name: main
      image: ${IMAGE}
      imagePullPolicy: IfNotPresent
      command: ["/bin/sh", "-c", ${JSON.stringify(script)}]
      volumeMounts: [{ name: data, mountPath: /data }]
  volumes:
    - name: data
      persistentVolumeClaim: { claimName: data }
`;
}
