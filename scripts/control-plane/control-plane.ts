// startControlPlane(): a real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler) with kwok standing in for kubelets, all on 127.0.0.1 with free ports, in a temp dir.
// Built for tests and for a person to poke at (dev.ts). See controlplane/README.md.
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api, KubeConfig, StorageV1Api, type V1Node } from '@kubernetes/client-node';
import { ensureBinaries } from './build.ts';
import { CONTROL_PLANE_TAINT, nodeManifest, nodeNames, storageClassManifest } from './cluster-objects.ts';
import { type Component, ComponentExitedError, startComponent } from './component.ts';
import { httpGet } from './health.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { LOCAL_PATH_STAGES } from './kwok-stages.ts';
import { binDir as defaultBinDir, kwokStagesPath } from './paths.ts';
import { generatePki, type ClientName } from './pki.ts';
import { freePorts } from './ports.ts';
import { type Reaper, startReaper } from './reaper.ts';
import { waitFor } from './wait.ts';

export const DEFAULT_CONTEXT = 'kind-workshop-harness';
export const DEFAULT_CLUSTER = 'workshop';
// kind's defaults, so addresses in objects look like a kind cluster's.
const SERVICE_CIDR = '10.96.0.0/16';
const POD_CIDR = '10.244.0.0/16';

export interface ControlPlaneOptions {
  /** kubeconfig context/cluster/user name. Default `kind-workshop-harness`. */
  contextName?: string;
  /** Node name prefix, like kind's cluster name. Default `workshop` → workshop-control-plane, workshop-worker, … */
  clusterName?: string;
  /** Number of worker nodes (untainted). Default 2, like the workshop's kind-config.yaml. */
  workers?: number;
  /** Directory with etcd, kube-*, kwok. Default: the version-keyed cache (paths.ts). */
  binDir?: string;
  /** Build missing binaries first (slow when cold). Default true. */
  build?: boolean;
  /** Budget for the whole start, after binaries exist. Default 180 s (2 busy cores can be slow). */
  timeoutMs?: number;
  /** Where to create the temp dir. Default os.tmpdir(). */
  tmpRoot?: string;
  /** Keep the temp dir (logs, certs) after stop(), for debugging. Default false. */
  keepDir?: boolean;
  /** Stop on SIGINT/SIGTERM/SIGHUP of this process, then re-raise the signal. Default true. */
  handleSignals?: boolean;
  /** Progress lines. Default: stderr with a prefix. */
  log?: (line: string) => void;
}

export interface ControlPlane {
  kubeconfigPath: string;
  contextName: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** Temp dir with certs, kubeconfigs, etcd data and one <component>.log per process. */
  dir: string;
  nodeNames: string[];
  /** PIDs and log files, for diagnostics. */
  components: { name: string; pid: number; logFile: string }[];
  stop(): Promise<void>;
}

/** Thrown when start fails; `component` names the process to blame and the message carries its log tail. */
export class ControlPlaneStartError extends Error {
  constructor(
    message: string,
    readonly component: string | undefined,
    readonly dir: string,
  ) {
    super(message);
    this.name = 'ControlPlaneStartError';
  }
}

// Every running plane, so signal and exit handlers can stop them.
const running = new Set<{ stop(): Promise<void>; killNow(): void }>();
let handlersInstalled = false;

function installProcessHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  // Last resort on any exit path (process.exit, uncaught error): only synchronous work is possible here.
  process.on('exit', () => {
    for (const p of running) p.killNow();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      if (running.size) console.error(`[control-plane] ${sig}: stopping ${running.size} control plane(s)…`);
      void Promise.allSettled([...running].map((p) => p.stop())).then(() => {
        // Re-raise so the exit status says "killed by SIGINT" and other listeners still run.
        if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
      });
    });
  }
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const log = opts.log ?? ((line: string) => console.error(`[control-plane] ${line}`));
  const contextName = opts.contextName ?? DEFAULT_CONTEXT;
  const names = nodeNames(opts.clusterName ?? DEFAULT_CLUSTER, opts.workers ?? 2);
  const bin = opts.binDir ?? defaultBinDir();
  const timeoutMs = opts.timeoutMs ?? 180_000;

  if (opts.build ?? true) await ensureBinaries();

  const started = Date.now();
  const dir = await mkdtemp(path.join(opts.tmpRoot ?? os.tmpdir(), 'legacy-to-k8s-cp-'));
  const components: Component[] = [];
  let reaper: Reaper | undefined;
  let stopped = false;

  const killNow = (): void => {
    for (const c of components) c.killNow();
    reaper?.stop();
    if (!opts.keepDir) rmSync(dir, { recursive: true, force: true });
  };
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // Reverse start order: clients first, etcd last, so nothing logs storage errors on the way down.
    for (const c of [...components].reverse()) await c.stop();
    reaper?.stop();
    running.delete(handle);
    if (!opts.keepDir) await rm(dir, { recursive: true, force: true });
  };
  const handle = { stop, killNow };
  running.add(handle);
  if (opts.handleSignals ?? true) installProcessHandlers();

  const remaining = (): number => Math.max(1_000, timeoutMs - (Date.now() - started));
  const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  const spawnC = (name: string, args: string[]): Component => {
    const c = startComponent(name, path.join(bin, name), args, dir);
    components.push(c);
    reaper?.record(components.map((x) => x.pid));
    return c;
  };
  // Which component to blame when a wait fails; its log tail goes into the error.
  let blame: Component | undefined;

  try {
    reaper = startReaper(dir, path.join(dir, 'pids'));
    log(`temp dir ${dir}`);
    const pki = await generatePki(dir);
    const [etcdPort, etcdPeerPort, apiPort, kcmPort, schedPort, kwokPort] = (await freePorts(6)) as [number, number, number, number, number, number];
    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfigs = {} as Record<ClientName, string>;
    for (const name of Object.keys(pki.clients) as ClientName[]) {
      const file = path.join(dir, name === 'admin' ? 'kubeconfig' : `${name}.kubeconfig`);
      kubeconfigs[name] = file;
      await writeKubeconfig(file, {
        server,
        caFile: pki.caCert,
        certFile: pki.clients[name].cert,
        keyFile: pki.clients[name].key,
        name: name === 'admin' ? contextName : name,
      });
    }

    // etcd: the version built from our wrapper module (Debian's 3.4 lacks features the apiserver needs).
    const etcd = spawnC('etcd', [
      '--name=harness',
      `--data-dir=${path.join(dir, 'etcd-data')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-cluster=harness=http://127.0.0.1:${etcdPeerPort}`,
      // Throwaway data: skip fsync, it is the slowest part of etcd on a VM disk.
      '--unsafe-no-fsync=true',
      '--quota-backend-bytes=2147483648',
      '--log-level=warn',
    ]);
    blame = etcd;
    await waitFor(async () => ((await httpGet(`http://127.0.0.1:${etcdPort}/health`)).includes('"true"') ? true : undefined), {
      what: 'etcd /health',
      timeoutMs: remaining(),
      log,
      abortIf: () => etcd.assertRunning(),
    });
    log(`etcd ready on 127.0.0.1:${etcdPort} (${elapsed()})`);

    const apiserver = spawnC('kube-apiserver', [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      '--advertise-address=127.0.0.1',
      // The default reconciler would publish 127.0.0.1 as the `kubernetes` Endpoints, which validation
      // rejects (loopback); kwokctl does the same. Cost: that Service has no endpoints.
      '--endpoint-reconciler-type=none',
      `--tls-cert-file=${pki.apiserverCert}`,
      `--tls-private-key-file=${pki.apiserverKey}`,
      `--client-ca-file=${pki.caCert}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.saPub}`,
      `--service-account-signing-key-file=${pki.saKey}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      // As kind/kubeadm: the Node authorizer (for kubelet identities) and RBAC for everyone else.
      '--authorization-mode=Node,RBAC',
      '--enable-admission-plugins=NodeRestriction',
      '--allow-privileged=true',
      `--cert-dir=${path.join(dir, 'apiserver-certs')}`,
      // Front proxy / aggregation layer, with kubeadm's header names.
      `--requestheader-client-ca-file=${pki.frontProxyCaCert}`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${pki.frontProxyClientCert}`,
      `--proxy-client-key-file=${pki.frontProxyClientKey}`,
      '--profiling=false',
    ]);
    blame = apiserver;
    const adminTls = { ca: pki.caCert, cert: pki.clients.admin.cert, key: pki.clients.admin.key };
    await waitFor(async () => ((await httpGet(`${server}/readyz`, adminTls)) ? true : undefined), {
      what: 'kube-apiserver /readyz',
      timeoutMs: remaining(),
      log,
      abortIf: () => {
        etcd.assertRunning();
        apiserver.assertRunning();
      },
    });
    log(`kube-apiserver ready at ${server} (${elapsed()})`);

    const commonServing = (port: number, certDir: string, kubeconfig: string): string[] => [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${port}`,
      `--cert-dir=${certDir}`,
      '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics',
      // One instance each: no lease round-trips before they start working.
      '--leader-elect=false',
      '--profiling=false',
    ];
    const kcmCerts = path.join(dir, 'kcm-certs');
    const schedCerts = path.join(dir, 'scheduler-certs');
    await mkdir(kcmCerts);
    await mkdir(schedCerts);
    const kcm = spawnC('kube-controller-manager', [
      ...commonServing(kcmPort, kcmCerts, kubeconfigs['kube-controller-manager']),
      // kubeadm's set: every default controller plus the bootstrap-token ones.
      '--controllers=*,bootstrapsigner,tokencleaner',
      // Each controller runs with its own ServiceAccount token, as on kind, so RBAC applies to them.
      '--use-service-account-credentials=true',
      `--service-account-private-key-file=${pki.saKey}`,
      `--root-ca-file=${pki.caCert}`,
      `--cluster-signing-cert-file=${pki.caCert}`,
      `--cluster-signing-key-file=${pki.caKey}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      `--cluster-cidr=${POD_CIDR}`,
      '--allocate-node-cidrs=true',
      '--cluster-name=workshop',
    ]);
    const sched = spawnC('kube-scheduler', commonServing(schedPort, schedCerts, kubeconfigs['kube-scheduler']));

    const stagesFile = path.join(dir, 'kwok-stages.yaml');
    await writeFile(stagesFile, `${(await readFile(kwokStagesPath(), 'utf8')).trimEnd()}\n---\n${LOCAL_PATH_STAGES.trim()}\n`);
    const kwok = spawnC('kwok', [
      `--kubeconfig=${kubeconfigs.kwok}`,
      `--config=${stagesFile}`,
      // Only our annotated nodes: never touch a node something else manages.
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      // The binary's default is 0 = no Lease heartbeats, and KCM would then mark the nodes NotReady after ~50 s.
      '--node-lease-duration-seconds=40',
      `--cidr=${POD_CIDR}`,
      `--server-address=127.0.0.1:${kwokPort}`,
    ]);

    for (const [c, url] of [
      [kcm, `https://127.0.0.1:${kcmPort}/healthz`],
      [sched, `https://127.0.0.1:${schedPort}/healthz`],
      [kwok, `http://127.0.0.1:${kwokPort}/healthz`],
    ] as const) {
      blame = c;
      await waitFor(async () => ((await httpGet(url, { insecure: true })) ? true : undefined), {
        what: `${c.name} ${new URL(url).pathname}`,
        timeoutMs: remaining(),
        log,
        abortIf: () => {
          for (const x of components) x.assertRunning();
        },
      });
      log(`${c.name} healthy (${elapsed()})`);
    }

    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigs.admin);
    const core = kc.makeApiClient(CoreV1Api);
    const storage = kc.makeApiClient(StorageV1Api);
    blame = apiserver;
    await storage.createStorageClass({ body: storageClassManifest() });
    for (const [i, name] of names.entries()) await core.createNode({ body: nodeManifest(name, i === 0) });
    log(`created nodes ${names.join(', ')} and StorageClass standard (${elapsed()})`);

    const everyoneUp = (): void => {
      for (const x of components) x.assertRunning();
    };
    blame = kwok;
    await waitFor(
      async () => {
        const nodes = (await core.listNode()).items;
        const notReady = names.filter((n) => !isSchedulableReady(nodes.find((x) => x.metadata?.name === n)));
        if (notReady.length) throw new Error(`not Ready yet: ${notReady.join(', ')}`);
        return true;
      },
      { what: 'nodes Ready', timeoutMs: remaining(), log, abortIf: everyoneUp },
    );
    log(`nodes Ready (${elapsed()})`);
    // The ServiceAccount controller (KCM) must have made `default/default`, or pods created right away in
    // `default` are rejected by ServiceAccount admission.
    blame = kcm;
    await waitFor(
      async () => {
        await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
        return true;
      },
      { what: 'ServiceAccount default/default', timeoutMs: remaining(), log, abortIf: everyoneUp },
    );
    log(`control plane up in ${elapsed()}: KUBECONFIG=${kubeconfigs.admin} (context ${contextName})`);

    return {
      kubeconfigPath: kubeconfigs.admin,
      contextName,
      server,
      dir,
      nodeNames: names,
      components: components.map((c) => ({ name: c.name, pid: c.pid, logFile: c.logFile })),
      stop,
    };
  } catch (err) {
    const e = err as Error;
    // A dead process explains more than the timeout that noticed it.
    const culprit = err instanceof ComponentExitedError ? err.component : blame?.name;
    let message = `control plane failed to start after ${elapsed()}: ${e.message}`;
    const c = components.find((x) => x.name === culprit);
    if (c && !(err instanceof ComponentExitedError)) message += `\nLast lines of ${c.logFile}:\n${c.tail(20)}`;
    if (opts.keepDir) message += `\n(logs kept in ${dir})`;
    await stop();
    throw new ControlPlaneStartError(message, culprit, dir);
  }
}

/** Ready=True and no not-ready/unreachable taint left, so the scheduler and DaemonSets treat it as usable. */
function isSchedulableReady(node: V1Node | undefined): boolean {
  if (!node) return false;
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  const blocking = (node.spec?.taints ?? []).some((t) => t.key !== CONTROL_PLANE_TAINT && t.key.startsWith('node.kubernetes.io/'));
  return ready && blocking === false;
}
