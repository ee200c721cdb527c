// The Go-built pieces of the node image, each cached with a key of its pins (cache.ts):
//   kind CLI · kubelet, kubeadm, kubectl, kube-proxy · containerd (+ ctr, shim) · crictl · CoreDNS ·
//   local-path-provisioner · pause (C, gcc -static, from the k8s.io/kubernetes module).
// All static (CGO off), stripped, without VCS stamps. The node commands are built in controlplane/k8s
// with build.ts's exact flags, so they share GOCACHE with the control-plane build.
import { chmod, mkdir, readdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { kubeLdflags } from '../control-plane/build.ts';
import { K8S_BUILD_TAGS, NODE_COMMANDS } from '../control-plane/gen-modules.ts';
import { goBinary } from '../control-plane/run-cmd.ts';
import { KUBE_VERSION } from '../control-plane/versions.ts';
import { cached, hashFiles, keyText, log } from './cache.ts';
import { repoRoot } from './paths.ts';
import { run } from './run.ts';
import { CONTAINERD_VERSION, COREDNS_VERSION, CRICTL_VERSION, KIND_VERSION, LOCAL_PATH_VERSION, PAUSE_SOURCE_VERSION } from './versions.ts';

const SCRIPT = 'scripts/kind/go-builds.ts';

function goEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, CGO_ENABLED: '0', GOFLAGS: `${process.env.GOFLAGS ?? ''} -buildvcs=false`.trim(), ...extra };
}

let goVersionMemo: string | undefined;
async function goVersion(): Promise<string> {
  goVersionMemo ??= (await run(goBinary(), ['env', 'GOVERSION'], { capture: true })).trim();
  return goVersionMemo;
}

/** A module's directory in GOMODCACHE (downloaded if needed): kind's base-image files, pause.c. */
export async function moduleDir(modAtVersion: string): Promise<string> {
  const out = await run(goBinary(), ['mod', 'download', '-json', modAtVersion], { cwd: repoRoot, capture: true });
  return (JSON.parse(out) as { Dir: string }).Dir;
}

/** Heartbeat for silent multi-minute compiles. */
async function withHeartbeat<T>(what: string, work: Promise<T>): Promise<T> {
  const started = Date.now();
  const timer = setInterval(() => log(`${what}: still building, ${Math.round((Date.now() - started) / 1000)}s`), 60_000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

/** `go install pkg@version…` into a fresh directory that becomes the artifact. */
function goInstall(name: string, pkgs: string[], key: Record<string, unknown>, tags?: string): Promise<string> {
  return (async () =>
    cached(name, keyText({ artifact: name, ...key, go: await goVersion(), script: hashFiles(SCRIPT) }), async (tmp) => {
      await mkdir(tmp, { recursive: true });
      const args = ['install', '-trimpath', '-ldflags=-s -w', ...(tags ? [`-tags=${tags}`] : []), ...pkgs];
      await withHeartbeat(name, run(goBinary(), args, { cwd: repoRoot, env: goEnv({ GOBIN: tmp }) }));
    }))();
}

export const kindCli = (): Promise<string> =>
  goInstall('kind-cli', [`sigs.k8s.io/kind@${KIND_VERSION}`], { kind: KIND_VERSION }).then((d) => path.join(d, 'kind'));

export const containerdBins = (): Promise<string> =>
  goInstall(
    'containerd-bin',
    ['containerd', 'ctr', 'containerd-shim-runc-v2'].map((c) => `github.com/containerd/containerd/v2/cmd/${c}@${CONTAINERD_VERSION}`),
    { containerd: CONTAINERD_VERSION },
    // The node's containerd only needs overlayfs/native snapshotters; these need cgo or kernel headers.
    'no_aufs no_zfs no_btrfs no_devmapper',
  );

export const crictlBin = (): Promise<string> =>
  goInstall('crictl-bin', [`sigs.k8s.io/cri-tools/cmd/crictl@${CRICTL_VERSION}`], { crictl: CRICTL_VERSION }).then((d) => path.join(d, 'crictl'));

export const corednsBin = (): Promise<string> =>
  goInstall('coredns-bin', [`github.com/coredns/coredns@${COREDNS_VERSION}`], { coredns: COREDNS_VERSION }).then((d) => path.join(d, 'coredns'));

export const localPathBin = (): Promise<string> =>
  goInstall('local-path-bin', [`github.com/rancher/local-path-provisioner@${LOCAL_PATH_VERSION}`], { localPath: LOCAL_PATH_VERSION }).then((d) =>
    path.join(d, 'local-path-provisioner'),
  );

/** kubelet, kubeadm, kubectl, kube-proxy: one `go build` in controlplane/k8s (its go.sum covers them). */
export async function nodeBins(): Promise<string> {
  const k8sDir = path.join(repoRoot, 'controlplane/k8s');
  const key = keyText({
    artifact: 'node-bin',
    kubernetes: KUBE_VERSION,
    go: await goVersion(),
    modules: hashFiles('controlplane/k8s/go.mod', 'controlplane/k8s/go.sum'),
    ldflags: kubeLdflags(),
    script: hashFiles(SCRIPT),
  });
  return cached('node-bin', key, async (tmp) => {
    await mkdir(tmp, { recursive: true });
    const args = ['build', '-trimpath', `-tags=${K8S_BUILD_TAGS}`, `-ldflags=${kubeLdflags()}`, '-o', `${tmp}/`];
    await withHeartbeat('node-bin', run(goBinary(), [...args, ...NODE_COMMANDS.map((c) => `k8s.io/kubernetes/cmd/${c}`)], { cwd: k8sDir, env: goEnv() }));
    const built = (await readdir(tmp)).sort().join(',');
    if (built !== [...NODE_COMMANDS].sort().join(',')) throw new Error(`node-bin: expected ${NODE_COMMANDS.join(', ')}, got ${built}`);
  });
}

/** The pause container: upstream's pause.c from the same k8s.io/kubernetes module, static. */
export async function pauseBin(): Promise<string> {
  const key = keyText({ artifact: 'pause-bin', kubernetes: KUBE_VERSION, pause: PAUSE_SOURCE_VERSION, script: hashFiles(SCRIPT) });
  const dir = await cached('pause-bin', key, async (tmp) => {
    const src = path.join(await moduleDir(`k8s.io/kubernetes@${KUBE_VERSION}`), 'build/pause/linux/pause.c');
    await mkdir(tmp, { recursive: true });
    await run('gcc', ['-Os', '-static', `-DVERSION=${PAUSE_SOURCE_VERSION}`, '-o', path.join(tmp, 'pause.tmp'), src]);
    await rename(path.join(tmp, 'pause.tmp'), path.join(tmp, 'pause'));
    await chmod(path.join(tmp, 'pause'), 0o755);
  });
  return path.join(dir, 'pause');
}
