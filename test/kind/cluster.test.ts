// The real-kind tier's own proof that the cluster is real and that `npm run setup` made it: kubelets
// Ready, setup's backing services answering on kind-config.yaml's 127.0.0.1 port mappings, pods of an
// image built here serving HTTP, `kind load docker-image` reaching every node, and a volume bound by
// the real local-path provisioner. Everything is reached through 127.0.0.1 or the API server's proxy;
// nothing sends traffic to pod or node addresses from the host.
import net from 'node:net';
import pg from 'pg';
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
    expect(nodes.items.map((n) => n.metadata.name).sort()).toEqual([
      `${inject('kind').cluster}-control-plane`,
      `${inject('kind').cluster}-worker`,
      `${inject('kind').cluster}-worker2`,
    ]);
    for (const n of nodes.items) {
      expect(n.status.nodeInfo.kubeletVersion).toBe(KUBE_VERSION);
      // `go install` builds carry no VCS stamp, so containerd reports e.g. 2.4.2+unknown.
      expect(n.status.nodeInfo.containerRuntimeVersion.replace(/\+.*$/, '')).toBe(`containerd://${CONTAINERD_VERSION.replace(/^v/, '')}`);
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

    // Through the API server's service proxy: the Service balances over both pods, one per worker.
    const pods = new Set<string>();
    await eventually(
      'both pods answering through the Service',
      async () => {
        const body = JSON.parse(await kubectl(['get', '--raw', `/api/v1/namespaces/${NS}/services/hello:80/proxy/`])) as { pod: string; uid: number };
        expect(body.uid).toBe(1000);
        pods.add(body.pod);
        return pods.size === 2 ? true : undefined;
      },
      90_000,
      250,
    );
    const nodesOfPods = (await kubectl(['get', 'pods', '-n', NS, '-l', 'app=hello', '-o', 'jsonpath={.items[*].spec.nodeName}'])).split(' ');
    expect(new Set(nodesOfPods).size).toBe(2);
  });

  it("serves setup's Postgres, Redis and Mailpit on kind-config.yaml's 127.0.0.1 port mappings", async () => {
    // Each answers its own protocol's greeting through the node's port mapping and the NodePort.
    const greeting = (port: number, send?: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const sock = net.connect(port, '127.0.0.1');
        let got = '';
        sock.setTimeout(5000, () => sock.destroy(new Error(`no answer on 127.0.0.1:${port}`)));
        sock.on('connect', () => send && sock.write(send));
        sock.on('data', (b) => {
          got += b.toString('latin1');
          sock.end();
        });
        sock.on('close', () => resolve(got));
        sock.on('error', reject);
      });
    await eventually('Redis PONG on 127.0.0.1:6379', async () => ((await greeting(6379, 'PING\r\n')).startsWith('+PONG') ? true : undefined), 60_000);
    await eventually('Mailpit SMTP banner on 127.0.0.1:1025', async () => ((await greeting(1025)).startsWith('220') ? true : undefined), 60_000);
    // Postgres: log in as the legacy app does (setup/backing-services.yaml's user, password, database).
    await eventually(
      'Postgres query on 127.0.0.1:5432',
      async () => {
        const client = new pg.Client({
          host: '127.0.0.1',
          port: 5432,
          user: 'teamnotes',
          password: 'Tn-prod-2019!',
          database: 'teamnotes',
          connectionTimeoutMillis: 5000,
        });
        await client.connect();
        try {
          const r = await client.query<{ one: number }>('select 1 as one');
          return r.rows[0]?.one === 1 ? true : undefined;
        } finally {
          await client.end();
        }
      },
      60_000,
    );
    const ui = await fetch('http://127.0.0.1:8025/api/v1/info', { signal: AbortSignal.timeout(5000) });
    expect(ui.status).toBe(200);
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
  selector: { app: hello }
  ports: [{ port: 80, targetPort: 8080 }]
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
